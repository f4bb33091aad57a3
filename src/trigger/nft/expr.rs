//! The expressions of the trigger's rules, encoded as nft (1.0.6, libnftnl 1.2) encodes the
//! equivalent rule text, so that `nft list` shows our rules as ordinary nft syntax and the
//! kernel runs the same instructions it would for a hand-written rule:
//!
//! ```text
//! iifname "veth0" meta mark & 0x000000ff == 0x00000001 ip saddr 10.0.0.0/8 tcp dport 22
//!     limit rate 100/second meta nftrace set 1
//! ```
//!
//! What nft does and we copy (checked with `nft --debug=netlink add rule ...`):
//! - the dependencies it adds: `meta nfproto ipv4|ipv6` once before the first address test
//!   of an `inet` table, `meta l4proto tcp|udp` before a port test;
//! - prefixes on a byte boundary load only the prefix bytes (`ip saddr 10.0.0.0/8` is a
//!   1-byte load); other prefixes load the whole address and mask it with `bitwise`;
//! - a port range is `cmp gte` + `cmp lte`, a negated one `range neq`;
//! - two adjacent equality tests of source and destination port become one 4-byte load;
//! - `meta mark M` is a plain `cmp`, `meta mark & MASK == M` adds a `bitwise`;
//! - `limit rate N/second` has burst 5 and counts packets; `meta nftrace set 1` is an
//!   `immediate` of one byte into register 1 followed by `meta set`.
//!
//! Register 1 (`NFT_REG_1`, 16 bytes) holds every intermediate value, as nft uses it.

use std::net::IpAddr;

use nftrace_sys::nf_tables::{
    NFTA_BITWISE_DREG, NFTA_BITWISE_LEN, NFTA_BITWISE_MASK, NFTA_BITWISE_SREG, NFTA_BITWISE_XOR,
    NFTA_CMP_DATA, NFTA_CMP_OP, NFTA_CMP_SREG, NFTA_DATA_VALUE, NFTA_EXPR_DATA, NFTA_EXPR_NAME,
    NFTA_IMMEDIATE_DATA, NFTA_IMMEDIATE_DREG, NFTA_LIMIT_BURST, NFTA_LIMIT_FLAGS, NFTA_LIMIT_RATE,
    NFTA_LIMIT_TYPE, NFTA_LIMIT_UNIT, NFTA_LIST_ELEM, NFTA_META_DREG, NFTA_META_KEY,
    NFTA_META_SREG, NFTA_PAYLOAD_BASE, NFTA_PAYLOAD_DREG, NFTA_PAYLOAD_LEN, NFTA_PAYLOAD_OFFSET,
    NFTA_RANGE_FROM_DATA, NFTA_RANGE_OP, NFTA_RANGE_SREG, NFTA_RANGE_TO_DATA, NFT_CMP_EQ,
    NFT_CMP_GTE, NFT_CMP_LTE, NFT_CMP_NEQ, NFT_LIMIT_PKTS, NFT_META_IIFNAME, NFT_META_L4PROTO,
    NFT_META_MARK, NFT_META_NFPROTO, NFT_META_NFTRACE, NFT_PAYLOAD_NETWORK_HEADER,
    NFT_PAYLOAD_TRANSPORT_HEADER, NFT_RANGE_NEQ, NFT_REG_1,
};

use crate::filter::{AddrTest, Conjunction, Dir, IpFamily, PortTest, Proto};
use crate::netlink::AttrBuf;

/// The burst of every limit: nft's default for `limit rate N/second`.
pub(super) const LIMIT_BURST: u32 = 5;

/// `IFNAMSIZ`: interface names have at most 15 bytes and a NUL; `meta iifname` compares all
/// 16 bytes.
const IFNAMSIZ: usize = 16;

/// The register every expression of our rules uses.
const REG: u32 = NFT_REG_1;

/// The most expressions the kernel accepts in one rule (`NFT_RULE_MAXEXPRS`,
/// `include/net/netfilter/nf_tables.h`; a kernel-internal limit, not in the uapi headers).
/// It also limits the rule's expression data to 4 KiB, which it reports as `EFBIG`.
pub(super) const RULE_MAX_EXPRS: usize = 128;

/// A rule's expressions, in order: each its name and its `NFTA_EXPR_DATA` attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Exprs {
    list: Vec<(&'static str, AttrBuf)>,
}

impl Exprs {
    /// The expressions' names and attributes, in order.
    #[cfg(test)]
    pub(super) fn iter(&self) -> impl Iterator<Item = (&'static str, &[u8])> + '_ {
        self.list
            .iter()
            .map(|(name, data)| (*name, data.as_bytes()))
    }

    /// The contents of `NFTA_RULE_EXPRESSIONS`: one `NFTA_LIST_ELEM` per expression with
    /// `NFTA_EXPR_NAME` and `NFTA_EXPR_DATA`.
    pub(super) fn encode(&self) -> AttrBuf {
        let mut out = AttrBuf::new();
        for (name, data) in &self.list {
            out.nest(NFTA_LIST_ELEM, |elem| {
                elem.put_str(NFTA_EXPR_NAME, name);
                elem.nest(NFTA_EXPR_DATA, |d| {
                    d.append(data);
                });
            });
        }
        out
    }

    fn push(&mut self, name: &'static str, fill: impl FnOnce(&mut AttrBuf)) {
        let mut data = AttrBuf::new();
        fill(&mut data);
        self.list.push((name, data));
    }

    /// `meta load KEY => reg 1`.
    fn meta_load(&mut self, key: u32) {
        self.push("meta", |d| {
            d.put_be32(NFTA_META_KEY, key).put_be32(NFTA_META_DREG, REG);
        });
    }

    /// `meta set KEY with reg 1`.
    fn meta_set(&mut self, key: u32) {
        self.push("meta", |d| {
            d.put_be32(NFTA_META_KEY, key).put_be32(NFTA_META_SREG, REG);
        });
    }

    /// `cmp OP reg 1 DATA`.
    fn cmp(&mut self, op: u32, data: &[u8]) {
        self.push("cmp", |d| {
            d.put_be32(NFTA_CMP_SREG, REG)
                .put_be32(NFTA_CMP_OP, op)
                .nest(NFTA_CMP_DATA, |v| {
                    v.put(NFTA_DATA_VALUE, data);
                });
        });
    }

    /// `payload load LENb @ BASE + OFFSET => reg 1`.
    fn payload(&mut self, base: u32, offset: u32, len: u32) {
        self.push("payload", |d| {
            d.put_be32(NFTA_PAYLOAD_DREG, REG)
                .put_be32(NFTA_PAYLOAD_BASE, base)
                .put_be32(NFTA_PAYLOAD_OFFSET, offset)
                .put_be32(NFTA_PAYLOAD_LEN, len);
        });
    }

    /// `bitwise reg 1 = (reg 1 & MASK) ^ 0` (nft sends no `NFTA_BITWISE_OP`: the kernel's
    /// default is this mask-and-xor form).
    fn bitwise(&mut self, mask: &[u8]) {
        let len = u32::try_from(mask.len()).unwrap_or(u32::MAX);
        let xor = vec![0u8; mask.len()];
        self.push("bitwise", |d| {
            d.put_be32(NFTA_BITWISE_SREG, REG)
                .put_be32(NFTA_BITWISE_DREG, REG)
                .put_be32(NFTA_BITWISE_LEN, len)
                .nest(NFTA_BITWISE_MASK, |v| {
                    v.put(NFTA_DATA_VALUE, mask);
                })
                .nest(NFTA_BITWISE_XOR, |v| {
                    v.put(NFTA_DATA_VALUE, &xor);
                });
        });
    }

    /// `range OP reg 1 FROM TO`.
    fn range(&mut self, op: u32, from: &[u8], to: &[u8]) {
        self.push("range", |d| {
            d.put_be32(NFTA_RANGE_SREG, REG)
                .put_be32(NFTA_RANGE_OP, op)
                .nest(NFTA_RANGE_FROM_DATA, |v| {
                    v.put(NFTA_DATA_VALUE, from);
                })
                .nest(NFTA_RANGE_TO_DATA, |v| {
                    v.put(NFTA_DATA_VALUE, to);
                });
        });
    }

    /// `limit rate RATE/second burst 5 type packets flags 0x0`.
    fn limit(&mut self, rate: u32) {
        self.push("limit", |d| {
            d.put_be64(NFTA_LIMIT_RATE, u64::from(rate))
                .put_be64(NFTA_LIMIT_UNIT, 1)
                .put_be32(NFTA_LIMIT_BURST, LIMIT_BURST)
                .put_be32(NFTA_LIMIT_TYPE, NFT_LIMIT_PKTS)
                .put_be32(NFTA_LIMIT_FLAGS, 0);
        });
    }

    /// `immediate reg 1 DATA`.
    fn immediate(&mut self, data: &[u8]) {
        self.push("immediate", |d| {
            d.put_be32(NFTA_IMMEDIATE_DREG, REG)
                .nest(NFTA_IMMEDIATE_DATA, |v| {
                    v.put(NFTA_DATA_VALUE, data);
                });
        });
    }

    /// `meta nfproto ipv4|ipv6`.
    fn nfproto(&mut self, family: IpFamily) {
        self.meta_load(NFT_META_NFPROTO);
        let value = match family {
            IpFamily::V4 => nftrace_sys::netfilter::NFPROTO_IPV4,
            IpFamily::V6 => nftrace_sys::netfilter::NFPROTO_IPV6,
        };
        self.cmp(NFT_CMP_EQ, &[value]);
    }

    /// `meta l4proto [!=] PROTO`.
    fn l4proto(&mut self, op: u32, proto: Proto) {
        self.meta_load(NFT_META_L4PROTO);
        self.cmp(op, &[proto.number()]);
    }

    /// `ip|ip6 saddr|daddr [!=] NET`.
    fn address(&mut self, test: &AddrTest) -> Result<(), String> {
        let (bytes, offset): (Vec<u8>, u32) = match (test.net.addr, test.dir) {
            (IpAddr::V4(a), Dir::Src) => (a.octets().to_vec(), 12),
            (IpAddr::V4(a), Dir::Dst) => (a.octets().to_vec(), 16),
            (IpAddr::V6(a), Dir::Src) => (a.octets().to_vec(), 8),
            (IpAddr::V6(a), Dir::Dst) => (a.octets().to_vec(), 24),
        };
        let prefix = usize::from(test.net.prefix);
        if prefix > bytes.len() * 8 {
            return Err(format!(
                "{}/{prefix}: the prefix is longer than the address",
                test.net.addr
            ));
        }
        let op = if test.negated {
            NFT_CMP_NEQ
        } else {
            NFT_CMP_EQ
        };
        if prefix > 0 && prefix % 8 == 0 {
            let len = prefix / 8;
            self.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, len_u32(len));
            self.cmp(op, bytes.get(..len).unwrap_or(&bytes));
        } else {
            let mask = prefix_mask(bytes.len(), prefix);
            let masked: Vec<u8> = bytes.iter().zip(&mask).map(|(b, m)| b & m).collect();
            self.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, len_u32(bytes.len()));
            self.bitwise(&mask);
            self.cmp(op, &masked);
        }
        Ok(())
    }

    /// The port tests, in order; an equality test of one side followed by one of the other
    /// becomes a single 4-byte load, as nft merges them.
    fn ports(&mut self, tests: &[PortTest]) -> Result<(), String> {
        let mut rest = tests;
        while let Some((test, tail)) = rest.split_first() {
            if let Some(next) = tail.first() {
                if is_single_eq(test) && is_single_eq(next) && test.dir != next.dir {
                    let (src, dst) = if test.dir == Dir::Src {
                        (test, next)
                    } else {
                        (next, test)
                    };
                    let mut data = src.lo.to_be_bytes().to_vec();
                    data.extend_from_slice(&dst.lo.to_be_bytes());
                    self.payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4);
                    self.cmp(NFT_CMP_EQ, &data);
                    rest = tail.get(1..).unwrap_or_default();
                    continue;
                }
            }
            self.port(test)?;
            rest = tail;
        }
        Ok(())
    }

    /// `th sport|dport [!=] N` or `[!=] LO-HI`.
    fn port(&mut self, test: &PortTest) -> Result<(), String> {
        if test.lo > test.hi {
            return Err(format!(
                "port range {}-{}: the first port is above the second",
                test.lo, test.hi
            ));
        }
        let offset = match test.dir {
            Dir::Src => 0,
            Dir::Dst => 2,
        };
        self.payload(NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2);
        let (lo, hi) = (test.lo.to_be_bytes(), test.hi.to_be_bytes());
        match (test.lo == test.hi, test.negated) {
            (true, false) => self.cmp(NFT_CMP_EQ, &lo),
            (true, true) => self.cmp(NFT_CMP_NEQ, &lo),
            (false, false) => {
                self.cmp(NFT_CMP_GTE, &lo);
                self.cmp(NFT_CMP_LTE, &hi);
            }
            (false, true) => self.range(NFT_RANGE_NEQ, &lo, &hi),
        }
        Ok(())
    }
}

/// What one trigger rule matches besides its conjunction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RuleExtras<'a> {
    /// `iifname NAME` (checked: at most 15 bytes).
    pub iif: Option<&'a str>,
    /// `meta mark & MASK == VALUE`: `(value, mask)`.
    pub mark: Option<(u32, u32)>,
    /// `limit rate N/second`; 0 for none.
    pub rate: u32,
}

/// The expressions of the rule for one conjunction: interface, mark, family and addresses,
/// protocol and ports, excluded protocols, the limit, `meta nftrace set 1`. `Err` says why
/// the conjunction cannot be a rule (the filter module never produces such conjunctions;
/// this keeps a hand-built one from becoming a rule that means something else).
pub(super) fn rule_exprs(conj: &Conjunction, extras: &RuleExtras<'_>) -> Result<Exprs, String> {
    let mut exprs = Exprs::default();
    if let Some(name) = extras.iif {
        let padded = interface_name(name)?;
        exprs.meta_load(NFT_META_IIFNAME);
        exprs.cmp(NFT_CMP_EQ, &padded);
    }
    if let Some((value, mask)) = extras.mark {
        if value & !mask != 0 {
            return Err(format!(
                "mark {value:#x}/{mask:#x}: the value has bits outside the mask, so no packet \
                 could match"
            ));
        }
        exprs.meta_load(NFT_META_MARK);
        if mask != u32::MAX {
            // The mark is a host-order u32 in the register.
            exprs.bitwise(&mask.to_ne_bytes());
        }
        exprs.cmp(NFT_CMP_EQ, &value.to_ne_bytes());
    }

    let family_of = |test: &AddrTest| match test.net.addr {
        IpAddr::V4(_) => IpFamily::V4,
        IpAddr::V6(_) => IpFamily::V6,
    };
    let family = conj
        .family
        .or_else(|| conj.addresses.first().map(family_of));
    if conj.addresses.iter().any(|a| Some(family_of(a)) != family) {
        return Err("a conjunction that mixes IPv4 and IPv6".to_owned());
    }
    if let Some(family) = family {
        exprs.nfproto(family);
    }
    for test in &conj.addresses {
        exprs.address(test)?;
    }

    if !conj.ports.is_empty() && !matches!(conj.protocol, Some(Proto::Tcp | Proto::Udp)) {
        return Err("port tests without tcp or udp".to_owned());
    }
    if let Some(proto) = conj.protocol {
        exprs.l4proto(NFT_CMP_EQ, proto);
    }
    exprs.ports(&conj.ports)?;
    for &proto in &conj.not_protocols {
        exprs.l4proto(NFT_CMP_NEQ, proto);
    }

    if extras.rate > 0 {
        exprs.limit(extras.rate);
    }
    exprs.immediate(&[1]);
    exprs.meta_set(NFT_META_NFTRACE);
    if exprs.list.len() > RULE_MAX_EXPRS {
        return Err(format!(
            "a rule of {} expressions (the kernel takes at most {RULE_MAX_EXPRS})",
            exprs.list.len()
        ));
    }
    Ok(exprs)
}

/// The 16 bytes `meta iifname` is compared with: the name, then NULs.
pub(super) fn interface_name(name: &str) -> Result<[u8; IFNAMSIZ], String> {
    crate::trigger::check_interface_name(name)?;
    let mut padded = [0u8; IFNAMSIZ];
    padded[..name.len()].copy_from_slice(name.as_bytes());
    Ok(padded)
}

fn is_single_eq(test: &PortTest) -> bool {
    test.lo == test.hi && !test.negated
}

/// A netmask of `len` bytes with the first `prefix` bits set.
fn prefix_mask(len: usize, prefix: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            let bits = prefix.saturating_sub(i * 8).min(8);
            // `bits` is 0..=8: shifting 0xff00 right by it keeps that many high bits.
            ((0xff00u16 >> bits) & 0xff) as u8
        })
        .collect()
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::IpNet;
    use crate::ruleset::model::Expr;
    use crate::ruleset::text::{expression_listing, render_rule, RenderContext};
    use nftrace_sys::netfilter::NFPROTO_INET;

    fn model(exprs: &Exprs) -> Vec<Expr> {
        exprs
            .iter()
            .map(|(name, data)| Expr {
                name: name.to_owned(),
                data: data.to_vec(),
            })
            .collect()
    }

    /// The rule's expression listing (libnftnl's debug format) and its nft text.
    fn listing_and_text(conj: &Conjunction, extras: &RuleExtras<'_>) -> (String, String) {
        let exprs = model(&rule_exprs(conj, extras).unwrap());
        let text = render_rule(&exprs, &RenderContext::new(NFPROTO_INET, &[])).unwrap();
        (expression_listing(&exprs), text)
    }

    /// Asserts the rule's nft text and its whole expression listing.
    fn assert_rule(conj: &Conjunction, extras: &RuleExtras<'_>, text: &str, listing: &str) {
        let (got_listing, got_text) = listing_and_text(conj, extras);
        assert_eq!(got_text, text);
        assert_eq!(got_listing, listing);
    }

    const NO_EXTRAS: RuleExtras<'static> = RuleExtras {
        iif: None,
        mark: None,
        rate: 0,
    };

    /// A prefix as the filter language writes it.
    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    // The expected listings are what `nft --debug=netlink -f` printed (nftables 1.0.6,
    // Linux 6.18) for the rule text next to them, in an inet table; the lines joined.

    #[test]
    fn everything_with_a_limit() {
        let extras = RuleExtras {
            rate: 100,
            ..NO_EXTRAS
        };
        assert_rule(
            &Conjunction::default(),
            &extras,
            "limit rate 100/second meta nftrace set 1",
            "[ limit rate 100/second burst 5 type packets flags 0x0 ] \
             [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        );
    }

    #[test]
    fn byte_aligned_prefix_loads_the_prefix_bytes_only() {
        let conj = Conjunction {
            family: Some(IpFamily::V4),
            addresses: vec![AddrTest::new(Dir::Src, net("10.0.0.0/8"), false)],
            ..Conjunction::default()
        };
        let extras = RuleExtras {
            rate: 100,
            ..NO_EXTRAS
        };
        assert_rule(
            &conj,
            &extras,
            "ip saddr 10.0.0.0/8 limit rate 100/second meta nftrace set 1",
            "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] \
             [ payload load 1b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000000a ] \
             [ limit rate 100/second burst 5 type packets flags 0x0 ] \
             [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        );
    }

    #[test]
    fn other_prefixes_are_masked() {
        let conj = Conjunction {
            addresses: vec![AddrTest::new(Dir::Src, net("10.16.0.0/12"), true)],
            ..Conjunction::default()
        };
        assert_rule(
            &conj,
            &NO_EXTRAS,
            "ip saddr != 10.16.0.0/12 meta nftrace set 1",
            "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] \
             [ payload load 4b @ network header + 12 => reg 1 ] \
             [ bitwise reg 1 = ( reg 1 & 0x0000f0ff ) ^ 0x00000000 ] \
             [ cmp neq reg 1 0x0000100a ] \
             [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        );
        // ip6 daddr fd00:1::/33
        let conj = Conjunction {
            addresses: vec![AddrTest::new(Dir::Dst, net("fd00:1::/33"), false)],
            ..Conjunction::default()
        };
        let (listing, _) = listing_and_text(&conj, &NO_EXTRAS);
        assert!(listing.contains(
            "[ payload load 16b @ network header + 24 => reg 1 ] \
             [ bitwise reg 1 = ( reg 1 & 0xffffffff 0x00000080 0x00000000 0x00000000 ) ^ \
             0x00000000 0x00000000 0x00000000 0x00000000 ] \
             [ cmp eq reg 1 0x010000fd 0x00000000 0x00000000 0x00000000 ]"
        ));
    }

    #[test]
    fn addresses_ports_and_their_dependencies() {
        let conj = Conjunction {
            family: Some(IpFamily::V4),
            protocol: Some(Proto::Udp),
            addresses: vec![AddrTest::new(Dir::Dst, net("10.1.2.3/32"), false)],
            ports: vec![PortTest::port(Dir::Dst, 53)],
            ..Conjunction::default()
        };
        assert_rule(
            &conj,
            &NO_EXTRAS,
            "ip daddr 10.1.2.3 udp dport 53 meta nftrace set 1",
            "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] \
             [ payload load 4b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x0302010a ] \
             [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ] \
             [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00003500 ] \
             [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        );
    }

    #[test]
    fn port_ranges_and_negations() {
        let conj = Conjunction {
            family: Some(IpFamily::V6),
            protocol: Some(Proto::Tcp),
            addresses: vec![AddrTest::new(Dir::Src, net("fd00::/64"), false)],
            ports: vec![PortTest::new(Dir::Src, 1000, 2000, false)],
            ..Conjunction::default()
        };
        assert_rule(
            &conj,
            &NO_EXTRAS,
            "ip6 saddr fd00::/64 tcp sport 1000-2000 meta nftrace set 1",
            "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] \
             [ payload load 8b @ network header + 8 => reg 1 ] \
             [ cmp eq reg 1 0x000000fd 0x00000000 ] \
             [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] \
             [ payload load 2b @ transport header + 0 => reg 1 ] \
             [ cmp gte reg 1 0x0000e803 ] [ cmp lte reg 1 0x0000d007 ] \
             [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        );
        // tcp dport != 1000-2000
        let conj = Conjunction {
            protocol: Some(Proto::Tcp),
            ports: vec![PortTest::new(Dir::Dst, 1000, 2000, true)],
            ..Conjunction::default()
        };
        let (listing, text) = listing_and_text(&conj, &NO_EXTRAS);
        assert_eq!(text, "tcp dport != 1000-2000 meta nftrace set 1");
        assert!(listing.contains("[ range neq reg 1 0x0000e803 0x0000d007 ]"));
    }

    #[test]
    fn source_and_destination_port_equalities_merge() {
        // tcp dport 2 tcp sport 1 → one load, as nft does
        for ports in [
            vec![PortTest::port(Dir::Dst, 2), PortTest::port(Dir::Src, 1)],
            vec![PortTest::port(Dir::Src, 1), PortTest::port(Dir::Dst, 2)],
        ] {
            let conj = Conjunction {
                protocol: Some(Proto::Tcp),
                ports,
                ..Conjunction::default()
            };
            assert_rule(
                &conj,
                &NO_EXTRAS,
                "tcp sport 1 tcp dport 2 meta nftrace set 1",
                "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ] \
                 [ payload load 4b @ transport header + 0 => reg 1 ] \
                 [ cmp eq reg 1 0x02000100 ] \
                 [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
            );
        }
        // tcp sport 1 tcp dport != 2: no merge
        let conj = Conjunction {
            protocol: Some(Proto::Tcp),
            ports: vec![
                PortTest::port(Dir::Src, 1),
                PortTest::new(Dir::Dst, 2, 2, true),
            ],
            ..Conjunction::default()
        };
        let (listing, _) = listing_and_text(&conj, &NO_EXTRAS);
        assert!(listing.contains(
            "[ payload load 2b @ transport header + 0 => reg 1 ] [ cmp eq reg 1 0x00000100 ] \
             [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp neq reg 1 0x00000200 ]"
        ));
    }

    #[test]
    fn interface_mark_and_excluded_protocols() {
        // iifname "eth0" meta mark & 0xff == 0x1 meta l4proto != tcp meta l4proto != udp
        let conj = Conjunction {
            not_protocols: vec![Proto::Tcp, Proto::Udp],
            ..Conjunction::default()
        };
        let extras = RuleExtras {
            iif: Some("eth0"),
            mark: Some((1, 0xff)),
            rate: 0,
        };
        assert_rule(
            &conj,
            &extras,
            "iifname \"eth0\" meta mark & 0x000000ff == 0x00000001 meta l4proto != tcp \
             meta l4proto != udp meta nftrace set 1",
            "[ meta load iifname => reg 1 ] \
             [ cmp eq reg 1 0x30687465 0x00000000 0x00000000 0x00000000 ] \
             [ meta load mark => reg 1 ] \
             [ bitwise reg 1 = ( reg 1 & 0x000000ff ) ^ 0x00000000 ] \
             [ cmp eq reg 1 0x00000001 ] \
             [ meta load l4proto => reg 1 ] [ cmp neq reg 1 0x00000006 ] \
             [ meta load l4proto => reg 1 ] [ cmp neq reg 1 0x00000011 ] \
             [ immediate reg 1 0x00000001 ] [ meta set nftrace with reg 1 ]",
        );
        // meta mark 0x5: a full mask is a plain comparison.
        let extras = RuleExtras {
            mark: Some((5, u32::MAX)),
            ..NO_EXTRAS
        };
        let (listing, text) = listing_and_text(&Conjunction::default(), &extras);
        assert_eq!(text, "meta mark 0x00000005 meta nftrace set 1");
        assert!(listing.starts_with("[ meta load mark => reg 1 ] [ cmp eq reg 1 0x00000005 ]"));
    }

    #[test]
    fn family_and_protocol_alone() {
        let conj = Conjunction {
            family: Some(IpFamily::V6),
            protocol: Some(Proto::Icmpv6),
            ..Conjunction::default()
        };
        let (listing, text) = listing_and_text(&conj, &NO_EXTRAS);
        // nft too lists `meta nfproto ipv6 meta l4proto ipv6-icmp` without the family,
        // which it takes for a dependency of ICMPv6; the rule still tests it.
        assert_eq!(text, "meta l4proto ipv6-icmp meta nftrace set 1");
        assert!(listing.starts_with(
            "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] \
             [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ]"
        ));
        let conj = Conjunction {
            family: Some(IpFamily::V4),
            protocol: Some(Proto::Tcp),
            ..Conjunction::default()
        };
        let (_, text) = listing_and_text(&conj, &NO_EXTRAS);
        assert_eq!(
            text,
            "meta nfproto ipv4 meta l4proto tcp meta nftrace set 1"
        );
    }

    #[test]
    fn conjunctions_no_rule_can_express_are_refused() {
        let mixed = Conjunction {
            addresses: vec![
                AddrTest::new(Dir::Src, net("10.0.0.1/32"), false),
                AddrTest::new(Dir::Dst, net("fd00::1/128"), false),
            ],
            ..Conjunction::default()
        };
        assert!(rule_exprs(&mixed, &NO_EXTRAS).is_err());
        let ports_without_protocol = Conjunction {
            ports: vec![PortTest::port(Dir::Dst, 53)],
            ..Conjunction::default()
        };
        assert!(rule_exprs(&ports_without_protocol, &NO_EXTRAS).is_err());
        let backwards = Conjunction {
            protocol: Some(Proto::Udp),
            ports: vec![PortTest::new(Dir::Dst, 60, 50, false)],
            ..Conjunction::default()
        };
        assert!(rule_exprs(&backwards, &NO_EXTRAS).is_err());
        // Neither `IpNet::new` nor parsing makes a /33 of an IPv4 address.
        let too_long = IpNet {
            addr: "10.0.0.1".parse().unwrap(),
            prefix: 33,
        };
        let long_prefix = Conjunction {
            addresses: vec![AddrTest::new(Dir::Src, too_long, false)],
            ..Conjunction::default()
        };
        assert!(rule_exprs(&long_prefix, &NO_EXTRAS).is_err());
        let too_many = Conjunction {
            addresses: (0..64u8)
                .map(|i| AddrTest::new(Dir::Src, IpNet::host(IpAddr::from([10, 0, 0, i])), true))
                .collect(),
            ..Conjunction::default()
        };
        let err = rule_exprs(&too_many, &NO_EXTRAS).unwrap_err();
        assert!(err.contains("132 expressions"), "{err}");
        let bad_mark = RuleExtras {
            mark: Some((0x100, 0xff)),
            ..NO_EXTRAS
        };
        assert!(rule_exprs(&Conjunction::default(), &bad_mark).is_err());
    }

    #[test]
    fn interface_names_are_checked() {
        assert_eq!(&interface_name("lo").unwrap()[..3], b"lo\0");
        assert!(interface_name("0123456789abcde").is_ok());
        assert!(interface_name("0123456789abcdef").is_err());
        assert!(interface_name("").is_err());
        assert!(interface_name("a b").is_err());
        assert!(interface_name("a\0b").is_err());
    }

    #[test]
    fn masks() {
        assert_eq!(prefix_mask(4, 0), [0, 0, 0, 0]);
        assert_eq!(prefix_mask(4, 12), [0xff, 0xf0, 0, 0]);
        assert_eq!(prefix_mask(4, 32), [0xff; 4]);
        assert_eq!(prefix_mask(2, 9), [0xff, 0x80]);
    }
}
