//! The seed article's scenario, traced with nftrace embedded as a library.
//!
//! The article (a Chinese blog post on tracing iptables with `-j TRACE`) follows UDP datagrams
//! through a Docker host: a trigger machine sends datagrams of 1483, 1485 and 1498 bytes to
//! port 10370 of a forwarder whose Docker publishes UDP ports 10300–10399 of a container, and
//! the container echoes them. The article adds `-j TRACE` rules to the raw table and reads
//! `TRACE: raw:PREROUTING:policy:2 …` lines out of the kernel log. This program builds the same
//! setup in throw-away network namespaces and lets nftrace say, for each datagram and each
//! echo, which tables, chains and rules it went through on the forwarder, with each rule's
//! text, the DNAT's rewrite of the destination, and where the packet went:
//!
//! - `trigger`: 198.51.100.113, routed to the forwarder;
//! - `fwd`: `eth0` 172.17.128.213 (the seed's address), a `docker0` bridge 172.18.0.1/16,
//!   forwarding on, and the Docker rules of the seed's `iptables -L` listing
//!   (`seed_scenario/rules.rs`);
//! - `ctr`: `eth0` 172.18.0.2/16 behind `docker0`, a UDP echo server on port 10370.
//!
//! It runs the scenario twice, each time in fresh namespaces: with the rules loaded by
//! `iptables-legacy-restore` (TRACE logs through nf_log, bound to `nfnetlink_log`: nftrace's
//! nflog source) and by `iptables-nft-restore` (TRACE sets `meta nftrace`: nftrace's nf_tables
//! source). It prints each run's paths as text (coloured on a terminal unless `NO_COLOR` is
//! set) or, with `--json`, as one JSON object per line.
//!
//! ```sh
//! scripts/demo.sh                     # installs what is missing, builds, runs this (as root)
//! cargo run --example seed_scenario -- --json --backend legacy
//! ```
//!
//! Options: `--json`; `--backend legacy|nft|both` (default both). Exit status 0 when each run
//! showed at least the 6 paths (3 datagrams, 3 echoes), 1 otherwise. The namespaces are deleted
//! at the end, on an error, and on Ctrl-C, SIGTERM or SIGHUP.
//!
//! The embedding itself is in `seed_scenario/trace.rs`: a thread enters the forwarder's
//! namespace, opens a `nftrace::tracer::Tracer` there and polls it.

#[path = "seed_scenario/rules.rs"]
mod rules;
#[path = "seed_scenario/topology.rs"]
mod topology;
#[path = "seed_scenario/trace.rs"]
mod trace;
#[path = "seed_scenario/traffic.rs"]
mod traffic;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use nftrace::correlate::PacketPath;
use nftrace::listen::Sources;
use nftrace::output::paths::{colour_wanted, JsonPathWriter, PathWriter, TextPathWriter};

use topology::Topology;
use trace::{TraceThread, Traced};
use traffic::{EchoServer, PAYLOAD_SIZES};

/// Paths each run makes on the forwarder: every datagram and every echo crosses it once.
const EXPECTED_PATHS: usize = 2 * PAYLOAD_SIZES.len();

/// The seed article's Docker host, traced with nftrace (needs root).
#[derive(Debug, Parser)]
struct Args {
    /// One JSON object per packet path on stdout; headings and summaries go to stderr.
    #[arg(long)]
    json: bool,
    /// Which iptables builds the forwarder's firewall (and so which kernel source is traced).
    #[arg(long, value_enum, default_value_t = BackendArg::Both)]
    backend: BackendArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Legacy,
    Nft,
    Both,
}

/// One way of loading the same rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Legacy,
    Nft,
}

impl Backend {
    /// Part of the namespaces' names.
    fn label(self) -> &'static str {
        match self {
            Backend::Legacy => "legacy",
            Backend::Nft => "nft",
        }
    }

    fn restore_command(self) -> &'static str {
        match self {
            Backend::Legacy => "iptables-legacy-restore",
            Backend::Nft => "iptables-nft-restore",
        }
    }

    /// The kernel source that carries this iptables' TRACE.
    fn sources(self) -> Sources {
        match self {
            Backend::Legacy => Sources::Nflog,
            Backend::Nft => Sources::NfTables,
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Backend::Legacy => {
                "iptables-legacy: TRACE through nf_log bound to nfnetlink_log (nftrace source: nflog)"
            }
            Backend::Nft => {
                "iptables-nft: TRACE as nf_tables trace events (nftrace source: nf_tables)"
            }
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("seed_scenario: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen backends; false when a run missed paths.
fn run(args: &Args) -> anyhow::Result<bool> {
    // Before the first namespace exists, so that no signal can leave one behind.
    topology::delete_on_signal()?;
    let backends: &[Backend] = match args.backend {
        BackendArg::Legacy => &[Backend::Legacy],
        BackendArg::Nft => &[Backend::Nft],
        BackendArg::Both => &[Backend::Legacy, Backend::Nft],
    };
    let mut all_there = true;
    for (index, &backend) in backends.iter().enumerate() {
        let traced = run_backend(backend)?;
        all_there &= print_run(args, backend, index == 0, &traced)?;
    }
    Ok(all_there)
}

/// Builds a fresh topology, loads the rules with `backend`, traces the seed's traffic on the
/// forwarder and deletes the topology again (on return, also on errors).
fn run_backend(backend: Backend) -> anyhow::Result<Traced> {
    eprintln!("==> {}: building the namespaces", backend.label());
    let topology = Topology::build(backend.label())?;
    let forwarder = &topology.forwarder;
    forwarder
        .exec(&[backend.restore_command()], &rules::restore_input())
        .with_context(|| format!("loading the rules with {}", backend.restore_command()))?;
    let _echo = EchoServer::start(&topology.container)?;

    // Listening before any traffic: nothing sent earlier would be traced.
    let tracer = TraceThread::start(forwarder, backend.sources(), EXPECTED_PATHS)?;
    eprintln!(
        "==> {}: nftrace listening on {}",
        backend.label(),
        tracer.describe
    );
    if backend == Backend::Legacy {
        // iptables-legacy's TRACE logs through the family's nf_log logger, syslog by default
        // (silent outside the host's own namespace); the binding is per namespace. Set after
        // the tracer opened its nflog socket, which loads nfnetlink_log if needed.
        forwarder.set_sysctl("net.netfilter.nf_log.2", "nfnetlink_log")?;
    }

    eprintln!(
        "==> {}: sending {PAYLOAD_SIZES:?}-byte datagrams to {}:{}",
        backend.label(),
        topology::FORWARDER_IP,
        traffic::ECHO_PORT
    );
    let exchange = traffic::send_seed_datagrams(&topology.trigger)?;
    eprintln!(
        "==> {}: {} got {:?} bytes back",
        backend.label(),
        exchange.trigger,
        exchange.echoed
    );
    tracer.collect()
}

/// Prints one run: a heading, the paths, a summary. Returns whether all expected paths came.
fn print_run(args: &Args, backend: Backend, first: bool, traced: &Traced) -> anyhow::Result<bool> {
    let stdout = io::stdout();
    let colour = colour_wanted(stdout.is_terminal());
    let mut out = io::BufWriter::new(stdout.lock());
    let heading = format!("### {}", backend.heading());
    let (summary, all_there) = summary(traced);
    if args.json {
        // stdout carries nothing but the paths, one JSON object per line.
        eprintln!("{heading}");
        write_paths(&mut JsonPathWriter::new(&mut out), &traced.paths)?;
        eprint!("{summary}");
    } else {
        if !first {
            writeln!(out)?;
        }
        writeln!(out, "{heading}\n")?;
        write_paths(&mut TextPathWriter::new(&mut out, colour), &traced.paths)?;
        write!(out, "{summary}")?;
    }
    out.flush()?;
    Ok(all_there)
}

fn write_paths(writer: &mut impl PathWriter, paths: &[PacketPath]) -> io::Result<()> {
    for path in paths {
        writer.write_path(path)?;
    }
    writer.flush()
}

/// The lines after a run's paths: counts, losses, the tracer's warnings, missing paths.
/// Also whether every expected path came.
fn summary(traced: &Traced) -> (String, bool) {
    let listen = traced.stats.listen;
    let mut summary = format!(
        "{} packet paths ({} nf_tables trace events, {} nfnetlink_log records); {}\n",
        traced.paths.len(),
        listen.trace_events,
        listen.nflog_records,
        if listen.lost_any() {
            "LOST events: paths may be incomplete"
        } else {
            "0 events lost"
        }
    );
    for warning in &traced.warnings {
        summary.push_str(&format!("warning: {warning}\n"));
    }
    let all_there = traced.paths.len() >= EXPECTED_PATHS;
    if !all_there {
        summary.push_str(&format!(
            "expected {EXPECTED_PATHS} paths: {} datagrams and their echoes\n",
            PAYLOAD_SIZES.len()
        ));
    }
    (summary, all_there)
}
