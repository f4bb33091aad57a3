//! The symbolic names of the standard hook priorities: nft's names where nft has one
//! (`raw`, `mangle`, `dstnat`, `filter`, `security`, `srcnat`; bridge `dstnat`, `filter`,
//! `out`, `srcnat`), and the kernel's for its own hooks (`NF_IP_PRI_CONNTRACK_DEFRAG` is
//! `defrag`, `NF_IP_PRI_CONNTRACK` is `conntrack`, ...).

use nftrace_sys::netfilter::{
    NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
    NF_BR_PRI_BRNF, NF_BR_PRI_FILTER_BRIDGED, NF_BR_PRI_FILTER_OTHER, NF_BR_PRI_FIRST,
    NF_BR_PRI_LAST, NF_BR_PRI_NAT_DST_BRIDGED, NF_BR_PRI_NAT_DST_OTHER, NF_BR_PRI_NAT_SRC,
    NF_IP_PRI_CONNTRACK, NF_IP_PRI_CONNTRACK_CONFIRM, NF_IP_PRI_CONNTRACK_DEFRAG,
    NF_IP_PRI_CONNTRACK_HELPER, NF_IP_PRI_FILTER, NF_IP_PRI_FIRST, NF_IP_PRI_MANGLE,
    NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC, NF_IP_PRI_RAW, NF_IP_PRI_RAW_BEFORE_DEFRAG,
    NF_IP_PRI_SECURITY, NF_IP_PRI_SELINUX_FIRST, NF_IP_PRI_SELINUX_LAST,
};

/// The name of `priority` in `family` (the list's family: ip, ip6, inet, arp, bridge,
/// netdev), if it is a standard one.
pub fn priority_name(family: u8, priority: i32) -> Option<&'static str> {
    match family {
        NFPROTO_IPV4 | NFPROTO_IPV6 | NFPROTO_INET => match priority {
            NF_IP_PRI_FIRST => Some("first"),
            NF_IP_PRI_RAW_BEFORE_DEFRAG => Some("raw-before-defrag"),
            NF_IP_PRI_CONNTRACK_DEFRAG => Some("defrag"),
            NF_IP_PRI_RAW => Some("raw"),
            NF_IP_PRI_SELINUX_FIRST => Some("selinux-first"),
            NF_IP_PRI_CONNTRACK => Some("conntrack"),
            NF_IP_PRI_MANGLE => Some("mangle"),
            NF_IP_PRI_NAT_DST => Some("dstnat"),
            NF_IP_PRI_FILTER => Some("filter"),
            NF_IP_PRI_SECURITY => Some("security"),
            NF_IP_PRI_NAT_SRC => Some("srcnat"),
            NF_IP_PRI_SELINUX_LAST => Some("selinux-last"),
            NF_IP_PRI_CONNTRACK_HELPER => Some("conntrack-helper"),
            NF_IP_PRI_CONNTRACK_CONFIRM => Some("confirm"),
            _ => None,
        },
        NFPROTO_BRIDGE => match priority {
            NF_BR_PRI_FIRST => Some("first"),
            NF_BR_PRI_NAT_DST_BRIDGED => Some("dstnat"),
            NF_BR_PRI_FILTER_BRIDGED => Some("filter"),
            NF_BR_PRI_BRNF => Some("brnf"),
            NF_BR_PRI_NAT_DST_OTHER => Some("out"),
            NF_BR_PRI_FILTER_OTHER => Some("filter-other"),
            NF_BR_PRI_NAT_SRC => Some("srcnat"),
            NF_BR_PRI_LAST => Some("last"),
            _ => None,
        },
        NFPROTO_ARP | NFPROTO_NETDEV => match priority {
            0 => Some("filter"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_nft_and_the_kernel() {
        assert_eq!(priority_name(NFPROTO_IPV4, -300), Some("raw"));
        assert_eq!(priority_name(NFPROTO_IPV6, -100), Some("dstnat"));
        assert_eq!(priority_name(NFPROTO_IPV4, 100), Some("srcnat"));
        assert_eq!(priority_name(NFPROTO_IPV4, -400), Some("defrag"));
        assert_eq!(priority_name(NFPROTO_IPV4, -200), Some("conntrack"));
        assert_eq!(priority_name(NFPROTO_IPV4, i32::MAX), Some("confirm"));
        assert_eq!(priority_name(NFPROTO_IPV4, -301), None);
        assert_eq!(priority_name(NFPROTO_BRIDGE, -300), Some("dstnat"));
        assert_eq!(priority_name(NFPROTO_BRIDGE, 100), Some("out"));
        assert_eq!(priority_name(NFPROTO_NETDEV, 0), Some("filter"));
        assert_eq!(priority_name(NFPROTO_NETDEV, -300), None);
    }
}
