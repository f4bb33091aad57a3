//! The nf_tables base chains of the namespace, read with two small dumps (`NFT_MSG_GETTABLE`
//! for the tables' flags, `NFT_MSG_GETCHAIN` for the chains' hooks): what the derived hook
//! table needs, without the rules, which a full ruleset dump would also carry (a hook table
//! of a 10,000-rule ruleset needs none of them).
//!
//! Chains of dormant tables (`NFT_TABLE_F_DORMANT`) are left out: their hooks are not
//! registered.

use std::collections::HashSet;

use nftrace_sys::netfilter::NFPROTO_UNSPEC;
use nftrace_sys::netlink::{NLM_F_DUMP, NLM_F_REQUEST};
use nftrace_sys::nf_tables::{
    NFTA_CHAIN_HOOK, NFTA_CHAIN_NAME, NFTA_CHAIN_TABLE, NFTA_CHAIN_TYPE, NFTA_DEVICE_NAME,
    NFTA_HOOK_DEV, NFTA_HOOK_DEVS, NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY, NFTA_TABLE_FLAGS,
    NFTA_TABLE_NAME, NFT_MSG_GETCHAIN, NFT_MSG_GETTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWTABLE,
    NFT_TABLE_F_DORMANT,
};
use nftrace_sys::nfnetlink::{NFNETLINK_V0, NFNL_SUBSYS_NFTABLES};

use super::dump::{finish_request, request_header, DumpSocket};
use super::error::HookError;
use super::snapshot::BaseChain;
use crate::wire::{AttrSpace, Attrs, DecodeError, Message};

const TABLE_ATTRS: AttrSpace = AttrSpace::new(
    &["NFTA_TABLE_UNSPEC", "NFTA_TABLE_NAME", "NFTA_TABLE_FLAGS"],
    "NFTA_TABLE_(other)",
);

const CHAIN_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_CHAIN_UNSPEC",
        "NFTA_CHAIN_TABLE",
        "NFTA_CHAIN_HANDLE",
        "NFTA_CHAIN_NAME",
        "NFTA_CHAIN_HOOK",
        "NFTA_CHAIN_POLICY",
        "NFTA_CHAIN_USE",
        "NFTA_CHAIN_TYPE",
    ],
    "NFTA_CHAIN_(other)",
);

const HOOK_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_HOOK_UNSPEC",
        "NFTA_HOOK_HOOKNUM",
        "NFTA_HOOK_PRIORITY",
        "NFTA_HOOK_DEV",
        "NFTA_HOOK_DEVS",
    ],
    "NFTA_HOOK_(other)",
);

const DEVICE_ATTRS: AttrSpace = AttrSpace::new(
    &["NFTA_DEVICE_UNSPEC", "NFTA_DEVICE_NAME"],
    "NFTA_DEVICE_(other)",
);

const TABLE_DUMP: &str = "the nf_tables table dump";
const CHAIN_DUMP: &str = "the nf_tables chain dump";

/// Reads the base chains of every table that is not dormant, in the kernel's dump order.
pub(crate) fn read_base_chains(socket: &mut DumpSocket) -> Result<Vec<BaseChain>, HookError> {
    let mut dormant: HashSet<(u8, String)> = HashSet::new();
    dump(socket, NFT_MSG_GETTABLE, TABLE_DUMP, |msg| {
        if let Some((family, name, flags)) = parse_table(msg)? {
            if flags & NFT_TABLE_F_DORMANT != 0 {
                dormant.insert((family, name.to_owned()));
            }
        }
        Ok(())
    })?;
    let mut chains = Vec::new();
    dump(socket, NFT_MSG_GETCHAIN, CHAIN_DUMP, |msg| {
        if let Some(chain) = parse_base_chain(msg)? {
            if !dormant.contains(&(chain.family, chain.table.clone())) {
                chains.push(chain);
            }
        }
        Ok(())
    })?;
    Ok(chains)
}

fn dump(
    socket: &mut DumpSocket,
    msg: u16,
    what: &'static str,
    mut each: impl FnMut(&Message<'_>) -> Result<(), DecodeError>,
) -> Result<(), HookError> {
    const ATTEMPTS: u32 = 3;
    for _ in 0..ATTEMPTS {
        let seq = socket.next_seq();
        let mut request = request_header(
            (NFNL_SUBSYS_NFTABLES << 8) | msg,
            NLM_F_REQUEST | NLM_F_DUMP,
            seq,
        );
        request.extend_from_slice(&[NFPROTO_UNSPEC, NFNETLINK_V0, 0, 0]);
        let request = finish_request(request);
        let end = socket
            .dump(&request, seq, &mut each)
            .map_err(|e| HookError::from_dump(what, e))?;
        if !end.interrupted {
            return Ok(());
        }
    }
    Err(HookError::Inconsistent {
        what: what.to_owned(),
        attempts: ATTEMPTS,
    })
}

fn parse_table<'a>(msg: &Message<'a>) -> Result<Option<(u8, &'a str, u32)>, DecodeError> {
    if msg.header.ty != (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE {
        return Ok(None);
    }
    let (nfgen, attrs) = msg.nfgenmsg()?;
    let base = msg.payload_offset().saturating_add(4);
    let mut name = None;
    let mut flags = 0;
    for attr in Attrs::new(attrs, base, TABLE_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_TABLE_NAME => name = Some(attr.cstr()?),
            NFTA_TABLE_FLAGS => flags = attr.be32()?,
            _ => {}
        }
    }
    let name = name.ok_or(DecodeError::MissingAttribute {
        name: "NFTA_TABLE_NAME",
    })?;
    Ok(Some((nfgen.family, name, flags)))
}

/// A `NEWCHAIN` message as a [`BaseChain`]; `None` for a regular chain (no hook).
fn parse_base_chain(msg: &Message<'_>) -> Result<Option<BaseChain>, DecodeError> {
    if msg.header.ty != (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN {
        return Ok(None);
    }
    let (nfgen, attrs) = msg.nfgenmsg()?;
    let base = msg.payload_offset().saturating_add(4);
    let mut table = None;
    let mut name = None;
    let mut chain_type = None;
    let mut hook = None;
    for attr in Attrs::new(attrs, base, CHAIN_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_CHAIN_TABLE => table = Some(attr.cstr()?),
            NFTA_CHAIN_NAME => name = Some(attr.cstr()?),
            NFTA_CHAIN_TYPE => chain_type = Some(attr.cstr()?),
            NFTA_CHAIN_HOOK => hook = Some(attr),
            _ => {}
        }
    }
    let Some(hook) = hook else {
        return Ok(None);
    };
    let mut hooknum = None;
    let mut priority = None;
    // A chain on one device comes with both NFTA_HOOK_DEV and NFTA_HOOK_DEVS (6.x sends
    // the old attribute too); NFTA_HOOK_DEVS, when present, is the whole list.
    let mut device = None;
    let mut devices = Vec::new();
    for attr in hook.nested(HOOK_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_HOOK_HOOKNUM => hooknum = Some(attr.be32()?),
            NFTA_HOOK_PRIORITY => priority = Some(attr.be_i32()?),
            NFTA_HOOK_DEV => device = Some(attr.cstr()?),
            NFTA_HOOK_DEVS => {
                for name in attr.nested(DEVICE_ATTRS) {
                    let name = name?;
                    if name.ty() == NFTA_DEVICE_NAME {
                        devices.push(name.cstr()?.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    if devices.is_empty() {
        devices.extend(device.map(str::to_owned));
    }
    let missing = |name| DecodeError::MissingAttribute { name };
    Ok(Some(BaseChain {
        family: nfgen.family,
        table: table.ok_or(missing("NFTA_CHAIN_TABLE"))?.to_owned(),
        chain: name.ok_or(missing("NFTA_CHAIN_NAME"))?.to_owned(),
        hooknum: hooknum.ok_or(missing("NFTA_HOOK_HOOKNUM"))?,
        priority: priority.ok_or(missing("NFTA_HOOK_PRIORITY"))?,
        chain_type: chain_type.unwrap_or("filter").to_owned(),
        devices,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::messages;

    // Captured by `capture.py dump-tables` (tests/fixtures/README.md): NEWTABLE messages.
    const TABLES: &[u8] = include_bytes!("../../tests/fixtures/nft_dump_tables.nlmsg");

    // Captured by `capture.py dump-chains` (tests/fixtures/README.md): the chains of inet
    // demo (pre at -300, out_nat, an ingress chain on two devices, a user chain), netdev l2
    // (egress on one device, sent as both NFTA_HOOK_DEV and NFTA_HOOK_DEVS) and the dormant
    // ip sleepy.
    const CHAINS: &[u8] = include_bytes!("../../tests/fixtures/nft_dump_chains.nlmsg");

    fn captured_chains() -> Vec<BaseChain> {
        messages(CHAINS)
            .filter_map(|m| parse_base_chain(&m.unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn base_chains_of_a_captured_dump() {
        let chains = captured_chains();
        let summary: Vec<_> = chains
            .iter()
            .map(|c| {
                (
                    c.family,
                    c.table.as_str(),
                    c.chain.as_str(),
                    c.hooknum,
                    c.priority,
                    c.chain_type.as_str(),
                    c.devices.join(","),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, "demo", "pre", 0, -300, "filter", String::new()),
                (1, "demo", "out_nat", 3, -120, "nat", String::new()),
                (
                    1,
                    "demo",
                    "ingress",
                    5,
                    -10,
                    "filter",
                    // The kernel's order, not the ruleset's.
                    "nftrace-veth1,nftrace-veth0".to_owned()
                ),
                (5, "l2", "eg", 1, 0, "filter", "nftrace-veth0".to_owned()),
                (2, "sleepy", "in", 1, 0, "filter", String::new()),
            ]
        );
    }

    #[test]
    fn no_cut_of_a_captured_chain_panics() {
        let first = messages(CHAINS).next().unwrap().unwrap();
        let len = first.header.len as usize;
        for cut in 0..len {
            let mut copy = CHAINS[..cut].to_vec();
            if copy.len() >= 4 {
                crate::wire::fixtures::fix_len(&mut copy);
            }
            if let Some(Ok(msg)) = messages(&copy).next() {
                // A shorter message is either an error or a chain with every required field.
                if let Ok(Some(chain)) = parse_base_chain(&msg) {
                    assert_eq!((chain.chain.as_str(), chain.priority), ("pre", -300));
                }
            }
        }
    }

    #[test]
    fn tables_of_a_captured_dump_decode_and_chains_are_not_tables() {
        let mut seen = 0;
        for msg in messages(TABLES) {
            let msg = msg.unwrap();
            if let Some((family, name, flags)) = parse_table(&msg).unwrap() {
                assert!(!name.is_empty());
                assert_ne!(family, 0);
                assert_eq!(flags & !0x7, 0);
                seen += 1;
            }
            assert_eq!(parse_base_chain(&msg).unwrap(), None);
        }
        assert!(seen >= 1);
    }
}
