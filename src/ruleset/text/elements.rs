//! The elements of anonymous sets (`tcp dport { 80, 443 }`, `vmap { 0 : goto x }`), which
//! the renderer needs to print a rule the way nft does: decoded from `NFT_MSG_NEWSETELEM`
//! messages, and fetched with one `NFT_MSG_GETSETELEM` dump per set.
//!
//! The dumps run on a blocking dump socket of their own (`crate::netlink::DumpSocket`), in
//! the calling thread's network namespace. Anonymous sets cannot change while they exist
//! (they are bound to their rule), so reading them after the ruleset dump gives the elements
//! of the same rule, or nothing when the rule was deleted meanwhile.

use std::collections::HashMap;
use std::io;
use std::time::Duration;

use neli::consts::socket::NlFamily;
use nftrace_sys::netlink::NLM_F_DUMP;
use nftrace_sys::nf_tables::*;
use nftrace_sys::nfnetlink::NFNL_SUBSYS_NFTABLES;
use thiserror::Error;

use super::render::decode::{DATA, VERDICT};
use crate::netlink::{str_attr_fits, DumpSocket, DumpSocketError, NfnlRequest};
use crate::ruleset::model::NftRuleset;
use crate::wire::{AttrSpace, Attrs, DecodeError};

/// What an element maps to, in a map or verdict map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementData {
    /// A value (maps).
    Value(Vec<u8>),
    /// A verdict (verdict maps): code and, for jump/goto, the chain.
    Verdict { code: i32, chain: Option<String> },
}

/// One set element as the kernel holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetElement {
    /// `NFTA_SET_ELEM_KEY`, raw.
    pub key: Vec<u8>,
    /// `NFTA_SET_ELEM_KEY_END`: the end of a range in concatenated interval sets.
    pub key_end: Option<Vec<u8>>,
    /// `NFTA_SET_ELEM_FLAGS` (`NFT_SET_ELEM_INTERVAL_END`, `NFT_SET_ELEM_CATCHALL`).
    pub flags: u32,
    pub data: Option<ElementData>,
}

/// Elements of the anonymous sets of a ruleset, by table (family and name) and set name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnonymousSets {
    tables: HashMap<(u8, String), HashMap<String, Vec<SetElement>>>,
}

impl AnonymousSets {
    /// The sets of one table, by name.
    pub fn table(&self, family: u8, table: &str) -> Option<&HashMap<String, Vec<SetElement>>> {
        self.tables.get(&(family, table.to_owned()))
    }

    /// Records the elements of a set.
    pub fn insert(&mut self, family: u8, table: &str, set: &str, elements: Vec<SetElement>) {
        self.tables
            .entry((family, table.to_owned()))
            .or_default()
            .insert(set.to_owned(), elements);
    }

    /// How many sets are held.
    pub fn len(&self) -> usize {
        self.tables.values().map(HashMap::len).sum()
    }

    /// True when no set is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

const LIST_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_SET_ELEM_LIST_UNSPEC",
        "NFTA_SET_ELEM_LIST_TABLE",
        "NFTA_SET_ELEM_LIST_SET",
        "NFTA_SET_ELEM_LIST_ELEMENTS",
        "NFTA_SET_ELEM_LIST_SET_ID",
    ],
    "NFTA_SET_ELEM_LIST_?",
);

const LIST_ELEM: AttrSpace = AttrSpace::new(&["NFTA_LIST_UNSPEC", "NFTA_LIST_ELEM"], "NFTA_LIST_?");

const ELEM_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_SET_ELEM_UNSPEC",
        "NFTA_SET_ELEM_KEY",
        "NFTA_SET_ELEM_DATA",
        "NFTA_SET_ELEM_FLAGS",
        "NFTA_SET_ELEM_TIMEOUT",
        "NFTA_SET_ELEM_EXPIRATION",
        "NFTA_SET_ELEM_USERDATA",
        "NFTA_SET_ELEM_EXPR",
        "NFTA_SET_ELEM_PAD",
        "NFTA_SET_ELEM_OBJREF",
        "NFTA_SET_ELEM_KEY_END",
        "NFTA_SET_ELEM_EXPRESSIONS",
    ],
    "NFTA_SET_ELEM_?",
);

/// The value inside a data nest (`NFTA_DATA_VALUE`).
fn nested_value(attr: crate::wire::Attr<'_>) -> Result<Vec<u8>, DecodeError> {
    for inner in attr.nested(DATA) {
        let inner = inner?;
        if inner.ty() == NFTA_DATA_VALUE {
            return Ok(inner.payload().to_vec());
        }
    }
    Err(DecodeError::MissingAttribute {
        name: "NFTA_DATA_VALUE",
    })
}

fn element_data(attr: crate::wire::Attr<'_>) -> Result<ElementData, DecodeError> {
    for inner in attr.nested(DATA) {
        let inner = inner?;
        match inner.ty() {
            NFTA_DATA_VALUE => return Ok(ElementData::Value(inner.payload().to_vec())),
            NFTA_DATA_VERDICT => {
                let mut code = None;
                let mut chain = None;
                for v in inner.nested(VERDICT) {
                    let v = v?;
                    match v.ty() {
                        NFTA_VERDICT_CODE => code = Some(v.be_i32()?),
                        NFTA_VERDICT_CHAIN => chain = Some(v.cstr()?.to_owned()),
                        _ => {}
                    }
                }
                let code = code.ok_or(DecodeError::MissingAttribute {
                    name: "NFTA_VERDICT_CODE",
                })?;
                return Ok(ElementData::Verdict { code, chain });
            }
            _ => {}
        }
    }
    Err(DecodeError::MissingAttribute {
        name: "NFTA_SET_ELEM_DATA",
    })
}

/// Decodes the attributes of one `NFT_MSG_NEWSETELEM` message (after `nfgenmsg`) into its
/// elements, appended to `out`.
pub fn parse_set_elements(attrs: &[u8], out: &mut Vec<SetElement>) -> Result<(), DecodeError> {
    for attr in Attrs::new(attrs, 0, LIST_ATTRS) {
        let attr = attr?;
        if attr.ty() != NFTA_SET_ELEM_LIST_ELEMENTS {
            continue;
        }
        for item in attr.nested(LIST_ELEM) {
            let item = item?;
            let mut element = SetElement {
                key: Vec::new(),
                key_end: None,
                flags: 0,
                data: None,
            };
            let mut has_key = false;
            for field in item.nested(ELEM_ATTRS) {
                let field = field?;
                match field.ty() {
                    NFTA_SET_ELEM_KEY => {
                        element.key = nested_value(field)?;
                        has_key = true;
                    }
                    NFTA_SET_ELEM_KEY_END => element.key_end = Some(nested_value(field)?),
                    NFTA_SET_ELEM_FLAGS => element.flags = field.be32()?,
                    NFTA_SET_ELEM_DATA => element.data = Some(element_data(field)?),
                    _ => {}
                }
            }
            if !has_key && element.flags & NFT_SET_ELEM_CATCHALL == 0 {
                return Err(DecodeError::MissingAttribute {
                    name: "NFTA_SET_ELEM_KEY",
                });
            }
            out.push(element);
        }
    }
    Ok(())
}

/// Why fetching set elements failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ElementsError {
    /// The socket could not be opened, or sending or receiving failed.
    #[error("set elements of {table} {set}: {operation}: {source}")]
    Io {
        table: String,
        set: String,
        operation: &'static str,
        source: io::Error,
    },
    /// The kernel refused the request (the set is gone: `ENOENT`).
    #[error("set elements of {table} {set}: the kernel refused the dump: {}", io::Error::from_raw_os_error(*errno))]
    Refused {
        table: String,
        set: String,
        errno: i32,
    },
    /// No complete answer within the deadline. (Not produced since the dumps run on a
    /// blocking `DumpSocket`: the kernel answers every dump request.)
    #[error("set elements of {table} {set}: no complete answer within {timeout:?}")]
    Timeout {
        table: String,
        set: String,
        timeout: Duration,
    },
    /// The answer could not be decoded.
    #[error("set elements of {table} {set}: {source}")]
    Decode {
        table: String,
        set: String,
        source: DecodeError,
    },
    /// A name is too long for a netlink attribute.
    #[error("set elements of {table} {set}: name too long")]
    NameTooLong { table: String, set: String },
}

/// A netlink socket for `NFT_MSG_GETSETELEM` dumps.
#[derive(Debug)]
pub struct ElementReader {
    socket: DumpSocket,
}

impl ElementReader {
    /// Opens the socket (in the calling thread's network namespace).
    pub fn open() -> io::Result<Self> {
        let socket = DumpSocket::open(NlFamily::Netfilter).map_err(|err| match err {
            DumpSocketError::Io { source, .. } => source,
            other => io::Error::other(format!("{other:?}")),
        })?;
        Ok(Self { socket })
    }

    /// Dumps the elements of one set.
    pub fn elements(
        &mut self,
        family: u8,
        table: &str,
        set: &str,
    ) -> Result<Vec<SetElement>, ElementsError> {
        let names = || (table.to_owned(), set.to_owned());
        if !str_attr_fits(table) || !str_attr_fits(set) {
            let (table, set) = names();
            return Err(ElementsError::NameTooLong { table, set });
        }
        let seq = self.socket.next_seq();
        let request = NfnlRequest::new(
            (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM,
            NLM_F_DUMP,
            seq,
            family,
            0,
        )
        .attr_str(NFTA_SET_ELEM_LIST_TABLE, table)
        .attr_str(NFTA_SET_ELEM_LIST_SET, set)
        .finish();
        let mut out = Vec::new();
        self.socket
            .dump(&request, seq, |message| {
                let (_, attrs) = message.nfgenmsg()?;
                parse_set_elements(attrs, &mut out)
            })
            .map_err(|err| {
                let (table, set) = names();
                match err {
                    DumpSocketError::Io { op, source } => ElementsError::Io {
                        table,
                        set,
                        operation: op,
                        source,
                    },
                    DumpSocketError::Refused { errno, .. } => {
                        ElementsError::Refused { table, set, errno }
                    }
                    DumpSocketError::Decode(source) => ElementsError::Decode { table, set, source },
                }
            })?;
        Ok(out)
    }
}

/// Chooses sets by (family, table, set name).
pub type SetFilter<'a> = &'a dyn Fn(u8, &str, &str) -> bool;

/// Dumps the elements of every anonymous set of `ruleset` whose name is in `wanted`
/// (family, table, set), or of all anonymous sets when `wanted` is `None`. Sets that fail
/// are left out and their errors returned beside the rest.
pub fn dump_anonymous_sets(
    ruleset: &NftRuleset,
    wanted: Option<SetFilter<'_>>,
) -> (AnonymousSets, Vec<ElementsError>) {
    let mut sets = AnonymousSets::default();
    let mut errors = Vec::new();
    let mut reader: Option<ElementReader> = None;
    for table in &ruleset.tables {
        for set in &table.sets {
            if set.flags & NFT_SET_ANONYMOUS == 0 {
                continue;
            }
            if let Some(wanted) = wanted {
                if !wanted(table.family, &table.name, &set.name) {
                    continue;
                }
            }
            if reader.is_none() {
                match ElementReader::open() {
                    Ok(r) => reader = Some(r),
                    Err(source) => {
                        errors.push(ElementsError::Io {
                            table: table.name.clone(),
                            set: set.name.clone(),
                            operation: "opening a netlink socket",
                            source,
                        });
                        return (sets, errors);
                    }
                }
            }
            let Some(r) = reader.as_mut() else {
                return (sets, errors);
            };
            match r.elements(table.family, &table.name, &set.name) {
                Ok(elements) => sets.insert(table.family, &table.name, &set.name, elements),
                Err(err) => errors.push(err),
            }
        }
    }
    (sets, errors)
}
