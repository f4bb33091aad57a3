//! The kernel's legacy table, parsed in safe code from the bytes `getsockopt` returned:
//! `ipt_getinfo` (hook entry points, policy entries, entry count, blob size) and the entry
//! blob of `IPT_SO_GET_ENTRIES` (`ipt_entry`/`ip6t_entry` records, each with its matches and
//! one target).
//!
//! The blob is laid out by libiptc: the built-in chains in hook order, each from
//! `hook_entry[hook]` to its policy entry at `underflow[hook]`; then the user chains, each
//! headed by an `ERROR` target carrying the chain's name and ending with an unconditional
//! `RETURN`; then the `ERROR "ERROR"` entry that ends the table. Rules are numbered the way
//! the kernel's `get_chainname_rulenum()` numbers them for `TRACE`: 1-based within their chain
//! (user chains too), so a built-in chain's policy and a user chain's implicit return come
//! one past the last rule.
//!
//! Every offset and size is checked before it is used: a malformed blob is an
//! [`IptablesError::Malformed`] naming the byte where it went wrong, never a panic.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::mem::size_of;

use nftrace_sys::netfilter::{NF_ACCEPT, NF_DROP, NF_MAX_VERDICT, NF_REPEAT};
use nftrace_sys::x_tables::{
    ipt_getinfo, xt_entry_target, XT_ERROR_TARGET, XT_EXTENSION_MAXNAMELEN, XT_FUNCTION_MAXNAMELEN,
    XT_RETURN, XT_TABLE_MAXNAMELEN,
};

use super::error::{BlobProblem, IptablesError};
use super::family::{EntryLayout, XtFamily};
use crate::ruleset::model::{LegacyChain, LegacyRule, LegacyTable, LegacyTarget};

/// The names of the built-in chains, by hook number (the kernel's `hooknames[]`).
pub const BUILTIN_CHAINS: [&str; 5] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/// `struct ipt_getinfo` / `ip6t_getinfo` (the same layout), decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table's name.
    pub name: String,
    /// Bit mask of the hooks the table is attached to (`1 << NF_INET_*`).
    pub valid_hooks: u32,
    /// Blob offset of each hook's built-in chain.
    pub hook_entry: [u32; 5],
    /// Blob offset of each built-in chain's policy entry.
    pub underflow: [u32; 5],
    /// Number of entries (rules, policies, chain heads, returns and the end marker).
    pub num_entries: u32,
    /// Size of the entry blob in bytes.
    pub size: u32,
}

/// Size of `struct ipt_getinfo`: the buffer `IPT_SO_GET_INFO` fills.
pub const GETINFO_LEN: usize = size_of::<ipt_getinfo>();

fn u16_at(bytes: &[u8], offset: usize) -> Option<u16> {
    let end = offset.checked_add(2)?;
    Some(u16::from_ne_bytes(bytes.get(offset..end)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    Some(u32::from_ne_bytes(bytes.get(offset..end)?.try_into().ok()?))
}

fn i32_at(bytes: &[u8], offset: usize) -> Option<i32> {
    let end = offset.checked_add(4)?;
    Some(i32::from_ne_bytes(bytes.get(offset..end)?.try_into().ok()?))
}

/// The bytes of a NUL-padded name field, up to the first NUL.
fn c_name(field: &[u8]) -> &[u8] {
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    field.get(..len).unwrap_or_default()
}

impl TableInfo {
    /// Decodes the `IPT_SO_GET_INFO` result (exactly [`GETINFO_LEN`] bytes).
    pub fn parse(bytes: &[u8]) -> Result<TableInfo, BlobProblem> {
        use std::mem::offset_of;
        if bytes.len() != GETINFO_LEN {
            return Err(BlobProblem::InfoLength {
                len: bytes.len(),
                expected: GETINFO_LEN,
            });
        }
        let short = || BlobProblem::InfoLength {
            len: bytes.len(),
            expected: GETINFO_LEN,
        };
        let name_field = bytes.get(..XT_TABLE_MAXNAMELEN).ok_or_else(short)?;
        let name = std::str::from_utf8(c_name(name_field))
            .map_err(|_| BlobProblem::NotUtf8)?
            .to_owned();
        let u32_field = |offset: usize| u32_at(bytes, offset).ok_or_else(short);
        let mut hook_entry = [0u32; 5];
        let mut underflow = [0u32; 5];
        for (hook, (entry, under)) in hook_entry.iter_mut().zip(&mut underflow).enumerate() {
            *entry = u32_field(offset_of!(ipt_getinfo, hook_entry) + 4 * hook)?;
            *under = u32_field(offset_of!(ipt_getinfo, underflow) + 4 * hook)?;
        }
        Ok(TableInfo {
            name,
            valid_hooks: u32_field(offset_of!(ipt_getinfo, valid_hooks))?,
            hook_entry,
            underflow,
            num_entries: u32_field(offset_of!(ipt_getinfo, num_entries))?,
            size: u32_field(offset_of!(ipt_getinfo, size))?,
        })
    }

    /// The hooks the table is attached to, in hook order.
    pub fn hooks(&self) -> impl Iterator<Item = u32> + '_ {
        (0u32..5).filter(|hook| self.valid_hooks & (1 << hook) != 0)
    }
}

/// An entry's target, as the blob holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawTarget<'a> {
    /// The standard target: a negative verdict or a jump offset.
    Standard(i32),
    /// `ERROR`: a user chain's head (or the end marker), with the chain's name.
    Error(&'a str),
    /// Any other target extension.
    Extension { name: &'a str, revision: u8 },
}

/// One entry of the blob.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    offset: usize,
    /// `next_offset`: the entry's length including matches and target.
    len: usize,
    /// No header match and no matches: the kernel's `unconditional()`.
    unconditional: bool,
    /// `IPT_F_GOTO` / `IP6T_F_GOTO`: a jump that does not come back.
    goto: bool,
    target: RawTarget<'a>,
}

/// A blob problem at a byte offset, before the table's name is attached.
type Located = (usize, BlobProblem);

fn utf8(bytes: &[u8], offset: usize) -> Result<&str, Located> {
    std::str::from_utf8(bytes).map_err(|_| (offset, BlobProblem::NotUtf8))
}

/// Decodes the entry at `offset`, checking that it and its target lie inside the blob.
fn entry_at<'a>(layout: &EntryLayout, blob: &'a [u8], offset: usize) -> Result<Entry<'a>, Located> {
    let left = blob.len().saturating_sub(offset);
    let bytes = blob
        .get(offset..)
        .filter(|rest| rest.len() >= layout.header)
        .ok_or((offset, BlobProblem::EntryTruncated { left }))?;
    let truncated = (offset, BlobProblem::EntryTruncated { left });
    let target_offset = u16_at(bytes, layout.target_offset).ok_or(truncated.clone())?;
    let next_offset = u16_at(bytes, layout.next_offset).ok_or(truncated.clone())?;
    let target_header = size_of::<xt_entry_target>();
    let len = usize::from(next_offset);
    if len < layout.header + target_header || len > bytes.len() {
        return Err((offset, BlobProblem::BadNextOffset { next_offset }));
    }
    let target_start = usize::from(target_offset);
    if target_start < layout.header || target_start + target_header > len {
        return Err((offset, BlobProblem::BadTargetOffset { target_offset }));
    }
    let entry = bytes.get(..len).ok_or(truncated.clone())?;
    let target_size = u16_at(entry, target_start).ok_or(truncated.clone())?;
    let target_end = target_start + usize::from(target_size);
    if usize::from(target_size) < target_header || target_end > len {
        return Err((offset, BlobProblem::BadTargetSize { target_size }));
    }
    let target = entry
        .get(target_start..target_end)
        .ok_or(truncated.clone())?;
    // xt_entry_target: u16 size, name[29], u8 revision, then the target's data at +32.
    let name = c_name(
        target
            .get(2..2 + XT_EXTENSION_MAXNAMELEN)
            .unwrap_or_default(),
    );
    let revision = target
        .get(2 + XT_EXTENSION_MAXNAMELEN)
        .copied()
        .unwrap_or(0);
    let data = target.get(target_header..).unwrap_or_default();
    let bad_size = (offset, BlobProblem::BadTargetSize { target_size });
    let target = if name.is_empty() {
        RawTarget::Standard(i32_at(data, 0).ok_or(bad_size)?)
    } else if name == XT_ERROR_TARGET {
        let field = data
            .get(..data.len().min(XT_FUNCTION_MAXNAMELEN))
            .unwrap_or_default();
        RawTarget::Error(utf8(c_name(field), offset)?)
    } else {
        RawTarget::Extension {
            name: utf8(name, offset)?,
            revision,
        }
    };
    let header_match = entry.get(..layout.ip_len).unwrap_or_default();
    let unconditional = target_start == layout.header && header_match.iter().all(|&b| b == 0);
    let goto = entry
        .get(layout.flags)
        .is_some_and(|f| f & layout.goto_flag != 0);
    Ok(Entry {
        offset,
        len,
        unconditional,
        goto,
        target,
    })
}

/// Every entry of the blob, in order; checks the count against `ipt_getinfo`.
fn walk<'a>(family: XtFamily, info: &TableInfo, blob: &'a [u8]) -> Result<Vec<Entry<'a>>, Located> {
    if usize::try_from(info.size).ok() != Some(blob.len()) {
        return Err((
            0,
            BlobProblem::SizeMismatch {
                len: blob.len(),
                size: info.size,
            },
        ));
    }
    let layout = family.layout();
    let expected = usize::try_from(info.num_entries).unwrap_or(usize::MAX);
    let mut entries = Vec::with_capacity(expected.min(blob.len() / layout.header + 1));
    let mut offset = 0;
    while offset < blob.len() {
        if entries.len() >= expected {
            return Err((
                offset,
                BlobProblem::TooManyEntries {
                    expected: info.num_entries,
                },
            ));
        }
        let entry = entry_at(&layout, blob, offset)?;
        offset += entry.len;
        entries.push(entry);
    }
    if entries.len() != expected {
        return Err((
            blob.len(),
            BlobProblem::EntryCount {
                found: entries.len(),
                expected: info.num_entries,
            },
        ));
    }
    Ok(entries)
}

/// A hash of the blob without the counters: equal for two reads of an unchanged table,
/// different (but for a 2⁻⁶⁴ chance) once any rule was added, removed or replaced.
pub(crate) fn fingerprint(family: XtFamily, info: &TableInfo, blob: &[u8]) -> Option<u64> {
    let entries = walk(family, info, blob).ok()?;
    let layout = family.layout();
    let mut hasher = DefaultHasher::new();
    info.hash(&mut hasher);
    for entry in entries {
        let bytes = blob.get(entry.offset..entry.offset + entry.len)?;
        let counters_end = layout.counters + layout.counters_len;
        bytes.get(..layout.counters)?.hash(&mut hasher);
        bytes.get(counters_end..)?.hash(&mut hasher);
    }
    Some(hasher.finish())
}

impl Hash for TableInfo {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.valid_hooks.hash(state);
        self.hook_entry.hash(state);
        self.underflow.hash(state);
        self.num_entries.hash(state);
        self.size.hash(state);
    }
}

/// Parses a table from its `ipt_getinfo` and its entry blob.
pub fn parse_table(
    family: XtFamily,
    info: &TableInfo,
    blob: &[u8],
) -> Result<LegacyTable, IptablesError> {
    build(family, info, blob).map_err(|(offset, problem)| IptablesError::Malformed {
        family,
        table: info.name.clone(),
        offset,
        problem,
    })
}

/// Index of the entry that starts at `offset`.
fn index_of(entries: &[Entry<'_>], offset: u32) -> Option<usize> {
    let offset = usize::try_from(offset).ok()?;
    entries.binary_search_by_key(&offset, |e| e.offset).ok()
}

fn build(family: XtFamily, info: &TableInfo, blob: &[u8]) -> Result<LegacyTable, Located> {
    let entries = walk(family, info, blob)?;
    let mut claimed = vec![false; entries.len()];
    let mut claim = |range: std::ops::RangeInclusive<usize>, at: usize| -> Result<(), Located> {
        for slot in claimed.get_mut(range).unwrap_or_default() {
            if *slot {
                return Err((at, BlobProblem::Overlap));
            }
            *slot = true;
        }
        Ok(())
    };

    // The end marker, then the user chains it closes.
    let last = entries
        .len()
        .checked_sub(1)
        .ok_or((0, BlobProblem::NoEndMarker))?;
    let end = entries.get(last).ok_or((0, BlobProblem::NoEndMarker))?;
    if end.target != RawTarget::Error("ERROR") {
        return Err((end.offset, BlobProblem::NoEndMarker));
    }
    claim(last..=last, end.offset)?;
    let heads: Vec<usize> = entries
        .iter()
        .enumerate()
        .take(last)
        .filter(|(_, e)| matches!(e.target, RawTarget::Error(_)))
        .map(|(i, _)| i)
        .collect();
    // Jump verdicts point at a user chain's first entry (libiptc), or at its head.
    let mut chain_starts: Vec<(usize, &str)> = Vec::with_capacity(heads.len() * 2);
    for &head in &heads {
        if let Some(Entry {
            offset,
            len,
            target: RawTarget::Error(name),
            ..
        }) = entries.get(head)
        {
            chain_starts.push((*offset, name));
            chain_starts.push((offset + len, name));
        }
    }
    chain_starts.sort_unstable();

    let mut chains = Vec::with_capacity(5 + heads.len());
    for hook in info.hooks() {
        let slot = usize::try_from(hook).unwrap_or(usize::MAX);
        let chain_name = BUILTIN_CHAINS.get(slot).copied().unwrap_or("?");
        let (entry_offset, underflow) = (
            info.hook_entry.get(slot).copied().unwrap_or(u32::MAX),
            info.underflow.get(slot).copied().unwrap_or(u32::MAX),
        );
        let bad = |what, offset| {
            let at = usize::try_from(offset).unwrap_or(usize::MAX);
            (at, BlobProblem::HookOffset { hook, what, offset })
        };
        let start =
            index_of(&entries, entry_offset).ok_or_else(|| bad("hook_entry", entry_offset))?;
        let policy_index =
            index_of(&entries, underflow).ok_or_else(|| bad("underflow", underflow))?;
        if policy_index < start {
            return Err((
                usize::try_from(underflow).unwrap_or(0),
                BlobProblem::HookOrder { hook },
            ));
        }
        claim(
            start..=policy_index,
            usize::try_from(entry_offset).unwrap_or(0),
        )?;
        let body = entries.get(start..policy_index).unwrap_or_default();
        if let Some(head) = body
            .iter()
            .find(|e| matches!(e.target, RawTarget::Error(_)))
        {
            return Err((
                head.offset,
                BlobProblem::HeadInBuiltin { chain: chain_name },
            ));
        }
        let policy_entry = entries
            .get(policy_index)
            .ok_or_else(|| bad("underflow", underflow))?;
        let policy = match policy_entry.target {
            RawTarget::Standard(verdict) if policy_entry.unconditional => {
                match verdict.checked_neg().and_then(|v| v.checked_sub(1)) {
                    Some(code @ (NF_DROP | NF_ACCEPT)) => code.unsigned_abs(),
                    _ => return Err((policy_entry.offset, BlobProblem::BadPolicy { hook })),
                }
            }
            _ => return Err((policy_entry.offset, BlobProblem::BadPolicy { hook })),
        };
        chains.push(LegacyChain {
            name: chain_name.to_owned(),
            hook: Some(hook),
            policy: Some(policy),
            rules: rules(body, &chain_starts),
        });
    }

    for (n, &head) in heads.iter().enumerate() {
        let next = heads.get(n + 1).copied().unwrap_or(last);
        let Some(Entry {
            offset,
            target: RawTarget::Error(name),
            ..
        }) = entries.get(head)
        else {
            continue;
        };
        let body = entries.get(head + 1..next).unwrap_or_default();
        let Some((tail, rules_body)) = body.split_last() else {
            return Err((
                *offset,
                BlobProblem::EmptyChain {
                    chain: (*name).to_owned(),
                },
            ));
        };
        if !(tail.unconditional && tail.target == RawTarget::Standard(XT_RETURN)) {
            return Err((
                tail.offset,
                BlobProblem::NoReturn {
                    chain: (*name).to_owned(),
                },
            ));
        }
        claim(head..=next - 1, *offset)?;
        chains.push(LegacyChain {
            name: (*name).to_owned(),
            hook: None,
            policy: None,
            rules: rules(rules_body, &chain_starts),
        });
    }
    if let Some(orphan) = claimed.iter().position(|c| !c) {
        let at = entries.get(orphan).map_or(0, |e| e.offset);
        return Err((at, BlobProblem::Orphan));
    }
    Ok(LegacyTable {
        family: family.nfproto(),
        name: info.name.clone(),
        entries: info.num_entries,
        chains,
    })
}

/// The rules of one chain body, numbered from 1.
fn rules(body: &[Entry<'_>], chain_starts: &[(usize, &str)]) -> Vec<LegacyRule> {
    body.iter()
        .zip(1u32..)
        .map(|(entry, number)| LegacyRule {
            number,
            target: target(entry, chain_starts),
            unconditional_verdict: entry.unconditional
                && matches!(entry.target, RawTarget::Standard(verdict) if verdict < 0),
            text: None,
        })
        .collect()
}

fn target(entry: &Entry<'_>, chain_starts: &[(usize, &str)]) -> LegacyTarget {
    match entry.target {
        RawTarget::Standard(XT_RETURN) => LegacyTarget::Return,
        RawTarget::Standard(verdict) if verdict >= 0 => {
            let destination = usize::try_from(verdict).unwrap_or(usize::MAX);
            match chain_starts.binary_search_by_key(&destination, |(offset, _)| *offset) {
                Ok(i) => LegacyTarget::Jump {
                    chain: chain_starts.get(i).map_or("?", |(_, name)| name).to_owned(),
                    goto: entry.goto,
                },
                Err(_) if destination == entry.offset + entry.len => LegacyTarget::Fallthrough,
                Err(_) => LegacyTarget::Unknown { verdict },
            }
        }
        RawTarget::Standard(verdict) => {
            match verdict.checked_neg().and_then(|v| v.checked_sub(1)) {
                Some(code) if (0..=NF_MAX_VERDICT).contains(&code) && code != NF_REPEAT => {
                    LegacyTarget::Verdict {
                        code: code.unsigned_abs(),
                    }
                }
                _ => LegacyTarget::Unknown { verdict },
            }
        }
        RawTarget::Error(name) | RawTarget::Extension { name, .. } => LegacyTarget::Extension {
            name: name.to_owned(),
            revision: match entry.target {
                RawTarget::Extension { revision, .. } => revision,
                _ => 0,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::model::LegacyTarget as T;

    /// `filter` of iptables-legacy and ip6tables-legacy in a test namespace, as the kernel
    /// returned it (the `ipt_getinfo`, then the entry blob): captured by
    /// `tests/fixtures/capture_xtables.sh`, which also shows the rules.
    const FILTER4: &[u8] = include_bytes!("../../../tests/fixtures/xt_filter4.bin");
    const FILTER6: &[u8] = include_bytes!("../../../tests/fixtures/xt_filter6.bin");

    fn split(fixture: &[u8]) -> (TableInfo, &[u8]) {
        let (info, blob) = fixture.split_at(GETINFO_LEN);
        (TableInfo::parse(info).unwrap(), blob)
    }

    fn rule(number: u32, target: T, unconditional_verdict: bool) -> LegacyRule {
        LegacyRule {
            number,
            target,
            unconditional_verdict,
            text: None,
        }
    }

    fn chain(
        name: &str,
        hook: Option<u32>,
        policy: Option<u32>,
        rules: Vec<LegacyRule>,
    ) -> LegacyChain {
        LegacyChain {
            name: name.to_owned(),
            hook,
            policy,
            rules,
        }
    }

    /// The table the capture script wrote, in the kernel's numbering.
    fn expected(family: XtFamily, entries: u32) -> LegacyTable {
        let accept = || T::Verdict { code: 1 };
        let jump = |chain: &str, goto| T::Jump {
            chain: chain.to_owned(),
            goto,
        };
        let mark = T::Extension {
            name: "MARK".to_owned(),
            revision: 2,
        };
        LegacyTable {
            family: family.nfproto(),
            name: "filter".to_owned(),
            entries,
            chains: vec![
                chain(
                    "INPUT",
                    Some(1),
                    Some(0),
                    vec![
                        rule(1, jump("UDPCOUNT", false), false),
                        rule(2, jump("IN_UDP", false), false),
                        rule(3, accept(), false),
                        rule(4, accept(), false),
                    ],
                ),
                chain("FORWARD", Some(2), Some(0), vec![]),
                chain(
                    "OUTPUT",
                    Some(3),
                    Some(1),
                    vec![
                        rule(1, T::Verdict { code: 0 }, false),
                        rule(2, accept(), true),
                    ],
                ),
                chain(
                    "IN_GOTO",
                    None,
                    None,
                    vec![rule(1, mark, false), rule(2, accept(), true)],
                ),
                chain(
                    "IN_UDP",
                    None,
                    None,
                    vec![
                        rule(1, accept(), false),
                        rule(2, jump("IN_GOTO", true), false),
                        rule(3, T::Return, true),
                    ],
                ),
                chain("UDPCOUNT", None, None, vec![rule(1, T::Fallthrough, false)]),
            ],
        }
    }

    #[test]
    fn captured_tables_parse_into_chains_numbered_like_the_kernel() {
        for (family, fixture) in [(XtFamily::Ipv4, FILTER4), (XtFamily::Ipv6, FILTER6)] {
            let (info, blob) = split(fixture);
            assert_eq!(info.name, "filter");
            assert_eq!(info.valid_hooks, 0b1110);
            assert_eq!(info.hooks().collect::<Vec<_>>(), [1, 2, 3]);
            // 4+1 INPUT, 0+1 FORWARD, 2+1 OUTPUT, 3 heads + 2+1, 3+1, 1+1 user, 1 end marker.
            assert_eq!(info.num_entries, 22, "{family}");
            let table = parse_table(family, &info, blob).unwrap();
            assert_eq!(table, expected(family, 22), "{family}");
        }
    }

    #[test]
    fn the_fingerprint_ignores_counters_only() {
        let (info, blob) = split(FILTER4);
        let layout = XtFamily::Ipv4.layout();
        let original = fingerprint(XtFamily::Ipv4, &info, blob).unwrap();
        // The first entry's packet counter.
        let mut counted = blob.to_vec();
        counted[layout.counters] ^= 0x55;
        assert_eq!(fingerprint(XtFamily::Ipv4, &info, &counted), Some(original));
        // A byte of its header match (the source address).
        let mut changed = blob.to_vec();
        changed[0] ^= 0x01;
        assert_ne!(fingerprint(XtFamily::Ipv4, &info, &changed), Some(original));
    }

    /// Every prefix of the blob and every single-byte change fails with a typed error or
    /// parses; none panics.
    #[test]
    fn damaged_blobs_are_errors_not_panics() {
        for (family, fixture) in [(XtFamily::Ipv4, FILTER4), (XtFamily::Ipv6, FILTER6)] {
            let (info, blob) = split(fixture);
            for cut in 0..blob.len() {
                let short = &blob[..cut];
                assert!(matches!(
                    parse_table(family, &info, short),
                    Err(IptablesError::Malformed {
                        problem: BlobProblem::SizeMismatch { .. },
                        ..
                    })
                ));
                let mut info = info.clone();
                info.size = u32::try_from(cut).unwrap();
                assert!(parse_table(family, &info, short).is_err(), "cut at {cut}");
            }
            let mut damaged = blob.to_vec();
            for at in 0..damaged.len() {
                let original = damaged[at];
                for value in [0x00, 0xff, original.wrapping_add(8)] {
                    damaged[at] = value;
                    let _ = parse_table(family, &info, &damaged);
                    let _ = fingerprint(family, &info, &damaged);
                }
                damaged[at] = original;
            }
            for field in 0..GETINFO_LEN {
                let mut raw = fixture[..GETINFO_LEN].to_vec();
                raw[field] ^= 0xff;
                if let Ok(info) = TableInfo::parse(&raw) {
                    let _ = parse_table(family, &info, blob);
                }
            }
        }
    }

    #[test]
    fn specific_damage_is_named() {
        let (info, blob) = split(FILTER4);
        let layout = XtFamily::Ipv4.layout();
        let problem = |info: &TableInfo, blob: &[u8]| match parse_table(XtFamily::Ipv4, info, blob)
        {
            Err(IptablesError::Malformed { problem, .. }) => problem,
            other => panic!("{other:?}"),
        };
        // next_offset 0 in the first entry.
        let mut zero_next = blob.to_vec();
        zero_next[layout.next_offset..layout.next_offset + 2].copy_from_slice(&[0, 0]);
        assert_eq!(
            problem(&info, &zero_next),
            BlobProblem::BadNextOffset { next_offset: 0 }
        );
        // One entry more announced than there are.
        let mut more = info.clone();
        more.num_entries += 1;
        assert_eq!(
            problem(&more, blob),
            BlobProblem::EntryCount {
                found: 22,
                expected: 23
            }
        );
        // The INPUT policy pointing into the middle of an entry.
        let mut mid = info.clone();
        mid.underflow[1] += 4;
        assert!(matches!(
            problem(&mid, blob),
            BlobProblem::HookOffset {
                hook: 1,
                what: "underflow",
                ..
            }
        ));
        // The policy entry moved to INPUT's first rule (a jump, not a verdict).
        let mut policy = info.clone();
        policy.underflow[1] = policy.hook_entry[1];
        assert_eq!(problem(&policy, blob), BlobProblem::BadPolicy { hook: 1 });
        // Without the end marker (the last entry dropped).
        let mut short = info.clone();
        short.num_entries -= 1;
        short.size -= 176; // ipt_entry + xt_error_target
        assert_eq!(
            problem(&short, &blob[..short.size as usize]),
            BlobProblem::NoEndMarker
        );
        assert!(matches!(
            TableInfo::parse(&FILTER4[..GETINFO_LEN - 1]),
            Err(BlobProblem::InfoLength { len: 83, .. })
        ));
    }
}
