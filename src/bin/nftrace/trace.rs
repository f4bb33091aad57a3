//! The default command: installs the trace trigger for the filter, prints one block (or
//! JSON object) per packet path, and removes the trigger whatever ends the run.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;

use nftrace::correlate::PacketPath;
use nftrace::filter::{filter_text, parse_filter, Filter};
use nftrace::output::paths::{colour_wanted, JsonPathWriter, PathWriter, TextPathWriter};
use nftrace::ruleset::snapshot::SnapshotOptions;
use nftrace::tracer::{Tracer, TracerConfig};
use nftrace::trigger::session::{recover_stale, Backend, Session, SessionConfig};

use crate::args::{BackendArg, TraceArgs};
use crate::report::{print_warnings, stop_flag, user_error, UsageError};
use crate::summary::RunSummary;

/// The default command.
pub fn run_trace(args: &TraceArgs) -> anyhow::Result<()> {
    // Everything the user typed is checked before anything is opened or installed.
    let filter = if args.filter.is_empty() {
        Filter::everything()
    } else {
        let text = filter_text(&args.filter);
        parse_filter(&args.filter)
            .map_err(|err| UsageError(format!("bad filter: {err}\n{}", err.pointer(&text))))?
    };
    let stop = stop_flag()?;
    let config = TracerConfig {
        listen: args.listen.config(),
        ruleset: (!args.listen.no_ruleset).then(SnapshotOptions::default),
        ..TracerConfig::default()
    };
    let mut tracer = Tracer::open(&config).map_err(|err| {
        let hint = err.hint();
        user_error(None, &err, hint)
    })?;
    print_warnings(tracer.take_warnings());

    let mut session = if args.no_install {
        None
    } else {
        Some(install(args, filter.clone(), &tracer)?)
    };
    if let Some(session) = session.as_mut() {
        tracer.set_own_triggers(session.own_triggers());
        print_warnings(session.take_notes());
        if filter.is_everything() && args.interface.is_none() && args.mark.is_none() {
            print_warnings([format!(
                "no filter: tracing every packet{}; give a filter (e.g. `udp and dst port 53`) to \
                 trace only what matters",
                match args.rate {
                    0 => " with no rate limit".to_owned(),
                    rate => format!(", at most {rate} per second per trigger rule"),
                }
            )]);
        }
        #[cfg(debug_assertions)]
        if std::env::var_os("NFTRACE_TEST_PANIC_AFTER_INSTALL").is_some() {
            // Lets the tests prove that a panic removes the trigger too.
            panic!("NFTRACE_TEST_PANIC_AFTER_INSTALL is set");
        }
    }
    eprintln!(
        "nftrace: listening on {}{}; one block per packet; Ctrl-C to stop",
        tracer.describe(),
        session
            .as_ref()
            .map(|s| format!("; installed {}", s.describe()))
            .unwrap_or_default()
    );

    let stdout = io::stdout();
    let colour = colour_wanted(stdout.is_terminal());
    let out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let writer: Box<dyn PathWriter> = if args.json {
        Box::new(JsonPathWriter::new(out))
    } else {
        Box::new(TextPathWriter::new(out, colour))
    };
    let mut printer = PathPrinter {
        writer,
        limit: args.count,
        printed: 0,
        error: None,
        summary: RunSummary::default(),
    };
    let mut status = StatusLine::new(io::stderr().is_terminal());

    const TICK: Duration = Duration::from_millis(250);
    let deadline = args.listen.duration.map(|d| Instant::now() + d);
    let mut result = Ok(());
    let mut pipe_closed = false;
    loop {
        if stop.load(Ordering::Relaxed) || printer.done() {
            break;
        }
        let timeout = match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) => left.min(TICK),
                None => break,
            },
            None => TICK,
        };
        if let Err(err) = tracer.poll(timeout, &mut |path| printer.print(&path)) {
            let hint = err.hint();
            result = Err(user_error(None, &err, hint));
            break;
        }
        let warnings = tracer.take_warnings();
        if !warnings.is_empty() {
            status.clear();
            print_warnings(warnings);
        }
        match printer.flush() {
            Ok(()) => {}
            // A closed pipe (`nftrace | head`) is a normal way to stop.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                pipe_closed = true;
                break;
            }
            Err(err) => {
                result = Err(err).context("writing the output");
                break;
            }
        }
        let stats = tracer.stats();
        status.update(printer.printed, &stats);
    }
    status.clear();
    if !pipe_closed {
        // Packets still on their way when the run ends are shown as far as they got.
        tracer.finish(&mut |path| printer.print(&path));
        if let Err(err) = printer.flush() {
            if err.kind() != io::ErrorKind::BrokenPipe && result.is_ok() {
                result = Err(err).context("writing the output");
            }
        }
    }
    let stats = tracer.stats();
    // The trigger goes before the listener closes, so no traced packet is left unread.
    if let Some(mut session) = session.take() {
        for failure in session.remove() {
            eprintln!("nftrace: error: removing the trace trigger: {failure}");
            if result.is_ok() {
                result = Err(anyhow::anyhow!(
                    "the trace trigger could not be removed completely"
                ));
            }
        }
    }
    drop(tracer);
    for line in printer.summary.lines(printer.printed, &stats) {
        eprintln!("nftrace: {line}");
    }
    result
}

/// Removes what killed runs left, then installs this run's trigger.
fn install(args: &TraceArgs, filter: Filter, tracer: &Tracer) -> anyhow::Result<Session> {
    let recovered = recover_stale().map_err(|err| {
        let hint = err.hint();
        user_error(
            Some("looking for triggers left by earlier runs"),
            &err,
            hint,
        )
    })?;
    for line in recovered {
        eprintln!("nftrace: {line}");
    }
    let config = SessionConfig {
        backend: args.backend.map(|b| match b {
            BackendArg::Nft => Backend::Nft,
            BackendArg::Legacy => Backend::Legacy,
        }),
        filter,
        iif: args.interface.clone(),
        mark: args.mark,
        rate: args.rate,
        legacy_tables_in_use: tracer
            .snapshot()
            .is_some_and(|s| !s.legacy_tables().is_empty()),
    };
    Session::install(&config).map_err(|err| {
        let hint = err.hint();
        user_error(Some("installing the trace trigger"), &err, hint)
    })
}

/// Prints paths up to the count, keeping the first output error for the loop.
struct PathPrinter {
    writer: Box<dyn PathWriter>,
    limit: Option<u64>,
    printed: u64,
    error: Option<io::Error>,
    summary: RunSummary,
}

impl PathPrinter {
    fn done(&self) -> bool {
        self.limit.is_some_and(|limit| self.printed >= limit)
    }

    fn print(&mut self, path: &PacketPath) {
        if self.error.is_some() || self.done() {
            return;
        }
        match self.writer.write_path(path) {
            Ok(()) => {
                self.printed += 1;
                self.summary.add(path);
            }
            Err(err) => self.error = Some(err),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.error.take() {
            Some(err) => Err(err),
            None => self.writer.flush(),
        }
    }
}

/// The live counts on stderr, rewritten in place once a second, only on a terminal.
struct StatusLine {
    enabled: bool,
    shown: bool,
    last: Option<Instant>,
}

impl StatusLine {
    fn new(enabled: bool) -> StatusLine {
        StatusLine {
            enabled,
            shown: false,
            last: None,
        }
    }

    fn update(&mut self, packets: u64, stats: &nftrace::tracer::TracerStats) {
        if !self.enabled
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.last = Some(Instant::now());
        let lost = stats.listen.overruns() + stats.listen.nflog_seq_gaps;
        let events = stats.listen.trace_events + stats.listen.nflog_records;
        let mut err = io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[K nftrace: {packets} packets, {events} events, {lost} lost"
        );
        let _ = err.flush();
        self.shown = true;
    }

    fn clear(&mut self) {
        if self.shown {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}
