//! A hook table worked out without the kernel's hook dump: nf_tables base chains at their
//! priorities, iptables-legacy tables at the standard priorities of their built-in chains,
//! the NAT core with the nat chains it runs, and conntrack and defragmentation where there
//! is evidence that they are in use. Marked [`HookSource::Derived`].
//!
//! The kernel's rules this follows (`net/netfilter/core.c`, `nf_nat_core.c`, the
//! `iptable_*.c` files):
//! - a hook list runs in ascending priority; between equal priorities the function
//!   registered last runs first, which userspace cannot know, so such entries are flagged
//!   [`HookEntry::order_unknown`];
//! - `inet` chains register in both the ip and ip6 lists; an inet ingress chain on the
//!   netdev ingress hook of each of its devices;
//! - nat chains (nf_tables `type nat` and the iptables nat table) are not hooks: the first
//!   nat user of a family registers the NAT core at prerouting and output (priority -100)
//!   and at input and postrouting (100), and the core runs the nat chains by their own
//!   priorities, for a connection's first packet only;
//! - legacy tables: raw at prerouting and output (-300), mangle everywhere (-150), filter
//!   at input, forward and output (0), security there too (50), arptables filter at all
//!   three arp hooks (0).

use std::collections::BTreeMap;

use nftrace_sys::netfilter::{
    NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
    NF_ARP_FORWARD, NF_ARP_IN, NF_ARP_OUT, NF_INET_FORWARD, NF_INET_INGRESS, NF_INET_LOCAL_IN,
    NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_INET_PRE_ROUTING, NF_IP_PRI_CONNTRACK,
    NF_IP_PRI_CONNTRACK_CONFIRM, NF_IP_PRI_CONNTRACK_DEFRAG, NF_IP_PRI_FILTER, NF_IP_PRI_MANGLE,
    NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC, NF_IP_PRI_RAW, NF_IP_PRI_SECURITY,
    NF_IP_PRI_SELINUX_FIRST, NF_IP_PRI_SELINUX_LAST, NF_NETDEV_INGRESS,
};

use super::model::{hook_name, HookEntry, HookKind, HookList, HookSource, HookTable, LegacyTool};
use super::snapshot::{BaseChain, Snapshot};

/// The five IP hooks.
const IP_HOOKS: [u32; 5] = [
    NF_INET_PRE_ROUTING,
    NF_INET_LOCAL_IN,
    NF_INET_FORWARD,
    NF_INET_LOCAL_OUT,
    NF_INET_POST_ROUTING,
];

/// Where the NAT core hooks in, and at which priority (`nf_nat_ipv4_ops`).
const NAT_CORE: [(u32, i32); 4] = [
    (NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST),
    (NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST),
    (NF_INET_LOCAL_IN, NF_IP_PRI_NAT_SRC),
    (NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC),
];

/// Key of a hook list: family rank (ip, ip6, arp, bridge, netdev), family, hook, device.
type ListKey = (u8, u8, u32, Option<String>);

fn list_key(family: u8, hook: u32, device: Option<&str>) -> ListKey {
    let rank = match family {
        NFPROTO_IPV4 => 0,
        NFPROTO_IPV6 => 1,
        NFPROTO_ARP => 2,
        NFPROTO_BRIDGE => 3,
        NFPROTO_NETDEV => 4,
        _ => 5,
    };
    (rank, family, hook, device.map(str::to_owned))
}

/// Derives the hook table of `snapshot`. `notes` start the table's notes (say why the
/// kernel's dump was not used).
pub fn derive(snapshot: &Snapshot, notes: Vec<String>) -> HookTable {
    let mut lists: BTreeMap<ListKey, Vec<HookEntry>> = BTreeMap::new();
    // (family, hook) → nat chains the NAT core runs there.
    let mut nat: BTreeMap<(u8, u32), Vec<HookEntry>> = BTreeMap::new();
    let mut add = |family: u8, hook: u32, device: Option<&str>, entry: HookEntry| {
        lists
            .entry(list_key(family, hook, device))
            .or_default()
            .push(entry);
    };

    for chain in &snapshot.chains {
        let entry = || {
            HookEntry::new(
                chain.priority,
                HookKind::NftChain {
                    family: chain.family,
                    table: chain.table.clone(),
                    chain: chain.chain.clone(),
                },
            )
        };
        for (family, hook, device) in hook_points(chain) {
            if chain.chain_type == "nat" && matches!(family, NFPROTO_IPV4 | NFPROTO_IPV6) {
                nat.entry((family, hook)).or_default().push(entry());
            } else {
                add(family, hook, device, entry());
            }
        }
    }

    for table in &snapshot.legacy {
        let Some(tool) = LegacyTool::of_family(table.family) else {
            continue;
        };
        let entry = |priority| {
            HookEntry::new(
                priority,
                HookKind::Legacy {
                    tool,
                    table: Some(table.name.clone()),
                },
            )
        };
        if table.family == NFPROTO_ARP {
            if table.name == "filter" {
                for hook in [NF_ARP_IN, NF_ARP_OUT, NF_ARP_FORWARD] {
                    add(NFPROTO_ARP, hook, None, entry(NF_IP_PRI_FILTER));
                }
            }
            continue;
        }
        match table.name.as_str() {
            "nat" => {
                for (hook, priority) in NAT_CORE {
                    nat.entry((table.family, hook))
                        .or_default()
                        .push(entry(priority));
                }
            }
            name => {
                for (hook, priority) in legacy_hooks(name) {
                    add(table.family, hook, None, entry(priority));
                }
            }
        }
    }

    // The NAT core of a family is registered at all four of its hooks once anything of that
    // family uses NAT.
    for family in [NFPROTO_IPV4, NFPROTO_IPV6] {
        if !nat.keys().any(|(f, _)| *f == family) {
            continue;
        }
        for (hook, priority) in NAT_CORE {
            let mut core = HookEntry::new(priority, HookKind::Nat);
            core.nested = nat.remove(&(family, hook)).unwrap_or_default();
            order(&mut core.nested);
            add(family, hook, None, core);
        }
    }

    for &family in &snapshot.conntrack {
        for (hook, priority, kind, function) in conntrack_hooks(family) {
            let mut entry = HookEntry::new(priority, kind);
            entry.function = Some(function.to_owned());
            add(family, hook, None, entry);
        }
    }

    if snapshot.selinux {
        for family in [NFPROTO_IPV4, NFPROTO_IPV6] {
            for (hook, priority, function) in [
                (
                    NF_INET_FORWARD,
                    NF_IP_PRI_SELINUX_FIRST,
                    "selinux_ip_forward",
                ),
                (
                    NF_INET_LOCAL_OUT,
                    NF_IP_PRI_SELINUX_FIRST,
                    "selinux_ip_output",
                ),
                (
                    NF_INET_POST_ROUTING,
                    NF_IP_PRI_SELINUX_LAST,
                    "selinux_ip_postroute",
                ),
            ] {
                let mut entry = HookEntry::new(priority, HookKind::Selinux);
                entry.function = Some(function.to_owned());
                add(family, hook, None, entry);
            }
        }
    }

    let hooks = lists
        .into_iter()
        .map(|((_, family, hook, device), mut entries)| {
            order(&mut entries);
            HookList {
                family,
                hook,
                hook_name: hook_name(family, hook),
                device,
                entries,
            }
        })
        .collect();

    let mut notes = notes;
    notes.push(
        "derived from the ruleset and the kernel's standard priorities, not from the kernel: \
         entries of equal priority run in reverse order of registration, which cannot be seen \
         from userspace (marked \"order unknown\"); ebtables, IPVS, BPF programs, flowtables \
         and other kernel users of hooks are not shown"
            .to_owned(),
    );
    let conntrack_names: Vec<String> = snapshot
        .conntrack
        .iter()
        .map(|f| super::model::family_label(*f).into_owned())
        .collect();
    notes.push(if conntrack_names.is_empty() {
        "conntrack and defragmentation hooks are not shown: the conntrack table is empty, and \
         conntrack registers its hooks only once a rule or NAT needs it"
            .to_owned()
    } else {
        format!(
            "conntrack and defragmentation hooks are shown for {}: the conntrack table has \
             entries of that family",
            conntrack_names.join(" and ")
        )
    });
    HookTable {
        source: HookSource::Derived,
        notes,
        hooks,
    }
}

/// The lists a base chain is registered in: (family, hook, device).
fn hook_points(chain: &BaseChain) -> Vec<(u8, u32, Option<&str>)> {
    let devices = || chain.devices.iter().map(|d| Some(d.as_str()));
    match (chain.family, chain.hooknum) {
        (NFPROTO_INET, NF_INET_INGRESS) => devices()
            .map(|d| (NFPROTO_NETDEV, NF_NETDEV_INGRESS, d))
            .collect(),
        (NFPROTO_INET, hook) => vec![(NFPROTO_IPV4, hook, None), (NFPROTO_IPV6, hook, None)],
        (NFPROTO_NETDEV, hook) => devices().map(|d| (NFPROTO_NETDEV, hook, d)).collect(),
        (family, hook) => vec![(family, hook, None)],
    }
}

/// The hooks of a legacy IP table other than nat, with their priorities.
fn legacy_hooks(table: &str) -> Vec<(u32, i32)> {
    let at = |hooks: &[u32], priority| hooks.iter().map(|h| (*h, priority)).collect();
    match table {
        "raw" => at(&[NF_INET_PRE_ROUTING, NF_INET_LOCAL_OUT], NF_IP_PRI_RAW),
        "mangle" => at(&IP_HOOKS, NF_IP_PRI_MANGLE),
        "filter" => at(
            &[NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT],
            NF_IP_PRI_FILTER,
        ),
        "security" => at(
            &[NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT],
            NF_IP_PRI_SECURITY,
        ),
        _ => Vec::new(),
    }
}

/// Conntrack's and defragmentation's hooks in `family` (`nf_conntrack_proto.c`,
/// `nf_defrag_ipv4.c`, `nf_defrag_ipv6_hooks.c`).
fn conntrack_hooks(family: u8) -> Vec<(u32, i32, HookKind, &'static str)> {
    let (defrag, conntrack_in, local, confirm) = if family == NFPROTO_IPV6 {
        (
            "ipv6_defrag",
            "ipv6_conntrack_in",
            "ipv6_conntrack_local",
            "ipv6_confirm",
        )
    } else {
        (
            "ipv4_conntrack_defrag",
            "ipv4_conntrack_in",
            "ipv4_conntrack_local",
            "ipv4_confirm",
        )
    };
    vec![
        (
            NF_INET_PRE_ROUTING,
            NF_IP_PRI_CONNTRACK_DEFRAG,
            HookKind::Defrag,
            defrag,
        ),
        (
            NF_INET_LOCAL_OUT,
            NF_IP_PRI_CONNTRACK_DEFRAG,
            HookKind::Defrag,
            defrag,
        ),
        (
            NF_INET_PRE_ROUTING,
            NF_IP_PRI_CONNTRACK,
            HookKind::Conntrack,
            conntrack_in,
        ),
        (
            NF_INET_LOCAL_OUT,
            NF_IP_PRI_CONNTRACK,
            HookKind::Conntrack,
            local,
        ),
        (
            NF_INET_LOCAL_IN,
            NF_IP_PRI_CONNTRACK_CONFIRM,
            HookKind::Conntrack,
            confirm,
        ),
        (
            NF_INET_POST_ROUTING,
            NF_IP_PRI_CONNTRACK_CONFIRM,
            HookKind::Conntrack,
            confirm,
        ),
    ]
}

/// Sorts by priority (stable) and flags entries that share a priority.
pub(crate) fn order(entries: &mut [HookEntry]) {
    entries.sort_by_key(|e| e.priority);
    let priorities: Vec<i32> = entries.iter().map(|e| e.priority).collect();
    for (i, entry) in entries.iter_mut().enumerate() {
        let before = i.checked_sub(1).and_then(|j| priorities.get(j));
        let after = priorities.get(i + 1);
        entry.order_unknown = before == Some(&entry.priority) || after == Some(&entry.priority);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::snapshot::LegacyTableName;

    fn chain(family: u8, table: &str, name: &str, hook: u32, prio: i32, ty: &str) -> BaseChain {
        BaseChain {
            family,
            table: table.into(),
            chain: name.into(),
            hooknum: hook,
            priority: prio,
            chain_type: ty.into(),
            devices: Vec::new(),
        }
    }

    fn names(list: &HookList) -> Vec<String> {
        list.run_order()
            .map(|e| match &e.kind {
                HookKind::NftChain { chain, .. } => format!("{}:{chain}", e.priority),
                HookKind::Legacy { table, .. } => {
                    format!("{}:legacy-{}", e.priority, table.as_deref().unwrap_or("?"))
                }
                other => format!("{}:{other:?}", e.priority),
            })
            .collect()
    }

    #[test]
    fn inet_chains_and_legacy_tables_interleave_by_priority() {
        let snapshot = Snapshot {
            chains: vec![
                chain(
                    NFPROTO_INET,
                    "demo",
                    "late",
                    NF_INET_LOCAL_OUT,
                    50,
                    "filter",
                ),
                chain(
                    NFPROTO_INET,
                    "demo",
                    "early",
                    NF_INET_LOCAL_OUT,
                    -350,
                    "filter",
                ),
                chain(
                    NFPROTO_IPV4,
                    "v4",
                    "nat_out",
                    NF_INET_LOCAL_OUT,
                    -120,
                    "nat",
                ),
            ],
            legacy: ["raw", "mangle", "filter", "nat"]
                .into_iter()
                .map(|name| LegacyTableName {
                    family: NFPROTO_IPV4,
                    name: name.into(),
                })
                .collect(),
            conntrack: vec![NFPROTO_IPV4],
            selinux: false,
        };
        let table = derive(&snapshot, Vec::new());
        assert_eq!(table.source, HookSource::Derived);
        let out = table.list(NFPROTO_IPV4, NF_INET_LOCAL_OUT, None).unwrap();
        assert_eq!(
            names(out),
            [
                "-400:Defrag",
                "-350:early",
                "-300:legacy-raw",
                "-200:Conntrack",
                "-150:legacy-mangle",
                "-100:Nat",
                "-120:nat_out",
                "-100:legacy-nat",
                "0:legacy-filter",
                "50:late",
            ]
        );
        // inet chains are in ip6 too, without the ip-only legacy tables and nat.
        let out6 = table.list(NFPROTO_IPV6, NF_INET_LOCAL_OUT, None).unwrap();
        assert_eq!(names(out6), ["-350:early", "50:late"]);
        // The NAT core is at all four hooks once ip has a nat user.
        let input = table.list(NFPROTO_IPV4, NF_INET_LOCAL_IN, None).unwrap();
        assert!(input
            .entries
            .iter()
            .any(|e| e.kind == HookKind::Nat && e.priority == 100));
    }

    #[test]
    fn equal_priorities_are_flagged() {
        let snapshot = Snapshot {
            chains: vec![chain(
                NFPROTO_IPV4,
                "t",
                "c",
                NF_INET_PRE_ROUTING,
                -300,
                "filter",
            )],
            legacy: vec![LegacyTableName {
                family: NFPROTO_IPV4,
                name: "raw".into(),
            }],
            ..Snapshot::default()
        };
        let table = derive(&snapshot, vec!["why".into()]);
        let pre = table.list(NFPROTO_IPV4, NF_INET_PRE_ROUTING, None).unwrap();
        assert!(pre.entries.iter().all(|e| e.order_unknown));
        let out = table.list(NFPROTO_IPV4, NF_INET_LOCAL_OUT, None).unwrap();
        assert!(!out.entries[0].order_unknown);
        assert_eq!(table.notes[0], "why");
    }

    #[test]
    fn ingress_chains_go_to_their_devices() {
        let mut ingress = chain(NFPROTO_INET, "t", "in", NF_INET_INGRESS, -10, "filter");
        ingress.devices = vec!["eth1".into(), "eth0".into()];
        let mut netdev = chain(NFPROTO_NETDEV, "n", "eg", 1, 0, "filter");
        netdev.devices = vec!["eth0".into()];
        let table = derive(
            &Snapshot {
                chains: vec![ingress, netdev],
                ..Snapshot::default()
            },
            Vec::new(),
        );
        let points: Vec<_> = table
            .hooks
            .iter()
            .map(|l| (l.family, l.hook_name, l.device.clone().unwrap()))
            .collect();
        assert_eq!(
            points,
            [
                (NFPROTO_NETDEV, "ingress", "eth0".to_owned()),
                (NFPROTO_NETDEV, "ingress", "eth1".to_owned()),
                (NFPROTO_NETDEV, "egress", "eth0".to_owned()),
            ]
        );
    }
}
