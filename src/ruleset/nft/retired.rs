//! Deleted rules and chains, kept for a while after the kernel reports them gone.
//!
//! A trace event can arrive after the rule it names was deleted (it waited in the socket
//! buffer, or the packet crossed the rule just before the commit). Each deleted rule is kept
//! with the number it had in the last generation it was live in, and is dropped only once
//! its grace time has passed *and* a later generation than the one that deleted it was
//! committed. The store is bounded: past the cap the oldest entries go first.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::ruleset::model::{Chain, Rule};

/// How long deleted rules are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetiredPolicy {
    /// Minimum time a deleted rule stays findable.
    pub grace: Duration,
    /// Most deleted rules kept; the oldest are dropped first past it.
    pub max_rules: usize,
}

impl Default for RetiredPolicy {
    fn default() -> Self {
        RetiredPolicy {
            grace: Duration::from_secs(10),
            max_rules: 100_000,
        }
    }
}

/// When and in which generation a rule or chain was deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retirement {
    /// When the deletion was applied to the snapshot.
    pub at: Instant,
    /// The last generation in which the object was live (its number is the one it had
    /// there).
    pub last_live_generation: u32,
    /// The generation whose transaction deleted it; `None` until that transaction's
    /// `NFT_MSG_NEWGEN` arrives.
    pub deleted_in: Option<u32>,
}

/// A deleted rule with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredRule {
    /// `NFPROTO_*` of its table.
    pub family: u8,
    /// Its table's name.
    pub table: String,
    /// Its table's handle (table handles are never reused, unlike rule handles in a table
    /// that was deleted and made again).
    pub table_handle: u64,
    /// Its chain's name.
    pub chain: String,
    /// The rule, with the `number` it had in its last live generation.
    pub rule: Rule,
    /// When it was deleted.
    pub retirement: Retirement,
    /// Its index in the chain when it was removed (mid-transaction), for placing a
    /// replacement that the kernel announces without a position.
    pub(crate) removed_index: usize,
}

/// A deleted chain (without its rules, which are retired one by one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredChain {
    /// `NFPROTO_*` of its table.
    pub family: u8,
    /// Its table's name.
    pub table: String,
    /// Its table's handle.
    pub table_handle: u64,
    /// The chain, with `rules` empty.
    pub chain: Chain,
    /// When it was deleted.
    pub retirement: Retirement,
}

/// The store of deleted rules and chains; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetiredRules {
    policy: RetiredPolicy,
    /// Oldest first; `seq` strictly increasing, so it can be binary-searched.
    rules: VecDeque<(u64, RetiredRule)>,
    /// Rule handle to the `seq`s of the retired rules with it.
    by_handle: HashMap<u64, Vec<u64>>,
    chains: VecDeque<RetiredChain>,
    next_seq: u64,
}

impl RetiredRules {
    /// The policy in force.
    pub fn policy(&self) -> RetiredPolicy {
        self.policy
    }

    /// Changes the policy; takes effect at the next prune or insertion.
    pub fn set_policy(&mut self, policy: RetiredPolicy) {
        self.policy = policy;
    }

    /// Number of retired rules held.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no retired rule is held.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Retired rules, oldest first.
    pub fn rules(&self) -> impl Iterator<Item = &RetiredRule> {
        self.rules.iter().map(|(_, r)| r)
    }

    /// Retired chains, oldest first.
    pub fn chains(&self) -> impl Iterator<Item = &RetiredChain> {
        self.chains.iter()
    }

    pub(crate) fn push_rule(&mut self, retired: RetiredRule) {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.by_handle
            .entry(retired.rule.handle)
            .or_default()
            .push(seq);
        self.rules.push_back((seq, retired));
        while self.rules.len() > self.policy.max_rules {
            self.pop_oldest_rule();
        }
    }

    pub(crate) fn push_chain(&mut self, retired: RetiredChain) {
        self.chains.push_back(retired);
        // Chains are few; bound them by the same cap all the same.
        while self.chains.len() > self.policy.max_rules.max(1) {
            self.chains.pop_front();
        }
    }

    fn pop_oldest_rule(&mut self) {
        if let Some((seq, retired)) = self.rules.pop_front() {
            self.forget(retired.rule.handle, seq);
        }
    }

    fn forget(&mut self, handle: u64, seq: u64) {
        if let Some(seqs) = self.by_handle.get_mut(&handle) {
            seqs.retain(|&s| s != seq);
            if seqs.is_empty() {
                self.by_handle.remove(&handle);
            }
        }
    }

    /// The most recently retired rule with this identity.
    pub fn find_rule(
        &self,
        family: u8,
        table: &str,
        chain: &str,
        handle: u64,
    ) -> Option<&RetiredRule> {
        let seqs = self.by_handle.get(&handle)?;
        seqs.iter().rev().find_map(|&seq| {
            let retired = self.rule_by_seq(seq)?;
            (retired.family == family && retired.table == table && retired.chain == chain)
                .then_some(retired)
        })
    }

    /// A rule removed in the transaction still open (no `NEWGEN` yet) from the chain of
    /// table `table_handle`, by handle: what a replacement takes the place of.
    pub(crate) fn removed_in_open_batch(
        &self,
        table_handle: u64,
        chain: &str,
        handle: u64,
    ) -> Option<&RetiredRule> {
        let seqs = self.by_handle.get(&handle)?;
        seqs.iter().rev().find_map(|&seq| {
            let retired = self.rule_by_seq(seq)?;
            (retired.table_handle == table_handle
                && retired.chain == chain
                && retired.retirement.deleted_in.is_none())
            .then_some(retired)
        })
    }

    fn rule_by_seq(&self, seq: u64) -> Option<&RetiredRule> {
        let index = self.rules.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        self.rules.get(index).map(|(_, r)| r)
    }

    /// The most recently retired chain with this identity.
    pub fn find_chain(&self, family: u8, table: &str, chain: &str) -> Option<&RetiredChain> {
        self.chains
            .iter()
            .rev()
            .find(|c| c.family == family && c.table == table && c.chain.name == chain)
    }

    /// Marks everything deleted in the open transaction as deleted in `generation`.
    pub(crate) fn close_batch(&mut self, generation: u32) {
        for (_, retired) in self.rules.iter_mut().rev() {
            if retired.retirement.deleted_in.is_some() {
                break;
            }
            retired.retirement.deleted_in = Some(generation);
        }
        for retired in self.chains.iter_mut().rev() {
            if retired.retirement.deleted_in.is_some() {
                break;
            }
            retired.retirement.deleted_in = Some(generation);
        }
    }

    /// Drops what has expired at `now` with `current_generation` live: older than the
    /// grace time and deleted in an earlier generation than the current one.
    pub fn prune(&mut self, now: Instant, current_generation: u32) {
        let grace = self.policy.grace;
        let expired = |r: &Retirement| {
            now.saturating_duration_since(r.at) >= grace
                && r.deleted_in.is_some_and(|g| g != current_generation)
        };
        // Entries are in deletion order, so the expired ones are a prefix.
        while self
            .rules
            .front()
            .is_some_and(|(_, r)| expired(&r.retirement))
        {
            self.pop_oldest_rule();
        }
        while self.chains.front().is_some_and(|c| expired(&c.retirement)) {
            self.chains.pop_front();
        }
    }
}
