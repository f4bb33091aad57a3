//! Tests of the text pipeline on a ruleset dump captured from the kernel: the renderer and
//! the listing against what nft printed for the same ruleset, `fill_texts` source by source,
//! and neither panicking on mangled expression bytes.

use nftrace_sys::netfilter::{NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV};

use super::fill::fill_texts;
use super::listing::expression_listing;
use super::nft_list::parse_listing;
use super::render::{render_rule, RenderContext};
use crate::ruleset::model::{Expr, NftRuleset, TextSource};

/// `nft -s -a list ruleset` of the same `RULESET_SESSION_NFT`, loaded with `nft -f` into a
/// scratch namespace on this machine (nft 1.0.6); rule handles match the dump because
/// handles are counted per table from 1.
const LISTING: &str = include_str!("testdata/session_listing.txt");

/// The dump of `RULESET_SESSION_NFT` in capture.py, captured on Linux 6.18 (see
/// `ruleset::nft::captured`), as a snapshot.
fn ruleset() -> NftRuleset {
    NftRuleset::from_dump(&crate::ruleset::nft::captured::dump_replies()).unwrap()
}

fn rule_exprs<'a>(
    ruleset: &'a NftRuleset,
    family: u8,
    table: &str,
    chain: &str,
    handle: u64,
) -> (&'a [Expr], RenderContext<'a>) {
    let table = ruleset
        .tables
        .iter()
        .find(|t| t.family == family && t.name == table)
        .unwrap();
    let rule = table
        .chains
        .iter()
        .find(|c| c.name == chain)
        .unwrap()
        .rules
        .iter()
        .find(|r| r.handle == handle)
        .unwrap();
    (&rule.exprs, RenderContext::new(family, &table.sets))
}

/// (family, table, chain, handle, text the renderer must print, without the comment).
const EXPECTED: &[(u8, &str, &str, u64, &str)] = &[
    (
        NFPROTO_INET,
        "fixture_filter",
        "input",
        5,
        "ct state established,related accept",
    ),
    (
        NFPROTO_INET,
        "fixture_filter",
        "input",
        6,
        "tcp dport @ports accept",
    ),
    (NFPROTO_INET, "fixture_filter", "input", 7, "jump checks"),
    (
        NFPROTO_INET,
        "fixture_filter",
        "input",
        8,
        "ip saddr 10.0.0.0/8 goto dropper",
    ),
    (
        NFPROTO_INET,
        "fixture_filter",
        "checks",
        9,
        "meta l4proto icmp accept",
    ),
    (NFPROTO_INET, "fixture_filter", "checks", 10, "return"),
    (
        NFPROTO_INET,
        "fixture_filter",
        "dropper",
        11,
        "counter drop",
    ),
    (
        NFPROTO_IPV4,
        "fixture_nat",
        "prerouting",
        2,
        "tcp dport 8080 dnat to 10.0.0.1:80",
    ),
    (NFPROTO_IPV6, "fixture_raw", "pre", 2, "meta nftrace set 1"),
    (NFPROTO_NETDEV, "fixture_ingress", "ingress", 2, "counter"),
];

#[test]
fn renders_the_captured_rules_as_nft_prints_them() {
    let ruleset = ruleset();
    let listing = parse_listing(LISTING);
    for &(family, table, chain, handle, expected) in EXPECTED {
        let (exprs, ctx) = rule_exprs(&ruleset, family, table, chain, handle);
        let rendered = render_rule(exprs, &ctx).unwrap();
        assert_eq!(rendered, expected, "{table} {chain} {handle}");
        // nft's own text is the rendered one plus the comment.
        let nft = listing.rule_text(family, table, chain, handle).unwrap();
        assert!(nft.starts_with(expected), "{nft:?} vs {expected:?}");
    }
}

#[test]
fn lists_expressions_as_libnftnl_does() {
    let ruleset = ruleset();
    // `nft --debug=netlink list ruleset` for the same ruleset, same machine.
    let cases: &[(u8, &str, &str, u64, &str)] = &[
        (
            NFPROTO_INET,
            "fixture_filter",
            "input",
            5,
            "[ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ] \
             [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 accept ]",
        ),
        (
            NFPROTO_INET,
            "fixture_filter",
            "input",
            6,
            "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] [ payload load 2b @ \
             transport header + 2 => reg 1 ] [ lookup reg 1 set ports 0x0 ] [ immediate reg 0 \
             accept ]",
        ),
        (
            NFPROTO_INET,
            "fixture_filter",
            "input",
            7,
            "[ immediate reg 0 jump -> checks ]",
        ),
        (
            NFPROTO_IPV4,
            "fixture_nat",
            "prerouting",
            2,
            "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] [ payload load 2b @ \
             transport header + 2 => reg 1 ] [ cmp eq reg 1 0x0000901f ] [ immediate reg 1 \
             0x0100000a ] [ immediate reg 2 0x00005000 ] [ nat dnat ip addr_min reg 1 addr_max \
             reg 1 proto_min reg 2 proto_max reg 2 flags 0x3 ]",
        ),
        (
            NFPROTO_IPV6,
            "fixture_raw",
            "pre",
            2,
            "[ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        ),
    ];
    for &(family, table, chain, handle, expected) in cases {
        let (exprs, _) = rule_exprs(&ruleset, family, table, chain, handle);
        assert_eq!(expression_listing(exprs), expected);
    }
    assert_eq!(expression_listing(&[]), "[ ]");
    let unknown = Expr {
        name: "frobnicate".to_owned(),
        data: exprs_data_of_first_rule(&ruleset),
    };
    let listed = expression_listing(&[unknown]);
    assert!(listed.starts_with("[ frobnicate "), "{listed}");
    assert!(listed.contains("b"), "{listed}");
}

fn exprs_data_of_first_rule(ruleset: &NftRuleset) -> Vec<u8> {
    ruleset.tables[0].chains[0].rules[0].exprs[0].data.clone()
}

#[test]
fn fill_texts_prefers_nft_then_renders_what_nft_lacks() {
    let mut ruleset = ruleset();
    let listing = parse_listing(LISTING);
    let report = fill_texts(&mut ruleset, Some(&listing), None, &super::NoInterfaceNames);
    assert_eq!(report.from_nft, EXPECTED.len());
    assert_eq!((report.rendered, report.listed), (0, 0));
    assert!(report.missing_from_nft.is_empty());
    let rule = &ruleset.tables[0].chains[0].rules[0];
    let text = rule.text.as_ref().unwrap();
    assert_eq!(text.source, TextSource::Nft);
    assert_eq!(
        text.text,
        r#"ct state established,related accept comment "established""#
    );

    // A listing taken before a rule was added lacks it: that rule is rendered (with its
    // comment, as nft prints comments) and reported.
    let older = LISTING.replace("\t\tcounter drop comment \"dropped\" # handle 11\n", "");
    let listing = parse_listing(&older);
    let mut ruleset = self::ruleset();
    let report = fill_texts(&mut ruleset, Some(&listing), None, &super::NoInterfaceNames);
    assert_eq!(report.rendered, 1);
    assert_eq!(report.missing_from_nft.len(), 1);
    assert_eq!(report.missing_from_nft[0].handle, 11);
    let dropper = ruleset
        .live_chain(NFPROTO_INET, "fixture_filter", "dropper")
        .unwrap();
    let text = dropper.rules[0].text.as_ref().unwrap();
    assert_eq!(text.source, TextSource::Builtin);
    assert_eq!(text.text, r#"counter drop comment "dropped""#);

    // Without nft every rule is rendered; nothing needs the listing here.
    let mut ruleset = self::ruleset();
    let report = fill_texts(&mut ruleset, None, None, &super::NoInterfaceNames);
    assert_eq!(report.rendered, EXPECTED.len());
    assert!(report.missing_from_nft.is_empty());
}

#[test]
fn unrenderable_rules_fall_back_to_the_listing() {
    let mut ruleset = ruleset();
    // A rule whose expression the renderer does not know (the bytes are a real
    // expression's, under a name no kernel uses).
    let rule = &mut ruleset.tables[0].chains[0].rules[0];
    rule.exprs[0].name = "frobnicate".to_owned();
    let report = fill_texts(&mut ruleset, None, None, &super::NoInterfaceNames);
    assert_eq!(report.listed, 1);
    assert_eq!(report.render_failures.len(), 1);
    let text = ruleset.tables[0].chains[0].rules[0].text.as_ref().unwrap();
    assert_eq!(text.source, TextSource::Expressions);
    assert!(text.text.starts_with("[ frobnicate "), "{}", text.text);
    assert!(
        text.text.ends_with(r#"comment "established""#),
        "{}",
        text.text
    );
}

/// A small deterministic generator (xorshift), so the mangling is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mangled_expressions_never_panic() {
    let ruleset = ruleset();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for table in &ruleset.tables {
        let ctx = RenderContext::new(table.family, &table.sets);
        for chain in &table.chains {
            for rule in &chain.rules {
                for (index, expr) in rule.exprs.iter().enumerate() {
                    // Every truncation.
                    for len in 0..expr.data.len() {
                        let mut exprs = rule.exprs.clone();
                        exprs[index].data.truncate(len);
                        let _ = render_rule(&exprs, &ctx);
                        let _ = expression_listing(&exprs);
                    }
                    // Every byte set to a few values.
                    for pos in 0..expr.data.len() {
                        for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                            let mut exprs = rule.exprs.clone();
                            exprs[index].data[pos] = value;
                            let _ = render_rule(&exprs, &ctx);
                            let _ = expression_listing(&exprs);
                        }
                    }
                    // Random bytes, and random names from the known set.
                    for _ in 0..200 {
                        let mut exprs = rule.exprs.clone();
                        let len = (rng.next() % 64) as usize;
                        exprs[index].data = (0..len).map(|_| rng.next() as u8).collect();
                        let names = [
                            "payload",
                            "cmp",
                            "bitwise",
                            "meta",
                            "ct",
                            "immediate",
                            "lookup",
                            "nat",
                            "range",
                            "dynset",
                            "exthdr",
                            "hash",
                            "log",
                            "limit",
                        ];
                        exprs[index].name =
                            names[(rng.next() % names.len() as u64) as usize].into();
                        let _ = render_rule(&exprs, &ctx);
                        let _ = expression_listing(&exprs);
                    }
                }
                // Expressions reordered: registers read before they are written.
                let mut exprs = rule.exprs.clone();
                exprs.reverse();
                let _ = render_rule(&exprs, &ctx);
            }
        }
    }
}
