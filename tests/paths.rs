//! Packet paths end to end: what the default command `nftrace --json` prints — one JSON
//! object per packet, its hops in the order the kernel ran them, what changed between hops
//! and what became of the packet — for real traffic between namespaces, checked against what
//! the kernel did.
//!
//! - Concurrent flows: UDP and TCP from several threads through a forwarder (nf_tables), UDP
//!   from several threads to a local server (iptables-legacy): every packet one path (counted
//!   independently, with the sender's own numbers or an nft counter), every hop of a path the
//!   same packet (ports, IPv4 id, length), every path complete and in kernel order.
//! - NAT both ways, native nft (`dnat to`, `masquerade`) and iptables-legacy (`DNAT`,
//!   `MASQUERADE`), with replies: the translation shows as a change at the hop after the NAT
//!   rule, the reply shows the reverse translation.
//! - Drops by rule and by policy (nf_tables and iptables-legacy): the fate points at the hop.
//! - IPv6: forwarding with nf_tables, local delivery and a drop with ip6tables-legacy.
//! - A hybrid host: native nft chains beside Docker-like iptables-legacy nat/filter, traced by
//!   one nft `meta nftrace set 1` chain (the trace bit is shared, DESIGN.md "one trace bit for
//!   both stacks"): both sources' hops of a packet in one path, ordered by hook and priority,
//!   and at equal priority in the order the kernel ran them.
//! - Fates: delivered locally, forwarded, sent out, loopback (output and input passes of a
//!   packet to 127.0.0.1 are one path although the kernel gives them two trace ids).
//! - `complete` in lossless runs; `-c N` stops after N paths.
//!
//! The JSON schema is the one of brief/api.md; the readers below accept an interface as a
//! name or as `{index, name}`, a hook as a name or a number, a verdict as text or as the
//! tagged object of the model, so that the assertions are about the path, not its spelling.
//!
//! Topology ([`Lan`]): client `c0` 10.1.0.2 fd01::2 — `r0` 10.1.0.1 fd01::1 router `r1`
//! 10.2.0.1 fd02::1 — `s0` 10.2.0.2 fd02::2 server; nftrace runs in the router. Needs root.

mod common;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use common::*;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

const CLIENT_V4: &str = "10.1.0.2";
const ROUTER_IN_V4: &str = "10.1.0.1";
const ROUTER_OUT_V4: &str = "10.2.0.1";
const SERVER_V4: &str = "10.2.0.2";
const CLIENT_V6: &str = "fd01::2";
const ROUTER_IN_V6: &str = "fd01::1";
const SERVER_V6: &str = "fd02::2";

// ---------------------------------------------------------------------------------------------
// Topology.

/// Client, router and (optionally) server namespaces; the router forwards IPv4 and IPv6.
struct Lan {
    client: Netns,
    router: Netns,
    server: Option<Netns>,
}

impl Lan {
    fn new(label: &str, with_server: bool) -> Lan {
        let router = Netns::new(&format!("{label}r"));
        let client = Netns::neighbour(
            &router,
            &format!("{label}c"),
            &VethEnd::new("r0", "10.1.0.1/24", "fd01::1/64"),
            &VethEnd::new("c0", "10.1.0.2/24", "fd01::2/64"),
        );
        client.ip(&["route", "add", "default", "via", ROUTER_IN_V4]);
        client.ip(&["-6", "route", "add", "default", "via", ROUTER_IN_V6]);
        let server = with_server.then(|| {
            let server = Netns::neighbour(
                &router,
                &format!("{label}s"),
                &VethEnd::new("r1", "10.2.0.1/24", "fd02::1/64"),
                &VethEnd::new("s0", "10.2.0.2/24", "fd02::2/64"),
            );
            server.ip(&["route", "add", "default", "via", ROUTER_OUT_V4]);
            server.ip(&["-6", "route", "add", "default", "via", "fd02::1"]);
            router.set_sysctl("net.ipv4.ip_forward", "1");
            router.set_sysctl("net.ipv6.conf.all.forwarding", "1");
            server
        });
        Lan {
            client,
            router,
            server,
        }
    }

    fn server(&self) -> &Netns {
        self.server.as_ref().expect("a Lan with a server")
    }
}

/// A UDP socket bound in the namespace (it stays there), its reads guarded by [`GUARD`].
fn udp_bind(ns: &Netns, addr: SocketAddr) -> UdpSocket {
    let socket = udp_sink(ns, addr);
    socket
        .set_read_timeout(Some(GUARD))
        .expect("set a read timeout");
    socket
}

/// A UDP socket in the namespace, from an ephemeral port, connected to `dst`.
fn udp_connected(ns: &Netns, dst: SocketAddr) -> UdpSocket {
    let any = if dst.is_ipv4() {
        sock("0.0.0.0", 0)
    } else {
        sock("::", 0)
    };
    let socket = udp_bind(ns, any);
    socket
        .connect(dst)
        .unwrap_or_else(|e| panic!("connect to {dst}: {e}"));
    socket
}

/// Receives one datagram (or panics after [`GUARD`]): the sender's address and the length.
fn recv_from(socket: &UdpSocket) -> (SocketAddr, usize) {
    let mut buf = [0u8; 2048];
    let (len, from) = socket
        .recv_from(&mut buf)
        .unwrap_or_else(|e| panic!("receiving on {:?}: {e}", socket.local_addr()));
    (from, len)
}

/// Runs `TOOL -w ARGS…` for each rule, its arguments split at spaces.
fn run_rules(ns: &Netns, tool: &str, rules: &[&str]) {
    for rule in rules {
        let mut args = vec![tool, "-w"];
        args.extend(rule.split_whitespace());
        ns.exec(&args);
    }
}

/// The packets counted by the nft rules whose listed text contains one of `needles`
/// (`counter packets N`), one rule per needle, summed.
fn nft_counter(ns: &Netns, needles: &[&str]) -> u64 {
    let listing =
        String::from_utf8_lossy(&ns.exec(&["nft", "list", "ruleset"]).stdout).into_owned();
    needles
        .iter()
        .map(|needle| {
            let found: Vec<u64> = listing
                .lines()
                .filter(|line| line.contains(needle))
                .filter_map(|line| {
                    let rest = line.split("counter packets ").nth(1)?;
                    rest.split_whitespace().next()?.parse().ok()
                })
                .collect();
            assert_eq!(
                found.len(),
                1,
                "one counter rule with `{needle}`:\n{listing}"
            );
            found[0]
        })
        .sum()
}

/// The handle of the nft rule whose text (as `nft -a list ruleset` prints it) is `text`.
fn nft_handle(ns: &Netns, text: &str) -> u64 {
    let listing =
        String::from_utf8_lossy(&ns.exec(&["nft", "-a", "list", "ruleset"]).stdout).into_owned();
    let found: Vec<u64> = listing
        .lines()
        .filter_map(|line| line.trim().rsplit_once(" # handle "))
        .filter(|(rule, _)| *rule == text)
        .filter_map(|(_, handle)| handle.parse().ok())
        .collect();
    assert_eq!(found.len(), 1, "one rule `{text}`:\n{listing}");
    found[0]
}

/// Binds nf_log to nfnetlink_log (restored by the guard) and appends, for each entry of
/// `matches`, `MATCH… -j TRACE` to raw PREROUTING and OUTPUT, with iptables-legacy and
/// ip6tables-legacy: legacy tracing of only the test's own traffic (no neighbour discovery).
fn legacy_trace<'a>(ns: &'a Netns, matches: &[&[&str]]) -> LegacyTraceGuard<'a> {
    let guard = bind_nf_log(ns);
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        for chain in ["PREROUTING", "OUTPUT"] {
            for matching in matches {
                let mut args = vec![tool, "-w", "-t", "raw", "-A", chain];
                args.extend_from_slice(matching);
                args.extend_from_slice(&["-j", "TRACE"]);
                ns.exec(&args);
            }
        }
    }
    guard
}

/// Loads `ruleset` into the namespace and has nf_tables trace every UDP packet (UDP only: no
/// neighbour discovery or other noise in the paths).
fn nft_udp_traced(ns: &Netns, ruleset: &str) {
    ns.nft(ruleset);
    install_nft_trace_matching(ns, "meta l4proto udp");
}

/// Has nf_tables trace every UDP packet and binds nf_log to nfnetlink_log (restored by the
/// guard): the legacy tables of a hybrid host then log the same packets (DESIGN.md "one trace
/// bit for both stacks"), without a TRACE rule of their own.
fn hybrid_udp_traced(ns: &Netns) -> LegacyTraceGuard<'_> {
    install_nft_trace_matching(ns, "meta l4proto udp");
    bind_nf_log(ns)
}

// ---------------------------------------------------------------------------------------------
// Running nftrace.

/// Starts `nftrace --json --no-install EXTRA…` in the namespace (each test installs its own
/// trace rules).
fn start(ns: &Netns, extra: &[&str]) -> Nftrace {
    let mut args = vec!["--json", "--no-install"];
    args.extend_from_slice(extra);
    Nftrace::start(ns, &args)
}

/// Waits until `count` paths satisfy `want` (a guard only), then stops nftrace, checks the
/// lossless summary and returns every path printed.
fn collect(mut nftrace: Nftrace, want: impl Fn(&Value) -> bool, count: usize) -> Vec<Value> {
    nftrace.wait_for(
        |paths| paths.iter().filter(|p| want(p)).count() >= count,
        GUARD,
    );
    nftrace.stop_checked_paths()
}

/// [`collect`] for the tests that trace UDP only: waits for `count` UDP paths.
fn collect_udp(nftrace: Nftrace, count: usize) -> Vec<Value> {
    collect(nftrace, |p| is_proto(p, "udp"), count)
}

// ---------------------------------------------------------------------------------------------
// Reading paths (tolerant of spelling, strict about content), beside the harness's readers
// (`hops`, `place`, `iface`, `packet`).

fn s(value: &Value) -> Option<&str> {
    value.as_str()
}

/// A hook as a name (`NF_INET_*` numbers mapped).
fn hook(hop: &Value) -> Option<String> {
    match &hop["hook"] {
        Value::String(name) => Some(name.to_ascii_lowercase()),
        Value::Number(n) => Some(
            match n.as_u64()? {
                0 => "prerouting",
                1 => "input",
                2 => "forward",
                3 => "output",
                4 => "postrouting",
                _ => return None,
            }
            .to_owned(),
        ),
        _ => None,
    }
}

/// A family as `ip` / `ip6` (`NFPROTO_*` numbers mapped).
fn family(value: &Value) -> Option<String> {
    match value {
        Value::String(name) => Some(name.clone()),
        Value::Number(n) => Some(
            match n.as_u64()? {
                2 => "ip",
                10 => "ip6",
                1 => "inet",
                _ => return None,
            }
            .to_owned(),
        ),
        _ => None,
    }
}

/// A verdict as text: `accept`, `drop`, `continue`, `jump X`, `DNAT`…
fn verdict(hop: &Value) -> String {
    match &hop["verdict"] {
        Value::String(text) => text.clone(),
        Value::Object(map) => {
            let kind = map.get("type").and_then(Value::as_str).unwrap_or("?");
            match (kind, map.get("target")) {
                ("target", Some(Value::String(t))) => t.clone(),
                (_, Some(Value::String(t))) => format!("{kind} {t}"),
                (_, Some(other)) => format!("{kind} {other}"),
                (_, None) => kind.to_owned(),
            }
        }
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// The chains a path went through, consecutive hops of one chain counted once: the
/// assertions do not depend on whether a chain's implicit end is a hop of its own.
fn chains(path: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for hop in hops(path) {
        let here = place(hop);
        if out.last() != Some(&here) {
            out.push(here);
        }
    }
    out
}

/// A one-line-per-hop rendering for failure messages, then the path's JSON.
fn show(path: &Value) -> String {
    let mut out = String::new();
    for (i, hop) in hops(path).iter().enumerate() {
        let p = &hop["packet"];
        let packet = if p.is_object() {
            format!(
                " [{}:{} > {}:{} id {} len {}]",
                p["src"].as_str().unwrap_or("?"),
                p["src_port"],
                p["dst"].as_str().unwrap_or("?"),
                p["dst_port"],
                p["ipv4_id"],
                p["total_len"]
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {i:2} {} {} {} #{} prio {} hook {} -> {}{} changes {}\n",
            place(hop),
            s(&hop["kind"]).unwrap_or("?"),
            s(&hop["rule"]).unwrap_or("-"),
            hop["rule_number"],
            hop["priority"],
            hook(hop).unwrap_or_else(|| "?".into()),
            verdict(hop),
            packet,
            hop["changes"]
        ));
    }
    format!(
        "fate {} complete {} trace_ids {}\n{out}json: {path}",
        path["fate"], path["complete"], path["trace_ids"]
    )
}

fn show_all<'a>(paths: impl IntoIterator<Item = &'a Value>) -> String {
    paths
        .into_iter()
        .map(show)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

fn port(packet: &Value, which: &str) -> Option<u16> {
    packet[which].as_u64().and_then(|p| u16::try_from(p).ok())
}

fn is_proto(path: &Value, proto: &str) -> bool {
    packet(path)["protocol"].as_str() == Some(proto)
}

/// A path of a UDP packet with this destination port (as first seen).
fn udp_to(path: &Value, dport: u16) -> bool {
    is_proto(path, "udp") && port(packet(path), "dst_port") == Some(dport)
}

/// A path of a UDP packet from this source port (as first seen).
fn udp_from(path: &Value, sport: u16) -> bool {
    is_proto(path, "udp") && port(packet(path), "src_port") == Some(sport)
}

/// The fate's kind.
fn fate(path: &Value) -> &str {
    path["fate"]["kind"].as_str().unwrap_or("?")
}

/// The change of `field` at a hop, as `(from, to)` texts.
fn change(hop: &Value, field: &str) -> Option<(String, String)> {
    hop["changes"].as_array()?.iter().find_map(|c| {
        (c["field"].as_str() == Some(field)).then(|| {
            let text = |v: &Value| match v {
                Value::String(t) => t.clone(),
                other => iface(other).unwrap_or_else(|| other.to_string()),
            };
            (text(&c["from"]), text(&c["to"]))
        })
    })
}

/// Every hop index at which `field` changed.
fn changed_at(path: &Value, field: &str) -> Vec<usize> {
    hops(path)
        .iter()
        .enumerate()
        .filter(|(_, hop)| change(hop, field).is_some())
        .map(|(i, _)| i)
        .collect()
}

/// The index of the only hop at `place` (`source table/chain`) of kind `kind`.
fn find_hop(path: &Value, at: &str, kind: &str) -> usize {
    let found: Vec<usize> = hops(path)
        .iter()
        .enumerate()
        .filter(|(_, hop)| place(hop) == at && s(&hop["kind"]) == Some(kind))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} hop at {at}:\n{}", show(path));
    found[0]
}

/// The index of the first hop at `at` (`source table/chain`).
fn first_hop(path: &Value, at: &str) -> usize {
    hops(path)
        .iter()
        .position(|hop| place(hop) == at)
        .unwrap_or_else(|| panic!("a hop at {at}:\n{}", show(path)))
}

/// Asserts that hop `at` lists the change of `field` from `from` to `to`; `what` names it in
/// the failure message.
fn assert_change(path: &Value, at: usize, field: &str, (from, to): (&str, &str), what: &str) {
    assert_eq!(
        change(&hops(path)[at], field),
        Some((from.to_owned(), to.to_owned())),
        "{what}: {field} at hop {at}:\n{}",
        show(path)
    );
}

/// Asserts that `field` changed at hop `at` and at no other hop, from `from` to `to`.
fn assert_changed_only_at(path: &Value, at: usize, field: &str, from_to: (&str, &str), what: &str) {
    assert_eq!(
        changed_at(path, field),
        [at],
        "{what}: {field} changes at hop {at} only:\n{}",
        show(path)
    );
    assert_change(path, at, field, from_to, what);
}

/// Checks what every path of a lossless run must show: complete, a packet, a fate, trace ids
/// for nf_tables hops, and every hop that carried headers the same packet as the path's
/// first hop (protocol, length, IPv4 id; addresses and ports too unless NAT may have changed
/// them, in which case they must agree with the changes listed).
fn assert_one_packet(path: &Value) {
    assert_eq!(
        path["complete"],
        Value::Bool(true),
        "complete:\n{}",
        show(path)
    );
    let first = packet(path);
    assert!(first.is_object(), "a path with a packet:\n{}", show(path));
    assert!(!hops(path).is_empty(), "a path with hops:\n{}", show(path));
    let has_nft = hops(path)
        .iter()
        .any(|h| s(&h["source"]) == Some("nftrace"));
    let ids = path["trace_ids"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(
        has_nft,
        ids > 0,
        "trace ids iff nf_tables hops:\n{}",
        show(path)
    );
    // The packet as it should look at each hop: the first one, with the changes applied.
    let mut expect = first.clone();
    for (i, hop) in hops(path).iter().enumerate() {
        for field in ["src", "dst", "src_port", "dst_port"] {
            if let Some(c) = hop["changes"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["field"].as_str() == Some(field)))
            {
                assert_eq!(
                    expect[field],
                    c["from"],
                    "hop {i}: the change of {field} starts from what the hop before saw:\n{}",
                    show(path)
                );
                expect[field] = c["to"].clone();
            }
        }
        let seen = &hop["packet"];
        if !seen.is_object() {
            continue;
        }
        for field in [
            "version",
            "protocol",
            "total_len",
            "ipv4_id",
            "src",
            "dst",
            "src_port",
            "dst_port",
            "tcp_flags",
        ] {
            assert_eq!(
                seen[field],
                expect[field],
                "hop {i} ({}) is another packet than the path's (field {field}):\n{}",
                place(hop),
                show(path)
            );
        }
    }
}

/// The order of hooks in one pass (loopback: output, postrouting, then prerouting again).
fn hook_may_follow(before: &str, after: &str) -> bool {
    before == after
        || matches!(
            (before, after),
            ("prerouting", "input" | "forward")
                | ("forward" | "output", "postrouting")
                | ("postrouting", "prerouting")
        )
}

/// Every hop has a hook and a priority, and they follow the kernel's order: hooks in
/// packet-flow order, priorities not decreasing within a hook (a new pass of the same hook
/// — loopback — starts over).
fn assert_kernel_order(path: &Value) {
    let mut last: Option<(String, i64)> = None;
    for (i, hop) in hops(path).iter().enumerate() {
        let h = hook(hop).unwrap_or_else(|| panic!("hop {i} without a hook:\n{}", show(path)));
        let prio = hop["priority"]
            .as_i64()
            .unwrap_or_else(|| panic!("hop {i} without a priority:\n{}", show(path)));
        if let Some((before, before_prio)) = &last {
            assert!(
                hook_may_follow(before, &h),
                "hop {i}: hook {h} after {before}:\n{}",
                show(path)
            );
            assert!(
                before != &h || *before_prio <= prio,
                "hop {i}: priority {prio} after {before_prio} in {h}:\n{}",
                show(path)
            );
        }
        last = Some((h, prio));
    }
}

/// Asserts that the path is one packet's ([`assert_one_packet`]), in kernel order, through
/// `expect_chains`.
fn assert_chains(path: &Value, expect_chains: &[&str]) {
    assert_one_packet(path);
    assert_kernel_order(path);
    assert_eq!(chains(path), expect_chains, "chains:\n{}", show(path));
}

/// Asserts a path's chains, fate kind and (for forwarded / sent out) interface.
fn assert_path(path: &Value, expect_chains: &[&str], expect_fate: &str, oif: Option<&str>) {
    assert_chains(path, expect_chains);
    assert_eq!(fate(path), expect_fate, "fate:\n{}", show(path));
    if let Some(oif) = oif {
        assert_eq!(
            iface(&path["fate"]["oif"]).as_deref(),
            Some(oif),
            "fate interface:\n{}",
            show(path)
        );
    }
    assert!(
        path["fate"]["text"].as_str().is_some_and(|t| !t.is_empty()),
        "the fate in words:\n{}",
        show(path)
    );
}

/// [`assert_path`] for a path whose hops came from `source` (`nftrace`, `nflog`, or `both`).
fn assert_path_from(
    path: &Value,
    source: &str,
    expect_chains: &[&str],
    expect_fate: &str,
    oif: Option<&str>,
) {
    assert_eq!(path["source"], source, "source:\n{}", show(path));
    assert_path(path, expect_chains, expect_fate, oif);
}

/// Exactly one path matches `pred`; returns it.
fn only<'a>(paths: &'a [Value], pred: impl Fn(&Value) -> bool, what: &str) -> &'a Value {
    let found: Vec<&Value> = paths.iter().filter(|p| pred(p)).collect();
    assert_eq!(
        found.len(),
        1,
        "one path for {what}, got {}:\n{}\n=== all paths:\n{}",
        found.len(),
        show_all(found.iter().copied()),
        show_all(paths)
    );
    found[0]
}

/// Asserts the rule hop that dropped the packet: the fate's hop index points at it, and it is
/// the last hop.
fn assert_dropped_at(path: &Value, kind: &str, at: &str, rule_number: u64) -> usize {
    let expect_fate = if kind == "policy" {
        "dropped_by_policy"
    } else {
        "dropped_by_rule"
    };
    assert_eq!(fate(path), expect_fate, "fate:\n{}", show(path));
    let index = path["fate"]["hop"]
        .as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .unwrap_or_else(|| panic!("a hop index in the fate:\n{}", show(path)));
    let hop = hops(path)
        .get(index)
        .unwrap_or_else(|| panic!("fate hop {index} out of range:\n{}", show(path)));
    assert_eq!(place(hop), at, "the dropping hop:\n{}", show(path));
    assert_eq!(s(&hop["kind"]), Some(kind), "its kind:\n{}", show(path));
    assert_eq!(
        hop["rule_number"].as_u64(),
        Some(rule_number),
        "its number:\n{}",
        show(path)
    );
    assert_eq!(verdict(hop), "drop", "its verdict:\n{}", show(path));
    assert_eq!(
        index + 1,
        hops(path).len(),
        "nothing after the drop:\n{}",
        show(path)
    );
    index
}

// ---------------------------------------------------------------------------------------------
// 1. Concurrent flows.

/// The router's filter for the concurrency test: counters for the forwarded UDP and TCP
/// packets (an independent count of the packets), in every hook a forwarded packet passes.
const CONCURRENT_NFT: &str = "\
table inet filt {
	chain prerouting { type filter hook prerouting priority 0; policy accept; }
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta l4proto udp counter
		meta l4proto tcp counter
	}
	chain postrouting { type filter hook postrouting priority 0; policy accept; }
}
";

const UDP_COUNTER: &str = "meta l4proto udp counter";
const TCP_COUNTER: &str = "meta l4proto tcp counter";

const FORWARD_CHAINS: [&str; 4] = [
    "nftrace nftrace_harness/pre",
    "nftrace filt/prerouting",
    "nftrace filt/forward",
    "nftrace filt/postrouting",
];

/// What names one datagram of [`udp_flows`]: its source port and IP length.
type DatagramKey = (u16, u64);

/// The [`DatagramKey`] of a path's packet.
fn datagram_key(path: &Value) -> DatagramKey {
    let p = packet(path);
    (
        port(p, "src_port").unwrap_or(0),
        p["total_len"].as_u64().unwrap_or(0),
    )
}

/// Sends `flows` UDP flows from `client` to `dst` at the same time, a socket and a thread
/// each, while `alongside` runs on the calling thread; then receives every datagram on `sink`.
/// Each flow sends `datagrams` datagrams of distinct lengths (`payload + k` bytes), so that
/// (source port, IP length) names one packet; returns those names.
fn udp_flows(
    client: &Netns,
    sink: &UdpSocket,
    dst: SocketAddr,
    (flows, datagrams): (usize, usize),
    payload: usize,
    alongside: impl FnOnce(),
) -> BTreeSet<DatagramKey> {
    let headers = if dst.is_ipv4() { 20 + 8 } else { 40 + 8 };
    let sent: BTreeSet<DatagramKey> = thread::scope(|scope| {
        let senders: Vec<_> = (0..flows)
            .map(|_| {
                scope.spawn(move || {
                    let socket = udp_connected(client, dst);
                    let sport = socket.local_addr().expect("bound").port();
                    (0..datagrams)
                        .map(|k| {
                            socket.send(&vec![b'u'; payload + k]).expect("UDP send");
                            thread::yield_now();
                            (sport, (headers + payload + k) as u64)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        alongside();
        senders
            .into_iter()
            .flat_map(|flow| flow.join().expect("UDP flow"))
            .collect()
    });
    for _ in 0..sent.len() {
        recv_from(sink);
    }
    sent
}

/// Asserts that `paths` are the datagrams `sent`, one path each.
fn assert_one_path_per_datagram<'a>(
    paths: impl IntoIterator<Item = &'a Value>,
    sent: &BTreeSet<DatagramKey>,
) {
    let paths: Vec<&Value> = paths.into_iter().collect();
    assert_eq!(
        paths.len(),
        sent.len(),
        "one path per datagram:\n{}",
        show_all(paths.iter().copied())
    );
    let mut seen = BTreeSet::new();
    for path in paths {
        let key = datagram_key(path);
        assert!(
            sent.contains(&key),
            "a path for a datagram never sent:\n{}",
            show(path)
        );
        assert!(seen.insert(key), "a datagram in two paths:\n{}", show(path));
    }
}

/// Waits for a path per datagram `sent`, stops nftrace (checking the lossless summary) and
/// asserts that the paths are those datagrams, one path each; returns the paths.
fn one_path_per_datagram(nftrace: Nftrace, sent: &BTreeSet<DatagramKey>) -> Vec<Value> {
    let paths = collect(nftrace, |_| true, sent.len());
    assert_one_path_per_datagram(&paths, sent);
    paths
}

#[test]
fn concurrent_udp_and_tcp_flows_through_a_forwarder_get_one_path_each() {
    const UDP_FLOWS: usize = 6;
    const DATAGRAMS: usize = 12;
    const TCP_FLOWS: u16 = 3;
    const UDP_PORT: u16 = 6000;
    const TCP_PORT: u16 = 6100;
    let lan = Lan::new("conc", true);
    lan.router.nft(CONCURRENT_NFT);
    install_nft_trace_matching(&lan.router, "meta l4proto { tcp, udp }");
    let sink = udp_bind(lan.server(), sock(SERVER_V4, UDP_PORT));
    let nftrace = start(&lan.router, &[]);

    // TCP connections run while the UDP flows send (a panic in one fails the scope).
    let tcp_flows = || {
        thread::scope(|scope| {
            for i in 0..TCP_FLOWS {
                let (client, server) = (&lan.client, lan.server());
                scope.spawn(move || tcp_connect(client, server, sock(SERVER_V4, TCP_PORT + i)));
            }
        });
    };
    let sent = udp_flows(
        &lan.client,
        &sink,
        sock(SERVER_V4, UDP_PORT),
        (UDP_FLOWS, DATAGRAMS),
        200,
        tcp_flows,
    );
    assert_eq!(sent.len(), UDP_FLOWS * DATAGRAMS);

    // Wait until there is a path for every forwarded packet the router's counters saw (the
    // counters are read again only once that many paths are there).
    let router = &lan.router;
    let mut nftrace = nftrace;
    let known = Cell::new(0u64);
    nftrace.wait_for(
        |paths| {
            if (paths.len() as u64) < known.get() {
                return false;
            }
            known.set(nft_counter(router, &[UDP_COUNTER, TCP_COUNTER]));
            paths.len() as u64 >= known.get()
        },
        GUARD,
    );
    let paths = nftrace.stop_checked_paths();
    let udp_count = nft_counter(router, &[UDP_COUNTER]);
    let tcp_count = nft_counter(router, &[TCP_COUNTER]);
    assert_eq!(
        udp_count,
        sent.len() as u64,
        "the router forwarded every datagram"
    );

    let udp: Vec<&Value> = paths.iter().filter(|p| is_proto(p, "udp")).collect();
    let tcp: Vec<&Value> = paths.iter().filter(|p| is_proto(p, "tcp")).collect();
    assert_eq!(
        udp.len() + tcp.len(),
        paths.len(),
        "only UDP and TCP are traced:\n{}",
        show_all(&paths)
    );
    assert_eq!(udp.len() as u64, udp_count, "one path per UDP packet");
    assert_eq!(tcp.len() as u64, tcp_count, "one path per TCP packet");

    // Every datagram sent has exactly one path, and every path is one of them.
    assert_one_path_per_datagram(udp.iter().copied(), &sent);

    // TCP: no packet in two paths; a SYN and a SYN-ACK for each connection.
    let mut tcp_keys = BTreeSet::new();
    for path in &tcp {
        let p = packet(path);
        let key = (
            p["src"].to_string(),
            p["src_port"].to_string(),
            p["dst_port"].to_string(),
            p["ipv4_id"].to_string(),
            p["tcp_flags"].to_string(),
            p["total_len"].to_string(),
        );
        assert!(
            tcp_keys.insert(key),
            "a TCP packet in two paths:\n{}",
            show(path)
        );
    }
    for i in 0..TCP_FLOWS {
        let flags = |path: &Value| -> Vec<String> {
            packet(path)["tcp_flags"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let syn = tcp
            .iter()
            .filter(|p| port(packet(p), "dst_port") == Some(TCP_PORT + i) && flags(p) == ["syn"])
            .count();
        let syn_ack = tcp
            .iter()
            .filter(|p| {
                port(packet(p), "src_port") == Some(TCP_PORT + i) && flags(p) == ["syn", "ack"]
            })
            .count();
        assert_eq!((syn, syn_ack), (1, 1), "SYN and SYN-ACK of connection {i}");
    }

    // Every path: one packet, the forwarder's whole sequence, out of the right interface.
    for path in udp.iter().chain(&tcp) {
        let to_server = packet(path)["dst"].as_str() == Some(SERVER_V4);
        let oif = if to_server { "r1" } else { "r0" };
        assert_path(path, &FORWARD_CHAINS, "forwarded", Some(oif));
        let counter = if is_proto(path, "udp") {
            UDP_COUNTER
        } else {
            TCP_COUNTER
        };
        let at = find_hop(path, "nftrace filt/forward", "rule");
        assert_eq!(s(&hops(path)[at]["rule"]), Some(counter), "{}", show(path));
        let policy = find_hop(path, "nftrace filt/postrouting", "policy");
        assert_eq!(verdict(&hops(path)[policy]), "accept", "{}", show(path));
    }
}

#[test]
fn concurrent_udp_flows_to_a_local_server_traced_by_iptables_legacy() {
    const FLOWS: usize = 5;
    const DATAGRAMS: usize = 10;
    const PORT: u16 = 6200;
    let lan = Lan::new("concleg", false);
    let host = &lan.router;
    run_rules(
        host,
        "iptables-legacy",
        &["-A INPUT -p udp --dport 6200 -j ACCEPT"],
    );
    let _trace = legacy_trace(host, &[&["-p", "udp"]]);
    let sink = udp_bind(host, sock(ROUTER_IN_V4, PORT));
    let nftrace = start(host, &[]);
    let sent = udp_flows(
        &lan.client,
        &sink,
        sock(ROUTER_IN_V4, PORT),
        (FLOWS, DATAGRAMS),
        100,
        || {},
    );

    for path in &one_path_per_datagram(nftrace, &sent) {
        assert_path_from(
            path,
            "nflog",
            &["nflog raw/PREROUTING", "nflog filter/INPUT"],
            "delivered_locally",
            None,
        );
        let hop = &hops(path)[find_hop(path, "nflog filter/INPUT", "rule")];
        assert_eq!(hop["rule_number"].as_u64(), Some(1), "{}", show(path));
        assert_eq!(verdict(hop), "accept", "{}", show(path));
    }
}

/// Concurrent UDP flows through a hybrid forwarder: every datagram one path holding its
/// nf_tables and its iptables-legacy hops, however the two sockets' messages interleave.
#[test]
fn concurrent_udp_flows_through_a_hybrid_forwarder_get_one_path_each() {
    const FLOWS: usize = 4;
    const DATAGRAMS: usize = 8;
    const PORT: u16 = 6400;
    let lan = Lan::new("conchyb", true);
    let router = &lan.router;
    router.nft(
        "table inet hyb {\n\
         \tchain fwd10 { type filter hook forward priority 10; policy accept; }\n\
         \tchain post { type filter hook postrouting priority 0; policy accept; }\n\
         }\n",
    );
    run_rules(
        router,
        "iptables-legacy",
        &[
            "-t raw -A PREROUTING -d 10.2.0.99 -j DROP",
            "-A FORWARD -p udp -j ACCEPT",
        ],
    );
    let _log = hybrid_udp_traced(router);
    let sink = udp_bind(lan.server(), sock(SERVER_V4, PORT));
    let nftrace = start(router, &[]);
    let sent = udp_flows(
        &lan.client,
        &sink,
        sock(SERVER_V4, PORT),
        (FLOWS, DATAGRAMS),
        60,
        || {},
    );

    for path in &one_path_per_datagram(nftrace, &sent) {
        assert_path_from(
            path,
            "both",
            &[
                "nftrace nftrace_harness/pre",
                "nflog raw/PREROUTING",
                "nflog filter/FORWARD",
                "nftrace hyb/fwd10",
                "nftrace hyb/post",
            ],
            "forwarded",
            Some("r1"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 2. NAT both ways.

/// Native NAT on the router: DNAT of 10.1.0.1:7000 to the server, masquerade out of r1;
/// filter chains after each NAT hook (prerouting 0 after dstnat -100, postrouting 200 after
/// srcnat 100) show the translated packet.
const NAT_NFT: &str = "\
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 10.1.0.1 udp dport 7000 dnat to 10.2.0.2
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname \"r1\" masquerade
	}
}
table inet filt {
	chain prerouting { type filter hook prerouting priority 0; policy accept; }
	chain forward { type filter hook forward priority 0; policy accept; }
	chain late { type filter hook postrouting priority 200; policy accept; }
}
";

/// The paths of one [`nat_exchange`].
struct NatPaths {
    /// The client's datagram to the router.
    request: Value,
    /// The server's answer.
    reply: Value,
    /// The client's source port.
    client_port: u16,
}

/// Starts nftrace (with `extra` arguments) in the router, sends one datagram client →
/// 10.1.0.1:`port`, which the router DNATs to the server's `server_port` and masquerades, and
/// the server's answer back; returns the only path of each.
fn nat_exchange(lan: &Lan, extra: &[&str], port: u16, server_port: u16) -> NatPaths {
    let nftrace = start(&lan.router, extra);
    let server = udp_bind(lan.server(), sock(SERVER_V4, server_port));
    let client = udp_connected(&lan.client, sock(ROUTER_IN_V4, port));
    client.send(b"question").expect("UDP send");
    let (from, _) = recv_from(&server);
    assert_eq!(
        from.ip(),
        ip(ROUTER_OUT_V4),
        "masqueraded to the router's address"
    );
    server.send_to(b"answer!", from).expect("UDP reply");
    let (reply_from, _) = recv_from(&client);
    assert_eq!(reply_from, sock(ROUTER_IN_V4, port), "the reply un-NATed");
    let paths = collect_udp(nftrace, 2);
    NatPaths {
        request: only(&paths, |p| udp_to(p, port), "the request").clone(),
        reply: only(&paths, |p| udp_from(p, server_port), "the reply").clone(),
        client_port: client.local_addr().expect("bound").port(),
    }
}

#[test]
fn nat_nft_dnat_and_masquerade_show_as_changes_and_reverse_on_the_reply() {
    const PORT: u16 = 7000;
    const DNAT_RULE: &str = "ip daddr 10.1.0.1 udp dport 7000 dnat to 10.2.0.2";
    let lan = Lan::new("natnft", true);
    nft_udp_traced(&lan.router, NAT_NFT);
    let nat = nat_exchange(&lan, &[], PORT, PORT);

    let out = &nat.request;
    assert_path_from(
        out,
        "nftrace",
        &[
            "nftrace nftrace_harness/pre",
            "nftrace nat/prerouting",
            "nftrace filt/prerouting",
            "nftrace filt/forward",
            "nftrace nat/postrouting",
            "nftrace filt/late",
        ],
        "forwarded",
        Some("r1"),
    );
    assert_eq!(family(&out["family"]).as_deref(), Some("ip"));
    assert_eq!(iface(&out["iif"]).as_deref(), Some("r0"), "{}", show(out));
    let dnat = find_hop(out, "nftrace nat/prerouting", "rule");
    assert_eq!(
        s(&hops(out)[dnat]["rule"]),
        Some(DNAT_RULE),
        "{}",
        show(out)
    );
    assert_eq!(hops(out)[dnat]["rule_number"].as_u64(), Some(1));
    assert_eq!(
        hops(out)[dnat]["handle"].as_u64(),
        Some(nft_handle(&lan.router, DNAT_RULE))
    );
    let dnat_to = (ROUTER_IN_V4, SERVER_V4);
    assert_changed_only_at(out, dnat + 1, "dst", dnat_to, "DNAT at the next hop");
    let masq = find_hop(out, "nftrace nat/postrouting", "rule");
    assert_eq!(
        s(&hops(out)[masq]["rule"]),
        Some("oifname \"r1\" masquerade")
    );
    let snat_to = (CLIENT_V4, ROUTER_OUT_V4);
    assert_changed_only_at(out, masq + 1, "src", snat_to, "SNAT at the next hop");

    // The reply skips the NAT chains (conntrack translates it): dst back to the client at
    // prerouting (after -100), src back to 10.1.0.1 at postrouting (after 100).
    let back = &nat.reply;
    assert_path(
        back,
        &[
            "nftrace nftrace_harness/pre",
            "nftrace filt/prerouting",
            "nftrace filt/forward",
            "nftrace filt/late",
        ],
        "forwarded",
        Some("r0"),
    );
    assert_eq!(packet(back)["dst"], ROUTER_OUT_V4, "{}", show(back));
    let pre = first_hop(back, "nftrace filt/prerouting");
    let unsnat_to = (ROUTER_OUT_V4, CLIENT_V4);
    assert_changed_only_at(back, pre, "dst", unsnat_to, "reverse SNAT");
    let late = first_hop(back, "nftrace filt/late");
    let undnat_to = (SERVER_V4, ROUTER_IN_V4);
    assert_changed_only_at(back, late, "src", undnat_to, "reverse DNAT");
    assert_eq!(port(packet(back), "dst_port"), Some(nat.client_port));
}

#[test]
fn nat_iptables_legacy_dnat_and_masquerade_with_the_reply() {
    const PORT: u16 = 7100;
    let lan = Lan::new("natleg", true);
    let router = &lan.router;
    run_rules(
        router,
        "iptables-legacy",
        &[
            "-t nat -A PREROUTING -d 10.1.0.1 -p udp --dport 7100 -j DNAT --to-destination 10.2.0.2",
            "-t nat -A POSTROUTING -o r1 -j MASQUERADE",
            "-A FORWARD -p udp -j ACCEPT",
        ],
    );
    let _trace = legacy_trace(router, &[&["-p", "udp"]]);
    let nat = nat_exchange(&lan, &[], PORT, PORT);

    let out = &nat.request;
    assert_path_from(
        out,
        "nflog",
        &[
            "nflog raw/PREROUTING",
            "nflog nat/PREROUTING",
            "nflog filter/FORWARD",
            "nflog nat/POSTROUTING",
        ],
        "forwarded",
        Some("r1"),
    );
    let dnat = find_hop(out, "nflog nat/PREROUTING", "rule");
    let hop = &hops(out)[dnat];
    assert_eq!(hop["rule_number"].as_u64(), Some(1), "{}", show(out));
    assert_eq!(verdict(hop), "DNAT", "{}", show(out));
    assert!(
        s(&hop["rule"]).is_some_and(|r| r.contains("-j DNAT --to-destination 10.2.0.2")),
        "{}",
        show(out)
    );
    let dnat_to = (ROUTER_IN_V4, SERVER_V4);
    assert_changed_only_at(out, dnat + 1, "dst", dnat_to, "DNAT at the next hop");
    let masq = find_hop(out, "nflog nat/POSTROUTING", "rule");
    assert_eq!(verdict(&hops(out)[masq]), "MASQUERADE", "{}", show(out));
    // No legacy table runs after nat POSTROUTING: the masquerade itself is not visible.
    assert!(changed_at(out, "src").is_empty(), "{}", show(out));

    // The reply passes raw and filter only (conntrack NATs it): the reverse of the
    // masquerade shows at filter FORWARD; its reverse DNAT (postrouting) has no hop after it.
    let back = &nat.reply;
    assert_path_from(
        back,
        "nflog",
        &["nflog raw/PREROUTING", "nflog filter/FORWARD"],
        "forwarded",
        Some("r0"),
    );
    let unsnat_to = (ROUTER_OUT_V4, CLIENT_V4);
    assert_changed_only_at(back, 1, "dst", unsnat_to, "reverse SNAT");
}

// ---------------------------------------------------------------------------------------------
// 3. Drops.

const DROP_NFT: &str = "\
table inet filt {
	chain input {
		type filter hook input priority 0; policy drop;
		udp dport 8000 accept
		udp dport 8001 drop
	}
}
";

/// Sends UDP to 8000 (accepted), 8001 (dropped by rule) and 8002 (dropped by policy) on the
/// router, from the client; IPv4 or IPv6.
fn send_drop_trio(lan: &Lan, v6: bool) -> UdpSocket {
    let host = if v6 { ROUTER_IN_V6 } else { ROUTER_IN_V4 };
    let sink = udp_bind(&lan.router, sock(host, 8000));
    for dport in [8000, 8001, 8002] {
        send_udp(&lan.client, sock(host, dport), 16);
    }
    recv_from(&sink);
    sink
}

#[test]
fn drops_by_nft_rule_and_policy_point_at_the_hop() {
    let lan = Lan::new("dropnft", false);
    nft_udp_traced(&lan.router, DROP_NFT);
    let nftrace = start(&lan.router, &[]);
    let _sink = send_drop_trio(&lan, false);
    let paths = collect_udp(nftrace, 3);
    let chain = ["nftrace nftrace_harness/pre", "nftrace filt/input"];

    let accepted = only(&paths, |p| udp_to(p, 8000), "8000");
    assert_path(accepted, &chain, "delivered_locally", None);

    let by_rule = only(&paths, |p| udp_to(p, 8001), "8001");
    assert_chains(by_rule, &chain);
    let at = assert_dropped_at(by_rule, "rule", "nftrace filt/input", 2);
    let hop = &hops(by_rule)[at];
    assert_eq!(
        s(&hop["rule"]),
        Some("udp dport 8001 drop"),
        "{}",
        show(by_rule)
    );
    assert_eq!(
        hop["handle"].as_u64(),
        Some(nft_handle(&lan.router, "udp dport 8001 drop"))
    );

    let by_policy = only(&paths, |p| udp_to(p, 8002), "8002");
    assert_chains(by_policy, &chain);
    assert_dropped_at(by_policy, "policy", "nftrace filt/input", 3);
    for path in [by_rule, by_policy] {
        assert!(
            path["fate"]["text"]
                .as_str()
                .is_some_and(|t| t.to_lowercase().contains("drop")),
            "{}",
            show(path)
        );
    }
}

/// The iptables-legacy (or ip6tables-legacy) twin of [`DROP_NFT`], with ICMP accepted
/// last (IPv6 neighbour discovery needs it): the policy is number 4.
const DROP_LEGACY: &[&str] = &[
    "-P INPUT DROP",
    "-A INPUT -p udp --dport 8000 -j ACCEPT",
    "-A INPUT -p udp --dport 8001 -j DROP",
];

fn legacy_drops(label: &str, v6: bool) {
    let lan = Lan::new(label, false);
    let (tool, icmp) = if v6 {
        ("ip6tables-legacy", "ipv6-icmp")
    } else {
        ("iptables-legacy", "icmp")
    };
    run_rules(&lan.router, tool, DROP_LEGACY);
    run_rules(
        &lan.router,
        tool,
        &[&format!("-A INPUT -p {icmp} -j ACCEPT")],
    );
    let _trace = legacy_trace(&lan.router, &[&["-p", "udp"]]);
    let nftrace = start(&lan.router, &[]);
    let _sink = send_drop_trio(&lan, v6);
    let paths = collect_udp(nftrace, 3);
    let chain = ["nflog raw/PREROUTING", "nflog filter/INPUT"];
    let want_family = if v6 { "ip6" } else { "ip" };

    let accepted = only(&paths, |p| udp_to(p, 8000), "8000");
    assert_path(accepted, &chain, "delivered_locally", None);
    let by_rule = only(&paths, |p| udp_to(p, 8001), "8001");
    let by_policy = only(&paths, |p| udp_to(p, 8002), "8002");
    for path in [accepted, by_rule, by_policy] {
        assert_chains(path, &chain);
        assert_eq!(path["source"], "nflog", "{}", show(path));
        assert_eq!(
            family(&path["family"]).as_deref(),
            Some(want_family),
            "{}",
            show(path)
        );
    }
    let at = assert_dropped_at(by_rule, "rule", "nflog filter/INPUT", 2);
    assert!(
        s(&hops(by_rule)[at]["rule"])
            .is_some_and(|r| r.contains("-p udp -m udp --dport 8001 -j DROP")),
        "{}",
        show(by_rule)
    );
    assert_dropped_at(by_policy, "policy", "nflog filter/INPUT", 4);
}

#[test]
fn drops_by_iptables_legacy_rule_and_policy_point_at_the_hop() {
    legacy_drops("dropleg", false);
}

// ---------------------------------------------------------------------------------------------
// 4. IPv6.

#[test]
fn ipv6_forwarded_flow_with_nft() {
    const PORT: u16 = 6300;
    let lan = Lan::new("v6fwd", true);
    nft_udp_traced(&lan.router, CONCURRENT_NFT);
    let sink = udp_bind(lan.server(), sock(SERVER_V6, PORT));
    let reply_to = udp_connected(&lan.client, sock(SERVER_V6, PORT));
    let nftrace = start(&lan.router, &[]);
    for k in 0..3 {
        reply_to.send(&vec![b'6'; 30 + k]).expect("UDP send");
    }
    let mut from = None;
    for _ in 0..3 {
        from = Some(recv_from(&sink).0);
    }
    sink.send_to(b"back", from.expect("a sender"))
        .expect("UDP reply");
    recv_from(&reply_to);
    let cport = reply_to.local_addr().expect("bound").port();
    let paths = collect_udp(nftrace, 4);

    let out: Vec<&Value> = paths.iter().filter(|p| udp_to(p, PORT)).collect();
    assert_eq!(
        out.len(),
        3,
        "one path per datagram:\n{}",
        show_all(out.iter().copied())
    );
    let mut lens = BTreeSet::new();
    for path in &out {
        assert_path(path, &FORWARD_CHAINS, "forwarded", Some("r1"));
        assert_eq!(
            family(&path["family"]).as_deref(),
            Some("ip6"),
            "{}",
            show(path)
        );
        assert_eq!(packet(path)["src"], CLIENT_V6, "{}", show(path));
        assert_eq!(port(packet(path), "src_port"), Some(cport));
        lens.insert(packet(path)["total_len"].as_u64());
    }
    assert_eq!(
        lens,
        (0..3).map(|k| Some(40 + 8 + 30 + k)).collect(),
        "each datagram once"
    );
    let back = only(&paths, |p| udp_from(p, PORT), "the reply");
    assert_path(back, &FORWARD_CHAINS, "forwarded", Some("r0"));
    assert_eq!(packet(back)["dst"], CLIENT_V6, "{}", show(back));
}

#[test]
fn ipv6_local_delivery_and_drops_with_ip6tables_legacy() {
    legacy_drops("v6leg", true);
}

// ---------------------------------------------------------------------------------------------
// 5. A hybrid host.

/// Native nft chains of the hybrid router at priorities that interleave with the legacy
/// tables: -150 between legacy raw (-300) and legacy nat (-100), forward 10 after legacy
/// filter (0), postrouting 200 after legacy nat (100).
const HYBRID_NFT: &str = "\
table inet hyb {
	chain early { type filter hook prerouting priority -150; policy accept; meta l4proto udp counter; }
	chain fwd10 { type filter hook forward priority 10; policy accept; }
	chain post200 { type filter hook postrouting priority 200; policy accept; }
}
";

/// Docker-like iptables-legacy rules: a raw PREROUTING drop for direct access to the
/// container, DNAT of a published port, masquerade, FORWARD policy DROP with a DOCKER chain
/// and an established-accept rule.
const HYBRID_LEGACY: &[&str] = &[
    "-t raw -A PREROUTING -d 10.2.0.99 ! -i r1 -j DROP",
    "-t nat -A PREROUTING -d 10.1.0.1 -p udp --dport 7200 -j DNAT --to-destination 10.2.0.2:7201",
    "-t nat -A POSTROUTING -o r1 -j MASQUERADE",
    "-N DOCKER",
    "-P FORWARD DROP",
    "-A FORWARD -i r1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A FORWARD -o r1 -j DOCKER",
    "-A DOCKER -d 10.2.0.2 -p udp --dport 7201 -j ACCEPT",
];

#[test]
fn hybrid_host_one_path_per_packet_with_both_stacks_in_kernel_order() {
    let lan = Lan::new("hybrid", true);
    let router = &lan.router;
    router.nft(HYBRID_NFT);
    run_rules(router, "iptables-legacy", HYBRID_LEGACY);
    let _log = hybrid_udp_traced(router);
    let nat = nat_exchange(&lan, &["--source", "both"], 7200, 7201);

    let out = &nat.request;
    assert_path_from(
        out,
        "both",
        &[
            "nftrace nftrace_harness/pre",
            "nflog raw/PREROUTING",
            "nftrace hyb/early",
            "nflog nat/PREROUTING",
            "nflog filter/FORWARD",
            "nflog filter/DOCKER",
            "nftrace hyb/fwd10",
            "nflog nat/POSTROUTING",
            "nftrace hyb/post200",
        ],
        "forwarded",
        Some("r1"),
    );
    let expect_hooks_prios = [
        ("prerouting", -301),
        ("prerouting", -300),
        ("prerouting", -150),
        ("prerouting", -100),
        ("forward", 0),
        ("forward", 0),
        ("forward", 10),
        ("postrouting", 100),
        ("postrouting", 200),
    ];
    let mut seen_chains: Vec<(String, (String, i64))> = Vec::new();
    for hop in hops(out) {
        let entry = (
            place(hop),
            (
                hook(hop).unwrap_or_default(),
                hop["priority"].as_i64().unwrap_or(i64::MIN),
            ),
        );
        if seen_chains.last().map(|(p, _)| p) != Some(&entry.0) {
            seen_chains.push(entry);
        }
    }
    let got: Vec<(String, i64)> = seen_chains.into_iter().map(|(_, hp)| hp).collect();
    let want: Vec<(String, i64)> = expect_hooks_prios
        .iter()
        .map(|(h, p)| ((*h).to_owned(), *p))
        .collect();
    assert_eq!(got, want, "hooks and priorities:\n{}", show(out));

    let raw = find_hop(out, "nflog raw/PREROUTING", "policy");
    assert_eq!(
        hops(out)[raw]["rule_number"].as_u64(),
        Some(2),
        "{}",
        show(out)
    );
    let dnat = find_hop(out, "nflog nat/PREROUTING", "rule");
    assert_eq!(verdict(&hops(out)[dnat]), "DNAT", "{}", show(out));
    let dnat_to = (ROUTER_IN_V4, SERVER_V4);
    assert_changed_only_at(out, dnat + 1, "dst", dnat_to, "DNAT at the next hop");
    let dnat_port = ("7200", "7201");
    assert_changed_only_at(out, dnat + 1, "dst_port", dnat_port, "DNAT at the next hop");
    let jump = find_hop(out, "nflog filter/FORWARD", "rule");
    assert_eq!(
        hops(out)[jump]["rule_number"].as_u64(),
        Some(2),
        "{}",
        show(out)
    );
    assert_eq!(verdict(&hops(out)[jump]), "jump DOCKER", "{}", show(out));
    let accept = find_hop(out, "nflog filter/DOCKER", "rule");
    assert_eq!(verdict(&hops(out)[accept]), "accept", "{}", show(out));
    let masq = find_hop(out, "nflog nat/POSTROUTING", "rule");
    let snat_to = (CLIENT_V4, ROUTER_OUT_V4);
    assert_changed_only_at(out, masq + 1, "src", snat_to, "SNAT at the next hop");
    assert_eq!(place(&hops(out)[masq + 1]), "nftrace hyb/post200");

    let back = &nat.reply;
    assert_path_from(
        back,
        "both",
        &[
            "nftrace nftrace_harness/pre",
            "nflog raw/PREROUTING",
            "nftrace hyb/early",
            "nflog filter/FORWARD",
            "nftrace hyb/fwd10",
            "nftrace hyb/post200",
        ],
        "forwarded",
        Some("r0"),
    );
    let established = find_hop(back, "nflog filter/FORWARD", "rule");
    assert_eq!(hops(back)[established]["rule_number"].as_u64(), Some(1));
    let unsnat_to = (ROUTER_OUT_V4, CLIENT_V4);
    assert_changed_only_at(back, established, "dst", unsnat_to, "reverse SNAT");
    let post = first_hop(back, "nftrace hyb/post200");
    let undnat_to = (SERVER_V4, ROUTER_IN_V4);
    assert_changed_only_at(back, post, "src", undnat_to, "reverse DNAT");
    assert_change(back, post, "src_port", ("7201", "7200"), "reverse DNAT");
}

/// At equal priority the kernel runs the hook registered last first: the nft forward chain
/// (priority 0) is registered before iptables-legacy's filter table, so legacy filter FORWARD
/// runs first. Seen independently in the marks: the nft chain sets mark 0x5, which the legacy
/// FORWARD record does not carry and the legacy mangle POSTROUTING record does.
#[test]
fn hybrid_equal_priorities_in_the_order_the_kernel_ran_them() {
    let lan = Lan::new("hybeq", true);
    let router = &lan.router;
    router.nft(
        "table inet hyb {\n\
         \tchain forward { type filter hook forward priority 0; policy accept; meta mark set 0x5; }\n\
         }\n",
    );
    // Registered after the nft chain: the filter and mangle tables come to life here (not
    // nat: without a conntrack user in the namespace its hooks would not run).
    run_rules(
        router,
        "iptables-legacy",
        &[
            "-A FORWARD -p udp -j ACCEPT",
            "-t mangle -A POSTROUTING -p udp -j ACCEPT",
        ],
    );
    let _log = hybrid_udp_traced(router);
    let nftrace = start(router, &[]);
    let sink = udp_bind(lan.server(), sock(SERVER_V4, 7300));
    send_udp(&lan.client, sock(SERVER_V4, 7300), 8);
    recv_from(&sink);
    let paths = collect_udp(nftrace, 1);

    let path = only(&paths, |p| udp_to(p, 7300), "the datagram");
    assert_path_from(
        path,
        "both",
        &[
            "nftrace nftrace_harness/pre",
            "nflog mangle/PREROUTING",
            "nflog mangle/FORWARD",
            "nflog filter/FORWARD",
            "nftrace hyb/forward",
            "nflog mangle/POSTROUTING",
        ],
        "forwarded",
        Some("r1"),
    );
    let legacy = find_hop(path, "nflog filter/FORWARD", "rule");
    assert!(
        hops(path)[legacy]["mark"].as_u64().unwrap_or(0) == 0,
        "legacy FORWARD ran before the mark was set:\n{}",
        show(path)
    );
    let mangle = find_hop(path, "nflog mangle/POSTROUTING", "rule");
    assert_eq!(
        hops(path)[mangle]["mark"].as_u64(),
        Some(5),
        "{}",
        show(path)
    );
    let marked = changed_at(path, "mark");
    assert!(
        marked.iter().all(|&i| i > legacy),
        "the mark changes after legacy FORWARD:\n{}",
        show(path)
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Fates.

const FATES_NFT: &str = "\
table inet filt {
	chain prerouting { type filter hook prerouting priority 0; policy accept; }
	chain input { type filter hook input priority 0; policy accept; }
	chain forward { type filter hook forward priority 0; policy accept; }
	chain output { type filter hook output priority 0; policy accept; }
	chain postrouting { type filter hook postrouting priority 0; policy accept; }
}
";

#[test]
fn fates_delivered_forwarded_and_sent_out() {
    let lan = Lan::new("fates", true);
    nft_udp_traced(&lan.router, FATES_NFT);
    let local = udp_bind(&lan.router, sock(ROUTER_IN_V4, 9000));
    let remote = udp_bind(lan.server(), sock(SERVER_V4, 9001));
    let nftrace = start(&lan.router, &[]);
    send_udp(&lan.client, sock(ROUTER_IN_V4, 9000), 10);
    send_udp(&lan.client, sock(SERVER_V4, 9001), 11);
    send_udp(&lan.router, sock(SERVER_V4, 9001), 12);
    recv_from(&local);
    recv_from(&remote);
    recv_from(&remote);
    let paths = collect_udp(nftrace, 3);
    assert_eq!(paths.len(), 3, "{}", show_all(&paths));

    let delivered = only(&paths, |p| udp_to(p, 9000), "to the router");
    assert_path(
        delivered,
        &[
            "nftrace nftrace_harness/pre",
            "nftrace filt/prerouting",
            "nftrace filt/input",
        ],
        "delivered_locally",
        None,
    );
    assert_eq!(iface(&delivered["iif"]).as_deref(), Some("r0"));

    let forwarded = only(
        &paths,
        |p| udp_to(p, 9001) && packet(p)["src"] == CLIENT_V4,
        "client to server",
    );
    assert_path(
        forwarded,
        &[
            "nftrace nftrace_harness/pre",
            "nftrace filt/prerouting",
            "nftrace filt/forward",
            "nftrace filt/postrouting",
        ],
        "forwarded",
        Some("r1"),
    );
    let fwd = first_hop(forwarded, "nftrace filt/forward");
    let routed = ("null", "r1");
    assert_change(
        forwarded,
        fwd,
        "oif",
        routed,
        "the route chose r1 before forward",
    );

    let sent = only(
        &paths,
        |p| udp_to(p, 9001) && packet(p)["src"] == ROUTER_OUT_V4,
        "router to server",
    );
    assert_path(
        sent,
        &[
            "nftrace nftrace_harness/out",
            "nftrace filt/output",
            "nftrace filt/postrouting",
        ],
        "sent_out",
        Some("r1"),
    );
    assert!(sent["iif"].is_null(), "{}", show(sent));
}

/// The chains of a UDP packet to 127.0.0.1 under [`FATES_NFT`]: its output pass, then its
/// input pass.
const LOOPBACK_CHAINS: [&str; 6] = [
    "nftrace nftrace_harness/out",
    "nftrace filt/output",
    "nftrace filt/postrouting",
    "nftrace nftrace_harness/pre",
    "nftrace filt/prerouting",
    "nftrace filt/input",
];

#[test]
fn loopback_output_and_input_passes_are_one_path() {
    let ns = Netns::new("loop");
    nft_udp_traced(&ns, FATES_NFT);
    let sink = udp_bind(&ns, sock("127.0.0.1", 9100));
    let nftrace = start(&ns, &[]);
    let from = send_udp(&ns, sock("127.0.0.1", 9100), 21);
    recv_from(&sink);
    let paths = collect_udp(nftrace, 1);

    let path = only(&paths, |p| udp_to(p, 9100), "the datagram");
    assert_path(path, &LOOPBACK_CHAINS, "delivered_locally", None);
    assert_eq!(port(packet(path), "src_port"), Some(from.port()));
    let ids: BTreeSet<String> = path["trace_ids"]
        .as_array()
        .map(|ids| ids.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    assert_eq!(
        ids.len(),
        2,
        "stitched from the kernel's two trace ids:\n{}",
        show(path)
    );
    let pre = first_hop(path, "nftrace nftrace_harness/pre");
    assert_change(path, pre, "iif", ("null", "lo"), "the input pass");
    assert_eq!(paths.len(), 1, "{}", show_all(&paths));
}

// ---------------------------------------------------------------------------------------------
// 7. Count.

#[test]
fn count_stops_after_n_paths() {
    let ns = Netns::new("count");
    nft_udp_traced(&ns, FATES_NFT);
    let sink = udp_bind(&ns, sock("127.0.0.1", 9200));
    let mut nftrace = start(&ns, &["-c", "2"]);
    for len in [1, 2, 3, 4] {
        send_udp(&ns, sock("127.0.0.1", 9200), len);
        recv_from(&sink);
    }
    // Returns when nftrace closes stdout by exiting (the guard only if it does not).
    nftrace.wait_for(|_| false, GUARD);
    let output = nftrace.stop();
    output.assert_success();
    assert_eq!(output.json.len(), 2, "{:?}", output.stdout_lines);
    assert_eq!(output.stdout_lines.len(), 2, "{:?}", output.stdout_lines);
    for (i, path) in output.json.iter().enumerate() {
        assert_eq!(path["id"].as_u64(), Some(i as u64 + 1), "{}", show(path));
        assert_path(path, &LOOPBACK_CHAINS, "delivered_locally", None);
    }
    let summary = output.stderr.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("nftrace: 2 packets printed"),
        "{}",
        output.stderr
    );
}
