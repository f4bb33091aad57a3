//! Printing a [`HookTable`]: as text, one block per family and hook with one line per entry
//! in the order the kernel runs them, or as one JSON document.
//!
//! ```text
//! hooks from the kernel's hook list
//!
//! ip output
//!        -400  defrag        defrag (ipv4_conntrack_defrag)
//!        -350                nft inet demo early
//!        -300  raw           iptables-legacy raw (ipt_do_table)
//!        -200  conntrack     conntrack (ipv4_conntrack_local)
//!        -100  dstnat        nat (nf_nat_ipv4_local_fn)
//!        -120                  -> nft ip demo nat_out
//!        -100  dstnat          -> iptables-legacy nat
//!           0  filter        iptables-legacy filter (ipt_do_table)
//! ```

use std::io::{self, Write};

use crate::hooks::model::{family_label, HookEntry, HookKind, HookList, HookSource, HookTable};
use crate::hooks::priority_name;

/// Writes `table` as text.
pub fn write_text(out: &mut impl Write, table: &HookTable) -> io::Result<()> {
    match table.source {
        HookSource::Kernel => writeln!(out, "hooks from the kernel's hook list")?,
        HookSource::Derived => writeln!(
            out,
            "hooks DERIVED from the ruleset, not from the kernel's hook list"
        )?,
    }
    for note in &table.notes {
        writeln!(out, "note: {note}")?;
    }
    if table.hooks.is_empty() {
        writeln!(out)?;
        writeln!(out, "no hooks are registered")?;
    }
    for list in &table.hooks {
        writeln!(out)?;
        writeln!(out, "{}", list_title(list))?;
        for entry in &list.entries {
            write_entry(out, list.family, entry, false)?;
            for member in &entry.nested {
                write_entry(out, list.family, member, true)?;
            }
        }
    }
    Ok(())
}

/// Writes `table` as one JSON object and a newline (schema: the serde form of
/// [`HookTable`]).
pub fn write_json(out: &mut impl Write, table: &HookTable) -> io::Result<()> {
    serde_json::to_writer(&mut *out, table)?;
    out.write_all(b"\n")
}

/// `ip output`, `netdev ingress device eth0`.
pub fn list_title(list: &HookList) -> String {
    let mut title = format!("{} {}", family_label(list.family), list.hook_name);
    if let Some(device) = &list.device {
        title.push_str(" device ");
        title.push_str(device);
    }
    title
}

fn write_entry(
    out: &mut impl Write,
    family: u8,
    entry: &HookEntry,
    nested: bool,
) -> io::Result<()> {
    let symbol = priority_name(family, entry.priority).unwrap_or("");
    let arrow = if nested { "  -> " } else { "" };
    let marker = if entry.order_unknown {
        "  [same priority as a neighbour: order unknown]"
    } else {
        ""
    };
    writeln!(
        out,
        "{:>12}  {:<12}  {arrow}{}{marker}",
        entry.priority,
        symbol,
        describe(entry)
    )
}

/// One entry in words: `nft inet demo early`, `iptables-legacy raw (ipt_do_table)`,
/// `conntrack (ipv4_conntrack_in)`, `other (ip_vs_reply4 [ip_vs])`.
pub fn describe(entry: &HookEntry) -> String {
    let function = entry.function.as_deref().map(|f| match &entry.module {
        Some(module) => format!("{f} [{module}]"),
        None => f.to_owned(),
    });
    let with_function = |what: String| match &function {
        Some(f) => format!("{what} ({f})"),
        None => what,
    };
    match &entry.kind {
        HookKind::NftChain {
            family,
            table,
            chain,
        } => format!("nft {} {table} {chain}", family_label(*family)),
        HookKind::NftFlowtable {
            family,
            table,
            flowtable,
        } => format!(
            "nft flowtable {} {table} {flowtable}",
            family_label(*family)
        ),
        HookKind::Legacy { tool, table } => with_function(format!(
            "{} {}",
            tool.command(),
            table.as_deref().unwrap_or("(unknown table)")
        )),
        HookKind::Conntrack => with_function("conntrack".to_owned()),
        HookKind::Defrag => with_function("defrag".to_owned()),
        HookKind::Nat => with_function("nat".to_owned()),
        HookKind::Selinux => with_function("selinux".to_owned()),
        HookKind::Bpf { id } => with_function(match id {
            Some(id) => format!("bpf program {id}"),
            None => "bpf program".to_owned(),
        }),
        _ => with_function("other".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::model::{HookList, LegacyTool};

    fn table(source: HookSource) -> HookTable {
        let mut raw = HookEntry::new(
            -300,
            HookKind::Legacy {
                tool: LegacyTool::IptablesLegacy,
                table: Some("raw".into()),
            },
        );
        raw.function = Some("ipt_do_table".into());
        let mut nat = HookEntry::new(-100, HookKind::Nat);
        nat.function = Some("nf_nat_ipv4_local_fn".into());
        nat.nested = vec![HookEntry::new(
            -120,
            HookKind::NftChain {
                family: 2,
                table: "demo".into(),
                chain: "nat_out".into(),
            },
        )];
        let mut ct = HookEntry::new(-200, HookKind::Conntrack);
        ct.function = Some("ipv4_conntrack_local".into());
        ct.module = Some("nf_conntrack".into());
        HookTable {
            source,
            notes: vec!["a note".into()],
            hooks: vec![HookList {
                family: 2,
                hook: 3,
                hook_name: "output",
                device: None,
                entries: vec![
                    HookEntry::new(
                        -350,
                        HookKind::NftChain {
                            family: 1,
                            table: "demo".into(),
                            chain: "early".into(),
                        },
                    ),
                    raw,
                    ct,
                    nat,
                ],
            }],
        }
    }

    #[test]
    fn text_has_one_line_per_entry_in_order() {
        let mut out = Vec::new();
        write_text(&mut out, &table(HookSource::Kernel)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "hooks from the kernel's hook list");
        assert_eq!(lines[1], "note: a note");
        assert_eq!(lines[3], "ip output");
        let rows: Vec<Vec<&str>> = lines[4..]
            .iter()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows[0], ["-350", "nft", "inet", "demo", "early"]);
        assert_eq!(
            rows[1],
            ["-300", "raw", "iptables-legacy", "raw", "(ipt_do_table)"]
        );
        assert_eq!(
            rows[2],
            [
                "-200",
                "conntrack",
                "conntrack",
                "(ipv4_conntrack_local",
                "[nf_conntrack])"
            ]
        );
        assert_eq!(rows[3], ["-100", "dstnat", "nat", "(nf_nat_ipv4_local_fn)"]);
        assert_eq!(rows[4], ["-120", "->", "nft", "ip", "demo", "nat_out"]);
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn derived_tables_say_so_and_flag_ties() {
        let mut derived = table(HookSource::Derived);
        derived.hooks[0].entries[1].order_unknown = true;
        let mut out = Vec::new();
        write_text(&mut out, &derived).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("hooks DERIVED from the ruleset"), "{text}");
        assert!(text.contains("raw (ipt_do_table)  [same priority as a neighbour: order unknown]"));
    }

    #[test]
    fn json_is_one_object_with_names() {
        let mut out = Vec::new();
        write_json(&mut out, &table(HookSource::Derived)).unwrap();
        assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 1);
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["source"], "derived");
        let list = &value["hooks"][0];
        assert_eq!(list["family"], "ip");
        assert_eq!(list["hook_name"], "output");
        assert_eq!(list["entries"][0]["kind"]["type"], "nft-chain");
        assert_eq!(list["entries"][0]["kind"]["family"], "inet");
        assert_eq!(list["entries"][1]["kind"]["tool"], "iptables-legacy");
        assert_eq!(list["entries"][3]["nested"][0]["kind"]["chain"], "nat_out");
        assert!(list["entries"][0].get("order_unknown").is_none());
    }
}
