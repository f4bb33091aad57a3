//! The whole hot path in one object: the listener (both kernel sources), the ruleset
//! snapshot kept current, and the correlator, handing over finished packet paths. The CLI
//! and programs embedding nftrace drive it the same way: open, `poll` in a loop, `finish`.
//!
//! Everything happens in the network namespace of the thread that calls [`Tracer::open`]
//! (sockets, the dump, the `nft` and `iptables-*-save` commands it runs).

use std::time::{Duration, Instant, SystemTime};

use thiserror::Error;

use crate::correlate::{
    CorrelateConfig, CorrelateStats, Correlator, Observer, OwnTriggers, PacketPath,
};
use crate::listen::{Handler, ListenConfig, ListenError, ListenStats, Listener, Source};
use crate::ruleset::snapshot::{Snapshot, SnapshotError, SnapshotOptions};
use crate::wire::{DecodeError, Event};

/// What to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracerConfig {
    pub listen: ListenConfig,
    /// The ruleset to resolve steps against; `None` to print steps as the kernel reports
    /// them (no rule numbers or texts, no `nft` or `iptables` run).
    pub ruleset: Option<SnapshotOptions>,
    pub correlate: CorrelateConfig,
}

impl Default for TracerConfig {
    fn default() -> Self {
        TracerConfig {
            listen: ListenConfig {
                ruleset_changes: true,
                ..ListenConfig::default()
            },
            ruleset: Some(SnapshotOptions::default()),
            correlate: CorrelateConfig::default(),
        }
    }
}

/// Why tracing could not start or go on.
#[derive(Debug, Error)]
pub enum TracerError {
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

impl TracerError {
    /// True when the reason is missing privileges.
    pub fn is_permission_denied(&self) -> bool {
        match self {
            TracerError::Listen(err) => err.netlink().is_permission_denied(),
            TracerError::Snapshot(err) => err.is_permission_denied(),
        }
    }

    /// A one-line remedy, when there is one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            TracerError::Listen(err) => err.hint(),
            TracerError::Snapshot(err) => err
                .is_permission_denied()
                .then_some("run nftrace as root, or give it CAP_NET_ADMIN"),
        }
    }
}

/// Counts since the tracer opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TracerStats {
    pub listen: ListenStats,
    pub correlate: CorrelateStats,
    /// Paths handed over so far.
    pub paths: u64,
}

/// Listener, snapshot and correlator.
pub struct Tracer {
    listener: Listener,
    state: State,
}

/// What the listener's handler needs: everything but the listener itself.
struct State {
    snapshot: Option<Snapshot>,
    observer: Observer,
    correlator: Correlator,
    warnings: Vec<String>,
    decode_errors_reported: u32,
    /// Losses already passed on to the correlator.
    losses_seen: u64,
    handed_over: u64,
}

impl Tracer {
    /// Opens the sockets, then reads the ruleset (after the ruleset socket, so that no
    /// change falls between the dump and the updates).
    pub fn open(config: &TracerConfig) -> Result<Tracer, TracerError> {
        let mut listen = config.listen;
        listen.ruleset_changes = config.ruleset.is_some();
        let listener = Listener::open(&listen)?;
        let mut warnings: Vec<String> = listener.warnings().to_vec();
        let snapshot = match config.ruleset {
            Some(options) => {
                let mut snapshot = Snapshot::load(options)?;
                warnings.extend(snapshot.take_warnings());
                Some(snapshot)
            }
            None => None,
        };
        Ok(Tracer {
            listener,
            state: State {
                snapshot,
                observer: Observer::default(),
                correlator: Correlator::new(config.correlate),
                warnings,
                decode_errors_reported: 0,
                losses_seen: 0,
                handed_over: 0,
            },
        })
    }

    /// Problems that did not stop tracing but limit what it shows, each reported once.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.state.warnings)
    }

    /// Which sources are open, for a status line.
    pub fn describe(&self) -> String {
        self.listener.describe()
    }

    /// Tells the tracer which triggers this run installed (their steps are labelled, and
    /// the user's raw rules keep their own numbers).
    pub fn set_own_triggers(&mut self, own: OwnTriggers) {
        self.state.observer.own = own;
    }

    /// The ruleset snapshot, when one is kept.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.state.snapshot.as_ref()
    }

    pub fn stats(&self) -> TracerStats {
        TracerStats {
            listen: self.listener.stats(),
            correlate: self.state.correlator.stats(),
            paths: self.state.handed_over,
        }
    }

    /// Waits up to `timeout` for events, receives and correlates everything queued, and
    /// hands every path that is finished to `on_path`. Returns early on a signal.
    pub fn poll(
        &mut self,
        timeout: Duration,
        on_path: &mut dyn FnMut(PacketPath),
    ) -> Result<(), TracerError> {
        // Wake up in time to close paths that are waiting for late steps.
        let timeout = if self.state.correlator.open_paths() > 0 {
            timeout.min(Duration::from_millis(50))
        } else {
            timeout
        };
        self.listener.poll(timeout, &mut self.state)?;
        let losses = {
            let stats = self.listener.stats();
            stats.overruns() + stats.nflog_seq_gaps
        };
        if losses > self.state.losses_seen {
            self.state.losses_seen = losses;
            self.state.correlator.mark_lost();
        }
        if let Some(snapshot) = self.state.snapshot.as_mut() {
            snapshot.tick();
            let warnings = snapshot.take_warnings();
            self.state.warnings.extend(warnings);
        }
        self.state.correlator.expire(Instant::now());
        self.hand_over(on_path);
        Ok(())
    }

    /// Closes every open path and hands them over (at the end of a run).
    pub fn finish(&mut self, on_path: &mut dyn FnMut(PacketPath)) {
        self.state.correlator.close_all();
        self.hand_over(on_path);
    }

    fn hand_over(&mut self, on_path: &mut dyn FnMut(PacketPath)) {
        for path in self.state.correlator.take_finished() {
            self.state.handed_over += 1;
            on_path(path);
        }
    }
}

impl Handler for State {
    fn event(&mut self, received: SystemTime, event: &Event<'_>) {
        let snapshot = self.snapshot.as_mut();
        let observation = match event {
            Event::Trace(trace) => self.observer.trace(snapshot, received, trace),
            Event::Nflog(record) => self.observer.nflog(snapshot, received, record),
            _ => None,
        };
        if let Some(observation) = observation {
            self.correlator.push(observation, Instant::now());
        }
    }

    fn decode_error(&mut self, source: Source, error: &DecodeError) {
        // The first few are worth reading; the summary counts them all.
        const REPORTED: u32 = 5;
        if self.decode_errors_reported < REPORTED {
            self.decode_errors_reported += 1;
            let what = match source {
                Source::NfTables => "an nf_tables trace message",
                Source::Nflog => "an nfnetlink_log message",
                Source::Ruleset => "an nf_tables ruleset change",
            };
            self.warnings
                .push(format!("could not decode {what}: {error}"));
        }
    }

    fn ruleset_change(&mut self, datagram: &[u8]) {
        if let Some(snapshot) = self.snapshot.as_mut() {
            snapshot.apply_changes(datagram);
        }
    }

    fn ruleset_changes_lost(&mut self) {
        if let Some(snapshot) = self.snapshot.as_mut() {
            self.warnings
                .push("ruleset changes were lost; reading the ruleset again".to_owned());
            snapshot.resync();
        }
    }
}
