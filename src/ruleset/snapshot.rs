//! The snapshot a tracer keeps: the nf_tables ruleset (dumped at start, kept current from
//! `NFNLGRP_NFTABLES`), the iptables-legacy tables (re-read when they change), every rule's
//! text, and interface names — and what a trace step resolves to against them.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::interfaces::Interfaces;
use super::iptables::{attach_iptables_nft_texts, CachePolicy, LegacyCache, LegacyResolution};
use super::model::{NftRuleset, RuleText, TextSource};
use super::nft::{self, NftRulesetError};
use super::resolve::{resolve_nft, NftStep};
use super::text::{
    dump_anonymous_sets, expression_listing, fill_texts, fill_texts_with_nft, render_rule,
    with_comment, NftCommand, RenderContext,
};
use crate::wire::{TraceEvent, TraceStep};

/// What to read besides the nf_tables dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Take rule texts from `nft -a list ruleset` when the `nft` binary is there (else the
    /// built-in renderer writes them all).
    pub nft_text: bool,
    /// Read the iptables-legacy tables (and their `*-save` texts).
    pub legacy: bool,
    /// Resolve interface indexes to names.
    pub interfaces: bool,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            nft_text: true,
            legacy: true,
            interfaces: true,
        }
    }
}

/// Why the snapshot could not be read.
#[derive(Debug, Error)]
pub enum SnapshotError {
    #[error("reading the nf_tables ruleset: {0}")]
    Nft(#[from] NftRulesetError),
}

impl SnapshotError {
    /// True when the reason is missing privileges (root or CAP_NET_ADMIN needed).
    pub fn is_permission_denied(&self) -> bool {
        match self {
            SnapshotError::Nft(err) => err.is_permission_denied(),
        }
    }
}

/// How long rule texts may stay rendered by nftrace after a ruleset change before
/// `nft -a list ruleset` is asked again (it is slow on large rulesets).
const TEXT_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// The ruleset as the tracer knows it.
#[derive(Debug)]
pub struct Snapshot {
    nft: NftRuleset,
    legacy: Option<LegacyCache>,
    interfaces: Option<Interfaces>,
    options: SnapshotOptions,
    /// Rules changed since texts last came from nft.
    texts_stale: bool,
    last_text_refresh: Instant,
    warnings: Vec<String>,
}

impl Snapshot {
    /// Reads everything, in the calling thread's network namespace. Only the nf_tables dump
    /// is required; a part that cannot be read is a warning (see [`Snapshot::warnings`]).
    pub fn load(options: SnapshotOptions) -> Result<Snapshot, SnapshotError> {
        let mut warnings = Vec::new();
        let mut nft = nft::dump()?;
        let interfaces = if options.interfaces {
            match Interfaces::open() {
                Ok(interfaces) => Some(interfaces),
                Err(err) => {
                    warnings.push(format!("interface names unavailable: {err}"));
                    None
                }
            }
        } else {
            None
        };
        fill_all_texts(&mut nft, options, interfaces.as_ref(), &mut warnings);
        let legacy = if options.legacy {
            match LegacyCache::open(CachePolicy::default()) {
                Ok(cache) => Some(cache),
                Err(err) => {
                    warnings.push(format!("iptables-legacy tables unavailable: {err}"));
                    None
                }
            }
        } else {
            None
        };
        Ok(Snapshot {
            nft,
            legacy,
            interfaces,
            options,
            texts_stale: false,
            last_text_refresh: Instant::now(),
            warnings,
        })
    }

    /// Problems that limit what the snapshot can say, not yet taken.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Takes the problems noted so far (at load, or since the last call), to report each once.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// The nf_tables ruleset.
    pub fn nft(&self) -> &NftRuleset {
        &self.nft
    }

    /// The iptables-legacy tables, when they were read.
    pub fn legacy_tables(&self) -> &[super::model::LegacyTable] {
        self.legacy
            .as_ref()
            .map(LegacyCache::tables)
            .unwrap_or_default()
    }

    /// Applies a datagram of ruleset changes from `NFNLGRP_NFTABLES`. New rules get a
    /// rendered text at once; nft's own text follows at the next [`Snapshot::tick`].
    pub fn apply_changes(&mut self, datagram: &[u8]) {
        match self.nft.apply_datagram(datagram) {
            Ok(_) => {}
            Err(err) => {
                self.warnings
                    .push(format!("a ruleset change could not be decoded: {err}"));
                self.resync();
            }
        }
        self.texts_stale = true;
        render_missing_texts(&mut self.nft, self.interfaces.as_ref());
    }

    /// Reads the nf_tables ruleset afresh (after lost changes), keeping deleted rules
    /// resolvable as the retired ones of the old snapshot.
    pub fn resync(&mut self) {
        match nft::dump() {
            Ok(fresh) => {
                self.nft.resync(fresh, Instant::now());
                self.texts_stale = true;
                render_missing_texts(&mut self.nft, self.interfaces.as_ref());
            }
            Err(err) => self
                .warnings
                .push(format!("re-reading the nf_tables ruleset failed: {err}")),
        }
    }

    /// Housekeeping between receive batches: nft's own text for changed rules (at most once
    /// per second), and forgetting retired rules past their grace period.
    pub fn tick(&mut self) {
        let now = Instant::now();
        if self.texts_stale && now.duration_since(self.last_text_refresh) >= TEXT_REFRESH_INTERVAL {
            let mut warnings = Vec::new();
            fill_all_texts(
                &mut self.nft,
                self.options,
                self.interfaces.as_ref(),
                &mut warnings,
            );
            self.texts_stale = false;
            self.last_text_refresh = now;
        }
        self.nft.prune_retired(now);
    }

    /// What an nf_tables trace event's step was.
    pub fn nft_step(&self, event: &TraceEvent<'_>) -> NftStep<'_> {
        resolve_nft(&self.nft, event)
    }

    /// What an iptables-legacy TRACE step was (re-reading the table if it changed).
    pub fn legacy_step(
        &mut self,
        family: u8,
        step: &TraceStep<'_>,
    ) -> Option<LegacyResolution<'_>> {
        self.legacy
            .as_mut()
            .map(|cache| cache.resolve(family, step))
    }

    /// Resolves an nf_tables trace event and its interface names together.
    pub fn describe_trace(&mut self, event: &TraceEvent<'_>) -> StepInfo<'_> {
        self.refresh_interfaces([event.iif, event.oif]);
        StepInfo {
            nft: Some(resolve_nft(&self.nft, event)),
            legacy: None,
            iif: self.cached_name(event.iif),
            oif: self.cached_name(event.oif),
        }
    }

    /// Resolves an iptables-legacy TRACE step and its record's interface names together.
    pub fn describe_legacy(
        &mut self,
        family: u8,
        step: Option<&TraceStep<'_>>,
        indev: Option<u32>,
        outdev: Option<u32>,
    ) -> StepInfo<'_> {
        self.refresh_interfaces([indev, outdev]);
        let Snapshot {
            legacy, interfaces, ..
        } = self;
        let name = |index: Option<u32>| interfaces.as_ref()?.cached(index?);
        StepInfo {
            nft: None,
            legacy: step.and_then(|s| legacy.as_mut().map(|cache| cache.resolve(family, s))),
            iif: name(indev),
            oif: name(outdev),
        }
    }

    /// Looks up unknown interface indexes (which may re-read the list) so that the
    /// immutable look-ups after it find them.
    fn refresh_interfaces(&mut self, indexes: [Option<u32>; 2]) {
        if let Some(interfaces) = self.interfaces.as_mut() {
            for index in indexes.into_iter().flatten() {
                if interfaces.cached(index).is_none() {
                    let _ = interfaces.name(index);
                }
            }
        }
    }

    fn cached_name(&self, index: Option<u32>) -> Option<&str> {
        self.interfaces.as_ref()?.cached(index?)
    }
}

/// A trace step with what the snapshot says about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepInfo<'a> {
    /// For an nf_tables trace event.
    pub nft: Option<NftStep<'a>>,
    /// For an iptables-legacy TRACE record.
    pub legacy: Option<LegacyResolution<'a>>,
    /// Name of the input interface.
    pub iif: Option<&'a str>,
    /// Name of the output interface.
    pub oif: Option<&'a str>,
}

/// Every rule's text, best source first, and the iptables-nft tables' save lines.
fn fill_all_texts(
    nft: &mut NftRuleset,
    options: SnapshotOptions,
    interfaces: Option<&Interfaces>,
    warnings: &mut Vec<String>,
) {
    let names = |index: u32| interfaces.and_then(|i| i.cached(index)).map(str::to_owned);
    let report = if options.nft_text {
        fill_texts_with_nft(nft, &NftCommand::default(), &names)
    } else {
        // The renderer prints anonymous sets from their elements, read from the kernel.
        let (sets, errors) = dump_anonymous_sets(nft, None);
        let mut report = fill_texts(nft, None, Some(&sets), &names);
        report.element_errors = errors;
        report
    };
    if let Some(err) = report.nft_error {
        warnings.push(format!(
            "`nft -a list ruleset` failed, rule texts are nftrace's: {err}"
        ));
    }
    if let Err(err) = attach_iptables_nft_texts(nft) {
        warnings.push(format!("iptables-nft rule texts unavailable: {err}"));
    }
}

/// Gives every rule without a text one from the renderer (or the expression listing).
fn render_missing_texts(nft: &mut NftRuleset, interfaces: Option<&Interfaces>) {
    let names = |index: u32| interfaces.and_then(|i| i.cached(index)).map(str::to_owned);
    let tables_with_new_rules: HashSet<(u8, String)> = nft
        .tables
        .iter()
        .filter(|t| {
            t.chains
                .iter()
                .any(|c| c.rules.iter().any(|r| r.text.is_none()))
        })
        .map(|t| (t.family, t.name.clone()))
        .collect();
    if tables_with_new_rules.is_empty() {
        return;
    }
    // New rules may use anonymous sets made in the same transaction: read their elements
    // so the text shows `{ 80, 443 }`, as nft does, not the set's internal name.
    let wanted = |family: u8, table: &str, _set: &str| {
        tables_with_new_rules.contains(&(family, table.to_owned()))
    };
    let (sets, _errors) = dump_anonymous_sets(nft, Some(&wanted));
    for table in &mut nft.tables {
        let ctx = RenderContext::new(table.family, &table.sets)
            .with_interfaces(&names)
            .with_elements(sets.table(table.family, &table.name));
        for chain in &mut table.chains {
            for rule in chain.rules.iter_mut().filter(|r| r.text.is_none()) {
                let (text, source) = match render_rule(&rule.exprs, &ctx) {
                    Ok(text) => (text, TextSource::Builtin),
                    Err(_) => (expression_listing(&rule.exprs), TextSource::Expressions),
                };
                rule.text = Some(RuleText {
                    text: with_comment(text, rule.comment.as_deref()),
                    source,
                });
            }
        }
    }
}
