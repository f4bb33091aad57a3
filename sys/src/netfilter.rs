//! Core netfilter ABI from `include/uapi/linux/netfilter.h`, `netfilter_ipv4.h`,
//! `netfilter_ipv6.h`, `netfilter_bridge.h` and `netfilter_arp.h`: protocol families,
//! hook numbers, verdicts and hook priorities.
//!
//! Types: `NFPROTO_*` are `u8` (they travel in `nfgenmsg.nfgen_family`; widen with
//! `u32::from` to compare with `NFTA_TRACE_NFPROTO`). Hook numbers are `u32` (the C enums,
//! `NFTA_HOOK_HOOKNUM`; widen the nflog `u8` hook with `u32::from`). Verdicts are `i32`
//! so that they compare directly with the negative nf_tables verdicts (`NFT_CONTINUE` …).
//! Priorities are `i32`.

/// Any family (also `AF_UNSPEC`).
pub const NFPROTO_UNSPEC: u8 = 0;
/// nf_tables `inet` family: one table for IPv4 and IPv6.
pub const NFPROTO_INET: u8 = 1;
/// IPv4 (`AF_INET`).
pub const NFPROTO_IPV4: u8 = 2;
/// ARP.
pub const NFPROTO_ARP: u8 = 3;
/// nf_tables `netdev` family (ingress/egress of one device).
pub const NFPROTO_NETDEV: u8 = 5;
/// Bridge (`AF_BRIDGE`).
pub const NFPROTO_BRIDGE: u8 = 7;
/// IPv6 (`AF_INET6`).
pub const NFPROTO_IPV6: u8 = 10;
/// DECnet; the stack was removed in 6.1 but the number stays reserved in the header.
pub const NFPROTO_DECNET: u8 = 12;
/// One past the highest family number.
pub const NFPROTO_NUMPROTO: u8 = 13;

/// Verdict: drop the packet. Higher 16 bits may carry an errno (`NF_DROP_ERR`).
pub const NF_DROP: i32 = 0;
/// Verdict: continue with the next hook.
pub const NF_ACCEPT: i32 = 1;
/// Verdict: the hook took over the packet.
pub const NF_STOLEN: i32 = 2;
/// Verdict: queue to userspace. Higher 16 bits carry the queue number (`NF_QUEUE_NR`).
pub const NF_QUEUE: i32 = 3;
/// Verdict: call this hook again.
pub const NF_REPEAT: i32 = 4;
/// Verdict: deprecated, kept for nf_queue userspace compatibility.
pub const NF_STOP: i32 = 5;
/// Highest verdict value.
pub const NF_MAX_VERDICT: i32 = NF_STOP;
/// Mask of the verdict itself; bits above carry a queue number or errno. Mask positive
/// verdict codes with it before comparing.
pub const NF_VERDICT_MASK: i32 = 0x0000_00ff;
/// Verdict flag: bypass the queue if no listener (`0x00008000`).
pub const NF_VERDICT_FLAG_QUEUE_BYPASS: i32 = 0x0000_8000;
/// Mask of the queue number (`NF_QUEUE`) or errno (`NF_DROP`): `0xffff0000` as `i32`.
pub const NF_VERDICT_QMASK: i32 = 0xffff_0000_u32 as i32;
/// Shift of the queue number / errno within a verdict.
pub const NF_VERDICT_QBITS: i32 = 16;
/// Userspace compatibility value (the header says it should be 8 now).
pub const NF_VERDICT_BITS: i32 = 16;

/// IPv4/IPv6/inet hook: before routing.
pub const NF_INET_PRE_ROUTING: u32 = 0;
/// IPv4/IPv6/inet hook: to a local socket.
pub const NF_INET_LOCAL_IN: u32 = 1;
/// IPv4/IPv6/inet hook: forwarded.
pub const NF_INET_FORWARD: u32 = 2;
/// IPv4/IPv6/inet hook: locally generated.
pub const NF_INET_LOCAL_OUT: u32 = 3;
/// IPv4/IPv6/inet hook: after routing.
pub const NF_INET_POST_ROUTING: u32 = 4;
/// Number of IPv4/IPv6 hooks.
pub const NF_INET_NUMHOOKS: u32 = 5;
/// `inet`-family ingress hook (nf_tables only), equal to `NF_INET_NUMHOOKS`.
pub const NF_INET_INGRESS: u32 = NF_INET_NUMHOOKS;

/// netdev hook: ingress.
pub const NF_NETDEV_INGRESS: u32 = 0;
/// netdev hook: egress (5.16+).
pub const NF_NETDEV_EGRESS: u32 = 1;
/// Number of netdev hooks.
pub const NF_NETDEV_NUMHOOKS: u32 = 2;

/// IPv4 hook numbers (`netfilter_ipv4.h`), same values as `NF_INET_*`.
pub const NF_IP_PRE_ROUTING: u32 = 0;
/// See [`NF_IP_PRE_ROUTING`].
pub const NF_IP_LOCAL_IN: u32 = 1;
/// See [`NF_IP_PRE_ROUTING`].
pub const NF_IP_FORWARD: u32 = 2;
/// See [`NF_IP_PRE_ROUTING`].
pub const NF_IP_LOCAL_OUT: u32 = 3;
/// See [`NF_IP_PRE_ROUTING`].
pub const NF_IP_POST_ROUTING: u32 = 4;
/// See [`NF_IP_PRE_ROUTING`].
pub const NF_IP_NUMHOOKS: u32 = 5;

/// IPv6 hook numbers (`netfilter_ipv6.h`), same values as `NF_INET_*`.
pub const NF_IP6_PRE_ROUTING: u32 = 0;
/// See [`NF_IP6_PRE_ROUTING`].
pub const NF_IP6_LOCAL_IN: u32 = 1;
/// See [`NF_IP6_PRE_ROUTING`].
pub const NF_IP6_FORWARD: u32 = 2;
/// See [`NF_IP6_PRE_ROUTING`].
pub const NF_IP6_LOCAL_OUT: u32 = 3;
/// See [`NF_IP6_PRE_ROUTING`].
pub const NF_IP6_POST_ROUTING: u32 = 4;
/// See [`NF_IP6_PRE_ROUTING`].
pub const NF_IP6_NUMHOOKS: u32 = 5;

/// Bridge hook numbers (`netfilter_bridge.h`).
pub const NF_BR_PRE_ROUTING: u32 = 0;
/// See [`NF_BR_PRE_ROUTING`].
pub const NF_BR_LOCAL_IN: u32 = 1;
/// See [`NF_BR_PRE_ROUTING`].
pub const NF_BR_FORWARD: u32 = 2;
/// See [`NF_BR_PRE_ROUTING`].
pub const NF_BR_LOCAL_OUT: u32 = 3;
/// See [`NF_BR_PRE_ROUTING`].
pub const NF_BR_POST_ROUTING: u32 = 4;
/// ebtables `broute` table hook.
pub const NF_BR_BROUTING: u32 = 5;
/// Number of bridge hooks.
pub const NF_BR_NUMHOOKS: u32 = 6;

/// ARP hook numbers (`netfilter_arp.h`).
pub const NF_ARP_IN: u32 = 0;
/// See [`NF_ARP_IN`].
pub const NF_ARP_OUT: u32 = 1;
/// See [`NF_ARP_IN`].
pub const NF_ARP_FORWARD: u32 = 2;
/// Number of ARP hooks.
pub const NF_ARP_NUMHOOKS: u32 = 3;

/// IPv4 hook priorities (`enum nf_ip_hook_priorities`, `netfilter_ipv4.h`); lower runs first.
pub const NF_IP_PRI_FIRST: i32 = i32::MIN;
/// Raw table registered before defragmentation (`raw` with `raw_before_defrag`).
pub const NF_IP_PRI_RAW_BEFORE_DEFRAG: i32 = -450;
/// Conntrack defragmentation.
pub const NF_IP_PRI_CONNTRACK_DEFRAG: i32 = -400;
/// `raw` table (nft priority `raw`).
pub const NF_IP_PRI_RAW: i32 = -300;
/// SELinux first hook.
pub const NF_IP_PRI_SELINUX_FIRST: i32 = -225;
/// Conntrack lookup.
pub const NF_IP_PRI_CONNTRACK: i32 = -200;
/// `mangle` table.
pub const NF_IP_PRI_MANGLE: i32 = -150;
/// Destination NAT (`dstnat`).
pub const NF_IP_PRI_NAT_DST: i32 = -100;
/// `filter` table.
pub const NF_IP_PRI_FILTER: i32 = 0;
/// `security` table.
pub const NF_IP_PRI_SECURITY: i32 = 50;
/// Source NAT (`srcnat`).
pub const NF_IP_PRI_NAT_SRC: i32 = 100;
/// SELinux last hook.
pub const NF_IP_PRI_SELINUX_LAST: i32 = 225;
/// Conntrack helpers.
pub const NF_IP_PRI_CONNTRACK_HELPER: i32 = 300;
/// Conntrack confirmation (last).
pub const NF_IP_PRI_CONNTRACK_CONFIRM: i32 = i32::MAX;
/// Last priority.
pub const NF_IP_PRI_LAST: i32 = i32::MAX;

/// IPv6 hook priorities (`enum nf_ip6_hook_priorities`, `netfilter_ipv6.h`).
pub const NF_IP6_PRI_FIRST: i32 = i32::MIN;
/// See [`NF_IP_PRI_RAW_BEFORE_DEFRAG`].
pub const NF_IP6_PRI_RAW_BEFORE_DEFRAG: i32 = -450;
/// See [`NF_IP_PRI_CONNTRACK_DEFRAG`].
pub const NF_IP6_PRI_CONNTRACK_DEFRAG: i32 = -400;
/// See [`NF_IP_PRI_RAW`].
pub const NF_IP6_PRI_RAW: i32 = -300;
/// See [`NF_IP_PRI_SELINUX_FIRST`].
pub const NF_IP6_PRI_SELINUX_FIRST: i32 = -225;
/// See [`NF_IP_PRI_CONNTRACK`].
pub const NF_IP6_PRI_CONNTRACK: i32 = -200;
/// See [`NF_IP_PRI_MANGLE`].
pub const NF_IP6_PRI_MANGLE: i32 = -150;
/// See [`NF_IP_PRI_NAT_DST`].
pub const NF_IP6_PRI_NAT_DST: i32 = -100;
/// See [`NF_IP_PRI_FILTER`].
pub const NF_IP6_PRI_FILTER: i32 = 0;
/// See [`NF_IP_PRI_SECURITY`].
pub const NF_IP6_PRI_SECURITY: i32 = 50;
/// See [`NF_IP_PRI_NAT_SRC`].
pub const NF_IP6_PRI_NAT_SRC: i32 = 100;
/// See [`NF_IP_PRI_SELINUX_LAST`].
pub const NF_IP6_PRI_SELINUX_LAST: i32 = 225;
/// See [`NF_IP_PRI_CONNTRACK_HELPER`].
pub const NF_IP6_PRI_CONNTRACK_HELPER: i32 = 300;
/// Last priority (IPv6 has no separate `CONNTRACK_CONFIRM` entry).
pub const NF_IP6_PRI_LAST: i32 = i32::MAX;

/// Bridge hook priorities (`enum nf_br_hook_priorities`, `netfilter_bridge.h`).
pub const NF_BR_PRI_FIRST: i32 = i32::MIN;
/// Bridged destination NAT.
pub const NF_BR_PRI_NAT_DST_BRIDGED: i32 = -300;
/// Bridged filter.
pub const NF_BR_PRI_FILTER_BRIDGED: i32 = -200;
/// br_netfilter (calls the IP hooks).
pub const NF_BR_PRI_BRNF: i32 = 0;
/// Destination NAT for non-bridged traffic.
pub const NF_BR_PRI_NAT_DST_OTHER: i32 = 100;
/// Filter for non-bridged traffic.
pub const NF_BR_PRI_FILTER_OTHER: i32 = 200;
/// Source NAT.
pub const NF_BR_PRI_NAT_SRC: i32 = 300;
/// Last priority.
pub const NF_BR_PRI_LAST: i32 = i32::MAX;
