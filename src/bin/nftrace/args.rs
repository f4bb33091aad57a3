//! The command line's arguments (clap): the default command, `events`, `ruleset`, `hooks`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use nftrace::listen::{ListenConfig, Sources};
use nftrace::netns::NetnsSpec;

/// A netfilter tracer: shows which tables, chains and rules a packet went through.
///
/// nftrace reads the kernel's own trace sources over netlink: nf_tables trace events
/// (rules with `meta nftrace set 1`, or iptables-nft `-j TRACE`) and nfnetlink_log records
/// (iptables-legacy `-j TRACE`, once `net.netfilter.nf_log.2`/`.10` name `nfnetlink_log`).
/// It needs root or CAP_NET_ADMIN, and works in the network namespace it runs in.
///
/// Without a command, nftrace traces the packets FILTER matches and prints one block per
/// packet: every table, chain and rule the packet went through, in the order the kernel ran
/// them, with each rule's text, what changed on the way (NAT, marks, interfaces, conntrack
/// state) and what became of it. It installs what makes the kernel trace (an nf_tables table
/// `nftrace_<pid>` with `meta nftrace set 1` rules at priority raw - 1, or with
/// `--backend legacy` TRACE rules in the raw table) and removes it when it stops — on
/// Ctrl-C, SIGTERM, SIGHUP, -c, --duration, an error or a panic; after a SIGKILL the next run
/// removes it. The user's own rules are never touched.
///
/// FILTER (tcpdump-style, as one or several arguments), over the packet as it enters
/// netfilter:
///   tcp  udp  icmp  icmp6  ip  ip6
///   [src|dst] host ADDR         IPv4/IPv6 address (no host names)
///   [src|dst] net ADDR/LEN      e.g. 10.0.0.0/8, fd00::/64
///   [src|dst] port N            TCP or UDP port number (no service names)
///   [src|dst] portrange LO-HI   e.g. 1024-65535
///   not/!  and/&&  or/||  ( )   e.g. 'udp and (port 53 or host fd00::1)'
/// Precedence: not, then and, then or (tcpdump gives and/or equal precedence, left to
/// right: use parentheses). Without src/dst, host/net/port match either side. `not port 53`
/// also matches packets without ports (ICMP), `not host A` all packets of the other IP
/// version. A filter may expand to at most 32 rules (`port N` alone is 4).
#[derive(Parser, Debug)]
#[command(
    name = "nftrace",
    version,
    args_conflicts_with_subcommands = true,
    verbatim_doc_comment
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub trace: TraceArgs,

    /// Run in this network namespace: a name from `ip netns`, a path such as
    /// /proc/PID/ns/net, or a process id (e.g. a container's). Sockets, the ruleset, the
    /// triggers, the iptables tools nftrace runs and interface names are all that
    /// namespace's.
    #[arg(long, global = true, value_name = "NAME|PATH|PID", value_parser = NetnsSpec::parse)]
    pub netns: Option<NetnsSpec>,
}

/// The default command: packet paths.
#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Which packets to trace (see above); none: every packet, under the rate limit.
    #[arg(value_name = "FILTER", trailing_var_arg = true)]
    pub filter: Vec<String>,

    /// Only packets that came in on this interface (locally sent packets are then not
    /// traced: they have no input interface).
    #[arg(short = 'i', long = "interface", value_name = "IFACE", value_parser = parse_interface)]
    pub interface: Option<String>,

    /// Only packets whose mark, under MASK (default all bits), is M; decimal or 0x hex.
    #[arg(long, value_name = "M[/MASK]", value_parser = parse_mark)]
    pub mark: Option<(u32, u32)>,

    /// At most N packets per second start a trace (per trigger rule); 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub rate: u32,

    /// What installs the trace: an nf_tables table (default where the kernel has nf_tables;
    /// traces iptables-legacy tables too), or TRACE rules in the iptables-legacy raw table.
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,

    /// Install nothing: only listen, for trace rules you made yourself.
    #[arg(long, conflicts_with_all = ["interface", "mark", "backend", "filter"])]
    pub no_install: bool,

    /// Print one JSON object per packet path instead of text (schema in the README).
    #[arg(long)]
    pub json: bool,

    /// Stop after this many packets.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    #[command(flatten)]
    pub listen: ListenArgs,
}

/// Where to listen and how: shared by the default command and `events`.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Which kernel sources to read.
    #[arg(long, value_enum, default_value_t = SourceArg::Both)]
    pub source: SourceArg,

    /// Stop after this many seconds (fractions allowed, e.g. 0.5).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub duration: Option<Duration>,

    /// nfnetlink_log group to bind; iptables-legacy TRACE always logs to group 0.
    #[arg(long, value_name = "GROUP", default_value_t = 0)]
    pub nflog_group: u16,

    /// Bytes of each packet nfnetlink_log copies to us (headers are in the first 128).
    #[arg(long, value_name = "BYTES", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=65531))]
    pub snaplen: u32,

    /// Socket receive buffer to ask for, in bytes; a larger one loses fewer events in bursts.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub rcvbuf: usize,

    /// Do not read the ruleset: show the steps as the kernel reports them, without rule
    /// numbers, texts or interface names (lighter, and needs no `nft` or `iptables`).
    #[arg(long)]
    pub no_ruleset: bool,
}

impl ListenArgs {
    pub fn config(&self) -> ListenConfig {
        ListenConfig {
            sources: match self.source {
                SourceArg::Both => Sources::Both,
                SourceArg::Nft => Sources::NfTables,
                SourceArg::Nflog => Sources::Nflog,
            },
            nflog_group: self.nflog_group,
            copy_range: self.snaplen,
            rcvbuf: self.rcvbuf,
            ruleset_changes: !self.no_ruleset,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print every trace event as it arrives, one line each, from both kernel sources, with
    /// the rule each step went through.
    ///
    /// nftrace installs nothing yet: add `meta nftrace set 1` to an nft chain, or a
    /// `-j TRACE` rule to the raw table (iptables-legacy also needs
    /// `sysctl net.netfilter.nf_log.2=nfnetlink_log`, and `.10` for IPv6).
    /// Stops on Ctrl-C, SIGTERM, SIGHUP, after --count events or after --duration,
    /// and prints on stderr how many events were seen and how many the kernel lost.
    ///
    /// Each step is resolved against a snapshot of the ruleset read at start and kept
    /// current while rules change: nf_tables rules by handle (their number in the chain and
    /// the text `nft` prints), iptables-legacy `table:chain:kind:N` steps by position (the
    /// `iptables-legacy-save` line; an explicit `-j ACCEPT` the kernel calls `policy` is
    /// shown as the rule it is), interfaces by name. A step the snapshot cannot place says
    /// "not in ruleset"; it never shows another rule.
    Events(EventsArgs),

    /// Show, for each family and hook, the order in which the kernel runs things: nf_tables
    /// base chains, iptables-legacy tables, conntrack, defrag and NAT, with their priorities.
    ///
    /// It answers "which table and chain runs first" for this host (this network namespace).
    /// The list comes from the kernel's hook dump (nfnetlink_hook) where the kernel has it,
    /// otherwise it is derived from the ruleset and the standard priorities, and says so.
    /// At equal priorities the kernel runs the hook registered last first; a derived list
    /// cannot know that order and marks such entries.
    Hooks(HooksArgs),

    /// Show the ruleset as nftrace sees it: every nf_tables table and chain (family, hook,
    /// priority, policy) and every rule with its number, handle and text, then the
    /// iptables-legacy tables; each text says where it came from (nft, iptables-nft-save,
    /// iptables-legacy-save, nftrace's renderer, or a plain expression listing).
    Ruleset(RulesetArgs),
}

#[derive(Args, Debug)]
pub struct RulesetArgs {
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,

    /// Do not run `nft` for rule texts: use nftrace's own renderer for every rule.
    #[arg(long)]
    pub no_nft: bool,
}

#[derive(Args, Debug)]
pub struct HooksArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,

    /// Stop after this many trace events.
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<u64>,

    #[command(flatten)]
    pub listen: ListenArgs,

    /// Also append every received netlink datagram, as received, to FILE (for bug reports
    /// and test fixtures: netlink messages are self-delimiting, so the file is just bytes).
    #[arg(long, value_name = "FILE")]
    pub save_raw: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceArg {
    /// nf_tables trace events and nfnetlink_log records.
    Both,
    /// nf_tables trace events only (NFNLGRP_NFTRACE).
    Nft,
    /// nfnetlink_log records only (iptables-legacy TRACE).
    Nflog,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is not a usable duration"))
}

/// `--backend`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendArg {
    /// An nf_tables table with `meta nftrace set 1` rules.
    Nft,
    /// TRACE rules in the iptables-legacy (and ip6tables-legacy) raw table.
    Legacy,
}

fn parse_mark(text: &str) -> Result<(u32, u32), String> {
    nftrace::filter::mark_arg(text)
}

fn parse_interface(text: &str) -> Result<String, String> {
    nftrace::trigger::check_interface_name(text).map(|()| text.to_owned())
}
