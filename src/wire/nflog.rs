//! nfnetlink_log records: an `NFULNL_MSG_PACKET` message (`NFULA_*` attributes) decoded into
//! a borrowed [`NflogPacket`].
//!
//! The layout follows `net/netfilter/nfnetlink_log.c`: every integer is big-endian (sent
//! without `NLA_F_NET_BYTEORDER`), `NFULA_PACKET_HDR` is always there, the rest depends on the
//! hook, the devices and the instance's flags. Lengths are checked exactly; unknown
//! attributes are skipped and counted.

use nftrace_sys::nfnetlink::NFNL_SUBSYS_ULOG;
use nftrace_sys::nfnetlink_log::{
    NFULA_CT, NFULA_CT_INFO, NFULA_GID, NFULA_HWADDR, NFULA_HWHEADER, NFULA_HWLEN, NFULA_HWTYPE,
    NFULA_IFINDEX_INDEV, NFULA_IFINDEX_OUTDEV, NFULA_IFINDEX_PHYSINDEV, NFULA_IFINDEX_PHYSOUTDEV,
    NFULA_L2HDR, NFULA_MARK, NFULA_PACKET_HDR, NFULA_PAYLOAD, NFULA_PREFIX, NFULA_SEQ,
    NFULA_SEQ_GLOBAL, NFULA_TIMESTAMP, NFULA_UID, NFULA_VLAN, NFULA_VLAN_PROTO, NFULA_VLAN_TCI,
    NFULNL_MSG_PACKET,
};

use super::attr::{Attr, AttrSpace, Attrs};
use super::error::DecodeError;
use super::nlmsg::Message;
use super::prefix::{LogPrefix, TraceStep};

/// `nlmsg_type` of an nflog record: `(NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET` = 0x0400.
pub const NFLOG_PACKET_MSG_TYPE: u16 = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;

/// Names of the packet attributes (`enum nfulnl_attr_type`).
pub(crate) const NFLOG_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFULA_UNSPEC",
        "NFULA_PACKET_HDR",
        "NFULA_MARK",
        "NFULA_TIMESTAMP",
        "NFULA_IFINDEX_INDEV",
        "NFULA_IFINDEX_OUTDEV",
        "NFULA_IFINDEX_PHYSINDEV",
        "NFULA_IFINDEX_PHYSOUTDEV",
        "NFULA_HWADDR",
        "NFULA_PAYLOAD",
        "NFULA_PREFIX",
        "NFULA_UID",
        "NFULA_SEQ",
        "NFULA_SEQ_GLOBAL",
        "NFULA_GID",
        "NFULA_HWTYPE",
        "NFULA_HWHEADER",
        "NFULA_HWLEN",
        "NFULA_CT",
        "NFULA_CT_INFO",
        "NFULA_VLAN",
        "NFULA_L2HDR",
    ],
    "NFULA_(unknown)",
);

/// Names of the `NFULA_VLAN` nest's attributes.
pub(crate) const NFLOG_VLAN_ATTRS: AttrSpace = AttrSpace::new(
    &["NFULA_VLAN_UNSPEC", "NFULA_VLAN_PROTO", "NFULA_VLAN_TCI"],
    "NFULA_VLAN_(unknown)",
);

/// One nfnetlink_log record: a packet logged by a rule or by iptables-legacy `TRACE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NflogPacket<'a> {
    /// `nfgenmsg.nfgen_family`: the protocol family (`NFPROTO_IPV4`, ...).
    pub family: u8,
    /// `nfgenmsg.res_id`: the nflog group (0 for `TRACE`).
    pub group: u16,
    /// `NFULA_PACKET_HDR.hw_protocol`: the ethertype (`skb->protocol`).
    pub hw_protocol: u16,
    /// `NFULA_PACKET_HDR.hook`: the netfilter hook (`NF_INET_*`).
    pub hook: u8,
    /// `NFULA_MARK`: the packet mark, only if non-zero.
    pub mark: Option<u32>,
    /// `NFULA_TIMESTAMP`: only on hooks PRE_ROUTING, LOCAL_IN and FORWARD.
    pub timestamp: Option<NflogTimestamp>,
    /// `NFULA_IFINDEX_INDEV`.
    pub indev: Option<u32>,
    /// `NFULA_IFINDEX_OUTDEV`.
    pub outdev: Option<u32>,
    /// `NFULA_IFINDEX_PHYSINDEV` (bridge port).
    pub physindev: Option<u32>,
    /// `NFULA_IFINDEX_PHYSOUTDEV` (bridge port).
    pub physoutdev: Option<u32>,
    /// `NFULA_HWADDR`: the source hardware address.
    pub hwaddr: Option<HwAddr>,
    /// `NFULA_PAYLOAD`: packet bytes from the network header, up to the copy range.
    pub payload: Option<&'a [u8]>,
    /// `NFULA_PREFIX`: the log prefix without its NUL terminator.
    pub prefix: Option<&'a [u8]>,
    /// `NFULA_UID`: the sending socket's owner.
    pub uid: Option<u32>,
    /// `NFULA_GID`: the sending socket's group.
    pub gid: Option<u32>,
    /// `NFULA_SEQ`: the instance's sequence number (starts at 0).
    pub seq: Option<u32>,
    /// `NFULA_SEQ_GLOBAL`: the namespace's sequence number (starts at 1).
    pub seq_global: Option<u32>,
    /// `NFULA_HWTYPE`: device type (`ARPHRD_*`).
    pub hwtype: Option<u16>,
    /// `NFULA_HWLEN`: length of the hardware header.
    pub hwlen: Option<u16>,
    /// `NFULA_HWHEADER`: the device's hardware header.
    pub hwheader: Option<&'a [u8]>,
    /// `NFULA_CT`: the conntrack entry, nested ctnetlink attributes (`CTA_*`), raw.
    pub ct: Option<&'a [u8]>,
    /// `NFULA_CT_INFO`: `enum ip_conntrack_info`.
    pub ct_info: Option<u32>,
    /// `NFULA_VLAN`: the VLAN tag (bridge and netdev families).
    pub vlan: Option<NflogVlan>,
    /// `NFULA_L2HDR`: the whole layer-2 header (bridge and netdev families).
    pub l2hdr: Option<&'a [u8]>,
    /// Attributes skipped because this decoder does not know them (including inside
    /// `NFULA_VLAN`).
    pub unknown_attributes: u16,
}

/// `NFULA_TIMESTAMP` (`struct nfulnl_msg_packet_timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NflogTimestamp {
    /// Seconds since the epoch.
    pub sec: u64,
    /// Microseconds.
    pub usec: u64,
}

/// `NFULA_HWADDR` (`struct nfulnl_msg_packet_hw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HwAddr {
    /// `hw_addrlen`: how many bytes of `addr` are the address.
    pub len: u16,
    /// `hw_addr`, 8 bytes as sent.
    pub addr: [u8; 8],
}

impl HwAddr {
    /// The address: the first `len` bytes (at most 8).
    pub fn bytes(&self) -> &[u8] {
        let len = usize::from(self.len).min(self.addr.len());
        self.addr.get(..len).unwrap_or(&self.addr)
    }
}

/// `NFULA_VLAN` (nested `NFULA_VLAN_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NflogVlan {
    /// `NFULA_VLAN_PROTO`: the tag protocol (`skb->vlan_proto`).
    pub proto: Option<u16>,
    /// `NFULA_VLAN_TCI`: the tag control information.
    pub tci: Option<u16>,
}

impl<'a> NflogPacket<'a> {
    /// Decodes an `NFULNL_MSG_PACKET` message. Requires `NFULA_PACKET_HDR`; a known
    /// attribute with the wrong length is an error naming it.
    #[inline]
    pub fn parse(message: &Message<'a>) -> Result<Self, DecodeError> {
        if message.header.ty != NFLOG_PACKET_MSG_TYPE {
            return Err(DecodeError::UnexpectedMessageType {
                ty: message.header.ty,
                expected: "NFULNL_MSG_PACKET",
            });
        }
        let (nfgen, attrs) = message.nfgenmsg()?;
        let base = message.payload_offset().saturating_add(4);
        let mut packet_hdr = None;
        let mut p = NflogPacket {
            family: nfgen.family,
            group: nfgen.res_id,
            hw_protocol: 0,
            hook: 0,
            mark: None,
            timestamp: None,
            indev: None,
            outdev: None,
            physindev: None,
            physoutdev: None,
            hwaddr: None,
            payload: None,
            prefix: None,
            uid: None,
            gid: None,
            seq: None,
            seq_global: None,
            hwtype: None,
            hwlen: None,
            hwheader: None,
            ct: None,
            ct_info: None,
            vlan: None,
            l2hdr: None,
            unknown_attributes: 0,
        };
        for attr in Attrs::new(attrs, base, NFLOG_ATTRS) {
            let attr = attr?;
            match attr.ty() {
                NFULA_PACKET_HDR => {
                    let [p0, p1, hook, _pad] = attr.array()?;
                    packet_hdr = Some((u16::from_be_bytes([p0, p1]), hook));
                }
                NFULA_MARK => p.mark = Some(attr.be32()?),
                NFULA_TIMESTAMP => {
                    let bytes: [u8; 16] = attr.array()?;
                    let (sec, usec) = split_be64_pair(bytes);
                    p.timestamp = Some(NflogTimestamp { sec, usec });
                }
                NFULA_IFINDEX_INDEV => p.indev = Some(attr.be32()?),
                NFULA_IFINDEX_OUTDEV => p.outdev = Some(attr.be32()?),
                NFULA_IFINDEX_PHYSINDEV => p.physindev = Some(attr.be32()?),
                NFULA_IFINDEX_PHYSOUTDEV => p.physoutdev = Some(attr.be32()?),
                NFULA_HWADDR => {
                    let [l0, l1, _, _, a0, a1, a2, a3, a4, a5, a6, a7] = attr.array()?;
                    p.hwaddr = Some(HwAddr {
                        len: u16::from_be_bytes([l0, l1]),
                        addr: [a0, a1, a2, a3, a4, a5, a6, a7],
                    });
                }
                NFULA_PAYLOAD => p.payload = Some(attr.payload()),
                NFULA_PREFIX => p.prefix = Some(attr.cstr_bytes()?),
                NFULA_UID => p.uid = Some(attr.be32()?),
                NFULA_GID => p.gid = Some(attr.be32()?),
                NFULA_SEQ => p.seq = Some(attr.be32()?),
                NFULA_SEQ_GLOBAL => p.seq_global = Some(attr.be32()?),
                NFULA_HWTYPE => p.hwtype = Some(attr.be16()?),
                NFULA_HWLEN => p.hwlen = Some(attr.be16()?),
                NFULA_HWHEADER => p.hwheader = Some(attr.payload()),
                NFULA_CT => p.ct = Some(attr.payload()),
                NFULA_CT_INFO => p.ct_info = Some(attr.be32()?),
                NFULA_VLAN => p.vlan = Some(decode_vlan(&attr, &mut p.unknown_attributes)?),
                NFULA_L2HDR => p.l2hdr = Some(attr.payload()),
                _ => p.unknown_attributes = p.unknown_attributes.saturating_add(1),
            }
        }
        let (hw_protocol, hook) = packet_hdr.ok_or(DecodeError::MissingAttribute {
            name: "NFULA_PACKET_HDR",
        })?;
        p.hw_protocol = hw_protocol;
        p.hook = hook;
        Ok(p)
    }

    /// The prefix, classified: a legacy `TRACE: table:chain:type:N ` step or other text.
    pub fn log_prefix(&self) -> Option<LogPrefix<'a>> {
        self.prefix.map(LogPrefix::parse)
    }

    /// The iptables-legacy `TRACE` step this record reports, if its prefix is one.
    pub fn trace_step(&self) -> Option<TraceStep<'a>> {
        self.prefix.and_then(TraceStep::parse)
    }
}

fn split_be64_pair(bytes: [u8; 16]) -> (u64, u64) {
    let [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7] = bytes;
    (
        u64::from_be_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
        u64::from_be_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
    )
}

fn decode_vlan(nest: &Attr<'_>, unknown: &mut u16) -> Result<NflogVlan, DecodeError> {
    let mut vlan = NflogVlan {
        proto: None,
        tci: None,
    };
    for attr in nest.nested(NFLOG_VLAN_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFULA_VLAN_PROTO => vlan.proto = Some(attr.be16()?),
            NFULA_VLAN_TCI => vlan.tci = Some(attr.be16()?),
            _ => *unknown = unknown.saturating_add(1),
        }
    }
    Ok(vlan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures::{self, attr_offset, fix_len};
    use crate::wire::messages;

    fn parse(bytes: &[u8]) -> Result<NflogPacket<'_>, DecodeError> {
        let message = messages(bytes).next().unwrap()?;
        NflogPacket::parse(&message)
    }

    /// `TRACE: raw:PREROUTING:rule:1 ` of the UDP datagram over lo: an input-side record
    /// (timestamp, indev, hardware address and header).
    fn prerouting_record() -> &'static [u8] {
        fixtures::message(fixtures::NFLOG_TRACE_UDP4, 5)
    }

    #[test]
    fn decodes_a_real_record() {
        let p = parse(prerouting_record()).unwrap();
        assert_eq!((p.family, p.group, p.hook), (2, 0, 0));
        assert_eq!(p.hw_protocol, 0x0800);
        assert_eq!(p.prefix, Some(&b"TRACE: raw:PREROUTING:rule:1 "[..]));
        assert_eq!(p.indev, Some(1));
        assert_eq!(p.hwtype, Some(772)); // ARPHRD_LOOPBACK
        assert_eq!(p.hwaddr.map(|h| h.bytes().to_vec()), Some(vec![0; 6]));
        assert!(p.timestamp.is_some());
        assert_eq!(p.seq, Some(5));
        assert_eq!(p.unknown_attributes, 0);
    }

    #[test]
    fn every_cut_is_an_error_or_a_shorter_record() {
        let bytes = prerouting_record();
        for cut in 0..bytes.len() {
            // The datagram cut: a framing error.
            let framed: Vec<_> = crate::wire::decode_datagram(&bytes[..cut]).collect();
            assert!(cut == 0 || matches!(framed[..], [Err(DecodeError::Truncated { .. })]));
            // The message cut with its length: decodes only up to whole attributes.
            if cut >= 16 {
                let mut cut_bytes = bytes[..cut].to_vec();
                fix_len(&mut cut_bytes);
                if let Ok(p) = parse(&cut_bytes) {
                    assert_eq!(p.hw_protocol, 0x0800, "cut at {cut}");
                }
            }
        }
    }

    #[test]
    fn unknown_attributes_are_skipped_and_counted() {
        let original = parse(prerouting_record()).unwrap();
        let mut bytes = prerouting_record().to_vec();
        // Type 40, past NFULA_MAX, with a 1-byte payload and its padding.
        bytes.extend_from_slice(&5u16.to_ne_bytes());
        bytes.extend_from_slice(&40u16.to_ne_bytes());
        bytes.extend_from_slice(&[7, 0, 0, 0]);
        fix_len(&mut bytes);
        let p = parse(&bytes).unwrap();
        assert_eq!(p.unknown_attributes, 1);
        assert_eq!(
            NflogPacket {
                unknown_attributes: 0,
                ..p
            },
            original
        );
    }

    #[test]
    fn a_u32_of_the_wrong_length_is_rejected_by_name() {
        let mut bytes = prerouting_record().to_vec();
        let at = attr_offset(&bytes, NFULA_SEQ_GLOBAL);
        bytes[at..at + 2].copy_from_slice(&7u16.to_ne_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::BadAttributeLength {
                name: "NFULA_SEQ_GLOBAL",
                expected: 4,
                got: 3
            })
        );
        let mut bytes = prerouting_record().to_vec();
        let at = attr_offset(&bytes, NFULA_TIMESTAMP);
        bytes[at..at + 2].copy_from_slice(&12u16.to_ne_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::BadAttributeLength {
                name: "NFULA_TIMESTAMP",
                expected: 16,
                got: 8
            })
        );
    }

    #[test]
    fn packet_header_is_required() {
        let mut bytes = prerouting_record().to_vec();
        let at = attr_offset(&bytes, NFULA_PACKET_HDR);
        bytes[at + 2..at + 4].copy_from_slice(&40u16.to_ne_bytes());
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::MissingAttribute {
                name: "NFULA_PACKET_HDR"
            })
        );
    }

    #[test]
    fn prefix_needs_its_terminator() {
        let mut bytes = prerouting_record().to_vec();
        let at = attr_offset(&bytes, NFULA_PREFIX);
        let len = usize::from(u16::from_ne_bytes([bytes[at], bytes[at + 1]]));
        assert_eq!(bytes[at + len - 1], 0);
        bytes[at + len - 1] = b'!';
        assert_eq!(
            parse(&bytes),
            Err(DecodeError::NotNulTerminated {
                name: "NFULA_PREFIX"
            })
        );
    }

    #[test]
    fn attribute_names_match_the_kernel_constants() {
        use nftrace_sys::nfnetlink_log::*;
        macro_rules! named {
            ($space:expr, $($name:ident),+) => {
                $(assert_eq!($space.name($name), stringify!($name));)+
            };
        }
        named!(
            NFLOG_ATTRS,
            NFULA_UNSPEC,
            NFULA_PACKET_HDR,
            NFULA_MARK,
            NFULA_TIMESTAMP,
            NFULA_IFINDEX_INDEV,
            NFULA_IFINDEX_OUTDEV,
            NFULA_IFINDEX_PHYSINDEV,
            NFULA_IFINDEX_PHYSOUTDEV,
            NFULA_HWADDR,
            NFULA_PAYLOAD,
            NFULA_PREFIX,
            NFULA_UID,
            NFULA_SEQ,
            NFULA_SEQ_GLOBAL,
            NFULA_GID,
            NFULA_HWTYPE,
            NFULA_HWHEADER,
            NFULA_HWLEN,
            NFULA_CT,
            NFULA_CT_INFO,
            NFULA_VLAN,
            NFULA_L2HDR
        );
        assert_eq!(NFLOG_ATTRS.name(NFULA_MAX + 1), "NFULA_(unknown)");
        named!(
            NFLOG_VLAN_ATTRS,
            NFULA_VLAN_UNSPEC,
            NFULA_VLAN_PROTO,
            NFULA_VLAN_TCI
        );
    }

    #[test]
    fn hwaddr_bytes_never_exceed_the_array() {
        let h = HwAddr {
            len: 200,
            addr: [1; 8],
        };
        assert_eq!(h.bytes(), &[1; 8]);
        let h = HwAddr {
            len: 2,
            addr: [1; 8],
        };
        assert_eq!(h.bytes(), &[1, 1]);
    }
}
