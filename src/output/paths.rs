//! Packet paths for people and programs: one text block or one JSON object per packet, with
//! every hop, what changed between hops and what became of the packet. The JSON schema is
//! documented in the README ("Packet paths") and built from view structs here, so changes to
//! the correlator's own types do not change it silently.
//!
//! ```text
//! 18:25:59.123456 #7 eth0 → docker0 tcp 203.0.113.9:51514 > 172.17.128.213:10370 len 60 ttl 64 id 4242 flags syn [nflog]
//!   raw     PREROUTING   policy 2  accept
//!   nat     PREROUTING   rule 1    jump DOCKER  -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
//!   nat     DOCKER       rule 31   DNAT         -A DOCKER ! -i docker0 -p tcp -m tcp --dport 10370 -j DNAT --to-destination 172.18.0.2:10370
//!     ↳ dst 172.17.128.213:10370 → 172.18.0.2:10370, out docker0
//!   filter  FORWARD      rule 3    jump DOCKER  -A FORWARD -o docker0 -j DOCKER
//!   filter  DOCKER       rule 2    accept       -A DOCKER -d 172.18.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 10370 -j ACCEPT
//!     ↳ ttl 64 → 63
//!   nat     POSTROUTING  policy 4  accept
//!   → forwarded out of docker0
//! ```

use std::ffi::OsStr;
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::net::IpAddr;
use std::time::SystemTime;

use nftrace_sys::netfilter::NFPROTO_IPV6;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::clock::{self, UtcTime};
use super::json::CtJson;
use super::names::{self, bit_list, CT_STATES};
use super::packet::{Endpoint, PacketText};
use crate::correlate::{
    Change, Fate, Hop, HopKind, HopSource, HopVerdict, Iface, PacketPath, PathSource,
};
use crate::packet::PacketSummary;
use crate::ruleset::model::TextSource;
use crate::wire::TraceId;

/// Something that prints packet paths.
pub trait PathWriter {
    /// Prints one path.
    fn write_path(&mut self, path: &PacketPath) -> io::Result<()>;
    /// Pushes buffered output out.
    fn flush(&mut self) -> io::Result<()>;
}

/// Whether text output should be coloured: only on a terminal, and not when the user set
/// `NO_COLOR` (<https://no-color.org>) to anything non-empty.
pub fn colour_wanted(is_terminal: bool) -> bool {
    colour_wanted_from(std::env::var_os("NO_COLOR").as_deref(), is_terminal)
}

/// [`colour_wanted`] with the value of `NO_COLOR` given, so it can be tested without
/// touching the process environment (which other threads may read).
pub fn colour_wanted_from(no_color: Option<&OsStr>, is_terminal: bool) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// What became of the packet, in words, without colour: `delivered locally`,
/// `forwarded out of docker0`, `DROPPED by filter INPUT rule 3: -A INPUT ...`, ...
pub fn fate_text(path: &PacketPath) -> String {
    match &path.fate {
        Fate::DeliveredLocally => "delivered locally".to_owned(),
        Fate::Forwarded { oif: Some(oif) } => format!("forwarded out of {}", oif.label()),
        Fate::Forwarded { oif: None } => "forwarded".to_owned(),
        Fate::SentOut { oif: Some(oif) } => format!("sent out of {}", oif.label()),
        Fate::SentOut { oif: None } => "sent out".to_owned(),
        Fate::DroppedByRule { hop } => match path.hops.get(*hop) {
            Some(hop) => {
                // A reject drops too, but the sender gets an answer: say which one it was.
                let word = match hop.verdict {
                    Some(HopVerdict::Reject) => "REJECTED",
                    _ => "DROPPED",
                };
                let mut text = format!("{word} by {} {} {}", hop.table, hop.chain, StepText(hop));
                if let Some(rule) = &hop.rule {
                    let _ = write!(text, ": {rule}");
                }
                text
            }
            None => format!("DROPPED by hop {hop} (not in the path)"),
        },
        Fate::DroppedByPolicy { hop } => match path.hops.get(*hop) {
            Some(hop) => format!("DROPPED by the policy of {} {}", hop.table, hop.chain),
            None => format!("DROPPED by a policy (hop {hop}, not in the path)"),
        },
        Fate::Queued { queue, .. } => format!("queued to {queue}"),
        Fate::Unknown { reason } => format!("unknown: {reason}"),
    }
}

/// Writes paths as text blocks to `W`: a header line, one line per hop, the changes between
/// hops, the fate, and an empty line. Each block is written with one `write_all`.
pub struct TextPathWriter<W: Write> {
    out: W,
    colour: bool,
}

impl<W: Write> TextPathWriter<W> {
    /// `colour`: ANSI colours (see [`colour_wanted`]).
    pub fn new(out: W, colour: bool) -> Self {
        TextPathWriter { out, colour }
    }

    /// The writer back, e.g. to read what was written in a test.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> PathWriter for TextPathWriter<W> {
    fn write_path(&mut self, path: &PacketPath) -> io::Result<()> {
        let block = text_block(path, self.colour);
        self.out.write_all(block.as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// ANSI styles. Applied to text that is already padded to its column, so the escape codes
/// never count towards the alignment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    BoldRed,
    BoldYellow,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Bold => "\x1b[1m",
            Style::Dim => "\x1b[2m",
            Style::Red => "\x1b[31m",
            Style::Green => "\x1b[32m",
            Style::Yellow => "\x1b[33m",
            Style::BoldRed => "\x1b[1;31m",
            Style::BoldYellow => "\x1b[1;33m",
        }
    }
}

const RESET: &str = "\x1b[0m";

/// Appends `text` to `out`, in `style` when colour is on.
fn push_styled(out: &mut String, text: &str, style: Style, colour: bool) {
    if colour && style != Style::Plain && !text.is_empty() {
        out.push_str(style.code());
        out.push_str(text);
        out.push_str(RESET);
    } else {
        out.push_str(text);
    }
}

/// The whole block of one path.
fn text_block(path: &PacketPath, colour: bool) -> String {
    let mut out = String::new();
    push_header(&mut out, path, colour);

    // Mark each hop's source only when both stacks took part: on a host with one of them
    // the tag says nothing.
    let hybrid = path.hops.iter().any(|h| h.source == HopSource::NfTables)
        && path.hops.iter().any(|h| h.source == HopSource::Nflog);
    let rows: Vec<HopRow> = path.hops.iter().map(HopRow::new).collect();
    let widths = [
        rows.iter().map(|r| width(&r.table)).max().unwrap_or(0),
        rows.iter().map(|r| width(&r.chain)).max().unwrap_or(0),
        rows.iter().map(|r| width(&r.step)).max().unwrap_or(0),
        rows.iter().map(|r| width(&r.verdict)).max().unwrap_or(0),
    ];
    for (hop, row) in path.hops.iter().zip(&rows) {
        if !hop.changes.is_empty() {
            out.push_str("    ");
            let changes = format!("↳ {}", changes_text(hop, path.family));
            push_styled(&mut out, &changes, Style::Yellow, colour);
            out.push('\n');
        }
        out.push_str("  ");
        if hybrid {
            let tag = match hop.source {
                HopSource::NfTables => "nft",
                HopSource::Nflog => "ipt",
            };
            push_styled(&mut out, tag, Style::Dim, colour);
            out.push(' ');
        }
        row.push(&mut out, &widths, colour);
        out.push('\n');
    }

    out.push_str("  ");
    let style = match path.fate {
        Fate::DeliveredLocally | Fate::Forwarded { .. } | Fate::SentOut { .. } => Style::Green,
        Fate::DroppedByRule { .. } | Fate::DroppedByPolicy { .. } => Style::BoldRed,
        Fate::Queued { .. } | Fate::Unknown { .. } => Style::Yellow,
    };
    push_styled(&mut out, &format!("→ {}", fate_text(path)), style, colour);
    out.push_str("\n\n");
    out
}

/// `18:25:59.123456 #7 eth0 → docker0 tcp ... [nflog] INCOMPLETE`
fn push_header(out: &mut String, path: &PacketPath, colour: bool) {
    let mut header = format!(
        "{} #{}",
        UtcTime::from_system(path.started).clock(),
        path.id
    );
    // The path's own interfaces are what its first hop saw (no output interface before
    // routing): the way out is the fate's, or the last one a hop saw.
    let iif = path.iif.as_ref();
    let oif = match &path.fate {
        Fate::Forwarded { oif: Some(oif) } | Fate::SentOut { oif: Some(oif) } => Some(oif),
        _ => path
            .hops
            .iter()
            .rev()
            .find_map(|h| h.oif.as_ref())
            .or(path.oif.as_ref()),
    };
    match (iif, oif) {
        (Some(iif), Some(oif)) => {
            let _ = write!(header, " {} → {}", iif.label(), oif.label());
        }
        (None, Some(oif)) => {
            let _ = write!(header, " → {}", oif.label());
        }
        (Some(iif), None) if path.fate == Fate::DeliveredLocally => {
            let _ = write!(header, " {} → local", iif.label());
        }
        (Some(iif), None) => {
            let _ = write!(header, " {} →", iif.label());
        }
        (None, None) => {}
    }
    if let Some(packet) = &path.packet {
        let _ = write!(header, " {}", PacketText(packet));
    }
    match path.source {
        PathSource::NfTables => {}
        PathSource::Nflog => header.push_str(" [nflog]"),
        PathSource::Both => header.push_str(" [nftrace+nflog]"),
    }
    push_styled(out, &header, Style::Bold, colour);
    if !path.complete {
        out.push(' ');
        push_styled(out, "INCOMPLETE", Style::BoldYellow, colour);
    }
    out.push('\n');
}

/// The cells of one hop line, before padding.
struct HopRow {
    table: String,
    chain: String,
    step: String,
    verdict: String,
    verdict_style: Style,
    rule: Option<String>,
    note: Option<String>,
}

impl HopRow {
    fn new(hop: &Hop) -> Self {
        HopRow {
            table: hop.table.clone(),
            chain: hop.chain.clone(),
            step: StepText(hop).to_string(),
            verdict: hop
                .verdict
                .as_ref()
                .map(|v| VerdictText(v).to_string())
                .unwrap_or_default(),
            verdict_style: match &hop.verdict {
                Some(HopVerdict::Accept) => Style::Green,
                Some(v) if v.is_drop() => Style::Red,
                _ => Style::Plain,
            },
            rule: hop.rule.clone(),
            note: hop.note.as_ref().map(|note| format!("({note})")),
        }
    }

    /// Appends the row, columns padded to `widths`, without trailing blanks.
    fn push(&self, out: &mut String, widths: &[usize; 4], colour: bool) {
        let tail: Vec<(&str, Style)> = [
            self.rule.as_deref().map(|r| (r, Style::Plain)),
            self.note.as_deref().map(|n| (n, Style::Dim)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let cells = [
            (self.table.as_str(), Style::Plain),
            (self.chain.as_str(), Style::Plain),
            (self.step.as_str(), Style::Plain),
            (self.verdict.as_str(), self.verdict_style),
        ];
        // The last cell that has text ends the line: nothing after it is padded.
        let last = if tail.is_empty() {
            cells
                .iter()
                .rposition(|(text, _)| !text.is_empty())
                .unwrap_or(0)
        } else {
            cells.len()
        };
        for (index, ((text, style), column)) in cells.iter().zip(widths).enumerate() {
            if index > last {
                break;
            }
            push_styled(out, text, *style, colour);
            if index < last {
                out.extend(std::iter::repeat_n(
                    ' ',
                    column.saturating_sub(width(text)) + 2,
                ));
            }
        }
        for (index, (text, style)) in tail.iter().enumerate() {
            if index > 0 {
                out.push_str("  ");
            }
            push_styled(out, text, *style, colour);
        }
    }
}

/// Display width of a cell: characters, which is what a terminal shows for the ASCII names
/// and numbers these cells hold.
fn width(text: &str) -> usize {
    text.chars().count()
}

/// `rule 3 handle 12`, `rule 31`, `policy 2`, `return 5`, `policy`.
struct StepText<'a>(&'a Hop);

impl fmt::Display for StepText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hop = self.0;
        f.write_str(hop.kind.as_str())?;
        match hop.rule_number {
            Some(n) => write!(f, " {n}")?,
            // An unplaced rule is still a rule; a policy or return needs no number.
            None if hop.kind == HopKind::Rule && hop.handle.is_none() => f.write_str(" ?")?,
            None => {}
        }
        if let Some(handle) = hop.handle {
            write!(f, " handle {handle}")?;
        }
        Ok(())
    }
}

/// A verdict in the rule languages' words: `accept`, `jump DOCKER`, `queue 3`, `DNAT`.
/// The same text is the JSON `verdict` string.
struct VerdictText<'a>(&'a HopVerdict);

impl fmt::Display for VerdictText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            HopVerdict::Accept => f.write_str("accept"),
            HopVerdict::Drop => f.write_str("drop"),
            HopVerdict::Reject => f.write_str("reject"),
            HopVerdict::Stolen => f.write_str("stolen"),
            HopVerdict::Queue(n) => write!(f, "queue {n}"),
            HopVerdict::Repeat => f.write_str("repeat"),
            HopVerdict::Continue => f.write_str("continue"),
            HopVerdict::Jump(chain) => write!(f, "jump {chain}"),
            HopVerdict::Goto(chain) => write!(f, "goto {chain}"),
            HopVerdict::Return => f.write_str("return"),
            HopVerdict::Target(name) => f.write_str(name),
            HopVerdict::Other(code) => write!(f, "code {code}"),
        }
    }
}

/// A hop's changes as one line's items: `dst 172.17.128.213:10370 → 172.18.0.2:10370, ttl 64 → 63`.
fn changes_text(hop: &Hop, family: u8) -> String {
    let changes = &hop.changes;
    let has = |wanted: fn(&Change) -> bool| changes.iter().any(wanted);
    let src_addr_changed = has(|c| matches!(c, Change::Src { .. }));
    let dst_addr_changed = has(|c| matches!(c, Change::Dst { .. }));
    let src_port = changes.iter().find_map(|c| match c {
        Change::SrcPort { from, to } => Some((*from, *to)),
        _ => None,
    });
    let dst_port = changes.iter().find_map(|c| match c {
        Change::DstPort { from, to } => Some((*from, *to)),
        _ => None,
    });
    // An address change without a port change keeps the port: show it on both sides (from
    // the hop's packet) so a NAT item reads as one `addr:port → addr:port`.
    let kept = |port: Option<u16>| port.map(|p| (p, p));
    let src_port_shown = src_port.or_else(|| kept(hop.packet.as_ref().and_then(|p| p.src_port)));
    let dst_port_shown = dst_port.or_else(|| kept(hop.packet.as_ref().and_then(|p| p.dst_port)));

    let mut items: Vec<String> = Vec::new();
    for change in changes {
        let item = match change {
            Change::Src { from, to } => address_item("src", *from, *to, src_port_shown),
            Change::Dst { from, to } => address_item("dst", *from, *to, dst_port_shown),
            // Merged into the address item when the address changed too.
            Change::SrcPort { .. } if src_addr_changed => continue,
            Change::DstPort { .. } if dst_addr_changed => continue,
            Change::SrcPort { from, to } => format!("src port {from} → {to}"),
            Change::DstPort { from, to } => format!("dst port {from} → {to}"),
            Change::Mark { from, to } => format!("mark {from:#x} → {to:#x}"),
            Change::Ttl { from, to } => {
                let name = if family == NFPROTO_IPV6 {
                    "hlim"
                } else {
                    "ttl"
                };
                format!("{name} {from} → {to}")
            }
            Change::Iif { from, to } => iface_item("in", from.as_ref(), to.as_ref()),
            Change::Oif { from, to } => iface_item("out", from.as_ref(), to.as_ref()),
            Change::CtState { from, to } => format!(
                "ct {} → {}",
                bits_text(*from, &CT_STATES),
                bits_text(*to, &CT_STATES)
            ),
        };
        items.push(item);
    }
    items.join(", ")
}

fn address_item(label: &str, from: IpAddr, to: IpAddr, ports: Option<(u16, u16)>) -> String {
    let (from_port, to_port) = match ports {
        Some((from, to)) => (Some(from), Some(to)),
        None => (None, None),
    };
    format!(
        "{label} {} → {}",
        Endpoint(from, from_port),
        Endpoint(to, to_port)
    )
}

/// `out docker0` when the packet had no such interface before, `in lo → eth0` otherwise.
fn iface_item(label: &str, from: Option<&Iface>, to: Option<&Iface>) -> String {
    match (from, to) {
        (None, Some(to)) => format!("{label} {}", to.label()),
        (Some(from), Some(to)) => format!("{label} {} → {}", from.label(), to.label()),
        (Some(from), None) => format!("{label} {} → none", from.label()),
        (None, None) => format!("{label} none"),
    }
}

/// Named bits joined by commas, plus the unnamed rest in hex (`0x0` for none), so nothing
/// is dropped.
fn bits_text(value: u32, table: &'static [(u32, &'static str)]) -> String {
    if value == 0 {
        return "0x0".to_owned();
    }
    bit_list(value, table).join(",")
}

/// Writes paths as JSON lines to `W` (buffer it).
pub struct JsonPathWriter<W: Write> {
    out: W,
}

impl<W: Write> JsonPathWriter<W> {
    pub fn new(out: W) -> Self {
        JsonPathWriter { out }
    }

    /// The writer back, e.g. to read what was written in a test.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> PathWriter for JsonPathWriter<W> {
    fn write_path(&mut self, path: &PacketPath) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &PathJson::new(path))?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One path. Fields that may be unknown are `null` where the README says so, absent where
/// it says "when known".
#[derive(Serialize)]
struct PathJson<'a> {
    id: u64,
    source: &'static str,
    /// `null` when no hop carried headers (family 0).
    family: Option<Family>,
    #[serde(serialize_with = "clock::serialize_time")]
    started: SystemTime,
    packet: Option<&'a PacketSummary>,
    iif: Option<IfaceJson<'a>>,
    oif: Option<IfaceJson<'a>>,
    hops: Vec<HopJson<'a>>,
    fate: FateJson<'a>,
    complete: bool,
    /// As `nft monitor trace` and `nftrace events` print them: 8 hex digits.
    trace_ids: Vec<String>,
}

impl<'a> PathJson<'a> {
    fn new(path: &'a PacketPath) -> Self {
        PathJson {
            id: path.id,
            source: match path.source {
                PathSource::NfTables => "nftrace",
                PathSource::Nflog => "nflog",
                PathSource::Both => "both",
            },
            family: (path.family != 0).then_some(Family(path.family)),
            started: path.started,
            packet: path.packet.as_ref(),
            iif: path.iif.as_ref().map(IfaceJson),
            oif: path.oif.as_ref().map(IfaceJson),
            hops: path.hops.iter().map(HopJson::new).collect(),
            fate: FateJson::new(path),
            complete: path.complete,
            trace_ids: path
                .trace_ids
                .iter()
                .map(|&id| TraceId(id).to_string())
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct HopJson<'a> {
    source: &'static str,
    family: Family,
    table: &'a str,
    chain: &'a str,
    kind: &'static str,
    rule_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    handle: Option<u64>,
    rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_source: Option<TextSource>,
    verdict: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook: Option<Hook>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<i32>,
    iif: Option<IfaceJson<'a>>,
    oif: Option<IfaceJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ct: Option<CtJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    changes: Vec<ChangeJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packet: Option<&'a PacketSummary>,
    #[serde(serialize_with = "clock::serialize_time")]
    time: SystemTime,
}

impl<'a> HopJson<'a> {
    fn new(hop: &'a Hop) -> Self {
        HopJson {
            source: hop.source.as_str(),
            family: Family(hop.family),
            table: &hop.table,
            chain: &hop.chain,
            kind: hop.kind.as_str(),
            rule_number: hop.rule_number,
            handle: hop.handle,
            rule: hop.rule.as_deref(),
            rule_source: hop.rule_source,
            verdict: hop.verdict.as_ref().map(|v| VerdictText(v).to_string()),
            hook: hop.hook.map(Hook),
            priority: hop.priority,
            iif: hop.iif.as_ref().map(IfaceJson),
            oif: hop.oif.as_ref().map(IfaceJson),
            mark: hop.mark,
            ct: hop.ct.as_ref().map(CtJson::new),
            note: hop.note.as_deref(),
            changes: hop.changes.iter().map(ChangeJson).collect(),
            packet: hop.packet.as_ref(),
            time: hop.time,
        }
    }
}

/// `{"field": "dst", "from": "172.17.128.213", "to": "172.18.0.2"}`: addresses and
/// interfaces as strings (an interface may be `null`), ports, ttl and mark as numbers,
/// conntrack state as lists of names.
struct ChangeJson<'a>(&'a Change);

impl Serialize for ChangeJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        match self.0 {
            Change::Src { from, to } | Change::Dst { from, to } => {
                let field = if matches!(self.0, Change::Src { .. }) {
                    "src"
                } else {
                    "dst"
                };
                map.serialize_entry("field", field)?;
                map.serialize_entry("from", &from.to_string())?;
                map.serialize_entry("to", &to.to_string())?;
            }
            Change::SrcPort { from, to } | Change::DstPort { from, to } => {
                let field = if matches!(self.0, Change::SrcPort { .. }) {
                    "src_port"
                } else {
                    "dst_port"
                };
                map.serialize_entry("field", field)?;
                map.serialize_entry("from", from)?;
                map.serialize_entry("to", to)?;
            }
            Change::Mark { from, to } => {
                map.serialize_entry("field", "mark")?;
                map.serialize_entry("from", from)?;
                map.serialize_entry("to", to)?;
            }
            Change::Ttl { from, to } => {
                map.serialize_entry("field", "ttl")?;
                map.serialize_entry("from", from)?;
                map.serialize_entry("to", to)?;
            }
            Change::Iif { from, to } | Change::Oif { from, to } => {
                let field = if matches!(self.0, Change::Iif { .. }) {
                    "iif"
                } else {
                    "oif"
                };
                map.serialize_entry("field", field)?;
                map.serialize_entry("from", &from.as_ref().map(IfaceJson))?;
                map.serialize_entry("to", &to.as_ref().map(IfaceJson))?;
            }
            Change::CtState { from, to } => {
                map.serialize_entry("field", "ct_state")?;
                map.serialize_entry("from", &bit_list(*from, &CT_STATES))?;
                map.serialize_entry("to", &bit_list(*to, &CT_STATES))?;
            }
        }
        map.end()
    }
}

/// The fate: `kind`, the fields of that kind, and `text` (what the text block says).
#[derive(Serialize)]
struct FateJson<'a> {
    kind: &'static str,
    /// Forwarded and sent out: the interface (`null` when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    oif: Option<Option<IfaceJson<'a>>>,
    /// Dropped and queued: the index of the deciding hop in `hops`.
    #[serde(skip_serializing_if = "Option::is_none")]
    hop: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    text: String,
}

impl<'a> FateJson<'a> {
    fn new(path: &'a PacketPath) -> Self {
        let mut fate = FateJson {
            kind: "",
            oif: None,
            hop: None,
            queue: None,
            reason: None,
            text: fate_text(path),
        };
        match &path.fate {
            Fate::DeliveredLocally => fate.kind = "delivered_locally",
            Fate::Forwarded { oif } => {
                fate.kind = "forwarded";
                fate.oif = Some(oif.as_ref().map(IfaceJson));
            }
            Fate::SentOut { oif } => {
                fate.kind = "sent_out";
                fate.oif = Some(oif.as_ref().map(IfaceJson));
            }
            Fate::DroppedByRule { hop } => {
                fate.kind = "dropped_by_rule";
                fate.hop = Some(*hop);
            }
            Fate::DroppedByPolicy { hop } => {
                fate.kind = "dropped_by_policy";
                fate.hop = Some(*hop);
            }
            Fate::Queued { hop, queue } => {
                fate.kind = "queued";
                fate.hop = Some(*hop);
                fate.queue = Some(*queue);
            }
            Fate::Unknown { reason } => {
                fate.kind = "unknown";
                fate.reason = Some(reason);
            }
        }
        fate
    }
}

/// An interface as its name, or `if<index>` when the name is unknown.
struct IfaceJson<'a>(&'a Iface);

impl Serialize for IfaceJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0.name {
            Some(name) => serializer.serialize_str(name),
            None => serializer.collect_str(&format_args!("if{}", self.0.index)),
        }
    }
}

/// A protocol family: its nft name, or the number when it has none.
struct Family(u8);

impl Serialize for Family {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match names::family(self.0) {
            Some(name) => serializer.serialize_str(name),
            None => serializer.serialize_u8(self.0),
        }
    }
}

/// A hook: its nft name, or the number when it has none.
struct Hook(u8);

impl Serialize for Hook {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match names::inet_hook(self.0) {
            Some(name) => serializer.serialize_str(name),
            None => serializer.serialize_u8(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::CtInfo;
    use crate::packet::{IpVersion, Protocol, TcpFlags};
    use nftrace_sys::netfilter::{NFPROTO_INET, NFPROTO_IPV4};
    use serde_json::Value;
    use std::time::{Duration, UNIX_EPOCH};

    /// 2026-11-24 18:25:59.123456 UTC plus `micros`.
    fn at(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(1_795_544_759_123_456 + micros)
    }

    fn iface(index: u32, name: &str) -> Iface {
        Iface {
            index,
            name: Some(name.to_owned()),
        }
    }

    fn syn(dst: [u8; 4], ttl: u8) -> PacketSummary {
        PacketSummary {
            version: IpVersion::V4,
            src: IpAddr::from([203, 0, 113, 9]),
            dst: IpAddr::from(dst),
            protocol: Protocol::Tcp,
            total_len: 60,
            ttl,
            ipv4_id: Some(4242),
            flow_label: None,
            dont_fragment: true,
            fragment: None,
            src_port: Some(51514),
            dst_port: Some(10370),
            tcp_flags: Some(TcpFlags::SYN),
            icmp_type: None,
            icmp_code: None,
            icmp_echo_id: None,
            icmp_echo_seq: None,
        }
    }

    /// A hop with what every hop of these tests shares; tests set the rest.
    fn hop(source: HopSource, table: &str, chain: &str, kind: HopKind) -> Hop {
        Hop {
            source,
            family: NFPROTO_IPV4,
            hook: None,
            priority: None,
            table: table.to_owned(),
            chain: chain.to_owned(),
            kind,
            rule_number: None,
            handle: None,
            rule: None,
            rule_source: None,
            note: None,
            verdict: None,
            iif: None,
            oif: None,
            mark: None,
            ct: None,
            changes: Vec::new(),
            packet: None,
            time: at(0),
        }
    }

    fn legacy(
        table: &str,
        chain: &str,
        kind: HopKind,
        number: u32,
        verdict: HopVerdict,
        rule: Option<&str>,
    ) -> Hop {
        Hop {
            rule_number: Some(number),
            verdict: Some(verdict),
            rule: rule.map(str::to_owned),
            rule_source: rule.map(|_| TextSource::IptablesLegacySave),
            ..hop(HopSource::Nflog, table, chain, kind)
        }
    }

    /// A TCP SYN to a Docker-published port on a host with iptables-legacy: DNATed in nat
    /// DOCKER, accepted in filter DOCKER, forwarded out of docker0.
    fn docker_path() -> PacketPath {
        let before = syn([172, 17, 128, 213], 64);
        let after = syn([172, 18, 0, 2], 64);
        let eth0 = iface(2, "eth0");
        let docker0 = iface(3, "docker0");
        let mut hops = vec![
            Hop {
                hook: Some(0),
                priority: Some(-300),
                iif: Some(eth0.clone()),
                packet: Some(before),
                ..legacy("raw", "PREROUTING", HopKind::Policy, 2, HopVerdict::Accept, None)
            },
            Hop {
                hook: Some(0),
                priority: Some(-100),
                iif: Some(eth0.clone()),
                packet: Some(before),
                ..legacy(
                    "nat",
                    "PREROUTING",
                    HopKind::Rule,
                    1,
                    HopVerdict::Jump("DOCKER".to_owned()),
                    Some("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER"),
                )
            },
            Hop {
                hook: Some(0),
                priority: Some(-100),
                iif: Some(eth0.clone()),
                packet: Some(before),
                ..legacy(
                    "nat",
                    "DOCKER",
                    HopKind::Rule,
                    31,
                    HopVerdict::Target("DNAT".to_owned()),
                    Some("-A DOCKER ! -i docker0 -p tcp -m tcp --dport 10370 -j DNAT --to-destination 172.18.0.2:10370"),
                )
            },
            Hop {
                hook: Some(2),
                priority: Some(0),
                iif: Some(eth0.clone()),
                oif: Some(docker0.clone()),
                packet: Some(after),
                changes: vec![
                    Change::Dst {
                        from: before.dst,
                        to: after.dst,
                    },
                    Change::Oif {
                        from: None,
                        to: Some(docker0.clone()),
                    },
                ],
                ..legacy(
                    "filter",
                    "FORWARD",
                    HopKind::Rule,
                    3,
                    HopVerdict::Jump("DOCKER".to_owned()),
                    Some("-A FORWARD -o docker0 -j DOCKER"),
                )
            },
            Hop {
                hook: Some(2),
                priority: Some(0),
                iif: Some(eth0.clone()),
                oif: Some(docker0.clone()),
                packet: Some(after),
                ..legacy(
                    "filter",
                    "DOCKER",
                    HopKind::Rule,
                    2,
                    HopVerdict::Accept,
                    Some("-A DOCKER -d 172.18.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 10370 -j ACCEPT"),
                )
            },
            Hop {
                hook: Some(4),
                priority: Some(100),
                iif: Some(eth0.clone()),
                oif: Some(docker0.clone()),
                packet: Some(syn([172, 18, 0, 2], 63)),
                changes: vec![Change::Ttl { from: 64, to: 63 }],
                ..legacy(
                    "nat",
                    "POSTROUTING",
                    HopKind::Policy,
                    4,
                    HopVerdict::Accept,
                    None,
                )
            },
        ];
        for (i, hop) in hops.iter_mut().enumerate() {
            hop.time = at(i as u64 * 3);
        }
        PacketPath {
            id: 7,
            source: PathSource::Nflog,
            family: NFPROTO_IPV4,
            packet: Some(before),
            iif: Some(eth0),
            oif: None,
            started: at(0),
            hops,
            fate: Fate::Forwarded { oif: Some(docker0) },
            complete: true,
            trace_ids: Vec::new(),
        }
    }

    /// A locally sent packet on a hybrid host: marked by an nft trace rule, dropped by an
    /// iptables-legacy rule in filter OUTPUT; one of its events was lost.
    fn hybrid_drop_path() -> PacketPath {
        let packet = PacketSummary {
            src: IpAddr::from([10, 0, 0, 1]),
            dst: IpAddr::from([10, 0, 0, 53]),
            protocol: Protocol::Udp,
            total_len: 40,
            tcp_flags: None,
            src_port: Some(40000),
            dst_port: Some(53),
            dont_fragment: false,
            ..syn([10, 0, 0, 53], 64)
        };
        let unnamed = Iface {
            index: 9,
            name: None,
        };
        let nft = |chain: &str, kind: HopKind| Hop {
            family: NFPROTO_INET,
            hook: Some(3),
            priority: Some(-301),
            oif: Some(unnamed.clone()),
            ..hop(HopSource::NfTables, "trace", chain, kind)
        };
        PacketPath {
            id: 12,
            source: PathSource::Both,
            family: NFPROTO_IPV4,
            packet: Some(packet),
            iif: None,
            oif: Some(unnamed.clone()),
            started: at(0),
            hops: vec![
                Hop {
                    rule_number: Some(1),
                    handle: Some(4),
                    rule: Some("meta nftrace set 1".to_owned()),
                    rule_source: Some(TextSource::Nft),
                    verdict: Some(HopVerdict::Continue),
                    mark: Some(0),
                    packet: Some(packet),
                    ct: Some(CtInfo {
                        state: Some(8),
                        status: Some(0x8 | 0x0010_0000),
                        direction: Some(0),
                        id: Some(77),
                    }),
                    ..nft("out", HopKind::Rule)
                },
                Hop {
                    handle: Some(9),
                    note: Some("not in ruleset: deleted before nftrace read it".to_owned()),
                    verdict: Some(HopVerdict::Continue),
                    ..nft("out", HopKind::Rule)
                },
                Hop {
                    verdict: Some(HopVerdict::Accept),
                    ..nft("out", HopKind::Policy)
                },
                Hop {
                    hook: Some(3),
                    priority: Some(0),
                    oif: Some(unnamed.clone()),
                    mark: Some(1),
                    packet: Some(packet),
                    changes: vec![Change::Mark { from: 0, to: 1 }],
                    ..legacy(
                        "filter",
                        "OUTPUT",
                        HopKind::Rule,
                        3,
                        HopVerdict::Drop,
                        Some("-A OUTPUT -p udp -m udp --dport 53 -j DROP"),
                    )
                },
            ],
            fate: Fate::DroppedByRule { hop: 3 },
            complete: false,
            // As the kernel wrote them: `nft` prints them byte-swapped on little-endian hosts.
            trace_ids: vec![0xc0a8_0102_u32.to_be(), 0xdead_beef_u32.to_be()],
        }
    }

    fn render_text(path: &PacketPath, colour: bool) -> String {
        let mut writer = TextPathWriter::new(Vec::new(), colour);
        writer.write_path(path).unwrap();
        writer.flush().unwrap();
        String::from_utf8(writer.into_inner()).unwrap()
    }

    fn render_json(path: &PacketPath) -> Value {
        let mut writer = JsonPathWriter::new(Vec::new());
        writer.write_path(path).unwrap();
        super::super::one_json_line(writer.into_inner())
    }

    #[test]
    fn text_block_has_header_hops_changes_and_fate() {
        let text = render_text(&docker_path(), false);
        let expected = "\
18:25:59.123456 #7 eth0 → docker0 tcp 203.0.113.9:51514 > 172.17.128.213:10370 len 60 ttl 64 id 4242 flags syn [nflog]
  raw     PREROUTING   policy 2  accept
  nat     PREROUTING   rule 1    jump DOCKER  -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
  nat     DOCKER       rule 31   DNAT         -A DOCKER ! -i docker0 -p tcp -m tcp --dport 10370 -j DNAT --to-destination 172.18.0.2:10370
    ↳ dst 172.17.128.213:10370 → 172.18.0.2:10370, out docker0
  filter  FORWARD      rule 3    jump DOCKER  -A FORWARD -o docker0 -j DOCKER
  filter  DOCKER       rule 2    accept       -A DOCKER -d 172.18.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 10370 -j ACCEPT
    ↳ ttl 64 → 63
  nat     POSTROUTING  policy 4  accept
  → forwarded out of docker0

";
        assert_eq!(text, expected, "\n{text}");
    }

    #[test]
    fn hybrid_block_tags_each_hop_and_names_the_drop() {
        let text = render_text(&hybrid_drop_path(), false);
        let expected = "\
18:25:59.123456 #12 → if9 udp 10.0.0.1:40000 > 10.0.0.53:53 len 40 ttl 64 id 4242 [nftrace+nflog] INCOMPLETE
  nft trace   out     rule 1 handle 4  continue  meta nftrace set 1
  nft trace   out     rule handle 9    continue  (not in ruleset: deleted before nftrace read it)
  nft trace   out     policy           accept
    ↳ mark 0x0 → 0x1
  ipt filter  OUTPUT  rule 3           drop      -A OUTPUT -p udp -m udp --dport 53 -j DROP
  → DROPPED by filter OUTPUT rule 3: -A OUTPUT -p udp -m udp --dport 53 -j DROP

";
        assert_eq!(text, expected, "\n{text}");
        // One stack only: no tags.
        assert!(!render_text(&docker_path(), false).contains(" ipt "));
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = render_text(&hybrid_drop_path(), false);
        assert!(!plain.contains('\x1b'), "{plain}");
        let coloured = render_text(&hybrid_drop_path(), true);
        // Bold header, yellow INCOMPLETE, dim source tags, red drop verdict and fate, yellow
        // changes, green accept.
        assert!(
            coloured.starts_with("\x1b[1m18:25:59.123456 #12 "),
            "{coloured}"
        );
        assert!(
            coloured.contains("\x1b[1;33mINCOMPLETE\x1b[0m"),
            "{coloured}"
        );
        assert!(coloured.contains("\x1b[2mnft\x1b[0m trace"), "{coloured}");
        assert!(coloured.contains("\x1b[31mdrop\x1b[0m"), "{coloured}");
        assert!(coloured.contains("\x1b[32maccept\x1b[0m"), "{coloured}");
        assert!(
            coloured.contains("\x1b[33m↳ mark 0x0 → 0x1\x1b[0m"),
            "{coloured}"
        );
        assert!(
            coloured.contains("\x1b[1;31m→ DROPPED by filter OUTPUT rule 3"),
            "{coloured}"
        );
        // Without the escape codes, the coloured block is the plain one: colour never moves
        // a column.
        assert_eq!(strip_ansi(&coloured), plain);
        let delivered = PacketPath {
            fate: Fate::DeliveredLocally,
            ..docker_path()
        };
        assert!(render_text(&delivered, true).contains("\x1b[32m→ delivered locally\x1b[0m"));
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn no_color_and_terminals_decide_colour() {
        assert!(colour_wanted_from(None, true));
        assert!(!colour_wanted_from(None, false));
        assert!(!colour_wanted_from(Some(OsStr::new("1")), true));
        assert!(!colour_wanted_from(Some(OsStr::new("1")), false));
        // Set but empty counts as unset (no-color.org).
        assert!(colour_wanted_from(Some(OsStr::new("")), true));
    }

    #[test]
    fn every_fate_in_words() {
        let path = hybrid_drop_path();
        let with = |fate| {
            fate_text(&PacketPath {
                fate,
                ..path.clone()
            })
        };
        assert_eq!(with(Fate::DeliveredLocally), "delivered locally");
        assert_eq!(
            with(Fate::Forwarded {
                oif: Some(iface(3, "docker0"))
            }),
            "forwarded out of docker0"
        );
        assert_eq!(with(Fate::Forwarded { oif: None }), "forwarded");
        assert_eq!(
            with(Fate::SentOut {
                oif: Some(Iface {
                    index: 2,
                    name: None
                })
            }),
            "sent out of if2"
        );
        assert_eq!(with(Fate::SentOut { oif: None }), "sent out");
        assert_eq!(
            with(Fate::DroppedByRule { hop: 3 }),
            "DROPPED by filter OUTPUT rule 3: -A OUTPUT -p udp -m udp --dport 53 -j DROP"
        );
        assert_eq!(
            with(Fate::DroppedByPolicy { hop: 2 }),
            "DROPPED by the policy of trace out"
        );
        assert_eq!(with(Fate::Queued { hop: 1, queue: 3 }), "queued to 3");
        assert_eq!(
            with(Fate::Unknown {
                reason: "events lost".to_owned()
            }),
            "unknown: events lost"
        );
        // A reject says so; an index outside the path (a correlator bug) does not panic.
        let mut rejected = path.clone();
        rejected.hops[3].verdict = Some(HopVerdict::Reject);
        rejected.hops[3].rule = None;
        assert_eq!(fate_text(&rejected), "REJECTED by filter OUTPUT rule 3");
        assert_eq!(
            with(Fate::DroppedByRule { hop: 99 }),
            "DROPPED by hop 99 (not in the path)"
        );
        assert!(with(Fate::DroppedByPolicy { hop: 99 }).starts_with("DROPPED by a policy"));
    }

    #[test]
    fn changes_merge_addresses_with_their_ports() {
        let v6 = |last: u16| IpAddr::from([0xfd00, 0, 0, 0, 0, 0, 0, last]);
        let step = Hop {
            changes: vec![
                Change::Src {
                    from: v6(1),
                    to: v6(2),
                },
                Change::SrcPort {
                    from: 5555,
                    to: 6000,
                },
                Change::DstPort { from: 80, to: 8080 },
                Change::Ttl { from: 64, to: 63 },
                Change::Iif {
                    from: Some(iface(1, "lo")),
                    to: Some(iface(2, "eth0")),
                },
                Change::Oif {
                    from: Some(iface(2, "eth0")),
                    to: None,
                },
                Change::CtState { from: 8, to: 2 },
            ],
            ..hop(HopSource::NfTables, "t", "c", HopKind::Rule)
        };
        assert_eq!(
            changes_text(&step, NFPROTO_IPV6),
            "src [fd00::1]:5555 → [fd00::2]:6000, dst port 80 → 8080, hlim 64 → 63, \
             in lo → eth0, out eth0 → none, ct new → established"
        );
        // An address change without a port change and without headers: no port.
        let bare = Hop {
            changes: vec![Change::Dst {
                from: IpAddr::from([10, 0, 0, 1]),
                to: IpAddr::from([10, 0, 0, 2]),
            }],
            ..hop(HopSource::NfTables, "t", "c", HopKind::Rule)
        };
        assert_eq!(changes_text(&bare, NFPROTO_IPV4), "dst 10.0.0.1 → 10.0.0.2");
    }

    #[test]
    fn json_object_has_every_documented_field() {
        let v = render_json(&docker_path());
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys.len(),
            11,
            "id source family started packet iif oif hops fate complete trace_ids: {keys:?}"
        );
        assert_eq!(v["id"], 7);
        assert_eq!(v["source"], "nflog");
        assert_eq!(v["family"], "ip");
        assert_eq!(v["started"], "2026-11-24T18:25:59.123456Z");
        assert_eq!(v["packet"]["version"], 4);
        assert_eq!(v["packet"]["src"], "203.0.113.9");
        assert_eq!(v["packet"]["dst"], "172.17.128.213");
        assert_eq!(v["packet"]["protocol"], "tcp");
        assert_eq!(v["packet"]["total_len"], 60);
        assert_eq!(v["packet"]["ttl"], 64);
        assert_eq!(v["packet"]["ipv4_id"], 4242);
        assert_eq!(v["packet"]["src_port"], 51514);
        assert_eq!(v["packet"]["dst_port"], 10370);
        assert_eq!(v["packet"]["tcp_flags"], serde_json::json!(["syn"]));
        assert_eq!(v["iif"], "eth0");
        assert!(v["oif"].is_null(), "{v}");
        assert_eq!(v["complete"], true);
        assert_eq!(v["trace_ids"], serde_json::json!([]));
        assert_eq!(
            v["fate"],
            serde_json::json!({"kind": "forwarded", "oif": "docker0", "text": "forwarded out of docker0"})
        );

        let hops = v["hops"].as_array().unwrap();
        assert_eq!(hops.len(), 6);
        let dnat = &hops[2];
        assert_eq!(dnat["source"], "nflog");
        assert_eq!(dnat["family"], "ip");
        assert_eq!(dnat["table"], "nat");
        assert_eq!(dnat["chain"], "DOCKER");
        assert_eq!(dnat["kind"], "rule");
        assert_eq!(dnat["rule_number"], 31);
        assert!(dnat.get("handle").is_none(), "{dnat}");
        assert!(dnat["rule"]
            .as_str()
            .unwrap()
            .ends_with("--to-destination 172.18.0.2:10370"));
        assert_eq!(dnat["rule_source"], "iptables-legacy-save");
        assert_eq!(dnat["verdict"], "DNAT");
        assert_eq!(dnat["hook"], "prerouting");
        assert_eq!(dnat["priority"], -100);
        assert_eq!(dnat["iif"], "eth0");
        assert!(dnat["oif"].is_null(), "{dnat}");
        assert_eq!(dnat["changes"], serde_json::json!([]));
        assert_eq!(dnat["packet"]["dst"], "172.17.128.213");
        assert_eq!(dnat["time"], "2026-11-24T18:25:59.123462Z");
        assert_eq!(hops[1]["verdict"], "jump DOCKER");
        assert_eq!(hops[0]["kind"], "policy");
        assert_eq!(hops[0]["rule_number"], 2);
        assert!(hops[0]["rule"].is_null(), "{}", hops[0]);
        assert!(hops[0].get("rule_source").is_none(), "{}", hops[0]);
        assert_eq!(
            hops[3]["changes"],
            serde_json::json!([
                {"field": "dst", "from": "172.17.128.213", "to": "172.18.0.2"},
                {"field": "oif", "from": null, "to": "docker0"},
            ])
        );
        assert_eq!(hops[3]["hook"], "forward");
        assert_eq!(hops[3]["oif"], "docker0");
        assert_eq!(
            hops[5]["changes"],
            serde_json::json!([{"field": "ttl", "from": 64, "to": 63}])
        );
    }

    #[test]
    fn json_hybrid_path_names_nft_details_and_the_drop() {
        let v = render_json(&hybrid_drop_path());
        assert_eq!(v["source"], "both");
        assert_eq!(v["complete"], false);
        assert!(v["iif"].is_null(), "{v}");
        assert_eq!(v["oif"], "if9");
        // As `nft monitor trace` and `nftrace events` print trace ids.
        assert_eq!(v["trace_ids"], serde_json::json!(["c0a80102", "deadbeef"]));
        assert_eq!(
            v["fate"],
            serde_json::json!({
                "kind": "dropped_by_rule",
                "hop": 3,
                "text": "DROPPED by filter OUTPUT rule 3: -A OUTPUT -p udp -m udp --dport 53 -j DROP"
            })
        );
        let first = &v["hops"][0];
        assert_eq!(first["source"], "nftrace");
        assert_eq!(first["family"], "inet");
        assert_eq!(first["handle"], 4);
        assert_eq!(first["rule_source"], "nft");
        assert_eq!(first["verdict"], "continue");
        assert_eq!(first["hook"], "output");
        assert_eq!(first["priority"], -301);
        assert_eq!(first["mark"], 0);
        assert_eq!(
            first["ct"],
            serde_json::json!({"id": 77, "direction": "original", "state": ["new"], "status": ["confirmed", "0x100000"]})
        );
        let unresolved = &v["hops"][1];
        assert!(unresolved["rule_number"].is_null(), "{unresolved}");
        assert!(unresolved["rule"].is_null(), "{unresolved}");
        assert_eq!(
            unresolved["note"],
            "not in ruleset: deleted before nftrace read it"
        );
        assert!(unresolved.get("packet").is_none(), "{unresolved}");
        assert_eq!(
            v["hops"][3]["changes"],
            serde_json::json!([{"field": "mark", "from": 0, "to": 1}])
        );

        // The other fates' fields.
        let fate = |fate| {
            render_json(&PacketPath {
                fate,
                ..hybrid_drop_path()
            })["fate"]
                .clone()
        };
        assert_eq!(
            fate(Fate::Queued { hop: 2, queue: 3 }),
            serde_json::json!({"kind": "queued", "hop": 2, "queue": 3, "text": "queued to 3"})
        );
        assert_eq!(
            fate(Fate::DroppedByPolicy { hop: 2 }),
            serde_json::json!({"kind": "dropped_by_policy", "hop": 2, "text": "DROPPED by the policy of trace out"})
        );
        assert_eq!(
            fate(Fate::SentOut { oif: None }),
            serde_json::json!({"kind": "sent_out", "oif": null, "text": "sent out"})
        );
        assert_eq!(
            fate(Fate::DeliveredLocally),
            serde_json::json!({"kind": "delivered_locally", "text": "delivered locally"})
        );
        assert_eq!(
            fate(Fate::Unknown {
                reason: "events lost".to_owned()
            }),
            serde_json::json!({"kind": "unknown", "reason": "events lost", "text": "unknown: events lost"})
        );
        // Family 0 (no hop carried headers) is null; changes of every kind serialise.
        let mut odd = hybrid_drop_path();
        odd.family = 0;
        odd.hops[1].changes = vec![
            Change::SrcPort { from: 1, to: 2 },
            Change::Iif {
                from: Some(iface(1, "lo")),
                to: None,
            },
            Change::CtState {
                from: 8,
                to: 2 | 0x4000,
            },
        ];
        let v = render_json(&odd);
        assert!(v["family"].is_null(), "{v}");
        assert_eq!(
            v["hops"][1]["changes"],
            serde_json::json!([
                {"field": "src_port", "from": 1, "to": 2},
                {"field": "iif", "from": "lo", "to": null},
                {"field": "ct_state", "from": ["new"], "to": ["established", "0x4000"]},
            ])
        );
    }
}
