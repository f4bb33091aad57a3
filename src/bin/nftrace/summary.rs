//! The summary printed at the end of a run: packets traced, how many met each fate, the
//! rules hit most, and what the kernel lost.

use std::collections::HashMap;

use nftrace::correlate::{Fate, HopKind, PacketPath, TRIGGER_NOTE};
use nftrace::tracer::TracerStats;

use crate::report::loss_text;

/// How many of the top rules to name.
const TOP_RULES: usize = 5;

/// Counts over the printed paths.
#[derive(Debug, Default)]
pub struct RunSummary {
    fates: HashMap<&'static str, u64>,
    rules: HashMap<String, u64>,
    incomplete: u64,
}

impl RunSummary {
    pub fn add(&mut self, path: &PacketPath) {
        let fate = match path.fate {
            Fate::DeliveredLocally => "delivered locally",
            Fate::Forwarded { .. } => "forwarded",
            Fate::SentOut { .. } => "sent out",
            Fate::DroppedByRule { .. } => "dropped by a rule",
            Fate::DroppedByPolicy { .. } => "dropped by a policy",
            Fate::Queued { .. } => "queued",
            Fate::Unknown { .. } => "unknown",
        };
        *self.fates.entry(fate).or_default() += 1;
        if !path.complete {
            self.incomplete += 1;
        }
        for hop in &path.hops {
            if hop.kind != HopKind::Rule || hop.note.as_deref() == Some(TRIGGER_NOTE) {
                continue;
            }
            let number = hop
                .rule_number
                .map_or_else(|| "?".to_owned(), |n| n.to_string());
            *self
                .rules
                .entry(format!("{} {} rule {number}", hop.table, hop.chain))
                .or_default() += 1;
        }
    }

    /// The summary's lines.
    pub fn lines(&self, printed: u64, stats: &TracerStats) -> Vec<String> {
        let mut fates: Vec<_> = self.fates.iter().collect();
        fates.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let fates: Vec<String> = fates.iter().map(|(f, n)| format!("{n} {f}")).collect();
        let mut first = format!("{printed} packets printed");
        if !fates.is_empty() {
            first.push_str(&format!(": {}", fates.join(", ")));
        }
        if self.incomplete > 0 {
            first.push_str(&format!(" ({} incomplete)", self.incomplete));
        }
        first.push_str(&format!(
            " ({} nf_tables trace events, {} nfnetlink_log records)",
            stats.listen.trace_events, stats.listen.nflog_records
        ));
        first.push_str(&loss_text(&stats.listen));
        let mut lines = Vec::new();
        let mut rules: Vec<_> = self.rules.iter().collect();
        rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if !rules.is_empty() {
            let top: Vec<String> = rules
                .iter()
                .take(TOP_RULES)
                .map(|(rule, n)| format!("{rule} ({n})"))
                .collect();
            lines.push(format!("rules hit most: {}", top.join(", ")));
        }
        // The counts come last: scripts read the last line.
        lines.push(first);
        lines
    }
}
