//! Netlink message framing: an iterator over the messages of one received datagram, the
//! `nfgenmsg` header of netfilter messages, and `NLMSG_ERROR` (acknowledgements and errors).
//!
//! Everything is a borrowed view: a [`Message`] points into the datagram.

use nftrace_sys::netlink::{
    NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSG_ALIGNTO, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN,
    NLM_F_ACK_TLVS, NLM_F_CAPPED,
};

use super::attr::{AttrSpace, Attrs};
use super::error::DecodeError;

/// A netlink message header (`struct nlmsghdr`), host byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NlmsgHeader {
    /// `nlmsg_len`: the message length including this header, excluding trailing padding.
    pub len: u32,
    /// `nlmsg_type`: a control type (`NLMSG_*`) or `(subsystem << 8) | message`.
    pub ty: u16,
    /// `nlmsg_flags` (`NLM_F_*`).
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// `nlmsg_pid`: the sender's port id (0 for the kernel).
    pub pid: u32,
}

impl NlmsgHeader {
    /// Reads a header from the first 16 bytes of `bytes`; `offset` is only for the error.
    #[inline]
    pub fn parse(bytes: &[u8], offset: usize) -> Result<Self, DecodeError> {
        let Some(&[l0, l1, l2, l3, t0, t1, f0, f1, s0, s1, s2, s3, p0, p1, p2, p3]) =
            bytes.get(..NLMSG_HDRLEN)
        else {
            return Err(DecodeError::Truncated {
                what: "nlmsghdr",
                offset,
                needed: NLMSG_HDRLEN,
                available: bytes.len(),
            });
        };
        Ok(Self {
            len: u32::from_ne_bytes([l0, l1, l2, l3]),
            ty: u16::from_ne_bytes([t0, t1]),
            flags: u16::from_ne_bytes([f0, f1]),
            seq: u32::from_ne_bytes([s0, s1, s2, s3]),
            pid: u32::from_ne_bytes([p0, p1, p2, p3]),
        })
    }
}

/// One netlink message of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// The header.
    pub header: NlmsgHeader,
    /// The payload: `nlmsg_len - 16` bytes after the header.
    pub payload: &'a [u8],
    /// Offset of the header from the start of the datagram.
    pub offset: usize,
}

impl<'a> Message<'a> {
    /// Offset of the payload from the start of the datagram.
    #[inline]
    pub fn payload_offset(&self) -> usize {
        self.offset.saturating_add(NLMSG_HDRLEN)
    }

    /// Splits the payload of a netfilter message into its `nfgenmsg` and what follows it
    /// (the attributes).
    #[inline]
    pub fn nfgenmsg(&self) -> Result<(NfGenMsg, &'a [u8]), DecodeError> {
        NfGenMsg::split(self.payload, self.payload_offset())
    }

    /// Reads an `NLMSG_ERROR` message: an acknowledgement or an error.
    pub fn error(&self) -> Result<NlmsgError<'a>, DecodeError> {
        if self.header.ty != NLMSG_ERROR {
            return Err(DecodeError::UnexpectedMessageType {
                ty: self.header.ty,
                expected: "NLMSG_ERROR",
            });
        }
        NlmsgError::parse(self.payload, self.payload_offset(), self.header.flags)
    }
}

/// The header after `nlmsghdr` in every nfnetlink message (`struct nfgenmsg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NfGenMsg {
    /// `nfgen_family`: `NFPROTO_*`. For nf_tables traces the table's family; for nflog
    /// records the packet's protocol family.
    pub family: u8,
    /// `version`: `NFNETLINK_V0`.
    pub version: u8,
    /// `res_id`, converted from big-endian: the nflog group, or 0 for traces.
    pub res_id: u16,
}

impl NfGenMsg {
    /// Size of `struct nfgenmsg`.
    pub const LEN: usize = 4;

    /// Reads the header at the start of `payload` and returns it with the rest of the
    /// payload; `offset` is only for the error.
    #[inline]
    pub fn split(payload: &[u8], offset: usize) -> Result<(Self, &[u8]), DecodeError> {
        let Some((&[family, version, r0, r1], rest)) = payload.split_first_chunk::<4>() else {
            return Err(DecodeError::Truncated {
                what: "nfgenmsg",
                offset,
                needed: Self::LEN,
                available: payload.len(),
            });
        };
        let header = Self {
            family,
            version,
            res_id: u16::from_be_bytes([r0, r1]),
        };
        Ok((header, rest))
    }
}

/// An `NLMSG_ERROR` message (`struct nlmsgerr` and what follows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NlmsgError<'a> {
    /// A negative errno, or 0 for an acknowledgement.
    pub error: i32,
    /// The header of the request it answers.
    pub request: NlmsgHeader,
    /// The request's payload as echoed back; empty when the kernel capped the ack
    /// (`NLM_F_CAPPED`).
    pub request_payload: &'a [u8],
    /// Extended-ack TLVs (`NLMSGERR_ATTR_*`) when `NLM_F_ACK_TLVS` is set, else empty.
    pub ext_ack: &'a [u8],
}

/// Names of the extended-ack TLVs (`enum nlmsgerr_attrs`).
const EXT_ACK_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NLMSGERR_ATTR_UNUSED",
        "NLMSGERR_ATTR_MSG",
        "NLMSGERR_ATTR_OFFS",
        "NLMSGERR_ATTR_COOKIE",
        "NLMSGERR_ATTR_POLICY",
        "NLMSGERR_ATTR_MISS_TYPE",
        "NLMSGERR_ATTR_MISS_NEST",
    ],
    "NLMSGERR_ATTR_(unknown)",
);

impl<'a> NlmsgError<'a> {
    /// Size of `struct nlmsgerr`: the error and the request's header.
    pub const LEN: usize = 4 + NLMSG_HDRLEN;

    fn parse(payload: &'a [u8], offset: usize, flags: u16) -> Result<Self, DecodeError> {
        let truncated = |needed| DecodeError::Truncated {
            what: "nlmsgerr",
            offset,
            needed,
            available: payload.len(),
        };
        let (&error, rest) = payload
            .split_first_chunk::<4>()
            .ok_or(truncated(Self::LEN))?;
        let request =
            NlmsgHeader::parse(rest, offset.saturating_add(4)).map_err(|_| truncated(Self::LEN))?;
        let rest = rest.get(NLMSG_HDRLEN..).unwrap_or_default();
        let (request_payload, rest) = if flags & NLM_F_CAPPED != 0 {
            (&[][..], rest)
        } else {
            let echoed = usize::try_from(request.len)
                .unwrap_or(usize::MAX)
                .saturating_sub(NLMSG_HDRLEN);
            let echoed_padded = align(echoed).min(rest.len());
            let echoed_bytes = rest
                .get(..echoed)
                .ok_or(truncated(Self::LEN.saturating_add(echoed)))?;
            (echoed_bytes, rest.get(echoed_padded..).unwrap_or_default())
        };
        let ext_ack = if flags & NLM_F_ACK_TLVS != 0 {
            rest
        } else {
            &[]
        };
        Ok(Self {
            error: i32::from_ne_bytes(error),
            request,
            request_payload,
            ext_ack,
        })
    }

    /// True for an acknowledgement (error 0).
    pub fn is_ack(&self) -> bool {
        self.error == 0
    }

    /// The positive errno of an error, `None` for an acknowledgement.
    pub fn errno(&self) -> Option<i32> {
        (self.error != 0).then(|| self.error.saturating_neg())
    }

    /// The kernel's extended-ack message (`NLMSGERR_ATTR_MSG`), if it sent one and it is
    /// well formed.
    pub fn ext_ack_message(&self) -> Option<&'a str> {
        self.ext_ack_attrs()
            .map_while(Result::ok)
            .find(|a| a.ty() == NLMSGERR_ATTR_MSG)
            .and_then(|a| a.cstr().ok())
    }

    /// The offset of the attribute the kernel rejected, from the start of the request
    /// (`NLMSGERR_ATTR_OFFS`), if it sent one.
    pub fn ext_ack_offset(&self) -> Option<u32> {
        self.ext_ack_attrs()
            .map_while(Result::ok)
            .find(|a| a.ty() == NLMSGERR_ATTR_OFFS)
            .and_then(|a| a.ne32().ok())
    }

    /// All extended-ack TLVs.
    pub fn ext_ack_attrs(&self) -> Attrs<'a> {
        Attrs::new(self.ext_ack, 0, EXT_ACK_ATTRS)
    }
}

/// Iterator over the netlink messages of one datagram; see [`messages`].
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    buf: &'a [u8],
    pos: usize,
    finished: bool,
}

/// Walks the netlink messages of one received datagram.
///
/// Yields each message in order. It ends after the datagram's last message, right after an
/// `NLMSG_DONE` message (which it yields), or after yielding an error for a header that is
/// cut short, an `nlmsg_len` below 16, or an `nlmsg_len` that runs past the datagram: after a
/// bad length nothing that follows can be framed.
pub fn messages(datagram: &[u8]) -> Messages<'_> {
    Messages {
        buf: datagram,
        pos: 0,
        finished: false,
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.finished = true;
            return None;
        }
        let offset = self.pos;
        let result = Self::frame(rest, offset);
        match &result {
            Ok(msg) if msg.header.ty != NLMSG_DONE => {
                let step = align(msg.payload.len().saturating_add(NLMSG_HDRLEN));
                self.pos = self.pos.saturating_add(step.min(rest.len()));
            }
            _ => self.finished = true,
        }
        Some(result)
    }
}

impl<'a> Messages<'a> {
    #[inline]
    fn frame(rest: &'a [u8], offset: usize) -> Result<Message<'a>, DecodeError> {
        let header = NlmsgHeader::parse(rest, offset)?;
        let len = usize::try_from(header.len).unwrap_or(usize::MAX);
        if len < NLMSG_HDRLEN {
            return Err(DecodeError::BadMessageLength {
                offset,
                len: header.len,
            });
        }
        let payload = rest.get(NLMSG_HDRLEN..len).ok_or(DecodeError::Truncated {
            what: "netlink message",
            offset,
            needed: len,
            available: rest.len(),
        })?;
        Ok(Message {
            header,
            payload,
            offset,
        })
    }
}

impl core::iter::FusedIterator for Messages<'_> {}

/// `NLMSG_ALIGN`, saturating.
#[inline]
fn align(len: usize) -> usize {
    len.saturating_add(NLMSG_ALIGNTO - 1) & !(NLMSG_ALIGNTO - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures;
    use nftrace_sys::netlink::NLM_F_MULTI;
    use nftrace_sys::nf_tables::{NFT_MSG_NEWTABLE, NFT_MSG_TRACE};
    use nftrace_sys::nfnetlink::{NFNL_SUBSYS_NFTABLES, NFNL_SUBSYS_ULOG};
    use nftrace_sys::nfnetlink_log::{NFULNL_MSG_CONFIG, NFULNL_MSG_PACKET};

    #[test]
    fn frames_every_message_of_a_capture() {
        let all: Vec<_> = messages(fixtures::NFT_TRACE_UDP4)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(all.len(), 13);
        let mut next = 0;
        for msg in &all {
            assert_eq!(msg.offset, next);
            assert_eq!(msg.header.ty, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE);
            assert_eq!(
                (msg.header.flags, msg.header.seq, msg.header.pid),
                (0, 0, 0)
            );
            assert_eq!(msg.payload.len() + 16, msg.header.len as usize);
            next = msg.offset + align(msg.header.len as usize);
        }
        assert_eq!(next, fixtures::NFT_TRACE_UDP4.len());
    }

    #[test]
    fn nfgenmsg_of_trace_and_nflog() {
        let trace = messages(fixtures::NFT_TRACE_UDP4).next().unwrap().unwrap();
        let (nfgen, attrs) = trace.nfgenmsg().unwrap();
        // The table is `inet` (NFPROTO_INET = 1); traces carry res_id 0.
        assert_eq!(
            nfgen,
            NfGenMsg {
                family: 1,
                version: 0,
                res_id: 0
            }
        );
        assert_eq!(attrs.len(), trace.payload.len() - 4);

        let nflog = messages(fixtures::NFLOG_TRACE_UDP6)
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(nflog.header.ty, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET);
        let (nfgen, _) = nflog.nfgenmsg().unwrap();
        // AF_INET6, group 0.
        assert_eq!(
            nfgen,
            NfGenMsg {
                family: 10,
                version: 0,
                res_id: 0
            }
        );
    }

    #[test]
    fn stops_after_done() {
        // A dump of tables: NEWTABLE (multipart), then NLMSG_DONE. Append a copy of the whole
        // dump after it: nothing after DONE may be yielded.
        let mut bytes = fixtures::NFT_DUMP_TABLES.to_vec();
        bytes.extend_from_slice(fixtures::NFT_DUMP_TABLES);
        let all: Vec<_> = messages(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0].header.ty,
            (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE
        );
        assert_eq!(all[0].header.flags, NLM_F_MULTI);
        assert_eq!(all[0].header.seq, 1);
        assert_eq!(all[1].header.ty, NLMSG_DONE);
        assert_eq!(all[1].header.seq, 1);
    }

    #[test]
    fn decodes_acks_and_errors() {
        let all: Vec<_> = messages(fixtures::NFLOG_CONFIG_ACKS)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(all.len(), 5);
        let config = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
        for (i, msg) in all[..4].iter().enumerate() {
            let ack = msg.error().unwrap();
            assert!(ack.is_ack());
            assert_eq!(ack.errno(), None);
            assert_eq!(ack.request.ty, config);
            assert_eq!(ack.request.seq, i as u32 + 1);
            assert_eq!(msg.header.seq, i as u32 + 1);
            // Success acks are capped: only the request's header is echoed.
            assert_eq!(msg.header.flags, NLM_F_CAPPED);
            assert!(ack.request_payload.is_empty());
        }
        // The second socket's bind of group 0 is refused with EPERM; the request (nfgenmsg +
        // one NFULA_CFG_CMD attribute) is echoed whole.
        let err = all[4].error().unwrap();
        assert_eq!(err.errno(), Some(libc::EPERM));
        assert_eq!(err.request.seq, 99);
        assert_eq!(err.request.len, 28);
        assert_eq!(err.request_payload.len(), 12);
        assert_eq!(err.ext_ack_message(), None);
        assert!(all[0].error().is_ok());
        assert!(matches!(
            messages(fixtures::NFT_TRACE_UDP4)
                .next()
                .unwrap()
                .unwrap()
                .error(),
            Err(DecodeError::UnexpectedMessageType { ty: 0x0a11, .. })
        ));
    }

    #[test]
    fn truncation_at_every_offset_is_an_error_item_then_the_end() {
        let datagram = fixtures::first_message(fixtures::NFT_TRACE_UDP4);
        for cut in 1..datagram.len() {
            let items: Vec<_> = messages(&datagram[..cut]).collect();
            assert_eq!(items.len(), 1, "cut at {cut}");
            match items[0] {
                Err(DecodeError::Truncated {
                    offset: 0,
                    available,
                    ..
                }) => {
                    assert_eq!(available, cut)
                }
                ref other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_lengths_end_iteration() {
        let mut bytes = fixtures::NFT_TRACE_UDP4.to_vec();
        // Second message: a length below the header.
        let second = align(u32::from_ne_bytes(bytes[0..4].try_into().unwrap()) as usize);
        bytes[second..second + 4].copy_from_slice(&15u32.to_ne_bytes());
        let items: Vec<_> = messages(&bytes).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert_eq!(
            items[1],
            Err(DecodeError::BadMessageLength {
                offset: second,
                len: 15
            })
        );
        // An overlong length.
        bytes[second..second + 4].copy_from_slice(&u32::MAX.to_ne_bytes());
        let items: Vec<_> = messages(&bytes).collect();
        assert!(matches!(
            items[1],
            Err(DecodeError::Truncated { what: "netlink message", offset, .. }) if offset == second
        ));
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn an_empty_datagram_has_no_messages() {
        assert_eq!(messages(&[]).count(), 0);
    }
}
