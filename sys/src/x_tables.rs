//! Legacy x_tables ABI from `include/uapi/linux/netfilter/x_tables.h`,
//! `netfilter_ipv4/ip_tables.h` and `netfilter_ipv6/ip6_tables.h`: the `getsockopt` calls
//! and the entry layout that give the real contents of an iptables-legacy table (chain
//! boundaries, policies, rule positions, counters).
//!
//! Read a table with `getsockopt(fd, SOL_IP, IPT_SO_GET_INFO, ipt_getinfo)` (name filled in),
//! then `getsockopt(fd, SOL_IP, IPT_SO_GET_ENTRIES, ipt_get_entries + size bytes)`; IPv6 uses
//! `SOL_IPV6` and the `IP6T_*` counterparts. The blob is a sequence of `ipt_entry`, each
//! followed by its matches (`xt_entry_match` + data) and one target (`xt_entry_target` + data)
//! at `target_offset`; the next entry starts at `next_offset`. User chains begin with an
//! `ERROR` target whose `errorname` is the chain name; the table ends with an `ERROR` entry
//! named `ERROR`. Standard targets have an empty name and a verdict: `>= 0` is a jump offset
//! into the blob, `< 0` is `-verdict - 1` (`NF_DROP` → -1, `NF_ACCEPT` → -2) or `XT_RETURN`.
//!
//! All fields are in host byte order, except the addresses and masks in `ipt_ip`/`ip6t_ip6`
//! (network order). Layouts are those of a 64-bit kernel; sizes are asserted on 64-bit
//! targets only (on 32-bit x86 `u64` is 4-aligned and the sizes differ).

/// Longest table name, including the NUL.
pub const XT_TABLE_MAXNAMELEN: usize = 32;
/// Length of `xt_error_target.errorname` (chain names are shorter: at most 28 + NUL).
pub const XT_FUNCTION_MAXNAMELEN: usize = 30;
/// Longest match/target extension name, including the NUL.
pub const XT_EXTENSION_MAXNAMELEN: usize = 29;

/// Standard-target verdict: continue with the next rule (`0xFFFFFFFF` as `i32`).
pub const XT_CONTINUE: i32 = -1;
/// Standard-target verdict: return to the calling chain (`-NF_REPEAT - 1`).
pub const XT_RETURN: i32 = -crate::netfilter::NF_REPEAT - 1;
/// Name of the standard target (verdicts and jumps): the empty string.
pub const XT_STANDARD_TARGET: &[u8] = b"";
/// Name of the error target, which also marks chain heads and the end of the table.
pub const XT_ERROR_TARGET: &[u8] = b"ERROR";
/// `ipt_ip.invflags` / `ip6t_ip6.invflags`: invert the protocol test.
pub const XT_INV_PROTO: u8 = 0x40;

/// `getsockopt` base for `IPT_SO_*` at level `SOL_IP`.
pub const IPT_BASE_CTL: i32 = 64;
/// `setsockopt`: replace a whole table.
pub const IPT_SO_SET_REPLACE: i32 = IPT_BASE_CTL;
/// `setsockopt`: add to counters.
pub const IPT_SO_SET_ADD_COUNTERS: i32 = IPT_BASE_CTL + 1;
/// `getsockopt`: table summary (`ipt_getinfo`).
pub const IPT_SO_GET_INFO: i32 = IPT_BASE_CTL;
/// `getsockopt`: table entries (`ipt_get_entries` followed by the blob).
pub const IPT_SO_GET_ENTRIES: i32 = IPT_BASE_CTL + 1;
/// `getsockopt`: highest supported revision of a match (`xt_get_revision`).
pub const IPT_SO_GET_REVISION_MATCH: i32 = IPT_BASE_CTL + 2;
/// `getsockopt`: highest supported revision of a target (`xt_get_revision`).
pub const IPT_SO_GET_REVISION_TARGET: i32 = IPT_BASE_CTL + 3;

/// `getsockopt` base for `IP6T_SO_*` at level `SOL_IPV6`.
pub const IP6T_BASE_CTL: i32 = 64;
/// `setsockopt`: replace a whole table.
pub const IP6T_SO_SET_REPLACE: i32 = IP6T_BASE_CTL;
/// `setsockopt`: add to counters.
pub const IP6T_SO_SET_ADD_COUNTERS: i32 = IP6T_BASE_CTL + 1;
/// `getsockopt`: table summary (`ip6t_getinfo`).
pub const IP6T_SO_GET_INFO: i32 = IP6T_BASE_CTL;
/// `getsockopt`: table entries (`ip6t_get_entries` followed by the blob).
pub const IP6T_SO_GET_ENTRIES: i32 = IP6T_BASE_CTL + 1;
/// `getsockopt`: highest supported revision of a match (note: base + 4, unlike IPv4).
pub const IP6T_SO_GET_REVISION_MATCH: i32 = IP6T_BASE_CTL + 4;
/// `getsockopt`: highest supported revision of a target (base + 5).
pub const IP6T_SO_GET_REVISION_TARGET: i32 = IP6T_BASE_CTL + 5;

/// `ipt_ip.flags`: the rule matches fragments only (`-f`).
pub const IPT_F_FRAG: u8 = 0x01;
/// `ipt_ip.flags`: the jump is a goto (`-g`).
pub const IPT_F_GOTO: u8 = 0x02;
/// `ipt_ip.flags`: all flags.
pub const IPT_F_MASK: u8 = 0x03;
/// `ipt_ip.invflags`: invert the input interface test.
pub const IPT_INV_VIA_IN: u8 = 0x01;
/// `ipt_ip.invflags`: invert the output interface test.
pub const IPT_INV_VIA_OUT: u8 = 0x02;
/// `ipt_ip.invflags`: invert the TOS test.
pub const IPT_INV_TOS: u8 = 0x04;
/// `ipt_ip.invflags`: invert the source address test.
pub const IPT_INV_SRCIP: u8 = 0x08;
/// `ipt_ip.invflags`: invert the destination address test.
pub const IPT_INV_DSTIP: u8 = 0x10;
/// `ipt_ip.invflags`: invert the fragment test.
pub const IPT_INV_FRAG: u8 = 0x20;
/// `ipt_ip.invflags`: invert the protocol test.
pub const IPT_INV_PROTO: u8 = XT_INV_PROTO;
/// `ipt_ip.invflags`: all flags.
pub const IPT_INV_MASK: u8 = 0x7F;

/// `ip6t_ip6.flags`: the rule tests the upper-layer protocol.
pub const IP6T_F_PROTO: u8 = 0x01;
/// `ip6t_ip6.flags`: the rule tests the TOS.
pub const IP6T_F_TOS: u8 = 0x02;
/// `ip6t_ip6.flags`: the jump is a goto (`-g`).
pub const IP6T_F_GOTO: u8 = 0x04;
/// `ip6t_ip6.flags`: all flags.
pub const IP6T_F_MASK: u8 = 0x07;
/// `ip6t_ip6.invflags`: invert the input interface test.
pub const IP6T_INV_VIA_IN: u8 = 0x01;
/// `ip6t_ip6.invflags`: invert the output interface test.
pub const IP6T_INV_VIA_OUT: u8 = 0x02;
/// `ip6t_ip6.invflags`: invert the TOS test.
pub const IP6T_INV_TOS: u8 = 0x04;
/// `ip6t_ip6.invflags`: invert the source address test.
pub const IP6T_INV_SRCIP: u8 = 0x08;
/// `ip6t_ip6.invflags`: invert the destination address test.
pub const IP6T_INV_DSTIP: u8 = 0x10;
/// `ip6t_ip6.invflags`: invert the fragment test.
pub const IP6T_INV_FRAG: u8 = 0x20;
/// `ip6t_ip6.invflags`: invert the protocol test.
pub const IP6T_INV_PROTO: u8 = XT_INV_PROTO;
/// `ip6t_ip6.invflags`: all flags.
pub const IP6T_INV_MASK: u8 = 0x7F;

/// Interface name length (`IFNAMSIZ`, `linux/if.h`).
pub const IFNAMSIZ: usize = 16;

/// Packet and byte counters of an entry (`struct xt_counters`, `x_tables.h`), 16 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xt_counters {
    /// Packets.
    pub pcnt: u64,
    /// Bytes.
    pub bcnt: u64,
}

/// Header of a match in an entry (`struct xt_entry_match`, `x_tables.h`): the kernel's
/// union seen as userspace fills and reads it (`u.user`). `match_size` covers this header
/// and the match data that follows, aligned to 8. The union holds a kernel pointer, so it
/// has pointer alignment.
#[cfg_attr(target_pointer_width = "64", repr(C, align(8)))]
#[cfg_attr(not(target_pointer_width = "64"), repr(C, align(4)))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xt_entry_match {
    /// Size of header plus data.
    pub match_size: u16,
    /// Extension name, NUL-padded (e.g. `b"tcp\0..."`).
    pub name: [u8; XT_EXTENSION_MAXNAMELEN],
    /// Extension revision.
    pub revision: u8,
}

/// Header of the target in an entry (`struct xt_entry_target`, `x_tables.h`), user view of
/// the kernel union; see [`xt_entry_match`]. Empty name: standard target; `ERROR`: error.
#[cfg_attr(target_pointer_width = "64", repr(C, align(8)))]
#[cfg_attr(not(target_pointer_width = "64"), repr(C, align(4)))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xt_entry_target {
    /// Size of header plus data.
    pub target_size: u16,
    /// Extension name, NUL-padded.
    pub name: [u8; XT_EXTENSION_MAXNAMELEN],
    /// Extension revision.
    pub revision: u8,
}

/// Standard target (`struct xt_standard_target`, `x_tables.h`): a verdict or a jump.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xt_standard_target {
    /// Header; `name` is empty.
    pub target: xt_entry_target,
    /// `>= 0`: byte offset of the jump target in the blob; `< 0`: `-verdict - 1`
    /// (`NF_DROP` → -1, `NF_ACCEPT` → -2, `NF_QUEUE` → -4) or `XT_RETURN`.
    pub verdict: i32,
}

/// Error target (`struct xt_error_target`, `x_tables.h`): heads a user chain (errorname =
/// chain name) or ends the table (errorname = `ERROR`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xt_error_target {
    /// Header; `name` is `ERROR`.
    pub target: xt_entry_target,
    /// NUL-terminated chain name.
    pub errorname: [u8; XT_FUNCTION_MAXNAMELEN],
}

/// Argument of `IP*T_SO_GET_REVISION_*` (`struct xt_get_revision`, `x_tables.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xt_get_revision {
    /// Extension name.
    pub name: [u8; XT_EXTENSION_MAXNAMELEN],
    /// Revision asked for.
    pub revision: u8,
}

/// IPv4 header match of an entry (`struct ipt_ip`, `ip_tables.h`), 84 bytes.
#[repr(C, align(4))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ipt_ip {
    /// Source address (network order).
    pub src: [u8; 4],
    /// Destination address (network order).
    pub dst: [u8; 4],
    /// Source mask (network order).
    pub smsk: [u8; 4],
    /// Destination mask (network order).
    pub dmsk: [u8; 4],
    /// Input interface name (a trailing `+` becomes a shorter mask).
    pub iniface: [u8; IFNAMSIZ],
    /// Output interface name.
    pub outiface: [u8; IFNAMSIZ],
    /// Bytes of `iniface` that must match (0xff each).
    pub iniface_mask: [u8; IFNAMSIZ],
    /// Bytes of `outiface` that must match.
    pub outiface_mask: [u8; IFNAMSIZ],
    /// Protocol, 0 = any.
    pub proto: u16,
    /// `IPT_F_*`.
    pub flags: u8,
    /// `IPT_INV_*`.
    pub invflags: u8,
}

/// One IPv4 rule (`struct ipt_entry`, `ip_tables.h`), 112 bytes; matches and the target
/// follow it in the blob.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ipt_entry {
    /// Header match.
    pub ip: ipt_ip,
    /// Unused bit mask.
    pub nfcache: u32,
    /// Offset of the `xt_entry_target` from the start of this entry.
    pub target_offset: u16,
    /// Offset of the next entry from the start of this entry.
    pub next_offset: u16,
    /// Back pointer: bit mask of hooks that reach this entry (kernel-maintained).
    pub comefrom: u32,
    /// Counters.
    pub counters: xt_counters,
}

/// `IPT_SO_GET_INFO` argument and result (`struct ipt_getinfo`, `ip_tables.h`), 84 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ipt_getinfo {
    /// Table name (caller fills it in), e.g. `b"filter\0..."`.
    pub name: [u8; XT_TABLE_MAXNAMELEN],
    /// Bit mask of the hooks the table is attached to (`1 << NF_INET_*`).
    pub valid_hooks: u32,
    /// Blob offset of each hook's base chain (index `NF_INET_*`).
    pub hook_entry: [u32; 5],
    /// Blob offset of each base chain's policy entry (the "underflow").
    pub underflow: [u32; 5],
    /// Number of entries.
    pub num_entries: u32,
    /// Size of the entry blob in bytes.
    pub size: u32,
}

/// `IPT_SO_GET_ENTRIES` header (`struct ipt_get_entries`, `ip_tables.h`), 40 bytes on
/// 64-bit: 36 bytes of fields, padded because the entries that follow are 8-aligned.
/// Allocate `size_of::<ipt_get_entries>() + size` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ipt_get_entries {
    /// Table name (caller fills it in).
    pub name: [u8; XT_TABLE_MAXNAMELEN],
    /// Blob size (caller fills it in from `ipt_getinfo.size`; must match exactly).
    pub size: u32,
    /// The entries (flexible array member).
    pub entrytable: [ipt_entry; 0],
}

/// IPv6 header match of an entry (`struct ip6t_ip6`, `ip6_tables.h`), 136 bytes.
#[repr(C, align(4))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ip6t_ip6 {
    /// Source address.
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
    /// Source mask.
    pub smsk: [u8; 16],
    /// Destination mask.
    pub dmsk: [u8; 16],
    /// Input interface name.
    pub iniface: [u8; IFNAMSIZ],
    /// Output interface name.
    pub outiface: [u8; IFNAMSIZ],
    /// Bytes of `iniface` that must match.
    pub iniface_mask: [u8; IFNAMSIZ],
    /// Bytes of `outiface` that must match.
    pub outiface_mask: [u8; IFNAMSIZ],
    /// Upper-layer protocol (tested only with `IP6T_F_PROTO`).
    pub proto: u16,
    /// TOS (tested only with `IP6T_F_TOS`).
    pub tos: u8,
    /// `IP6T_F_*`.
    pub flags: u8,
    /// `IP6T_INV_*`.
    pub invflags: u8,
}

/// One IPv6 rule (`struct ip6t_entry`, `ip6_tables.h`), 168 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ip6t_entry {
    /// Header match.
    pub ipv6: ip6t_ip6,
    /// Unused bit mask.
    pub nfcache: u32,
    /// Offset of the `xt_entry_target` from the start of this entry.
    pub target_offset: u16,
    /// Offset of the next entry from the start of this entry.
    pub next_offset: u16,
    /// Back pointer (kernel-maintained).
    pub comefrom: u32,
    /// Counters.
    pub counters: xt_counters,
}

/// `IP6T_SO_GET_INFO` argument and result (`struct ip6t_getinfo`, `ip6_tables.h`), 84 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ip6t_getinfo {
    /// Table name (caller fills it in).
    pub name: [u8; XT_TABLE_MAXNAMELEN],
    /// Bit mask of the hooks the table is attached to.
    pub valid_hooks: u32,
    /// Blob offset of each hook's base chain.
    pub hook_entry: [u32; 5],
    /// Blob offset of each base chain's policy entry.
    pub underflow: [u32; 5],
    /// Number of entries.
    pub num_entries: u32,
    /// Size of the entry blob in bytes.
    pub size: u32,
}

/// `IP6T_SO_GET_ENTRIES` header (`struct ip6t_get_entries`, `ip6_tables.h`), 40 bytes on
/// 64-bit.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ip6t_get_entries {
    /// Table name (caller fills it in).
    pub name: [u8; XT_TABLE_MAXNAMELEN],
    /// Blob size (caller fills it in).
    pub size: u32,
    /// The entries (flexible array member).
    pub entrytable: [ip6t_entry; 0],
}

const _: () = assert!(core::mem::size_of::<xt_entry_match>() == 32);
const _: () = assert!(core::mem::size_of::<xt_entry_target>() == 32);
const _: () = assert!(core::mem::size_of::<xt_get_revision>() == 30);
const _: () = assert!(core::mem::size_of::<ipt_ip>() == 84);
const _: () = assert!(core::mem::align_of::<ipt_ip>() == 4);
const _: () = assert!(core::mem::size_of::<ip6t_ip6>() == 136);
const _: () = assert!(core::mem::align_of::<ip6t_ip6>() == 4);
const _: () = assert!(core::mem::size_of::<ipt_getinfo>() == 84);
const _: () = assert!(core::mem::size_of::<ip6t_getinfo>() == 84);

#[cfg(target_pointer_width = "64")]
mod layout_64 {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    const _: () = assert!(size_of::<xt_counters>() == 16);
    const _: () = assert!(align_of::<xt_entry_target>() == 8);
    const _: () = assert!(size_of::<xt_standard_target>() == 40);
    const _: () = assert!(offset_of!(xt_standard_target, verdict) == 32);
    const _: () = assert!(size_of::<xt_error_target>() == 64);
    const _: () = assert!(offset_of!(xt_error_target, errorname) == 32);
    const _: () = assert!(size_of::<ipt_entry>() == 112);
    const _: () = assert!(align_of::<ipt_entry>() == 8);
    const _: () = assert!(offset_of!(ipt_entry, target_offset) == 88);
    const _: () = assert!(offset_of!(ipt_entry, next_offset) == 90);
    const _: () = assert!(offset_of!(ipt_entry, counters) == 96);
    const _: () = assert!(size_of::<ipt_get_entries>() == 40);
    const _: () = assert!(size_of::<ip6t_entry>() == 168);
    const _: () = assert!(offset_of!(ip6t_entry, target_offset) == 140);
    const _: () = assert!(offset_of!(ip6t_entry, next_offset) == 142);
    const _: () = assert!(offset_of!(ip6t_entry, counters) == 152);
    const _: () = assert!(size_of::<ip6t_get_entries>() == 40);
}
