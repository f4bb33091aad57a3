//! One text line per event, for people: the step first (where the packet was and what the
//! rule did), then the packet's metadata, then the packet itself.
//!
//! ```text
//! 18:25:59.123456 nft   id 8c4a1d02 inet trace_t out rule handle 3 verdict continue oif 1 | udp 127.0.0.1:40000 > 127.0.0.1:9999 len 33 ttl 64 id 4711
//! 18:25:59.123501 nft   id 8c4a1d02 inet trace_t out policy accept
//! 18:25:59.123620 nflog ip  raw:OUTPUT:policy:2 hook output out 1 seq 0 | udp 127.0.0.1:40000 > 127.0.0.1:9999 len 33 ttl 64 id 4711
//! ```

use std::io::{self, Write};
use std::time::SystemTime;

use super::clock::UtcTime;
use super::names::{self, CT_STATES, CT_STATUS};
use super::packet::PacketText;
use super::EventWriter;
use crate::packet::PacketSummary;
use crate::ruleset::iptables::LegacyResolution;
use crate::ruleset::model::RuleText;
use crate::ruleset::resolve::NftStep;
use crate::ruleset::snapshot::StepInfo;
use crate::wire::{CtDirection, Event, LogPrefix, NflogPacket, TraceEvent, TraceType, Verdict};

/// Writes events as text lines to `W` (buffer it: lines are written piecewise).
pub struct TextWriter<W: Write> {
    out: W,
}

impl<W: Write> TextWriter<W> {
    pub fn new(out: W) -> Self {
        TextWriter { out }
    }

    /// The writer back, e.g. to read what was written in a test.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> EventWriter for TextWriter<W> {
    fn write_event(
        &mut self,
        received: SystemTime,
        event: &Event<'_>,
        step: &StepInfo<'_>,
    ) -> io::Result<()> {
        match event {
            Event::Trace(trace) => write_trace(&mut self.out, received, trace, step),
            Event::Nflog(record) => write_nflog(&mut self.out, received, record, step),
            Event::Error(_) | Event::Done(_) | Event::Other(_) => Ok(()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn write_trace(
    out: &mut impl Write,
    received: SystemTime,
    t: &TraceEvent<'_>,
    step: &StepInfo<'_>,
) -> io::Result<()> {
    write!(
        out,
        "{} nft   id {} {} {} {} ",
        UtcTime::from_system(received).clock(),
        t.id,
        FamilyName(t.family),
        t.table,
        t.chain
    )?;
    match (step.nft, t.trace_type) {
        (
            Some(NftStep::Rule {
                number,
                handle,
                text,
                deleted,
            }),
            _,
        ) => {
            write!(out, "rule {number} (handle {handle}")?;
            if deleted {
                out.write_all(b", deleted since")?;
            }
            out.write_all(b")")?;
            write_rule_text(out, text)?;
        }
        (Some(NftStep::UnknownRule { handle }), _) => {
            write!(out, "rule handle {handle} (not in ruleset)")?;
        }
        (Some(NftStep::ChainEnd), _) => out.write_all(b"end of chain")?,
        (Some(NftStep::Policy) | None, TraceType::Policy) => out.write_all(b"policy")?,
        (None, TraceType::Rule) => out.write_all(b"rule")?,
        (None, TraceType::Return) => out.write_all(b"return")?,
        (_, TraceType::Other(n)) => write!(out, "type {n}")?,
        (Some(NftStep::Policy), _) => out.write_all(b"policy")?,
    }
    if step.nft.is_none() {
        if let Some(handle) = t.rule_handle {
            write!(out, " handle {handle}")?;
        }
    }
    if let Some(verdict) = &t.verdict {
        out.write_all(b" verdict ")?;
        write_verdict(out, verdict)?;
    }
    if let Some(policy) = &t.policy {
        out.write_all(b" ")?;
        write_verdict(out, policy)?;
    }
    write_interface(out, "iif", t.iif, step.iif)?;
    write_interface(out, "oif", t.oif, step.oif)?;
    if let Some(mark) = t.mark {
        write!(out, " mark {mark:#x}")?;
    }
    if let Some(state) = t.ct_state {
        out.write_all(b" ct ")?;
        write_bits(out, state, &CT_STATES)?;
    }
    if let Some(direction) = t.ct_direction {
        match direction {
            CtDirection::Original => out.write_all(b" original")?,
            CtDirection::Reply => out.write_all(b" reply")?,
            CtDirection::Other(n) => write!(out, " direction {n}")?,
        }
    }
    if let Some(status) = t.ct_status {
        out.write_all(b" status ")?;
        write_bits(out, status, &CT_STATUS)?;
    }
    if let Some(network) = t.network_header {
        match PacketSummary::from_headers(t.nfproto, network, t.transport_header) {
            Some(packet) => write!(out, " | {}", PacketText(&packet))?,
            None => write!(out, " | {} network header bytes", network.len())?,
        }
    }
    out.write_all(b"\n")
}

/// ` 'text'` after a rule, or nothing when the snapshot has no text for it.
fn write_rule_text(out: &mut impl Write, text: Option<&RuleText>) -> io::Result<()> {
    match text {
        Some(text) => write!(out, " '{}'", text.text),
        None => Ok(()),
    }
}

/// ` iif lo` with the name when known, else the index.
fn write_interface(
    out: &mut impl Write,
    label: &str,
    index: Option<u32>,
    name: Option<&str>,
) -> io::Result<()> {
    match (index, name) {
        (Some(_), Some(name)) => write!(out, " {label} {name}"),
        (Some(index), None) => write!(out, " {label} {index}"),
        (None, _) => Ok(()),
    }
}

/// What the snapshot says of a legacy step, after the kernel's `table:chain:kind:N`.
fn write_legacy_resolution(
    out: &mut impl Write,
    resolution: &LegacyResolution<'_>,
) -> io::Result<()> {
    match resolution {
        LegacyResolution::Rule {
            rule, relabelled, ..
        } => {
            if *relabelled {
                write!(out, " = rule {}", rule.number)?;
            }
            write_rule_text(out, rule.text.as_ref())
        }
        LegacyResolution::Policy { verdict, .. } => match verdict {
            0 => out.write_all(b" (policy DROP)"),
            1 => out.write_all(b" (policy ACCEPT)"),
            other => write!(out, " (policy {other})"),
        },
        LegacyResolution::Return { .. } => out.write_all(b" (end of chain: return)"),
        LegacyResolution::Unresolved(why) => write!(out, " ({why})"),
    }
}

fn write_nflog(
    out: &mut impl Write,
    received: SystemTime,
    r: &NflogPacket<'_>,
    step: &StepInfo<'_>,
) -> io::Result<()> {
    let time = match r.timestamp {
        Some(ts) => UtcTime::from_unix(ts.sec, u32::try_from(ts.usec).unwrap_or(0)),
        None => UtcTime::from_system(received),
    };
    write!(out, "{} nflog {:<3} ", time.clock(), FamilyName(r.family))?;
    match r.log_prefix() {
        Some(LogPrefix::Trace(trace)) => {
            write!(
                out,
                "{}:{}:{}:{}",
                trace.table,
                trace.chain,
                trace.kind.as_str(),
                trace.number
            )?;
            if let Some(resolution) = &step.legacy {
                write_legacy_resolution(out, resolution)?;
            }
        }
        Some(LogPrefix::Other(text)) => write!(out, "prefix {:?}", text.trim_end())?,
        Some(LogPrefix::Raw(bytes)) => write!(out, "prefix of {} non-UTF-8 bytes", bytes.len())?,
        None => out.write_all(b"no prefix")?,
    }
    match names::inet_hook(r.hook) {
        Some(hook) => write!(out, " hook {hook}")?,
        None => write!(out, " hook {}", r.hook)?,
    }
    write_interface(out, "in", r.indev, step.iif)?;
    write_interface(out, "out", r.outdev, step.oif)?;
    write_interface(out, "physin", r.physindev, None)?;
    write_interface(out, "physout", r.physoutdev, None)?;
    if let Some(mark) = r.mark {
        write!(out, " mark {mark:#x}")?;
    }
    if let Some(uid) = r.uid {
        write!(out, " uid {uid}")?;
    }
    if let Some(seq) = r.seq {
        write!(out, " seq {seq}")?;
    }
    if let Some(payload) = r.payload {
        match PacketSummary::from_payload(r.family, payload) {
            Some(packet) => write!(out, " | {}", PacketText(&packet))?,
            None => write!(out, " | {} payload bytes", payload.len())?,
        }
    }
    out.write_all(b"\n")
}

fn write_verdict(out: &mut impl Write, verdict: &Verdict<'_>) -> io::Result<()> {
    match verdict {
        Verdict::Jump(chain) | Verdict::Goto(chain) => {
            write!(out, "{} {chain}", verdict.keyword())
        }
        Verdict::Queue { num, .. } => write!(out, "queue {num}"),
        Verdict::Drop { errno } if *errno != 0 => write!(out, "drop errno {errno}"),
        Verdict::Other(code) => write!(out, "code {code}"),
        _ => out.write_all(verdict.keyword().as_bytes()),
    }
}

/// Writes `value`'s named bits joined by commas, and the raw value when some bit has no
/// name (or none is set), so nothing the kernel said is dropped.
fn write_bits(
    out: &mut impl Write,
    value: u32,
    table: &'static [(u32, &'static str)],
) -> io::Result<()> {
    let named: u32 = table
        .iter()
        .map(|(bit, _)| bit)
        .fold(0, |acc, bit| acc | bit);
    let mut first = true;
    for name in names::bit_names(value, table) {
        if !first {
            out.write_all(b",")?;
        }
        out.write_all(name.as_bytes())?;
        first = false;
    }
    if value & !named != 0 || value == 0 {
        if !first {
            out.write_all(b",")?;
        }
        write!(out, "{:#x}", value & !named)?;
    }
    Ok(())
}

/// A family number as its nft name, or the number itself.
struct FamilyName(u8);

impl std::fmt::Display for FamilyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match names::family(self.0) {
            Some(name) => f.pad(name),
            None => f.pad(&format!("family{}", self.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures;
    use std::time::{Duration, UNIX_EPOCH};

    /// Renders every event of a capture with a fixed receive time.
    fn render(capture: &[u8]) -> Vec<String> {
        let mut writer = TextWriter::new(Vec::new());
        let at = UNIX_EPOCH + Duration::from_micros(1_795_544_759_000_042);
        for event in decode_datagram_all(capture) {
            writer
                .write_event(at, &event, &StepInfo::default())
                .unwrap();
        }
        String::from_utf8(writer.into_inner())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn decode_datagram_all(capture: &[u8]) -> Vec<Event<'_>> {
        crate::wire::decode_capture(capture)
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn every_fixture_event_renders_as_one_line() {
        for capture in [
            fixtures::NFT_TRACE_UDP4,
            fixtures::NFLOG_TRACE_UDP4,
            fixtures::NFLOG_TRACE_UDP6,
        ] {
            let printable = decode_datagram_all(capture)
                .iter()
                .filter(|e| matches!(e, Event::Trace(_) | Event::Nflog(_)))
                .count();
            let lines = render(capture);
            assert!(printable > 0);
            assert_eq!(lines.len(), printable);
            for line in &lines {
                assert!(
                    line.starts_with("18:25:59.000042 nft   id ") || line.contains(" nflog "),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn trace_line_shows_step_then_metadata_then_packet() {
        let lines = render(fixtures::NFT_TRACE_UDP4);
        let first = &lines[0];
        // The first event of a base chain carries the headers: the line ends with the packet.
        assert!(first.contains(" rule handle "), "{first}");
        assert!(first.contains(" verdict "), "{first}");
        assert!(first.contains(" | udp "), "{first}");
        // Policy events name the policy verdict and no handle.
        let policy = lines.iter().find(|l| l.contains(" policy ")).unwrap();
        assert!(!policy.contains("handle"), "{policy}");
        assert!(
            policy.contains(" policy accept") || policy.contains(" policy drop"),
            "{policy}"
        );
    }

    #[test]
    fn nflog_line_shows_the_legacy_step() {
        let lines = render(fixtures::NFLOG_TRACE_UDP4);
        let step = lines.iter().find(|l| l.contains("raw:")).unwrap();
        assert!(step.contains(" nflog ip  raw:"), "{step}");
        assert!(step.contains(" | udp "), "{step}");
        let lines6 = render(fixtures::NFLOG_TRACE_UDP6);
        assert!(
            lines6.iter().any(|l| l.contains(" nflog ip6 raw:")),
            "{lines6:?}"
        );
    }

    #[test]
    fn bits_keep_what_has_no_name() {
        let mut out = Vec::new();
        write_bits(&mut out, 8 | 0x100_0000, &CT_STATES).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "new,0x1000000");
        let mut out = Vec::new();
        write_bits(&mut out, 0, &CT_STATES).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "0x0");
    }
}
