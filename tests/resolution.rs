//! Rule resolution end to end: what `nftrace events`, `nftrace ruleset` and `nftrace hooks`
//! say about a host's ruleset, checked against the tools that wrote it.
//!
//! The reference for every text and number is the tool itself, read in the test's own
//! namespace: `nft -s -a list ruleset` (rule positions and texts; `-s` as nftrace runs it,
//! so counters print bare), `nft -j list ruleset` (handles, hooks, priorities, policies,
//! comments), `iptables-nft-save` / `ip6tables-nft-save` (the `-A` lines of iptables-nft's
//! tables) and `iptables-legacy-save` / `ip6tables-legacy-save` (legacy chains, policies and
//! `-A` lines). The parsers here are the test's own, not nftrace's.
//!
//! - A hybrid host — native nft tables (inet and ip6, jump, goto, return, comments, an
//!   explicit catch-all `accept`), iptables-nft tables and iptables-legacy tables, each with
//!   user chains, for IPv4 and IPv6 — traced with UDP, TCP and ICMP: every step resolves to
//!   its tool's text at the tool's position, and interfaces to names.
//! - Changes while tracing (nft insert above, replace, delete and add, table flush, a rule
//!   added and hit before nftrace asks nft again; iptables-legacy `-I`, `-R`, `-D`, `-F`,
//!   `-A`): each packet sent after a change resolves to the ruleset as it is then.
//! - `nftrace ruleset` (JSON, `--no-nft`, text) against the tools; `nftrace hooks` for the
//!   output hook of family ip against the base chains and legacy tables that exist. Both
//!   refuse to run without CAP_NET_ADMIN, in one line.
//!
//! Needs root; everything happens in namespaces the tests create.

mod common;

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::*;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The hybrid ruleset.

/// The native nf_tables part of the hybrid host. UDP 7001 jumps to `sub` (mark, explicit
/// `return`) and comes back to the catch-all `accept`; UDP 7002 goes to `gto` (never comes
/// back); TCP 7003 and ICMP have their own accept rules; everything else meets the explicit
/// catch-all `accept` at the end of `input`. The ip6 table adds a rule with an anonymous set
/// and a comment for IPv6 only.
const HYBRID_NFT: &str = "\
table inet hybrid {
	chain sub {
		udp dport 7001 meta mark set 0x00000011 comment \"sub mark\"
		return
	}
	chain gto {
		meta mark set meta mark | 0x00000100
		accept
	}
	chain input {
		type filter hook input priority 10; policy accept;
		udp dport 7001 jump sub
		udp dport 7002 goto gto
		tcp dport 7003 accept comment \"tcp in\"
		meta l4proto { icmp, ipv6-icmp } counter accept
		accept
	}
	chain output {
		type filter hook output priority 10; policy accept;
		oifname \"lo\" counter
	}
}
table ip6 hybrid6 {
	chain input {
		type filter hook input priority 20; policy accept;
		ip6 saddr ::1 udp dport { 7001, 7002 } counter comment \"v6 udp\"
		ip6 nexthdr tcp accept
	}
}
";

/// The iptables-nft rules (for `iptables-nft` and `ip6tables-nft`): a user chain the UDP
/// packets jump to (a MARK for 7001, an explicit `-j RETURN`), a commented TCP accept, an
/// output accept on lo.
const HYBRID_IPTABLES_NFT: &[&[&str]] = &[
    &["-N", "NFTUSER"],
    &["-A", "INPUT", "-p", "udp", "-j", "NFTUSER"],
    &[
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "7003",
        "-m",
        "comment",
        "--comment",
        "nft tcp",
        "-j",
        "ACCEPT",
    ],
    &[
        "-A",
        "NFTUSER",
        "-p",
        "udp",
        "--dport",
        "7001",
        "-j",
        "MARK",
        "--set-mark",
        "0x21",
    ],
    &["-A", "NFTUSER", "-j", "RETURN"],
    &["-A", "OUTPUT", "-o", "lo", "-j", "ACCEPT"],
];

/// The iptables-legacy rules (for `iptables-legacy` and `ip6tables-legacy`), before the
/// harness's raw TRACE rules:
///
/// ```text
/// filter INPUT  1 -p udp -j LEGUSER
///               2 -p tcp -j LEGTCP
///               3 -p tcp --dport 7003 -j ACCEPT
///               (policy:4, ACCEPT)
///        OUTPUT 1 -p tcp --dport 9 -j DROP
///               2 -j ACCEPT           explicit: the kernel says policy:2
///        LEGUSER 1 -p udp --dport 7002 -j ACCEPT
///                2 -j RETURN          explicit: the kernel says return:2
///        LEGTCP 1 -p tcp --dport 9 -j DROP
///               (return:2, implicit)
/// ```
const HYBRID_LEGACY: &[&[&str]] = &[
    &["-N", "LEGUSER"],
    &["-N", "LEGTCP"],
    &["-A", "INPUT", "-p", "udp", "-j", "LEGUSER"],
    &["-A", "INPUT", "-p", "tcp", "-j", "LEGTCP"],
    &[
        "-A", "INPUT", "-p", "tcp", "--dport", "7003", "-j", "ACCEPT",
    ],
    &["-A", "OUTPUT", "-p", "tcp", "--dport", "9", "-j", "DROP"],
    &["-A", "OUTPUT", "-j", "ACCEPT"],
    &[
        "-A", "LEGUSER", "-p", "udp", "--dport", "7002", "-j", "ACCEPT",
    ],
    &["-A", "LEGUSER", "-j", "RETURN"],
    &["-A", "LEGTCP", "-p", "tcp", "--dport", "9", "-j", "DROP"],
];

/// The nf_tables tables iptables-nft made in the hybrid namespace: (family, table).
const IPTABLES_NFT_TABLES: [(&str, &str); 2] = [("ip", "filter"), ("ip6", "filter")];

/// UDP ports of the hybrid traffic: jump, goto, neither (the catch-all), the sentinel.
const PORT_JUMP: u16 = 7001;
const PORT_GOTO: u16 = 7002;
const PORT_TCP: u16 = 7003;
const PORT_OTHER: u16 = 7005;
const PORT_SENTINEL: u16 = 7009;

/// Runs `TOOL -w ARGS…` for each rule.
fn run_rules(ns: &Netns, tool: &str, rules: &[&[&str]]) {
    for rule in rules {
        let mut args = vec![tool, "-w"];
        args.extend_from_slice(rule);
        ns.exec(&args);
    }
}

/// Loads the whole hybrid ruleset (without trace triggers).
fn install_hybrid(ns: &Netns) {
    ns.nft(HYBRID_NFT);
    for tool in ["iptables-nft", "ip6tables-nft"] {
        run_rules(ns, tool, HYBRID_IPTABLES_NFT);
    }
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        run_rules(ns, tool, HYBRID_LEGACY);
    }
}

// ---------------------------------------------------------------------------------------------
// The tools' view, parsed here.

fn stdout(ns: &Netns, args: &[&str]) -> String {
    String::from_utf8_lossy(&ns.exec(args).stdout).into_owned()
}

/// A rule of `nft -s -a list ruleset`: its 1-based position in its chain and its text (the
/// line without indentation and without ` # handle N`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NftRuleRef {
    number: u32,
    text: String,
}

/// (family, table, chain, handle), families as nft spells them.
type RuleKey = (String, String, String, u64);

/// Every rule of `nft -s -a list ruleset`. Rules are the lines inside a `chain NAME {` block
/// that end in `# handle N`; other blocks (sets, maps, ...) are skipped.
fn nft_listing(ns: &Netns) -> BTreeMap<RuleKey, NftRuleRef> {
    let listing = stdout(ns, &["nft", "-s", "-a", "list", "ruleset"]);
    let mut rules = BTreeMap::new();
    let mut table: Option<(String, String)> = None;
    let mut chain: Option<String> = None;
    let mut number = 0;
    for line in listing.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"table") && line.ends_with(|c: char| c.is_ascii_digit()) {
            table = Some((words[1].to_owned(), words[2].to_owned()));
            chain = None;
        } else if words.first() == Some(&"chain") && line.contains("{ # handle ") {
            chain = Some(words[1].to_owned());
            number = 0;
        } else if line == "}" || line.contains("{ # handle ") {
            // The end of a chain (or of a set, or the table), or another block.
            chain = None;
        } else if let (Some((family, table)), Some(chain)) = (&table, &chain) {
            if let Some((text, handle)) = line.rsplit_once(" # handle ") {
                number += 1;
                let handle: u64 = handle.parse().expect("a numeric rule handle");
                rules.insert(
                    (family.clone(), table.clone(), chain.clone(), handle),
                    NftRuleRef {
                        number,
                        text: text.to_owned(),
                    },
                );
            }
        }
    }
    assert!(!rules.is_empty(), "no rules in:\n{listing}");
    rules
}

/// The rules of one chain of [`nft_listing`], in order: (handle, text).
fn chain_rules(
    listing: &BTreeMap<RuleKey, NftRuleRef>,
    family: &str,
    table: &str,
    chain: &str,
) -> Vec<(u64, String)> {
    let mut rules: Vec<(u32, u64, String)> = listing
        .iter()
        .filter(|((f, t, c, _), _)| f == family && t == table && c == chain)
        .map(|((.., handle), rule)| (rule.number, *handle, rule.text.clone()))
        .collect();
    rules.sort();
    rules.into_iter().map(|(_, h, text)| (h, text)).collect()
}

/// `nft -j list ruleset`'s objects of one kind (`table`, `chain`, `rule`), in order.
fn nft_json(ns: &Netns, kind: &str) -> Vec<Value> {
    let text = stdout(ns, &["nft", "-j", "list", "ruleset"]);
    let document: Value = serde_json::from_str(&text).expect("nft -j prints JSON");
    document["nftables"]
        .as_array()
        .expect("an nftables array")
        .iter()
        .filter_map(|object| object.get(kind).cloned())
        .collect()
}

/// One chain of a `*-save` text: policy (`ACCEPT`, `DROP`; none for a user chain) and its
/// `-A` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SavedChain {
    name: String,
    policy: Option<String>,
    rules: Vec<String>,
}

/// One `*table` block of a `*-save` text, its chains in the order of their `:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SavedTable {
    name: String,
    chains: Vec<SavedChain>,
}

fn parse_save(text: &str) -> Vec<SavedTable> {
    let mut tables: Vec<SavedTable> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            tables.push(SavedTable {
                name: name.to_owned(),
                chains: Vec::new(),
            });
        } else if let Some(chain) = line.strip_prefix(':') {
            let words: Vec<&str> = chain.split(' ').collect();
            let table = tables.last_mut().expect("a chain inside a table");
            table.chains.push(SavedChain {
                name: words[0].to_owned(),
                policy: (words[1] != "-").then(|| words[1].to_owned()),
                rules: Vec::new(),
            });
        } else if let Some(rule) = line.strip_prefix("-A ") {
            let name = rule.split(' ').next().expect("a chain name");
            let table = tables.last_mut().expect("a rule inside a table");
            let chain = table
                .chains
                .iter_mut()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("`{line}` names no declared chain"));
            chain.rules.push(line.to_owned());
        }
    }
    tables
}

/// A namespace's `*-save` texts, by nft family name (`ip`, `ip6`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Saves(BTreeMap<String, Vec<SavedTable>>);

impl Saves {
    /// Runs `iptables-SUFFIX-save` and `ip6tables-SUFFIX-save` (`legacy` or `nft`).
    fn read(ns: &Netns, suffix: &str) -> Saves {
        let mut saves = BTreeMap::new();
        for (family, tool) in [("ip", "iptables"), ("ip6", "ip6tables")] {
            let text = stdout(ns, &[&format!("{tool}-{suffix}-save")]);
            saves.insert(family.to_owned(), parse_save(&text));
        }
        Saves(saves)
    }

    fn chain(&self, family: &str, table: &str, chain: &str) -> Option<&SavedChain> {
        self.0
            .get(family)?
            .iter()
            .find(|t| t.name == table)?
            .chains
            .iter()
            .find(|c| c.name == chain)
    }
}

// ---------------------------------------------------------------------------------------------
// Checking events.

/// What the checks saw, so that no category passes vacuously.
#[derive(Debug, Default)]
struct Seen {
    nft_native_rules: usize,
    nft_iptables_nft_rules: usize,
    nft_policies: usize,
    nft_chain_ends: usize,
    legacy_rules: BTreeMap<String, usize>,
    legacy_policies: usize,
    legacy_returns: usize,
    legacy_relabelled_policy: usize,
    legacy_relabelled_return: usize,
    ifnames: BTreeMap<&'static str, usize>,
}

/// The reference an nf_tables event is checked against.
struct NftReference<'a> {
    listing: &'a BTreeMap<RuleKey, NftRuleRef>,
    /// `iptables-nft-save` texts (for the tables in `iptables_nft`).
    nft_saves: Option<&'a Saves>,
    iptables_nft: &'a [(&'a str, &'a str)],
    /// (family, table, chain) → policy, from `nft -j`.
    policies: BTreeMap<(String, String, String), String>,
}

impl<'a> NftReference<'a> {
    fn new(
        ns: &Netns,
        listing: &'a BTreeMap<RuleKey, NftRuleRef>,
        nft_saves: Option<&'a Saves>,
        iptables_nft: &'a [(&'a str, &'a str)],
    ) -> Self {
        let policies = nft_json(ns, "chain")
            .iter()
            .filter_map(|chain| {
                let text = |key: &str| chain[key].as_str().map(str::to_owned);
                Some((
                    (text("family")?, text("table")?, text("name")?),
                    text("policy")?,
                ))
            })
            .collect();
        NftReference {
            listing,
            nft_saves,
            iptables_nft,
            policies,
        }
    }

    fn is_iptables_nft(&self, family: &str, table: &str) -> bool {
        self.iptables_nft.contains(&(family, table))
    }
}

fn text_of(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or("?").to_owned()
}

/// Checks one nf_tables event's resolution against `reference`; each mismatch becomes a line
/// of `failures`.
fn check_nft_event(
    event: &Value,
    reference: &NftReference<'_>,
    seen: &mut Seen,
    failures: &mut Vec<String>,
) {
    let (family, table, chain) = (
        text_of(event, "family"),
        text_of(event, "table"),
        text_of(event, "chain"),
    );
    let resolved = &event["resolved"];
    let mut fail = |what: String| failures.push(format!("{what}: {event}"));
    if resolved.get("deleted").is_some() || resolved.get("reason").is_some() {
        fail("deleted or unresolved in a ruleset that did not change".into());
    }
    match (event["type"].as_str(), event["handle"].as_u64()) {
        (_, Some(handle)) => {
            let key = (family.clone(), table.clone(), chain.clone(), handle);
            let Some(reference_rule) = reference.listing.get(&key) else {
                fail(format!("handle {handle} is not in nft's listing"));
                return;
            };
            if resolved["kind"] != "rule" {
                fail("kind is not rule".into());
            }
            if resolved["rule_number"] != reference_rule.number {
                fail(format!(
                    "rule_number is not nft's position {}",
                    reference_rule.number
                ));
            }
            if reference.is_iptables_nft(&family, &table) {
                seen.nft_iptables_nft_rules += 1;
                let line = reference
                    .nft_saves
                    .and_then(|saves| saves.chain(&family, &table, &chain))
                    .and_then(|c| c.rules.get(reference_rule.number as usize - 1));
                match line {
                    Some(line) if resolved["rule"] == line.as_str() => {}
                    other => fail(format!("rule text is not the save line {other:?}")),
                }
                if resolved["source"] != "iptables-nft-save" {
                    fail("source is not iptables-nft-save".into());
                }
            } else {
                seen.nft_native_rules += 1;
                if resolved["rule"] != reference_rule.text.as_str() {
                    fail(format!("rule text is not nft's `{}`", reference_rule.text));
                }
                if resolved["source"] != "nft" {
                    fail("source is not nft".into());
                }
            }
        }
        (Some("policy"), None) => {
            seen.nft_policies += 1;
            if resolved["kind"] != "policy" {
                fail("a policy event did not resolve to kind policy".into());
            }
            let policy = reference.policies.get(&(family, table, chain));
            if event["policy"]["kind"].as_str() != policy.map(String::as_str) {
                fail(format!("policy is not the chain's {policy:?}"));
            }
        }
        (_, None) => {
            seen.nft_chain_ends += 1;
            if resolved["kind"] != "return" {
                fail("a handle-less rule event did not resolve to kind return".into());
            }
        }
    }
}

/// Checks an interface index/name pair: where the index is there, the name is `lo`; where it
/// is not, there is no name either.
fn check_ifname(
    event: &Value,
    index: &str,
    name: &'static str,
    seen: &mut Seen,
    failures: &mut Vec<String>,
) {
    match (event.get(index), event.get(name)) {
        (Some(_), Some(value)) if value == "lo" => *seen.ifnames.entry(name).or_default() += 1,
        (None, None) => {}
        _ => failures.push(format!("{index}/{name} is not lo: {event}")),
    }
}

/// `table:chain:kind:N` of an nflog TRACE record.
fn legacy_step_name(record: &Value) -> String {
    let trace = &record["trace"];
    format!(
        "{}:{}:{}:{}",
        text_of(trace, "table"),
        text_of(trace, "chain"),
        text_of(trace, "kind"),
        trace["number"]
    )
}

/// Checks one iptables-legacy TRACE record's resolution against the `*-legacy-save` texts:
/// `rule:N` is the N-th `-A` line; `policy:N` / `return:N` are the chain's policy / end when
/// N is one past the last rule, and otherwise the N-th rule, relabelled.
fn check_legacy_record(record: &Value, saves: &Saves, seen: &mut Seen, failures: &mut Vec<String>) {
    let trace = &record["trace"];
    let resolved = &record["resolved"];
    let family = text_of(record, "family");
    let (table, chain, kind) = (
        text_of(trace, "table"),
        text_of(trace, "chain"),
        text_of(trace, "kind"),
    );
    let mut fail = |what: String| failures.push(format!("{what}: {record}"));
    let Some(number) = trace["number"].as_u64().map(|n| n as usize) else {
        fail("not a TRACE record".into());
        return;
    };
    let Some(saved) = saves.chain(&family, &table, &chain) else {
        fail("no such chain in the save text".into());
        return;
    };
    if resolved.get("reason").is_some() || resolved.get("deleted").is_some() {
        fail("unresolved".into());
    }
    let rule_line = number.checked_sub(1).and_then(|i| saved.rules.get(i));
    let expect_rule = |relabelled: bool, fail: &mut dyn FnMut(String)| {
        let Some(line) = rule_line else {
            fail(format!("the save text has no rule {number}"));
            return;
        };
        if resolved["kind"] != "rule"
            || resolved["rule_number"] != number
            || resolved["rule"] != line.as_str()
            || resolved["source"] != "iptables-legacy-save"
            || resolved.get("relabelled").is_some() != relabelled
        {
            fail(format!(
                "expected rule {number} `{line}` (relabelled: {relabelled})"
            ));
        }
    };
    match (kind.as_str(), rule_line) {
        ("rule", _) => {
            *seen.legacy_rules.entry(family.clone()).or_default() += 1;
            expect_rule(false, &mut fail);
        }
        ("policy", Some(_)) => {
            seen.legacy_relabelled_policy += 1;
            expect_rule(true, &mut fail);
        }
        ("return", Some(_)) => {
            seen.legacy_relabelled_return += 1;
            expect_rule(true, &mut fail);
        }
        ("policy", None) => {
            seen.legacy_policies += 1;
            let policy = saved.policy.as_deref().map(str::to_lowercase);
            if number != saved.rules.len() + 1
                || resolved["kind"] != "policy"
                || resolved["policy"].as_str() != policy.as_deref()
                || resolved.get("rule").is_some()
            {
                fail(format!("expected the chain's policy {policy:?}"));
            }
        }
        ("return", None) => {
            seen.legacy_returns += 1;
            if number != saved.rules.len() + 1
                || resolved["kind"] != "return"
                || resolved.get("rule").is_some()
            {
                fail("expected the chain's end".into());
            }
        }
        _ => fail(format!("unexpected kind {kind}")),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The hybrid host.

/// Native nft, iptables-nft and iptables-legacy side by side, IPv4 and IPv6, UDP (jump, goto,
/// catch-all), TCP and ICMP: every nf_tables step with a handle resolves to the rule at nft's
/// position with nft's text (iptables-nft tables: the save line at that position), every
/// handle-less one to a chain end or the chain's policy; every legacy TRACE step to the save
/// line, the chain's policy or its end, and the explicit unconditional rules the kernel calls
/// `policy:N`/`return:N` to themselves, relabelled; every interface to `lo`.
#[test]
fn hybrid_host_every_step_resolves_with_its_tools_text() {
    let ns = Netns::new("hybrid");
    install_hybrid(&ns);
    install_nft_trace(&ns, TraceFamily::Both);
    let _legacy_trace = install_legacy_trace(&ns);
    let listing = nft_listing(&ns);
    let nft_saves = Saves::read(&ns, "nft");
    let legacy_saves = Saves::read(&ns, "legacy");
    let reference = NftReference::new(&ns, &listing, Some(&nft_saves), &IPTABLES_NFT_TABLES);

    let loopbacks = [ip("127.0.0.1"), ip("::1")];
    let _sinks: Vec<UdpSocket> = loopbacks
        .iter()
        .flat_map(|&lo| {
            [PORT_JUMP, PORT_GOTO, PORT_OTHER, PORT_SENTINEL]
                .map(|port| udp_sink(&ns, SocketAddr::new(lo, port)))
        })
        .collect();
    let mut nftrace = Nftrace::events_json(&ns, &[]);
    for &lo in &loopbacks {
        for port in [PORT_JUMP, PORT_GOTO, PORT_OTHER] {
            send_udp(&ns, SocketAddr::new(lo, port), 8);
        }
        tcp_connect(&ns, &ns, SocketAddr::new(lo, PORT_TCP));
        ping(&ns, lo);
    }
    // Last: its final steps on both sources say everything before it has arrived.
    let sentinel = send_udp(&ns, SocketAddr::new(ip("::1"), PORT_SENTINEL), 1);
    let sentinel_seen = nftrace.wait_for(
        |events| {
            let of_sentinel = |e: &&Value| e["packet"]["src_port"] == sentinel.port();
            let nft = events
                .iter()
                .filter(of_sentinel)
                .any(|e| e["table"] == "hybrid6" && e["chain"] == "input");
            let legacy = events.iter().filter(of_sentinel).any(|e| {
                e["trace"]["table"] == "filter"
                    && e["trace"]["chain"] == "INPUT"
                    && e["trace"]["kind"] == "policy"
            });
            nft && legacy
        },
        GUARD,
    );
    let output = nftrace.stop();
    output.assert_success();
    assert!(
        sentinel_seen,
        "the sentinel's steps never came: {}",
        output.stderr
    );
    assert!(
        output.stderr.contains("; 0 events lost"),
        "{}",
        output.stderr
    );
    // The ruleset did not change meanwhile: the references still hold.
    assert_eq!(nft_listing(&ns), listing);
    assert_eq!(Saves::read(&ns, "legacy"), legacy_saves);

    let mut seen = Seen::default();
    let mut failures = Vec::new();
    let mut explicit_output_accept = Vec::new();
    for event in &output.json {
        match event["source"].as_str() {
            Some("nftables") => {
                check_nft_event(event, &reference, &mut seen, &mut failures);
                check_ifname(event, "iif", "iifname", &mut seen, &mut failures);
                check_ifname(event, "oif", "oifname", &mut seen, &mut failures);
            }
            Some("nflog") => {
                check_legacy_record(event, &legacy_saves, &mut seen, &mut failures);
                check_ifname(event, "indev", "indev_name", &mut seen, &mut failures);
                check_ifname(event, "outdev", "outdev_name", &mut seen, &mut failures);
                if legacy_step_name(event) == "filter:OUTPUT:policy:2" {
                    explicit_output_accept.push((text_of(event, "family"), event.clone()));
                }
            }
            _ => failures.push(format!("an event of no known source: {event}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} steps resolved wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The explicit `-A OUTPUT -j ACCEPT`, which the kernel calls the policy, in both families.
    for family in ["ip", "ip6"] {
        let records: Vec<&Value> = explicit_output_accept
            .iter()
            .filter(|(f, _)| f == family)
            .map(|(_, e)| e)
            .collect();
        assert!(!records.is_empty(), "{family}: no filter:OUTPUT:policy:2");
        for record in records {
            let resolved = &record["resolved"];
            assert_eq!(resolved["kind"], "rule", "{record}");
            assert_eq!(resolved["relabelled"], true, "{record}");
            assert_eq!(resolved["rule_number"], 2, "{record}");
            assert_eq!(resolved["rule"], "-A OUTPUT -j ACCEPT", "{record}");
            assert_eq!(resolved["source"], "iptables-legacy-save", "{record}");
        }
    }

    // Nothing passed for want of examples.
    let at_least_one = [
        ("native nft rules", seen.nft_native_rules),
        ("iptables-nft rules", seen.nft_iptables_nft_rules),
        ("nft policies", seen.nft_policies),
        ("nft chain ends", seen.nft_chain_ends),
        ("legacy policies", seen.legacy_policies),
        ("legacy implicit returns", seen.legacy_returns),
        (
            "legacy explicit ACCEPT said policy",
            seen.legacy_relabelled_policy,
        ),
        (
            "legacy explicit RETURN said return",
            seen.legacy_relabelled_return,
        ),
        (
            "legacy ip rules",
            seen.legacy_rules.get("ip").copied().unwrap_or(0),
        ),
        (
            "legacy ip6 rules",
            seen.legacy_rules.get("ip6").copied().unwrap_or(0),
        ),
    ];
    for (what, count) in at_least_one {
        assert!(count > 0, "no {what} seen: {seen:?}");
    }
    for name in ["iifname", "oifname", "indev_name", "outdev_name"] {
        assert!(
            seen.ifnames.get(name).copied().unwrap_or(0) > 0,
            "no {name}: {seen:?}"
        );
    }

    // Every rule the traffic should reach was reached, in both families where it exists:
    // the jump, the user chain's rules and its explicit return, the goto and its chain, the
    // commented TCP accept, the ICMP accept and the explicit catch-all.
    let hit: Vec<(String, String, String, u64)> = output
        .json
        .iter()
        .filter_map(|e| {
            Some((
                text_of(e, "family"),
                text_of(e, "table"),
                text_of(e, "chain"),
                e["handle"].as_u64()?,
            ))
        })
        .collect();
    for (key, rule) in &listing {
        let (family, table, chain, _) = key;
        if table == "hybrid" || table == "hybrid6" || table == "filter" {
            assert!(
                hit.contains(key),
                "{family} {table} {chain} rule {} `{}` never traced",
                rule.number,
                rule.text
            );
        }
    }
    // And every legacy step the traffic should take, in both families.
    for family in ["ip", "ip6"] {
        let steps: Vec<String> = output
            .json
            .iter()
            .filter(|e| e["source"] == "nflog" && e["family"] == family)
            .map(legacy_step_name)
            .collect();
        for step in [
            "raw:OUTPUT:rule:1",
            "raw:OUTPUT:policy:2",
            "raw:PREROUTING:rule:1",
            "raw:PREROUTING:policy:2",
            "filter:OUTPUT:policy:2",
            "filter:INPUT:rule:1",
            "filter:LEGUSER:rule:1",
            "filter:LEGUSER:return:2",
            "filter:INPUT:rule:2",
            "filter:LEGTCP:return:2",
            "filter:INPUT:rule:3",
            "filter:INPUT:policy:4",
        ] {
            assert!(steps.iter().any(|s| s == step), "{family}: no {step}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Changes while tracing.

const CHG_PORT: u16 = 7100;
const LEGACY_PORT: u16 = 7200;

/// Every rule of `inet chg input` matches UDP to [`CHG_PORT`]; the last accepts. So a packet
/// to it is traced through every rule of the chain, in order.
const CHG_RULESET: &str = "\
table inet chg {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7100 meta mark set 0x00000001 comment \"first\"
		udp dport 7100 accept comment \"target\"
	}
}
";

/// One rule an nf_tables event resolved to: handle, number, text, source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    handle: u64,
    number: u64,
    text: String,
    source: String,
}

/// Sends one UDP datagram to 127.0.0.1:[`CHG_PORT`], waits for the accepting rule of
/// `inet chg input`, and returns the rules its events in that chain resolved to, after
/// checking that each is the rule nft lists with that handle, at that position, with that
/// text, and that the chain's whole listing was traversed.
fn nft_packet(ns: &Netns, nftrace: &mut Nftrace, what: &str) -> Vec<Hit> {
    let listing = nft_listing(ns);
    let expected = chain_rules(&listing, "inet", "chg", "input");
    let from = nftrace.json().len();
    let source = send_udp(ns, SocketAddr::new(ip("127.0.0.1"), CHG_PORT), 4);
    let in_chain = |e: &&Value| e["table"] == "chg" && e["chain"] == "input";
    nftrace.wait_for(
        |events| {
            events[from..]
                .iter()
                .filter(in_chain)
                .any(|e| e["verdict"]["kind"] == "accept")
        },
        GUARD,
    );
    let events: Vec<&Value> = nftrace.json()[from..].iter().filter(in_chain).collect();
    assert!(
        events
            .first()
            .is_some_and(|e| e["packet"]["src_port"] == source.port()),
        "{what}: the events are not of the packet from {source}: {events:#?}"
    );
    let hits: Vec<Hit> = events
        .iter()
        .map(|e| {
            let resolved = &e["resolved"];
            assert_eq!(resolved["kind"], "rule", "{what}: {e}");
            assert!(resolved.get("deleted").is_none(), "{what}: {e}");
            Hit {
                handle: e["handle"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{what}: {e}")),
                number: resolved["rule_number"].as_u64().unwrap_or(0),
                text: text_of(resolved, "rule"),
                source: text_of(resolved, "source"),
            }
        })
        .collect();
    let got: Vec<(u64, u64, &str)> = hits
        .iter()
        .map(|h| (h.handle, h.number, h.text.as_str()))
        .collect();
    let want: Vec<(u64, u64, &str)> = expected
        .iter()
        .zip(1..)
        .map(|((handle, text), number)| (*handle, number, text.as_str()))
        .collect();
    assert_eq!(got, want, "{what}: (handle, number, text) of each step");
    for hit in &hits {
        assert!(
            ["nft", "builtin"].contains(&hit.source.as_str()),
            "{what}: {hit:?}"
        );
    }
    hits
}

/// The handle of the rule of `inet chg input` whose text ends with `comment "COMMENT"`.
fn chg_handle(ns: &Netns, comment: &str) -> u64 {
    let listing = nft_listing(ns);
    let suffix = format!("comment \"{comment}\"");
    let found: Vec<u64> = chain_rules(&listing, "inet", "chg", "input")
        .into_iter()
        .filter(|(_, text)| text.ends_with(&suffix))
        .map(|(handle, _)| handle)
        .collect();
    assert_eq!(found.len(), 1, "rule `{comment}` in {listing:#?}");
    found[0]
}

fn nft_cmd(ns: &Netns, command: &str) {
    let mut args = vec!["nft"];
    args.extend(command.split(' '));
    ns.exec(&args);
}

/// How long the legacy part waits after a change before it sends: the legacy cache re-reads
/// a table at most every 200 ms and compares its contents at most every 200 ms
/// (`CachePolicy::default`); a step in between is "stale" by design. Waiting makes the test
/// about resolution, not about that rate limit.
const LEGACY_SETTLE: Duration = Duration::from_millis(300);

/// Sends one UDP datagram to 127.0.0.1:[`LEGACY_PORT`] and waits for the step `last` of it;
/// checks every step of it against the save texts as they are now, and returns the filter
/// steps' names.
fn legacy_packet(ns: &Netns, nftrace: &mut Nftrace, last: &str, what: &str) -> Vec<String> {
    let saves = Saves::read(ns, "legacy");
    let from = nftrace.json().len();
    let source = send_udp(ns, SocketAddr::new(ip("127.0.0.1"), LEGACY_PORT), 4);
    let of_packet =
        |e: &&Value| e["packet"]["src_port"] == source.port() && e.get("trace").is_some();
    nftrace.wait_for(
        |events| {
            events[from..]
                .iter()
                .filter(of_packet)
                .any(|e| legacy_step_name(e) == last)
        },
        GUARD,
    );
    let records: Vec<&Value> = nftrace.json()[from..].iter().filter(of_packet).collect();
    let mut failures = Vec::new();
    let mut seen = Seen::default();
    for record in &records {
        check_legacy_record(record, &saves, &mut seen, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{what}: {} steps resolved wrongly:\n{}\nsave: {saves:#?}",
        failures.len(),
        failures.join("\n")
    );
    records
        .iter()
        .map(|r| legacy_step_name(r))
        .filter(|name| name.starts_with("filter:"))
        .collect()
}

/// Changes the legacy ruleset while nftrace runs, then waits [`LEGACY_SETTLE`].
fn legacy_change(ns: &Netns, args: &[&str]) {
    run_rules(ns, "iptables-legacy", &[args]);
    std::thread::sleep(LEGACY_SETTLE);
}

/// With `nftrace events` running, the ruleset changes between packets; each packet resolves
/// to the rules as they are when it passes: nft `insert` above a rule, `replace` (same
/// handle, new text), `delete` plus `insert`, `flush table` plus new rules, and — with a
/// fresh nftrace, before it asks nft again — rules added and hit within the same second;
/// iptables-legacy `-I` above a rule, `-R` (same size), `-D`, `-F`, `-A`.
#[test]
fn changes_while_tracing_resolve_to_the_rule_that_was_hit() {
    // nf_tables.
    let ns = Netns::new("chgnft");
    ns.nft(CHG_RULESET);
    install_nft_trace_matching(&ns, &format!("udp dport {CHG_PORT}"));
    let _sink = udp_sink(&ns, SocketAddr::new(ip("127.0.0.1"), CHG_PORT));
    let mut nftrace = Nftrace::events_json(&ns, &[]);

    let hits = nft_packet(&ns, &mut nftrace, "initial");
    assert_eq!(hits.len(), 2);
    let target = hits[1].handle;

    nft_cmd(
        &ns,
        &format!(
            "insert rule inet chg input position {target} udp dport 7100 meta mark set 0x00000002 comment \"inserted\""
        ),
    );
    let hits = nft_packet(&ns, &mut nftrace, "insert above the target");
    assert_eq!(hits.len(), 3);
    assert_eq!((hits[2].handle, hits[2].number), (target, 3), "{hits:#?}");
    assert!(hits[1].text.ends_with("comment \"inserted\""), "{hits:#?}");

    let inserted = chg_handle(&ns, "inserted");
    nft_cmd(
        &ns,
        &format!(
            "replace rule inet chg input handle {inserted} udp dport 7100 meta mark set 0x00000003 comment \"replaced\""
        ),
    );
    let hits = nft_packet(&ns, &mut nftrace, "replace");
    assert_eq!(hits[1].handle, inserted, "replace keeps the handle");
    assert_eq!(
        hits[1].text,
        "udp dport 7100 meta mark set 0x00000003 comment \"replaced\""
    );

    let first = chg_handle(&ns, "first");
    nft_cmd(&ns, &format!("delete rule inet chg input handle {first}"));
    nft_cmd(
        &ns,
        "insert rule inet chg input udp dport 7100 meta mark set 0x00000004 comment \"added\"",
    );
    let hits = nft_packet(&ns, &mut nftrace, "delete and add");
    assert_eq!(hits.len(), 3);
    assert!(hits[0].text.ends_with("comment \"added\""), "{hits:#?}");
    assert!(hits.iter().all(|h| h.handle != first), "{hits:#?}");
    assert_eq!((hits[2].handle, hits[2].number), (target, 3));

    let old: Vec<u64> = hits.iter().map(|h| h.handle).collect();
    nft_cmd(&ns, "flush table inet chg");
    ns.nft(
        "add rule inet chg input udp dport 7100 meta mark set 0x00000005 comment \"refilled\"\n\
         add rule inet chg input udp dport 7100 accept comment \"target again\"\n",
    );
    let hits = nft_packet(&ns, &mut nftrace, "flush and refill");
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| !old.contains(&h.handle)), "{hits:#?}");
    let output = nftrace.stop();
    output.assert_success();

    legacy_changes();
    // Last, the part that depends on nftrace's own texts for new rules.
    nft_rules_added_and_hit_at_once(&ns);
}

/// The iptables-legacy part of [`changes_while_tracing_resolve_to_the_rule_that_was_hit`],
/// in a namespace of its own.
fn legacy_changes() {
    let ns = Netns::new("chglegacy");
    let _legacy_trace = install_legacy_trace(&ns);
    run_rules(
        &ns,
        "iptables-legacy",
        &[
            &["-N", "LCHAIN"],
            &[
                "-A", "INPUT", "-p", "udp", "--dport", "7200", "-j", "LCHAIN",
            ],
            &["-A", "LCHAIN", "-p", "udp", "-j", "MARK", "--set-mark", "1"],
            &[
                "-A", "LCHAIN", "-p", "udp", "--dport", "7200", "-j", "ACCEPT",
            ],
        ],
    );
    let _sink = udp_sink(&ns, SocketAddr::new(ip("127.0.0.1"), LEGACY_PORT));
    let mut nftrace = Nftrace::events_json(&ns, &[]);
    let path = |steps: &[&str]| -> Vec<String> {
        ["filter:OUTPUT:policy:1", "filter:INPUT:rule:1"]
            .iter()
            .chain(steps)
            .map(|s| (*s).to_owned())
            .collect()
    };

    let steps = legacy_packet(&ns, &mut nftrace, "filter:LCHAIN:rule:2", "initial");
    assert_eq!(
        steps,
        path(&["filter:LCHAIN:rule:1", "filter:LCHAIN:rule:2"])
    );

    let comment = |text| ["-p", "udp", "-m", "comment", "--comment", text];
    let mut insert = vec!["-I", "LCHAIN", "1"];
    insert.extend(comment("inserted"));
    legacy_change(&ns, &insert);
    let steps = legacy_packet(&ns, &mut nftrace, "filter:LCHAIN:rule:3", "-I");
    assert_eq!(
        steps,
        path(&[
            "filter:LCHAIN:rule:1",
            "filter:LCHAIN:rule:2",
            "filter:LCHAIN:rule:3"
        ])
    );

    // Same size as the rule it replaces: only the contents comparison can see it.
    let mut replace = vec!["-R", "LCHAIN", "1"];
    replace.extend(comment("replaced"));
    legacy_change(&ns, &replace);
    let steps = legacy_packet(&ns, &mut nftrace, "filter:LCHAIN:rule:3", "-R");
    assert_eq!(
        steps,
        path(&[
            "filter:LCHAIN:rule:1",
            "filter:LCHAIN:rule:2",
            "filter:LCHAIN:rule:3"
        ])
    );

    legacy_change(&ns, &["-D", "LCHAIN", "2"]);
    let steps = legacy_packet(&ns, &mut nftrace, "filter:LCHAIN:rule:2", "-D");
    assert_eq!(
        steps,
        path(&["filter:LCHAIN:rule:1", "filter:LCHAIN:rule:2"])
    );

    legacy_change(&ns, &["-F", "LCHAIN"]);
    let steps = legacy_packet(&ns, &mut nftrace, "filter:INPUT:policy:2", "-F");
    assert_eq!(
        steps,
        path(&["filter:LCHAIN:return:1", "filter:INPUT:policy:2"])
    );

    let mut append = vec!["-A", "LCHAIN"];
    append.extend(comment("fresh"));
    append.extend(["-j", "ACCEPT"]);
    legacy_change(&ns, &append);
    let steps = legacy_packet(&ns, &mut nftrace, "filter:LCHAIN:rule:1", "-A after -F");
    assert_eq!(steps, path(&["filter:LCHAIN:rule:1"]));
    let output = nftrace.stop();
    output.assert_success();
}

/// Rules added and hit before nftrace asks nft again: a fresh nftrace asked nft when it
/// started, and asks again at most once a second, so these rules get nftrace's own text,
/// which must be nft's text all the same, and their numbers must be nft's positions. First
/// one rule; then two rules inserted at the head in one transaction (the kernel's
/// notification of the first names the second, announced after it, as its predecessor), one
/// with an anonymous set.
fn nft_rules_added_and_hit_at_once(ns: &Netns) {
    let started = Instant::now();
    let mut nftrace = Nftrace::events_json(ns, &[]);
    nft_cmd(
        ns,
        "insert rule inet chg input udp dport 7100 meta mark set 0x00000006 counter comment \"quick\"",
    );
    let hits = nft_packet(ns, &mut nftrace, "one rule added and hit at once");
    let elapsed = started.elapsed();
    assert_eq!(hits.len(), 3, "{hits:#?}");
    if elapsed < Duration::from_millis(900) {
        // Before nftrace could have asked nft again: the renderer's text.
        assert_eq!(hits[0].source, "builtin", "after {elapsed:?}: {hits:#?}");
    } else {
        eprintln!("note: the machine was slow ({elapsed:?}): the rule's source was not checked");
    }

    ns.nft(
        "insert rule inet chg input udp dport { 7100, 7101 } counter\n\
         insert rule inet chg input udp dport 7100 meta mark set 0x00000007 comment \"batch\"\n",
    );
    let hits = nft_packet(ns, &mut nftrace, "two rules inserted in one transaction");
    let elapsed = started.elapsed();
    assert_eq!(hits.len(), 5, "{hits:#?}");
    if elapsed < Duration::from_millis(900) {
        for hit in &hits[..2] {
            assert_eq!(hit.source, "builtin", "after {elapsed:?}: {hits:#?}");
        }
    } else {
        eprintln!("note: the machine was slow ({elapsed:?}): the rules' sources were not checked");
    }
    let output = nftrace.stop();
    output.assert_success();
}

// ---------------------------------------------------------------------------------------------
// 3. `nftrace ruleset`.

/// `nftrace ARGS…` as root: asserts exit 0 and no stderr, returns stdout.
fn nftrace_ok(ns: &Netns, args: &[&str]) -> String {
    let output = run_nftrace(ns, &[], args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "nftrace {args:?}: {output:?}");
    assert_eq!(stderr, "", "nftrace {args:?} warned");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Without CAP_NET_ADMIN: exit 1, nothing on stdout, one stderr line naming CAP_NET_ADMIN.
fn assert_refused_without_privileges(ns: &Netns, args: &[&str]) {
    let output = run_nftrace(ns, &AS_NOBODY, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "nftrace {args:?}: {output:?}"
    );
    assert!(output.stdout.is_empty(), "nftrace {args:?}: {output:?}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "nftrace {args:?}: one line: {stderr}");
    assert!(lines[0].starts_with("nftrace: "), "{stderr}");
    assert!(lines[0].contains("CAP_NET_ADMIN"), "{stderr}");
}

/// A chain as both `nftrace ruleset --json` and `nft -j` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChainView {
    name: String,
    handle: u64,
    hook: Option<String>,
    priority: Option<i64>,
    chain_type: Option<String>,
    policy: Option<String>,
    /// (number, handle, comment).
    rules: Vec<(u64, u64, Option<String>)>,
}

/// (family, name, handle) and chains of a table.
type TableView = ((String, String, u64), Vec<ChainView>);

fn opt_text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn view_of_nftrace(document: &Value) -> Vec<TableView> {
    document["nftables"]
        .as_array()
        .expect("an nftables array")
        .iter()
        .map(|table| {
            let chains = table["chains"]
                .as_array()
                .expect("chains")
                .iter()
                .map(|chain| ChainView {
                    name: text_of(chain, "name"),
                    handle: chain["handle"].as_u64().expect("a chain handle"),
                    hook: opt_text(&chain["hook"]),
                    priority: chain["priority"].as_i64(),
                    chain_type: opt_text(&chain["type"]),
                    policy: opt_text(&chain["policy"]),
                    rules: chain["rules"]
                        .as_array()
                        .expect("rules")
                        .iter()
                        .map(|rule| {
                            (
                                rule["number"].as_u64().expect("a number"),
                                rule["handle"].as_u64().expect("a handle"),
                                opt_text(&rule["comment"]),
                            )
                        })
                        .collect(),
                })
                .collect();
            (
                (
                    text_of(table, "family"),
                    text_of(table, "name"),
                    table["handle"].as_u64().expect("a table handle"),
                ),
                chains,
            )
        })
        .collect()
}

fn view_of_nft_json(ns: &Netns) -> Vec<TableView> {
    let chains = nft_json(ns, "chain");
    let rules = nft_json(ns, "rule");
    nft_json(ns, "table")
        .iter()
        .map(|table| {
            let (family, name) = (text_of(table, "family"), text_of(table, "name"));
            let of_table =
                |o: &&Value| o["family"] == family.as_str() && o["table"] == name.as_str();
            let chains = chains
                .iter()
                .filter(of_table)
                .map(|chain| {
                    let chain_name = text_of(chain, "name");
                    ChainView {
                        handle: chain["handle"].as_u64().expect("a chain handle"),
                        hook: opt_text(&chain["hook"]),
                        priority: chain["prio"].as_i64(),
                        chain_type: opt_text(&chain["type"]),
                        policy: opt_text(&chain["policy"]),
                        rules: rules
                            .iter()
                            .filter(of_table)
                            .filter(|rule| rule["chain"] == chain_name.as_str())
                            .zip(1..)
                            .map(|(rule, number)| {
                                (
                                    number,
                                    rule["handle"].as_u64().expect("a rule handle"),
                                    opt_text(&rule["comment"]),
                                )
                            })
                            .collect(),
                        name: chain_name,
                    }
                })
                .collect();
            (
                (family, name, table["handle"].as_u64().expect("a handle")),
                chains,
            )
        })
        .collect()
}

/// Each nf_tables rule of `nftrace ruleset --json`: key, number, text, source.
fn nftrace_rules(document: &Value) -> Vec<(RuleKey, u64, String, String)> {
    let mut rules = Vec::new();
    for table in document["nftables"].as_array().expect("nftables") {
        for chain in table["chains"].as_array().expect("chains") {
            for rule in chain["rules"].as_array().expect("rules") {
                rules.push((
                    (
                        text_of(table, "family"),
                        text_of(table, "name"),
                        text_of(chain, "name"),
                        rule["handle"].as_u64().expect("a handle"),
                    ),
                    rule["number"].as_u64().expect("a number"),
                    text_of(rule, "text"),
                    text_of(rule, "source"),
                ));
            }
        }
    }
    rules
}

/// The legacy part of `nftrace ruleset --json` in the shape of [`Saves`].
fn legacy_view(document: &Value) -> Saves {
    let mut saves: BTreeMap<String, Vec<SavedTable>> = BTreeMap::new();
    for family in ["ip", "ip6"] {
        saves.insert(family.to_owned(), Vec::new());
    }
    for table in document["legacy"].as_array().expect("legacy") {
        let chains = table["chains"]
            .as_array()
            .expect("chains")
            .iter()
            .map(|chain| {
                let rules = chain["rules"].as_array().expect("rules");
                for (rule, number) in rules.iter().zip(1..) {
                    assert_eq!(rule["number"], number, "{chain}");
                    assert_eq!(rule["source"], "iptables-legacy-save", "{chain}");
                }
                // Built-in chains have the hook of their name; user chains none.
                let name = text_of(chain, "name");
                match chain["hook"].as_str() {
                    Some(hook) => assert_eq!(hook.to_uppercase(), name, "{chain}"),
                    None => assert!(chain.get("policy").is_none(), "{chain}"),
                }
                SavedChain {
                    name,
                    policy: chain["policy"].as_str().map(str::to_uppercase),
                    rules: rules.iter().map(|r| text_of(r, "text")).collect(),
                }
            })
            .collect();
        saves
            .entry(text_of(table, "family"))
            .or_default()
            .push(SavedTable {
                name: text_of(table, "name"),
                chains,
            });
    }
    for tables in saves.values_mut() {
        tables.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Saves(saves)
}

/// The number of x_tables entries of a table: per built-in chain its rules and its policy,
/// per user chain its head, rules and return, and the final error entry.
fn entry_count(table: &SavedTable) -> usize {
    1 + table
        .chains
        .iter()
        .map(|c| c.rules.len() + if c.policy.is_some() { 1 } else { 2 })
        .sum::<usize>()
}

/// `nftrace ruleset --json` against `nft -j list ruleset`, nft's and iptables-nft-save's
/// texts and the legacy save texts; `--no-nft` against nft's texts; the text form against the
/// JSON form; and the refusal without CAP_NET_ADMIN.
#[test]
fn ruleset_command_matches_the_tools() {
    let ns = Netns::new("rulesetcmd");
    install_hybrid(&ns);
    install_nft_trace(&ns, TraceFamily::Both);
    let _legacy_trace = install_legacy_trace(&ns);
    let listing = nft_listing(&ns);
    let nft_saves = Saves::read(&ns, "nft");
    let mut legacy_saves = Saves::read(&ns, "legacy");
    for tables in legacy_saves.0.values_mut() {
        tables.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let document: Value =
        serde_json::from_str(&nftrace_ok(&ns, &["ruleset", "--json"])).expect("JSON");
    assert!(document["generation"].is_u64(), "{document}");

    // Tables, chains and rules: handles, numbers, hooks, priorities, types, policies,
    // comments.
    assert_eq!(view_of_nftrace(&document), view_of_nft_json(&ns));
    let iptables_nft: Vec<(String, String)> = document["nftables"]
        .as_array()
        .expect("nftables")
        .iter()
        .filter(|t| t["iptables_nft"] == true)
        .map(|t| (text_of(t, "family"), text_of(t, "name")))
        .collect();
    assert_eq!(
        iptables_nft,
        IPTABLES_NFT_TABLES.map(|(f, t)| (f.to_owned(), t.to_owned()))
    );

    // Texts: nft's for native tables, the save line at the same position for iptables-nft's.
    let rules = nftrace_rules(&document);
    assert_eq!(rules.len(), listing.len(), "{rules:#?}");
    for (key, number, text, source) in &rules {
        let (family, table, chain, _) = key;
        let reference = listing
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} is not in nft's listing"));
        assert_eq!(*number, u64::from(reference.number), "{key:?}");
        if IPTABLES_NFT_TABLES.contains(&(family.as_str(), table.as_str())) {
            let line = nft_saves
                .chain(family, table, chain)
                .and_then(|c| c.rules.get(reference.number as usize - 1));
            assert_eq!(Some(text), line, "{key:?}");
            assert_eq!(source, "iptables-nft-save", "{key:?}");
        } else {
            assert_eq!(text, &reference.text, "{key:?}");
            assert_eq!(source, "nft", "{key:?}");
        }
    }

    // Legacy: tables, chains in order, policies, rule lines; entry counts.
    assert_eq!(legacy_view(&document), legacy_saves);
    for table in document["legacy"].as_array().expect("legacy") {
        let saved = legacy_saves.0[&text_of(table, "family")]
            .iter()
            .find(|t| t.name == text_of(table, "name"))
            .expect("a saved table");
        assert_eq!(table["entries"], entry_count(saved), "{table}");
    }

    // Text: every rule once, in the JSON's order, with its number and handle.
    let text = nftrace_ok(&ns, &["ruleset"]);
    let printed: Vec<(u64, Option<u64>, String)> = text
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("    ")?.trim_start();
            let (number, rest) = rest.split_once("  ")?;
            let number: u64 = number.parse().ok()?;
            let (handle, rest) = match rest.strip_prefix("handle ") {
                Some(rest) => {
                    let (handle, rest) = rest.split_once(' ')?;
                    (Some(handle.parse().ok()?), rest.trim_start())
                }
                None => (None, rest),
            };
            let (rule, _source) = rest.rsplit_once("  [")?;
            Some((number, handle, rule.to_owned()))
        })
        .collect();
    let mut expected: Vec<(u64, Option<u64>, String)> = rules
        .iter()
        .map(|(key, number, text, _)| (*number, Some(key.3), text.clone()))
        .collect();
    for table in document["legacy"].as_array().expect("legacy") {
        for chain in table["chains"].as_array().expect("chains") {
            for rule in chain["rules"].as_array().expect("rules") {
                expected.push((
                    rule["number"].as_u64().expect("a number"),
                    None,
                    text_of(rule, "text"),
                ));
            }
        }
    }
    assert_eq!(printed, expected, "text form:\n{text}");

    assert_refused_without_privileges(&ns, &["ruleset"]);
    assert_refused_without_privileges(&ns, &["ruleset", "--json"]);

    // Without nft: nftrace's own renderer, which writes what nft writes for these rules.
    let document: Value =
        serde_json::from_str(&nftrace_ok(&ns, &["ruleset", "--json", "--no-nft"])).expect("JSON");
    assert_eq!(view_of_nftrace(&document), view_of_nft_json(&ns));
    let mut wrong = Vec::new();
    for (key, _, text, source) in nftrace_rules(&document) {
        let (family, table, ..) = &key;
        if IPTABLES_NFT_TABLES.contains(&(family.as_str(), table.as_str())) {
            assert_eq!(source, "iptables-nft-save", "{key:?}");
            continue;
        }
        assert!(
            source == "builtin" || source == "expressions",
            "{key:?}: {source}"
        );
        let reference = &listing[&key].text;
        if &text != reference {
            wrong.push(format!("{key:?}: `{text}` ({source}), nft: `{reference}`"));
        }
    }
    assert!(
        wrong.is_empty(),
        "--no-nft texts differ from nft's:\n{}",
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 4. `nftrace hooks`.

/// Base chains on output at priorities before, equal to and between the legacy tables', a
/// nat chain, and chains that must not be listed under ip output (input hook, ip6 family).
const HOOKS_RULESET: &str = "\
table inet hk {
	chain o350 { type filter hook output priority -350; }
	chain o300 { type filter hook output priority -300; }
	chain i0 { type filter hook input priority 0; }
}
table ip hk4 {
	chain o150 { type filter hook output priority -150; }
	chain o0 { type filter hook output priority 0; }
	chain o200 { type route hook output priority 200; }
	chain onat { type nat hook output priority -120; }
}
table ip6 hk6 {
	chain o6 { type filter hook output priority -10; }
}
";

/// The iptables-legacy tables and the priorities their output hooks have in the kernel
/// (`NF_IP_PRI_RAW`, `_MANGLE`, `_NAT_DST`, `_FILTER`, `_SECURITY`).
const LEGACY_OUTPUT_PRIORITIES: [(&str, i64); 5] = [
    ("raw", -300),
    ("mangle", -150),
    ("nat", -100),
    ("filter", 0),
    ("security", 50),
];

/// A hook entry in words, for comparisons: `nft FAMILY TABLE CHAIN` or `TOOL TABLE`.
fn entry_key(entry: &Value) -> String {
    let kind = &entry["kind"];
    match kind["type"].as_str() {
        Some("nft-chain") => format!(
            "nft {} {} {}",
            text_of(kind, "family"),
            text_of(kind, "table"),
            text_of(kind, "chain")
        ),
        Some("legacy") => format!("{} {}", text_of(kind, "tool"), text_of(kind, "table")),
        Some(other) => other.to_owned(),
        None => format!("no type: {entry}"),
    }
}

/// `nftrace hooks --json`, for the output hook of family ip: the entries (and the nat
/// members) ascend by priority, and they are exactly the ip/inet base chains on output, with
/// their priorities, and the iptables-legacy tables, with theirs.
#[test]
fn hooks_command_lists_the_chains_in_run_order() {
    let ns = Netns::new("hookscmd");
    ns.nft(HOOKS_RULESET);
    for (table, _) in LEGACY_OUTPUT_PRIORITIES {
        ns.exec(&[
            "iptables-legacy",
            "-w",
            "-t",
            table,
            "-A",
            "OUTPUT",
            "-p",
            "udp",
            "--dport",
            "4243",
            "-j",
            "ACCEPT",
        ]);
    }
    ns.exec(&["ip6tables-legacy", "-w", "-A", "OUTPUT", "-j", "ACCEPT"]);

    let output = nftrace_ok(&ns, &["hooks", "--json"]);
    assert_eq!(output.lines().count(), 1, "{output}");
    let document: Value = serde_json::from_str(&output).expect("JSON");
    let lists: Vec<&Value> = document["hooks"]
        .as_array()
        .expect("hooks")
        .iter()
        .filter(|l| l["family"] == "ip" && l["hook_name"] == "output")
        .collect();
    assert_eq!(lists.len(), 1, "{document:#}");
    let list = lists[0];
    assert_eq!(list["hook"], 3, "{list:#}");
    let entries = list["entries"].as_array().expect("entries");

    let priorities = |entries: &[Value]| -> Vec<i64> {
        entries
            .iter()
            .map(|e| e["priority"].as_i64().expect("a priority"))
            .collect()
    };
    let ascending = |p: &[i64]| p.windows(2).all(|w| w[0] <= w[1]);
    assert!(ascending(&priorities(entries)), "{list:#}");
    let mut run_order: Vec<(String, i64)> = Vec::new();
    for entry in entries {
        run_order.push((entry_key(entry), entry["priority"].as_i64().unwrap_or(0)));
        if let Some(nested) = entry["nested"].as_array() {
            assert_eq!(entry["kind"]["type"], "nat", "{entry:#}");
            assert!(ascending(&priorities(nested)), "{entry:#}");
            for member in nested {
                run_order.push((entry_key(member), member["priority"].as_i64().unwrap_or(0)));
            }
        }
    }

    // What should be there: from nft's own listing and the kernel's list of legacy tables.
    let mut expected: Vec<(String, i64)> = nft_json(&ns, "chain")
        .iter()
        .filter(|c| c["hook"] == "output" && (c["family"] == "ip" || c["family"] == "inet"))
        .map(|c| {
            (
                format!(
                    "nft {} {} {}",
                    text_of(c, "family"),
                    text_of(c, "table"),
                    text_of(c, "name")
                ),
                c["prio"].as_i64().expect("a priority"),
            )
        })
        .collect();
    assert_eq!(expected.len(), 6, "{expected:?}");
    let names = stdout(&ns, &["cat", "/proc/net/ip_tables_names"]);
    let mut legacy_tables: Vec<&str> = names.lines().collect();
    legacy_tables.sort_unstable();
    let mut wanted: Vec<&str> = LEGACY_OUTPUT_PRIORITIES.iter().map(|(t, _)| *t).collect();
    wanted.sort_unstable();
    assert_eq!(legacy_tables, wanted);
    for (table, priority) in LEGACY_OUTPUT_PRIORITIES {
        expected.push((format!("iptables-legacy {table}"), priority));
    }
    let mut listed: Vec<(String, i64)> = run_order
        .iter()
        .filter(|(key, _)| key.starts_with("nft ") || key.starts_with("iptables-legacy "))
        .cloned()
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected, "{list:#}");
    // Nothing else but the NAT core that runs the nat members.
    let others: Vec<&(String, i64)> = run_order
        .iter()
        .filter(|(key, _)| !key.starts_with("nft ") && !key.starts_with("iptables-legacy "))
        .collect();
    assert!(others.iter().all(|(key, _)| key == "nat"), "{others:?}");

    // The text form lists the same entries under `ip output`.
    let text = nftrace_ok(&ns, &["hooks"]);
    let block: Vec<&str> = text
        .split("\n\n")
        .find(|b| b.starts_with("ip output\n"))
        .unwrap_or_else(|| panic!("no ip output block:\n{text}"))
        .lines()
        .skip(1)
        .collect();
    assert_eq!(block.len(), run_order.len(), "{text}");

    assert_refused_without_privileges(&ns, &["hooks"]);
    assert_refused_without_privileges(&ns, &["hooks", "--json"]);
}
