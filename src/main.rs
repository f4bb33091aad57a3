//! The `nftrace` command line: parses the arguments, runs the chosen command and turns every
//! error into one line on stderr with a non-zero exit code.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use nftrace::listen::{Handler, ListenConfig, ListenError, ListenStats, Listener, Source, Sources};
use nftrace::output::{json::JsonWriter, ruleset as ruleset_output, text::TextWriter, EventWriter};
use nftrace::ruleset::snapshot::{Snapshot, SnapshotOptions, StepInfo};
use nftrace::wire::{DecodeError, Event};

/// A netfilter tracer: shows which tables, chains and rules a packet went through.
///
/// nftrace reads the kernel's own trace sources over netlink: nf_tables trace events
/// (rules with `meta nftrace set 1`, or iptables-nft `-j TRACE`) and nfnetlink_log records
/// (iptables-legacy `-j TRACE`, once `net.netfilter.nf_log.2`/`.10` name `nfnetlink_log`).
/// It needs root or CAP_NET_ADMIN, and works in the network namespace it runs in.
#[derive(Parser, Debug)]
#[command(name = "nftrace", version, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print every trace event as it arrives, one line each, from both kernel sources, with
    /// the rule each step went through.
    ///
    /// nftrace installs nothing yet: add `meta nftrace set 1` to an nft chain, or a
    /// `-j TRACE` rule to the raw table (iptables-legacy also needs
    /// `sysctl net.netfilter.nf_log.2=nfnetlink_log`, and `.10` for IPv6).
    /// Stops on Ctrl-C, SIGTERM, SIGHUP, after --count events or after --duration,
    /// and prints on stderr how many events were seen and how many the kernel lost.
    ///
    /// Each step is resolved against a snapshot of the ruleset read at start and kept
    /// current while rules change: nf_tables rules by handle (their number in the chain and
    /// the text `nft` prints), iptables-legacy `table:chain:kind:N` steps by position (the
    /// `iptables-legacy-save` line; an explicit `-j ACCEPT` the kernel calls `policy` is
    /// shown as the rule it is), interfaces by name. A step the snapshot cannot place says
    /// "not in ruleset"; it never shows another rule.
    Events(EventsArgs),

    /// Show, for each family and hook, the order in which the kernel runs things: nf_tables
    /// base chains, iptables-legacy tables, conntrack, defrag and NAT, with their priorities.
    ///
    /// It answers "which table and chain runs first" for this host (this network namespace).
    /// The list comes from the kernel's hook dump (nfnetlink_hook) where the kernel has it,
    /// otherwise it is derived from the ruleset and the standard priorities, and says so.
    /// At equal priorities the kernel runs the hook registered last first; a derived list
    /// cannot know that order and marks such entries.
    Hooks(HooksArgs),

    /// Show the ruleset as nftrace sees it: every nf_tables table and chain (family, hook,
    /// priority, policy) and every rule with its number, handle and text, then the
    /// iptables-legacy tables; each text says where it came from (nft, iptables-nft-save,
    /// iptables-legacy-save, nftrace's renderer, or a plain expression listing).
    Ruleset(RulesetArgs),
}

#[derive(Args, Debug)]
struct RulesetArgs {
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,

    /// Do not run `nft` for rule texts: use nftrace's own renderer for every rule.
    #[arg(long)]
    no_nft: bool,
}

#[derive(Args, Debug)]
struct HooksArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct EventsArgs {
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    json: bool,

    /// Which kernel sources to read.
    #[arg(long, value_enum, default_value_t = SourceArg::Both)]
    source: SourceArg,

    /// Stop after this many trace events.
    #[arg(short = 'c', long, value_name = "N")]
    count: Option<u64>,

    /// Stop after this many seconds (fractions allowed, e.g. 0.5).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    duration: Option<Duration>,

    /// nfnetlink_log group to bind; iptables-legacy TRACE always logs to group 0.
    #[arg(long, value_name = "GROUP", default_value_t = 0)]
    nflog_group: u16,

    /// Bytes of each packet nfnetlink_log copies to us (headers are in the first 128).
    #[arg(long, value_name = "BYTES", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=65531))]
    snaplen: u32,

    /// Socket receive buffer to ask for, in bytes; a larger one loses fewer events in bursts.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    rcvbuf: usize,

    /// Do not read the ruleset: print the steps as the kernel reports them, without rule
    /// numbers, texts or interface names (lighter, and needs no `nft` or `iptables`).
    #[arg(long)]
    no_ruleset: bool,

    /// Also append every received netlink datagram, as received, to FILE (for bug reports
    /// and test fixtures: netlink messages are self-delimiting, so the file is just bytes).
    #[arg(long, value_name = "FILE")]
    save_raw: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SourceArg {
    /// nf_tables trace events and nfnetlink_log records.
    Both,
    /// nf_tables trace events only (NFNLGRP_NFTRACE).
    Nft,
    /// nfnetlink_log records only (iptables-legacy TRACE).
    Nflog,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is not a usable duration"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Events(args) => run_events(args),
        Command::Hooks(args) => run_hooks(&args),
        Command::Ruleset(args) => run_ruleset(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("nftrace: {}", one_line(err.chain()));
            ExitCode::FAILURE
        }
    }
}

fn run_ruleset(args: &RulesetArgs) -> anyhow::Result<()> {
    let snapshot = load_snapshot(!args.no_nft)?;
    for warning in snapshot.warnings() {
        eprintln!("nftrace: warning: {warning}");
    }
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        ruleset_output::write_json(&mut out, snapshot.nft(), snapshot.legacy_tables())?;
    } else {
        ruleset_output::write_text(&mut out, snapshot.nft(), snapshot.legacy_tables())?;
    }
    out.flush()?;
    Ok(())
}

/// Reads the ruleset snapshot, with an actionable one-line error.
fn load_snapshot(nft_text: bool) -> anyhow::Result<Snapshot> {
    Snapshot::load(SnapshotOptions {
        nft_text,
        ..SnapshotOptions::default()
    })
    .map_err(|err| {
        let hint = err.is_permission_denied().then_some(ROOT_HINT);
        user_error(None, &err, hint)
    })
}

fn run_hooks(args: &HooksArgs) -> anyhow::Result<()> {
    let table = nftrace::hooks::dump().map_err(|err| {
        let hint = err.is_permission_denied().then_some(ROOT_HINT);
        user_error(Some("reading the netfilter hooks"), &err, hint)
    })?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        nftrace::output::hooks::write_json(&mut out, &table)?;
    } else {
        nftrace::output::hooks::write_text(&mut out, &table)?;
    }
    out.flush()?;
    Ok(())
}

/// Installs handlers that turn SIGINT, SIGTERM and SIGHUP into a flag the receive loop polls.
fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing the signal handlers")?;
    }
    Ok(stop)
}

fn run_events(args: EventsArgs) -> anyhow::Result<()> {
    let stop = stop_flag()?;
    let config = ListenConfig {
        sources: match args.source {
            SourceArg::Both => Sources::Both,
            SourceArg::Nft => Sources::NfTables,
            SourceArg::Nflog => Sources::Nflog,
        },
        nflog_group: args.nflog_group,
        copy_range: args.snaplen,
        rcvbuf: args.rcvbuf,
        ruleset_changes: !args.no_ruleset,
    };
    // The sockets first: a run that cannot listen must not create or truncate the file.
    let mut listener = Listener::open(&config).map_err(with_hint)?;
    // After the listener, whose ruleset socket queues every change made from now on.
    let mut snapshot = if args.no_ruleset {
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
    let deadline = args.duration.map(|d| Instant::now() + d);
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
    let mut line = format!(
        "{printed} events printed ({} nf_tables trace events, {} nfnetlink_log records received)",
        stats.trace_events, stats.nflog_records
    );
    let lost_records = stats.nflog_seq_gaps;
    let overruns = stats.overruns();
    let truncated = stats.trace_socket.truncated + stats.nflog_socket.truncated;
    if stats.lost_any() {
        line.push_str(&format!(
            "; LOST events: {overruns} receive-buffer overruns (each lost at least one message), \
             {lost_records} nflog records missing by sequence number, {truncated} oversized datagrams"
        ));
    } else {
        line.push_str("; 0 events lost");
    }
    if stats.decode_errors > 0 {
        line.push_str(&format!(
            "; {} messages could not be decoded",
            stats.decode_errors
        ));
    }
    line
}

/// What to do about missing privileges.
const ROOT_HINT: &str = "run nftrace as root, or give it CAP_NET_ADMIN";

/// Adds the listener's remedy (e.g. "run as root") to its error, as one line.
fn with_hint(err: ListenError) -> anyhow::Error {
    user_error(None, &err, err.hint())
}

/// A library error as the one line the operator reads: what was being done, the error and
/// its causes (each once), and what to do about it.
fn user_error(
    doing: Option<&str>,
    err: &(dyn std::error::Error + 'static),
    hint: Option<&str>,
) -> anyhow::Error {
    let mut line = one_line(std::iter::successors(Some(err), |e| e.source()));
    if let Some(doing) = doing {
        line = format!("{doing}: {line}");
    }
    if let Some(hint) = hint {
        line = format!("{line}; {hint}");
    }
    anyhow::anyhow!(line)
}

/// An error and its causes on one line, each cause once: some errors repeat their source's
/// text in their own message, and an operator should read it only once.
fn one_line<'a>(mut chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>) -> String {
    let mut line = chain.next().map(ToString::to_string).unwrap_or_default();
    for cause in chain {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}
