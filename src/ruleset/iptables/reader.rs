//! Putting a legacy snapshot together: the tables the kernel lists, each read with
//! `getsockopt` and parsed, and each rule given its `iptables-legacy-save` line when the
//! save text agrees with the kernel (when it does not, both are read once more; if they
//! still disagree the table goes without texts).

use super::blob::{fingerprint, parse_table, TableInfo};
use super::error::IptablesError;
use super::family::XtFamily;
use super::kernel::{table_names, XtSocket};
use super::legacy_text::{attach_legacy_texts, TextOutcome};
use super::save::SaveDump;
use super::tools::run_save;
use crate::ruleset::model::LegacyTable;

/// One table as read, with what the cache needs to notice that it changed.
#[derive(Debug, Clone)]
pub(crate) struct TableRead {
    pub table: LegacyTable,
    pub texts: TextOutcome,
    pub info: TableInfo,
    pub fingerprint: u64,
}

/// How a table's texts went, in a [`LegacyReadout`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableTexts {
    pub family: u8,
    pub table: String,
    pub outcome: TextOutcome,
}

/// Every legacy table of a namespace, and how each one's texts went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyReadout {
    /// IPv4 tables first, each family in the kernel's order.
    pub tables: Vec<LegacyTable>,
    pub texts: Vec<TableTexts>,
}

/// A save text for several tables, read once.
#[derive(Debug)]
pub(crate) enum SaveSource {
    NotRequested,
    Missing,
    Failed(String),
    Dump(SaveDump),
}

impl SaveSource {
    pub(crate) fn run(family: XtFamily, table: Option<&str>) -> SaveSource {
        match run_save(family.legacy_save_tool(), table) {
            Ok(Some(dump)) => SaveSource::Dump(dump),
            Ok(None) => SaveSource::Missing,
            Err(err) => SaveSource::Failed(err.to_string()),
        }
    }
}

/// Reads every legacy table of both families in the calling thread's network namespace;
/// with `texts`, also runs `iptables-legacy-save` and `ip6tables-legacy-save`.
pub fn read_legacy(texts: bool) -> Result<LegacyReadout, IptablesError> {
    let mut readout = LegacyReadout::default();
    for family in XtFamily::ALL {
        for read in read_family(family, texts)? {
            readout.texts.push(TableTexts {
                family: family.nfproto(),
                table: read.table.name.clone(),
                outcome: read.texts,
            });
            readout.tables.push(read.table);
        }
    }
    Ok(readout)
}

/// Every table of one family.
pub(crate) fn read_family(family: XtFamily, texts: bool) -> Result<Vec<TableRead>, IptablesError> {
    let names = table_names(family)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let socket = XtSocket::open(family)?;
    let save = if texts {
        SaveSource::run(family, None)
    } else {
        SaveSource::NotRequested
    };
    let mut reads = Vec::with_capacity(names.len());
    for name in &names {
        if let Some(read) = read_table(&socket, name, texts, Some(&save))? {
            reads.push(read);
        }
    }
    Ok(reads)
}

fn read_structure(socket: &XtSocket, name: &str) -> Result<Option<TableRead>, IptablesError> {
    let Some(raw) = socket.read(name)? else {
        return Ok(None);
    };
    let family = socket.family();
    let table = parse_table(family, &raw.info, &raw.blob)?;
    let fingerprint = fingerprint(family, &raw.info, &raw.blob).unwrap_or_default();
    Ok(Some(TableRead {
        table,
        texts: TextOutcome::NotRequested,
        info: raw.info,
        fingerprint,
    }))
}

/// Tries `save` on `read`; `Err` says why it did not fit.
fn try_texts(read: &mut TableRead, save: &SaveSource) -> Result<TextOutcome, TextOutcome> {
    match save {
        SaveSource::NotRequested => Ok(TextOutcome::NotRequested),
        SaveSource::Missing => Ok(TextOutcome::ToolMissing {
            tool: XtFamily::from_nfproto(read.table.family)
                .map_or("iptables-legacy-save", XtFamily::legacy_save_tool)
                .to_owned(),
        }),
        SaveSource::Failed(error) => Err(TextOutcome::ToolError {
            error: error.clone(),
        }),
        SaveSource::Dump(dump) => match dump.table(&read.table.name) {
            None => Err(TextOutcome::TableNotListed),
            Some(saved) => attach_legacy_texts(&mut read.table, saved)
                .map(|()| TextOutcome::Attached)
                .map_err(|reason| TextOutcome::Mismatch { reason }),
        },
    }
}

/// Reads one table (`None`: the kernel has no such table). With `texts`, uses `save` when
/// given (the whole family's text, read once) or runs the save tool for this table; on a
/// disagreement reads both once more.
pub(crate) fn read_table(
    socket: &XtSocket,
    name: &str,
    texts: bool,
    save: Option<&SaveSource>,
) -> Result<Option<TableRead>, IptablesError> {
    let Some(mut read) = read_structure(socket, name)? else {
        return Ok(None);
    };
    if !texts {
        return Ok(Some(read));
    }
    let family = socket.family();
    let first = match save {
        Some(save) => try_texts(&mut read, save),
        None => try_texts(&mut read, &SaveSource::run(family, Some(name))),
    };
    read.texts = match first {
        Ok(outcome) => outcome,
        Err(_) => {
            // The table may have changed between the two reads: read both once more.
            let Some(mut again) = read_structure(socket, name)? else {
                return Ok(None);
            };
            let outcome = try_texts(&mut again, &SaveSource::run(family, Some(name)))
                .unwrap_or_else(|outcome| outcome);
            if outcome != TextOutcome::Attached {
                log::warn!(
                    "{family} table {name}: no iptables-legacy-save texts: {}",
                    describe(&outcome)
                );
            }
            read = again;
            outcome
        }
    };
    Ok(Some(read))
}

fn describe(outcome: &TextOutcome) -> String {
    match outcome {
        TextOutcome::Attached => "attached".to_owned(),
        TextOutcome::NotRequested => "not requested".to_owned(),
        TextOutcome::ToolMissing { tool } => format!("{tool} is not installed"),
        TextOutcome::ToolError { error } => error.clone(),
        TextOutcome::TableNotListed => "the save text does not list the table".to_owned(),
        TextOutcome::Mismatch { reason } => reason.clone(),
    }
}
