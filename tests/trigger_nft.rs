//! The nf_tables trigger against the real kernel, each test in network namespaces of its own:
//! what `install` builds reads back through `nft` as the expected rule text, and as the same
//! instructions nft builds from that text (the differential check: nft's understanding of
//! our bytes against its own); only matching packets get traced; `remove` restores the
//! ruleset exactly; failures (a second install, a spec we refuse, a rule the kernel refuses,
//! no CAP_NET_ADMIN) install nothing.

mod common;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsFd;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{send_udp, Netns};
use nftrace::filter::{parse_filter, AddrTest, Conjunction, Dir, Filter, IpFamily, IpNet, Proto};
use nftrace::netlink::{poll_readable, NftError, RecvBatch, TraceSocket, TraceSocketConfig};
use nftrace::trigger::error::TriggerError;
use nftrace::trigger::nft::{find_installed, install, remove_table, table_name};
use nftrace::trigger::record::Record;
use nftrace::trigger::TriggerSpec;
use nftrace::wire::{messages, TraceEvent, TRACE_MSG_TYPE};

/// Only keeps a broken test from hanging.
const GUARD: Duration = Duration::from_secs(10);

const PID: u32 = 4242;

fn filter(text: &str) -> Filter {
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    parse_filter(&words).unwrap_or_else(|err| panic!("filter `{text}`: {err}"))
}

fn spec(filter: Filter, iif: Option<&str>, mark: Option<(u32, u32)>, rate: u32) -> TriggerSpec {
    TriggerSpec {
        filter,
        iif: iif.map(str::to_owned),
        mark,
        rate,
        record: Record {
            pid: PID,
            start: 987_654,
            nf_log: vec![(2, "NONE".to_owned())],
        },
    }
}

fn stdout(ns: &Netns, args: &[&str]) -> String {
    String::from_utf8_lossy(&ns.exec(args).stdout).into_owned()
}

fn list_table(ns: &Netns, table: &str) -> String {
    stdout(ns, &["nft", "list", "table", "inet", table])
}

fn ruleset(ns: &Netns) -> String {
    stdout(ns, &["nft", "list", "ruleset"])
}

/// `nft list table` of a trigger with these rules in `pre` (and in `out`, unless
/// `prerouting_only`), as nft prints it.
fn table_text(record: &Record, rules: &[&str], prerouting_only: bool) -> String {
    let mut text = format!(
        "table inet {} {{\n\tcomment \"{record}\"\n",
        table_name(record.pid)
    );
    let chains: &[(&str, &str)] = if prerouting_only {
        &[("pre", "prerouting")]
    } else {
        &[("pre", "prerouting"), ("out", "output")]
    };
    for (index, (chain, hook)) in chains.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        text.push_str(&format!(
            "\tchain {chain} {{\n\t\ttype filter hook {hook} priority raw - 1; policy accept;\n"
        ));
        for rule in rules {
            text.push_str(&format!("\t\t{rule}\n"));
        }
        text.push_str("\t}\n");
    }
    text.push_str("}\n");
    text
}

/// One filter and how nft shows the rules built for it.
struct Case {
    filter: &'static str,
    iif: Option<&'static str>,
    mark: Option<(u32, u32)>,
    rate: u32,
    /// The rules as `nft list` prints them.
    listed: &'static [&'static str],
    /// The same rules as input for nft, where the listing is not (nft leaves out the
    /// `meta nfproto` it takes for a dependency of ICMPv6); `None`: the listed text.
    nft_input: Option<&'static [&'static str]>,
    /// Whether nft builds the same instructions from the text. Not for negated source and
    /// destination ports: nft 1.0.6 merges `udp sport != 53 udp dport != 53` into one
    /// 4-byte `cmp neq`, which matches a datagram to port 53 from any other port
    /// ([`negated_ports_are_not_merged`] shows ours does not).
    same_as_nft: bool,
}

const CASES: &[Case] = &[
    Case {
        filter: "",
        iif: None,
        mark: None,
        rate: 100,
        listed: &["limit rate 100/second meta nftrace set 1"],
        nft_input: None,
        same_as_nft: true,
    },
    Case {
        filter: "udp and dst port 53",
        iif: None,
        mark: None,
        rate: 0,
        listed: &["udp dport 53 meta nftrace set 1"],
        nft_input: None,
        same_as_nft: true,
    },
    Case {
        filter: "host 10.0.0.1",
        iif: None,
        mark: None,
        rate: 100,
        listed: &[
            "ip saddr 10.0.0.1 limit rate 100/second meta nftrace set 1",
            "ip daddr 10.0.0.1 limit rate 100/second meta nftrace set 1",
        ],
        nft_input: None,
        same_as_nft: true,
    },
    Case {
        filter: "not port 53",
        iif: None,
        mark: None,
        rate: 0,
        listed: &[
            "meta l4proto != tcp meta l4proto != udp meta nftrace set 1",
            "tcp sport != 53 tcp dport != 53 meta nftrace set 1",
            "udp sport != 53 udp dport != 53 meta nftrace set 1",
        ],
        nft_input: None,
        same_as_nft: false,
    },
    Case {
        filter: "src net 10.16.0.0/12 and not dst host 10.0.0.1 and tcp dst portrange 1000-2000",
        iif: None,
        mark: None,
        rate: 7,
        listed: &[
            "ip saddr 10.16.0.0/12 ip daddr != 10.0.0.1 tcp dport 1000-2000 \
                   limit rate 7/second meta nftrace set 1",
        ],
        nft_input: None,
        same_as_nft: true,
    },
    Case {
        filter: "tcp and src port 1 and dst port 2 or udp and not dst portrange 5000-6000",
        iif: None,
        mark: Some((5, u32::MAX)),
        rate: 0,
        listed: &[
            "meta mark 0x00000005 tcp sport 1 tcp dport 2 meta nftrace set 1",
            "meta mark 0x00000005 udp dport != 5000-6000 meta nftrace set 1",
        ],
        nft_input: None,
        same_as_nft: true,
    },
    Case {
        filter: "net fd00::/64 and icmp6",
        iif: Some("veth-n0"),
        mark: Some((1, 0xff)),
        rate: 100,
        listed: &[
            "iifname \"veth-n0\" meta mark & 0x000000ff == 0x00000001 ip6 saddr fd00::/64 \
             meta l4proto ipv6-icmp limit rate 100/second meta nftrace set 1",
            "iifname \"veth-n0\" meta mark & 0x000000ff == 0x00000001 ip6 daddr fd00::/64 \
             meta l4proto ipv6-icmp limit rate 100/second meta nftrace set 1",
        ],
        nft_input: None,
        same_as_nft: true,
    },
    Case {
        filter: "ip6 and icmp6",
        iif: None,
        mark: None,
        rate: 0,
        listed: &["meta l4proto ipv6-icmp meta nftrace set 1"],
        nft_input: Some(&["meta nfproto ipv6 meta l4proto ipv6-icmp meta nftrace set 1"]),
        same_as_nft: true,
    },
    Case {
        filter: "ip and not udp",
        iif: None,
        mark: None,
        rate: 0,
        listed: &["meta nfproto ipv4 meta l4proto != udp meta nftrace set 1"],
        nft_input: None,
        same_as_nft: true,
    },
];

/// Every case, installed by us in one namespace and by `nft -f` (from the same rule text) in
/// another: `nft list table` prints the expected text for ours, and `nft --debug=netlink`
/// prints the same instructions for both.
#[test]
fn installed_rules_read_back_as_nft_text_and_as_nfts_own_instructions() {
    for case in CASES {
        let ours = Netns::new("nftours");
        let theirs = Netns::new("nftref");
        let spec = spec(filter(case.filter), case.iif, case.mark, case.rate);
        let trigger = ours
            .run_in(|| install(&spec))
            .unwrap_or_else(|err| panic!("`{}`: {err}", case.filter));
        let table = table_name(PID);
        assert_eq!(trigger.table(), table);
        let prerouting_only = case.iif.is_some();
        assert_eq!(
            list_table(&ours, &table),
            table_text(&spec.record, case.listed, prerouting_only),
            "`{}`",
            case.filter
        );

        if !case.same_as_nft {
            continue;
        }
        let input = case.nft_input.unwrap_or(case.listed);
        theirs.nft(&table_text(&spec.record, input, prerouting_only));
        let debug = ["nft", "--debug=netlink", "list", "table", "inet", &table];
        assert_eq!(
            stdout(&ours, &debug),
            stdout(&theirs, &debug),
            "`{}`: nft builds other instructions from the same text",
            case.filter
        );
        assert_eq!(trigger.rules(), case.listed.len() * trigger.chains().len());
    }
}

/// The nf_tables trace events of a namespace, decoded to what the tests look at.
struct Traces {
    socket: TraceSocket,
    batch: RecvBatch,
    /// `(chain, nfproto, UDP destination port)` of every event that carries the headers
    /// (the first of each base-chain invocation) in a table of ours.
    seen: Vec<(String, u8, u16)>,
}

impl Traces {
    fn open(ns: &Netns) -> Traces {
        let socket = ns.run_in(|| TraceSocket::open(TraceSocketConfig::default()).unwrap());
        Traces {
            socket,
            batch: RecvBatch::default(),
            seen: Vec::new(),
        }
    }

    /// Receives until `done` holds over what was seen (or the guard passes); returns it.
    fn until(&mut self, done: impl Fn(&[(String, u8, u16)]) -> bool) -> &[(String, u8, u16)] {
        let deadline = Instant::now() + GUARD;
        while !done(&self.seen) && Instant::now() < deadline {
            let [ready] =
                poll_readable([self.socket.as_fd()], Some(Duration::from_millis(100))).unwrap();
            if !ready {
                continue;
            }
            self.socket.recv(&mut self.batch).unwrap();
            for datagram in &self.batch {
                for message in messages(datagram) {
                    let message = message.unwrap();
                    if message.header.ty != TRACE_MSG_TYPE {
                        continue;
                    }
                    let event = TraceEvent::parse(&message).unwrap();
                    if event.table != table_name(PID) {
                        continue;
                    }
                    if let Some(port) = udp_dst_port(&event) {
                        self.seen
                            .push((event.chain.to_owned(), event.nfproto, port));
                    }
                }
            }
        }
        &self.seen
    }
}

/// The UDP destination port of an event that carries the packet's headers.
fn udp_dst_port(event: &TraceEvent<'_>) -> Option<u16> {
    let network = event.network_header?;
    let protocol = match network.first()? >> 4 {
        4 => *network.get(9)?,
        6 => *network.get(6)?,
        _ => return None,
    };
    if protocol != 17 {
        return None;
    }
    let ports = event.transport_header?.get(2..4)?;
    Some(u16::from_be_bytes([ports[0], ports[1]]))
}

fn count(seen: &[(String, u8, u16)], chain: &str, port: u16) -> usize {
    seen.iter()
        .filter(|(c, _, p)| c == chain && *p == port)
        .count()
}

/// UDP sinks on the test ports, so nothing but the datagrams themselves is traced.
fn sinks(ns: &Netns, addrs: &[SocketAddr]) -> Vec<UdpSocket> {
    ns.run_in(|| addrs.iter().map(|a| UdpSocket::bind(a).unwrap()).collect())
}

fn v4(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port)
}

fn v6(port: u16) -> SocketAddr {
    SocketAddr::new("::1".parse().unwrap(), port)
}

/// `udp and dst port 4242`: datagrams to 4242 (IPv4 and IPv6) are traced in both chains,
/// datagrams to 4243 in neither. The output hook runs inside `send`, so the output events
/// of a datagram sent before the last one arrive before the last one's: when the last one
/// has been seen in `out`, the absence of 4243 there is final.
#[test]
fn only_matching_packets_are_traced() {
    let ns = Netns::new("nfttrace");
    let _sinks = sinks(&ns, &[v4(4242), v6(4242), v4(4243), v6(4243)]);
    let trigger = ns
        .run_in(|| install(&spec(filter("udp and dst port 4242"), None, None, 0)))
        .unwrap();
    let mut traces = Traces::open(&ns);
    send_udp(&ns, v4(4243), 3);
    send_udp(&ns, v6(4243), 3);
    send_udp(&ns, v4(4242), 3);
    send_udp(&ns, v6(4243), 3);
    send_udp(&ns, v6(4242), 3);
    let seen = traces.until(|seen| count(seen, "out", 4242) >= 2 && count(seen, "pre", 4242) >= 2);
    assert_eq!(count(seen, "out", 4242), 2, "{seen:?}");
    assert_eq!(count(seen, "pre", 4242), 2, "{seen:?}");
    assert_eq!(count(seen, "out", 4243), 0, "{seen:?}");
    let families: Vec<u8> = seen.iter().map(|(_, nfproto, _)| *nfproto).collect();
    assert!(families.contains(&2) && families.contains(&10), "{seen:?}");
    ns.run_in(|| trigger.remove()).unwrap();
}

/// `not port 53` (tcpdump: neither port is 53): a datagram to port 53 is not traced, one
/// between two other ports is. One `cmp neq` over both ports, as nft 1.0.6 builds it from
/// `udp sport != 53 udp dport != 53`, would trace the first too.
#[test]
fn negated_ports_are_not_merged() {
    let ns = Netns::new("nftnotport");
    let _sinks = sinks(&ns, &[v4(53), v4(4242)]);
    let trigger = ns
        .run_in(|| install(&spec(filter("not port 53"), None, None, 0)))
        .unwrap();
    let mut traces = Traces::open(&ns);
    send_udp(&ns, v4(53), 3);
    send_udp(&ns, v4(4242), 3);
    let seen = traces.until(|seen| count(seen, "out", 4242) >= 1);
    assert_eq!(count(seen, "out", 4242), 1, "{seen:?}");
    assert_eq!(count(seen, "out", 53), 0, "{seen:?}");
    ns.run_in(|| trigger.remove()).unwrap();
}

/// With an input interface only prerouting gets a chain: a datagram over `lo` is traced
/// from prerouting on, never in output.
#[test]
fn with_an_input_interface_only_prerouting_traces() {
    let ns = Netns::new("nftiif");
    let _sinks = sinks(&ns, &[v4(4242)]);
    let trigger = ns
        .run_in(|| install(&spec(filter("udp"), Some("lo"), None, 0)))
        .unwrap();
    assert_eq!(trigger.chains(), ["pre"]);
    let mut traces = Traces::open(&ns);
    send_udp(&ns, v4(4242), 3);
    send_udp(&ns, v4(4242), 3);
    let seen = traces.until(|seen| count(seen, "pre", 4242) >= 2);
    assert_eq!(count(seen, "pre", 4242), 2, "{seen:?}");
    assert_eq!(count(seen, "out", 4242), 0, "{seen:?}");
    ns.run_in(|| trigger.remove()).unwrap();
}

/// Removing the trigger leaves `nft list ruleset` exactly as it was, other tables included.
#[test]
fn remove_restores_the_ruleset_exactly() {
    let ns = Netns::new("nftremove");
    ns.nft(
        "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; \
         policy accept;\n\t\ttcp dport 22 accept\n\t}\n}\n",
    );
    let before = ruleset(&ns);
    let trigger = ns
        .run_in(|| install(&spec(filter("host 10.0.0.1 or udp"), None, None, 100)))
        .unwrap();
    assert_ne!(ruleset(&ns), before);
    ns.run_in(|| trigger.remove()).unwrap();
    assert_eq!(ruleset(&ns), before);
}

/// A second install for the same pid fails with EEXIST on the table and leaves the first
/// trigger exactly as it was.
#[test]
fn installing_twice_fails_with_eexist_and_keeps_the_first() {
    let ns = Netns::new("nfttwice");
    let first = spec(filter("udp"), None, None, 100);
    let trigger = ns.run_in(|| install(&first)).unwrap();
    let table = table_name(PID);
    let installed = list_table(&ns, &table);
    let second = spec(filter("tcp"), None, None, 5);
    let err = ns.run_in(|| install(&second)).unwrap_err();
    assert!(
        matches!(
            &err,
            TriggerError::Nft(NftError::Refused { errno, .. }) if *errno == libc::EEXIST
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("adding table inet {table}: File exists (EEXIST)")
    );
    assert_eq!(list_table(&ns, &table), installed);
    ns.run_in(|| trigger.remove()).unwrap();
}

/// An interface name the kernel would cut short is refused before anything is sent.
#[test]
fn a_spec_we_refuse_installs_nothing() {
    let ns = Netns::new("nftrefuse");
    let before = ruleset(&ns);
    let err = ns
        .run_in(|| install(&spec(filter("udp"), Some("0123456789abcdef"), None, 100)))
        .unwrap_err();
    assert!(
        matches!(&err, TriggerError::Inexpressible { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("at most 15"), "{err}");
    assert_eq!(ruleset(&ns), before);
}

/// A rule whose expressions pass our checks but exceed the kernel's 4 KiB per rule: the
/// kernel refuses the last conjunction's rules (the batch's last message among them), the
/// error names the first refused one, and the batch leaves nothing behind — not the table,
/// chains and rules before it.
#[test]
fn a_batch_the_kernel_refuses_late_leaves_nothing_behind() {
    let ns = Netns::new("nftlate");
    let before = ruleset(&ns);
    // 40 tests on IPv6 /127 prefixes: load, mask, compare each; 124 expressions in all.
    let big = Conjunction {
        family: Some(IpFamily::V6),
        addresses: (0..40u16)
            .map(|i| {
                let addr = IpAddr::from([0xfd00, 0, 0, 0, 0, 0, 0, i * 2]);
                AddrTest::new(Dir::Src, IpNet { addr, prefix: 127 }, true)
            })
            .collect(),
        ..Conjunction::default()
    };
    let udp = Conjunction {
        protocol: Some(Proto::Udp),
        ..Conjunction::default()
    };
    let filter = Filter {
        alternatives: vec![udp, big],
    };
    let err = ns
        .run_in(|| install(&spec(filter, None, None, 100)))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            TriggerError::Nft(NftError::Refused { errno, .. }) if *errno == libc::EFBIG
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("adding rule 2 of chain pre: File too large (EFBIG)"),
        "{err}"
    );
    assert!(
        matches!(&err, TriggerError::Nft(e) if e.hint().is_some_and(|h| h.contains("4 KiB"))),
        "{err:?}"
    );
    assert_eq!(ruleset(&ns), before);
}

/// `find_installed` lists our table with its record and other `nftrace_*` tables without
/// one; `remove_table` deletes by name; a missing table is ENOENT (not "no nf_tables").
#[test]
fn installed_tables_are_found_with_their_records_and_removed_by_name() {
    let ns = Netns::new("nftfind");
    ns.nft("table inet nftrace_harness {\n}\ntable inet other {\n}\ntable ip nftrace_1 {\n}\n");
    let spec = spec(filter("icmp"), None, None, 100);
    let trigger = ns.run_in(|| install(&spec)).unwrap();
    let mut found = ns.run_in(find_installed).unwrap();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        vec![
            (table_name(PID), Some(spec.record.clone())),
            ("nftrace_harness".to_owned(), None),
        ]
    );
    ns.run_in(|| remove_table(trigger.table())).unwrap();
    let found = ns.run_in(find_installed).unwrap();
    assert_eq!(found, vec![("nftrace_harness".to_owned(), None)]);
    let err = ns.run_in(|| remove_table(&table_name(PID))).unwrap_err();
    assert!(
        matches!(
            &err,
            TriggerError::Nft(NftError::Refused { errno, .. }) if *errno == libc::ENOENT
        ),
        "{err:?}"
    );
    assert!(!err.is_feature_missing());
    assert!(err.to_string().starts_with(&format!(
        "deleting table inet {}: No such file or directory (ENOENT)",
        table_name(PID)
    )));
}

/// Set in the child process that [`without_cap_net_admin_install_is_a_permission_error`]
/// starts as nobody: the child installs and prints the outcome, nothing else.
const CHILD_ENV: &str = "NFTRACE_TRIGGER_NFT_CHILD";

/// Without CAP_NET_ADMIN: a permission error (with the hint), and nothing installed. The test
/// binary runs itself as nobody inside the namespace for the install.
#[test]
fn without_cap_net_admin_install_is_a_permission_error() {
    if std::env::var_os(CHILD_ENV).is_some() {
        let outcome = install(&spec(filter("udp"), None, None, 100));
        match outcome {
            Ok(_) => println!("CHILD: installed"),
            Err(err) => println!(
                "CHILD: permission={} hint={} error={err}",
                err.is_permission_denied(),
                matches!(&err, TriggerError::Nft(e) if e.hint().is_some_and(|h| h.contains("CAP_NET_ADMIN")))
            ),
        }
        return;
    }
    let ns = Netns::new("nftnoroot");
    let before = ruleset(&ns);
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new("ip")
        .args(["netns", "exec", ns.name()])
        .args([
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
        .arg("env")
        .arg(format!("{CHILD_ENV}=1"))
        .arg(&exe)
        .args([
            "--exact",
            "without_cap_net_admin_install_is_a_permission_error",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .expect("running the test binary as nobody");
    let out = String::from_utf8_lossy(&output.stdout);
    // The harness prints the test's name on the same line first.
    let line = out
        .lines()
        .find_map(|l| l.find("CHILD: ").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no outcome from the child: {output:?}"));
    assert_eq!(
        line,
        format!(
            "CHILD: permission=true hint=true error=installing table inet {}: Operation not \
             permitted (EPERM) (needs root or CAP_NET_ADMIN in this network namespace)",
            table_name(PID)
        )
    );
    assert_eq!(ruleset(&ns), before);
}
