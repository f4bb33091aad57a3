//! The two legacy x_tables families nftrace reads: IPv4 (`ip_tables`) and IPv6
//! (`ip6_tables`), and what differs between them: socket domain and `getsockopt` level,
//! entry layout, the `/proc` list of tables, and the names of the `*-save` tools.

use std::fmt;
use std::mem::{offset_of, size_of};

use nftrace_sys::netfilter::{NFPROTO_IPV4, NFPROTO_IPV6};
use nftrace_sys::x_tables::{
    ip6t_entry, ip6t_ip6, ipt_entry, ipt_ip, IP6T_F_GOTO, IP6T_SO_GET_ENTRIES, IP6T_SO_GET_INFO,
    IPT_F_GOTO, IPT_SO_GET_ENTRIES, IPT_SO_GET_INFO,
};

/// An x_tables family: `iptables` or `ip6tables`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum XtFamily {
    /// `iptables` (`NFPROTO_IPV4`).
    Ipv4,
    /// `ip6tables` (`NFPROTO_IPV6`).
    Ipv6,
}

/// Where the fields of an entry are, per family (`ipt_entry` / `ip6t_entry`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryLayout {
    /// `sizeof(struct ipt_entry)`: where the matches start; an entry whose target starts
    /// here has no matches.
    pub header: usize,
    /// Size of the header match (`ipt_ip` / `ip6t_ip6`) at offset 0: all zero means "any
    /// packet".
    pub ip_len: usize,
    /// Offset of the header match's `flags` byte, and the flag that makes a jump a goto.
    pub flags: usize,
    pub goto_flag: u8,
    pub target_offset: usize,
    pub next_offset: usize,
    pub counters: usize,
    pub counters_len: usize,
}

impl XtFamily {
    /// Both families, IPv4 first.
    pub const ALL: [XtFamily; 2] = [XtFamily::Ipv4, XtFamily::Ipv6];

    /// The family of an `NFPROTO_*` number (the nflog record's family, the model's
    /// `LegacyTable::family`).
    pub fn from_nfproto(nfproto: u8) -> Option<XtFamily> {
        match nfproto {
            NFPROTO_IPV4 => Some(XtFamily::Ipv4),
            NFPROTO_IPV6 => Some(XtFamily::Ipv6),
            _ => None,
        }
    }

    /// `NFPROTO_IPV4` or `NFPROTO_IPV6`.
    pub fn nfproto(self) -> u8 {
        match self {
            XtFamily::Ipv4 => NFPROTO_IPV4,
            XtFamily::Ipv6 => NFPROTO_IPV6,
        }
    }

    /// The tool's name stem: `iptables` or `ip6tables`.
    pub fn tool(self) -> &'static str {
        match self {
            XtFamily::Ipv4 => "iptables",
            XtFamily::Ipv6 => "ip6tables",
        }
    }

    /// `iptables-legacy-save` / `ip6tables-legacy-save`.
    pub fn legacy_save_tool(self) -> &'static str {
        match self {
            XtFamily::Ipv4 => "iptables-legacy-save",
            XtFamily::Ipv6 => "ip6tables-legacy-save",
        }
    }

    /// `iptables-nft-save` / `ip6tables-nft-save`.
    pub fn nft_save_tool(self) -> &'static str {
        match self {
            XtFamily::Ipv4 => "iptables-nft-save",
            XtFamily::Ipv6 => "ip6tables-nft-save",
        }
    }

    /// The file listing the tables that exist in the calling thread's network namespace.
    pub(crate) fn names_file(self) -> &'static str {
        match self {
            XtFamily::Ipv4 => "/proc/thread-self/net/ip_tables_names",
            XtFamily::Ipv6 => "/proc/thread-self/net/ip6_tables_names",
        }
    }

    /// `socket(2)` domain of the `getsockopt` handle.
    pub(crate) fn domain(self) -> libc::c_int {
        match self {
            XtFamily::Ipv4 => libc::AF_INET,
            XtFamily::Ipv6 => libc::AF_INET6,
        }
    }

    /// `getsockopt(2)` level.
    pub(crate) fn level(self) -> libc::c_int {
        match self {
            XtFamily::Ipv4 => libc::SOL_IP,
            XtFamily::Ipv6 => libc::SOL_IPV6,
        }
    }

    /// `IPT_SO_GET_INFO` / `IP6T_SO_GET_INFO`.
    pub(crate) fn get_info(self) -> libc::c_int {
        match self {
            XtFamily::Ipv4 => IPT_SO_GET_INFO,
            XtFamily::Ipv6 => IP6T_SO_GET_INFO,
        }
    }

    /// `IPT_SO_GET_ENTRIES` / `IP6T_SO_GET_ENTRIES`.
    pub(crate) fn get_entries(self) -> libc::c_int {
        match self {
            XtFamily::Ipv4 => IPT_SO_GET_ENTRIES,
            XtFamily::Ipv6 => IP6T_SO_GET_ENTRIES,
        }
    }

    /// The entry layout, from the ABI crate's structs (whose offsets it asserts).
    pub(crate) fn layout(self) -> EntryLayout {
        match self {
            XtFamily::Ipv4 => EntryLayout {
                header: size_of::<ipt_entry>(),
                ip_len: size_of::<ipt_ip>(),
                flags: offset_of!(ipt_ip, flags),
                goto_flag: IPT_F_GOTO,
                target_offset: offset_of!(ipt_entry, target_offset),
                next_offset: offset_of!(ipt_entry, next_offset),
                counters: offset_of!(ipt_entry, counters),
                counters_len: size_of::<nftrace_sys::x_tables::xt_counters>(),
            },
            XtFamily::Ipv6 => EntryLayout {
                header: size_of::<ip6t_entry>(),
                ip_len: size_of::<ip6t_ip6>(),
                flags: offset_of!(ip6t_ip6, flags),
                goto_flag: IP6T_F_GOTO,
                target_offset: offset_of!(ip6t_entry, target_offset),
                next_offset: offset_of!(ip6t_entry, next_offset),
                counters: offset_of!(ip6t_entry, counters),
                counters_len: size_of::<nftrace_sys::x_tables::xt_counters>(),
            },
        }
    }
}

impl fmt::Display for XtFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            XtFamily::Ipv4 => "ip",
            XtFamily::Ipv6 => "ip6",
        })
    }
}
