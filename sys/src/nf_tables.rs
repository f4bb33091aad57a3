//! nf_tables ABI from `include/uapi/linux/netfilter/nf_tables.h` (as of Linux 6.18): message
//! types, trace attributes, verdicts, and the attributes of tables, chains, rules, sets and
//! the expression families a ruleset dump needs.
//!
//! Types: message numbers and attribute types are `u16` (`nlmsg_type` low byte,
//! `nla_type`). Values carried inside be32 attributes (trace types, registers, operators,
//! keys, flags) are `u32`. Verdicts are `i32` because the nf_tables verdicts are negative
//! and share their number space with `NF_DROP`/`NF_ACCEPT` (see `crate::netfilter`).
//! Attribute numbers and names that `libnftnl` owns rather than the kernel are marked.

/// Longest table/chain/set/object name, including the NUL.
pub const NFT_NAME_MAXLEN: usize = 256;
/// Longest table name, including the NUL.
pub const NFT_TABLE_MAXNAMELEN: usize = NFT_NAME_MAXLEN;
/// Longest chain name, including the NUL.
pub const NFT_CHAIN_MAXNAMELEN: usize = NFT_NAME_MAXLEN;
/// Longest set name, including the NUL.
pub const NFT_SET_MAXNAMELEN: usize = NFT_NAME_MAXLEN;
/// Longest stateful object name, including the NUL.
pub const NFT_OBJ_MAXNAMELEN: usize = NFT_NAME_MAXLEN;
/// Longest `*_USERDATA` attribute payload.
pub const NFT_USERDATA_MAXLEN: usize = 256;
/// Longest OS fingerprint genre name.
pub const NFT_OSF_MAXGENRELEN: usize = 16;

// ---- registers (enum nft_registers) ----

/// The verdict register.
pub const NFT_REG_VERDICT: u32 = 0;
/// Legacy 16-byte data register 1 (= `NFT_REG32_00`..`03`).
pub const NFT_REG_1: u32 = 1;
/// Legacy 16-byte data register 2 (= `NFT_REG32_04`..`07`).
pub const NFT_REG_2: u32 = 2;
/// Legacy 16-byte data register 3 (= `NFT_REG32_08`..`11`).
pub const NFT_REG_3: u32 = 3;
/// Legacy 16-byte data register 4 (= `NFT_REG32_12`..`15`).
pub const NFT_REG_4: u32 = 4;
/// Highest legacy register number.
pub const NFT_REG_MAX: u32 = 4;
/// 4-byte data register 0; the 16 `NFT_REG32_*` registers are numbered 8..=23.
pub const NFT_REG32_00: u32 = 8;
/// 4-byte data register 1.
pub const NFT_REG32_01: u32 = 9;
/// 4-byte data register 2.
pub const NFT_REG32_02: u32 = 10;
/// 4-byte data register 3.
pub const NFT_REG32_03: u32 = 11;
/// 4-byte data register 4.
pub const NFT_REG32_04: u32 = 12;
/// 4-byte data register 5.
pub const NFT_REG32_05: u32 = 13;
/// 4-byte data register 6.
pub const NFT_REG32_06: u32 = 14;
/// 4-byte data register 7.
pub const NFT_REG32_07: u32 = 15;
/// 4-byte data register 8.
pub const NFT_REG32_08: u32 = 16;
/// 4-byte data register 9.
pub const NFT_REG32_09: u32 = 17;
/// 4-byte data register 10.
pub const NFT_REG32_10: u32 = 18;
/// 4-byte data register 11.
pub const NFT_REG32_11: u32 = 19;
/// 4-byte data register 12.
pub const NFT_REG32_12: u32 = 20;
/// 4-byte data register 13.
pub const NFT_REG32_13: u32 = 21;
/// 4-byte data register 14.
pub const NFT_REG32_14: u32 = 22;
/// 4-byte data register 15.
pub const NFT_REG32_15: u32 = 23;
/// Size in bytes of a legacy register.
pub const NFT_REG_SIZE: usize = 16;
/// Size in bytes of a 32-bit register.
pub const NFT_REG32_SIZE: usize = 4;
/// Number of 32-bit registers.
pub const NFT_REG32_COUNT: u32 = NFT_REG32_15 - NFT_REG32_00 + 1;

// ---- verdicts (enum nft_verdicts) ----

/// Continue with the next expression / rule. Sent in traces for rules that ran to the end
/// without a verdict, and (6.7+) for the implicit end of a chain.
pub const NFT_CONTINUE: i32 = -1;
/// Stop evaluating the current rule (a match failed). Never traced.
pub const NFT_BREAK: i32 = -2;
/// Push the current chain on the jump stack and jump (`NFTA_VERDICT_CHAIN` names the target).
pub const NFT_JUMP: i32 = -3;
/// Jump without pushing a return address.
pub const NFT_GOTO: i32 = -4;
/// Return to the chain on top of the jump stack.
pub const NFT_RETURN: i32 = -5;

// ---- message types (enum nf_tables_msg_types); nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | n ----

/// Create a table (`NFTA_TABLE_*`).
pub const NFT_MSG_NEWTABLE: u16 = 0;
/// Get / dump tables.
pub const NFT_MSG_GETTABLE: u16 = 1;
/// Delete a table.
pub const NFT_MSG_DELTABLE: u16 = 2;
/// Create a chain (`NFTA_CHAIN_*`).
pub const NFT_MSG_NEWCHAIN: u16 = 3;
/// Get / dump chains.
pub const NFT_MSG_GETCHAIN: u16 = 4;
/// Delete a chain.
pub const NFT_MSG_DELCHAIN: u16 = 5;
/// Create a rule (`NFTA_RULE_*`).
pub const NFT_MSG_NEWRULE: u16 = 6;
/// Get / dump rules.
pub const NFT_MSG_GETRULE: u16 = 7;
/// Delete a rule.
pub const NFT_MSG_DELRULE: u16 = 8;
/// Create a set (`NFTA_SET_*`).
pub const NFT_MSG_NEWSET: u16 = 9;
/// Get / dump sets.
pub const NFT_MSG_GETSET: u16 = 10;
/// Delete a set.
pub const NFT_MSG_DELSET: u16 = 11;
/// Add set elements (`NFTA_SET_ELEM_LIST_*`).
pub const NFT_MSG_NEWSETELEM: u16 = 12;
/// Get / dump set elements.
pub const NFT_MSG_GETSETELEM: u16 = 13;
/// Delete set elements.
pub const NFT_MSG_DELSETELEM: u16 = 14;
/// Event: a transaction committed a new ruleset generation (`NFTA_GEN_*`).
pub const NFT_MSG_NEWGEN: u16 = 15;
/// Get the current ruleset generation (`NFTA_GEN_*`).
pub const NFT_MSG_GETGEN: u16 = 16;
/// Trace event (`NFTA_TRACE_*`), on group `NFNLGRP_NFTRACE`; `nlmsg_type` 0x0a11.
pub const NFT_MSG_TRACE: u16 = 17;
/// Create a stateful object (`NFTA_OBJ_*`).
pub const NFT_MSG_NEWOBJ: u16 = 18;
/// Get / dump stateful objects.
pub const NFT_MSG_GETOBJ: u16 = 19;
/// Delete a stateful object.
pub const NFT_MSG_DELOBJ: u16 = 20;
/// Get and reset stateful objects.
pub const NFT_MSG_GETOBJ_RESET: u16 = 21;
/// Create a flowtable (`NFTA_FLOWTABLE_*`).
pub const NFT_MSG_NEWFLOWTABLE: u16 = 22;
/// Get / dump flowtables.
pub const NFT_MSG_GETFLOWTABLE: u16 = 23;
/// Delete a flowtable.
pub const NFT_MSG_DELFLOWTABLE: u16 = 24;
/// Get rules and reset their stateful expressions (6.2+).
pub const NFT_MSG_GETRULE_RESET: u16 = 25;
/// Delete a table, no error if it does not exist (6.3+).
pub const NFT_MSG_DESTROYTABLE: u16 = 26;
/// Delete a chain, no error if it does not exist (6.3+).
pub const NFT_MSG_DESTROYCHAIN: u16 = 27;
/// Delete a rule, no error if it does not exist (6.3+).
pub const NFT_MSG_DESTROYRULE: u16 = 28;
/// Delete a set, no error if it does not exist (6.3+).
pub const NFT_MSG_DESTROYSET: u16 = 29;
/// Delete set elements, no error if they do not exist (6.3+).
pub const NFT_MSG_DESTROYSETELEM: u16 = 30;
/// Delete a stateful object, no error if it does not exist (6.3+).
pub const NFT_MSG_DESTROYOBJ: u16 = 31;
/// Delete a flowtable, no error if it does not exist (6.3+).
pub const NFT_MSG_DESTROYFLOWTABLE: u16 = 32;
/// Get set elements and reset their stateful expressions (6.5+).
pub const NFT_MSG_GETSETELEM_RESET: u16 = 33;
/// One past the highest message type (6.18).
pub const NFT_MSG_MAX: u16 = 34;

// ---- trace (enum nft_trace_attributes, enum nft_trace_types) ----

/// Unused.
pub const NFTA_TRACE_UNSPEC: u16 = 0;
/// Table name (NUL-terminated string). Always present.
pub const NFTA_TRACE_TABLE: u16 = 1;
/// Name of the chain that contains the rule (NUL-terminated string). Always present.
pub const NFTA_TRACE_CHAIN: u16 = 2;
/// Rule handle (be64). Absent on POLICY events and at the implicit end of a chain.
pub const NFTA_TRACE_RULE_HANDLE: u16 = 3;
/// Event type, `NFT_TRACETYPE_*` (be32).
pub const NFTA_TRACE_TYPE: u16 = 4;
/// Verdict (nested `NFTA_VERDICT_*`), sent **without** `NLA_F_NESTED`.
pub const NFTA_TRACE_VERDICT: u16 = 5;
/// Trace id (u32 put with `nla_put_u32`, i.e. host order; nft prints `ntohl(id)`). Opaque.
pub const NFTA_TRACE_ID: u16 = 6;
/// Link-layer header bytes (at most 20; an 18-byte synthesized `vlan_ethhdr` with offloaded
/// VLAN tags). First event of each base-chain invocation only.
pub const NFTA_TRACE_LL_HEADER: u16 = 7;
/// Network header bytes (at most 40).
pub const NFTA_TRACE_NETWORK_HEADER: u16 = 8;
/// Transport header bytes (at most 20).
pub const NFTA_TRACE_TRANSPORT_HEADER: u16 = 9;
/// Input interface index (be32).
pub const NFTA_TRACE_IIF: u16 = 10;
/// Input interface type, `ARPHRD_*` (be16).
pub const NFTA_TRACE_IIFTYPE: u16 = 11;
/// Output interface index (be32).
pub const NFTA_TRACE_OIF: u16 = 12;
/// Output interface type, `ARPHRD_*` (be16).
pub const NFTA_TRACE_OIFTYPE: u16 = 13;
/// Packet mark (be32), sent only if non-zero.
pub const NFTA_TRACE_MARK: u16 = 14;
/// Protocol family of the hook, `NFPROTO_*` (be32). For `inet` tables this is IPv4 or IPv6.
pub const NFTA_TRACE_NFPROTO: u16 = 15;
/// Base-chain policy, `NF_DROP`/`NF_ACCEPT` (be32). POLICY events only.
pub const NFTA_TRACE_POLICY: u16 = 16;
/// Padding before the 64-bit handle; skip it.
pub const NFTA_TRACE_PAD: u16 = 17;
/// Conntrack id (u32, raw: the same 4 bytes as ctnetlink `CTA_ID`, compare as bytes). 6.16+.
pub const NFTA_TRACE_CT_ID: u16 = 18;
/// Conntrack direction, `IP_CT_DIR_*` (u8). 6.16+.
pub const NFTA_TRACE_CT_DIRECTION: u16 = 19;
/// Conntrack status, `IPS_*` bits (be32), sent only if non-zero. 6.16+.
pub const NFTA_TRACE_CT_STATUS: u16 = 20;
/// Conntrack state, `NF_CT_STATE_*_BIT` bits (be32). 6.16+.
pub const NFTA_TRACE_CT_STATE: u16 = 21;
/// Highest trace attribute (6.16+; 17 on older kernels).
pub const NFTA_TRACE_MAX: u16 = 21;

/// Trace type: unspecified.
pub const NFT_TRACETYPE_UNSPEC: u32 = 0;
/// Trace type: the base chain's policy was applied.
pub const NFT_TRACETYPE_POLICY: u32 = 1;
/// Trace type: return from a chain (kernels before 6.7; newer send RULE with `NFT_RETURN`).
pub const NFT_TRACETYPE_RETURN: u32 = 2;
/// Trace type: a rule produced a verdict (or continue).
pub const NFT_TRACETYPE_RULE: u32 = 3;
/// Highest trace type.
pub const NFT_TRACETYPE_MAX: u32 = 3;

// ---- verdict (enum nft_verdict_attributes) ----

/// Unused.
pub const NFTA_VERDICT_UNSPEC: u16 = 0;
/// Verdict code (be32, signed): `NF_*` (mask positive codes with `NF_VERDICT_MASK`) or `NFT_*`.
pub const NFTA_VERDICT_CODE: u16 = 1;
/// Jump/goto target chain name (string); only with `NFT_JUMP`/`NFT_GOTO`.
pub const NFTA_VERDICT_CHAIN: u16 = 2;
/// Jump/goto target chain by transaction id (be32); requests only.
pub const NFTA_VERDICT_CHAIN_ID: u16 = 3;
/// Highest verdict attribute.
pub const NFTA_VERDICT_MAX: u16 = 3;

/// Longest `NFTA_DATA_VALUE`.
pub const NFT_DATA_VALUE_MAXLEN: usize = 64;
/// Longest security context of a secmark object.
pub const NFT_SECMARK_CTX_MAXLEN: usize = 4096;

// The constants below are derived mechanically from the enums of `nf_tables.h` in header
// order; the descriptions are the kernel's own kerneldoc lines. `*_MAX` is the highest value.

// ---- nft_list_attributes ----
/// Unused
pub const NFTA_LIST_UNSPEC: u16 = 0;
/// List element (NLA_NESTED)
pub const NFTA_LIST_ELEM: u16 = 1;
/// Highest value of the enum above.
pub const NFTA_LIST_MAX: u16 = 1;

// ---- nft_hook_attributes ----
/// Unused
pub const NFTA_HOOK_UNSPEC: u16 = 0;
/// Netfilter hook number (NLA_U32)
pub const NFTA_HOOK_HOOKNUM: u16 = 1;
/// Netfilter hook priority (NLA_U32)
pub const NFTA_HOOK_PRIORITY: u16 = 2;
/// Netdevice name (NLA_STRING)
pub const NFTA_HOOK_DEV: u16 = 3;
/// List of netdevices (NLA_NESTED)
pub const NFTA_HOOK_DEVS: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_HOOK_MAX: u16 = 4;

// ---- nft_table_flags ----
/// This table is not active
pub const NFT_TABLE_F_DORMANT: u32 = 0x1;
/// This table is owned by a process (removed when its netlink socket closes)
pub const NFT_TABLE_F_OWNER: u32 = 0x2;
/// This table shall outlive its owner
pub const NFT_TABLE_F_PERSIST: u32 = 0x4;
/// All table flags
pub const NFT_TABLE_F_MASK: u32 = NFT_TABLE_F_DORMANT | NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST;

// ---- nft_table_attributes ----
/// Unused
pub const NFTA_TABLE_UNSPEC: u16 = 0;
/// Name of the table (NLA_STRING)
pub const NFTA_TABLE_NAME: u16 = 1;
/// Bitmask of enum nft_table_flags (NLA_U32)
pub const NFTA_TABLE_FLAGS: u16 = 2;
/// Number of chains in this table (NLA_U32)
pub const NFTA_TABLE_USE: u16 = 3;
/// Numeric handle of the table (NLA_U64)
pub const NFTA_TABLE_HANDLE: u16 = 4;
/// Padding for 64-bit alignment; skip it
pub const NFTA_TABLE_PAD: u16 = 5;
/// User data (NLA_BINARY)
pub const NFTA_TABLE_USERDATA: u16 = 6;
/// Owner of this table through netlink portID (NLA_U32)
pub const NFTA_TABLE_OWNER: u16 = 7;
/// Highest value of the enum above.
pub const NFTA_TABLE_MAX: u16 = 7;

// ---- nft_chain_flags ----
/// Chain is a base chain (attached to a hook)
pub const NFT_CHAIN_BASE: u32 = 1 << 0;
/// Chain is offloaded to hardware
pub const NFT_CHAIN_HW_OFFLOAD: u32 = 1 << 1;
/// Anonymous chain bound to a rule (e.g. a verdict map body)
pub const NFT_CHAIN_BINDING: u32 = 1 << 2;
/// All chain flags
pub const NFT_CHAIN_FLAGS: u32 = NFT_CHAIN_BASE | NFT_CHAIN_HW_OFFLOAD | NFT_CHAIN_BINDING;

// ---- nft_chain_attributes ----
/// Unused
pub const NFTA_CHAIN_UNSPEC: u16 = 0;
/// Name of the table containing the chain (NLA_STRING)
pub const NFTA_CHAIN_TABLE: u16 = 1;
/// Numeric handle of the chain (NLA_U64)
pub const NFTA_CHAIN_HANDLE: u16 = 2;
/// Name of the chain (NLA_STRING)
pub const NFTA_CHAIN_NAME: u16 = 3;
/// Hook specification for basechains (NLA_NESTED: nft_hook_attributes)
pub const NFTA_CHAIN_HOOK: u16 = 4;
/// Numeric policy of the chain (NLA_U32)
pub const NFTA_CHAIN_POLICY: u16 = 5;
/// Number of references to this chain (NLA_U32)
pub const NFTA_CHAIN_USE: u16 = 6;
/// Type name of the string (NLA_NUL_STRING)
pub const NFTA_CHAIN_TYPE: u16 = 7;
/// Counter specification of the chain (NLA_NESTED: nft_counter_attributes)
pub const NFTA_CHAIN_COUNTERS: u16 = 8;
/// Padding for 64-bit alignment; skip it
pub const NFTA_CHAIN_PAD: u16 = 9;
/// Chain flags
pub const NFTA_CHAIN_FLAGS: u16 = 10;
/// Uniquely identifies a chain in a transaction (NLA_U32)
pub const NFTA_CHAIN_ID: u16 = 11;
/// User data (NLA_BINARY)
pub const NFTA_CHAIN_USERDATA: u16 = 12;
/// Highest value of the enum above.
pub const NFTA_CHAIN_MAX: u16 = 12;

// ---- nft_rule_attributes ----
/// Unused
pub const NFTA_RULE_UNSPEC: u16 = 0;
/// Name of the table containing the rule (NLA_STRING)
pub const NFTA_RULE_TABLE: u16 = 1;
/// Name of the chain containing the rule (NLA_STRING)
pub const NFTA_RULE_CHAIN: u16 = 2;
/// Numeric handle of the rule (NLA_U64)
pub const NFTA_RULE_HANDLE: u16 = 3;
/// List of expressions (NLA_NESTED: nft_expr_attributes)
pub const NFTA_RULE_EXPRESSIONS: u16 = 4;
/// Compatibility specifications of the rule (NLA_NESTED: nft_rule_compat_attributes)
pub const NFTA_RULE_COMPAT: u16 = 5;
/// Numeric handle of the previous rule (NLA_U64)
pub const NFTA_RULE_POSITION: u16 = 6;
/// User data (NLA_BINARY, NFT_USERDATA_MAXLEN)
pub const NFTA_RULE_USERDATA: u16 = 7;
/// Padding for 64-bit alignment; skip it
pub const NFTA_RULE_PAD: u16 = 8;
/// Uniquely identifies a rule in a transaction (NLA_U32)
pub const NFTA_RULE_ID: u16 = 9;
/// Transaction unique identifier of the previous rule (NLA_U32)
pub const NFTA_RULE_POSITION_ID: u16 = 10;
/// Add the rule to chain by ID, alternative to NFTA_RULE_CHAIN (NLA_U32)
pub const NFTA_RULE_CHAIN_ID: u16 = 11;
/// Highest value of the enum above.
pub const NFTA_RULE_MAX: u16 = 11;

// ---- nft_rule_compat_flags ----
/// Unused
pub const NFT_RULE_COMPAT_F_UNUSED: u32 = 1 << 0;
/// Invert the check result
pub const NFT_RULE_COMPAT_F_INV: u32 = 1 << 1;
/// All rule compat flags
pub const NFT_RULE_COMPAT_F_MASK: u32 = NFT_RULE_COMPAT_F_INV;

// ---- nft_rule_compat_attributes ----
/// Unused
pub const NFTA_RULE_COMPAT_UNSPEC: u16 = 0;
/// Numeric value of handled protocol (NLA_U32)
pub const NFTA_RULE_COMPAT_PROTO: u16 = 1;
/// Bitmask of enum nft_rule_compat_flags (NLA_U32)
pub const NFTA_RULE_COMPAT_FLAGS: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_RULE_COMPAT_MAX: u16 = 2;

// ---- nft_set_flags ----
/// Name allocation, automatic cleanup on unlink
pub const NFT_SET_ANONYMOUS: u32 = 0x1;
/// Set contents may not change while bound
pub const NFT_SET_CONSTANT: u32 = 0x2;
/// Set contains intervals
pub const NFT_SET_INTERVAL: u32 = 0x4;
/// Set is used as a dictionary
pub const NFT_SET_MAP: u32 = 0x8;
/// Set uses timeouts
pub const NFT_SET_TIMEOUT: u32 = 0x10;
/// Set can be updated from the evaluation path
pub const NFT_SET_EVAL: u32 = 0x20;
/// Set contains stateful objects
pub const NFT_SET_OBJECT: u32 = 0x40;
/// Set contains a concatenation
pub const NFT_SET_CONCAT: u32 = 0x80;
/// Set contains expressions
pub const NFT_SET_EXPR: u32 = 0x100;

// ---- nft_set_policies ----
/// Prefer high performance over low memory use
pub const NFT_SET_POL_PERFORMANCE: u32 = 0;
/// Prefer low memory use over high performance
pub const NFT_SET_POL_MEMORY: u32 = 1;

// ---- nft_set_desc_attributes ----
/// Unused
pub const NFTA_SET_DESC_UNSPEC: u16 = 0;
/// Number of elements in set (NLA_U32)
pub const NFTA_SET_DESC_SIZE: u16 = 1;
/// Description of field concatenation (NLA_NESTED)
pub const NFTA_SET_DESC_CONCAT: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_SET_DESC_MAX: u16 = 2;

// ---- nft_set_field_attributes ----
/// Unused
pub const NFTA_SET_FIELD_UNSPEC: u16 = 0;
/// Length of single field, in bits (NLA_U32)
pub const NFTA_SET_FIELD_LEN: u16 = 1;
/// Highest value of the enum above.
pub const NFTA_SET_FIELD_MAX: u16 = 1;

// ---- nft_set_attributes ----
/// Unused
pub const NFTA_SET_UNSPEC: u16 = 0;
/// Table name (NLA_STRING)
pub const NFTA_SET_TABLE: u16 = 1;
/// Set name (NLA_STRING)
pub const NFTA_SET_NAME: u16 = 2;
/// Bitmask of enum nft_set_flags (NLA_U32)
pub const NFTA_SET_FLAGS: u16 = 3;
/// Key data type, informational purpose only (NLA_U32)
pub const NFTA_SET_KEY_TYPE: u16 = 4;
/// Key data length (NLA_U32)
pub const NFTA_SET_KEY_LEN: u16 = 5;
/// Mapping data type (NLA_U32)
pub const NFTA_SET_DATA_TYPE: u16 = 6;
/// Mapping data length (NLA_U32)
pub const NFTA_SET_DATA_LEN: u16 = 7;
/// Selection policy (NLA_U32)
pub const NFTA_SET_POLICY: u16 = 8;
/// Set description (NLA_NESTED)
pub const NFTA_SET_DESC: u16 = 9;
/// Uniquely identifies a set in a transaction (NLA_U32)
pub const NFTA_SET_ID: u16 = 10;
/// Default timeout value (NLA_U64)
pub const NFTA_SET_TIMEOUT: u16 = 11;
/// Garbage collection interval (NLA_U32)
pub const NFTA_SET_GC_INTERVAL: u16 = 12;
/// User data (NLA_BINARY)
pub const NFTA_SET_USERDATA: u16 = 13;
/// Padding for 64-bit alignment; skip it
pub const NFTA_SET_PAD: u16 = 14;
/// Stateful object type (NLA_U32: NFT_OBJECT_*)
pub const NFTA_SET_OBJ_TYPE: u16 = 15;
/// Set handle (NLA_U64)
pub const NFTA_SET_HANDLE: u16 = 16;
/// Set expression (NLA_NESTED: nft_expr_attributes)
pub const NFTA_SET_EXPR: u16 = 17;
/// List of expressions (NLA_NESTED: nft_list_attributes)
pub const NFTA_SET_EXPRESSIONS: u16 = 18;
/// Set backend type (NLA_STRING)
pub const NFTA_SET_TYPE: u16 = 19;
/// Number of set elements (NLA_U32)
pub const NFTA_SET_COUNT: u16 = 20;
/// Highest value of the enum above.
pub const NFTA_SET_MAX: u16 = 20;

// ---- nft_set_elem_flags ----
/// Element ends the previous interval
pub const NFT_SET_ELEM_INTERVAL_END: u32 = 0x1;
/// Special catch-all element
pub const NFT_SET_ELEM_CATCHALL: u32 = 0x2;

// ---- nft_set_elem_attributes ----
/// Unused
pub const NFTA_SET_ELEM_UNSPEC: u16 = 0;
/// Key value (NLA_NESTED: nft_data)
pub const NFTA_SET_ELEM_KEY: u16 = 1;
/// Data value of mapping (NLA_NESTED: nft_data_attributes)
pub const NFTA_SET_ELEM_DATA: u16 = 2;
/// Bitmask of nft_set_elem_flags (NLA_U32)
pub const NFTA_SET_ELEM_FLAGS: u16 = 3;
/// Timeout value (NLA_U64)
pub const NFTA_SET_ELEM_TIMEOUT: u16 = 4;
/// Expiration time (NLA_U64)
pub const NFTA_SET_ELEM_EXPIRATION: u16 = 5;
/// User data (NLA_BINARY)
pub const NFTA_SET_ELEM_USERDATA: u16 = 6;
/// Expression (NLA_NESTED: nft_expr_attributes)
pub const NFTA_SET_ELEM_EXPR: u16 = 7;
/// Padding for 64-bit alignment; skip it
pub const NFTA_SET_ELEM_PAD: u16 = 8;
/// Stateful object reference (NLA_STRING)
pub const NFTA_SET_ELEM_OBJREF: u16 = 9;
/// Closing key value (NLA_NESTED: nft_data)
pub const NFTA_SET_ELEM_KEY_END: u16 = 10;
/// List of expressions (NLA_NESTED: nft_list_attributes)
pub const NFTA_SET_ELEM_EXPRESSIONS: u16 = 11;
/// Highest value of the enum above.
pub const NFTA_SET_ELEM_MAX: u16 = 11;

// ---- nft_set_elem_list_attributes ----
/// Unused
pub const NFTA_SET_ELEM_LIST_UNSPEC: u16 = 0;
/// Table of the set to be changed (NLA_STRING)
pub const NFTA_SET_ELEM_LIST_TABLE: u16 = 1;
/// Name of the set to be changed (NLA_STRING)
pub const NFTA_SET_ELEM_LIST_SET: u16 = 2;
/// List of set elements (NLA_NESTED: nft_set_elem_attributes)
pub const NFTA_SET_ELEM_LIST_ELEMENTS: u16 = 3;
/// Uniquely identifies a set in a transaction (NLA_U32)
pub const NFTA_SET_ELEM_LIST_SET_ID: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_SET_ELEM_LIST_MAX: u16 = 4;

// ---- nft_data_types ----
/// Generic data
pub const NFT_DATA_VALUE: u32 = 0;
/// Netfilter verdict
pub const NFT_DATA_VERDICT: u32 = 0xffffff00;
/// Data types at or above this value are reserved for the kernel
pub const NFT_DATA_RESERVED_MASK: u32 = 0xffffff00;

// ---- nft_data_attributes ----
/// Unused
pub const NFTA_DATA_UNSPEC: u16 = 0;
/// Generic data (NLA_BINARY)
pub const NFTA_DATA_VALUE: u16 = 1;
/// Nf_tables verdict (NLA_NESTED: nft_verdict_attributes)
pub const NFTA_DATA_VERDICT: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_DATA_MAX: u16 = 2;

// ---- nft_expr_attributes ----
/// Unused
pub const NFTA_EXPR_UNSPEC: u16 = 0;
/// Name of the expression type (NLA_STRING)
pub const NFTA_EXPR_NAME: u16 = 1;
/// Type specific data (NLA_NESTED)
pub const NFTA_EXPR_DATA: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_EXPR_MAX: u16 = 2;

// ---- nft_immediate_attributes ----
/// Unused
pub const NFTA_IMMEDIATE_UNSPEC: u16 = 0;
/// Destination register to load data into (NLA_U32)
pub const NFTA_IMMEDIATE_DREG: u16 = 1;
/// Data to load (NLA_NESTED: nft_data_attributes)
pub const NFTA_IMMEDIATE_DATA: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_IMMEDIATE_MAX: u16 = 2;

// ---- nft_bitwise_ops ----
/// Mask-and-xor operation used to implement NOT, AND, OR
pub const NFT_BITWISE_MASK_XOR: u32 = 0;
/// Left-shift operation
pub const NFT_BITWISE_LSHIFT: u32 = 1;
/// Right-shift operation
pub const NFT_BITWISE_RSHIFT: u32 = 2;
/// And operation
pub const NFT_BITWISE_AND: u32 = 3;
/// Or operation
pub const NFT_BITWISE_OR: u32 = 4;
/// Xor operation
pub const NFT_BITWISE_XOR: u32 = 5;
/// Old name of NFT_BITWISE_MASK_XOR
pub const NFT_BITWISE_BOOL: u32 = NFT_BITWISE_MASK_XOR;

// ---- nft_bitwise_attributes ----
/// Unused
pub const NFTA_BITWISE_UNSPEC: u16 = 0;
/// Source register (NLA_U32: nft_registers)
pub const NFTA_BITWISE_SREG: u16 = 1;
/// Destination register (NLA_U32: nft_registers)
pub const NFTA_BITWISE_DREG: u16 = 2;
/// Length of operands (NLA_U32)
pub const NFTA_BITWISE_LEN: u16 = 3;
/// Mask value (NLA_NESTED: nft_data_attributes)
pub const NFTA_BITWISE_MASK: u16 = 4;
/// Xor value (NLA_NESTED: nft_data_attributes)
pub const NFTA_BITWISE_XOR: u16 = 5;
/// Type of operation (NLA_U32: nft_bitwise_ops)
pub const NFTA_BITWISE_OP: u16 = 6;
/// Argument for non-boolean operations
pub const NFTA_BITWISE_DATA: u16 = 7;
/// Second source register (NLA_U32: nft_registers)
pub const NFTA_BITWISE_SREG2: u16 = 8;
/// Highest value of the enum above.
pub const NFTA_BITWISE_MAX: u16 = 8;

// ---- nft_byteorder_ops ----
/// Network to host operator
pub const NFT_BYTEORDER_NTOH: u32 = 0;
/// Host to network operator
pub const NFT_BYTEORDER_HTON: u32 = 1;

// ---- nft_byteorder_attributes ----
/// Unused
pub const NFTA_BYTEORDER_UNSPEC: u16 = 0;
/// Source register (NLA_U32: nft_registers)
pub const NFTA_BYTEORDER_SREG: u16 = 1;
/// Destination register (NLA_U32: nft_registers)
pub const NFTA_BYTEORDER_DREG: u16 = 2;
/// Operator (NLA_U32: enum nft_byteorder_ops)
pub const NFTA_BYTEORDER_OP: u16 = 3;
/// Length of the data (NLA_U32)
pub const NFTA_BYTEORDER_LEN: u16 = 4;
/// Data size in bytes (NLA_U32: 2 or 4)
pub const NFTA_BYTEORDER_SIZE: u16 = 5;
/// Highest value of the enum above.
pub const NFTA_BYTEORDER_MAX: u16 = 5;

// ---- nft_cmp_ops ----
/// Equal
pub const NFT_CMP_EQ: u32 = 0;
/// Not equal
pub const NFT_CMP_NEQ: u32 = 1;
/// Less than
pub const NFT_CMP_LT: u32 = 2;
/// Less than or equal to
pub const NFT_CMP_LTE: u32 = 3;
/// Greater than
pub const NFT_CMP_GT: u32 = 4;
/// Greater than or equal to
pub const NFT_CMP_GTE: u32 = 5;

// ---- nft_cmp_attributes ----
/// Unused
pub const NFTA_CMP_UNSPEC: u16 = 0;
/// Source register of data to compare (NLA_U32: nft_registers)
pub const NFTA_CMP_SREG: u16 = 1;
/// Cmp operation (NLA_U32: nft_cmp_ops)
pub const NFTA_CMP_OP: u16 = 2;
/// Data to compare against (NLA_NESTED: nft_data_attributes)
pub const NFTA_CMP_DATA: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_CMP_MAX: u16 = 3;

// ---- nft_range_ops ----
/// Equal
pub const NFT_RANGE_EQ: u32 = 0;
/// Not equal
pub const NFT_RANGE_NEQ: u32 = 1;

// ---- nft_range_attributes ----
/// Unused
pub const NFTA_RANGE_UNSPEC: u16 = 0;
/// Source register of data to compare (NLA_U32: nft_registers)
pub const NFTA_RANGE_SREG: u16 = 1;
/// Cmp operation (NLA_U32: nft_cmp_ops)
pub const NFTA_RANGE_OP: u16 = 2;
/// Data range from (NLA_NESTED: nft_data_attributes)
pub const NFTA_RANGE_FROM_DATA: u16 = 3;
/// Data range to (NLA_NESTED: nft_data_attributes)
pub const NFTA_RANGE_TO_DATA: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_RANGE_MAX: u16 = 4;

// ---- nft_lookup_flags ----
/// Invert the lookup result (match if absent)
pub const NFT_LOOKUP_F_INV: u32 = 1 << 0;

// ---- nft_lookup_attributes ----
/// Unused
pub const NFTA_LOOKUP_UNSPEC: u16 = 0;
/// Name of the set where to look for (NLA_STRING)
pub const NFTA_LOOKUP_SET: u16 = 1;
/// Source register of the data to look for (NLA_U32: nft_registers)
pub const NFTA_LOOKUP_SREG: u16 = 2;
/// Destination register (NLA_U32: nft_registers)
pub const NFTA_LOOKUP_DREG: u16 = 3;
/// Uniquely identifies a set in a transaction (NLA_U32)
pub const NFTA_LOOKUP_SET_ID: u16 = 4;
/// Flags (NLA_U32: enum nft_lookup_flags)
pub const NFTA_LOOKUP_FLAGS: u16 = 5;
/// Highest value of the enum above.
pub const NFTA_LOOKUP_MAX: u16 = 5;

// ---- nft_dynset_ops ----
/// Add the element if absent
pub const NFT_DYNSET_OP_ADD: u32 = 0;
/// Add or refresh the element
pub const NFT_DYNSET_OP_UPDATE: u32 = 1;
/// Delete the element
pub const NFT_DYNSET_OP_DELETE: u32 = 2;

// ---- nft_dynset_flags ----
/// Invert the result
pub const NFT_DYNSET_F_INV: u32 = 1 << 0;
/// The set has expressions attached to elements
pub const NFT_DYNSET_F_EXPR: u32 = 1 << 1;

// ---- nft_dynset_attributes ----
/// Unused
pub const NFTA_DYNSET_UNSPEC: u16 = 0;
/// Name of set the to add data to (NLA_STRING)
pub const NFTA_DYNSET_SET_NAME: u16 = 1;
/// Uniquely identifier of the set in the transaction (NLA_U32)
pub const NFTA_DYNSET_SET_ID: u16 = 2;
/// Operation (NLA_U32)
pub const NFTA_DYNSET_OP: u16 = 3;
/// Source register of the key (NLA_U32)
pub const NFTA_DYNSET_SREG_KEY: u16 = 4;
/// Source register of the data (NLA_U32)
pub const NFTA_DYNSET_SREG_DATA: u16 = 5;
/// Timeout value for the new element (NLA_U64)
pub const NFTA_DYNSET_TIMEOUT: u16 = 6;
/// Expression (NLA_NESTED: nft_expr_attributes)
pub const NFTA_DYNSET_EXPR: u16 = 7;
/// Padding for 64-bit alignment; skip it
pub const NFTA_DYNSET_PAD: u16 = 8;
/// Flags (NLA_U32)
pub const NFTA_DYNSET_FLAGS: u16 = 9;
/// List of expressions (NLA_NESTED: nft_list_attributes)
pub const NFTA_DYNSET_EXPRESSIONS: u16 = 10;
/// Highest value of the enum above.
pub const NFTA_DYNSET_MAX: u16 = 10;

// ---- nft_payload_bases ----
/// Link layer header
pub const NFT_PAYLOAD_LL_HEADER: u32 = 0;
/// Network header
pub const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
/// Transport header
pub const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;
/// Inner header / payload
pub const NFT_PAYLOAD_INNER_HEADER: u32 = 3;
/// Tunnel header
pub const NFT_PAYLOAD_TUN_HEADER: u32 = 4;

// ---- nft_payload_csum_types ----
/// No checksumming
pub const NFT_PAYLOAD_CSUM_NONE: u32 = 0;
/// Internet checksum (RFC 791)
pub const NFT_PAYLOAD_CSUM_INET: u32 = 1;
/// CRC-32c, for use in SCTP header (RFC 3309)
pub const NFT_PAYLOAD_CSUM_SCTP: u32 = 2;

// ---- nft_payload_csum_flags ----
/// Update the layer 4 checksum for the pseudo-header as well
pub const NFT_PAYLOAD_L4CSUM_PSEUDOHDR: u32 = 1 << 0;

// ---- nft_payload_attributes ----
/// Unused
pub const NFTA_PAYLOAD_UNSPEC: u16 = 0;
/// Destination register to load data into (NLA_U32: nft_registers)
pub const NFTA_PAYLOAD_DREG: u16 = 1;
/// Payload base (NLA_U32: nft_payload_bases)
pub const NFTA_PAYLOAD_BASE: u16 = 2;
/// Payload offset relative to base (NLA_U32)
pub const NFTA_PAYLOAD_OFFSET: u16 = 3;
/// Payload length (NLA_U32)
pub const NFTA_PAYLOAD_LEN: u16 = 4;
/// Source register to load data from (NLA_U32: nft_registers)
pub const NFTA_PAYLOAD_SREG: u16 = 5;
/// Checksum type (NLA_U32)
pub const NFTA_PAYLOAD_CSUM_TYPE: u16 = 6;
/// Checksum offset relative to base (NLA_U32)
pub const NFTA_PAYLOAD_CSUM_OFFSET: u16 = 7;
/// Checksum flags (NLA_U32)
pub const NFTA_PAYLOAD_CSUM_FLAGS: u16 = 8;
/// Highest value of the enum above.
pub const NFTA_PAYLOAD_MAX: u16 = 8;

// ---- nft_exthdr_flags ----
/// Only test for presence of the header/option
pub const NFT_EXTHDR_F_PRESENT: u32 = 1 << 0;

// ---- nft_exthdr_op ----
/// Match against ipv6 extension headers
pub const NFT_EXTHDR_OP_IPV6: u32 = 0;
/// Match against tcp options
pub const NFT_EXTHDR_OP_TCPOPT: u32 = 1;
/// Match against ipv4 options
pub const NFT_EXTHDR_OP_IPV4: u32 = 2;
/// Match against sctp chunks
pub const NFT_EXTHDR_OP_SCTP: u32 = 3;
/// Match against dccp otions
pub const NFT_EXTHDR_OP_DCCP: u32 = 4;
/// Highest value of the enum above.
pub const NFT_EXTHDR_OP_MAX: u32 = 4;

// ---- nft_exthdr_attributes ----
/// Unused
pub const NFTA_EXTHDR_UNSPEC: u16 = 0;
/// Destination register (NLA_U32: nft_registers)
pub const NFTA_EXTHDR_DREG: u16 = 1;
/// Extension header type (NLA_U8)
pub const NFTA_EXTHDR_TYPE: u16 = 2;
/// Extension header offset (NLA_U32)
pub const NFTA_EXTHDR_OFFSET: u16 = 3;
/// Extension header length (NLA_U32)
pub const NFTA_EXTHDR_LEN: u16 = 4;
/// Extension header flags (NLA_U32)
pub const NFTA_EXTHDR_FLAGS: u16 = 5;
/// Option match type (NLA_U32)
pub const NFTA_EXTHDR_OP: u16 = 6;
/// Option match type (NLA_U32)
pub const NFTA_EXTHDR_SREG: u16 = 7;
/// Highest value of the enum above.
pub const NFTA_EXTHDR_MAX: u16 = 7;

// ---- nft_meta_keys ----
/// Packet length (skb->len)
pub const NFT_META_LEN: u32 = 0;
/// Packet ethertype protocol (skb->protocol), invalid in OUTPUT
pub const NFT_META_PROTOCOL: u32 = 1;
/// Packet priority (skb->priority)
pub const NFT_META_PRIORITY: u32 = 2;
/// Packet mark (skb->mark)
pub const NFT_META_MARK: u32 = 3;
/// Packet input interface index (dev->ifindex)
pub const NFT_META_IIF: u32 = 4;
/// Packet output interface index (dev->ifindex)
pub const NFT_META_OIF: u32 = 5;
/// Packet input interface name (dev->name)
pub const NFT_META_IIFNAME: u32 = 6;
/// Packet output interface name (dev->name)
pub const NFT_META_OIFNAME: u32 = 7;
/// Packet input interface type (dev->type); alias NFT_META_IIFTYPE
pub const NFT_META_IFTYPE: u32 = 8;
/// Packet output interface type (dev->type)
pub const NFT_META_OIFTYPE: u32 = 9;
/// Originating socket UID (fsuid)
pub const NFT_META_SKUID: u32 = 10;
/// Originating socket GID (fsgid)
pub const NFT_META_SKGID: u32 = 11;
/// Packet nftrace bit
pub const NFT_META_NFTRACE: u32 = 12;
/// Realm value of packet's route (skb->dst->tclassid)
pub const NFT_META_RTCLASSID: u32 = 13;
/// Packet secmark (skb->secmark)
pub const NFT_META_SECMARK: u32 = 14;
/// Netfilter protocol
pub const NFT_META_NFPROTO: u32 = 15;
/// Layer 4 protocol number
pub const NFT_META_L4PROTO: u32 = 16;
/// Packet input bridge interface name
pub const NFT_META_BRI_IIFNAME: u32 = 17;
/// Packet output bridge interface name
pub const NFT_META_BRI_OIFNAME: u32 = 18;
/// Packet type (skb->pkt_type), special handling for loopback
pub const NFT_META_PKTTYPE: u32 = 19;
/// Cpu id through smp_processor_id()
pub const NFT_META_CPU: u32 = 20;
/// Packet input interface group
pub const NFT_META_IIFGROUP: u32 = 21;
/// Packet output interface group
pub const NFT_META_OIFGROUP: u32 = 22;
/// Socket control group (skb->sk->sk_classid)
pub const NFT_META_CGROUP: u32 = 23;
/// A 32bit pseudo-random number
pub const NFT_META_PRANDOM: u32 = 24;
/// Boolean, secpath_exists (!!skb->sp)
pub const NFT_META_SECPATH: u32 = 25;
/// Packet input interface kind name (dev->rtnl_link_ops->kind)
pub const NFT_META_IIFKIND: u32 = 26;
/// Packet output interface kind name (dev->rtnl_link_ops->kind)
pub const NFT_META_OIFKIND: u32 = 27;
/// Packet input bridge port pvid
pub const NFT_META_BRI_IIFPVID: u32 = 28;
/// Packet input bridge vlan proto
pub const NFT_META_BRI_IIFVPROTO: u32 = 29;
/// Time since epoch (in nanoseconds)
pub const NFT_META_TIME_NS: u32 = 30;
/// Day of week (from 0 = Sunday to 6 = Saturday)
pub const NFT_META_TIME_DAY: u32 = 31;
/// Hour of day (in seconds)
pub const NFT_META_TIME_HOUR: u32 = 32;
/// Slave device interface index
pub const NFT_META_SDIF: u32 = 33;
/// Slave device interface name
pub const NFT_META_SDIFNAME: u32 = 34;
/// Packet br_netfilter_broute bit
pub const NFT_META_BRI_BROUTE: u32 = 35;
/// Packet input bridge interface ethernet address
pub const NFT_META_BRI_IIFHWADDR: u32 = 37;
/// Alias of NFT_META_IFTYPE
pub const NFT_META_IIFTYPE: u32 = NFT_META_IFTYPE;

// ---- nft_rt_keys ----
/// Realm value of packet's route (skb->dst->tclassid)
pub const NFT_RT_CLASSID: u32 = 0;
/// Routing nexthop for IPv4
pub const NFT_RT_NEXTHOP4: u32 = 1;
/// Routing nexthop for IPv6
pub const NFT_RT_NEXTHOP6: u32 = 2;
/// Fetch current path tcp mss
pub const NFT_RT_TCPMSS: u32 = 3;
/// Boolean, skb->dst->xfrm != NULL
pub const NFT_RT_XFRM: u32 = 4;
/// Highest value of the enum above.
pub const NFT_RT_MAX: u32 = 4;

// ---- nft_hash_types ----
/// Jenkins Hash
pub const NFT_HASH_JENKINS: u32 = 0;
/// Symmetric Hash
pub const NFT_HASH_SYM: u32 = 1;

// ---- nft_hash_attributes ----
/// Unused
pub const NFTA_HASH_UNSPEC: u16 = 0;
/// Source register (NLA_U32)
pub const NFTA_HASH_SREG: u16 = 1;
/// Destination register (NLA_U32)
pub const NFTA_HASH_DREG: u16 = 2;
/// Source data length (NLA_U32)
pub const NFTA_HASH_LEN: u16 = 3;
/// Modulus value (NLA_U32)
pub const NFTA_HASH_MODULUS: u16 = 4;
/// Seed value (NLA_U32)
pub const NFTA_HASH_SEED: u16 = 5;
/// Add this offset value to hash result (NLA_U32)
pub const NFTA_HASH_OFFSET: u16 = 6;
/// Hash operation (NLA_U32: nft_hash_types)
pub const NFTA_HASH_TYPE: u16 = 7;
/// Name of the map to lookup (NLA_STRING)
pub const NFTA_HASH_SET_NAME: u16 = 8;
/// Id of the map (NLA_U32)
pub const NFTA_HASH_SET_ID: u16 = 9;
/// Highest value of the enum above.
pub const NFTA_HASH_MAX: u16 = 9;

// ---- nft_meta_attributes ----
/// Unused
pub const NFTA_META_UNSPEC: u16 = 0;
/// Destination register (NLA_U32)
pub const NFTA_META_DREG: u16 = 1;
/// Meta data item to load (NLA_U32: nft_meta_keys)
pub const NFTA_META_KEY: u16 = 2;
/// Source register (NLA_U32)
pub const NFTA_META_SREG: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_META_MAX: u16 = 3;

// ---- nft_rt_attributes ----
/// Unused
pub const NFTA_RT_UNSPEC: u16 = 0;
/// Destination register (NLA_U32)
pub const NFTA_RT_DREG: u16 = 1;
/// Routing data item to load (NLA_U32: nft_rt_keys)
pub const NFTA_RT_KEY: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_RT_MAX: u16 = 2;

// ---- nft_socket_attributes ----
/// Unused
pub const NFTA_SOCKET_UNSPEC: u16 = 0;
/// Socket key to match
pub const NFTA_SOCKET_KEY: u16 = 1;
/// Destination register
pub const NFTA_SOCKET_DREG: u16 = 2;
/// Cgroups2 ancestor level (only for cgroupsv2)
pub const NFTA_SOCKET_LEVEL: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_SOCKET_MAX: u16 = 3;

// ---- nft_socket_keys ----
/// Value of the IP(V6)_TRANSPARENT socket option
pub const NFT_SOCKET_TRANSPARENT: u32 = 0;
/// Value of the socket mark
pub const NFT_SOCKET_MARK: u32 = 1;
/// Whether the socket is zero-bound (e.g. 0.0.0.0 or ::0)
pub const NFT_SOCKET_WILDCARD: u32 = 2;
/// Match on cgroups version 2
pub const NFT_SOCKET_CGROUPV2: u32 = 3;
/// Highest value of the enum above.
pub const NFT_SOCKET_MAX: u32 = 3;

// ---- nft_ct_keys ----
/// Conntrack state (bitmask of enum ip_conntrack_info)
pub const NFT_CT_STATE: u32 = 0;
/// Conntrack direction (enum ip_conntrack_dir)
pub const NFT_CT_DIRECTION: u32 = 1;
/// Conntrack status (bitmask of enum ip_conntrack_status)
pub const NFT_CT_STATUS: u32 = 2;
/// Conntrack mark value
pub const NFT_CT_MARK: u32 = 3;
/// Conntrack secmark value
pub const NFT_CT_SECMARK: u32 = 4;
/// Relative conntrack expiration time in ms
pub const NFT_CT_EXPIRATION: u32 = 5;
/// Connection tracking helper assigned to conntrack
pub const NFT_CT_HELPER: u32 = 6;
/// Conntrack layer 3 protocol
pub const NFT_CT_L3PROTOCOL: u32 = 7;
/// Conntrack layer 3 protocol source (IPv4/IPv6 address, deprecated)
pub const NFT_CT_SRC: u32 = 8;
/// Conntrack layer 3 protocol destination (IPv4/IPv6 address, deprecated)
pub const NFT_CT_DST: u32 = 9;
/// Conntrack layer 4 protocol
pub const NFT_CT_PROTOCOL: u32 = 10;
/// Conntrack layer 4 protocol source
pub const NFT_CT_PROTO_SRC: u32 = 11;
/// Conntrack layer 4 protocol destination
pub const NFT_CT_PROTO_DST: u32 = 12;
/// Conntrack labels
pub const NFT_CT_LABELS: u32 = 13;
/// Conntrack packets
pub const NFT_CT_PKTS: u32 = 14;
/// Conntrack bytes
pub const NFT_CT_BYTES: u32 = 15;
/// Conntrack average bytes per packet
pub const NFT_CT_AVGPKT: u32 = 16;
/// Conntrack zone
pub const NFT_CT_ZONE: u32 = 17;
/// Ctnetlink events to be generated for this conntrack
pub const NFT_CT_EVENTMASK: u32 = 18;
/// Conntrack layer 3 protocol source (IPv4 address)
pub const NFT_CT_SRC_IP: u32 = 19;
/// Conntrack layer 3 protocol destination (IPv4 address)
pub const NFT_CT_DST_IP: u32 = 20;
/// Conntrack layer 3 protocol source (IPv6 address)
pub const NFT_CT_SRC_IP6: u32 = 21;
/// Conntrack layer 3 protocol destination (IPv6 address)
pub const NFT_CT_DST_IP6: u32 = 22;
/// Conntrack id
pub const NFT_CT_ID: u32 = 23;
/// Highest value of the enum above.
pub const NFT_CT_MAX: u32 = 23;

// ---- nft_ct_attributes ----
/// Unused
pub const NFTA_CT_UNSPEC: u16 = 0;
/// Destination register (NLA_U32)
pub const NFTA_CT_DREG: u16 = 1;
/// Conntrack data item to load (NLA_U32: nft_ct_keys)
pub const NFTA_CT_KEY: u16 = 2;
/// Direction in case of directional keys (NLA_U8)
pub const NFTA_CT_DIRECTION: u16 = 3;
/// Source register (NLA_U32)
pub const NFTA_CT_SREG: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_CT_MAX: u16 = 4;

// ---- nft_offload_attributes ----
/// Unused
pub const NFTA_FLOW_UNSPEC: u16 = 0;
/// Flow table name (NLA_STRING)
pub const NFTA_FLOW_TABLE_NAME: u16 = 1;
/// Highest value of the enum above.
pub const NFTA_FLOW_MAX: u16 = 1;

// ---- nft_limit_type ----
/// Limit packets
pub const NFT_LIMIT_PKTS: u32 = 0;
/// Limit bytes
pub const NFT_LIMIT_PKT_BYTES: u32 = 1;

// ---- nft_limit_flags ----
/// Invert: match when over the limit
pub const NFT_LIMIT_F_INV: u32 = 1 << 0;

// ---- nft_limit_attributes ----
/// Unused
pub const NFTA_LIMIT_UNSPEC: u16 = 0;
/// Refill rate (NLA_U64)
pub const NFTA_LIMIT_RATE: u16 = 1;
/// Refill unit (NLA_U64)
pub const NFTA_LIMIT_UNIT: u16 = 2;
/// Burst (NLA_U32)
pub const NFTA_LIMIT_BURST: u16 = 3;
/// Type of limit (NLA_U32: enum nft_limit_type)
pub const NFTA_LIMIT_TYPE: u16 = 4;
/// Flags (NLA_U32: enum nft_limit_flags)
pub const NFTA_LIMIT_FLAGS: u16 = 5;
/// Padding for 64-bit alignment; skip it
pub const NFTA_LIMIT_PAD: u16 = 6;
/// Highest value of the enum above.
pub const NFTA_LIMIT_MAX: u16 = 6;

// ---- nft_connlimit_flags ----
/// Invert: match when at or under the count
pub const NFT_CONNLIMIT_F_INV: u32 = 1 << 0;

// ---- nft_connlimit_attributes ----
/// Unused
pub const NFTA_CONNLIMIT_UNSPEC: u16 = 0;
/// Number of connections (NLA_U32)
pub const NFTA_CONNLIMIT_COUNT: u16 = 1;
/// Flags (NLA_U32: enum nft_connlimit_flags)
pub const NFTA_CONNLIMIT_FLAGS: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_CONNLIMIT_MAX: u16 = 2;

// ---- nft_counter_attributes ----
/// Unused
pub const NFTA_COUNTER_UNSPEC: u16 = 0;
/// Number of bytes (NLA_U64)
pub const NFTA_COUNTER_BYTES: u16 = 1;
/// Number of packets (NLA_U64)
pub const NFTA_COUNTER_PACKETS: u16 = 2;
/// Padding for 64-bit alignment; skip it
pub const NFTA_COUNTER_PAD: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_COUNTER_MAX: u16 = 3;

// ---- nft_last_attributes ----
/// Unused
pub const NFTA_LAST_UNSPEC: u16 = 0;
/// Last update has been set, zero means never updated (NLA_U32)
pub const NFTA_LAST_SET: u16 = 1;
/// Milliseconds since last update (NLA_U64)
pub const NFTA_LAST_MSECS: u16 = 2;
/// Padding for 64-bit alignment; skip it
pub const NFTA_LAST_PAD: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_LAST_MAX: u16 = 3;

// ---- nft_log_attributes ----
/// Unused
pub const NFTA_LOG_UNSPEC: u16 = 0;
/// Netlink group to send messages to (NLA_U32)
pub const NFTA_LOG_GROUP: u16 = 1;
/// Prefix to prepend to log messages (NLA_STRING)
pub const NFTA_LOG_PREFIX: u16 = 2;
/// Length of payload to include in netlink message (NLA_U32)
pub const NFTA_LOG_SNAPLEN: u16 = 3;
/// Queue threshold (NLA_U32)
pub const NFTA_LOG_QTHRESHOLD: u16 = 4;
/// Log level (NLA_U32)
pub const NFTA_LOG_LEVEL: u16 = 5;
/// Logging flags (NLA_U32)
pub const NFTA_LOG_FLAGS: u16 = 6;
/// Highest value of the enum above.
pub const NFTA_LOG_MAX: u16 = 6;

// ---- nft_log_level ----
/// System is unusable
pub const NFT_LOGLEVEL_EMERG: u32 = 0;
/// Action must be taken immediately
pub const NFT_LOGLEVEL_ALERT: u32 = 1;
/// Critical conditions
pub const NFT_LOGLEVEL_CRIT: u32 = 2;
/// Error conditions
pub const NFT_LOGLEVEL_ERR: u32 = 3;
/// Warning conditions
pub const NFT_LOGLEVEL_WARNING: u32 = 4;
/// Normal but significant condition
pub const NFT_LOGLEVEL_NOTICE: u32 = 5;
/// Informational
pub const NFT_LOGLEVEL_INFO: u32 = 6;
/// Debug-level messages
pub const NFT_LOGLEVEL_DEBUG: u32 = 7;
/// Enabling audit logging
pub const NFT_LOGLEVEL_AUDIT: u32 = 8;
/// Highest value of the enum above.
pub const NFT_LOGLEVEL_MAX: u32 = 8;

// ---- nft_queue_attributes ----
/// Unused
pub const NFTA_QUEUE_UNSPEC: u16 = 0;
/// Netlink queue to send messages to (NLA_U16)
pub const NFTA_QUEUE_NUM: u16 = 1;
/// Number of queues to load balance packets on (NLA_U16)
pub const NFTA_QUEUE_TOTAL: u16 = 2;
/// Various flags (NLA_U16)
pub const NFTA_QUEUE_FLAGS: u16 = 3;
/// Source register of queue number (NLA_U32: nft_registers)
pub const NFTA_QUEUE_SREG_QNUM: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_QUEUE_MAX: u16 = 4;
/// Accept the packet if no program listens on the queue
pub const NFT_QUEUE_FLAG_BYPASS: u16 = 0x01;
/// Use the current CPU to pick the queue (no hashing)
pub const NFT_QUEUE_FLAG_CPU_FANOUT: u16 = 0x02;
/// All queue flags
pub const NFT_QUEUE_FLAG_MASK: u16 = 0x03;

// ---- nft_quota_flags ----
/// Invert: match when over the quota
pub const NFT_QUOTA_F_INV: u32 = 1 << 0;
/// Quota is used up
pub const NFT_QUOTA_F_DEPLETED: u32 = 1 << 1;

// ---- nft_quota_attributes ----
/// Unused
pub const NFTA_QUOTA_UNSPEC: u16 = 0;
/// Quota in bytes (NLA_U16)
pub const NFTA_QUOTA_BYTES: u16 = 1;
/// Flags (NLA_U32)
pub const NFTA_QUOTA_FLAGS: u16 = 2;
/// Padding for 64-bit alignment; skip it
pub const NFTA_QUOTA_PAD: u16 = 3;
/// Quota already consumed in bytes (NLA_U64)
pub const NFTA_QUOTA_CONSUMED: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_QUOTA_MAX: u16 = 4;

// ---- nft_secmark_attributes ----
/// Unused
pub const NFTA_SECMARK_UNSPEC: u16 = 0;
/// Security context (NLA_STRING)
pub const NFTA_SECMARK_CTX: u16 = 1;
/// Highest value of the enum above.
pub const NFTA_SECMARK_MAX: u16 = 1;

// ---- nft_reject_types ----
/// Reject using ICMP unreachable
pub const NFT_REJECT_ICMP_UNREACH: u32 = 0;
/// Reject using TCP RST
pub const NFT_REJECT_TCP_RST: u32 = 1;
/// Abstracted ICMP unreachable for bridge and inet
pub const NFT_REJECT_ICMPX_UNREACH: u32 = 2;

// ---- nft_reject_inet_code ----
/// No route to host / network unreachable
pub const NFT_REJECT_ICMPX_NO_ROUTE: u32 = 0;
/// Port unreachable
pub const NFT_REJECT_ICMPX_PORT_UNREACH: u32 = 1;
/// Host unreachable
pub const NFT_REJECT_ICMPX_HOST_UNREACH: u32 = 2;
/// Administratively prohibited
pub const NFT_REJECT_ICMPX_ADMIN_PROHIBITED: u32 = 3;
/// Highest value of the enum above.
pub const NFT_REJECT_ICMPX_MAX: u32 = 3;

// ---- nft_reject_attributes ----
/// Unused
pub const NFTA_REJECT_UNSPEC: u16 = 0;
/// Packet type to use (NLA_U32: nft_reject_types)
pub const NFTA_REJECT_TYPE: u16 = 1;
/// ICMP code to use (NLA_U8)
pub const NFTA_REJECT_ICMP_CODE: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_REJECT_MAX: u16 = 2;

// ---- nft_nat_types ----
/// Source NAT
pub const NFT_NAT_SNAT: u32 = 0;
/// Destination NAT
pub const NFT_NAT_DNAT: u32 = 1;

// ---- nft_nat_attributes ----
/// Unused
pub const NFTA_NAT_UNSPEC: u16 = 0;
/// NAT type (NLA_U32: nft_nat_types)
pub const NFTA_NAT_TYPE: u16 = 1;
/// NAT family (NLA_U32)
pub const NFTA_NAT_FAMILY: u16 = 2;
/// Source register of address range start (NLA_U32: nft_registers)
pub const NFTA_NAT_REG_ADDR_MIN: u16 = 3;
/// Source register of address range end (NLA_U32: nft_registers)
pub const NFTA_NAT_REG_ADDR_MAX: u16 = 4;
/// Source register of proto range start (NLA_U32: nft_registers)
pub const NFTA_NAT_REG_PROTO_MIN: u16 = 5;
/// Source register of proto range end (NLA_U32: nft_registers)
pub const NFTA_NAT_REG_PROTO_MAX: u16 = 6;
/// NAT flags (see NF_NAT_RANGE_* in linux/netfilter/nf_nat.h) (NLA_U32)
pub const NFTA_NAT_FLAGS: u16 = 7;
/// Highest value of the enum above.
pub const NFTA_NAT_MAX: u16 = 7;

// ---- nft_tproxy_attributes ----
/// Unused
pub const NFTA_TPROXY_UNSPEC: u16 = 0;
/// Target address family (NLA_U32)
pub const NFTA_TPROXY_FAMILY: u16 = 1;
/// Target address register (NLA_U32: nft_registers)
pub const NFTA_TPROXY_REG_ADDR: u16 = 2;
/// Target port register (NLA_U32: nft_registers)
pub const NFTA_TPROXY_REG_PORT: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_TPROXY_MAX: u16 = 3;

// ---- nft_masq_attributes ----
/// Unused
pub const NFTA_MASQ_UNSPEC: u16 = 0;
/// NAT flags (see NF_NAT_RANGE_* in linux/netfilter/nf_nat.h) (NLA_U32)
pub const NFTA_MASQ_FLAGS: u16 = 1;
/// Source register of proto range start (NLA_U32: nft_registers)
pub const NFTA_MASQ_REG_PROTO_MIN: u16 = 2;
/// Source register of proto range end (NLA_U32: nft_registers)
pub const NFTA_MASQ_REG_PROTO_MAX: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_MASQ_MAX: u16 = 3;

// ---- nft_redir_attributes ----
/// Unused
pub const NFTA_REDIR_UNSPEC: u16 = 0;
/// Source register of proto range start (NLA_U32: nft_registers)
pub const NFTA_REDIR_REG_PROTO_MIN: u16 = 1;
/// Source register of proto range end (NLA_U32: nft_registers)
pub const NFTA_REDIR_REG_PROTO_MAX: u16 = 2;
/// NAT flags (see NF_NAT_RANGE_* in linux/netfilter/nf_nat.h) (NLA_U32)
pub const NFTA_REDIR_FLAGS: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_REDIR_MAX: u16 = 3;

// ---- nft_dup_attributes ----
/// Unused
pub const NFTA_DUP_UNSPEC: u16 = 0;
/// Source register of address (NLA_U32: nft_registers)
pub const NFTA_DUP_SREG_ADDR: u16 = 1;
/// Source register of output interface (NLA_U32: nft_register)
pub const NFTA_DUP_SREG_DEV: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_DUP_MAX: u16 = 2;

// ---- nft_fwd_attributes ----
/// Unused
pub const NFTA_FWD_UNSPEC: u16 = 0;
/// Source register of output interface (NLA_U32: nft_register)
pub const NFTA_FWD_SREG_DEV: u16 = 1;
/// Source register of destination address (NLA_U32: nft_register)
pub const NFTA_FWD_SREG_ADDR: u16 = 2;
/// Layer 3 family of source register address (NLA_U32: enum nfproto)
pub const NFTA_FWD_NFPROTO: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_FWD_MAX: u16 = 3;

// ---- nft_objref_attributes ----
/// Unused
pub const NFTA_OBJREF_UNSPEC: u16 = 0;
/// Object type for immediate reference (NLA_U32: nft_register)
pub const NFTA_OBJREF_IMM_TYPE: u16 = 1;
/// Object name for immediate reference (NLA_STRING)
pub const NFTA_OBJREF_IMM_NAME: u16 = 2;
/// Source register of the data to look for (NLA_U32: nft_registers)
pub const NFTA_OBJREF_SET_SREG: u16 = 3;
/// Name of the set where to look for (NLA_STRING)
pub const NFTA_OBJREF_SET_NAME: u16 = 4;
/// Id of the set where to look for in this transaction (NLA_U32)
pub const NFTA_OBJREF_SET_ID: u16 = 5;
/// Highest value of the enum above.
pub const NFTA_OBJREF_MAX: u16 = 5;

// ---- nft_gen_attributes ----
/// Unused
pub const NFTA_GEN_UNSPEC: u16 = 0;
/// Ruleset generation ID (NLA_U32)
pub const NFTA_GEN_ID: u16 = 1;
/// Pid of the process that made the change (NLA_U32)
pub const NFTA_GEN_PROC_PID: u16 = 2;
/// Name of the process that made the change (NLA_STRING)
pub const NFTA_GEN_PROC_NAME: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_GEN_MAX: u16 = 3;

// ---- nft_fib_attributes ----
/// Unused
pub const NFTA_FIB_UNSPEC: u16 = 0;
/// Destination register (NLA_U32)
pub const NFTA_FIB_DREG: u16 = 1;
/// Desired result (NLA_U32)
pub const NFTA_FIB_RESULT: u16 = 2;
/// Flowi fields to initialize when querying the FIB (NLA_U32)
pub const NFTA_FIB_FLAGS: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_FIB_MAX: u16 = 3;

// ---- nft_fib_result ----
/// Unused
pub const NFT_FIB_RESULT_UNSPEC: u32 = 0;
/// Output interface index
pub const NFT_FIB_RESULT_OIF: u32 = 1;
/// Output interface name
pub const NFT_FIB_RESULT_OIFNAME: u32 = 2;
/// Address type (RTN_*)
pub const NFT_FIB_RESULT_ADDRTYPE: u32 = 3;
/// Highest value of the enum above.
pub const NFT_FIB_RESULT_MAX: u32 = 3;

// ---- nft_fib_flags ----
/// Look up the source address
pub const NFTA_FIB_F_SADDR: u32 = 1 << 0;
/// Look up the destination address
pub const NFTA_FIB_F_DADDR: u32 = 1 << 1;
/// Use skb->mark
pub const NFTA_FIB_F_MARK: u32 = 1 << 2;
/// Restrict to the input interface
pub const NFTA_FIB_F_IIF: u32 = 1 << 3;
/// Restrict to the output interface
pub const NFTA_FIB_F_OIF: u32 = 1 << 4;
/// Check existence only
pub const NFTA_FIB_F_PRESENT: u32 = 1 << 5;

// ---- nft_ct_helper_attributes ----
/// Unused
pub const NFTA_CT_HELPER_UNSPEC: u16 = 0;
/// Helper name (NLA_STRING)
pub const NFTA_CT_HELPER_NAME: u16 = 1;
/// Layer 3 protocol (NLA_U16)
pub const NFTA_CT_HELPER_L3PROTO: u16 = 2;
/// Layer 4 protocol (NLA_U8)
pub const NFTA_CT_HELPER_L4PROTO: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_CT_HELPER_MAX: u16 = 3;

// ---- nft_ct_timeout_timeout_attributes ----
/// Unused
pub const NFTA_CT_TIMEOUT_UNSPEC: u16 = 0;
/// Layer 3 protocol (NLA_U16)
pub const NFTA_CT_TIMEOUT_L3PROTO: u16 = 1;
/// Layer 4 protocol (NLA_U8)
pub const NFTA_CT_TIMEOUT_L4PROTO: u16 = 2;
/// Timeout policy (NLA_NESTED)
pub const NFTA_CT_TIMEOUT_DATA: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_CT_TIMEOUT_MAX: u16 = 3;

// ---- nft_ct_expectation_attributes ----
/// Unused
pub const NFTA_CT_EXPECT_UNSPEC: u16 = 0;
/// Layer 3 protocol (NLA_U16)
pub const NFTA_CT_EXPECT_L3PROTO: u16 = 1;
/// Layer 4 protocol (NLA_U8)
pub const NFTA_CT_EXPECT_L4PROTO: u16 = 2;
/// Destination port (NLA_U16)
pub const NFTA_CT_EXPECT_DPORT: u16 = 3;
/// Timeout in ms (NLA_U32)
pub const NFTA_CT_EXPECT_TIMEOUT: u16 = 4;
/// Maximum number of expectations (NLA_U8)
pub const NFTA_CT_EXPECT_SIZE: u16 = 5;
/// Highest value of the enum above.
pub const NFTA_CT_EXPECT_MAX: u16 = 5;
/// Stateful object type: unspecified
pub const NFT_OBJECT_UNSPEC: u32 = 0;
/// Stateful object type: counter
pub const NFT_OBJECT_COUNTER: u32 = 1;
/// Stateful object type: quota
pub const NFT_OBJECT_QUOTA: u32 = 2;
/// Stateful object type: ct helper
pub const NFT_OBJECT_CT_HELPER: u32 = 3;
/// Stateful object type: limit
pub const NFT_OBJECT_LIMIT: u32 = 4;
/// Stateful object type: connlimit
pub const NFT_OBJECT_CONNLIMIT: u32 = 5;
/// Stateful object type: tunnel
pub const NFT_OBJECT_TUNNEL: u32 = 6;
/// Stateful object type: ct timeout policy
pub const NFT_OBJECT_CT_TIMEOUT: u32 = 7;
/// Stateful object type: secmark
pub const NFT_OBJECT_SECMARK: u32 = 8;
/// Stateful object type: ct expectation
pub const NFT_OBJECT_CT_EXPECT: u32 = 9;
/// Stateful object type: synproxy
pub const NFT_OBJECT_SYNPROXY: u32 = 10;
/// Highest value of the enum above.
pub const NFT_OBJECT_MAX: u32 = 10;

// ---- nft_object_attributes ----
/// Unused
pub const NFTA_OBJ_UNSPEC: u16 = 0;
/// Name of the table containing the expression (NLA_STRING)
pub const NFTA_OBJ_TABLE: u16 = 1;
/// Name of this expression type (NLA_STRING)
pub const NFTA_OBJ_NAME: u16 = 2;
/// Stateful object type (NLA_U32)
pub const NFTA_OBJ_TYPE: u16 = 3;
/// Stateful object data (NLA_NESTED)
pub const NFTA_OBJ_DATA: u16 = 4;
/// Number of references to this expression (NLA_U32)
pub const NFTA_OBJ_USE: u16 = 5;
/// Object handle (NLA_U64)
pub const NFTA_OBJ_HANDLE: u16 = 6;
/// Padding for 64-bit alignment; skip it
pub const NFTA_OBJ_PAD: u16 = 7;
/// User data (NLA_BINARY)
pub const NFTA_OBJ_USERDATA: u16 = 8;
/// Highest value of the enum above.
pub const NFTA_OBJ_MAX: u16 = 8;

// ---- nft_flowtable_flags ----
/// Flowtable hardware offload is enabled
pub const NFT_FLOWTABLE_HW_OFFLOAD: u32 = 0x1;
/// Enable flow counters
pub const NFT_FLOWTABLE_COUNTER: u32 = 0x2;
/// All flowtable flags
pub const NFT_FLOWTABLE_MASK: u32 = NFT_FLOWTABLE_HW_OFFLOAD | NFT_FLOWTABLE_COUNTER;

// ---- nft_flowtable_attributes ----
/// Unused
pub const NFTA_FLOWTABLE_UNSPEC: u16 = 0;
/// Name of the table containing the expression (NLA_STRING)
pub const NFTA_FLOWTABLE_TABLE: u16 = 1;
/// Name of this flow table (NLA_STRING)
pub const NFTA_FLOWTABLE_NAME: u16 = 2;
/// Netfilter hook configuration (NLA_NESTED)
pub const NFTA_FLOWTABLE_HOOK: u16 = 3;
/// Number of references to this flow table (NLA_U32)
pub const NFTA_FLOWTABLE_USE: u16 = 4;
/// Object handle (NLA_U64)
pub const NFTA_FLOWTABLE_HANDLE: u16 = 5;
/// Padding for 64-bit alignment; skip it
pub const NFTA_FLOWTABLE_PAD: u16 = 6;
/// Flags (NLA_U32)
pub const NFTA_FLOWTABLE_FLAGS: u16 = 7;
/// Highest value of the enum above.
pub const NFTA_FLOWTABLE_MAX: u16 = 7;

// ---- nft_flowtable_hook_attributes ----
/// Unused
pub const NFTA_FLOWTABLE_HOOK_UNSPEC: u16 = 0;
/// Netfilter hook number (NLA_U32)
pub const NFTA_FLOWTABLE_HOOK_NUM: u16 = 1;
/// Netfilter hook priority (NLA_U32)
pub const NFTA_FLOWTABLE_HOOK_PRIORITY: u16 = 2;
/// Input devices this flow table is bound to (NLA_NESTED)
pub const NFTA_FLOWTABLE_HOOK_DEVS: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_FLOWTABLE_HOOK_MAX: u16 = 3;

// ---- nft_osf_attributes ----
/// Unused
pub const NFTA_OSF_UNSPEC: u16 = 0;
/// Destination register (NLA_U32: nft_registers)
pub const NFTA_OSF_DREG: u16 = 1;
/// Value of the TTL osf option (NLA_U8)
pub const NFTA_OSF_TTL: u16 = 2;
/// Flags (NLA_U32)
pub const NFTA_OSF_FLAGS: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_OSF_MAX: u16 = 3;

// ---- nft_osf_flags ----
/// Match the OS version too
pub const NFT_OSF_F_VERSION: u32 = 1 << 0;

// ---- nft_synproxy_attributes ----
/// Unused
pub const NFTA_SYNPROXY_UNSPEC: u16 = 0;
/// Mss value sent to the backend (NLA_U16)
pub const NFTA_SYNPROXY_MSS: u16 = 1;
/// Wscale value sent to the backend (NLA_U8)
pub const NFTA_SYNPROXY_WSCALE: u16 = 2;
/// Flags (NLA_U32)
pub const NFTA_SYNPROXY_FLAGS: u16 = 3;
/// Highest value of the enum above.
pub const NFTA_SYNPROXY_MAX: u16 = 3;

// ---- nft_devices_attributes ----
/// Unused
pub const NFTA_DEVICE_UNSPEC: u16 = 0;
/// Name of this device (NLA_STRING)
pub const NFTA_DEVICE_NAME: u16 = 1;
/// Device name prefix, a simple wildcard (NLA_STRING)
pub const NFTA_DEVICE_PREFIX: u16 = 2;
/// Highest value of the enum above.
pub const NFTA_DEVICE_MAX: u16 = 2;

// ---- nft_xfrm_attributes ----
/// Unused
pub const NFTA_XFRM_UNSPEC: u16 = 0;
/// Destination register (NLA_U32)
pub const NFTA_XFRM_DREG: u16 = 1;
/// Enum nft_xfrm_keys (NLA_U32)
pub const NFTA_XFRM_KEY: u16 = 2;
/// Direction (NLA_U8)
pub const NFTA_XFRM_DIR: u16 = 3;
/// Index in secpath array (NLA_U32)
pub const NFTA_XFRM_SPNUM: u16 = 4;
/// Highest value of the enum above.
pub const NFTA_XFRM_MAX: u16 = 4;

// ---- nft_xfrm_keys ----
/// Unused
pub const NFT_XFRM_KEY_UNSPEC: u32 = 0;
/// IPv4 destination address
pub const NFT_XFRM_KEY_DADDR_IP4: u32 = 1;
/// IPv6 destination address
pub const NFT_XFRM_KEY_DADDR_IP6: u32 = 2;
/// IPv4 source address
pub const NFT_XFRM_KEY_SADDR_IP4: u32 = 3;
/// IPv6 source address
pub const NFT_XFRM_KEY_SADDR_IP6: u32 = 4;
/// Request id
pub const NFT_XFRM_KEY_REQID: u32 = 5;
/// Security parameter index
pub const NFT_XFRM_KEY_SPI: u32 = 6;
/// Highest value of the enum above.
pub const NFT_XFRM_KEY_MAX: u32 = 6;

// ---- nft_ng_attributes ----
/// Unused
pub const NFTA_NG_UNSPEC: u16 = 0;
/// Destination register (NLA_U32)
pub const NFTA_NG_DREG: u16 = 1;
/// Maximum counter value (NLA_U32)
pub const NFTA_NG_MODULUS: u16 = 2;
/// Operation type (NLA_U32)
pub const NFTA_NG_TYPE: u16 = 3;
/// Offset to be added to the counter (NLA_U32)
pub const NFTA_NG_OFFSET: u16 = 4;
/// Name of the map to lookup (NLA_STRING)
pub const NFTA_NG_SET_NAME: u16 = 5;
/// Id of the map (NLA_U32)
pub const NFTA_NG_SET_ID: u16 = 6;
/// Highest value of the enum above.
pub const NFTA_NG_MAX: u16 = 6;

// ---- nft_ng_types ----
/// Incrementing counter
pub const NFT_NG_INCREMENTAL: u32 = 0;
/// Random number
pub const NFT_NG_RANDOM: u32 = 1;
/// Highest value of the enum above.
pub const NFT_NG_MAX: u32 = 1;

// ---- x_tables compatibility (`include/uapi/linux/netfilter/nf_tables_compat.h`) ----
// Used by iptables-nft for matches/targets it cannot express natively (expression names
// "match" and "target"), with the xt extension's own binary info struct as payload.

/// Unused.
pub const NFTA_TARGET_UNSPEC: u16 = 0;
/// xt target name (NLA_NUL_STRING).
pub const NFTA_TARGET_NAME: u16 = 1;
/// xt target revision (be32).
pub const NFTA_TARGET_REV: u16 = 2;
/// xt target info: the extension's struct, in host byte order (NLA_BINARY).
pub const NFTA_TARGET_INFO: u16 = 3;
/// Highest target attribute.
pub const NFTA_TARGET_MAX: u16 = 3;
/// Unused.
pub const NFTA_MATCH_UNSPEC: u16 = 0;
/// xt match name (NLA_NUL_STRING).
pub const NFTA_MATCH_NAME: u16 = 1;
/// xt match revision (be32).
pub const NFTA_MATCH_REV: u16 = 2;
/// xt match info: the extension's struct, in host byte order (NLA_BINARY).
pub const NFTA_MATCH_INFO: u16 = 3;
/// Highest match attribute.
pub const NFTA_MATCH_MAX: u16 = 3;
/// Longest xt extension name accepted by nft_compat, including the NUL.
pub const NFT_COMPAT_NAME_MAX: usize = 32;
/// `NFNL_SUBSYS_NFT_COMPAT` message: ask whether an xt extension revision exists.
pub const NFNL_MSG_COMPAT_GET: u16 = 0;
/// One past the highest compat message.
pub const NFNL_MSG_COMPAT_MAX: u16 = 1;
/// Unused.
pub const NFTA_COMPAT_UNSPEC: u16 = 0;
/// Extension name (NLA_NUL_STRING).
pub const NFTA_COMPAT_NAME: u16 = 1;
/// Extension revision (be32).
pub const NFTA_COMPAT_REV: u16 = 2;
/// 1 for a target, 0 for a match (be32).
pub const NFTA_COMPAT_TYPE: u16 = 3;
/// Highest compat attribute.
pub const NFTA_COMPAT_MAX: u16 = 3;

// ---- libnftnl user data (`libnftnl/udata.h`): NOT kernel ABI ----
// `NFTA_*_USERDATA` is opaque to the kernel. nft and iptables-nft fill it with libnftnl's
// TLVs: `u8 type, u8 len, len bytes of value`, repeated. These values are libnftnl's.

/// libnftnl (not kernel): rule user-data TLV holding the rule's comment (NUL-terminated).
pub const NFTNL_UDATA_RULE_COMMENT: u8 = 0;
/// libnftnl (not kernel): rule user-data TLV holding the ebtables chain policy.
pub const NFTNL_UDATA_RULE_EBTABLES_POLICY: u8 = 1;
/// libnftnl (not kernel): table user-data TLV holding the table's comment.
pub const NFTNL_UDATA_TABLE_COMMENT: u8 = 0;
/// libnftnl (not kernel): chain user-data TLV holding the chain's comment.
pub const NFTNL_UDATA_CHAIN_COMMENT: u8 = 0;
/// libnftnl (not kernel): longest comment, including the NUL.
pub const NFTNL_UDATA_COMMENT_MAXLEN: usize = 128;
