//! One JSON object per line, for programs. The objects borrow from the received bytes; the
//! schema is documented in the README ("JSON output").

use std::io::{self, Write};
use std::time::SystemTime;

use serde::Serialize;

use super::clock::UtcTime;
use super::names::{self, bit_list, CT_STATES, CT_STATUS};
use super::EventWriter;
use crate::correlate::CtInfo;
use crate::packet::PacketSummary;
use crate::ruleset::iptables::LegacyResolution;
use crate::ruleset::model::TextSource;
use crate::ruleset::resolve::NftStep;
use crate::ruleset::snapshot::StepInfo;
use crate::wire::{
    CtDirection, Event, LogPrefix, NflogPacket, StepKind, TraceEvent, TraceId, TraceType, Verdict,
};

/// Writes events as JSON lines to `W` (buffer it).
pub struct JsonWriter<W: Write> {
    out: W,
    /// The last receive time and its text: every event of a received batch has the same
    /// time, so it is formatted once per batch, not once per event.
    time: Option<(SystemTime, String)>,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(out: W) -> Self {
        JsonWriter { out, time: None }
    }

    /// The writer back, e.g. to read what was written in a test.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> EventWriter for JsonWriter<W> {
    fn write_event(
        &mut self,
        received: SystemTime,
        event: &Event<'_>,
        step: &StepInfo<'_>,
    ) -> io::Result<()> {
        let time = match &self.time {
            Some((at, text)) if *at == received => text.as_str(),
            _ => {
                let text = UtcTime::from_system(received).to_string();
                &self.time.insert((received, text)).1
            }
        };
        match event {
            Event::Trace(trace) => {
                serde_json::to_writer(&mut self.out, &TraceJson::new(time, trace, step))?
            }
            Event::Nflog(record) => {
                serde_json::to_writer(&mut self.out, &NflogJson::new(time, record, step))?
            }
            Event::Error(_) | Event::Done(_) | Event::Other(_) => return Ok(()),
        }
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// An nf_tables trace event.
#[derive(Serialize)]
struct TraceJson<'a> {
    time: &'a str,
    source: &'static str,
    /// The id as `nft monitor trace` prints it.
    #[serde(serialize_with = "display")]
    id: TraceId,
    family: Family,
    nfproto: Family,
    table: &'a str,
    chain: &'a str,
    #[serde(rename = "type")]
    trace_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    handle: Option<u64>,
    /// What the ruleset snapshot says the step was (absent without a snapshot).
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<ResolvedJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<VerdictJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<VerdictJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iif: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iifname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iif_type: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oif: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oifname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oif_type: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ct: Option<CtJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ll_header: Option<Hex<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network_header: Option<Hex<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transport_header: Option<Hex<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packet: Option<PacketSummary>,
    #[serde(skip_serializing_if = "is_zero")]
    unknown_attributes: u16,
}

impl<'a> TraceJson<'a> {
    fn new(time: &'a str, t: &TraceEvent<'a>, step: &StepInfo<'a>) -> Self {
        let ct = CtInfo::of_trace(t).as_ref().map(CtJson::new);
        TraceJson {
            time,
            source: "nftables",
            id: t.id,
            family: Family(t.family),
            nfproto: Family(t.nfproto),
            table: t.table,
            chain: t.chain,
            trace_type: match t.trace_type {
                TraceType::Rule => "rule",
                TraceType::Return => "return",
                TraceType::Policy => "policy",
                TraceType::Other(_) => "unknown",
            },
            handle: t.rule_handle,
            resolved: step.nft.map(ResolvedJson::from_nft),
            verdict: t.verdict.map(VerdictJson),
            policy: t.policy.map(VerdictJson),
            iif: t.iif,
            iifname: step.iif,
            iif_type: t.iif_type,
            oif: t.oif,
            oifname: step.oif,
            oif_type: t.oif_type,
            mark: t.mark,
            ct,
            ll_header: t.ll_header.map(Hex),
            network_header: t.network_header.map(Hex),
            transport_header: t.transport_header.map(Hex),
            packet: t
                .network_header
                .and_then(|n| PacketSummary::from_headers(t.nfproto, n, t.transport_header)),
            unknown_attributes: t.unknown_attributes,
        }
    }
}

/// An nfnetlink_log record.
#[derive(Serialize)]
struct NflogJson<'a> {
    time: &'a str,
    source: &'static str,
    family: Family,
    group: u16,
    hook: Hook,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
    /// The iptables-legacy TRACE step, when the prefix is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<StepJson<'a>>,
    /// What the ruleset snapshot says the step was (absent without a snapshot).
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<ResolvedJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel_time: Option<String>,
    hw_protocol: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    indev: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    indev_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outdev: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outdev_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physindev: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physoutdev: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hwaddr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hwtype: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hwheader: Option<Hex<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq_global: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ct_info: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_len: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packet: Option<PacketSummary>,
    #[serde(skip_serializing_if = "is_zero")]
    unknown_attributes: u16,
}

impl<'a> NflogJson<'a> {
    fn new(time: &'a str, r: &NflogPacket<'a>, step: &StepInfo<'a>) -> Self {
        let (prefix, trace) = match r.log_prefix() {
            Some(LogPrefix::Trace(step)) => (
                None,
                Some(StepJson {
                    table: step.table,
                    chain: step.chain,
                    kind: match step.kind {
                        StepKind::Rule => "rule",
                        StepKind::Return => "return",
                        StepKind::Policy => "policy",
                    },
                    number: step.number,
                }),
            ),
            Some(LogPrefix::Other(text)) => (Some(text.to_owned()), None),
            Some(LogPrefix::Raw(bytes)) => {
                (Some(String::from_utf8_lossy(bytes).into_owned()), None)
            }
            None => (None, None),
        };
        NflogJson {
            time,
            source: "nflog",
            family: Family(r.family),
            group: r.group,
            hook: Hook(r.hook),
            prefix,
            trace,
            resolved: step.legacy.map(ResolvedJson::from_legacy),
            kernel_time: r.timestamp.map(|ts| {
                UtcTime::from_unix(ts.sec, u32::try_from(ts.usec).unwrap_or(0)).to_string()
            }),
            hw_protocol: r.hw_protocol,
            mark: r.mark,
            indev: r.indev,
            indev_name: step.iif,
            outdev: r.outdev,
            outdev_name: step.oif,
            physindev: r.physindev,
            physoutdev: r.physoutdev,
            hwaddr: r.hwaddr.map(|hw| {
                hw.bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            }),
            hwtype: r.hwtype,
            hwheader: r.hwheader.map(Hex),
            uid: r.uid,
            gid: r.gid,
            seq: r.seq,
            seq_global: r.seq_global,
            ct_info: r.ct_info,
            payload_len: r.payload.map(<[u8]>::len),
            packet: r
                .payload
                .and_then(|p| PacketSummary::from_payload(r.family, p)),
            unknown_attributes: r.unknown_attributes,
        }
    }
}

/// What a step was, in the ruleset snapshot.
#[derive(Serialize, Default)]
struct ResolvedJson<'a> {
    /// `rule`, `policy`, `return` (a chain's end), or `unknown` (not in the ruleset).
    kind: &'static str,
    /// The rule's 1-based position in its chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<TextSource>,
    /// The rule was deleted after the packet went through it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    /// The kernel labelled this explicit rule `policy` or `return`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    relabelled: bool,
    /// A legacy built-in chain's policy verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'static str>,
    /// Why the step is not in the ruleset.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl<'a> ResolvedJson<'a> {
    fn from_nft(step: NftStep<'a>) -> Self {
        match step {
            NftStep::Rule {
                number,
                text,
                deleted,
                ..
            } => ResolvedJson {
                kind: "rule",
                rule_number: Some(number),
                rule: text.map(|t| t.text.as_str()),
                source: text.map(|t| t.source),
                deleted,
                ..Default::default()
            },
            NftStep::UnknownRule { .. } => ResolvedJson {
                kind: "unknown",
                reason: Some("not in ruleset".to_owned()),
                ..Default::default()
            },
            NftStep::ChainEnd => ResolvedJson {
                kind: "return",
                ..Default::default()
            },
            NftStep::Policy => ResolvedJson {
                kind: "policy",
                ..Default::default()
            },
        }
    }

    fn from_legacy(resolution: LegacyResolution<'a>) -> Self {
        match resolution {
            LegacyResolution::Rule {
                rule, relabelled, ..
            } => ResolvedJson {
                kind: "rule",
                rule_number: Some(rule.number),
                rule: rule.text.as_ref().map(|t| t.text.as_str()),
                source: rule.text.as_ref().map(|t| t.source),
                relabelled,
                ..Default::default()
            },
            LegacyResolution::Policy { verdict, .. } => ResolvedJson {
                kind: "policy",
                policy: Some(match verdict {
                    0 => "drop",
                    1 => "accept",
                    _ => "unknown",
                }),
                ..Default::default()
            },
            LegacyResolution::Return { .. } => ResolvedJson {
                kind: "return",
                ..Default::default()
            },
            LegacyResolution::Unresolved(why) => ResolvedJson {
                kind: "unknown",
                reason: Some(why.to_string()),
                ..Default::default()
            },
        }
    }
}

#[derive(Serialize)]
struct StepJson<'a> {
    table: &'a str,
    chain: &'a str,
    kind: &'static str,
    number: u32,
}

/// Conntrack as the JSON outputs print it: state and status as lists of names.
#[derive(Serialize)]
pub(super) struct CtJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Vec<String>>,
}

impl CtJson {
    pub(super) fn new(ct: &CtInfo) -> Self {
        CtJson {
            id: ct.id,
            direction: ct.direction.map(|d| match CtDirection::from_u8(d) {
                CtDirection::Original => "original".to_owned(),
                CtDirection::Reply => "reply".to_owned(),
                CtDirection::Other(n) => n.to_string(),
            }),
            state: ct.state.map(|v| bit_list(v, &CT_STATES)),
            status: ct.status.map(|v| bit_list(v, &CT_STATUS)),
        }
    }
}

/// A verdict as `{"verdict": "jump", "target": "chain"}`-style fields: serialised as an
/// object with `kind`, and `target`/`queue`/`errno`/`code` where they apply.
struct VerdictJson<'a>(Verdict<'a>);

impl Serialize for VerdictJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", self.0.keyword())?;
        match self.0 {
            Verdict::Jump(chain) | Verdict::Goto(chain) => map.serialize_entry("target", chain)?,
            Verdict::Queue { num, bypass } => {
                map.serialize_entry("queue", &num)?;
                map.serialize_entry("bypass", &bypass)?;
            }
            Verdict::Drop { errno } if errno != 0 => map.serialize_entry("errno", &errno)?,
            Verdict::Other(code) => map.serialize_entry("code", &code)?,
            _ => {}
        }
        map.end()
    }
}

/// A protocol family: its nft name, or the number when it has none.
struct Family(u8);

impl Serialize for Family {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match names::family(self.0) {
            Some(name) => serializer.serialize_str(name),
            None => serializer.serialize_u8(self.0),
        }
    }
}

/// A hook: its nft name, or the number when it has none.
struct Hook(u8);

impl Serialize for Hook {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match names::inet_hook(self.0) {
            Some(name) => serializer.serialize_str(name),
            None => serializer.serialize_u8(self.0),
        }
    }
}

/// Bytes as a lowercase hex string.
struct Hex<'a>(&'a [u8]);

impl Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(self.0.len() * 2);
        for byte in self.0 {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
        }
        serializer.serialize_str(&text)
    }
}

/// Serialises a value as its `Display` text, without an intermediate `String`.
fn display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode_datagram, fixtures};
    use serde_json::Value;
    use std::time::UNIX_EPOCH;

    fn render(message: &[u8]) -> Value {
        let mut writer = JsonWriter::new(Vec::new());
        let event = decode_datagram(message).next().unwrap().unwrap();
        writer
            .write_event(UNIX_EPOCH, &event, &StepInfo::default())
            .unwrap();
        super::super::one_json_line(writer.into_inner())
    }

    #[test]
    fn trace_event_object_has_the_documented_fields() {
        let v = render(fixtures::first_message(fixtures::NFT_TRACE_UDP4));
        assert_eq!(v["time"], "1970-01-01T00:00:00.000000Z");
        assert_eq!(v["source"], "nftables");
        assert_eq!(v["family"], "inet");
        assert_eq!(v["nfproto"], "ip");
        assert_eq!(v["type"], "rule");
        assert!(v["handle"].is_u64(), "{v}");
        assert!(v["verdict"]["kind"].is_string(), "{v}");
        assert_eq!(v["id"].as_str().map(str::len), Some(8), "{v}");
        assert_eq!(v["packet"]["protocol"], "udp");
        assert_eq!(v["packet"]["version"], 4);
        // The raw network header is there too, as hex, and agrees with the summary's length.
        let header = v["network_header"].as_str().unwrap();
        assert!(header.starts_with("45"), "{header}");
    }

    #[test]
    fn nflog_record_object_names_the_trace_step() {
        let v = render(fixtures::first_message(fixtures::NFLOG_TRACE_UDP4));
        assert_eq!(v["source"], "nflog");
        assert_eq!(v["family"], "ip");
        assert_eq!(v["group"], 0);
        assert!(
            ["raw", "mangle", "nat", "filter", "security"]
                .contains(&v["trace"]["table"].as_str().unwrap()),
            "{v}"
        );
        assert!(
            ["rule", "return", "policy"].contains(&v["trace"]["kind"].as_str().unwrap()),
            "{v}"
        );
        assert!(v["trace"]["number"].as_u64().unwrap() >= 1, "{v}");
        assert!(v.get("prefix").is_none(), "{v}");
        assert_eq!(v["packet"]["protocol"], "udp");
    }

    #[test]
    fn verdicts_serialise_with_their_arguments() {
        let json = |verdict| serde_json::to_string(&VerdictJson(verdict)).unwrap();
        assert_eq!(json(Verdict::Accept), r#"{"kind":"accept"}"#);
        assert_eq!(
            json(Verdict::Jump("sub")),
            r#"{"kind":"jump","target":"sub"}"#
        );
        assert_eq!(
            json(Verdict::Queue {
                num: 3,
                bypass: true
            }),
            r#"{"kind":"queue","queue":3,"bypass":true}"#
        );
        assert_eq!(
            json(Verdict::Other(-99)),
            r#"{"kind":"unknown","code":-99}"#
        );
        assert_eq!(
            bit_list(0x8 | 0x0010_0000, &CT_STATUS),
            ["confirmed", "0x100000"]
        );
    }
}
