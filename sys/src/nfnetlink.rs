//! nfnetlink ABI from `include/uapi/linux/netfilter/nfnetlink.h`: the `nfgenmsg` header that
//! follows `nlmsghdr` in every netfilter message, subsystem ids, multicast groups and the
//! batch control messages.
//!
//! An nfnetlink `nlmsg_type` is `(subsystem << 8) | message`, so `NFNL_SUBSYS_*` and the
//! per-subsystem message numbers are `u16`. Groups are `u32` (the option value of
//! `NETLINK_ADD_MEMBERSHIP`).

use crate::netlink::NLMSG_MIN_TYPE;

/// Multicast group: none.
pub const NFNLGRP_NONE: u32 = 0;
/// Multicast group: new conntrack entries.
pub const NFNLGRP_CONNTRACK_NEW: u32 = 1;
/// Multicast group: conntrack updates.
pub const NFNLGRP_CONNTRACK_UPDATE: u32 = 2;
/// Multicast group: conntrack destruction.
pub const NFNLGRP_CONNTRACK_DESTROY: u32 = 3;
/// Multicast group: new expectations.
pub const NFNLGRP_CONNTRACK_EXP_NEW: u32 = 4;
/// Multicast group: expectation updates.
pub const NFNLGRP_CONNTRACK_EXP_UPDATE: u32 = 5;
/// Multicast group: expectation destruction.
pub const NFNLGRP_CONNTRACK_EXP_DESTROY: u32 = 6;
/// Multicast group: nf_tables ruleset changes (`NFT_MSG_NEW*`/`DEL*`, `NEWGEN`).
pub const NFNLGRP_NFTABLES: u32 = 7;
/// Multicast group: nfacct quota reached.
pub const NFNLGRP_ACCT_QUOTA: u32 = 8;
/// Multicast group: nf_tables trace events (`NFT_MSG_TRACE`).
pub const NFNLGRP_NFTRACE: u32 = 9;
/// Highest multicast group.
pub const NFNLGRP_MAX: u32 = 9;

/// `nfgenmsg.version` of every current message.
pub const NFNETLINK_V0: u8 = 0;

/// Subsystem: none.
pub const NFNL_SUBSYS_NONE: u16 = 0;
/// Subsystem: ctnetlink (conntrack entries).
pub const NFNL_SUBSYS_CTNETLINK: u16 = 1;
/// Subsystem: ctnetlink expectations.
pub const NFNL_SUBSYS_CTNETLINK_EXP: u16 = 2;
/// Subsystem: nfnetlink_queue.
pub const NFNL_SUBSYS_QUEUE: u16 = 3;
/// Subsystem: nfnetlink_log (named ULOG for history).
pub const NFNL_SUBSYS_ULOG: u16 = 4;
/// Subsystem: passive OS fingerprinting.
pub const NFNL_SUBSYS_OSF: u16 = 5;
/// Subsystem: ipset.
pub const NFNL_SUBSYS_IPSET: u16 = 6;
/// Subsystem: nfacct.
pub const NFNL_SUBSYS_ACCT: u16 = 7;
/// Subsystem: conntrack timeout policies.
pub const NFNL_SUBSYS_CTNETLINK_TIMEOUT: u16 = 8;
/// Subsystem: userspace conntrack helpers.
pub const NFNL_SUBSYS_CTHELPER: u16 = 9;
/// Subsystem: nf_tables.
pub const NFNL_SUBSYS_NFTABLES: u16 = 10;
/// Subsystem: nf_tables x_tables compatibility (`NFNL_MSG_COMPAT_GET`).
pub const NFNL_SUBSYS_NFT_COMPAT: u16 = 11;
/// Subsystem: nfnetlink_hook (hook introspection).
pub const NFNL_SUBSYS_HOOK: u16 = 12;
/// Number of subsystems.
pub const NFNL_SUBSYS_COUNT: u16 = 13;

/// Control message that opens a transaction batch; `res_id` is the subsystem to commit to.
pub const NFNL_MSG_BATCH_BEGIN: u16 = NLMSG_MIN_TYPE;
/// Control message that closes (and commits) a transaction batch.
pub const NFNL_MSG_BATCH_END: u16 = NLMSG_MIN_TYPE + 1;

/// Batch attribute: unspecified.
pub const NFNL_BATCH_UNSPEC: u16 = 0;
/// Batch attribute: expected ruleset generation id (be32); the batch fails with `ERESTART`
/// if the ruleset changed since.
pub const NFNL_BATCH_GENID: u16 = 1;
/// Highest batch attribute.
pub const NFNL_BATCH_MAX: u16 = 1;

/// Address-family-dependent header that follows `nlmsghdr` in every nfnetlink message
/// (`struct nfgenmsg`, `nfnetlink.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nfgenmsg {
    /// `NFPROTO_*` / `AF_*` family. For nf_tables traces this is the table's family.
    pub nfgen_family: u8,
    /// `NFNETLINK_V0`.
    pub version: u8,
    /// Resource id, **big-endian** as stored: the nflog group, the nf_tables generation
    /// id (lower 16 bits) or the batch's subsystem. Convert with `u16::from_be`.
    pub res_id: u16,
}
const _: () = assert!(core::mem::size_of::<nfgenmsg>() == 4);
const _: () = assert!(core::mem::align_of::<nfgenmsg>() == 2);
