//! Turns a parsed expression into alternatives of conjunctions (disjunctive normal form), the
//! shape triggers install: negation is pushed down to the primitives (De Morgan), each
//! primitive becomes the alternatives that express it, `and` multiplies out, `or` collects.
//!
//! Primitives mean what they mean in tcpdump, negated too: `host A` is `src host A or dst host
//! A` and only matches packets of A's family, so `not host 10.0.0.1` matches every IPv6 packet;
//! `port N` is `(tcp or udp) and (src port N or dst port N)`, so `not port 53` matches ICMP;
//! `icmp` is ICMP over IPv4 and `icmp6` ICMPv6 over IPv6.

use super::ast::{Expr, Kind, Node, Primitive, Span};
use super::error::FilterError;
use super::model::{AddrTest, Conjunction, Dir, Filter, IpFamily, IpNet, PortTest, Proto};
use super::normal;

/// The most alternatives (rules) a compiled filter may have.
pub const MAX_ALTERNATIVES: usize = 32;
/// The most alternatives any part of the expression may have on the way; more than the final
/// limit because later parts can remove some (`(…) and ip6`).
const MAX_WORKING: usize = 64;
/// The most tests one alternative (one rule) may have: the kernel refuses an nf_tables rule of
/// about 30 negated IPv6 prefix tests (EFBIG) or 128 expressions, so stay well below.
pub const MAX_TESTS: usize = 24;

/// The filter an expression describes.
pub(crate) fn compile(expr: &Expr) -> Result<Filter, FilterError> {
    let alternatives = dnf(expr, &expr.root, false)?;
    if alternatives.is_empty() {
        let (span, negated) = culprit(expr, &expr.root, false);
        let message = if negated {
            "this matches every packet, so its negation matches none"
        } else if span == expr.root.span {
            "the filter matches no packet"
        } else {
            "this matches no packet, and so the filter matches none"
        };
        let text = expr.text(span);
        let hint = if text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "icmp")
            && text.contains("ip6")
        {
            " (`icmp` is ICMP over IPv4; ICMPv6 is `icmp6`)"
        } else {
            ""
        };
        return Err(error(expr, span, format!("{message}{hint}")));
    }
    if alternatives.len() > MAX_ALTERNATIVES {
        return Err(error(
            expr,
            expr.root.span,
            format!(
                "too complex: the filter needs {} rules, at most {MAX_ALTERNATIVES} are allowed",
                alternatives.len()
            ),
        ));
    }
    Ok(Filter { alternatives })
}

fn error(expr: &Expr, span: Span, message: impl Into<String>) -> FilterError {
    FilterError::new(span.start, expr.text(span), message)
}

/// True when the node's operands are joined with "and" once the negation is pushed into them.
fn is_conjunctive(node: &Node, negated: bool) -> bool {
    match node.kind {
        Kind::And(_) => !negated,
        Kind::Or(_) => negated,
        _ => false,
    }
}

/// The alternatives of `node`, or of `not node` when `negated`.
fn dnf(expr: &Expr, node: &Node, negated: bool) -> Result<Vec<Conjunction>, FilterError> {
    match &node.kind {
        Kind::Primitive(p) => {
            let mut list = Vec::new();
            for c in primitive(*p, negated)
                .into_iter()
                .filter_map(normal::normalise)
            {
                normal::insert(&mut list, c);
            }
            Ok(list)
        }
        Kind::Not(inner) => dnf(expr, inner, !negated),
        Kind::And(nodes) | Kind::Or(nodes) => {
            let conjunctive = is_conjunctive(node, negated);
            let mut list = if conjunctive {
                vec![Conjunction::default()]
            } else {
                vec![]
            };
            for child in nodes {
                let alternatives = dnf(expr, child, negated)?;
                if conjunctive {
                    list = product(expr, node, &list, &alternatives)?;
                } else {
                    for c in alternatives {
                        normal::insert(&mut list, c);
                        check_size(expr, node, &list)?;
                    }
                }
            }
            Ok(list)
        }
    }
}

/// `a and b`, multiplied out.
fn product(
    expr: &Expr,
    node: &Node,
    a: &[Conjunction],
    b: &[Conjunction],
) -> Result<Vec<Conjunction>, FilterError> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let Some(c) = normal::and(x, y) else {
                continue;
            };
            if normal::test_count(&c) > MAX_TESTS {
                return Err(error(
                    expr,
                    node.span,
                    format!("too complex: more than {MAX_TESTS} tests in one rule"),
                ));
            }
            normal::insert(&mut out, c);
            check_size(expr, node, &out)?;
        }
    }
    Ok(out)
}

fn check_size(expr: &Expr, node: &Node, list: &[Conjunction]) -> Result<(), FilterError> {
    if list.len() > MAX_WORKING {
        return Err(error(
            expr,
            node.span,
            format!(
                "too complex: this needs more than {MAX_WORKING} rules, at most \
                 {MAX_ALTERNATIVES} are allowed"
            ),
        ));
    }
    Ok(())
}

/// The smallest part of an expression that matches nothing and explains why `node` (which
/// matches nothing) does (`udp and (ip and ip6)` → `ip and ip6`); true when it is the negation
/// of that part that matches nothing.
fn culprit(expr: &Expr, node: &Node, negated: bool) -> (Span, bool) {
    match &node.kind {
        Kind::Not(inner) => {
            let (span, n) = culprit(expr, inner, !negated);
            if span == inner.span {
                (node.span, negated)
            } else {
                (span, n)
            }
        }
        Kind::And(nodes) | Kind::Or(nodes) if is_conjunctive(node, negated) => {
            let range = empty_range(expr, node, nodes, negated).unwrap_or((0, nodes.len()));
            match range {
                (start, end) if end == start + 1 => culprit(expr, &nodes[start], negated),
                (0, end) if end == nodes.len() => (node.span, negated),
                (start, end) => (
                    Span {
                        start: nodes[start].span.start,
                        end: nodes[end - 1].span.end,
                    },
                    negated,
                ),
            }
        }
        _ => (node.span, negated),
    }
}

/// The shortest run of operands at the start whose conjunction is empty, shortened from the
/// left as far as it stays empty.
fn empty_range(
    expr: &Expr,
    node: &Node,
    nodes: &[Node],
    negated: bool,
) -> Result<(usize, usize), FilterError> {
    let lists = nodes
        .iter()
        .map(|n| dnf(expr, n, negated))
        .collect::<Result<Vec<_>, _>>()?;
    let mut all = vec![Conjunction::default()];
    let mut end = lists.len();
    for (i, list) in lists.iter().enumerate() {
        all = product(expr, node, &all, list)?;
        if all.is_empty() {
            end = i + 1;
            break;
        }
    }
    let mut suffix = vec![Conjunction::default()];
    for start in (0..end).rev() {
        suffix = product(expr, node, &suffix, &lists[start])?;
        if suffix.is_empty() {
            return Ok((start, end));
        }
    }
    Ok((0, end))
}

fn other(family: IpFamily) -> IpFamily {
    match family {
        IpFamily::V4 => IpFamily::V6,
        IpFamily::V6 => IpFamily::V4,
    }
}

fn dirs(dir: Option<Dir>) -> Vec<Dir> {
    dir.map_or(vec![Dir::Src, Dir::Dst], |d| vec![d])
}

fn family(f: IpFamily) -> Conjunction {
    Conjunction {
        family: Some(f),
        ..Default::default()
    }
}

/// The alternatives of one primitive, or of its negation.
fn primitive(p: Primitive, negated: bool) -> Vec<Conjunction> {
    let protocol = |family: Option<IpFamily>, proto| Conjunction {
        family,
        protocol: Some(proto),
        ..Default::default()
    };
    let not_protocol = |family: Option<IpFamily>, protos: &[Proto]| Conjunction {
        family,
        not_protocols: protos.to_vec(),
        ..Default::default()
    };
    // A protocol that only exists in one family (`icmp` = `ip and proto 1`).
    let family_protocol = |f, proto| {
        if negated {
            vec![family(other(f)), not_protocol(Some(f), &[proto])]
        } else {
            vec![protocol(Some(f), proto)]
        }
    };
    match p {
        Primitive::Ip | Primitive::Ip6 => {
            let f = if p == Primitive::Ip {
                IpFamily::V4
            } else {
                IpFamily::V6
            };
            vec![family(if negated { other(f) } else { f })]
        }
        Primitive::Tcp | Primitive::Udp => {
            let proto = if p == Primitive::Tcp {
                Proto::Tcp
            } else {
                Proto::Udp
            };
            if negated {
                vec![not_protocol(None, &[proto])]
            } else {
                vec![protocol(None, proto)]
            }
        }
        Primitive::Icmp => family_protocol(IpFamily::V4, Proto::Icmp),
        Primitive::Icmp6 => family_protocol(IpFamily::V6, Proto::Icmpv6),
        Primitive::Host { dir, addr } => prefix(dir, IpNet::host(addr), negated),
        Primitive::Net { dir, net } => prefix(dir, net, negated),
        Primitive::Port { dir, port } => ports(dir, port, port, negated),
        Primitive::PortRange { dir, lo, hi } => ports(dir, lo, hi, negated),
    }
}

fn prefix(dir: Option<Dir>, net: IpNet, negated: bool) -> Vec<Conjunction> {
    let f = net.family();
    let test = |dir| AddrTest::new(dir, net, negated);
    if negated {
        // Packets of the other family have no address of this one: they match.
        vec![
            family(other(f)),
            Conjunction {
                family: Some(f),
                addresses: dirs(dir).into_iter().map(test).collect(),
                ..Default::default()
            },
        ]
    } else {
        dirs(dir)
            .into_iter()
            .map(|d| Conjunction {
                family: Some(f),
                addresses: vec![test(d)],
                ..Default::default()
            })
            .collect()
    }
}

fn ports(dir: Option<Dir>, lo: u16, hi: u16, negated: bool) -> Vec<Conjunction> {
    let test = |dir| PortTest::new(dir, lo, hi, negated);
    let with = |proto, ports| Conjunction {
        protocol: Some(proto),
        ports,
        ..Default::default()
    };
    if negated {
        // Packets without ports match `not port N`.
        let mut out = vec![Conjunction {
            not_protocols: vec![Proto::Tcp, Proto::Udp],
            ..Default::default()
        }];
        for proto in [Proto::Tcp, Proto::Udp] {
            out.push(with(proto, dirs(dir).into_iter().map(test).collect()));
        }
        out
    } else {
        let mut out = Vec::new();
        for proto in [Proto::Tcp, Proto::Udp] {
            for d in dirs(dir) {
                out.push(with(proto, vec![test(d)]));
            }
        }
        out
    }
}
