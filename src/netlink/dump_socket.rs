//! A blocking netlink socket for dump requests (`NLM_F_DUMP`): send one request, hand every
//! reply message to the caller, stop at `NLMSG_DONE` or at the kernel's error.
//!
//! Used for the hook dump and the set-element dumps (`NETLINK_NETFILTER`) and the link dump
//! (`NETLINK_ROUTE`, by `crate::ruleset::interfaces`); requests are built with
//! [`super::request`]. Blocking is right for a dump: the kernel answers every request, with
//! the data or with an error, and builds the next datagram as the previous one is read. The
//! socket belongs to the network namespace of the thread that opened it, whichever thread
//! uses it later. (The nf_tables ruleset dump, `dump_nftables`, keeps its own non-blocking
//! receive loop: it checks generations and reply ports on every message.)

use std::io;

use neli::consts::socket::{Msg, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;
use nftrace_sys::netlink::{NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLM_F_DUMP_INTR};

use crate::wire::{messages, DecodeError, Message};

/// Room for a first datagram; grown when the kernel sends a bigger one.
const INITIAL_BUFFER: usize = 32 * 1024;

/// The most the buffer grows to. Netlink datagrams are far smaller (dumps fill at most
/// 32 KiB, or one message's minimum); a bigger claimed length is cut short, and the framing
/// of the truncated datagram then fails as a decode error instead of an allocation.
pub(crate) const MAX_DATAGRAM: usize = 16 << 20;

/// Why a dump failed.
#[derive(Debug)]
pub(crate) enum DumpSocketError {
    /// A system call failed: which one, and why.
    Io { op: &'static str, source: io::Error },
    /// The kernel answered the request with an error: the positive errno and the extended
    /// ack message, when it sent one.
    Refused { errno: i32, message: Option<String> },
    /// A reply could not be framed or decoded.
    Decode(DecodeError),
}

impl From<DecodeError> for DumpSocketError {
    fn from(error: DecodeError) -> Self {
        DumpSocketError::Decode(error)
    }
}

/// How a dump ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DumpEnd {
    /// Messages handed to the caller.
    pub messages: usize,
    /// The kernel flagged the dump `NLM_F_DUMP_INTR`: the data changed while it was being
    /// dumped, so what was read may be inconsistent; dump again.
    pub interrupted: bool,
}

/// A bound, blocking netlink socket for dumps, with its receive buffer.
pub(crate) struct DumpSocket {
    socket: NlSocket,
    next_seq: u32,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for DumpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DumpSocket")
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl DumpSocket {
    /// Opens and binds a socket of `family` (`Netfilter`, `Route`) in the calling thread's
    /// network namespace, with extended acks on so refusals come with the kernel's reason.
    pub(crate) fn open(family: NlFamily) -> Result<Self, DumpSocketError> {
        let socket = NlSocket::new(family).map_err(|source| DumpSocketError::Io {
            op: "opening a netlink socket",
            source,
        })?;
        socket
            .bind(None, Groups::empty())
            .map_err(|source| DumpSocketError::Io {
                op: "binding the netlink socket",
                source,
            })?;
        // Best effort: without extended acks, refusals just come without a message.
        if let Err(err) = socket.enable_ext_ack(true) {
            log::debug!("netlink extended acks unavailable: {err}");
        }
        Ok(DumpSocket {
            socket,
            next_seq: 1,
            buffer: vec![0; INITIAL_BUFFER],
        })
    }

    /// A fresh sequence number for the next request.
    pub(crate) fn next_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1).max(1);
        seq
    }

    /// Sends `request` (a complete `NLM_F_DUMP` request with sequence number `seq`) and
    /// calls `each` for every reply message until `NLMSG_DONE`. Messages of other sequence
    /// numbers (left over from an earlier, failed dump) are skipped. An error from `each`
    /// stops the dump; the rest of it is drained so the socket can be used again.
    pub(crate) fn dump(
        &mut self,
        request: &[u8],
        seq: u32,
        mut each: impl FnMut(&Message<'_>) -> Result<(), DecodeError>,
    ) -> Result<DumpEnd, DumpSocketError> {
        self.socket
            .send(request, Msg::empty())
            .map_err(|source| DumpSocketError::Io {
                op: "sending a dump request",
                source,
            })?;
        let mut end = DumpEnd {
            messages: 0,
            interrupted: false,
        };
        let mut failure: Option<DumpSocketError> = None;
        loop {
            let len = self.recv()?;
            let datagram = self.buffer.get(..len).unwrap_or_default();
            let mut finished = false;
            for msg in messages(datagram) {
                let msg = match msg {
                    Ok(msg) => msg,
                    Err(err) => {
                        // Nothing after a framing error can be trusted, including the end of
                        // the dump: report it now rather than wait for a DONE we cannot see.
                        return Err(failure.unwrap_or(DumpSocketError::Decode(err)));
                    }
                };
                if msg.header.seq != seq {
                    continue;
                }
                if msg.header.flags & NLM_F_DUMP_INTR != 0 {
                    end.interrupted = true;
                }
                match msg.header.ty {
                    NLMSG_DONE => finished = true,
                    NLMSG_ERROR => {
                        let error = msg.error()?;
                        match error.errno() {
                            // An acknowledgement (only with NLM_F_ACK): the dump is over.
                            None => finished = true,
                            Some(errno) => {
                                return Err(failure.unwrap_or(DumpSocketError::Refused {
                                    errno,
                                    message: error.ext_ack_message().map(str::to_owned),
                                }))
                            }
                        }
                    }
                    NLMSG_NOOP => {}
                    _ if failure.is_none() => {
                        end.messages += 1;
                        if let Err(err) = each(&msg) {
                            failure = Some(DumpSocketError::Decode(err));
                        }
                    }
                    _ => {}
                }
                if finished {
                    break;
                }
            }
            if finished {
                return match failure {
                    Some(err) => Err(err),
                    None => Ok(end),
                };
            }
        }
    }

    /// Receives one datagram into the buffer, growing it first if the datagram is bigger
    /// (a peek with `MSG_TRUNC` returns the datagram's real length). Retries on `EINTR`.
    fn recv(&mut self) -> Result<usize, DumpSocketError> {
        loop {
            let peeked = self
                .socket
                .recv(&mut self.buffer[..], Msg::PEEK | Msg::TRUNC);
            match peeked {
                Ok((len, _)) if len > self.buffer.len() => {
                    self.buffer.resize(len.min(MAX_DATAGRAM), 0)
                }
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(DumpSocketError::Io {
                        op: "receiving a dump reply",
                        source,
                    })
                }
            }
            match self.socket.recv(&mut self.buffer[..], Msg::empty()) {
                Ok((len, _)) => return Ok(len.min(self.buffer.len())),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(DumpSocketError::Io {
                        op: "receiving a dump reply",
                        source,
                    })
                }
            }
        }
    }
}
