//! The seed article's scenario end to end (issue #4): runs `examples/seed_scenario` — a trigger,
//! a Docker-style forwarder and a container in network namespaces of its own — and checks the
//! packet paths it prints (`--json`) against the article's ground truth: the kernel log of its
//! `TRACE` rules and its `iptables -L -n -v` listing.
//!
//! The legacy run (iptables-legacy, nflog source) must show, for each datagram and each echo,
//! exactly the `table:chain:kind:number` steps of the seed's log, with each rule's text, the
//! DNAT's rewrite of the destination on the first hop after it, and the nat table on the first
//! datagram of the flow only. The nft run (iptables-nft, nf_tables source) must resolve the
//! same rules, by number and by `iptables-nft-save` text.
//!
//! The example builds and deletes its own namespaces (`nftrace-seed-<its pid>-…`); each test
//! also checks that none is left behind.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

/// How long one run of the example may take: only a guard against a hang (a run takes about
/// a second).
const RUN_GUARD: Duration = Duration::from_secs(120);

const TRIGGER: &str = "198.51.100.113";
const FORWARDER: &str = "172.17.128.213";
const CONTAINER: &str = "172.18.0.2";

/// The IP lengths of the seed's three datagrams (payloads of 1483, 1485 and 1498 bytes) and
/// of their echoes.
const LENGTHS: [u64; 3] = [1511, 1513, 1526];

/// The seed's kernel log, step by step, as the kernel printed it: the first datagram of the
/// flow (`LEN=1511`), ...
const SEED_FIRST_DATAGRAM: [&str; 12] = [
    "raw:PREROUTING:policy:2",
    "mangle:PREROUTING:policy:1",
    "nat:PREROUTING:rule:1",
    "nat:DOCKER:rule:31",
    "mangle:FORWARD:policy:1",
    "filter:FORWARD:rule:1",
    "filter:DOCKER-ISOLATION:return:1",
    "filter:FORWARD:rule:2",
    "filter:DOCKER:rule:30",
    "security:FORWARD:policy:1",
    "mangle:POSTROUTING:policy:1",
    "nat:POSTROUTING:policy:102",
];

/// ... the later datagrams (`LEN=1513`, `LEN=1526`): conntrack knows the flow, the nat table
/// is not consulted again — the seed's log for them is the first datagram's without its `nat:`
/// steps ...
fn seed_later_datagram() -> Vec<&'static str> {
    SEED_FIRST_DATAGRAM
        .into_iter()
        .filter(|step| !step.starts_with("nat:"))
        .collect()
}

/// ... and every echo, from the container back out of eth0.
const SEED_ECHO: [&str; 8] = [
    "raw:PREROUTING:policy:2",
    "mangle:PREROUTING:policy:1",
    "mangle:FORWARD:policy:1",
    "filter:FORWARD:rule:1",
    "filter:DOCKER-ISOLATION:return:1",
    "filter:FORWARD:rule:4",
    "security:FORWARD:policy:1",
    "mangle:POSTROUTING:policy:1",
];

/// The steps of the seed's six packets in the order the forwarder saw them (datagram, echo,
/// datagram, echo, datagram, echo), each as `report` turns the seed's log steps into what
/// nftrace must show.
fn seed_run(report: impl Fn(&[&str]) -> Vec<String>) -> [Vec<String>; 6] {
    let later = seed_later_datagram();
    std::array::from_fn(|index| match index {
        0 => report(&SEED_FIRST_DATAGRAM),
        _ if index % 2 == 1 => report(&SEED_ECHO),
        _ => report(&later),
    })
}

/// The seed's log steps as nftrace must report them. The kernel labels the explicit
/// `-A DOCKER-ISOLATION -j RETURN` (an unconditional rule at the end of a user chain) `return:1`,
/// as if it were the chain's implicit end; it is rule 1, and nftrace says so.
fn as_nftrace_reports(seed_steps: &[&str]) -> Vec<String> {
    seed_steps
        .iter()
        .map(|step| match *step {
            "filter:DOCKER-ISOLATION:return:1" => "filter:DOCKER-ISOLATION:rule:1".to_owned(),
            other => other.to_owned(),
        })
        .collect()
}

/// Each rule the packets go through: its text as `iptables-save` prints it (legacy and nft
/// alike), and the verdict nftrace reports for it.
fn rules() -> HashMap<&'static str, (&'static str, &'static str)> {
    HashMap::from([
        (
            "nat:PREROUTING:rule:1",
            (
                "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
                "jump DOCKER",
            ),
        ),
        (
            "nat:DOCKER:rule:31",
            (
                "-A DOCKER ! -i docker0 -p udp -m udp --dport 10370 -j DNAT \
                 --to-destination 172.18.0.2:10370",
                // Overridden for nf_tables below: there the kernel reports the compat
                // target's own verdict.
                "DNAT",
            ),
        ),
        (
            "filter:FORWARD:rule:1",
            ("-A FORWARD -j DOCKER-ISOLATION", "jump DOCKER-ISOLATION"),
        ),
        (
            "filter:DOCKER-ISOLATION:rule:1",
            ("-A DOCKER-ISOLATION -j RETURN", "return"),
        ),
        (
            "filter:FORWARD:rule:2",
            ("-A FORWARD -o docker0 -j DOCKER", "jump DOCKER"),
        ),
        (
            "filter:DOCKER:rule:30",
            (
                "-A DOCKER -d 172.18.0.2/32 ! -i docker0 -o docker0 -p udp -m udp \
                 --dport 10370 -j ACCEPT",
                "accept",
            ),
        ),
        (
            "filter:FORWARD:rule:4",
            ("-A FORWARD -i docker0 ! -o docker0 -j ACCEPT", "accept"),
        ),
        // Only in the nft run: see `nft_run_resolves_the_same_rules`.
        (
            "raw:PREROUTING:rule:1",
            ("-A PREROUTING -p udp -j TRACE", "continue"),
        ),
    ])
}

#[test]
fn legacy_run_matches_the_seed_kernel_log() {
    let paths = run_example("legacy");
    check_run(&paths, &seed_run(as_nftrace_reports), &Stack::Legacy);
}

#[test]
fn nft_run_resolves_the_same_rules() {
    let paths = run_example("nft");
    // What the nf_tables trace shows for iptables-nft, seen on this kernel (6.18):
    // - the raw rule `-A PREROUTING -p udp -j TRACE` (nft: `meta nftrace set 1`) is reported
    //   itself, as rule 1 with verdict continue, before the policy: the kernel traces the rule
    //   that set the trace bit, where legacy TRACE does not log its own rule;
    // - every other step is the seed's: iptables-nft-restore creates the built-in chains the
    //   restore input declares (`:FORWARD ACCEPT [0:0]` in mangle and security too, as
    //   iptables-save writes them), so the empty mangle and security chains are traversed and
    //   give their policy steps, numbered as iptables counts (nat POSTROUTING: policy 102);
    // - each chain's handle-less "end of chain" event is part of the policy step, not a step
    //   of its own;
    // - the DNAT rule's verdict is `accept`: iptables-nft keeps DNAT as an xtables target
    //   (nft_compat), whose NF_ACCEPT the kernel reports, where nflog only names the target.
    let with_trace_rule = |seed: &[&str]| {
        let mut steps = vec!["raw:PREROUTING:rule:1".to_owned()];
        steps.extend(as_nftrace_reports(seed));
        steps
    };
    check_run(&paths, &seed_run(with_trace_rule), &Stack::Nft);

    // nf_tables rules carry their handle; policies have none.
    for path in &paths {
        for hop in hops(path) {
            let label = step_label(hop);
            match hop["kind"].as_str() {
                Some("rule") => assert!(hop["handle"].is_u64(), "{label}: no handle: {hop}"),
                _ => assert!(hop.get("handle").is_none(), "{label}: a handle: {hop}"),
            }
        }
    }
}

/// Starts the example (built now, see [`example_binary`]) with `args`, its stdout to `stdout`,
/// its stderr piped.
fn spawn_example(args: &[&str], stdout: Stdio) -> Child {
    common::require_root();
    Command::new(example_binary())
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the seed_scenario example")
}

#[test]
fn interrupted_run_leaves_no_namespace() {
    let mut child = spawn_example(&["--json"], Stdio::null());
    let pid = child.id();
    let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    // Interrupt it once it is building namespaces (its first line says so). Whether the
    // signal lands while namespaces exist or after the run ended, none may be left.
    let mut first = String::new();
    stderr
        .read_line(&mut first)
        .expect("reading the example's stderr");
    assert!(
        first.starts_with("==> legacy: building the namespaces"),
        "unexpected first line: {first}"
    );
    kill(
        Pid::from_raw(i32::try_from(pid).expect("pid fits i32")),
        Signal::SIGINT,
    )
    .expect("SIGINT to the example");
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    let status = child.wait().expect("waiting for the example");
    assert!(
        status.success() || status.code() == Some(130),
        "{status:?}; stderr:\n{first}{rest}"
    );
    if status.code() == Some(130) {
        assert!(
            rest.contains("seed_scenario: interrupted; deleted"),
            "stderr:\n{first}{rest}"
        );
    }
    assert_no_namespace_left(pid);
}

/// What differs between the two runs.
enum Stack {
    Legacy,
    Nft,
}

impl Stack {
    fn source(&self) -> &'static str {
        match self {
            Stack::Legacy => "nflog",
            Stack::Nft => "nftrace",
        }
    }

    fn rule_source(&self) -> &'static str {
        match self {
            Stack::Legacy => "iptables-legacy-save",
            Stack::Nft => "iptables-nft-save",
        }
    }

    fn verdict<'a>(&self, label: &str, legacy: &'a str) -> &'a str {
        match (self, label) {
            (Stack::Nft, "nat:DOCKER:rule:31") => "accept",
            _ => legacy,
        }
    }
}

/// The checks both runs share. `expected`: the steps of paths 1..=6 in order (datagram, echo,
/// datagram, echo, datagram, echo).
fn check_run(paths: &[Value], expected: &[Vec<String>; 6], stack: &Stack) {
    let summary: Vec<String> = paths.iter().map(describe).collect();
    assert_eq!(
        paths.len(),
        6,
        "3 datagrams and 3 echoes, one path each; got:\n{}",
        summary.join("\n")
    );
    let rules = rules();
    let mut trigger_port = None;
    for (index, (path, steps)) in paths.iter().zip(expected).enumerate() {
        let echo = index % 2 == 1;
        let length = LENGTHS[index / 2];
        let what = format!(
            "path {} ({} of {length} bytes)",
            path["id"],
            if echo { "echo" } else { "datagram" }
        );

        // The steps, exactly as the seed's kernel log has them.
        let labels: Vec<String> = hops(path).iter().map(step_label).collect();
        assert_eq!(&labels, steps, "{what}: steps\n{}", summary.join("\n"));

        // The packet as the forwarder received it, and where it went.
        let packet = &path["packet"];
        assert_eq!(packet["total_len"], json!(length), "{what}: {packet}");
        assert_eq!(packet["protocol"], "udp", "{what}: {packet}");
        let (src, dst, iif, oif) = if echo {
            (CONTAINER, TRIGGER, "docker0", "eth0")
        } else {
            (TRIGGER, FORWARDER, "eth0", "docker0")
        };
        assert_eq!(packet["src"], src, "{what}: {packet}");
        assert_eq!(packet["dst"], dst, "{what}: {packet}");
        let (port_key, peer_port_key) = if echo {
            ("src_port", "dst_port")
        } else {
            ("dst_port", "src_port")
        };
        assert_eq!(packet[port_key], json!(10370), "{what}: {packet}");
        // One socket on the trigger: one flow.
        let port = packet[peer_port_key].as_u64();
        assert!(port.is_some(), "{what}: {packet}");
        assert_eq!(*trigger_port.get_or_insert(port), port, "{what}: {packet}");
        assert_eq!(path["iif"], iif, "{what}");
        assert_eq!(path["oif"], oif, "{what}");
        assert_eq!(
            path["fate"],
            json!({"kind": "forwarded", "oif": oif, "text": format!("forwarded out of {oif}")}),
            "{what}"
        );
        assert_eq!(path["source"], stack.source(), "{what}");
        assert_eq!(path["complete"], true, "{what}");

        // Only the first datagram of the flow goes through the nat table.
        let nat_hops = hops(path)
            .iter()
            .filter(|hop| hop["table"] == "nat")
            .count();
        assert_eq!(nat_hops > 0, index == 0, "{what}: {nat_hops} nat steps");

        for hop in hops(path) {
            let label = step_label(hop);
            assert_eq!(hop["source"], stack.source(), "{what} {label}");
            match hop["kind"].as_str() {
                Some("rule") => {
                    let (text, verdict) = rules
                        .get(label.as_str())
                        .unwrap_or_else(|| panic!("{what}: no expectation for {label}"));
                    assert_eq!(hop["rule"], *text, "{what} {label}");
                    assert_eq!(hop["rule_source"], stack.rule_source(), "{what} {label}");
                    assert_eq!(
                        hop["verdict"],
                        stack.verdict(&label, verdict),
                        "{what} {label}"
                    );
                }
                Some("policy") => {
                    assert_eq!(hop["rule"], Value::Null, "{what} {label}");
                    assert_eq!(hop["verdict"], "accept", "{what} {label}");
                }
                other => panic!("{what} {label}: kind {other:?}"),
            }
        }

        // What changed on the way: the first hop after routing (mangle FORWARD) sees the
        // packet routed out of its interface with its TTL decremented and, for datagrams, the
        // destination that nat DOCKER's DNAT wrote (conntrack applies it to later datagrams
        // of the flow too). Nothing else changes the addresses: the echoes' reverse NAT
        // happens after the last traced chain (at nat's source-NAT priority in
        // postrouting), as in the seed's log.
        let forward = hops(path)
            .iter()
            .position(|hop| step_label(hop) == "mangle:FORWARD:policy:1")
            .unwrap_or_else(|| panic!("{what}: no mangle:FORWARD step"));
        for (position, hop) in hops(path).iter().enumerate() {
            let label = step_label(hop);
            let changes = hop["changes"].as_array().cloned().unwrap_or_default();
            let address_changes: Vec<&Value> = changes
                .iter()
                .filter(|change| change["field"] == "dst" || change["field"] == "src")
                .collect();
            if position != forward {
                assert!(
                    address_changes.is_empty(),
                    "{what} {label}: address changes {address_changes:?}"
                );
                continue;
            }
            let mut wanted = vec![
                json!({"field": "ttl", "from": 64, "to": 63}),
                json!({"field": "oif", "from": null, "to": oif}),
            ];
            if !echo {
                wanted.push(json!({"field": "dst", "from": FORWARDER, "to": CONTAINER}));
            }
            for change in &wanted {
                assert!(
                    changes.contains(change),
                    "{what} {label}: {change} not among the changes {changes:?}"
                );
            }
            assert_eq!(
                address_changes.len(),
                usize::from(!echo),
                "{what} {label}: {changes:?}"
            );
        }
    }
}

fn hops(path: &Value) -> &[Value] {
    path["hops"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// `table:chain:kind:number`, as the kernel's TRACE prints a step.
fn step_label(hop: &Value) -> String {
    let text = |key: &str| hop[key].as_str().unwrap_or("?").to_owned();
    let number = hop["rule_number"]
        .as_u64()
        .map_or_else(|| "?".to_owned(), |n| n.to_string());
    format!(
        "{}:{}:{}:{number}",
        text("table"),
        text("chain"),
        text("kind")
    )
}

/// One line per path for failure messages.
fn describe(path: &Value) -> String {
    let labels: Vec<String> = hops(path).iter().map(step_label).collect();
    format!(
        "#{} {} > {} len {} trace_ids {} fate {}: {}",
        path["id"],
        path["packet"]["src"],
        path["packet"]["dst"],
        path["packet"]["total_len"],
        path["trace_ids"],
        path["fate"]["text"],
        labels.join(" ")
    )
}

/// Runs the example with `--json --backend BACKEND`, checks it succeeded and cleaned up, and
/// returns its paths in the order nftrace numbered them.
fn run_example(backend: &str) -> Vec<Value> {
    let mut child = spawn_example(&["--json", "--backend", backend], Stdio::piped());
    let pid = child.id();
    let stdout = read_all(child.stdout.take().expect("piped stdout"));
    let stderr = read_all(child.stderr.take().expect("piped stderr"));
    let (out, err) = match (
        stdout.recv_timeout(RUN_GUARD),
        stderr.recv_timeout(RUN_GUARD),
    ) {
        (Ok(out), Ok(err)) => (out, err),
        _ => {
            // SIGTERM, not SIGKILL: the example deletes its namespaces on it.
            let _ = kill(
                Pid::from_raw(i32::try_from(pid).expect("pid fits i32")),
                Signal::SIGTERM,
            );
            let _ = child.wait();
            panic!("seed_scenario --backend {backend} did not finish within {RUN_GUARD:?}");
        }
    };
    let status: ExitStatus = child.wait().expect("waiting for the example");
    assert!(
        status.success(),
        "seed_scenario --backend {backend}: {status:?}\nstderr:\n{err}"
    );
    assert_no_namespace_left(pid);
    assert!(
        err.contains("; 0 events lost"),
        "the run lost events or printed no summary; stderr:\n{err}"
    );
    let mut paths: Vec<Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    paths.sort_by_key(|path| path["id"].as_u64());
    paths
}

/// Reads `source` to its end on a thread of its own; the text comes over the channel.
fn read_all(mut source: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = source.read_to_string(&mut text);
        let _ = sender.send(text);
    });
    receiver
}

/// Fails if a namespace of the example's run is still there.
fn assert_no_namespace_left(pid: u32) {
    let prefix = format!("nftrace-seed-{pid}-");
    let left: Vec<String> = std::fs::read_dir("/run/netns")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "namespaces left behind: {left:?}");
}

/// The example's binary, built now so that it matches the sources: `cargo test --all-targets`
/// compiles examples as test harnesses only (`target/debug/examples/seed_scenario-HASH`), and
/// `cargo test --test seed_scenario` not at all. Cargo releases the build lock before it runs
/// tests, so this build does not wait for the one that started the test.
fn example_binary() -> PathBuf {
    // <target>/<profile>/deps/seed_scenario-HASH
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lies in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let mut build = Command::new(env!("CARGO"));
    build
        .args([
            "build",
            "--quiet",
            "--example",
            "seed_scenario",
            "--manifest-path",
        ])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .stdin(Stdio::null());
    if profile_dir
        .file_name()
        .is_some_and(|name| name == "release")
    {
        build.arg("--release");
    }
    let output = build
        .output()
        .unwrap_or_else(|err| panic!("cannot run {build:?}: {err}"));
    assert!(
        output.status.success(),
        "building the seed_scenario example failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = profile_dir.join("examples").join("seed_scenario");
    assert!(
        binary.is_file(),
        "{} is missing after `cargo build --example seed_scenario`",
        binary.display()
    );
    binary
}
