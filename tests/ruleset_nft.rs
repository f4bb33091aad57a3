//! The nf_tables snapshot against the kernel: a ruleset with inet, ip, ip6 and netdev tables,
//! base chains on several hooks with negative and positive priorities and both policies,
//! user chains reached by jump and goto, a set, and comments, dumped over netlink and compared
//! field by field with what `nft -j list ruleset` says (handles, hooks, priorities, policies,
//! types, rule order, comments). Then live updates: with the monitor subscribed before the
//! dump, each change made with `nft` (insert above a rule, delete, replace, add a chain, a
//! multi-change transaction, flush a table, delete a table) is applied from the
//! notifications, and the snapshot must equal a fresh dump, while the rules that went away
//! stay findable as retired with the numbers they had. Also: changes made between subscribing
//! and dumping, a chain rename (which rewrites the jumps to it), a resync after lost
//! notifications, the retirement policy, and dumps racing a busy writer (retried, never
//! mixed). Needs root; everything happens in namespaces the tests create.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use nftrace::netlink::{poll_readable, NftMonitor, NftMonitorConfig, RecvBatch};
use nftrace::ruleset::model::NftRuleset;
use nftrace::ruleset::nft::{self, ApplyStats};
use serde_json::Value;

use common::*;

/// The ruleset of the comparison and of the live updates. Handles (as nft numbers them in a
/// fresh namespace) are noted where the tests use them.
const RULESET: &str = r#"
table inet filter_t {
    set allowed_ports {
        type inet_service
        elements = { 22, 80 }
    }
    chain input {
        type filter hook input priority 0; policy drop;
        ct state established,related accept comment "established"
        iif lo accept
        tcp dport @allowed_ports accept comment "ports from a set"
        jump user_checks
        ip saddr 10.0.0.0/8 goto user_drop
    }
    chain forward {
        type filter hook forward priority -5; policy drop;
    }
    chain output {
        type filter hook output priority 10; policy accept;
        counter
        udp dport 53 accept
        counter comment "last"
    }
    chain user_checks {
        meta l4proto icmp accept
        return
    }
    chain user_drop {
        counter drop comment "dropped"
    }
}
table ip nat_t {
    chain prerouting {
        type nat hook prerouting priority -100; policy accept;
        tcp dport 8080 dnat to 10.0.0.1:80
    }
    chain postrouting {
        type nat hook postrouting priority 100; policy accept;
        oifname "lo" masquerade
    }
}
table ip6 raw_t {
    chain pre {
        type filter hook prerouting priority -300; policy accept;
        meta nftrace set 1
        jump pre_user
    }
    chain pre_user {
        ip6 nexthdr icmpv6 counter
    }
}
table netdev ingress_t {
    chain ingress {
        type filter hook ingress device "lo" priority -500; policy accept;
        counter
    }
}
"#;

/// What both sides must agree on, in a form both can be brought to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableView {
    family: String,
    name: String,
    handle: u64,
    chains: Vec<ChainView>,
    /// (name, handle), sorted by name.
    sets: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ChainView {
    name: String,
    handle: u64,
    /// (type, hook name, priority, policy) of a base chain.
    hook: Option<(String, String, i64, String)>,
    /// (handle, comment) in chain order.
    rules: Vec<(u64, Option<String>)>,
}

fn family_name(family: u8) -> &'static str {
    match family {
        1 => "inet",
        2 => "ip",
        3 => "arp",
        5 => "netdev",
        7 => "bridge",
        10 => "ip6",
        _ => "unknown",
    }
}

fn hook_name(family: u8, hooknum: u32) -> &'static str {
    match (family, hooknum) {
        (5, 0) => "ingress",
        (5, 1) => "egress",
        (_, 0) => "prerouting",
        (_, 1) => "input",
        (_, 2) => "forward",
        (_, 3) => "output",
        (_, 4) => "postrouting",
        (_, 5) => "ingress",
        _ => "unknown",
    }
}

fn policy_name(policy: Option<u32>) -> String {
    match policy {
        Some(0) => "drop".into(),
        Some(1) => "accept".into(),
        other => format!("{other:?}"),
    }
}

/// Our snapshot in the comparison form; also checks the numbering.
fn view_of(ruleset: &NftRuleset) -> Vec<TableView> {
    ruleset
        .tables
        .iter()
        .map(|t| {
            let mut sets: Vec<_> = t.sets.iter().map(|s| (s.name.clone(), s.handle)).collect();
            sets.sort();
            TableView {
                family: family_name(t.family).into(),
                name: t.name.clone(),
                handle: t.handle,
                sets,
                chains: t
                    .chains
                    .iter()
                    .map(|c| {
                        for (i, r) in c.rules.iter().enumerate() {
                            assert_eq!(r.number as usize, i + 1, "numbering of {}", c.name);
                        }
                        ChainView {
                            name: c.name.clone(),
                            handle: c.handle,
                            hook: c.hook.as_ref().map(|h| {
                                (
                                    h.chain_type.clone(),
                                    hook_name(t.family, h.hooknum).into(),
                                    i64::from(h.priority),
                                    policy_name(h.policy),
                                )
                            }),
                            rules: c
                                .rules
                                .iter()
                                .map(|r| (r.handle, r.comment.clone()))
                                .collect(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `nft -j list ruleset` in the comparison form.
fn view_of_nft_json(ns: &Netns) -> Vec<TableView> {
    let output = ns.exec(&["nft", "-j", "list", "ruleset"]);
    let json: Value = serde_json::from_slice(&output.stdout).expect("nft -j output is JSON");
    let items = json["nftables"].as_array().expect("nftables array");
    let mut tables: Vec<TableView> = Vec::new();
    let find = |tables: &mut Vec<TableView>, family: &str, name: &str| -> usize {
        tables
            .iter()
            .position(|t| t.family == family && t.name == name)
            .unwrap_or_else(|| panic!("nft lists an object of unknown table {family} {name}"))
    };
    for item in items {
        let str_of = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
        if let Some(t) = item.get("table") {
            tables.push(TableView {
                family: str_of(t, "family"),
                name: str_of(t, "name"),
                handle: t["handle"].as_u64().unwrap(),
                chains: Vec::new(),
                sets: Vec::new(),
            });
        } else if let Some(c) = item.get("chain") {
            let i = find(&mut tables, &str_of(c, "family"), &str_of(c, "table"));
            let hook = c.get("hook").map(|_| {
                (
                    str_of(c, "type"),
                    str_of(c, "hook"),
                    c["prio"].as_i64().unwrap(),
                    str_of(c, "policy"),
                )
            });
            tables[i].chains.push(ChainView {
                name: str_of(c, "name"),
                handle: c["handle"].as_u64().unwrap(),
                hook,
                rules: Vec::new(),
            });
        } else if let Some(r) = item.get("rule") {
            let i = find(&mut tables, &str_of(r, "family"), &str_of(r, "table"));
            let chain = str_of(r, "chain");
            let chain = tables[i]
                .chains
                .iter_mut()
                .find(|c| c.name == chain)
                .expect("rule of a listed chain");
            chain.rules.push((
                r["handle"].as_u64().unwrap(),
                r.get("comment").and_then(Value::as_str).map(str::to_owned),
            ));
        } else if let Some(s) = item.get("set") {
            let i = find(&mut tables, &str_of(s, "family"), &str_of(s, "table"));
            tables[i]
                .sets
                .push((str_of(s, "name"), s["handle"].as_u64().unwrap()));
            tables[i].sets.sort();
        }
    }
    tables
}

fn dump_in(ns: &Netns) -> NftRuleset {
    ns.run_in(|| nft::dump().expect("dump the nf_tables ruleset"))
}

#[test]
fn dump_equals_nft_json_listing() {
    let ns = Netns::new("rsdump");
    ns.nft(RULESET);
    let ruleset = dump_in(&ns);
    let ours = view_of(&ruleset);
    let theirs = view_of_nft_json(&ns);
    assert_eq!(ours, theirs);

    // Spot checks that do not depend on nft's view.
    assert!(ruleset.generation > 0);
    let input = ruleset.find_chain(1, "filter_t", "input").unwrap();
    let hook = input.chain.hook.as_ref().unwrap();
    assert_eq!((hook.hooknum, hook.priority, hook.policy), (1, 0, Some(0)));
    assert_eq!(hook.chain_type, "filter");
    let ingress = ruleset.find_chain(5, "ingress_t", "ingress").unwrap();
    let hook = ingress.chain.hook.as_ref().unwrap();
    assert_eq!(hook.priority, -500);
    assert_eq!(hook.devices, vec!["lo".to_owned()]);
    let jump = &input.chain.rules[3];
    assert_eq!(jump.number, 4);
    assert_eq!(
        jump.exprs
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["immediate"]
    );
    let set = &ruleset.table(1, "filter_t").unwrap().sets[0];
    assert_eq!((set.name.as_str(), set.key_len), ("allowed_ports", 2));
    assert!(ruleset.tables.iter().all(|t| !t.iptables_nft));
    let found = ruleset
        .find_rule(1, "filter_t", "input", input.chain.rules[2].handle)
        .unwrap();
    assert_eq!(found.number(), 3);
    assert_eq!(found.rule.comment.as_deref(), Some("ports from a set"));
    assert!(!found.is_retired());
    assert!(
        ruleset.find_rule(2, "filter_t", "input", 1).is_none(),
        "family matters"
    );
}

#[test]
fn an_empty_ruleset_dumps_empty() {
    let ns = Netns::new("rsempty");
    let ruleset = dump_in(&ns);
    assert!(ruleset.tables.is_empty());
    assert!(ruleset.generation > 0);
}

/// A monitor and a snapshot kept current from it.
struct Live<'a> {
    ns: &'a Netns,
    monitor: NftMonitor,
    ruleset: NftRuleset,
    batch: RecvBatch,
}

impl<'a> Live<'a> {
    /// Subscribes, then dumps.
    fn start(ns: &'a Netns) -> Self {
        let monitor = ns.run_in(|| NftMonitor::open(NftMonitorConfig::default()).unwrap());
        let ruleset = dump_in(ns);
        Live {
            ns,
            monitor,
            ruleset,
            batch: RecvBatch::default(),
        }
    }

    /// Applies everything queued on the monitor. `nft` returns after the commit, and the
    /// kernel queues the notifications during the commit, so they are all there.
    fn sync(&mut self) -> ApplyStats {
        let mut total = ApplyStats::default();
        loop {
            let [ready] = poll_readable(
                [std::os::fd::AsFd::as_fd(&self.monitor)],
                Some(Duration::ZERO),
            )
            .unwrap();
            if !ready {
                break;
            }
            let n = self.monitor.recv(&mut self.batch).unwrap();
            if n == 0 {
                break;
            }
            for datagram in &self.batch {
                let stats = self.ruleset.apply_datagram(datagram).unwrap();
                total.changed += stats.changed;
                total.unchanged += stats.unchanged;
                total.stale += stats.stale;
                total.ignored += stats.ignored;
            }
        }
        assert_eq!(self.monitor.stats().overruns, 0);
        total
    }

    /// Runs `nft COMMAND` in the namespace (words split on whitespace; no quoting beyond
    /// nft's own), applies its notifications, and checks the snapshot against a fresh dump.
    fn change(&mut self, command: &str) {
        let mut args = vec!["nft"];
        args.extend(command.split_whitespace());
        self.ns.exec(&args);
        let stats = self.sync();
        assert!(
            stats.changed > 0,
            "`nft {command}` changed nothing: {stats:?}"
        );
        self.assert_current();
    }

    fn assert_current(&self) {
        let fresh = dump_in(self.ns);
        assert_eq!(self.ruleset.generation, fresh.generation);
        assert_eq!(view_of(&self.ruleset), view_of(&fresh));
        assert_eq!(
            self.ruleset.tables, fresh.tables,
            "every field, expressions included"
        );
    }

    fn handles(&self, family: u8, table: &str, chain: &str) -> Vec<u64> {
        self.ruleset
            .live_chain(family, table, chain)
            .map(|c| c.rules.iter().map(|r| r.handle).collect())
            .unwrap_or_default()
    }

    /// Asserts that `handle` is retired with `number` (and, if given, `comment`).
    fn assert_retired(&self, family: u8, table: &str, chain: &str, handle: u64, number: u32) {
        let found = self
            .ruleset
            .find_rule(family, table, chain, handle)
            .unwrap_or_else(|| panic!("rule {handle} of {table}/{chain} not found"));
        assert!(found.is_retired(), "rule {handle} should be retired");
        assert_eq!(found.number(), number, "retired number of rule {handle}");
        assert_eq!((found.table, found.chain), (table, chain));
    }
}

const INET: u8 = 1;
const IP: u8 = 2;

#[test]
fn live_updates_follow_nft_commands() {
    let ns = Netns::new("rslive");
    ns.nft(RULESET);
    let mut live = Live::start(&ns);
    live.assert_current();
    let input = live.handles(INET, "filter_t", "input");
    assert_eq!(input.len(), 5);

    // Insert above the third rule: the new rule becomes number 3.
    live.change(&format!(
        "insert rule inet filter_t input position {} udp dport 5353 accept comment \"inserted\"",
        input[2]
    ));
    let now = live.handles(INET, "filter_t", "input");
    assert_eq!(now.len(), 6);
    assert_eq!((now[0], now[1], now[3]), (input[0], input[1], input[2]));
    let inserted = live
        .ruleset
        .find_rule(INET, "filter_t", "input", now[2])
        .unwrap();
    assert_eq!(
        (inserted.number(), inserted.rule.comment.as_deref()),
        (3, Some("inserted"))
    );

    // Insert at the very top (no position: the kernel announces it without one).
    live.change("insert rule inet filter_t input meta mark 42 drop");
    // Add at the end, and after a given rule.
    live.change("add rule inet filter_t input counter");
    live.change(&format!(
        "add rule inet filter_t input position {} meta mark 43 drop",
        input[0]
    ));

    // Delete the second rule of `output`: retired with number 2.
    let output = live.handles(INET, "filter_t", "output");
    live.change(&format!(
        "delete rule inet filter_t output handle {}",
        output[1]
    ));
    live.assert_retired(INET, "filter_t", "output", output[1], 2);
    assert_eq!(
        live.ruleset
            .find_rule(INET, "filter_t", "output", output[2])
            .unwrap()
            .number(),
        2
    );

    // Replace the first, a middle and the last rule: same handle, same place, new text.
    let input = live.handles(INET, "filter_t", "input");
    for index in [0, 3, input.len() - 1] {
        let handle = input[index];
        live.change(&format!(
            "replace rule inet filter_t input handle {} meta mark {} accept comment \"replaced\"",
            handle,
            100 + index
        ));
        assert_eq!(live.handles(INET, "filter_t", "input"), input);
        let found = live
            .ruleset
            .find_rule(INET, "filter_t", "input", handle)
            .unwrap();
        assert!(!found.is_retired());
        assert_eq!(found.number() as usize, index + 1);
        assert_eq!(found.rule.comment.as_deref(), Some("replaced"));
        // The version it replaced is retired with the same number.
        let old = live
            .ruleset
            .retired
            .find_rule(INET, "filter_t", "input", handle)
            .expect("the replaced version is retired");
        assert_eq!(old.rule.number as usize, index + 1);
        assert_ne!(old.rule.comment.as_deref(), Some("replaced"));
    }

    // A new chain with rules, and a chain policy change.
    live.change("add chain inet filter_t added");
    live.change("add rule inet filter_t added counter");
    live.change("add chain inet filter_t forward { policy accept ; }");
    assert_eq!(
        live.ruleset
            .find_chain(INET, "filter_t", "forward")
            .unwrap()
            .chain
            .hook
            .as_ref()
            .unwrap()
            .policy,
        Some(1)
    );

    // A rename keeps the chain's handle and rules.
    let checks = live.handles(INET, "filter_t", "user_checks");
    live.change("rename chain inet filter_t user_checks checks2");
    live.change("rename chain inet filter_t checks2 user_checks");
    assert_eq!(live.handles(INET, "filter_t", "user_checks"), checks);

    // Several changes in one transaction.
    let batch = "insert rule inet filter_t added meta mark 1 accept\n\
                 add rule inet filter_t added meta mark 2 accept\n\
                 insert rule inet filter_t user_checks meta mark 3 accept\n\
                 delete rule inet filter_t user_drop handle 17\n";
    let user_drop = live.handles(INET, "filter_t", "user_drop");
    assert_eq!(user_drop, [17]);
    ns.exec_with_input(&["nft", "-f", "-"], batch);
    live.sync();
    live.assert_current();
    live.assert_retired(INET, "filter_t", "user_drop", 17, 1);

    // Flush the whole table: every rule is retired with the number it had before.
    let before: BTreeMap<String, Vec<u64>> = live
        .ruleset
        .table(INET, "filter_t")
        .unwrap()
        .chains
        .iter()
        .map(|c| (c.name.clone(), c.rules.iter().map(|r| r.handle).collect()))
        .collect();
    live.change("flush table inet filter_t");
    for (chain, handles) in &before {
        assert!(live.handles(INET, "filter_t", chain).is_empty());
        for (i, &handle) in handles.iter().enumerate() {
            live.assert_retired(INET, "filter_t", chain, handle, i as u32 + 1);
        }
    }

    // Delete a whole table: rules and chains retired.
    let pre = live.handles(IP, "nat_t", "prerouting");
    live.change("delete table ip nat_t");
    assert!(live.ruleset.table(IP, "nat_t").is_none());
    live.assert_retired(IP, "nat_t", "prerouting", pre[0], 1);
    let chain = live.ruleset.find_chain(IP, "nat_t", "prerouting").unwrap();
    assert!(chain.is_retired());
    assert_eq!(chain.chain.hook.as_ref().unwrap().priority, -100);

    // A table made again with the same name starts its handles over; live rules win.
    live.change("add table ip nat_t");
    live.change("add chain ip nat_t prerouting");
    live.change("add rule ip nat_t prerouting counter");
    let again = live.handles(IP, "nat_t", "prerouting");
    assert_eq!(again.len(), 1);
    assert!(!live
        .ruleset
        .find_rule(IP, "nat_t", "prerouting", again[0])
        .unwrap()
        .is_retired());
}

#[test]
fn changes_made_during_the_dump_are_not_lost() {
    // Subscribe, change, dump, change again: the first change's notifications are older than
    // or as old as the dump and must not be applied twice; the second's must be applied.
    let ns = Netns::new("rsrace");
    ns.nft(RULESET);
    let monitor = ns.run_in(|| NftMonitor::open(NftMonitorConfig::default()).unwrap());
    ns.exec(&[
        "nft",
        "add",
        "rule",
        "inet",
        "filter_t",
        "output",
        "counter",
        "comment",
        "\"before dump\"",
    ]);
    ns.exec(&["nft", "delete", "chain", "inet", "filter_t", "forward"]);
    let ruleset = dump_in(&ns);
    let mut live = Live {
        ns: &ns,
        monitor,
        ruleset,
        batch: RecvBatch::default(),
    };
    ns.exec(&[
        "nft",
        "insert",
        "rule",
        "inet",
        "filter_t",
        "output",
        "counter",
        "comment",
        "\"after dump\"",
    ]);
    let stats = live.sync();
    assert!(stats.stale > 0, "{stats:?}");
    assert!(stats.changed > 0, "{stats:?}");
    live.assert_current();
    let output = live.ruleset.live_chain(INET, "filter_t", "output").unwrap();
    let comments: Vec<_> = output.rules.iter().map(|r| r.comment.as_deref()).collect();
    assert_eq!(comments.first(), Some(&Some("after dump")));
    assert_eq!(
        comments
            .iter()
            .filter(|c| **c == Some("before dump"))
            .count(),
        1
    );
}

#[test]
fn retired_rules_expire_after_grace_and_a_newer_generation() {
    use nftrace::ruleset::nft::RetiredPolicy;
    use std::time::Instant;

    let ns = Netns::new("rsexpire");
    ns.nft(RULESET);
    let mut live = Live::start(&ns);
    live.ruleset.retired.set_policy(RetiredPolicy {
        grace: Duration::from_secs(3600),
        max_rules: 2,
    });
    let output = live.handles(INET, "filter_t", "output");
    live.change("flush chain inet filter_t output");
    // Three rules went, the cap keeps the last two.
    assert_eq!(live.ruleset.retired.len(), 2);
    assert!(live
        .ruleset
        .find_rule(INET, "filter_t", "output", output[0])
        .is_none());
    live.assert_retired(INET, "filter_t", "output", output[2], 3);

    // Within the grace time nothing expires, even in later generations.
    live.change("add rule inet filter_t output counter");
    live.ruleset.prune_retired(Instant::now());
    assert_eq!(live.ruleset.retired.len(), 2);
    // Past the grace time, in a later generation, they go.
    live.ruleset.retired.set_policy(RetiredPolicy {
        grace: Duration::ZERO,
        max_rules: 2,
    });
    live.ruleset.prune_retired(Instant::now());
    assert!(live.ruleset.retired.is_empty());

    // Past the grace time but still in the generation that deleted them, they stay.
    let output = live.handles(INET, "filter_t", "output");
    live.change(&format!(
        "delete rule inet filter_t output handle {}",
        output[0]
    ));
    live.ruleset
        .prune_retired(Instant::now() + Duration::from_secs(60));
    live.assert_retired(INET, "filter_t", "output", output[0], 1);
}

#[test]
fn resync_after_lost_notifications_retires_what_went() {
    use std::time::Instant;

    let ns = Netns::new("rsresync");
    ns.nft(RULESET);
    let mut ruleset = dump_in(&ns);
    let output = ruleset
        .live_chain(INET, "filter_t", "output")
        .unwrap()
        .rules
        .iter()
        .map(|r| r.handle)
        .collect::<Vec<_>>();
    let nat_rule = ruleset
        .live_chain(IP, "nat_t", "postrouting")
        .unwrap()
        .rules[0]
        .handle;
    // Changes nobody listens to: the snapshot misses them.
    ns.exec(&[
        "nft",
        "delete",
        "rule",
        "inet",
        "filter_t",
        "output",
        "handle",
        &output[1].to_string(),
    ]);
    ns.exec(&["nft", "delete", "chain", "inet", "filter_t", "forward"]);
    ns.exec(&["nft", "delete", "table", "ip", "nat_t"]);
    ns.exec(&["nft", "add", "table", "ip", "nat_t"]);
    ns.exec(&[
        "nft", "add", "rule", "inet", "filter_t", "output", "counter",
    ]);
    let fresh = dump_in(&ns);
    ruleset.resync(fresh.clone(), Instant::now());
    assert_eq!(ruleset.tables, fresh.tables);
    assert_eq!(ruleset.generation, fresh.generation);
    let gone = ruleset
        .find_rule(INET, "filter_t", "output", output[1])
        .unwrap();
    assert_eq!((gone.number(), gone.is_retired()), (2, true));
    assert!(ruleset
        .find_chain(INET, "filter_t", "forward")
        .unwrap()
        .is_retired());
    // The nat table was made again: its old rules are retired although the name lives on.
    let old_nat = ruleset
        .find_rule(IP, "nat_t", "postrouting", nat_rule)
        .unwrap();
    assert_eq!((old_nat.number(), old_nat.is_retired()), (1, true));
    assert!(!ruleset
        .find_rule(INET, "filter_t", "output", output[0])
        .unwrap()
        .is_retired());
}

#[test]
fn dumps_racing_commits_are_retried_or_refused_never_mixed() {
    use nftrace::netlink::{dump_nftables, DumpConfig, DumpError};
    use std::sync::atomic::{AtomicBool, Ordering};

    // Two chains that always grow together: every transaction adds one rule to each. A
    // consistent snapshot has as many rules in one as in the other; a dump whose parts came
    // from different generations would not. The chains are long enough for the rule dump to
    // take many datagrams.
    let ns = Netns::new("rsintr");
    let mut setup = String::from("table ip race {\n");
    for chain in ["a", "b"] {
        setup.push_str(&format!("    chain {chain} {{\n"));
        for i in 0..1500 {
            setup.push_str(&format!(
                "        ip saddr 10.0.{}.{} counter\n",
                i / 256,
                i % 256
            ));
        }
        setup.push_str("    }\n");
    }
    setup.push_str("}\n");
    ns.nft(&setup);

    let stop = AtomicBool::new(false);
    let (mut retried, mut refused, mut consistent) = (0, 0, 0);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                ns.nft("add rule ip race a counter\nadd rule ip race b counter\n");
            }
        });
        for _ in 0..30 {
            let config = DumpConfig {
                max_attempts: 3,
                ..DumpConfig::default()
            };
            match ns.run_in(|| dump_nftables(&config)) {
                Ok(replies) => {
                    if replies.attempts > 1 {
                        retried += 1;
                    }
                    let ruleset = NftRuleset::from_dump(&replies).unwrap();
                    let a = ruleset.live_chain(IP, "race", "a").unwrap().rules.len();
                    let b = ruleset.live_chain(IP, "race", "b").unwrap().rules.len();
                    assert_eq!(a, b, "a dump mixed generations");
                    consistent += 1;
                }
                Err(DumpError::Interrupted { attempts, .. }) => {
                    assert_eq!(attempts, 3);
                    refused += 1;
                }
                Err(other) => panic!("{other}"),
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    eprintln!("consistent {consistent}, of which retried {retried}; refused {refused}");
    assert!(
        retried + refused > 0,
        "30 dumps raced a busy writer and none noticed a change"
    );
}
