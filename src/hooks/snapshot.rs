//! What a hook table can be derived from when the kernel cannot list its hooks: the
//! nf_tables base chains, the iptables-legacy tables that exist, whether conntrack is in use,
//! and whether SELinux is. Read from the calling thread's network namespace.
//!
//! - Legacy tables: `/proc/thread-self/net/{ip,ip6,arp}_tables_names` list the x_tables
//!   tables instantiated in the namespace; an instantiated table has registered its hooks.
//! - Conntrack registers its hooks per family only when something needs it (a rule matching
//!   on state, NAT, ...), and userspace cannot ask whether it did. Evidence that it did:
//!   entries of that family in the conntrack table (`/proc/thread-self/net/nf_conntrack`).
//! - SELinux registers hooks in every namespace when it is enabled (`/sys/fs/selinux`).

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use nftrace_sys::netfilter::{NFPROTO_ARP, NFPROTO_IPV4, NFPROTO_IPV6};
use serde::Serialize;

use super::error::HookError;
use crate::ruleset::model::NftRuleset;

/// How many lines of the conntrack table to read looking for both families: enough on any
/// host that has entries of both, bounded on a host with a million entries of one.
const CONNTRACK_SCAN_LINES: usize = 20_000;

/// An nf_tables base chain: where it hooks in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct BaseChain {
    /// The table's family, `NFPROTO_*`.
    pub family: u8,
    pub table: String,
    pub chain: String,
    /// `NF_INET_*` (`NF_INET_INGRESS` = 5 for inet ingress), `NF_NETDEV_*`, ...
    pub hooknum: u32,
    pub priority: i32,
    /// `filter`, `route` or `nat`.
    pub chain_type: String,
    /// Devices of netdev and inet ingress chains.
    pub devices: Vec<String>,
}

impl BaseChain {
    /// The base chains of a ruleset snapshot, leaving out dormant tables.
    pub fn from_ruleset(ruleset: &NftRuleset) -> Vec<BaseChain> {
        use nftrace_sys::nf_tables::NFT_TABLE_F_DORMANT;
        ruleset
            .tables
            .iter()
            .filter(|t| t.flags & NFT_TABLE_F_DORMANT == 0)
            .flat_map(|t| {
                t.chains.iter().filter_map(move |c| {
                    let hook = c.hook.as_ref()?;
                    Some(BaseChain {
                        family: t.family,
                        table: t.name.clone(),
                        chain: c.name.clone(),
                        hooknum: hook.hooknum,
                        priority: hook.priority,
                        chain_type: hook.chain_type.clone(),
                        devices: hook.devices.clone(),
                    })
                })
            })
            .collect()
    }
}

/// An iptables-legacy (ip6tables, arptables) table that exists in the namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LegacyTableName {
    /// `NFPROTO_IPV4`, `NFPROTO_IPV6` or `NFPROTO_ARP`.
    pub family: u8,
    /// `raw`, `mangle`, `nat`, `filter`, `security`.
    pub name: String,
}

/// What [`super::derive()`] works from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// nf_tables base chains of tables that are not dormant.
    pub chains: Vec<BaseChain>,
    /// Instantiated legacy x_tables tables.
    pub legacy: Vec<LegacyTableName>,
    /// Families (`NFPROTO_IPV4`, `NFPROTO_IPV6`) with entries in the conntrack table, a sign
    /// that conntrack's hooks are registered for them.
    pub conntrack: Vec<u8>,
    /// SELinux is enabled (its hooks are in every namespace).
    pub selinux: bool,
}

impl Snapshot {
    /// Reads everything but the chains from `/proc` and `/sys`, for the calling thread's
    /// namespace.
    pub fn read_system(chains: Vec<BaseChain>) -> Result<Snapshot, HookError> {
        let mut legacy = Vec::new();
        for (family, file) in [
            (NFPROTO_IPV4, "ip_tables_names"),
            (NFPROTO_IPV6, "ip6_tables_names"),
            (NFPROTO_ARP, "arp_tables_names"),
        ] {
            let path = format!("/proc/thread-self/net/{file}");
            for name in read_lines_if_present(&path)? {
                legacy.push(LegacyTableName { family, name });
            }
        }
        legacy.sort_by(|a, b| (a.family, &a.name).cmp(&(b.family, &b.name)));
        Ok(Snapshot {
            chains,
            legacy,
            conntrack: conntrack_families()?,
            selinux: std::path::Path::new("/sys/fs/selinux/enforce").exists(),
        })
    }
}

/// The non-empty lines of a `/proc` file; none when it does not exist (the feature is not
/// built).
fn read_lines_if_present(path: &str) -> Result<Vec<String>, HookError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(HookError::ReadProc {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Families with conntrack entries: each line of `nf_conntrack` starts with `ipv4` or
/// `ipv6`.
fn conntrack_families() -> Result<Vec<u8>, HookError> {
    let path = "/proc/thread-self/net/nf_conntrack";
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(HookError::ReadProc {
                path: path.to_owned(),
                source,
            })
        }
    };
    let (mut v4, mut v6) = (false, false);
    for line in BufReader::new(file).lines().take(CONNTRACK_SCAN_LINES) {
        let line = line.map_err(|source| HookError::ReadProc {
            path: path.to_owned(),
            source,
        })?;
        v4 |= line.starts_with("ipv4 ");
        v6 |= line.starts_with("ipv6 ");
        if v4 && v6 {
            break;
        }
    }
    Ok([(v4, NFPROTO_IPV4), (v6, NFPROTO_IPV6)]
        .into_iter()
        .filter_map(|(seen, family)| seen.then_some(family))
        .collect())
}
