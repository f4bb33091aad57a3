//! The packet filter of a trace session: a tcpdump-style expression (`udp and dst port 53`,
//! `host 10.0.0.1 or net fd00::/64`, `not icmp`) parsed, checked and normalised into
//! alternatives of conjunctions that trace triggers install as nf_tables or iptables rules.

mod model;

pub use model::{AddrTest, Conjunction, Dir, Filter, IpFamily, IpNet, PortTest, Proto};
