//! Following a chain rename into the rules that jump to the chain.
//!
//! A jump or goto names its target chain by pointer in the kernel, so after
//! `nft rename chain` the kernel dumps every `jump old` as `jump new` although it sends no
//! notification for those rules. The snapshot keeps expressions as the kernel's bytes, so the
//! verdicts are re-encoded here exactly as the kernel encodes them (`nft_immediate_dump`,
//! `nft_verdict_dump`: nests without `NLA_F_NESTED`, the name NUL-terminated and padded).

use nftrace_sys::netlink::NLA_HDRLEN;
use nftrace_sys::nf_tables::{
    NFTA_DATA_VERDICT, NFTA_IMMEDIATE_DATA, NFTA_VERDICT_CHAIN, NFTA_VERDICT_CODE, NFT_GOTO,
    NFT_JUMP,
};

use crate::ruleset::model::Table;
use crate::wire::{AttrSpace, Attrs};

const ANY: AttrSpace = AttrSpace::new(&[], "attribute");

/// Rewrites every `jump old` / `goto old` of `table`'s rules to `new`. Returns how many
/// expressions changed.
pub(super) fn rename_jump_targets(table: &mut Table, old: &str, new: &str) -> usize {
    let mut changed = 0;
    let exprs = table
        .chains
        .iter_mut()
        .flat_map(|c| c.rules.iter_mut())
        .flat_map(|r| r.exprs.iter_mut())
        .filter(|e| e.name == "immediate");
    for expr in exprs {
        if let Some(data) = rewrite_immediate(&expr.data, old, new) {
            expr.data = data;
            changed += 1;
        }
    }
    changed
}

/// The `NFTA_IMMEDIATE_*` attributes with a verdict to chain `old` retargeted to `new`;
/// `None` when there is no such verdict (or the bytes do not parse).
fn rewrite_immediate(data: &[u8], old: &str, new: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() + new.len());
    let mut hit = false;
    for attr in Attrs::new(data, 0, ANY) {
        let attr = attr.ok()?;
        if attr.ty() == NFTA_IMMEDIATE_DATA {
            let mut nested = Vec::new();
            for inner in attr.nested(ANY) {
                let inner = inner.ok()?;
                if inner.ty() == NFTA_DATA_VERDICT {
                    if let Some(verdict) = rewrite_verdict(inner.payload(), old, new) {
                        hit = true;
                        put(&mut nested, inner.ty() | inner.flags(), &verdict)?;
                        continue;
                    }
                }
                put(&mut nested, inner.ty() | inner.flags(), inner.payload())?;
            }
            put(&mut out, attr.ty() | attr.flags(), &nested)?;
        } else {
            put(&mut out, attr.ty() | attr.flags(), attr.payload())?;
        }
    }
    hit.then_some(out)
}

/// `NFTA_VERDICT_*` with the chain renamed, if it is a jump or goto to `old`.
fn rewrite_verdict(payload: &[u8], old: &str, new: &str) -> Option<Vec<u8>> {
    let mut code = None;
    let mut target = None;
    for attr in Attrs::new(payload, 0, ANY) {
        let attr = attr.ok()?;
        match attr.ty() {
            NFTA_VERDICT_CODE => code = attr.be_i32().ok(),
            NFTA_VERDICT_CHAIN => target = attr.cstr().ok(),
            _ => {}
        }
    }
    if !matches!(code, Some(NFT_JUMP | NFT_GOTO)) || target != Some(old) {
        return None;
    }
    let mut out = Vec::with_capacity(payload.len() + new.len());
    for attr in Attrs::new(payload, 0, ANY) {
        let attr = attr.ok()?;
        if attr.ty() == NFTA_VERDICT_CHAIN {
            let mut name = new.as_bytes().to_vec();
            name.push(0);
            put(&mut out, attr.ty() | attr.flags(), &name)?;
        } else {
            put(&mut out, attr.ty() | attr.flags(), attr.payload())?;
        }
    }
    Some(out)
}

/// Appends one attribute (`nla_len` without padding, then the payload padded to 4).
fn put(out: &mut Vec<u8>, raw_type: u16, payload: &[u8]) -> Option<()> {
    let len = u16::try_from(payload.len().checked_add(NLA_HDRLEN)?).ok()?;
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&raw_type.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize(out.len().next_multiple_of(4), 0);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The `immediate` data of `jump user_checks` and of the same rule after
    // `nft rename chain inet filter_t user_checks checks2`, as this kernel (6.18) dumped
    // them (tests/ruleset_nft.rs loads the ruleset; bytes copied from its failure output).
    const JUMP_USER_CHECKS: &[u8] = &[
        8, 0, 1, 0, 0, 0, 0, 0, 32, 0, 2, 0, 28, 0, 2, 0, 8, 0, 1, 0, 255, 255, 255, 253, 16, 0, 2,
        0, 117, 115, 101, 114, 95, 99, 104, 101, 99, 107, 115, 0,
    ];
    const JUMP_CHECKS2: &[u8] = &[
        8, 0, 1, 0, 0, 0, 0, 0, 28, 0, 2, 0, 24, 0, 2, 0, 8, 0, 1, 0, 255, 255, 255, 253, 12, 0, 2,
        0, 99, 104, 101, 99, 107, 115, 50, 0,
    ];
    // `accept`: no chain.
    const ACCEPT: &[u8] = &[
        8, 0, 1, 0, 0, 0, 0, 0, 16, 0, 2, 0, 12, 0, 2, 0, 8, 0, 1, 0, 0, 0, 0, 1,
    ];

    #[test]
    fn renames_like_the_kernel_encodes() {
        assert_eq!(
            rewrite_immediate(JUMP_USER_CHECKS, "user_checks", "checks2").as_deref(),
            Some(JUMP_CHECKS2)
        );
        assert_eq!(
            rewrite_immediate(JUMP_CHECKS2, "checks2", "user_checks").as_deref(),
            Some(JUMP_USER_CHECKS)
        );
    }

    #[test]
    fn leaves_other_verdicts_and_targets_alone() {
        assert_eq!(rewrite_immediate(JUMP_USER_CHECKS, "other", "x"), None);
        assert_eq!(rewrite_immediate(ACCEPT, "user_checks", "x"), None);
        for cut in 0..JUMP_USER_CHECKS.len() {
            // Never panics on a cut; a cut that drops the verdict is no rename.
            let _ = rewrite_immediate(&JUMP_USER_CHECKS[..cut], "user_checks", "x");
        }
    }
}
