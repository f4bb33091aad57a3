//! The iptables-legacy trigger: `-j TRACE` rules at the top of the raw table's PREROUTING and
//! OUTPUT chains (IPv4 with `iptables-legacy`, IPv6 with `ip6tables-legacy`), one per
//! conjunction of the filter, each carrying the run's [`Record`] as its `-m comment`.
//!
//! ```text
//! -A PREROUTING -p udp -m udp --dport 53 -m limit --limit 100/sec -m comment --comment "nftrace pid=4242 start=1" -j TRACE
//! ```
//!
//! Rules are inserted with `-I CHAIN N` in filter order, so that after installation they are
//! rules 1..k of each chain and the user's own rules follow unchanged (rule N of the user is
//! then reported by the kernel as N + k: [`LegacyTrigger::rules_per_chain`]). Any failed
//! command rolls back what was inserted before it. Removal deletes each rule by its full
//! specification (`-D CHAIN …`), newest first, so concurrent changes by others to the
//! numbering do not matter.
//!
//! Everything runs in the calling thread's network namespace (a child process inherits the
//! namespace of the thread that starts it); [`LegacyTrigger::remove`] refuses to run from a
//! thread in another namespace rather than delete look-alikes there.
//!
//! What iptables cannot say in one rule, and how it is said instead:
//! - several "protocol is not P" tests (iptables takes one `-p`): `-m u32` on the protocol
//!   byte of the fixed header (IPv4 protocol, IPv6 next header: IPv6 extension headers are not
//!   followed, as tcpdump's `ip6 proto` does not follow them either);
//! - a second address test on the same side (iptables takes one `-s` and one `-d`):
//!   `-m iprange --src-range/--dst-range` with the prefix as a range;
//! - several port tests on the same side: one more `-m tcp`/`-m udp` per test.
//!
//! The `limit` match cannot express more than 10000 packets per second: a higher `rate` is
//! an error before anything is installed.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::TriggerError;
use super::record::Record;
use super::TriggerSpec;
use crate::filter::{AddrTest, Conjunction, Dir, IpFamily, IpNet, PortTest, Proto};
use crate::ruleset::iptables::parse_save;

/// The raw-table chains the trigger inserts into.
pub const CHAINS: [&str; 2] = ["PREROUTING", "OUTPUT"];

/// The table.
pub const TABLE: &str = "raw";

/// `--limit-burst`: nft's default burst for `limit rate N/second`, so that both backends
/// let the same first packets through.
pub const LIMIT_BURST: u32 = 5;

/// The highest `--limit N/second` the limit match accepts (`XT_LIMIT_SCALE`).
pub const MAX_RATE: u32 = 10_000;

/// The longest comment the comment match holds (`XT_MAX_COMMENT_LEN` - 1).
const MAX_COMMENT: usize = 255;

/// Used when `PATH` is not set (what a login shell of root would have).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `NFPROTO_*` of a family.
fn nfproto(family: IpFamily) -> u8 {
    match family {
        IpFamily::V4 => 2,
        IpFamily::V6 => 10,
    }
}

/// The program that edits a family's legacy tables.
pub fn program(family: IpFamily) -> &'static str {
    match family {
        IpFamily::V4 => "iptables-legacy",
        IpFamily::V6 => "ip6tables-legacy",
    }
}

/// The program that prints a family's legacy tables.
pub fn save_program(family: IpFamily) -> &'static str {
    match family {
        IpFamily::V4 => "iptables-legacy-save",
        IpFamily::V6 => "ip6tables-legacy-save",
    }
}

fn family_of_nfproto(family: u8) -> Option<IpFamily> {
    match family {
        2 => Some(IpFamily::V4),
        10 => Some(IpFamily::V6),
        _ => None,
    }
}

/// Where the iptables-legacy programs are looked for: `PATH` normally; tests give a
/// directory of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    search_path: OsString,
}

impl Tools {
    /// The calling process's `PATH` (a standard one when it is unset).
    pub fn from_env() -> Tools {
        Tools {
            search_path: std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into()),
        }
    }

    /// A search path of one's own (`dir1:dir2`).
    pub fn in_path(search_path: impl Into<OsString>) -> Tools {
        Tools {
            search_path: search_path.into(),
        }
    }

    /// The first executable file called `program` in the search path.
    pub fn find(&self, program: &str) -> Option<PathBuf> {
        std::env::split_paths(&self.search_path)
            .map(|dir| dir.join(program))
            .find(|path| {
                std::fs::metadata(path)
                    .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
                    .unwrap_or(false)
            })
    }

    fn require(&self, program: &str) -> Result<PathBuf, TriggerError> {
        self.find(program).ok_or_else(|| TriggerError::ToolMissing {
            program: program.to_owned(),
        })
    }
}

/// One rule of the trigger, before or after it is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyRule {
    pub family: IpFamily,
    /// `PREROUTING` or `OUTPUT`.
    pub chain: &'static str,
    /// Its position in the chain once installed (1-based).
    pub position: u32,
    /// The rule specification: everything after `-I CHAIN N` (or `-D CHAIN`).
    pub spec: Vec<String>,
}

impl LegacyRule {
    /// The insert command's arguments: `-w -t raw -I CHAIN N SPEC…`.
    fn insert_args(&self) -> Vec<String> {
        let mut args = vec![
            "-w".to_owned(),
            "-t".to_owned(),
            TABLE.to_owned(),
            "-I".to_owned(),
            self.chain.to_owned(),
            self.position.to_string(),
        ];
        args.extend(self.spec.iter().cloned());
        args
    }

    /// The delete command's arguments: `-w -t raw -D CHAIN SPEC…`.
    fn delete_args(&self) -> Vec<String> {
        let mut args = vec![
            "-w".to_owned(),
            "-t".to_owned(),
            TABLE.to_owned(),
            "-D".to_owned(),
            self.chain.to_owned(),
        ];
        args.extend(self.spec.iter().cloned());
        args
    }

    /// The insert command as a shell would show it (for messages and dry runs).
    pub fn command_line(&self) -> String {
        command_text(program(self.family), &self.insert_args())
    }
}

/// The rules [`install`] inserts for `spec`, in the order it inserts them: IPv4 then IPv6,
/// PREROUTING then OUTPUT, conjunctions in filter order. No I/O.
pub fn plan(spec: &TriggerSpec) -> Result<Vec<LegacyRule>, TriggerError> {
    if spec.rate > MAX_RATE {
        return Err(TriggerError::Inexpressible {
            what: format!(
                "a rate of {} packets per second: iptables' limit match allows at most {MAX_RATE}",
                spec.rate
            ),
        });
    }
    if let Some(iif) = &spec.iif {
        crate::trigger::check_interface_name(iif)
            .map_err(|what| TriggerError::Inexpressible { what })?;
    }
    let comment = spec.record.to_string();
    if comment.len() > MAX_COMMENT || comment.contains('"') {
        return Err(TriggerError::Inexpressible {
            what: format!("the record {comment:?} as an iptables comment"),
        });
    }
    let mut rules = Vec::new();
    for family in [IpFamily::V4, IpFamily::V6] {
        let mut matches = Vec::new();
        for conjunction in &spec.filter.alternatives {
            if let Some(args) = conjunction_args(conjunction, family)? {
                matches.push(args);
            }
        }
        for chain in CHAINS {
            // Locally generated packets have no input interface.
            if chain == "OUTPUT" && spec.iif.is_some() {
                continue;
            }
            for (index, args) in matches.iter().enumerate() {
                let mut rule_spec = args.clone();
                if chain == "PREROUTING" {
                    if let Some(iif) = &spec.iif {
                        rule_spec.extend(["-i".to_owned(), iif.clone()]);
                    }
                }
                if let Some((value, mask)) = spec.mark {
                    rule_spec.extend(words(&["-m", "mark", "--mark"]));
                    rule_spec.push(format!("{value:#x}/{mask:#x}"));
                }
                if spec.rate > 0 {
                    rule_spec.extend(words(&["-m", "limit", "--limit"]));
                    rule_spec.push(format!("{}/second", spec.rate));
                    rule_spec.push("--limit-burst".to_owned());
                    rule_spec.push(LIMIT_BURST.to_string());
                }
                rule_spec.extend(words(&["-m", "comment", "--comment"]));
                rule_spec.push(comment.clone());
                rule_spec.extend(words(&["-j", "TRACE"]));
                rules.push(LegacyRule {
                    family,
                    chain,
                    position: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    spec: rule_spec,
                });
            }
        }
    }
    if rules.is_empty() {
        return Err(TriggerError::Inexpressible {
            what: "the filter: no alternative can match an IPv4 or IPv6 packet".to_owned(),
        });
    }
    Ok(rules)
}

fn words(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The family a protocol belongs to, if only one (`icmp` is IPv4's, `icmp6` IPv6's).
fn proto_family(proto: Proto) -> Option<IpFamily> {
    match proto {
        Proto::Icmp => Some(IpFamily::V4),
        Proto::Icmpv6 => Some(IpFamily::V6),
        Proto::Tcp | Proto::Udp => None,
    }
}

/// The name `-p` takes (and `iptables-save` prints).
fn proto_arg(proto: Proto) -> &'static str {
    match proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Icmp => "icmp",
        Proto::Icmpv6 => "ipv6-icmp",
    }
}

fn addr_family(addr: IpAddr) -> IpFamily {
    match addr {
        IpAddr::V4(_) => IpFamily::V4,
        IpAddr::V6(_) => IpFamily::V6,
    }
}

/// The matches of one conjunction in one family; `None` when it cannot match a packet of
/// that family (so no rule is needed there).
fn conjunction_args(
    conjunction: &Conjunction,
    family: IpFamily,
) -> Result<Option<Vec<String>>, TriggerError> {
    if conjunction.family.is_some_and(|f| f != family) {
        return Ok(None);
    }
    if let Some(proto) = conjunction.protocol {
        if proto_family(proto).is_some_and(|f| f != family) {
            return Ok(None);
        }
    }
    // "Not icmp" holds for every IPv6 packet: only the family's own protocols matter.
    let mut not_protocols: Vec<Proto> = conjunction
        .not_protocols
        .iter()
        .copied()
        .filter(|p| proto_family(*p).is_none_or(|f| f == family))
        .collect();
    not_protocols.sort_by_key(|p| p.number());
    not_protocols.dedup();
    if let Some(proto) = conjunction.protocol {
        if not_protocols.contains(&proto) {
            return Ok(None);
        }
        // Implied by the positive test.
        not_protocols.clear();
    }
    let mut addresses: Vec<&AddrTest> = Vec::new();
    for test in &conjunction.addresses {
        if addr_family(test.net.addr) == family {
            addresses.push(test);
        } else if !test.negated {
            // An address of the other family: no packet of this one matches.
            return Ok(None);
        }
        // A negated address of the other family holds for every packet of this one.
    }
    let port_match = match conjunction.protocol {
        Some(proto @ (Proto::Tcp | Proto::Udp)) => Some(proto_arg(proto)),
        _ if conjunction.ports.is_empty() => None,
        _ => {
            return Err(TriggerError::Inexpressible {
                what: "a port test without `tcp` or `udp` (the filter should have split it)"
                    .to_owned(),
            })
        }
    };

    let mut args = Vec::new();
    if let Some(proto) = conjunction.protocol {
        args.extend(words(&["-p", proto_arg(proto)]));
    }
    match not_protocols.as_slice() {
        [] => {}
        [one] => args.extend(words(&["!", "-p", proto_arg(*one)])),
        several => {
            args.extend(words(&["-m", "u32", "--u32"]));
            args.push(protocol_not_in(family, several));
        }
    }
    push_addresses(&mut args, &addresses);
    if let Some(name) = port_match {
        push_ports(&mut args, name, &conjunction.ports);
    }
    Ok(Some(args))
}

/// A u32 test "the protocol byte is none of `protocols`" (sorted, deduplicated): the byte
/// is the low byte of the 32-bit word at 6 (IPv4: protocol, byte 9) or 3 (IPv6: next
/// header, byte 6), compared with the ranges between the protocols.
fn protocol_not_in(family: IpFamily, protocols: &[Proto]) -> String {
    let location = match family {
        IpFamily::V4 => "6&0xFF",
        IpFamily::V6 => "3&0xFF",
    };
    let mut ranges = Vec::new();
    let mut next: u16 = 0;
    for proto in protocols {
        let number = u16::from(proto.number());
        if number > next {
            ranges.push(range_text(next, number - 1));
        }
        next = number + 1;
    }
    if next <= 255 {
        ranges.push(range_text(next, 255));
    }
    format!("{location}={}", ranges.join(","))
}

fn range_text(lo: u16, hi: u16) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}:{hi}")
    }
}

fn net_text(net: &IpNet) -> String {
    format!("{}/{}", net.addr, net.prefix)
}

/// The first and last address of a prefix.
fn net_range(net: &IpNet) -> (IpAddr, IpAddr) {
    match net.addr {
        IpAddr::V4(addr) => {
            let host_mask = u32::MAX.checked_shr(u32::from(net.prefix)).unwrap_or(0);
            let lo = u32::from(addr) & !host_mask;
            (
                IpAddr::from(lo.to_be_bytes()),
                IpAddr::from((lo | host_mask).to_be_bytes()),
            )
        }
        IpAddr::V6(addr) => {
            let host_mask = u128::MAX.checked_shr(u32::from(net.prefix)).unwrap_or(0);
            let lo = u128::from(addr) & !host_mask;
            (
                IpAddr::from(lo.to_be_bytes()),
                IpAddr::from((lo | host_mask).to_be_bytes()),
            )
        }
    }
}

/// `[!] -s NET`, `[!] -d NET` for the first test of each side; `-m iprange` for the rest.
fn push_addresses(args: &mut Vec<String>, addresses: &[&AddrTest]) {
    let side = |dir: Dir| -> Vec<&AddrTest> {
        addresses.iter().copied().filter(|t| t.dir == dir).collect()
    };
    let (sources, destinations) = (side(Dir::Src), side(Dir::Dst));
    for (tests, flag) in [(&sources, "-s"), (&destinations, "-d")] {
        if let Some(test) = tests.first() {
            if test.negated {
                args.push("!".to_owned());
            }
            args.push(flag.to_owned());
            args.push(net_text(&test.net));
        }
    }
    let extra = sources.len().max(destinations.len()).saturating_sub(1);
    for index in 1..=extra {
        args.extend(words(&["-m", "iprange"]));
        for (tests, flag) in [(&sources, "--src-range"), (&destinations, "--dst-range")] {
            if let Some(test) = tests.get(index) {
                if test.negated {
                    args.push("!".to_owned());
                }
                args.push(flag.to_owned());
                let (lo, hi) = net_range(&test.net);
                args.push(format!("{lo}-{hi}"));
            }
        }
    }
}

/// `-m tcp|udp [!] --sport P [!] --dport P`, one more match per further test of a side.
fn push_ports(args: &mut Vec<String>, protocol: &str, ports: &[PortTest]) {
    let side = |dir: Dir| -> Vec<&PortTest> { ports.iter().filter(|t| t.dir == dir).collect() };
    let (sources, destinations) = (side(Dir::Src), side(Dir::Dst));
    for index in 0..sources.len().max(destinations.len()) {
        args.extend(words(&["-m", protocol]));
        for (tests, flag) in [(&sources, "--sport"), (&destinations, "--dport")] {
            if let Some(test) = tests.get(index) {
                if test.negated {
                    args.push("!".to_owned());
                }
                args.push(flag.to_owned());
                args.push(range_text(test.lo, test.hi));
            }
        }
    }
}

/// The calling thread's network namespace (`net:[4026531840]`).
fn current_netns() -> Result<String, TriggerError> {
    std::fs::read_link("/proc/thread-self/ns/net")
        .map(|link| link.to_string_lossy().into_owned())
        .map_err(|source| TriggerError::Io {
            what: "reading /proc/thread-self/ns/net".to_owned(),
            source,
        })
}

/// Refuses to act from a thread in another namespace than the one the rules were found or
/// installed in: the commands would run there.
fn check_netns(expected: &str) -> Result<(), TriggerError> {
    let current = current_netns()?;
    if current != expected {
        return Err(TriggerError::WrongNamespace {
            expected: expected.to_owned(),
            current,
        });
    }
    Ok(())
}

/// A command line for messages, with arguments that hold spaces quoted.
fn command_text(program: &str, args: &[String]) -> String {
    let mut text = program.to_owned();
    for arg in args {
        if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '"') {
            let _ = write!(text, " {arg:?}");
        } else {
            let _ = write!(text, " {arg}");
        }
    }
    text
}

/// Runs `path ARGS…` and returns its stdout; an error names the command and its stderr.
fn run(path: &Path, args: &[String]) -> Result<String, TriggerError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let output = Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                TriggerError::ToolMissing {
                    program: name.clone(),
                }
            } else {
                TriggerError::Io {
                    what: format!("running {}", path.display()),
                    source,
                }
            }
        })?;
    if !output.status.success() {
        return Err(TriggerError::Command {
            program: name,
            args: args.to_vec(),
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One rule in the kernel and the program that put it there.
#[derive(Debug)]
struct Installed {
    path: PathBuf,
    rule: LegacyRule,
}

/// The installed TRACE rules of one run. Removed by [`LegacyTrigger::remove`] (not on drop:
/// the run's session guard decides when, from the right namespace).
#[derive(Debug)]
pub struct LegacyTrigger {
    netns: String,
    /// In the order inserted.
    installed: Vec<Installed>,
}

/// Inserts the TRACE rules for `spec` (programs found on `PATH`): see [`install_with`].
pub fn install(spec: &TriggerSpec) -> Result<LegacyTrigger, TriggerError> {
    install_with(spec, &Tools::from_env())
}

/// Inserts the TRACE rules for `spec` in the calling thread's network namespace, with the
/// programs found by `tools`. Nothing is changed when the filter cannot be expressed or a
/// program is missing; when a command fails, the rules inserted before it are deleted and
/// the error names the command and its stderr.
pub fn install_with(spec: &TriggerSpec, tools: &Tools) -> Result<LegacyTrigger, TriggerError> {
    let rules = plan(spec)?;
    let mut paths: Vec<(IpFamily, PathBuf)> = Vec::new();
    for rule in &rules {
        if !paths.iter().any(|(f, _)| *f == rule.family) {
            paths.push((rule.family, tools.require(program(rule.family))?));
        }
    }
    let mut trigger = LegacyTrigger {
        netns: current_netns()?,
        installed: Vec::with_capacity(rules.len()),
    };
    for rule in rules {
        let Some(path) = paths
            .iter()
            .find(|(f, _)| *f == rule.family)
            .map(|(_, p)| p.clone())
        else {
            continue;
        };
        if let Err(error) = run(&path, &rule.insert_args()) {
            return Err(match trigger.delete_all() {
                Ok(()) => error,
                Err(left) => TriggerError::RollbackFailed {
                    error: Box::new(error),
                    left,
                },
            });
        }
        trigger.installed.push(Installed { path, rule });
    }
    Ok(trigger)
}

impl LegacyTrigger {
    /// How many rules the trigger put at the top of each chain: `(NFPROTO_IPV4 = 2 or
    /// NFPROTO_IPV6 = 10, chain, count)`. The user's rule N of that chain is the kernel's
    /// rule N + count while the trigger is installed.
    pub fn rules_per_chain(&self) -> Vec<(u8, String, u32)> {
        let mut counts: Vec<(u8, String, u32)> = Vec::new();
        for Installed { rule, .. } in &self.installed {
            let family = nfproto(rule.family);
            match counts
                .iter_mut()
                .find(|(f, c, _)| *f == family && c == rule.chain)
            {
                Some((_, _, count)) => *count += 1,
                None => counts.push((family, rule.chain.to_owned(), 1)),
            }
        }
        counts
    }

    /// The rules, in the order inserted.
    pub fn rules(&self) -> impl Iterator<Item = &LegacyRule> {
        self.installed.iter().map(|i| &i.rule)
    }

    /// One line for the user: `iptables-legacy TRACE rules: raw PREROUTING 1-2, OUTPUT 1-2
    /// (IPv4); …`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for family in [IpFamily::V4, IpFamily::V6] {
            let chains: Vec<String> = self
                .rules_per_chain()
                .into_iter()
                .filter(|(f, _, _)| *f == nfproto(family))
                .map(|(_, chain, count)| match count {
                    1 => format!("{chain} 1"),
                    n => format!("{chain} 1-{n}"),
                })
                .collect();
            if !chains.is_empty() {
                parts.push(format!("{} raw {}", program(family), chains.join(", ")));
            }
        }
        format!("TRACE rules: {}", parts.join("; "))
    }

    /// Deletes exactly the rules the trigger inserted, newest first. Every rule is tried;
    /// the error lists those that could not be deleted, each with its command's error.
    /// Must be called from a thread in the namespace the rules were installed in.
    pub fn remove(mut self) -> Result<(), TriggerError> {
        self.delete_all()
            .map_err(|left| TriggerError::NotRemoved { left })
    }

    /// Deletes every installed rule, newest first; returns what stayed.
    fn delete_all(&mut self) -> Result<(), Vec<String>> {
        if let Err(err) = check_netns(&self.netns) {
            return Err(self
                .installed
                .iter()
                .map(|i| format!("{}: {err}", i.rule.command_line()))
                .collect());
        }
        let mut left = Vec::new();
        while let Some(installed) = self.installed.pop() {
            if let Err(err) = run(&installed.path, &installed.rule.delete_args()) {
                left.push(err.to_string());
            }
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(left)
        }
    }
}

/// A TRACE rule in a raw table whose comment is an nftrace [`Record`]: a trigger of some
/// run, maybe one that was killed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLegacyRule {
    /// `NFPROTO_IPV4` (2) or `NFPROTO_IPV6` (10).
    pub family: u8,
    pub chain: String,
    /// Its position in the chain when found (1-based).
    pub position: u32,
    /// The `iptables-legacy-save` line (`-A PREROUTING … -j TRACE`).
    pub line: String,
    pub record: Record,
    netns: String,
}

/// The nftrace TRACE rules in the raw tables of the calling thread's network namespace,
/// both families (programs found on `PATH`): see [`find_installed_with`].
pub fn find_installed() -> Result<Vec<FoundLegacyRule>, TriggerError> {
    find_installed_with(&Tools::from_env())
}

/// Like [`find_installed`], with the programs `tools` finds. A family whose save program is
/// missing is skipped (nothing can have been installed there with the same tools). Tables
/// are listed without `-t`, so a raw table that does not exist is not created by looking.
pub fn find_installed_with(tools: &Tools) -> Result<Vec<FoundLegacyRule>, TriggerError> {
    let netns = current_netns()?;
    let mut found = Vec::new();
    for family in [IpFamily::V4, IpFamily::V6] {
        let Some(path) = tools.find(save_program(family)) else {
            continue;
        };
        let text = run(&path, &[])?;
        let dump = parse_save(save_program(family), &text)?;
        let Some(table) = dump.table(TABLE) else {
            continue;
        };
        for chain in &table.chains {
            for (index, line) in chain.rules.iter().enumerate() {
                let Some(words) = split_save_line(line) else {
                    continue;
                };
                let target_is_trace = words.windows(2).any(|w| w[0] == "-j" && w[1] == "TRACE");
                let record = words
                    .windows(2)
                    .find(|w| w[0] == "--comment")
                    .and_then(|w| Record::parse(&w[1]));
                if let (true, Some(record)) = (target_is_trace, record) {
                    found.push(FoundLegacyRule {
                        family: nfproto(family),
                        chain: chain.name.clone(),
                        position: u32::try_from(index + 1).unwrap_or(u32::MAX),
                        line: line.clone(),
                        record,
                        netns: netns.clone(),
                    });
                }
            }
        }
    }
    Ok(found)
}

/// Deletes rules [`find_installed`] found (programs on `PATH`): see [`remove_found_with`].
pub fn remove_found(rules: &[FoundLegacyRule]) -> Result<(), TriggerError> {
    remove_found_with(rules, &Tools::from_env())
}

/// Deletes each found rule by its full specification (the save line with `-A` turned into
/// `-D`), last found first. Every rule is tried; the error lists those left.
pub fn remove_found_with(rules: &[FoundLegacyRule], tools: &Tools) -> Result<(), TriggerError> {
    let mut left = Vec::new();
    for rule in rules.iter().rev() {
        if let Err(err) = remove_one(rule, tools) {
            left.push(format!("{}: {err}", rule.line));
        }
    }
    if left.is_empty() {
        Ok(())
    } else {
        Err(TriggerError::NotRemoved { left })
    }
}

fn remove_one(rule: &FoundLegacyRule, tools: &Tools) -> Result<(), TriggerError> {
    check_netns(&rule.netns)?;
    let family = family_of_nfproto(rule.family).ok_or_else(|| TriggerError::Unexpected {
        what: format!("family {} of a found rule", rule.family),
    })?;
    let path = tools.require(program(family))?;
    let mut saved = split_save_line(&rule.line)
        .filter(|w| w.first().is_some_and(|w| w == "-A"))
        .ok_or_else(|| TriggerError::Unexpected {
            what: format!("save line {:?}", rule.line),
        })?;
    saved[0] = "-D".to_owned();
    let mut args = words(&["-w", "-t", TABLE]);
    args.extend(saved);
    run(&path, &args).map(|_| ())
}

/// Splits a save line into the arguments it stands for: words separated by spaces, `"…"`
/// quoting with `\` escaping inside (how iptables-save quotes a comment and iptables-restore
/// reads it back). `None` for an unterminated quote.
fn split_save_line(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\\' => word.push(chars.next()?),
                        '"' => break,
                        other => word.push(other),
                    }
                }
            }
            c if c.is_ascii_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;

    fn record() -> Record {
        Record {
            pid: 4242,
            start: 7,
            nf_log: vec![(2, "NONE".to_owned())],
        }
    }

    fn spec(alternatives: Vec<Conjunction>) -> TriggerSpec {
        TriggerSpec {
            filter: Filter { alternatives },
            iif: None,
            mark: None,
            rate: 0,
            record: record(),
        }
    }

    fn lines(rules: &[LegacyRule]) -> Vec<String> {
        rules.iter().map(LegacyRule::command_line).collect()
    }

    const TAIL: &str = "-m comment --comment \"nftrace pid=4242 start=7 nf_log.2=NONE\" -j TRACE";

    #[test]
    fn everything_is_one_rule_per_family_and_chain_in_order() {
        let mut spec = spec(vec![Conjunction::default()]);
        spec.rate = 100;
        spec.mark = Some((0x2a, 0xff));
        let limit = "-m mark --mark 0x2a/0xff -m limit --limit 100/second --limit-burst 5";
        assert_eq!(
            lines(&plan(&spec).unwrap()),
            [
                format!("iptables-legacy -w -t raw -I PREROUTING 1 {limit} {TAIL}"),
                format!("iptables-legacy -w -t raw -I OUTPUT 1 {limit} {TAIL}"),
                format!("ip6tables-legacy -w -t raw -I PREROUTING 1 {limit} {TAIL}"),
                format!("ip6tables-legacy -w -t raw -I OUTPUT 1 {limit} {TAIL}"),
            ]
        );
    }

    #[test]
    fn conjunctions_map_to_matches() {
        let tcp_port = Conjunction {
            protocol: Some(Proto::Tcp),
            ports: vec![
                PortTest::port(Dir::Dst, 80),
                PortTest::new(Dir::Src, 1000, 2000, true),
                PortTest::new(Dir::Dst, 81, 81, true),
            ],
            ..Conjunction::default()
        };
        let v4_hosts = Conjunction {
            family: Some(IpFamily::V4),
            not_protocols: vec![Proto::Udp, Proto::Tcp, Proto::Icmpv6],
            addresses: vec![
                AddrTest::new(Dir::Src, "10.0.0.0/8".parse().unwrap(), false),
                AddrTest::new(Dir::Src, "10.1.0.0/16".parse().unwrap(), true),
                AddrTest::new(Dir::Dst, "192.168.1.1/32".parse().unwrap(), true),
            ],
            ..Conjunction::default()
        };
        let icmp6 = Conjunction {
            family: Some(IpFamily::V6),
            protocol: Some(Proto::Icmpv6),
            addresses: vec![AddrTest::new(Dir::Dst, "fd00::/64".parse().unwrap(), false)],
            ..Conjunction::default()
        };
        let not_icmp = Conjunction {
            not_protocols: vec![Proto::Icmp],
            ..Conjunction::default()
        };
        let mut spec = spec(vec![tcp_port, v4_hosts, icmp6, not_icmp]);
        spec.iif = Some("veth0".to_owned());
        let rules = plan(&spec).unwrap();
        assert_eq!(
            lines(&rules),
            [
                format!("iptables-legacy -w -t raw -I PREROUTING 1 -p tcp -m tcp ! --sport 1000:2000 --dport 80 -m tcp ! --dport 81 -i veth0 {TAIL}"),
                format!("iptables-legacy -w -t raw -I PREROUTING 2 -m u32 --u32 6&0xFF=0:5,7:16,18:255 -s 10.0.0.0/8 ! -d 192.168.1.1/32 -m iprange ! --src-range 10.1.0.0-10.1.255.255 -i veth0 {TAIL}"),
                format!("iptables-legacy -w -t raw -I PREROUTING 3 ! -p icmp -i veth0 {TAIL}"),
                format!("ip6tables-legacy -w -t raw -I PREROUTING 1 -p tcp -m tcp ! --sport 1000:2000 --dport 80 -m tcp ! --dport 81 -i veth0 {TAIL}"),
                format!("ip6tables-legacy -w -t raw -I PREROUTING 2 -p ipv6-icmp -d fd00::/64 -i veth0 {TAIL}"),
                // "not icmp" holds for every IPv6 packet.
                format!("ip6tables-legacy -w -t raw -I PREROUTING 3 -i veth0 {TAIL}"),
            ]
        );
    }

    #[test]
    fn contradictions_and_other_families_install_nothing() {
        let contradictions = vec![
            Conjunction {
                protocol: Some(Proto::Udp),
                not_protocols: vec![Proto::Udp],
                ..Conjunction::default()
            },
            Conjunction {
                family: Some(IpFamily::V6),
                protocol: Some(Proto::Icmp),
                ..Conjunction::default()
            },
        ];
        assert!(matches!(
            plan(&spec(contradictions)),
            Err(TriggerError::Inexpressible { .. })
        ));
        // An IPv4 address: IPv4 only; a negated IPv6 address does not restrict IPv4.
        let v4 = Conjunction {
            addresses: vec![
                AddrTest::new(Dir::Src, "10.0.0.1/32".parse().unwrap(), false),
                AddrTest::new(Dir::Dst, "fd00::1/128".parse().unwrap(), true),
            ],
            ..Conjunction::default()
        };
        let rules = plan(&spec(vec![v4])).unwrap();
        assert_eq!(rules.len(), 2);
        assert!(rules.iter().all(|r| r.family == IpFamily::V4));
        assert_eq!(rules[0].spec[..2], ["-s", "10.0.0.1/32"]);
        assert_eq!(rules[0].spec[2..4], ["-m", "comment"]);
    }

    #[test]
    fn what_iptables_cannot_take_is_refused_before_anything() {
        let mut fast = spec(vec![Conjunction::default()]);
        fast.rate = MAX_RATE + 1;
        assert!(matches!(
            plan(&fast),
            Err(TriggerError::Inexpressible { .. })
        ));
        fast.rate = MAX_RATE;
        assert!(plan(&fast).is_ok());
        let mut long_name = spec(vec![Conjunction::default()]);
        long_name.iif = Some("x".repeat(16));
        assert!(matches!(
            plan(&long_name),
            Err(TriggerError::Inexpressible { .. })
        ));
        let ports_without_protocol = Conjunction {
            ports: vec![PortTest::port(Dir::Src, 1)],
            ..Conjunction::default()
        };
        assert!(matches!(
            plan(&spec(vec![ports_without_protocol])),
            Err(TriggerError::Inexpressible { .. })
        ));
    }

    #[test]
    fn u32_ranges_cover_the_complement() {
        assert_eq!(
            protocol_not_in(IpFamily::V6, &[Proto::Tcp, Proto::Udp, Proto::Icmpv6]),
            "3&0xFF=0:5,7:16,18:57,59:255"
        );
        assert_eq!(
            protocol_not_in(IpFamily::V4, &[Proto::Icmp, Proto::Tcp]),
            "6&0xFF=0,2:5,7:255"
        );
    }

    #[test]
    fn prefixes_become_ranges() {
        let text = |net: &str| {
            let (lo, hi) = net_range(&net.parse().unwrap());
            format!("{lo}-{hi}")
        };
        assert_eq!(text("10.1.0.0/16"), "10.1.0.0-10.1.255.255");
        assert_eq!(text("10.1.2.3/32"), "10.1.2.3-10.1.2.3");
        assert_eq!(text("0.0.0.0/0"), "0.0.0.0-255.255.255.255");
        assert_eq!(text("fd00::/64"), "fd00::-fd00::ffff:ffff:ffff:ffff");
        assert_eq!(text("::/0"), "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assert_eq!(text("fd00::1/128"), "fd00::1-fd00::1");
    }

    #[test]
    fn save_lines_split_like_iptables_restore() {
        assert_eq!(
            split_save_line(
                r#"-A OUTPUT -m u32 --u32 "0x6&0xff=0x0:0x5" -m comment --comment "a \"b\" \\c" -j TRACE"#
            )
            .unwrap(),
            [
                "-A",
                "OUTPUT",
                "-m",
                "u32",
                "--u32",
                "0x6&0xff=0x0:0x5",
                "-m",
                "comment",
                "--comment",
                r#"a "b" \c"#,
                "-j",
                "TRACE"
            ]
        );
        assert_eq!(split_save_line("-A X --comment \"open"), None);
    }
}
