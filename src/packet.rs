//! A summary of a traced packet — addresses, protocol, ports, flags — read from the header bytes
//! the kernel hands us.
//!
//! Two sources, two shapes of input:
//! - an nf_tables trace event carries the network header (at most 40 bytes: an IPv4 header whose
//!   options may be cut off, or the fixed IPv6 header without its extension headers) and, apart
//!   from it, the transport header (at most 20 bytes), plus the hook's protocol family;
//! - an nfnetlink_log record carries the packet from the network header on, cut at the copy range.
//!
//! Both are truncated by the kernel, so parsing is lenient: what is present is reported, what was
//! cut off is `None`. Only the fixed IP header (which holds the addresses) is required. The IP
//! layer is parsed with etherparse's sliced and lax parsers (zero allocation). The transport
//! fields are read at their fixed offsets, because etherparse's transport slices reject a header
//! shorter than its own length field says, and the kernel's 20-byte cut makes every TCP header
//! with options (every SYN) such a header.
//!
//! This module is representation only: printing lives in `output`.

use std::net::IpAddr;

use etherparse::{
    icmpv4, icmpv6, IpNumber, Ipv4Header, Ipv4HeaderSlice, Ipv6ExtensionSlice, Ipv6Header,
    Ipv6HeaderSlice, LaxIpv4Slice, LaxIpv6Slice,
};
use nftrace_sys::netfilter::{
    NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
};
use serde::{Serialize, Serializer};

/// What the header bytes of one packet say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PacketSummary {
    /// IPv4 or IPv6.
    pub version: IpVersion,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The upper-layer protocol. For IPv4 it is the header's protocol field (an AH header is
    /// looked through when the bytes after it are present). For IPv6 it is the first next-header
    /// value that could not be followed: the trace's network header never includes extension
    /// headers, so there an extension header number (e.g. 44, fragment) can appear here.
    pub protocol: Protocol,
    /// The packet's length on the wire at the IP layer: IPv4 total length, or IPv6 payload
    /// length + 40.
    pub total_len: u32,
    /// IPv4 TTL, or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification (`None` for IPv6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_id: Option<u16>,
    /// IPv6 flow label (`None` for IPv4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_label: Option<u32>,
    /// IPv4 "don't fragment" bit (always false for IPv6).
    pub dont_fragment: bool,
    /// Set when the packet is a fragment (offset non-zero or more fragments follow).
    /// IPv6 fragments are only seen when the bytes include the fragment header (nflog).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fragment: Option<Fragment>,
    /// TCP or UDP source port, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// TCP or UDP destination port, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_port: Option<u16>,
    /// TCP flags, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_flags: Option<TcpFlags>,
    /// ICMP or ICMPv6 type, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    /// ICMP or ICMPv6 code, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<u8>,
    /// Identifier of an ICMP/ICMPv6 echo request or reply (what conntrack uses as its "port").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_echo_id: Option<u16>,
    /// Sequence number of an ICMP/ICMPv6 echo request or reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_echo_seq: Option<u16>,
}

/// The IP version of a packet. Serialised as the number 4 or 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpVersion {
    V4,
    V6,
}

impl IpVersion {
    /// The version number, 4 or 6.
    pub fn number(self) -> u8 {
        match self {
            IpVersion::V4 => 4,
            IpVersion::V6 => 6,
        }
    }

    /// The version a protocol family implies. IPv4 and IPv6 say so; bridge, netdev (and inet,
    /// which the kernel never reports but costs nothing to accept) leave it to the header's
    /// version nibble. ARP and anything else is not IP.
    fn for_family(nfproto: u8, network: &[u8]) -> Option<IpVersion> {
        match nfproto {
            NFPROTO_IPV4 => Some(IpVersion::V4),
            NFPROTO_IPV6 => Some(IpVersion::V6),
            NFPROTO_INET | NFPROTO_NETDEV | NFPROTO_BRIDGE => {
                match network.first().map(|byte| byte >> 4) {
                    Some(4) => Some(IpVersion::V4),
                    Some(6) => Some(IpVersion::V6),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Serialize for IpVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

/// The upper-layer protocol, with the ones nftrace reads further named.
/// Serialised as `"tcp"`, `"udp"`, `"icmp"`, `"icmpv6"` or `{"other": N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Other(u8),
}

impl Protocol {
    /// The IANA protocol number.
    pub fn number(self) -> u8 {
        match self {
            Protocol::Tcp => IpNumber::TCP.0,
            Protocol::Udp => IpNumber::UDP.0,
            Protocol::Icmp => IpNumber::ICMP.0,
            Protocol::Icmpv6 => IpNumber::IPV6_ICMP.0,
            Protocol::Other(number) => number,
        }
    }
}

impl From<IpNumber> for Protocol {
    fn from(number: IpNumber) -> Self {
        match number {
            IpNumber::TCP => Protocol::Tcp,
            IpNumber::UDP => Protocol::Udp,
            IpNumber::ICMP => Protocol::Icmp,
            IpNumber::IPV6_ICMP => Protocol::Icmpv6,
            IpNumber(other) => Protocol::Other(other),
        }
    }
}

/// Where a fragment sits in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fragment {
    /// Offset of this fragment's data in the original datagram, in bytes.
    pub offset: u16,
    /// More fragments follow.
    pub more_fragments: bool,
}

/// The eight flag bits of a TCP header (byte 13). Serialised as a list of lowercase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// Every flag with its lowercase name, lowest bit first.
    pub const NAMED: [(TcpFlags, &'static str); 8] = [
        (TcpFlags::FIN, "fin"),
        (TcpFlags::SYN, "syn"),
        (TcpFlags::RST, "rst"),
        (TcpFlags::PSH, "psh"),
        (TcpFlags::ACK, "ack"),
        (TcpFlags::URG, "urg"),
        (TcpFlags::ECE, "ece"),
        (TcpFlags::CWR, "cwr"),
    ];

    /// The raw bits.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True if every bit of `other` is set here.
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn fin(self) -> bool {
        self.contains(TcpFlags::FIN)
    }
    pub fn syn(self) -> bool {
        self.contains(TcpFlags::SYN)
    }
    pub fn rst(self) -> bool {
        self.contains(TcpFlags::RST)
    }
    pub fn psh(self) -> bool {
        self.contains(TcpFlags::PSH)
    }
    pub fn ack(self) -> bool {
        self.contains(TcpFlags::ACK)
    }
    pub fn urg(self) -> bool {
        self.contains(TcpFlags::URG)
    }
    pub fn ece(self) -> bool {
        self.contains(TcpFlags::ECE)
    }
    pub fn cwr(self) -> bool {
        self.contains(TcpFlags::CWR)
    }

    /// The names of the flags that are set, lowest bit first.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        TcpFlags::NAMED
            .into_iter()
            .filter(move |(flag, _)| self.contains(*flag))
            .map(|(_, name)| name)
    }
}

impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, other: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | other.0)
    }
}

impl Serialize for TcpFlags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

/// Byte offsets inside the transport headers read here.
mod offset {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const TCP_FLAGS: usize = 13;
    pub const ICMP_TYPE: usize = 0;
    pub const ICMP_CODE: usize = 1;
    pub const ICMP_ECHO_ID: usize = 4;
    pub const ICMP_ECHO_SEQ: usize = 6;
}

impl PacketSummary {
    /// Summarises the headers of an nf_tables trace event: `nfproto` is
    /// `NFTA_TRACE_NFPROTO`, `network` is `NFTA_TRACE_NETWORK_HEADER`, `transport` is
    /// `NFTA_TRACE_TRANSPORT_HEADER` if the event has one.
    ///
    /// Returns `None` when the bytes do not hold a fixed IP header of the family's version
    /// (including ARP and other non-IP families).
    pub fn from_headers(nfproto: u8, network: &[u8], transport: Option<&[u8]>) -> Option<Self> {
        let mut summary = match IpVersion::for_family(nfproto, network)? {
            IpVersion::V4 => match Ipv4HeaderSlice::from_slice(network) {
                Ok(header) => Self::from_ipv4_header(&header),
                Err(_) => Self::from_ipv4_fixed_header(network)?,
            },
            IpVersion::V6 => Self::from_ipv6_header(&Ipv6HeaderSlice::from_slice(network).ok()?),
        };
        if let Some(transport) = transport {
            summary.read_transport(transport);
        }
        Some(summary)
    }

    /// Summarises an nfnetlink_log payload (`NFULA_PAYLOAD`: the packet from the network header
    /// on, cut at the copy range) of the given protocol family (`nfgen_family`).
    ///
    /// Returns `None` when the bytes do not hold a fixed IP header of the family's version.
    pub fn from_payload(family: u8, payload: &[u8]) -> Option<Self> {
        match IpVersion::for_family(family, payload)? {
            IpVersion::V4 => match LaxIpv4Slice::from_slice(payload) {
                Ok((ip, _auth_error)) => {
                    let mut summary = Self::from_ipv4_header(&ip.header());
                    let ip_payload = ip.payload();
                    summary.protocol = ip_payload.ip_number.into();
                    summary.read_transport(ip_payload.payload);
                    Some(summary)
                }
                // The options are cut off: the fixed header is all there is.
                Err(_) => Self::from_ipv4_fixed_header(payload),
            },
            IpVersion::V6 => {
                let (ip, _extension_error) = LaxIpv6Slice::from_slice(payload).ok()?;
                let mut summary = Self::from_ipv6_header(&ip.header());
                summary.fragment =
                    ip.extensions()
                        .clone()
                        .into_iter()
                        .find_map(|extension| match extension {
                            Ipv6ExtensionSlice::Fragment(fragment)
                                if fragment.is_fragmenting_payload() =>
                            {
                                Some(Fragment {
                                    offset: fragment.fragment_offset().byte_offset(),
                                    more_fragments: fragment.more_fragments(),
                                })
                            }
                            _ => None,
                        });
                let ip_payload = ip.payload();
                summary.protocol = ip_payload.ip_number.into();
                summary.read_transport(ip_payload.payload);
                Some(summary)
            }
        }
    }

    /// The IP-layer fields common to both versions; everything else starts absent.
    fn new(version: IpVersion, src: IpAddr, dst: IpAddr, protocol: IpNumber) -> Self {
        PacketSummary {
            version,
            src,
            dst,
            protocol: protocol.into(),
            total_len: 0,
            ttl: 0,
            ipv4_id: None,
            flow_label: None,
            dont_fragment: false,
            fragment: None,
            src_port: None,
            dst_port: None,
            tcp_flags: None,
            icmp_type: None,
            icmp_code: None,
            icmp_echo_id: None,
            icmp_echo_seq: None,
        }
    }

    fn from_ipv4_header(header: &Ipv4HeaderSlice<'_>) -> Self {
        let mut summary = Self::new(
            IpVersion::V4,
            header.source_addr().into(),
            header.destination_addr().into(),
            header.protocol(),
        );
        summary.total_len = header.total_len().into();
        summary.ttl = header.ttl();
        summary.ipv4_id = Some(header.identification());
        summary.dont_fragment = header.dont_fragment();
        let offset = header.fragments_offset().byte_offset();
        let more_fragments = header.more_fragments();
        if offset != 0 || more_fragments {
            summary.fragment = Some(Fragment {
                offset,
                more_fragments,
            });
        }
        summary
    }

    /// An IPv4 header whose options were cut off still has all its fields in the first 20 bytes.
    /// etherparse insists on the whole header, so it is shown a copy of those 20 bytes that
    /// claims no options.
    fn from_ipv4_fixed_header(bytes: &[u8]) -> Option<Self> {
        let mut fixed: [u8; Ipv4Header::MIN_LEN] =
            bytes.get(..Ipv4Header::MIN_LEN)?.try_into().ok()?;
        let version_and_ihl = fixed.first_mut()?;
        let claimed_len = usize::from(*version_and_ihl & 0x0f) * 4;
        if *version_and_ihl >> 4 != 4 || claimed_len < Ipv4Header::MIN_LEN {
            return None;
        }
        *version_and_ihl = 0x45;
        Ipv4HeaderSlice::from_slice(&fixed)
            .ok()
            .map(|header| Self::from_ipv4_header(&header))
    }

    fn from_ipv6_header(header: &Ipv6HeaderSlice<'_>) -> Self {
        let mut summary = Self::new(
            IpVersion::V6,
            header.source_addr().into(),
            header.destination_addr().into(),
            header.next_header(),
        );
        summary.total_len = u32::from(header.payload_length()) + Ipv6Header::LEN as u32;
        summary.ttl = header.hop_limit();
        summary.flow_label = Some(header.flow_label().value());
        summary
    }

    /// Fills the transport fields from the bytes that start at the transport header, as far as
    /// they reach. A non-first fragment carries no transport header, so nothing is read there.
    fn read_transport(&mut self, transport: &[u8]) {
        if self.fragment.is_some_and(|fragment| fragment.offset != 0) {
            return;
        }
        let byte = |at: usize| transport.get(at).copied();
        let be16 = |at: usize| {
            let bytes = transport.get(at..at.checked_add(2)?)?;
            Some(u16::from_be_bytes(bytes.try_into().ok()?))
        };
        match self.protocol {
            Protocol::Tcp | Protocol::Udp => {
                self.src_port = be16(offset::SRC_PORT);
                self.dst_port = be16(offset::DST_PORT);
                if self.protocol == Protocol::Tcp {
                    self.tcp_flags = byte(offset::TCP_FLAGS).map(TcpFlags);
                }
            }
            Protocol::Icmp | Protocol::Icmpv6 => {
                self.icmp_type = byte(offset::ICMP_TYPE);
                self.icmp_code = byte(offset::ICMP_CODE);
                let echo_types = if self.protocol == Protocol::Icmp {
                    [icmpv4::TYPE_ECHO_REQUEST, icmpv4::TYPE_ECHO_REPLY]
                } else {
                    [icmpv6::TYPE_ECHO_REQUEST, icmpv6::TYPE_ECHO_REPLY]
                };
                if self
                    .icmp_type
                    .is_some_and(|kind| echo_types.contains(&kind))
                {
                    self.icmp_echo_id = be16(offset::ICMP_ECHO_ID);
                    self.icmp_echo_seq = be16(offset::ICMP_ECHO_SEQ);
                }
            }
            Protocol::Other(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    //! Every fixture below was captured from the kernel (6.18) on this project's machine, in a
    //! fresh network namespace with only `lo` up and this ruleset:
    //!
    //! ```text
    //! table inet capture {
    //!     chain out { type filter hook output priority -300; meta nftrace set 1; log group 5 }
    //!     chain pre { type filter hook prerouting priority -300; meta nftrace set 1; log group 5 }
    //! }
    //! ```
    //!
    //! A Python 3 script in that namespace listened on a NETLINK_NETFILTER socket joined to
    //! NFNLGRP_NFTRACE (9) and kept NFTA_TRACE_NFPROTO, NFTA_TRACE_NETWORK_HEADER and
    //! NFTA_TRACE_TRANSPORT_HEADER of the events that carry headers (`*_NETWORK` and
    //! `*_TRANSPORT` below), and on a second one bound to nflog group 5 (NFULNL_CFG_CMD_BIND,
    //! copy mode packet, copy range 128, qthreshold 1) kept NFULA_PAYLOAD (`*_PAYLOAD`). It sent
    //! over lo: a UDP datagram 41000 -> 42000 with the 19-byte payload `nftrace-udp-fixture` (v4
    //! and v6) and one to the closed port 42999 (v4, answered by ICMP port unreachable); a TCP
    //! connect 41002 -> 42001 (v4 and v6); `ping -c 1 -W 1 127.0.0.1`, `ping -6 -c 1 -W 1 ::1`
    //! and `ping -R -c 1 -W 1 127.0.0.1` (record route: a 60-byte IPv4 header); then, after
    //! `ip link set lo mtu 1280`, a 2000-byte UDP datagram 41003 -> 42003 (v4 with
    //! IP_PMTUDISC_DONT, and v6), which arrives in fragments at prerouting. The bytes are
    //! pasted unchanged; the comment on each says which packet it is.

    use super::*;
    use nftrace_sys::netfilter::NFPROTO_ARP;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const LOCAL4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const LOCAL6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

    /// Trace, nfproto 2: UDP 127.0.0.1:41000 -> 127.0.0.1:42000, 19 bytes of payload (output hook).
    const UDP4_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x00, 0x2f, 0x53, 0x14, 0x40, 0x00, 0x40, 0x11, 0xe9, 0xa7, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const UDP4_TRANSPORT: [u8; 20] = [
        0xa0, 0x28, 0xa4, 0x10, 0x00, 0x1b, 0xfe, 0x2e, 0x6e, 0x66, 0x74, 0x72, 0x61, 0x63, 0x65,
        0x2d, 0x75, 0x64, 0x70, 0x2d,
    ];
    /// nflog, family 2, hook 3: UDP 127.0.0.1:41000 -> 127.0.0.1:42000.
    const UDP4_PAYLOAD: [u8; 47] = [
        0x45, 0x00, 0x00, 0x2f, 0x53, 0x14, 0x40, 0x00, 0x40, 0x11, 0xe9, 0xa7, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0xa0, 0x28, 0xa4, 0x10, 0x00, 0x1b, 0xfe, 0x2e, 0x6e, 0x66,
        0x74, 0x72, 0x61, 0x63, 0x65, 0x2d, 0x75, 0x64, 0x70, 0x2d, 0x66, 0x69, 0x78, 0x74, 0x75,
        0x72, 0x65,
    ];
    /// Trace, nfproto 10: UDP [::1]:41000 -> [::1]:42000, 19 bytes of payload.
    const UDP6_NETWORK: [u8; 40] = [
        0x60, 0x0f, 0x7e, 0x3b, 0x00, 0x1b, 0x11, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const UDP6_TRANSPORT: [u8; 20] = [
        0xa0, 0x28, 0xa4, 0x10, 0x00, 0x1b, 0x00, 0x2e, 0x6e, 0x66, 0x74, 0x72, 0x61, 0x63, 0x65,
        0x2d, 0x75, 0x64, 0x70, 0x2d,
    ];
    /// nflog, family 10, hook 3: UDP [::1]:41000 -> [::1]:42000.
    const UDP6_PAYLOAD: [u8; 67] = [
        0x60, 0x0f, 0x7e, 0x3b, 0x00, 0x1b, 0x11, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa0, 0x28, 0xa4, 0x10, 0x00,
        0x1b, 0x00, 0x2e, 0x6e, 0x66, 0x74, 0x72, 0x61, 0x63, 0x65, 0x2d, 0x75, 0x64, 0x70, 0x2d,
        0x66, 0x69, 0x78, 0x74, 0x75, 0x72, 0x65,
    ];
    /// Trace, nfproto 2: ICMP port unreachable for a UDP datagram to 127.0.0.1:42999.
    const PORT_UNREACHABLE4_NETWORK: [u8; 20] = [
        0x45, 0xc0, 0x00, 0x3e, 0xf5, 0xd5, 0x00, 0x00, 0x40, 0x01, 0x86, 0x27, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const PORT_UNREACHABLE4_TRANSPORT: [u8; 20] = [
        0x03, 0x03, 0x7e, 0x67, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x22, 0x53, 0xe9, 0x40,
        0x00, 0x40, 0x11, 0xe8, 0xdf,
    ];
    /// Trace, nfproto 2: TCP SYN 127.0.0.1:41002 -> 127.0.0.1:42001 (data offset 10: options cut off).
    const TCP4_SYN_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x00, 0x3c, 0xc7, 0xae, 0x40, 0x00, 0x40, 0x06, 0x75, 0x0b, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const TCP4_SYN_TRANSPORT: [u8; 20] = [
        0xa0, 0x2a, 0xa4, 0x11, 0x8d, 0x2c, 0x8f, 0xb6, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff,
        0xd7, 0xfe, 0x30, 0x00, 0x00,
    ];
    /// Trace, nfproto 2: TCP SYN+ACK 127.0.0.1:42001 -> 127.0.0.1:41002.
    const TCP4_SYN_ACK_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x3c, 0xba, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const TCP4_SYN_ACK_TRANSPORT: [u8; 20] = [
        0xa4, 0x11, 0xa0, 0x2a, 0x11, 0xfd, 0x20, 0xec, 0x8d, 0x2c, 0x8f, 0xb7, 0xa0, 0x12, 0xff,
        0xcb, 0xfe, 0x30, 0x00, 0x00,
    ];
    /// nflog, family 2, hook 3: TCP SYN 127.0.0.1:41002 -> 127.0.0.1:42001, with its 20 bytes of options.
    const TCP4_SYN_PAYLOAD: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0xc7, 0xae, 0x40, 0x00, 0x40, 0x06, 0x75, 0x0b, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0xa0, 0x2a, 0xa4, 0x11, 0x8d, 0x2c, 0x8f, 0xb6, 0x00, 0x00,
        0x00, 0x00, 0xa0, 0x02, 0xff, 0xd7, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04,
        0x02, 0x08, 0x0a, 0x95, 0x66, 0x21, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
    ];
    /// Trace, nfproto 10: TCP SYN [::1]:41002 -> [::1]:42001.
    const TCP6_SYN_NETWORK: [u8; 40] = [
        0x60, 0x08, 0x0f, 0x76, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const TCP6_SYN_TRANSPORT: [u8; 20] = [
        0xa0, 0x2a, 0xa4, 0x11, 0xc5, 0xe9, 0x2c, 0xdb, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff,
        0xc4, 0x00, 0x30, 0x00, 0x00,
    ];
    /// nflog, family 10, hook 3: TCP SYN [::1]:41002 -> [::1]:42001.
    const TCP6_SYN_PAYLOAD: [u8; 80] = [
        0x60, 0x08, 0x0f, 0x76, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa0, 0x2a, 0xa4, 0x11, 0xc5,
        0xe9, 0x2c, 0xdb, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xc4, 0x00, 0x30, 0x00, 0x00,
        0x02, 0x04, 0xff, 0xc4, 0x04, 0x02, 0x08, 0x0a, 0x1d, 0xb9, 0xd3, 0x93, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x03, 0x03, 0x0a,
    ];
    /// Trace, nfproto 2: ICMP echo request from `ping -c 1 127.0.0.1`.
    const ECHO4_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x00, 0x54, 0xf6, 0xeb, 0x40, 0x00, 0x40, 0x01, 0x45, 0xbb, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const ECHO4_TRANSPORT: [u8; 20] = [
        0x08, 0x00, 0x72, 0xa4, 0x2b, 0xde, 0x00, 0x01, 0xbd, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00,
        0x00, 0xd2, 0x64, 0x05, 0x00,
    ];
    /// Trace, nfproto 2: ICMP echo reply to it.
    const ECHO_REPLY4_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x00, 0x54, 0xf6, 0xec, 0x00, 0x00, 0x40, 0x01, 0x85, 0xba, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const ECHO_REPLY4_TRANSPORT: [u8; 20] = [
        0x00, 0x00, 0x7a, 0xa4, 0x2b, 0xde, 0x00, 0x01, 0xbd, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00,
        0x00, 0xd2, 0x64, 0x05, 0x00,
    ];
    /// nflog, family 2, hook 3: ICMP echo request from `ping -c 1 127.0.0.1`.
    const ECHO4_PAYLOAD: [u8; 84] = [
        0x45, 0x00, 0x00, 0x54, 0xf6, 0xeb, 0x40, 0x00, 0x40, 0x01, 0x45, 0xbb, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0x08, 0x00, 0x72, 0xa4, 0x2b, 0xde, 0x00, 0x01, 0xbd, 0xd9,
        0x05, 0x6b, 0x00, 0x00, 0x00, 0x00, 0xd2, 0x64, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e,
        0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];
    /// Trace, nfproto 10: ICMPv6 echo request from `ping -6 -c 1 ::1`.
    const ECHO6_NETWORK: [u8; 40] = [
        0x60, 0x04, 0x97, 0xcf, 0x00, 0x40, 0x3a, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const ECHO6_TRANSPORT: [u8; 20] = [
        0x80, 0x00, 0xce, 0xa8, 0x2b, 0xe0, 0x00, 0x01, 0xbe, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00,
        0x00, 0x01, 0xe2, 0x00, 0x00,
    ];
    /// Trace, nfproto 10: ICMPv6 echo reply to it.
    const ECHO_REPLY6_NETWORK: [u8; 40] = [
        0x60, 0x0a, 0x04, 0xb8, 0x00, 0x40, 0x3a, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const ECHO_REPLY6_TRANSPORT: [u8; 20] = [
        0x81, 0x00, 0xcd, 0xa8, 0x2b, 0xe0, 0x00, 0x01, 0xbe, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00,
        0x00, 0x01, 0xe2, 0x00, 0x00,
    ];
    /// nflog, family 10, hook 3: ICMPv6 echo request from `ping -6 -c 1 ::1`.
    const ECHO6_PAYLOAD: [u8; 104] = [
        0x60, 0x04, 0x97, 0xcf, 0x00, 0x40, 0x3a, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0xce, 0xa8, 0x2b,
        0xe0, 0x00, 0x01, 0xbe, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe2, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
        0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
        0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];
    /// Trace, nfproto 2: `ping -R -c 1 127.0.0.1`: IHL 15, the 60-byte header cut at 40.
    const ECHO4_RECORD_ROUTE_NETWORK: [u8; 40] = [
        0x4f, 0x00, 0x00, 0x7c, 0xf7, 0xa6, 0x40, 0x00, 0x40, 0x01, 0x93, 0xc7, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0x01, 0x07, 0x27, 0x08, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// Its transport header.
    const ECHO4_RECORD_ROUTE_TRANSPORT: [u8; 20] = [
        0x08, 0x00, 0x1c, 0x64, 0x2b, 0xe2, 0x00, 0x01, 0xbe, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00,
        0x00, 0x21, 0xa1, 0x0b, 0x00,
    ];
    /// nflog, family 2, hook 3: `ping -R -c 1 127.0.0.1`: IHL 15, then the ICMP echo request.
    const ECHO4_RECORD_ROUTE_PAYLOAD: [u8; 124] = [
        0x4f, 0x00, 0x00, 0x7c, 0xf7, 0xa6, 0x40, 0x00, 0x40, 0x01, 0x93, 0xc7, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0x01, 0x07, 0x27, 0x08, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x1c, 0x64, 0x2b, 0xe2, 0x00, 0x01, 0xbe, 0xd9, 0x05, 0x6b, 0x00, 0x00, 0x00,
        0x00, 0x21, 0xa1, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
        0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24,
        0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
        0x34, 0x35, 0x36, 0x37,
    ];
    /// Trace, nfproto 2: first fragment (MF, offset 0) of a 2000-byte UDP datagram, lo MTU 1280.
    const FRAG4_FIRST_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x04, 0xfc, 0x56, 0x00, 0x20, 0x00, 0x40, 0x11, 0x01, 0xef, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const FRAG4_FIRST_TRANSPORT: [u8; 20] = [
        0xa0, 0x2b, 0xa4, 0x13, 0x07, 0xd8, 0xad, 0xfc, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66,
    ];
    /// Trace, nfproto 2: last fragment (offset 1256) of that datagram: the "transport" is payload.
    const FRAG4_LAST_NETWORK: [u8; 20] = [
        0x45, 0x00, 0x03, 0x04, 0x56, 0x00, 0x00, 0x9d, 0x40, 0x11, 0x23, 0x4a, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const FRAG4_LAST_TRANSPORT: [u8; 20] = [
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66,
    ];
    /// nflog, family 2, hook 0: first fragment (MF, offset 0) of a 2000-byte UDP datagram, lo MTU 1280.
    const FRAG4_FIRST_PAYLOAD: [u8; 128] = [
        0x45, 0x00, 0x04, 0xfc, 0x56, 0x00, 0x20, 0x00, 0x40, 0x11, 0x01, 0xef, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0xa0, 0x2b, 0xa4, 0x13, 0x07, 0xd8, 0xad, 0xfc, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    ];
    /// nflog, family 2, hook 0: last fragment (offset 1256) of that datagram.
    const FRAG4_LAST_PAYLOAD: [u8; 128] = [
        0x45, 0x00, 0x03, 0x04, 0x56, 0x00, 0x00, 0x9d, 0x40, 0x11, 0x23, 0x4a, 0x7f, 0x00, 0x00,
        0x01, 0x7f, 0x00, 0x00, 0x01, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    ];
    /// Trace, nfproto 10: first fragment of a 2000-byte UDP datagram over ::1: next header 44.
    const FRAG6_FIRST_NETWORK: [u8; 40] = [
        0x60, 0x08, 0x64, 0xb4, 0x04, 0xd8, 0x2c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    /// Its transport header.
    const FRAG6_FIRST_TRANSPORT: [u8; 20] = [
        0xa0, 0x2b, 0xa4, 0x13, 0x07, 0xd8, 0xab, 0xfd, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66,
    ];
    /// nflog, family 10, hook 0: first fragment (offset 0, M) of a 2000-byte UDP datagram over ::1.
    const FRAG6_FIRST_PAYLOAD: [u8; 128] = [
        0x60, 0x08, 0x64, 0xb4, 0x04, 0xd8, 0x2c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, 0x01, 0xc8,
        0x99, 0x7d, 0x3c, 0xa0, 0x2b, 0xa4, 0x13, 0x07, 0xd8, 0xab, 0xfd, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    ];
    /// nflog, family 10, hook 0: last fragment (offset 1232) of that datagram.
    const FRAG6_LAST_PAYLOAD: [u8; 128] = [
        0x60, 0x08, 0x64, 0xb4, 0x03, 0x10, 0x2c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x04, 0xd0, 0xc8,
        0x99, 0x7d, 0x3c, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    ];

    /// A summary with the IP fields given and every transport field absent.
    fn ipv4(protocol: Protocol, total_len: u32, id: u16, dont_fragment: bool) -> PacketSummary {
        PacketSummary {
            version: IpVersion::V4,
            src: LOCAL4,
            dst: LOCAL4,
            protocol,
            total_len,
            ttl: 64,
            ipv4_id: Some(id),
            flow_label: None,
            dont_fragment,
            fragment: None,
            src_port: None,
            dst_port: None,
            tcp_flags: None,
            icmp_type: None,
            icmp_code: None,
            icmp_echo_id: None,
            icmp_echo_seq: None,
        }
    }

    fn ipv6(protocol: Protocol, total_len: u32, flow_label: u32) -> PacketSummary {
        PacketSummary {
            version: IpVersion::V6,
            src: LOCAL6,
            dst: LOCAL6,
            flow_label: Some(flow_label),
            ipv4_id: None,
            ..ipv4(protocol, total_len, 0, false)
        }
    }

    fn ports(summary: PacketSummary, src: u16, dst: u16) -> PacketSummary {
        PacketSummary {
            src_port: Some(src),
            dst_port: Some(dst),
            ..summary
        }
    }

    fn tcp(summary: PacketSummary, src: u16, dst: u16, flags: TcpFlags) -> PacketSummary {
        PacketSummary {
            tcp_flags: Some(flags),
            ..ports(summary, src, dst)
        }
    }

    fn icmp(summary: PacketSummary, kind: u8, code: u8, echo: Option<(u16, u16)>) -> PacketSummary {
        PacketSummary {
            icmp_type: Some(kind),
            icmp_code: Some(code),
            icmp_echo_id: echo.map(|(id, _)| id),
            icmp_echo_seq: echo.map(|(_, seq)| seq),
            ..summary
        }
    }

    fn trace(nfproto: u8, network: &[u8], transport: &[u8]) -> PacketSummary {
        PacketSummary::from_headers(nfproto, network, Some(transport)).expect("an IP summary")
    }

    fn nflog(family: u8, payload: &[u8]) -> PacketSummary {
        PacketSummary::from_payload(family, payload).expect("an IP summary")
    }

    #[test]
    fn udp_over_ipv4() {
        let expected = ports(ipv4(Protocol::Udp, 47, 0x5314, true), 41000, 42000);
        assert_eq!(trace(2, &UDP4_NETWORK, &UDP4_TRANSPORT), expected);
        assert_eq!(nflog(2, &UDP4_PAYLOAD), expected);
    }

    #[test]
    fn udp_over_ipv6() {
        let expected = ports(ipv6(Protocol::Udp, 27 + 40, 0xf7e3b), 41000, 42000);
        assert_eq!(trace(10, &UDP6_NETWORK, &UDP6_TRANSPORT), expected);
        assert_eq!(nflog(10, &UDP6_PAYLOAD), expected);
    }

    #[test]
    fn tcp_syn_over_ipv4_with_its_options_cut_off() {
        let expected = tcp(
            ipv4(Protocol::Tcp, 60, 0xc7ae, true),
            41002,
            42001,
            TcpFlags::SYN,
        );
        assert_eq!(trace(2, &TCP4_SYN_NETWORK, &TCP4_SYN_TRANSPORT), expected);
        assert_eq!(nflog(2, &TCP4_SYN_PAYLOAD), expected);
    }

    #[test]
    fn tcp_syn_ack_over_ipv4() {
        let flags = TcpFlags::SYN | TcpFlags::ACK;
        let expected = tcp(ipv4(Protocol::Tcp, 60, 0, true), 42001, 41002, flags);
        let summary = trace(2, &TCP4_SYN_ACK_NETWORK, &TCP4_SYN_ACK_TRANSPORT);
        assert_eq!(summary, expected);
        let flags = summary.tcp_flags.expect("flags");
        assert!(flags.syn() && flags.ack() && !flags.fin() && !flags.rst());
        assert_eq!(flags.names().collect::<Vec<_>>(), ["syn", "ack"]);
    }

    #[test]
    fn tcp_syn_over_ipv6() {
        let expected = tcp(
            ipv6(Protocol::Tcp, 40 + 40, 0x80f76),
            41002,
            42001,
            TcpFlags::SYN,
        );
        assert_eq!(trace(10, &TCP6_SYN_NETWORK, &TCP6_SYN_TRANSPORT), expected);
        assert_eq!(nflog(10, &TCP6_SYN_PAYLOAD), expected);
    }

    #[test]
    fn icmp_echo_over_ipv4() {
        let request = icmp(
            ipv4(Protocol::Icmp, 84, 0xf6eb, true),
            8,
            0,
            Some((11230, 1)),
        );
        assert_eq!(trace(2, &ECHO4_NETWORK, &ECHO4_TRANSPORT), request);
        assert_eq!(nflog(2, &ECHO4_PAYLOAD), request);
        let reply = icmp(
            ipv4(Protocol::Icmp, 84, 0xf6ec, false),
            0,
            0,
            Some((11230, 1)),
        );
        assert_eq!(
            trace(2, &ECHO_REPLY4_NETWORK, &ECHO_REPLY4_TRANSPORT),
            reply
        );
    }

    #[test]
    fn icmpv6_echo_over_ipv6() {
        let request = icmp(
            ipv6(Protocol::Icmpv6, 64 + 40, 0x497cf),
            128,
            0,
            Some((11232, 1)),
        );
        assert_eq!(trace(10, &ECHO6_NETWORK, &ECHO6_TRANSPORT), request);
        assert_eq!(nflog(10, &ECHO6_PAYLOAD), request);
        let reply = icmp(
            ipv6(Protocol::Icmpv6, 64 + 40, 0xa04b8),
            129,
            0,
            Some((11232, 1)),
        );
        assert_eq!(
            trace(10, &ECHO_REPLY6_NETWORK, &ECHO_REPLY6_TRANSPORT),
            reply
        );
    }

    #[test]
    fn icmp_port_unreachable_has_type_and_code_but_no_echo_fields() {
        let expected = icmp(ipv4(Protocol::Icmp, 62, 0xf5d5, false), 3, 3, None);
        let summary = trace(2, &PORT_UNREACHABLE4_NETWORK, &PORT_UNREACHABLE4_TRANSPORT);
        assert_eq!(summary, expected);
    }

    #[test]
    fn ipv4_options_cut_off_by_the_trace_still_give_every_field() {
        // IHL 15 (60 bytes) but the trace carries only 40 of them.
        assert_eq!(ECHO4_RECORD_ROUTE_NETWORK.len(), 40);
        assert_eq!(ECHO4_RECORD_ROUTE_NETWORK[0], 0x4f);
        let expected = icmp(
            ipv4(Protocol::Icmp, 124, 0xf7a6, true),
            8,
            0,
            Some((11234, 1)),
        );
        let summary = trace(
            2,
            &ECHO4_RECORD_ROUTE_NETWORK,
            &ECHO4_RECORD_ROUTE_TRANSPORT,
        );
        assert_eq!(summary, expected);
        assert_eq!(nflog(2, &ECHO4_RECORD_ROUTE_PAYLOAD), expected);
    }

    #[test]
    fn ipv4_fragments() {
        let first = PacketSummary {
            fragment: Some(Fragment {
                offset: 0,
                more_fragments: true,
            }),
            ..ports(ipv4(Protocol::Udp, 1276, 0x5600, false), 41003, 42003)
        };
        assert_eq!(
            trace(2, &FRAG4_FIRST_NETWORK, &FRAG4_FIRST_TRANSPORT),
            first
        );
        assert_eq!(nflog(2, &FRAG4_FIRST_PAYLOAD), first);
        // The kernel still sends the bytes after the IP header as the "transport header" of a
        // later fragment; they are payload (0x66 66 ...), so no ports may be read from them.
        let last = PacketSummary {
            fragment: Some(Fragment {
                offset: 1256,
                more_fragments: false,
            }),
            ..ipv4(Protocol::Udp, 772, 0x5600, false)
        };
        assert_eq!(trace(2, &FRAG4_LAST_NETWORK, &FRAG4_LAST_TRANSPORT), last);
        assert_eq!(nflog(2, &FRAG4_LAST_PAYLOAD), last);
    }

    #[test]
    fn ipv6_fragments() {
        // The trace's network header stops at the fixed header, so the fragment header, and
        // with it the upper-layer protocol, is out of sight: next header 44 is all there is.
        let traced = ipv6(Protocol::Other(44), 1240 + 40, 0x864b4);
        assert_eq!(
            trace(10, &FRAG6_FIRST_NETWORK, &FRAG6_FIRST_TRANSPORT),
            traced
        );
        // nflog has the fragment header.
        let first = PacketSummary {
            fragment: Some(Fragment {
                offset: 0,
                more_fragments: true,
            }),
            ..ports(ipv6(Protocol::Udp, 1240 + 40, 0x864b4), 41003, 42003)
        };
        assert_eq!(nflog(10, &FRAG6_FIRST_PAYLOAD), first);
        let last = PacketSummary {
            fragment: Some(Fragment {
                offset: 1232,
                more_fragments: false,
            }),
            ..ipv6(Protocol::Udp, 784 + 40, 0x864b4)
        };
        assert_eq!(nflog(10, &FRAG6_LAST_PAYLOAD), last);
    }

    #[test]
    fn the_family_selects_the_version() {
        let udp4 = trace(2, &UDP4_NETWORK, &UDP4_TRANSPORT);
        // Bridge and netdev tables report their own family: the version nibble decides.
        for family in [NFPROTO_BRIDGE, NFPROTO_NETDEV, NFPROTO_INET] {
            assert_eq!(trace(family, &UDP4_NETWORK, &UDP4_TRANSPORT), udp4);
            assert_eq!(nflog(family, &UDP6_PAYLOAD), nflog(10, &UDP6_PAYLOAD));
        }
        // A family that contradicts the header, or one that is not IP, gives nothing.
        assert_eq!(PacketSummary::from_headers(10, &UDP4_NETWORK, None), None);
        assert_eq!(PacketSummary::from_payload(2, &UDP6_PAYLOAD), None);
        assert_eq!(
            PacketSummary::from_headers(NFPROTO_ARP, &UDP4_NETWORK, None),
            None
        );
        assert_eq!(PacketSummary::from_payload(0, &UDP4_PAYLOAD), None);
    }

    #[test]
    fn without_a_transport_header_only_the_ip_fields_are_set() {
        assert_eq!(
            PacketSummary::from_headers(2, &TCP4_SYN_NETWORK, None),
            Some(ipv4(Protocol::Tcp, 60, 0xc7ae, true))
        );
    }

    /// What cutting the transport header after `len` bytes must leave of `full`.
    fn transport_cut(full: PacketSummary, len: usize) -> PacketSummary {
        let keep = |field_end: usize| len >= field_end;
        PacketSummary {
            src_port: full.src_port.filter(|_| keep(2)),
            dst_port: full.dst_port.filter(|_| keep(4)),
            tcp_flags: full.tcp_flags.filter(|_| keep(14)),
            icmp_type: full.icmp_type.filter(|_| keep(1)),
            icmp_code: full.icmp_code.filter(|_| keep(2)),
            icmp_echo_id: full.icmp_echo_id.filter(|_| keep(6)),
            icmp_echo_seq: full.icmp_echo_seq.filter(|_| keep(8)),
            ..full
        }
    }

    /// The trace fixtures as (nfproto, network, transport).
    const TRACES: [(u8, &[u8], &[u8]); 14] = [
        (2, &UDP4_NETWORK, &UDP4_TRANSPORT),
        (10, &UDP6_NETWORK, &UDP6_TRANSPORT),
        (2, &PORT_UNREACHABLE4_NETWORK, &PORT_UNREACHABLE4_TRANSPORT),
        (2, &TCP4_SYN_NETWORK, &TCP4_SYN_TRANSPORT),
        (2, &TCP4_SYN_ACK_NETWORK, &TCP4_SYN_ACK_TRANSPORT),
        (10, &TCP6_SYN_NETWORK, &TCP6_SYN_TRANSPORT),
        (2, &ECHO4_NETWORK, &ECHO4_TRANSPORT),
        (2, &ECHO_REPLY4_NETWORK, &ECHO_REPLY4_TRANSPORT),
        (10, &ECHO6_NETWORK, &ECHO6_TRANSPORT),
        (10, &ECHO_REPLY6_NETWORK, &ECHO_REPLY6_TRANSPORT),
        (
            2,
            &ECHO4_RECORD_ROUTE_NETWORK,
            &ECHO4_RECORD_ROUTE_TRANSPORT,
        ),
        (2, &FRAG4_FIRST_NETWORK, &FRAG4_FIRST_TRANSPORT),
        (2, &FRAG4_LAST_NETWORK, &FRAG4_LAST_TRANSPORT),
        (10, &FRAG6_FIRST_NETWORK, &FRAG6_FIRST_TRANSPORT),
    ];

    /// The nflog fixtures as (family, payload).
    const PAYLOADS: [(u8, &[u8]); 10] = [
        (2, &UDP4_PAYLOAD),
        (10, &UDP6_PAYLOAD),
        (2, &TCP4_SYN_PAYLOAD),
        (10, &TCP6_SYN_PAYLOAD),
        (2, &ECHO4_PAYLOAD),
        (10, &ECHO6_PAYLOAD),
        (2, &ECHO4_RECORD_ROUTE_PAYLOAD),
        (2, &FRAG4_FIRST_PAYLOAD),
        (2, &FRAG4_LAST_PAYLOAD),
        (10, &FRAG6_FIRST_PAYLOAD),
    ];

    #[test]
    fn a_cut_transport_header_keeps_the_fields_before_the_cut() {
        for (nfproto, network, transport) in TRACES {
            let full = trace(nfproto, network, transport);
            for len in 0..=transport.len() {
                let cut = trace(nfproto, network, &transport[..len]);
                assert_eq!(cut, transport_cut(full, len), "{full:?} cut at {len}");
            }
        }
    }

    #[test]
    fn a_cut_network_header_needs_the_fixed_header_and_nothing_more() {
        for (nfproto, network, transport) in TRACES {
            let full = trace(nfproto, network, transport);
            let fixed_len = if full.version == IpVersion::V4 {
                20
            } else {
                40
            };
            for len in 0..network.len() {
                let cut = PacketSummary::from_headers(nfproto, &network[..len], Some(transport));
                let expected = (len >= fixed_len).then_some(full);
                assert_eq!(cut, expected, "{full:?} network header cut at {len}");
            }
        }
    }

    #[test]
    fn a_cut_nflog_payload_keeps_the_fields_before_the_cut() {
        for (family, payload) in PAYLOADS {
            let full = nflog(family, payload);
            // Where the transport header starts: after the IPv4 header with its options, or
            // after the IPv6 header and the fragment header when there is one.
            let transport_start = match full.version {
                IpVersion::V4 => usize::from(payload[0] & 0x0f) * 4,
                IpVersion::V6 if full.fragment.is_some() => 48,
                IpVersion::V6 => 40,
            };
            let fixed_len = if full.version == IpVersion::V4 {
                20
            } else {
                40
            };
            for len in 0..payload.len() {
                let cut = PacketSummary::from_payload(family, &payload[..len]);
                let expected = if len < fixed_len {
                    None
                } else if len < transport_start {
                    // Only the fixed IPv4 header, or an IPv6 header whose fragment header is
                    // cut: the IP fields, with the next header as far as it was followed.
                    let mut ip_only = transport_cut(full, 0);
                    if full.version == IpVersion::V6 {
                        ip_only.protocol = Protocol::Other(44);
                        ip_only.fragment = None;
                    }
                    Some(ip_only)
                } else {
                    Some(transport_cut(full, len - transport_start))
                };
                assert_eq!(cut, expected, "{full:?} payload cut at {len}");
            }
        }
    }

    /// A small deterministic generator, so the "fuzzing" is reproducible.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn check_invariants(summary: Option<PacketSummary>) {
        if let Some(summary) = summary {
            assert_eq!(summary.src.is_ipv4(), summary.version == IpVersion::V4);
            assert_eq!(summary.dst.is_ipv4(), summary.version == IpVersion::V4);
            assert_eq!(summary.ipv4_id.is_some(), summary.version == IpVersion::V4);
            assert_eq!(
                summary.flow_label.is_some(),
                summary.version == IpVersion::V6
            );
            assert_eq!(
                Protocol::from(IpNumber(summary.protocol.number())),
                summary.protocol
            );
        }
    }

    #[test]
    fn no_bytes_make_it_panic() {
        let families = [0, 1, 2, 3, 5, 7, 10, 12, 255];
        // Every truncation and every single-byte change of every fixture, under every family.
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for (_, network, transport) in TRACES {
            inputs.push(network.to_vec());
            inputs.push(transport.to_vec());
        }
        for (_, payload) in PAYLOADS {
            inputs.push(payload.to_vec());
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for input in &inputs {
            for len in 0..=input.len() {
                for position in 0..len {
                    for value in [0x00, 0xff, 0x40, 0x45, 0x4f, 0x60, 0x2c, 0x06, 0x11] {
                        let mut bytes = input[..len].to_vec();
                        bytes[position] = value;
                        for family in families {
                            check_invariants(PacketSummary::from_payload(family, &bytes));
                            check_invariants(PacketSummary::from_headers(
                                family,
                                &bytes,
                                Some(&bytes),
                            ));
                        }
                    }
                }
            }
        }
        // And random bytes with a plausible first byte.
        for _ in 0..20_000 {
            let len = (xorshift(&mut state) % 140) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut state) as u8).collect();
            if let Some(first) = bytes.first_mut() {
                *first = [0x45, 0x4f, 0x60, 0x46][(*first % 4) as usize];
            }
            for family in families {
                check_invariants(PacketSummary::from_payload(family, &bytes));
                check_invariants(PacketSummary::from_headers(family, &bytes, Some(&bytes)));
            }
        }
    }

    #[test]
    fn serialises_with_stable_field_names() {
        let json = serde_json::to_string(&trace(2, &TCP4_SYN_NETWORK, &TCP4_SYN_TRANSPORT))
            .expect("serialisable");
        assert_eq!(
            json,
            r#"{"version":4,"src":"127.0.0.1","dst":"127.0.0.1","protocol":"tcp","total_len":60,"ttl":64,"ipv4_id":51118,"dont_fragment":true,"src_port":41002,"dst_port":42001,"tcp_flags":["syn"]}"#
        );
        let json = serde_json::to_string(&trace(10, &FRAG6_FIRST_NETWORK, &FRAG6_FIRST_TRANSPORT))
            .expect("serialisable");
        assert_eq!(
            json,
            r#"{"version":6,"src":"::1","dst":"::1","protocol":{"other":44},"total_len":1280,"ttl":64,"flow_label":550068,"dont_fragment":false}"#
        );
        let json = serde_json::to_string(&nflog(2, &FRAG4_FIRST_PAYLOAD)).expect("serialisable");
        assert!(
            json.contains(r#""fragment":{"offset":0,"more_fragments":true}"#),
            "{json}"
        );
    }
}
