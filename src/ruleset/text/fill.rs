//! The text pipeline: gives every rule of an [`NftRuleset`] a [`RuleText`], best source
//! first — nft's own listing, else the built-in renderer, else the expression listing — and
//! reports how many came from where and which rules nft's listing lacked (the ruleset
//! changed between the dump and the listing; those fell back to the renderer).

use std::collections::HashSet;

use super::elements::{dump_anonymous_sets, AnonymousSets, ElementsError};
use super::listing::expression_listing;
use super::nft_list::{NftCommand, NftList, NftListError, NftListing};
use super::render::decode::{decode, Instr};
use super::render::{render_rule, InterfaceNames, RenderContext, RenderError};
use crate::ruleset::model::{Expr, NftRuleset, RuleText, TextSource};

/// A rule, by table family, table, chain and handle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleId {
    /// `NFPROTO_*` of the table.
    pub family: u8,
    pub table: String,
    pub chain: String,
    pub handle: u64,
}

/// What [`fill_texts`] did.
#[derive(Debug, Default)]
pub struct FillReport {
    /// Rules whose text came from nft's listing.
    pub from_nft: usize,
    /// Rules rendered by nftrace.
    pub rendered: usize,
    /// Rules shown as an expression listing.
    pub listed: usize,
    /// Rules nft's listing lacked, although nft ran (they were rendered or listed).
    pub missing_from_nft: Vec<RuleId>,
    /// Why the renderer gave up on the rules that ended as listings.
    pub render_failures: Vec<(RuleId, RenderError)>,
    /// nft ran and failed (its absence is not a failure); rule texts then came from the
    /// renderer.
    pub nft_error: Option<NftListError>,
    /// Anonymous sets whose elements could not be read (their rules show `@__setN`).
    pub element_errors: Vec<ElementsError>,
}

/// Fills `text` of every rule: from `listing` (nft's own text) when it has the rule, else
/// rendered, else the expression listing. Rules always end with a text.
///
/// `anonymous_sets` holds the elements of anonymous sets for the renderer (see
/// [`dump_anonymous_sets`]); without them rendered rules show `@__setN` for those sets.
pub fn fill_texts(
    ruleset: &mut NftRuleset,
    listing: Option<&NftListing>,
    anonymous_sets: Option<&AnonymousSets>,
    interfaces: &dyn InterfaceNames,
) -> FillReport {
    let mut report = FillReport::default();
    for table in &mut ruleset.tables {
        let elements = anonymous_sets.and_then(|sets| sets.table(table.family, &table.name));
        let ctx = RenderContext::new(table.family, &table.sets)
            .with_interfaces(interfaces)
            .with_elements(elements);
        for chain in &mut table.chains {
            for rule in &mut chain.rules {
                let id = || RuleId {
                    family: table.family,
                    table: table.name.clone(),
                    chain: chain.name.clone(),
                    handle: rule.handle,
                };
                if let Some(listing) = listing {
                    if let Some(text) =
                        listing.rule_text(table.family, &table.name, &chain.name, rule.handle)
                    {
                        rule.text = Some(RuleText {
                            text: text.to_owned(),
                            source: TextSource::Nft,
                        });
                        report.from_nft += 1;
                        continue;
                    }
                    report.missing_from_nft.push(id());
                }
                match render_rule(&rule.exprs, &ctx) {
                    Ok(text) => {
                        rule.text = Some(RuleText {
                            text: with_comment(text, rule.comment.as_deref()),
                            source: TextSource::Builtin,
                        });
                        report.rendered += 1;
                    }
                    Err(err) => {
                        rule.text = Some(RuleText {
                            text: with_comment(
                                expression_listing(&rule.exprs),
                                rule.comment.as_deref(),
                            ),
                            source: TextSource::Expressions,
                        });
                        report.listed += 1;
                        report.render_failures.push((id(), err));
                    }
                }
            }
        }
    }
    report
}

/// Runs `nft -s -a list ruleset` with `command` (in the calling thread's network namespace)
/// and fills every rule's text as [`fill_texts`] does. Rules nft's listing lacks (or all,
/// without nft) are rendered; the elements of the anonymous sets those rules use are read
/// from the kernel first. Without nft, or when nft fails, the texts come from the
/// renderer; a failure is kept in [`FillReport::nft_error`].
pub fn fill_texts_with_nft(
    ruleset: &mut NftRuleset,
    command: &NftCommand,
    interfaces: &dyn InterfaceNames,
) -> FillReport {
    let (listing, nft_error) = match command.list_ruleset() {
        Ok(NftList::Listed(listing)) => (Some(listing), None),
        Ok(NftList::NotAvailable) => (None, None),
        Err(err) => (None, Some(err)),
    };
    let needed = sets_needing_elements(ruleset, listing.as_ref());
    let (anonymous_sets, element_errors) = if needed.is_empty() {
        (AnonymousSets::default(), Vec::new())
    } else {
        let wanted = |family: u8, table: &str, set: &str| {
            needed.contains(&(family, table.to_owned(), set.to_owned()))
        };
        dump_anonymous_sets(ruleset, Some(&wanted))
    };
    let mut report = fill_texts(ruleset, listing.as_ref(), Some(&anonymous_sets), interfaces);
    report.nft_error = nft_error;
    report.element_errors = element_errors;
    report
}

/// The sets (family, table, name) that rules without a text from `listing` look up.
fn sets_needing_elements(
    ruleset: &NftRuleset,
    listing: Option<&NftListing>,
) -> HashSet<(u8, String, String)> {
    let mut needed = HashSet::new();
    for table in &ruleset.tables {
        for chain in &table.chains {
            for rule in &chain.rules {
                let listed = listing.is_some_and(|l| {
                    l.rule_text(table.family, &table.name, &chain.name, rule.handle)
                        .is_some()
                });
                if listed {
                    continue;
                }
                for set in lookup_sets(&rule.exprs) {
                    needed.insert((table.family, table.name.clone(), set.to_owned()));
                }
            }
        }
    }
    needed
}

/// Names of the sets a rule's `lookup` expressions use.
fn lookup_sets(exprs: &[Expr]) -> impl Iterator<Item = &str> {
    exprs
        .iter()
        .filter_map(|expr| match decode(&expr.name, &expr.data) {
            Ok(Instr::Lookup { set, .. }) => Some(set),
            _ => None,
        })
}

/// A rendered rule with its comment, as nft prints it (`... comment "text"`).
pub fn with_comment(mut text: String, comment: Option<&str>) -> String {
    if let Some(comment) = comment {
        text.push_str(" comment \"");
        text.push_str(comment);
        text.push('"');
    }
    text
}
