//! Recursive-descent parser of the filter language.
//!
//! ```text
//! or    := and ( ("or" | "||") and )*
//! and   := unary ( ("and" | "&&") unary )*
//! unary := ("not" | "!") unary | "(" or ")" | primitive
//! primitive := "ip" | "ip6" | "tcp" | "udp" | "icmp" | "icmp6"
//!            | ["src" | "dst"] ("host" ADDR | "net" ADDR[/LEN] | "port" N | "portrange" LO-HI)
//!            | ("tcp" | "udp") [src|dst] (port | portrange) …   tcpdump's `tcp port 80`
//!            | ("ip" | "ip6") [src|dst] (host | net) …           tcpdump's `ip host 10.0.0.1`
//! ```
//!
//! Precedence is `not` over `and` over `or` (tcpdump gives `and` and `or` the same precedence,
//! left to right; the usual order is less surprising and the `--help` text says so). Nesting is
//! limited so that no input can exhaust the stack.

use super::ast::{Expr, Kind, Node, Primitive, Span};
use super::error::FilterError;
use super::lexer::{tokenize, Token, TokenKind};
use super::model::Dir;
use super::operand;

/// Deepest nesting of parentheses and `not`s accepted.
pub(crate) const MAX_DEPTH: usize = 64;

const PRIMITIVES: &str = "tcp, udp, icmp, icmp6, ip, ip6, [src|dst] host|net|port|portrange";

/// Every word of the language.
pub(crate) const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "udp",
    "tcp",
    "icmp",
    "icmp6",
    "ip",
    "ip6",
    "src",
    "dst",
    "host",
    "net",
    "port",
    "portrange",
];

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

/// Parses a filter expression.
pub(crate) fn parse(input: &str) -> Result<Expr, FilterError> {
    let mut parser = Parser {
        input,
        tokens: tokenize(input),
        pos: 0,
        depth: 0,
    };
    let root = parser.or(None)?;
    if let Some(token) = parser.peek() {
        return Err(parser.trailing(token, None));
    }
    Ok(Expr {
        root,
        source: input.to_string(),
    })
}

fn span(start: usize, end: usize) -> Span {
    Span { start, end }
}

fn token_span(token: &Token<'_>) -> Span {
    span(token.offset, token.offset + token.text.len())
}

/// Joins operands (a parenthesised `and` inside an `and` stays a node of its own, so that
/// error pointers never cut through parentheses).
fn join(mut nodes: Vec<Node>, and: bool) -> Node {
    if nodes.len() == 1 {
        if let Some(node) = nodes.pop() {
            return node;
        }
    }
    let start = nodes.first().map_or(0, |n| n.span.start);
    let end = nodes.last().map_or(0, |n| n.span.end);
    Node {
        kind: if and {
            Kind::And(nodes)
        } else {
            Kind::Or(nodes)
        },
        span: span(start, end),
    }
}

/// The error for `&` or `|` alone.
fn lone_operator(text: &str) -> Option<String> {
    let word = match text {
        "&" => "and",
        "|" => "or",
        _ => return None,
    };
    Some(format!("not an operator: write `{text}{text}` or `{word}`"))
}

fn is_number_like(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit()) && !text.contains(['.', ':'])
}

fn is_address_like(text: &str) -> bool {
    operand::address(text).is_ok() || operand::prefix(text).is_ok()
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let token = self.peek();
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    fn enter(&mut self, token: &Token<'_>) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(
                token.offset,
                token.text,
                format!(
                    "nested too deeply (more than {MAX_DEPTH} levels of parentheses and `not`)"
                ),
            ));
        }
        Ok(())
    }

    /// `or := and (or and)*`; `after` is the token before it (`(`, `not`, an operator).
    fn or(&mut self, after: Option<Token<'a>>) -> Result<Node, FilterError> {
        let mut nodes = vec![self.and(after)?];
        while let Some(op) = self.peek().filter(Token::is_or) {
            self.pos += 1;
            nodes.push(self.and(Some(op))?);
        }
        Ok(join(nodes, false))
    }

    fn and(&mut self, after: Option<Token<'a>>) -> Result<Node, FilterError> {
        let mut nodes = vec![self.unary(after)?];
        while let Some(op) = self.peek().filter(Token::is_and) {
            self.pos += 1;
            nodes.push(self.unary(Some(op))?);
        }
        Ok(join(nodes, true))
    }

    fn unary(&mut self, after: Option<Token<'a>>) -> Result<Node, FilterError> {
        let Some(token) = self.peek() else {
            if let Some(open) = after.filter(|t| t.kind == TokenKind::LParen) {
                return Err(FilterError::new(
                    open.offset,
                    open.text,
                    "this `(` is never closed",
                ));
            }
            return Err(FilterError::at_end(
                self.input,
                match after {
                    None => "the filter is empty".to_string(),
                    Some(t) => format!("expected a primitive or `(` after `{}`", t.text),
                },
            ));
        };
        if token.is_not() {
            self.pos += 1;
            self.enter(&token)?;
            let inner = self.unary(Some(token))?;
            self.depth -= 1;
            let end = inner.span.end;
            return Ok(Node {
                kind: Kind::Not(Box::new(inner)),
                span: span(token.offset, end),
            });
        }
        match token.kind {
            TokenKind::LParen => {
                self.pos += 1;
                self.enter(&token)?;
                let mut inner = self.or(Some(token))?;
                self.depth -= 1;
                match self.next() {
                    Some(close) if close.kind == TokenKind::RParen => {
                        inner.span = span(token.offset, close.offset + close.text.len());
                        Ok(inner)
                    }
                    Some(other) => Err(self.trailing(other, Some(token))),
                    None => Err(FilterError::new(
                        token.offset,
                        token.text,
                        "this `(` is never closed",
                    )),
                }
            }
            TokenKind::RParen => Err(FilterError::new(
                token.offset,
                token.text,
                match after {
                    Some(t) if t.kind == TokenKind::LParen => "empty parentheses".to_string(),
                    Some(t) => format!("expected a primitive or `(` after `{}`", t.text),
                    None => "there is no `(` for this `)`".to_string(),
                },
            )),
            _ if token.is_and() || token.is_or() => Err(FilterError::new(
                token.offset,
                token.text,
                match after {
                    Some(t) if !matches!(t.kind, TokenKind::LParen) => format!(
                        "expected a primitive or `(` after `{}`, not an operator",
                        t.text
                    ),
                    _ => format!("`{}` needs a primitive on each side", token.text),
                },
            )),
            _ => {
                self.pos += 1;
                self.primitive(token, after)
            }
        }
    }

    /// A primitive starting with the word `first`.
    fn primitive(
        &mut self,
        first: Token<'a>,
        after: Option<Token<'a>>,
    ) -> Result<Node, FilterError> {
        let simple = match first.text {
            "ip" => Some(Primitive::Ip),
            "ip6" => Some(Primitive::Ip6),
            "tcp" => Some(Primitive::Tcp),
            "udp" => Some(Primitive::Udp),
            "icmp" => Some(Primitive::Icmp),
            "icmp6" => Some(Primitive::Icmp6),
            _ => None,
        };
        if let Some(primitive) = simple {
            let node = Node {
                kind: Kind::Primitive(primitive),
                span: token_span(&first),
            };
            // tcpdump's protocol qualifiers: `tcp port 80` = `tcp and port 80`.
            let qualifies: &[&str] = match primitive {
                Primitive::Tcp | Primitive::Udp => &["port", "portrange"],
                Primitive::Ip | Primitive::Ip6 => &["host", "net"],
                _ => &[],
            };
            let Some(next) = self.peek().filter(|t| {
                t.kind == TokenKind::Word
                    && matches!(
                        t.text,
                        "src" | "dst" | "host" | "net" | "port" | "portrange"
                    )
            }) else {
                return Ok(node);
            };
            let keyword = if matches!(next.text, "src" | "dst") {
                self.tokens.get(self.pos + 1).map_or("", |t| t.text)
            } else {
                next.text
            };
            let directed = matches!(keyword, "host" | "net" | "port" | "portrange");
            if directed && !qualifies.contains(&keyword) {
                let allowed = if qualifies.is_empty() {
                    format!("`{}` qualifies nothing", first.text)
                } else {
                    format!(
                        "`{}` qualifies only {}",
                        first.text,
                        qualifies.join(" and ")
                    )
                };
                return Err(FilterError::new(
                    next.offset,
                    next.text,
                    format!("{allowed}: write `{} and {} …`", first.text, next.text),
                ));
            }
            // `tcp src` without host, net, port or portrange: `directed` says what is missing.
            self.pos += 1;
            let qualified = self.directed(next)?;
            return Ok(join(vec![node, qualified], true));
        }
        match first.text {
            "src" | "dst" | "host" | "net" | "port" | "portrange" => self.directed(first),
            _ => Err(self.unknown(first, after)),
        }
    }

    /// `[src|dst] host|net|port|portrange VALUE`, `first` being the first word (consumed).
    fn directed(&mut self, first: Token<'a>) -> Result<Node, FilterError> {
        let (dir, keyword) = match first.text {
            "src" | "dst" => {
                let dir = if first.text == "src" {
                    Dir::Src
                } else {
                    Dir::Dst
                };
                match self.peek() {
                    Some(t) if matches!(t.text, "host" | "net" | "port" | "portrange") => {
                        self.pos += 1;
                        (Some(dir), t)
                    }
                    Some(t) => {
                        let hint = if t.is_and() || t.is_or() {
                            format!(
                                "; tcpdump's `{} {} …` is not supported: host, net and port \
                                 without src or dst already mean either",
                                first.text, t.text
                            )
                        } else if is_address_like(t.text) {
                            format!(
                                "; write `{} host {}` or `{} net {}`",
                                first.text, t.text, first.text, t.text
                            )
                        } else if is_number_like(t.text) {
                            format!("; write `{} port {}`", first.text, t.text)
                        } else {
                            String::new()
                        };
                        return Err(FilterError::new(
                            t.offset,
                            t.text,
                            format!(
                                "`{}` must be followed by host, net, port or portrange{hint}",
                                first.text
                            ),
                        ));
                    }
                    None => {
                        return Err(FilterError::at_end(
                            self.input,
                            format!(
                                "`{}` must be followed by host, net, port or portrange",
                                first.text
                            ),
                        ))
                    }
                }
            }
            _ => (None, first),
        };
        let what = match keyword.text {
            "host" => "an IPv4 or IPv6 address",
            "net" => "a prefix such as 10.0.0.0/8 or fd00::/64",
            "port" => "a port number",
            _ => "a port range such as 1024-65535",
        };
        let value = match self.peek() {
            Some(t) if t.kind == TokenKind::Word && !KEYWORDS.contains(&t.text) => t,
            Some(t) => {
                return Err(FilterError::new(
                    t.offset,
                    t.text,
                    format!("`{}` needs {what}", keyword.text),
                ))
            }
            None => {
                return Err(FilterError::at_end(
                    self.input,
                    format!("`{}` needs {what}", keyword.text),
                ))
            }
        };
        self.pos += 1;
        let bad = |message: String| FilterError::new(value.offset, value.text, message);
        let primitive = match keyword.text {
            "host" => Primitive::Host {
                dir,
                addr: operand::address(value.text).map_err(bad)?,
            },
            "net" => Primitive::Net {
                dir,
                net: operand::prefix(value.text).map_err(bad)?,
            },
            "port" => Primitive::Port {
                dir,
                port: operand::port(value.text).map_err(|e| {
                    if value.text.contains('-') && operand::port_range(value.text).is_ok() {
                        bad(format!("{e}; for a range write `portrange {}`", value.text))
                    } else {
                        bad(e)
                    }
                })?,
            },
            _ => {
                let (lo, hi) = operand::port_range(value.text).map_err(bad)?;
                Primitive::PortRange { dir, lo, hi }
            }
        };
        Ok(Node {
            kind: Kind::Primitive(primitive),
            span: span(first.offset, value.offset + value.text.len()),
        })
    }

    /// The error for a word that starts no primitive.
    fn unknown(&self, word: Token<'a>, after: Option<Token<'a>>) -> FilterError {
        let text = word.text;
        let lower = text.to_lowercase();
        let message = if let Some(message) = lone_operator(text) {
            message
        } else if lower != text && KEYWORDS.contains(&lower.as_str()) {
            format!("keywords are lowercase: write `{lower}`")
        } else if matches!(lower.as_str(), "icmpv6" | "ipv6-icmp") {
            "unknown word; ICMPv6 is `icmp6`".to_string()
        } else if matches!(lower.as_str(), "ipv4" | "ip4" | "inet") {
            "unknown word; IPv4 is `ip`".to_string()
        } else if matches!(lower.as_str(), "ipv6" | "inet6") {
            "unknown word; IPv6 is `ip6`".to_string()
        } else if lower == "mask" {
            "`net … mask …` is not supported: write the prefix length (10.0.0.0/8)".to_string()
        } else if matches!(
            lower.as_str(),
            "sctp"
                | "arp"
                | "rarp"
                | "vlan"
                | "ether"
                | "proto"
                | "gateway"
                | "broadcast"
                | "multicast"
                | "less"
                | "greater"
                | "len"
        ) {
            format!(
                "`{text}` is tcpdump syntax this filter does not support; it knows {PRIMITIVES}"
            )
        } else if is_number_like(text) {
            let repeat = after
                .filter(|t| t.is_and() || t.is_or())
                .map(|t| format!("; tcpdump's `port 53 {} 80` shorthand is not supported: repeat the keyword", t.text))
                .unwrap_or_default();
            format!("a number needs a keyword before it: `port {text}`{repeat}")
        } else if is_address_like(text) {
            format!("an address needs a keyword before it: `host {text}` or `net {text}`")
        } else {
            format!("unknown word; expected {PRIMITIVES}, `not` or `(`")
        };
        FilterError::new(word.offset, text, message)
    }

    /// The error for a token after a complete operand that is not an operator.
    fn trailing(&self, token: Token<'a>, open: Option<Token<'a>>) -> FilterError {
        if token.kind == TokenKind::RParen && open.is_none() {
            return FilterError::new(token.offset, token.text, "there is no `(` for this `)`");
        }
        let expected = if open.is_some() {
            "expected `and`, `or` or `)`"
        } else {
            "expected `and`, `or` or the end of the filter"
        };
        if let Some(message) = lone_operator(token.text).filter(|_| token.kind == TokenKind::Word) {
            return FilterError::new(token.offset, token.text, message);
        }
        let hint = if token.is_word("mask") {
            "; `net … mask …` is not supported: write the prefix length (10.0.0.0/8)".to_string()
        } else if token.kind == TokenKind::Word && is_number_like(token.text) {
            format!(
                "; one value per primitive: `port 53 or port {}`",
                token.text
            )
        } else if token.kind == TokenKind::Word && is_address_like(token.text) {
            format!("; one value per primitive: `… or host {}`", token.text)
        } else if token.kind == TokenKind::Word || token.is_not() || token.kind == TokenKind::LParen
        {
            "; primitives are joined with `and` or `or`".to_string()
        } else {
            String::new()
        };
        FilterError::new(token.offset, token.text, format!("{expected}{hint}"))
    }
}
