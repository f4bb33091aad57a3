//! `nftrace events`: every trace event as it arrives, one line (or JSON object) each.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;

use nftrace::listen::{Handler, ListenStats, Listener, Source};
use nftrace::output::{json::JsonWriter, text::TextWriter, EventWriter};
use nftrace::ruleset::snapshot::{Snapshot, StepInfo};
use nftrace::wire::{DecodeError, Event};

use crate::args::EventsArgs;
use crate::info::load_snapshot;
use crate::report::{loss_text, stop_flag, with_hint};

pub fn run_events(args: EventsArgs) -> anyhow::Result<()> {
    let stop = stop_flag()?;
    let config = args.listen.config();
    // The sockets first: a run that cannot listen must not create or truncate the file.
    let mut listener = Listener::open(&config).map_err(with_hint)?;
    // After the listener, whose ruleset socket queues every change made from now on.
    let mut snapshot = if args.listen.no_ruleset {
        None
    } else {
        Some(load_snapshot(true)?)
    };
    for warning in snapshot.iter_mut().flat_map(Snapshot::take_warnings) {
        eprintln!("nftrace: warning: {warning}");
    }
    let raw = match &args.save_raw {
        Some(path) => Some(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    for warning in listener.warnings() {
        eprintln!("nftrace: warning: {warning}");
    }
    eprintln!(
        "nftrace: listening on {}; Ctrl-C to stop",
        listener.describe()
    );

    let stdout = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let writer: Box<dyn EventWriter> = if args.json {
        Box::new(JsonWriter::new(stdout))
    } else {
        Box::new(TextWriter::new(stdout))
    };
    let mut printer = Printer {
        writer,
        raw,
        limit: args.count,
        printed: 0,
        error: None,
        decode_errors_shown: 0,
        snapshot,
    };
    let deadline = args.listen.duration.map(|d| Instant::now() + d);
    let result = receive_until_stopped(&mut listener, &mut printer, &stop, deadline);
    let stats = listener.stats();
    // Close the nflog group before the summary so a caller that sees it can rebind at once.
    drop(listener);
    if let Some(mut raw) = printer.raw.take() {
        raw.flush().context("writing the raw capture")?;
    }
    eprintln!("nftrace: {}", summary(&stats, printer.printed));
    result
}

/// The receive loop: runs until a signal, the count, the deadline or an error.
fn receive_until_stopped(
    listener: &mut Listener,
    printer: &mut Printer,
    stop: &AtomicBool,
    deadline: Option<Instant>,
) -> anyhow::Result<()> {
    const TICK: Duration = Duration::from_millis(250);
    while !stop.load(Ordering::Relaxed) && !printer.done() {
        let timeout = match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) => left.min(TICK),
                None => break,
            },
            None => TICK,
        };
        listener.poll(timeout, printer).map_err(with_hint)?;
        if let Some(snapshot) = printer.snapshot.as_mut() {
            snapshot.tick();
            for warning in snapshot.take_warnings() {
                eprintln!("nftrace: warning: {warning}");
            }
        }
        let flushed = match printer.error.take() {
            Some(err) => Err(err),
            None => printer.writer.flush(),
        };
        match flushed {
            Ok(()) => {}
            // A closed pipe (`nftrace events | head`) is a normal way to stop.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => break,
            Err(err) => return Err(err).context("writing the output"),
        }
    }
    Ok(())
}

/// Prints what the listener hands over, and keeps the first output error for the loop.
struct Printer {
    writer: Box<dyn EventWriter>,
    raw: Option<BufWriter<File>>,
    limit: Option<u64>,
    printed: u64,
    error: Option<io::Error>,
    decode_errors_shown: u32,
    snapshot: Option<Snapshot>,
}

impl Printer {
    fn done(&self) -> bool {
        self.limit.is_some_and(|limit| self.printed >= limit)
    }
}

impl Handler for Printer {
    fn datagram(&mut self, _source: Source, bytes: &[u8]) {
        if let Some(raw) = self.raw.as_mut() {
            if let Err(err) = raw.write_all(bytes) {
                self.error.get_or_insert(err);
            }
        }
    }

    fn event(&mut self, received: SystemTime, event: &Event<'_>) {
        if self.error.is_some()
            || self.done()
            || !matches!(event, Event::Trace(_) | Event::Nflog(_))
        {
            return;
        }
        self.printed += 1;
        let step = match (self.snapshot.as_mut(), event) {
            (Some(snapshot), Event::Trace(trace)) => snapshot.describe_trace(trace),
            (Some(snapshot), Event::Nflog(record)) => snapshot.describe_legacy(
                record.family,
                record.trace_step().as_ref(),
                record.indev,
                record.outdev,
            ),
            _ => StepInfo::default(),
        };
        if let Err(err) = self.writer.write_event(received, event, &step) {
            self.error = Some(err);
        }
    }

    fn ruleset_change(&mut self, datagram: &[u8]) {
        if let Some(snapshot) = self.snapshot.as_mut() {
            snapshot.apply_changes(datagram);
        }
    }

    fn ruleset_changes_lost(&mut self) {
        if let Some(snapshot) = self.snapshot.as_mut() {
            eprintln!("nftrace: warning: ruleset changes were lost; reading the ruleset again");
            snapshot.resync();
        }
    }

    fn decode_error(&mut self, source: Source, error: &DecodeError) {
        // Say what went wrong the first few times; the summary counts them all.
        const SHOWN: u32 = 5;
        if self.decode_errors_shown < SHOWN {
            self.decode_errors_shown += 1;
            let source = match source {
                Source::NfTables => "an nf_tables trace message",
                Source::Nflog => "an nfnetlink_log message",
                Source::Ruleset => "an nf_tables ruleset change",
            };
            eprintln!("nftrace: warning: could not decode {source}: {error}");
        }
    }
}

/// The line printed at exit: what was seen, and what was lost.
fn summary(stats: &ListenStats, printed: u64) -> String {
    format!(
        "{printed} events printed ({} nf_tables trace events, {} nfnetlink_log records received){}",
        stats.trace_events,
        stats.nflog_records,
        loss_text(stats)
    )
}
