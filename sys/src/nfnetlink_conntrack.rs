//! ctnetlink attributes from `include/uapi/linux/netfilter/nfnetlink_conntrack.h`: the ones
//! needed to read a conntrack entry nested in `NFULA_CT` (nfnetlink_log with
//! `NFULNL_CFG_F_CONNTRACK`) or in a ctnetlink message: tuples, status, id, mark, counters.
//!
//! Attribute types are `u16`. Tuple addresses and ports, `CTA_STATUS`, `CTA_MARK` and
//! `CTA_ID` are big-endian (`CTA_ID` is best compared as raw bytes, like
//! `NFTA_TRACE_CT_ID`). Top-level nests are sent with `NLA_F_NESTED`.

/// ctnetlink message (subsystem `NFNL_SUBSYS_CTNETLINK`): new entry.
pub const IPCTNL_MSG_CT_NEW: u16 = 0;
/// ctnetlink message: get / dump entries.
pub const IPCTNL_MSG_CT_GET: u16 = 1;
/// ctnetlink message: delete entries.
pub const IPCTNL_MSG_CT_DELETE: u16 = 2;
/// ctnetlink message: get and zero counters.
pub const IPCTNL_MSG_CT_GET_CTRZERO: u16 = 3;
/// ctnetlink message: per-CPU statistics.
pub const IPCTNL_MSG_CT_GET_STATS_CPU: u16 = 4;
/// ctnetlink message: global statistics.
pub const IPCTNL_MSG_CT_GET_STATS: u16 = 5;
/// ctnetlink message: dump dying entries.
pub const IPCTNL_MSG_CT_GET_DYING: u16 = 6;
/// ctnetlink message: dump unconfirmed entries.
pub const IPCTNL_MSG_CT_GET_UNCONFIRMED: u16 = 7;
/// One past the highest ctnetlink message.
pub const IPCTNL_MSG_MAX: u16 = 8;

/// Unused.
pub const CTA_UNSPEC: u16 = 0;
/// Original-direction tuple (nested `CTA_TUPLE_*`).
pub const CTA_TUPLE_ORIG: u16 = 1;
/// Reply-direction tuple (nested `CTA_TUPLE_*`); differs from the original under NAT.
pub const CTA_TUPLE_REPLY: u16 = 2;
/// Status, `IPS_*` bits (be32).
pub const CTA_STATUS: u16 = 3;
/// Protocol state (nested `CTA_PROTOINFO_*`).
pub const CTA_PROTOINFO: u16 = 4;
/// Helper (nested).
pub const CTA_HELP: u16 = 5;
/// Source NAT setup (nested; requests only).
pub const CTA_NAT_SRC: u16 = 6;
/// Old name of `CTA_NAT_SRC`.
pub const CTA_NAT: u16 = CTA_NAT_SRC;
/// Seconds until expiry (be32).
pub const CTA_TIMEOUT: u16 = 7;
/// Connection mark (be32).
pub const CTA_MARK: u16 = 8;
/// Original-direction counters (nested `CTA_COUNTERS_*`).
pub const CTA_COUNTERS_ORIG: u16 = 9;
/// Reply-direction counters (nested `CTA_COUNTERS_*`).
pub const CTA_COUNTERS_REPLY: u16 = 10;
/// Reference count (be32).
pub const CTA_USE: u16 = 11;
/// Entry id (be32 on the wire; same bytes as `NFTA_TRACE_CT_ID`).
pub const CTA_ID: u16 = 12;
/// Destination NAT setup (nested; requests only).
pub const CTA_NAT_DST: u16 = 13;
/// Tuple of the master connection of an expected one (nested `CTA_TUPLE_*`).
pub const CTA_TUPLE_MASTER: u16 = 14;
/// Original-direction sequence adjustment (nested).
pub const CTA_SEQ_ADJ_ORIG: u16 = 15;
/// Old name of `CTA_SEQ_ADJ_ORIG`.
pub const CTA_NAT_SEQ_ADJ_ORIG: u16 = CTA_SEQ_ADJ_ORIG;
/// Reply-direction sequence adjustment (nested).
pub const CTA_SEQ_ADJ_REPLY: u16 = 16;
/// Old name of `CTA_SEQ_ADJ_REPLY`.
pub const CTA_NAT_SEQ_ADJ_REPLY: u16 = CTA_SEQ_ADJ_REPLY;
/// Obsolete secmark.
pub const CTA_SECMARK: u16 = 17;
/// Conntrack zone (be16).
pub const CTA_ZONE: u16 = 18;
/// Security context (nested).
pub const CTA_SECCTX: u16 = 19;
/// Start/stop timestamps (nested `CTA_TIMESTAMP_*`).
pub const CTA_TIMESTAMP: u16 = 20;
/// Mark mask (be32; requests only).
pub const CTA_MARK_MASK: u16 = 21;
/// Connection labels (128-bit bitmap).
pub const CTA_LABELS: u16 = 22;
/// Label mask (requests only).
pub const CTA_LABELS_MASK: u16 = 23;
/// SYN proxy state (nested).
pub const CTA_SYNPROXY: u16 = 24;
/// Dump filter (nested; requests only).
pub const CTA_FILTER: u16 = 25;
/// Status mask for dump filtering (be32; requests only).
pub const CTA_STATUS_MASK: u16 = 26;
/// Event timestamp (be64, ns).
pub const CTA_TIMESTAMP_EVENT: u16 = 27;
/// Highest top-level attribute.
pub const CTA_MAX: u16 = 27;

/// Tuple attribute: unused.
pub const CTA_TUPLE_UNSPEC: u16 = 0;
/// Tuple attribute: addresses (nested `CTA_IP_*`).
pub const CTA_TUPLE_IP: u16 = 1;
/// Tuple attribute: protocol and ports (nested `CTA_PROTO_*`).
pub const CTA_TUPLE_PROTO: u16 = 2;
/// Tuple attribute: zone (be16).
pub const CTA_TUPLE_ZONE: u16 = 3;
/// Highest tuple attribute.
pub const CTA_TUPLE_MAX: u16 = 3;

/// Address attribute: unused.
pub const CTA_IP_UNSPEC: u16 = 0;
/// IPv4 source address (4 bytes, network order).
pub const CTA_IP_V4_SRC: u16 = 1;
/// IPv4 destination address (4 bytes, network order).
pub const CTA_IP_V4_DST: u16 = 2;
/// IPv6 source address (16 bytes).
pub const CTA_IP_V6_SRC: u16 = 3;
/// IPv6 destination address (16 bytes).
pub const CTA_IP_V6_DST: u16 = 4;
/// Highest address attribute.
pub const CTA_IP_MAX: u16 = 4;

/// Protocol attribute: unused.
pub const CTA_PROTO_UNSPEC: u16 = 0;
/// Layer 4 protocol number (u8).
pub const CTA_PROTO_NUM: u16 = 1;
/// Source port (be16).
pub const CTA_PROTO_SRC_PORT: u16 = 2;
/// Destination port (be16).
pub const CTA_PROTO_DST_PORT: u16 = 3;
/// ICMP id (be16).
pub const CTA_PROTO_ICMP_ID: u16 = 4;
/// ICMP type (u8).
pub const CTA_PROTO_ICMP_TYPE: u16 = 5;
/// ICMP code (u8).
pub const CTA_PROTO_ICMP_CODE: u16 = 6;
/// ICMPv6 id (be16).
pub const CTA_PROTO_ICMPV6_ID: u16 = 7;
/// ICMPv6 type (u8).
pub const CTA_PROTO_ICMPV6_TYPE: u16 = 8;
/// ICMPv6 code (u8).
pub const CTA_PROTO_ICMPV6_CODE: u16 = 9;
/// Highest protocol attribute.
pub const CTA_PROTO_MAX: u16 = 9;

/// Protocol info attribute: unused.
pub const CTA_PROTOINFO_UNSPEC: u16 = 0;
/// TCP state (nested `CTA_PROTOINFO_TCP_*`).
pub const CTA_PROTOINFO_TCP: u16 = 1;
/// DCCP state (nested).
pub const CTA_PROTOINFO_DCCP: u16 = 2;
/// SCTP state (nested).
pub const CTA_PROTOINFO_SCTP: u16 = 3;
/// Highest protocol info attribute.
pub const CTA_PROTOINFO_MAX: u16 = 3;

/// TCP info attribute: unused.
pub const CTA_PROTOINFO_TCP_UNSPEC: u16 = 0;
/// TCP conntrack state, `TCP_CONNTRACK_*` (u8).
pub const CTA_PROTOINFO_TCP_STATE: u16 = 1;
/// Original-direction window scale (u8).
pub const CTA_PROTOINFO_TCP_WSCALE_ORIGINAL: u16 = 2;
/// Reply-direction window scale (u8).
pub const CTA_PROTOINFO_TCP_WSCALE_REPLY: u16 = 3;
/// Original-direction flags (`struct nf_ct_tcp_flags`, 2 bytes).
pub const CTA_PROTOINFO_TCP_FLAGS_ORIGINAL: u16 = 4;
/// Reply-direction flags (`struct nf_ct_tcp_flags`, 2 bytes).
pub const CTA_PROTOINFO_TCP_FLAGS_REPLY: u16 = 5;
/// Highest TCP info attribute.
pub const CTA_PROTOINFO_TCP_MAX: u16 = 5;

/// Counter attribute: unused.
pub const CTA_COUNTERS_UNSPEC: u16 = 0;
/// Packets (be64).
pub const CTA_COUNTERS_PACKETS: u16 = 1;
/// Bytes (be64).
pub const CTA_COUNTERS_BYTES: u16 = 2;
/// Old 32-bit packet counter, unused.
pub const CTA_COUNTERS32_PACKETS: u16 = 3;
/// Old 32-bit byte counter, unused.
pub const CTA_COUNTERS32_BYTES: u16 = 4;
/// Padding for 64-bit alignment; skip it.
pub const CTA_COUNTERS_PAD: u16 = 5;
/// Highest counter attribute.
pub const CTA_COUNTERS_MAX: u16 = 5;

/// Timestamp attribute: unused.
pub const CTA_TIMESTAMP_UNSPEC: u16 = 0;
/// Creation time (be64, ns).
pub const CTA_TIMESTAMP_START: u16 = 1;
/// Destruction time (be64, ns).
pub const CTA_TIMESTAMP_STOP: u16 = 2;
/// Padding for 64-bit alignment; skip it.
pub const CTA_TIMESTAMP_PAD: u16 = 3;
/// Highest timestamp attribute.
pub const CTA_TIMESTAMP_MAX: u16 = 3;
