//! Dumping the nf_tables ruleset: `NFT_MSG_GETGEN`, then `GETTABLE`, `GETCHAIN`, `GETRULE`
//! and `GETSET` dumps of every family (`NFPROTO_UNSPEC`), then `GETGEN` again, on a socket of
//! its own; the replies are kept as raw bytes for the decoder.
//!
//! A dump is several requests, and each may take many datagrams; a transaction committed
//! meanwhile makes them disagree. The kernel says so in two ways, both checked: it sets
//! `NLM_F_DUMP_INTR` on a reply when the generation changed between two parts of one dump,
//! and every reply carries the generation's low 16 bits in `nfgenmsg.res_id`. A dump whose
//! replies do not all carry the generation read before and after it is retried, a bounded
//! number of times ([`DumpConfig::max_attempts`]).

use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nftrace_sys::netfilter::NFPROTO_UNSPEC;
use nftrace_sys::netlink::{NLMSG_ALIGNTO, NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP, NLM_F_DUMP_INTR};
use nftrace_sys::nf_tables::{
    NFT_MSG_GETCHAIN, NFT_MSG_GETGEN, NFT_MSG_GETRULE, NFT_MSG_GETSET, NFT_MSG_GETTABLE,
};
use nftrace_sys::nfnetlink::NFNL_SUBSYS_NFTABLES;

use super::batch::RecvBatch;
use super::error::NetlinkError;
use super::poll::poll_readable;
use super::request::NfnlRequest;
use super::socket::NfnlSocket;
use crate::wire::{messages, DecodeError, RulesetBody, RulesetMessage};

/// Which request of a ruleset dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DumpKind {
    /// `NFT_MSG_GETGEN`: the current generation (a single reply, not a dump).
    Generation,
    /// `NFT_MSG_GETTABLE` dump.
    Tables,
    /// `NFT_MSG_GETCHAIN` dump.
    Chains,
    /// `NFT_MSG_GETRULE` dump.
    Rules,
    /// `NFT_MSG_GETSET` dump.
    Sets,
}

impl DumpKind {
    /// The nf_tables message (`NFT_MSG_GET*`).
    pub fn msg(self) -> u16 {
        match self {
            DumpKind::Generation => NFT_MSG_GETGEN,
            DumpKind::Tables => NFT_MSG_GETTABLE,
            DumpKind::Chains => NFT_MSG_GETCHAIN,
            DumpKind::Rules => NFT_MSG_GETRULE,
            DumpKind::Sets => NFT_MSG_GETSET,
        }
    }

    /// The kernel's name of the request.
    pub fn name(self) -> &'static str {
        match self {
            DumpKind::Generation => "NFT_MSG_GETGEN",
            DumpKind::Tables => "NFT_MSG_GETTABLE",
            DumpKind::Chains => "NFT_MSG_GETCHAIN",
            DumpKind::Rules => "NFT_MSG_GETRULE",
            DumpKind::Sets => "NFT_MSG_GETSET",
        }
    }
}

impl fmt::Display for DumpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DumpKind::Generation => f.write_str("reading the ruleset generation (NFT_MSG_GETGEN)"),
            other => write!(f, "dumping the ruleset ({} dump)", other.name()),
        }
    }
}

/// Why a ruleset dump failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// Opening the socket, or waiting on it / receiving from it, failed.
    #[error(transparent)]
    Socket(#[from] NetlinkError),
    /// `send` of a request failed.
    #[error("{kind}: sending the request: {source}")]
    Send {
        /// The request.
        kind: DumpKind,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The kernel answered the request with an error (`NLMSG_ERROR`, or an error in
    /// `NLMSG_DONE`).
    #[error("{kind}: the kernel refused it: {}{}", io::Error::from_raw_os_error(*errno),
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Refused {
        /// The request.
        kind: DumpKind,
        /// The positive errno.
        errno: i32,
        /// The kernel's extended-ack message, if it sent one.
        message: Option<String>,
    },
    /// Nothing came for too long.
    #[error("{kind}: no reply from the kernel within {timeout:?}")]
    Timeout {
        /// The request.
        kind: DumpKind,
        /// How long we waited since the last reply.
        timeout: Duration,
    },
    /// A reply did not fit a receive slot and was dropped by the kernel's truncation.
    #[error("{kind}: a reply datagram was larger than the {slot_len}-byte receive buffer")]
    Truncated {
        /// The request.
        kind: DumpKind,
        /// The receive slot size.
        slot_len: usize,
    },
    /// A reply could not be framed or decoded.
    #[error("{kind}: malformed reply: {source}")]
    Decode {
        /// The request.
        kind: DumpKind,
        /// What was wrong.
        #[source]
        source: DecodeError,
    },
    /// The answer to `NFT_MSG_GETGEN` held no `NFT_MSG_NEWGEN`.
    #[error("{kind}: the kernel's answer holds no NFT_MSG_NEWGEN")]
    NoGeneration {
        /// The request.
        kind: DumpKind,
    },
    /// The ruleset kept changing: every attempt saw more than one generation.
    #[error(
        "the nf_tables ruleset changed during each of {attempts} dump attempts (last: \
         generation {before} before, {after} after); retry when it is quiet"
    )]
    Interrupted {
        /// Attempts made.
        attempts: u32,
        /// The generation read before the last attempt.
        before: u32,
        /// The generation read after it.
        after: u32,
    },
}

impl DumpError {
    /// True when the cause is missing privileges (root / `CAP_NET_ADMIN`).
    pub fn is_permission_denied(&self) -> bool {
        match self {
            DumpError::Socket(e) => e.is_permission_denied(),
            DumpError::Refused { errno, .. } => *errno == libc::EPERM || *errno == libc::EACCES,
            _ => false,
        }
    }
}

/// Options of [`dump_nftables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DumpConfig {
    /// How many times to dump when the ruleset changes meanwhile (at least 1).
    pub max_attempts: u32,
    /// How long to wait for the next reply before giving up.
    pub reply_timeout: Duration,
    /// Receive buffer of the dump socket. The kernel produces the next part of a dump only
    /// when the previous one was read, so this needs no more than a few parts.
    pub rcvbuf_bytes: usize,
}

impl Default for DumpConfig {
    fn default() -> Self {
        DumpConfig {
            max_attempts: 8,
            reply_timeout: Duration::from_secs(5),
            rcvbuf_bytes: 1 << 20,
        }
    }
}

/// The raw replies of one consistent dump: each field holds the reply messages of one
/// request back to back (every message 4-byte aligned, as in a datagram), without
/// `NLMSG_DONE`; walk them with [`messages`](crate::wire::messages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NftDumpReplies {
    /// The generation (`NFTA_GEN_ID`) read before and after the dump; every reply carries
    /// its low 16 bits.
    pub generation: u32,
    /// How many attempts it took (1 when nothing changed meanwhile).
    pub attempts: u32,
    /// `NFT_MSG_NEWTABLE` messages.
    pub tables: Vec<u8>,
    /// `NFT_MSG_NEWCHAIN` messages.
    pub chains: Vec<u8>,
    /// `NFT_MSG_NEWRULE` messages.
    pub rules: Vec<u8>,
    /// `NFT_MSG_NEWSET` messages.
    pub sets: Vec<u8>,
}

/// Receive slots: a dump part is at most 32 KiB (the kernel caps its dump skbs there), so
/// one 64 KiB slot holds any of them.
const SLOTS: usize = 8;
const SLOT_LEN: usize = 64 * 1024;

/// Dumps the nf_tables ruleset of the calling thread's network namespace, retrying while
/// it changes. Needs `CAP_NET_ADMIN`.
pub fn dump_nftables(config: &DumpConfig) -> Result<NftDumpReplies, DumpError> {
    let mut session = DumpSession::open(config)?;
    let attempts = config.max_attempts.max(1);
    let mut last = (0, 0);
    for attempt in 1..=attempts {
        match session.attempt()? {
            Attempt::Consistent(mut replies) => {
                replies.attempts = attempt;
                return Ok(replies);
            }
            Attempt::Changed { before, after } => {
                log::debug!(
                    "ruleset dump attempt {attempt} raced a change (generation {before} -> \
                     {after}); dumping again"
                );
                last = (before, after);
            }
        }
    }
    Err(DumpError::Interrupted {
        attempts,
        before: last.0,
        after: last.1,
    })
}

enum Attempt {
    Consistent(NftDumpReplies),
    Changed { before: u32, after: u32 },
}

/// What one request's replies said about consistency.
struct Collected {
    /// `NLM_F_DUMP_INTR` on some reply, or a reply whose `res_id` is not the expected one.
    inconsistent: bool,
}

struct DumpSession {
    socket: NfnlSocket,
    port_id: Option<u32>,
    batch: RecvBatch,
    timeout: Duration,
}

impl DumpSession {
    fn open(config: &DumpConfig) -> Result<Self, DumpError> {
        let socket = NfnlSocket::open(config.rcvbuf_bytes)?;
        let port_id = socket.port_id();
        Ok(DumpSession {
            socket,
            port_id,
            batch: RecvBatch::new(SLOTS, SLOT_LEN),
            timeout: config.reply_timeout,
        })
    }

    fn attempt(&mut self) -> Result<Attempt, DumpError> {
        let before = self.generation()?;
        let expected = Some(generation_res_id(before));
        let mut replies = NftDumpReplies {
            generation: before,
            ..NftDumpReplies::default()
        };
        let mut inconsistent = false;
        for (kind, out) in [
            (DumpKind::Tables, &mut replies.tables),
            (DumpKind::Chains, &mut replies.chains),
            (DumpKind::Rules, &mut replies.rules),
            (DumpKind::Sets, &mut replies.sets),
        ] {
            let collected = self.collect(kind, NLM_F_DUMP, expected, out)?;
            inconsistent |= collected.inconsistent;
        }
        let after = self.generation()?;
        if inconsistent || after != before {
            return Ok(Attempt::Changed { before, after });
        }
        Ok(Attempt::Consistent(replies))
    }

    /// `NFT_MSG_GETGEN`: the current generation.
    fn generation(&mut self) -> Result<u32, DumpError> {
        let kind = DumpKind::Generation;
        let mut reply = Vec::new();
        self.collect(kind, 0, None, &mut reply)?;
        for message in messages(&reply) {
            let message = message.map_err(|source| DumpError::Decode { kind, source })?;
            if let Some(RulesetMessage {
                body: RulesetBody::NewGen(gen),
                ..
            }) = RulesetMessage::parse(&message)
                .map_err(|source| DumpError::Decode { kind, source })?
            {
                return Ok(gen.id);
            }
        }
        Err(DumpError::NoGeneration { kind })
    }

    /// Sends request `kind` with `flags` (`NLM_F_DUMP` or 0) and appends every reply message
    /// to `out`, up to `NLMSG_DONE` (a dump) or the first reply (a plain request).
    fn collect(
        &mut self,
        kind: DumpKind,
        flags: u16,
        expected_res_id: Option<u16>,
        out: &mut Vec<u8>,
    ) -> Result<Collected, DumpError> {
        let seq = self.socket.next_seq();
        let request = NfnlRequest::new(
            (NFNL_SUBSYS_NFTABLES << 8) | kind.msg(),
            flags,
            seq,
            NFPROTO_UNSPEC,
            0,
        )
        .finish();
        self.socket
            .send(&request)
            .map_err(|source| DumpError::Send { kind, source })?;
        let is_dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut collected = Collected {
            inconsistent: false,
        };
        let mut deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(DumpError::Timeout {
                    kind,
                    timeout: self.timeout,
                });
            }
            let [ready] = poll_readable([self.socket.as_fd()], Some(left))?;
            if !ready {
                continue;
            }
            let before = self.socket.stats();
            self.socket.recv(&mut self.batch)?;
            let after = self.socket.stats();
            if after.truncated != before.truncated {
                return Err(DumpError::Truncated {
                    kind,
                    slot_len: self.batch.slot_len(),
                });
            }
            if after.overruns != before.overruns {
                // Our own replies never overrun (the kernel waits for room), but be safe:
                // lost replies make this dump incomplete.
                collected.inconsistent = true;
            }
            if !self.batch.is_empty() {
                deadline = Instant::now() + self.timeout;
            }
            for datagram in self.batch.iter() {
                let finished = absorb(
                    datagram,
                    kind,
                    seq,
                    self.port_id,
                    is_dump,
                    expected_res_id,
                    out,
                    &mut collected,
                )?;
                if finished {
                    return Ok(collected);
                }
            }
        }
    }
}

/// The `res_id` the replies of generation `generation` carry: its low 16 bits.
fn generation_res_id(generation: u32) -> u16 {
    (generation & 0xffff) as u16
}

/// Takes the messages of one datagram that answer request `seq`; returns true once the
/// answer is complete.
#[allow(clippy::too_many_arguments)]
fn absorb(
    datagram: &[u8],
    kind: DumpKind,
    seq: u32,
    port_id: Option<u32>,
    is_dump: bool,
    expected_res_id: Option<u16>,
    out: &mut Vec<u8>,
    collected: &mut Collected,
) -> Result<bool, DumpError> {
    for message in messages(datagram) {
        let message = message.map_err(|source| DumpError::Decode { kind, source })?;
        let header = message.header;
        let ours = header.seq == seq && port_id.is_none_or(|port| header.pid == port);
        if !ours {
            log::debug!(
                "{kind}: skipped a reply to another request (seq {}, port {})",
                header.seq,
                header.pid
            );
            continue;
        }
        if header.flags & NLM_F_DUMP_INTR != 0 {
            collected.inconsistent = true;
        }
        match header.ty {
            NLMSG_ERROR => {
                let error = message
                    .error()
                    .map_err(|source| DumpError::Decode { kind, source })?;
                return match error.errno() {
                    None => Ok(true),
                    Some(errno) => Err(DumpError::Refused {
                        kind,
                        errno,
                        message: error.ext_ack_message().map(str::to_owned),
                    }),
                };
            }
            NLMSG_DONE => {
                // The payload of DONE is the dump's final status (an int, 0 on success).
                let status = message
                    .payload
                    .first_chunk::<4>()
                    .map(|b| i32::from_ne_bytes(*b))
                    .unwrap_or(0);
                if status < 0 {
                    return Err(DumpError::Refused {
                        kind,
                        errno: status.saturating_neg(),
                        message: None,
                    });
                }
                return Ok(true);
            }
            _ => {
                let (nfgen, _) = message
                    .nfgenmsg()
                    .map_err(|source| DumpError::Decode { kind, source })?;
                if expected_res_id.is_some_and(|id| id != nfgen.res_id) {
                    collected.inconsistent = true;
                }
                let len = usize::try_from(header.len).unwrap_or(usize::MAX);
                let bytes = datagram
                    .get(message.offset..message.offset.saturating_add(len))
                    .ok_or(DumpError::Decode {
                        kind,
                        source: DecodeError::Truncated {
                            what: "netlink message",
                            offset: message.offset,
                            needed: len,
                            available: datagram.len().saturating_sub(message.offset),
                        },
                    })?;
                out.extend_from_slice(bytes);
                let padded = out.len().next_multiple_of(NLMSG_ALIGNTO);
                out.resize(padded, 0);
                if !is_dump {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_res_id_is_the_low_16_bits() {
        assert_eq!(generation_res_id(0x0001_0002), 2);
        assert_eq!(generation_res_id(0xffff), 0xffff);
    }

    #[test]
    fn kinds_name_their_requests() {
        assert_eq!(DumpKind::Rules.msg(), NFT_MSG_GETRULE);
        assert!(DumpKind::Rules.to_string().contains("NFT_MSG_GETRULE"));
        assert!(DumpKind::Generation.to_string().contains("NFT_MSG_GETGEN"));
    }
}
