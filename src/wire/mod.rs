//! Decoders for what the kernel's trace sources send: borrowed, typed views over received
//! netlink datagrams.
//!
//! - [`decode_datagram`] is the entry point: datagram in, [`Event`]s out.
//! - [`messages`] frames the netlink messages of a datagram; [`NfGenMsg`] and
//!   [`NlmsgError`] read the netfilter header and acknowledgements.
//! - [`Attrs`] walks attributes; [`Attr`] reads one with an exact length check.
//! - [`TraceEvent`] is an nf_tables trace event, [`NflogPacket`] an nfnetlink_log record,
//!   [`TraceStep`] the iptables-legacy `TRACE: table:chain:type:N ` prefix.
//! - [`HookMessage`] is one entry of the kernel's hook dump (nfnetlink_hook), [`LinkMessage`]
//!   an rtnetlink `RTM_NEWLINK`/`RTM_DELLINK` (interface index and name).
//!
//! The contract, after smoltcp's `wire`: decoding never panics, whatever the bytes; nothing
//! is allocated (every type here is `Copy` and borrows the datagram); every failure is a
//! [`DecodeError`] that names the attribute (by its kernel name) or the offset. Attributes are
//! read by a schema per attribute, never by the `NLA_F_*` flags, because the kernel sets
//! neither where it should (the trace verdict nest, big-endian integers); unknown attributes
//! are skipped and counted in `unknown_attributes`.

mod attr;
mod capture;
mod error;
mod event;
mod hook;
mod nflog;
mod nlmsg;
mod prefix;
mod rtnetlink;
mod ruleset;
mod trace;
mod verdict;

pub use attr::{Attr, AttrSpace, Attrs};
pub use capture::{decode_capture, CaptureEvents};
pub use error::DecodeError;
pub use event::{decode_datagram, Event, Events};
pub use hook::{HookChainDesc, HookMessage, HookOwner, HOOK_MSG_TYPE};
pub use nflog::{HwAddr, NflogPacket, NflogTimestamp, NflogVlan, NFLOG_PACKET_MSG_TYPE};
pub use nlmsg::{messages, Message, Messages, NfGenMsg, NlmsgError, NlmsgHeader};
pub use prefix::{LogPrefix, StepKind, TraceStep};
pub use rtnetlink::{
    IfInfoMsg, LinkChange, LinkMessage, IFINFOMSG_LEN, IFLA_EXT_MASK, IFLA_IFNAME, RTM_DELLINK,
    RTM_GETLINK, RTM_NEWLINK, RTNLGRP_LINK,
};
pub use ruleset::{
    nftables_msg_type, rule_comment, ChainHook, ChainInfo, DeviceNames, ExprIter, GenInfo,
    RuleExpr, RuleExprs, RuleInfo, RulesetBody, RulesetMessage, SetInfo, TableInfo,
};
pub use trace::{CtDirection, TraceEvent, TraceId, TraceType, TRACE_MSG_TYPE};
pub use verdict::Verdict;

/// Bytes captured from the kernel by `tests/fixtures/capture.sh` (see the README there).
#[cfg(test)]
pub(crate) mod fixtures {
    pub const NFT_TRACE_UDP4: &[u8] = include_bytes!("../../tests/fixtures/nft_trace_udp4.nlmsg");
    pub const NFT_DUMP_TABLES: &[u8] = include_bytes!("../../tests/fixtures/nft_dump_tables.nlmsg");
    pub const NFLOG_TRACE_UDP4: &[u8] =
        include_bytes!("../../tests/fixtures/nflog_trace_udp4.nlmsg");
    pub const NFLOG_TRACE_UDP6: &[u8] =
        include_bytes!("../../tests/fixtures/nflog_trace_udp6.nlmsg");
    pub const NFLOG_CONFIG_ACKS: &[u8] =
        include_bytes!("../../tests/fixtures/nflog_config_acks.nlmsg");

    /// The bytes of the message at `index` of a capture (messages are self-delimiting).
    pub fn message(capture: &'static [u8], index: usize) -> &'static [u8] {
        let msg = super::messages(capture).nth(index).unwrap().unwrap();
        &capture[msg.offset..msg.offset + msg.header.len as usize]
    }

    /// The bytes of the first message of a capture.
    pub fn first_message(capture: &'static [u8]) -> &'static [u8] {
        message(capture, 0)
    }

    /// Offset in `message` of its first top-level attribute of type `ty` (after the 16-byte
    /// nlmsghdr and the 4-byte nfgenmsg).
    pub fn attr_offset(message: &[u8], ty: u16) -> usize {
        let space = super::AttrSpace::new(&[], "");
        super::Attrs::new(&message[20..], 20, space)
            .map(Result::unwrap)
            .find(|a| a.ty() == ty)
            .unwrap_or_else(|| panic!("no attribute {ty}"))
            .offset()
    }

    /// Sets `nlmsg_len` of a message held in `bytes` to the length of `bytes`.
    pub fn fix_len(bytes: &mut [u8]) {
        let len = u32::try_from(bytes.len()).unwrap();
        bytes[0..4].copy_from_slice(&len.to_ne_bytes());
    }
}
