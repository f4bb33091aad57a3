//! Interface index → name for one network namespace, kept current while tracing.
//!
//! Trace events carry interface indexes (`NFTA_TRACE_IIF`, `NFULA_IFINDEX_INDEV`, ...);
//! people read names. [`Interfaces`] reads every link once (an `RTM_GETLINK` dump over
//! `NETLINK_ROUTE`) and then follows the kernel's link notifications (`RTNLGRP_LINK`), which
//! it drains without blocking at each lookup: interfaces created, renamed or deleted after
//! start show under their current name. Should the notification socket overflow (the kernel
//! then drops notifications and says so with `ENOBUFS`), or be unavailable, the whole list is
//! read again; a lookup of an unknown index also reads it again, at most once per
//! [`InterfacesConfig::refresh_interval`], so a burst of events cannot turn into a burst of
//! dumps.
//!
//! A deleted interface's name is kept for [`InterfacesConfig::keep_departed`]: events about
//! packets that crossed it arrive after the deletion and should still name it. Indexes are
//! not reused soon (each namespace counts them up), so a kept name does not shadow a new
//! interface; a live interface always wins anyway.
//!
//! Everything is per network namespace: the sockets belong to the namespace of the thread
//! that calls [`Interfaces::open`], and keep reading that namespace whichever thread uses
//! them afterwards.

mod monitor;

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use neli::consts::socket::NlFamily;
use nftrace_sys::netlink::{NLM_F_DUMP, NLM_F_REQUEST};

use crate::netlink::{finish_request, push_attr, request_header, DumpSocket, DumpSocketError};
use crate::wire::{DecodeError, LinkChange, LinkMessage, IFLA_EXT_MASK, RTM_GETLINK};

use monitor::{LinkMonitor, MonitorRead};

/// How many deleted interfaces are remembered at most (the oldest are forgotten first).
const MAX_DEPARTED: usize = 4096;

/// `RTEXT_FILTER_SKIP_STATS`: leave the (large) statistics out of the dump.
const RTEXT_FILTER_SKIP_STATS: u32 = 1 << 3;

/// How [`Interfaces`] keeps itself current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfacesConfig {
    /// The shortest time between two reads of pending notifications by lookups of known
    /// indexes (a read is one system call even when nothing is pending; a tracer looks names
    /// up for every event). A lookup of an unknown index always reads them.
    pub update_interval: Duration,
    /// The shortest time between two full re-reads caused by lookups (misses, or every
    /// lookup when there is no notification socket).
    pub refresh_interval: Duration,
    /// How long the name of a deleted interface still resolves.
    pub keep_departed: Duration,
    /// Follow link notifications (`RTNLGRP_LINK`) between lookups. Without them, renames
    /// show only after the next re-read.
    pub monitor: bool,
}

impl Default for InterfacesConfig {
    fn default() -> Self {
        InterfacesConfig {
            update_interval: Duration::from_millis(10),
            refresh_interval: Duration::from_millis(500),
            keep_departed: Duration::from_secs(60),
            monitor: true,
        }
    }
}

/// Counters of an [`Interfaces`] cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterfacesStats {
    /// Full reads of the link list (the first one included).
    pub dumps: u64,
    /// Link notifications applied.
    pub notifications: u64,
    /// Times the notification socket overflowed (each causes a full re-read).
    pub overruns: u64,
    /// Lookups of an index that was not known.
    pub misses: u64,
    /// Failures while refreshing during lookups (logged, the old names stay).
    pub errors: u64,
}

/// Why the interface list could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InterfacesError {
    /// A system call on the rtnetlink socket failed.
    #[error("interface names: {op}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The kernel refused the link dump.
    #[error("interface names: the kernel refused the RTM_GETLINK dump: {}{}",
        io::Error::from_raw_os_error(*errno),
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Refused {
        /// The positive errno.
        errno: i32,
        /// The kernel's extended-ack message, if any.
        message: Option<String>,
    },
    /// A link message could not be decoded.
    #[error("interface names: decoding a link message: {source}")]
    Decode {
        /// What was wrong.
        #[from]
        source: DecodeError,
    },
}

impl From<DumpSocketError> for InterfacesError {
    fn from(error: DumpSocketError) -> Self {
        match error {
            DumpSocketError::Io { op, source } => InterfacesError::Io { op, source },
            DumpSocketError::Refused { errno, message } => {
                InterfacesError::Refused { errno, message }
            }
            DumpSocketError::Decode(source) => InterfacesError::Decode { source },
        }
    }
}

/// A deleted interface's name and when its deletion was seen.
#[derive(Debug, Clone)]
struct Departed {
    name: String,
    since: Instant,
}

/// Interface index → name for one network namespace; see the module documentation.
#[derive(Debug)]
pub struct Interfaces {
    config: InterfacesConfig,
    live: HashMap<u32, String>,
    departed: HashMap<u32, Departed>,
    dump: DumpSocket,
    monitor: Option<LinkMonitor>,
    last_dump: Instant,
    last_update: Instant,
    stats: InterfacesStats,
}

impl Interfaces {
    /// Reads the interfaces of the calling thread's network namespace and subscribes to
    /// their changes, with the default [`InterfacesConfig`].
    pub fn open() -> Result<Self, InterfacesError> {
        Self::with_config(InterfacesConfig::default())
    }

    /// Like [`Interfaces::open`] with `config`. A notification socket that cannot be opened
    /// is not an error: the cache then re-reads the list instead (logged).
    pub fn with_config(config: InterfacesConfig) -> Result<Self, InterfacesError> {
        // Subscribe before the first dump, so no change between the two is missed.
        let monitor = if config.monitor {
            match LinkMonitor::open() {
                Ok(monitor) => Some(monitor),
                Err(err) => {
                    log::debug!(
                        "interface names: no link notifications ({err}); re-reading instead"
                    );
                    None
                }
            }
        } else {
            None
        };
        let mut interfaces = Interfaces {
            config,
            live: HashMap::new(),
            departed: HashMap::new(),
            dump: DumpSocket::open(NlFamily::Route)?,
            monitor,
            last_dump: Instant::now(),
            last_update: Instant::now(),
            stats: InterfacesStats::default(),
        };
        interfaces.refresh()?;
        Ok(interfaces)
    }

    /// The name of interface `index`, current as of this call give or take
    /// [`InterfacesConfig::update_interval`]: pending link notifications are applied first,
    /// and an unknown index makes the cache re-read the list (rate limited). Deleted
    /// interfaces resolve for a while after their deletion. `None` for an index the
    /// namespace never had (or 0, "no interface").
    pub fn name(&mut self, index: u32) -> Option<&str> {
        if index == 0 {
            return None;
        }
        let known_before = self.cached(index).is_some();
        if !known_before || self.last_update.elapsed() >= self.config.update_interval {
            if let Err(err) = self.update() {
                self.stats.errors += 1;
                log::debug!("{err}");
            }
        }
        let known = self.live.contains_key(&index) || self.departed.contains_key(&index);
        if !known {
            self.stats.misses += 1;
        }
        let stale = self.monitor.is_none();
        if (!known || stale) && self.last_dump.elapsed() >= self.config.refresh_interval {
            if let Err(err) = self.refresh() {
                self.stats.errors += 1;
                log::debug!("{err}");
            }
        }
        self.cached(index)
    }

    /// The name of interface `index` as cached, without looking for changes.
    pub fn cached(&self, index: u32) -> Option<&str> {
        self.live
            .get(&index)
            .map(String::as_str)
            .or_else(|| self.departed.get(&index).map(|d| d.name.as_str()))
    }

    /// True if interface `index` exists (as of the last update), false if it is unknown or
    /// was deleted.
    pub fn is_live(&self, index: u32) -> bool {
        self.live.contains_key(&index)
    }

    /// The live interfaces, `(index, name)`, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.live
            .iter()
            .map(|(index, name)| (*index, name.as_str()))
    }

    /// Applies the pending link notifications without blocking, and re-reads the whole list
    /// if notifications were lost. Returns how many notifications were applied.
    pub fn update(&mut self) -> Result<usize, InterfacesError> {
        self.last_update = Instant::now();
        self.forget_old_departures();
        let Some(monitor) = self.monitor.as_mut() else {
            return Ok(0);
        };
        let mut applied = 0;
        let mut overrun = false;
        let mut changes = Vec::new();
        loop {
            match monitor.read(&mut changes)? {
                MonitorRead::Empty => break,
                MonitorRead::Messages => {}
                MonitorRead::Overrun => {
                    overrun = true;
                    self.stats.overruns += 1;
                }
            }
        }
        for (change, index, name) in changes.drain(..) {
            self.apply(change, index, name);
            applied += 1;
        }
        self.stats.notifications += applied as u64;
        if overrun {
            self.refresh()?;
        }
        Ok(applied)
    }

    /// Reads the whole list now (an `RTM_GETLINK` dump). Interfaces that disappeared since
    /// the last read are kept as departed.
    pub fn refresh(&mut self) -> Result<(), InterfacesError> {
        let seq = self.dump.next_seq();
        let mut request = request_header(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
        // struct ifinfomsg, all zero: every family, every interface.
        request.extend_from_slice(&[0; crate::wire::IFINFOMSG_LEN]);
        push_attr(
            &mut request,
            IFLA_EXT_MASK,
            &RTEXT_FILTER_SKIP_STATS.to_ne_bytes(),
        );
        let request = finish_request(request);
        let mut fresh: HashMap<u32, String> = HashMap::with_capacity(self.live.len());
        self.dump.dump(&request, seq, |msg| {
            let link = LinkMessage::parse(msg)?;
            if link.change == LinkChange::New {
                if let Some(name) = link.name_lossy() {
                    fresh.insert(link.info.index, name.into_owned());
                }
            }
            Ok(())
        })?;
        self.stats.dumps += 1;
        self.last_dump = Instant::now();
        let now = self.last_dump;
        let gone: Vec<(u32, String)> = self
            .live
            .drain()
            .filter(|(index, _)| !fresh.contains_key(index))
            .collect();
        for (index, name) in gone {
            self.depart(index, name, now);
        }
        for index in fresh.keys() {
            self.departed.remove(index);
        }
        self.live = fresh;
        Ok(())
    }

    /// Counters so far.
    pub fn stats(&self) -> InterfacesStats {
        self.stats
    }

    /// True while link notifications are followed.
    pub fn is_monitoring(&self) -> bool {
        self.monitor.is_some()
    }

    fn apply(&mut self, change: LinkChange, index: u32, name: Option<String>) {
        match change {
            LinkChange::New => {
                if let Some(name) = name {
                    self.departed.remove(&index);
                    self.live.insert(index, name);
                }
            }
            LinkChange::Del => {
                let known = self.live.remove(&index);
                if let Some(name) = known.or(name) {
                    self.depart(index, name, Instant::now());
                }
            }
        }
    }

    fn depart(&mut self, index: u32, name: String, since: Instant) {
        if self.departed.len() >= MAX_DEPARTED && !self.departed.contains_key(&index) {
            let oldest = self
                .departed
                .iter()
                .min_by_key(|(_, d)| d.since)
                .map(|(index, _)| *index);
            if let Some(oldest) = oldest {
                self.departed.remove(&oldest);
            }
        }
        self.departed.insert(index, Departed { name, since });
    }

    fn forget_old_departures(&mut self) {
        if self.departed.is_empty() {
            return;
        }
        let keep = self.config.keep_departed;
        self.departed.retain(|_, d| d.since.elapsed() < keep);
    }
}
