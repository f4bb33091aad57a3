//! The entry point: one received datagram in, decoded events out, dispatched on the netlink
//! message type.

use nftrace_sys::netlink::{NLMSG_DONE, NLMSG_ERROR};

use super::error::DecodeError;
use super::nflog::{NflogPacket, NFLOG_PACKET_MSG_TYPE};
use super::nlmsg::{messages, Message, Messages, NlmsgError};
use super::trace::{TraceEvent, TRACE_MSG_TYPE};

/// One decoded netlink message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// An nf_tables trace event (`NFT_MSG_TRACE`, type 0x0a11).
    Trace(TraceEvent<'a>),
    /// An nfnetlink_log record (`NFULNL_MSG_PACKET`, type 0x0400).
    Nflog(NflogPacket<'a>),
    /// `NLMSG_ERROR`: an acknowledgement (error 0) or an error answering a request.
    Error(NlmsgError<'a>),
    /// `NLMSG_DONE`: the end of a multipart message; always the datagram's last event.
    Done(Message<'a>),
    /// Any other message (ruleset notifications, dump replies, ...), undecoded.
    Other(Message<'a>),
}

impl<'a> Event<'a> {
    /// Decodes one framed message by its type.
    #[inline]
    pub fn decode(message: Message<'a>) -> Result<Self, DecodeError> {
        Ok(match message.header.ty {
            TRACE_MSG_TYPE => Event::Trace(TraceEvent::parse(&message)?),
            NFLOG_PACKET_MSG_TYPE => Event::Nflog(NflogPacket::parse(&message)?),
            NLMSG_ERROR => Event::Error(message.error()?),
            NLMSG_DONE => Event::Done(message),
            _ => Event::Other(message),
        })
    }
}

/// Iterator over the events of one datagram; see [`decode_datagram`].
#[derive(Debug, Clone)]
pub struct Events<'a> {
    messages: Messages<'a>,
}

/// Decodes every netlink message of one received datagram, borrowing from it.
///
/// Each message gives one item: an [`Event`], or a [`DecodeError`] when that message's
/// content is malformed; decoding then goes on with the next message. A framing error (a cut
/// header, an `nlmsg_len` below 16 or past the datagram) gives one error item and ends the
/// iteration, as does `NLMSG_DONE` (after its [`Event::Done`]). Nothing is allocated.
pub fn decode_datagram(datagram: &[u8]) -> Events<'_> {
    Events {
        messages: messages(datagram),
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<Event<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.messages.next().map(|m| m.and_then(Event::decode))
    }
}

impl core::iter::FusedIterator for Events<'_> {}
