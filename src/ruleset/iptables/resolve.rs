//! From a legacy `TRACE` step (`table:chain:kind:N`) to what the packet met: a rule, a
//! built-in chain's policy or a user chain's implicit return.
//!
//! The kernel counts entries from the start of the chain, so `rule:N` is rule N, and
//! `policy:N` / `return:N` one past the last rule is the policy / the implicit return. But
//! the kernel also labels an *explicit* unconditional rule with a standard verdict
//! (`-A OUTPUT -j ACCEPT`, `-A X -j RETURN`) `policy` or `return`: such a step with N within
//! the rules is that rule, and is reported as the rule it was.
//!
//! A step that does not fit the snapshot — unknown table or chain, N past the end, or a word
//! that contradicts the entry (`rule:N` on an unconditional verdict rule, `policy:N` on a
//! conditional rule, `policy` in a user chain) — is [`Unresolved`]: the snapshot is not the
//! table the packet went through, and nothing is better than the wrong rule.

use std::fmt;

use serde::Serialize;

use crate::ruleset::model::{LegacyChain, LegacyEntryKind, LegacyRule, LegacyTable, RuleText};
use crate::wire::{StepKind, TraceStep};

/// Why a step has no entry in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unresolved {
    /// The family is neither IPv4 nor IPv6.
    Family,
    /// The snapshot has no such table.
    NoTable,
    /// The table has no such chain.
    NoChain,
    /// The number is past the chain's end (or 0).
    NoEntry {
        /// How many rules the chain has in the snapshot.
        rules: u32,
    },
    /// The step's word contradicts the entry at that number.
    Contradiction,
    /// The table changed since the snapshot and could not be read again yet.
    Stale,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::Family => f.write_str("not in ruleset: not an IPv4 or IPv6 step"),
            Unresolved::NoTable => f.write_str("not in ruleset: no such table"),
            Unresolved::NoChain => f.write_str("not in ruleset: no such chain"),
            Unresolved::NoEntry { rules } => {
                write!(f, "not in ruleset: the chain has {rules} rules")
            }
            Unresolved::Contradiction => {
                f.write_str("not in ruleset: the table changed (the step does not fit it)")
            }
            Unresolved::Stale => f.write_str("not in ruleset: the table changed since it was read"),
        }
    }
}

/// What a legacy `TRACE` step was, in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyResolution<'a> {
    /// A rule the user wrote.
    Rule {
        table: &'a LegacyTable,
        chain: &'a LegacyChain,
        rule: &'a LegacyRule,
        /// The kernel said `policy` or `return`: the rule is an explicit unconditional
        /// verdict.
        relabelled: bool,
    },
    /// A built-in chain's policy, with its verdict (`NF_ACCEPT` = 1, `NF_DROP` = 0).
    Policy {
        table: &'a LegacyTable,
        chain: &'a LegacyChain,
        verdict: u32,
    },
    /// A user chain's implicit return (the packet goes back to the calling chain).
    Return {
        table: &'a LegacyTable,
        chain: &'a LegacyChain,
    },
    /// Not in the snapshot.
    Unresolved(Unresolved),
}

impl<'a> LegacyResolution<'a> {
    /// What the entry really is; `None` when unresolved.
    pub fn kind(&self) -> Option<LegacyEntryKind> {
        match self {
            LegacyResolution::Rule { .. } => Some(LegacyEntryKind::Rule),
            LegacyResolution::Policy { .. } => Some(LegacyEntryKind::Policy),
            LegacyResolution::Return { .. } => Some(LegacyEntryKind::Return),
            LegacyResolution::Unresolved(_) => None,
        }
    }

    /// The rule, when the step is one.
    pub fn rule(&self) -> Option<&'a LegacyRule> {
        match self {
            LegacyResolution::Rule { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// The rule's text, when the step is a rule that has one.
    pub fn text(&self) -> Option<&'a RuleText> {
        self.rule().and_then(|rule| rule.text.as_ref())
    }

    /// The chain the step is in, when resolved.
    pub fn chain(&self) -> Option<&'a LegacyChain> {
        match self {
            LegacyResolution::Rule { chain, .. }
            | LegacyResolution::Policy { chain, .. }
            | LegacyResolution::Return { chain, .. } => Some(chain),
            LegacyResolution::Unresolved(_) => None,
        }
    }

    /// Why it is not resolved, if it is not.
    pub fn unresolved(&self) -> Option<Unresolved> {
        match self {
            LegacyResolution::Unresolved(why) => Some(*why),
            _ => None,
        }
    }

    /// True unless unresolved.
    pub fn is_resolved(&self) -> bool {
        !matches!(self, LegacyResolution::Unresolved(_))
    }
}

/// Resolves `step`, logged for `family` (`NFPROTO_IPV4` / `NFPROTO_IPV6`, the nflog
/// record's family), against `tables`.
pub fn resolve_legacy<'a>(
    tables: &'a [LegacyTable],
    family: u8,
    step: &TraceStep<'_>,
) -> LegacyResolution<'a> {
    use LegacyResolution::Unresolved as Not;
    if super::XtFamily::from_nfproto(family).is_none() {
        return Not(Unresolved::Family);
    }
    let Some(table) = tables
        .iter()
        .find(|t| t.family == family && t.name == step.table)
    else {
        return Not(Unresolved::NoTable);
    };
    let Some(chain) = table.chains.iter().find(|c| c.name == step.chain) else {
        return Not(Unresolved::NoChain);
    };
    let rules = u32::try_from(chain.rules.len()).unwrap_or(u32::MAX);
    let n = step.number;
    let builtin = chain.hook.is_some();
    let nth = |n: u32| {
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        chain.rules.get(index)
    };
    let no_entry = Not(Unresolved::NoEntry { rules });
    match step.kind {
        StepKind::Rule => match nth(n) {
            None => no_entry,
            Some(rule) if rule.unconditional_verdict => Not(Unresolved::Contradiction),
            Some(rule) => LegacyResolution::Rule {
                table,
                chain,
                rule,
                relabelled: false,
            },
        },
        StepKind::Policy | StepKind::Return => {
            if builtin != (step.kind == StepKind::Policy) {
                return Not(Unresolved::Contradiction);
            }
            if Some(n) == rules.checked_add(1) {
                return match (step.kind, chain.policy) {
                    (StepKind::Policy, Some(verdict)) => LegacyResolution::Policy {
                        table,
                        chain,
                        verdict,
                    },
                    (StepKind::Policy, None) => Not(Unresolved::Contradiction),
                    _ => LegacyResolution::Return { table, chain },
                };
            }
            match nth(n) {
                None => no_entry,
                Some(rule) if !rule.unconditional_verdict => Not(Unresolved::Contradiction),
                Some(rule) => LegacyResolution::Rule {
                    table,
                    chain,
                    rule,
                    relabelled: true,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::iptables::{parse_table, TableInfo, XtFamily, GETINFO_LEN};
    use crate::ruleset::model::LegacyTarget;

    /// `filter` of ip6tables-legacy, captured by `tests/fixtures/capture_xtables.sh`.
    const FILTER6: &[u8] = include_bytes!("../../../tests/fixtures/xt_filter6.bin");

    fn tables() -> Vec<LegacyTable> {
        let (info, blob) = FILTER6.split_at(GETINFO_LEN);
        vec![parse_table(XtFamily::Ipv6, &TableInfo::parse(info).unwrap(), blob).unwrap()]
    }

    fn step(chain: &'static str, kind: StepKind, number: u32) -> TraceStep<'static> {
        TraceStep {
            table: "filter",
            chain,
            kind,
            number,
        }
    }

    /// `(kind, number, relabelled, target)` of what a step resolved to.
    fn what(
        tables: &[LegacyTable],
        step: TraceStep<'_>,
    ) -> Option<(LegacyEntryKind, Option<u32>, bool, Option<LegacyTarget>)> {
        let resolution = resolve_legacy(tables, 10, &step);
        let relabelled = matches!(
            resolution,
            LegacyResolution::Rule {
                relabelled: true,
                ..
            }
        );
        let rule = resolution.rule();
        Some((
            resolution.kind()?,
            rule.map(|r| r.number),
            relabelled,
            rule.map(|r| r.target.clone()),
        ))
    }

    #[test]
    fn steps_resolve_as_the_kernel_numbers_them() {
        use LegacyEntryKind as K;
        use StepKind::{Policy, Return, Rule};
        let tables = tables();
        let accept = Some(LegacyTarget::Verdict { code: 1 });
        // rule:N is rule N.
        assert_eq!(
            what(&tables, step("INPUT", Rule, 3)),
            Some((K::Rule, Some(3), false, accept.clone()))
        );
        // policy:N one past the last rule is the policy, with its verdict.
        let policy = resolve_legacy(&tables, 10, &step("INPUT", Policy, 5));
        assert!(matches!(
            policy,
            LegacyResolution::Policy { verdict: 0, .. }
        ));
        assert_eq!(policy.chain().map(|c| c.name.as_str()), Some("INPUT"));
        // policy:2 in OUTPUT is the explicit `-j ACCEPT`, rule 2.
        assert_eq!(
            what(&tables, step("OUTPUT", Policy, 2)),
            Some((K::Rule, Some(2), true, accept.clone()))
        );
        // return:3 in IN_UDP is the explicit `-j RETURN`; return:4 the implicit return.
        assert_eq!(
            what(&tables, step("IN_UDP", Return, 3)),
            Some((K::Rule, Some(3), true, Some(LegacyTarget::Return)))
        );
        assert_eq!(
            what(&tables, step("IN_UDP", Return, 4)),
            Some((K::Return, None, false, None))
        );
        // return:2 in IN_GOTO is its explicit `-j ACCEPT`.
        assert_eq!(
            what(&tables, step("IN_GOTO", Return, 2)),
            Some((K::Rule, Some(2), true, accept))
        );
        // An empty built-in chain: its policy is policy:1.
        assert!(matches!(
            resolve_legacy(&tables, 10, &step("FORWARD", Policy, 1)),
            LegacyResolution::Policy { verdict: 0, .. }
        ));
    }

    #[test]
    fn steps_that_do_not_fit_are_unresolved() {
        use StepKind::{Policy, Return, Rule};
        let tables = tables();
        let not = |s, family| resolve_legacy(&tables, family, &s).unresolved();
        assert_eq!(not(step("INPUT", Rule, 1), 2), Some(Unresolved::NoTable));
        assert_eq!(not(step("INPUT", Rule, 1), 0), Some(Unresolved::Family));
        assert_eq!(not(step("NOPE", Rule, 1), 10), Some(Unresolved::NoChain));
        assert_eq!(
            not(step("INPUT", Rule, 5), 10),
            Some(Unresolved::NoEntry { rules: 4 })
        );
        assert_eq!(
            not(step("INPUT", Policy, 6), 10),
            Some(Unresolved::NoEntry { rules: 4 })
        );
        for contradiction in [
            step("OUTPUT", Rule, 2),   // the kernel would have said policy:2
            step("INPUT", Policy, 2),  // rule 2 is a conditional jump
            step("IN_UDP", Policy, 4), // policy in a user chain
            step("INPUT", Return, 5),  // return in a built-in chain
            step("IN_UDP", Return, 1), // rule 1 is conditional
        ] {
            assert_eq!(
                not(contradiction, 10),
                Some(Unresolved::Contradiction),
                "{contradiction:?}"
            );
        }
        assert!(Unresolved::Stale.to_string().starts_with("not in ruleset"));
    }
}
