//! The nflog prefix of iptables-legacy `TRACE`: `TRACE: <table>:<chain>:<type>:<n> `.
//!
//! The kernel formats it in `ip_tables.c`/`ip6_tables.c` `trace_packet()` as
//! `"TRACE: %s:%s:%s:%u "` (note the trailing space). Table and chain names cannot contain
//! `:` (x_tables names are identifiers); the type is `rule`, `return` or `policy`; the number
//! is the 1-based position of the rule in its chain. Any other prefix is kept as text.

/// Which kind of step a `TRACE` record reports.
///
/// The kernel labels any unconditional standard-target entry `policy` (in a built-in chain)
/// or `return` (in a user chain), including an explicit `-j ACCEPT` or `-j RETURN` rule: the
/// number is right, the word may not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `rule`: a rule matched.
    Rule,
    /// `return`: the end of a user chain (or an unconditional rule there).
    Return,
    /// `policy`: a built-in chain's policy (or an unconditional rule there).
    Policy,
}

impl StepKind {
    /// The word the kernel writes.
    pub fn as_str(&self) -> &'static str {
        match self {
            StepKind::Rule => "rule",
            StepKind::Return => "return",
            StepKind::Policy => "policy",
        }
    }
}

/// One legacy `TRACE` step, parsed from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceStep<'a> {
    /// The table (`raw`, `filter`, ...).
    pub table: &'a str,
    /// The chain, built-in or user-defined.
    pub chain: &'a str,
    /// `rule`, `return` or `policy`.
    pub kind: StepKind,
    /// Position in the chain, from 1; for `return`/`policy` one past the last rule.
    pub number: u32,
}

/// What the kernel writes before the fields.
const TRACE_PREFIX: &[u8] = b"TRACE: ";

impl<'a> TraceStep<'a> {
    /// Parses a prefix (without the NUL terminator); `None` if it is not a well-formed
    /// `TRACE: table:chain:type:N ` prefix.
    pub fn parse(prefix: &'a [u8]) -> Option<Self> {
        let body = prefix.strip_prefix(TRACE_PREFIX)?.strip_suffix(b" ")?;
        let mut fields = body.splitn(4, |&b| b == b':');
        let table = name(fields.next()?)?;
        let chain = name(fields.next()?)?;
        let kind = match fields.next()? {
            b"rule" => StepKind::Rule,
            b"return" => StepKind::Return,
            b"policy" => StepKind::Policy,
            _ => return None,
        };
        let number = decimal_u32(fields.next()?)?;
        Some(TraceStep {
            table,
            chain,
            kind,
            number,
        })
    }
}

/// A non-empty table or chain name.
fn name(bytes: &[u8]) -> Option<&str> {
    if bytes.is_empty() || bytes.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    core::str::from_utf8(bytes).ok()
}

/// Plain decimal digits (no sign, no spaces) that fit a `u32`.
fn decimal_u32(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, &b| {
        let digit = u32::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        acc.checked_mul(10)?.checked_add(digit)
    })
}

/// An nflog prefix, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogPrefix<'a> {
    /// An iptables-legacy `TRACE` step.
    Trace(TraceStep<'a>),
    /// Any other prefix that is UTF-8 text.
    Other(&'a str),
    /// A prefix that is not UTF-8, as sent.
    Raw(&'a [u8]),
}

impl<'a> LogPrefix<'a> {
    /// Classifies a prefix (without the NUL terminator).
    pub fn parse(prefix: &'a [u8]) -> Self {
        if let Some(step) = TraceStep::parse(prefix) {
            return LogPrefix::Trace(step);
        }
        match core::str::from_utf8(prefix) {
            Ok(text) => LogPrefix::Other(text),
            Err(_) => LogPrefix::Raw(prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{fixtures, messages, NflogPacket};

    fn step(
        table: &'static str,
        chain: &'static str,
        kind: StepKind,
        number: u32,
    ) -> TraceStep<'static> {
        TraceStep {
            table,
            chain,
            kind,
            number,
        }
    }

    /// Every prefix of the legacy captures, in order.
    fn captured_prefixes(capture: &'static [u8]) -> Vec<&'static [u8]> {
        messages(capture)
            .map(|m| NflogPacket::parse(&m.unwrap()).unwrap().prefix.unwrap())
            .collect()
    }

    #[test]
    fn parses_the_prefixes_the_kernel_sent() {
        // One UDP datagram over lo with the rules of tests/fixtures/capture.sh: raw TRACE is
        // rule 1 of raw OUTPUT/PREROUTING; filter OUTPUT rule 1 jumps to MYCHAIN (MARK rule 1,
        // tcp RETURN rule 2, so its end is return:3); OUTPUT has 2 rules, INPUT 3.
        let got: Vec<_> = captured_prefixes(fixtures::NFLOG_TRACE_UDP4)
            .into_iter()
            .map(|p| TraceStep::parse(p).unwrap())
            .collect();
        assert_eq!(
            got,
            [
                step("raw", "OUTPUT", StepKind::Policy, 2),
                step("filter", "OUTPUT", StepKind::Rule, 1),
                step("filter", "MYCHAIN", StepKind::Rule, 1),
                step("filter", "MYCHAIN", StepKind::Return, 3),
                step("filter", "OUTPUT", StepKind::Policy, 3),
                step("raw", "PREROUTING", StepKind::Rule, 1),
                step("raw", "PREROUTING", StepKind::Policy, 2),
                step("filter", "INPUT", StepKind::Policy, 4),
            ]
        );
    }

    #[test]
    fn other_prefixes_are_kept_as_text() {
        for other in [
            &b"TRACE: raw:OUTPUT:policy:2"[..], // no trailing space
            b"TRACE: raw:OUTPUT:policy:2  ",
            b"TRACE: raw:OUTPUT:verdict:2 ",
            b"TRACE: raw:OUTPUT:rule:+2 ",
            b"TRACE: raw:OUTPUT:rule: ",
            b"TRACE: raw:OUTPUT:rule:4294967296 ",
            b"TRACE: :OUTPUT:rule:1 ",
            b"TRACE: raw::rule:1 ",
            b"TRACE: raw:OUT:PUT:rule:1 ",
            b"TRACE:raw:OUTPUT:rule:1 ",
            b"trace: raw:OUTPUT:rule:1 ",
            b"DROPPED IN: ",
            b"",
        ] {
            assert_eq!(
                TraceStep::parse(other),
                None,
                "{:?}",
                String::from_utf8_lossy(other)
            );
            assert_eq!(
                LogPrefix::parse(other),
                LogPrefix::Other(core::str::from_utf8(other).unwrap())
            );
        }
        assert_eq!(LogPrefix::parse(b"\xff\xfe"), LogPrefix::Raw(b"\xff\xfe"));
        assert_eq!(
            TraceStep::parse(b"TRACE: raw:OUTPUT:rule:4294967295 ").map(|s| s.number),
            Some(u32::MAX)
        );
    }

    #[test]
    fn a_trace_prefix_is_classified_as_trace() {
        let prefix = captured_prefixes(fixtures::NFLOG_TRACE_UDP6)[1];
        assert_eq!(prefix, b"TRACE: filter:OUTPUT:rule:1 ");
        assert_eq!(
            LogPrefix::parse(prefix),
            LogPrefix::Trace(step("filter", "OUTPUT", StepKind::Rule, 1))
        );
    }

    #[test]
    fn no_cut_of_a_real_prefix_panics_or_parses() {
        let prefix = captured_prefixes(fixtures::NFLOG_TRACE_UDP4)[3];
        for cut in 0..prefix.len() {
            assert_eq!(TraceStep::parse(&prefix[..cut]), None, "cut at {cut}");
        }
    }
}
