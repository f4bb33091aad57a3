//! `nftrace ruleset`: the snapshot as text (per table and chain: family, hook, priority,
//! policy, and each rule with its number, handle, text and the text's source) or as one JSON
//! document.

use std::io::{self, Write};

use serde::Serialize;

use super::names;
use crate::ruleset::model::{
    Chain, LegacyChain, LegacyTable, NftRuleset, Rule, RuleText, Table, TextSource,
};

/// Writes the snapshot as indented text.
pub fn write_text(
    out: &mut impl Write,
    nft: &NftRuleset,
    legacy: &[LegacyTable],
) -> io::Result<()> {
    writeln!(out, "# nf_tables generation {}", nft.generation)?;
    for table in &nft.tables {
        write_nft_table(out, table)?;
    }
    for table in legacy {
        write_legacy_table(out, table)?;
    }
    Ok(())
}

fn write_nft_table(out: &mut impl Write, table: &Table) -> io::Result<()> {
    let made_by = if table.iptables_nft {
        " (iptables-nft)"
    } else {
        ""
    };
    writeln!(
        out,
        "table {} {}{made_by}  handle {}",
        names::family(table.family).unwrap_or("?"),
        table.name,
        table.handle
    )?;
    for chain in &table.chains {
        write_nft_chain(out, table.family, chain)?;
    }
    Ok(())
}

fn write_nft_chain(out: &mut impl Write, family: u8, chain: &Chain) -> io::Result<()> {
    write!(out, "  chain {}  handle {}", chain.name, chain.handle)?;
    match &chain.hook {
        Some(hook) => {
            write!(
                out,
                "  type {} hook {} priority {}",
                hook.chain_type,
                hook_name(family, hook.hooknum),
                PriorityText(family, hook.priority)
            )?;
            if !hook.devices.is_empty() {
                write!(out, " devices {}", hook.devices.join(","))?;
            }
            if let Some(policy) = hook.policy {
                write!(out, " policy {}", policy_name(policy))?;
            }
            writeln!(out)?;
        }
        None => writeln!(out, "  (regular chain)")?,
    }
    for rule in &chain.rules {
        write_nft_rule(out, rule)?;
    }
    Ok(())
}

fn write_nft_rule(out: &mut impl Write, rule: &Rule) -> io::Result<()> {
    write!(out, "    {:>4}  handle {:<5} ", rule.number, rule.handle)?;
    write_rule_text(out, rule.text.as_ref())
}

fn write_legacy_table(out: &mut impl Write, table: &LegacyTable) -> io::Result<()> {
    let tool = if table.family == nftrace_sys::netfilter::NFPROTO_IPV6 {
        "ip6tables-legacy"
    } else {
        "iptables-legacy"
    };
    writeln!(
        out,
        "{tool} table {}  ({} entries)",
        table.name, table.entries
    )?;
    for chain in &table.chains {
        write_legacy_chain(out, table.family, chain)?;
    }
    Ok(())
}

fn write_legacy_chain(out: &mut impl Write, family: u8, chain: &LegacyChain) -> io::Result<()> {
    write!(out, "  chain {}", chain.name)?;
    if let Some(hook) = chain.hook {
        write!(out, "  hook {}", hook_name(family, hook))?;
    }
    match chain.policy {
        Some(policy) => writeln!(out, " policy {}", policy_name(policy).to_uppercase())?,
        None => writeln!(out)?,
    }
    for rule in &chain.rules {
        write!(out, "    {:>4}  ", rule.number)?;
        write_rule_text(out, rule.text.as_ref())?;
    }
    Ok(())
}

fn write_rule_text(out: &mut impl Write, text: Option<&RuleText>) -> io::Result<()> {
    match text {
        Some(text) => writeln!(out, "{}  [{}]", text.text, source_name(text.source)),
        None => writeln!(out, "(no text)"),
    }
}

/// Writes the snapshot as one JSON document.
pub fn write_json(
    out: &mut impl Write,
    nft: &NftRuleset,
    legacy: &[LegacyTable],
) -> io::Result<()> {
    let document = RulesetJson {
        generation: nft.generation,
        nftables: nft.tables.iter().map(NftTableJson::new).collect(),
        legacy: legacy.iter().map(LegacyTableJson::new).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

#[derive(Serialize)]
struct RulesetJson<'a> {
    generation: u32,
    nftables: Vec<NftTableJson<'a>>,
    legacy: Vec<LegacyTableJson<'a>>,
}

#[derive(Serialize)]
struct NftTableJson<'a> {
    family: &'static str,
    name: &'a str,
    handle: u64,
    iptables_nft: bool,
    chains: Vec<NftChainJson<'a>>,
}

impl<'a> NftTableJson<'a> {
    fn new(table: &'a Table) -> Self {
        NftTableJson {
            family: names::family(table.family).unwrap_or("unknown"),
            name: &table.name,
            handle: table.handle,
            iptables_nft: table.iptables_nft,
            chains: table
                .chains
                .iter()
                .map(|chain| NftChainJson::new(table.family, chain))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct NftChainJson<'a> {
    name: &'a str,
    handle: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<i32>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    chain_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    devices: &'a [String],
    rules: Vec<RuleJson<'a>>,
}

impl<'a> NftChainJson<'a> {
    fn new(family: u8, chain: &'a Chain) -> Self {
        let hook = chain.hook.as_ref();
        NftChainJson {
            name: &chain.name,
            handle: chain.handle,
            hook: hook.map(|h| hook_name(family, h.hooknum)),
            priority: hook.map(|h| h.priority),
            chain_type: hook.map(|h| h.chain_type.as_str()),
            policy: hook.and_then(|h| h.policy).map(policy_name),
            devices: hook.map(|h| h.devices.as_slice()).unwrap_or_default(),
            rules: chain
                .rules
                .iter()
                .map(|rule| RuleJson {
                    number: rule.number,
                    handle: Some(rule.handle),
                    text: rule.text.as_ref().map(|t| t.text.as_str()),
                    source: rule.text.as_ref().map(|t| t.source),
                    comment: rule.comment.as_deref(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct RuleJson<'a> {
    number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    handle: Option<u64>,
    text: Option<&'a str>,
    source: Option<TextSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
}

#[derive(Serialize)]
struct LegacyTableJson<'a> {
    family: &'static str,
    name: &'a str,
    entries: u32,
    chains: Vec<LegacyChainJson<'a>>,
}

impl<'a> LegacyTableJson<'a> {
    fn new(table: &'a LegacyTable) -> Self {
        LegacyTableJson {
            family: names::family(table.family).unwrap_or("unknown"),
            name: &table.name,
            entries: table.entries,
            chains: table
                .chains
                .iter()
                .map(|chain| LegacyChainJson {
                    name: &chain.name,
                    hook: chain.hook.map(|h| hook_name(table.family, h)),
                    policy: chain.policy.map(policy_name),
                    rules: chain
                        .rules
                        .iter()
                        .map(|rule| RuleJson {
                            number: rule.number,
                            handle: None,
                            text: rule.text.as_ref().map(|t| t.text.as_str()),
                            source: rule.text.as_ref().map(|t| t.source),
                            comment: None,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct LegacyChainJson<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'static str>,
    rules: Vec<RuleJson<'a>>,
}

/// A hook number as nft names it in `family`; netdev's only hooks are ingress and egress.
fn hook_name(family: u8, hooknum: u32) -> &'static str {
    let hook = u8::try_from(hooknum).unwrap_or(u8::MAX);
    if family == nftrace_sys::netfilter::NFPROTO_NETDEV {
        return match hook {
            0 => "ingress",
            1 => "egress",
            _ => "unknown",
        };
    }
    names::inet_hook(hook).unwrap_or("unknown")
}

fn policy_name(policy: u32) -> &'static str {
    match policy {
        0 => "drop",
        1 => "accept",
        _ => "unknown",
    }
}

fn source_name(source: TextSource) -> &'static str {
    match source {
        TextSource::Nft => "nft",
        TextSource::IptablesNftSave => "iptables-nft-save",
        TextSource::IptablesLegacySave => "iptables-legacy-save",
        TextSource::Builtin => "built-in renderer",
        TextSource::Expressions => "expressions",
    }
}

/// A priority as a number and, near a standard one, nft's symbolic form (`-301 (raw - 1)`).
struct PriorityText(u8, i32);

impl std::fmt::Display for PriorityText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let PriorityText(family, priority) = *self;
        write!(f, "{priority}")?;
        let standard: &[(&str, i32)] = if family == nftrace_sys::netfilter::NFPROTO_BRIDGE {
            &[
                ("dstnat", -300),
                ("filter", -200),
                ("out", 100),
                ("srcnat", 300),
            ]
        } else {
            &[
                ("raw", -300),
                ("mangle", -150),
                ("dstnat", -100),
                ("filter", 0),
                ("security", 50),
                ("srcnat", 100),
            ]
        };
        // The closest standard priority within 10, as nft prints `raw - 1`.
        let nearest = standard
            .iter()
            .map(|&(name, value)| (name, priority.saturating_sub(value)))
            .filter(|(_, offset)| offset.unsigned_abs() <= 10)
            .min_by_key(|(_, offset)| offset.unsigned_abs());
        match nearest {
            Some((name, 0)) => write!(f, " ({name})"),
            Some((name, offset)) if offset < 0 => {
                write!(f, " ({name} - {})", offset.unsigned_abs())
            }
            Some((name, offset)) => write!(f, " ({name} + {offset})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_read_like_nft() {
        let text = |family, p| PriorityText(family, p).to_string();
        assert_eq!(text(1, -301), "-301 (raw - 1)");
        assert_eq!(text(2, 0), "0 (filter)");
        assert_eq!(text(10, 105), "105 (srcnat + 5)");
        assert_eq!(text(1, -500), "-500");
        assert_eq!(text(7, -200), "-200 (filter)");
    }
}
