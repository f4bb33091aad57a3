//! The parsed filter expression, as written (before normalisation), with the place of every
//! part in the input so that later errors ("matches no packet") can point at it. `Display`
//! prints it back in a normalised spelling: keywords instead of `&&`/`||`/`!`, only the
//! parentheses precedence needs, `and`/`or` chains flattened.

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
    Host { dir: Option<Dir>, addr: IpAddr },
    /// `[src|dst] net ADDR/LEN`.
    Net { dir: Option<Dir>, net: IpNet },
    /// `[src|dst] port N`: TCP or UDP.
    Port { dir: Option<Dir>, port: u16 },
    /// `[src|dst] portrange LO-HI`: TCP or UDP.
    PortRange { dir: Option<Dir>, lo: u16, hi: u16 },
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Primitive(Primitive),
    Not(Box<Node>),
    /// Two or more operands, none of them an `And`.
    And(Vec<Node>),
    /// Two or more operands, none of them an `Or`.
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

impl Node {
    /// True when the two trees are the same ignoring where their parts were written.
    pub fn same_tree(&self, other: &Node) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Primitive(a), Kind::Primitive(b)) => a == b,
            (Kind::Not(a), Kind::Not(b)) => a.same_tree(b),
            (Kind::And(a), Kind::And(b)) | (Kind::Or(a), Kind::Or(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_tree(y))
            }
            _ => false,
        }
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
    /// Writes the node, in parentheses when it binds looser than its context needs.
    fn fmt_operand(&self, f: &mut fmt::Formatter<'_>, parenthesise_and: bool) -> fmt::Result {
        let needs = match self.kind {
            Kind::Primitive(_) | Kind::Not(_) => false,
            Kind::And(_) => parenthesise_and,
            Kind::Or(_) => true,
        };
        if needs {
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
            Kind::Not(inner) => {
                f.write_str("not ")?;
                inner.fmt_operand(f, true)
            }
            Kind::And(nodes) | Kind::Or(nodes) => {
                let (joiner, parenthesise_and) = match self.kind {
                    Kind::And(_) => (" and ", true),
                    _ => (" or ", false),
                };
                for (i, node) in nodes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(joiner)?;
                    }
                    node.fmt_operand(f, parenthesise_and)?;
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
