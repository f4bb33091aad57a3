//! The hook order against the kernel: a namespace with nf_tables base chains at several
//! priorities (inet and ip tables, nat chains too), iptables-legacy tables and conntrack in
//! use. The hook table must list all of them, and the order it gives must be the order in
//! which a traced packet actually meets them.
//!
//! How the real order is seen: the trace events of the two sources arrive on two sockets, so
//! their interleaving in nftrace's output says nothing. The packet mark does: every traced
//! table and chain ORs its own bit into the mark (`meta mark set meta mark or BIT`,
//! `-j MARK --or-mark BIT`), and every event reports the mark (nf_tables events after the
//! chain's first rule, legacy TRACE records before the matching rule's target). An entry's
//! bits minus its own are exactly the entries that ran before it.
//!
//! A packet from the peer namespace shows the input hook (after prerouting); a packet to the
//! peer shows the output hook. Both are new UDP flows, so the nat chains run.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::{send_udp, Netns, Nftrace, VethEnd};
use nftrace::hooks::{self, HookEntry, HookKind, HookList, HookSource, HookTable};
use nftrace_sys::netfilter::{
    NFPROTO_IPV4, NFPROTO_IPV6, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_PRE_ROUTING,
};
use serde_json::Value;

const PORT: u16 = 4242;

/// Which entries OR which bit into the mark. Output entries use the low 16 bits, input
/// entries the high 16, so the two packets cannot be confused.
const NFT_BITS: [(&str, &str, u32); 10] = [
    ("inet demo", "o350", 0x1),
    ("inet demo", "o300", 0x2),
    ("inet demo", "o150", 0x4),
    ("ip demo4", "o0", 0x8),
    ("ip demo4", "o50", 0x10),
    ("ip demo4", "onat", 0x20),
    ("inet demo", "i350", 0x1_0000),
    ("inet demo", "i150", 0x10_0000),
    ("ip demo4", "i0", 0x20_0000),
    ("ip demo4", "inat", 0x40_0000),
];

const LEGACY_BITS: [(&str, &str, u32); 7] = [
    ("raw", "OUTPUT", 0x100),
    ("mangle", "OUTPUT", 0x200),
    ("nat", "OUTPUT", 0x400),
    ("filter", "OUTPUT", 0x800),
    ("mangle", "INPUT", 0x2_0000),
    ("nat", "INPUT", 0x4_0000),
    ("filter", "INPUT", 0x8_0000),
];

const OUTPUT_MASK: u32 = 0xffff;
const INPUT_MASK: u32 = 0xffff_0000;

/// The nf_tables part: trace triggers at -500 (before everything), then chains that only
/// set their mark bit, at priorities that interleave with the legacy tables: before raw
/// (-350), equal to raw (-300), to mangle (-150), to filter (0), between (50), and nat
/// chains (-120 at output, 90 at input) that the NAT core runs.
const RULESET: &str = "
table inet demo {
    chain trig_out { type filter hook output priority -500; udp dport 4242 meta nftrace set 1; }
    chain trig_pre { type filter hook prerouting priority -500; udp dport 4242 meta nftrace set 1; }
    chain o350 { type filter hook output priority -350; meta mark set meta mark or 0x1; }
    chain o300 { type filter hook output priority -300; meta mark set meta mark or 0x2; }
    chain o150 { type filter hook output priority -150; meta mark set meta mark or 0x4; }
    chain i350 { type filter hook input priority -350; meta mark set meta mark or 0x10000; }
    chain i150 { type filter hook input priority -150; meta mark set meta mark or 0x100000; }
}
table ip demo4 {
    chain o0 { type filter hook output priority 0; meta mark set meta mark or 0x8; }
    chain o50 { type filter hook output priority 50; meta mark set meta mark or 0x10; }
    chain onat { type nat hook output priority -120; meta mark set meta mark or 0x20; }
    chain i0 { type filter hook input priority 0; meta mark set meta mark or 0x200000; }
    chain inat { type nat hook input priority 90; meta mark set meta mark or 0x400000; }
}
";

/// The namespace under test (`a`) and its peer (`b`), connected by a veth pair.
struct Setup {
    a: Netns,
    b: Netns,
}

fn setup() -> Setup {
    let a = Netns::new("hooks");
    let b = Netns::new("hookpeer");
    Netns::veth_pair(
        &a,
        &b,
        &VethEnd {
            ifname: "v-a",
            ipv4: "10.98.0.1/24",
            ipv6: "fd98::1/64",
        },
        &VethEnd {
            ifname: "v-b",
            ipv4: "10.98.0.2/24",
            ipv6: "fd98::2/64",
        },
    );
    // The legacy tables first, then nf_tables: at equal priorities, the kernel runs the
    // hook registered last first, so the nf_tables chains must come before their legacy
    // twins in the trace.
    for (table, chain, bit) in LEGACY_BITS {
        let mut args = vec![
            "iptables-legacy",
            "-w",
            "-t",
            table,
            "-A",
            chain,
            "-p",
            "udp",
            "--dport",
            "4242",
        ];
        // The conntrack match makes conntrack register its hooks (NAT needs it to run).
        if table == "filter" && chain == "INPUT" {
            args.extend(["-m", "conntrack", "--ctstate", "NEW"]);
        }
        let bit = format!("{bit:#x}");
        args.extend(["-j", "MARK", "--or-mark", &bit]);
        a.exec(&args);
    }
    a.nft(RULESET);
    // Legacy TRACE (here: every legacy table a traced packet crosses) goes to
    // nfnetlink_log once it is the namespace's logger.
    a.set_sysctl("net.netfilter.nf_log.2", "nfnetlink_log");
    Setup { a, b }
}

fn hook_table(ns: &Netns) -> HookTable {
    let table = ns
        .run_in(hooks::dump)
        .unwrap_or_else(|err| panic!("hook table: {err}"));
    let mut text = Vec::new();
    nftrace::output::hooks::write_text(&mut text, &table).unwrap();
    eprintln!("{}", String::from_utf8_lossy(&text));
    table
}

/// `nft inet demo o350` / `legacy raw` / `conntrack` ...: what the comparison names.
fn key(entry: &HookEntry) -> String {
    match &entry.kind {
        HookKind::NftChain {
            family,
            table,
            chain,
        } => {
            let family = match *family {
                1 => "inet",
                2 => "ip",
                10 => "ip6",
                _ => "other",
            };
            format!("nft {family} {table} {chain}")
        }
        HookKind::Legacy { table, .. } => format!("legacy {}", table.as_deref().unwrap_or("?")),
        HookKind::Conntrack => "conntrack".to_owned(),
        HookKind::Defrag => "defrag".to_owned(),
        HookKind::Nat => "nat".to_owned(),
        other => format!("{other:?}"),
    }
}

fn bit_of(key: &str) -> Option<u32> {
    NFT_BITS
        .iter()
        .find(|(table, chain, _)| key.strip_prefix("nft ") == Some(&format!("{table} {chain}")))
        .map(|(_, _, bit)| *bit)
}

fn legacy_bit(table: &str, chain: &str) -> Option<u32> {
    LEGACY_BITS
        .iter()
        .find(|(t, c, _)| *t == table && *c == chain)
        .map(|(_, _, bit)| *bit)
}

/// The entries of `list` that carry a mark bit, in the list's run order, each with its
/// priority and whether the table says their order among equals is unknown.
fn expected(list: &HookList, chain_of_hook: &str) -> Vec<(String, u32, i32, bool)> {
    list.run_order()
        .filter_map(|e| {
            let k = key(e);
            let bit = match k.strip_prefix("legacy ") {
                Some(table) => legacy_bit(table, chain_of_hook)?,
                None => bit_of(&k)?,
            };
            Some((k, bit, e.priority, e.order_unknown))
        })
        .collect()
}

/// What the trace says: for each entry seen (by its bit), the bits that were set before it.
fn observed(events: &[Value], mask: u32) -> BTreeMap<u32, (String, u32)> {
    let mut seen: BTreeMap<u32, (String, u32)> = BTreeMap::new();
    for event in events {
        let mark = event["mark"].as_u64().unwrap_or(0) as u32;
        let (name, bit) = match event["source"].as_str() {
            Some("nftables") => {
                let name = format!(
                    "nft {} {} {}",
                    event["family"].as_str().unwrap_or("?"),
                    event["table"].as_str().unwrap_or("?"),
                    event["chain"].as_str().unwrap_or("?")
                );
                let Some(bit) = bit_of(&name) else { continue };
                (name, bit)
            }
            Some("nflog") => {
                let step = &event["trace"];
                let (Some(table), Some(chain)) = (step["table"].as_str(), step["chain"].as_str())
                else {
                    continue;
                };
                let Some(bit) = legacy_bit(table, chain) else {
                    continue;
                };
                (format!("legacy {table}"), bit)
            }
            _ => continue,
        };
        if bit & mask == 0 {
            continue;
        }
        let before = mark & mask & !bit;
        let previous = seen.insert(bit, (name.clone(), before));
        if let Some((_, earlier)) = previous {
            assert_eq!(
                earlier, before,
                "{name}: every event of one entry sees the same entries before it"
            );
        }
    }
    seen
}

/// Checks that the trace's order is the table's: walking the table's order, each entry saw
/// exactly the entries before it. Entries the table marks as of unknown order among equal
/// priorities may be permuted within their group; returns the order the trace showed for
/// each such group.
fn check_order(
    what: &str,
    expected: &[(String, u32, i32, bool)],
    seen: &BTreeMap<u32, (String, u32)>,
) -> Vec<Vec<String>> {
    let names: Vec<&String> = expected.iter().map(|e| &e.0).collect();
    for (name, bit, _, _) in expected {
        assert!(
            seen.contains_key(bit),
            "{what}: {name} is in the hook table but not in the trace; table order {names:?}, \
             seen {seen:?}"
        );
    }
    assert_eq!(
        seen.len(),
        expected.len(),
        "{what}: the trace has entries the hook table lacks; table order {names:?}, seen {seen:?}"
    );
    let mut ties = Vec::new();
    let mut before_group = 0u32;
    let mut i = 0;
    while i < expected.len() {
        // A group: one entry, or consecutive entries of one priority whose order is unknown.
        let mut j = i + 1;
        while j < expected.len() && expected[i].3 && expected[j].3 && expected[j].2 == expected[i].2
        {
            j += 1;
        }
        let group = &expected[i..j];
        let group_bits: u32 = group.iter().map(|e| e.1).fold(0, |a, b| a | b);
        for (name, bit, _, _) in group {
            let (_, before) = seen[bit];
            assert_eq!(
                before & !group_bits,
                before_group,
                "{what}: {name} ran after {:#x}, but the hook table puts {:#x} before it \
                 (table order {names:?})",
                before,
                before_group
            );
        }
        if group.len() > 1 {
            let mut order: Vec<&(String, u32, i32, bool)> = group.iter().collect();
            order.sort_by_key(|e| seen[&e.1].1.count_ones());
            // Within the group the trace must show a strict order too.
            for pair in order.windows(2) {
                let (_, first_before) = seen[&pair[0].1];
                let (_, second_before) = seen[&pair[1].1];
                assert_eq!(
                    second_before & group_bits,
                    (first_before & group_bits) | pair[0].1,
                    "{what}: entries of priority {} overlap",
                    group[0].2
                );
            }
            ties.push(order.into_iter().map(|e| e.0.clone()).collect());
        }
        before_group |= group_bits;
        i = j;
    }
    ties
}

fn keys(list: &HookList) -> Vec<String> {
    list.run_order().map(key).collect()
}

fn list(table: &HookTable, family: u8, hook: u32) -> &HookList {
    table
        .list(family, hook, None)
        .unwrap_or_else(|| panic!("no list for family {family} hook {hook}: {table:#?}"))
}

#[test]
fn the_hook_order_is_the_order_a_traced_packet_takes() {
    let Setup { a, b } = setup();
    let mut nftrace = Nftrace::events_json(&a, &[]);

    // Out of `a` to the peer (output hook), then from the peer into `a` (input hook). Both
    // are new flows: the nat chains run for them.
    send_udp(&a, SocketAddr::from(([10, 98, 0, 2], PORT)), 8);
    send_udp(&b, SocketAddr::from(([10, 98, 0, 1], PORT)), 8);
    let all_seen = |events: &[Value]| {
        let out = observed(events, OUTPUT_MASK);
        let input = observed(events, INPUT_MASK);
        out.len() == 10 && input.len() == 7
    };
    nftrace.wait_for(all_seen, Duration::from_secs(10));
    let events = nftrace.stop().json;

    let table = hook_table(&a);

    // The table lists everything, whatever its source.
    let out = list(&table, NFPROTO_IPV4, NF_INET_LOCAL_OUT);
    let out_keys = keys(out);
    for expected in [
        "nft inet demo trig_out",
        "nft inet demo o350",
        "nft inet demo o300",
        "legacy raw",
        "conntrack",
        "defrag",
        "nft inet demo o150",
        "legacy mangle",
        "nat",
        "nft ip demo4 onat",
        "legacy nat",
        "nft ip demo4 o0",
        "legacy filter",
        "nft ip demo4 o50",
    ] {
        assert!(
            out_keys.iter().any(|k| k == expected),
            "ip output lacks {expected}: {out_keys:?}"
        );
    }
    assert_eq!(
        out_keys.first().map(String::as_str),
        Some("nft inet demo trig_out")
    );
    let input = list(&table, NFPROTO_IPV4, NF_INET_LOCAL_IN);
    let in_keys = keys(input);
    for expected in [
        "nft inet demo i350",
        "nft inet demo i150",
        "legacy mangle",
        "nft ip demo4 i0",
        "legacy filter",
        "nat",
        "nft ip demo4 inat",
        "legacy nat",
        "conntrack",
    ] {
        assert!(
            in_keys.iter().any(|k| k == expected),
            "ip input lacks {expected}: {in_keys:?}"
        );
    }
    // Conntrack confirms last, at INT_MAX.
    let last = input.entries.last().unwrap();
    assert_eq!((key(last).as_str(), last.priority), ("conntrack", i32::MAX));
    // inet chains are in the ip6 lists too; the legacy tables (iptables only) are not.
    let out6 = keys(list(&table, NFPROTO_IPV6, NF_INET_LOCAL_OUT));
    assert_eq!(
        out6,
        [
            "nft inet demo trig_out",
            "nft inet demo o350",
            "nft inet demo o300",
            "nft inet demo o150"
        ]
    );
    let pre = keys(list(&table, NFPROTO_IPV4, NF_INET_PRE_ROUTING));
    assert_eq!(
        pre.first().map(String::as_str),
        Some("nft inet demo trig_pre")
    );

    // The order: the trace must agree with the table.
    let out_ties = check_order(
        "ip output",
        &expected(out, "OUTPUT"),
        &observed(&events, OUTPUT_MASK),
    );
    let in_ties = check_order(
        "ip input",
        &expected(input, "INPUT"),
        &observed(&events, INPUT_MASK),
    );

    match table.source {
        HookSource::Kernel => {
            // The kernel's list has no uncertainty left.
            assert!(out_ties.is_empty() && in_ties.is_empty());
        }
        HookSource::Derived => {
            // This kernel (built without nfnetlink_hook) gets a derived table: it says so,
            // and the ties it cannot order are the equal priorities. The trace shows the
            // kernel's rule for them: the nf_tables chains, registered after the legacy
            // tables, run first.
            assert!(
                table.notes[0].contains("hook list is unavailable"),
                "{:?}",
                table.notes
            );
            assert_eq!(
                out_ties,
                [
                    ["nft inet demo o300", "legacy raw"],
                    ["nft inet demo o150", "legacy mangle"],
                    ["nft ip demo4 o0", "legacy filter"],
                ]
            );
            assert_eq!(
                in_ties,
                [
                    ["nft inet demo i150", "legacy mangle"],
                    ["nft ip demo4 i0", "legacy filter"],
                ]
            );
        }
    }
}

#[test]
fn an_empty_namespace_has_no_hooks_and_says_where_the_table_came_from() {
    let ns = Netns::new("hooksempty");
    let table = hook_table(&ns);
    assert!(table.hooks.is_empty(), "{table:#?}");
    if table.source == HookSource::Derived {
        assert!(table
            .notes
            .iter()
            .any(|n| n.contains("not from the kernel")));
    }
    let mut json = Vec::new();
    nftrace::output::hooks::write_json(&mut json, &table).unwrap();
    let value: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["hooks"], Value::Array(Vec::new()));
}

#[test]
fn a_dormant_table_registers_no_hooks() {
    let ns = Netns::new("hooksdorm");
    ns.nft(
        "table ip sleepy {\n\tflags dormant\n\tchain c { type filter hook input priority 0; }\n}\n\
         table ip awake {\n\tchain c { type filter hook input priority 10; }\n}\n",
    );
    let table = hook_table(&ns);
    let input = keys(list(&table, NFPROTO_IPV4, NF_INET_LOCAL_IN));
    assert_eq!(input, ["nft ip awake c"]);
}

#[test]
fn the_snapshot_lists_every_base_chain_of_the_ruleset_dump() {
    // The hook table takes its base chains from the ruleset dump: every base chain of a
    // table that is not dormant, with its devices.
    let ns = Netns::new("hookchn");
    ns.ip(&[
        "link", "add", "nft-h0", "type", "veth", "peer", "name", "nft-h1",
    ]);
    ns.nft(
        "table inet demo {\n\
         \tchain pre { type filter hook prerouting priority -300; }\n\
         \tchain out_nat { type nat hook output priority -120; }\n\
         \tchain ingress { type filter hook ingress devices = { nft-h0, nft-h1 } priority -10; }\n\
         \tchain user { }\n\
         }\n\
         table netdev l2 {\n\
         \tchain eg { type filter hook egress device \"nft-h0\" priority 0; }\n\
         }\n\
         table ip sleepy {\n\
         \tflags dormant\n\
         \tchain in { type filter hook input priority 0; }\n\
         }\n",
    );
    let snapshot = ns.run_in(|| hooks::read_snapshot().expect("snapshot"));
    let mut names: Vec<_> = snapshot
        .chains
        .iter()
        .map(|c| {
            let mut devices = c.devices.clone();
            devices.sort();
            format!(
                "{} {} {} {} {} {} {}",
                c.family,
                c.table,
                c.chain,
                c.hooknum,
                c.priority,
                c.chain_type,
                devices.join(",")
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "1 demo ingress 5 -10 filter nft-h0,nft-h1",
            "1 demo out_nat 3 -120 nat ",
            "1 demo pre 0 -300 filter ",
            "5 l2 eg 1 0 filter nft-h0"
        ]
    );
}
