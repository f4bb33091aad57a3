//! The names operators know for the kernel's numbers: protocol families as nft spells them,
//! netfilter hooks, conntrack states and status bits.

use nftrace_sys::netfilter::{
    NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
};
use nftrace_sys::nf_conntrack::{
    IPS_ASSURED, IPS_CONFIRMED, IPS_DST_NAT, IPS_DST_NAT_DONE, IPS_DYING, IPS_EXPECTED,
    IPS_FIXED_TIMEOUT, IPS_HELPER, IPS_HW_OFFLOAD, IPS_OFFLOAD, IPS_SEEN_REPLY, IPS_SEQ_ADJUST,
    IPS_SRC_NAT, IPS_SRC_NAT_DONE, IPS_TEMPLATE, NF_CT_STATE_ESTABLISHED_BIT, NF_CT_STATE_NEW_BIT,
    NF_CT_STATE_RELATED_BIT, NF_CT_STATE_UNTRACKED_BIT,
};

/// A protocol family (`NFPROTO_*`) as nft names table families: `ip`, `ip6`, `inet`, ...
pub fn family(nfproto: u8) -> Option<&'static str> {
    match nfproto {
        NFPROTO_INET => Some("inet"),
        NFPROTO_IPV4 => Some("ip"),
        NFPROTO_ARP => Some("arp"),
        NFPROTO_NETDEV => Some("netdev"),
        NFPROTO_BRIDGE => Some("bridge"),
        NFPROTO_IPV6 => Some("ip6"),
        _ => None,
    }
}

/// A netfilter hook number of the IP, IPv6, inet and bridge families, as nft names it.
/// (The netdev family's hooks are numbered differently; this is for the IP stack.)
pub fn inet_hook(hook: u8) -> Option<&'static str> {
    match hook {
        0 => Some("prerouting"),
        1 => Some("input"),
        2 => Some("forward"),
        3 => Some("output"),
        4 => Some("postrouting"),
        5 => Some("ingress"),
        _ => None,
    }
}

/// The conntrack state bits of `NFTA_TRACE_CT_STATE`, with nft's names.
pub const CT_STATES: [(u32, &str); 4] = [
    (NF_CT_STATE_NEW_BIT, "new"),
    (NF_CT_STATE_ESTABLISHED_BIT, "established"),
    (NF_CT_STATE_RELATED_BIT, "related"),
    (NF_CT_STATE_UNTRACKED_BIT, "untracked"),
];

/// The conntrack status bits (`IPS_*`) of `NFTA_TRACE_CT_STATUS`, with nft's names.
pub const CT_STATUS: [(u32, &str); 15] = [
    (IPS_EXPECTED, "expected"),
    (IPS_SEEN_REPLY, "seen-reply"),
    (IPS_ASSURED, "assured"),
    (IPS_CONFIRMED, "confirmed"),
    (IPS_SRC_NAT, "snat"),
    (IPS_DST_NAT, "dnat"),
    (IPS_SEQ_ADJUST, "seq-adjust"),
    (IPS_SRC_NAT_DONE, "snat-done"),
    (IPS_DST_NAT_DONE, "dnat-done"),
    (IPS_DYING, "dying"),
    (IPS_FIXED_TIMEOUT, "fixed-timeout"),
    (IPS_TEMPLATE, "template"),
    (IPS_HELPER, "helper"),
    (IPS_OFFLOAD, "offload"),
    (IPS_HW_OFFLOAD, "hw-offload"),
];

/// The names of the bits of `value` found in `table`, in table order. Bits the table does
/// not name are left out here; callers that must not lose them print the raw value too.
pub fn bit_names(
    value: u32,
    table: &'static [(u32, &'static str)],
) -> impl Iterator<Item = &'static str> {
    table
        .iter()
        .filter(move |(bit, _)| value & bit != 0)
        .map(|(_, name)| *name)
}

/// Named bits, plus the unnamed remainder as a hex string, so nothing is dropped.
pub fn bit_list(value: u32, table: &'static [(u32, &'static str)]) -> Vec<String> {
    let named: u32 = table.iter().fold(0, |acc, (bit, _)| acc | bit);
    let mut list: Vec<String> = bit_names(value, table).map(str::to_owned).collect();
    if value & !named != 0 {
        list.push(format!("{:#x}", value & !named));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_common_numbers() {
        assert_eq!(family(2), Some("ip"));
        assert_eq!(family(10), Some("ip6"));
        assert_eq!(family(1), Some("inet"));
        assert_eq!(family(99), None);
        assert_eq!(inet_hook(0), Some("prerouting"));
        assert_eq!(inet_hook(4), Some("postrouting"));
        assert_eq!(inet_hook(9), None);
        // ESTABLISHED (2) and NEW (8) set: named in table order.
        assert_eq!(
            bit_names(2 | 8, &CT_STATES).collect::<Vec<_>>(),
            ["new", "established"]
        );
        // CONFIRMED | DST_NAT | DST_NAT_DONE, as a DNATed flow's first packet has them.
        assert_eq!(
            bit_names(0x8 | 0x20 | 0x100, &CT_STATUS).collect::<Vec<_>>(),
            ["confirmed", "dnat", "dnat-done"]
        );
    }
}
