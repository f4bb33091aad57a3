//! Recognising the nf_tables tables iptables-nft made, and giving their rules the
//! `iptables-nft-save` line at the same position.
//!
//! iptables 1.8.9 leaves no mark on its tables (no table user data, no flag), so a table is
//! taken for iptables-nft's when all of this holds:
//!
//! - it is an `ip` or `ip6` table named `filter`, `nat`, `mangle`, `raw` or `security`;
//! - `iptables-nft-save` (`ip6tables-nft-save`) shows it and raises no incompatibility about
//!   it (`# Table `x' is incompatible`, `... contains incompatible base-chains`);
//! - every chain is in the save text; the base chains carry their built-in name on its own
//!   hook; the save text's extra chains are built-in chains without rules (the tool prints
//!   every built-in chain of a table, also those iptables-nft has not created yet);
//! - every rule has exactly one `counter` expression — iptables-nft puts one in each rule it
//!   writes — and only expressions iptables-nft 1.8.9 writes (`payload`, `cmp`, `bitwise`,
//!   `range`, `meta`, `counter`, `immediate`, `match`, `target`, `log`, `limit`).
//!
//! The last test matters: `iptables-nft-save` also prints native tables it half understands,
//! and then prints wrong lines (seen: a native `ip saddr @set accept` came out as
//! `-A c1 -j ACCEPT`). Texts are attached only when every chain has as many rules as the save
//! text has `-A` lines.

use serde::Serialize;

use super::blob::BUILTIN_CHAINS;
use super::error::IptablesError;
use super::family::XtFamily;
use super::save::{SaveDump, SaveTable};
use super::tools::run_save;
use crate::ruleset::model::{NftRuleset, RuleText, Table, TextSource};

/// The tables iptables knows.
const IPTABLES_TABLES: [&str; 5] = ["filter", "nat", "mangle", "raw", "security"];

/// The expressions iptables-nft 1.8.9 writes in `ip`/`ip6` tables (checked with
/// `nft --debug=netlink` over rules using the common matches and targets).
const IPTABLES_NFT_EXPRESSIONS: [&str; 11] = [
    "payload",
    "cmp",
    "bitwise",
    "range",
    "meta",
    "counter",
    "immediate",
    "match",
    "target",
    "log",
    "limit",
];

/// The `iptables-nft-save` and `ip6tables-nft-save` texts (`None`: not installed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NftSaves {
    pub ipv4: Option<SaveDump>,
    pub ipv6: Option<SaveDump>,
}

impl NftSaves {
    fn get(&self, family: XtFamily) -> Option<&SaveDump> {
        match family {
            XtFamily::Ipv4 => self.ipv4.as_ref(),
            XtFamily::Ipv6 => self.ipv6.as_ref(),
        }
    }
}

/// Runs `iptables-nft-save` and `ip6tables-nft-save` in the calling thread's network
/// namespace.
pub fn read_nft_saves() -> Result<NftSaves, IptablesError> {
    Ok(NftSaves {
        ipv4: run_save(XtFamily::Ipv4.nft_save_tool(), None)?,
        ipv6: run_save(XtFamily::Ipv6.nft_save_tool(), None)?,
    })
}

/// What was decided about one `ip`/`ip6` table with an iptables table name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum NftCompat {
    /// Made by iptables-nft; every rule has its save line.
    Attached,
    /// Made by iptables-nft, but a chain's rule count differs from the save text (the
    /// ruleset changed between the dump and the save): no texts.
    CountMismatch {
        chain: String,
        rules: usize,
        lines: usize,
    },
    /// The save tool for the family is not installed: not recognised.
    NoSaveText,
    /// The save tool does not show the table (fully).
    NotShown,
    /// The chains do not match what iptables-nft makes.
    Chains { reason: String },
    /// A rule iptables-nft would not have written.
    ForeignRule { chain: String, handle: u64 },
}

/// The decision about one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NftCompatStatus {
    pub family: u8,
    pub table: String,
    #[serde(flatten)]
    pub outcome: NftCompat,
}

/// Why the chains of `table` are not what iptables-nft makes for `saved`, if they are not.
fn chains_differ(table: &Table, saved: &SaveTable) -> Option<String> {
    for chain in &table.chains {
        if saved.chain(&chain.name).is_none() {
            return Some(format!("chain {} is not in the save text", chain.name));
        }
        let builtin = BUILTIN_CHAINS.iter().position(|b| *b == chain.name);
        match (&chain.hook, builtin) {
            (Some(hook), Some(index)) if usize::try_from(hook.hooknum).ok() == Some(index) => {}
            (None, None) => {}
            _ => {
                return Some(format!(
                    "chain {} is not iptables' chain of that name",
                    chain.name
                ))
            }
        }
    }
    for saved_chain in &saved.chains {
        let in_nft = table.chains.iter().any(|c| c.name == saved_chain.name);
        let empty_builtin =
            BUILTIN_CHAINS.contains(&saved_chain.name.as_str()) && saved_chain.rules.is_empty();
        if !(in_nft || empty_builtin) {
            return Some(format!(
                "save chain {} is not in the table",
                saved_chain.name
            ));
        }
    }
    None
}

/// The first rule iptables-nft would not have written: `(chain, handle)`.
fn foreign_rule(table: &Table) -> Option<(String, u64)> {
    table.chains.iter().find_map(|chain| {
        chain.rules.iter().find_map(|rule| {
            let counters = rule.exprs.iter().filter(|e| e.name == "counter").count();
            let known = rule
                .exprs
                .iter()
                .all(|e| IPTABLES_NFT_EXPRESSIONS.contains(&e.name.as_str()));
            (counters != 1 || !known).then(|| (chain.name.clone(), rule.handle))
        })
    })
}

fn decide(table: &Table, saves: &NftSaves) -> Option<NftCompat> {
    let family = XtFamily::from_nfproto(table.family)?;
    if !IPTABLES_TABLES.contains(&table.name.as_str()) {
        return None;
    }
    let Some(dump) = saves.get(family) else {
        return Some(NftCompat::NoSaveText);
    };
    let saved = match dump.table(&table.name) {
        Some(saved) if dump.shows_fully(&table.name) => saved,
        _ => return Some(NftCompat::NotShown),
    };
    if let Some(reason) = chains_differ(table, saved) {
        return Some(NftCompat::Chains { reason });
    }
    if let Some((chain, handle)) = foreign_rule(table) {
        return Some(NftCompat::ForeignRule { chain, handle });
    }
    for chain in &table.chains {
        let lines = saved.chain(&chain.name).map_or(0, |c| c.rules.len());
        if lines != chain.rules.len() {
            return Some(NftCompat::CountMismatch {
                chain: chain.name.clone(),
                rules: chain.rules.len(),
                lines,
            });
        }
    }
    Some(NftCompat::Attached)
}

/// Marks the tables of `ruleset` that iptables-nft made (`Table::iptables_nft`) and gives
/// their rules the save line at the same position (`TextSource::IptablesNftSave`) when the
/// rule counts agree. Returns the decision for every `ip`/`ip6` table with an iptables
/// table name.
pub fn mark_iptables_nft(ruleset: &mut NftRuleset, saves: &NftSaves) -> Vec<NftCompatStatus> {
    let mut statuses = Vec::new();
    for table in &mut ruleset.tables {
        let Some(outcome) = decide(table, saves) else {
            continue;
        };
        table.iptables_nft = matches!(
            outcome,
            NftCompat::Attached | NftCompat::CountMismatch { .. }
        );
        if outcome == NftCompat::Attached {
            let saved = XtFamily::from_nfproto(table.family)
                .and_then(|family| saves.get(family))
                .and_then(|dump| dump.table(&table.name));
            if let Some(saved) = saved {
                for chain in &mut table.chains {
                    let Some(saved_chain) = saved.chain(&chain.name) else {
                        continue;
                    };
                    for (rule, line) in chain.rules.iter_mut().zip(&saved_chain.rules) {
                        rule.text = Some(RuleText {
                            text: line.clone(),
                            source: TextSource::IptablesNftSave,
                        });
                    }
                }
            }
        }
        statuses.push(NftCompatStatus {
            family: table.family,
            table: table.name.clone(),
            outcome,
        });
    }
    statuses
}

/// Runs the nft save tools ([`read_nft_saves`]) and [`mark_iptables_nft`].
pub fn attach_iptables_nft_texts(
    ruleset: &mut NftRuleset,
) -> Result<Vec<NftCompatStatus>, IptablesError> {
    let saves = read_nft_saves()?;
    Ok(mark_iptables_nft(ruleset, &saves))
}
