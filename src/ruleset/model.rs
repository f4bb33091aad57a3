//! The ruleset snapshot's data: owned, plain types for nf_tables tables, chains, rules and
//! sets, and for iptables-legacy tables, with each rule's text and where that text came from.
//!
//! Builders (the nf_tables dump, the iptables readers) fill these; the resolver and the
//! printers read them. Nothing here does I/O.

use serde::Serialize;

/// Where a rule's text came from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextSource {
    /// `nft -a list ruleset`, the line carrying `# handle N`.
    Nft,
    /// `iptables-nft-save` / `ip6tables-nft-save`, the `-A` line at the same position.
    IptablesNftSave,
    /// `iptables-legacy-save` / `ip6tables-legacy-save`, the `-A` line at the same position.
    IptablesLegacySave,
    /// nftrace's own renderer of nf_tables expressions.
    Builtin,
    /// A plain listing of the rule's expressions (what nothing else could render).
    Expressions,
}

/// A rule's text and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleText {
    pub text: String,
    pub source: TextSource,
}

/// One expression of an nf_tables rule, as the kernel sent it: its name (`payload`, `cmp`,
/// `meta`, `immediate`, ...) and the raw bytes of its `NFTA_EXPR_DATA` attributes, which
/// renderers walk with [`crate::wire::Attrs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub name: String,
    pub data: Vec<u8>,
}

/// An nf_tables rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `NFTA_RULE_HANDLE`: unique within the table, stable while the rule exists.
    pub handle: u64,
    /// 1-based position in its chain, as `nft -a list` and iptables `--line-numbers` count.
    /// Live updates renumber when a transaction's `NFT_MSG_NEWGEN` is applied; until then a
    /// rule the transaction added has number 0 and the others keep their previous numbers.
    pub number: u32,
    pub exprs: Vec<Expr>,
    /// `NFTA_RULE_USERDATA`, raw (libnftnl TLVs: the comment is type 0).
    pub userdata: Option<Vec<u8>>,
    /// The comment from the user data, when there is one.
    pub comment: Option<String>,
    /// The text to show; filled by the text sources after the dump.
    pub text: Option<RuleText>,
}

/// A base chain's hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hook {
    /// `NF_INET_*` (or `NF_NETDEV_*` for netdev chains) number.
    pub hooknum: u32,
    pub priority: i32,
    /// The chain type: `filter`, `nat` or `route`.
    #[serde(rename = "type")]
    pub chain_type: String,
    /// The policy verdict code (`NF_ACCEPT` = 1, `NF_DROP` = 0).
    pub policy: Option<u32>,
    /// Devices of netdev/ingress chains.
    pub devices: Vec<String>,
}

/// An nf_tables chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    pub handle: u64,
    /// `None` for a regular (user) chain.
    pub hook: Option<Hook>,
    /// In chain order: `rules[i].number == i + 1`.
    pub rules: Vec<Rule>,
}

/// An nf_tables set (for rendering lookups and listing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    pub name: String,
    pub handle: u64,
    pub flags: u32,
    pub key_type: u32,
    pub key_len: u32,
}

/// An nf_tables table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// `NFPROTO_*` of the table (`inet` = 1, `ip` = 2, `ip6` = 10, ...).
    pub family: u8,
    pub name: String,
    pub handle: u64,
    pub flags: u32,
    /// In the kernel's dump order.
    pub chains: Vec<Chain>,
    pub sets: Vec<Set>,
    /// True when iptables-nft made this table (its rules are xtables compat expressions).
    pub iptables_nft: bool,
}

/// All nf_tables tables of a network namespace at one generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NftRuleset {
    /// The ruleset generation (`NFTA_GEN_ID`) the snapshot is consistent with; 0 when
    /// unknown (the kernel never uses generation 0).
    pub generation: u32,
    pub tables: Vec<Table>,
    /// Rules and chains deleted since the snapshot was taken, kept for a while so late trace
    /// events still resolve to the rule they hit (see [`crate::ruleset::nft`]).
    pub retired: crate::ruleset::nft::RetiredRules,
    /// Rules of the open transaction whose predecessor was not announced yet: placed when
    /// the transaction's `NEWGEN` arrives (see `ruleset::nft::apply`).
    pub(crate) unplaced: Vec<UnplacedRule>,
}

/// A rule waiting for the rule it follows (`NFTA_RULE_POSITION`) to be announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnplacedRule {
    pub family: u8,
    pub table: String,
    pub chain: String,
    pub handle: u64,
    /// The handle of the rule it goes after.
    pub after: u64,
}

/// What an iptables-legacy chain entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LegacyEntryKind {
    /// A rule the user wrote (including explicit unconditional ones like `-j ACCEPT`).
    Rule,
    /// A built-in chain's policy (the kernel's underflow entry).
    Policy,
    /// A user chain's implicit return at its end.
    Return,
}

/// What an iptables-legacy rule does when it matches: its target, as the kernel's table
/// holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum LegacyTarget {
    /// A standard verdict (`-j ACCEPT`, `-j DROP`, `-j QUEUE`): the `NF_*` code
    /// (`NF_ACCEPT` = 1, `NF_DROP` = 0).
    Verdict { code: u32 },
    /// `-j RETURN`.
    Return,
    /// `-j CHAIN` (or `-g CHAIN` when `goto`) to a user chain.
    Jump { chain: String, goto: bool },
    /// No target (`-A CHAIN -p tcp` without `-j`): the rule only counts, evaluation goes on.
    Fallthrough,
    /// A target extension (`MARK`, `LOG`, `TRACE`, `DNAT`, ...) and its revision.
    Extension { name: String, revision: u8 },
    /// A standard verdict that is neither a known code nor the start of a chain.
    Unknown { verdict: i32 },
}

/// An iptables-legacy rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyRule {
    /// 1-based position in its chain, as the kernel's TRACE numbering counts.
    pub number: u32,
    /// The rule's target.
    pub target: LegacyTarget,
    /// An explicit unconditional rule with a standard verdict (`-A OUTPUT -j ACCEPT`,
    /// `-A X -j RETURN`): the kernel's TRACE labels it `policy` (built-in chain) or `return`
    /// (user chain) instead of `rule`, with the right number.
    pub unconditional_verdict: bool,
    /// The `-A` line from `iptables-legacy-save`, when it was read.
    pub text: Option<RuleText>,
}

/// An iptables-legacy chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyChain {
    pub name: String,
    /// The hook of a built-in chain (`NF_INET_*`), `None` for a user chain.
    pub hook: Option<u32>,
    /// A built-in chain's policy verdict (`NF_ACCEPT` = 1, `NF_DROP` = 0).
    pub policy: Option<u32>,
    pub rules: Vec<LegacyRule>,
}

/// An iptables-legacy (or ip6tables-legacy) table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyTable {
    /// `NFPROTO_IPV4` or `NFPROTO_IPV6`.
    pub family: u8,
    pub name: String,
    /// `num_entries` from `IPT_SO_GET_INFO`: a cheap way to notice a change.
    pub entries: u32,
    pub chains: Vec<LegacyChain>,
}
