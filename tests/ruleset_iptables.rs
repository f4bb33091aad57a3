//! The iptables side of the ruleset snapshot against the kernel.
//!
//! A namespace with iptables-legacy and ip6tables-legacy rules in filter, nat, mangle and
//! raw: user chains, jumps, gotos, explicit unconditional `-j ACCEPT` / `-j RETURN` rules,
//! rules without a target, comments, DROP and ACCEPT policies. The `getsockopt` snapshot must
//! have the same chains, policies and rule counts as `iptables-legacy-save`, each rule its
//! save line. Then real `TRACE` steps (`nftrace events --source nflog` with the harness's
//! raw TRACE rules) for UDP, TCP and ICMP over IPv4 and IPv6 loopback: every step resolves,
//! and the expected ones to the exact rule text — the kernel's mislabelled `policy:N` /
//! `return:N` for explicit unconditional rules included. Then the cache while the table
//! changes (`-I` above a rule, `-R`, `-D`, `-F`): new packets' steps resolve to the new
//! numbering; with re-reads held back, a changed table's steps are "stale", never the old
//! rule. Last, an iptables-nft table next to the legacy ones: the nf_tables dump's table is
//! recognised as iptables-nft's and its rules get the `iptables-nft-save` lines, while a
//! native nft table that iptables-nft-save would misprint is not.
//!
//! Needs root; everything happens in namespaces the tests create.

mod common;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use nftrace::ruleset::iptables::{
    attach_iptables_nft_texts, read_legacy, resolve_legacy, CachePolicy, LegacyCache,
    LegacyResolution, NftCompat, TextOutcome, Unresolved,
};
use nftrace::ruleset::model::{LegacyEntryKind, LegacyTable, LegacyTarget, TextSource};
use nftrace::wire::{StepKind, TraceStep};
use serde_json::Value;

use common::*;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

/// UDP ports: accepted in IN_UDP; DNATed (nat OUTPUT) to the goto port; the goto port
/// (IN_GOTO, marked and accepted); returned from IN_UDP and dropped by the INPUT policy.
const PORT_ACCEPT: u16 = 5001;
const PORT_DNAT: u16 = 5002;
const PORT_GOTO: u16 = 5003;
const PORT_DROP: u16 = 5004;
const PORT_TCP: u16 = 8080;

const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;

/// The legacy ruleset for `tool` (iptables-legacy / ip6tables-legacy); the harness appends
/// `-j TRACE` to raw PREROUTING and OUTPUT afterwards.
///
/// ```text
/// filter INPUT (policy DROP)
///   1 -p udp -j UDPCOUNT
///   2 -i lo -p udp -j IN_UDP
///   3 -p tcp --dport 8080 -m comment --comment "web in" -j ACCEPT
///   4 -p tcp --sport 8080 -j ACCEPT
///   5 -p icmp|ipv6-icmp -j ACCEPT
///   (policy: 6)
/// filter FORWARD (policy DROP), OUTPUT (policy ACCEPT)
///   OUTPUT 1 -p tcp --dport 9 -j DROP; 2 -j ACCEPT (explicit: the kernel says policy:2)
/// UDPCOUNT 1 -p udp --dport 5001 -m comment --comment "count 5001" (no target); return:2
/// IN_UDP   1 --dport 5001 -j ACCEPT; 2 --dport 5003 -g IN_GOTO; 3 -j RETURN (explicit)
/// IN_GOTO  1 -p udp -j MARK --set-mark 5; 2 -j ACCEPT (explicit: the kernel says return:2)
/// mangle PREROUTING 1 -p tcp -j MANG; FORWARD policy DROP
///        MANG 1 --dport 8080 -j MARK --set-mark 7; 2 -j RETURN (explicit)
///        OUTPUT 1 -p icmp -m comment --comment "mangle icmp" (no target)
/// nat    OUTPUT 1 -p udp -g DNATS
///        DNATS 1 --dport 5002 -j DNAT --to-destination LOOPBACK:5003
///              2 -m comment --comment "nat fallthrough" (no target); return:3
/// raw    PREROUTING 1 -p udp -m comment --comment "raw udp" (no target); 2 TRACE
///        OUTPUT 1 -p icmp -m comment --comment "raw icmp" (no target); 2 TRACE
/// ```
fn install_legacy(ns: &Netns, tool: &str) {
    let v6 = tool.starts_with("ip6");
    let icmp = if v6 { "ipv6-icmp" } else { "icmp" };
    let dnat_to = if v6 {
        format!("[::1]:{PORT_GOTO}")
    } else {
        format!("127.0.0.1:{PORT_GOTO}")
    };
    let (accept, dnat, goto) = (
        PORT_ACCEPT.to_string(),
        PORT_DNAT.to_string(),
        PORT_GOTO.to_string(),
    );
    let tcp = PORT_TCP.to_string();
    let rules: Vec<Vec<&str>> = vec![
        vec!["-P", "INPUT", "DROP"],
        vec!["-P", "FORWARD", "DROP"],
        vec!["-N", "UDPCOUNT"],
        vec!["-N", "IN_UDP"],
        vec!["-N", "IN_GOTO"],
        vec!["-A", "INPUT", "-p", "udp", "-j", "UDPCOUNT"],
        vec!["-A", "INPUT", "-i", "lo", "-p", "udp", "-j", "IN_UDP"],
        vec![
            "-A",
            "INPUT",
            "-p",
            "tcp",
            "--dport",
            &tcp,
            "-m",
            "comment",
            "--comment",
            "web in",
            "-j",
            "ACCEPT",
        ],
        vec!["-A", "INPUT", "-p", "tcp", "--sport", &tcp, "-j", "ACCEPT"],
        vec!["-A", "INPUT", "-p", icmp, "-j", "ACCEPT"],
        vec!["-A", "OUTPUT", "-p", "tcp", "--dport", "9", "-j", "DROP"],
        vec!["-A", "OUTPUT", "-j", "ACCEPT"],
        vec![
            "-A",
            "UDPCOUNT",
            "-p",
            "udp",
            "--dport",
            &accept,
            "-m",
            "comment",
            "--comment",
            "count 5001",
        ],
        vec![
            "-A", "IN_UDP", "-p", "udp", "--dport", &accept, "-j", "ACCEPT",
        ],
        vec![
            "-A", "IN_UDP", "-p", "udp", "--dport", &goto, "-g", "IN_GOTO",
        ],
        vec!["-A", "IN_UDP", "-j", "RETURN"],
        vec![
            "-A",
            "IN_GOTO",
            "-p",
            "udp",
            "-j",
            "MARK",
            "--set-mark",
            "5",
        ],
        vec!["-A", "IN_GOTO", "-j", "ACCEPT"],
        vec!["-t", "mangle", "-N", "MANG"],
        vec!["-t", "mangle", "-P", "FORWARD", "DROP"],
        vec![
            "-t",
            "mangle",
            "-A",
            "PREROUTING",
            "-p",
            "tcp",
            "-j",
            "MANG",
        ],
        vec![
            "-t",
            "mangle",
            "-A",
            "MANG",
            "-p",
            "tcp",
            "--dport",
            &tcp,
            "-j",
            "MARK",
            "--set-mark",
            "7",
        ],
        vec!["-t", "mangle", "-A", "MANG", "-j", "RETURN"],
        vec![
            "-t",
            "mangle",
            "-A",
            "OUTPUT",
            "-p",
            icmp,
            "-m",
            "comment",
            "--comment",
            "mangle icmp",
        ],
        vec!["-t", "nat", "-N", "DNATS"],
        vec!["-t", "nat", "-A", "OUTPUT", "-p", "udp", "-g", "DNATS"],
        vec![
            "-t",
            "nat",
            "-A",
            "DNATS",
            "-p",
            "udp",
            "--dport",
            &dnat,
            "-j",
            "DNAT",
            "--to-destination",
            &dnat_to,
        ],
        vec![
            "-t",
            "nat",
            "-A",
            "DNATS",
            "-m",
            "comment",
            "--comment",
            "nat fallthrough",
        ],
        vec![
            "-t",
            "raw",
            "-A",
            "PREROUTING",
            "-p",
            "udp",
            "-m",
            "comment",
            "--comment",
            "raw udp",
        ],
        vec![
            "-t",
            "raw",
            "-A",
            "OUTPUT",
            "-p",
            icmp,
            "-m",
            "comment",
            "--comment",
            "raw icmp",
        ],
    ];
    for rule in rules {
        let mut args = vec![tool, "-w"];
        args.extend_from_slice(&rule);
        ns.exec(&args);
    }
}

/// A namespace with the legacy ruleset for both families (the caller adds the TRACE rules
/// with `install_legacy_trace`).
fn legacy_namespace(label: &str) -> Netns {
    let ns = Netns::new(label);
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        install_legacy(&ns, tool);
    }
    ns
}

/// Chains (in order), policies and `-A` counts of one table, from a save text.
type SavedShape = BTreeMap<String, (Option<String>, usize)>;

/// `table -> chain -> (policy, rule count)` from `TOOL-save` output, parsed here on its own
/// (not with the code under test).
fn saved_shape(text: &str) -> BTreeMap<String, SavedShape> {
    let mut tables: BTreeMap<String, SavedShape> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            current = name.to_owned();
            tables.entry(current.clone()).or_default();
        } else if let Some(chain) = line.strip_prefix(':') {
            let words: Vec<&str> = chain.split(' ').collect();
            let policy = (words[1] != "-").then(|| words[1].to_owned());
            tables
                .get_mut(&current)
                .unwrap()
                .insert(words[0].to_owned(), (policy, 0));
        } else if let Some(rule) = line.strip_prefix("-A ") {
            let chain = rule.split(' ').next().unwrap();
            tables.get_mut(&current).unwrap().get_mut(chain).unwrap().1 += 1;
        }
    }
    tables
}

fn snapshot_shape(table: &LegacyTable) -> SavedShape {
    table
        .chains
        .iter()
        .map(|chain| {
            let policy = chain.policy.map(|p| match p {
                0 => "DROP".to_owned(),
                1 => "ACCEPT".to_owned(),
                other => format!("?{other}"),
            });
            (chain.name.clone(), (policy, chain.rules.len()))
        })
        .collect()
}

fn stdout(ns: &Netns, args: &[&str]) -> String {
    String::from_utf8_lossy(&ns.exec(args).stdout).into_owned()
}

/// The snapshot has the save text's tables, chains (built-in ones in hook order, first),
/// policies and rule counts, and each rule its `-A` line; targets and the explicit
/// unconditional flags are what the ruleset says.
#[test]
fn snapshot_matches_legacy_save() {
    let ns = legacy_namespace("iptsnap");
    let _trace = install_legacy_trace(&ns);
    let readout = ns.run_in(|| read_legacy(true).expect("read the legacy tables"));
    for (family, tool) in [
        (NFPROTO_IPV4, "iptables-legacy-save"),
        (NFPROTO_IPV6, "ip6tables-legacy-save"),
    ] {
        let text = stdout(&ns, &[tool]);
        let saved = saved_shape(&text);
        let ours: BTreeMap<String, SavedShape> = readout
            .tables
            .iter()
            .filter(|t| t.family == family)
            .map(|t| (t.name.clone(), snapshot_shape(t)))
            .collect();
        assert_eq!(ours, saved, "{tool}:\n{text}");
        for table in readout.tables.iter().filter(|t| t.family == family) {
            let block = table_block(&text, &table.name);
            for chain in &table.chains {
                let prefix = format!("-A {} ", chain.name);
                let lines: Vec<&str> = block
                    .iter()
                    .filter(|l| l.starts_with(&prefix))
                    .map(String::as_str)
                    .collect();
                let texts: Vec<&str> = chain
                    .rules
                    .iter()
                    .map(|r| {
                        let text = r.text.as_ref().expect("every rule has its text");
                        assert_eq!(text.source, TextSource::IptablesLegacySave);
                        text.text.as_str()
                    })
                    .collect();
                assert_eq!(texts, lines, "{tool} {}:{}", table.name, chain.name);
                let numbers: Vec<u32> = chain.rules.iter().map(|r| r.number).collect();
                let expected: Vec<u32> = (1..=chain.rules.len() as u32).collect();
                assert_eq!(numbers, expected);
            }
            let builtin: Vec<u32> = table.chains.iter().filter_map(|c| c.hook).collect();
            let mut sorted = builtin.clone();
            sorted.sort_unstable();
            assert_eq!(builtin, sorted, "built-in chains in hook order");
            let first_user = table.chains.iter().position(|c| c.hook.is_none());
            if let Some(first_user) = first_user {
                assert!(table.chains[first_user..].iter().all(|c| c.hook.is_none()));
            }
        }
    }
    for texts in &readout.texts {
        assert_eq!(texts.outcome, TextOutcome::Attached, "{texts:?}");
    }
    let names: Vec<(u8, &str)> = readout
        .tables
        .iter()
        .map(|t| (t.family, t.name.as_str()))
        .collect();
    for family in [NFPROTO_IPV4, NFPROTO_IPV6] {
        for table in ["raw", "mangle", "nat", "filter"] {
            assert!(
                names.contains(&(family, table)),
                "{family} {table}: {names:?}"
            );
        }
    }

    // Targets and the explicit unconditional rules, from the kernel's entries.
    for family in [NFPROTO_IPV4, NFPROTO_IPV6] {
        let table = |name: &str| {
            readout
                .tables
                .iter()
                .find(|t| t.family == family && t.name == name)
                .unwrap()
        };
        let chain = |table: &'static str, name: &str| {
            table_chain(table_of(&readout.tables, family, table), name)
        };
        let filter = table("filter");
        assert_eq!(filter.chains[0].name, "INPUT");
        assert_eq!(filter.chains[0].hook, Some(1));
        assert_eq!(filter.chains[0].policy, Some(0));
        assert_eq!(table_chain(filter, "OUTPUT").policy, Some(1));
        let targets = |table: &'static str, name: &str| -> Vec<(LegacyTarget, bool)> {
            chain(table, name)
                .rules
                .iter()
                .map(|r| (r.target.clone(), r.unconditional_verdict))
                .collect()
        };
        let jump = |chain: &str, goto: bool| LegacyTarget::Jump {
            chain: chain.to_owned(),
            goto,
        };
        let accept = LegacyTarget::Verdict { code: 1 };
        let drop = LegacyTarget::Verdict { code: 0 };
        let mark = LegacyTarget::Extension {
            name: "MARK".to_owned(),
            revision: 2,
        };
        assert_eq!(
            targets("filter", "INPUT"),
            [
                (jump("UDPCOUNT", false), false),
                (jump("IN_UDP", false), false),
                (accept.clone(), false),
                (accept.clone(), false),
                (accept.clone(), false),
            ]
        );
        assert_eq!(
            targets("filter", "OUTPUT"),
            [(drop, false), (accept.clone(), true)]
        );
        assert_eq!(
            targets("filter", "UDPCOUNT"),
            [(LegacyTarget::Fallthrough, false)]
        );
        assert_eq!(
            targets("filter", "IN_UDP"),
            [
                (accept.clone(), false),
                (jump("IN_GOTO", true), false),
                (LegacyTarget::Return, true),
            ]
        );
        assert_eq!(
            targets("filter", "IN_GOTO"),
            [(mark.clone(), false), (accept, true)]
        );
        assert_eq!(
            targets("mangle", "MANG"),
            [(mark, false), (LegacyTarget::Return, true)]
        );
        assert_eq!(targets("nat", "OUTPUT"), [(jump("DNATS", true), false)]);
        assert_eq!(
            targets("raw", "PREROUTING")[1],
            (
                LegacyTarget::Extension {
                    name: "TRACE".to_owned(),
                    revision: 0
                },
                false
            )
        );
    }
}

fn table_of<'a>(tables: &'a [LegacyTable], family: u8, name: &str) -> &'a LegacyTable {
    tables
        .iter()
        .find(|t| t.family == family && t.name == name)
        .unwrap_or_else(|| panic!("no table {family} {name}"))
}

fn table_chain<'a>(table: &'a LegacyTable, name: &str) -> &'a nftrace::ruleset::model::LegacyChain {
    table
        .chains
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chain {name} in {}", table.name))
}

/// The lines of one `*table ... COMMIT` block of a save text.
fn table_block(text: &str, table: &str) -> Vec<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line == format!("*{table}") {
            inside = true;
        } else if line == "COMMIT" {
            inside = false;
        } else if inside {
            lines.push(line.to_owned());
        }
    }
    lines
}

/// A trace step from one `nftrace events --json` record: family and `table:chain:kind:N`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Step {
    family: u8,
    table: String,
    chain: String,
    kind: String,
    number: u32,
}

impl Step {
    fn of(record: &Value) -> Option<Step> {
        let trace = record.get("trace")?;
        Some(Step {
            family: match record["family"].as_str()? {
                "ip" => NFPROTO_IPV4,
                "ip6" => NFPROTO_IPV6,
                other => panic!("family {other}"),
            },
            table: trace["table"].as_str()?.to_owned(),
            chain: trace["chain"].as_str()?.to_owned(),
            kind: trace["kind"].as_str()?.to_owned(),
            number: u32::try_from(trace["number"].as_u64()?).ok()?,
        })
    }

    fn name(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.table, self.chain, self.kind, self.number
        )
    }

    fn trace_step(&self) -> TraceStep<'_> {
        TraceStep {
            table: &self.table,
            chain: &self.chain,
            kind: match self.kind.as_str() {
                "rule" => StepKind::Rule,
                "return" => StepKind::Return,
                "policy" => StepKind::Policy,
                other => panic!("kind {other}"),
            },
            number: self.number,
        }
    }
}

/// What a step resolved to, owned: kind, rule number, text and whether the kernel's word was
/// wrong; or why it did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolved {
    Rule {
        number: u32,
        text: String,
        relabelled: bool,
    },
    Policy {
        verdict: u32,
    },
    Return,
    Not(Unresolved),
}

fn owned(resolution: LegacyResolution<'_>) -> Resolved {
    match resolution {
        LegacyResolution::Rule {
            rule, relabelled, ..
        } => {
            assert_eq!(resolution.kind(), Some(LegacyEntryKind::Rule));
            Resolved::Rule {
                number: rule.number,
                text: rule
                    .text
                    .as_ref()
                    .map(|t| t.text.clone())
                    .unwrap_or_default(),
                relabelled,
            }
        }
        LegacyResolution::Policy { verdict, .. } => Resolved::Policy { verdict },
        LegacyResolution::Return { .. } => Resolved::Return,
        LegacyResolution::Unresolved(why) => Resolved::Not(why),
    }
}

fn rule(number: u32, text: &str) -> Resolved {
    Resolved::Rule {
        number,
        text: text.to_owned(),
        relabelled: false,
    }
}

fn relabelled(number: u32, text: &str) -> Resolved {
    Resolved::Rule {
        number,
        text: text.to_owned(),
        relabelled: true,
    }
}

fn udp_sink(ns: &Netns, addr: SocketAddr) -> UdpSocket {
    ns.run_in(|| UdpSocket::bind(addr).unwrap_or_else(|err| panic!("bind {addr}: {err}")))
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP address literal")
}

/// True once a step of the packet from `source` in `table:chain` has been seen.
fn seen(records: &[Value], source: SocketAddr, table_chain: &str) -> bool {
    records.iter().any(|r| {
        r["packet"]["src_port"] == source.port()
            && Step::of(r).is_some_and(|s| format!("{}:{}", s.table, s.chain) == table_chain)
    })
}

/// The steps of the UDP packet from `source`, in order.
fn steps_of(records: &[Value], source: SocketAddr) -> Vec<Step> {
    records
        .iter()
        .filter(|r| r["packet"]["protocol"] == "udp" && r["packet"]["src_port"] == source.port())
        .filter_map(Step::of)
        .collect()
}

/// Every step of real traffic resolves, and the steps below to exactly these entries.
#[test]
fn real_trace_steps_resolve_to_their_rules() {
    let ns = legacy_namespace("iptres");
    let _trace = install_legacy_trace(&ns);
    for loopback in [ip("127.0.0.1"), ip("::1")] {
        let v6 = loopback.is_ipv6();
        let family = if v6 { NFPROTO_IPV6 } else { NFPROTO_IPV4 };
        let mut cache = ns.run_in(|| LegacyCache::open(CachePolicy::default()).expect("open"));
        let _sinks = [PORT_ACCEPT, PORT_GOTO, PORT_DROP]
            .map(|port| udp_sink(&ns, SocketAddr::new(loopback, port)));
        let mut nftrace = Nftrace::events_json(&ns, &["--source", "nflog"]);
        let to = |port| SocketAddr::new(loopback, port);
        let accepted = send_udp(&ns, to(PORT_ACCEPT), 3);
        let dnat = send_udp(&ns, to(PORT_DNAT), 3);
        let dropped = send_udp(&ns, to(PORT_DROP), 3);
        tcp_connect(&ns, &ns, to(PORT_TCP));
        ping(&ns, loopback);
        let sentinel = send_udp(&ns, to(PORT_DROP), 1);
        nftrace.wait_for(|r| seen(r, sentinel, "filter:INPUT"), GUARD);
        let output = nftrace.stop();
        let records: Vec<Value> = output
            .json
            .into_iter()
            .filter(|r| Step::of(r).is_some_and(|s| s.family == family))
            .collect();
        assert!(!records.is_empty(), "no records: {}", output.stderr);

        // Every step of every packet resolves, and a rule step to a rule with text.
        let mut resolved: BTreeMap<String, Resolved> = BTreeMap::new();
        for record in &records {
            let step = Step::of(record).unwrap();
            let got = ns.run_in(|| owned(cache.resolve(family, &step.trace_step())));
            assert!(
                !matches!(got, Resolved::Not(_)),
                "{} ({family}) did not resolve: {got:?}",
                step.name()
            );
            if let Resolved::Rule { text, .. } = &got {
                assert!(text.starts_with("-A "), "{}: {got:?}", step.name());
            }
            // The snapshot without the cache says the same.
            let plain = owned(resolve_legacy(cache.tables(), family, &step.trace_step()));
            assert_eq!(plain, got, "{}", step.name());
            if let Some(previous) = resolved.insert(step.name(), got.clone()) {
                assert_eq!(previous, got, "{} resolved twice differently", step.name());
            }
        }
        let icmp = if v6 { "ipv6-icmp" } else { "icmp" };
        let dnat_to = if v6 { "[::1]:5003" } else { "127.0.0.1:5003" };
        let expected: Vec<(&str, Resolved)> =
            vec![
            ("filter:INPUT:rule:1", rule(1, "-A INPUT -p udp -j UDPCOUNT")),
            (
                "filter:UDPCOUNT:rule:1",
                rule(
                    1,
                    "-A UDPCOUNT -p udp -m udp --dport 5001 -m comment --comment \"count 5001\"",
                ),
            ),
            ("filter:UDPCOUNT:return:2", Resolved::Return),
            ("filter:INPUT:rule:2", rule(2, "-A INPUT -i lo -p udp -j IN_UDP")),
            (
                "filter:IN_UDP:rule:1",
                rule(1, "-A IN_UDP -p udp -m udp --dport 5001 -j ACCEPT"),
            ),
            (
                "filter:IN_UDP:rule:2",
                rule(2, "-A IN_UDP -p udp -m udp --dport 5003 -g IN_GOTO"),
            ),
            ("filter:IN_UDP:return:3", relabelled(3, "-A IN_UDP -j RETURN")),
            (
                "filter:IN_GOTO:rule:1",
                rule(1, "-A IN_GOTO -p udp -j MARK --set-xmark 0x5/0xffffffff"),
            ),
            ("filter:IN_GOTO:return:2", relabelled(2, "-A IN_GOTO -j ACCEPT")),
            ("filter:INPUT:policy:6", Resolved::Policy { verdict: 0 }),
            (
                "filter:INPUT:rule:3",
                rule(
                    3,
                    "-A INPUT -p tcp -m tcp --dport 8080 -m comment --comment \"web in\" -j ACCEPT",
                ),
            ),
            (
                "filter:INPUT:rule:4",
                rule(4, "-A INPUT -p tcp -m tcp --sport 8080 -j ACCEPT"),
            ),
            (
                "filter:INPUT:rule:5",
                rule(5, &format!("-A INPUT -p {icmp} -j ACCEPT")),
            ),
            ("filter:OUTPUT:policy:2", relabelled(2, "-A OUTPUT -j ACCEPT")),
            ("mangle:PREROUTING:rule:1", rule(1, "-A PREROUTING -p tcp -j MANG")),
            (
                "mangle:MANG:rule:1",
                rule(
                    1,
                    "-A MANG -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x7/0xffffffff",
                ),
            ),
            ("mangle:MANG:return:2", relabelled(2, "-A MANG -j RETURN")),
            (
                "mangle:OUTPUT:rule:1",
                rule(
                    1,
                    &format!("-A OUTPUT -p {icmp} -m comment --comment \"mangle icmp\""),
                ),
            ),
            ("mangle:OUTPUT:policy:2", Resolved::Policy { verdict: 1 }),
            ("nat:OUTPUT:rule:1", rule(1, "-A OUTPUT -p udp -g DNATS")),
            (
                "nat:DNATS:rule:1",
                rule(
                    1,
                    &format!(
                        "-A DNATS -p udp -m udp --dport 5002 -j DNAT --to-destination {dnat_to}"
                    ),
                ),
            ),
            (
                "nat:DNATS:rule:2",
                rule(2, "-A DNATS -m comment --comment \"nat fallthrough\""),
            ),
            ("nat:DNATS:return:3", Resolved::Return),
            (
                "raw:PREROUTING:rule:1",
                rule(1, "-A PREROUTING -p udp -m comment --comment \"raw udp\""),
            ),
            ("raw:PREROUTING:rule:2", rule(2, "-A PREROUTING -j TRACE")),
            ("raw:PREROUTING:policy:3", Resolved::Policy { verdict: 1 }),
            ("raw:OUTPUT:policy:3", Resolved::Policy { verdict: 1 }),
        ];
        for (step, want) in &expected {
            assert_eq!(
                resolved.get(*step),
                Some(want),
                "{step} ({family}); all: {resolved:#?}"
            );
        }

        // The paths of the three UDP packets in filter, step by step.
        let filter_path = |source| -> Vec<String> {
            steps_of(&records, source)
                .into_iter()
                .filter(|s| s.table == "filter")
                .map(|s| s.name())
                .collect()
        };
        assert_eq!(
            filter_path(accepted),
            [
                "filter:OUTPUT:policy:2",
                "filter:INPUT:rule:1",
                "filter:UDPCOUNT:rule:1",
                "filter:UDPCOUNT:return:2",
                "filter:INPUT:rule:2",
                "filter:IN_UDP:rule:1",
            ]
        );
        assert_eq!(
            filter_path(dnat),
            [
                "filter:OUTPUT:policy:2",
                "filter:INPUT:rule:1",
                "filter:UDPCOUNT:return:2",
                "filter:INPUT:rule:2",
                "filter:IN_UDP:rule:2",
                "filter:IN_GOTO:rule:1",
                "filter:IN_GOTO:return:2",
            ]
        );
        assert_eq!(
            filter_path(dropped),
            [
                "filter:OUTPUT:policy:2",
                "filter:INPUT:rule:1",
                "filter:UDPCOUNT:return:2",
                "filter:INPUT:rule:2",
                "filter:IN_UDP:return:3",
                "filter:INPUT:policy:6",
            ]
        );
        let stats = cache.stats();
        assert_eq!(stats.rereads, 0, "nothing changed: {stats:?}");
        assert_eq!(stats.errors, 0, "{stats:?}");
    }
}

/// Steps that do not fit the snapshot are unresolved, never another entry.
#[test]
fn steps_the_snapshot_lacks_are_not_in_ruleset() {
    let ns = legacy_namespace("iptmiss");
    let _trace = install_legacy_trace(&ns);
    let readout = ns.run_in(|| read_legacy(true).expect("read"));
    let tables = &readout.tables;
    let check = |family, table, chain, kind, number, want: Resolved| {
        let step = TraceStep {
            table,
            chain,
            kind,
            number,
        };
        assert_eq!(
            owned(resolve_legacy(tables, family, &step)),
            want,
            "{table}:{chain}:{kind:?}:{number}"
        );
    };
    use StepKind::{Policy, Return, Rule};
    check(
        NFPROTO_IPV4,
        "security",
        "INPUT",
        Rule,
        1,
        Resolved::Not(Unresolved::NoTable),
    );
    check(
        NFPROTO_IPV4,
        "filter",
        "NOPE",
        Rule,
        1,
        Resolved::Not(Unresolved::NoChain),
    );
    check(
        7,
        "filter",
        "INPUT",
        Rule,
        1,
        Resolved::Not(Unresolved::Family),
    );
    let no_entry = |rules| Resolved::Not(Unresolved::NoEntry { rules });
    check(NFPROTO_IPV4, "filter", "INPUT", Rule, 6, no_entry(5));
    check(NFPROTO_IPV4, "filter", "INPUT", Rule, 0, no_entry(5));
    check(NFPROTO_IPV4, "filter", "INPUT", Policy, 7, no_entry(5));
    check(NFPROTO_IPV4, "filter", "IN_UDP", Return, 5, no_entry(3));
    let contradiction = Resolved::Not(Unresolved::Contradiction);
    // `policy` in a user chain, `return` in a built-in one.
    check(
        NFPROTO_IPV4,
        "filter",
        "IN_UDP",
        Policy,
        4,
        contradiction.clone(),
    );
    check(
        NFPROTO_IPV4,
        "filter",
        "INPUT",
        Return,
        6,
        contradiction.clone(),
    );
    // `policy:1` on a conditional rule; `rule:2` on the explicit `-j ACCEPT`.
    check(
        NFPROTO_IPV4,
        "filter",
        "INPUT",
        Policy,
        1,
        contradiction.clone(),
    );
    check(NFPROTO_IPV4, "filter", "OUTPUT", Rule, 2, contradiction);
    // The real ones, for contrast.
    check(
        NFPROTO_IPV6,
        "filter",
        "OUTPUT",
        Policy,
        3,
        Resolved::Policy { verdict: 1 },
    );
    check(
        NFPROTO_IPV6,
        "filter",
        "IN_UDP",
        Return,
        4,
        Resolved::Return,
    );
}

/// Sends one UDP datagram to `port` on 127.0.0.1 with nftrace running, and returns the
/// steps of that packet once its filter INPUT path has ended.
fn traced_udp_steps(ns: &Netns, port: u16, last: &str) -> Vec<Step> {
    let mut nftrace = Nftrace::events_json(ns, &["--source", "nflog"]);
    let source = send_udp(ns, SocketAddr::new(ip("127.0.0.1"), port), 2);
    nftrace.wait_for(
        |records| {
            records.iter().any(|r| {
                r["packet"]["src_port"] == source.port()
                    && Step::of(r).is_some_and(|s| s.name().starts_with(last))
            })
        },
        GUARD,
    );
    let output = nftrace.stop();
    steps_of(&output.json, source)
}

/// Resolves the filter steps of `steps`: `name -> resolution`.
fn resolve_filter(ns: &Netns, cache: &mut LegacyCache, steps: &[Step]) -> Vec<(String, Resolved)> {
    steps
        .iter()
        .filter(|s| s.table == "filter")
        .map(|s| {
            let got = ns.run_in(|| owned(cache.resolve(s.family, &s.trace_step())));
            (s.name(), got)
        })
        .collect()
}

fn find<'a>(resolved: &'a [(String, Resolved)], step: &str) -> &'a Resolved {
    resolved
        .iter()
        .find(|(name, _)| name == step)
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("no step {step} in {resolved:#?}"))
}

/// The cache follows `-I` above a rule, `-R`, `-D` and `-F`: each new packet's steps
/// resolve to the table as it is now.
#[test]
fn cache_follows_insert_replace_delete_flush() {
    let ns = legacy_namespace("iptcache");
    let _trace = install_legacy_trace(&ns);
    let _sink = udp_sink(&ns, SocketAddr::new(ip("127.0.0.1"), PORT_ACCEPT));
    // Checks at every step, re-reads whenever they are due: deterministic for the test.
    let policy = CachePolicy {
        info_interval: Duration::ZERO,
        verify_interval: Duration::ZERO,
        reread_interval: Duration::ZERO,
        texts: true,
    };
    let mut cache = ns.run_in(|| LegacyCache::open(policy).expect("open"));
    let accept_line = "-A IN_UDP -p udp -m udp --dport 5001 -j ACCEPT";

    let steps = traced_udp_steps(&ns, PORT_ACCEPT, "filter:IN_UDP:rule:1");
    let resolved = resolve_filter(&ns, &mut cache, &steps);
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:1"),
        &rule(1, accept_line)
    );
    assert_eq!(cache.stats().rereads, 0);

    // Insert above: the ACCEPT becomes rule 2.
    ns.exec(&[
        "iptables-legacy",
        "-w",
        "-I",
        "IN_UDP",
        "1",
        "-p",
        "udp",
        "-m",
        "comment",
        "--comment",
        "inserted",
    ]);
    let steps = traced_udp_steps(&ns, PORT_ACCEPT, "filter:IN_UDP:rule:2");
    let resolved = resolve_filter(&ns, &mut cache, &steps);
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:1"),
        &rule(1, "-A IN_UDP -p udp -m comment --comment inserted")
    );
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:2"),
        &rule(2, accept_line)
    );
    assert_eq!(cache.stats().rereads, 1, "{:?}", cache.stats());

    // Replace rule 1 by one of the same size (only the comment differs): entry count and
    // blob size stay, the comparison of the entries sees it.
    ns.exec(&[
        "iptables-legacy",
        "-w",
        "-R",
        "IN_UDP",
        "1",
        "-p",
        "udp",
        "-m",
        "comment",
        "--comment",
        "replaced",
    ]);
    let steps = traced_udp_steps(&ns, PORT_ACCEPT, "filter:IN_UDP:rule:2");
    let resolved = resolve_filter(&ns, &mut cache, &steps);
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:1"),
        &rule(1, "-A IN_UDP -p udp -m comment --comment replaced")
    );
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:2"),
        &rule(2, accept_line)
    );
    assert_eq!(cache.stats().rereads, 2, "{:?}", cache.stats());

    // Delete it again: the ACCEPT is rule 1 once more.
    ns.exec(&["iptables-legacy", "-w", "-D", "IN_UDP", "1"]);
    let steps = traced_udp_steps(&ns, PORT_ACCEPT, "filter:IN_UDP:rule:1");
    let resolved = resolve_filter(&ns, &mut cache, &steps);
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:1"),
        &rule(1, accept_line)
    );
    assert_eq!(cache.stats().rereads, 3, "{:?}", cache.stats());

    // Flush the chain: the packet returns at once (`return:1`, the implicit return) and
    // meets the INPUT policy.
    ns.exec(&["iptables-legacy", "-w", "-F", "IN_UDP"]);
    let steps = traced_udp_steps(&ns, PORT_ACCEPT, "filter:INPUT:policy");
    let resolved = resolve_filter(&ns, &mut cache, &steps);
    assert_eq!(find(&resolved, "filter:IN_UDP:return:1"), &Resolved::Return);
    assert_eq!(
        find(&resolved, "filter:INPUT:policy:6"),
        &Resolved::Policy { verdict: 0 }
    );
    assert!(
        resolved.iter().all(|(_, r)| !matches!(r, Resolved::Not(_))),
        "{resolved:#?}"
    );
    assert_eq!(cache.stats().rereads, 4, "{:?}", cache.stats());
    let in_udp = table_chain(table_of(cache.tables(), NFPROTO_IPV4, "filter"), "IN_UDP");
    assert!(in_udp.rules.is_empty());
}

/// With re-reads held back, a step of a table that changed is "stale": never the rule the
/// old snapshot has at that number.
#[test]
fn a_changed_table_that_cannot_be_reread_yet_is_stale() {
    let ns = legacy_namespace("iptstale");
    let _trace = install_legacy_trace(&ns);
    let _sink = udp_sink(&ns, SocketAddr::new(ip("127.0.0.1"), PORT_ACCEPT));
    let policy = CachePolicy {
        info_interval: Duration::ZERO,
        verify_interval: Duration::from_secs(3600),
        reread_interval: Duration::from_secs(3600),
        texts: true,
    };
    let mut cache = ns.run_in(|| LegacyCache::open(policy).expect("open"));
    ns.exec(&[
        "iptables-legacy",
        "-w",
        "-I",
        "IN_UDP",
        "1",
        "-p",
        "udp",
        "-m",
        "comment",
        "--comment",
        "inserted",
    ]);
    let steps = traced_udp_steps(&ns, PORT_ACCEPT, "filter:IN_UDP:rule:2");
    let resolved = resolve_filter(&ns, &mut cache, &steps);
    // The old snapshot's rule 1 is the ACCEPT: the step must not resolve to it.
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:1"),
        &Resolved::Not(Unresolved::Stale)
    );
    assert_eq!(
        find(&resolved, "filter:IN_UDP:rule:2"),
        &Resolved::Not(Unresolved::Stale)
    );
    let stats = cache.stats();
    assert_eq!(stats.rereads, 0, "{stats:?}");
    assert!(stats.stale_steps >= 2, "{stats:?}");
    // A full refresh brings it back.
    ns.run_in(|| cache.refresh().expect("refresh"));
    let step = TraceStep {
        table: "filter",
        chain: "IN_UDP",
        kind: StepKind::Rule,
        number: 2,
    };
    assert_eq!(
        ns.run_in(|| owned(cache.resolve(NFPROTO_IPV4, &step))),
        rule(2, "-A IN_UDP -p udp -m udp --dport 5001 -j ACCEPT")
    );
}

/// Reading does not change anything: no table appears that was not there (the kernel creates
/// a missing table when asked for it), and the rules stay as they were.
#[test]
fn reading_creates_no_table() {
    let ns = Netns::new("iptnone");
    let readout = ns.run_in(|| read_legacy(true).expect("read"));
    assert!(readout.tables.is_empty(), "{readout:?}");
    let cache = ns.run_in(|| LegacyCache::open(CachePolicy::default()).expect("open"));
    assert!(cache.tables().is_empty());
    for file in ["ip_tables_names", "ip6_tables_names"] {
        let names = stdout(&ns, &["cat", &format!("/proc/net/{file}")]);
        assert_eq!(names, "", "{file}");
    }
    // Only filter exists: nat and the others stay absent.
    ns.exec(&["iptables-legacy", "-w", "-A", "INPUT", "-j", "ACCEPT"]);
    let before = snapshot(&ns);
    let readout = ns.run_in(|| read_legacy(true).expect("read"));
    let names: Vec<(u8, &str)> = readout
        .tables
        .iter()
        .map(|t| (t.family, t.name.as_str()))
        .collect();
    assert_eq!(names, [(NFPROTO_IPV4, "filter")]);
    assert_eq!(snapshot(&ns), before);
    assert_eq!(
        stdout(&ns, &["cat", "/proc/net/ip_tables_names"]).trim(),
        "filter"
    );
}

/// An iptables-nft table beside the legacy ones: the nf_tables dump's table is recognised as
/// iptables-nft's, and each rule gets the `iptables-nft-save` line at its position. A native
/// table with an iptables name that iptables-nft-save shows wrongly is not taken for one.
#[test]
fn iptables_nft_tables_get_their_save_lines() {
    let ns = legacy_namespace("iptnft");
    let _trace = install_legacy_trace(&ns);
    for (tool, icmp) in [("iptables-nft", "icmp"), ("ip6tables-nft", "ipv6-icmp")] {
        for rule in [
            &["-N", "NFTCHAIN"][..],
            &["-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"],
            &[
                "-A",
                "INPUT",
                "-p",
                icmp,
                "-m",
                "comment",
                "--comment",
                "nft icmp",
                "-j",
                "NFTCHAIN",
            ],
            &[
                "-A", "NFTCHAIN", "-m", "mark", "--mark", "0x3/0xff", "-j", "RETURN",
            ],
            &["-A", "NFTCHAIN", "-j", "ACCEPT"],
            &["-A", "OUTPUT", "-o", "lo", "-g", "NFTCHAIN"],
            &[
                "-t",
                "mangle",
                "-A",
                "PREROUTING",
                "-p",
                "udp",
                "-j",
                "MARK",
                "--set-mark",
                "4",
            ],
        ] {
            let mut args = vec![tool, "-w"];
            args.extend_from_slice(rule);
            ns.exec(&args);
        }
    }
    // A native nft table named like an iptables table, whose set lookup iptables-nft-save
    // would print as a bare `-j ACCEPT`.
    ns.nft(
        "table ip raw {\n\
         \tset s { type ipv4_addr; }\n\
         \tchain c1 { ip saddr @s accept; }\n\
         }\n",
    );
    let mut ruleset = ns.run_in(|| nftrace::ruleset::nft::dump().expect("dump"));
    let statuses = ns.run_in(|| attach_iptables_nft_texts(&mut ruleset).expect("attach"));
    for (family, tool) in [
        (NFPROTO_IPV4, "iptables-nft-save"),
        (NFPROTO_IPV6, "ip6tables-nft-save"),
    ] {
        let text = stdout(&ns, &[tool]);
        for name in ["filter", "mangle"] {
            let status = statuses
                .iter()
                .find(|s| s.family == family && s.table == name)
                .unwrap_or_else(|| panic!("no status for {family} {name}: {statuses:?}"));
            assert_eq!(status.outcome, NftCompat::Attached, "{status:?}\n{text}");
            let table = ruleset
                .tables
                .iter()
                .find(|t| t.family == family && t.name == name)
                .unwrap();
            assert!(table.iptables_nft, "{family} {name}");
            let block = table_block(&text, name);
            for chain in &table.chains {
                let lines: Vec<&str> = block
                    .iter()
                    .filter(|l| l.starts_with(&format!("-A {} ", chain.name)))
                    .map(String::as_str)
                    .collect();
                let texts: Vec<&str> = chain
                    .rules
                    .iter()
                    .map(|r| {
                        let text = r.text.as_ref().expect("a text");
                        assert_eq!(text.source, TextSource::IptablesNftSave);
                        text.text.as_str()
                    })
                    .collect();
                assert_eq!(texts, lines, "{tool} {name} {}", chain.name);
                assert!(!texts.is_empty() || chain.rules.is_empty());
            }
        }
        let filter = ruleset
            .tables
            .iter()
            .find(|t| t.family == family && t.name == "filter")
            .unwrap();
        let nftchain = filter.chains.iter().find(|c| c.name == "NFTCHAIN").unwrap();
        let texts: Vec<&str> = nftchain
            .rules
            .iter()
            .map(|r| r.text.as_ref().unwrap().text.as_str())
            .collect();
        let mark = "-A NFTCHAIN -m mark --mark 0x3/0xff -j RETURN";
        assert_eq!(texts, [mark, "-A NFTCHAIN -j ACCEPT"]);
    }
    let raw = statuses
        .iter()
        .find(|s| s.family == NFPROTO_IPV4 && s.table == "raw")
        .expect("a decision about ip raw");
    assert!(
        matches!(raw.outcome, NftCompat::ForeignRule { .. }),
        "{raw:?}"
    );
    let raw_table = ruleset
        .tables
        .iter()
        .find(|t| t.family == NFPROTO_IPV4 && t.name == "raw")
        .unwrap();
    assert!(!raw_table.iptables_nft);
    assert!(raw_table.chains[0].rules[0]
        .text
        .as_ref()
        .is_none_or(|t| t.source != TextSource::IptablesNftSave));

    // The legacy tables in the same namespace are untouched by all this.
    let readout = ns.run_in(|| read_legacy(true).expect("read"));
    assert!(readout
        .texts
        .iter()
        .all(|t| t.outcome == TextOutcome::Attached));
    assert_eq!(
        table_chain(table_of(&readout.tables, NFPROTO_IPV4, "filter"), "INPUT")
            .rules
            .len(),
        5
    );
}
