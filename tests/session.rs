//! Trace sessions (issue #5) end to end: `nftrace [OPTIONS] [FILTER]` installs what makes the
//! kernel trace the packets FILTER matches, prints their paths, and leaves the namespace as it
//! found it whatever ends the run.
//!
//! 1. Filters: `udp and dst port 10370` traces those packets and no others (other ports, TCP,
//!    ICMP) on a host where native nft rules, iptables-nft rules and iptables-legacy rules are
//!    all in use — with the default trigger (one nf_tables table; the legacy tables' hops come
//!    through nflog because the trace bit is shared and nftrace binds nf_log) and with
//!    `--backend legacy` (raw TRACE rules). `-i IFACE`, `--mark M[/MASK]`, and IPv6 filters
//!    (`ip6 and udp`, `host fd00::2`) restrict as documented.
//! 2. Exit paths: `--duration`, `-c N`, SIGINT, SIGTERM, SIGHUP, a panic right after the
//!    install, and SIGKILL followed by a run that reports the recovery: after each, the
//!    namespace's firewall state (nft ruleset, iptables-legacy and ip6tables-legacy tables,
//!    the nf_log sysctls) equals what it was before; while the run lasts, the trigger is
//!    there, so the comparison is not vacuous. For the legacy backend the one difference
//!    allowed is an empty raw table where there was none: the kernel offers no way to remove
//!    a legacy table from a namespace once used ([`assert_restored`]).
//! 3. `--netns NAME|PID|PATH` from the test's own namespace: nftrace enters the namespace
//!    itself (no `ip netns exec`), installs its trigger there and nowhere else, and resolves
//!    interfaces there — the seed scenario's forwarder (Docker-style rules of
//!    examples/seed_scenario, without the seed's manual TRACE rules) shows the DNAT rule and
//!    `eth0`/`docker0`.
//! 4. Errors: one line, an exit status, the namespace unchanged — without CAP_NET_ADMIN, a
//!    namespace that does not exist, a bad filter (exit 2, the word named, nothing ever
//!    installed), `--backend legacy` without iptables-legacy, and a legacy install that fails
//!    half-way (rolled back). A kernel without nf_tables or nfnetlink_log cannot be produced on
//!    the test machine (both are part of the running kernel and cannot be unloaded from a
//!    namespace), so that error path is not tested here.
//!
//! Topology ([`Site`]): client `a` (`a0` 10.53.1.2, fd00::2) — `h0` 10.53.1.1, fd00::1 host
//! `h` (nftrace runs here) `h1` 10.53.2.1, fd01::1 — `b0` 10.53.2.2, fd01::2 client `b`.
//! The exit-path tests use one namespace and loopback traffic ([`exit_host`]). Needs root.

mod common;

#[allow(dead_code)]
#[path = "../examples/seed_scenario/rules.rs"]
mod rules;
#[allow(dead_code)]
#[path = "../examples/seed_scenario/topology.rs"]
mod topology;
#[allow(dead_code)]
#[path = "../examples/seed_scenario/traffic.rs"]
mod traffic;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

use common::*;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

const NFTRACE: &str = env!("CARGO_BIN_EXE_nftrace");

/// The port the filters of most tests pick.
const PORT: u16 = 10370;
/// The filter of most tests.
const FILTER: &str = "udp and dst port 10370";

const A_V4: &str = "10.53.1.2";
const H_A_V4: &str = "10.53.1.1";
const B_V4: &str = "10.53.2.2";
const H_B_V4: &str = "10.53.2.1";
const A_V6: &str = "fd00::2";
const H_A_V6: &str = "fd00::1";
const B_V6: &str = "fd01::2";
const H_B_V6: &str = "fd01::1";

/// The nf_log sysctls a session binds (IPv4, IPv6), as [`snapshot`] names them.
const NF_LOG_V4: &str = "net.netfilter.nf_log.2";
const NF_LOG_V6: &str = "net.netfilter.nf_log.10";

// ---------------------------------------------------------------------------------------------
// Namespaces and rules.

/// Client `a`, host `h` and (optionally) client `b`, with UDP sinks on ports 10370..=10375
/// everywhere (so datagrams are delivered, not answered with ICMP), and the neighbours known
/// (so no neighbour discovery runs during a test).
struct Site {
    a: Netns,
    h: Netns,
    b: Option<Netns>,
    _sinks: Vec<UdpSocket>,
}

impl Site {
    fn new(label: &str, with_b: bool) -> Site {
        let h = Netns::new(&format!("{label}h"));
        let a = Netns::neighbour(
            &h,
            &format!("{label}a"),
            &VethEnd::new("h0", "10.53.1.1/24", "fd00::1/64"),
            &VethEnd::new("a0", "10.53.1.2/24", "fd00::2/64"),
        );
        let b = with_b.then(|| {
            Netns::neighbour(
                &h,
                &format!("{label}b"),
                &VethEnd::new("h1", "10.53.2.1/24", "fd01::1/64"),
                &VethEnd::new("b0", "10.53.2.2/24", "fd01::2/64"),
            )
        });
        let mut sinks = Vec::new();
        for ns in [Some(&a), Some(&h), b.as_ref()].into_iter().flatten() {
            for port in PORT..=PORT + 5 {
                sinks.push(dual_stack_sink(ns, port));
            }
        }
        ping(&a, ip(H_A_V4));
        ping(&a, ip(H_A_V6));
        if let Some(b) = &b {
            ping(b, ip(H_B_V4));
            ping(b, ip(H_B_V6));
        }
        Site {
            a,
            h,
            b,
            _sinks: sinks,
        }
    }

    fn b(&self) -> &Netns {
        self.b.as_ref().expect("a Site with b")
    }
}

/// A dual-stack UDP socket bound to `[::]:port` in the namespace.
fn dual_stack_sink(ns: &Netns, port: u16) -> UdpSocket {
    udp_sink(ns, sock("::", port))
}

/// Native nft chains counting the test's port in input and output, after iptables (priority
/// 10).
const NATIVE_NFT: &str = "\
table inet native {
	chain input { type filter hook input priority 10; policy accept; udp dport 10370 counter; }
	chain output { type filter hook output priority 10; policy accept; udp dport 10370 counter; }
}
";

/// Makes `ns` a host with all three firewalls in use: native nft chains, iptables-nft
/// (`filter INPUT`, IPv4 and IPv6: nf_tables tables `ip filter` and `ip6 filter`) and
/// iptables-legacy (`mangle INPUT` and `OUTPUT`, IPv4 and IPv6), each with a rule for the test's
/// port. Also unbinds IPv6's nf_log (a new namespace has `nf_log_ipv4` and `nf_log_ipv6`): the
/// two families then have different bindings to restore.
fn hybrid_rules(ns: &Netns) {
    ns.nft(NATIVE_NFT);
    for tool in ["iptables-nft", "ip6tables-nft"] {
        ns.exec(&[
            tool, "-w", "-A", "INPUT", "-p", "udp", "--dport", "10370", "-j", "ACCEPT",
        ]);
    }
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        for chain in ["INPUT", "OUTPUT"] {
            ns.exec(&[
                tool, "-w", "-t", "mangle", "-A", chain, "-p", "udp", "--dport", "10370", "-j",
                "ACCEPT",
            ]);
        }
    }
    ns.set_sysctl(NF_LOG_V6, "NONE");
}

/// Turns the machine's nf_tables trace on for packets that legacy TRACE marked: the kernel
/// emits nf_tables trace events for a traced packet only while some `meta nftrace set` rule
/// exists somewhere on the machine (one static key for all namespaces). Other tests' triggers
/// flip it at random moments; this rule, in a chain nothing jumps to, keeps it on for the
/// whole legacy-backend test, so its paths deterministically hold the nf_tables hops of the
/// iptables-nft and native nft chains beside the nflog ones — as on any host where another
/// trace (another nftrace, `nft monitor trace` users) is active.
fn nft_trace_on_everywhere(ns: &Netns) {
    ns.nft("table inet keyon {\n\tchain never { meta nftrace set 0; }\n}\n");
}

/// The exit-path tests' host: one namespace with [`hybrid_rules`] and a sink on port 10370;
/// its traffic goes over loopback.
fn exit_host(label: &str) -> (Netns, UdpSocket) {
    let ns = Netns::new(label);
    hybrid_rules(&ns);
    let sink = dual_stack_sink(&ns, PORT);
    (ns, sink)
}

/// The value of an nf_log sysctl in a snapshot; panics if the snapshot does not cover it.
fn nf_log_value<'a>(snapshot: &'a FirewallSnapshot, key: &str) -> &'a str {
    snapshot
        .nf_log
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("the snapshot does not cover {key}: {:?}", snapshot.nf_log))
}

/// Which trigger a run installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Nft,
    Legacy,
}

/// Asserts that the run `pid` has its trigger installed in `ns` and returns the snapshot
/// taken: the nft table `nftrace_<pid>` whose comment records the owner and the nf_log
/// bindings found before, or raw PREROUTING and OUTPUT TRACE rules (IPv4 and IPv6) whose
/// comment does; nf_log bound to nfnetlink_log when `bound`, else as before.
fn assert_installed(
    ns: &Netns,
    pid: u32,
    trigger: Trigger,
    before: &FirewallSnapshot,
    bound: bool,
) -> FirewallSnapshot {
    let during = snapshot(ns);
    let record = format!("nftrace pid={pid} start=");
    let table = format!("table inet nftrace_{pid} {{");
    match trigger {
        Trigger::Nft => {
            let ruleset = &during.nft_ruleset;
            assert!(
                ruleset.contains(&table),
                "no `{table}` while nftrace runs:\n{ruleset}"
            );
            assert!(
                ruleset.contains(&format!("comment \"{record}")),
                "no record `{record}…` in the table's comment:\n{ruleset}"
            );
            assert!(
                ruleset.contains("meta nftrace set 1"),
                "no `meta nftrace set 1` rule:\n{ruleset}"
            );
            assert_eq!(
                (&during.iptables_legacy, &during.ip6tables_legacy),
                (&before.iptables_legacy, &before.ip6tables_legacy),
                "the nft trigger changed the legacy tables"
            );
        }
        Trigger::Legacy => {
            for (tool, save) in [
                ("iptables-legacy", &during.iptables_legacy),
                ("ip6tables-legacy", &during.ip6tables_legacy),
            ] {
                for chain in ["PREROUTING", "OUTPUT"] {
                    assert!(
                        save.lines().map(without_counters).any(|line| {
                            line.starts_with(&format!("-A {chain} "))
                                && line.contains(&format!("--comment \"{record}"))
                                && line.ends_with("-j TRACE")
                        }),
                        "no {tool} raw {chain} TRACE rule with the record `{record}…`:\n{save}"
                    );
                }
            }
            assert!(
                !during.nft_ruleset.contains("table inet nftrace_"),
                "the legacy backend installed an nft table:\n{}",
                during.nft_ruleset
            );
        }
    }
    for key in [NF_LOG_V4, NF_LOG_V6] {
        let want = if bound {
            "nfnetlink_log"
        } else {
            nf_log_value(before, key)
        };
        assert_eq!(nf_log_value(&during, key), want, "{key} while nftrace runs");
    }
    if bound {
        // The record names the bindings to restore after a SIGKILL.
        let old: Vec<String> = [(NF_LOG_V4, "2"), (NF_LOG_V6, "10")]
            .iter()
            .map(|(key, family)| format!("nf_log.{family}={}", nf_log_value(before, key)))
            .collect();
        let text = match trigger {
            Trigger::Nft => &during.nft_ruleset,
            Trigger::Legacy => &during.iptables_legacy,
        };
        let line = text
            .lines()
            .find(|line| line.contains(&record))
            .unwrap_or_default();
        for old in &old {
            assert!(
                line.contains(old.as_str()),
                "the record lacks {old}: {line}"
            );
        }
    }
    assert_ne!(&during, before, "nothing changed while nftrace runs");
    during
}

/// An `iptables-save -c` rule line without its leading `[packets:bytes] `.
fn without_counters(line: &str) -> &str {
    match line
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("] "))
    {
        Some((_, rule)) => rule,
        None => line,
    }
}

/// What `iptables-legacy-save -c` prints for a raw table with nothing in it.
const EMPTY_RAW: &str = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

/// Asserts that the namespace's firewall state is `before` again. For the legacy backend one
/// difference is allowed, exactly: an empty raw table (built-in chains, policy ACCEPT, no
/// rule) where there was none. Inserting the TRACE rules instantiates the raw table in the
/// namespace, and the kernel keeps a legacy table until the namespace goes: no call removes
/// it (`iptables -t raw -F` empties it, nothing unregisters it).
fn assert_restored(ns: &Netns, before: &FirewallSnapshot, trigger: Trigger, what: &str) {
    let mut after = snapshot(ns);
    if trigger == Trigger::Legacy {
        for (save, was) in [
            (&mut after.iptables_legacy, &before.iptables_legacy),
            (&mut after.ip6tables_legacy, &before.ip6tables_legacy),
        ] {
            if !was.contains("*raw\n") {
                *save = save.replacen(EMPTY_RAW, "", 1);
            }
        }
    }
    assert_eq!(&after, before, "{what}: the namespace as it was");
}

/// The host namespace's nft tables and nf_log bindings, read (never changed) to show that a
/// `--netns` run left the test's own namespace alone.
fn host_state() -> (String, String, String) {
    let output = Command::new("nft")
        .args(["list", "tables"])
        .stdin(Stdio::null())
        .output()
        .expect("running nft list tables");
    let read = |family: u8| {
        std::fs::read_to_string(format!("/proc/sys/net/netfilter/nf_log/{family}"))
            .unwrap_or_default()
    };
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        read(2),
        read(10),
    )
}

// ---------------------------------------------------------------------------------------------
// Running nftrace.

/// `ip netns exec NAME nftrace ARGS…`.
fn in_ns(ns: &Netns, args: &[&str]) -> Command {
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", ns.name(), NFTRACE])
        .args(args);
    command
}

/// Runs `command` to the end (killed after [`GUARD`]: a hang then fails the test on its exit
/// status); returns its pid and output.
fn run_to_end(mut command: Command) -> (u32, Output) {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {command:?}: {err}"));
    let pid = child.id();
    let (done, done_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done.send(());
        output
    });
    if done_rx.recv_timeout(GUARD).is_err() {
        // Not reaped yet, so the pid is still this child's.
        let _ = kill(
            Pid::from_raw(i32::try_from(pid).expect("pid")),
            Signal::SIGKILL,
        );
    }
    let output = waiter
        .join()
        .expect("the waiting thread")
        .unwrap_or_else(|err| panic!("waiting for {command:?}: {err}"));
    (pid, output)
}

/// Starts `nftrace --json [--backend legacy] EXTRA… FILTER` in the namespace and checks that
/// its trigger is installed ([`assert_installed`], nf_log bound: the namespace has legacy
/// tables). Returns the run, its pid and the snapshot taken while it runs.
fn start_installed(
    ns: &Netns,
    before: &FirewallSnapshot,
    trigger: Trigger,
    extra: &[&str],
) -> (Nftrace, u32, FirewallSnapshot) {
    let mut args = vec!["--json"];
    if trigger == Trigger::Legacy {
        args.extend(["--backend", "legacy"]);
    }
    args.extend_from_slice(extra);
    args.push(FILTER);
    let run = Nftrace::start(ns, &args);
    let pid = run.pid().expect("a running nftrace");
    let during = assert_installed(ns, pid, trigger, before, true);
    (run, pid, during)
}

/// `nft monitor tables` in a namespace, subscribed ([`sync_monitor`]): every table added or
/// deleted from now on, also one that existed only for an instant (a run that panicked right
/// after installing, or one that must never have installed anything).
fn monitor_tables(ns: &Netns) -> NftMonitor {
    let mut monitor = NftMonitor::start(ns, "tables");
    sync_monitor(&mut monitor, ns, "session_sync_start");
    monitor
}

/// Adds and deletes table `inet NAME` until the monitor reports the deletion: then the
/// monitor is subscribed, and has reported everything the kernel announced before.
fn sync_monitor(monitor: &mut NftMonitor, ns: &Netns, name: &str) {
    let want = format!("delete table inet {name}");
    let deadline = Instant::now() + GUARD;
    loop {
        ns.nft(&format!(
            "add table inet {name}\ndelete table inet {name}\n"
        ));
        // The first round may come before the monitor has subscribed: then try again.
        if monitor.wait_for(|seen| seen.contains(&want), Duration::from_millis(300)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "nft monitor reported nothing: {:?}",
            monitor.seen()
        );
    }
}

/// Everything the monitor reported, up to now ([`sync_monitor`]); stops it.
fn monitor_finish(mut monitor: NftMonitor, ns: &Netns) -> Vec<String> {
    sync_monitor(&mut monitor, ns, "session_sync_end");
    monitor.stop()
}

/// The programs nftrace runs (src/ruleset: `nft` for rule texts and the `*-save` tools;
/// src/trigger/legacy.rs: `iptables-legacy`, `ip6tables-legacy` and their `-save`s).
const TOOLS: [&str; 7] = [
    "nft",
    "iptables-legacy",
    "ip6tables-legacy",
    "iptables-legacy-save",
    "ip6tables-legacy-save",
    "iptables-nft-save",
    "ip6tables-nft-save",
];

/// Where `program` is on the test's own `PATH`.
fn which(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

/// A directory for `PATH` with a symlink to each of [`TOOLS`] except `without`.
fn tool_dir(label: &str, without: &[&str]) -> TempDir {
    let dir = TempDir::new(label);
    for tool in TOOLS.iter().filter(|tool| !without.contains(tool)) {
        std::os::unix::fs::symlink(which(tool), dir.path().join(tool))
            .unwrap_or_else(|err| panic!("symlink {tool}: {err}"));
    }
    dir
}

// ---------------------------------------------------------------------------------------------
// Reading paths, beside the harness's readers (`hops`, `place`, `iface`, `packet`).

/// `(protocol, source, destination)` of the packet as first seen.
fn flow(path: &Value) -> Option<(String, SocketAddr, SocketAddr)> {
    let p = packet(path);
    let end = |addr: &str, port: &str| {
        let addr: IpAddr = p[addr].as_str()?.parse().ok()?;
        let port = u16::try_from(p[port].as_u64().unwrap_or(0)).ok()?;
        Some(SocketAddr::new(addr, port))
    };
    Some((
        p["protocol"].as_str()?.to_owned(),
        end("src", "src_port")?,
        end("dst", "dst_port")?,
    ))
}

/// A UDP datagram's `(source, destination)`.
type Datagram = (SocketAddr, SocketAddr);

fn udp_flow(path: &Value) -> Option<Datagram> {
    flow(path).and_then(|(proto, src, dst)| (proto == "udp").then_some((src, dst)))
}

/// One line per hop, for failure messages.
fn show(path: &Value) -> String {
    let mut out = format!(
        "path {} {:?} iif {:?} fate {}\n",
        path["id"],
        flow(path),
        iface(&path["iif"]),
        path["fate"]
    );
    for (i, hop) in hops(path).iter().enumerate() {
        out.push_str(&format!(
            "  {i:2} {} {} #{} {} -> {}\n",
            place(hop),
            hop["kind"].as_str().unwrap_or("?"),
            hop["rule_number"],
            hop["rule"].as_str().unwrap_or("-"),
            hop["verdict"]
        ));
    }
    out
}

fn show_all(paths: &[Value]) -> String {
    paths.iter().map(show).collect::<Vec<_>>().join("")
}

/// True once every datagram of `want` has a path.
fn all_seen(paths: &[Value], want: &[Datagram]) -> bool {
    want.iter()
        .all(|d| paths.iter().any(|p| udp_flow(p).as_ref() == Some(d)))
}

/// Waits until every datagram of `want` has a path (a guard only), stops nftrace with SIGINT,
/// checks the lossless summary and returns every path printed.
fn collect(mut run: Nftrace, want: &[Datagram]) -> Vec<Value> {
    run.wait_for(|paths| all_seen(paths, want), GUARD);
    run.stop_checked_paths()
}

/// Asserts that the paths are exactly one per datagram of `want`, and nothing else.
fn assert_exactly(paths: &[Value], want: &[Datagram], what: &str) {
    let got: Vec<Option<Datagram>> = paths.iter().map(udp_flow).collect();
    let mut want_sorted: Vec<Option<Datagram>> = want.iter().copied().map(Some).collect();
    let mut got_sorted = got.clone();
    want_sorted.sort();
    got_sorted.sort();
    assert_eq!(
        got_sorted,
        want_sorted,
        "{what}: one path per matching datagram and no other path; paths:\n{}",
        show_all(paths)
    );
}

/// The only path of `datagram`.
fn path_of<'a>(paths: &'a [Value], datagram: &Datagram) -> &'a Value {
    let found: Vec<&Value> = paths
        .iter()
        .filter(|p| udp_flow(p).as_ref() == Some(datagram))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one path for {datagram:?}:\n{}",
        show_all(paths)
    );
    found[0]
}

/// The hops at `at` (`source table/chain`) of kind `kind`.
fn hops_at<'a>(path: &'a Value, at: &str, kind: &str) -> Vec<&'a Value> {
    hops(path)
        .iter()
        .filter(|hop| place(hop) == at && hop["kind"].as_str() == Some(kind))
        .collect()
}

/// Asserts a rule hop at `at` whose rule text contains `text`.
fn assert_rule_hop(path: &Value, at: &str, text: &str) {
    let found = hops_at(path, at, "rule");
    assert!(
        found
            .iter()
            .any(|hop| hop["rule"].as_str().is_some_and(|rule| rule.contains(text))),
        "a rule hop at {at} with `{text}`:\n{}",
        show(path)
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Filters.

/// Traffic the filter `udp and dst port 10370` must not trace — UDP to another port (IPv4,
/// IPv6, in and out), TCP to the port (a completed handshake), pings (IPv4, IPv6) — then the
/// datagrams it must: `a` → `h` port 10370 over IPv4 and IPv6 (prerouting), `h` → `a` port
/// 10370 (output). The ones not to trace go first and are answered (ping, TCP) or sent before
/// the traced ones, so they had their chance to be traced. Returns the datagrams to trace.
fn mixed_traffic(site: &Site) -> Vec<Datagram> {
    let (a, h) = (&site.a, &site.h);
    send_udp(a, sock(H_A_V4, PORT + 1), 8);
    send_udp(a, sock(H_A_V6, PORT + 1), 8);
    send_udp(h, sock(A_V4, PORT + 1), 8);
    tcp_connect(a, h, sock(H_A_V4, PORT));
    ping(a, ip(H_A_V4));
    ping(a, ip(H_A_V6));
    let mut traced = Vec::new();
    for (from, dst) in [(a, H_A_V4), (a, H_A_V6), (h, A_V4)] {
        let dst = sock(dst, PORT);
        traced.push((send_udp(from, dst, 8), dst));
    }
    traced
}

/// The default trigger on a host with native nft, iptables-nft and iptables-legacy rules: the
/// three datagrams to port 10370 and nothing else; each path holds the legacy mangle hop
/// (nflog: the nft trigger's trace bit reaches the legacy tables through the nf_log binding),
/// the iptables-nft filter hop and the native nft hop (nf_tables trace).
#[test]
fn default_trigger_traces_only_the_filter_on_a_hybrid_host() {
    let site = Site::new("hyb", false);
    let h = &site.h;
    hybrid_rules(h);
    let before = snapshot(h);
    let run = Nftrace::start(h, &["--json", FILTER]);
    let pid = run.pid().expect("running");
    assert_installed(h, pid, Trigger::Nft, &before, true);
    let traced = mixed_traffic(&site);
    let paths = collect(run, &traced);
    assert_exactly(&paths, &traced, FILTER);

    for incoming in &traced[..2] {
        let path = path_of(&paths, incoming);
        assert_eq!(path["source"], "both", "{}", show(path));
        assert_eq!(iface(&path["iif"]).as_deref(), Some("h0"), "{}", show(path));
        assert_eq!(path["fate"]["kind"], "delivered_locally", "{}", show(path));
        assert_rule_hop(path, "nflog mangle/INPUT", "--dport 10370");
        assert_rule_hop(path, "nftrace filter/INPUT", "10370");
        assert_rule_hop(path, "nftrace native/input", "udp dport 10370");
    }
    let outgoing = path_of(&paths, &traced[2]);
    assert_eq!(outgoing["source"], "both", "{}", show(outgoing));
    assert_rule_hop(outgoing, "nflog mangle/OUTPUT", "--dport 10370");
    assert_rule_hop(outgoing, "nftrace native/output", "udp dport 10370");
    assert_eq!(
        iface(&outgoing["fate"]["oif"]).as_deref(),
        Some("h0"),
        "{}",
        show(outgoing)
    );
    assert_eq!(snapshot(h), before);
}

/// `--backend legacy` on the same host, the filter given as separate words: raw TRACE rules,
/// the same three datagrams and nothing else, each with its legacy mangle hop (nflog). The
/// nf_tables hops are not asserted: legacy TRACE reaches the nf_tables trace only while some
/// `meta nftrace set` rule exists anywhere on the machine (other tests' triggers).
#[test]
fn legacy_backend_traces_only_the_filter() {
    let site = Site::new("leg", false);
    let h = &site.h;
    hybrid_rules(h);
    nft_trace_on_everywhere(h);
    let before = snapshot(h);
    let mut args = vec!["--json", "--backend", "legacy"];
    args.extend(FILTER.split(' '));
    let run = Nftrace::start(h, &args);
    let pid = run.pid().expect("running");
    assert_installed(h, pid, Trigger::Legacy, &before, true);
    let traced = mixed_traffic(&site);
    let paths = collect(run, &traced);
    assert_exactly(&paths, &traced, "--backend legacy");
    for incoming in &traced[..2] {
        let path = path_of(&paths, incoming);
        assert_rule_hop(path, "nflog mangle/INPUT", "--dport 10370");
        assert_eq!(iface(&path["iif"]).as_deref(), Some("h0"), "{}", show(path));
    }
    assert_rule_hop(
        path_of(&paths, &traced[2]),
        "nflog mangle/OUTPUT",
        "--dport 10370",
    );
    assert_restored(h, &before, Trigger::Legacy, "--backend legacy");
}

/// `-i h0`: datagrams that came in on h0 (IPv4 and IPv6), not those from h1, and none sent
/// by the host itself (they have no input interface).
#[test]
fn interface_restricts_to_packets_coming_in_there() {
    let site = Site::new("iif", true);
    let (a, b, h) = (&site.a, site.b(), &site.h);
    let before = snapshot(h);
    let run = Nftrace::start(h, &["--json", "-i", "h0", FILTER]);
    send_udp(b, sock(H_B_V4, PORT), 8);
    send_udp(b, sock(H_B_V6, PORT), 8);
    send_udp(h, sock(A_V4, PORT), 8);
    send_udp(h, sock(B_V4, PORT), 8);
    send_udp(h, sock(B_V6, PORT), 8);
    let mut traced = Vec::new();
    for dst in [H_A_V4, H_A_V6] {
        let dst = sock(dst, PORT);
        traced.push((send_udp(a, dst, 8), dst));
    }
    let paths = collect(run, &traced);
    assert_exactly(&paths, &traced, "-i h0");
    for path in &paths {
        assert_eq!(iface(&path["iif"]).as_deref(), Some("h0"), "{}", show(path));
    }
    assert_eq!(snapshot(h), before);
}

/// Marks set before the trigger runs (an nft prerouting chain at priority -350), by port.
const MARKS_NFT: &str = "\
table inet marks {
	chain pre {
		type filter hook prerouting priority -350; policy accept;
		udp dport 10372 meta mark set 0x1234
		udp dport 10373 meta mark set 0x1235
		udp dport 10374 meta mark set 0x34
	}
}
";

/// `--mark 0x34/0xff` traces the packets whose mark's low byte is 0x34 (0x1234 and 0x34, not
/// 0x1235 nor unmarked ones); `--mark 4660` (decimal 0x1234, all bits) only 0x1234.
#[test]
fn mark_with_and_without_mask_restricts_to_those_marks() {
    let site = Site::new("mark", false);
    let (a, h) = (&site.a, &site.h);
    h.nft(MARKS_NFT);
    let before = snapshot(h);
    for (args, marked) in [
        (["--mark", "0x34/0xff"], &[PORT + 2, PORT + 4][..]),
        (["--mark", "4660"], &[PORT + 2][..]),
    ] {
        let mut all = vec!["--json"];
        all.extend(args);
        all.push("udp");
        let run = Nftrace::start(h, &all);
        // Unmarked, sent by the host itself.
        send_udp(h, sock(A_V4, PORT + 2), 8);
        let mut traced = Vec::new();
        for port in PORT + 2..=PORT + 5 {
            let dst = sock(H_A_V4, port);
            let src = send_udp(a, dst, 8);
            if marked.contains(&port) {
                traced.push((src, dst));
            }
        }
        let paths = collect(run, &traced);
        assert_exactly(&paths, &traced, &format!("{args:?}"));
    }
    assert_eq!(snapshot(h), before);
}

/// `ip6 and udp`: every IPv6 UDP datagram (any port, in and out), no IPv4 one, no IPv6 TCP.
#[test]
fn ip6_and_udp_traces_ipv6_udp_only() {
    let site = Site::new("ip6udp", false);
    let (a, h) = (&site.a, &site.h);
    let before = snapshot(h);
    let run = Nftrace::start(h, &["--json", "ip6 and udp"]);
    send_udp(a, sock(H_A_V4, PORT), 8);
    send_udp(h, sock(A_V4, PORT), 8);
    tcp_connect(a, h, sock(H_A_V6, PORT));
    let mut traced = Vec::new();
    for (from, dst) in [
        (a, sock(H_A_V6, PORT)),
        (a, sock(H_A_V6, PORT + 1)),
        (h, sock(A_V6, PORT)),
    ] {
        traced.push((send_udp(from, dst, 8), dst));
    }
    let paths = collect(run, &traced);
    assert_exactly(&paths, &traced, "ip6 and udp");
    for path in &paths {
        assert_eq!(path["family"], "ip6", "{}", show(path));
    }
    assert_eq!(snapshot(h), before);
}

/// `host fd00::2`: the datagrams from and to fd00::2, not those of fd01::2 nor IPv4 ones from
/// the same client; every path printed (neighbour discovery of fd00::2 may add some) has
/// fd00::2 as its source or destination.
#[test]
fn host_ipv6_address_traces_that_host_only() {
    let site = Site::new("host6", true);
    let (a, b, h) = (&site.a, site.b(), &site.h);
    let before = snapshot(h);
    let mut run = Nftrace::start(h, &["--json", "host fd00::2"]);
    send_udp(b, sock(H_B_V6, PORT), 8);
    send_udp(h, sock(B_V6, PORT), 8);
    send_udp(a, sock(H_A_V4, PORT), 8);
    send_udp(h, sock(A_V4, PORT), 8);
    ping(b, ip(H_B_V6));
    let mut traced = Vec::new();
    for (from, dst) in [(a, sock(H_A_V6, PORT)), (h, sock(A_V6, PORT))] {
        traced.push((send_udp(from, dst, 8), dst));
    }
    run.wait_for(|paths| all_seen(paths, &traced), GUARD);
    let paths = run.stop_checked_paths();
    let udp: Vec<Value> = paths
        .iter()
        .filter(|p| udp_flow(p).is_some())
        .cloned()
        .collect();
    assert_exactly(&udp, &traced, "host fd00::2 (UDP)");
    let host = ip(A_V6);
    for path in &paths {
        let (_, src, dst) =
            flow(path).unwrap_or_else(|| panic!("a path with a packet:\n{}", show(path)));
        assert!(
            src.ip() == host || dst.ip() == host,
            "a path not from or to {host}:\n{}",
            show(path)
        );
    }
    assert_eq!(snapshot(h), before);
}

// ---------------------------------------------------------------------------------------------
// 2. Exit paths: the namespace as it was.

/// Sends one datagram to 127.0.0.1:10370 in the namespace; returns it.
fn loopback_datagram(ns: &Netns) -> Datagram {
    let dst = sock("127.0.0.1", PORT);
    (send_udp(ns, dst, 8), dst)
}

/// `--duration 2.5`: the run ends by itself (exit 0, the summary), the datagram sent
/// meanwhile has its path, and everything is removed.
#[test]
fn exit_at_the_end_of_duration_restores_the_namespace() {
    let (h, _sink) = exit_host("exdur");
    let before = snapshot(&h);
    let (run, pid, _) = start_installed(&h, &before, Trigger::Nft, &["--duration", "2.5"]);
    let sent = loopback_datagram(&h);
    assert!(exited_within(pid, GUARD), "--duration did not stop nftrace");
    let paths = run.stop_checked_paths();
    assert_exactly(&paths, &[sent], "--duration");
    assert_eq!(snapshot(&h), before);
}

/// `-c 2`: three datagrams, two paths printed, the run ends by itself.
#[test]
fn exit_after_count_restores_the_namespace() {
    let (h, _sink) = exit_host("excount");
    let before = snapshot(&h);
    let (run, pid, _) = start_installed(&h, &before, Trigger::Nft, &["-c", "2"]);
    let sent: Vec<Datagram> = (0..3).map(|_| loopback_datagram(&h)).collect();
    assert!(exited_within(pid, GUARD), "-c 2 did not stop nftrace");
    let paths = run.stop_checked_paths();
    assert_eq!(paths.len(), 2, "-c 2:\n{}", show_all(&paths));
    for path in &paths {
        assert!(
            udp_flow(path).is_some_and(|d| sent.contains(&d)),
            "a path of another packet:\n{}",
            show(path)
        );
    }
    assert_eq!(snapshot(&h), before);
}

/// A signal ends the run (exit 0, the summary) and everything is removed; the datagram sent
/// meanwhile has one path (for the legacy backend with the nf_tables trace on, the loopback
/// packet's nflog hops and its nf_tables hops after loopback must be one path too).
fn exit_on_signal(label: &str, trigger: Trigger, signal: Signal) {
    let (h, _sink) = exit_host(label);
    if trigger == Trigger::Legacy {
        nft_trace_on_everywhere(&h);
    }
    let before = snapshot(&h);
    let (mut run, _, _) = start_installed(&h, &before, trigger, &[]);
    let sent = loopback_datagram(&h);
    run.wait_for(|paths| all_seen(paths, &[sent]), GUARD);
    let paths = run.stop_with(signal).checked_counting("packets");
    assert_restored(&h, &before, trigger, &format!("after {signal}"));
    assert_exactly(&paths, &[sent], &format!("{signal}"));
}

#[test]
fn exit_on_sigint_restores_the_namespace() {
    exit_on_signal("exint", Trigger::Nft, Signal::SIGINT);
}

#[test]
fn exit_on_sigterm_restores_the_namespace() {
    exit_on_signal("exterm", Trigger::Nft, Signal::SIGTERM);
}

#[test]
fn exit_on_sighup_restores_the_namespace() {
    exit_on_signal("exhup", Trigger::Nft, Signal::SIGHUP);
}

#[test]
fn legacy_exit_on_sigint_restores_the_namespace() {
    exit_on_signal("lexint", Trigger::Legacy, Signal::SIGINT);
}

/// NFTRACE_TEST_PANIC_AFTER_INSTALL=1 (debug builds): the run panics right after installing
/// (exit 101). The table existed — `nft monitor` saw it added and deleted — and everything,
/// the nf_log binding included, is as before.
#[test]
fn exit_by_panic_restores_the_namespace() {
    let (h, _sink) = exit_host("expanic");
    let before = snapshot(&h);
    let monitor = monitor_tables(&h);
    let mut command = in_ns(&h, &["--json", "--duration", "5", FILTER]);
    command.env("NFTRACE_TEST_PANIC_AFTER_INSTALL", "1");
    let (pid, output) = run_to_end(command);
    let seen = monitor_finish(monitor, &h);
    assert_eq!(
        output.status.code(),
        Some(101),
        "a panic: {output:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // nft monitor says `create` for a table added with NLM_F_EXCL, `add` otherwise.
    let added = seen.iter().position(|line| {
        *line == format!("add table inet nftrace_{pid}")
            || *line == format!("create table inet nftrace_{pid}")
    });
    let deleted = seen
        .iter()
        .position(|line| *line == format!("delete table inet nftrace_{pid}"));
    assert!(
        matches!((added, deleted), (Some(a), Some(d)) if a < d),
        "the table nftrace_{pid} added, then deleted; nft monitor saw: {seen:#?}"
    );
    assert_eq!(snapshot(&h), before);
}

/// SIGKILL leaves the trigger as it was; the next run says it removed it (naming the killed
/// process), and after that run the namespace is as it was before the first — the nf_log
/// binding included, which the next run must take from the killed run's record, not from
/// what the killed run left. The next run uses the default backend in both cases: recovery
/// does not depend on the backend of the run that recovers.
fn sigkill_then_next_run_recovers(label: &str, trigger: Trigger) {
    let (h, _sink) = exit_host(label);
    if trigger == Trigger::Legacy {
        nft_trace_on_everywhere(&h);
    }
    let before = snapshot(&h);
    let (run, pid, during) = start_installed(&h, &before, trigger, &[]);
    let killed = run.stop_with(Signal::SIGKILL);
    assert_eq!(killed.status.signal(), Some(9), "{:?}", killed.status);
    assert_eq!(snapshot(&h), during, "SIGKILL left the trigger as it was");

    let (_, output) = run_to_end(in_ns(&h, &["--json", "--duration", "0.5", FILTER]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{output:?}\n{stderr}");
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("nftrace: removed") && line.contains(&pid.to_string())),
        "no `nftrace: removed …` line naming process {pid}:\n{stderr}"
    );
    assert_restored(&h, &before, trigger, "after the recovering run");
}

#[test]
fn sigkill_then_next_run_recovers_the_namespace() {
    sigkill_then_next_run_recovers("exkill", Trigger::Nft);
}

#[test]
fn legacy_sigkill_then_next_run_recovers_the_namespace() {
    sigkill_then_next_run_recovers("lexkill", Trigger::Legacy);
}

// ---------------------------------------------------------------------------------------------
// 3. --netns from the test's own namespace.

/// `ip netns exec NS sleep 30`, killed on drop: a process inside a namespace, for
/// `--netns PID`.
struct Sleeper(Child);

impl Sleeper {
    /// Starts it and waits until it is in the namespace (before `ip netns exec` has entered
    /// it, its pid would name the test's own namespace).
    fn start(ns: &Netns) -> Sleeper {
        let child = Command::new("ip")
            .args(["netns", "exec", ns.name(), "sleep", "30"])
            .stdin(Stdio::null())
            .spawn()
            .expect("starting sleep");
        let sleeper = Sleeper(child);
        let want = std::fs::metadata(ns.path()).expect("the namespace file");
        let deadline = Instant::now() + GUARD;
        loop {
            let now = std::fs::metadata(format!("/proc/{}/ns/net", sleeper.0.id()));
            if now.is_ok_and(|m| m.ino() == want.ino() && m.dev() == want.dev()) {
                return sleeper;
            }
            assert!(
                Instant::now() < deadline,
                "sleep never entered {}",
                ns.name()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `nftrace --netns SPEC --json FILTER` started from the test's own namespace: the trigger in
/// `h` (and not here), a datagram from `a` traced with `h`'s interface name, `h` unchanged
/// afterwards, and this namespace's tables and nf_log bindings untouched.
fn netns_run_traces_the_namespace(site: &Site, spec: &str) {
    let h = &site.h;
    let before = snapshot(h);
    let host_before = host_state();
    let mut command = Command::new(NFTRACE);
    command.args(["--netns", spec, "--json", FILTER]);
    let run = Nftrace::start_command(command, &format!("with --netns {spec}"));
    let pid = run.pid().expect("running");
    assert_installed(h, pid, Trigger::Nft, &before, false);
    let host_during = host_state();
    assert!(
        !host_during.0.contains(&format!("nftrace_{pid}")),
        "the trigger is in the test's own namespace:\n{}",
        host_during.0
    );
    assert_eq!(host_during, host_before, "the test's own namespace changed");
    let dst = sock(H_A_V4, PORT);
    let sent = (send_udp(&site.a, dst, 8), dst);
    let paths = collect(run, &[sent]);
    assert_exactly(&paths, &[sent], &format!("--netns {spec}"));
    assert_eq!(
        iface(&paths[0]["iif"]).as_deref(),
        Some("h0"),
        "{}",
        show(&paths[0])
    );
    assert_eq!(snapshot(h), before);
    assert_eq!(
        host_state(),
        host_before,
        "the test's own namespace changed"
    );
}

#[test]
fn netns_by_pid_traces_that_process_namespace() {
    let site = Site::new("nspid", false);
    let sleeper = Sleeper::start(&site.h);
    netns_run_traces_the_namespace(&site, &sleeper.0.id().to_string());
}

#[test]
fn netns_by_path_traces_that_namespace() {
    let site = Site::new("nspath", false);
    netns_run_traces_the_namespace(&site, &site.h.path());
}

/// The seed scenario's forwarder: Docker-style iptables-legacy rules (the seed's, without its
/// raw TRACE rules), traced by `nftrace --netns <forwarder> --json 'udp and port 10370'` run
/// from the test's own namespace. Three datagrams and three echoes, one path each: the
/// datagrams came in on eth0 and went out of docker0, the first one through the DNAT rule
/// (with its text; the later ones skip nat, conntrack knows the flow); the echoes came in on
/// docker0 and went out of eth0. The names are the forwarder's: this namespace has no
/// docker0. Afterwards the forwarder is as it was.
#[test]
fn netns_by_name_traces_the_seed_scenario() {
    require_root();
    let topology = topology::Topology::build("session").expect("building the seed topology");
    let fwd = &topology.forwarder;
    let without_trace: String = rules::restore_input()
        .lines()
        .filter(|line| !line.ends_with("-j TRACE"))
        .map(|line| format!("{line}\n"))
        .collect();
    fwd.exec(&["iptables-legacy-restore"], &without_trace)
        .expect("loading the seed's rules");
    let _echo = traffic::EchoServer::start(&topology.container).expect("the echo server");
    let before = snapshot_named(fwd.name());
    let host_before = host_state();

    let mut command = Command::new(NFTRACE);
    command.args(["--netns", fwd.name(), "--json", "udp and port 10370"]);
    let mut run = Nftrace::start_command(command, "with --netns <forwarder>");
    let pid = run.pid().expect("running");
    let during = snapshot_named(fwd.name());
    assert!(
        during
            .nft_ruleset
            .contains(&format!("table inet nftrace_{pid} {{")),
        "no trigger in the forwarder:\n{}",
        during.nft_ruleset
    );
    assert_eq!(nf_log_value(&during, NF_LOG_V4), "nfnetlink_log");
    assert_eq!(
        host_state(),
        host_before,
        "the test's own namespace changed"
    );

    let exchange = traffic::send_seed_datagrams(&topology.trigger).expect("the seed's traffic");
    let expected = 2 * traffic::PAYLOAD_SIZES.len();
    run.wait_for(|paths| paths.len() >= expected, GUARD);
    let paths = run.stop_checked_paths();
    assert_eq!(paths.len(), expected, "paths:\n{}", show_all(&paths));

    let trigger = SocketAddr::new(ip(topology::TRIGGER_IP), exchange.trigger.port());
    let forwarder = sock(topology::FORWARDER_IP, traffic::ECHO_PORT);
    let echo_from = sock(topology::CONTAINER_IP, traffic::ECHO_PORT);
    let datagrams: Vec<&Value> = paths
        .iter()
        .filter(|p| udp_flow(p) == Some((trigger, forwarder)))
        .collect();
    let echoes: Vec<&Value> = paths
        .iter()
        .filter(|p| udp_flow(p) == Some((echo_from, trigger)))
        .collect();
    assert_eq!(
        (datagrams.len(), echoes.len()),
        (3, 3),
        "3 datagrams, 3 echoes:\n{}",
        show_all(&paths)
    );
    for (list, iif, oif) in [
        (&datagrams, "eth0", "docker0"),
        (&echoes, "docker0", "eth0"),
    ] {
        for path in list.iter() {
            assert_eq!(iface(&path["iif"]).as_deref(), Some(iif), "{}", show(path));
            assert_eq!(path["fate"]["kind"], "forwarded", "{}", show(path));
            assert_eq!(
                iface(&path["fate"]["oif"]).as_deref(),
                Some(oif),
                "{}",
                show(path)
            );
        }
    }
    let dnat = "-A DOCKER ! -i docker0 -p udp -m udp --dport 10370 -j DNAT \
                --to-destination 172.18.0.2:10370";
    let first = datagrams
        .iter()
        .find(|p| packet(p)["total_len"] == 1511)
        .unwrap_or_else(|| panic!("the first datagram (1511 bytes):\n{}", show_all(&paths)));
    let dnat_hops = hops_at(first, "nflog nat/DOCKER", "rule");
    assert!(
        dnat_hops.iter().any(|hop| hop["rule"] == dnat),
        "the DNAT rule `{dnat}`:\n{}",
        show(first)
    );
    assert!(
        hops(first).iter().any(|hop| {
            hop["changes"].as_array().is_some_and(|changes| {
                changes
                    .iter()
                    .any(|c| c["field"] == "dst" && c["to"] == topology::CONTAINER_IP)
            })
        }),
        "the destination rewritten to the container:\n{}",
        show(first)
    );
    assert_eq!(snapshot_named(fwd.name()), before);
    assert_eq!(
        host_state(),
        host_before,
        "the test's own namespace changed"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Errors.

/// Without CAP_NET_ADMIN (as nobody, inside a namespace with legacy tables, both backends):
/// exit 1, one line naming CAP_NET_ADMIN, nothing changed.
#[test]
fn without_cap_net_admin_one_line_and_nothing_changed() {
    let (h, _sink) = exit_host("noroot");
    let before = snapshot(&h);
    for extra in [&[][..], &["--backend", "legacy"][..]] {
        let args = [extra, &[FILTER]].concat();
        let output = run_nftrace(&h, &AS_NOBODY, &args);
        let what = format!("as nobody {extra:?}");
        assert_eq!(output.status.code(), Some(1), "{what}: {output:?}");
        let line = one_error_line(&output, &what);
        assert!(line.contains("CAP_NET_ADMIN"), "{what}: {line}");
        assert_eq!(snapshot(&h), before, "{what}");
    }
}

/// `--netns nftrace-no-such`: exit 1, one line naming the namespace; nothing is created, and
/// the test's own namespace gets no trigger.
#[test]
fn netns_that_does_not_exist_is_one_line() {
    require_root();
    let host_before = host_state();
    let (pid, output) = run_to_end({
        let mut command = Command::new(NFTRACE);
        command.args(["--netns", "nftrace-no-such", FILTER]);
        command
    });
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_error_line(&output, "--netns nftrace-no-such");
    assert!(
        line.contains("nftrace-no-such") && line.contains("no such"),
        "{line}"
    );
    assert!(!Netns::exists("nftrace-no-such"));
    let host_after = host_state();
    assert!(!host_after.0.contains(&format!("nftrace_{pid}")));
    assert_eq!(host_after, host_before, "the test's own namespace changed");
}

/// A misspelt filter word: exit 2, a message naming the word (a pointer under it may
/// follow), nothing on stdout, not even the readiness line — and nothing installed, not even
/// for an instant (`nft monitor` saw no table), nor changed; for both backends.
#[test]
fn bad_filter_exits_2_naming_the_word_and_installs_nothing() {
    let (h, _sink) = exit_host("badfilt");
    let before = snapshot(&h);
    let monitor = monitor_tables(&h);
    let filter = "udp and dst prot 10370";
    for extra in [&[][..], &["--backend", "legacy"][..]] {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        args.push(filter);
        let (_, output) = run_to_end(in_ns(&h, &args));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let what = format!("{extra:?} {filter:?}");
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(output.stdout.is_empty(), "{what}: {output:?}");
        let mut lines = stderr.lines();
        let first = lines.next().unwrap_or_default();
        assert!(
            first.starts_with("nftrace: ") && first.contains("`prot`"),
            "{what}: the message names `prot`: {stderr}"
        );
        // Anything after the message is the pointer: the filter, then carets under `prot`.
        let rest: Vec<&str> = lines.collect();
        if !rest.is_empty() {
            assert_eq!(rest.len(), 2, "{what}: message and pointer only: {stderr}");
            let column = rest[0]
                .find(filter)
                .unwrap_or_else(|| panic!("{what}: the pointer shows the filter: {stderr}"))
                + filter.find("prot").expect("prot");
            assert_eq!(
                rest[1].trim_end(),
                format!("{}^^^^", " ".repeat(column)),
                "{what}: carets under `prot`: {stderr}"
            );
        }
        assert!(!stderr.contains(READY_PREFIX), "{what}: {stderr}");
    }
    let seen = monitor_finish(monitor, &h);
    assert!(
        !seen.iter().any(|line| line.contains("nftrace_")),
        "a bad filter installed something: {seen:#?}"
    );
    assert_eq!(snapshot(&h), before);
}

/// `nftrace --netns NS --backend legacy FILTER` with `PATH` = `dir` (run from the test's own
/// namespace, so that nothing but nftrace itself looks at `PATH`).
fn legacy_with_path(ns: &Netns, dir: &Path) -> Output {
    let mut command = Command::new(NFTRACE);
    command
        .env("PATH", dir)
        .args(["--netns", ns.name(), "--backend", "legacy", FILTER]);
    run_to_end(command).1
}

/// `--backend legacy` without iptables-legacy on PATH: exit 1, one line naming it, nothing
/// changed (ip6tables-legacy, present, inserted nothing either).
#[test]
fn legacy_backend_without_iptables_legacy_is_one_line() {
    let (h, _sink) = exit_host("nolegacy");
    let before = snapshot(&h);
    let dir = tool_dir("nolegacy", &["iptables-legacy", "iptables-legacy-save"]);
    let output = legacy_with_path(&h, dir.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_error_line(&output, "without iptables-legacy");
    assert!(
        line.contains("iptables-legacy") && !line.contains("ip6tables-legacy"),
        "{line}"
    );
    assert_eq!(snapshot(&h), before);
}

/// A filter for both families with ip6tables-legacy missing but iptables-legacy present:
/// exit 1, one line naming ip6tables-legacy, and nothing left of the IPv4 half.
#[test]
fn legacy_backend_without_ip6tables_legacy_leaves_nothing() {
    let (h, _sink) = exit_host("noleg6");
    let before = snapshot(&h);
    let dir = tool_dir("noleg6", &["ip6tables-legacy", "ip6tables-legacy-save"]);
    let output = legacy_with_path(&h, dir.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_error_line(&output, "without ip6tables-legacy");
    assert!(line.contains("ip6tables-legacy"), "{line}");
    assert_eq!(snapshot(&h), before);
}

/// A legacy install that really fails half-way: ip6tables-legacy is a wrapper that refuses
/// every insert (and, at that moment, saves the IPv4 raw table), so the IPv4 TRACE rules are
/// already in when the IPv6 ones fail. Exit 1, one line naming ip6tables-legacy, and the IPv4
/// rules rolled back: the namespace is as it was.
#[test]
fn legacy_install_failing_half_way_is_rolled_back() {
    let (h, _sink) = exit_host("halfway");
    let before = snapshot(&h);
    let dir = tool_dir("halfway", &["ip6tables-legacy"]);
    let at_failure = dir.path().join("raw-at-failure.txt");
    let wrapper = dir.path().join("ip6tables-legacy");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n\
             # ip6tables-legacy that refuses to insert (nftrace's tests/session.rs).\n\
             for arg in \"$@\"; do\n\
             \tif [ \"$arg\" = -I ]; then\n\
             \t\t'{save}' -t raw > '{file}' 2>&1\n\
             \t\techo 'ip6tables-legacy: refused by the test' >&2\n\
             \t\texit 4\n\
             \tfi\n\
             done\n\
             exec '{real}' \"$@\"\n",
            save = which("iptables-legacy-save").display(),
            file = at_failure.display(),
            real = which("ip6tables-legacy").display(),
        ),
    )
    .expect("writing the wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
        .expect("chmod the wrapper");

    let output = legacy_with_path(&h, dir.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_error_line(&output, "ip6tables-legacy failing");
    assert!(line.contains("ip6tables-legacy"), "{line}");
    let raw = std::fs::read_to_string(&at_failure)
        .unwrap_or_else(|err| panic!("the wrapper never ran an insert ({err}); {line}"));
    assert!(
        raw.lines()
            .any(|l| l.contains("--comment \"nftrace pid=") && l.ends_with("-j TRACE")),
        "the IPv4 TRACE rules were in when IPv6 failed (so there was something to roll \
         back):\n{raw}"
    );
    assert_restored(&h, &before, Trigger::Legacy, "rolled back");
}
