//! One trace event or TRACE record, resolved against the ruleset snapshot and turned into an
//! owned [`Observation`]: the hop it adds to a path, plus what the correlator needs to place
//! it (trace id, base chain position, whether it starts or ends a base-chain invocation).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::packet::PacketSummary;
use crate::ruleset::iptables::LegacyResolution;
use crate::ruleset::model::{LegacyTarget, RuleText};
use crate::ruleset::resolve::NftStep;
use crate::ruleset::snapshot::Snapshot;
use crate::wire::{NflogPacket, StepKind, TraceEvent, TraceType, Verdict};

use super::model::{CtInfo, Hop, HopKind, HopSource, HopVerdict, Iface};
use super::order::{legacy_table_priority, BaseId, Position, Stage};

/// A step ready for the correlator.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The hop, without `changes` (the correlator computes them once the path is whole).
    pub hop: Hop,
    /// The nf_tables trace id (none for nflog records).
    pub trace_id: Option<u32>,
    /// The first step of a base-chain invocation (an nf_tables event carrying the packet's
    /// headers; every nflog record).
    pub starts_invocation: bool,
    /// The step ends its base-chain invocation (a policy, or a verdict that leaves the
    /// chain for good).
    pub ends_invocation: bool,
    /// Where it ran; `None` for an nf_tables user chain (the path knows its base chain) or a
    /// chain the snapshot does not know.
    pub position: Option<Position>,
}

/// The triggers this run installed, so that their steps are labelled as nftrace's own and the
/// user's raw rules keep their own numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnTriggers {
    /// The nf_tables table (family inet) holding the trigger rules.
    pub nft_table: Option<String>,
    /// Legacy TRACE rules at the top of raw chains: `(family, chain, how many)`.
    pub legacy_rules: Vec<(u8, String, u32)>,
}

/// The note on a step of nftrace's own trigger.
pub const TRIGGER_NOTE: &str = "nftrace's trace trigger";

/// Builds observations from events, resolving them against the snapshot given with each.
#[derive(Debug, Default)]
pub struct Observer {
    /// What this run installed.
    pub own: OwnTriggers,
    /// What the kernel's handle-less "end of base chain" event carried, for the policy event
    /// of the same packet that follows it.
    carried: Option<Carried>,
}

/// The packet snapshot of a base chain's end event. In a base chain where no rule matched,
/// that event is the first of the chain's run, so it alone has the headers, interfaces and
/// conntrack state; the policy event after it has none.
#[derive(Debug, Clone)]
struct Carried {
    trace_id: u32,
    packet: Option<PacketSummary>,
    iif: Option<Iface>,
    oif: Option<Iface>,
    ct: Option<CtInfo>,
}

impl Observer {
    /// An nf_tables trace event as an observation; `None` for the kernel's handle-less
    /// "end of base chain" event, which the policy event that follows says better (and
    /// which hands it the packet snapshot it carried).
    pub fn trace(
        &mut self,
        mut snapshot: Option<&mut Snapshot>,
        received: SystemTime,
        event: &TraceEvent<'_>,
    ) -> Option<Observation> {
        let packet = event.network_header.and_then(|network| {
            PacketSummary::from_headers(event.nfproto, network, event.transport_header)
        });
        let (step, iif_name, oif_name) = match snapshot.as_deref_mut() {
            Some(snapshot) => {
                let info = snapshot.describe_trace(event);
                (
                    info.nft.map(OwnedNftStep::from),
                    info.iif.map(str::to_owned),
                    info.oif.map(str::to_owned),
                )
            }
            None => (None, None, None),
        };
        let chain = snapshot.as_deref().and_then(|s| {
            s.nft()
                .find_chain(event.family, event.table, event.chain)
                .map(|c| {
                    let hook = c
                        .chain
                        .hook
                        .as_ref()
                        .map(|h| (h.hooknum, h.priority, h.policy));
                    (hook, c.chain.rules.len() as u32)
                })
        });
        let is_base = chain.map(|(hook, _)| hook.is_some());
        let past_last_rule = chain.map(|(_, rules)| rules + 1);
        let position = chain
            .and_then(|(hook, _)| hook)
            .and_then(|(hooknum, priority, _)| {
                Some(Position {
                    stage: Stage::of_hook(event.family, hooknum)?,
                    priority,
                    base: base_id(HopSource::NfTables, event.family, event.table, event.chain),
                })
            });

        let (kind, rule_number, handle, text, note, verdict) = match (&step, event.trace_type) {
            (_, TraceType::Policy) => (
                HopKind::Policy,
                past_last_rule,
                None,
                None,
                None,
                event.policy.as_ref().map(nft_verdict),
            ),
            (
                Some(OwnedNftStep::Rule {
                    number,
                    handle,
                    text,
                    deleted,
                }),
                _,
            ) => (
                HopKind::Rule,
                Some(*number),
                Some(*handle),
                text.clone(),
                deleted.then(|| "deleted since".to_owned()),
                event.verdict.as_ref().map(nft_verdict),
            ),
            (Some(OwnedNftStep::ChainEnd), _) | (None, _) if event.rule_handle.is_none() => {
                // The implicit end of a chain: in a base chain the policy event follows and
                // says it; in a user chain it is the return to the caller.
                if is_base != Some(false) {
                    self.carried = event.network_header.is_some().then(|| Carried {
                        trace_id: event.id.0,
                        packet,
                        iif: Iface::of(event.iif, iif_name.clone()),
                        oif: Iface::of(event.oif, oif_name.clone()),
                        ct: CtInfo::of_trace(event),
                    });
                    return None;
                }
                (
                    HopKind::Return,
                    past_last_rule,
                    None,
                    None,
                    None,
                    Some(HopVerdict::Return),
                )
            }
            (Some(OwnedNftStep::UnknownRule { handle }), _) => (
                HopKind::Rule,
                None,
                Some(*handle),
                None,
                Some("not in ruleset: no rule with this handle".to_owned()),
                event.verdict.as_ref().map(nft_verdict),
            ),
            _ => (
                HopKind::Rule,
                None,
                event.rule_handle,
                None,
                None,
                event.verdict.as_ref().map(nft_verdict),
            ),
        };
        let ends_invocation =
            kind == HopKind::Policy || verdict.as_ref().is_some_and(HopVerdict::ends_chain);
        let note = if self.own.nft_table.as_deref() == Some(event.table)
            && event.family == nftrace_sys::netfilter::NFPROTO_INET
        {
            Some(TRIGGER_NOTE.to_owned())
        } else {
            note
        };
        let hook = position.and_then(|p| p.stage.inet_hook());
        let carried = self
            .carried
            .take()
            .filter(|c| c.trace_id == event.id.0 && kind == HopKind::Policy);
        let (packet, iif, oif, ct, starts_invocation) = match carried {
            Some(c) => (c.packet, c.iif, c.oif, c.ct, true),
            None => (
                packet,
                Iface::of(event.iif, iif_name),
                Iface::of(event.oif, oif_name),
                CtInfo::of_trace(event),
                event.network_header.is_some(),
            ),
        };
        Some(Observation {
            hop: Hop {
                source: HopSource::NfTables,
                family: event.family,
                hook,
                priority: position.map(|p| p.priority),
                table: event.table.to_owned(),
                chain: event.chain.to_owned(),
                kind,
                rule_number,
                handle,
                rule: text.as_ref().map(|t| t.text.clone()),
                rule_source: text.as_ref().map(|t| t.source),
                note,
                verdict,
                iif,
                oif,
                mark: Some(event.mark.unwrap_or(0)),
                ct,
                changes: Vec::new(),
                packet,
                time: received,
            },
            trace_id: Some(event.id.0),
            starts_invocation,
            ends_invocation,
            position,
        })
    }

    /// An iptables-legacy TRACE record as an observation; `None` for records of other
    /// nflog users (no `TRACE:` prefix).
    pub fn nflog(
        &mut self,
        snapshot: Option<&mut Snapshot>,
        received: SystemTime,
        record: &NflogPacket<'_>,
    ) -> Option<Observation> {
        let step = record.trace_step()?;
        let packet = record
            .payload
            .and_then(|payload| PacketSummary::from_payload(record.family, payload));
        let hooknum = u32::from(record.hook);
        let (resolved, iif_name, oif_name) = match snapshot {
            Some(snapshot) => {
                let info = snapshot.describe_legacy(
                    record.family,
                    Some(&step),
                    record.indev,
                    record.outdev,
                );
                (
                    info.legacy.map(|r| OwnedLegacy::from(&r)),
                    info.iif.map(str::to_owned),
                    info.oif.map(str::to_owned),
                )
            }
            None => (None, None, None),
        };
        let (kind, verdict, text, note) = match &resolved {
            Some(OwnedLegacy::Rule { target, text }) => (
                HopKind::Rule,
                Some(legacy_verdict(target)),
                text.clone(),
                None,
            ),
            Some(OwnedLegacy::Policy { verdict }) => (
                HopKind::Policy,
                Some(if *verdict == 0 {
                    HopVerdict::Drop
                } else {
                    HopVerdict::Accept
                }),
                None,
                None,
            ),
            Some(OwnedLegacy::Return) => (HopKind::Return, Some(HopVerdict::Return), None, None),
            Some(OwnedLegacy::Unresolved(why)) => {
                (kind_of(step.kind), None, None, Some(why.clone()))
            }
            None => (kind_of(step.kind), None, None, None),
        };
        let ends_invocation =
            kind == HopKind::Policy || verdict.as_ref().is_some_and(HopVerdict::ends_chain);
        let position = Stage::of_hook(record.family, hooknum).and_then(|stage| {
            Some(Position {
                stage,
                priority: legacy_table_priority(step.table, hooknum)?,
                base: base_id(HopSource::Nflog, record.family, step.table, ""),
            })
        });
        // The kernel counts this run's TRACE rules at the top of the raw chains; the user
        // knows their rules by their own numbers.
        let mut number = step.number;
        let mut note = note;
        if step.table == "raw" {
            let ours = self
                .own
                .legacy_rules
                .iter()
                .find(|(family, chain, _)| *family == record.family && chain == step.chain)
                .map_or(0, |(_, _, count)| *count);
            if ours > 0 {
                if kind == HopKind::Rule && number <= ours {
                    note = Some(TRIGGER_NOTE.to_owned());
                } else {
                    number = number.saturating_sub(ours);
                }
            }
        }
        let time = record
            .timestamp
            .map(|t| UNIX_EPOCH + Duration::from_secs(t.sec) + Duration::from_micros(t.usec))
            .unwrap_or(received);
        Some(Observation {
            hop: Hop {
                source: HopSource::Nflog,
                family: record.family,
                hook: Some(record.hook),
                priority: position.map(|p| p.priority),
                table: step.table.to_owned(),
                chain: step.chain.to_owned(),
                kind,
                rule_number: Some(number),
                handle: None,
                rule: text.as_ref().map(|t| t.text.clone()),
                rule_source: text.as_ref().map(|t| t.source),
                note,
                verdict,
                iif: Iface::of(record.indev, iif_name),
                oif: Iface::of(record.outdev, oif_name),
                mark: Some(record.mark.unwrap_or(0)),
                ct: None,
                changes: Vec::new(),
                packet,
                time,
            },
            trace_id: None,
            starts_invocation: true,
            ends_invocation,
            position,
        })
    }
}

/// Identifies a base chain (nf_tables) or a legacy table at a hook.
fn base_id(source: HopSource, family: u8, table: &str, chain: &str) -> BaseId {
    let mut hasher = DefaultHasher::new();
    (source, family, table, chain).hash(&mut hasher);
    hasher.finish()
}

fn kind_of(kind: StepKind) -> HopKind {
    match kind {
        StepKind::Rule => HopKind::Rule,
        StepKind::Policy => HopKind::Policy,
        StepKind::Return => HopKind::Return,
    }
}

fn nft_verdict(verdict: &Verdict<'_>) -> HopVerdict {
    match verdict {
        Verdict::Accept => HopVerdict::Accept,
        Verdict::Drop { .. } => HopVerdict::Drop,
        Verdict::Stolen => HopVerdict::Stolen,
        Verdict::Queue { num, .. } => HopVerdict::Queue(*num),
        Verdict::Repeat => HopVerdict::Repeat,
        Verdict::Stop => HopVerdict::Accept,
        Verdict::Continue | Verdict::Break => HopVerdict::Continue,
        Verdict::Jump(chain) => HopVerdict::Jump((*chain).to_owned()),
        Verdict::Goto(chain) => HopVerdict::Goto((*chain).to_owned()),
        Verdict::Return => HopVerdict::Return,
        Verdict::Other(code) => HopVerdict::Other(*code),
    }
}

fn legacy_verdict(target: &LegacyTarget) -> HopVerdict {
    use nftrace_sys::netfilter::{NF_ACCEPT, NF_DROP, NF_QUEUE, NF_VERDICT_MASK};
    match target {
        LegacyTarget::Verdict { code } => match (*code as i32) & NF_VERDICT_MASK {
            NF_ACCEPT => HopVerdict::Accept,
            NF_DROP => HopVerdict::Drop,
            NF_QUEUE => HopVerdict::Queue((code >> 16) as u16),
            other => HopVerdict::Other(other),
        },
        LegacyTarget::Return => HopVerdict::Return,
        LegacyTarget::Jump { chain, goto: false } => HopVerdict::Jump(chain.clone()),
        LegacyTarget::Jump { chain, goto: true } => HopVerdict::Goto(chain.clone()),
        LegacyTarget::Fallthrough => HopVerdict::Continue,
        LegacyTarget::Extension { name, .. } if name == "REJECT" => HopVerdict::Reject,
        LegacyTarget::Extension { name, .. } => HopVerdict::Target(name.clone()),
        LegacyTarget::Unknown { verdict } => HopVerdict::Other(*verdict),
    }
}

/// What the snapshot said about an nf_tables step, owned (the snapshot is borrowed again
/// right after).
enum OwnedNftStep {
    Rule {
        number: u32,
        handle: u64,
        text: Option<RuleText>,
        deleted: bool,
    },
    UnknownRule {
        handle: u64,
    },
    ChainEnd,
    Policy,
}

impl From<NftStep<'_>> for OwnedNftStep {
    fn from(step: NftStep<'_>) -> Self {
        match step {
            NftStep::Rule {
                number,
                handle,
                text,
                deleted,
            } => OwnedNftStep::Rule {
                number,
                handle,
                text: text.cloned(),
                deleted,
            },
            NftStep::UnknownRule { handle } => OwnedNftStep::UnknownRule { handle },
            NftStep::ChainEnd => OwnedNftStep::ChainEnd,
            NftStep::Policy => OwnedNftStep::Policy,
        }
    }
}

/// What the snapshot said about a legacy step, owned.
enum OwnedLegacy {
    Rule {
        target: LegacyTarget,
        text: Option<RuleText>,
    },
    Policy {
        verdict: u32,
    },
    Return,
    Unresolved(String),
}

impl From<&LegacyResolution<'_>> for OwnedLegacy {
    fn from(resolution: &LegacyResolution<'_>) -> Self {
        match resolution {
            LegacyResolution::Rule { rule, .. } => OwnedLegacy::Rule {
                target: rule.target.clone(),
                text: rule.text.clone(),
            },
            LegacyResolution::Policy { verdict, .. } => OwnedLegacy::Policy { verdict: *verdict },
            LegacyResolution::Return { .. } => OwnedLegacy::Return,
            LegacyResolution::Unresolved(why) => OwnedLegacy::Unresolved(why.to_string()),
        }
    }
}
