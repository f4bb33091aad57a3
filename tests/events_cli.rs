//! The `nftrace events` command-line contract, against the real kernel in a namespace:
//! `--count` stops after exactly N events, `--duration` stops by itself, SIGINT, SIGTERM and
//! SIGHUP end it cleanly with the summary line; the summary's count is the number of lines
//! printed; text mode prints one line per event (the same events as JSON mode, run side by
//! side); `--save-raw` keeps the datagrams the events came from; without privileges it fails
//! with one line and leaves nothing behind; usage errors exit 2 (clap); a namespace where
//! nothing is traced gives no output. After every run the namespace's firewall state is what
//! it was before: nftrace installs nothing. Needs root (it drops privileges where a test
//! says so).

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

use nftrace::wire::{Event, TraceType};

use common::*;

/// Guards against hangs only; nothing is asserted on time (except that `--duration` does
/// not stop early).
const GUARD: Duration = Duration::from_secs(10);

const PORT_TRACED: u16 = 9999;
/// Sent last; once its prerouting policy event is seen, everything sent before it has been.
const PORT_SENTINEL: u16 = 9997;

fn v4(port: u16) -> SocketAddr {
    SocketAddr::new(ip("127.0.0.1"), port)
}

fn v6(port: u16) -> SocketAddr {
    SocketAddr::new(ip("::1"), port)
}

/// Binds UDP sockets in the namespace so datagrams to these addresses are delivered rather
/// than answered with ICMP port unreachable.
fn udp_sinks(ns: &Netns, addrs: &[SocketAddr]) -> Vec<UdpSocket> {
    addrs.iter().map(|&addr| udp_sink(ns, addr)).collect()
}

/// A namespace with the harness's nft trace table (every packet at prerouting and output)
/// and UDP sinks for the test ports.
fn traced_namespace(label: &str) -> (Netns, Vec<UdpSocket>) {
    let ns = Netns::new(label);
    install_nft_trace(&ns, TraceFamily::Both);
    let sinks = udp_sinks(&ns, &[v4(PORT_TRACED), v6(PORT_TRACED), v4(PORT_SENTINEL)]);
    (ns, sinks)
}

/// Some traced traffic: UDP over IPv4 and IPv6, a TCP connection, a ping.
fn send_traffic(ns: &Netns) {
    send_udp(ns, v4(PORT_TRACED), 5);
    send_udp(ns, v6(PORT_TRACED), 5);
    tcp_connect(ns, ns, v4(8080));
    ping(ns, ip("127.0.0.1"));
}

/// True once the prerouting policy event of a packet to the sentinel port has been seen.
fn sentinel_seen(events: &[Value]) -> bool {
    events
        .iter()
        .filter(|e| e["chain"] == "pre" && e["packet"]["dst_port"] == PORT_SENTINEL)
        .any(|first| {
            events
                .iter()
                .any(|e| e["id"] == first["id"] && e["chain"] == "pre" && e["type"] == "policy")
        })
}

/// Sends the sentinel and waits until `nftrace` has printed its last step.
fn send_sentinel_and_wait(ns: &Netns, nftrace: &mut Nftrace) {
    send_udp(ns, v4(PORT_SENTINEL), 1);
    nftrace.wait_for(sentinel_seen, GUARD);
}

/// The summary line `nftrace` prints on stderr at exit.
fn summary_line(stderr: &str) -> &str {
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(" events printed ("),
        "the last stderr line is the summary: {stderr}"
    );
    last
}

/// The count the summary line states.
fn printed_count(summary: &str) -> usize {
    summary
        .strip_prefix("nftrace: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {summary:?}"))
}

/// Checks a finished run: exit 0, the summary's count equals the stdout lines, nothing lost.
fn assert_clean_exit(status: ExitStatus, stdout_lines: usize, stderr: &str) {
    assert!(status.success(), "{status:?}: {stderr}");
    let summary = summary_line(stderr);
    assert_eq!(printed_count(summary), stdout_lines, "{summary}");
    assert!(summary.ends_with("; 0 events lost"), "{summary}");
}

/// A run's JSON output, checked as every lossless run is ([`NftraceOutput::assert_lossless`]:
/// exit 0, the summary's count is the stdout lines, nothing lost, every line JSON) and, more
/// strictly, with the summary of `events` ending in `; 0 events lost` (no undecodable
/// messages either).
fn stop_checked(nftrace: Nftrace) -> NftraceOutput {
    let output = nftrace.stop();
    output.assert_lossless("events");
    let summary = summary_line(&output.stderr);
    assert!(summary.ends_with("; 0 events lost"), "{summary}");
    output
}

/// `(table, chain, type)` of a JSON event.
fn step_of(event: &Value) -> (String, String, String) {
    let text = |key: &str| event[key].as_str().unwrap_or("?").to_owned();
    (text("table"), text("chain"), text("type"))
}

fn step(table: &str, chain: &str, kind: &str) -> (String, String, String) {
    (table.to_owned(), chain.to_owned(), kind.to_owned())
}

/// `--count 5`: exactly the first five events the kernel sent, then exit 0 by itself.
#[test]
fn count_stops_after_exactly_n_events() {
    require_root();
    let (ns, _sinks) = traced_namespace("clicount");
    let before = snapshot(&ns);

    let nftrace = Nftrace::events_json(&ns, &["--count", "5"]);
    // One UDP packet over loopback gives six events (three per hook); two give twelve.
    let source = send_udp(&ns, v4(PORT_TRACED), 5);
    send_udp(&ns, v4(PORT_TRACED), 5);
    let pid = nftrace.pid().expect("running");
    assert!(exited_within(pid, GUARD), "--count 5 did not stop nftrace");
    let output = stop_checked(nftrace);
    assert_eq!(output.json.len(), 5, "{:#?}", output.json);
    assert!(summary_line(&output.stderr).starts_with("nftrace: 5 events printed ("));
    let steps: Vec<_> = output.json.iter().map(step_of).collect();
    let harness = NFT_TRACE_TABLE;
    assert_eq!(
        steps,
        [
            step(harness, "out", "rule"),
            step(harness, "out", "rule"),
            step(harness, "out", "policy"),
            step(harness, "pre", "rule"),
            step(harness, "pre", "rule"),
        ]
    );
    assert_eq!(output.json[0]["packet"]["src_port"], source.port());
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
}

/// `--duration 0.5`: stops by itself, not before half a second, exit 0, nothing lost.
#[test]
fn duration_stops_by_itself_with_nothing_lost() {
    require_root();
    let (ns, _sinks) = traced_namespace("clidur");
    let before = snapshot(&ns);

    let started = Instant::now();
    let run = Nftrace::start(&ns, &["events", "--duration", "0.5"]);
    send_udp(&ns, v4(PORT_TRACED), 5);
    assert!(
        exited_within(run.pid().expect("running"), GUARD),
        "--duration 0.5 did not stop nftrace"
    );
    let elapsed = started.elapsed();
    let output = run.stop();
    assert!(
        elapsed >= Duration::from_millis(500),
        "stopped after {elapsed:?}"
    );
    assert_clean_exit(output.status, output.stdout_lines.len(), &output.stderr);
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
}

/// A signal ends `nftrace` with exit 0 and the summary, whose count is the lines printed.
fn signal_ends_cleanly(label: &str, signal: Signal) {
    require_root();
    let (ns, _sinks) = traced_namespace(label);
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &[]);
    send_traffic(&ns);
    send_sentinel_and_wait(&ns, &mut nftrace);
    let pid = nftrace.pid().expect("running");
    kill(Pid::from_raw(i32::try_from(pid).expect("pid")), signal).expect("signal nftrace");
    assert!(exited_within(pid, GUARD), "{signal} did not stop nftrace");
    let output = stop_checked(nftrace);
    assert!(sentinel_seen(&output.json));
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
}

#[test]
fn sigint_ends_with_exit_0_and_the_summary() {
    signal_ends_cleanly("clisigint", Signal::SIGINT);
}

#[test]
fn sigterm_ends_with_exit_0_and_the_summary() {
    signal_ends_cleanly("clisigterm", Signal::SIGTERM);
}

#[test]
fn sighup_ends_with_exit_0_and_the_summary() {
    signal_ends_cleanly("clisighup", Signal::SIGHUP);
}

/// Text and JSON mode side by side (both on multicast group 9; nflog is left out because it
/// has one listener per namespace): one text line per JSON event, the same events in the
/// same order.
#[test]
fn text_mode_prints_one_line_per_event_like_json_mode() {
    require_root();
    let (ns, _sinks) = traced_namespace("clitext");
    let before = snapshot(&ns);

    let mut json = Nftrace::events_json(&ns, &["--source", "nft"]);
    // Text mode: the harness's run collects its lines, JSON or not.
    let mut text = Nftrace::start(&ns, &["events", "--source", "nft"]);
    send_traffic(&ns);
    send_sentinel_and_wait(&ns, &mut json);
    let json = stop_checked(json);
    let count = json.json.len();
    text.wait_lines(count, GUARD);
    let text = text.stop();
    assert_clean_exit(text.status, text.stdout_lines.len(), &text.stderr);
    let lines = text.stdout_lines;
    assert!(count > 20, "only {count} events");

    // The text run may have gone on a little longer: compare what both printed.
    assert!(
        lines.len() >= count,
        "{} text lines for {count} events",
        lines.len()
    );
    for (line, event) in lines.iter().zip(&json.json) {
        let (table, chain, _kind) = step_of(event);
        let resolved = &event["resolved"];
        let step = match resolved["kind"].as_str() {
            Some("rule") => {
                let mut step = format!(
                    "rule {} (handle {})",
                    resolved["rule_number"].as_u64().unwrap_or(0),
                    event["handle"].as_u64().unwrap_or(0)
                );
                if let Some(text) = resolved["rule"].as_str() {
                    step.push_str(&format!(" '{text}'"));
                }
                step
            }
            Some("unknown") => format!(
                "rule handle {} (not in ruleset)",
                event["handle"].as_u64().unwrap_or(0)
            ),
            Some("return") => "end of chain".to_owned(),
            Some("policy") => "policy".to_owned(),
            other => panic!("unexpected resolution {other:?} in {event}"),
        };
        let mut expected = format!(
            "nft   id {} {} {table} {chain} {step}",
            event["id"].as_str().unwrap_or("?"),
            event["family"].as_str().unwrap_or("?")
        );
        if let Some(verdict) = event["verdict"]["kind"].as_str() {
            expected.push_str(&format!(" verdict {verdict}"));
        }
        if let Some(policy) = event["policy"]["kind"].as_str() {
            expected.push_str(&format!(" {policy}"));
        }
        let (_clock, rest) = line.split_once(' ').unwrap_or_default();
        assert!(
            rest.starts_with(&expected),
            "text line {line:?} vs JSON event {event}"
        );
        // The packet shows where the JSON event has one.
        assert_eq!(
            rest.contains(" | "),
            event.get("packet").is_some(),
            "{line:?} vs {event}"
        );
    }
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
}

/// Every event of a capture file (the library walks past each datagram's NLMSG_DONE).
fn decode_capture(capture: &[u8]) -> Vec<Event<'_>> {
    nftrace::wire::decode_capture(capture)
        .map(|event| event.unwrap_or_else(|err| panic!("decoding the capture: {err}")))
        .collect()
}

/// `--save-raw FILE`: the file holds the datagrams, and decoding it gives the events that
/// were printed, in order.
#[test]
fn save_raw_keeps_the_datagrams_of_the_printed_events() {
    require_root();
    let (ns, _sinks) = traced_namespace("clisave");
    let dir = TempDir::new("saveraw");
    let file = dir.path().join("capture.nlmsg");
    let file_arg = file.to_str().expect("a UTF-8 path");
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "nft", "--save-raw", file_arg]);
    send_traffic(&ns);
    send_sentinel_and_wait(&ns, &mut nftrace);
    let output = stop_checked(nftrace);
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");

    let capture = std::fs::read(&file).unwrap_or_else(|err| panic!("reading {file:?}: {err}"));
    let traces: Vec<_> = decode_capture(&capture)
        .into_iter()
        .filter_map(|event| match event {
            Event::Trace(trace) => Some(trace),
            _ => None,
        })
        .collect();
    assert_eq!(
        traces.len(),
        output.json.len(),
        "trace events in the file vs printed"
    );
    assert!(traces.len() > 20, "only {} events", traces.len());
    for (trace, json) in traces.iter().zip(&output.json) {
        let kind = match trace.trace_type {
            TraceType::Rule => "rule",
            TraceType::Return => "return",
            TraceType::Policy => "policy",
            TraceType::Other(_) => "unknown",
        };
        assert_eq!(
            (trace.id.to_string(), trace.table, trace.chain, kind),
            (
                json["id"].as_str().unwrap_or("?").to_owned(),
                json["table"].as_str().unwrap_or("?"),
                json["chain"].as_str().unwrap_or("?"),
                json["type"].as_str().unwrap_or("?"),
            )
        );
        assert_eq!(trace.rule_handle, json["handle"].as_u64());
    }
}

/// Without CAP_NET_ADMIN: exit 1, one stderr line saying what is needed, nothing on stdout,
/// nothing changed; for each source.
#[test]
fn non_root_exits_1_with_one_line_naming_cap_net_admin() {
    require_root();
    let ns = Netns::new("clinoroot");
    let before = snapshot(&ns);
    for source in ["both", "nft", "nflog"] {
        let output = run_nftrace(&ns, &AS_NOBODY, &["events", "--source", source]);
        let what = format!("--source {source}");
        assert_eq!(output.status.code(), Some(1), "{what}: {output:?}");
        let line = one_error_line(&output, &what);
        assert!(line.contains("CAP_NET_ADMIN"), "{what}: {line}");
    }
    assert_eq!(
        snapshot(&ns),
        before,
        "a failed nftrace changed the firewall state"
    );
}

/// Without CAP_NET_ADMIN, `--save-raw FILE` in a directory anyone may write: nftrace fails
/// (exit 1, one line) and must not leave FILE behind.
#[test]
fn non_root_with_save_raw_creates_no_file() {
    require_root();
    let ns = Netns::new("clinorootf");
    let dir = TempDir::new("norootraw");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .expect("chmod 777");
    let file = dir.path().join("capture.nlmsg");
    let file_arg = file.to_str().expect("a UTF-8 path");
    let output = run_nftrace(&ns, &AS_NOBODY, &["events", "--save-raw", file_arg]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("CAP_NET_ADMIN"), "{stderr}");
    assert!(
        !file.exists(),
        "nftrace failed but left {} behind",
        file.display()
    );
}

/// `--help` explains the default command (packet paths) and lists the others; an unknown
/// option is a usage error (exit 2) that changes nothing.
#[test]
fn help_describes_the_default_command_and_bad_options_exit_2() {
    require_root();
    let ns = Netns::new("clihelp");
    let before = snapshot(&ns);
    let output = run_nftrace(&ns, &[], &["--help"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        stdout.starts_with("A netfilter tracer"),
        "the help starts with the about line: {stdout}"
    );
    assert!(
        stdout.contains("Usage: nftrace [OPTIONS] [FILTER]..."),
        "{stdout}"
    );
    assert!(stdout.contains("prints one block per"), "{stdout}");
    for command in ["events", "ruleset", "hooks"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "the help lists the {command} command: {stdout}"
        );
    }
    let output = run_nftrace(&ns, &[], &["--no-such-option"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--no-such-option"),
        "{output:?}"
    );
    assert_eq!(snapshot(&ns), before);
}

/// `--snaplen 0` is a usage error: exit 2, a message naming the option, no output, nothing
/// opened (no readiness line).
#[test]
fn snaplen_zero_is_rejected_with_exit_2() {
    require_root();
    let ns = Netns::new("clisnap");
    let before = snapshot(&ns);
    let output = run_nftrace(&ns, &[], &["events", "--snaplen", "0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains("'0'") && first.contains("--snaplen"),
        "{stderr}"
    );
    assert!(!stderr.contains(READY_PREFIX), "{stderr}");
    assert_eq!(snapshot(&ns), before);
}

/// In a namespace with no trace rule, traffic gives no output at all. To know that nothing
/// was merely late, a trace rule for one sentinel packet is added afterwards: its six events
/// are the first and only ones printed.
#[test]
fn untraced_traffic_prints_nothing() {
    require_root();
    let ns = Netns::new("cliquiet");
    let _sinks = udp_sinks(&ns, &[v4(PORT_TRACED), v6(PORT_TRACED), v4(PORT_SENTINEL)]);
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "both"]);
    send_traffic(&ns);
    install_nft_trace_matching(&ns, &format!("udp dport {PORT_SENTINEL}"));
    let sentinel = send_udp(&ns, v4(PORT_SENTINEL), 1);
    nftrace.wait_for(sentinel_seen, GUARD);
    let output = stop_checked(nftrace);
    ns.exec(&["nft", "delete", "table", "inet", NFT_TRACE_TABLE]);
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");

    let harness = NFT_TRACE_TABLE;
    let steps: Vec<_> = output.json.iter().map(step_of).collect();
    assert_eq!(
        steps,
        [
            step(harness, "out", "rule"),
            step(harness, "out", "rule"),
            step(harness, "out", "policy"),
            step(harness, "pre", "rule"),
            step(harness, "pre", "rule"),
            step(harness, "pre", "policy"),
        ],
        "only the sentinel: {:#?}",
        output.json
    );
    assert_eq!(output.json[0]["packet"]["src_port"], sentinel.port());
    assert_eq!(
        summary_line(&output.stderr),
        "nftrace: 6 events printed (6 nf_tables trace events, 0 nfnetlink_log records \
         received); 0 events lost"
    );
}
