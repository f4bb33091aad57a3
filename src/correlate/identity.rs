//! Is this the same packet? What identifies a packet across the steps of its path, when
//! NAT may rewrite its addresses and ports between two steps and the TTL drops when it is
//! forwarded.
//!
//! The fields no netfilter step rewrites (IP version, protocol, IPv4 identification, length,
//! IPv6 flow label, ICMP echo sequence) form a [`PacketKey`] to index candidates by. Between
//! two consecutive observations NAT rewrites at most one side — destination in prerouting or
//! output, source in postrouting or input — so two observations of one packet keep at least
//! one side, address and port, unchanged.

use crate::packet::PacketSummary;

/// The fields of a packet that netfilter does not rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketKey {
    version: u8,
    protocol: u8,
    total_len: u32,
    ipv4_id: Option<u16>,
    flow_label: Option<u32>,
    icmp_echo_seq: Option<u16>,
}

impl PacketKey {
    pub fn of(packet: &PacketSummary) -> PacketKey {
        PacketKey {
            version: packet.version.number(),
            protocol: packet.protocol.number(),
            total_len: packet.total_len,
            ipv4_id: packet.ipv4_id,
            flow_label: packet.flow_label,
            icmp_echo_seq: packet.icmp_echo_seq,
        }
    }
}

/// True when `later` can be the packet `earlier` showed, at a step after it: the same key,
/// and at least one side unchanged by NAT. `both_sides_may_change` allows a rewrite of
/// both sides (steps that were not observed in between, e.g. nf_tables chains without
/// trace events between a prerouting DNAT and a postrouting SNAT).
pub fn same_packet(
    earlier: &PacketSummary,
    later: &PacketSummary,
    both_sides_may_change: bool,
) -> bool {
    if PacketKey::of(earlier) != PacketKey::of(later) {
        return false;
    }
    if both_sides_may_change {
        return true;
    }
    let port = |p: &PacketSummary, src: bool| {
        if src {
            p.src_port.or(p.icmp_echo_id)
        } else {
            p.dst_port.or(p.icmp_echo_id)
        }
    };
    // A side is an address and its port (for ICMP echo, the echo id, which NAT maps like a
    // port).
    (earlier.src, port(earlier, true)) == (later.src, port(later, true))
        || (earlier.dst, port(earlier, false)) == (later.dst, port(later, false))
}
