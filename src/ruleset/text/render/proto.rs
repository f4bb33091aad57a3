//! Protocol header descriptions, after nft's `src/proto.c`: for each protocol, its header
//! fields (name, bit offset, bit length, data type) and which field names the protocol above
//! it; and the protocol context that says, while a rule is read left to right, which
//! protocol each header base holds.

use super::dtype::Dtype;

/// Header bases as nft numbers them (the kernel's `NFT_PAYLOAD_*` plus one).
pub(crate) const BASE_LL: u8 = 1;
pub(crate) const BASE_NETWORK: u8 = 2;
pub(crate) const BASE_TRANSPORT: u8 = 3;
pub(crate) const BASE_INNER: u8 = 4;
/// One past the last base: the size of per-base arrays.
pub(crate) const BASES: usize = 5;

/// The token nft prints for a raw payload of a base (`@nh,96,32`).
pub(crate) fn base_token(base: u8) -> &'static str {
    match base {
        BASE_LL => "ll",
        BASE_NETWORK => "nh",
        BASE_TRANSPORT => "th",
        BASE_INNER => "ih",
        _ => "invalid",
    }
}

/// The ICMP type a field depends on (`icmp id` exists only in echo messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcmpDep {
    Any,
    /// ICMP echo (8; 0 echo-reply counts as echo).
    Echo,
    /// ICMP destination unreachable (3).
    Mtu,
    /// ICMP redirect (5).
    Address,
    /// ICMPv6 echo request (128) or reply (129).
    Echo6,
    /// ICMPv6 packet too big (2).
    Mtu6,
    /// ICMPv6 MLD listener query (130).
    Mgmq6,
    /// ICMPv6 parameter problem (4).
    Pptr6,
}

impl IcmpDep {
    /// The ICMP type nft associates with the dependency (`icmp_dep_to_type`).
    pub fn icmp_type(self) -> Option<u8> {
        match self {
            IcmpDep::Any => None,
            IcmpDep::Echo => Some(8),
            IcmpDep::Mtu => Some(3),
            IcmpDep::Address => Some(5),
            IcmpDep::Echo6 => Some(128),
            IcmpDep::Mtu6 => Some(2),
            IcmpDep::Mgmq6 => Some(130),
            IcmpDep::Pptr6 => Some(4),
        }
    }
}

/// One header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Template {
    pub name: &'static str,
    /// Bits from the start of the header.
    pub offset: u32,
    pub len: u32,
    pub dtype: Dtype,
    pub icmp_dep: IcmpDep,
}

const fn t(name: &'static str, offset: u32, len: u32, dtype: Dtype) -> Template {
    Template {
        name,
        offset,
        len,
        dtype,
        icmp_dep: IcmpDep::Any,
    }
}

const fn ti(name: &'static str, offset: u32, len: u32, dtype: Dtype, dep: IcmpDep) -> Template {
    Template {
        name,
        offset,
        len,
        dtype,
        icmp_dep: dep,
    }
}

/// The protocols nftrace knows the headers of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    /// The inet family's pseudo link layer: `meta nfproto` selects IPv4 or IPv6.
    Inet,
    /// The netdev family's pseudo link layer: `meta protocol` selects the network protocol.
    Netdev,
    Eth,
    /// An 802.1Q tag after the Ethernet header (fields at link layer offsets 112 on).
    Vlan,
    Arp,
    Ip,
    Ip6,
    Icmp,
    Icmp6,
    Igmp,
    Tcp,
    Udp,
    Udplite,
    Sctp,
    Dccp,
    Esp,
    Ah,
    Comp,
    /// `meta l4proto`'s pseudo protocol above any network header.
    InetService,
}

const PORTS: Dtype = Dtype::InetService;

use Dtype::*;

const ETH_FIELDS: &[Template] = &[
    t("daddr", 0, 48, Ether),
    t("saddr", 48, 48, Ether),
    t("type", 96, 16, EtherType),
];
const VLAN_FIELDS: &[Template] = &[
    t("pcp", 112, 3, Integer),
    t("dei", 115, 1, Integer),
    t("id", 116, 12, Integer),
    t("type", 128, 16, EtherType),
];
const ARP_FIELDS: &[Template] = &[
    t("htype", 0, 16, Integer),
    t("ptype", 16, 16, EtherType),
    t("hlen", 32, 8, Integer),
    t("plen", 40, 8, Integer),
    t("operation", 48, 16, ArpOp),
    t("saddr ether", 64, 48, Ether),
    t("saddr ip", 112, 32, Ipv4),
    t("daddr ether", 144, 48, Ether),
    t("daddr ip", 192, 32, Ipv4),
];
const IP_FIELDS: &[Template] = &[
    t("version", 0, 4, Integer),
    t("hdrlength", 4, 4, Integer),
    t("dscp", 8, 6, Dscp),
    t("ecn", 14, 2, Ecn),
    t("length", 16, 16, Integer),
    t("id", 32, 16, Integer),
    t("frag-off", 48, 16, Integer),
    t("ttl", 64, 8, Integer),
    t("protocol", 72, 8, InetProto),
    t("checksum", 80, 16, Integer),
    t("saddr", 96, 32, Ipv4),
    t("daddr", 128, 32, Ipv4),
];
const ICMP_FIELDS: &[Template] = &[
    t("type", 0, 8, IcmpType),
    t("code", 8, 8, IcmpCode),
    t("checksum", 16, 16, Integer),
    ti("id", 32, 16, Integer, IcmpDep::Echo),
    ti("sequence", 48, 16, Integer, IcmpDep::Echo),
    ti("gateway", 32, 32, Ipv4, IcmpDep::Address),
    ti("mtu", 48, 16, Integer, IcmpDep::Mtu),
];
const IGMP_FIELDS: &[Template] = &[
    t("type", 0, 8, Integer),
    t("mrt", 8, 8, Integer),
    t("checksum", 16, 16, Integer),
    t("group", 32, 32, Ipv4),
];
const IP6_FIELDS: &[Template] = &[
    t("version", 0, 4, Integer),
    t("dscp", 4, 6, Dscp),
    t("ecn", 10, 2, Ecn),
    t("flowlabel", 12, 20, Integer),
    t("length", 32, 16, Integer),
    t("nexthdr", 48, 8, InetProto),
    t("hoplimit", 56, 8, Integer),
    t("saddr", 64, 128, Ipv6),
    t("daddr", 192, 128, Ipv6),
];
const ICMP6_FIELDS: &[Template] = &[
    t("type", 0, 8, Icmp6Type),
    t("code", 8, 8, Icmp6Code),
    t("checksum", 16, 16, Integer),
    ti("parameter-problem", 32, 32, Integer, IcmpDep::Pptr6),
    ti("mtu", 32, 32, Integer, IcmpDep::Mtu6),
    ti("id", 32, 16, Integer, IcmpDep::Echo6),
    ti("sequence", 48, 16, Integer, IcmpDep::Echo6),
    ti("max-delay", 32, 16, Integer, IcmpDep::Mgmq6),
];
const TCP_FIELDS: &[Template] = &[
    t("sport", 0, 16, PORTS),
    t("dport", 16, 16, PORTS),
    t("sequence", 32, 32, Integer),
    t("ackseq", 64, 32, Integer),
    t("doff", 96, 4, Integer),
    t("reserved", 100, 4, Integer),
    t("flags", 104, 8, TcpFlag),
    t("window", 112, 16, Integer),
    t("checksum", 128, 16, Integer),
    t("urgptr", 144, 16, Integer),
];
const UDP_FIELDS: &[Template] = &[
    t("sport", 0, 16, PORTS),
    t("dport", 16, 16, PORTS),
    t("length", 32, 16, Integer),
    t("checksum", 48, 16, Integer),
];
const UDPLITE_FIELDS: &[Template] = &[
    t("sport", 0, 16, PORTS),
    t("dport", 16, 16, PORTS),
    t("csumcov", 32, 16, Integer),
    t("checksum", 48, 16, Integer),
];
const SCTP_FIELDS: &[Template] = &[
    t("sport", 0, 16, PORTS),
    t("dport", 16, 16, PORTS),
    t("vtag", 32, 32, Integer),
    t("checksum", 64, 32, Integer),
];
const DCCP_FIELDS: &[Template] = &[t("sport", 0, 16, PORTS), t("dport", 16, 16, PORTS)];
const ESP_FIELDS: &[Template] = &[t("spi", 0, 32, Integer), t("sequence", 32, 32, Integer)];
const AH_FIELDS: &[Template] = &[
    t("nexthdr", 0, 8, InetProto),
    t("hdrlength", 8, 8, Integer),
    t("reserved", 16, 16, Integer),
    t("spi", 32, 32, Integer),
    t("sequence", 64, 32, Integer),
];
const COMP_FIELDS: &[Template] = &[
    t("nexthdr", 0, 8, InetProto),
    t("flags", 8, 8, Integer),
    t("cpi", 16, 16, Integer),
];

impl Proto {
    /// The name nft prints before a field (`ip`, `tcp`, `ether`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Proto::Inet => "inet",
            Proto::Netdev => "netdev",
            Proto::Eth => "ether",
            Proto::Vlan => "vlan",
            Proto::Arp => "arp",
            Proto::Ip => "ip",
            Proto::Ip6 => "ip6",
            Proto::Icmp => "icmp",
            Proto::Icmp6 => "icmpv6",
            Proto::Igmp => "igmp",
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Udplite => "udplite",
            Proto::Sctp => "sctp",
            Proto::Dccp => "dccp",
            Proto::Esp => "esp",
            Proto::Ah => "ah",
            Proto::Comp => "comp",
            Proto::InetService => "inet-service",
        }
    }

    /// The header base the protocol lives at.
    pub fn base(self) -> u8 {
        match self {
            Proto::Inet | Proto::Netdev | Proto::Eth | Proto::Vlan => BASE_LL,
            Proto::Arp | Proto::Ip | Proto::Ip6 => BASE_NETWORK,
            _ => BASE_TRANSPORT,
        }
    }

    /// The header's fields, in ascending offset order (nft's template order).
    pub fn templates(self) -> &'static [Template] {
        match self {
            Proto::Eth => ETH_FIELDS,
            Proto::Vlan => VLAN_FIELDS,
            Proto::Arp => ARP_FIELDS,
            Proto::Ip => IP_FIELDS,
            Proto::Icmp => ICMP_FIELDS,
            Proto::Igmp => IGMP_FIELDS,
            Proto::Tcp => TCP_FIELDS,
            Proto::Udp => UDP_FIELDS,
            Proto::Udplite => UDPLITE_FIELDS,
            Proto::Sctp => SCTP_FIELDS,
            Proto::Dccp => DCCP_FIELDS,
            Proto::Esp => ESP_FIELDS,
            Proto::Ah => AH_FIELDS,
            Proto::Comp => COMP_FIELDS,
            Proto::Ip6 => IP6_FIELDS,
            Proto::Icmp6 => ICMP6_FIELDS,
            Proto::Inet | Proto::Netdev | Proto::InetService => &[],
        }
    }

    /// The index of the field that names the protocol above (`ip protocol`, `ether type`).
    pub fn protocol_key(self) -> Option<usize> {
        match self {
            Proto::Eth => Some(2),
            Proto::Vlan => Some(3),
            Proto::Ip => Some(8),
            Proto::Ip6 => Some(5),
            Proto::Icmp | Proto::Icmp6 => Some(0),
            _ => None,
        }
    }

    /// The protocol above this one for a protocol key value.
    pub fn upper(self, value: u128) -> Option<Proto> {
        match self {
            Proto::Inet => match value {
                2 => Some(Proto::Ip),
                10 => Some(Proto::Ip6),
                _ => None,
            },
            Proto::Netdev | Proto::Eth | Proto::Vlan => match value {
                0x0800 => Some(Proto::Ip),
                0x86dd => Some(Proto::Ip6),
                0x0806 => Some(Proto::Arp),
                0x8100 | 0x88a8 if self != Proto::Netdev => Some(Proto::Vlan),
                _ => None,
            },
            Proto::Ip => match value {
                1 => Some(Proto::Icmp),
                2 => Some(Proto::Igmp),
                _ => transport(value),
            },
            Proto::Ip6 => match value {
                58 => Some(Proto::Icmp6),
                _ => transport(value),
            },
            Proto::InetService => match value {
                1 => Some(Proto::Icmp),
                2 => Some(Proto::Igmp),
                58 => Some(Proto::Icmp6),
                _ => transport(value),
            },
            _ => None,
        }
    }
}

fn transport(value: u128) -> Option<Proto> {
    Some(match value {
        6 => Proto::Tcp,
        17 => Proto::Udp,
        136 => Proto::Udplite,
        132 => Proto::Sctp,
        33 => Proto::Dccp,
        50 => Proto::Esp,
        51 => Proto::Ah,
        108 => Proto::Comp,
        _ => return None,
    })
}

/// Which protocol each base holds, as far as the rule read so far tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProtoCtx {
    pub family: u8,
    pub protocol: [Option<Proto>; BASES],
    /// The ICMP type matched so far (nft's `th_dep.icmp.type`), 0 for none.
    pub icmp_type: u8,
}

impl ProtoCtx {
    /// The context at the start of a rule of a table of `family`.
    pub fn new(family: u8) -> Self {
        use nftrace_sys::netfilter::*;
        let mut protocol = [None; BASES];
        match family {
            NFPROTO_IPV4 => protocol[usize::from(BASE_NETWORK)] = Some(Proto::Ip),
            NFPROTO_IPV6 => protocol[usize::from(BASE_NETWORK)] = Some(Proto::Ip6),
            NFPROTO_ARP => protocol[usize::from(BASE_NETWORK)] = Some(Proto::Arp),
            NFPROTO_INET => protocol[usize::from(BASE_LL)] = Some(Proto::Inet),
            NFPROTO_BRIDGE => protocol[usize::from(BASE_LL)] = Some(Proto::Eth),
            NFPROTO_NETDEV => protocol[usize::from(BASE_LL)] = Some(Proto::Netdev),
            _ => {}
        }
        Self {
            family,
            protocol,
            icmp_type: 0,
        }
    }

    pub fn at(&self, base: u8) -> Option<Proto> {
        self.protocol.get(usize::from(base)).copied().flatten()
    }

    pub fn set(&mut self, base: u8, proto: Option<Proto>) {
        if let Some(slot) = self.protocol.get_mut(usize::from(base)) {
            *slot = proto;
        }
    }

    /// Records a protocol key match `key == value` of `proto` (nft's `pctx_update`).
    pub fn update_from_payload(&mut self, proto: Proto, value: u128) {
        match proto.upper(value) {
            Some(upper) => self.set(upper.base(), Some(upper)),
            None => {
                if proto == Proto::Icmp {
                    self.icmp_type = u8::try_from(value).ok().filter(|&v| v != 0).unwrap_or(8);
                } else if proto == Proto::Icmp6 {
                    let v = u8::try_from(value).unwrap_or(0);
                    self.icmp_type = if v == 129 { 128 } else { v };
                }
            }
        }
    }

    /// Whether a field with this ICMP dependency fits the ICMP type matched so far.
    pub fn icmp_fits(&self, dep: IcmpDep) -> bool {
        match dep.icmp_type() {
            None => true,
            Some(ty) => self.icmp_type == 0 || self.icmp_type == ty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_in_offset_order_and_keys_point_at_protocol_fields() {
        for proto in [
            Proto::Eth,
            Proto::Arp,
            Proto::Ip,
            Proto::Ip6,
            Proto::Tcp,
            Proto::Udp,
            Proto::Sctp,
        ] {
            let templates = proto.templates();
            assert!(templates.windows(2).all(|w| w[0].offset <= w[1].offset));
            if let Some(key) = proto.protocol_key() {
                let field = templates[key];
                assert!(matches!(field.dtype, Dtype::InetProto | Dtype::EtherType));
            }
        }
    }

    #[test]
    fn context_follows_protocol_matches() {
        let mut ctx = ProtoCtx::new(nftrace_sys::netfilter::NFPROTO_INET);
        assert_eq!(ctx.at(BASE_LL), Some(Proto::Inet));
        ctx.update_from_payload(Proto::Inet, 2);
        assert_eq!(ctx.at(BASE_NETWORK), Some(Proto::Ip));
        ctx.update_from_payload(Proto::Ip, 6);
        assert_eq!(ctx.at(BASE_TRANSPORT), Some(Proto::Tcp));
    }
}
