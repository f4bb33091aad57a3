//! The parsed filter expression, as written (before normalisation), with the place of every
//! part in the input so that later errors ("matches no packet") can point at it. `Display`
//! prints it back in a normalised spelling: keywords instead of `&&`/`||`/`!`, only the
//! parentheses precedence needs (`a and (b and c)` prints as `a and b and c`).

use std::fmt;
use std::net::IpAddr;

use super::model::{Dir, IpNet};

/// A byte range of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A filter primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// `ip`: IPv4.
    Ip,
    /// `ip6`: IPv6.
    Ip6,
    Tcp,
    Udp,
    /// `icmp`: ICMP over IPv4 (as in tcpdump).
    Icmp,
    /// `icmp6`: ICMPv6 over IPv6.
    Icmp6,
    /// `[src|dst] host ADDR`; no direction: either.
    Host {
        dir: Option<Dir>,
        addr: IpAddr,
    },
    /// `[src|dst] net ADDR/LEN`.
    Net {
        dir: Option<Dir>,
        net: IpNet,
    },
    /// `[src|dst] port N`: TCP or UDP.
    Port {
        dir: Option<Dir>,
        port: u16,
    },
    /// `[src|dst] portrange LO-HI`: TCP or UDP.
    PortRange {
        dir: Option<Dir>,
        lo: u16,
        hi: u16,
    },
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Primitive(Primitive),
    Not(Box<Node>),
    /// Two or more operands (an `And` operand was written in parentheses).
    And(Vec<Node>),
    /// Two or more operands (an `Or` operand was written in parentheses).
    Or(Vec<Node>),
}

/// A node of the expression and where it was written (with its parentheses, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
}

/// A parsed filter: the expression tree and the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub(crate) root: Node,
    pub(crate) source: String,
}

impl Expr {
    /// The root of the expression tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The text the expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The text of a node as the user wrote it.
    pub(crate) fn text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("")
    }
}

fn dir_prefix(dir: Option<Dir>) -> &'static str {
    match dir {
        None => "",
        Some(Dir::Src) => "src ",
        Some(Dir::Dst) => "dst ",
    }
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Primitive::Ip => f.write_str("ip"),
            Primitive::Ip6 => f.write_str("ip6"),
            Primitive::Tcp => f.write_str("tcp"),
            Primitive::Udp => f.write_str("udp"),
            Primitive::Icmp => f.write_str("icmp"),
            Primitive::Icmp6 => f.write_str("icmp6"),
            Primitive::Host { dir, addr } => write!(f, "{}host {addr}", dir_prefix(dir)),
            Primitive::Net { dir, net } => write!(f, "{}net {net}", dir_prefix(dir)),
            Primitive::Port { dir, port } => write!(f, "{}port {port}", dir_prefix(dir)),
            Primitive::PortRange { dir, lo, hi } => {
                write!(f, "{}portrange {lo}-{hi}", dir_prefix(dir))
            }
        }
    }
}

impl Node {
    /// Writes the node, in parentheses when it binds looser than its context needs
    /// (`and` chains and `or` chains print flat).
    fn fmt_operand(&self, f: &mut fmt::Formatter<'_>, in_and: bool) -> fmt::Result {
        if matches!(self.kind, Kind::Or(_)) && in_and {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Primitive(p) => write!(f, "{p}"),
            Kind::Not(inner) => match inner.kind {
                Kind::And(_) | Kind::Or(_) => write!(f, "not ({inner})"),
                _ => write!(f, "not {inner}"),
            },
            Kind::And(nodes) | Kind::Or(nodes) => {
                let in_and = matches!(self.kind, Kind::And(_));
                for (i, node) in nodes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if in_and { " and " } else { " or " })?;
                    }
                    node.fmt_operand(f, in_and)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}
