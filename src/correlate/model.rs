//! What the correlator produces: one [`PacketPath`] per packet, its [`Hop`]s in the order the
//! kernel ran them, what changed between hops ([`Change`]) and what became of the packet
//! ([`Fate`]). Plain owned data: printers read it, programs embedding nftrace keep it.

use std::net::IpAddr;
use std::time::SystemTime;

use crate::packet::PacketSummary;
use crate::ruleset::model::TextSource;

/// Which kernel source reported a hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HopSource {
    /// An nf_tables trace event (`NFNLGRP_NFTRACE`): native nft rules and iptables-nft.
    NfTables,
    /// An nfnetlink_log `TRACE:` record: iptables-legacy.
    Nflog,
}

impl HopSource {
    /// The name used in JSON and text: `nftrace` or `nflog`.
    pub fn as_str(self) -> &'static str {
        match self {
            HopSource::NfTables => "nftrace",
            HopSource::Nflog => "nflog",
        }
    }
}

/// What a hop is in its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HopKind {
    /// A rule that matched.
    Rule,
    /// The base chain's policy: no rule decided.
    Policy,
    /// The end of a user chain: back to the calling chain.
    Return,
}

impl HopKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HopKind::Rule => "rule",
            HopKind::Policy => "policy",
            HopKind::Return => "return",
        }
    }
}

/// What a hop decided, in the words of the rule languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HopVerdict {
    Accept,
    Drop,
    /// Rejected (iptables `REJECT`): dropped with an answer to the sender.
    Reject,
    /// Taken over by the kernel (`NF_STOLEN`).
    Stolen,
    /// Sent to a userspace queue.
    Queue(u16),
    Repeat,
    /// Evaluation goes on with the next rule (a rule that only counts, marks, logs...).
    Continue,
    /// To a user chain, coming back.
    Jump(String),
    /// To a user chain, not coming back.
    Goto(String),
    /// Back to the calling chain.
    Return,
    /// An iptables target that decides by itself (`DNAT`, `MASQUERADE`, `MARK`, ...): its
    /// name; what it returned the kernel does not say.
    Target(String),
    /// A code nftrace does not know.
    Other(i32),
}

impl HopVerdict {
    /// True when the packet is dropped here (rejected included).
    pub fn is_drop(&self) -> bool {
        matches!(self, HopVerdict::Drop | HopVerdict::Reject)
    }

    /// True when netfilter is done with the packet here: dropped, rejected, stolen or queued.
    pub fn ends_packet(&self) -> bool {
        matches!(
            self,
            HopVerdict::Drop | HopVerdict::Reject | HopVerdict::Stolen | HopVerdict::Queue(_)
        )
    }

    /// True when the packet leaves the base chain (or legacy table) here: accepted, or an
    /// iptables target that returns a verdict rather than going on, or the packet's end.
    pub fn ends_chain(&self) -> bool {
        match self {
            HopVerdict::Accept => true,
            HopVerdict::Target(name) => matches!(
                name.as_str(),
                "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT" | "NETMAP" | "NFQUEUE" | "SYNPROXY"
            ),
            other => other.ends_packet(),
        }
    }
}

/// An interface: its index and, when known, its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iface {
    pub index: u32,
    pub name: Option<String>,
}

impl Iface {
    /// The interface with `index`, if there is one, named `name` when the name is known.
    pub fn of(index: Option<u32>, name: Option<String>) -> Option<Iface> {
        index.map(|index| Iface { index, name })
    }

    /// The name, or `if<index>` when the name is unknown.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!("if{}", self.index),
        }
    }
}

/// Conntrack's view of the packet (nf_tables trace events on kernels ≥ 6.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CtInfo {
    /// `NFTA_TRACE_CT_STATE` bits (`new`, `established`, `related`, `untracked`, `invalid`).
    pub state: Option<u32>,
    /// `NFTA_TRACE_CT_STATUS` bits (`IPS_*`: dnat, snat, confirmed, ...).
    pub status: Option<u32>,
    /// 0 = original, 1 = reply.
    pub direction: Option<u8>,
    pub id: Option<u32>,
}

impl CtInfo {
    /// What an nf_tables trace event says about conntrack, when it says anything.
    pub fn of_trace(event: &crate::wire::TraceEvent<'_>) -> Option<CtInfo> {
        (event.ct_state.is_some() || event.ct_status.is_some() || event.ct_id.is_some()).then(
            || CtInfo {
                state: event.ct_state,
                status: event.ct_status,
                direction: event.ct_direction.map(|d| d.as_u8()),
                id: event.ct_id_u32(),
            },
        )
    }
}

/// Something about the packet that differs from the hop before.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    /// Source address (SNAT, masquerade, or a reply's reverse DNAT).
    Src {
        from: IpAddr,
        to: IpAddr,
    },
    /// Destination address (DNAT, redirect, or a reply's reverse SNAT).
    Dst {
        from: IpAddr,
        to: IpAddr,
    },
    SrcPort {
        from: u16,
        to: u16,
    },
    DstPort {
        from: u16,
        to: u16,
    },
    Mark {
        from: u32,
        to: u32,
    },
    Ttl {
        from: u8,
        to: u8,
    },
    Iif {
        from: Option<Iface>,
        to: Option<Iface>,
    },
    Oif {
        from: Option<Iface>,
        to: Option<Iface>,
    },
    /// Conntrack state bits.
    CtState {
        from: u32,
        to: u32,
    },
}

/// One step of a packet through a table and chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub source: HopSource,
    /// `NFPROTO_*` of the table (nf_tables) or of the record (iptables-legacy).
    pub family: u8,
    /// `NF_INET_*` hook the step ran at, when known.
    pub hook: Option<u8>,
    /// Priority of the base chain (nf_tables) or of the table (iptables-legacy), when known.
    pub priority: Option<i32>,
    pub table: String,
    pub chain: String,
    pub kind: HopKind,
    /// 1-based position in the chain; for a policy or return, one past the last rule, as
    /// the kernel's TRACE counts. `None` when the ruleset does not know the rule.
    pub rule_number: Option<u32>,
    /// The nf_tables rule handle.
    pub handle: Option<u64>,
    /// The rule's text.
    pub rule: Option<String>,
    /// Where the text came from.
    pub rule_source: Option<TextSource>,
    /// What nftrace could not resolve, or that the rule was deleted since.
    pub note: Option<String>,
    pub verdict: Option<HopVerdict>,
    pub iif: Option<Iface>,
    pub oif: Option<Iface>,
    pub mark: Option<u32>,
    pub ct: Option<CtInfo>,
    /// What differs from the hop before (empty for the first hop).
    pub changes: Vec<Change>,
    /// The packet as this hop saw it, when its event carried the headers.
    pub packet: Option<PacketSummary>,
    /// When nftrace received the event (nf_tables) or the kernel logged it (nflog, when it
    /// says).
    pub time: SystemTime,
}

impl Hop {
    /// `table:chain:kind:N`, as iptables' TRACE prints a step (`?` for an unknown number).
    pub fn step_label(&self) -> String {
        match self.rule_number {
            Some(n) => format!("{}:{}:{}:{n}", self.table, self.chain, self.kind.as_str()),
            None => format!("{}:{}:{}:?", self.table, self.chain, self.kind.as_str()),
        }
    }
}

/// Which sources a path's hops came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathSource {
    NfTables,
    Nflog,
    /// nf_tables and iptables-legacy steps in one path (a hybrid host).
    Both,
}

/// Where the packet ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Passed the input hook: delivered to a local socket (or the local stack).
    DeliveredLocally,
    /// Routed through this host and out of `oif`.
    Forwarded { oif: Option<Iface> },
    /// Sent by this host out of `oif`.
    SentOut { oif: Option<Iface> },
    /// Dropped (or rejected) by a rule: the index of that hop in `hops`.
    DroppedByRule { hop: usize },
    /// Dropped by a base chain's policy: the index of that hop in `hops`.
    DroppedByPolicy { hop: usize },
    /// Sent to a userspace queue by the hop at `hop`.
    Queued { hop: usize, queue: u16 },
    /// Not known: why (events lost, or the trace stopped before the packet left netfilter).
    Unknown { reason: String },
}

/// One packet's way through netfilter.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketPath {
    /// nftrace's own number for the path (1, 2, ... in order of the first event).
    pub id: u64,
    pub source: PathSource,
    /// `NFPROTO_IPV4` or `NFPROTO_IPV6` (0 when no hop carried headers).
    pub family: u8,
    /// The packet as the first hop with headers saw it.
    pub packet: Option<PacketSummary>,
    /// Interfaces as the first hop saw them.
    pub iif: Option<Iface>,
    pub oif: Option<Iface>,
    /// When the first event arrived.
    pub started: SystemTime,
    pub hops: Vec<Hop>,
    pub fate: Fate,
    /// False when events of this path may be missing (the kernel reported losses while it
    /// was open, or its first events never arrived).
    pub complete: bool,
    /// The nf_tables trace ids its events carried (more than one when stitched).
    pub trace_ids: Vec<u32>,
}
