//! Finding what a trace event names: a rule by family, table, chain and handle, or a chain
//! by family, table and name, among the live objects first and then among the retired ones.

use crate::ruleset::model::{Chain, NftRuleset, Rule, Table};

use super::retired::Retirement;

/// A rule found by [`NftRuleset::find_rule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleRef<'a> {
    /// `NFPROTO_*` of its table.
    pub family: u8,
    /// Its table's name.
    pub table: &'a str,
    /// Its chain's name.
    pub chain: &'a str,
    /// The rule; `rule.number` is its 1-based position in the chain (for a retired rule,
    /// the position it had in the last generation it was live in).
    pub rule: &'a Rule,
    /// `Some` when the rule has been deleted since.
    pub retired: Option<Retirement>,
}

impl RuleRef<'_> {
    /// The rule's 1-based position in its chain.
    pub fn number(&self) -> u32 {
        self.rule.number
    }

    /// True when the rule has been deleted since the event that names it may have hit it.
    pub fn is_retired(&self) -> bool {
        self.retired.is_some()
    }
}

/// A chain found by [`NftRuleset::find_chain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainRef<'a> {
    /// `NFPROTO_*` of its table.
    pub family: u8,
    /// Its table's name.
    pub table: &'a str,
    /// The chain (for a retired chain, its `rules` are empty: find them with
    /// [`NftRuleset::find_rule`]).
    pub chain: &'a Chain,
    /// `Some` when the chain has been deleted since.
    pub retired: Option<Retirement>,
}

impl ChainRef<'_> {
    /// True when the chain has been deleted since.
    pub fn is_retired(&self) -> bool {
        self.retired.is_some()
    }
}

impl NftRuleset {
    /// The live table `name` of `family`.
    pub fn table(&self, family: u8, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.family == family && t.name == name)
    }

    /// The live chain `chain` of table `table` of `family`.
    pub fn live_chain(&self, family: u8, table: &str, chain: &str) -> Option<&Chain> {
        self.table(family, table)?
            .chains
            .iter()
            .find(|c| c.name == chain)
    }

    /// The rule with `handle` in `chain` of `table` (`family` is the table's `NFPROTO_*`, as
    /// in a trace event's `nfgenmsg`): the live rule if there is one, else the most recently
    /// deleted rule with that identity while it is retained.
    pub fn find_rule(
        &self,
        family: u8,
        table: &str,
        chain: &str,
        handle: u64,
    ) -> Option<RuleRef<'_>> {
        if let Some(live) = self.live_chain(family, table, chain) {
            if let Some(rule) = live.rules.iter().find(|r| r.handle == handle) {
                return Some(RuleRef {
                    family,
                    table: self.table(family, table).map_or("", |t| t.name.as_str()),
                    chain: live.name.as_str(),
                    rule,
                    retired: None,
                });
            }
        }
        let retired = self.retired.find_rule(family, table, chain, handle)?;
        Some(RuleRef {
            family,
            table: retired.table.as_str(),
            chain: retired.chain.as_str(),
            rule: &retired.rule,
            retired: Some(retired.retirement),
        })
    }

    /// The chain `chain` of table `table` of `family`: the live one, else the most recently
    /// deleted one while it is retained.
    pub fn find_chain(&self, family: u8, table: &str, chain: &str) -> Option<ChainRef<'_>> {
        if let Some(table_ref) = self.table(family, table) {
            if let Some(live) = table_ref.chains.iter().find(|c| c.name == chain) {
                return Some(ChainRef {
                    family,
                    table: table_ref.name.as_str(),
                    chain: live,
                    retired: None,
                });
            }
        }
        let retired = self.retired.find_chain(family, table, chain)?;
        Some(ChainRef {
            family,
            table: retired.table.as_str(),
            chain: &retired.chain,
            retired: Some(retired.retirement),
        })
    }
}
