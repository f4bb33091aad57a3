//! The iptables-legacy trigger and the nf_log binding against the real kernel, inside test
//! namespaces (every operation runs on a thread that entered one, `Netns::run_in`):
//!
//! - the exact `iptables-legacy-save` / `ip6tables-legacy-save` lines installed for several
//!   filters (protocols, ports and port ranges, addresses on both sides and twice on one,
//!   several negated protocols, interface, mark, rate), and what `rules_per_chain` says;
//! - that only the packets the filter matches are traced (nftrace's own nflog reader and the
//!   rules' counters);
//! - that removal gives back the whole state (`snapshot`: legacy tables of both families,
//!   nft ruleset, every `net.netfilter.nf_log.*`), the user's own raw rules keeping their
//!   order below the trigger's while it is there;
//! - rollback when a later command fails, and nothing changed when a program is missing;
//! - the nf_log binding: per namespace of the opening thread, restored through the files
//!   it opened, and restored from a run's record after that run is gone;
//! - finding the rules of other runs by their record, and removing them.
//!
//! Needs root.

mod common;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use common::*;
use nftrace::filter::parse_filter;
use nftrace::trigger::error::TriggerError;
use nftrace::trigger::legacy::{self, FoundLegacyRule, LegacyTrigger, Tools};
use nftrace::trigger::nf_log;
use nftrace::trigger::record::Record;
use nftrace::trigger::TriggerSpec;

/// Guards against hangs only; nothing is asserted on time.
const GUARD: Duration = Duration::from_secs(10);

/// A record with fixed numbers, so that the expected lines are constant.
fn record() -> Record {
    Record {
        pid: 4242,
        start: 99,
        nf_log: vec![(2, "nf_log_ipv4".to_owned()), (10, "NONE".to_owned())],
    }
}

/// How the record shows in a save line.
const COMMENT: &str =
    "-m comment --comment \"nftrace pid=4242 start=99 nf_log.2=nf_log_ipv4 nf_log.10=NONE\"";

/// The spec of a filter expression as the command line gives it (every packet when empty),
/// no interface, mark or rate, and [`record`].
fn spec(filter: &str) -> TriggerSpec {
    TriggerSpec {
        filter: parse_filter(&[filter.to_owned()])
            .unwrap_or_else(|err| panic!("filter `{filter}`: {err}")),
        iif: None,
        mark: None,
        rate: 0,
        record: record(),
    }
}

/// Two conjunctions (UDP, then TCP): two rules in each chain, in this order.
const UDP_DNS_OR_TCP_RANGE: &str =
    "udp and dst port 53 or tcp and dst portrange 8000-8080 and not src port 22";

/// The `-A` lines of the raw table in `<tool>-save` (no `-t`: a table that does not exist
/// is not created by looking); empty when there is no raw table.
fn raw_lines(ns: &Netns, save_tool: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&ns.exec(&[save_tool]).stdout).into_owned();
    let mut in_raw = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        match line {
            "*raw" => in_raw = true,
            "COMMIT" => in_raw = false,
            _ if in_raw && line.starts_with("-A ") => lines.push(line.to_owned()),
            _ => {}
        }
    }
    lines
}

fn raw4(ns: &Netns) -> Vec<String> {
    raw_lines(ns, "iptables-legacy-save")
}

fn raw6(ns: &Netns) -> Vec<String> {
    raw_lines(ns, "ip6tables-legacy-save")
}

/// Installs in the namespace.
fn install(ns: &Netns, spec: &TriggerSpec) -> Result<LegacyTrigger, TriggerError> {
    ns.run_in(|| legacy::install(spec))
}

fn install_with(
    ns: &Netns,
    spec: &TriggerSpec,
    tools: &Tools,
) -> Result<LegacyTrigger, TriggerError> {
    ns.run_in(|| legacy::install_with(spec, tools))
}

/// Removes in the namespace, asserting success.
fn remove(ns: &Netns, trigger: LegacyTrigger) {
    ns.run_in(|| trigger.remove())
        .unwrap_or_else(|err| panic!("removing the trigger: {err}"));
}

/// The user's own raw rules, both families: a rule in each chain, a user chain jumped to, a
/// comment that is not a record on a non-TRACE rule and a TRACE rule without comment.
fn add_user_rules(ns: &Netns) {
    for tool in ["iptables-legacy", "ip6tables-legacy"] {
        let rules: [&[&str]; 6] = [
            &["-N", "USERCHAIN"],
            &[
                "-A",
                "PREROUTING",
                "-p",
                "tcp",
                "--dport",
                "80",
                "-j",
                "CT",
                "--notrack",
            ],
            &["-A", "PREROUTING", "-j", "USERCHAIN"],
            &["-A", "USERCHAIN", "-p", "udp", "-j", "RETURN"],
            &[
                "-A",
                "OUTPUT",
                "-m",
                "comment",
                "--comment",
                "nftrace pid=1 start=2",
                "-j",
                "ACCEPT",
            ],
            &["-A", "OUTPUT", "-p", "udp", "--dport", "7", "-j", "TRACE"],
        ];
        for rule in rules {
            let mut args = vec![tool, "-w", "-t", "raw"];
            args.extend_from_slice(rule);
            ns.exec(&args);
        }
    }
}

/// The user's rules as `add_user_rules` adds them, as save prints them.
const USER_LINES: [&str; 4] = [
    "-A PREROUTING -p tcp -m tcp --dport 80 -j CT --notrack",
    "-A PREROUTING -j USERCHAIN",
    "-A OUTPUT -m comment --comment \"nftrace pid=1 start=2\" -j ACCEPT",
    "-A OUTPUT -p udp -m udp --dport 7 -j TRACE",
];
const USER_CHAIN_LINE: &str = "-A USERCHAIN -p udp -j RETURN";

/// A directory of programs for `Tools::in_path`, deleted on drop.
struct ToolDir {
    path: PathBuf,
}

impl ToolDir {
    fn new() -> ToolDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "nftrace-legacy-tools-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("creating a temporary directory");
        ToolDir { path }
    }

    /// A link to the real program.
    fn link(&self, program: &str) {
        let real = Tools::from_env()
            .find(program)
            .unwrap_or_else(|| panic!("{program} is not installed"));
        std::os::unix::fs::symlink(&real, self.path.join(program)).expect("symlink");
    }

    /// A shell script called `name`.
    fn script(&self, name: &str, body: &str) {
        let path = self.path.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("writing a script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    fn tools(&self) -> Tools {
        Tools::in_path(self.path.as_os_str())
    }

    fn dir(&self) -> &Path {
        &self.path
    }
}

impl Drop for ToolDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// One filter: its spec, and the exact raw lines expected for IPv4 and IPv6.
struct Case {
    name: &'static str,
    spec: TriggerSpec,
    v4: Vec<String>,
    v6: Vec<String>,
    per_chain: Vec<(u8, String, u32)>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();

    // No filter, with a mark and the default rate.
    let mut everything = spec("");
    everything.mark = Some((0x2a, 0xff));
    everything.rate = 100;
    let tail = format!("-m mark --mark 0x2a/0xff -m limit --limit 100/sec {COMMENT} -j TRACE");
    let both = vec![format!("-A PREROUTING {tail}"), format!("-A OUTPUT {tail}")];
    cases.push(Case {
        name: "everything",
        spec: everything,
        v4: both.clone(),
        v6: both,
        per_chain: vec![
            (2, "PREROUTING".into(), 1),
            (2, "OUTPUT".into(), 1),
            (10, "PREROUTING".into(), 1),
            (10, "OUTPUT".into(), 1),
        ],
    });

    // Two conjunctions, both families, no rate limit: filter order in each chain.
    let both = vec![
        format!("-A PREROUTING -p udp -m udp --dport 53 {COMMENT} -j TRACE"),
        format!("-A PREROUTING -p tcp -m tcp ! --sport 22 --dport 8000:8080 {COMMENT} -j TRACE"),
        format!("-A OUTPUT -p udp -m udp --dport 53 {COMMENT} -j TRACE"),
        format!("-A OUTPUT -p tcp -m tcp ! --sport 22 --dport 8000:8080 {COMMENT} -j TRACE"),
    ];
    cases.push(Case {
        name: "udp dst port 53 or tcp dst portrange 8000-8080 and not src port 22",
        spec: spec(UDP_DNS_OR_TCP_RANGE),
        v4: both.clone(),
        v6: both,
        per_chain: vec![
            (2, "PREROUTING".into(), 2),
            (2, "OUTPUT".into(), 2),
            (10, "PREROUTING".into(), 2),
            (10, "OUTPUT".into(), 2),
        ],
    });

    // With `-i veth0`: IPv4 only, PREROUTING only, u32 for the two negated protocols,
    // iprange for the second source test.
    let mut v4_iif = spec(
        "host 10.0.0.1 and not (tcp or udp) \
         or icmp and src net 10.0.0.0/8 and not src net 10.9.0.0/16",
    );
    v4_iif.iif = Some("veth0".to_owned());
    let u32_test = "-m u32 --u32 \"0x6&0xff=0x0:0x5,0x7:0x10,0x12:0xff\"";
    cases.push(Case {
        name: "-i veth0, IPv4 host without tcp/udp, icmp from a net but not a subnet",
        spec: v4_iif,
        v4: vec![
            format!("-A PREROUTING -s 10.0.0.1/32 -i veth0 {u32_test} {COMMENT} -j TRACE"),
            format!("-A PREROUTING -d 10.0.0.1/32 -i veth0 {u32_test} {COMMENT} -j TRACE"),
            format!(
                "-A PREROUTING -s 10.0.0.0/8 -i veth0 -p icmp -m iprange ! --src-range \
                 10.9.0.0-10.9.255.255 {COMMENT} -j TRACE"
            ),
        ],
        v6: Vec::new(),
        per_chain: vec![(2, "PREROUTING".into(), 3)],
    });

    // IPv6 only, 5 packets per second.
    let mut v6_only =
        spec("icmp6 and src net fd00::/64 or dst host fd00::1 and not (tcp or udp or icmp6)");
    v6_only.rate = 5;
    let tail = format!("-m limit --limit 5/sec {COMMENT} -j TRACE");
    let u32_test = "-m u32 --u32 \"0x3&0xff=0x0:0x5,0x7:0x10,0x12:0x39,0x3b:0xff\"";
    let chain = |chain: &str| {
        vec![
            format!("-A {chain} -s fd00::/64 -p ipv6-icmp {tail}"),
            format!("-A {chain} -d fd00::1/128 {u32_test} {tail}"),
        ]
    };
    cases.push(Case {
        name: "IPv6 icmp6 from a net, or to a host without tcp/udp/icmp6, 5/s",
        spec: v6_only,
        v4: Vec::new(),
        v6: [chain("PREROUTING"), chain("OUTPUT")].concat(),
        per_chain: vec![(10, "PREROUTING".into(), 2), (10, "OUTPUT".into(), 2)],
    });
    cases
}

#[test]
fn installed_lines_are_exactly_the_filter() {
    for case in cases() {
        let ns = Netns::new("lglines");
        let trigger = install(&ns, &case.spec)
            .unwrap_or_else(|err| panic!("{}: installing: {err}", case.name));
        assert_eq!(raw4(&ns), case.v4, "{}: IPv4 raw table", case.name);
        assert_eq!(raw6(&ns), case.v6, "{}: IPv6 raw table", case.name);
        assert_eq!(trigger.rules_per_chain(), case.per_chain, "{}", case.name);
        remove(&ns, trigger);
        assert!(raw4(&ns).is_empty(), "{}: IPv4 rules left", case.name);
        assert!(raw6(&ns).is_empty(), "{}: IPv6 rules left", case.name);
    }
}

/// The step of an nflog record as `table:chain:kind:number`.
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

/// The `[packets:bytes]` packet counts of the raw `-A` lines of `save_tool -c`.
fn raw_packet_counts(ns: &Netns, save_tool: &str) -> Vec<(String, u64)> {
    let text =
        String::from_utf8_lossy(&ns.exec(&[save_tool, "-c", "-t", "raw"]).stdout).into_owned();
    text.lines()
        .filter_map(|line| {
            let (counters, rule) = line.strip_prefix('[')?.split_once("] ")?;
            let packets = counters.split(':').next()?.parse().ok()?;
            rule.starts_with("-A ").then(|| {
                (
                    rule.split(" -m comment").next().unwrap_or(rule).to_owned(),
                    packets,
                )
            })
        })
        .collect()
}

#[test]
fn only_matching_packets_are_traced() {
    const TRACED: u16 = 4242;
    const UNTRACED: u16 = 4243;
    let ns = Netns::new("lgmatch");
    let loopbacks: [IpAddr; 2] = ["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    let _sinks: Vec<UdpSocket> = loopbacks
        .iter()
        .flat_map(|ip| [TRACED, UNTRACED].map(|port| SocketAddr::new(*ip, port)))
        .map(|addr| udp_sink(&ns, addr))
        .collect();
    let binding = ns
        .run_in(|| nf_log::bind(&[2, 10]))
        .expect("binding nfnetlink_log");
    let filter = format!("udp and dst port {TRACED}");
    let trigger = install(&ns, &spec(&filter)).expect("installing");

    let mut nftrace = Nftrace::events_json(&ns, &["--source", "nflog"]);
    // The untraced packets go first: had they been traced, their records would come first.
    for ip in loopbacks {
        send_udp(&ns, SocketAddr::new(ip, UNTRACED), 3);
    }
    for ip in loopbacks {
        send_udp(&ns, SocketAddr::new(ip, TRACED), 3);
    }
    let both_seen = |records: &[Value]| {
        ["ip", "ip6"].iter().all(|family| {
            records.iter().any(|r| {
                r["family"] == *family
                    && r["packet"]["dst_port"] == TRACED
                    && step_of(r) == "raw:PREROUTING:policy:2"
            })
        })
    };
    nftrace.wait_for(both_seen, GUARD);
    let records = nftrace.stop_checked();

    for family in ["ip", "ip6"] {
        let steps: Vec<String> = records
            .iter()
            .filter(|r| r["family"] == family)
            .map(step_of)
            .collect();
        // On loopback the packet keeps the trace bit from output to prerouting, so the
        // trigger's PREROUTING rule is logged there (`rule:1`: a trigger step the lead maps).
        assert_eq!(
            steps,
            [
                "raw:OUTPUT:policy:2",
                "raw:PREROUTING:rule:1",
                "raw:PREROUTING:policy:2"
            ],
            "{family}: {records:#?}"
        );
    }
    assert!(
        records.iter().all(|r| r["packet"]["dst_port"] == TRACED),
        "only port {TRACED} is traced: {records:#?}"
    );
    for tool in ["iptables-legacy-save", "ip6tables-legacy-save"] {
        let rule = |chain: &str| format!("-A {chain} -p udp -m udp --dport {TRACED}");
        assert_eq!(
            raw_packet_counts(&ns, tool),
            [(rule("PREROUTING"), 1), (rule("OUTPUT"), 1)],
            "{tool}"
        );
    }
    remove(&ns, trigger);
    binding.restore().expect("restoring nf_log");
}

#[test]
fn user_rules_stay_below_ours_and_the_state_comes_back_exactly() {
    let ns = Netns::new("lguser");
    add_user_rules(&ns);
    let before = snapshot(&ns);
    for key in NF_LOG_SYSCTLS {
        assert!(
            before.nf_log.iter().any(|(k, _)| k == key),
            "the snapshot has {key}: {:?}",
            before.nf_log
        );
    }

    // What a run does: bind, record what was bound, install; then remove, restore.
    let binding = ns.run_in(|| nf_log::bind(&[2, 10])).expect("binding");
    let saved = binding.saved();
    assert_eq!(
        saved,
        [
            (2, "nf_log_ipv4".to_owned()),
            (10, "nf_log_ipv6".to_owned())
        ]
    );
    let mut spec = spec(UDP_DNS_OR_TCP_RANGE);
    spec.record = Record::of_this_process(saved);
    spec.rate = 100;
    let trigger = install(&ns, &spec).expect("installing");
    let comment = format!("-m comment --comment \"{}\"", spec.record);
    let ours = |chain: &str| {
        vec![
            format!(
                "-A {chain} -p udp -m udp --dport 53 -m limit --limit 100/sec {comment} -j TRACE"
            ),
            format!(
                "-A {chain} -p tcp -m tcp ! --sport 22 --dport 8000:8080 -m limit --limit 100/sec \
                 {comment} -j TRACE"
            ),
        ]
    };
    let expected = [
        ours("PREROUTING"),
        USER_LINES[..2].iter().map(|l| l.to_string()).collect(),
        ours("OUTPUT"),
        USER_LINES[2..].iter().map(|l| l.to_string()).collect(),
        vec![USER_CHAIN_LINE.to_owned()],
    ]
    .concat();
    assert_eq!(raw4(&ns), expected);
    assert_eq!(raw6(&ns), expected);
    for key in NF_LOG_SYSCTLS {
        assert_eq!(ns.sysctl(key), "nfnetlink_log", "{key}");
    }

    remove(&ns, trigger);
    binding.restore().expect("restoring");
    assert_eq!(snapshot(&ns), before);
}

/// The one thing removal cannot give back: the legacy raw table itself, when inserting the
/// rules created it (x_tables has no way to delete a table short of unloading the module or
/// deleting the namespace). It stays, empty, policies ACCEPT.
#[test]
fn a_raw_table_created_by_installing_stays_empty() {
    let ns = Netns::new("lgfresh");
    let before = snapshot(&ns);
    assert_eq!(
        before.iptables_legacy, "",
        "a fresh namespace has no legacy table"
    );
    let trigger = install(&ns, &spec("")).expect("installing");
    remove(&ns, trigger);
    let after = snapshot(&ns);
    let empty_raw = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
    assert_eq!(after.iptables_legacy, empty_raw);
    assert_eq!(after.ip6tables_legacy, empty_raw);
    assert_eq!(after.nft_ruleset, before.nft_ruleset);
    assert_eq!(after.nf_log, before.nf_log);
}

#[test]
fn a_failing_command_rolls_back_what_was_inserted() {
    let ns = Netns::new("lgroll");
    add_user_rules(&ns);
    let before = snapshot(&ns);

    // ip6tables-legacy fails: the four IPv4 rules, already inserted, are deleted again.
    let tools = ToolDir::new();
    tools.link("iptables-legacy");
    tools.script(
        "ip6tables-legacy",
        "echo \"ip6tables-legacy: simulated failure\" >&2\nexit 4",
    );
    let err = install_with(&ns, &spec(UDP_DNS_OR_TCP_RANGE), &tools.tools())
        .expect_err("ip6tables-legacy fails");
    match &err {
        TriggerError::Command {
            program,
            args,
            stderr,
            ..
        } => {
            assert_eq!(program, "ip6tables-legacy");
            assert_eq!(args[..6], ["-w", "-t", "raw", "-I", "PREROUTING", "1"]);
            assert_eq!(stderr, "ip6tables-legacy: simulated failure");
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.starts_with("`ip6tables-legacy -w -t raw -I PREROUTING 1 -p udp")
            && message.ends_with("(exit status: 4): ip6tables-legacy: simulated failure"),
        "{message}"
    );
    assert_eq!(snapshot(&ns), before);

    // The third IPv4 insert fails (OUTPUT 1): PREROUTING 1 and 2 are deleted again.
    let tools = ToolDir::new();
    let real = Tools::from_env()
        .find("iptables-legacy")
        .expect("iptables-legacy");
    tools.script(
        "iptables-legacy",
        &format!(
            "count=\"{dir}/inserts\"\n\
             case \" $* \" in *\" -I \"*)\n\
               n=$(($(cat \"$count\" 2>/dev/null || echo 0) + 1)); echo $n > \"$count\"\n\
               if [ $n -ge 3 ]; then echo \"refusing insert $n\" >&2; exit 1; fi;;\n\
             esac\n\
             exec {real} \"$@\"",
            dir = tools.dir().display(),
            real = real.display()
        ),
    );
    tools.link("ip6tables-legacy");
    let err = install_with(&ns, &spec(UDP_DNS_OR_TCP_RANGE), &tools.tools())
        .expect_err("the third insert fails");
    match &err {
        TriggerError::Command {
            program,
            args,
            stderr,
            ..
        } => {
            assert_eq!(program, "iptables-legacy");
            assert_eq!(args[3..6], ["-I", "OUTPUT", "1"]);
            assert_eq!(stderr, "refusing insert 3");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&ns), before);
}

#[test]
fn a_missing_program_changes_nothing() {
    let ns = Netns::new("lgmiss");
    let before = snapshot(&ns);
    let tools = ToolDir::new();
    tools.link("iptables-legacy");
    let err = install_with(&ns, &spec(UDP_DNS_OR_TCP_RANGE), &tools.tools())
        .expect_err("ip6tables-legacy is missing");
    assert!(
        matches!(&err, TriggerError::ToolMissing { program } if program == "ip6tables-legacy"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "ip6tables-legacy is not installed (not found on PATH)"
    );
    // Not even the IPv4 raw table was created.
    assert_eq!(snapshot(&ns), before);
    // An IPv4-only filter needs only iptables-legacy.
    let v4 = spec("ip");
    let trigger = install_with(&ns, &v4, &tools.tools()).expect("IPv4 only");
    assert_eq!(raw4(&ns).len(), 2);
    remove(&ns, trigger);
    assert!(raw4(&ns).is_empty());
}

/// The host's nf_log values, read (never written) from the test's own thread.
fn host_nf_log() -> Vec<String> {
    ["2", "10"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(format!("{}/{f}", nf_log::NF_LOG_DIR))
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect()
}

#[test]
fn nf_log_binds_per_namespace_and_restores() {
    let host = host_nf_log();
    let ns = Netns::new("lgnflog");
    ns.set_sysctl(NF_LOG_SYSCTLS[1], "NONE");
    // The value read is the namespace's of the thread that opens the file.
    ns.set_sysctl(NF_LOG_SYSCTLS[0], "NONE");
    assert_eq!(ns.run_in(|| nf_log::read(2)).expect("read"), "NONE");
    ns.set_sysctl(NF_LOG_SYSCTLS[0], "nf_log_ipv4");
    assert_eq!(ns.run_in(|| nf_log::read(2)).expect("read"), "nf_log_ipv4");

    let binding = ns.run_in(|| nf_log::bind(&[2, 10, 2])).expect("binding");
    assert_eq!(
        binding.saved(),
        [(2, "nf_log_ipv4".to_owned()), (10, "NONE".to_owned())]
    );
    assert_eq!(
        binding.describe(),
        "bound nf_log.2: nf_log_ipv4 -> nfnetlink_log, nf_log.10: NONE -> nfnetlink_log"
    );
    for key in NF_LOG_SYSCTLS {
        assert_eq!(ns.sysctl(key), "nfnetlink_log", "{key}");
    }
    assert_eq!(host_nf_log(), host, "the host's binding is untouched");
    // Restored from this thread, which is in the host's namespace: the files opened in the
    // test namespace are written, not the host's.
    binding.restore().expect("restoring");
    assert_eq!(ns.sysctl(NF_LOG_SYSCTLS[0]), "nf_log_ipv4");
    assert_eq!(ns.sysctl(NF_LOG_SYSCTLS[1]), "NONE");
    assert_eq!(host_nf_log(), host, "the host's binding is untouched");

    // Dropping a binding restores it too.
    drop(ns.run_in(|| nf_log::bind(&[10])).expect("binding"));
    assert_eq!(ns.sysctl(NF_LOG_SYSCTLS[1]), "NONE");

    // A run that is killed leaves the binding; the next one restores it from the record.
    let text = ns.run_in(|| {
        let binding = nf_log::bind(&[2, 10]).expect("binding");
        let text = Record::of_this_process(binding.saved()).to_string();
        // As if killed: the binding is neither restored nor dropped.
        std::mem::forget(binding);
        text
    });
    for key in NF_LOG_SYSCTLS {
        assert_eq!(ns.sysctl(key), "nfnetlink_log", "{key}");
    }
    let record = Record::parse(&text).expect("a record");
    ns.run_in(|| nf_log::restore_values(&record.nf_log))
        .expect("restoring from the record");
    assert_eq!(ns.sysctl(NF_LOG_SYSCTLS[0]), "nf_log_ipv4");
    assert_eq!(ns.sysctl(NF_LOG_SYSCTLS[1]), "NONE");
    assert_eq!(host_nf_log(), host, "the host's binding is untouched");

    // A family without an nf_log sysctl.
    let err = ns
        .run_in(|| nf_log::bind(&[200]))
        .expect_err("no such family");
    assert!(err.is_feature_missing(), "{err:?}");
}

#[test]
fn rules_of_other_runs_are_found_by_their_record_and_removed() {
    let ns = Netns::new("lgfound");
    add_user_rules(&ns);
    let before = snapshot(&ns);
    let dead = Record {
        pid: 4_000_000_000, // above pid_max's ceiling (2^22): never a running process
        start: 1,
        nf_log: vec![(2, "nf_log_ipv4".to_owned())],
    };
    let mut old_spec = spec("udp");
    old_spec.record = dead.clone();
    // The old run's rules, then this run's on top of them.
    let old = install(&ns, &old_spec).expect("installing the old run's rules");
    drop(old); // killed: its rules stay
    let mut new_spec = spec("");
    new_spec.record = Record::of_this_process(Vec::new());
    let new = install(&ns, &new_spec).expect("installing");

    let found = ns
        .run_in(legacy::find_installed)
        .expect("finding installed rules");
    let summary: Vec<(u8, &str, u32, bool)> = found
        .iter()
        .map(|r| (r.family, r.chain.as_str(), r.position, r.record == dead))
        .collect();
    assert_eq!(
        summary,
        [
            (2, "PREROUTING", 1, false),
            (2, "PREROUTING", 2, true),
            (2, "OUTPUT", 1, false),
            (2, "OUTPUT", 2, true),
            (10, "PREROUTING", 1, false),
            (10, "PREROUTING", 2, true),
            (10, "OUTPUT", 1, false),
            (10, "OUTPUT", 2, true),
        ],
        "{found:#?}"
    );
    let stale: Vec<FoundLegacyRule> = found
        .into_iter()
        .filter(|r| !r.record.owner_alive())
        .collect();
    assert_eq!(stale.len(), 4);
    ns.run_in(|| legacy::remove_found(&stale))
        .expect("removing");
    assert_eq!(
        raw4(&ns)[..2],
        [
            format!(
                "-A PREROUTING -m comment --comment \"{}\" -j TRACE",
                new_spec.record
            ),
            USER_LINES[0].to_owned(),
        ]
    );
    // Removing them again: each is reported, nothing else is touched.
    let err = ns
        .run_in(|| legacy::remove_found(&stale[..1]))
        .expect_err("already removed");
    assert!(
        matches!(&err, TriggerError::NotRemoved { left } if left.len() == 1),
        "{err:?}"
    );

    // Removal from a thread in another namespace (the host's) is refused, not attempted.
    let err = new.remove().expect_err("wrong namespace");
    assert!(err.to_string().contains("network namespace"), "{err}");
    assert_eq!(raw4(&ns).len(), USER_LINES.len() + 1 + 2);
    ns.run_in(|| {
        let found = legacy::find_installed().expect("finding");
        legacy::remove_found(&found)
    })
    .expect("removing the rest");
    assert_eq!(snapshot(&ns), before);
}

/// `not tcp and not udp` needs `-m u32` on the protocol byte: UDP is not counted, ICMP echo
/// request and reply are, in both families.
#[test]
fn several_negated_protocols_match_on_the_protocol_byte() {
    const PORT: u16 = 4244;
    let ns = Netns::new("lgu32");
    let loopbacks: [IpAddr; 2] = ["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    let _sinks: Vec<UdpSocket> = loopbacks
        .iter()
        .map(|ip| udp_sink(&ns, SocketAddr::new(*ip, PORT)))
        .collect();
    let trigger = install(&ns, &spec("not tcp and not udp")).expect("installing");
    for ip in loopbacks {
        send_udp(&ns, SocketAddr::new(ip, PORT), 3);
        ping(&ns, ip);
    }
    for (tool, u32_test) in [
        (
            "iptables-legacy-save",
            "0x6&0xff=0x0:0x5,0x7:0x10,0x12:0xff",
        ),
        (
            "ip6tables-legacy-save",
            "0x3&0xff=0x0:0x5,0x7:0x10,0x12:0xff",
        ),
    ] {
        let rule = |chain: &str| format!("-A {chain} -m u32 --u32 \"{u32_test}\"");
        // Echo request and reply, each through OUTPUT and then PREROUTING.
        assert_eq!(
            raw_packet_counts(&ns, tool),
            [(rule("PREROUTING"), 2), (rule("OUTPUT"), 2)],
            "{tool}"
        );
    }
    remove(&ns, trigger);
}
