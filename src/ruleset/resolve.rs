//! Which rule a trace step names: an nf_tables trace event resolved against the nf_tables
//! snapshot (by family, table, chain and handle), with the kernel's handle-less events and
//! policy events said for what they are. A step the snapshot cannot place says so; it never
//! shows another rule.

use crate::ruleset::model::{NftRuleset, RuleText};
use crate::wire::{TraceEvent, TraceType};

/// What an nf_tables trace event's step was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NftStep<'a> {
    /// A rule of the snapshot. `deleted` is true when it has been deleted since (the event
    /// was sent before that; the number is the position it had then).
    Rule {
        number: u32,
        handle: u64,
        text: Option<&'a RuleText>,
        deleted: bool,
    },
    /// A rule handle the snapshot does not hold (added and deleted between two reads, or a
    /// table nftrace could not dump).
    UnknownRule { handle: u64 },
    /// The end of a chain with no verdict (kernels ≥ 6.7 send a handle-less rule event with
    /// verdict continue; older ones a RETURN event): back to the calling chain, or on to the
    /// base chain's policy.
    ChainEnd,
    /// The base chain's policy.
    Policy,
}

/// Resolves an nf_tables trace event against `ruleset`.
pub fn resolve_nft<'a>(ruleset: &'a NftRuleset, event: &TraceEvent<'_>) -> NftStep<'a> {
    match (event.trace_type, event.rule_handle) {
        (TraceType::Policy, _) => NftStep::Policy,
        (_, Some(handle)) => {
            match ruleset.find_rule(event.family, event.table, event.chain, handle) {
                Some(found) => NftStep::Rule {
                    number: found.number(),
                    handle,
                    text: found.rule.text.as_ref(),
                    deleted: found.is_retired(),
                },
                None => NftStep::UnknownRule { handle },
            }
        }
        (TraceType::Rule | TraceType::Return | TraceType::Other(_), None) => NftStep::ChainEnd,
    }
}
