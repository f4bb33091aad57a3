//! Saved captures: the datagrams `nftrace events --save-raw` wrote, concatenated as received.
//!
//! A datagram ends its multipart batch with `NLMSG_DONE`, where [`decode_datagram`] stops; a
//! capture file goes on with the next datagram, so this walks the whole file.
//!
//! [`decode_datagram`]: super::decode_datagram

use super::error::DecodeError;
use super::event::Event;
use super::nlmsg::{messages, Messages};

/// Iterator over the events of a capture; see [`decode_capture`].
#[derive(Debug, Clone)]
pub struct CaptureEvents<'a> {
    capture: &'a [u8],
    /// Where the current run of messages (one datagram, or several without `NLMSG_DONE`)
    /// starts in `capture`.
    base: usize,
    messages: Messages<'a>,
    finished: bool,
}

/// Decodes every message of a capture file: like [`super::decode_datagram`], but it carries
/// on after each `NLMSG_DONE`. A framing error (the file is cut or not a capture) gives one
/// error item and ends the iteration.
pub fn decode_capture(capture: &[u8]) -> CaptureEvents<'_> {
    CaptureEvents {
        capture,
        base: 0,
        messages: messages(capture),
        finished: false,
    }
}

impl<'a> Iterator for CaptureEvents<'a> {
    type Item = Result<Event<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let Some(framed) = self.messages.next() else {
            self.finished = true;
            return None;
        };
        let message = match framed {
            Ok(message) => message,
            Err(error) => {
                self.finished = true;
                return Some(Err(error));
            }
        };
        let decoded = Event::decode(message);
        if let Ok(Event::Done(done)) = &decoded {
            // The next datagram starts after the (4-byte aligned) DONE message.
            let end = self
                .base
                .saturating_add(done.offset)
                .saturating_add(done.payload.len())
                .saturating_add(nftrace_sys::netlink::NLMSG_HDRLEN)
                .next_multiple_of(nftrace_sys::netlink::NLMSG_ALIGNTO);
            let rest = self.capture.get(end..).unwrap_or_default();
            self.base = end;
            self.messages = messages(rest);
        }
        Some(decoded)
    }
}

impl core::iter::FusedIterator for CaptureEvents<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode_datagram, fixtures};

    #[test]
    fn walks_past_each_datagrams_done() {
        // A table dump ends with NLMSG_DONE; two dumps back to back are two datagrams.
        let dump = fixtures::NFT_DUMP_TABLES;
        let one: Vec<_> = decode_datagram(dump).collect();
        let mut twice = dump.to_vec();
        twice.extend_from_slice(dump);
        let both: Vec<_> = decode_capture(&twice).collect();
        assert!(matches!(one.last(), Some(Ok(Event::Done(_)))));
        assert_eq!(both.len(), 2 * one.len());
        assert!(both.iter().all(Result::is_ok));
    }

    #[test]
    fn a_cut_capture_ends_with_one_error() {
        let capture = fixtures::NFT_TRACE_UDP4;
        let cut = &capture[..capture.len() - 3];
        let items: Vec<_> = decode_capture(cut).collect();
        assert!(matches!(items.last(), Some(Err(_))));
        assert_eq!(items.iter().filter(|i| i.is_err()).count(), 1);
    }
}
