//! The listener: both kernel trace sources behind one receive loop.
//!
//! It opens the nf_tables trace socket and the nfnetlink_log socket, waits on both, receives
//! many datagrams per call, decodes them in place and hands each event to a [`Handler`]. It
//! keeps the counts an operator needs to trust the output: events per source, decode errors,
//! and events the kernel could not deliver (receive-buffer overruns, gaps in nflog's sequence
//! numbers).

use std::os::fd::AsFd;
use std::time::{Duration, SystemTime};

use thiserror::Error;

use crate::netlink::{
    poll_readable_into, NetlinkError, NflogConfig, NflogSocket, NftMonitor, NftMonitorConfig,
    RecvBatch, SocketStats, TraceSocket, TraceSocketConfig,
};
use crate::wire::{self, DecodeError, Event};

/// Which kernel sources to listen to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    /// nf_tables trace events and nfnetlink_log records.
    Both,
    /// nf_tables trace events only (`NFNLGRP_NFTRACE`).
    NfTables,
    /// nfnetlink_log records only (iptables-legacy `TRACE`).
    Nflog,
}

/// One of the sockets the listener reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// nf_tables trace events.
    NfTables,
    /// nfnetlink_log records.
    Nflog,
    /// nf_tables ruleset changes (`NFNLGRP_NFTABLES`), when asked for.
    Ruleset,
}

/// What to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenConfig {
    pub sources: Sources,
    /// The nfnetlink_log group; iptables-legacy TRACE always logs to group 0.
    pub nflog_group: u16,
    /// Bytes of each packet nfnetlink_log copies.
    pub copy_range: u32,
    /// Receive buffer to ask for on each socket, in bytes.
    pub rcvbuf: usize,
    /// Also listen to nf_tables ruleset changes, handed to [`Handler::ruleset_change`]
    /// before any trace event that was queued after them.
    pub ruleset_changes: bool,
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            sources: Sources::Both,
            nflog_group: 0,
            copy_range: NflogConfig::DEFAULT_COPY_RANGE,
            rcvbuf: crate::netlink::DEFAULT_RCVBUF_BYTES,
            ruleset_changes: false,
        }
    }
}

/// Receives what the listener decodes. Only [`Handler::event`] is required.
pub trait Handler {
    /// Every datagram as received, before decoding (for raw captures).
    fn datagram(&mut self, _source: Source, _bytes: &[u8]) {}
    /// One decoded trace event or log record; `received` is when its datagram arrived.
    fn event(&mut self, received: SystemTime, event: &Event<'_>);
    /// A message that could not be decoded; the listener counts it and carries on.
    fn decode_error(&mut self, _source: Source, _error: &DecodeError) {}
    /// A datagram of nf_tables ruleset changes (with [`ListenConfig::ruleset_changes`]).
    fn ruleset_change(&mut self, _datagram: &[u8]) {}
    /// Ruleset changes were lost (the monitor socket overran): a snapshot kept current from
    /// them must be read afresh.
    fn ruleset_changes_lost(&mut self) {}
}

/// Counts since the listener opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenStats {
    /// nf_tables trace events decoded.
    pub trace_events: u64,
    /// nfnetlink_log records decoded (TRACE or not).
    pub nflog_records: u64,
    /// Messages that failed to decode.
    pub decode_errors: u64,
    /// nflog records the kernel numbered but never delivered (gaps in `NFULA_SEQ`).
    pub nflog_seq_gaps: u64,
    /// The trace socket's own counters (overruns among them).
    pub trace_socket: SocketStats,
    /// The nflog socket's own counters.
    pub nflog_socket: SocketStats,
    /// The ruleset monitor's counters (overruns there lose ruleset changes, not events).
    pub ruleset_socket: SocketStats,
}

impl ListenStats {
    /// Receive-buffer overruns on either socket: each one lost at least one message.
    pub fn overruns(&self) -> u64 {
        self.trace_socket.overruns + self.nflog_socket.overruns
    }

    /// True when the kernel is known to have dropped something on the way to us.
    pub fn lost_any(&self) -> bool {
        self.overruns() > 0
            || self.nflog_seq_gaps > 0
            || self.trace_socket.truncated > 0
            || self.nflog_socket.truncated > 0
    }
}

/// Why the listener could not start or go on.
#[derive(Debug, Error)]
pub enum ListenError {
    #[error("opening the nf_tables trace socket: {0}")]
    Trace(#[source] NetlinkError),
    #[error("opening the nfnetlink_log socket: {0}")]
    Nflog(#[source] NetlinkError),
    #[error("listening to nf_tables ruleset changes: {0}")]
    Ruleset(#[source] NetlinkError),
    #[error("receiving: {0}")]
    Receive(#[source] NetlinkError),
}

impl ListenError {
    /// The underlying socket error.
    pub fn netlink(&self) -> &NetlinkError {
        match self {
            ListenError::Trace(e)
            | ListenError::Nflog(e)
            | ListenError::Ruleset(e)
            | ListenError::Receive(e) => e,
        }
    }

    /// A one-line remedy for the operator, when there is one.
    pub fn hint(&self) -> Option<&'static str> {
        self.netlink().hint()
    }
}

/// Receive batches taken from one socket per [`Listener::poll`] (32 datagrams each).
const MAX_BATCHES_PER_DRAIN: usize = 64;

/// Both sockets, one receive batch, and the counts.
#[derive(Debug)]
pub struct Listener {
    trace: Option<TraceSocket>,
    nflog: Option<NflogSocket>,
    monitor: Option<NftMonitor>,
    batch: RecvBatch,
    warnings: Vec<String>,
    stats: ListenStats,
    next_nflog_seq: Option<u32>,
}

impl Listener {
    /// Opens the sockets `config` asks for. With [`Sources::Both`], an nflog group that
    /// another program owns, or a kernel without nfnetlink_log, is a warning (see
    /// [`Listener::warnings`]) and the listener goes on with nf_tables alone; asked for
    /// alone, either source's failure is an error.
    pub fn open(config: &ListenConfig) -> Result<Self, ListenError> {
        let mut warnings = Vec::new();
        let trace = match config.sources {
            Sources::Both | Sources::NfTables => Some(
                TraceSocket::open(TraceSocketConfig {
                    rcvbuf_bytes: config.rcvbuf,
                })
                .map_err(ListenError::Trace)?,
            ),
            Sources::Nflog => None,
        };
        let nflog = match config.sources {
            Sources::Both | Sources::Nflog => {
                let opened = NflogSocket::open(NflogConfig {
                    group: config.nflog_group,
                    copy_range: config.copy_range,
                    rcvbuf_bytes: config.rcvbuf,
                });
                match opened {
                    Ok(socket) => Some(socket),
                    Err(err)
                        if config.sources == Sources::Both
                            && !err.is_permission_denied()
                            && matches!(
                                err,
                                NetlinkError::GroupBusy { .. }
                                    | NetlinkError::FeatureMissing { .. }
                            ) =>
                    {
                        warnings.push(format!(
                            "not reading nfnetlink_log, so iptables-legacy TRACE will not show: {err}"
                        ));
                        None
                    }
                    Err(err) => return Err(ListenError::Nflog(err)),
                }
            }
            Sources::NfTables => None,
        };
        // Opened before the caller reads its snapshot, so no change falls between the two.
        let monitor = if config.ruleset_changes {
            Some(
                NftMonitor::open(NftMonitorConfig {
                    rcvbuf_bytes: config.rcvbuf,
                })
                .map_err(ListenError::Ruleset)?,
            )
        } else {
            None
        };
        Ok(Listener {
            trace,
            nflog,
            monitor,
            batch: RecvBatch::default(),
            warnings,
            stats: ListenStats::default(),
            next_nflog_seq: None,
        })
    }

    /// Problems that did not stop the listener but limit what it sees.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Which sources are open, for a status line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(trace) = &self.trace {
            parts.push(format!(
                "nf_tables trace events (NFNLGRP_NFTRACE, receive buffer {} KiB)",
                trace.rcvbuf().effective / 1024
            ));
        }
        if let Some(nflog) = &self.nflog {
            // This kernel config (no CONFIG_NETFILTER_NETLINK_GLUE_CT) is common, so it is
            // stated here rather than warned about on every run.
            let conntrack = if nflog.conntrack_enabled() {
                "with conntrack"
            } else {
                "without conntrack: the kernel refused it"
            };
            parts.push(format!(
                "nfnetlink_log group {} (copying {} bytes per packet, {conntrack})",
                nflog.group(),
                nflog.copy_range()
            ));
        }
        parts.join(" and ")
    }

    /// Counts so far.
    pub fn stats(&self) -> ListenStats {
        let mut stats = self.stats;
        if let Some(trace) = &self.trace {
            stats.trace_socket = trace.stats();
        }
        if let Some(nflog) = &self.nflog {
            stats.nflog_socket = nflog.stats();
        }
        if let Some(monitor) = &self.monitor {
            stats.ruleset_socket = monitor.stats();
        }
        stats
    }

    /// Waits up to `timeout` for any source, then receives and decodes what is queued (up to
    /// 64 batches per socket; the rest at the next call, which finds it ready at once),
    /// handing it to `handler`: ruleset changes first, so that a trace event never names a
    /// rule whose creation is still waiting in a queue. Returns with nothing done when a
    /// signal interrupts the wait.
    pub fn poll(
        &mut self,
        timeout: Duration,
        handler: &mut impl Handler,
    ) -> Result<(), ListenError> {
        const ORDER: [Source; 3] = [Source::Ruleset, Source::NfTables, Source::Nflog];
        let mut ready = [false; ORDER.len()];
        {
            let mut fds = Vec::with_capacity(ORDER.len());
            let mut polled = [None; ORDER.len()];
            for (slot, source) in ORDER.iter().enumerate() {
                let fd = match source {
                    Source::Ruleset => self.monitor.as_ref().map(AsFd::as_fd),
                    Source::NfTables => self.trace.as_ref().map(AsFd::as_fd),
                    Source::Nflog => self.nflog.as_ref().map(AsFd::as_fd),
                };
                if let Some(fd) = fd {
                    polled[fds.len()] = Some(slot);
                    fds.push(fd);
                }
            }
            if fds.is_empty() {
                std::thread::sleep(timeout);
                return Ok(());
            }
            let mut readable = [false; ORDER.len()];
            poll_readable_into(&fds, &mut readable, Some(timeout)).map_err(ListenError::Receive)?;
            for (index, slot) in polled.iter().enumerate() {
                if let Some(slot) = slot {
                    ready[*slot] = readable[index];
                }
            }
        }
        // The ruleset socket is read whenever anything is ready, not only when it is: a trace
        // event queued after a change may have arrived while the change was not yet seen.
        if self.monitor.is_some() && ready.contains(&true) {
            self.drain(Source::Ruleset, handler)?;
        }
        if ready[1] {
            self.drain(Source::NfTables, handler)?;
        }
        if ready[2] {
            self.drain(Source::Nflog, handler)?;
        }
        Ok(())
    }

    /// Receives batches from one socket until it has nothing queued.
    fn drain(&mut self, source: Source, handler: &mut impl Handler) -> Result<(), ListenError> {
        let mut batches = 0;
        loop {
            let overruns_before = self.monitor.as_ref().map(|m| m.stats().overruns);
            let received = match source {
                Source::NfTables => match self.trace.as_mut() {
                    Some(socket) => socket.recv(&mut self.batch),
                    None => return Ok(()),
                },
                Source::Nflog => match self.nflog.as_mut() {
                    Some(socket) => socket.recv(&mut self.batch),
                    None => return Ok(()),
                },
                Source::Ruleset => match self.monitor.as_mut() {
                    Some(socket) => socket.recv(&mut self.batch),
                    None => return Ok(()),
                },
            }
            .map_err(ListenError::Receive)?;
            if source == Source::Ruleset {
                let overruns_after = self.monitor.as_ref().map(|m| m.stats().overruns);
                if overruns_after != overruns_before {
                    handler.ruleset_changes_lost();
                }
            }
            if received == 0 {
                return Ok(());
            }
            let now = SystemTime::now();
            for datagram in self.batch.iter() {
                handler.datagram(source, datagram);
                if source == Source::Ruleset {
                    handler.ruleset_change(datagram);
                    continue;
                }
                for decoded in wire::decode_datagram(datagram) {
                    match decoded {
                        Ok(event) => {
                            count_event(&mut self.stats, &mut self.next_nflog_seq, &event);
                            handler.event(now, &event);
                        }
                        Err(error) => {
                            self.stats.decode_errors += 1;
                            handler.decode_error(source, &error);
                        }
                    }
                }
            }
            if received < self.batch.slots() {
                return Ok(());
            }
            batches += 1;
            if batches >= MAX_BATCHES_PER_DRAIN {
                // The socket still holds more; the caller polls again at once. Returning
                // lets it hand over what is finished, so a burst never piles up in memory.
                return Ok(());
            }
        }
    }
}

/// Updates the counts for one decoded event; nflog's per-instance sequence numbers reveal
/// exactly how many records the kernel dropped before they reached the socket.
fn count_event(stats: &mut ListenStats, next_nflog_seq: &mut Option<u32>, event: &Event<'_>) {
    match event {
        Event::Trace(_) => stats.trace_events += 1,
        Event::Nflog(record) => {
            stats.nflog_records += 1;
            if let Some(seq) = record.seq {
                if let Some(expected) = *next_nflog_seq {
                    // A "gap" of more than half the number space is a restart or reordering,
                    // not two billion lost records.
                    let gap = seq.wrapping_sub(expected);
                    if gap < 1 << 31 {
                        stats.nflog_seq_gaps += u64::from(gap);
                    }
                }
                *next_nflog_seq = Some(seq.wrapping_add(1));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode_datagram, fixtures};

    /// A real nflog record from the kernel, renumbered: the counting only reads `seq`.
    fn record_with_seq(seq: u32) -> Event<'static> {
        let message = fixtures::first_message(fixtures::NFLOG_TRACE_UDP4);
        match decode_datagram(message).next() {
            Some(Ok(Event::Nflog(mut record))) => {
                record.seq = Some(seq);
                Event::Nflog(record)
            }
            other => panic!("fixture is not an nflog record: {other:?}"),
        }
    }

    #[test]
    fn sequence_gaps_count_the_records_the_kernel_dropped() {
        let mut stats = ListenStats::default();
        let mut next = None;
        for seq in [0, 1, 2, 5, 6, 10] {
            count_event(&mut stats, &mut next, &record_with_seq(seq));
        }
        // 3 and 4 missing, then 7, 8 and 9.
        assert_eq!(stats.nflog_seq_gaps, 5);
        assert_eq!(stats.nflog_records, 6);
        assert!(stats.lost_any());
    }

    #[test]
    fn sequence_wraps_and_restarts_are_not_losses() {
        let mut stats = ListenStats::default();
        let mut next = None;
        for seq in [u32::MAX - 1, u32::MAX, 0, 1, 0] {
            count_event(&mut stats, &mut next, &record_with_seq(seq));
        }
        assert_eq!(stats.nflog_seq_gaps, 0);
        assert!(!stats.lost_any());
    }
}
