//! The packet filter of a trace session: a tcpdump-style expression (`udp and dst port 53`,
//! `host 10.0.0.1 or net fd00::/64`, `not icmp`) parsed, checked and normalised into
//! alternatives of conjunctions that trace triggers install as nf_tables or iptables rules.
//!
//! - `lexer`: words with their byte offsets;
//! - `parser`: the grammar (precedence `not` > `and` > `or`), producing an [`Expr`];
//! - `compile`: the expression as a [`Filter`] with tcpdump's meaning, negations included;
//! - `normal`: the algebra of conjunctions that keeps the result small;
//! - `mark`: the `--mark` option's value ([`mark_arg`]).
//!
//! Nothing here does I/O: addresses and ports are literals (no DNS, no /etc/services).

mod ast;
mod compile;
mod error;
mod lexer;
mod mark;
mod model;
mod normal;
mod operand;
mod parser;

#[cfg(test)]
mod tests;

pub use ast::{Expr, Kind, Node, Primitive, Span};
pub use compile::{MAX_ALTERNATIVES, MAX_TESTS};
pub use error::{FilterError, END_OF_FILTER};
pub use mark::mark_arg;
pub use model::{AddrTest, Conjunction, Dir, Filter, IpFamily, IpNet, PortTest, Proto};

/// Parses a filter expression. An empty expression is an error here; see [`parse_filter`].
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    parser::parse(input)
}

/// The alternatives a parsed expression stands for. Fails when it matches no packet or needs
/// more than [`MAX_ALTERNATIVES`] rules.
pub fn compile(expr: &Expr) -> Result<Filter, FilterError> {
    compile::compile(expr)
}

/// The filter of the command line's trailing words, joined with spaces (error offsets refer
/// to [`filter_text`] of the same words); no words: every packet.
pub fn parse_filter(words: &[String]) -> Result<Filter, FilterError> {
    let text = filter_text(words);
    if text.trim().is_empty() {
        return Ok(Filter::everything());
    }
    compile(&parse(&text)?)
}

/// The words as one expression, the text [`FilterError::pointer`] needs.
pub fn filter_text(words: &[String]) -> String {
    words.join(" ")
}
