//! `nftrace events` against the kernel's nf_tables trace (NFNLGRP_NFTRACE), end to end: a
//! ruleset with a trace table and a filter table (a jump to a user chain that sets a mark and
//! returns, accept, drop, a counter that continues), real UDP, TCP and ICMP packets over
//! loopback (IPv4 and IPv6) and over a veth pair between two namespaces, and the exact steps
//! nftrace prints for each packet, in order, as this kernel (6.18) emits them; the packet
//! snapshot (headers, interfaces) on the first event of each base chain and nowhere else; the
//! mark from the rule that sets it on; and, side by side with `nft monitor trace` on the same
//! multicast group, the same steps as nft's own tool prints, plus only the events nft
//! deliberately leaves out.
//!
//! How the events of one packet are found: every packet passes the trace table first at its
//! hook (priority -301, before anything else here), so an event of the trace table's rule
//! starts a new "segment" (one hook's worth of base chains for one packet); the later events
//! of that segment carry the same trace id. The id alone is not enough: the kernel derives it
//! from the skb address and reuses it. The segment's first event carries the packet headers,
//! which say which packet it is. Needs root.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::*;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

/// The trace table of [`RULESET`].
const TRACE_TABLE: &str = "tracer";

/// What the packets go through. `counter continue` is last, so it is the rule the packets
/// that no earlier rule ends reach; UDP to 9999 jumps, gets a mark and comes back with an
/// explicit `return`.
const RULESET: &str = "\
table inet tracer {
	chain pre { type filter hook prerouting priority -301; meta nftrace set 1; }
	chain out { type filter hook output priority -301; meta nftrace set 1; }
}
table inet filter {
	chain udp_mark {
		meta mark set 0x2a
		return
	}
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 9999 jump udp_mark
		tcp dport 8080 accept
		meta l4proto { icmp, ipv6-icmp } accept
		udp dport 9998 drop
		counter continue
	}
}
";

/// The mark `udp_mark` sets.
const MARK: u64 = 0x2a;

/// UDP ports: 9999 jumps to `udp_mark`, 9998 is dropped; the others only meet the counter.
const PORT_MARKED: u16 = 9999;
const PORT_DROPPED: u16 = 9998;
/// Sent last; once its input policy event is seen, everything sent before it has been too.
const PORT_SENTINEL: u16 = 9997;
/// Sent to find out when `nft monitor trace` listens, and to mark where the comparison starts.
const PORT_WARMUP: u16 = 9995;
const PORT_START: u16 = 9996;
const PORT_TCP: u16 = 8080;

/// The handle of every rule of [`RULESET`], read back from the kernel.
#[derive(Debug, Clone, Copy)]
struct Handles {
    trace_pre: u64,
    trace_out: u64,
    jump: u64,
    set_mark: u64,
    ret: u64,
    tcp_accept: u64,
    icmp_accept: u64,
    udp_drop: u64,
    counter: u64,
}

/// Reads the handles from `nft -a list ruleset`: rule lines end in `# handle N`.
fn handles(ns: &Netns) -> Handles {
    let listing =
        String::from_utf8_lossy(&ns.exec(&["nft", "-a", "list", "ruleset"]).stdout).into_owned();
    let mut rules: Vec<(String, String, String, u64)> = Vec::new();
    let (mut table, mut chain) = (String::new(), String::new());
    for line in listing.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("table inet ") {
            table = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        } else if let Some(rest) = line.strip_prefix("chain ") {
            chain = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        } else if let Some((text, handle)) = line.rsplit_once(" # handle ") {
            let handle = handle.parse().expect("a numeric rule handle");
            rules.push((table.clone(), chain.clone(), text.to_owned(), handle));
        }
    }
    let find = |table: &str, chain: &str, text_start: &str| -> u64 {
        let found: Vec<u64> = rules
            .iter()
            .filter(|(t, c, text, _)| t == table && c == chain && text.starts_with(text_start))
            .map(|(.., handle)| *handle)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "rule `{text_start}` in {table}/{chain}:\n{listing}"
        );
        found[0]
    };
    Handles {
        trace_pre: find(TRACE_TABLE, "pre", "meta nftrace set 1"),
        trace_out: find(TRACE_TABLE, "out", "meta nftrace set 1"),
        jump: find("filter", "input", "udp dport 9999 jump udp_mark"),
        set_mark: find("filter", "udp_mark", "meta mark set"),
        ret: find("filter", "udp_mark", "return"),
        tcp_accept: find("filter", "input", "tcp dport 8080 accept"),
        icmp_accept: find("filter", "input", "meta l4proto"),
        udp_drop: find("filter", "input", "udp dport 9998 drop"),
        counter: find("filter", "input", "counter"),
    }
}

/// One trace step as the assertions compare it: (table, chain, type, handle, verdict kind,
/// jump target). For a policy event the verdict is the policy.
#[derive(Clone, PartialEq, Eq)]
struct Step {
    table: String,
    chain: String,
    kind: String,
    handle: Option<u64>,
    verdict: String,
    target: Option<String>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let handle = self.handle.map_or("-".to_owned(), |h| h.to_string());
        write!(
            f,
            "{} {} {} {handle} {}",
            self.table, self.chain, self.kind, self.verdict
        )?;
        if let Some(target) = &self.target {
            write!(f, " {target}")?;
        }
        Ok(())
    }
}

fn step(table: &str, chain: &str, kind: &str, handle: Option<u64>, verdict: &str) -> Step {
    Step {
        table: table.to_owned(),
        chain: chain.to_owned(),
        kind: kind.to_owned(),
        handle,
        verdict: verdict.to_owned(),
        target: None,
    }
}

/// A rule that matched and gave `verdict`.
fn rule(table: &str, chain: &str, handle: u64, verdict: &str) -> Step {
    step(table, chain, "rule", Some(handle), verdict)
}

/// The end of a chain: on this kernel a RULE event with verdict continue and no handle.
fn chain_end(table: &str, chain: &str) -> Step {
    step(table, chain, "rule", None, "continue")
}

/// A base chain's policy.
fn policy(table: &str, chain: &str, verdict: &str) -> Step {
    step(table, chain, "policy", None, verdict)
}

/// The trace table's chain at one hook: its rule, the chain's end, its policy.
fn trace_chain(chain: &str, handle: u64) -> Vec<Step> {
    vec![
        rule(TRACE_TABLE, chain, handle, "continue"),
        chain_end(TRACE_TABLE, chain),
        policy(TRACE_TABLE, chain, "accept"),
    ]
}

/// The step an nftrace JSON event describes.
fn step_of(event: &Value) -> Step {
    let kind = event["type"].as_str().unwrap_or("?").to_owned();
    let verdict = if kind == "policy" {
        &event["policy"]
    } else {
        &event["verdict"]
    };
    Step {
        table: event["table"].as_str().unwrap_or("?").to_owned(),
        chain: event["chain"].as_str().unwrap_or("?").to_owned(),
        kind,
        handle: event["handle"].as_u64(),
        verdict: verdict["kind"].as_str().unwrap_or("none").to_owned(),
        target: verdict["target"].as_str().map(str::to_owned),
    }
}

/// The events of one packet at one hook: from the trace table's rule on, same trace id.
#[derive(Debug)]
struct Segment {
    id: String,
    /// Index of the first event in the whole capture.
    start: usize,
    events: Vec<Value>,
}

impl Segment {
    fn steps(&self) -> Vec<Step> {
        self.events.iter().map(step_of).collect()
    }

    /// The packet summary of the first event.
    fn packet(&self) -> &Value {
        &self.events[0]["packet"]
    }
}

/// Cuts the capture into segments (see the module comment).
fn segments(events: &[Value], h: &Handles) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event["source"], "nftables", "{event}");
        // This kernel sends nothing the decoder does not know.
        assert!(event.get("unknown_attributes").is_none(), "{event}");
        let id = event["id"].as_str().expect("an id").to_owned();
        let starts = event["table"] == TRACE_TABLE
            && event["type"] == "rule"
            && (event["handle"] == h.trace_pre || event["handle"] == h.trace_out);
        if starts {
            segments.push(Segment {
                id,
                start: index,
                events: vec![event.clone()],
            });
        } else {
            let open = segments
                .iter_mut()
                .rev()
                .find(|segment| segment.id == id)
                .unwrap_or_else(|| {
                    panic!("event {index} belongs to no packet seen from its start: {event}")
                });
            open.events.push(event.clone());
        }
    }
    segments
}

/// The segments whose packet `select` picks, in capture order; asserts their steps are
/// exactly `expected` (one list per segment).
fn assert_path<'a>(
    segments: &'a [Segment],
    what: &str,
    select: impl Fn(&Value) -> bool,
    expected: &[Vec<Step>],
) -> Vec<&'a Segment> {
    let found: Vec<&Segment> = segments.iter().filter(|s| select(s.packet())).collect();
    let steps: Vec<Vec<Step>> = found.iter().map(|s| s.steps()).collect();
    assert_eq!(
        steps, expected,
        "steps of {what} (one list per hook); segments: {found:#?}"
    );
    found
}

/// The interface metadata a segment's base chains should show.
#[derive(Debug, Clone)]
struct Snapshot {
    /// `iif`, `iif_type`, or none.
    iif: Option<(u64, u64)>,
    /// `oif`, `oif_type`, or none.
    oif: Option<(u64, u64)>,
    /// The link-layer header as hex, or none.
    ll_header: Option<String>,
    /// The conntrack fields (`direction`, `state`, `status`; `id` is checked separately),
    /// or none when the packet has no conntrack entry at that hook.
    ct: Option<Value>,
}

/// Keys that belong to the packet snapshot, sent only in the first event of each base
/// chain invocation.
const SNAPSHOT_KEYS: [&str; 9] = [
    "iif",
    "iif_type",
    "oif",
    "oif_type",
    "ll_header",
    "network_header",
    "transport_header",
    "packet",
    "ct",
];

/// Asserts the snapshot rule: the first event of each base-chain invocation (the segment's
/// first, and the one after each policy or accept/drop) carries the interfaces, the headers
/// and `packet` (matching `packet`), every other event none of them; returns how many base
/// chains there were.
fn assert_snapshots(segment: &Segment, snapshot: &Snapshot, packet: &Value) -> usize {
    let mut first_of_chain = true;
    let mut chains = 0;
    for (index, event) in segment.events.iter().enumerate() {
        let what = format!(
            "event {index} of segment {} ({:?})",
            segment.id,
            step_of(event)
        );
        if first_of_chain {
            chains += 1;
            let ifield = |key: &str, value: Option<u64>| match value {
                Some(v) => assert_eq!(event[key], v, "{what}: {key} in {event:#}"),
                None => assert!(event.get(key).is_none(), "{what}: no {key} in {event:#}"),
            };
            ifield("iif", snapshot.iif.map(|(index, _)| index));
            ifield("iif_type", snapshot.iif.map(|(_, ty)| ty));
            ifield("oif", snapshot.oif.map(|(index, _)| index));
            ifield("oif_type", snapshot.oif.map(|(_, ty)| ty));
            match &snapshot.ll_header {
                Some(hex) => assert_eq!(event["ll_header"], hex.as_str(), "{what}: {event:#}"),
                None => assert!(event.get("ll_header").is_none(), "{what}: {event:#}"),
            }
            assert!(event["network_header"].is_string(), "{what}: {event:#}");
            assert!(event["transport_header"].is_string(), "{what}: {event:#}");
            assert_fields(&event["packet"], packet, &what);
            match &snapshot.ct {
                Some(ct) => {
                    assert_fields(&event["ct"], ct, &what);
                    assert!(event["ct"]["id"].is_u64(), "{what}: {event:#}");
                }
                None => assert!(event.get("ct").is_none(), "{what}: {event:#}"),
            }
        } else {
            for key in SNAPSHOT_KEYS {
                assert!(
                    event.get(key).is_none(),
                    "{what}: unexpected {key} in {event:#}"
                );
            }
        }
        first_of_chain = event["type"] == "policy"
            || matches!(event["verdict"]["kind"].as_str(), Some("accept" | "drop"));
    }
    chains
}

/// Asserts the mark: absent up to the rule that sets it, `MARK` from that rule's own event
/// on (the kernel reads the mark after the rule ran).
fn assert_mark_from(segment: &Segment, mark_rule: Option<&Step>) {
    let from = mark_rule.map(|rule| {
        segment
            .steps()
            .iter()
            .position(|s| s == rule)
            .unwrap_or_else(|| panic!("no {rule:?} in {:?}", segment.steps()))
    });
    for (index, event) in segment.events.iter().enumerate() {
        match from {
            Some(from) if index >= from => {
                assert_eq!(event["mark"], MARK, "event {index}: {event:#}")
            }
            _ => assert!(event.get("mark").is_none(), "event {index}: {event:#}"),
        }
    }
}

/// Every event of a segment names the table family and the hook's protocol family.
fn assert_families(segment: &Segment, nfproto: &str) {
    for event in &segment.events {
        assert_eq!(event["family"], "inet", "{event}");
        assert_eq!(event["nfproto"], nfproto, "{event}");
    }
}

/// True once the input chain's policy event of the UDP packet to `dport` has been seen.
fn input_policy_seen(events: &[Value], dport: u16) -> bool {
    events
        .iter()
        .filter(|e| e["chain"] == "input" && e["packet"]["dst_port"] == dport)
        .any(|first| {
            events
                .iter()
                .any(|e| e["id"] == first["id"] && e["chain"] == "input" && e["type"] == "policy")
        })
}

/// Sends the sentinel and waits until nftrace has printed its last step.
fn send_sentinel_and_wait(ns: &Netns, nftrace: &mut Nftrace, dst: IpAddr) {
    send_udp(ns, SocketAddr::new(dst, PORT_SENTINEL), 1);
    nftrace.wait_for(|events| input_policy_seen(events, PORT_SENTINEL), GUARD);
}

fn socket(ip: IpAddr, port: u16) -> SocketAddr {
    SocketAddr::new(ip, port)
}

/// UDP (marked), TCP (SYN accepted, SYN-ACK to the counter) and ICMP echo over loopback.
fn loopback_paths(label: &str, loopback: IpAddr) {
    require_root();
    let (nfproto, udp_len, ll_type, icmp_request, icmp_reply, icmp) = if loopback.is_ipv4() {
        ("ip", 20 + 8 + 5, "0800", 8, 0, "icmp")
    } else {
        ("ip6", 40 + 8 + 5, "86dd", 128, 129, "icmpv6")
    };
    let ns = Netns::new(label);
    ns.nft(RULESET);
    let h = handles(&ns);
    let lo = link(&ns, "lo");
    let _sinks = [PORT_MARKED, PORT_SENTINEL].map(|port| udp_sink(&ns, socket(loopback, port)));
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &[]);
    let udp_src = send_udp(&ns, socket(loopback, PORT_MARKED), 5);
    let tcp_src = tcp_connect(&ns, &ns, socket(loopback, PORT_TCP));
    ping(&ns, loopback);
    send_sentinel_and_wait(&ns, &mut nftrace, loopback);
    let events = nftrace.stop_checked();
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");

    let segs = segments(&events, &h);
    let out = || trace_chain("out", h.trace_out);
    let pre_then = |rest: Vec<Step>| [trace_chain("pre", h.trace_pre), rest].concat();
    let counted = || {
        vec![
            rule("filter", "input", h.counter, "continue"),
            chain_end("filter", "input"),
            policy("filter", "input", "accept"),
        ]
    };
    let from_lo = Snapshot {
        iif: Some((lo.ifindex, lo.arphrd)),
        oif: None,
        ll_header: Some(format!("{}{}{ll_type}", lo.mac_hex(), lo.mac_hex())),
        ct: None,
    };
    let to_lo = Snapshot {
        iif: None,
        oif: Some((lo.ifindex, lo.arphrd)),
        ll_header: None,
        ct: None,
    };
    let ip_fields = |protocol: &str| {
        json!({"version": if loopback.is_ipv4() { 4 } else { 6 },
               "src": loopback.to_string(), "dst": loopback.to_string(),
               "protocol": protocol, "ttl": 64})
    };

    // UDP to 9999: output, then prerouting and input, where it jumps to udp_mark, gets the
    // mark, returns and meets the counter.
    let mark_step = rule("filter", "udp_mark", h.set_mark, "continue");
    let mut jump = rule("filter", "input", h.jump, "jump");
    jump.target = Some("udp_mark".to_owned());
    let udp = assert_path(
        &segs,
        "UDP to the marking port",
        |p| p["protocol"] == "udp" && p["src_port"] == udp_src.port(),
        &[
            out(),
            pre_then(
                [
                    vec![
                        jump,
                        mark_step.clone(),
                        rule("filter", "udp_mark", h.ret, "return"),
                    ],
                    counted(),
                ]
                .concat(),
            ),
        ],
    );
    let mut udp_packet = ip_fields("udp");
    udp_packet["src_port"] = json!(udp_src.port());
    udp_packet["dst_port"] = json!(PORT_MARKED);
    udp_packet["total_len"] = json!(udp_len);
    assert_eq!(assert_snapshots(udp[0], &to_lo, &udp_packet), 1);
    assert_eq!(assert_snapshots(udp[1], &from_lo, &udp_packet), 2);
    // The transport header: ports and UDP length (8 + 5), then the checksum and payload.
    for segment in &udp {
        let header = segment.events[0]["transport_header"].as_str().unwrap_or("");
        assert!(
            header.starts_with(&format!("{:04x}{PORT_MARKED:04x}000d", udp_src.port())),
            "{header}"
        );
        assert_eq!(
            header.len(),
            2 * (8 + 5),
            "UDP header and 5 bytes: {header}"
        );
        assert_families(segment, nfproto);
    }
    assert_mark_from(udp[0], None);
    assert_mark_from(udp[1], Some(&mark_step));

    // TCP: the SYN is accepted by the port rule; the SYN-ACK only meets the counter.
    let syn = assert_path(
        &segs,
        "TCP SYN",
        |p| p["protocol"] == "tcp" && p["tcp_flags"] == json!(["syn"]),
        &[
            out(),
            pre_then(vec![rule("filter", "input", h.tcp_accept, "accept")]),
        ],
    );
    let mut syn_packet = ip_fields("tcp");
    syn_packet["src_port"] = json!(tcp_src.port());
    syn_packet["dst_port"] = json!(PORT_TCP);
    assert_eq!(assert_snapshots(syn[0], &to_lo, &syn_packet), 1);
    assert_eq!(assert_snapshots(syn[1], &from_lo, &syn_packet), 2);
    let syn_ack = assert_path(
        &segs,
        "TCP SYN-ACK",
        |p| p["protocol"] == "tcp" && p["tcp_flags"] == json!(["syn", "ack"]),
        &[out(), pre_then(counted())],
    );
    let mut syn_ack_packet = ip_fields("tcp");
    syn_ack_packet["src_port"] = json!(PORT_TCP);
    syn_ack_packet["dst_port"] = json!(tcp_src.port());
    assert_eq!(assert_snapshots(syn_ack[0], &to_lo, &syn_ack_packet), 1);
    assert_eq!(assert_snapshots(syn_ack[1], &from_lo, &syn_ack_packet), 2);
    for segment in syn.iter().chain(&syn_ack) {
        assert_families(segment, nfproto);
        assert_mark_from(segment, None);
    }

    // ICMP echo request and reply: both let through by the ICMP rule.
    for (name, icmp_type) in [("request", icmp_request), ("reply", icmp_reply)] {
        let echo = assert_path(
            &segs,
            &format!("ICMP echo {name}"),
            |p| p["protocol"] == icmp && p["icmp_type"] == icmp_type,
            &[
                out(),
                pre_then(vec![rule("filter", "input", h.icmp_accept, "accept")]),
            ],
        );
        let mut echo_packet = ip_fields(icmp);
        echo_packet["icmp_code"] = json!(0);
        assert_eq!(assert_snapshots(echo[0], &to_lo, &echo_packet), 1);
        assert_eq!(assert_snapshots(echo[1], &from_lo, &echo_packet), 2);
        for segment in echo {
            assert_families(segment, nfproto);
            assert_mark_from(segment, None);
        }
    }
}

#[test]
fn loopback_ipv4_udp_tcp_icmp_paths() {
    loopback_paths("nftlo4", ip("127.0.0.1"));
}

#[test]
fn loopback_ipv6_udp_tcp_icmp_paths() {
    loopback_paths("nftlo6", ip("::1"));
}

/// A packet to the dropping port: its path ends with the drop rule, and no later event
/// carries its trace id (while later packets are still traced).
#[test]
fn a_dropped_packet_ends_with_the_drop_rule() {
    require_root();
    let ns = Netns::new("nftdrop");
    ns.nft(RULESET);
    let h = handles(&ns);
    let loopbacks = [ip("127.0.0.1"), ip("::1")];
    let _sinks = loopbacks.map(|lo| udp_sink(&ns, socket(lo, PORT_SENTINEL)));
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "nft"]);
    let sources = loopbacks.map(|lo| send_udp(&ns, socket(lo, PORT_DROPPED), 3));
    send_sentinel_and_wait(&ns, &mut nftrace, loopbacks[1]);
    let events = nftrace.stop_checked();
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");

    let segs = segments(&events, &h);
    for source in sources {
        let dropped = assert_path(
            &segs,
            &format!("UDP from {source} to the dropping port"),
            |p| p["protocol"] == "udp" && p["src_port"] == source.port(),
            &[
                trace_chain("out", h.trace_out),
                [
                    trace_chain("pre", h.trace_pre),
                    vec![rule("filter", "input", h.udp_drop, "drop")],
                ]
                .concat(),
            ],
        );
        let last = dropped[1].start + dropped[1].events.len() - 1;
        let id = &dropped[1].id;
        assert_eq!(events[last]["verdict"]["kind"], "drop");
        let later: Vec<&Value> = events[last + 1..]
            .iter()
            .filter(|e| &e["id"] == id)
            .collect();
        assert!(
            later.is_empty(),
            "events after the drop of {id}: {later:#?}"
        );
        // Later packets were traced: the sentinel's path follows.
        assert!(
            events[last + 1..]
                .iter()
                .any(|e| e["packet"]["dst_port"] == PORT_SENTINEL),
            "nothing traced after the drop"
        );
    }
}

/// A path over a veth pair: packets from another namespace come in on the veth (iif, its
/// ARPHRD type and an Ethernet header with both MACs), and the echo reply leaves on it (oif).
#[test]
fn veth_path_reports_the_veth_interfaces() {
    require_root();
    let server = Netns::new("nftveths");
    let client = Netns::neighbour(
        &server,
        "nftvethc",
        &VethEnd::new("vsrv", "10.77.0.2/24", "fd77::2/64"),
        &VethEnd::new("vcli", "10.77.0.1/24", "fd77::1/64"),
    );
    server.nft(RULESET);
    let h = handles(&server);
    let vsrv = link(&server, "vsrv");
    let vcli = link(&client, "vcli");
    let (server4, server6) = (ip("10.77.0.2"), ip("fd77::2"));
    let _sinks = [
        udp_sink(&server, socket(server4, PORT_MARKED)),
        udp_sink(&server, socket(server6, PORT_MARKED)),
        udp_sink(&server, socket(server4, PORT_SENTINEL)),
    ];
    let before = snapshot(&server);

    let mut nftrace = Nftrace::events_json(&server, &[]);
    let udp4 = send_udp(&client, socket(server4, PORT_MARKED), 5);
    let udp6 = send_udp(&client, socket(server6, PORT_MARKED), 5);
    ping(&client, server4);
    send_sentinel_and_wait(&client, &mut nftrace, server4);
    let events = nftrace.stop_checked();
    assert_eq!(
        snapshot(&server),
        before,
        "nftrace changed the firewall state"
    );

    let segs = segments(&events, &h);
    let mark_step = rule("filter", "udp_mark", h.set_mark, "continue");
    let mut jump = rule("filter", "input", h.jump, "jump");
    jump.target = Some("udp_mark".to_owned());
    let marked_path = [
        trace_chain("pre", h.trace_pre),
        vec![
            jump,
            mark_step.clone(),
            rule("filter", "udp_mark", h.ret, "return"),
            rule("filter", "input", h.counter, "continue"),
            chain_end("filter", "input"),
            policy("filter", "input", "accept"),
        ],
    ]
    .concat();
    let from_veth = |ll_type: &str| Snapshot {
        iif: Some((vsrv.ifindex, vsrv.arphrd)),
        oif: None,
        ll_header: Some(format!("{}{}{ll_type}", vsrv.mac_hex(), vcli.mac_hex())),
        ct: None,
    };
    for (source, dst, version, nfproto, ll_type, total_len) in [
        (udp4, server4, 4, "ip", "0800", 20 + 8 + 5),
        (udp6, server6, 6, "ip6", "86dd", 40 + 8 + 5),
    ] {
        // Only the server's prerouting and input: the packet was sent elsewhere.
        let udp = assert_path(
            &segs,
            &format!("UDP from {source}"),
            |p| p["protocol"] == "udp" && p["src_port"] == source.port(),
            std::slice::from_ref(&marked_path),
        );
        let packet = json!({"version": version, "src": source.ip().to_string(),
            "dst": dst.to_string(), "protocol": "udp", "src_port": source.port(),
            "dst_port": PORT_MARKED, "total_len": total_len, "ttl": 64});
        assert_eq!(assert_snapshots(udp[0], &from_veth(ll_type), &packet), 2);
        assert_mark_from(udp[0], Some(&mark_step));
        assert_families(udp[0], nfproto);
    }

    let request = assert_path(
        &segs,
        "ICMP echo request from the client",
        |p| p["protocol"] == "icmp" && p["icmp_type"] == 8,
        &[[
            trace_chain("pre", h.trace_pre),
            vec![rule("filter", "input", h.icmp_accept, "accept")],
        ]
        .concat()],
    );
    let request_packet = json!({"version": 4, "src": "10.77.0.1", "dst": "10.77.0.2",
        "protocol": "icmp", "icmp_code": 0, "ttl": 64});
    assert_eq!(
        assert_snapshots(request[0], &from_veth("0800"), &request_packet),
        2
    );
    // The reply leaves the server through output only; it has no link-layer header yet.
    let reply = assert_path(
        &segs,
        "ICMP echo reply to the client",
        |p| p["protocol"] == "icmp" && p["icmp_type"] == 0,
        &[trace_chain("out", h.trace_out)],
    );
    let to_veth = Snapshot {
        iif: None,
        oif: Some((vsrv.ifindex, vsrv.arphrd)),
        ll_header: None,
        ct: None,
    };
    let reply_packet = json!({"version": 4, "src": "10.77.0.2", "dst": "10.77.0.1",
        "protocol": "icmp", "icmp_code": 0});
    assert_eq!(assert_snapshots(reply[0], &to_veth, &reply_packet), 1);
}

/// With conntrack active in the namespace (a ct expression anywhere turns it on; this one
/// sits in a chain nothing jumps to), the first event of each base chain also carries the
/// conntrack entry: the SYN is `new` in the original direction, the SYN-ACK `established`
/// in reply, one entry id for both. At output priority -301 the packet has no entry yet
/// (conntrack's output hook runs at -200); on loopback it keeps the entry it got on the way
/// out, so prerouting at -301 already shows it, confirmed.
#[test]
fn conntrack_fields_come_with_the_first_event_of_each_base_chain() {
    require_root();
    let ns = Netns::new("nftct");
    ns.nft(RULESET);
    ns.nft(
        "table inet conntrack_on {\n\tchain unused {\n\t\tct state established accept\n\t}\n}\n",
    );
    let h = handles(&ns);
    let lo = link(&ns, "lo");
    let loopback = ip("127.0.0.1");
    let _sink = udp_sink(&ns, socket(loopback, PORT_SENTINEL));
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "nft"]);
    let client = tcp_connect(&ns, &ns, socket(loopback, PORT_TCP));
    send_sentinel_and_wait(&ns, &mut nftrace, loopback);
    let events = nftrace.stop_checked();
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");

    let segs = segments(&events, &h);
    let out = Snapshot {
        iif: None,
        oif: Some((lo.ifindex, lo.arphrd)),
        ll_header: None,
        ct: None,
    };
    let from_lo = |ct: Value| Snapshot {
        iif: Some((lo.ifindex, lo.arphrd)),
        oif: None,
        ll_header: Some(format!("{}{}0800", lo.mac_hex(), lo.mac_hex())),
        ct: Some(ct),
    };
    let syn = assert_path(
        &segs,
        "TCP SYN",
        |p| p["protocol"] == "tcp" && p["tcp_flags"] == json!(["syn"]),
        &[
            trace_chain("out", h.trace_out),
            [
                trace_chain("pre", h.trace_pre),
                vec![rule("filter", "input", h.tcp_accept, "accept")],
            ]
            .concat(),
        ],
    );
    let syn_packet = json!({"src_port": client.port(), "dst_port": PORT_TCP});
    assert_eq!(assert_snapshots(syn[0], &out, &syn_packet), 1);
    let new = json!({"direction": "original", "state": ["new"], "status": ["confirmed"]});
    assert_eq!(assert_snapshots(syn[1], &from_lo(new), &syn_packet), 2);

    let syn_ack = assert_path(
        &segs,
        "TCP SYN-ACK",
        |p| p["protocol"] == "tcp" && p["tcp_flags"] == json!(["syn", "ack"]),
        &[
            trace_chain("out", h.trace_out),
            [
                trace_chain("pre", h.trace_pre),
                vec![
                    rule("filter", "input", h.counter, "continue"),
                    chain_end("filter", "input"),
                    policy("filter", "input", "accept"),
                ],
            ]
            .concat(),
        ],
    );
    let syn_ack_packet = json!({"src_port": PORT_TCP, "dst_port": client.port()});
    assert_eq!(assert_snapshots(syn_ack[0], &out, &syn_ack_packet), 1);
    let reply = json!({"direction": "reply", "state": ["established"],
        "status": ["seen-reply", "confirmed"]});
    assert_eq!(
        assert_snapshots(syn_ack[1], &from_lo(reply), &syn_ack_packet),
        2
    );

    // One connection, one entry id, on every event that carries one.
    let ids: Vec<&Value> = [syn[1], syn_ack[1]]
        .iter()
        .flat_map(|s| s.events.iter())
        .filter_map(|e| e.get("ct").map(|ct| &ct["id"]))
        .collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
}

/// One step as nft prints it: id, family, table, chain, type, verdict (`jump X` with target).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NftLine {
    id: String,
    family: String,
    table: String,
    chain: String,
    kind: String,
    verdict: String,
}

/// Parses a line of `nft monitor trace` (nft 1.0.6): `trace id <id> <family> <table> <chain>`
/// then `rule <text> (verdict <v>)`, `policy <v> [meta mark …]` or `verdict <v> …` (RETURN
/// events, which this kernel no longer sends). `packet:` lines give `None`.
fn parse_nft_line(line: &str) -> Option<NftLine> {
    let rest = line
        .strip_prefix("trace id ")
        .unwrap_or_else(|| panic!("not a trace line: {line:?}"));
    let mut words = rest.splitn(5, ' ');
    let mut next = || {
        words
            .next()
            .unwrap_or_else(|| panic!("short line {line:?}"))
    };
    let (id, family, table, chain, what) = (next(), next(), next(), next(), next());
    let (kind, verdict) = if what.starts_with("packet:") {
        return None;
    } else if what.starts_with("rule ") || what.starts_with("unknown rule handle ") {
        let verdict = what
            .rsplit_once("(verdict ")
            .and_then(|(_, v)| v.trim_end().strip_suffix(')'))
            .unwrap_or_else(|| panic!("no verdict in {line:?}"));
        ("rule", verdict.to_owned())
    } else if let Some(policy) = what.strip_prefix("policy ") {
        ("policy", policy.split(' ').next().unwrap_or("").to_owned())
    } else if let Some(verdict) = what.strip_prefix("verdict ") {
        let verdict = verdict.split(" meta mark").next().unwrap_or("").trim();
        ("return", verdict.to_owned())
    } else {
        panic!("unknown nft trace line {line:?}");
    };
    Some(NftLine {
        id: id.to_owned(),
        family: family.to_owned(),
        table: table.to_owned(),
        chain: chain.to_owned(),
        kind: kind.to_owned(),
        verdict,
    })
}

/// The same step from nftrace's JSON.
fn nft_line_of(event: &Value) -> NftLine {
    let step = step_of(event);
    NftLine {
        id: event["id"].as_str().unwrap_or("?").to_owned(),
        family: event["family"].as_str().unwrap_or("?").to_owned(),
        table: step.table,
        chain: step.chain,
        kind: step.kind,
        verdict: match step.target {
            Some(target) => format!("{} {target}", step.verdict),
            None => step.verdict,
        },
    }
}

/// nftrace and `nft monitor trace` listen on the same multicast group at once and see the
/// same messages in the same order. Every line nft prints has its nftrace event (same id,
/// family, table, chain, type, verdict), in the same order; the nftrace events nft has no
/// line for are all of one kind: a RULE event without a rule handle (verdict continue), the
/// implicit end of a chain. nft 1.0.6 prints nothing for those by design: in
/// `netlink_events_trace_cb` (src/netlink.c) a RULE event prints its `rule …` line only
/// `if (nftnl_trace_is_set(nlt, NFTNL_TRACE_RULE_HANDLE))` (and its `packet:` line when it
/// carries headers, which these never do here: every base chain has a rule that matches
/// first).
#[test]
fn nft_monitor_trace_prints_the_same_steps() {
    require_root();
    let ns = Netns::new("nftmon");
    ns.nft(RULESET);
    let loopbacks = [ip("127.0.0.1"), ip("::1")];
    let mut sinks = Vec::new();
    for lo in loopbacks {
        for port in [PORT_MARKED, PORT_WARMUP, PORT_START, PORT_SENTINEL] {
            sinks.push(udp_sink(&ns, socket(lo, port)));
        }
    }
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "nft"]);
    let mut monitor = NftMonitor::start(&ns, "trace");
    // nft says nothing when it is ready: send until it prints something.
    let deadline = Instant::now() + GUARD;
    while !monitor.wait_for(|lines| !lines.is_empty(), Duration::from_millis(200)) {
        assert!(
            Instant::now() < deadline,
            "nft monitor trace printed nothing"
        );
        send_udp(&ns, socket(loopbacks[0], PORT_WARMUP), 1);
    }
    // Both listen now: compare from this packet on.
    send_udp(&ns, socket(loopbacks[0], PORT_START), 1);
    for lo in loopbacks {
        send_udp(&ns, socket(lo, PORT_MARKED), 5);
        send_udp(&ns, socket(lo, PORT_DROPPED), 5);
        tcp_connect(&ns, &ns, socket(lo, PORT_TCP));
        ping(&ns, lo);
    }
    send_udp(&ns, socket(loopbacks[0], PORT_SENTINEL), 1);
    nftrace.wait_for(|events| input_policy_seen(events, PORT_SENTINEL), GUARD);
    // The sentinel's last line in nft: the input policy of the id whose packet went to it.
    let sentinel_done = |lines: &[String]| {
        lines
            .iter()
            .filter(|l| l.contains(" filter input packet: ") && l.contains("udp dport 9997"))
            .filter_map(|l| l.split(' ').nth(2))
            .any(|id| {
                let end = format!("trace id {id} inet filter input policy ");
                lines.iter().any(|l| l.starts_with(&end))
            })
    };
    assert!(
        monitor.wait_for(sentinel_done, GUARD),
        "nft monitor trace never showed the sentinel"
    );
    let nft_output = monitor.stop();
    let events = nftrace.stop_checked();
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
    for line in &nft_output {
        assert!(
            line.starts_with("trace id "),
            "unexpected nft output {line:?}"
        );
    }

    // The comparison window: from the start packet to the sentinel's input policy, in both.
    let nftrace_from = events
        .iter()
        .position(|e| e["packet"]["dst_port"] == PORT_START)
        .expect("nftrace saw the start packet");
    let nft_from = nft_output
        .iter()
        .position(|l| l.contains(" packet: ") && l.contains("udp dport 9996"))
        .expect("nft saw the start packet");
    assert_eq!(
        nft_output[nft_from].split(' ').nth(2),
        events[nftrace_from]["id"].as_str(),
        "both start with the same event"
    );
    let sentinel_id = events
        .iter()
        .find(|e| e["chain"] == "input" && e["packet"]["dst_port"] == PORT_SENTINEL)
        .and_then(|e| e["id"].as_str())
        .expect("sentinel in input")
        .to_owned();
    let nftrace_to = events
        .iter()
        .position(|e| e["id"] == sentinel_id && e["chain"] == "input" && e["type"] == "policy")
        .expect("sentinel's policy");
    let sentinel_policy = format!("trace id {sentinel_id} inet filter input policy ");
    let nft_to = nft_output
        .iter()
        .position(|l| l.starts_with(&sentinel_policy))
        .expect("nft printed the sentinel's policy");
    let ours: Vec<NftLine> = events[nftrace_from..=nftrace_to]
        .iter()
        .map(nft_line_of)
        .collect();
    let theirs: Vec<NftLine> = nft_output[nft_from..=nft_to]
        .iter()
        .filter_map(|l| parse_nft_line(l))
        .collect();

    // Walk both in order: each of nft's lines must be the next nftrace event, apart from
    // chain ends, which nft does not print.
    let mut matched = 0;
    let mut chain_ends = 0;
    let mut theirs_iter = theirs.iter().peekable();
    for (index, (line, event)) in ours
        .iter()
        .zip(&events[nftrace_from..=nftrace_to])
        .enumerate()
    {
        if theirs_iter.peek() == Some(&line) {
            theirs_iter.next();
            matched += 1;
            continue;
        }
        let is_chain_end =
            line.kind == "rule" && line.verdict == "continue" && event.get("handle").is_none();
        assert!(
            is_chain_end,
            "nftrace event {index} {line:?} has no nft line; next nft line: {:?}",
            theirs_iter.peek()
        );
        chain_ends += 1;
    }
    let left: Vec<&NftLine> = theirs_iter.collect();
    assert!(left.is_empty(), "nft lines nftrace lacks: {left:#?}");
    // Up to the sentinel's input policy: nft's lines all matched, and the window is rich.
    assert_eq!(matched, theirs.len());
    assert!(matched > 50, "only {matched} steps compared");
    assert!(chain_ends > 10, "only {chain_ends} chain ends");
    drop(sinks);
}
