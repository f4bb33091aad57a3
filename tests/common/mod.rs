//! The shared harness of nftrace's integration tests (`mod common;` in each test file).
//!
//! Every test that touches the kernel runs as root inside network namespaces it creates here
//! ([`Netns`]): unique names, deleted on drop — also when the test panics — together with any
//! process still running in them. Nothing here touches the machine's own namespace: commands run
//! under `ip netns exec`, and in-process code enters a namespace on a thread of its own
//! ([`Netns::run_in`]).
//!
//! Besides namespaces: veth pairs between two of them, traffic helpers (UDP, a completed TCP
//! handshake, ping, sinks), the trace triggers (an nft `meta nftrace set 1` table,
//! iptables-legacy raw `TRACE` rules with the nf_log binding), a snapshot of a namespace's
//! firewall state for before/after comparisons, the `nftrace` binary as a child process
//! ([`Nftrace`]) or run to completion ([`run_nftrace`], also as nobody: [`AS_NOBODY`]),
//! `nft monitor` ([`NftMonitor`]), readers of the default command's JSON paths ([`hops`],
//! [`place`], [`iface`]), and small helpers several test files share (address literals,
//! interface metadata, a temporary directory, waiting for a child to exit).
//!
//! Timeouts here only keep a broken test from hanging; tests assert on what was seen.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

/// The start of the line `nftrace` prints on stderr once its sockets are bound.
pub const READY_PREFIX: &str = "nftrace: listening";

/// How long `nftrace` may take to print its readiness line, and to exit after SIGINT.
const PROCESS_GUARD: Duration = Duration::from_secs(10);

/// The nf_tables table [`install_nft_trace`] creates.
pub const NFT_TRACE_TABLE: &str = "nftrace_harness";

/// The nf_log sysctls [`install_legacy_trace`] changes: IPv4 (`NFPROTO_IPV4` = 2) and IPv6 (10).
pub const NF_LOG_SYSCTLS: [&str; 2] = ["net.netfilter.nf_log.2", "net.netfilter.nf_log.10"];

/// Panics unless the test runs as root: the integration tests create network namespaces and
/// must not pass without having checked anything.
pub fn require_root() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(str::to_owned));
    assert_eq!(
        euid.as_deref(),
        Some("0"),
        "nftrace's integration tests need root (they create network namespaces and read the \
         kernel's netfilter trace); run them as root, e.g. with scripts/test.sh"
    );
}

/// Runs a command, returning its output; panics if it cannot be started at all.
fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"))
}

/// Panics with the command, its status, stdout and stderr unless it succeeded.
fn check(command_text: &str, output: Output) -> Output {
    assert!(
        output.status.success(),
        "`{command_text}` failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim_end(),
        String::from_utf8_lossy(&output.stderr).trim_end(),
    );
    output
}

/// A network namespace owned by one test: created with `lo` up, deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates `nftrace-<label>-<pid>-<counter>`, `label` cut to 8 characters of `[a-z0-9]`.
    /// Calls [`require_root`] first, so no test can skip the check.
    pub fn new(label: &str) -> Netns {
        require_root();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let short: String = label
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        let name = format!(
            "nftrace-{short}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        check(
            &format!("ip netns add {name}"),
            run(Command::new("ip").args(["netns", "add", &name])),
        );
        // From here on, Drop cleans up even if bringing lo up fails.
        let netns = Netns { name };
        netns.ip(&["link", "set", "lo", "up"]);
        netns
    }

    /// The namespace's name (as `ip netns list` shows it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bind mount that names the namespace, `/run/netns/NAME`.
    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// True while a namespace of that name exists.
    pub fn exists(name: &str) -> bool {
        std::path::Path::new(&format!("/run/netns/{name}")).exists()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).args(args);
        command
    }

    /// Runs `ip netns exec NAME ARGS…` and returns its output; panics (with its stderr) unless
    /// it succeeded.
    pub fn exec(&self, args: &[&str]) -> Output {
        let output = run(&mut self.command(args));
        check(
            &format!("ip netns exec {} {}", self.name, args.join(" ")),
            output,
        )
    }

    /// Runs `ip netns exec NAME ARGS…` and returns its output whatever its status, for
    /// commands that are expected to fail.
    pub fn exec_status(&self, args: &[&str]) -> Output {
        run(&mut self.command(args))
    }

    /// Like [`Netns::exec`], with `input` on the command's stdin (`nft -f -`).
    pub fn exec_with_input(&self, args: &[&str], input: &str) -> Output {
        let text = format!("ip netns exec {} {}", self.name, args.join(" "));
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run `{text}`: {err}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .unwrap_or_else(|err| panic!("writing the input of `{text}`: {err}"));
        }
        let output = child
            .wait_with_output()
            .unwrap_or_else(|err| panic!("waiting for `{text}`: {err}"));
        check(&text, output)
    }

    /// Runs `ip -n NAME ARGS…`, asserting success.
    pub fn ip(&self, args: &[&str]) -> Output {
        let output = run(Command::new("ip").args(["-n", &self.name]).args(args));
        check(&format!("ip -n {} {}", self.name, args.join(" ")), output)
    }

    /// Loads an nft ruleset (`nft -f -`) into the namespace.
    pub fn nft(&self, ruleset: &str) {
        self.exec_with_input(&["nft", "-f", "-"], ruleset);
    }

    /// Reads a sysctl in the namespace (`sysctl -n KEY`).
    pub fn sysctl(&self, key: &str) -> String {
        let output = self.exec(&["sysctl", "-n", key]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Sets a sysctl in the namespace (`sysctl -w KEY=VALUE`).
    pub fn set_sysctl(&self, key: &str, value: &str) {
        self.exec(&["sysctl", "-q", "-w", &format!("{key}={value}")]);
    }

    /// Runs `f` on a new thread that has entered the namespace, and returns its result (a panic
    /// in `f` is passed on). Sockets opened in `f` stay in the namespace after it returns.
    pub fn run_in<F, R>(&self, f: F) -> R
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        let path = self.path();
        thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let file = File::open(&path).unwrap_or_else(|err| panic!("opening {path}: {err}"));
                setns(&file, CloneFlags::CLONE_NEWNET)
                    .unwrap_or_else(|err| panic!("setns({path}): {err}"));
                f()
            });
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Creates a veth pair between two namespaces, addresses both ends (IPv6 without duplicate
    /// address detection, so it is usable at once) and brings them up.
    pub fn veth_pair(a: &Netns, b: &Netns, a_end: &VethEnd<'_>, b_end: &VethEnd<'_>) {
        a.ip(&[
            "link",
            "add",
            a_end.ifname,
            "type",
            "veth",
            "peer",
            "name",
            b_end.ifname,
            "netns",
            &b.name,
        ]);
        for (netns, end) in [(a, a_end), (b, b_end)] {
            netns.ip(&["addr", "add", end.ipv4, "dev", end.ifname]);
            netns.ip(&["-6", "addr", "add", end.ipv6, "dev", end.ifname, "nodad"]);
            netns.ip(&["link", "set", end.ifname, "up"]);
        }
        // IPv6 neighbour discovery needs the multicast route, which the kernel adds only once
        // the link-watch work has seen the carrier (up to a second later); until then the
        // peer drops every neighbour solicitation.
        for (netns, end) in [(a, a_end), (b, b_end)] {
            let deadline = Instant::now() + PROCESS_GUARD;
            loop {
                let routes =
                    netns.ip(&["-6", "route", "show", "table", "local", "dev", end.ifname]);
                if String::from_utf8_lossy(&routes.stdout).contains("multicast ff00::/8") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{} in {} got no IPv6 multicast route within {PROCESS_GUARD:?}",
                    end.ifname,
                    netns.name
                );
                thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Creates namespace `label` (as [`Netns::new`]) as a neighbour of `peer`: a veth pair
    /// between them ([`Netns::veth_pair`]), `peer_end` in `peer` and `end` in the new one.
    pub fn neighbour(
        peer: &Netns,
        label: &str,
        peer_end: &VethEnd<'_>,
        end: &VethEnd<'_>,
    ) -> Netns {
        let netns = Netns::new(label);
        Netns::veth_pair(peer, &netns, peer_end, end);
        netns
    }

    /// The processes running in the namespace (`ip netns pids NAME`).
    pub fn pids(&self) -> Vec<i32> {
        let output = run(Command::new("ip").args(["netns", "pids", &self.name]));
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .collect()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for pid in self.pids() {
            // Best effort: the process may have exited meanwhile.
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let output = run(Command::new("ip").args(["netns", "del", &self.name]));
        if !output.status.success() {
            // Never panic in drop (it may run during a panic); scripts/test.sh fails on
            // namespaces left behind.
            eprintln!(
                "harness: cannot delete network namespace {}: {}",
                self.name,
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
    }
}

/// One end of a veth pair: its interface name and its addresses with prefix length
/// (`"10.0.0.1/24"`, `"fd00::1/64"`).
#[derive(Debug, Clone, Copy)]
pub struct VethEnd<'a> {
    pub ifname: &'a str,
    pub ipv4: &'a str,
    pub ipv6: &'a str,
}

impl<'a> VethEnd<'a> {
    /// `VethEnd { ifname, ipv4, ipv6 }`, for topologies written one end a line.
    pub const fn new(ifname: &'a str, ipv4: &'a str, ipv6: &'a str) -> VethEnd<'a> {
        VethEnd { ifname, ipv4, ipv6 }
    }
}

/// An interface as `ip -j link` shows it: what the kernel's trace and log messages say of it.
#[derive(Debug, Clone)]
pub struct Link {
    pub ifindex: u64,
    /// The ARPHRD type (1 Ethernet, 772 loopback).
    pub arphrd: u64,
    /// The MAC address as `ip` prints it (`aa:bb:cc:dd:ee:ff`).
    pub mac: String,
}

impl Link {
    /// The MAC as hex without colons, as it stands in a link-layer header.
    pub fn mac_hex(&self) -> String {
        self.mac.replace(':', "")
    }
}

/// Reads interface `dev` of the namespace with `ip -j link`; panics on a link type the tests
/// do not use.
pub fn link(ns: &Netns, dev: &str) -> Link {
    let output = ns.ip(&["-j", "link", "show", "dev", dev]);
    let links: Value = serde_json::from_slice(&output.stdout).expect("ip -j link prints JSON");
    let link = &links[0];
    let arphrd = match link["link_type"].as_str() {
        Some("loopback") => 772, // ARPHRD_LOOPBACK
        Some("ether") => 1,      // ARPHRD_ETHER
        other => panic!("unexpected link type {other:?} of {dev}"),
    };
    Link {
        ifindex: link["ifindex"].as_u64().expect("an ifindex"),
        arphrd,
        mac: link["address"].as_str().expect("an address").to_owned(),
    }
}

/// An IP address literal.
pub fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP address literal")
}

/// An IP address literal and a port.
pub fn sock(addr: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip(addr), port)
}

/// A UDP socket bound to `addr` in the namespace (it stays there), so that datagrams to
/// `addr` are delivered rather than answered with ICMP port unreachable (which would be
/// traced too). `[::]:PORT` takes both families.
pub fn udp_sink(ns: &Netns, addr: SocketAddr) -> UdpSocket {
    ns.run_in(|| UdpSocket::bind(addr).unwrap_or_else(|err| panic!("bind {addr}: {err}")))
}

/// Sends one UDP datagram of `payload_len` bytes from the namespace to `dst`, from an
/// ephemeral port; returns the sender's address.
pub fn send_udp(ns: &Netns, dst: SocketAddr, payload_len: usize) -> SocketAddr {
    ns.run_in(|| {
        let any: SocketAddr = match dst {
            SocketAddr::V4(_) => "0.0.0.0:0".parse().expect("literal"),
            SocketAddr::V6(_) => "[::]:0".parse().expect("literal"),
        };
        let socket = UdpSocket::bind(any).unwrap_or_else(|err| panic!("bind {any}: {err}"));
        // Connecting picks the source address, so the address returned is the real one.
        socket
            .connect(dst)
            .unwrap_or_else(|err| panic!("connect to {dst}: {err}"));
        let payload = vec![b'u'; payload_len];
        let sent = socket
            .send(&payload)
            .unwrap_or_else(|err| panic!("send to {dst}: {err}"));
        assert_eq!(sent, payload_len, "short UDP send to {dst}");
        socket
            .local_addr()
            .expect("local address of a bound socket")
    })
}

/// Completes a TCP handshake from `client` to `addr` in `server` (which may be the same
/// namespace), with a listener the helper starts there itself, sends a few bytes and closes
/// both ends. Returns the client's address.
pub fn tcp_connect(client: &Netns, server: &Netns, addr: SocketAddr) -> SocketAddr {
    let listener = server
        .run_in(|| TcpListener::bind(addr).unwrap_or_else(|err| panic!("listen on {addr}: {err}")));
    let mut stream = client.run_in(|| {
        TcpStream::connect_timeout(&addr, PROCESS_GUARD)
            .unwrap_or_else(|err| panic!("connect to {addr}: {err}"))
    });
    let (accepted, _) = listener
        .accept()
        .unwrap_or_else(|err| panic!("accept on {addr}: {err}"));
    stream
        .write_all(b"nftrace")
        .unwrap_or_else(|err| panic!("write to {addr}: {err}"));
    let local = stream
        .local_addr()
        .expect("local address of a connected socket");
    drop(stream);
    drop(accepted);
    local
}

/// `ping -c 1 -W 1` (`ping -6` for an IPv6 address) from the namespace; panics unless a reply
/// came back.
pub fn ping(ns: &Netns, dst: IpAddr) {
    let family = if dst.is_ipv6() { "-6" } else { "-4" };
    ns.exec(&["ping", family, "-c", "1", "-W", "1", "-q", &dst.to_string()]);
}

/// Like [`ping`], for pings that are expected to go unanswered: true if a reply came back.
pub fn ping_answered(ns: &Netns, dst: IpAddr) -> bool {
    let family = if dst.is_ipv6() { "-6" } else { "-4" };
    ns.exec_status(&["ping", family, "-c", "1", "-W", "1", "-q", &dst.to_string()])
        .status
        .success()
}

/// Which packets [`install_nft_trace`] marks for tracing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFamily {
    Both,
    Ipv4,
    Ipv6,
}

/// Adds table `inet nftrace_harness` with `meta nftrace set 1` at prerouting and output,
/// priority raw - 1 (-301), for the given families.
pub fn install_nft_trace(ns: &Netns, family: TraceFamily) {
    let filter = match family {
        TraceFamily::Both => "",
        TraceFamily::Ipv4 => "meta nfproto ipv4 ",
        TraceFamily::Ipv6 => "meta nfproto ipv6 ",
    };
    install_nft_trace_matching(ns, filter);
}

/// Like [`install_nft_trace`], marking only packets that match the nft expression `matching`
/// (e.g. `"udp dport 4242"`; empty: every packet).
pub fn install_nft_trace_matching(ns: &Netns, matching: &str) {
    ns.nft(&format!(
        "table inet {NFT_TRACE_TABLE} {{\n\
         \tchain pre {{ type filter hook prerouting priority -301; {matching} meta nftrace set 1; }}\n\
         \tchain out {{ type filter hook output priority -301; {matching} meta nftrace set 1; }}\n\
         }}\n"
    ));
}

/// What [`install_legacy_trace`] changed; restores the nf_log bindings on drop.
#[derive(Debug)]
pub struct LegacyTraceGuard<'a> {
    ns: &'a Netns,
    saved: Vec<(&'static str, String)>,
}

impl LegacyTraceGuard<'_> {
    /// The sysctl values found before (e.g. `NONE`).
    pub fn saved(&self) -> &[(&'static str, String)] {
        &self.saved
    }
}

impl Drop for LegacyTraceGuard<'_> {
    fn drop(&mut self) {
        for (key, value) in &self.saved {
            let output = self
                .ns
                .exec_status(&["sysctl", "-q", "-w", &format!("{key}={value}")]);
            if !output.status.success() {
                eprintln!(
                    "harness: cannot restore {key}={value} in {}: {}",
                    self.ns.name(),
                    String::from_utf8_lossy(&output.stderr).trim_end()
                );
            }
        }
    }
}

/// Makes iptables-legacy TRACE reach nfnetlink_log in the namespace: binds nf_log for IPv4 and
/// IPv6 to `nfnetlink_log` (restored when the guard drops) and appends `-j TRACE` to raw
/// PREROUTING and OUTPUT with iptables-legacy and ip6tables-legacy.
pub fn install_legacy_trace(ns: &Netns) -> LegacyTraceGuard<'_> {
    let guard = bind_nf_log(ns);
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        for chain in ["PREROUTING", "OUTPUT"] {
            ns.exec(&[tool, "-w", "-t", "raw", "-A", chain, "-j", "TRACE"]);
        }
    }
    guard
}

/// Binds nf_log for IPv4 and IPv6 to `nfnetlink_log` in the namespace (restored when the
/// guard drops), without adding any TRACE rule: legacy tables then log TRACE for packets
/// whose trace bit an nft `meta nftrace set 1` rule set (DESIGN.md, "one trace bit for both
/// stacks").
pub fn bind_nf_log(ns: &Netns) -> LegacyTraceGuard<'_> {
    let mut guard = LegacyTraceGuard {
        ns,
        saved: Vec::new(),
    };
    for key in NF_LOG_SYSCTLS {
        let old = ns.sysctl(key);
        guard.saved.push((key, old));
        ns.set_sysctl(key, "nfnetlink_log");
    }
    guard
}

/// A namespace's firewall state, normalised so that two snapshots of an unchanged state are
/// equal: counters zeroed, `iptables-save` comment lines dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallSnapshot {
    pub nft_ruleset: String,
    pub iptables_legacy: String,
    pub ip6tables_legacy: String,
    /// `(sysctl key, value)` for every `net.netfilter.nf_log.*`.
    pub nf_log: Vec<(String, String)>,
}

/// Takes a [`FirewallSnapshot`] of the namespace.
pub fn snapshot(ns: &Netns) -> FirewallSnapshot {
    snapshot_named(ns.name())
}

/// Takes a [`FirewallSnapshot`] of the namespace called `name` (`/run/netns/NAME`), for
/// namespaces a [`Netns`] does not own (the seed scenario's).
pub fn snapshot_named(name: &str) -> FirewallSnapshot {
    let stdout = |args: &[&str]| {
        let output = run(Command::new("ip").args(["netns", "exec", name]).args(args));
        let output = check(&format!("ip netns exec {name} {}", args.join(" ")), output);
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let nf_log = stdout(&["sysctl", "net.netfilter.nf_log"])
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    FirewallSnapshot {
        nft_ruleset: normalise(&stdout(&["nft", "list", "ruleset"])),
        iptables_legacy: normalise(&stdout(&["iptables-legacy-save", "-c"])),
        ip6tables_legacy: normalise(&stdout(&["ip6tables-legacy-save", "-c"])),
        nf_log,
    }
}

/// Drops `#` comment lines (iptables-save's timestamps) and zeroes counters: `[12:3456]` and
/// nft's `packets 12 bytes 3456`.
fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let mut words: Vec<String> = Vec::new();
        let mut zero_next = false;
        for word in line.split(' ') {
            let is_counter = word.starts_with('[')
                && word.ends_with(']')
                && word
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(':')
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if is_counter {
                words.push("[0:0]".to_owned());
            } else if zero_next && word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty() {
                words.push("0".to_owned());
            } else {
                words.push(word.to_owned());
            }
            zero_next = word == "packets" || word == "bytes";
        }
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

/// What [`Nftrace::stop`] collected.
#[derive(Debug)]
pub struct NftraceOutput {
    pub status: ExitStatus,
    /// Every stdout line that parsed as JSON, in order.
    pub json: Vec<Value>,
    /// Every stdout line, in order.
    pub stdout_lines: Vec<String>,
    /// All of stderr.
    pub stderr: String,
}

impl NftraceOutput {
    /// Panics (with the status and stderr) unless nftrace exited 0.
    pub fn assert_success(&self) {
        assert!(self.status.success(), "{:?}: {}", self.status, self.stderr);
    }

    /// Checks what every lossless JSON run must show (see
    /// [`Nftrace::stop_checked_counting`]) and returns the JSON values.
    pub fn checked_counting(self, printed: &str) -> Vec<Value> {
        self.assert_lossless(printed);
        self.json
    }

    /// The checks of [`NftraceOutput::checked_counting`], keeping the output for more.
    pub fn assert_lossless(&self, printed: &str) {
        self.assert_success();
        let summary = self.stderr.lines().last().unwrap_or_default();
        assert!(
            summary.starts_with(&format!(
                "nftrace: {} {printed} printed",
                self.stdout_lines.len()
            )),
            "summary `{summary}` vs {} lines",
            self.stdout_lines.len()
        );
        assert!(summary.contains("; 0 events lost"), "{summary}");
        assert_eq!(
            self.json.len(),
            self.stdout_lines.len(),
            "every line is JSON"
        );
    }
}

/// The `nftrace` binary running in a namespace, its output collected line by line.
/// Killed on drop if still running.
pub struct Nftrace {
    child: Option<Child>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    readers: Vec<JoinHandle<()>>,
    stdout_lines: Vec<String>,
    json: Vec<Value>,
    stderr_lines: Vec<String>,
}

/// Sends each line read from `source` over a channel until EOF.
fn forward_lines(
    source: impl std::io::Read + Send + 'static,
) -> (Receiver<String>, JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(source).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    (receiver, reader)
}

impl Nftrace {
    /// Starts `nftrace events --json EXTRA_ARGS…` in the namespace and waits for its
    /// readiness line.
    pub fn events_json(ns: &Netns, extra_args: &[&str]) -> Nftrace {
        let mut args = vec!["events", "--json"];
        args.extend_from_slice(extra_args);
        Nftrace::start(ns, &args)
    }

    /// Starts `ip netns exec NAME nftrace ARGS…` and waits until it prints a stderr line
    /// starting with [`READY_PREFIX`]; panics (with its stderr) if it exits or stays silent.
    pub fn start(ns: &Netns, args: &[&str]) -> Nftrace {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", ns.name(), env!("CARGO_BIN_EXE_nftrace")])
            .args(args);
        Nftrace::start_command(command, &format!("in {}", ns.name()))
    }

    /// Starts `command` (which runs `nftrace`, e.g. with `--netns` from the test's own
    /// namespace) and waits for the readiness line like [`Nftrace::start`]; `what` says where
    /// it runs, for failure messages.
    pub fn start_command(mut command: Command, what: &str) -> Nftrace {
        let args: Vec<String> = command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start nftrace {what}: {err}"));
        let (stdout, stdout_reader) = forward_lines(child.stdout.take().expect("piped stdout"));
        let (stderr, stderr_reader) = forward_lines(child.stderr.take().expect("piped stderr"));
        let mut nftrace = Nftrace {
            child: Some(child),
            stdout,
            stderr,
            readers: vec![stdout_reader, stderr_reader],
            stdout_lines: Vec::new(),
            json: Vec::new(),
            stderr_lines: Vec::new(),
        };
        let deadline = Instant::now() + PROCESS_GUARD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match nftrace.stderr.recv_timeout(left) {
                Ok(line) => {
                    let ready = line.starts_with(READY_PREFIX);
                    nftrace.stderr_lines.push(line);
                    if ready {
                        return nftrace;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = nftrace.child.as_mut().and_then(|c| c.wait().ok());
                    panic!(
                        "nftrace {args:?} exited ({status:?}) before it was ready; stderr:\n{}",
                        nftrace.stderr_lines.join("\n")
                    );
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "nftrace {args:?} printed no `{READY_PREFIX}` line within {PROCESS_GUARD:?}; \
                     stderr:\n{}",
                    nftrace.stderr_lines.join("\n")
                ),
            }
        }
    }

    /// The process id of `nftrace` (`ip netns exec` execs it in place).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn take_line(&mut self, line: String) {
        if let Ok(value) = serde_json::from_str(&line) {
            self.json.push(value);
        }
        self.stdout_lines.push(line);
    }

    /// Reads stdout until `predicate` holds over the JSON lines seen so far, or `timeout`
    /// passes, or stdout ends. Returns whether the predicate held: a guard against hanging,
    /// so assert on the lines themselves, not on this.
    pub fn wait_for(&mut self, predicate: impl Fn(&[Value]) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if predicate(&self.json) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => self.take_line(line),
                Err(_) => return predicate(&self.json),
            }
        }
    }

    /// Reads stdout until `count` lines (JSON or not: text mode) have come, or `timeout`
    /// passes, or stdout ends; a guard against hanging, like [`Nftrace::wait_for`].
    pub fn wait_lines(&mut self, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.stdout_lines.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => self.take_line(line),
                Err(_) => return,
            }
        }
    }

    /// The JSON lines read so far (by [`Nftrace::wait_for`]).
    pub fn json(&self) -> &[Value] {
        &self.json
    }

    /// [`Nftrace::stop_checked_counting`] for `nftrace events --json`, whose summary counts
    /// events.
    pub fn stop_checked(self) -> Vec<Value> {
        self.stop_checked_counting("events")
    }

    /// [`Nftrace::stop_checked_counting`] for the default command (one JSON object per
    /// packet path), whose summary counts packets. Returns the paths.
    pub fn stop_checked_paths(self) -> Vec<Value> {
        self.stop_checked_counting("packets")
    }

    /// [`Nftrace::stop`], then checks what every lossless JSON run must show: exit 0, a
    /// summary `nftrace: N <printed> printed…` whose N equals the stdout lines and that lost
    /// nothing, and every line JSON. `printed` is what the command prints a line for
    /// (`events`, `packets`). Returns the JSON values.
    pub fn stop_checked_counting(self, printed: &str) -> Vec<Value> {
        self.stop().checked_counting(printed)
    }

    /// Sends SIGINT, waits for the process to exit and returns everything it printed.
    /// Panics if it has not exited [`PROCESS_GUARD`] after the signal.
    pub fn stop(self) -> NftraceOutput {
        self.stop_with(Signal::SIGINT)
    }

    /// Sends `signal`, waits for the process to exit and returns everything it printed.
    /// Panics if it has not exited [`PROCESS_GUARD`] after the signal. (A process that has
    /// already exited by itself, e.g. after `-c N`, is only reaped.)
    pub fn stop_with(mut self, signal: Signal) -> NftraceOutput {
        let mut child = self.child.take().expect("a running nftrace");
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid fits i32"));
        kill(pid, signal).unwrap_or_else(|err| panic!("{signal} to nftrace: {err}"));
        let deadline = Instant::now() + PROCESS_GUARD;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("nftrace did not exit within {PROCESS_GUARD:?} of {signal}");
                }
                Err(err) => panic!("waiting for nftrace: {err}"),
            }
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        while let Ok(line) = self.stdout.try_recv() {
            self.take_line(line);
        }
        while let Ok(line) = self.stderr.try_recv() {
            self.stderr_lines.push(line);
        }
        NftraceOutput {
            status,
            json: std::mem::take(&mut self.json),
            stdout_lines: std::mem::take(&mut self.stdout_lines),
            stderr: self.stderr_lines.join("\n"),
        }
    }
}

impl Drop for Nftrace {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The privilege drop of the tests that run `nftrace` without privileges (a prefix for
/// [`run_nftrace`]): nobody, no groups, no capabilities.
pub const AS_NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];

/// Runs `ip netns exec NAME timeout 10 [PREFIX…] nftrace ARGS…` to completion and returns its
/// output whatever its status (`timeout` is a guard against a hang: 124 would be the status
/// then).
pub fn run_nftrace(ns: &Netns, prefix: &[&str], args: &[&str]) -> Output {
    let mut command = vec!["timeout", "10"];
    command.extend_from_slice(prefix);
    command.push(env!("CARGO_BIN_EXE_nftrace"));
    command.extend_from_slice(args);
    ns.exec_status(&command)
}

/// The stderr of a failed run: asserts that it is exactly one line, starting `nftrace: `,
/// with nothing on stdout, and returns that line. `what` names the run in failure messages.
pub fn one_error_line(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one stderr line, got:\n{stderr}");
    assert!(lines[0].starts_with("nftrace: "), "{what}: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "{what}: nothing on stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    lines[0].to_owned()
}

/// Whether process `pid` (a child not yet reaped) has exited, waiting up to `timeout`.
pub fn exited_within(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command name in parentheses; Z: exited, waiting to be reaped.
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next());
        if matches!(state, None | Some('Z')) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// `nft monitor WHAT` (`trace`, `tables`…) in a namespace, its stdout read line by line.
/// Killed on drop. nft says nothing when it has subscribed: a test that needs to know makes
/// something to report and waits for it.
pub struct NftMonitor {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl NftMonitor {
    /// Starts `ip netns exec NAME nft monitor WHAT`.
    pub fn start(ns: &Netns, what: &str) -> NftMonitor {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns.name(), "nft", "monitor", what])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start nft monitor {what}: {err}"));
        let (lines, _reader) = forward_lines(child.stdout.take().expect("piped stdout"));
        NftMonitor {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until `predicate` holds over all seen so far, or `timeout` passes, or
    /// stdout ends; returns whether it holds.
    pub fn wait_for(&mut self, predicate: impl Fn(&[String]) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !predicate(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => return false,
            }
        }
        true
    }

    /// The lines read so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// Kills nft and returns every line it printed.
    pub fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }
}

impl Drop for NftMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory of the test's own under the temp dir, `nftrace-<label>-<pid>-<counter>`;
/// removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "nftrace-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).unwrap_or_else(|err| panic!("mkdir {path:?}: {err}"));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every key of `expected` (a JSON object) has exactly that value in `actual`.
pub fn assert_fields(actual: &Value, expected: &Value, what: &str) {
    let Some(fields) = expected.as_object() else {
        panic!("expected fields must be an object: {expected}");
    };
    for (key, value) in fields {
        assert_eq!(&actual[key], value, "{what}: field `{key}` of {actual:#}");
    }
}

// Readers of the default command's JSON paths (brief/api.md), shared by the tests that check
// paths; each test file has its own renderings for failure messages.

/// The hops of a path, in order (none if it has none).
pub fn hops(path: &Value) -> &[Value] {
    path["hops"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// `source table/chain` of a hop: `nftrace filter/INPUT`, `nflog nat/PREROUTING`.
pub fn place(hop: &Value) -> String {
    format!(
        "{} {}/{}",
        hop["source"].as_str().unwrap_or("?"),
        hop["table"].as_str().unwrap_or("?"),
        hop["chain"].as_str().unwrap_or("?")
    )
}

/// An interface as a name: `"h0"`, `{"index":3,"name":"h0"}` or `{"index":3}` (`if3`).
pub fn iface(value: &Value) -> Option<String> {
    match value {
        Value::String(name) => Some(name.clone()),
        Value::Object(map) => match map.get("name").and_then(Value::as_str) {
            Some(name) => Some(name.to_owned()),
            None => map.get("index").map(|i| format!("if{i}")),
        },
        _ => None,
    }
}

/// The packet as the path's first hop saw it.
pub fn packet(path: &Value) -> &Value {
    &path["packet"]
}
