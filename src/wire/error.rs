//! The one error type of the wire decoders: every way kernel bytes can fail to decode, with
//! enough context (offset, attribute name as the kernel spells it, lengths) to find the bad
//! byte in a hex dump.

use thiserror::Error;

/// Why bytes received from the kernel could not be decoded.
///
/// Offsets count bytes from the start of the buffer handed to the decoder: the datagram for
/// [`decode_datagram`](super::decode_datagram) and [`messages`](super::messages). Attribute
/// names are the kernel's (`NFTA_TRACE_MARK`, `NFULA_PREFIX`, ...); an attribute type the
/// decoder has no name for is reported by its attribute space and number in `ty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes remain than a header or a declared length needs.
    #[error("truncated {what} at offset {offset}: needs {needed} bytes, {available} available")]
    Truncated {
        /// What was being read: `"nlmsghdr"`, `"netlink message"`, `"nfgenmsg"`,
        /// `"nlmsgerr"`, or an attribute name.
        what: &'static str,
        /// Where it starts.
        offset: usize,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that remain.
        available: usize,
    },

    /// An `nlmsg_len` shorter than the message header itself.
    #[error(
        "netlink message at offset {offset} declares length {len}, shorter than its 16-byte header"
    )]
    BadMessageLength {
        /// Where the message starts.
        offset: usize,
        /// The declared `nlmsg_len`.
        len: u32,
    },

    /// An `nla_len` shorter than the attribute header itself.
    #[error("attribute {name} (type {ty}) at offset {offset} declares length {len}, shorter than its 4-byte header")]
    BadAttributeHeader {
        /// Kernel name of the attribute, or its space's name for an unknown type.
        name: &'static str,
        /// The attribute type, flags masked off.
        ty: u16,
        /// Where the attribute starts.
        offset: usize,
        /// The declared `nla_len`.
        len: u16,
    },

    /// An attribute whose payload length does not fit its type (a u32 that is not 4 bytes).
    #[error("attribute {name}: expected {expected} bytes of payload, got {got}")]
    BadAttributeLength {
        /// Kernel name of the attribute.
        name: &'static str,
        /// The length its type has.
        expected: usize,
        /// The length it came with.
        got: usize,
    },

    /// A message lacks an attribute the kernel always sends.
    #[error("missing required attribute {name}")]
    MissingAttribute {
        /// Kernel name of the attribute.
        name: &'static str,
    },

    /// A string attribute whose last byte is not NUL.
    #[error("attribute {name}: string is not NUL-terminated")]
    NotNulTerminated {
        /// Kernel name of the attribute.
        name: &'static str,
    },

    /// A string attribute that must be text (a table or chain name) is not UTF-8.
    #[error("attribute {name}: invalid UTF-8")]
    InvalidUtf8 {
        /// Kernel name of the attribute.
        name: &'static str,
    },

    /// An integer attribute whose value cannot be what the kernel means by it.
    #[error("attribute {name}: value {value} out of range")]
    ValueOutOfRange {
        /// Kernel name of the attribute.
        name: &'static str,
        /// The value received.
        value: u64,
    },

    /// A message handed to a decoder for another message type.
    #[error("netlink message type {ty:#06x} is not {expected}")]
    UnexpectedMessageType {
        /// The message's `nlmsg_type`.
        ty: u16,
        /// The message the decoder reads.
        expected: &'static str,
    },
}
