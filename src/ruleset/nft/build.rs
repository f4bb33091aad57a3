//! Building an [`NftRuleset`] from the raw replies of a dump: tables in the kernel's order,
//! each table's chains in its order, each chain's rules in order and numbered from 1, sets.
//! Also the conversions from decoded messages to the owned model, shared with the live
//! updates.

use std::collections::HashMap;

use crate::netlink::NftDumpReplies;
use crate::ruleset::model::{Chain, Expr, Hook, NftRuleset, Rule, Set, Table};
use crate::wire::{
    messages, ChainInfo, DecodeError, RuleInfo, RulesetBody, RulesetMessage, SetInfo, TableInfo,
};

use super::error::NftRulesetError;

impl NftRuleset {
    /// Builds the snapshot from a consistent dump (see
    /// [`dump_nftables`](crate::netlink::dump_nftables)).
    pub fn from_dump(replies: &NftDumpReplies) -> Result<NftRuleset, NftRulesetError> {
        let mut builder = Builder::default();
        for_each_message(&replies.tables, "tables", |body| {
            if let RulesetBody::NewTable(table) = body {
                builder.table(&table);
            }
            Ok(())
        })?;
        for_each_message(&replies.chains, "chains", |body| match body {
            RulesetBody::NewChain(chain) => builder.chain(&chain),
            _ => Ok(()),
        })?;
        for_each_message(&replies.rules, "rules", |body| match body {
            RulesetBody::NewRule(rule) => builder.rule(&rule),
            _ => Ok(()),
        })?;
        for_each_message(&replies.sets, "sets", |body| match body {
            RulesetBody::NewSet(set) => builder.set(&set),
            _ => Ok(()),
        })?;
        let mut tables = builder.tables;
        for table in &mut tables {
            table.iptables_nft = looks_like_iptables_nft(table);
        }
        Ok(NftRuleset {
            generation: replies.generation,
            tables,
            retired: Default::default(),
            unplaced: Vec::new(),
        })
    }
}

/// Decodes every ruleset message in `bytes` and hands its body to `each`.
fn for_each_message<'a>(
    bytes: &'a [u8],
    what: &'static str,
    mut each: impl FnMut(RulesetBody<'a>) -> Result<(), NftRulesetError>,
) -> Result<(), NftRulesetError> {
    let decode = |source| NftRulesetError::Decode { what, source };
    for message in messages(bytes) {
        let message = message.map_err(decode)?;
        if let Some(decoded) = RulesetMessage::parse(&message).map_err(decode)? {
            each(decoded.body).map_err(|e| match e {
                NftRulesetError::Decode { source, .. } => decode(source),
                other => other,
            })?;
        }
    }
    Ok(())
}

#[derive(Default)]
struct Builder {
    tables: Vec<Table>,
    /// (family, table name) → index in `tables`.
    table_index: HashMap<(u8, String), usize>,
    /// (table index, chain name) → index in that table's chains.
    chain_index: HashMap<(usize, String), usize>,
    /// The (table, chain) indexes of the last rule: the kernel dumps a chain's rules
    /// together, so most rules skip the map lookups.
    last_chain: Option<(u8, usize, usize)>,
}

impl Builder {
    fn table(&mut self, info: &TableInfo<'_>) {
        let index = self.tables.len();
        self.tables.push(table_from(info));
        self.table_index
            .insert((info.family, info.name.to_owned()), index);
    }

    fn table_of(
        &self,
        family: u8,
        table: &str,
        what: impl FnOnce() -> String,
    ) -> Result<usize, NftRulesetError> {
        // A borrowed lookup would need a custom key type; tables are few, so build the key.
        self.table_index
            .get(&(family, table.to_owned()))
            .copied()
            .ok_or_else(|| NftRulesetError::Inconsistent {
                what: what(),
                missing: format!("table {} {table}", family_name(family)),
            })
    }

    fn chain(&mut self, info: &ChainInfo<'_>) -> Result<(), NftRulesetError> {
        let table = self.table_of(info.family, info.table, || format!("chain {}", info.name))?;
        let Some(chains) = self.tables.get_mut(table).map(|t| &mut t.chains) else {
            return Ok(());
        };
        self.chain_index
            .insert((table, info.name.to_owned()), chains.len());
        chains.push(chain_from(info));
        Ok(())
    }

    /// The cached (table, chain) of the previous rule, if this rule is in the same chain.
    fn same_chain_as_last(&self, info: &RuleInfo<'_>) -> Option<(usize, usize)> {
        let (family, table, chain) = self.last_chain?;
        let t = self.tables.get(table)?;
        let c = t.chains.get(chain)?;
        (family == info.family && t.name == info.table && c.name == info.chain)
            .then_some((table, chain))
    }

    fn rule(&mut self, info: &RuleInfo<'_>) -> Result<(), NftRulesetError> {
        let what = || format!("rule handle {} in chain {}", info.handle, info.chain);
        let (table, chain) = match self.same_chain_as_last(info) {
            Some(found) => found,
            None => {
                let table = self.table_of(info.family, info.table, what)?;
                let chain = self
                    .chain_index
                    .get(&(table, info.chain.to_owned()))
                    .copied()
                    .ok_or_else(|| NftRulesetError::Inconsistent {
                        what: what(),
                        missing: format!("chain {}", info.chain),
                    })?;
                self.last_chain = Some((info.family, table, chain));
                (table, chain)
            }
        };
        let Some(rules) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.chains.get_mut(chain))
            .map(|c| &mut c.rules)
        else {
            return Ok(());
        };
        let number = u32::try_from(rules.len().saturating_add(1)).unwrap_or(u32::MAX);
        let rule = rule_from(info, number).map_err(|source| NftRulesetError::Decode {
            what: "rules",
            source,
        })?;
        rules.push(rule);
        Ok(())
    }

    fn set(&mut self, info: &SetInfo<'_>) -> Result<(), NftRulesetError> {
        let table = self.table_of(info.family, info.table, || format!("set {}", info.name))?;
        if let Some(table) = self.tables.get_mut(table) {
            table.sets.push(set_from(info));
        }
        Ok(())
    }
}

/// nft's name of an `NFPROTO_*` family, for messages.
pub(crate) fn family_name(family: u8) -> &'static str {
    use nftrace_sys::netfilter::{
        NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
    };
    match family {
        NFPROTO_INET => "inet",
        NFPROTO_IPV4 => "ip",
        NFPROTO_IPV6 => "ip6",
        NFPROTO_ARP => "arp",
        NFPROTO_NETDEV => "netdev",
        NFPROTO_BRIDGE => "bridge",
        _ => "unknown-family",
    }
}

pub(super) fn table_from(info: &TableInfo<'_>) -> Table {
    Table {
        family: info.family,
        name: info.name.to_owned(),
        handle: info.handle,
        flags: info.flags,
        chains: Vec::new(),
        sets: Vec::new(),
        iptables_nft: false,
    }
}

pub(super) fn hook_from(info: &ChainInfo<'_>) -> Option<Hook> {
    let hook = info.hook?;
    let devices = match hook.devs {
        Some(devs) => devs
            .iter()
            .filter_map(Result::ok)
            .map(str::to_owned)
            .collect(),
        None => hook.dev.map(|d| vec![d.to_owned()]).unwrap_or_default(),
    };
    Some(Hook {
        hooknum: hook.hooknum,
        priority: hook.priority,
        chain_type: info.chain_type.unwrap_or_default().to_owned(),
        policy: info.policy,
        devices,
    })
}

pub(super) fn chain_from(info: &ChainInfo<'_>) -> Chain {
    Chain {
        name: info.name.to_owned(),
        handle: info.handle,
        hook: hook_from(info),
        rules: Vec::new(),
    }
}

pub(super) fn rule_from(info: &RuleInfo<'_>, number: u32) -> Result<Rule, DecodeError> {
    let exprs = info
        .exprs
        .iter()
        .map(|expr| {
            expr.map(|e| Expr {
                name: e.name.to_owned(),
                data: e.data.to_vec(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        handle: info.handle,
        number,
        exprs,
        userdata: info.userdata.map(<[u8]>::to_vec),
        comment: info.comment().map(str::to_owned),
        text: None,
    })
}

pub(super) fn set_from(info: &SetInfo<'_>) -> Set {
    Set {
        name: info.name.to_owned(),
        handle: info.handle,
        flags: info.flags,
        key_type: info.key_type,
        key_len: info.key_len,
    }
}

/// Whether iptables-nft made this table: its rules use the xtables compat expressions
/// (`match`, `target`), or it is one of iptables' tables (`filter`, `nat`, `mangle`, `raw`,
/// `security`) of family ip, ip6, arp or bridge whose base chains all carry iptables'
/// upper-case built-in names. nft itself never creates either shape unless told to copy it.
pub(crate) fn looks_like_iptables_nft(table: &Table) -> bool {
    use nftrace_sys::netfilter::{NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_IPV4, NFPROTO_IPV6};
    let compat = table
        .chains
        .iter()
        .flat_map(|c| &c.rules)
        .flat_map(|r| &r.exprs)
        .any(|e| e.name == "match" || e.name == "target");
    if compat {
        return true;
    }
    const BUILTIN: [&str; 8] = [
        "PREROUTING",
        "INPUT",
        "FORWARD",
        "OUTPUT",
        "POSTROUTING",
        "BROUTING",
        // arptables
        "IN",
        "OUT",
    ];
    let family_fits = matches!(
        table.family,
        NFPROTO_IPV4 | NFPROTO_IPV6 | NFPROTO_ARP | NFPROTO_BRIDGE
    );
    let name_fits = matches!(
        table.name.as_str(),
        "filter" | "nat" | "mangle" | "raw" | "security" | "broute"
    );
    let mut base_chains = table.chains.iter().filter(|c| c.hook.is_some()).peekable();
    family_fits
        && name_fits
        && base_chains.peek().is_some()
        && base_chains.all(|c| BUILTIN.contains(&c.name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured by `capture.py dump-chains` (tests/fixtures/README.md): the chains of inet
    // demo (pre at -300, out_nat, an ingress chain on two devices, a user chain), netdev l2
    // (egress on one device, sent as both NFTA_HOOK_DEV and NFTA_HOOK_DEVS) and the dormant
    // ip sleepy.
    const CHAINS: &[u8] = include_bytes!("../../../tests/fixtures/nft_dump_chains.nlmsg");

    #[test]
    fn hooks_of_a_captured_chain_dump() {
        let mut summary = Vec::new();
        for message in messages(CHAINS) {
            let message = message.unwrap();
            if message.header.ty == nftrace_sys::netlink::NLMSG_DONE {
                continue;
            }
            let Some(RulesetMessage {
                nfgen,
                body: RulesetBody::NewChain(info),
                ..
            }) = RulesetMessage::parse(&message).unwrap()
            else {
                continue;
            };
            let chain = chain_from(&info);
            summary.push((
                nfgen.family,
                info.table.to_owned(),
                chain.name,
                chain
                    .hook
                    .map(|h| (h.hooknum, h.priority, h.chain_type, h.devices.join(","))),
            ));
        }
        let base = |hooknum, priority, ty: &str, devices: &str| {
            Some((hooknum, priority, ty.to_owned(), devices.to_owned()))
        };
        let chain = |family, table: &str, name: &str, hook| {
            (family, table.to_owned(), name.to_owned(), hook)
        };
        assert_eq!(
            summary,
            [
                chain(1, "demo", "pre", base(0, -300, "filter", "")),
                chain(1, "demo", "out_nat", base(3, -120, "nat", "")),
                // The kernel's order of the devices, not the ruleset's.
                chain(
                    1,
                    "demo",
                    "ingress",
                    base(5, -10, "filter", "nftrace-veth1,nftrace-veth0")
                ),
                chain(1, "demo", "user", None),
                // One device: NFTA_HOOK_DEVS wins over the NFTA_HOOK_DEV sent beside it.
                chain(5, "l2", "eg", base(1, 0, "filter", "nftrace-veth0")),
                chain(2, "sleepy", "in", base(1, 0, "filter", "")),
            ]
        );
    }
}
