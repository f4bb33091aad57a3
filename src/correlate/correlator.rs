//! The correlator: assigns each observation to the path of its packet, and hands paths over
//! once they are finished.
//!
//! - nf_tables events carry a trace id. The id is reused by later packets (it hashes the
//!   skb's address, flow hash and input interface: consecutive packets of a flow often get
//!   the same one) and changes within one packet's way (loopback, bridges). So an event
//!   continues the path its id points to only when it can follow the path's last step in
//!   kernel order; otherwise the id moves to the new packet and the old path stays open
//!   for its other steps. The first event of a base-chain invocation with an unknown id is
//!   stitched to an open path of the same packet (same
//!   unchanged fields, one side kept through NAT) that it can follow, else starts a path.
//! - nflog records carry no id: each joins the oldest open path of the same packet that it
//!   can follow (records arrive in the order the kernel logged them), else starts a path.
//! - A path is finished a short while after its last step when the packet reached a final
//!   hook or was dropped, or after a longer quiet time otherwise; at most `max_open` paths
//!   are open (the oldest are closed first), so memory does not grow with run time.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::identity::{same_packet, PacketKey};
use super::model::{HopSource, PacketPath};
use super::observe::Observation;
use super::order::Succession;
use super::path::OpenPath;

/// How long paths wait for more steps, and how many may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelateConfig {
    /// After a step at a final hook (input, postrouting, a drop): the time left for late
    /// steps of the same packet (from the other source, or chains of equal priority).
    pub settle: Duration,
    /// After any other step: how long without a new step before the path is closed anyway.
    pub quiet: Duration,
    /// How far apart two steps of one packet may be when its trace id changed.
    pub stitch_window: Duration,
    /// Paths open at once, at most.
    pub max_open: usize,
}

impl Default for CorrelateConfig {
    fn default() -> Self {
        CorrelateConfig {
            settle: Duration::from_millis(100),
            quiet: Duration::from_secs(1),
            stitch_window: Duration::from_secs(1),
            max_open: 4096,
        }
    }
}

/// Counts since the correlator started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CorrelateStats {
    /// Paths handed over.
    pub paths: u64,
    /// Paths closed early because `max_open` were open.
    pub evicted: u64,
    /// nf_tables events whose path was found by stitching (their trace id had changed).
    pub stitched: u64,
}

/// Groups observations into packet paths.
#[derive(Debug)]
pub struct Correlator {
    config: CorrelateConfig,
    /// By id, which grows with time: the first entry is the oldest.
    open: BTreeMap<u64, OpenPath>,
    by_trace_id: HashMap<u32, u64>,
    by_key: HashMap<PacketKey, Vec<u64>>,
    finished: Vec<PacketPath>,
    next_id: u64,
    arrivals: u64,
    stats: CorrelateStats,
}

impl Correlator {
    pub fn new(config: CorrelateConfig) -> Correlator {
        Correlator {
            config,
            open: BTreeMap::new(),
            by_trace_id: HashMap::new(),
            by_key: HashMap::new(),
            finished: Vec::new(),
            next_id: 1,
            arrivals: 0,
            stats: CorrelateStats::default(),
        }
    }

    pub fn stats(&self) -> CorrelateStats {
        self.stats
    }

    /// Paths still open.
    pub fn open_paths(&self) -> usize {
        self.open.len()
    }

    /// Adds one step; `now` is a monotonic clock reading for the expiry of paths.
    pub fn push(&mut self, observation: Observation, now: Instant) {
        let target = match observation.hop.source {
            HopSource::NfTables => self.place_nft(&observation, now),
            HopSource::Nflog => self.find_same_packet(&observation, now),
        };
        let id = match target {
            Some(id) => id,
            None => self.start_path(&observation, now),
        };
        if let Some(trace_id) = observation.trace_id {
            self.by_trace_id.insert(trace_id, id);
        }
        self.arrivals += 1;
        let arrival = self.arrivals;
        let key = observation.hop.packet.as_ref().map(PacketKey::of);
        if let Some(path) = self.open.get_mut(&id) {
            let had_packet = path.latest_packet.is_some();
            path.push(observation, now, arrival);
            if !had_packet {
                if let Some(key) = key {
                    self.by_key.entry(key).or_default().push(id);
                }
            }
        }
    }

    /// The kernel lost events: every open path may miss some.
    pub fn mark_lost(&mut self) {
        for path in self.open.values_mut() {
            path.lost = true;
        }
    }

    /// Closes the paths that waited long enough.
    pub fn expire(&mut self, now: Instant) {
        let config = self.config;
        let due: Vec<u64> = self
            .open
            .values()
            .filter(|path| {
                let wait = if path.at_final_stage() {
                    config.settle
                } else {
                    config.quiet
                };
                now.saturating_duration_since(path.last_event) >= wait
            })
            .map(|path| path.id)
            .collect();
        for id in due {
            self.close(id);
        }
    }

    /// Closes every open path (at the end of a run).
    pub fn close_all(&mut self) {
        let ids: Vec<u64> = self.open.keys().copied().collect();
        for id in ids {
            self.close(id);
        }
    }

    /// Hands over the finished paths, in the order their packets were first seen.
    pub fn take_finished(&mut self) -> Vec<PacketPath> {
        let mut finished = std::mem::take(&mut self.finished);
        finished.sort_by_key(|path| path.id);
        finished
    }

    /// The path an nf_tables event belongs to, if it is already open.
    fn place_nft(&mut self, observation: &Observation, now: Instant) -> Option<u64> {
        let trace_id = observation.trace_id?;
        let current = self
            .by_trace_id
            .get(&trace_id)
            .copied()
            .filter(|id| self.open.contains_key(id));
        if !observation.starts_invocation {
            // Events after the first of an invocation have no headers: the id is all there
            // is, and within one invocation it does not change.
            return current;
        }
        if let Some(id) = current {
            let path = &self.open[&id];
            let follows = path.succession(HopSource::NfTables, observation.position.as_ref())
                != Succession::No;
            let same = match (&path.latest_packet, &observation.hop.packet) {
                (Some(before), Some(now)) => same_packet(before, now, true),
                _ => true,
            };
            if follows && same {
                return Some(id);
            }
            // The id now belongs to another packet. The one it named stays open: steps the
            // other source reported for it may still be queued behind this event.
            self.by_trace_id.remove(&trace_id);
        }
        let found = self.find_same_packet(observation, now);
        if found.is_some() {
            self.stats.stitched += 1;
        }
        found
    }

    /// The oldest open path of the same packet that `observation` can follow.
    fn find_same_packet(&self, observation: &Observation, now: Instant) -> Option<u64> {
        let packet = observation.hop.packet.as_ref()?;
        let candidates = self.by_key.get(&PacketKey::of(packet))?;
        candidates
            .iter()
            .filter_map(|id| self.open.get(id))
            .filter(|path| {
                now.saturating_duration_since(path.last_event) <= self.config.stitch_window
                    && path
                        .forms
                        .iter()
                        .any(|seen| same_packet(seen, packet, false))
                    && path.succession(observation.hop.source, observation.position.as_ref())
                        != Succession::No
                    && !(path.ended && path.cursor(observation.hop.source).position.is_some())
            })
            .map(|path| path.id)
            .min()
    }

    fn start_path(&mut self, observation: &Observation, now: Instant) -> u64 {
        while self.open.len() >= self.config.max_open.max(1) {
            let Some((&oldest, path)) = self.open.iter_mut().next() else {
                break;
            };
            // A packet that already left netfilter is only waiting for stragglers: closing
            // it early loses nothing likely. Anything else is cut short, and says so.
            if !path.at_final_stage() {
                path.evicted = true;
                self.stats.evicted += 1;
            }
            self.close(oldest);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.open.insert(id, OpenPath::new(id, now, observation));
        id
    }

    fn close(&mut self, id: u64) {
        let Some(path) = self.open.remove(&id) else {
            return;
        };
        for trace_id in &path.trace_ids {
            if self.by_trace_id.get(trace_id) == Some(&id) {
                self.by_trace_id.remove(trace_id);
            }
        }
        if let Some(packet) = &path.latest_packet {
            let key = PacketKey::of(packet);
            if let Some(ids) = self.by_key.get_mut(&key) {
                ids.retain(|other| *other != id);
                if ids.is_empty() {
                    self.by_key.remove(&key);
                }
            }
        }
        self.stats.paths += 1;
        self.finished.push(path.finish());
    }
}
