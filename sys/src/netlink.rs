//! Generic netlink ABI from `include/uapi/linux/netlink.h`: message and attribute headers,
//! control message types, request flags, alignment and the socket options nftrace uses.
//!
//! Integer types follow the field that carries the value on the wire: message types and
//! flags are `u16` (`nlmsghdr.nlmsg_type` / `nlmsg_flags`), attribute flags are `u16`
//! (`nlattr.nla_type`), socket-level numbers are `i32` (C `int`), lengths are `usize`.

/// Socket protocol of nfnetlink (`socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)`).
pub const NETLINK_NETFILTER: i32 = 12;
/// Legacy `ip_queue`/`ipt_ULOG` protocol; unused on current kernels.
pub const NETLINK_NFLOG: i32 = 5;
/// rtnetlink (interfaces, addresses, routes).
pub const NETLINK_ROUTE: i32 = 0;
/// Generic netlink.
pub const NETLINK_GENERIC: i32 = 16;

/// `setsockopt` level for the `NETLINK_*` socket options below (`linux/socket.h`).
pub const SOL_NETLINK: i32 = 270;

/// Join a multicast group; the option value is the group number (not a bit mask).
pub const NETLINK_ADD_MEMBERSHIP: i32 = 1;
/// Leave a multicast group.
pub const NETLINK_DROP_MEMBERSHIP: i32 = 2;
/// Receive `struct nl_pktinfo` (the group) as ancillary data.
pub const NETLINK_PKTINFO: i32 = 3;
/// Report broadcast delivery errors to the sender.
pub const NETLINK_BROADCAST_ERROR: i32 = 4;
/// Do not report receive-buffer overruns as `ENOBUFS` (messages are still lost).
pub const NETLINK_NO_ENOBUFS: i32 = 5;
/// Obsolete mmap RX ring (removed from the kernel in 4.6).
pub const NETLINK_RX_RING: i32 = 6;
/// Obsolete mmap TX ring (removed from the kernel in 4.6).
pub const NETLINK_TX_RING: i32 = 7;
/// Receive multicast from every peer network namespace that has an id.
pub const NETLINK_LISTEN_ALL_NSID: i32 = 8;
/// `getsockopt`: the bit mask of joined groups.
pub const NETLINK_LIST_MEMBERSHIPS: i32 = 9;
/// Error messages carry only the header of the failing request, not its payload.
pub const NETLINK_CAP_ACK: i32 = 10;
/// Error messages carry extended-ack TLVs (`NLMSGERR_ATTR_*`).
pub const NETLINK_EXT_ACK: i32 = 11;
/// Strict checking of dump request headers.
pub const NETLINK_GET_STRICT_CHK: i32 = 12;

/// Control message: nothing, ignore it.
pub const NLMSG_NOOP: u16 = 0x1;
/// Control message: an error or an acknowledgement (`struct nlmsgerr`, error 0 = ack).
pub const NLMSG_ERROR: u16 = 0x2;
/// Control message: end of a multipart message (dump, or an nflog batch).
pub const NLMSG_DONE: u16 = 0x3;
/// Control message: data lost.
pub const NLMSG_OVERRUN: u16 = 0x4;
/// Message types below this value are reserved for control messages.
pub const NLMSG_MIN_TYPE: u16 = 0x10;

/// The message is a request.
pub const NLM_F_REQUEST: u16 = 0x01;
/// Part of a multipart message, terminated by `NLMSG_DONE`.
pub const NLM_F_MULTI: u16 = 0x02;
/// Ask for an acknowledgement (an `NLMSG_ERROR` with error 0 on success).
pub const NLM_F_ACK: u16 = 0x04;
/// Echo the request back to the sender.
pub const NLM_F_ECHO: u16 = 0x08;
/// The dump was inconsistent because the data changed during it: retry.
pub const NLM_F_DUMP_INTR: u16 = 0x10;
/// The dump was filtered as requested.
pub const NLM_F_DUMP_FILTERED: u16 = 0x20;

/// GET modifier: return the whole tree.
pub const NLM_F_ROOT: u16 = 0x100;
/// GET modifier: return all matching objects.
pub const NLM_F_MATCH: u16 = 0x200;
/// GET modifier: atomic get.
pub const NLM_F_ATOMIC: u16 = 0x400;
/// GET modifier: a dump (`NLM_F_ROOT | NLM_F_MATCH`).
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;

/// NEW modifier: replace an existing object.
pub const NLM_F_REPLACE: u16 = 0x100;
/// NEW modifier: fail if the object exists.
pub const NLM_F_EXCL: u16 = 0x200;
/// NEW modifier: create the object if it does not exist.
pub const NLM_F_CREATE: u16 = 0x400;
/// NEW modifier: add to the end of a list.
pub const NLM_F_APPEND: u16 = 0x800;

/// DELETE modifier: do not delete recursively.
pub const NLM_F_NONREC: u16 = 0x100;
/// DELETE modifier: delete multiple objects.
pub const NLM_F_BULK: u16 = 0x200;

/// ACK flag: the echoed request was capped (payload left out).
pub const NLM_F_CAPPED: u16 = 0x100;
/// ACK flag: extended-ack TLVs follow.
pub const NLM_F_ACK_TLVS: u16 = 0x200;

/// Messages are aligned to this many bytes.
pub const NLMSG_ALIGNTO: usize = 4;
/// Size of `struct nlmsghdr`, aligned (`NLMSG_HDRLEN`).
pub const NLMSG_HDRLEN: usize = 16;

/// Attributes are aligned to this many bytes.
pub const NLA_ALIGNTO: usize = 4;
/// Size of `struct nlattr`, aligned (`NLA_HDRLEN`).
pub const NLA_HDRLEN: usize = 4;

/// `nla_type` flag: the payload is a list of attributes. Not every sender sets it (the
/// nf_tables trace verdict nest does not), so decoders go by schema, not by this flag.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// `nla_type` flag: the payload is in network byte order. Rarely set; nfnetlink sends
/// big-endian integers without it.
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
/// Mask that strips the two flags above from `nla_type`.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// Extended-ack TLV: unused.
pub const NLMSGERR_ATTR_UNUSED: u16 = 0;
/// Extended-ack TLV: error message string.
pub const NLMSGERR_ATTR_MSG: u16 = 1;
/// Extended-ack TLV: offset (u32) of the invalid attribute from the start of the request.
pub const NLMSGERR_ATTR_OFFS: u16 = 2;
/// Extended-ack TLV: opaque cookie.
pub const NLMSGERR_ATTR_COOKIE: u16 = 3;
/// Extended-ack TLV: policy of a rejected attribute.
pub const NLMSGERR_ATTR_POLICY: u16 = 4;
/// Extended-ack TLV: type of a missing required attribute.
pub const NLMSGERR_ATTR_MISS_TYPE: u16 = 5;
/// Extended-ack TLV: offset of the nest where an attribute was missing.
pub const NLMSGERR_ATTR_MISS_NEST: u16 = 6;
/// Highest extended-ack TLV type.
pub const NLMSGERR_ATTR_MAX: u16 = 6;

/// Netlink message header (`struct nlmsghdr`, `linux/netlink.h`). All fields are in host
/// byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nlmsghdr {
    /// Length of the message including this header.
    pub nlmsg_len: u32,
    /// Message type: a control type (`NLMSG_*`) or `(subsystem << 8) | message` on nfnetlink.
    pub nlmsg_type: u16,
    /// `NLM_F_*` flags.
    pub nlmsg_flags: u16,
    /// Sequence number.
    pub nlmsg_seq: u32,
    /// Sending port id (0 for the kernel).
    pub nlmsg_pid: u32,
}
const _: () = assert!(core::mem::size_of::<nlmsghdr>() == NLMSG_HDRLEN);
const _: () = assert!(core::mem::align_of::<nlmsghdr>() == 4);

/// Netlink attribute header (`struct nlattr`, `linux/netlink.h`). Host byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nlattr {
    /// Length of the attribute including this header, excluding trailing padding.
    pub nla_len: u16,
    /// Attribute type, possibly with `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER`.
    pub nla_type: u16,
}
const _: () = assert!(core::mem::size_of::<nlattr>() == NLA_HDRLEN);

/// Payload of an `NLMSG_ERROR` message (`struct nlmsgerr`, `linux/netlink.h`): a negative
/// errno (0 = acknowledgement) and the header of the request it answers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nlmsgerr {
    /// Negative errno, or 0 for an acknowledgement.
    pub error: i32,
    /// Header of the request that caused it; its payload may follow.
    pub msg: nlmsghdr,
}
const _: () = assert!(core::mem::size_of::<nlmsgerr>() == 20);

/// Netlink socket address (`struct sockaddr_nl`, `linux/netlink.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sockaddr_nl {
    /// `AF_NETLINK` (16).
    pub nl_family: u16,
    /// Zero.
    pub nl_pad: u16,
    /// Port id (0 = the kernel, or let the kernel choose on bind).
    pub nl_pid: u32,
    /// Legacy multicast group bit mask (`1 << (group - 1)`, groups 1..=32 only).
    pub nl_groups: u32,
}
const _: () = assert!(core::mem::size_of::<sockaddr_nl>() == 12);
