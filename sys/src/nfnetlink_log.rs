//! nfnetlink_log ABI from `include/uapi/linux/netfilter/nfnetlink_log.h`: packet records
//! (`NFULNL_MSG_PACKET`) and instance configuration (`NFULNL_MSG_CONFIG`), plus the
//! kernel-internal defaults from `net/netfilter/nfnetlink_log.c` that shape configuration.
//!
//! `nlmsg_type` is `(NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_*`; `nfgenmsg.res_id` is the
//! group (big-endian). All integer attributes are big-endian. The structs describe attribute
//! payloads, which are only 4-byte aligned in a buffer: read them byte-wise, do not cast.

/// A logged packet (kernel → user).
pub const NFULNL_MSG_PACKET: u16 = 0;
/// Configure an instance (user → kernel), `NFULA_CFG_*` attributes.
pub const NFULNL_MSG_CONFIG: u16 = 1;
/// One past the highest message type.
pub const NFULNL_MSG_MAX: u16 = 2;

/// Nested `NFULA_VLAN` attribute: unused.
pub const NFULA_VLAN_UNSPEC: u16 = 0;
/// Nested `NFULA_VLAN` attribute: `skb->vlan_proto` (be16).
pub const NFULA_VLAN_PROTO: u16 = 1;
/// Nested `NFULA_VLAN` attribute: VLAN TCI (be16).
pub const NFULA_VLAN_TCI: u16 = 2;
/// As the header defines it: `__NFULA_VLAN_MAX + 1` (= 4), one more than a usual `_MAX`.
pub const NFULA_VLAN_MAX: u16 = 4;

/// Unused.
pub const NFULA_UNSPEC: u16 = 0;
/// `struct nfulnl_msg_packet_hdr` (4 B). Always present.
pub const NFULA_PACKET_HDR: u16 = 1;
/// Packet mark (be32), only if non-zero.
pub const NFULA_MARK: u16 = 2;
/// `struct nfulnl_msg_packet_timestamp` (16 B); only on hooks PRE_ROUTING, LOCAL_IN, FORWARD.
pub const NFULA_TIMESTAMP: u16 = 3;
/// Input interface index (be32).
pub const NFULA_IFINDEX_INDEV: u16 = 4;
/// Output interface index (be32).
pub const NFULA_IFINDEX_OUTDEV: u16 = 5;
/// Bridge port input interface index (be32), with br_netfilter.
pub const NFULA_IFINDEX_PHYSINDEV: u16 = 6;
/// Bridge port output interface index (be32), with br_netfilter.
pub const NFULA_IFINDEX_PHYSOUTDEV: u16 = 7;
/// `struct nfulnl_msg_packet_hw` (12 B): source hardware address.
pub const NFULA_HWADDR: u16 = 8;
/// Packet bytes from the network header (copy mode `NFULNL_COPY_PACKET`).
pub const NFULA_PAYLOAD: u16 = 9;
/// Log prefix (NUL-terminated string); `TRACE: table:chain:type:num ` for xt TRACE.
pub const NFULA_PREFIX: u16 = 10;
/// Socket owner uid (be32), mapped into the listener's user namespace.
pub const NFULA_UID: u16 = 11;
/// Instance-local sequence number (be32), starts at 0; flag `NFULNL_CFG_F_SEQ`.
pub const NFULA_SEQ: u16 = 12;
/// Per-namespace sequence number (be32), starts at 1; flag `NFULNL_CFG_F_SEQ_GLOBAL`.
pub const NFULA_SEQ_GLOBAL: u16 = 13;
/// Socket owner gid (be32).
pub const NFULA_GID: u16 = 14;
/// Device type, `ARPHRD_*` (be16).
pub const NFULA_HWTYPE: u16 = 15;
/// The device's hard header bytes.
pub const NFULA_HWHEADER: u16 = 16;
/// Length of `NFULA_HWHEADER` (be16).
pub const NFULA_HWLEN: u16 = 17;
/// Conntrack entry, nested ctnetlink attributes (`crate::nfnetlink_conntrack::CTA_*`);
/// flag `NFULNL_CFG_F_CONNTRACK`.
pub const NFULA_CT: u16 = 18;
/// `enum ip_conntrack_info` of the packet (be32), `crate::nf_conntrack::IP_CT_*`.
pub const NFULA_CT_INFO: u16 = 19;
/// Nested VLAN info (`NFULA_VLAN_*`); only for NETDEV and BRIDGE families.
pub const NFULA_VLAN: u16 = 20;
/// The full layer-2 header; only for NETDEV and BRIDGE families.
pub const NFULA_L2HDR: u16 = 21;
/// Highest packet attribute.
pub const NFULA_MAX: u16 = 21;

/// Config command: none.
pub const NFULNL_CFG_CMD_NONE: u8 = 0;
/// Config command: bind this socket to the group in `res_id` (creates the instance).
pub const NFULNL_CFG_CMD_BIND: u8 = 1;
/// Config command: unbind the group.
pub const NFULNL_CFG_CMD_UNBIND: u8 = 2;
/// Config command: make nfnetlink_log the nf_log logger of the family in `nfgen_family`.
/// Acts at once, without an instance. `AF_UNSPEC` binds slot 0 only.
pub const NFULNL_CFG_CMD_PF_BIND: u8 = 3;
/// Config command: unbind nfnetlink_log as the family's logger.
pub const NFULNL_CFG_CMD_PF_UNBIND: u8 = 4;

/// Config attribute: unused.
pub const NFULA_CFG_UNSPEC: u16 = 0;
/// Config attribute: `struct nfulnl_msg_config_cmd`.
pub const NFULA_CFG_CMD: u16 = 1;
/// Config attribute: `struct nfulnl_msg_config_mode`.
pub const NFULA_CFG_MODE: u16 = 2;
/// Config attribute: netlink buffer size (be32), `NLMSG_GOODSIZE`..=`NFULNL_NLBUFSIZ_MAX`.
pub const NFULA_CFG_NLBUFSIZ: u16 = 3;
/// Config attribute: flush timeout in 1/100 s (be32).
pub const NFULA_CFG_TIMEOUT: u16 = 4;
/// Config attribute: queue threshold in packets (be32); 1 delivers each record at once.
pub const NFULA_CFG_QTHRESH: u16 = 5;
/// Config attribute: `NFULNL_CFG_F_*` flags (be16). An unsupported flag rejects the whole
/// config message.
pub const NFULA_CFG_FLAGS: u16 = 6;
/// Highest config attribute.
pub const NFULA_CFG_MAX: u16 = 6;

/// Copy mode: no packet data.
pub const NFULNL_COPY_NONE: u8 = 0x00;
/// Copy mode: metadata only.
pub const NFULNL_COPY_META: u8 = 0x01;
/// Copy mode: metadata and up to `copy_range` bytes of payload.
pub const NFULNL_COPY_PACKET: u8 = 0x02;

/// Config flag: add `NFULA_SEQ`.
pub const NFULNL_CFG_F_SEQ: u16 = 0x0001;
/// Config flag: add `NFULA_SEQ_GLOBAL`.
pub const NFULNL_CFG_F_SEQ_GLOBAL: u16 = 0x0002;
/// Config flag: add `NFULA_CT`/`NFULA_CT_INFO` (needs the ctnetlink glue; may fail with
/// `EOPNOTSUPP`/`EAGAIN`).
pub const NFULNL_CFG_F_CONNTRACK: u16 = 0x0004;

/// Kernel-internal (`nfnetlink_log.c`), not uapi: default flush timeout, 1/100 s (1 s).
pub const NFULNL_TIMEOUT_DEFAULT: u32 = 100;
/// Kernel-internal (`nfnetlink_log.c`), not uapi: default queue threshold in packets.
pub const NFULNL_QTHRESH_DEFAULT: u32 = 100;
/// Kernel-internal (`nfnetlink_log.c`), not uapi: largest copy range, `0xFFFF - NLA_HDRLEN`.
/// A `copy_range` of 0 or above this means this value.
pub const NFULNL_COPY_RANGE_MAX: u32 = 0xFFFF - 4;
/// Not a kernel name: the literal limit in `nfulnl_set_nlbufsiz` (`nfnetlink_log.c`); a
/// larger `NFULA_CFG_NLBUFSIZ` fails with `ERANGE`.
/// The default and the minimum are `NLMSG_GOODSIZE`, which depends on the page size (a
/// little under 4 KiB with 4 KiB pages), so it has no constant here.
pub const NFULNL_NLBUFSIZ_MAX: u32 = 131_072;

/// `NFULA_PACKET_HDR` payload (`struct nfulnl_msg_packet_hdr`, `nfnetlink_log.h`), 4 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nfulnl_msg_packet_hdr {
    /// Ethertype of the packet (`skb->protocol`), **big-endian**.
    pub hw_protocol: u16,
    /// Netfilter hook number (`NF_INET_*`).
    pub hook: u8,
    /// Padding.
    pub _pad: u8,
}
const _: () = assert!(core::mem::size_of::<nfulnl_msg_packet_hdr>() == 4);

/// `NFULA_HWADDR` payload (`struct nfulnl_msg_packet_hw`, `nfnetlink_log.h`), 12 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nfulnl_msg_packet_hw {
    /// Number of valid bytes in `hw_addr`, **big-endian**.
    pub hw_addrlen: u16,
    /// Padding.
    pub _pad: u16,
    /// Hardware address, `hw_addrlen` bytes used.
    pub hw_addr: [u8; 8],
}
const _: () = assert!(core::mem::size_of::<nfulnl_msg_packet_hw>() == 12);

/// `NFULA_TIMESTAMP` payload (`struct nfulnl_msg_packet_timestamp`, `nfnetlink_log.h`),
/// 16 bytes. Both fields are **big-endian** (`__aligned_be64`). In a netlink buffer the
/// payload is only 4-byte aligned, so read it with `u64::from_be_bytes`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nfulnl_msg_packet_timestamp {
    /// Seconds, **big-endian**.
    pub sec: u64,
    /// Microseconds, **big-endian**.
    pub usec: u64,
}
const _: () = assert!(core::mem::size_of::<nfulnl_msg_packet_timestamp>() == 16);
const _: () = assert!(core::mem::align_of::<nfulnl_msg_packet_timestamp>() == 8);

/// `NFULA_CFG_CMD` payload (`struct nfulnl_msg_config_cmd`, packed), 1 byte.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nfulnl_msg_config_cmd {
    /// `NFULNL_CFG_CMD_*`.
    pub command: u8,
}
const _: () = assert!(core::mem::size_of::<nfulnl_msg_config_cmd>() == 1);

/// `NFULA_CFG_MODE` payload (`struct nfulnl_msg_config_mode`, packed), 6 bytes.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct nfulnl_msg_config_mode {
    /// Bytes of payload to copy, **big-endian**; 0 means `NFULNL_COPY_RANGE_MAX`.
    pub copy_range: u32,
    /// `NFULNL_COPY_*`.
    pub copy_mode: u8,
    /// Padding.
    pub _pad: u8,
}
const _: () = assert!(core::mem::size_of::<nfulnl_msg_config_mode>() == 6);
const _: () = assert!(core::mem::align_of::<nfulnl_msg_config_mode>() == 1);
