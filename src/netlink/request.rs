//! Encoding of the few netlink requests the crate sends: `nlmsghdr`, a family header
//! (`nfgenmsg` for nfnetlink, built by [`NfnlRequest`]; `ifinfomsg` for rtnetlink, appended
//! by the caller after [`request_header`]), then attributes, each padded to 4 bytes
//! (`NLA_ALIGN`), exactly as libmnl lays them out.
//! Integers in `nlmsghdr`/`nlattr` are host order; nfnetlink payload integers are
//! big-endian, which the callers choose by passing the bytes.

use nftrace_sys::netlink::{NLA_ALIGNTO, NLA_HDRLEN, NLMSG_HDRLEN, NLM_F_REQUEST};
use nftrace_sys::nfnetlink::NFNETLINK_V0;

/// Size of `struct nfgenmsg`.
const NFGENMSG_LEN: usize = 4;

/// Rounds `len` up to the attribute alignment.
const fn nla_align(len: usize) -> usize {
    (len + NLA_ALIGNTO - 1) & !(NLA_ALIGNTO - 1)
}

/// An nfnetlink request under construction.
#[derive(Debug, Clone)]
pub(crate) struct NfnlRequest {
    bytes: Vec<u8>,
}

impl NfnlRequest {
    /// Starts a request of `msg_type` (`(subsys << 8) | msg`) with `NLM_F_REQUEST` plus
    /// `extra_flags`, sequence number `seq`, and an `nfgenmsg` of `family`, version 0 and
    /// `res_id` (written big-endian, as the kernel reads it with `ntohs`).
    pub(crate) fn new(msg_type: u16, extra_flags: u16, seq: u32, family: u8, res_id: u16) -> Self {
        let mut bytes = request_header(msg_type, NLM_F_REQUEST | extra_flags, seq);
        debug_assert_eq!(bytes.len(), NLMSG_HDRLEN);
        bytes.push(family);
        bytes.push(NFNETLINK_V0);
        bytes.extend_from_slice(&res_id.to_be_bytes());
        debug_assert_eq!(bytes.len(), NLMSG_HDRLEN + NFGENMSG_LEN);
        NfnlRequest { bytes }
    }

    /// Appends attribute `attr_type` with `payload`, then zero padding to 4 bytes.
    /// `nla_len` counts header and payload but not the padding.
    pub(crate) fn attr<const N: usize>(mut self, attr_type: u16, payload: [u8; N]) -> Self {
        const { assert!(N <= 256, "request attributes are small fixed-size values") };
        push_attr(&mut self.bytes, attr_type, &payload);
        self
    }

    /// Appends a string attribute: `value`, its terminating NUL, then the padding. Names
    /// here (interfaces, tables, sets) are short; callers with user-given names check
    /// [`str_attr_fits`] first.
    pub(crate) fn attr_str(mut self, attr_type: u16, value: &str) -> Self {
        let mut payload = Vec::with_capacity(value.len() + 1);
        payload.extend_from_slice(value.as_bytes());
        payload.push(0);
        push_attr(&mut self.bytes, attr_type, &payload);
        self
    }

    /// Writes `nlmsg_len` and returns the bytes to send.
    pub(crate) fn finish(self) -> Vec<u8> {
        finish_request(self.bytes)
    }
}

/// Whether `value` fits a string attribute (`nla_len` is 16 bits and counts the header and
/// the NUL).
pub(crate) fn str_attr_fits(value: &str) -> bool {
    value
        .len()
        .checked_add(NLA_HDRLEN + 1)
        .is_some_and(|len| u16::try_from(len).is_ok())
}

/// Starts a request: `nlmsghdr` with `nlmsg_len` 0 (see [`finish_request`]), type, flags,
/// sequence number and port id 0 (the kernel fills it in).
pub(crate) fn request_header(msg_type: u16, flags: u16, seq: u32) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(64);
    bytes.extend_from_slice(&0u32.to_ne_bytes());
    bytes.extend_from_slice(&msg_type.to_ne_bytes());
    bytes.extend_from_slice(&flags.to_ne_bytes());
    bytes.extend_from_slice(&seq.to_ne_bytes());
    bytes.extend_from_slice(&0u32.to_ne_bytes());
    bytes
}

/// Appends attribute `ty` with `payload`, then zero padding to 4 bytes. `nla_len` counts
/// header and payload but not the padding.
pub(crate) fn push_attr(bytes: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    // Request attributes are a few bytes; a longer payload would be a bug of ours.
    let len = u16::try_from(NLA_HDRLEN + payload.len()).unwrap_or(u16::MAX);
    bytes.extend_from_slice(&len.to_ne_bytes());
    bytes.extend_from_slice(&ty.to_ne_bytes());
    bytes.extend_from_slice(payload);
    let padded = nla_align(bytes.len());
    bytes.resize(padded, 0);
}

/// Writes `nlmsg_len` (the first four bytes) of a request built in `bytes`.
pub(crate) fn finish_request(mut bytes: Vec<u8>) -> Vec<u8> {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    if let Some(field) = bytes.get_mut(0..4) {
        field.copy_from_slice(&len.to_ne_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use nftrace_sys::netlink::NLM_F_ACK;
    use nftrace_sys::nfnetlink::NFNL_SUBSYS_ULOG;
    use nftrace_sys::nfnetlink_log::{
        NFULA_CFG_CMD, NFULA_CFG_FLAGS, NFULA_CFG_MODE, NFULNL_CFG_CMD_BIND, NFULNL_MSG_CONFIG,
    };

    const CONFIG: u16 = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;

    // The expected layouts follow the kernel's structs: `nlmsghdr` (16 B, host order),
    // `nfgenmsg` (family, version, be16 res_id), `nlattr` (u16 len without padding, u16
    // type), payload padded to 4. The kernel accepting these requests is checked in
    // tests/netlink_sockets.rs.

    #[test]
    fn bind_command_layout() {
        let bytes = NfnlRequest::new(CONFIG, NLM_F_ACK, 7, 0, 0x0102)
            .attr(NFULA_CFG_CMD, [NFULNL_CFG_CMD_BIND])
            .finish();
        assert_eq!(bytes.len(), 16 + 4 + 8);
        assert_eq!(bytes[0..4], 28u32.to_ne_bytes());
        assert_eq!(bytes[4..6], 0x0401u16.to_ne_bytes());
        assert_eq!(bytes[6..8], (NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        assert_eq!(bytes[8..12], 7u32.to_ne_bytes());
        assert_eq!(bytes[12..16], [0, 0, 0, 0]);
        assert_eq!(bytes[16..20], [0, 0, 0x01, 0x02]); // AF_UNSPEC, v0, res_id big-endian
        assert_eq!(bytes[20..22], 5u16.to_ne_bytes()); // 4 header + 1 command
        assert_eq!(bytes[22..24], NFULA_CFG_CMD.to_ne_bytes());
        assert_eq!(bytes[24..28], [NFULNL_CFG_CMD_BIND, 0, 0, 0]);
    }

    #[test]
    fn packed_mode_and_be16_flags_are_padded_to_four() {
        let mut mode = [0u8; 6];
        mode[..4].copy_from_slice(&128u32.to_be_bytes());
        mode[4] = 2;
        let bytes = NfnlRequest::new(CONFIG, 0, 1, 0, 0)
            .attr(NFULA_CFG_MODE, mode)
            .attr(NFULA_CFG_FLAGS, 3u16.to_be_bytes())
            .finish();
        // mode: 4 + 6 = 10, padded to 12; flags: 4 + 2 = 6, padded to 8.
        assert_eq!(bytes.len(), 20 + 12 + 8);
        assert_eq!(bytes[20..22], 10u16.to_ne_bytes());
        assert_eq!(bytes[24..32], [0, 0, 0, 128, 2, 0, 0, 0]);
        assert_eq!(bytes[32..34], 6u16.to_ne_bytes());
        assert_eq!(bytes[34..36], NFULA_CFG_FLAGS.to_ne_bytes());
        assert_eq!(bytes[36..40], [0, 3, 0, 0]);
    }
}
