//! What a run writes into the triggers it installs, so that a later run can tell whose they
//! are and undo them: the owner's process id and start time (a pid alone is reused), and
//! the `nf_log` bindings it found before binding `nfnetlink_log`.
//!
//! It travels as one line of text in the trigger itself — the nf_tables table's comment, the
//! iptables rule's `-m comment` — because that is the only state that lives exactly as long
//! as the trigger, in the namespace it belongs to:
//!
//! ```text
//! nftrace pid=4242 start=123456789 nf_log.2=NONE nf_log.10=nf_log_ipv6
//! ```

use std::fmt;

/// The marker every record starts with.
pub const MARKER: &str = "nftrace";

/// Who installed a trigger, and what to restore after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The installing process.
    pub pid: u32,
    /// Its start time (`/proc/PID/stat` field 22, clock ticks since boot).
    pub start: u64,
    /// `net.netfilter.nf_log.<family>` values found before the run bound nfnetlink_log, by
    /// family number (2 = IPv4, 10 = IPv6); empty when it bound nothing.
    pub nf_log: Vec<(u8, String)>,
}

impl Record {
    /// The record of the calling process.
    pub fn of_this_process(nf_log: Vec<(u8, String)>) -> Record {
        Record {
            pid: std::process::id(),
            start: process_start(std::process::id()).unwrap_or(0),
            nf_log,
        }
    }

    /// Parses a record; `None` when `text` is not one (someone else's comment).
    pub fn parse(text: &str) -> Option<Record> {
        let mut words = text.split_ascii_whitespace();
        if words.next()? != MARKER {
            return None;
        }
        let mut pid = None;
        let mut start = None;
        let mut nf_log = Vec::new();
        for word in words {
            let (key, value) = word.split_once('=')?;
            match key {
                "pid" => pid = value.parse().ok(),
                "start" => start = value.parse().ok(),
                _ => {
                    let family = key.strip_prefix("nf_log.")?.parse().ok()?;
                    if value.is_empty() || value.len() > 64 {
                        return None;
                    }
                    nf_log.push((family, value.to_owned()));
                }
            }
        }
        Some(Record {
            pid: pid?,
            start: start?,
            nf_log,
        })
    }

    /// True while the process that wrote the record runs (same pid, same start time).
    pub fn owner_alive(&self) -> bool {
        process_start(self.pid) == Some(self.start)
    }
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{MARKER} pid={} start={}", self.pid, self.start)?;
        for (family, value) in &self.nf_log {
            write!(f, " nf_log.{family}={value}")?;
        }
        Ok(())
    }
}

/// The start time of process `pid` (field 22 of `/proc/PID/stat`), `None` when there is no
/// such process.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_ascii_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let record = Record {
            pid: 4242,
            start: 123_456_789,
            nf_log: vec![(2, "NONE".to_owned()), (10, "nf_log_ipv6".to_owned())],
        };
        let text = record.to_string();
        assert_eq!(
            text,
            "nftrace pid=4242 start=123456789 nf_log.2=NONE nf_log.10=nf_log_ipv6"
        );
        assert_eq!(Record::parse(&text), Some(record));
    }

    #[test]
    fn other_comments_are_not_records() {
        assert_eq!(Record::parse("docker rule"), None);
        assert_eq!(Record::parse("nftrace"), None);
        assert_eq!(Record::parse("nftrace pid=x start=1"), None);
        assert_eq!(Record::parse("nftrace pid=1 start=2 bogus=3"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_changed_start_is_not() {
        let record = Record::of_this_process(Vec::new());
        assert!(record.owner_alive());
        let reused = Record {
            start: record.start + 1,
            ..record
        };
        assert!(!reused.owner_alive());
    }
}
