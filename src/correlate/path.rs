//! A path being assembled: its hops with their place in kernel order, each source's progress
//! through the hooks, and the finishing step that orders the hops, works out what changed
//! between them and says what became of the packet.

use std::time::{Instant, SystemTime};

use nftrace_sys::netfilter::{NFPROTO_IPV4, NFPROTO_IPV6};

use crate::packet::{IpVersion, PacketSummary};

use super::fate::fate_of;
use super::model::{Change, Hop, HopSource, Iface, PacketPath, PathSource};
use super::observe::Observation;
use super::order::{Position, Stage, Succession};

/// The loopback device's index, the same in every network namespace (`LOOPBACK_IFINDEX`).
const LOOPBACK_IFINDEX: u32 = 1;

/// Forms of one packet worth remembering: a packet is rewritten at most a few times (DNAT,
/// SNAT, a loopback pass).
const MAX_FORMS: usize = 6;

/// One source's progress along the path.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cursor {
    /// Where its last base-chain invocation (or legacy table) ran.
    pub position: Option<Position>,
    /// Passes through the stack so far (a packet looping back through `lo` makes two).
    pub pass: u32,
    /// The last invocation has not ended yet (no policy, no final verdict seen).
    pub invocation_open: bool,
}

/// A hop and its place in kernel order.
#[derive(Debug, Clone)]
pub(crate) struct PlacedHop {
    pub hop: Hop,
    pub pass: u32,
    pub stage: Option<Stage>,
    pub rank: (u8, i32),
    pub arrival: u64,
}

/// A packet whose path is still open.
#[derive(Debug)]
pub(crate) struct OpenPath {
    pub id: u64,
    pub hops: Vec<PlacedHop>,
    pub trace_ids: Vec<u32>,
    pub started: SystemTime,
    pub last_event: Instant,
    pub nft: Cursor,
    pub legacy: Cursor,
    /// The packet as last seen (by either source).
    pub latest_packet: Option<PacketSummary>,
    /// Each distinct form the packet was seen in (before and after NAT), oldest first: a
    /// late record of the other source may show it as it was before a rewrite.
    pub forms: Vec<PacketSummary>,
    /// The last output interface seen.
    pub last_oif: Option<u32>,
    /// A hop dropped, rejected or queued the packet.
    pub ended: bool,
    /// Events may be missing: the kernel reported losses while the path was open.
    pub lost: bool,
    /// Its first nf_tables event carried no headers: the start of the path is missing.
    pub headless: bool,
    /// Closed early because too many paths were open.
    pub evicted: bool,
}

impl OpenPath {
    pub fn new(id: u64, now: Instant, first: &Observation) -> OpenPath {
        OpenPath {
            id,
            hops: Vec::new(),
            trace_ids: Vec::new(),
            started: first.hop.time,
            last_event: now,
            nft: Cursor::default(),
            legacy: Cursor::default(),
            latest_packet: None,
            forms: Vec::new(),
            last_oif: None,
            ended: false,
            lost: false,
            headless: first.hop.source == HopSource::NfTables && !first.starts_invocation,
            evicted: false,
        }
    }

    pub fn cursor(&self, source: HopSource) -> &Cursor {
        match source {
            HopSource::NfTables => &self.nft,
            HopSource::Nflog => &self.legacy,
        }
    }

    fn cursor_mut(&mut self, source: HopSource) -> &mut Cursor {
        match source {
            HopSource::NfTables => &mut self.nft,
            HopSource::Nflog => &mut self.legacy,
        }
    }

    /// The packet last left through loopback, so it comes back in.
    pub fn left_by_loopback(&self) -> bool {
        self.last_oif == Some(LOOPBACK_IFINDEX)
    }

    /// How a new invocation at `position` of `source` relates to this path.
    pub fn succession(&self, source: HopSource, position: Option<&Position>) -> Succession {
        let cursor = self.cursor(source);
        match (cursor.position, position) {
            (Some(last), Some(next)) => {
                if cursor.invocation_open && last.base == next.base && last.stage == next.stage {
                    // Still in the same table (a legacy record after a jump, or the next
                    // rule): not a new invocation.
                    return Succession::Next;
                }
                last.succession(next, self.left_by_loopback())
            }
            // Nothing to compare with: the path has not been seen by this source yet, or
            // the chain is unknown to the snapshot.
            _ => Succession::Next,
        }
    }

    /// True when the packet has reached the end of its way, so that only a short wait for
    /// late steps is left before the path can be printed.
    pub fn at_final_stage(&self) -> bool {
        if self.ended {
            return true;
        }
        // Input delivers the packet; leaving through loopback brings it back in.
        let final_for = |cursor: &Cursor| match cursor.position.map(|p| p.stage) {
            Some(Stage::Input) => true,
            Some(stage) => stage.is_final() && !self.left_by_loopback(),
            None => false,
        };
        final_for(&self.nft) || final_for(&self.legacy)
    }

    /// Adds `observation` as the next hop of its source.
    pub fn push(&mut self, mut observation: Observation, now: Instant, arrival: u64) {
        let source = observation.hop.source;
        let succession = self.succession(source, observation.position.as_ref());
        let left_by_loopback = self.left_by_loopback();
        let cursor = self.cursor_mut(source);
        if observation.starts_invocation || cursor.position.is_none() {
            if let Some(position) = observation.position {
                if succession == Succession::Reentry && left_by_loopback {
                    cursor.pass += 1;
                }
                cursor.position = Some(position);
            }
            cursor.invocation_open = true;
        } else if let (Some(position), Some(current)) = (observation.position, cursor.position) {
            // A later event naming the base chain itself (its policy, after a user chain).
            if position.base != current.base {
                cursor.position = Some(position);
            }
        }
        if observation.ends_invocation {
            cursor.invocation_open = false;
        }
        let cursor = *cursor;
        let hop = &mut observation.hop;
        // Steps in user chains run at their base chain's hook.
        if hop.hook.is_none() {
            hop.hook = cursor.position.and_then(|p| p.stage.inet_hook());
            hop.priority = cursor.position.map(|p| p.priority);
        }
        if let Some(packet) = hop.packet {
            self.latest_packet = Some(packet);
            let new_form = !self.forms.iter().any(|form| {
                (form.src, form.src_port, form.dst, form.dst_port)
                    == (packet.src, packet.src_port, packet.dst, packet.dst_port)
            });
            if new_form && self.forms.len() < MAX_FORMS {
                self.forms.push(packet);
            }
        }
        if let Some(oif) = &hop.oif {
            self.last_oif = Some(oif.index);
        }
        if hop
            .verdict
            .as_ref()
            .is_some_and(super::HopVerdict::ends_packet)
        {
            self.ended = true;
        }
        if let Some(id) = observation.trace_id {
            if !self.trace_ids.contains(&id) {
                self.trace_ids.push(id);
            }
        }
        self.last_event = now;
        self.hops.push(PlacedHop {
            hop: observation.hop,
            pass: cursor.pass,
            stage: cursor.position.map(|p| p.stage),
            rank: cursor.position.map_or((u8::MAX, 0), |p| p.rank()),
            arrival,
        });
    }

    /// The finished path.
    pub fn finish(mut self) -> PacketPath {
        self.hops
            .sort_by_key(|placed| (placed.pass, placed.rank, placed.arrival));
        order_equal_priorities(&mut self.hops);
        fill_interfaces(&mut self.hops);
        let stages: Vec<(u32, Option<Stage>)> =
            self.hops.iter().map(|p| (p.pass, p.stage)).collect();
        let mut hops: Vec<Hop> = self.hops.into_iter().map(|placed| placed.hop).collect();
        record_changes(&mut hops);
        let packet = hops.iter().find_map(|h| h.packet);
        let family = match packet.map(|p| p.version) {
            Some(IpVersion::V4) => NFPROTO_IPV4,
            Some(IpVersion::V6) => NFPROTO_IPV6,
            None => hops.first().map_or(0, |h| h.family),
        };
        let has = |source| hops.iter().any(|h| h.source == source);
        let source = match (has(HopSource::NfTables), has(HopSource::Nflog)) {
            (true, true) => PathSource::Both,
            (false, true) => PathSource::Nflog,
            _ => PathSource::NfTables,
        };
        let complete = !self.lost && !self.headless && !self.evicted;
        let fate = fate_of(&hops, &stages, self.lost, self.evicted);
        PacketPath {
            id: self.id,
            source,
            family,
            packet,
            iif: hops.iter().find_map(|h| h.iif.clone()),
            oif: hops.iter().rev().find_map(|h| h.oif.clone()),
            started: self.started,
            hops,
            fate,
            complete,
            trace_ids: self.trace_ids,
        }
    }
}

/// Where nf_tables base chains and legacy tables share a hook and a priority, the kernel runs
/// the one registered last first, which nothing reports. Of the two possible orders, the one
/// the packet's own state agrees with (fewer marks and headers changing back and forth) is
/// the order they ran in; nf_tables first when both agree.
fn order_equal_priorities(hops: &mut Vec<PlacedHop>) {
    let mut start = 0;
    while start < hops.len() {
        let key = (hops[start].pass, hops[start].rank);
        let end = start
            + hops[start..]
                .iter()
                .take_while(|h| (h.pass, h.rank) == key)
                .count();
        let sources = |source| hops[start..end].iter().any(|h| h.hop.source == source);
        if sources(HopSource::NfTables) && sources(HopSource::Nflog) {
            let (nft, legacy): (Vec<PlacedHop>, Vec<PlacedHop>) = hops[start..end]
                .iter()
                .cloned()
                .partition(|h| h.hop.source == HopSource::NfTables);
            let before: Vec<Hop> = hops[..start].iter().map(|h| h.hop.clone()).collect();
            let after: Option<Hop> = hops.get(end).map(|h| h.hop.clone());
            let cost = |first: &[PlacedHop], second: &[PlacedHop]| {
                let mut trial = before.clone();
                trial.extend(first.iter().chain(second).map(|h| h.hop.clone()));
                trial.extend(after.clone());
                record_changes(&mut trial);
                trial[start..]
                    .iter()
                    .map(|h| h.changes.len())
                    .sum::<usize>()
            };
            let legacy_first = cost(&legacy, &nft) < cost(&nft, &legacy);
            let ordered: Vec<PlacedHop> = if legacy_first {
                legacy.into_iter().chain(nft).collect()
            } else {
                nft.into_iter().chain(legacy).collect()
            };
            hops.splice(start..end, ordered);
        }
        start = end;
    }
}

/// nf_tables sends the interfaces only with the first event of a base-chain invocation:
/// the later hops of the same invocation had the same ones.
fn fill_interfaces(hops: &mut [PlacedHop]) {
    for i in 1..hops.len() {
        let (before, rest) = hops.split_at_mut(i);
        let previous = &before[i - 1];
        let hop = &mut rest[0];
        let same_invocation = previous.hop.source == hop.hop.source
            && previous.pass == hop.pass
            && previous.stage == hop.stage;
        if same_invocation && hop.hop.source == HopSource::NfTables {
            if hop.hop.iif.is_none() {
                hop.hop.iif = previous.hop.iif.clone();
            }
            if hop.hop.oif.is_none() {
                hop.hop.oif = previous.hop.oif.clone();
            }
        }
    }
}

/// What the packet looked like so far, for telling what a hop changed.
#[derive(Default)]
struct Seen {
    packet: Option<PacketSummary>,
    mark: Option<u32>,
    iif: Option<Iface>,
    oif: Option<Iface>,
    ct_state: Option<u32>,
}

/// Fills each hop's `changes`: what differs from what the hops before it showed.
fn record_changes(hops: &mut [Hop]) {
    let mut seen = Seen::default();
    for (index, hop) in hops.iter_mut().enumerate() {
        let mut changes = Vec::new();
        if let (Some(before), Some(now)) = (&seen.packet, &hop.packet) {
            packet_changes(before, now, &mut changes);
        }
        if let (Some(before), Some(now)) = (seen.mark, hop.mark) {
            if before != now {
                changes.push(Change::Mark {
                    from: before,
                    to: now,
                });
            }
        }
        if let Some(now) = &hop.iif {
            // An input interface appearing later in the path is the packet coming back in
            // (through loopback).
            let differs = match &seen.iif {
                Some(before) => before.index != now.index,
                None => index > 0,
            };
            if differs {
                changes.push(Change::Iif {
                    from: seen.iif.clone(),
                    to: Some(now.clone()),
                });
            }
        }
        if let Some(now) = &hop.oif {
            // The first output interface after the start is the routing decision.
            let differs = match &seen.oif {
                Some(before) => before.index != now.index,
                None => index > 0,
            };
            if differs {
                changes.push(Change::Oif {
                    from: seen.oif.clone(),
                    to: Some(now.clone()),
                });
            }
        }
        if let (Some(before), Some(now)) = (seen.ct_state, hop.ct.and_then(|ct| ct.state)) {
            if before != now {
                changes.push(Change::CtState {
                    from: before,
                    to: now,
                });
            }
        }
        if hop.packet.is_some() {
            seen.packet = hop.packet;
        }
        if hop.mark.is_some() {
            seen.mark = hop.mark;
        }
        if hop.iif.is_some() {
            seen.iif = hop.iif.clone();
        }
        if hop.oif.is_some() {
            seen.oif = hop.oif.clone();
        }
        if let Some(state) = hop.ct.and_then(|ct| ct.state) {
            seen.ct_state = Some(state);
        }
        hop.changes = changes;
    }
}

fn packet_changes(before: &PacketSummary, now: &PacketSummary, changes: &mut Vec<Change>) {
    if before.src != now.src {
        changes.push(Change::Src {
            from: before.src,
            to: now.src,
        });
    }
    if let (Some(from), Some(to)) = (before.src_port, now.src_port) {
        if from != to {
            changes.push(Change::SrcPort { from, to });
        }
    }
    if before.dst != now.dst {
        changes.push(Change::Dst {
            from: before.dst,
            to: now.dst,
        });
    }
    if let (Some(from), Some(to)) = (before.dst_port, now.dst_port) {
        if from != to {
            changes.push(Change::DstPort { from, to });
        }
    }
    if before.ttl != now.ttl {
        changes.push(Change::Ttl {
            from: before.ttl,
            to: now.ttl,
        });
    }
}
