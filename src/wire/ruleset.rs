//! nf_tables ruleset messages: the tables, chains, rules, sets and generations the kernel
//! sends in answer to `NFT_MSG_GET*` dumps and multicasts on `NFNLGRP_NFTABLES` when a
//! transaction commits, decoded into borrowed views ([`RulesetMessage`]).
//!
//! The layout follows `net/netfilter/nf_tables_api.c` (`nf_tables_fill_*_info`): integers are
//! big-endian (`nla_put_be32`/`_be64`, sent without `NLA_F_NET_BYTEORDER`); nests come
//! without `NLA_F_NESTED` (`nla_nest_start_noflag`); `nfgenmsg.res_id` is the low 16 bits of
//! the ruleset generation (`nft_base_seq`). Dumps and notifications use the same encoders,
//! with these differences the decoder has to accept:
//!
//! - `NFTA_RULE_POSITION` (the handle of the rule before this one) is in every dumped rule but
//!   the first of its chain; in a `NEWRULE` notification only when the rule is neither the
//!   first nor the last of its chain once the transaction is applied; never in `DELRULE`.
//! - Recent kernels trim delete notifications (`DELTABLE`, `DELCHAIN`, `DELSET`) to the
//!   object's identity, so everything but the names and handle is optional.
//!
//! Unknown attributes are skipped and counted; padding attributes are skipped silently.

use nftrace_sys::nf_tables::{
    NFTA_CHAIN_COUNTERS, NFTA_CHAIN_FLAGS, NFTA_CHAIN_HANDLE, NFTA_CHAIN_HOOK, NFTA_CHAIN_ID,
    NFTA_CHAIN_NAME, NFTA_CHAIN_PAD, NFTA_CHAIN_POLICY, NFTA_CHAIN_TABLE, NFTA_CHAIN_TYPE,
    NFTA_CHAIN_USE, NFTA_CHAIN_USERDATA, NFTA_EXPR_DATA, NFTA_EXPR_NAME, NFTA_GEN_ID,
    NFTA_GEN_PROC_NAME, NFTA_GEN_PROC_PID, NFTA_HOOK_DEV, NFTA_HOOK_DEVS, NFTA_HOOK_HOOKNUM,
    NFTA_HOOK_PRIORITY, NFTA_LIST_ELEM, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS, NFTA_RULE_HANDLE,
    NFTA_RULE_PAD, NFTA_RULE_POSITION, NFTA_RULE_TABLE, NFTA_RULE_USERDATA, NFTA_SET_COUNT,
    NFTA_SET_DATA_TYPE, NFTA_SET_EXPR, NFTA_SET_FLAGS, NFTA_SET_HANDLE, NFTA_SET_KEY_LEN,
    NFTA_SET_KEY_TYPE, NFTA_SET_NAME, NFTA_SET_OBJ_TYPE, NFTA_SET_PAD, NFTA_SET_TABLE,
    NFTA_SET_USERDATA, NFTA_TABLE_FLAGS, NFTA_TABLE_HANDLE, NFTA_TABLE_NAME, NFTA_TABLE_OWNER,
    NFTA_TABLE_PAD, NFTA_TABLE_USE, NFTA_TABLE_USERDATA, NFT_MSG_DELCHAIN, NFT_MSG_DELRULE,
    NFT_MSG_DELSET, NFT_MSG_DELTABLE, NFT_MSG_DESTROYCHAIN, NFT_MSG_DESTROYRULE,
    NFT_MSG_DESTROYSET, NFT_MSG_DESTROYTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWGEN, NFT_MSG_NEWRULE,
    NFT_MSG_NEWSET, NFT_MSG_NEWTABLE,
};
use nftrace_sys::nfnetlink::NFNL_SUBSYS_NFTABLES;

use super::attr::{Attr, AttrSpace, Attrs};
use super::error::DecodeError;
use super::nlmsg::{Message, NfGenMsg, NlmsgHeader};

/// `NFTA_DEVICE_NAME` (`enum nft_devices_attributes`): one device in `NFTA_HOOK_DEVS`.
/// Not in nftrace-sys yet.
const NFTA_DEVICE_NAME: u16 = 1;

/// libnftnl's user-data TLV type of a rule comment (`NFTNL_UDATA_RULE_COMMENT`).
const NFTNL_UDATA_RULE_COMMENT: u8 = 0;

const TABLE_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_TABLE_UNSPEC",
        "NFTA_TABLE_NAME",
        "NFTA_TABLE_FLAGS",
        "NFTA_TABLE_USE",
        "NFTA_TABLE_HANDLE",
        "NFTA_TABLE_PAD",
        "NFTA_TABLE_USERDATA",
        "NFTA_TABLE_OWNER",
    ],
    "NFTA_TABLE_(unknown)",
);

const CHAIN_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_CHAIN_UNSPEC",
        "NFTA_CHAIN_TABLE",
        "NFTA_CHAIN_HANDLE",
        "NFTA_CHAIN_NAME",
        "NFTA_CHAIN_HOOK",
        "NFTA_CHAIN_POLICY",
        "NFTA_CHAIN_USE",
        "NFTA_CHAIN_TYPE",
        "NFTA_CHAIN_COUNTERS",
        "NFTA_CHAIN_PAD",
        "NFTA_CHAIN_FLAGS",
        "NFTA_CHAIN_ID",
        "NFTA_CHAIN_USERDATA",
    ],
    "NFTA_CHAIN_(unknown)",
);

const HOOK_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_HOOK_UNSPEC",
        "NFTA_HOOK_HOOKNUM",
        "NFTA_HOOK_PRIORITY",
        "NFTA_HOOK_DEV",
        "NFTA_HOOK_DEVS",
    ],
    "NFTA_HOOK_(unknown)",
);

const DEVICE_ATTRS: AttrSpace = AttrSpace::new(
    &["NFTA_DEVICE_UNSPEC", "NFTA_DEVICE_NAME"],
    "NFTA_DEVICE_(unknown)",
);

const RULE_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_RULE_UNSPEC",
        "NFTA_RULE_TABLE",
        "NFTA_RULE_CHAIN",
        "NFTA_RULE_HANDLE",
        "NFTA_RULE_EXPRESSIONS",
        "NFTA_RULE_COMPAT",
        "NFTA_RULE_POSITION",
        "NFTA_RULE_USERDATA",
        "NFTA_RULE_PAD",
        "NFTA_RULE_ID",
        "NFTA_RULE_POSITION_ID",
        "NFTA_RULE_CHAIN_ID",
    ],
    "NFTA_RULE_(unknown)",
);

const LIST_ATTRS: AttrSpace = AttrSpace::new(
    &["NFTA_LIST_UNSPEC", "NFTA_LIST_ELEM"],
    "NFTA_LIST_(unknown)",
);

const EXPR_ATTRS: AttrSpace = AttrSpace::new(
    &["NFTA_EXPR_UNSPEC", "NFTA_EXPR_NAME", "NFTA_EXPR_DATA"],
    "NFTA_EXPR_(unknown)",
);

const SET_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_SET_UNSPEC",
        "NFTA_SET_TABLE",
        "NFTA_SET_NAME",
        "NFTA_SET_FLAGS",
        "NFTA_SET_KEY_TYPE",
        "NFTA_SET_KEY_LEN",
        "NFTA_SET_DATA_TYPE",
        "NFTA_SET_DATA_LEN",
        "NFTA_SET_POLICY",
        "NFTA_SET_DESC",
        "NFTA_SET_ID",
        "NFTA_SET_TIMEOUT",
        "NFTA_SET_GC_INTERVAL",
        "NFTA_SET_USERDATA",
        "NFTA_SET_PAD",
        "NFTA_SET_OBJ_TYPE",
        "NFTA_SET_HANDLE",
        "NFTA_SET_EXPR",
        "NFTA_SET_EXPRESSIONS",
        "NFTA_SET_TYPE",
        "NFTA_SET_COUNT",
    ],
    "NFTA_SET_(unknown)",
);

const GEN_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_GEN_UNSPEC",
        "NFTA_GEN_ID",
        "NFTA_GEN_PROC_PID",
        "NFTA_GEN_PROC_NAME",
    ],
    "NFTA_GEN_(unknown)",
);

/// The `nlmsg_type` of an nf_tables message: `(NFNL_SUBSYS_NFTABLES << 8) | msg`.
pub const fn nftables_msg_type(msg: u16) -> u16 {
    (NFNL_SUBSYS_NFTABLES << 8) | msg
}

/// An nf_tables table (`NFTA_TABLE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableInfo<'a> {
    /// `nfgenmsg.nfgen_family`: `NFPROTO_*` of the table.
    pub family: u8,
    /// `NFTA_TABLE_NAME`.
    pub name: &'a str,
    /// `NFTA_TABLE_HANDLE`.
    pub handle: u64,
    /// `NFTA_TABLE_FLAGS` (`NFT_TABLE_F_*`); 0 when absent.
    pub flags: u32,
    /// `NFTA_TABLE_USE`: how many chains, sets and objects the table holds.
    pub use_count: Option<u32>,
    /// `NFTA_TABLE_OWNER`: the netlink port id of the process owning the table.
    pub owner: Option<u32>,
    /// `NFTA_TABLE_USERDATA`, raw (libnftnl TLVs; see [`TableInfo::comment`]).
    pub userdata: Option<&'a [u8]>,
    /// Attributes this decoder does not know.
    pub unknown_attributes: u16,
}

impl<'a> TableInfo<'a> {
    /// The table's comment from its user data, if it has one (`NFTNL_UDATA_TABLE_COMMENT`
    /// has the same type and layout as the rule comment).
    pub fn comment(&self) -> Option<&'a str> {
        self.userdata.and_then(rule_comment)
    }
}

/// The hook of a base chain (`NFTA_CHAIN_HOOK`, `NFTA_HOOK_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHook<'a> {
    /// `NFTA_HOOK_HOOKNUM`: `NF_INET_*` (or `NF_NETDEV_*`, ...).
    pub hooknum: u32,
    /// `NFTA_HOOK_PRIORITY`: a signed be32.
    pub priority: i32,
    /// `NFTA_HOOK_DEV`: the device, when there is exactly one.
    pub dev: Option<&'a str>,
    /// `NFTA_HOOK_DEVS`: every device of a netdev-family or inet-ingress chain.
    pub devs: Option<DeviceNames<'a>>,
}

/// The device names of an `NFTA_HOOK_DEVS` nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceNames<'a> {
    bytes: &'a [u8],
    base: usize,
}

impl<'a> DeviceNames<'a> {
    /// Iterates the names (`NFTA_DEVICE_NAME`); other attribute types are skipped.
    pub fn iter(&self) -> impl Iterator<Item = Result<&'a str, DecodeError>> + 'a {
        Attrs::new(self.bytes, self.base, DEVICE_ATTRS).filter_map(|attr| match attr {
            Ok(attr) if attr.ty() == NFTA_DEVICE_NAME => Some(attr.cstr()),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
    }
}

/// An nf_tables chain (`NFTA_CHAIN_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainInfo<'a> {
    /// `nfgenmsg.nfgen_family` of the chain's table.
    pub family: u8,
    /// `NFTA_CHAIN_TABLE`.
    pub table: &'a str,
    /// `NFTA_CHAIN_NAME`.
    pub name: &'a str,
    /// `NFTA_CHAIN_HANDLE`.
    pub handle: u64,
    /// `NFTA_CHAIN_HOOK`: present on base chains.
    pub hook: Option<ChainHook<'a>>,
    /// `NFTA_CHAIN_POLICY`: the base chain's policy (`NF_ACCEPT`, `NF_DROP`).
    pub policy: Option<u32>,
    /// `NFTA_CHAIN_TYPE`: `filter`, `nat` or `route`.
    pub chain_type: Option<&'a str>,
    /// `NFTA_CHAIN_FLAGS` (`NFT_CHAIN_*`); 0 when absent.
    pub flags: u32,
    /// `NFTA_CHAIN_USE`: how many rules and jumps refer to the chain.
    pub use_count: Option<u32>,
    /// `NFTA_CHAIN_USERDATA`, raw.
    pub userdata: Option<&'a [u8]>,
    /// Attributes this decoder does not know.
    pub unknown_attributes: u16,
}

/// One expression of a rule: `NFTA_EXPR_NAME` and the raw `NFTA_EXPR_DATA` payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleExpr<'a> {
    /// `NFTA_EXPR_NAME`: `payload`, `cmp`, `meta`, `immediate`, ...
    pub name: &'a str,
    /// The payload of `NFTA_EXPR_DATA` (the expression's own `NFTA_<NAME>_*` attributes);
    /// empty for expressions without data.
    pub data: &'a [u8],
    /// Offset of `data` in the decoded buffer, for errors of the expression's decoder.
    pub data_offset: usize,
}

/// The expressions of a rule (`NFTA_RULE_EXPRESSIONS`), decoded lazily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleExprs<'a> {
    bytes: &'a [u8],
    base: usize,
}

impl<'a> RuleExprs<'a> {
    /// No expressions.
    pub const EMPTY: RuleExprs<'static> = RuleExprs {
        bytes: &[],
        base: 0,
    };

    /// Iterates the expressions in order. An element without `NFTA_EXPR_NAME` is an error.
    pub fn iter(&self) -> ExprIter<'a> {
        ExprIter {
            elems: Attrs::new(self.bytes, self.base, LIST_ATTRS),
        }
    }

    /// The raw nest payload (the `NFTA_LIST_ELEM` attributes).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl<'a> IntoIterator for RuleExprs<'a> {
    type Item = Result<RuleExpr<'a>, DecodeError>;
    type IntoIter = ExprIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`RuleExprs`].
#[derive(Debug, Clone)]
pub struct ExprIter<'a> {
    elems: Attrs<'a>,
}

impl<'a> Iterator for ExprIter<'a> {
    type Item = Result<RuleExpr<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let elem = match self.elems.next()? {
                Ok(elem) => elem,
                Err(e) => return Some(Err(e)),
            };
            if elem.ty() != NFTA_LIST_ELEM {
                // The kernel only nests list elements here; anything else is not an
                // expression.
                continue;
            }
            return Some(decode_expr(&elem));
        }
    }
}

fn decode_expr<'a>(elem: &Attr<'a>) -> Result<RuleExpr<'a>, DecodeError> {
    let mut name = None;
    let mut data: &'a [u8] = &[];
    let mut data_offset = elem.offset();
    for attr in elem.nested(EXPR_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_EXPR_NAME => name = Some(attr.cstr()?),
            NFTA_EXPR_DATA => {
                data = attr.payload();
                data_offset = attr.offset().saturating_add(4);
            }
            _ => {}
        }
    }
    Ok(RuleExpr {
        name: name.ok_or(DecodeError::MissingAttribute {
            name: "NFTA_EXPR_NAME",
        })?,
        data,
        data_offset,
    })
}

/// An nf_tables rule (`NFTA_RULE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo<'a> {
    /// `nfgenmsg.nfgen_family` of the rule's table.
    pub family: u8,
    /// `NFTA_RULE_TABLE`.
    pub table: &'a str,
    /// `NFTA_RULE_CHAIN`.
    pub chain: &'a str,
    /// `NFTA_RULE_HANDLE`.
    pub handle: u64,
    /// `NFTA_RULE_POSITION`: the handle of the rule before this one (see the module
    /// documentation for when the kernel sends it).
    pub position: Option<u64>,
    /// `NFTA_RULE_EXPRESSIONS`.
    pub exprs: RuleExprs<'a>,
    /// `NFTA_RULE_USERDATA`, raw (libnftnl TLVs; see [`rule_comment`]).
    pub userdata: Option<&'a [u8]>,
    /// Attributes this decoder does not know.
    pub unknown_attributes: u16,
}

impl<'a> RuleInfo<'a> {
    /// The rule's comment from its user data, if it has one.
    pub fn comment(&self) -> Option<&'a str> {
        self.userdata.and_then(rule_comment)
    }
}

/// An nf_tables set (`NFTA_SET_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetInfo<'a> {
    /// `nfgenmsg.nfgen_family` of the set's table.
    pub family: u8,
    /// `NFTA_SET_TABLE`.
    pub table: &'a str,
    /// `NFTA_SET_NAME`.
    pub name: &'a str,
    /// `NFTA_SET_HANDLE`.
    pub handle: u64,
    /// `NFTA_SET_FLAGS` (`NFT_SET_*`); 0 when absent.
    pub flags: u32,
    /// `NFTA_SET_KEY_TYPE`: nft's data type id of the key; 0 when absent.
    pub key_type: u32,
    /// `NFTA_SET_KEY_LEN` in bytes; 0 when absent.
    pub key_len: u32,
    /// Attributes this decoder does not know.
    pub unknown_attributes: u16,
}

/// A new ruleset generation (`NFT_MSG_NEWGEN`, `NFTA_GEN_*`): the answer to `GETGEN`, and the
/// notification that closes every committed transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenInfo<'a> {
    /// `NFTA_GEN_ID`: the generation (`nft_base_seq`).
    pub id: u32,
    /// `NFTA_GEN_PROC_PID`: the process that committed the transaction.
    pub proc_pid: Option<u32>,
    /// `NFTA_GEN_PROC_NAME`: its command name.
    pub proc_name: Option<&'a str>,
    /// Attributes this decoder does not know.
    pub unknown_attributes: u16,
}

/// What a ruleset message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesetBody<'a> {
    /// `NFT_MSG_NEWTABLE`: a dumped table, or one created or updated.
    NewTable(TableInfo<'a>),
    /// `NFT_MSG_DELTABLE` (or `DESTROYTABLE`).
    DelTable(TableInfo<'a>),
    /// `NFT_MSG_NEWCHAIN`.
    NewChain(ChainInfo<'a>),
    /// `NFT_MSG_DELCHAIN` (or `DESTROYCHAIN`).
    DelChain(ChainInfo<'a>),
    /// `NFT_MSG_NEWRULE`.
    NewRule(RuleInfo<'a>),
    /// `NFT_MSG_DELRULE` (or `DESTROYRULE`).
    DelRule(RuleInfo<'a>),
    /// `NFT_MSG_NEWSET`.
    NewSet(SetInfo<'a>),
    /// `NFT_MSG_DELSET` (or `DESTROYSET`).
    DelSet(SetInfo<'a>),
    /// `NFT_MSG_NEWGEN`.
    NewGen(GenInfo<'a>),
}

/// One decoded ruleset message with its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulesetMessage<'a> {
    /// The netlink header (flags: `NLM_F_MULTI` in dumps, `NLM_F_APPEND`/`NLM_F_CREATE` in
    /// rule notifications).
    pub header: NlmsgHeader,
    /// The netfilter header; `res_id` is the low 16 bits of the generation the message
    /// belongs to.
    pub nfgen: NfGenMsg,
    /// The message.
    pub body: RulesetBody<'a>,
}

impl<'a> RulesetMessage<'a> {
    /// Decodes an nf_tables table, chain, rule, set or generation message.
    ///
    /// Returns `Ok(None)` for the nf_tables messages this decoder does not model (set
    /// elements, objects, flowtables, traces) and
    /// [`DecodeError::UnexpectedMessageType`] for messages of other subsystems.
    pub fn parse(message: &Message<'a>) -> Result<Option<Self>, DecodeError> {
        let ty = message.header.ty;
        if ty >> 8 != NFNL_SUBSYS_NFTABLES {
            return Err(DecodeError::UnexpectedMessageType {
                ty,
                expected: "an nf_tables ruleset message",
            });
        }
        let (nfgen, attrs) = message.nfgenmsg()?;
        let base = message.payload_offset().saturating_add(NfGenMsg::LEN);
        let family = nfgen.family;
        let body = match ty & 0xff {
            NFT_MSG_NEWTABLE => RulesetBody::NewTable(parse_table(family, attrs, base)?),
            NFT_MSG_DELTABLE | NFT_MSG_DESTROYTABLE => {
                RulesetBody::DelTable(parse_table(family, attrs, base)?)
            }
            NFT_MSG_NEWCHAIN => RulesetBody::NewChain(parse_chain(family, attrs, base)?),
            NFT_MSG_DELCHAIN | NFT_MSG_DESTROYCHAIN => {
                RulesetBody::DelChain(parse_chain(family, attrs, base)?)
            }
            NFT_MSG_NEWRULE => RulesetBody::NewRule(parse_rule(family, attrs, base)?),
            NFT_MSG_DELRULE | NFT_MSG_DESTROYRULE => {
                RulesetBody::DelRule(parse_rule(family, attrs, base)?)
            }
            NFT_MSG_NEWSET => RulesetBody::NewSet(parse_set(family, attrs, base)?),
            NFT_MSG_DELSET | NFT_MSG_DESTROYSET => {
                RulesetBody::DelSet(parse_set(family, attrs, base)?)
            }
            NFT_MSG_NEWGEN => RulesetBody::NewGen(parse_gen(attrs, base)?),
            _ => return Ok(None),
        };
        Ok(Some(RulesetMessage {
            header: message.header,
            nfgen,
            body,
        }))
    }
}

fn missing(space: AttrSpace, ty: u16) -> DecodeError {
    DecodeError::MissingAttribute {
        name: space.name(ty),
    }
}

fn count(unknown: &mut u16) {
    *unknown = unknown.saturating_add(1);
}

fn parse_table<'a>(family: u8, attrs: &'a [u8], base: usize) -> Result<TableInfo<'a>, DecodeError> {
    let mut name = None;
    let mut handle = None;
    let mut table = TableInfo {
        family,
        name: "",
        handle: 0,
        flags: 0,
        use_count: None,
        owner: None,
        userdata: None,
        unknown_attributes: 0,
    };
    for attr in Attrs::new(attrs, base, TABLE_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_TABLE_NAME => name = Some(attr.cstr()?),
            NFTA_TABLE_FLAGS => table.flags = attr.be32()?,
            NFTA_TABLE_USE => table.use_count = Some(attr.be32()?),
            NFTA_TABLE_HANDLE => handle = Some(attr.be64()?),
            NFTA_TABLE_OWNER => table.owner = Some(attr.be32()?),
            NFTA_TABLE_USERDATA => table.userdata = Some(attr.payload()),
            NFTA_TABLE_PAD => {}
            _ => count(&mut table.unknown_attributes),
        }
    }
    table.name = name.ok_or_else(|| missing(TABLE_ATTRS, NFTA_TABLE_NAME))?;
    table.handle = handle.ok_or_else(|| missing(TABLE_ATTRS, NFTA_TABLE_HANDLE))?;
    Ok(table)
}

fn parse_hook<'a>(nest: &Attr<'a>, unknown: &mut u16) -> Result<ChainHook<'a>, DecodeError> {
    let mut hooknum = None;
    let mut priority = None;
    let mut dev = None;
    let mut devs = None;
    for attr in nest.nested(HOOK_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_HOOK_HOOKNUM => hooknum = Some(attr.be32()?),
            NFTA_HOOK_PRIORITY => priority = Some(attr.be_i32()?),
            NFTA_HOOK_DEV => dev = Some(attr.cstr()?),
            NFTA_HOOK_DEVS => {
                let names = DeviceNames {
                    bytes: attr.payload(),
                    base: attr.offset().saturating_add(4),
                };
                // Check the nest now, so a bad one fails the message, not a later reader.
                for name in names.iter() {
                    name?;
                }
                devs = Some(names);
            }
            _ => count(unknown),
        }
    }
    Ok(ChainHook {
        hooknum: hooknum.ok_or_else(|| missing(HOOK_ATTRS, NFTA_HOOK_HOOKNUM))?,
        priority: priority.ok_or_else(|| missing(HOOK_ATTRS, NFTA_HOOK_PRIORITY))?,
        dev,
        devs,
    })
}

fn parse_chain<'a>(family: u8, attrs: &'a [u8], base: usize) -> Result<ChainInfo<'a>, DecodeError> {
    let mut table = None;
    let mut name = None;
    let mut handle = None;
    let mut chain = ChainInfo {
        family,
        table: "",
        name: "",
        handle: 0,
        hook: None,
        policy: None,
        chain_type: None,
        flags: 0,
        use_count: None,
        userdata: None,
        unknown_attributes: 0,
    };
    for attr in Attrs::new(attrs, base, CHAIN_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_CHAIN_TABLE => table = Some(attr.cstr()?),
            NFTA_CHAIN_HANDLE => handle = Some(attr.be64()?),
            NFTA_CHAIN_NAME => name = Some(attr.cstr()?),
            NFTA_CHAIN_HOOK => chain.hook = Some(parse_hook(&attr, &mut chain.unknown_attributes)?),
            NFTA_CHAIN_POLICY => chain.policy = Some(attr.be32()?),
            NFTA_CHAIN_USE => chain.use_count = Some(attr.be32()?),
            NFTA_CHAIN_TYPE => chain.chain_type = Some(attr.cstr()?),
            NFTA_CHAIN_FLAGS => chain.flags = attr.be32()?,
            NFTA_CHAIN_USERDATA => chain.userdata = Some(attr.payload()),
            NFTA_CHAIN_COUNTERS | NFTA_CHAIN_PAD | NFTA_CHAIN_ID => {}
            _ => count(&mut chain.unknown_attributes),
        }
    }
    chain.table = table.ok_or_else(|| missing(CHAIN_ATTRS, NFTA_CHAIN_TABLE))?;
    chain.name = name.ok_or_else(|| missing(CHAIN_ATTRS, NFTA_CHAIN_NAME))?;
    chain.handle = handle.ok_or_else(|| missing(CHAIN_ATTRS, NFTA_CHAIN_HANDLE))?;
    Ok(chain)
}

fn parse_rule<'a>(family: u8, attrs: &'a [u8], base: usize) -> Result<RuleInfo<'a>, DecodeError> {
    let mut table = None;
    let mut chain = None;
    let mut handle = None;
    let mut rule = RuleInfo {
        family,
        table: "",
        chain: "",
        handle: 0,
        position: None,
        exprs: RuleExprs::EMPTY,
        userdata: None,
        unknown_attributes: 0,
    };
    for attr in Attrs::new(attrs, base, RULE_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_RULE_TABLE => table = Some(attr.cstr()?),
            NFTA_RULE_CHAIN => chain = Some(attr.cstr()?),
            NFTA_RULE_HANDLE => handle = Some(attr.be64()?),
            NFTA_RULE_POSITION => rule.position = Some(attr.be64()?),
            NFTA_RULE_EXPRESSIONS => {
                let exprs = RuleExprs {
                    bytes: attr.payload(),
                    base: attr.offset().saturating_add(4),
                };
                // Validate the framing once, so consumers can rely on a well-formed list.
                for expr in exprs.iter() {
                    expr?;
                }
                rule.exprs = exprs;
            }
            NFTA_RULE_USERDATA => rule.userdata = Some(attr.payload()),
            NFTA_RULE_PAD => {}
            _ => count(&mut rule.unknown_attributes),
        }
    }
    rule.table = table.ok_or_else(|| missing(RULE_ATTRS, NFTA_RULE_TABLE))?;
    rule.chain = chain.ok_or_else(|| missing(RULE_ATTRS, NFTA_RULE_CHAIN))?;
    rule.handle = handle.ok_or_else(|| missing(RULE_ATTRS, NFTA_RULE_HANDLE))?;
    Ok(rule)
}

fn parse_set<'a>(family: u8, attrs: &'a [u8], base: usize) -> Result<SetInfo<'a>, DecodeError> {
    let mut table = None;
    let mut name = None;
    let mut handle = None;
    let mut set = SetInfo {
        family,
        table: "",
        name: "",
        handle: 0,
        flags: 0,
        key_type: 0,
        key_len: 0,
        unknown_attributes: 0,
    };
    for attr in Attrs::new(attrs, base, SET_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_SET_TABLE => table = Some(attr.cstr()?),
            NFTA_SET_NAME => name = Some(attr.cstr()?),
            NFTA_SET_HANDLE => handle = Some(attr.be64()?),
            NFTA_SET_FLAGS => set.flags = attr.be32()?,
            NFTA_SET_KEY_TYPE => set.key_type = attr.be32()?,
            NFTA_SET_KEY_LEN => set.key_len = attr.be32()?,
            NFTA_SET_PAD => {}
            // Known, but not needed for rendering or lookups.
            NFTA_SET_DATA_TYPE..=NFTA_SET_USERDATA
            | NFTA_SET_OBJ_TYPE
            | NFTA_SET_EXPR..=NFTA_SET_COUNT => {}
            _ => count(&mut set.unknown_attributes),
        }
    }
    set.table = table.ok_or_else(|| missing(SET_ATTRS, NFTA_SET_TABLE))?;
    set.name = name.ok_or_else(|| missing(SET_ATTRS, NFTA_SET_NAME))?;
    set.handle = handle.ok_or_else(|| missing(SET_ATTRS, NFTA_SET_HANDLE))?;
    Ok(set)
}

fn parse_gen<'a>(attrs: &'a [u8], base: usize) -> Result<GenInfo<'a>, DecodeError> {
    let mut id = None;
    let mut info = GenInfo {
        id: 0,
        proc_pid: None,
        proc_name: None,
        unknown_attributes: 0,
    };
    for attr in Attrs::new(attrs, base, GEN_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_GEN_ID => id = Some(attr.be32()?),
            NFTA_GEN_PROC_PID => info.proc_pid = Some(attr.be32()?),
            NFTA_GEN_PROC_NAME => info.proc_name = Some(attr.cstr()?),
            _ => count(&mut info.unknown_attributes),
        }
    }
    info.id = id.ok_or_else(|| missing(GEN_ATTRS, NFTA_GEN_ID))?;
    Ok(info)
}

/// The comment in a rule's user data (`NFTA_RULE_USERDATA`), if there is one.
///
/// The user data is libnftnl's TLV list: one byte type, one byte length, then the value.
/// The comment is type `NFTNL_UDATA_RULE_COMMENT` (0), a NUL-terminated string. User data is
/// written by whatever program made the rule, so malformed data yields `None`, never an
/// error.
pub fn rule_comment(userdata: &[u8]) -> Option<&str> {
    let mut rest = userdata;
    while let [ty, len, tail @ ..] = rest {
        let value = tail.get(..usize::from(*len))?;
        if *ty == NFTNL_UDATA_RULE_COMMENT {
            let (&last, body) = value.split_last()?;
            if last != 0 {
                return None;
            }
            let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
            return core::str::from_utf8(body.get(..end)?).ok();
        }
        rest = tail.get(usize::from(*len)..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::messages;
    use nftrace_sys::netfilter::{
        NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV, NF_ACCEPT, NF_DROP,
        NF_INET_LOCAL_IN, NF_INET_PRE_ROUTING, NF_NETDEV_INGRESS,
    };
    use nftrace_sys::netlink::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_MULTI};

    // Captured on Linux 6.18 by `capture.py ruleset-session` in a fresh namespace (see
    // tests/fixtures/README.md): the GETGEN answer and the table, chain, rule and set dumps
    // of RULESET_SESSION_NFT, and the notifications of RULESET_SESSION_CHANGES.
    const DUMP: &[u8] = include_bytes!("../../tests/fixtures/nft_ruleset_dump.nlmsg");
    const NOTIFY: &[u8] = include_bytes!("../../tests/fixtures/nft_ruleset_notify.nlmsg");

    /// Every message of a capture of several datagrams (`messages` stops at `NLMSG_DONE`).
    fn all_messages(capture: &[u8]) -> Vec<crate::wire::Message<'_>> {
        let mut out = Vec::new();
        let mut offset = 0;
        while offset < capture.len() {
            let mut last_end = offset;
            for message in messages(&capture[offset..]) {
                let mut message = message.unwrap();
                message.offset += offset;
                last_end = message.offset + (message.header.len as usize).next_multiple_of(4);
                out.push(message);
            }
            offset = last_end;
        }
        out
    }

    fn decoded(capture: &[u8]) -> Vec<RulesetMessage<'_>> {
        all_messages(capture)
            .iter()
            .filter(|m| m.header.ty >> 8 == NFNL_SUBSYS_NFTABLES)
            .map(|m| RulesetMessage::parse(m).unwrap().unwrap())
            .collect()
    }

    #[test]
    fn decodes_a_whole_dump() {
        let all = decoded(DUMP);
        let RulesetBody::NewGen(gen) = all[0].body else {
            panic!("{:?}", all[0])
        };
        assert_eq!(gen.id & 0xffff, u32::from(all[0].nfgen.res_id));
        assert_eq!(gen.proc_name, Some("python3"));
        assert!(all[1..]
            .iter()
            .all(|m| m.nfgen.res_id == all[0].nfgen.res_id && m.header.flags & NLM_F_MULTI != 0));

        let tables: Vec<_> = all
            .iter()
            .filter_map(|m| match m.body {
                RulesetBody::NewTable(t) => Some((t.family, t.name, t.handle, t.use_count)),
                _ => None,
            })
            .collect();
        assert_eq!(
            tables,
            [
                (NFPROTO_INET, "fixture_filter", 1, Some(4)),
                (NFPROTO_IPV4, "fixture_nat", 2, Some(1)),
                (NFPROTO_IPV6, "fixture_raw", 3, Some(1)),
                (NFPROTO_NETDEV, "fixture_ingress", 4, Some(1)),
            ]
        );

        let chains: Vec<_> = all
            .iter()
            .filter_map(|m| match m.body {
                RulesetBody::NewChain(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(chains.len(), 6);
        let input = chains[0];
        assert_eq!(
            (input.table, input.name, input.handle),
            ("fixture_filter", "input", 1)
        );
        let hook = input.hook.unwrap();
        assert_eq!((hook.hooknum, hook.priority), (NF_INET_LOCAL_IN, 0));
        assert_eq!(input.policy, Some(NF_DROP as u32));
        assert_eq!(input.chain_type, Some("filter"));
        assert_eq!(input.flags, nftrace_sys::nf_tables::NFT_CHAIN_BASE);
        assert_eq!(input.unknown_attributes, 0);
        let checks = chains[1];
        assert_eq!(
            (checks.name, checks.hook, checks.policy),
            ("checks", None, None)
        );
        let nat = chains[3];
        let hook = nat.hook.unwrap();
        assert_eq!((hook.hooknum, hook.priority), (NF_INET_PRE_ROUTING, -100));
        assert_eq!(
            (nat.chain_type, nat.policy),
            (Some("nat"), Some(NF_ACCEPT as u32))
        );
        assert_eq!(chains[4].hook.unwrap().priority, -300);
        let ingress = chains[5];
        let hook = ingress.hook.unwrap();
        assert_eq!((hook.hooknum, hook.priority), (NF_NETDEV_INGRESS, -500));
        assert_eq!(hook.dev, Some("lo"));
        let devs: Vec<_> = hook.devs.unwrap().iter().map(Result::unwrap).collect();
        assert_eq!(devs, ["lo"]);

        let rules: Vec<_> = all
            .iter()
            .filter_map(|m| match m.body {
                RulesetBody::NewRule(r) => Some(r),
                _ => None,
            })
            .collect();
        // The input chain: each rule but the first names the one before it.
        let input_rules: Vec<_> = rules
            .iter()
            .filter(|r| r.chain == "input")
            .map(|r| (r.handle, r.position, r.comment()))
            .collect();
        assert_eq!(
            input_rules,
            [
                (5, None, Some("established")),
                (6, Some(5), None),
                (7, Some(6), None),
                (8, Some(7), None),
            ]
        );
        let jump: Vec<_> = rules[2].exprs.iter().map(|e| e.unwrap().name).collect();
        assert_eq!(jump, ["immediate"]);
        let goto: Vec<_> = rules[3].exprs.iter().map(|e| e.unwrap().name).collect();
        assert_eq!(goto.last(), Some(&"immediate"));
        let established: Vec<_> = rules[0].exprs.iter().map(|e| e.unwrap().name).collect();
        assert_eq!(established, ["ct", "bitwise", "cmp", "immediate"]);
        assert!(rules[0].exprs.iter().all(|e| !e.unwrap().data.is_empty()));

        let sets: Vec<_> = all
            .iter()
            .filter_map(|m| match m.body {
                RulesetBody::NewSet(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(sets.len(), 1);
        assert_eq!((sets[0].name, sets[0].key_len), ("ports", 2));
        assert_eq!(sets[0].unknown_attributes, 0);
    }

    #[test]
    fn decodes_notifications_with_their_flags_and_generations() {
        let all = decoded(NOTIFY);
        // Every transaction ends with NEWGEN, whose id the transaction's messages carry.
        let mut pending = Vec::new();
        for message in &all {
            match message.body {
                RulesetBody::NewGen(gen) => {
                    assert!(!pending.is_empty());
                    assert!(pending.iter().all(|&res| u32::from(res) == gen.id & 0xffff));
                    pending.clear();
                }
                _ => pending.push(message.nfgen.res_id),
            }
        }
        assert!(pending.is_empty());

        // `nft insert ... position 7`: position names the rule before, no NLM_F_APPEND.
        let RulesetBody::NewRule(inserted) = all[0].body else {
            panic!()
        };
        assert_eq!((inserted.handle, inserted.position), (12, Some(6)));
        assert_eq!(inserted.comment(), Some("inserted"));
        assert_eq!(all[0].header.flags, NLM_F_CREATE);
        // Insert at the top: no position.
        let RulesetBody::NewRule(top) = all[2].body else {
            panic!()
        };
        assert_eq!((top.handle, top.position), (13, None));
        // Add at the end: no position, NLM_F_APPEND.
        let RulesetBody::NewRule(last) = all[4].body else {
            panic!()
        };
        assert_eq!((last.handle, last.position), (14, None));
        assert_eq!(all[4].header.flags, NLM_F_CREATE | NLM_F_APPEND);
        // Delete: no position; the expressions come along.
        let RulesetBody::DelRule(deleted) = all[6].body else {
            panic!()
        };
        assert_eq!((deleted.handle, deleted.position), (8, None));
        assert!(deleted.exprs.iter().count() > 0);
        // Replace: DELRULE then NEWRULE of the same handle, both with NLM_F_APPEND.
        let (RulesetBody::DelRule(old), RulesetBody::NewRule(new)) = (all[8].body, all[9].body)
        else {
            panic!()
        };
        assert_eq!((old.handle, new.handle, new.position), (6, 6, Some(5)));
        assert_eq!(new.comment(), Some("replaced"));
        assert_eq!(all[9].header.flags, NLM_F_APPEND);
        // Trimmed delete notifications: identity only.
        let deltable = all
            .iter()
            .find_map(|m| match m.body {
                RulesetBody::DelTable(t) => Some(t),
                _ => None,
            })
            .unwrap();
        assert_eq!((deltable.name, deltable.flags), ("fixture_nat", 0));
        let delchain = all
            .iter()
            .find_map(|m| match m.body {
                RulesetBody::DelChain(c) => Some(c),
                _ => None,
            })
            .unwrap();
        assert_eq!((delchain.name, delchain.hook), ("prerouting", None));
    }

    #[test]
    fn decoding_never_panics_on_truncation() {
        for capture in [DUMP, NOTIFY] {
            for message in all_messages(capture) {
                let len = message.header.len as usize;
                let bytes = &capture[message.offset..message.offset + len];
                let mut errors = 0;
                for cut in 0..len {
                    let mut copy = bytes[..cut].to_vec();
                    if cut >= 4 {
                        // Keep the header consistent with the cut, so the attribute walker
                        // (not the framing) meets the truncation.
                        copy[0..4].copy_from_slice(&(cut as u32).to_ne_bytes());
                    }
                    for framed in messages(&copy) {
                        match framed {
                            Ok(m) if m.header.ty >> 8 == NFNL_SUBSYS_NFTABLES => {
                                if let Err(_) | Ok(None) = RulesetMessage::parse(&m) {
                                    errors += 1;
                                }
                            }
                            Ok(_) => {}
                            Err(_) => errors += 1,
                        }
                    }
                }
                // Most cuts must be reported: every cut inside an attribute is.
                assert!(errors > 0, "no truncation of {:?} detected", message.header);
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        // Flip every byte of every message in turn.
        for capture in [DUMP, NOTIFY] {
            for message in all_messages(capture) {
                let len = message.header.len as usize;
                let mut bytes = capture[message.offset..message.offset + len].to_vec();
                for i in 16..len {
                    let saved = bytes[i];
                    for value in [0x00, 0xff, 0x04, 0x80] {
                        bytes[i] = value;
                        for framed in messages(&bytes).flatten() {
                            if let Ok(Some(decoded)) = RulesetMessage::parse(&framed) {
                                if let RulesetBody::NewRule(r) | RulesetBody::DelRule(r) =
                                    decoded.body
                                {
                                    let _ = r.exprs.iter().count();
                                    let _ = r.comment();
                                }
                                if let RulesetBody::NewChain(c) = decoded.body {
                                    if let Some(devs) = c.hook.and_then(|h| h.devs) {
                                        let _ = devs.iter().count();
                                    }
                                }
                            }
                        }
                    }
                    bytes[i] = saved;
                }
            }
        }
    }

    #[test]
    fn missing_identity_is_an_error_naming_the_attribute() {
        let all = all_messages(DUMP);
        let table = all
            .iter()
            .find(|m| m.header.ty == nftables_msg_type(NFT_MSG_NEWTABLE))
            .unwrap();
        let mut bytes = DUMP[table.offset..table.offset + table.header.len as usize].to_vec();
        // The first attribute is NFTA_TABLE_NAME; retype it to an unknown type.
        bytes[22..24].copy_from_slice(&99u16.to_ne_bytes());
        let message = messages(&bytes).next().unwrap().unwrap();
        assert_eq!(
            RulesetMessage::parse(&message),
            Err(DecodeError::MissingAttribute {
                name: "NFTA_TABLE_NAME"
            })
        );
    }

    #[test]
    fn other_subsystems_are_refused_and_other_nftables_messages_skipped() {
        let trace = include_bytes!("../../tests/fixtures/nft_trace_udp4.nlmsg");
        let message = messages(trace).next().unwrap().unwrap();
        // A trace is an nf_tables message this decoder does not model.
        assert_eq!(RulesetMessage::parse(&message), Ok(None));
        let nflog = include_bytes!("../../tests/fixtures/nflog_trace_udp4.nlmsg");
        let message = messages(nflog).next().unwrap().unwrap();
        assert!(matches!(
            RulesetMessage::parse(&message),
            Err(DecodeError::UnexpectedMessageType { .. })
        ));
    }

    #[test]
    fn rule_comments_from_user_data() {
        // libnftnl's TLVs: type 0 (comment), length, NUL-terminated text.
        assert_eq!(rule_comment(b"\x00\x03hi\x00"), Some("hi"));
        // Another TLV first.
        assert_eq!(rule_comment(b"\x01\x01x\x00\x03hi\x00"), Some("hi"));
        assert_eq!(rule_comment(b"\x01\x01x"), None);
        // Not terminated, cut short, empty.
        assert_eq!(rule_comment(b"\x00\x02hi"), None);
        assert_eq!(rule_comment(b"\x00\x09hi\x00"), None);
        assert_eq!(rule_comment(b""), None);
        assert_eq!(rule_comment(b"\x00"), None);
    }
}
