//! `nftrace events --source nflog` against iptables-legacy TRACE, end to end: raw
//! PREROUTING/OUTPUT `-j TRACE` with nf_log bound to nfnetlink_log (harness
//! `install_legacy_trace`), a filter ruleset with a user chain (a jump for UDP 9999, a MARK
//! rule, an explicit `-j RETURN`) and an explicit `-A OUTPUT -j ACCEPT`, for IPv4 and IPv6;
//! real UDP, TCP and ICMP packets over loopback and over a veth pair; and the exact
//! `table:chain:kind:number` steps of each packet as this kernel logs them, with family,
//! hook, devices, mark and the packet's addresses and ports. Also what happens when another
//! listener already owns nflog group 0 in the namespace.
//!
//! nfnetlink_log records carry no packet id: the records of one packet are the ones whose
//! payload is that packet (addresses, protocol, ports, TCP flags, ICMP type). Group 0 has one
//! listener per namespace, so every test has its own namespace. Needs root.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::{json, Value};

use common::*;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

/// The mark the MARKIT chain sets.
const MARK: u64 = 0x2a;
const PORT_MARKED: u16 = 9999;
const PORT_TCP: u16 = 8080;
/// Sent last; once its INPUT policy record is seen, everything sent before it has been too.
const PORT_SENTINEL: u16 = 9997;

/// The filter ruleset for `tool` (iptables-legacy or ip6tables-legacy), in rule order:
///
/// ```text
/// INPUT   1 -p udp --dport 9999 -j MARKIT
///         2 -p tcp --dport 8080 -j ACCEPT
///         3 -p icmp|ipv6-icmp -j ACCEPT
///         (policy ACCEPT: reported as number 4)
/// OUTPUT  1 -p tcp --dport 9 -j DROP       (never matches here)
///         2 -j ACCEPT                       (explicit and unconditional)
/// MARKIT  1 -j MARK --set-mark 0x2a
///         2 -j RETURN                       (explicit and unconditional)
/// ```
fn install_filter(ns: &Netns, tool: &str) {
    let icmp = if tool.starts_with("ip6") {
        "ipv6-icmp"
    } else {
        "icmp"
    };
    let rules: [&[&str]; 8] = [
        &["-N", "MARKIT"],
        &[
            "-A", "INPUT", "-p", "udp", "--dport", "9999", "-j", "MARKIT",
        ],
        &[
            "-A", "INPUT", "-p", "tcp", "--dport", "8080", "-j", "ACCEPT",
        ],
        &["-A", "INPUT", "-p", icmp, "-j", "ACCEPT"],
        &["-A", "OUTPUT", "-p", "tcp", "--dport", "9", "-j", "DROP"],
        &["-A", "OUTPUT", "-j", "ACCEPT"],
        &["-A", "MARKIT", "-j", "MARK", "--set-mark", "0x2a"],
        &["-A", "MARKIT", "-j", "RETURN"],
    ];
    for rule in rules {
        let mut args = vec![tool, "-w", "-t", "filter"];
        args.extend_from_slice(rule);
        ns.exec(&args);
    }
}

/// Sets up a namespace for legacy tracing: TRACE rules, nf_log binding, filter rules.
fn legacy_namespace(label: &str) -> Netns {
    let ns = Netns::new(label);
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        install_filter(&ns, tool);
    }
    ns
}

/// The TRACE prefix of a record as `table:chain:kind:number`.
fn step_of(record: &Value) -> String {
    let trace = &record["trace"];
    format!(
        "{}:{}:{}:{}",
        trace["table"].as_str().unwrap_or("?"),
        trace["chain"].as_str().unwrap_or("?"),
        trace["kind"].as_str().unwrap_or("?"),
        trace["number"]
    )
}

/// The records whose packet `select` picks, in order; asserts their steps are exactly
/// `expected`.
fn assert_steps<'a>(
    records: &'a [Value],
    what: &str,
    select: impl Fn(&Value) -> bool,
    expected: &[&str],
) -> Vec<&'a Value> {
    let found: Vec<&Value> = records.iter().filter(|r| select(&r["packet"])).collect();
    let steps: Vec<String> = found.iter().map(|r| step_of(r)).collect();
    assert_eq!(steps, expected, "steps of {what}; records: {found:#?}");
    found
}

/// How a packet met an interface: the device, the link-layer header the kernel logs when
/// the packet came in on it (`hwheader`, hex) and its source MAC (`hwaddr`).
#[derive(Debug, Clone)]
struct Device {
    ifindex: u64,
    hwtype: u64,
    hwheader: String,
    hwaddr: String,
}

/// Asserts what every record of one packet says besides the step: family, hook (from the
/// chain), in/out device and link-layer fields, kernel timestamp (only on hooks up to
/// FORWARD), mark (absent up to and including the MARK rule's own record, which the kernel
/// logs before the target runs; `MARK` after it) and the packet.
fn assert_records(
    records: &[&Value],
    family: &str,
    device: &Device,
    mark_rule: Option<&str>,
    packet: &Value,
) {
    let mut marked = false;
    for record in records {
        let step = step_of(record);
        let what = format!("record {step}");
        assert_eq!(record["source"], "nflog", "{what}");
        assert_eq!(record["family"], family, "{what}");
        assert_eq!(record["group"], 0, "{what}");
        assert!(record.get("prefix").is_none(), "{what}: {record:#}");
        assert!(
            record.get("unknown_attributes").is_none(),
            "{what}: {record:#}"
        );
        let chain = record["trace"]["chain"].as_str().unwrap_or("?");
        let hook = match chain {
            "OUTPUT" => "output",
            "PREROUTING" => "prerouting",
            _ => "input", // INPUT and the user chain MARKIT, reached from INPUT
        };
        assert_eq!(record["hook"], hook, "{what}");
        assert_eq!(
            record["hw_protocol"],
            if family == "ip" { 0x0800 } else { 0x86dd },
            "{what}"
        );
        if hook == "output" {
            assert_eq!(record["outdev"], device.ifindex, "{what}: {record:#}");
            for absent in ["indev", "kernel_time", "hwtype", "hwheader", "hwaddr"] {
                assert!(
                    record.get(absent).is_none(),
                    "{what}: {absent} in {record:#}"
                );
            }
        } else {
            assert_eq!(record["indev"], device.ifindex, "{what}: {record:#}");
            assert!(record.get("outdev").is_none(), "{what}: {record:#}");
            assert!(record["kernel_time"].is_string(), "{what}: {record:#}");
            assert_eq!(record["hwtype"], device.hwtype, "{what}: {record:#}");
            assert_eq!(record["hwheader"], device.hwheader.as_str(), "{what}");
            assert_eq!(record["hwaddr"], device.hwaddr.as_str(), "{what}");
        }
        if marked {
            assert_eq!(record["mark"], MARK, "{what}: {record:#}");
        } else {
            assert!(record.get("mark").is_none(), "{what}: {record:#}");
        }
        if Some(step.as_str()) == mark_rule {
            marked = true;
        }
        assert_fields(&record["packet"], packet, &what);
        assert_eq!(
            record["payload_len"], record["packet"]["total_len"],
            "{what}: the whole packet is copied (it is shorter than the snaplen)"
        );
    }
    assert_eq!(marked, mark_rule.is_some(), "the MARK rule was logged");
}

/// True once the INPUT policy record of a packet to `dport` has been seen.
fn input_policy_seen(records: &[Value], dport: u16) -> bool {
    records.iter().any(|r| {
        r["packet"]["dst_port"] == dport
            && r["trace"]["chain"] == "INPUT"
            && r["trace"]["kind"] == "policy"
    })
}

/// The numbering every record must carry: `seq` counts from 0 per listener, `seq_global`
/// from 1 per namespace (this namespace's first listener with the flag), both without gaps.
fn assert_sequence_numbers(records: &[Value]) {
    for (index, record) in records.iter().enumerate() {
        assert_eq!(record["seq"], index, "{record:#}");
        assert_eq!(record["seq_global"], index + 1, "{record:#}");
    }
}

/// UDP (marked), TCP (SYN accepted, SYN-ACK to the policy) and ICMP echo over loopback.
fn loopback_paths(label: &str, loopback: IpAddr) {
    require_root();
    let v4 = loopback.is_ipv4();
    let (family, version, udp_len, ethertype, icmp, icmp_request, icmp_reply) = if v4 {
        ("ip", 4, 20 + 8 + 5, "0800", "icmp", 8, 0)
    } else {
        ("ip6", 6, 40 + 8 + 5, "86dd", "icmpv6", 128, 129)
    };
    let ns = legacy_namespace(label);
    let _trace = install_legacy_trace(&ns);
    let lo = link(&ns, "lo");
    let lo = Device {
        ifindex: lo.ifindex,
        hwtype: lo.arphrd,
        hwheader: format!("{}{}{ethertype}", lo.mac_hex(), lo.mac_hex()),
        hwaddr: lo.mac,
    };
    let _sinks =
        [PORT_MARKED, PORT_SENTINEL].map(|port| udp_sink(&ns, SocketAddr::new(loopback, port)));
    let before = snapshot(&ns);

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "nflog"]);
    let udp_src = send_udp(&ns, SocketAddr::new(loopback, PORT_MARKED), 5);
    let tcp_src = tcp_connect(&ns, &ns, SocketAddr::new(loopback, PORT_TCP));
    ping(&ns, loopback);
    send_udp(&ns, SocketAddr::new(loopback, PORT_SENTINEL), 1);
    nftrace.wait_for(|r| input_policy_seen(r, PORT_SENTINEL), GUARD);
    let records = nftrace.stop_checked();
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
    assert_sequence_numbers(&records);

    // On loopback the packet keeps the trace bit from output to prerouting, so the raw
    // PREROUTING TRACE rule itself is logged (`rule:1`); coming from elsewhere it is not.
    // The kernel labels an explicit unconditional rule with a standard verdict by where it
    // sits, as if it were the chain's end: `-A OUTPUT -j ACCEPT` (rule 2 of OUTPUT) shows as
    // `policy:2`, `-A MARKIT -j RETURN` (rule 2) as `return:2` (get_chainname_rulenum() in
    // ip_tables.c looks only at "unconditional, standard target, verdict < 0"). The number is
    // the rule's position; the real policy of INPUT, after its 3 rules, is `policy:4`.
    let output = ["raw:OUTPUT:policy:2", "filter:OUTPUT:policy:2"];
    let prerouting = ["raw:PREROUTING:rule:1", "raw:PREROUTING:policy:2"];
    let path = |input: &[&'static str]| -> Vec<&'static str> {
        [&output[..], &prerouting[..], input].concat()
    };
    let base = json!({"version": version, "src": loopback.to_string(),
        "dst": loopback.to_string(), "ttl": 64});
    let with = |protocol: &str, extra: Value| {
        let mut packet = base.clone();
        packet["protocol"] = json!(protocol);
        for (key, value) in extra.as_object().expect("an object") {
            packet[key] = value.clone();
        }
        packet
    };

    let udp = assert_steps(
        &records,
        "UDP to the marking port",
        |p| p["protocol"] == "udp" && p["src_port"] == udp_src.port(),
        &path(&[
            "filter:INPUT:rule:1",
            "filter:MARKIT:rule:1",
            "filter:MARKIT:return:2",
            "filter:INPUT:policy:4",
        ]),
    );
    let udp_packet = with(
        "udp",
        json!({"src_port": udp_src.port(), "dst_port": PORT_MARKED, "total_len": udp_len}),
    );
    assert_records(&udp, family, &lo, Some("filter:MARKIT:rule:1"), &udp_packet);
    // The sender's socket is a full local socket: its owner is logged on output.
    for record in udp.iter().filter(|r| r["hook"] == "output") {
        assert_eq!((&record["uid"], &record["gid"]), (&json!(0), &json!(0)));
    }

    let syn = assert_steps(
        &records,
        "TCP SYN",
        |p| p["protocol"] == "tcp" && p["tcp_flags"] == json!(["syn"]),
        &path(&["filter:INPUT:rule:2"]),
    );
    let syn_packet = with(
        "tcp",
        json!({"src_port": tcp_src.port(), "dst_port": PORT_TCP}),
    );
    assert_records(&syn, family, &lo, None, &syn_packet);
    let syn_ack = assert_steps(
        &records,
        "TCP SYN-ACK",
        |p| p["protocol"] == "tcp" && p["tcp_flags"] == json!(["syn", "ack"]),
        &path(&["filter:INPUT:policy:4"]),
    );
    let syn_ack_packet = with(
        "tcp",
        json!({"src_port": PORT_TCP, "dst_port": tcp_src.port()}),
    );
    assert_records(&syn_ack, family, &lo, None, &syn_ack_packet);

    for (name, icmp_type) in [("request", icmp_request), ("reply", icmp_reply)] {
        let echo = assert_steps(
            &records,
            &format!("ICMP echo {name}"),
            |p| p["protocol"] == icmp && p["icmp_type"] == icmp_type,
            &path(&["filter:INPUT:rule:3"]),
        );
        let echo_packet = with(icmp, json!({"icmp_type": icmp_type, "icmp_code": 0}));
        assert_records(&echo, family, &lo, None, &echo_packet);
    }
}

#[test]
fn loopback_ipv4_udp_tcp_icmp_steps() {
    loopback_paths("nflo4", ip("127.0.0.1"));
}

#[test]
fn loopback_ipv6_udp_tcp_icmp_steps() {
    loopback_paths("nflo6", ip("::1"));
}

/// Packets from another namespace over a veth pair: no output steps here, the TRACE rule is
/// not logged (the packet arrives without the trace bit; the rule sets it), the devices and
/// the Ethernet header are the veth's.
#[test]
fn veth_steps_name_the_veth() {
    require_root();
    let server = legacy_namespace("nfveths");
    let client = Netns::neighbour(
        &server,
        "nfvethc",
        &VethEnd::new("vsrv", "10.78.0.2/24", "fd78::2/64"),
        &VethEnd::new("vcli", "10.78.0.1/24", "fd78::1/64"),
    );
    let _trace = install_legacy_trace(&server);
    let vsrv = link(&server, "vsrv");
    let vcli = link(&client, "vcli");
    let (server4, server6) = (ip("10.78.0.2"), ip("fd78::2"));
    let _sinks = [
        udp_sink(&server, SocketAddr::new(server4, PORT_MARKED)),
        udp_sink(&server, SocketAddr::new(server6, PORT_MARKED)),
        udp_sink(&server, SocketAddr::new(server4, PORT_SENTINEL)),
    ];
    let before = snapshot(&server);

    let mut nftrace = Nftrace::events_json(&server, &["--source", "nflog"]);
    let udp4 = send_udp(&client, SocketAddr::new(server4, PORT_MARKED), 5);
    let udp6 = send_udp(&client, SocketAddr::new(server6, PORT_MARKED), 5);
    send_udp(&client, SocketAddr::new(server4, PORT_SENTINEL), 1);
    nftrace.wait_for(|r| input_policy_seen(r, PORT_SENTINEL), GUARD);
    let records = nftrace.stop_checked();
    assert_eq!(
        snapshot(&server),
        before,
        "nftrace changed the firewall state"
    );

    for (source, dst, family, version, ethertype, total_len) in [
        (udp4, server4, "ip", 4, "0800", 20 + 8 + 5),
        (udp6, server6, "ip6", 6, "86dd", 40 + 8 + 5),
    ] {
        let udp = assert_steps(
            &records,
            &format!("UDP from {source}"),
            |p| p["protocol"] == "udp" && p["src_port"] == source.port(),
            &[
                "raw:PREROUTING:policy:2",
                "filter:INPUT:rule:1",
                "filter:MARKIT:rule:1",
                "filter:MARKIT:return:2",
                "filter:INPUT:policy:4",
            ],
        );
        let device = Device {
            ifindex: vsrv.ifindex,
            hwtype: vsrv.arphrd,
            hwheader: format!("{}{}{ethertype}", vsrv.mac_hex(), vcli.mac_hex()),
            hwaddr: vcli.mac.clone(),
        };
        let packet = json!({"version": version, "src": source.ip().to_string(),
            "dst": dst.to_string(), "protocol": "udp", "src_port": source.port(),
            "dst_port": PORT_MARKED, "total_len": total_len, "ttl": 64});
        assert_records(&udp, family, &device, Some("filter:MARKIT:rule:1"), &packet);
    }
}

/// Traces one UDP packet to the marking port and returns its source address, once
/// `nftrace` has seen its last step.
fn traced_udp(ns: &Netns, nftrace: &mut Nftrace) -> SocketAddr {
    let source = send_udp(ns, SocketAddr::new(ip("127.0.0.1"), PORT_MARKED), 5);
    nftrace.wait_for(
        |records| {
            records.iter().any(|r| {
                r["packet"]["src_port"] == source.port()
                    && r["trace"]["chain"] == "INPUT"
                    && r["trace"]["kind"] == "policy"
            })
        },
        GUARD,
    );
    source
}

const UDP4_PATH: [&str; 8] = [
    "raw:OUTPUT:policy:2",
    "filter:OUTPUT:policy:2",
    "raw:PREROUTING:rule:1",
    "raw:PREROUTING:policy:2",
    "filter:INPUT:rule:1",
    "filter:MARKIT:rule:1",
    "filter:MARKIT:return:2",
    "filter:INPUT:policy:4",
];

/// nflog group 0 has one listener per namespace: a second `--source nflog` fails at once
/// with one line naming the problem, and the first goes on receiving.
#[test]
fn a_second_nflog_listener_fails_and_the_first_keeps_working() {
    require_root();
    let ns = legacy_namespace("nfbusy");
    let _trace = install_legacy_trace(&ns);
    let _sink = udp_sink(&ns, SocketAddr::new(ip("127.0.0.1"), PORT_MARKED));
    let before = snapshot(&ns);

    let mut first = Nftrace::events_json(&ns, &["--source", "nflog"]);
    let second = run_nftrace(&ns, &[], &["events", "--json", "--source", "nflog"]);
    assert_eq!(second.status.code(), Some(1), "{second:?}");
    let line = one_error_line(&second, "the second listener");
    assert!(
        line.contains("nflog group 0") && line.contains("another listener"),
        "names the problem: {line}"
    );

    let source = traced_udp(&ns, &mut first);
    let records = first.stop_checked();
    assert_steps(
        &records,
        "UDP after the second listener failed",
        |p| p["src_port"] == source.port(),
        &UDP4_PATH,
    );
    assert_eq!(snapshot(&ns), before, "nftrace changed the firewall state");
}

/// With `--source both`, a taken nflog group is a warning: the second nftrace keeps the
/// nf_tables source (and gets its events), the first keeps nflog.
#[test]
fn both_sources_warn_and_keep_nf_tables_when_nflog_is_taken() {
    require_root();
    let ns = legacy_namespace("nfboth");
    let _trace = install_legacy_trace(&ns);
    install_nft_trace(&ns, TraceFamily::Ipv4);
    let _sink = udp_sink(&ns, SocketAddr::new(ip("127.0.0.1"), PORT_MARKED));
    let before = snapshot(&ns);

    let mut first = Nftrace::events_json(&ns, &["--source", "nflog"]);
    let mut second = Nftrace::events_json(&ns, &["--source", "both"]);
    let source = traced_udp(&ns, &mut first);
    // The nf_tables side of the same packet: the harness table's input-side policy.
    second.wait_for(
        |events| {
            let prerouting_id = events.iter().find_map(|e| {
                (e["chain"] == "pre" && e["packet"]["src_port"] == source.port())
                    .then(|| e["id"].clone())
            });
            prerouting_id.is_some_and(|id| {
                events
                    .iter()
                    .any(|e| e["id"] == id && e["chain"] == "pre" && e["type"] == "policy")
            })
        },
        GUARD,
    );
    let first_records = first.stop_checked();
    let output = second.stop();
    output.assert_success();
    assert_snapshot_unchanged(&ns, &before);

    let warnings: Vec<&str> = output
        .stderr
        .lines()
        .filter(|l| l.starts_with("nftrace: warning: "))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", output.stderr);
    assert!(
        warnings[0].contains("nflog group 0") && warnings[0].contains("another listener"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.lines().any(|l| l
            .starts_with("nftrace: listening on nf_tables trace events")
            && !l.contains("nfnetlink_log")),
        "{}",
        output.stderr
    );
    // The second got the nf_tables events of the packet and nothing from nflog.
    assert!(
        output.json.iter().all(|e| e["source"] == "nftables"),
        "{:#?}",
        output.json
    );
    let steps: Vec<(String, String, String)> = output
        .json
        .iter()
        .filter(|e| e["packet"]["src_port"] == source.port())
        .map(|e| {
            (
                e["table"].as_str().unwrap_or("?").to_owned(),
                e["chain"].as_str().unwrap_or("?").to_owned(),
                e["type"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    let harness = NFT_TRACE_TABLE.to_owned();
    assert_eq!(
        steps,
        [
            (harness.clone(), "out".to_owned(), "rule".to_owned()),
            (harness, "pre".to_owned(), "rule".to_owned()),
        ],
        "the first event of each hook carries the packet"
    );
    // The first still got the legacy steps of the same packet. One more than without the
    // nft trigger: the nft table (priority raw - 1) sets the trace bit before raw OUTPUT
    // runs, so the TRACE rule there is logged too (`raw:OUTPUT:rule:1`).
    assert_steps(
        &first_records,
        "UDP with two listeners",
        |p| p["src_port"] == source.port(),
        &[&["raw:OUTPUT:rule:1"], &UDP4_PATH[..]].concat(),
    );
}

fn assert_snapshot_unchanged(ns: &Netns, before: &FirewallSnapshot) {
    assert_eq!(&snapshot(ns), before, "nftrace changed the firewall state");
}
