//! Attaching `iptables-legacy-save` lines to the kernel's legacy table: the N-th `-A` line of
//! a chain is rule N, but only when the save text and the kernel's table agree on every
//! chain, policy and rule count — otherwise nothing is attached, rather than a line to the
//! wrong rule.

use super::save::SaveTable;
use crate::ruleset::model::{LegacyTable, RuleText, TextSource};

/// How a table's texts were obtained.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum TextOutcome {
    /// Every rule has its `-A` line.
    Attached,
    /// Texts were not asked for.
    NotRequested,
    /// The save tool is not installed.
    ToolMissing { tool: String },
    /// The save tool failed or printed something unreadable.
    ToolError { error: String },
    /// The save tool did not list the table.
    TableNotListed,
    /// The save text and the kernel's table disagreed, also when both were read again.
    Mismatch { reason: String },
}

/// Why `save` does not describe `table`, if it does not.
pub fn mismatch(table: &LegacyTable, save: &SaveTable) -> Option<String> {
    if table.chains.len() != save.chains.len() {
        return Some(format!(
            "{} chains in the kernel, {} in the save text",
            table.chains.len(),
            save.chains.len()
        ));
    }
    for chain in &table.chains {
        let Some(saved) = save.chain(&chain.name) else {
            return Some(format!("chain {} missing from the save text", chain.name));
        };
        if saved.policy_code() != chain.policy {
            return Some(format!(
                "chain {}: policy {:?} in the kernel, {:?} in the save text",
                chain.name, chain.policy, saved.policy
            ));
        }
        if saved.rules.len() != chain.rules.len() {
            return Some(format!(
                "chain {}: {} rules in the kernel, {} in the save text",
                chain.name,
                chain.rules.len(),
                saved.rules.len()
            ));
        }
    }
    None
}

/// Gives each rule of `table` its `-A` line from `save`; on a mismatch leaves every text
/// empty and says why.
pub fn attach_legacy_texts(table: &mut LegacyTable, save: &SaveTable) -> Result<(), String> {
    if let Some(reason) = mismatch(table, save) {
        for rule in table.chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
            rule.text = None;
        }
        return Err(reason);
    }
    for chain in &mut table.chains {
        let Some(saved) = save.chain(&chain.name) else {
            continue;
        };
        for (rule, line) in chain.rules.iter_mut().zip(&saved.rules) {
            rule.text = Some(RuleText {
                text: line.clone(),
                source: TextSource::IptablesLegacySave,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::iptables::{parse_save, parse_table, TableInfo, XtFamily, GETINFO_LEN};

    /// The kernel's `filter` table and `iptables-legacy-save -t filter` right after, both
    /// captured by `tests/fixtures/capture_xtables.sh`.
    const FILTER4: &[u8] = include_bytes!("../../../tests/fixtures/xt_filter4.bin");
    const SAVE4: &str = include_str!("../../../tests/fixtures/xt_filter4_save.txt");

    fn table() -> LegacyTable {
        let (info, blob) = FILTER4.split_at(GETINFO_LEN);
        parse_table(XtFamily::Ipv4, &TableInfo::parse(info).unwrap(), blob).unwrap()
    }

    fn texts(table: &LegacyTable, chain: &str) -> Vec<Option<String>> {
        let chain = table.chains.iter().find(|c| c.name == chain).unwrap();
        chain
            .rules
            .iter()
            .map(|r| r.text.as_ref().map(|t| t.text.clone()))
            .collect()
    }

    #[test]
    fn the_nth_line_of_a_chain_is_rule_n() {
        let save = parse_save("iptables-legacy-save", SAVE4).unwrap();
        let mut table = table();
        attach_legacy_texts(&mut table, save.table("filter").unwrap()).unwrap();
        assert_eq!(
            texts(&table, "IN_UDP"),
            [
                Some("-A IN_UDP -p udp -m udp --dport 5001 -j ACCEPT".to_owned()),
                Some("-A IN_UDP -p udp -m udp --dport 5003 -g IN_GOTO".to_owned()),
                Some("-A IN_UDP -j RETURN".to_owned()),
            ]
        );
        assert_eq!(
            texts(&table, "OUTPUT"),
            [
                Some("-A OUTPUT -p tcp -m tcp --dport 9 -j DROP".to_owned()),
                Some("-A OUTPUT -j ACCEPT".to_owned()),
            ]
        );
        let sources: Vec<TextSource> = table
            .chains
            .iter()
            .flat_map(|c| &c.rules)
            .map(|r| r.text.as_ref().unwrap().source)
            .collect();
        assert_eq!(sources.len(), 12);
        assert!(sources.iter().all(|s| *s == TextSource::IptablesLegacySave));
    }

    #[test]
    fn a_save_text_that_disagrees_attaches_nothing() {
        let cases = [
            (
                SAVE4.replace("-A IN_UDP -j RETURN\n", ""),
                "chain IN_UDP: 3 rules in the kernel, 2 in the save text",
            ),
            (
                SAVE4.replace(":FORWARD DROP", ":FORWARD ACCEPT"),
                "chain FORWARD: policy Some(0) in the kernel, Some(\"ACCEPT\") in the save text",
            ),
            (
                SAVE4.replace(":UDPCOUNT - [0:0]\n", ":UDPCOUNT - [0:0]\n:EXTRA - [0:0]\n"),
                "6 chains in the kernel, 7 in the save text",
            ),
        ];
        for (text, reason) in cases {
            let save = parse_save("iptables-legacy-save", &text).unwrap();
            let mut table = table();
            // Texts from an earlier, agreeing read are removed too.
            let good = parse_save("iptables-legacy-save", SAVE4).unwrap();
            attach_legacy_texts(&mut table, good.table("filter").unwrap()).unwrap();
            assert_eq!(
                attach_legacy_texts(&mut table, save.table("filter").unwrap()),
                Err(reason.to_owned())
            );
            assert!(table
                .chains
                .iter()
                .flat_map(|c| &c.rules)
                .all(|r| r.text.is_none()));
        }
    }
}
