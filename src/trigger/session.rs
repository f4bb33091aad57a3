//! A run's triggers as one object: installed together (the nf_log binding first, so the
//! trigger can record what to restore), removed together, and removed on drop — whatever
//! ends the run, short of SIGKILL, which [`recover_stale`] deals with at the next start.

use nftrace_sys::netfilter::{NFPROTO_IPV4, NFPROTO_IPV6};

use super::error::TriggerError;
use super::legacy::{self, LegacyTrigger};
use super::nf_log::{self, NfLogBinding};
use super::nft::{self, NftTrigger};
use super::record::Record;
use super::TriggerSpec;
use crate::correlate::OwnTriggers;
use crate::filter::Filter;

/// Which kind of trigger to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One nf_tables table with `meta nftrace set 1` rules: traces nf_tables chains and, the
    /// trace bit being shared, iptables-legacy tables too.
    Nft,
    /// `TRACE` rules in the iptables-legacy raw tables.
    Legacy,
}

/// What a session installs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// `None`: nf_tables, or iptables-legacy where the kernel has no nf_tables.
    pub backend: Option<Backend>,
    pub filter: Filter,
    pub iif: Option<String>,
    pub mark: Option<(u32, u32)>,
    pub rate: u32,
    /// iptables-legacy tables exist in the namespace: bind nfnetlink_log so their TRACE
    /// records reach nftrace (always done for the legacy backend).
    pub legacy_tables_in_use: bool,
}

/// The installed triggers of a run.
#[derive(Debug)]
pub struct Session {
    nft: Option<NftTrigger>,
    legacy: Option<LegacyTrigger>,
    nf_log: Option<NfLogBinding>,
    /// Said when nft was wanted but the kernel lacks it.
    notes: Vec<String>,
}

impl Session {
    /// Installs the triggers; on failure nothing stays installed and the binding is restored
    /// (the half-made session is dropped, which removes what it holds).
    pub fn install(config: &SessionConfig) -> Result<Session, TriggerError> {
        let mut session = Session {
            nft: None,
            legacy: None,
            nf_log: None,
            notes: Vec::new(),
        };
        let backend = config.backend.unwrap_or(Backend::Nft);
        if config.legacy_tables_in_use || backend == Backend::Legacy {
            session.bind_nf_log()?;
        }
        match backend {
            Backend::Nft => match nft::install(&session.spec(config)) {
                Ok(trigger) => session.nft = Some(trigger),
                Err(err) if config.backend.is_none() && err.is_feature_missing() => {
                    session.notes.push(format!(
                        "the kernel has no nf_tables ({err}); using iptables-legacy TRACE rules"
                    ));
                    session.bind_nf_log()?;
                    session.legacy = Some(legacy::install(&session.spec(config))?);
                }
                Err(err) => return Err(err),
            },
            Backend::Legacy => session.legacy = Some(legacy::install(&session.spec(config))?),
        }
        Ok(session)
    }

    /// Binds nfnetlink_log for both families, once.
    fn bind_nf_log(&mut self) -> Result<(), TriggerError> {
        if self.nf_log.is_none() {
            self.nf_log = Some(nf_log::bind(&[NFPROTO_IPV4, NFPROTO_IPV6])?);
        }
        Ok(())
    }

    /// What to install, with a record of the bindings to restore after it.
    fn spec(&self, config: &SessionConfig) -> TriggerSpec {
        TriggerSpec {
            filter: config.filter.clone(),
            iif: config.iif.clone(),
            mark: config.mark,
            rate: config.rate,
            record: Record::of_this_process(
                self.nf_log
                    .as_ref()
                    .map(NfLogBinding::saved)
                    .unwrap_or_default(),
            ),
        }
    }

    /// Things worth saying once (a fallback taken).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// What the tracer needs to know about them.
    pub fn own_triggers(&self) -> OwnTriggers {
        OwnTriggers {
            nft_table: self.nft.as_ref().map(|t| t.table().to_owned()),
            legacy_rules: self
                .legacy
                .as_ref()
                .map(LegacyTrigger::rules_per_chain)
                .unwrap_or_default(),
        }
    }

    /// What was installed, for the ready line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(trigger) = &self.nft {
            parts.push(format!(
                "table inet {} ({} trace rules in chains {})",
                trigger.table(),
                trigger.rules(),
                trigger.chains().join(", ")
            ));
        }
        if let Some(trigger) = &self.legacy {
            parts.push(trigger.describe());
        }
        if let Some(binding) = &self.nf_log {
            parts.push(binding.describe());
        }
        parts.join("; ")
    }

    /// Removes everything installed; returns what could not be removed. Idempotent.
    pub fn remove(&mut self) -> Vec<TriggerError> {
        let mut failures = Vec::new();
        if let Some(trigger) = self.nft.take() {
            if let Err(err) = trigger.remove() {
                failures.push(err);
            }
        }
        if let Some(trigger) = self.legacy.take() {
            if let Err(err) = trigger.remove() {
                failures.push(err);
            }
        }
        // Last: the triggers record the binding, so it is restored only once they are gone.
        if let Some(binding) = self.nf_log.take() {
            if let Err(err) = binding.restore() {
                failures.push(err);
            }
        }
        failures
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for failure in self.remove() {
            eprintln!("nftrace: error: removing the trace trigger: {failure}");
        }
    }
}

/// Removes the triggers of earlier runs whose process is gone (killed before it could clean
/// up) and restores the nf_log binding they recorded. Returns one line per thing done;
/// triggers of runs still alive, and look-alikes without a record, are left alone.
pub fn recover_stale() -> Result<Vec<String>, TriggerError> {
    let mut done = Vec::new();
    let mut restore: Vec<(u8, String)> = Vec::new();
    for (table, record) in nft::find_installed()? {
        let Some(record) = record else { continue };
        if record.owner_alive() {
            continue;
        }
        nft::remove_table(&table)?;
        done.push(format!(
            "removed table inet {table}, left by nftrace process {} which is no longer running",
            record.pid
        ));
        restore.extend(record.nf_log.iter().cloned());
    }
    let stale: Vec<_> = legacy::find_installed()?
        .into_iter()
        .filter(|rule| !rule.record.owner_alive())
        .collect();
    if !stale.is_empty() {
        legacy::remove_found(&stale)?;
        for rule in &stale {
            restore.extend(rule.record.nf_log.iter().cloned());
        }
        let mut pids: Vec<u32> = stale.iter().map(|r| r.record.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        done.push(format!(
            "removed {} iptables-legacy TRACE rule(s) left by nftrace process(es) {:?} which are no longer running",
            stale.len(),
            pids
        ));
    }
    restore.sort();
    restore.dedup();
    if !restore.is_empty() {
        nf_log::restore_values(&restore)?;
        for (family, value) in &restore {
            done.push(format!("restored net.netfilter.nf_log.{family}={value}"));
        }
    }
    Ok(done)
}
