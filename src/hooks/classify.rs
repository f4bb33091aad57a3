//! What a hook function is, from what the kernel's hook dump says about it: the chain info
//! nf_tables and BPF attach, else the function's name, else (for the x_tables tables that
//! share `ipt_do_table`) its priority.
//!
//! Function names as registered by Linux 6.x (older names, from before the per-table
//! wrappers were removed in 5.16, are accepted too):
//! - x_tables: `ipt_do_table` (raw, filter, security), `iptable_mangle_hook`;
//!   `ip6t_do_table`, `ip6table_mangle_hook`; `arpt_do_table`; `ebt_do_table` (bridge
//!   filter and nat). The iptables nat table is not a hook: the NAT core runs it.
//! - conntrack: `ipv4_conntrack_in` / `_local`, `ipv4_confirm`, the `ipv6_` twins,
//!   `nf_ct_bridge_pre` / `_post`; defragmentation: `ipv4_conntrack_defrag`, `ipv6_defrag`.
//! - NAT core: `nf_nat_ipv4_pre_routing`, `_local_fn`, `_local_in`, `_out`,
//!   `nf_nat_ipv6_in`, `_local_fn`, `_fn`, `_out`.
//! - SELinux: `selinux_ip_forward`, `selinux_ip_output`, `selinux_ip_postroute`.

use nftrace_sys::netfilter::{
    NF_BR_PRI_FILTER_BRIDGED, NF_BR_PRI_FILTER_OTHER, NF_BR_PRI_FIRST, NF_BR_PRI_NAT_DST_BRIDGED,
    NF_BR_PRI_NAT_DST_OTHER, NF_BR_PRI_NAT_SRC, NF_IP_PRI_FILTER, NF_IP_PRI_MANGLE,
    NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC, NF_IP_PRI_RAW, NF_IP_PRI_RAW_BEFORE_DEFRAG,
    NF_IP_PRI_SECURITY,
};

use super::model::{HookKind, LegacyTool};
use crate::wire::HookOwner;

/// Classifies one entry of the kernel's hook dump.
pub fn classify(
    function: Option<&str>,
    owner: Option<&HookOwner<'_>>,
    list_family: u8,
    priority: i32,
) -> HookKind {
    match owner {
        Some(HookOwner::NfTables(desc)) => {
            return HookKind::NftChain {
                family: desc.family.unwrap_or(list_family),
                table: desc.table.to_owned(),
                chain: desc.name.to_owned(),
            }
        }
        Some(HookOwner::NftFlowtable(desc)) => {
            return HookKind::NftFlowtable {
                family: desc.family.unwrap_or(list_family),
                table: desc.table.to_owned(),
                flowtable: desc.name.to_owned(),
            }
        }
        Some(HookOwner::Bpf { id }) => return HookKind::Bpf { id: *id },
        Some(HookOwner::Other { .. }) | None => {}
    }
    let Some(function) = function else {
        return HookKind::Other;
    };
    classify_function(function, priority)
}

/// Classifies a hook function by name (and priority, where the name is shared).
pub fn classify_function(function: &str, priority: i32) -> HookKind {
    let legacy = |tool, table: Option<&str>| HookKind::Legacy {
        tool,
        table: table.map(str::to_owned),
    };
    match function {
        "ipt_do_table" => legacy(LegacyTool::IptablesLegacy, ip_table_by_priority(priority)),
        "ip6t_do_table" => legacy(LegacyTool::Ip6tablesLegacy, ip_table_by_priority(priority)),
        "arpt_do_table" | "arptable_filter_hook" => {
            legacy(LegacyTool::ArptablesLegacy, Some("filter"))
        }
        "ebt_do_table" | "ebt_in_hook" | "ebt_out_hook" | "ebt_nat_in" | "ebt_nat_out"
        | "ebt_broute" => legacy(
            LegacyTool::EbtablesLegacy,
            bridge_table_by_priority(priority),
        ),
        "ipv4_conntrack_defrag" | "ipv6_defrag" => HookKind::Defrag,
        "ipv4_conntrack_in"
        | "ipv4_conntrack_local"
        | "ipv4_confirm"
        | "ipv4_helper"
        | "ipv6_conntrack_in"
        | "ipv6_conntrack_local"
        | "ipv6_confirm"
        | "ipv6_helper"
        | "nf_conntrack_in"
        | "nf_confirm"
        | "nf_ct_bridge_pre"
        | "nf_ct_bridge_post"
        | "nf_ct_bridge_in" => HookKind::Conntrack,
        _ => {
            if let Some(rest) = function.strip_prefix("iptable_") {
                return legacy(LegacyTool::IptablesLegacy, table_of_wrapper(rest));
            }
            if let Some(rest) = function.strip_prefix("ip6table_") {
                return legacy(LegacyTool::Ip6tablesLegacy, table_of_wrapper(rest));
            }
            if function.starts_with("nf_nat_ipv4_")
                || function.starts_with("nf_nat_ipv6_")
                || function.starts_with("nf_nat_inet_")
            {
                return HookKind::Nat;
            }
            if function.starts_with("selinux_") {
                return HookKind::Selinux;
            }
            HookKind::Other
        }
    }
}

/// `iptable_<table>_hook` / `ip6table_<table>_hook` (`iptable_nat_do_chain` runs inside
/// the NAT core but is named here too).
fn table_of_wrapper(rest: &str) -> Option<&'static str> {
    let table = rest.split('_').next()?;
    ["raw", "mangle", "nat", "filter", "security"]
        .into_iter()
        .find(|t| *t == table)
}

/// The iptables/ip6tables table at a standard priority (the tables that share
/// `ipt_do_table` differ only there).
pub fn ip_table_by_priority(priority: i32) -> Option<&'static str> {
    match priority {
        NF_IP_PRI_RAW | NF_IP_PRI_RAW_BEFORE_DEFRAG => Some("raw"),
        NF_IP_PRI_MANGLE => Some("mangle"),
        NF_IP_PRI_NAT_DST | NF_IP_PRI_NAT_SRC => Some("nat"),
        NF_IP_PRI_FILTER => Some("filter"),
        NF_IP_PRI_SECURITY => Some("security"),
        _ => None,
    }
}

/// The ebtables table at a standard bridge priority.
fn bridge_table_by_priority(priority: i32) -> Option<&'static str> {
    match priority {
        NF_BR_PRI_FIRST => Some("broute"),
        NF_BR_PRI_FILTER_BRIDGED | NF_BR_PRI_FILTER_OTHER => Some("filter"),
        NF_BR_PRI_NAT_DST_BRIDGED | NF_BR_PRI_NAT_DST_OTHER | NF_BR_PRI_NAT_SRC => Some("nat"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(kind: HookKind) -> Option<String> {
        match kind {
            HookKind::Legacy { table, .. } => table,
            other => panic!("not a legacy table: {other:?}"),
        }
    }

    #[test]
    fn tables_sharing_ipt_do_table_are_told_apart_by_priority() {
        assert_eq!(
            table(classify_function("ipt_do_table", -300)).as_deref(),
            Some("raw")
        );
        assert_eq!(
            table(classify_function("ipt_do_table", -450)).as_deref(),
            Some("raw")
        );
        assert_eq!(
            table(classify_function("ipt_do_table", 0)).as_deref(),
            Some("filter")
        );
        assert_eq!(
            table(classify_function("ipt_do_table", 50)).as_deref(),
            Some("security")
        );
        assert_eq!(table(classify_function("ipt_do_table", 7)), None);
        assert_eq!(
            classify_function("ip6t_do_table", 0),
            HookKind::Legacy {
                tool: LegacyTool::Ip6tablesLegacy,
                table: Some("filter".into())
            }
        );
    }

    #[test]
    fn named_wrappers_name_their_table() {
        assert_eq!(
            table(classify_function("iptable_mangle_hook", -150)).as_deref(),
            Some("mangle")
        );
        assert_eq!(
            table(classify_function("ip6table_raw_hook", -300)).as_deref(),
            Some("raw")
        );
        assert_eq!(
            table(classify_function("iptable_nat_do_chain", -100)).as_deref(),
            Some("nat")
        );
        assert_eq!(
            table(classify_function("ebt_do_table", -200)).as_deref(),
            Some("filter")
        );
        assert_eq!(
            table(classify_function("ebt_do_table", 300)).as_deref(),
            Some("nat")
        );
    }

    #[test]
    fn conntrack_defrag_nat_selinux_and_others() {
        for f in ["ipv4_conntrack_in", "ipv4_confirm", "ipv6_conntrack_local"] {
            assert_eq!(classify_function(f, 0), HookKind::Conntrack, "{f}");
        }
        assert_eq!(
            classify_function("ipv4_conntrack_defrag", -400),
            HookKind::Defrag
        );
        assert_eq!(classify_function("ipv6_defrag", -400), HookKind::Defrag);
        assert_eq!(
            classify_function("nf_nat_ipv4_pre_routing", -100),
            HookKind::Nat
        );
        assert_eq!(classify_function("nf_nat_ipv6_fn", 100), HookKind::Nat);
        assert_eq!(
            classify_function("selinux_ip_output", -225),
            HookKind::Selinux
        );
        assert_eq!(classify_function("ip_vs_reply4", -99), HookKind::Other);
        assert_eq!(classify_function("iptable_unknown_hook", 0), table_none());
    }

    fn table_none() -> HookKind {
        HookKind::Legacy {
            tool: LegacyTool::IptablesLegacy,
            table: None,
        }
    }

    #[test]
    fn chain_info_wins_over_the_function_name() {
        let desc = crate::wire::HookChainDesc {
            family: Some(1),
            table: "t",
            name: "c",
        };
        assert_eq!(
            classify(
                Some("nft_do_chain_inet"),
                Some(&HookOwner::NfTables(desc)),
                2,
                -300
            ),
            HookKind::NftChain {
                family: 1,
                table: "t".into(),
                chain: "c".into()
            }
        );
        // Without chain info (a chain being deleted), an nf_tables function is "other".
        assert_eq!(
            classify(Some("nft_do_chain_inet"), None, 2, 0),
            HookKind::Other
        );
        assert_eq!(classify(None, None, 2, 0), HookKind::Other);
    }
}
