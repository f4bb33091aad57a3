//! A packet filter in the form triggers install it: alternatives (OR) of conjunctions (AND)
//! of tests that one nf_tables rule or one iptables rule can express each.

use std::net::IpAddr;
use std::str::FromStr;

use super::error::FilterError;
use super::operand;

/// The IP version a conjunction applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpFamily {
    V4,
    V6,
}

/// The transport protocols a filter can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
}

impl Proto {
    /// The IP protocol number.
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
            Proto::Icmp => 1,
            Proto::Icmpv6 => 58,
        }
    }

    /// The name iptables and nft use.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::Icmpv6 => "icmpv6",
        }
    }
}

/// Which side of the packet a test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    Src,
    Dst,
}

/// An address prefix: a host is a /32 (IPv4) or /128 (IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpNet {
    /// The address, with the bits past the prefix cleared.
    pub addr: IpAddr,
    pub prefix: u8,
}

/// `[not] src|dst net|host …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddrTest {
    pub dir: Dir,
    pub net: IpNet,
    pub negated: bool,
}

/// `[not] src|dst port|portrange …` (a port is a range of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortTest {
    pub dir: Dir,
    pub lo: u16,
    pub hi: u16,
    pub negated: bool,
}

/// Tests that must all hold; one nf_tables rule, or one iptables rule per family.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Conjunction {
    /// `None`: IPv4 and IPv6.
    pub family: Option<IpFamily>,
    /// The protocol must be this one.
    pub protocol: Option<Proto>,
    /// The protocol must be none of these.
    pub not_protocols: Vec<Proto>,
    /// Address tests, all of the conjunction's family.
    pub addresses: Vec<AddrTest>,
    /// Port tests; only with `protocol` TCP or UDP.
    pub ports: Vec<PortTest>,
}

/// A compiled filter: a packet matches when any alternative matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    pub alternatives: Vec<Conjunction>,
}

impl Filter {
    /// The filter that matches every packet.
    pub fn everything() -> Filter {
        Filter {
            alternatives: vec![Conjunction::default()],
        }
    }

    /// True when it matches every packet (no filter given).
    pub fn is_everything(&self) -> bool {
        self.alternatives
            .iter()
            .any(|c| *c == Conjunction::default())
    }
}

impl IpFamily {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> IpFamily {
        match addr {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        }
    }

    /// The address length in bits: 32 or 128.
    pub fn bits(self) -> u8 {
        match self {
            IpFamily::V4 => 32,
            IpFamily::V6 => 128,
        }
    }
}

impl IpNet {
    /// The prefix `addr/prefix` with the bits past the prefix cleared; `None` when the prefix
    /// is longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<IpNet> {
        let addr = match addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(prefix.min(32)))
                    .unwrap_or(0);
                (prefix <= 32).then(|| IpAddr::from((u32::from(a) & mask).to_be_bytes()))?
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(prefix.min(128)))
                    .unwrap_or(0);
                (prefix <= 128).then(|| IpAddr::from((u128::from(a) & mask).to_be_bytes()))?
            }
        };
        Some(IpNet { addr, prefix })
    }

    /// The prefix holding just this address (/32 or /128).
    pub fn host(addr: IpAddr) -> IpNet {
        IpNet {
            addr,
            prefix: IpFamily::of(addr).bits(),
        }
    }

    /// The family of the prefix.
    pub fn family(&self) -> IpFamily {
        IpFamily::of(self.addr)
    }

    /// True when the address is of this prefix's family and inside it.
    pub fn contains(&self, addr: IpAddr) -> bool {
        IpNet::new(addr, self.prefix).is_some_and(|n| n.addr == self.addr)
    }

    /// True when every address of `other` is inside this prefix.
    pub fn covers(&self, other: &IpNet) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }

    /// True when the two prefixes share an address (prefixes are nested or disjoint).
    pub fn overlaps(&self, other: &IpNet) -> bool {
        self.covers(other) || other.covers(self)
    }
}

/// `10.0.0.0/8`, `fd00::/64`, or an address alone for a host; host bits past the prefix are
/// cleared. The filter language's own reading of `net`'s operand, errors included.
impl FromStr for IpNet {
    type Err = FilterError;

    fn from_str(text: &str) -> Result<IpNet, FilterError> {
        operand::prefix(text).map_err(|message| FilterError::new(0, text, message))
    }
}

impl AddrTest {
    /// `[not] src|dst net NET`.
    pub fn new(dir: Dir, net: IpNet, negated: bool) -> AddrTest {
        AddrTest { dir, net, negated }
    }
}

impl PortTest {
    /// `[not] src|dst portrange LO-HI`; nothing checks that `lo <= hi`.
    pub fn new(dir: Dir, lo: u16, hi: u16, negated: bool) -> PortTest {
        PortTest {
            dir,
            lo,
            hi,
            negated,
        }
    }

    /// `src|dst port N`.
    pub fn port(dir: Dir, port: u16) -> PortTest {
        PortTest::new(dir, port, port, false)
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}
