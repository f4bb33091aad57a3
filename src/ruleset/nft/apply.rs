//! Keeping the snapshot current with the kernel's `NFNLGRP_NFTABLES` notifications.
//!
//! The kernel announces each committed transaction as the changed objects, in the order the
//! transaction made them, then one `NFT_MSG_NEWGEN` carrying the new generation; every
//! message of the transaction already carries that generation's low 16 bits in
//! `nfgenmsg.res_id` (the commit bumps the generation before it notifies). How each change
//! lands:
//!
//! - A new rule goes after the rule its `NFTA_RULE_POSITION` names. The kernel sends that
//!   attribute only when the rule is neither first nor last of its chain; without it, the
//!   rule goes last when the message has `NLM_F_APPEND` (`nft add`, and every replace), first
//!   otherwise (`nft insert`).
//! - A replace (`nft replace rule ... handle N`) is `DELRULE N` then `NEWRULE N`: the same
//!   handle, in the same place. A replacement of the first rule comes without a position but
//!   with `NLM_F_APPEND`, so a `NEWRULE` whose handle was removed from the same chain in the
//!   same transaction takes the removed rule's place.
//! - Deleted rules and chains are retired (see [`super::RetiredRules`]) with the numbers
//!   they had before the transaction: numbers are recomputed only when the transaction's
//!   `NEWGEN` arrives, because every rule of a flushed chain must keep the number it had, not
//!   the one it would have had halfway through the flush.
//!
//! Start-up: join the group first, dump, then apply everything received. Messages of
//! generations older than the dump's are skipped; messages of the dump's own generation are
//! applied, and applying them is harmless (a rule or table that exists is updated in place,
//! a deletion of what is gone does nothing), because a dump racing a commit can carry the new
//! generation number over the old contents.

use std::time::Instant;

use nftrace_sys::netlink::NLM_F_APPEND;

use crate::ruleset::model::{Chain, NftRuleset, Table, UnplacedRule};
use crate::wire::{
    messages, ChainInfo, DecodeError, RuleInfo, RulesetBody, RulesetMessage, SetInfo, TableInfo,
};

use super::build::{
    chain_from, hook_from, looks_like_iptables_nft, rule_from, set_from, table_from,
};
use super::rename::rename_jump_targets;
use super::retired::{RetiredChain, RetiredRule, Retirement};

/// What applying one message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The snapshot changed (or a generation was closed).
    Changed,
    /// Nothing to do: the change was already in the snapshot, or names a table or chain the
    /// snapshot does not have.
    Unchanged,
    /// The message belongs to a generation older than the snapshot's and was skipped.
    Stale,
}

/// Counts of what [`NftRuleset::apply_datagram`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Messages that changed the snapshot.
    pub changed: usize,
    /// Messages that were already reflected, or named unknown objects.
    pub unchanged: usize,
    /// Messages of older generations, skipped.
    pub stale: usize,
    /// Messages that are not ruleset changes (set elements, objects, flowtables, errors).
    pub ignored: usize,
}

impl NftRuleset {
    /// Applies every ruleset message of a datagram received on an
    /// [`NftMonitor`](crate::netlink::NftMonitor). A message that cannot be decoded stops
    /// the walk with its error; the messages before it stay applied, and the snapshot should
    /// be dumped again.
    pub fn apply_datagram(&mut self, datagram: &[u8]) -> Result<ApplyStats, DecodeError> {
        self.apply_datagram_at(datagram, Instant::now())
    }

    /// [`Self::apply_datagram`] with the time of arrival given.
    pub fn apply_datagram_at(
        &mut self,
        datagram: &[u8],
        now: Instant,
    ) -> Result<ApplyStats, DecodeError> {
        let mut stats = ApplyStats::default();
        for message in messages(datagram) {
            let message = message?;
            if message.header.ty >> 8 != nftrace_sys::nfnetlink::NFNL_SUBSYS_NFTABLES {
                stats.ignored += 1;
                continue;
            }
            match RulesetMessage::parse(&message)? {
                None => stats.ignored += 1,
                Some(decoded) => match self.apply_at(&decoded, now)? {
                    Applied::Changed => stats.changed += 1,
                    Applied::Unchanged => stats.unchanged += 1,
                    Applied::Stale => stats.stale += 1,
                },
            }
        }
        Ok(stats)
    }

    /// Applies one decoded notification (see the module documentation).
    pub fn apply(&mut self, message: &RulesetMessage<'_>) -> Result<Applied, DecodeError> {
        self.apply_at(message, Instant::now())
    }

    /// [`Self::apply`] with the time of arrival given (retired objects age from it).
    pub fn apply_at(
        &mut self,
        message: &RulesetMessage<'_>,
        now: Instant,
    ) -> Result<Applied, DecodeError> {
        if let RulesetBody::NewGen(gen) = message.body {
            self.close_generation(gen.id, now);
            return Ok(Applied::Changed);
        }
        if self.is_stale(message.nfgen.res_id) {
            return Ok(Applied::Stale);
        }
        let append = message.header.flags & NLM_F_APPEND != 0;
        Ok(match &message.body {
            RulesetBody::NewTable(info) => self.new_table(info),
            RulesetBody::DelTable(info) => self.del_table(info, now),
            RulesetBody::NewChain(info) => self.new_chain(info),
            RulesetBody::DelChain(info) => self.del_chain(info, now),
            RulesetBody::NewRule(info) => self.new_rule(info, append)?,
            RulesetBody::DelRule(info) => self.del_rule(info, now),
            RulesetBody::NewSet(info) => self.new_set(info),
            RulesetBody::DelSet(info) => self.del_set(info),
            RulesetBody::NewGen(_) => Applied::Unchanged,
        })
    }

    /// Replaces the snapshot with a fresh dump (after the monitor lost notifications, for
    /// instance), keeping the retired store and retiring whatever the fresh dump no longer
    /// holds: rules and chains that are gone, and everything of a table that was made again
    /// (a new table handle). Rules keep the numbers they had in this snapshot.
    pub fn resync(&mut self, fresh: NftRuleset, now: Instant) {
        let generation = self.generation;
        let old = std::mem::replace(&mut self.tables, fresh.tables);
        for mut table in old {
            let Some(new_table) = self.tables.iter().find(|t| {
                t.family == table.family && t.name == table.name && t.handle == table.handle
            }) else {
                self.retire_table(table, now);
                continue;
            };
            let mut gone_chains = Vec::new();
            for mut chain in std::mem::take(&mut table.chains) {
                match new_table.chains.iter().find(|c| c.name == chain.name) {
                    None => gone_chains.push(chain),
                    Some(new_chain) => {
                        let live: std::collections::HashSet<u64> =
                            new_chain.rules.iter().map(|r| r.handle).collect();
                        for (index, rule) in
                            std::mem::take(&mut chain.rules).into_iter().enumerate()
                        {
                            if live.contains(&rule.handle) || rule.number == 0 {
                                continue;
                            }
                            self.retired.push_rule(RetiredRule {
                                family: table.family,
                                table: table.name.clone(),
                                table_handle: table.handle,
                                chain: chain.name.clone(),
                                rule,
                                retirement: Retirement {
                                    at: now,
                                    last_live_generation: generation,
                                    deleted_in: None,
                                },
                                removed_index: index,
                            });
                        }
                    }
                }
            }
            for chain in gone_chains {
                retire_chain(
                    &mut self.retired,
                    table.family,
                    &table.name,
                    table.handle,
                    chain,
                    generation,
                    now,
                );
            }
        }
        // What went missing was deleted by some transaction up to the fresh generation.
        self.retired.close_batch(fresh.generation);
        self.generation = fresh.generation;
        self.prune_retired(now);
    }

    /// Renumbers every chain so `rules[i].number == i + 1`, for a snapshot changed by hand.
    pub fn renumber(&mut self) {
        for chain in self.tables.iter_mut().flat_map(|t| t.chains.iter_mut()) {
            renumber(chain);
        }
    }

    /// Drops retired rules and chains that have expired at `now`.
    pub fn prune_retired(&mut self, now: Instant) {
        self.retired.prune(now, self.generation);
    }

    /// Whether a message of generation `res_id` (low 16 bits) is older than the snapshot.
    /// Generation 0 means unknown: nothing is stale then.
    fn is_stale(&self, res_id: u16) -> bool {
        if self.generation == 0 {
            return false;
        }
        let current = (self.generation & 0xffff) as u16;
        // Serial-number comparison on 16 bits: a transaction is at most a few generations
        // ahead of or behind the snapshot.
        (res_id.wrapping_sub(current) as i16) < 0
    }

    fn close_generation(&mut self, generation: u32, now: Instant) {
        self.place_unplaced();
        // Numbers are recomputed once per transaction (see the module documentation).
        self.renumber();
        self.retired.close_batch(generation);
        let newer = self.generation == 0 || (generation.wrapping_sub(self.generation) as i32) > 0;
        if newer {
            self.generation = generation;
        }
        for table in &mut self.tables {
            table.iptables_nft = looks_like_iptables_nft(table);
        }
        self.prune_retired(now);
    }

    /// Moves the rules parked by [`Self::new_rule`] after the rules they follow, now that
    /// the whole transaction is known. A rule parked after another parked rule is placed once
    /// that one is; what still cannot be placed stays last, as the kernel's dump would show
    /// a rule whose predecessor vanished.
    fn place_unplaced(&mut self) {
        let mut pending = std::mem::take(&mut self.unplaced);
        while !pending.is_empty() {
            let before = pending.len();
            let mut index = 0;
            while index < pending.len() {
                // A rule that follows a parked rule waits until that one is in its place.
                let waits = pending.iter().any(|q| {
                    q.handle == pending[index].after
                        && q.family == pending[index].family
                        && q.table == pending[index].table
                        && q.chain == pending[index].chain
                });
                if !waits && self.place_after(&pending[index]) {
                    pending.remove(index);
                } else {
                    index += 1;
                }
            }
            if pending.len() == before {
                for p in &pending {
                    log::debug!(
                        "NEWRULE {} in {}: position handle {} never announced; left last",
                        p.handle,
                        p.chain,
                        p.after
                    );
                }
                break;
            }
        }
    }

    /// Moves the parked rule right after its predecessor; false when that is not in the
    /// chain (yet).
    fn place_after(&mut self, parked: &UnplacedRule) -> bool {
        let Some((_, chain)) = self.chain_mut(parked.family, &parked.table, &parked.chain) else {
            return true; // The chain went away in the same transaction: nothing to place.
        };
        let Some(from) = chain.rules.iter().position(|r| r.handle == parked.handle) else {
            return true;
        };
        if !chain.rules.iter().any(|r| r.handle == parked.after) {
            return false;
        }
        let rule = chain.rules.remove(from);
        let to = chain
            .rules
            .iter()
            .position(|r| r.handle == parked.after)
            .map_or(chain.rules.len(), |i| i.saturating_add(1));
        chain.rules.insert(to, rule);
        true
    }

    fn table_index(&self, family: u8, name: &str) -> Option<usize> {
        self.tables
            .iter()
            .position(|t| t.family == family && t.name == name)
    }

    fn chain_mut(&mut self, family: u8, table: &str, chain: &str) -> Option<(u64, &mut Chain)> {
        let index = self.table_index(family, table)?;
        let table = self.tables.get_mut(index)?;
        let handle = table.handle;
        let chain = table.chains.iter_mut().find(|c| c.name == chain)?;
        Some((handle, chain))
    }

    fn new_table(&mut self, info: &TableInfo<'_>) -> Applied {
        match self.table_index(info.family, info.name) {
            Some(index) => {
                let Some(table) = self.tables.get_mut(index) else {
                    return Applied::Unchanged;
                };
                if table.handle == info.handle && table.flags == info.flags {
                    return Applied::Unchanged;
                }
                table.handle = info.handle;
                table.flags = info.flags;
            }
            None => self.tables.push(table_from(info)),
        }
        Applied::Changed
    }

    fn del_table(&mut self, info: &TableInfo<'_>, now: Instant) -> Applied {
        let Some(index) = self.table_index(info.family, info.name) else {
            return Applied::Unchanged;
        };
        let table = self.tables.remove(index);
        self.retire_table(table, now);
        Applied::Changed
    }

    fn new_chain(&mut self, info: &ChainInfo<'_>) -> Applied {
        let Some(index) = self.table_index(info.family, info.table) else {
            return Applied::Unchanged;
        };
        let Some(table) = self.tables.get_mut(index) else {
            return Applied::Unchanged;
        };
        // `nft rename chain` announces the chain under its new name with its old handle, and
        // nothing about the rules that jump to it, which the kernel dumps with the new name.
        if let Some(renamed) = table
            .chains
            .iter_mut()
            .find(|c| c.handle == info.handle && c.name != info.name)
        {
            let old = std::mem::replace(&mut renamed.name, info.name.to_owned());
            renamed.hook = hook_from(info);
            rename_jump_targets(table, &old, info.name);
            return Applied::Changed;
        }
        match table.chains.iter_mut().find(|c| c.name == info.name) {
            Some(chain) => {
                // An update (`nft chain ... { policy drop; }`) or a replay; delete
                // notifications may be trimmed, new ones are whole.
                let hook = hook_from(info);
                if chain.handle == info.handle && chain.hook == hook {
                    return Applied::Unchanged;
                }
                chain.handle = info.handle;
                chain.hook = hook;
            }
            None => table.chains.push(chain_from(info)),
        }
        Applied::Changed
    }

    fn del_chain(&mut self, info: &ChainInfo<'_>, now: Instant) -> Applied {
        let Some(index) = self.table_index(info.family, info.table) else {
            return Applied::Unchanged;
        };
        let generation = self.generation;
        let Some(table) = self.tables.get_mut(index) else {
            return Applied::Unchanged;
        };
        let Some(position) = table.chains.iter().position(|c| c.name == info.name) else {
            return Applied::Unchanged;
        };
        let chain = table.chains.remove(position);
        let (family, table_name, table_handle) = (table.family, table.name.clone(), table.handle);
        retire_chain(
            &mut self.retired,
            family,
            &table_name,
            table_handle,
            chain,
            generation,
            now,
        );
        Applied::Changed
    }

    fn new_rule(&mut self, info: &RuleInfo<'_>, append: bool) -> Result<Applied, DecodeError> {
        let Some(table_index) = self.table_index(info.family, info.table) else {
            return Ok(Applied::Unchanged);
        };
        let Some(table) = self.tables.get_mut(table_index) else {
            return Ok(Applied::Unchanged);
        };
        let table_handle = table.handle;
        let Some(chain) = table.chains.iter_mut().find(|c| c.name == info.chain) else {
            return Ok(Applied::Unchanged);
        };
        // Numbered when the transaction closes.
        let rule = rule_from(info, 0)?;
        if let Some(existing) = chain.rules.iter_mut().find(|r| r.handle == info.handle) {
            // A replay of what the dump already holds: refresh it in place.
            if existing.exprs == rule.exprs && existing.userdata == rule.userdata {
                return Ok(Applied::Unchanged);
            }
            let number = existing.number;
            *existing = rule;
            existing.number = number;
            return Ok(Applied::Changed);
        }
        let index = match info.position {
            Some(after) => match chain.rules.iter().position(|r| r.handle == after) {
                Some(i) => i.saturating_add(1),
                None => {
                    // The kernel fills the position in from the chain's final order but
                    // announces rules in transaction order: when two rules are inserted in one
                    // transaction, the one announced first can name the other. Park it at the
                    // end and place it when the transaction closes.
                    self.unplaced.push(UnplacedRule {
                        family: info.family,
                        table: info.table.to_owned(),
                        chain: info.chain.to_owned(),
                        handle: info.handle,
                        after,
                    });
                    chain.rules.len()
                }
            },
            None => match self
                .retired
                .removed_in_open_batch(table_handle, info.chain, info.handle)
            {
                Some(replaced) => replaced.removed_index.min(chain.rules.len()),
                None if append => chain.rules.len(),
                None => 0,
            },
        };
        chain.rules.insert(index.min(chain.rules.len()), rule);
        Ok(Applied::Changed)
    }

    fn del_rule(&mut self, info: &RuleInfo<'_>, now: Instant) -> Applied {
        let generation = self.generation;
        let Some((table_handle, chain)) = self.chain_mut(info.family, info.table, info.chain)
        else {
            return Applied::Unchanged;
        };
        let Some(index) = chain.rules.iter().position(|r| r.handle == info.handle) else {
            return Applied::Unchanged;
        };
        let rule = chain.rules.remove(index);
        let chain_name = chain.name.clone();
        if rule.number > 0 {
            self.retired.push_rule(RetiredRule {
                family: info.family,
                table: info.table.to_owned(),
                table_handle,
                chain: chain_name,
                rule,
                retirement: Retirement {
                    at: now,
                    last_live_generation: generation,
                    deleted_in: None,
                },
                removed_index: index,
            });
        }
        Applied::Changed
    }

    fn new_set(&mut self, info: &SetInfo<'_>) -> Applied {
        let Some(table) = self
            .table_index(info.family, info.table)
            .and_then(|i| self.tables.get_mut(i))
        else {
            return Applied::Unchanged;
        };
        let set = set_from(info);
        match table.sets.iter_mut().find(|s| s.name == info.name) {
            Some(existing) if *existing == set => return Applied::Unchanged,
            Some(existing) => *existing = set,
            None => table.sets.push(set),
        }
        Applied::Changed
    }

    fn del_set(&mut self, info: &SetInfo<'_>) -> Applied {
        let Some(table) = self
            .table_index(info.family, info.table)
            .and_then(|i| self.tables.get_mut(i))
        else {
            return Applied::Unchanged;
        };
        let before = table.sets.len();
        table.sets.retain(|s| s.name != info.name);
        if table.sets.len() == before {
            Applied::Unchanged
        } else {
            Applied::Changed
        }
    }

    fn retire_table(&mut self, table: Table, now: Instant) {
        let generation = self.generation;
        let Table {
            family,
            name,
            handle,
            chains,
            ..
        } = table;
        for chain in chains {
            retire_chain(
                &mut self.retired,
                family,
                &name,
                handle,
                chain,
                generation,
                now,
            );
        }
    }
}

/// Retires a chain and whatever rules it still holds (the kernel normally deletes them one
/// by one first).
fn retire_chain(
    retired: &mut super::RetiredRules,
    family: u8,
    table: &str,
    table_handle: u64,
    mut chain: Chain,
    generation: u32,
    now: Instant,
) {
    let retirement = Retirement {
        at: now,
        last_live_generation: generation,
        deleted_in: None,
    };
    let rules = std::mem::take(&mut chain.rules);
    for (index, rule) in rules.into_iter().enumerate() {
        if rule.number == 0 {
            continue;
        }
        retired.push_rule(RetiredRule {
            family,
            table: table.to_owned(),
            table_handle,
            chain: chain.name.clone(),
            rule,
            retirement,
            removed_index: index,
        });
    }
    retired.push_chain(RetiredChain {
        family,
        table: table.to_owned(),
        table_handle,
        chain,
        retirement,
    });
}

fn renumber(chain: &mut Chain) {
    for (index, rule) in chain.rules.iter_mut().enumerate() {
        rule.number = u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::NftDumpReplies;
    use nftrace_sys::netfilter::{NFPROTO_INET, NFPROTO_IPV4, NF_ACCEPT};
    use std::time::Duration;

    // Captured on Linux 6.18 by `capture.py ruleset-session` (tests/fixtures/README.md): the
    // dump of RULESET_SESSION_NFT, then the notifications of RULESET_SESSION_CHANGES.
    const NOTIFY: &[u8] = include_bytes!("../../../tests/fixtures/nft_ruleset_notify.nlmsg");

    fn replies() -> NftDumpReplies {
        super::super::captured::dump_replies()
    }

    fn handles(ruleset: &NftRuleset, chain: &str) -> Vec<u64> {
        let chain = ruleset
            .live_chain(NFPROTO_INET, "fixture_filter", chain)
            .unwrap();
        chain.rules.iter().map(|r| r.handle).collect()
    }

    /// Applies the captured notifications up to and including the `n`-th NEWGEN.
    fn apply_transactions(ruleset: &mut NftRuleset, n: usize, now: Instant) -> ApplyStats {
        let mut stats = ApplyStats::default();
        let mut seen = 0;
        for message in messages(NOTIFY) {
            let message = message.unwrap();
            let decoded = RulesetMessage::parse(&message).unwrap().unwrap();
            match ruleset.apply_at(&decoded, now).unwrap() {
                Applied::Changed => stats.changed += 1,
                Applied::Unchanged => stats.unchanged += 1,
                Applied::Stale => stats.stale += 1,
            }
            if let RulesetBody::NewGen(_) = decoded.body {
                seen += 1;
                if seen == n {
                    break;
                }
            }
        }
        stats
    }

    #[test]
    fn the_captured_dump_builds_the_loaded_ruleset() {
        let ruleset = NftRuleset::from_dump(&replies()).unwrap();
        assert_eq!(ruleset.tables.len(), 4);
        assert_eq!(handles(&ruleset, "input"), [5, 6, 7, 8]);
        let input = ruleset
            .live_chain(NFPROTO_INET, "fixture_filter", "input")
            .unwrap();
        let numbers: Vec<_> = input.rules.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
        assert_eq!(input.rules[0].comment.as_deref(), Some("established"));
        assert_eq!(
            ruleset.table(NFPROTO_INET, "fixture_filter").unwrap().sets[0].name,
            "ports"
        );
        assert_eq!(ruleset.generation & 0xffff, 2);
    }

    #[test]
    fn the_captured_changes_land_where_the_kernel_put_them() {
        let t0 = Instant::now();
        let mut ruleset = NftRuleset::from_dump(&replies()).unwrap();
        // insert ... position 7: before 7, announced as after 6.
        apply_transactions(&mut ruleset, 1, t0);
        assert_eq!(handles(&ruleset, "input"), [5, 6, 12, 7, 8]);
        // insert at the top; add at the end.
        let mut fresh = NftRuleset::from_dump(&replies()).unwrap();
        apply_transactions(&mut fresh, 3, t0);
        assert_eq!(handles(&fresh, "input"), [13, 5, 6, 12, 7, 8, 14]);
        let numbers: Vec<_> = fresh
            .live_chain(NFPROTO_INET, "fixture_filter", "input")
            .unwrap()
            .rules
            .iter()
            .map(|r| r.number)
            .collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
        // delete 8 (number 6); replace 6 (number 3) in place.
        let mut fresh = NftRuleset::from_dump(&replies()).unwrap();
        apply_transactions(&mut fresh, 5, t0);
        assert_eq!(handles(&fresh, "input"), [13, 5, 6, 12, 7, 14]);
        let deleted = fresh
            .find_rule(NFPROTO_INET, "fixture_filter", "input", 8)
            .unwrap();
        assert_eq!((deleted.number(), deleted.is_retired()), (6, true));
        let replaced = fresh
            .find_rule(NFPROTO_INET, "fixture_filter", "input", 6)
            .unwrap();
        assert_eq!((replaced.number(), replaced.is_retired()), (3, false));
        assert_eq!(replaced.rule.comment.as_deref(), Some("replaced"));
        let old = fresh
            .retired
            .find_rule(NFPROTO_INET, "fixture_filter", "input", 6)
            .unwrap();
        assert_eq!((old.rule.number, old.rule.comment.as_deref()), (3, None));
    }

    #[test]
    fn the_whole_session_and_its_retired_rules() {
        let t0 = Instant::now();
        let mut ruleset = NftRuleset::from_dump(&replies()).unwrap();
        let stats = apply_transactions(&mut ruleset, usize::MAX, t0);
        assert_eq!(stats.stale, 0);
        assert_eq!(stats.unchanged, 0);
        let filter = ruleset.table(NFPROTO_INET, "fixture_filter").unwrap();
        let chains: Vec<_> = filter.chains.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(chains, ["input", "checks", "dropper"]);
        assert!(filter.chains.iter().all(|c| c.rules.is_empty()));
        assert_eq!(
            filter.chains[0].hook.as_ref().unwrap().policy,
            Some(NF_ACCEPT as u32)
        );
        let sets: Vec<_> = filter.sets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(sets, ["ports"]);
        assert!(ruleset.table(NFPROTO_IPV4, "fixture_nat").is_none());
        assert_eq!(ruleset.tables.len(), 3);

        // The flush retired every rule with its number from before the flush.
        for (chain, handles) in [
            ("input", &[13u64, 5, 6, 12, 7, 14][..]),
            ("checks", &[9, 10][..]),
            ("dropper", &[11][..]),
        ] {
            for (i, &handle) in handles.iter().enumerate() {
                let found = ruleset
                    .find_rule(NFPROTO_INET, "fixture_filter", chain, handle)
                    .unwrap();
                assert!(found.is_retired());
                assert_eq!(found.number() as usize, i + 1, "{chain} handle {handle}");
            }
        }
        let nat_rule = ruleset
            .find_rule(NFPROTO_IPV4, "fixture_nat", "prerouting", 2)
            .unwrap();
        assert_eq!((nat_rule.number(), nat_rule.is_retired()), (1, true));
        assert!(ruleset
            .find_chain(NFPROTO_IPV4, "fixture_nat", "prerouting")
            .unwrap()
            .is_retired());
        assert!(ruleset
            .find_chain(NFPROTO_INET, "fixture_filter", "added")
            .unwrap()
            .is_retired());
        assert!(!ruleset
            .find_chain(NFPROTO_INET, "fixture_filter", "input")
            .unwrap()
            .is_retired());

        // Everything retired was deleted in a generation before the current one except the
        // last transaction's chain: after the grace time, only that one stays.
        ruleset.retired.set_policy(super::super::RetiredPolicy {
            grace: Duration::from_secs(10),
            max_rules: 1000,
        });
        ruleset.prune_retired(t0 + Duration::from_secs(5));
        // 8 (deleted), the replaced version of 6, nine flushed rules, the nat rule.
        assert_eq!(ruleset.retired.len(), 12);
        ruleset.prune_retired(t0 + Duration::from_secs(11));
        assert!(ruleset.retired.is_empty());
        assert_eq!(ruleset.retired.chains().count(), 1);
    }

    #[test]
    fn replayed_and_older_messages_change_nothing() {
        let t0 = Instant::now();
        let mut once = NftRuleset::from_dump(&replies()).unwrap();
        apply_transactions(&mut once, usize::MAX, t0);
        let mut twice = once.clone();
        let stats = apply_transactions(&mut twice, usize::MAX, t0);
        assert_eq!(stats.changed, 12, "only the NEWGENs: {stats:?}");
        // The last transaction is of the snapshot's own generation: applied again, to no
        // effect (a dump racing a commit may carry that generation over older contents).
        assert_eq!(stats.unchanged, 1, "{stats:?}");
        assert_eq!(
            stats.stale + stats.unchanged + stats.changed,
            messages(NOTIFY).count()
        );
        assert_eq!(once.tables, twice.tables);
        assert_eq!(once.generation, twice.generation);
    }

    #[test]
    fn generations_compare_as_serial_numbers() {
        let mut ruleset = NftRuleset {
            generation: 0xffff_fff0,
            ..NftRuleset::default()
        };
        assert!(!ruleset.is_stale(0xfff0));
        assert!(!ruleset.is_stale(0x0002), "wrapped past 0xffff is newer");
        assert!(ruleset.is_stale(0xffe0));
        ruleset.generation = 0;
        assert!(
            !ruleset.is_stale(0x1234),
            "unknown generation: nothing is stale"
        );
    }
}
