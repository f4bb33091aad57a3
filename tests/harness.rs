//! Tests of the integration-test harness itself (`tests/common`): namespaces appear and
//! disappear when they should — also when a test panics —, code run with `run_in` is inside the
//! namespace, veth pairs and the traffic helpers work in both families, the trigger helpers change
//! exactly what they say and the snapshot sees it, and the `nftrace` process helper starts, stops
//! and collects output. Needs root.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::*;

fn socket_addr(text: &str) -> SocketAddr {
    text.parse().expect("a socket address literal")
}

#[test]
fn a_namespace_exists_until_dropped() {
    require_root();
    let ns = Netns::new("exists");
    let name = ns.name().to_owned();
    assert!(name.starts_with("nftrace-exists-"), "{name}");
    assert!(Netns::exists(&name));
    let listed = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .any(|line| line.split_whitespace().next() == Some(name.as_str())),
        "{name} not in `ip netns list`"
    );
    drop(ns);
    assert!(!Netns::exists(&name));
}

#[test]
fn names_are_unique() {
    require_root();
    let a = Netns::new("unique");
    let b = Netns::new("unique");
    assert_ne!(a.name(), b.name());
}

#[test]
fn a_panicking_test_still_removes_its_namespace() {
    require_root();
    let name = Mutex::new(String::new());
    let result = std::panic::catch_unwind(|| {
        let ns = Netns::new("panics");
        *name.lock().expect("not poisoned") = ns.name().to_owned();
        assert!(Netns::exists(ns.name()));
        panic!("the test body fails");
    });
    assert!(result.is_err());
    let name = name.into_inner().expect("not poisoned");
    assert!(!name.is_empty());
    assert!(!Netns::exists(&name), "{name} survived the panic");
}

#[test]
fn processes_left_in_a_namespace_are_killed_with_it() {
    require_root();
    let ns = Netns::new("pids");
    let mut sleeper = Command::new("ip")
        .args(["netns", "exec", ns.name(), "sleep", "600"])
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn sleep");
    // `ip netns exec` execs in place: the child itself runs in the namespace.
    let pid = i32::try_from(sleeper.id()).expect("pid fits i32");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !ns.pids().contains(&pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        ns.pids().contains(&pid),
        "sleep {pid} not in {:?}",
        ns.pids()
    );
    drop(ns);
    let status = sleeper.wait().expect("wait for sleep");
    assert!(!status.success(), "sleep exited normally: {status}");
}

#[test]
fn run_in_runs_inside_the_namespace() {
    require_root();
    let ns = Netns::new("runin");
    let namespace_inode = std::fs::metadata(ns.path()).expect("stat the netns").ino();
    let (thread_inode, socket) = ns.run_in(|| {
        let inode = std::fs::metadata("/proc/thread-self/ns/net")
            .expect("stat the thread's netns")
            .ino();
        (
            inode,
            UdpSocket::bind("127.0.0.1:0").expect("bind in the namespace"),
        )
    });
    assert_eq!(thread_inode, namespace_inode);
    let own_inode = std::fs::metadata("/proc/thread-self/ns/net")
        .expect("stat")
        .ino();
    assert_ne!(
        own_inode, namespace_inode,
        "the test thread itself must not move"
    );

    // The socket opened in run_in lives in the namespace: `ss` there lists its port.
    let port = socket.local_addr().expect("bound").port();
    let listing = ns.exec(&["ss", "-Hunl"]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains(&format!("127.0.0.1:{port}")), "{listing}");

    // A fresh namespace has lo and nothing else.
    let links = ns.ip(&["-o", "link", "show"]);
    let links: Vec<String> = String::from_utf8_lossy(&links.stdout)
        .lines()
        .filter_map(|line| line.split(": ").nth(1).map(str::to_owned))
        .collect();
    assert_eq!(links, ["lo"]);
}

#[test]
fn run_in_passes_panics_on() {
    require_root();
    let ns = Netns::new("runpanic");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ns.run_in(|| panic!("inside"));
    }));
    let payload = result.expect_err("the panic comes back");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"inside"));
}

#[test]
fn exec_reports_failures_with_stderr() {
    require_root();
    let ns = Netns::new("execfail");
    let output = ns.exec_status(&["ip", "link", "show", "nosuchdev"]);
    assert!(!output.status.success());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ns.exec(&["ip", "link", "show", "nosuchdev"]);
    }));
    let payload = result.expect_err("exec panics on failure");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(message.contains("nosuchdev"), "{message}");
    assert!(message.contains("does not exist"), "{message}");
}

#[test]
fn veth_pair_carries_traffic_in_both_families() {
    require_root();
    let a = Netns::new("vetha");
    let b = Netns::new("vethb");
    Netns::veth_pair(
        &a,
        &b,
        &VethEnd {
            ifname: "veth-a",
            ipv4: "10.99.0.1/24",
            ipv6: "fd00:99::1/64",
        },
        &VethEnd {
            ifname: "veth-b",
            ipv4: "10.99.0.2/24",
            ipv6: "fd00:99::2/64",
        },
    );
    ping(&a, ip("10.99.0.2"));
    ping(&b, ip("10.99.0.1"));
    ping(&a, ip("fd00:99::2"));
    ping(&b, ip("fd00:99::1"));
    assert!(!ping_answered(&a, ip("10.99.0.3")), "nobody has 10.99.0.3");

    for server in ["10.99.0.2:4000", "[fd00:99::2]:4000"] {
        let server = socket_addr(server);
        let client = tcp_connect(&a, &b, server);
        assert_eq!(
            client.ip(),
            if server.is_ipv4() {
                ip("10.99.0.1")
            } else {
                ip("fd00:99::1")
            }
        );
    }

    let receiver = b.run_in(|| UdpSocket::bind("[fd00:99::2]:4001").expect("bind"));
    receiver
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let sender = send_udp(&a, socket_addr("[fd00:99::2]:4001"), 100);
    let mut buffer = [0u8; 200];
    let (len, from) = receiver
        .recv_from(&mut buffer)
        .expect("the datagram arrives");
    assert_eq!((len, from), (100, sender));
}

#[test]
fn traffic_helpers_work_on_loopback() {
    require_root();
    let ns = Netns::new("loop");
    ping(&ns, ip("127.0.0.1"));
    ping(&ns, ip("::1"));
    let client = tcp_connect(&ns, &ns, socket_addr("127.0.0.1:4002"));
    assert_eq!(client.ip(), ip("127.0.0.1"));
    let receiver = ns.run_in(|| UdpSocket::bind("127.0.0.1:4003").expect("bind"));
    receiver
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let sender = send_udp(&ns, socket_addr("127.0.0.1:4003"), 7);
    let mut buffer = [0u8; 16];
    assert_eq!(
        receiver.recv_from(&mut buffer).expect("arrives"),
        (7, sender)
    );
}

#[test]
fn trigger_helpers_change_what_they_say_and_the_guard_restores_nf_log() {
    require_root();
    let ns = Netns::new("trigger");
    let before = snapshot(&ns);
    assert_eq!(before.nft_ruleset, "");

    install_nft_trace(&ns, TraceFamily::Ipv4);
    let with_nft = snapshot(&ns);
    assert!(
        with_nft
            .nft_ruleset
            .contains(&format!("table inet {NFT_TRACE_TABLE}")),
        "{}",
        with_nft.nft_ruleset
    );
    assert!(with_nft
        .nft_ruleset
        .contains("meta nfproto ipv4 meta nftrace set 1"));
    assert_eq!(with_nft.iptables_legacy, before.iptables_legacy);
    assert_eq!(with_nft.nf_log, before.nf_log);

    {
        let guard = install_legacy_trace(&ns);
        let saved: Vec<_> = guard.saved().iter().map(|(key, _)| *key).collect();
        assert_eq!(saved, NF_LOG_SYSCTLS);
        let with_legacy = snapshot(&ns);
        for (key, value) in &with_legacy.nf_log {
            let expected = if NF_LOG_SYSCTLS.contains(&key.as_str()) {
                "nfnetlink_log".to_owned()
            } else {
                before
                    .nf_log
                    .iter()
                    .find(|(k, _)| k == key)
                    .expect("same keys")
                    .1
                    .clone()
            };
            assert_eq!(value, &expected, "{key}");
        }
        for rules in [&with_legacy.iptables_legacy, &with_legacy.ip6tables_legacy] {
            assert!(rules.contains("-A PREROUTING -j TRACE"), "{rules}");
            assert!(rules.contains("-A OUTPUT -j TRACE"), "{rules}");
        }
    }
    let after = snapshot(&ns);
    assert_eq!(
        after.nf_log, before.nf_log,
        "the guard restores the binding"
    );
}

#[test]
fn snapshots_ignore_counters_and_timestamps() {
    require_root();
    let ns = Netns::new("snapshot");
    ns.exec(&[
        "iptables-legacy",
        "-w",
        "-A",
        "OUTPUT",
        "-p",
        "icmp",
        "-j",
        "ACCEPT",
    ]);
    ns.nft("table ip counted {\n\tchain out {\n\t\ttype filter hook output priority 0;\n\t\tcounter\n\t}\n}\n");
    let before = snapshot(&ns);
    ping(&ns, ip("127.0.0.1"));
    // The counters did move, so the equality below is the normalisation's doing.
    let raw = ns.exec(&["iptables-legacy-save", "-c"]);
    assert!(!String::from_utf8_lossy(&raw.stdout).contains("[0:0] -A OUTPUT"));
    let raw = ns.exec(&["nft", "list", "ruleset"]);
    assert!(!String::from_utf8_lossy(&raw.stdout).contains("packets 0 bytes 0"));
    std::thread::sleep(Duration::from_millis(1100)); // iptables-save stamps the second
    assert_eq!(snapshot(&ns), before);
    assert!(before
        .iptables_legacy
        .contains("[0:0] -A OUTPUT -p icmp -j ACCEPT"));
    assert!(before.nft_ruleset.contains("counter packets 0 bytes 0"));
}

#[test]
fn nftrace_process_starts_collects_and_stops() {
    require_root();
    let ns = Netns::new("process");
    install_nft_trace(&ns, TraceFamily::Both);
    let mut nftrace = Nftrace::events_json(&ns, &[]);
    assert!(nftrace.pid().is_some());
    send_udp(&ns, socket_addr("127.0.0.1:4004"), 10);
    nftrace.wait_for(|lines| !lines.is_empty(), Duration::from_secs(10));
    let output = nftrace.stop();
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.contains(READY_PREFIX), "{}", output.stderr);
    assert!(!output.json.is_empty(), "no JSON lines: {output:?}");
    assert_eq!(
        output.json.len(),
        output.stdout_lines.len(),
        "{:?}",
        output.stdout_lines
    );
}
