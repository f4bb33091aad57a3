//! Loading a 10,000-rule nf_tables ruleset into the snapshot: the netlink dump (GETGEN,
//! table, chain, rule and set dumps, GETGEN) and the decoding into an `NftRuleset`, measured
//! together (`ruleset_load/dump_and_decode`, what `nftrace::ruleset::nft::dump` costs) and
//! apart (`ruleset_load/netlink_dump`, `ruleset_load/decode`). Loading the rules with `nft -f`
//! is set-up, not measured.
//!
//! The ruleset: one `inet` table, 100 chains of 100 rules each. `c00` is a base chain (filter
//! input) whose first 99 rules jump to `c01`..`c99` on a port range; the other rules match
//! typical things (addresses with prefixes, ports, interface names, conntrack state, a set
//! lookup, counters, comments on every tenth rule). Exactly 10,000 rules.
//!
//! Needs root: it creates the network namespace `nftrace-bench-<pid>` and deletes it at the
//! end, also when a benchmark fails. Without root it prints why and does nothing. Results go
//! to BENCHMARKS.md ("Ruleset load"); run `cargo bench --bench ruleset_load`.

use std::fmt::Write as _;
use std::fs::File;
use std::hint::black_box;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::Criterion;
use nftrace::netlink::{dump_nftables, DumpConfig};
use nftrace::ruleset::model::NftRuleset;
use nftrace::ruleset::nft;

const CHAINS: usize = 100;
const RULES_PER_CHAIN: usize = 100;

/// A namespace of the benchmark's own, deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn create() -> Netns {
        let name = format!("nftrace-bench-{}", std::process::id());
        let status = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("run ip netns add");
        assert!(status.success(), "ip netns add {name} failed");
        Netns { name }
    }

    fn load(&self, ruleset: &str) {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.name, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("run nft -f");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ruleset.as_bytes())
            .expect("write the ruleset to nft");
        let status = child.wait().expect("wait for nft");
        assert!(status.success(), "nft -f of the generated ruleset failed");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// The generated ruleset (see the module documentation).
fn ruleset_text() -> String {
    let mut text = String::from("table inet bench {\n");
    text.push_str("    set trusted { type ipv4_addr; flags interval; elements = { 192.0.2.0/24, 198.51.100.0/24 } }\n");
    for chain in 0..CHAINS {
        writeln!(text, "    chain c{chain:02} {{").unwrap();
        if chain == 0 {
            text.push_str("        type filter hook input priority 0; policy accept;\n");
        }
        for rule in 0..RULES_PER_CHAIN {
            let comment = if rule % 10 == 0 {
                format!(" comment \"chain {chain} rule {rule}\"")
            } else {
                String::new()
            };
            let body = if chain == 0 && rule + 1 < CHAINS {
                let target = rule + 1;
                format!(
                    "tcp dport {}-{} jump c{target:02}",
                    1000 + target * 10,
                    1009 + target * 10
                )
            } else {
                match rule % 6 {
                    0 => format!(
                        "ip saddr 10.{chain}.{rule}.0/24 tcp dport {} ct state new counter accept",
                        1024 + rule
                    ),
                    1 => format!(
                        "ip6 saddr 2001:db8:{chain:x}:{rule:x}::/64 udp dport {} drop",
                        2000 + rule
                    ),
                    2 => format!("iifname \"veth{rule}\" ip daddr 172.16.{chain}.{rule} counter"),
                    3 => "ip saddr @trusted tcp dport { 22, 443 } accept".to_owned(),
                    4 => format!(
                        "meta mark 0x{:x} ct state established,related accept",
                        chain * 100 + rule
                    ),
                    _ => format!(
                        "tcp flags syn tcp dport {} limit rate 10/second accept",
                        3000 + rule
                    ),
                }
            };
            writeln!(text, "        {body}{comment}").unwrap();
        }
        text.push_str("    }\n");
    }
    text.push_str("}\n");
    text
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .unwrap_or(false)
}

fn rule_count(ruleset: &NftRuleset) -> usize {
    ruleset
        .tables
        .iter()
        .flat_map(|t| &t.chains)
        .map(|c| c.rules.len())
        .sum()
}

fn bench(c: &mut Criterion) {
    // Everything below runs in the namespace (see main).
    let loaded = nft::dump().expect("dump the generated ruleset");
    assert_eq!(rule_count(&loaded), CHAINS * RULES_PER_CHAIN);
    let config = DumpConfig::default();
    let replies = dump_nftables(&config).expect("netlink dump");
    eprintln!(
        "ruleset_load: {} rules in {} chains; dump replies: {} bytes of rules, {} of chains",
        rule_count(&loaded),
        loaded.tables.iter().map(|t| t.chains.len()).sum::<usize>(),
        replies.rules.len(),
        replies.chains.len(),
    );

    let mut group = c.benchmark_group("ruleset_load");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("dump_and_decode", |b| {
        b.iter(|| black_box(nft::dump().expect("dump")))
    });
    group.bench_function("netlink_dump", |b| {
        b.iter(|| black_box(dump_nftables(&config).expect("dump")))
    });
    group.bench_function("decode", |b| {
        b.iter(|| black_box(NftRuleset::from_dump(black_box(&replies)).expect("decode")))
    });
    group.finish();
}

fn main() {
    if !is_root() {
        eprintln!("ruleset_load: skipped, needs root (it creates a network namespace)");
        return;
    }
    let netns = Netns::create();
    netns.load(&ruleset_text());
    let path = format!("/run/netns/{}", netns.name);
    let result = std::thread::spawn(move || {
        let file = File::open(&path).expect("open the namespace");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let mut criterion = Criterion::default().configure_from_args();
        bench(&mut criterion);
        criterion.final_summary();
    })
    .join();
    drop(netns);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
