//! nf_tables trace events: an `NFT_MSG_TRACE` message (`NFTA_TRACE_*` attributes) decoded
//! into a borrowed [`TraceEvent`].
//!
//! Decoding follows a schema per attribute, as the kernel writes them
//! (`net/netfilter/nf_tables_trace.c`): integers are big-endian except `NFTA_TRACE_ID`
//! (host order, `nla_put_u32`) and `NFTA_TRACE_CT_ID` (kept raw, as libnftnl does); the
//! verdict nest comes without `NLA_F_NESTED`. Lengths are checked exactly; `NFTA_TRACE_PAD`
//! and unknown attributes are skipped, the unknown ones counted.

use core::fmt;

use nftrace_sys::nf_conntrack::{IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY};
use nftrace_sys::nf_tables::{
    NFTA_TRACE_CHAIN, NFTA_TRACE_CT_DIRECTION, NFTA_TRACE_CT_ID, NFTA_TRACE_CT_STATE,
    NFTA_TRACE_CT_STATUS, NFTA_TRACE_ID, NFTA_TRACE_IIF, NFTA_TRACE_IIFTYPE, NFTA_TRACE_LL_HEADER,
    NFTA_TRACE_MARK, NFTA_TRACE_NETWORK_HEADER, NFTA_TRACE_NFPROTO, NFTA_TRACE_OIF,
    NFTA_TRACE_OIFTYPE, NFTA_TRACE_PAD, NFTA_TRACE_POLICY, NFTA_TRACE_RULE_HANDLE,
    NFTA_TRACE_TABLE, NFTA_TRACE_TRANSPORT_HEADER, NFTA_TRACE_TYPE, NFTA_TRACE_VERDICT,
    NFT_MSG_TRACE, NFT_TRACETYPE_POLICY, NFT_TRACETYPE_RETURN, NFT_TRACETYPE_RULE,
};
use nftrace_sys::nfnetlink::NFNL_SUBSYS_NFTABLES;

use super::attr::{AttrSpace, Attrs};
use super::error::DecodeError;
use super::nlmsg::Message;
use super::verdict::{decode_nest, Verdict};

/// `nlmsg_type` of a trace event: `(NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE` = 0x0a11.
pub const TRACE_MSG_TYPE: u16 = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE;

/// Names of the trace attributes (`enum nft_trace_attributes`).
pub(crate) const TRACE_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_TRACE_UNSPEC",
        "NFTA_TRACE_TABLE",
        "NFTA_TRACE_CHAIN",
        "NFTA_TRACE_RULE_HANDLE",
        "NFTA_TRACE_TYPE",
        "NFTA_TRACE_VERDICT",
        "NFTA_TRACE_ID",
        "NFTA_TRACE_LL_HEADER",
        "NFTA_TRACE_NETWORK_HEADER",
        "NFTA_TRACE_TRANSPORT_HEADER",
        "NFTA_TRACE_IIF",
        "NFTA_TRACE_IIFTYPE",
        "NFTA_TRACE_OIF",
        "NFTA_TRACE_OIFTYPE",
        "NFTA_TRACE_MARK",
        "NFTA_TRACE_NFPROTO",
        "NFTA_TRACE_POLICY",
        "NFTA_TRACE_PAD",
        "NFTA_TRACE_CT_ID",
        "NFTA_TRACE_CT_DIRECTION",
        "NFTA_TRACE_CT_STATUS",
        "NFTA_TRACE_CT_STATE",
    ],
    "NFTA_TRACE_(unknown)",
);

/// One nf_tables trace event: one rule, return or policy step of a traced packet.
///
/// Which fields are present follows the kernel: the packet snapshot (headers, interfaces,
/// conntrack) comes only with the first event of each base-chain invocation; `mark` only
/// when non-zero; `rule_handle` not on policy events nor at the implicit end of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEvent<'a> {
    /// `nfgenmsg.nfgen_family`: the family of the table (`NFPROTO_INET` for `inet`).
    pub family: u8,
    /// `NFTA_TRACE_NFPROTO`: the protocol family of the hook (`NFPROTO_IPV4`, ...).
    pub nfproto: u8,
    /// `NFTA_TRACE_TABLE`.
    pub table: &'a str,
    /// `NFTA_TRACE_CHAIN`: the chain holding the rule; the base chain for policy events.
    pub chain: &'a str,
    /// `NFTA_TRACE_RULE_HANDLE`.
    pub rule_handle: Option<u64>,
    /// `NFTA_TRACE_TYPE`.
    pub trace_type: TraceType,
    /// `NFTA_TRACE_VERDICT`: the rule's verdict, with the jump/goto target.
    pub verdict: Option<Verdict<'a>>,
    /// `NFTA_TRACE_POLICY`: the base chain's policy, on policy events.
    pub policy: Option<Verdict<'a>>,
    /// `NFTA_TRACE_ID`: the packet's trace id.
    pub id: TraceId,
    /// `NFTA_TRACE_LL_HEADER`: up to 20 bytes of link-layer header.
    pub ll_header: Option<&'a [u8]>,
    /// `NFTA_TRACE_NETWORK_HEADER`: up to 40 bytes of network header.
    pub network_header: Option<&'a [u8]>,
    /// `NFTA_TRACE_TRANSPORT_HEADER`: up to 20 bytes of transport header.
    pub transport_header: Option<&'a [u8]>,
    /// `NFTA_TRACE_IIF`: input interface index.
    pub iif: Option<u32>,
    /// `NFTA_TRACE_IIFTYPE`: input interface type (`ARPHRD_*`).
    pub iif_type: Option<u16>,
    /// `NFTA_TRACE_OIF`: output interface index.
    pub oif: Option<u32>,
    /// `NFTA_TRACE_OIFTYPE`: output interface type (`ARPHRD_*`).
    pub oif_type: Option<u16>,
    /// `NFTA_TRACE_MARK`: the packet mark.
    pub mark: Option<u32>,
    /// `NFTA_TRACE_CT_ID`: the conntrack id, the 4 bytes as sent (the same bytes as
    /// ctnetlink's `CTA_ID`).
    pub ct_id: Option<[u8; 4]>,
    /// `NFTA_TRACE_CT_DIRECTION`.
    pub ct_direction: Option<CtDirection>,
    /// `NFTA_TRACE_CT_STATUS`: `IPS_*` bits.
    pub ct_status: Option<u32>,
    /// `NFTA_TRACE_CT_STATE`: `NF_CT_STATE_*_BIT` bits.
    pub ct_state: Option<u32>,
    /// Attributes skipped because this decoder does not know them (in the message and in
    /// its verdict nest; `NFTA_TRACE_PAD` is not counted).
    pub unknown_attributes: u16,
}

/// The kind of a trace event (`NFTA_TRACE_TYPE`, `NFT_TRACETYPE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TraceType {
    /// `NFT_TRACETYPE_POLICY`: the base chain's policy was applied.
    Policy,
    /// `NFT_TRACETYPE_RETURN`: the end of a chain (kernels before 6.7; newer ones send
    /// `Rule` with [`Verdict::Return`] or, at an implicit end, [`Verdict::Continue`] and no
    /// handle).
    Return,
    /// `NFT_TRACETYPE_RULE`: a rule matched.
    Rule,
    /// Any other value, as sent (including `NFT_TRACETYPE_UNSPEC`).
    Other(u32),
}

impl TraceType {
    /// The type of an `NFTA_TRACE_TYPE` value.
    pub fn from_u32(value: u32) -> Self {
        match value {
            NFT_TRACETYPE_POLICY => TraceType::Policy,
            NFT_TRACETYPE_RETURN => TraceType::Return,
            NFT_TRACETYPE_RULE => TraceType::Rule,
            other => TraceType::Other(other),
        }
    }
}

/// Direction of the packet in its connection (`NFTA_TRACE_CT_DIRECTION`,
/// `enum ip_conntrack_dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CtDirection {
    /// `IP_CT_DIR_ORIGINAL`.
    Original,
    /// `IP_CT_DIR_REPLY`.
    Reply,
    /// Any other value, as sent.
    Other(u8),
}

impl CtDirection {
    /// The direction of an `NFTA_TRACE_CT_DIRECTION` value.
    pub fn from_u8(value: u8) -> Self {
        match value {
            IP_CT_DIR_ORIGINAL => CtDirection::Original,
            IP_CT_DIR_REPLY => CtDirection::Reply,
            other => CtDirection::Other(other),
        }
    }

    /// The value as sent.
    pub fn as_u8(self) -> u8 {
        match self {
            CtDirection::Original => IP_CT_DIR_ORIGINAL,
            CtDirection::Reply => IP_CT_DIR_REPLY,
            CtDirection::Other(other) => other,
        }
    }
}

/// A trace id (`NFTA_TRACE_ID`): the kernel's `u32`, read in host byte order as the kernel
/// wrote it (`nla_put_u32`).
///
/// It is a hash of the skb, its flow hash and `skb_iif`: reused over time, and different
/// before and after loopback. `Display` prints it as `nft monitor trace` and
/// `xtables-monitor` do: `%08x` of `ntohl(id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(pub u32);

impl TraceId {
    /// The number nft prints: `ntohl` of the kernel's value.
    pub fn nft(self) -> u32 {
        u32::from_be(self.0)
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.nft())
    }
}

impl<'a> TraceEvent<'a> {
    /// Decodes an `NFT_MSG_TRACE` message.
    ///
    /// Requires `NFTA_TRACE_TABLE`, `_CHAIN`, `_TYPE`, `_ID` and `_NFPROTO`; a known
    /// attribute with the wrong length is an error naming it.
    #[inline]
    pub fn parse(message: &Message<'a>) -> Result<Self, DecodeError> {
        if message.header.ty != TRACE_MSG_TYPE {
            return Err(DecodeError::UnexpectedMessageType {
                ty: message.header.ty,
                expected: "NFT_MSG_TRACE",
            });
        }
        let (nfgen, attrs) = message.nfgenmsg()?;
        let base = message.payload_offset().saturating_add(4);

        // Required attributes are gathered apart; the event is filled in place.
        let mut table = None;
        let mut chain = None;
        let mut trace_type = None;
        let mut id = None;
        let mut nfproto = None;
        let mut event = TraceEvent {
            family: nfgen.family,
            nfproto: 0,
            table: "",
            chain: "",
            rule_handle: None,
            trace_type: TraceType::Other(0),
            verdict: None,
            policy: None,
            id: TraceId(0),
            ll_header: None,
            network_header: None,
            transport_header: None,
            iif: None,
            iif_type: None,
            oif: None,
            oif_type: None,
            mark: None,
            ct_id: None,
            ct_direction: None,
            ct_status: None,
            ct_state: None,
            unknown_attributes: 0,
        };

        for attr in Attrs::new(attrs, base, TRACE_ATTRS) {
            let attr = attr?;
            match attr.ty() {
                NFTA_TRACE_TABLE => table = Some(attr.cstr()?),
                NFTA_TRACE_CHAIN => chain = Some(attr.cstr()?),
                NFTA_TRACE_RULE_HANDLE => event.rule_handle = Some(attr.be64()?),
                NFTA_TRACE_TYPE => trace_type = Some(TraceType::from_u32(attr.be32()?)),
                NFTA_TRACE_VERDICT => {
                    event.verdict = Some(decode_nest(&attr, &mut event.unknown_attributes)?)
                }
                NFTA_TRACE_ID => id = Some(TraceId(attr.ne32()?)),
                NFTA_TRACE_LL_HEADER => event.ll_header = Some(attr.payload()),
                NFTA_TRACE_NETWORK_HEADER => event.network_header = Some(attr.payload()),
                NFTA_TRACE_TRANSPORT_HEADER => event.transport_header = Some(attr.payload()),
                NFTA_TRACE_IIF => event.iif = Some(attr.be32()?),
                NFTA_TRACE_IIFTYPE => event.iif_type = Some(attr.be16()?),
                NFTA_TRACE_OIF => event.oif = Some(attr.be32()?),
                NFTA_TRACE_OIFTYPE => event.oif_type = Some(attr.be16()?),
                NFTA_TRACE_MARK => event.mark = Some(attr.be32()?),
                NFTA_TRACE_NFPROTO => {
                    let value = attr.be32()?;
                    nfproto =
                        Some(
                            u8::try_from(value).map_err(|_| DecodeError::ValueOutOfRange {
                                name: attr.name(),
                                value: value.into(),
                            })?,
                        );
                }
                NFTA_TRACE_POLICY => {
                    // A policy is a plain netfilter verdict; a jump code here has no target
                    // and is kept as sent.
                    let code = attr.be_i32()?;
                    event.policy =
                        Some(Verdict::from_code(code, None).unwrap_or(Verdict::Other(code)));
                }
                NFTA_TRACE_PAD => {}
                NFTA_TRACE_CT_ID => event.ct_id = Some(attr.array()?),
                NFTA_TRACE_CT_DIRECTION => {
                    event.ct_direction = Some(CtDirection::from_u8(attr.u8()?))
                }
                NFTA_TRACE_CT_STATUS => event.ct_status = Some(attr.be32()?),
                NFTA_TRACE_CT_STATE => event.ct_state = Some(attr.be32()?),
                _ => event.unknown_attributes = event.unknown_attributes.saturating_add(1),
            }
        }

        let missing = |ty| DecodeError::MissingAttribute {
            name: TRACE_ATTRS.name(ty),
        };
        event.table = table.ok_or_else(|| missing(NFTA_TRACE_TABLE))?;
        event.chain = chain.ok_or_else(|| missing(NFTA_TRACE_CHAIN))?;
        event.trace_type = trace_type.ok_or_else(|| missing(NFTA_TRACE_TYPE))?;
        event.id = id.ok_or_else(|| missing(NFTA_TRACE_ID))?;
        event.nfproto = nfproto.ok_or_else(|| missing(NFTA_TRACE_NFPROTO))?;
        Ok(event)
    }

    /// The conntrack id as the number nft and conntrack(8) print (`ntohl` of the raw bytes).
    pub fn ct_id_u32(&self) -> Option<u32> {
        self.ct_id.map(u32::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures::{self, attr_offset, fix_len};
    use crate::wire::messages;
    use nftrace_sys::netlink::NLA_F_NESTED;

    fn parse(bytes: &[u8]) -> Result<TraceEvent<'_>, DecodeError> {
        let message = messages(bytes).next().unwrap()?;
        TraceEvent::parse(&message)
    }

    /// The 5th message of the UDP capture: the implicit end of user chain `mark_it`, after
    /// `meta mark set 0x2a` (RULE, verdict continue, no handle, mark 0x2a).
    fn end_of_mark_it() -> &'static [u8] {
        fixtures::message(fixtures::NFT_TRACE_UDP4, 5)
    }

    /// The 4th message: `filter_out`'s `jump mark_it`, first event of its base chain (packet
    /// snapshot and conntrack attributes included).
    fn jump_to_mark_it() -> &'static [u8] {
        fixtures::message(fixtures::NFT_TRACE_UDP4, 3)
    }

    #[test]
    fn decodes_a_real_message() {
        let event = parse(end_of_mark_it()).unwrap();
        assert_eq!(event.family, nftrace_sys::netfilter::NFPROTO_INET);
        assert_eq!(event.nfproto, nftrace_sys::netfilter::NFPROTO_IPV4);
        assert_eq!((event.table, event.chain), ("nftrace_fixture", "mark_it"));
        assert_eq!(event.trace_type, TraceType::Rule);
        assert_eq!(event.verdict, Some(Verdict::Continue));
        assert_eq!(event.rule_handle, None);
        assert_eq!(event.mark, Some(0x2a));
        assert_eq!(event.unknown_attributes, 0);
    }

    #[test]
    fn every_cut_of_the_datagram_is_an_error() {
        let bytes = jump_to_mark_it();
        for cut in 0..bytes.len() {
            let items: Vec<_> = crate::wire::decode_datagram(&bytes[..cut]).collect();
            if cut == 0 {
                assert!(items.is_empty());
            } else {
                assert!(
                    matches!(items[..], [Err(DecodeError::Truncated { .. })]),
                    "cut at {cut}: {items:?}"
                );
            }
        }
    }

    #[test]
    fn every_cut_of_the_attributes_is_an_error_or_a_shorter_message() {
        // Cut the message and shrink nlmsg_len with it, so the framing is valid and the
        // attribute walker meets the cut. Only a cut at an attribute boundary (or in the
        // padding after it), with every required attribute in front of it, may decode.
        let bytes = jump_to_mark_it();
        let full = parse(bytes).unwrap();
        let boundaries: Vec<usize> = Attrs::new(&bytes[20..], 20, TRACE_ATTRS)
            .map(|a| {
                let a = a.unwrap();
                a.offset() + 4 + a.payload().len()
            })
            .collect();
        let mut decoded = 0;
        for cut in 16..bytes.len() {
            let mut cut_bytes = bytes[..cut].to_vec();
            fix_len(&mut cut_bytes);
            match parse(&cut_bytes) {
                Ok(event) => {
                    decoded += 1;
                    assert!(
                        boundaries
                            .iter()
                            .any(|&end| (end..=crate::wire::attr::align(end)).contains(&cut)),
                        "decoded at {cut}"
                    );
                    assert_eq!(
                        (event.table, event.chain, event.id),
                        (full.table, full.chain, full.id)
                    );
                }
                Err(
                    DecodeError::Truncated { .. }
                    | DecodeError::BadAttributeLength { .. }
                    | DecodeError::NotNulTerminated { .. }
                    | DecodeError::MissingAttribute { .. },
                ) => {}
                Err(other) => panic!("cut at {cut}: {other}"),
            }
        }
        // TABLE is the 5th attribute the kernel sends; every boundary from there on decodes.
        assert!(
            decoded >= boundaries.len() - 5,
            "{decoded} of {boundaries:?}"
        );
    }

    #[test]
    fn unknown_attributes_are_skipped_and_counted() {
        let mut bytes = jump_to_mark_it().to_vec();
        let original = parse(jump_to_mark_it()).unwrap();
        // NFTA_TRACE_MAX + 9 = 30, a u32 payload; then a nested one of type 31.
        bytes.extend_from_slice(&8u16.to_ne_bytes());
        bytes.extend_from_slice(&30u16.to_ne_bytes());
        bytes.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
        bytes.extend_from_slice(&4u16.to_ne_bytes());
        bytes.extend_from_slice(&(31 | NLA_F_NESTED).to_ne_bytes());
        fix_len(&mut bytes);
        let event = parse(&bytes).unwrap();
        assert_eq!(event.unknown_attributes, 2);
        assert_eq!(
            TraceEvent {
                unknown_attributes: 0,
                ..event
            },
            original
        );
    }

    #[test]
    fn pad_is_skipped_without_counting() {
        // Turn the link-layer-less message's OIFTYPE into NFTA_TRACE_PAD.
        let mut bytes = jump_to_mark_it().to_vec();
        let at = attr_offset(&bytes, NFTA_TRACE_OIFTYPE);
        bytes[at + 2..at + 4].copy_from_slice(&NFTA_TRACE_PAD.to_ne_bytes());
        let event = parse(&bytes).unwrap();
        assert_eq!(event.oif_type, None);
        assert_eq!(event.unknown_attributes, 0);
    }

    #[test]
    fn a_u32_of_the_wrong_length_is_rejected_by_name() {
        // Shrink NFTA_TRACE_MARK's nla_len from 8 to 6: its step stays 8 bytes, so the
        // message still frames and only the length is wrong.
        let mut bytes = end_of_mark_it().to_vec();
        let at = attr_offset(&bytes, NFTA_TRACE_MARK);
        assert_eq!(&bytes[at..at + 2], &8u16.to_ne_bytes());
        bytes[at..at + 2].copy_from_slice(&6u16.to_ne_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::BadAttributeLength {
                name: "NFTA_TRACE_MARK",
                expected: 4,
                got: 2
            })
        );
        // A u16 (IIFTYPE/OIFTYPE) and a u64 (RULE_HANDLE) likewise.
        let mut bytes = jump_to_mark_it().to_vec();
        let at = attr_offset(&bytes, NFTA_TRACE_RULE_HANDLE);
        bytes[at..at + 2].copy_from_slice(&8u16.to_ne_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::BadAttributeLength {
                name: "NFTA_TRACE_RULE_HANDLE",
                expected: 8,
                got: 4
            })
        );
    }

    #[test]
    fn verdict_decodes_the_same_with_and_without_nla_f_nested() {
        let bytes = jump_to_mark_it();
        let at = attr_offset(bytes, NFTA_TRACE_VERDICT);
        // As sent: without the flag.
        assert_eq!(
            u16::from_ne_bytes([bytes[at + 2], bytes[at + 3]]),
            NFTA_TRACE_VERDICT
        );
        let mut flagged = bytes.to_vec();
        flagged[at + 2..at + 4].copy_from_slice(&(NFTA_TRACE_VERDICT | NLA_F_NESTED).to_ne_bytes());
        let plain = parse(bytes).unwrap();
        assert_eq!(plain.verdict, Some(Verdict::Jump("mark_it")));
        assert_eq!(parse(&flagged), Ok(plain));
    }

    #[test]
    fn required_attributes_are_required() {
        for ty in [
            NFTA_TRACE_TABLE,
            NFTA_TRACE_CHAIN,
            NFTA_TRACE_TYPE,
            NFTA_TRACE_ID,
            NFTA_TRACE_NFPROTO,
        ] {
            let mut bytes = end_of_mark_it().to_vec();
            let at = attr_offset(&bytes, ty);
            bytes[at + 2..at + 4].copy_from_slice(&NFTA_TRACE_PAD.to_ne_bytes());
            assert_eq!(
                parse(&bytes),
                Err(DecodeError::MissingAttribute {
                    name: TRACE_ATTRS.name(ty)
                })
            );
        }
    }

    #[test]
    fn a_jump_without_its_target_is_an_error() {
        // Rename the nest's NFTA_VERDICT_CHAIN (type 2) to NFTA_VERDICT_CHAIN_ID (type 3).
        let mut bytes = jump_to_mark_it().to_vec();
        let nest = attr_offset(&bytes, NFTA_TRACE_VERDICT);
        let chain_attr = nest + 4 + 8; // after the nest header and NFTA_VERDICT_CODE
        assert_eq!(&bytes[chain_attr + 4..chain_attr + 12], b"mark_it\0");
        bytes[chain_attr + 2..chain_attr + 4].copy_from_slice(&3u16.to_ne_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::MissingAttribute {
                name: "NFTA_VERDICT_CHAIN"
            })
        );
    }

    #[test]
    fn pre_6_7_return_events_decode() {
        // Kernels before 6.7 report a chain's end as NFT_TRACETYPE_RETURN; this one sends
        // RULE. Relabel a real implicit-end event to see the old form through.
        let mut bytes = end_of_mark_it().to_vec();
        let at = attr_offset(&bytes, NFTA_TRACE_TYPE);
        bytes[at + 4..at + 8].copy_from_slice(&NFT_TRACETYPE_RETURN.to_be_bytes());
        let event = parse(&bytes).unwrap();
        assert_eq!(event.trace_type, TraceType::Return);
        assert_eq!(event.verdict, Some(Verdict::Continue));
        let original = parse(end_of_mark_it()).unwrap();
        assert_eq!(
            event,
            TraceEvent {
                trace_type: TraceType::Return,
                ..original
            }
        );
        bytes[at + 4..at + 8].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(parse(&bytes).unwrap().trace_type, TraceType::Other(0));
    }

    #[test]
    fn nfproto_must_fit_a_byte() {
        let mut bytes = end_of_mark_it().to_vec();
        let at = attr_offset(&bytes, NFTA_TRACE_NFPROTO);
        bytes[at + 4..at + 8].copy_from_slice(&0x0102u32.to_be_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::ValueOutOfRange {
                name: "NFTA_TRACE_NFPROTO",
                value: 0x102
            })
        );
    }

    #[test]
    fn trace_id_formats_like_nft() {
        let event = parse(end_of_mark_it()).unwrap();
        let at = attr_offset(end_of_mark_it(), NFTA_TRACE_ID);
        let raw: [u8; 4] = end_of_mark_it()[at + 4..at + 8].try_into().unwrap();
        assert_eq!(event.id, TraceId(u32::from_ne_bytes(raw)));
        // nft prints ntohl(id): the bytes read big-endian.
        assert_eq!(event.id.nft(), u32::from_be_bytes(raw));
        assert_eq!(
            event.id.to_string(),
            format!("{:08x}", u32::from_be_bytes(raw))
        );
        assert_eq!(
            TraceId(u32::from_ne_bytes([0, 0, 0x12, 0x34])).to_string(),
            "00001234"
        );
    }

    #[test]
    fn attribute_names_match_the_kernel_constants() {
        use nftrace_sys::nf_tables::*;
        macro_rules! named {
            ($space:expr, $($name:ident),+) => {
                $(assert_eq!($space.name($name), stringify!($name));)+
            };
        }
        named!(
            TRACE_ATTRS,
            NFTA_TRACE_UNSPEC,
            NFTA_TRACE_TABLE,
            NFTA_TRACE_CHAIN,
            NFTA_TRACE_RULE_HANDLE,
            NFTA_TRACE_TYPE,
            NFTA_TRACE_VERDICT,
            NFTA_TRACE_ID,
            NFTA_TRACE_LL_HEADER,
            NFTA_TRACE_NETWORK_HEADER,
            NFTA_TRACE_TRANSPORT_HEADER,
            NFTA_TRACE_IIF,
            NFTA_TRACE_IIFTYPE,
            NFTA_TRACE_OIF,
            NFTA_TRACE_OIFTYPE,
            NFTA_TRACE_MARK,
            NFTA_TRACE_NFPROTO,
            NFTA_TRACE_POLICY,
            NFTA_TRACE_PAD,
            NFTA_TRACE_CT_ID,
            NFTA_TRACE_CT_DIRECTION,
            NFTA_TRACE_CT_STATUS,
            NFTA_TRACE_CT_STATE
        );
        assert_eq!(TRACE_ATTRS.name(NFTA_TRACE_MAX + 1), "NFTA_TRACE_(unknown)");
        named!(
            crate::wire::verdict::VERDICT_ATTRS,
            NFTA_VERDICT_UNSPEC,
            NFTA_VERDICT_CODE,
            NFTA_VERDICT_CHAIN,
            NFTA_VERDICT_CHAIN_ID
        );
    }
}
