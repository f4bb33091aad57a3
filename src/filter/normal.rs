//! The algebra of conjunctions: joining two (AND), putting one in a canonical form (dropping
//! it when it is contradictory), and keeping a list of alternatives (OR) small by removing
//! alternatives another one already covers.
//!
//! A conjunction is read as a set of literals, each a test one rule can make:
//! `family F`, `protocol P`, `protocol != P`, an address test and a port test. An address test
//! holds only for packets of its address's family, and a port test only for TCP and UDP
//! packets (a conjunction with port tests always has protocol TCP or UDP). Canonical form:
//! the family is set whenever an address test is present; with a protocol there are no
//! `protocol !=` tests; per direction at most one positive prefix and one positive range,
//! negated ones only where they cut into it; every vector sorted.

use super::model::{AddrTest, Conjunction, Dir, IpFamily, IpNet, PortTest, Proto};

/// One test of a conjunction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Lit {
    Family(IpFamily),
    Proto(Proto),
    NotProto(Proto),
    Addr(AddrTest),
    Port(PortTest),
}

impl Lit {
    /// The literal that holds exactly when this one does not, among the packets of any
    /// conjunction holding both of them minus these two (see `strengthen`).
    fn complement(self) -> Lit {
        match self {
            Lit::Family(IpFamily::V4) => Lit::Family(IpFamily::V6),
            Lit::Family(IpFamily::V6) => Lit::Family(IpFamily::V4),
            Lit::Proto(p) => Lit::NotProto(p),
            Lit::NotProto(p) => Lit::Proto(p),
            Lit::Addr(t) => Lit::Addr(AddrTest {
                negated: !t.negated,
                ..t
            }),
            Lit::Port(t) => Lit::Port(PortTest {
                negated: !t.negated,
                ..t
            }),
        }
    }
}

fn lits(c: &Conjunction) -> Vec<Lit> {
    let mut out: Vec<Lit> = c.family.map(Lit::Family).into_iter().collect();
    out.extend(c.protocol.map(Lit::Proto));
    out.extend(c.not_protocols.iter().copied().map(Lit::NotProto));
    out.extend(c.addresses.iter().copied().map(Lit::Addr));
    out.extend(c.ports.iter().copied().map(Lit::Port));
    out
}

fn from_lits(lits: impl IntoIterator<Item = Lit>) -> Option<Conjunction> {
    let mut c = Conjunction::default();
    for lit in lits {
        match lit {
            Lit::Family(f) => {
                if c.family.is_some_and(|g| g != f) {
                    return None;
                }
                c.family = Some(f);
            }
            Lit::Proto(p) => {
                if c.protocol.is_some_and(|q| q != p) {
                    return None;
                }
                c.protocol = Some(p);
            }
            Lit::NotProto(p) => c.not_protocols.push(p),
            Lit::Addr(t) => c.addresses.push(t),
            Lit::Port(t) => c.ports.push(t),
        }
    }
    Some(c)
}

/// The number of tests of a conjunction.
pub(crate) fn test_count(c: &Conjunction) -> usize {
    usize::from(c.family.is_some())
        + usize::from(c.protocol.is_some())
        + c.not_protocols.len()
        + c.addresses.len()
        + c.ports.len()
}

/// Both conjunctions at once, or `None` when no packet can match both.
pub(crate) fn and(a: &Conjunction, b: &Conjunction) -> Option<Conjunction> {
    normalise(from_lits(lits(a).into_iter().chain(lits(b)))?)
}

/// The canonical form of a conjunction, or `None` when it is contradictory.
pub(crate) fn normalise(mut c: Conjunction) -> Option<Conjunction> {
    for t in &c.addresses {
        let family = t.net.family();
        if c.family.is_some_and(|f| f != family) {
            return None;
        }
        c.family = Some(family);
    }
    if let Some(p) = c.protocol {
        if c.not_protocols.contains(&p) {
            return None;
        }
        c.not_protocols.clear();
    } else {
        c.not_protocols.sort();
        c.not_protocols.dedup();
    }
    let mut addresses = Vec::new();
    let mut ports = Vec::new();
    for dir in [Dir::Src, Dir::Dst] {
        addresses.extend(normalise_prefixes(dir, &c.addresses)?);
        ports.extend(normalise_ranges(dir, &c.ports)?);
    }
    addresses.sort();
    ports.sort();
    c.addresses = addresses;
    c.ports = ports;
    Some(c)
}

/// The other half of the prefix one bit shorter than `net`.
fn sibling(net: IpNet) -> Option<IpNet> {
    let bit = u32::from(net.prefix.checked_sub(1)?);
    let addr = match net.addr {
        std::net::IpAddr::V4(a) => {
            std::net::IpAddr::from((u32::from(a) ^ (1u32 << (31 - bit))).to_be_bytes())
        }
        std::net::IpAddr::V6(a) => {
            std::net::IpAddr::from((u128::from(a) ^ (1u128 << (127 - bit))).to_be_bytes())
        }
    };
    IpNet::new(addr, net.prefix)
}

/// The address tests of one direction in canonical form (prefixes are nested or disjoint).
fn normalise_prefixes(dir: Dir, tests: &[AddrTest]) -> Option<Vec<AddrTest>> {
    let mut positive: Option<IpNet> = None;
    let mut negated: Vec<IpNet> = Vec::new();
    for t in tests.iter().filter(|t| t.dir == dir) {
        if t.negated {
            negated.push(t.net);
        } else {
            positive = Some(match positive {
                None => t.net,
                Some(p) if p.covers(&t.net) => t.net,
                Some(p) if t.net.covers(&p) => p,
                Some(_) => return None,
            });
        }
    }
    // Larger prefixes first, so that a negated prefix inside another one is dropped.
    negated.sort_by_key(|n| n.prefix);
    let mut kept: Vec<IpNet> = Vec::new();
    for n in negated {
        if !kept.iter().any(|k| k.covers(&n)) {
            kept.push(n);
        }
    }
    if let Some(mut p) = positive {
        loop {
            kept.retain(|n| n.overlaps(&p));
            if kept.iter().any(|n| n.covers(&p)) {
                return None;
            }
            // `net 10.0.0.0/24 and not net 10.0.0.0/25` is `net 10.0.0.128/25`.
            let Some(i) = kept.iter().position(|n| n.prefix == p.prefix + 1) else {
                break;
            };
            p = sibling(kept.remove(i))?;
        }
        positive = (p.prefix > 0).then_some(p);
    } else if kept.iter().any(|n| n.prefix == 0) {
        return None;
    }
    let test = |net, negated| AddrTest::new(dir, net, negated);
    Some(
        positive
            .map(|p| test(p, false))
            .into_iter()
            .chain(kept.into_iter().map(|n| test(n, true)))
            .collect(),
    )
}

/// The port tests of one direction in canonical form.
fn normalise_ranges(dir: Dir, tests: &[PortTest]) -> Option<Vec<PortTest>> {
    let mut positive: Option<(u16, u16)> = None;
    let mut negated: Vec<(u16, u16)> = Vec::new();
    for t in tests.iter().filter(|t| t.dir == dir) {
        if t.negated {
            negated.push((t.lo, t.hi));
        } else {
            let (lo, hi) = positive.unwrap_or((0, u16::MAX));
            let (lo, hi) = (lo.max(t.lo), hi.min(t.hi));
            if lo > hi {
                return None;
            }
            positive = Some((lo, hi));
        }
    }
    // Merge overlapping and adjacent negated ranges.
    negated.sort();
    let mut merged: Vec<(u16, u16)> = Vec::new();
    for (lo, hi) in negated {
        match merged.last_mut() {
            Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    if let Some((mut lo, mut hi)) = positive {
        let mut kept = Vec::new();
        // Sorted and disjoint: the ranges that cut the start come first, those that cut the
        // end last, and the ones strictly inside stay inside.
        for (nlo, nhi) in merged {
            if nhi < lo || nlo > hi {
                continue;
            }
            if nlo <= lo && nhi >= hi {
                return None;
            }
            if nlo <= lo {
                lo = nhi + 1;
            } else if nhi >= hi {
                hi = nlo - 1;
            } else {
                kept.push((nlo, nhi));
            }
        }
        merged = kept;
        positive = Some((lo, hi)).filter(|&r| r != (0, u16::MAX));
    } else if merged.contains(&(0, u16::MAX)) {
        return None;
    }
    let test = |(lo, hi), negated| PortTest::new(dir, lo, hi, negated);
    Some(
        positive
            .map(|r| test(r, false))
            .into_iter()
            .chain(merged.into_iter().map(|r| test(r, true)))
            .collect(),
    )
}

/// True when every packet `lit` holds for… is one `c` holds for: c ⇒ lit.
fn implies_lit(c: &Conjunction, lit: Lit) -> bool {
    match lit {
        Lit::Family(f) => c.family == Some(f),
        Lit::Proto(p) => c.protocol == Some(p),
        Lit::NotProto(p) => c.not_protocols.contains(&p) || c.protocol.is_some_and(|q| q != p),
        Lit::Addr(t) => {
            c.family == Some(t.net.family())
                && c.addresses.iter().any(|u| {
                    u.dir == t.dir
                        && match (t.negated, u.negated) {
                            (false, false) => t.net.covers(&u.net),
                            (true, false) => !t.net.overlaps(&u.net),
                            (true, true) => u.net.covers(&t.net),
                            (false, true) => false,
                        }
                })
        }
        Lit::Port(t) => c.ports.iter().any(|u| {
            u.dir == t.dir
                && match (t.negated, u.negated) {
                    (false, false) => t.lo <= u.lo && u.hi <= t.hi,
                    (true, false) => u.hi < t.lo || u.lo > t.hi,
                    (true, true) => u.lo <= t.lo && t.hi <= u.hi,
                    (false, true) => false,
                }
        }),
    }
}

/// True when every packet matching `c` matches `d` (c ⇒ d). Sound, not complete: `false`
/// only means the cheap check could not show it.
pub(crate) fn implies(c: &Conjunction, d: &Conjunction) -> bool {
    lits(d).into_iter().all(|lit| implies_lit(c, lit))
}

/// `a or b` where `a` is `R and x` and `b` holds `R and y` (`y` not in `R`), `y` implied by
/// `not x`: `b`
/// without `y` (the packets that adds are the ones `a` matches). `None` when that does not
/// apply or changes nothing.
fn strengthen(a: &Conjunction, b: &Conjunction) -> Option<Conjunction> {
    let a_lits = lits(a);
    let b_lits = lits(b);
    for (i, &x) in a_lits.iter().enumerate() {
        let rest_in_b = a_lits
            .iter()
            .enumerate()
            .all(|(j, lit)| j == i || b_lits.contains(lit));
        if !rest_in_b {
            continue;
        }
        for &y in &b_lits {
            // `y` must not be part of `R`: removing it from `b` would remove it from there.
            if !implied_by_complement(x, y)
                || a_lits.contains(&y)
                // Port tests stay with their protocol (rules cannot test ports of "TCP or UDP").
                || matches!(y, Lit::Proto(_)) && !b.ports.is_empty()
            {
                continue;
            }
            let Some(smaller) =
                from_lits(b_lits.iter().copied().filter(|&l| l != y)).and_then(normalise)
            else {
                continue;
            };
            // A rule without a family is two iptables rules: only worth it when it makes `a`
            // redundant (`ip or ip6`).
            if smaller != *b && (!matches!(y, Lit::Family(_)) || implies(a, &smaller)) {
                return Some(smaller);
            }
        }
    }
    None
}

/// True when `y` holds for every packet `x` does not hold for, within a conjunction holding
/// `x`'s family and protocol (see `Lit::complement`).
fn implied_by_complement(x: Lit, y: Lit) -> bool {
    y == x.complement()
        // Protocol P is not protocol Q.
        || matches!((x, y), (Lit::NotProto(p), Lit::NotProto(q)) if p != q)
}

/// Adds an alternative to a list of alternatives, keeping the list free of alternatives that
/// another one covers, and merging complementary ones (`tcp or not tcp` is everything).
pub(crate) fn insert(list: &mut Vec<Conjunction>, c: Conjunction) {
    let mut pending = vec![c];
    'next: while let Some(mut c) = pending.pop() {
        'again: loop {
            if list.iter().any(|e| implies(&c, e)) {
                continue 'next;
            }
            list.retain(|e| !implies(e, &c));
            for i in 0..list.len() {
                if let Some(smaller) = strengthen(&list[i], &c) {
                    c = smaller;
                    continue 'again;
                }
                if let Some(smaller) = strengthen(&c, &list[i]) {
                    list.remove(i);
                    pending.push(smaller);
                    continue 'again;
                }
            }
            list.push(c);
            continue 'next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(ports: Vec<PortTest>) -> Conjunction {
        Conjunction {
            protocol: Some(Proto::Tcp),
            ports,
            ..Default::default()
        }
    }

    fn v4(addresses: Vec<AddrTest>) -> Conjunction {
        Conjunction {
            family: Some(IpFamily::V4),
            addresses,
            ..Default::default()
        }
    }

    #[test]
    fn port_ranges() {
        use Dir::*;
        let port = PortTest::new;
        let cases: Vec<(Vec<PortTest>, Option<Vec<PortTest>>)> = vec![
            (
                vec![port(Src, 53, 53, false)],
                Some(vec![port(Src, 53, 53, false)]),
            ),
            (
                vec![port(Src, 53, 53, false), port(Src, 54, 54, false)],
                None,
            ),
            (
                vec![port(Src, 1, 100, false), port(Src, 50, 200, false)],
                Some(vec![port(Src, 50, 100, false)]),
            ),
            (vec![port(Src, 0, 65535, false)], Some(vec![])),
            (vec![port(Src, 0, 65535, true)], None),
            (
                vec![port(Src, 53, 53, false), port(Src, 53, 53, true)],
                None,
            ),
            (
                vec![port(Src, 53, 53, false), port(Src, 54, 54, true)],
                Some(vec![port(Src, 53, 53, false)]),
            ),
            (
                vec![port(Src, 1, 100, false), port(Src, 1, 10, true)],
                Some(vec![port(Src, 11, 100, false)]),
            ),
            (
                vec![port(Src, 1, 100, false), port(Src, 90, 200, true)],
                Some(vec![port(Src, 1, 89, false)]),
            ),
            (
                vec![port(Src, 1, 100, false), port(Src, 50, 60, true)],
                Some(vec![port(Src, 1, 100, false), port(Src, 50, 60, true)]),
            ),
            (
                vec![
                    port(Src, 1, 5, true),
                    port(Src, 6, 9, true),
                    port(Src, 3, 4, true),
                ],
                Some(vec![port(Src, 1, 9, true)]),
            ),
            (
                vec![port(Src, 0, 100, true), port(Src, 101, 65535, true)],
                None,
            ),
            (
                vec![port(Src, 53, 53, false), port(Dst, 53, 53, true)],
                Some(vec![port(Src, 53, 53, false), port(Dst, 53, 53, true)]),
            ),
            (
                vec![port(Dst, 65535, 65535, true), port(Dst, 65534, 65534, true)],
                Some(vec![port(Dst, 65534, 65535, true)]),
            ),
        ];
        for (ports, want) in cases {
            let got = normalise(tcp(ports.clone()));
            assert_eq!(got, want.map(tcp), "{ports:?}");
        }
    }

    #[test]
    fn prefixes() {
        use Dir::*;
        let addr = |dir, net: &str, negated| AddrTest::new(dir, net.parse().unwrap(), negated);
        let cases: Vec<(Vec<AddrTest>, Option<Vec<AddrTest>>)> = vec![
            (
                vec![
                    addr(Src, "10.0.0.0/8", false),
                    addr(Src, "10.1.0.0/16", false),
                ],
                Some(vec![addr(Src, "10.1.0.0/16", false)]),
            ),
            (
                vec![
                    addr(Src, "10.0.0.0/8", false),
                    addr(Src, "11.0.0.0/8", false),
                ],
                None,
            ),
            (vec![addr(Src, "0.0.0.0/0", false)], Some(vec![])),
            (vec![addr(Src, "0.0.0.0/0", true)], None),
            (
                vec![
                    addr(Src, "10.0.0.0/16", false),
                    addr(Src, "10.0.0.0/8", true),
                ],
                None,
            ),
            (
                vec![
                    addr(Src, "10.0.0.0/16", false),
                    addr(Src, "11.0.0.0/8", true),
                ],
                Some(vec![addr(Src, "10.0.0.0/16", false)]),
            ),
            (
                vec![
                    addr(Src, "10.0.0.0/16", false),
                    addr(Src, "10.0.0.0/24", true),
                ],
                Some(vec![
                    addr(Src, "10.0.0.0/16", false),
                    addr(Src, "10.0.0.0/24", true),
                ]),
            ),
            (
                vec![
                    addr(Src, "10.0.0.0/24", false),
                    addr(Src, "10.0.0.0/25", true),
                ],
                Some(vec![addr(Src, "10.0.0.128/25", false)]),
            ),
            (
                vec![
                    addr(Src, "10.0.0.0/24", false),
                    addr(Src, "10.0.0.0/25", true),
                    addr(Src, "10.0.0.128/26", true),
                ],
                Some(vec![addr(Src, "10.0.0.192/26", false)]),
            ),
            (
                vec![
                    addr(Src, "10.0.0.0/24", false),
                    addr(Src, "10.0.0.0/25", true),
                    addr(Src, "10.0.0.128/25", true),
                ],
                None,
            ),
            (
                vec![
                    addr(Dst, "10.1.0.0/16", true),
                    addr(Dst, "10.0.0.0/8", true),
                ],
                Some(vec![addr(Dst, "10.0.0.0/8", true)]),
            ),
            (
                vec![
                    addr(Src, "10.0.0.1/32", false),
                    addr(Dst, "10.0.0.1/32", true),
                ],
                Some(vec![
                    addr(Src, "10.0.0.1/32", false),
                    addr(Dst, "10.0.0.1/32", true),
                ]),
            ),
        ];
        for (addresses, want) in cases {
            let got = normalise(v4(addresses.clone()));
            assert_eq!(got, want.map(v4), "{addresses:?}");
        }
        // An address implies its family.
        let c = Conjunction {
            addresses: vec![addr(Src, "fd00::/64", false)],
            ..Default::default()
        };
        assert_eq!(normalise(c.clone()).unwrap().family, Some(IpFamily::V6));
        let c4 = Conjunction {
            family: Some(IpFamily::V4),
            ..c
        };
        assert_eq!(normalise(c4), None);
    }

    #[test]
    fn protocols() {
        let c = Conjunction {
            protocol: Some(Proto::Udp),
            not_protocols: vec![Proto::Tcp, Proto::Icmp],
            ..Default::default()
        };
        assert_eq!(normalise(c).unwrap().not_protocols, vec![]);
        let c = Conjunction {
            protocol: Some(Proto::Udp),
            not_protocols: vec![Proto::Udp],
            ..Default::default()
        };
        assert_eq!(normalise(c), None);
        let a = Conjunction {
            protocol: Some(Proto::Udp),
            ..Default::default()
        };
        let b = Conjunction {
            protocol: Some(Proto::Tcp),
            ..Default::default()
        };
        assert_eq!(and(&a, &b), None);
    }

    #[test]
    fn insert_merges_and_drops() {
        let tcp_only = Conjunction {
            protocol: Some(Proto::Tcp),
            ..Default::default()
        };
        let not_tcp = Conjunction {
            not_protocols: vec![Proto::Tcp],
            ..Default::default()
        };
        let mut list = vec![];
        insert(&mut list, tcp_only.clone());
        insert(&mut list, not_tcp);
        assert_eq!(list, vec![Conjunction::default()]);

        let mut list = vec![];
        insert(&mut list, tcp(vec![PortTest::port(Dir::Src, 53)]));
        insert(&mut list, tcp_only.clone());
        assert_eq!(list, vec![tcp_only.clone()]);
        insert(&mut list, tcp(vec![PortTest::new(Dir::Dst, 1, 2, true)]));
        assert_eq!(list, vec![tcp_only]);

        // tcp or (not tcp and not udp) = not udp
        let mut list = vec![];
        insert(
            &mut list,
            Conjunction {
                not_protocols: vec![Proto::Tcp, Proto::Udp],
                ..Default::default()
            },
        );
        insert(
            &mut list,
            Conjunction {
                protocol: Some(Proto::Tcp),
                ..Default::default()
            },
        );
        assert_eq!(
            list,
            vec![Conjunction {
                not_protocols: vec![Proto::Udp],
                ..Default::default()
            }]
        );
    }
}
