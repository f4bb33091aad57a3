//! A packet summary as one short piece of a text line, in the order an operator reads a
//! packet: protocol, addresses and ports, then length, TTL and the protocol's own details.
//!
//! ```text
//! udp 10.0.0.1:40000 > 10.0.0.2:10370 len 1511 ttl 64 id 17397
//! tcp [fd00::1]:5555 > [fd00::2]:80 len 80 hlim 64 flags syn
//! icmp 10.0.0.1 > 10.0.0.2 len 84 ttl 64 id 1 echo-request id 7 seq 1
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::packet::{IpVersion, PacketSummary, Protocol};

/// Formats a [`PacketSummary`] for a text line.
pub struct PacketText<'a>(pub &'a PacketSummary);

impl fmt::Display for PacketText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        match p.protocol {
            Protocol::Tcp => f.write_str("tcp ")?,
            Protocol::Udp => f.write_str("udp ")?,
            Protocol::Icmp => f.write_str("icmp ")?,
            Protocol::Icmpv6 => f.write_str("icmpv6 ")?,
            Protocol::Other(number) => write!(f, "proto {number} ")?,
        }
        write!(
            f,
            "{} > {}",
            Endpoint(p.src, p.src_port),
            Endpoint(p.dst, p.dst_port)
        )?;
        write!(f, " len {}", p.total_len)?;
        match p.version {
            IpVersion::V4 => write!(f, " ttl {}", p.ttl)?,
            IpVersion::V6 => write!(f, " hlim {}", p.ttl)?,
        }
        if let Some(id) = p.ipv4_id {
            write!(f, " id {id}")?;
        }
        if let Some(fragment) = p.fragment {
            write!(f, " frag offset {}", fragment.offset)?;
            if fragment.more_fragments {
                f.write_str("+")?;
            }
        }
        if let Some(flags) = p.tcp_flags {
            f.write_str(" flags ")?;
            let mut names = flags.names().peekable();
            if names.peek().is_none() {
                f.write_str("none")?;
            }
            let mut first = true;
            for name in names {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if let Some(icmp_type) = p.icmp_type {
            match icmp_name(p.protocol, icmp_type) {
                Some(name) => write!(f, " {name}")?,
                None => write!(f, " type {icmp_type}")?,
            }
            if let Some(code) = p.icmp_code.filter(|&code| code != 0) {
                write!(f, " code {code}")?;
            }
            if let (Some(id), Some(seq)) = (p.icmp_echo_id, p.icmp_echo_seq) {
                write!(f, " id {id} seq {seq}")?;
            }
        }
        Ok(())
    }
}

/// An address with an optional port: `10.0.0.1:53`, `[fd00::1]:53`, `10.0.0.1`, `fd00::1`.
pub(super) struct Endpoint(pub(super) IpAddr, pub(super) Option<u16>);

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (IpAddr::V6(addr), Some(port)) => write!(f, "[{addr}]:{port}"),
            (addr, Some(port)) => write!(f, "{addr}:{port}"),
            (addr, None) => write!(f, "{addr}"),
        }
    }
}

/// The names nft and tcpdump use for the common ICMP and ICMPv6 types.
fn icmp_name(protocol: Protocol, icmp_type: u8) -> Option<&'static str> {
    match (protocol, icmp_type) {
        (Protocol::Icmp, 0) => Some("echo-reply"),
        (Protocol::Icmp, 3) => Some("destination-unreachable"),
        (Protocol::Icmp, 5) => Some("redirect"),
        (Protocol::Icmp, 8) => Some("echo-request"),
        (Protocol::Icmp, 11) => Some("time-exceeded"),
        (Protocol::Icmp, 12) => Some("parameter-problem"),
        (Protocol::Icmpv6, 1) => Some("destination-unreachable"),
        (Protocol::Icmpv6, 2) => Some("packet-too-big"),
        (Protocol::Icmpv6, 3) => Some("time-exceeded"),
        (Protocol::Icmpv6, 4) => Some("parameter-problem"),
        (Protocol::Icmpv6, 128) => Some("echo-request"),
        (Protocol::Icmpv6, 129) => Some("echo-reply"),
        (Protocol::Icmpv6, 133) => Some("nd-router-solicit"),
        (Protocol::Icmpv6, 134) => Some("nd-router-advert"),
        (Protocol::Icmpv6, 135) => Some("nd-neighbor-solicit"),
        (Protocol::Icmpv6, 136) => Some("nd-neighbor-advert"),
        _ => None,
    }
}
