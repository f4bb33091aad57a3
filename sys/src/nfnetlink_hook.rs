//! nfnetlink_hook ABI from `include/uapi/linux/netfilter/nfnetlink_hook.h` (as of 6.18):
//! dump the hooks registered at a (family, hook number[, device]), with their priorities,
//! functions and, for nf_tables base chains, the owning table and chain. This is how one sees
//! where legacy x_tables, nf_tables chains, conntrack and BPF sit relative to each other.
//!
//! Request: `nlmsg_type = (NFNL_SUBSYS_HOOK << 8) | NFNL_MSG_HOOK_GET`, `NLM_F_DUMP`,
//! `nfgen_family` = family, attributes `NFNLA_HOOK_HOOKNUM` (be32) and, for netdev/inet
//! ingress, `NFNLA_HOOK_DEV`. Attribute types are `u16`; `NFNL_HOOK_TYPE_*` are `u32`.

/// Dump the hooks of one (family, hook).
pub const NFNL_MSG_HOOK_GET: u16 = 0;
/// One past the highest message type.
pub const NFNL_MSG_HOOK_MAX: u16 = 1;

/// Unused.
pub const NFNLA_HOOK_UNSPEC: u16 = 0;
/// Hook number, `NF_INET_*` / `NF_NETDEV_*` (be32).
pub const NFNLA_HOOK_HOOKNUM: u16 = 1;
/// Hook priority (be32, signed).
pub const NFNLA_HOOK_PRIORITY: u16 = 2;
/// Device name (string), for netdev hooks.
pub const NFNLA_HOOK_DEV: u16 = 3;
/// Kernel function registered at the hook (string, from kallsyms), e.g. `iptable_raw_hook`.
pub const NFNLA_HOOK_FUNCTION_NAME: u16 = 4;
/// Module that registered the hook (string); absent for built-in code.
pub const NFNLA_HOOK_MODULE_NAME: u16 = 5;
/// What the hook belongs to (nested `NFNLA_HOOK_INFO_*`).
pub const NFNLA_HOOK_CHAIN_INFO: u16 = 6;
/// Highest hook attribute.
pub const NFNLA_HOOK_MAX: u16 = 6;

/// Unused.
pub const NFNLA_HOOK_INFO_UNSPEC: u16 = 0;
/// Description (nested): `NFNLA_CHAIN_*` for nf_tables chains and flowtables,
/// `NFNLA_HOOK_BPF_*` for BPF programs.
pub const NFNLA_HOOK_INFO_DESC: u16 = 1;
/// Owner type, `NFNL_HOOK_TYPE_*` (be32).
pub const NFNLA_HOOK_INFO_TYPE: u16 = 2;
/// Highest info attribute.
pub const NFNLA_HOOK_INFO_MAX: u16 = 2;

/// Unused.
pub const NFNLA_CHAIN_UNSPEC: u16 = 0;
/// nf_tables table name (string).
pub const NFNLA_CHAIN_TABLE: u16 = 1;
/// nf_tables table family, `NFPROTO_*` (u8).
pub const NFNLA_CHAIN_FAMILY: u16 = 2;
/// nf_tables chain (or flowtable) name (string).
pub const NFNLA_CHAIN_NAME: u16 = 3;
/// Highest chain description attribute.
pub const NFNLA_CHAIN_MAX: u16 = 3;

/// Owner: an nf_tables base chain.
pub const NFNL_HOOK_TYPE_NFTABLES: u32 = 0x1;
/// Owner: a BPF netfilter program (6.4+).
pub const NFNL_HOOK_TYPE_BPF: u32 = 0x2;
/// Owner: an nf_tables flowtable (6.16+).
pub const NFNL_HOOK_TYPE_NFT_FLOWTABLE: u32 = 0x3;

/// Unused.
pub const NFNLA_HOOK_BPF_UNSPEC: u16 = 0;
/// BPF program id (be32).
pub const NFNLA_HOOK_BPF_ID: u16 = 1;
/// Highest BPF description attribute.
pub const NFNLA_HOOK_BPF_MAX: u16 = 1;
