//! A legacy snapshot kept current while tracing.
//!
//! iptables-legacy has no change notifications and no generation number: every change
//! (`-I`, `-D`, `-R`, `-F`, a whole `iptables-restore`) replaces the table in one
//! `IPT_SO_SET_REPLACE`. [`LegacyCache`] notices changes when steps arrive, and only then, so
//! an idle tracer costs nothing:
//!
//! - **Entry count and layout** (`IPT_SO_GET_INFO`, 84 bytes, a few microseconds): checked at
//!   each step by default ([`CachePolicy::info_interval`]). Catches inserts, deletes, flushes
//!   and new or removed chains as soon as the first step after them arrives.
//! - **Contents** (`IPT_SO_GET_ENTRIES`, the whole table, compared without the counters): at
//!   each step for tables of at most 64 KiB (about a hundred rules), else at most once per
//!   [`CachePolicy::verify_interval`] per table. Catches what leaves the count and size
//!   alone: a rule replaced (`-R`) by one of the same size.
//! - **A miss** (a step naming a table, chain or number the snapshot lacks, or whose word
//!   contradicts the entry there) also marks the table stale.
//!
//! A stale table is read again (structure and `iptables-legacy-save -t TABLE`) at most once
//! per [`CachePolicy::reread_interval`]; until then its steps are
//! [`Unresolved::Stale`] — never resolved against the old snapshot, so never the wrong rule
//! for a change the checks saw. What no check can see: a step that reaches nftrace after a
//! change but was logged before it is resolved against the new table (the kernel's record
//! says nothing about which table version it came from); and in a table above 64 KiB, a
//! same-size `-R` is only seen after up to `verify_interval`.
//!
//! Measured on this machine (release build, 6.18): `GET_INFO` 0.8 µs, so a resolved step
//! costs about 1 µs; `GET_ENTRIES` of a 10,000-rule filter table (4.9 MB, each rule with a
//! comment) 9 ms, a full re-read of it 13 ms without texts and 39 ms with
//! `iptables-legacy-save`. The default 200 ms verification thus costs up to ~5 % of a core on
//! such a table while steps keep arriving, and nothing on small tables or when idle; raise
//! `verify_interval` for huge tables.
//!
//! Everything is per network namespace: the sockets belong to the namespace of the thread
//! that opened the cache; the save tools and `/proc` list run in the namespace of the calling
//! thread, so use the cache from threads in that same namespace.

use std::time::{Duration, Instant};

use super::blob::fingerprint;
use super::error::IptablesError;
use super::family::XtFamily;
use super::kernel::{table_names, XtSocket};
use super::legacy_text::TextOutcome;
use super::reader::{read_family, read_table, TableRead};
use super::resolve::{resolve_legacy, LegacyResolution, Unresolved};
use crate::ruleset::model::LegacyTable;
use crate::wire::TraceStep;

/// Tables whose entries take at most this many bytes (about a hundred rules) are compared
/// with the kernel's at every step, whatever [`CachePolicy::verify_interval`] says.
const ALWAYS_VERIFY_BELOW_BYTES: u32 = 64 * 1024;

/// How eagerly a [`LegacyCache`] checks for changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Least time between two `GET_INFO` checks of one table; zero: at every step.
    pub info_interval: Duration,
    /// Least time between two full comparisons (`GET_ENTRIES`) of one table.
    pub verify_interval: Duration,
    /// Least time between two re-reads of one table (and between two looks for a table
    /// the snapshot lacks).
    pub reread_interval: Duration,
    /// Attach `iptables-legacy-save` texts.
    pub texts: bool,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            info_interval: Duration::ZERO,
            verify_interval: Duration::from_millis(200),
            reread_interval: Duration::from_millis(200),
            texts: true,
        }
    }
}

/// What a [`LegacyCache`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    /// `GET_INFO` checks.
    pub info_checks: u64,
    /// Full comparisons (`GET_ENTRIES`).
    pub verifications: u64,
    /// Tables read again (including tables found after the start).
    pub rereads: u64,
    /// Steps answered [`Unresolved::Stale`] because a re-read had to wait.
    pub stale_steps: u64,
    /// Checks or re-reads that failed (logged; the step is then [`Unresolved::Stale`]).
    pub errors: u64,
}

#[derive(Debug)]
struct Cached {
    read: TableRead,
    family: XtFamily,
    read_at: Instant,
    checked_at: Instant,
    verified_at: Instant,
    /// A check saw a change that has not been read yet.
    stale: bool,
}

/// The legacy tables of one namespace, re-read when trace steps show they changed.
#[derive(Debug)]
pub struct LegacyCache {
    policy: CachePolicy,
    ipv4: Option<XtSocket>,
    ipv6: Option<XtSocket>,
    tables: Vec<LegacyTable>,
    cached: Vec<Cached>,
    /// Tables a step named that the snapshot lacks, and when they were last looked for.
    looked_for: Vec<(XtFamily, String, Instant)>,
    stats: CacheStats,
}

fn due(last: Instant, interval: Duration, now: Instant) -> bool {
    now.saturating_duration_since(last) >= interval
}

impl LegacyCache {
    /// Reads every legacy table of the calling thread's network namespace.
    pub fn open(policy: CachePolicy) -> Result<LegacyCache, IptablesError> {
        let now = Instant::now();
        let mut cache = LegacyCache {
            policy,
            ipv4: None,
            ipv6: None,
            tables: Vec::new(),
            cached: Vec::new(),
            looked_for: Vec::new(),
            stats: CacheStats::default(),
        };
        for family in XtFamily::ALL {
            for read in read_family(family, policy.texts)? {
                cache.insert(family, read, now);
            }
        }
        Ok(cache)
    }

    /// The tables as last read (those found after the start come last).
    pub fn tables(&self) -> &[LegacyTable] {
        &self.tables
    }

    /// How the texts of the table at the same index in [`LegacyCache::tables`] went.
    pub fn text_outcomes(&self) -> impl Iterator<Item = &TextOutcome> {
        self.cached.iter().map(|c| &c.read.texts)
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// The policy in force.
    pub fn policy(&self) -> CachePolicy {
        self.policy
    }

    fn insert(&mut self, family: XtFamily, read: TableRead, now: Instant) {
        self.tables.push(read.table.clone());
        self.cached.push(Cached {
            read,
            family,
            read_at: now,
            checked_at: now,
            verified_at: now,
            stale: false,
        });
    }

    /// The family's `getsockopt` handle, opened on first use.
    fn socket(&mut self, family: XtFamily) -> Result<&XtSocket, IptablesError> {
        let entry = match family {
            XtFamily::Ipv4 => &mut self.ipv4,
            XtFamily::Ipv6 => &mut self.ipv6,
        };
        match entry {
            Some(socket) => Ok(socket),
            None => Ok(entry.insert(XtSocket::open(family)?)),
        }
    }

    /// Reads every table again, now.
    pub fn refresh(&mut self) -> Result<(), IptablesError> {
        let now = Instant::now();
        let mut fresh = Vec::new();
        for family in XtFamily::ALL {
            for read in read_family(family, self.policy.texts)? {
                fresh.push((family, read));
            }
        }
        self.tables.clear();
        self.cached.clear();
        for (family, read) in fresh {
            self.insert(family, read, now);
            self.stats.rereads += 1;
        }
        Ok(())
    }

    /// Resolves `step`, logged for `family` (`NFPROTO_IPV4` / `NFPROTO_IPV6`), reading the
    /// table again first when it changed (see the module documentation).
    pub fn resolve(&mut self, family: u8, step: &TraceStep<'_>) -> LegacyResolution<'_> {
        let Some(xt_family) = XtFamily::from_nfproto(family) else {
            return LegacyResolution::Unresolved(Unresolved::Family);
        };
        let now = Instant::now();
        let found = self
            .cached
            .iter()
            .position(|c| c.family == xt_family && c.read.table.name == step.table);
        let verdict = match found {
            Some(index) => self.check_and_resolve(index, family, step, now),
            None => self.look_for(xt_family, step.table, now),
        };
        match verdict {
            Some(why) => LegacyResolution::Unresolved(why),
            None => resolve_legacy(&self.tables, family, step),
        }
    }

    /// Checks table `index` for changes; re-reads it when stale and allowed. Returns why
    /// the step must stay unresolved, or `None` to resolve against the (now current) tables.
    fn check_and_resolve(
        &mut self,
        index: usize,
        family: u8,
        step: &TraceStep<'_>,
        now: Instant,
    ) -> Option<Unresolved> {
        let policy = self.policy;
        if let Err(err) = self.check(index, now, policy) {
            log::warn!("checking legacy table {}: {err}", step.table);
            self.stats.errors += 1;
            self.mark_stale(index);
        }
        let stale = self.cached.get(index).is_some_and(|c| c.stale);
        if !stale && resolve_legacy(&self.tables, family, step).is_resolved() {
            return None;
        }
        // Stale, or a miss: the table may have changed in a way the checks did not see.
        let cached = self.cached.get(index)?;
        if !due(cached.read_at, policy.reread_interval, now) {
            if stale {
                self.stats.stale_steps += 1;
                return Some(Unresolved::Stale);
            }
            return None; // a plain miss: resolve says which
        }
        let xt_family = cached.family;
        let name = cached.read.table.name.clone();
        match self.reread(index, xt_family, &name, now) {
            Ok(()) => None,
            Err(err) => {
                log::warn!("reading legacy table {xt_family} {name} again: {err}");
                self.stats.errors += 1;
                Some(Unresolved::Stale)
            }
        }
    }

    fn mark_stale(&mut self, index: usize) {
        if let Some(cached) = self.cached.get_mut(index) {
            cached.stale = true;
        }
    }

    /// The `GET_INFO` and `GET_ENTRIES` checks that are due.
    fn check(
        &mut self,
        index: usize,
        now: Instant,
        policy: CachePolicy,
    ) -> Result<(), IptablesError> {
        let Some(cached) = self.cached.get(index) else {
            return Ok(());
        };
        if cached.stale {
            return Ok(());
        }
        let (family, name) = (cached.family, cached.read.table.name.clone());
        let info_due = due(cached.checked_at, policy.info_interval, now);
        // A small table is compared at every step: reading it costs microseconds, and only
        // a comparison catches a same-size `-R`, which would otherwise show the old text.
        let small = cached.read.info.size <= ALWAYS_VERIFY_BELOW_BYTES;
        let verify_due = small || due(cached.verified_at, policy.verify_interval, now);
        if !info_due && !verify_due {
            return Ok(());
        }
        let old_info = cached.read.info.clone();
        let old_fingerprint = cached.read.fingerprint;
        self.stats.info_checks += 1;
        let info = self.socket(family)?.info(&name)?;
        let mut changed = info.as_ref() != Some(&old_info);
        if !changed && verify_due {
            self.stats.verifications += 1;
            let blob = match &info {
                Some(info) => self.socket(family)?.entries(info)?,
                None => None,
            };
            changed = match (&info, blob) {
                (Some(info), Some(blob)) => {
                    fingerprint(family, info, &blob) != Some(old_fingerprint)
                }
                _ => true, // it changed size meanwhile
            };
        }
        if let Some(cached) = self.cached.get_mut(index) {
            cached.checked_at = now;
            if verify_due && !changed {
                cached.verified_at = now;
            }
            cached.stale = changed;
        }
        Ok(())
    }

    /// Reads table `index` again (it may have gone: then it is dropped).
    fn reread(
        &mut self,
        index: usize,
        family: XtFamily,
        name: &str,
        now: Instant,
    ) -> Result<(), IptablesError> {
        let texts = self.policy.texts;
        let read = read_table(self.socket(family)?, name, texts, None)?;
        self.stats.rereads += 1;
        match read {
            Some(read) => {
                if let Some(table) = self.tables.get_mut(index) {
                    *table = read.table.clone();
                }
                if let Some(cached) = self.cached.get_mut(index) {
                    *cached = Cached {
                        read,
                        family,
                        read_at: now,
                        checked_at: now,
                        verified_at: now,
                        stale: false,
                    };
                }
            }
            None => {
                if index < self.tables.len() {
                    self.tables.remove(index);
                }
                if index < self.cached.len() {
                    self.cached.remove(index);
                }
            }
        }
        Ok(())
    }

    /// A step names a table the snapshot lacks: look for it (rate-limited). Returns why the
    /// step stays unresolved, or `None` once the table was added.
    fn look_for(&mut self, family: XtFamily, name: &str, now: Instant) -> Option<Unresolved> {
        let interval = self.policy.reread_interval;
        match self
            .looked_for
            .iter_mut()
            .find(|(f, n, _)| *f == family && n == name)
        {
            Some((_, _, last)) if !due(*last, interval, now) => return Some(Unresolved::NoTable),
            Some((_, _, last)) => *last = now,
            None => self.looked_for.push((family, name.to_owned(), now)),
        }
        let listed = match table_names(family) {
            Ok(names) => names.iter().any(|n| n == name),
            Err(err) => {
                log::warn!("listing {family} legacy tables: {err}");
                self.stats.errors += 1;
                false
            }
        };
        if !listed {
            return Some(Unresolved::NoTable);
        }
        let texts = self.policy.texts;
        let read = self
            .socket(family)
            .and_then(|socket| read_table(socket, name, texts, None));
        match read {
            Ok(Some(read)) => {
                self.stats.rereads += 1;
                self.insert(family, read, now);
                None
            }
            Ok(None) => Some(Unresolved::NoTable),
            Err(err) => {
                log::warn!("reading {family} legacy table {name}: {err}");
                self.stats.errors += 1;
                Some(Unresolved::NoTable)
            }
        }
    }
}
