//! Finding the kernel's answer to one of our requests in a received datagram: the
//! `NLMSG_ERROR` message whose sequence number matches (error 0 is an acknowledgement).
//! Everything else in the datagram (for instance nflog packets that arrive once the group
//! is bound) is skipped. Reads only through checked slices: kernel bytes cannot panic it.

use nftrace_sys::netlink::{NLMSG_ALIGNTO, NLMSG_ERROR, NLMSG_HDRLEN};

/// What a datagram says about the request with a given sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckScan {
    /// The kernel acknowledged the request.
    Ack,
    /// The kernel refused the request with this (positive) errno.
    Refused(i32),
    /// The datagram does not answer the request.
    NotHere,
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes(field.try_into().ok()?))
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let field = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_ne_bytes(field.try_into().ok()?))
}

/// Scans the netlink messages of `datagram` for the answer to request `seq`. Stops at the
/// first malformed header (a length shorter than a header or past the end).
pub(crate) fn scan_for_ack(datagram: &[u8], seq: u32) -> AckScan {
    let mut rest = datagram;
    while rest.len() >= NLMSG_HDRLEN {
        let (Some(len), Some(msg_type), Some(msg_seq)) =
            (read_u32(rest, 0), read_u16(rest, 4), read_u32(rest, 8))
        else {
            break;
        };
        let Ok(len) = usize::try_from(len) else {
            break;
        };
        if len < NLMSG_HDRLEN || len > rest.len() {
            break;
        }
        if msg_type == NLMSG_ERROR && msg_seq == seq {
            // struct nlmsgerr: int error (negative errno, 0 = ack), then the request header.
            return match read_u32(rest, NLMSG_HDRLEN).map(|raw| raw as i32) {
                Some(0) => AckScan::Ack,
                Some(error) => AckScan::Refused(error.checked_neg().unwrap_or(i32::MAX)),
                None => AckScan::NotHere,
            };
        }
        let advance = len
            .checked_add(NLMSG_ALIGNTO - 1)
            .map(|l| l & !(NLMSG_ALIGNTO - 1))
            .unwrap_or(rest.len());
        rest = rest.get(advance..).unwrap_or(&[]);
    }
    AckScan::NotHere
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a hex string (whitespace ignored) from a captured fixture.
    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    // Captured on Linux 6.18.44 (x86_64, little-endian) inside a fresh `ip netns`: a Python
    // AF_NETLINK/NETLINK_NETFILTER socket sent NFULNL_MSG_CONFIG requests for group 0 with
    // NLM_F_ACK and printed each answer's bytes (`socket.recv(65536).hex()`).
    //
    // The ack of NFULNL_CFG_CMD_BIND (seq 1): NLMSG_ERROR with NLM_F_CAPPED, error 0, then
    // the request's header only.
    const BIND_ACK: &str =
        "240000000200000101000000911e0000000000001c000000010405000100000000000000";
    // The refusal of NFULA_CFG_FLAGS = SEQ|SEQ_GLOBAL|CONNTRACK (seq 3): error -95
    // (EOPNOTSUPP, no ctnetlink glue), then the whole request echoed.
    const CONNTRACK_REFUSAL: &str = "300000000200000003000000911e0000a1ffffff1c000000010405000300000000000000000000000600060000070000";

    #[test]
    fn captured_ack_is_recognised_by_sequence_number() {
        let bytes = hex(BIND_ACK);
        assert_eq!(scan_for_ack(&bytes, 1), AckScan::Ack);
        assert_eq!(scan_for_ack(&bytes, 2), AckScan::NotHere);
    }

    #[test]
    fn captured_refusal_carries_the_errno() {
        let bytes = hex(CONNTRACK_REFUSAL);
        assert_eq!(scan_for_ack(&bytes, 3), AckScan::Refused(libc::EOPNOTSUPP));
    }

    #[test]
    fn echoed_request_equals_what_the_encoder_builds() {
        use crate::netlink::request::NfnlRequest;
        use nftrace_sys::netlink::NLM_F_ACK;
        use nftrace_sys::nfnetlink::NFNL_SUBSYS_ULOG;
        use nftrace_sys::nfnetlink_log::{NFULA_CFG_FLAGS, NFULNL_MSG_CONFIG};

        let refusal = hex(CONNTRACK_REFUSAL);
        let echoed = &refusal[20..];
        let built = NfnlRequest::new(
            (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG,
            NLM_F_ACK,
            3,
            0,
            0,
        )
        .attr(NFULA_CFG_FLAGS, 7u16.to_be_bytes())
        .finish();
        assert_eq!(built, echoed);
    }

    #[test]
    fn truncated_or_empty_datagrams_answer_nothing() {
        let bytes = hex(BIND_ACK);
        for cut in 0..bytes.len() {
            assert_eq!(
                scan_for_ack(&bytes[..cut], 1),
                AckScan::NotHere,
                "cut at {cut}"
            );
        }
    }
}
