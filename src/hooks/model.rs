//! The hook table's data: per family and hook, the functions the kernel runs, in order, with
//! their priorities and what each one is. Plain owned types; building them is `kernel` and
//! `derive`, printing them is `crate::output::hooks`.

use serde::{Serialize, Serializer};

use nftrace_sys::netfilter::{
    NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
};

/// Where a [`HookTable`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HookSource {
    /// The kernel's own list (nfnetlink_hook): exactly what runs, in the order it runs.
    Kernel,
    /// Worked out from the ruleset (nf_tables base chains, the iptables-legacy tables that
    /// exist) and the kernel's standard priorities: not from the kernel. Entries of equal
    /// priority are in an order the kernel decides by registration time, which userspace
    /// cannot see ([`HookEntry::order_unknown`]).
    Derived,
}

/// The hooks of every (family, hook[, device]) that has any, in a stable order: families
/// ip, ip6, arp, bridge, netdev; hooks by number; netdev devices by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookTable {
    pub source: HookSource,
    /// What the reader should know about how the table was made (why it is derived, what
    /// it may lack).
    pub notes: Vec<String>,
    pub hooks: Vec<HookList>,
}

impl HookTable {
    /// The list of one (family, hook), or of a netdev device's hook.
    pub fn list(&self, family: u8, hook: u32, device: Option<&str>) -> Option<&HookList> {
        self.hooks
            .iter()
            .find(|l| l.family == family && l.hook == hook && l.device.as_deref() == device)
    }
}

/// The functions registered at one (family, hook[, device]), in the order the kernel runs
/// them (ascending priority).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookList {
    /// `NFPROTO_*`: ip (2), ip6 (10), arp (3), bridge (7), netdev (5).
    #[serde(serialize_with = "family_name")]
    pub family: u8,
    /// `NF_INET_*`, `NF_ARP_*`, `NF_BR_*` or `NF_NETDEV_*`.
    pub hook: u32,
    /// The hook's name (`prerouting`, `input`, ..., `ingress`).
    pub hook_name: &'static str,
    /// The device of a netdev hook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    pub entries: Vec<HookEntry>,
}

impl HookList {
    /// Every entry in the order packets meet them, with the NAT hook's members right after
    /// the NAT entry that runs them.
    pub fn run_order(&self) -> impl Iterator<Item = &HookEntry> + '_ {
        self.entries
            .iter()
            .flat_map(|e| std::iter::once(e).chain(e.nested.iter()))
    }
}

/// One function registered at a hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookEntry {
    /// Lower runs first.
    pub priority: i32,
    /// What it is.
    pub kind: HookKind,
    /// The kernel function (`ipv4_conntrack_in`); `None` in a derived table when it depends
    /// on the kernel version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The kernel module of the function; `None` for built-in code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Derived tables only: another entry of the list has the same priority, so which of
    /// them runs first depends on the order they were registered in (the one registered
    /// last runs first), which userspace cannot see.
    #[serde(skip_serializing_if = "is_false")]
    pub order_unknown: bool,
    /// For the NAT hook: the nat chains it runs (nf_tables `type nat` chains and the
    /// iptables-legacy nat table), by their own priorities. They are not hooks of their own:
    /// they all run at the NAT hook's place, and only for a connection's first packet.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nested: Vec<HookEntry>,
}

impl HookEntry {
    /// An entry of `kind` at `priority` without function, module or members.
    pub fn new(priority: i32, kind: HookKind) -> Self {
        HookEntry {
            priority,
            kind,
            function: None,
            module: None,
            order_unknown: false,
            nested: Vec::new(),
        }
    }
}

/// What a hook function is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HookKind {
    /// An nf_tables base chain.
    NftChain {
        /// The table's family (`inet` chains are listed under ip and ip6).
        #[serde(serialize_with = "family_name")]
        family: u8,
        table: String,
        chain: String,
    },
    /// An nf_tables flowtable.
    NftFlowtable {
        #[serde(serialize_with = "family_name")]
        family: u8,
        table: String,
        flowtable: String,
    },
    /// An iptables-legacy table (ip6tables, arptables, ebtables alike).
    Legacy {
        tool: LegacyTool,
        /// `raw`, `mangle`, `nat`, `filter`, `security`, `broute`; `None` when neither the
        /// function nor the priority tell.
        #[serde(skip_serializing_if = "Option::is_none")]
        table: Option<String>,
    },
    /// Connection tracking: lookup/creation (`*_conntrack_in`, `*_conntrack_local`) or
    /// confirmation (`*_confirm`).
    Conntrack,
    /// Reassembly of fragments before conntrack (`ipv4_conntrack_defrag`, `ipv6_defrag`).
    Defrag,
    /// The NAT core, which runs the nat chains ([`HookEntry::nested`]).
    Nat,
    /// SELinux's network hooks.
    Selinux,
    /// A BPF netfilter program.
    Bpf {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
    },
    /// Anything else (IPVS, synproxy, br_netfilter, ...): see the function name.
    Other,
}

/// The legacy x_tables tool a table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegacyTool {
    IptablesLegacy,
    Ip6tablesLegacy,
    ArptablesLegacy,
    EbtablesLegacy,
}

impl LegacyTool {
    /// The command's name, `iptables-legacy`, ...
    pub fn command(self) -> &'static str {
        match self {
            LegacyTool::IptablesLegacy => "iptables-legacy",
            LegacyTool::Ip6tablesLegacy => "ip6tables-legacy",
            LegacyTool::ArptablesLegacy => "arptables-legacy",
            LegacyTool::EbtablesLegacy => "ebtables-legacy",
        }
    }

    /// The tool of a family's x_tables (`NFPROTO_IPV4` → iptables, ...).
    pub fn of_family(family: u8) -> Option<Self> {
        match family {
            NFPROTO_IPV4 => Some(LegacyTool::IptablesLegacy),
            NFPROTO_IPV6 => Some(LegacyTool::Ip6tablesLegacy),
            NFPROTO_ARP => Some(LegacyTool::ArptablesLegacy),
            NFPROTO_BRIDGE => Some(LegacyTool::EbtablesLegacy),
            _ => None,
        }
    }
}

/// A hook's name in its family, as nft spells it.
pub fn hook_name(family: u8, hook: u32) -> &'static str {
    match (family, hook) {
        (NFPROTO_NETDEV, 0) => "ingress",
        (NFPROTO_NETDEV, 1) => "egress",
        (NFPROTO_ARP, 0) => "input",
        (NFPROTO_ARP, 1) => "output",
        (NFPROTO_ARP, 2) => "forward",
        (_, 0) => "prerouting",
        (_, 1) => "input",
        (_, 2) => "forward",
        (_, 3) => "output",
        (_, 4) => "postrouting",
        (NFPROTO_INET, 5) => "ingress",
        (NFPROTO_BRIDGE, 5) => "brouting",
        _ => "unknown",
    }
}

/// A family's name as nft spells it (`ip`, `ip6`, `inet`, `arp`, `bridge`, `netdev`), or
/// `family-N`.
pub fn family_label(family: u8) -> std::borrow::Cow<'static, str> {
    match crate::output::names::family(family) {
        Some(name) => name.into(),
        None => format!("family-{family}").into(),
    }
}

fn family_name<S: Serializer>(family: &u8, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&family_label(*family))
}

fn is_false(value: &bool) -> bool {
    !*value
}
