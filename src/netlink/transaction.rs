//! nf_tables transactions: messages built with [`AttrBuf`], framed by
//! `NFNL_MSG_BATCH_BEGIN`/`NFNL_MSG_BATCH_END` and sent in one `sendmsg`, then every
//! message's answer read back.
//!
//! The kernel applies a batch as a whole: it checks and stages every message, and commits only
//! if all of them succeeded and the batch ended properly; otherwise it aborts and nothing
//! changes. Each message carries `NLM_F_ACK`, so each gets an answer even when the batch is
//! aborted (an acknowledgement or its own error): the first error names the message that
//! failed ("adding rule 3 of chain pre"), the others are consequences. Failures of the batch
//! as a whole (no `CAP_NET_ADMIN`, no nf_tables subsystem, a failed commit) are answered
//! under the sequence number of `BATCH_BEGIN`.
//!
//! nfnetlink processes the batch inside our `sendmsg` call, so every answer is queued on the
//! socket when it returns; the receive loop only waits (with a guard timeout) in case a
//! kernel behaves otherwise.

use std::fmt;
use std::io;
use std::time::Duration;

use neli::consts::socket::{Msg, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;
use nftrace_sys::netfilter::NFPROTO_UNSPEC;
use nftrace_sys::netlink::{
    NETLINK_CAP_ACK, NLA_F_NESTED, NLA_HDRLEN, NLMSG_ERROR, NLM_F_ACK, SOL_NETLINK,
};
use nftrace_sys::nfnetlink::{NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES};

use super::poll::poll_readable;
use super::request::{finish_request, NfnlRequest};
use super::sys_io;
use crate::wire::{messages, DecodeError};

/// How long to wait for answers that have not arrived yet. The kernel queues them during
/// `sendmsg`; this only keeps a misbehaving kernel from hanging the caller.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// Receive buffer for the answers: each is one small datagram (acknowledgements and, with
/// `NETLINK_CAP_ACK`, errors come without the request echoed).
const RECV_BUFFER: usize = 64 * 1024;

/// The errno names the messages print (`EPERM`), for the errnos nf_tables answers with.
const ERRNO_NAMES: &[(i32, &str)] = &[
    (libc::EPERM, "EPERM"),
    (libc::ENOENT, "ENOENT"),
    (libc::EINTR, "EINTR"),
    (libc::E2BIG, "E2BIG"),
    (libc::EAGAIN, "EAGAIN"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EACCES, "EACCES"),
    (libc::EFAULT, "EFAULT"),
    (libc::EBUSY, "EBUSY"),
    (libc::EEXIST, "EEXIST"),
    (libc::ENODEV, "ENODEV"),
    (libc::ENOTDIR, "ENOTDIR"),
    (libc::EFBIG, "EFBIG"),
    (libc::EINVAL, "EINVAL"),
    (libc::ENFILE, "ENFILE"),
    (libc::ENOSPC, "ENOSPC"),
    (libc::ERANGE, "ERANGE"),
    (libc::ENAMETOOLONG, "ENAMETOOLONG"),
    (libc::ELOOP, "ELOOP"),
    (libc::EOVERFLOW, "EOVERFLOW"),
    (libc::ERESTART, "ERESTART"),
    (libc::EMSGSIZE, "EMSGSIZE"),
    (libc::EPROTONOSUPPORT, "EPROTONOSUPPORT"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
    (libc::EAFNOSUPPORT, "EAFNOSUPPORT"),
    (libc::ENOBUFS, "ENOBUFS"),
];

/// An errno as the messages print it: `Operation not permitted (EPERM)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // std formats OS errors as "<strerror> (os error N)": keep the description only.
        let text = io::Error::from_raw_os_error(self.0).to_string();
        let description = text
            .rsplit_once(" (os error ")
            .map_or(text.as_str(), |(description, _)| description);
        match ERRNO_NAMES.iter().find(|(errno, _)| *errno == self.0) {
            Some((_, name)) => write!(f, "{description} ({name})"),
            None => write!(f, "{description} (errno {})", self.0),
        }
    }
}

/// An error of an nf_tables request or transaction. Every variant says what was being done:
/// the failing message ("adding rule 3 of chain pre") or the transaction as a whole
/// ("installing table inet nftrace_42").
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NftError {
    /// `EPERM`/`EACCES`: the process lacks `CAP_NET_ADMIN` in this network namespace.
    #[error(
        "{what}: {errno} (needs root or CAP_NET_ADMIN in this network namespace)",
        errno = Errno(*errno)
    )]
    PermissionDenied {
        /// What was being done.
        what: String,
        /// `EPERM` or `EACCES`.
        errno: i32,
    },
    /// The kernel has no nf_tables (the subsystem is not built, or its module cannot be
    /// loaded): the batch was refused as a whole.
    #[error("{what}: this kernel has no nf_tables ({errno})", errno = Errno(*errno))]
    FeatureMissing {
        /// What was being done.
        what: String,
        /// `EOPNOTSUPP`, `EPROTONOSUPPORT` or `ENOENT`.
        errno: i32,
    },
    /// The kernel refused a message (or the batch) with this errno; the batch was aborted.
    #[error("{what}: {errno}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(), errno = Errno(*errno))]
    Refused {
        /// What was being done.
        what: String,
        /// The positive errno.
        errno: i32,
        /// The kernel's extended-ack message, when it sent one.
        message: Option<String>,
    },
    /// A system call on the netlink socket failed.
    #[error("{what}: {op}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The system call's purpose.
        op: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// Some messages got no answer. With lost answers (a receive-buffer overrun) the
    /// outcome of the transaction is unknown.
    #[error("{what}: the kernel did not answer {missing} of {total} messages within {timeout:?}")]
    NoAnswer {
        /// What was being done.
        what: String,
        /// Messages without an answer.
        missing: usize,
        /// Messages sent.
        total: usize,
        /// How long we waited.
        timeout: Duration,
    },
    /// A reply could not be decoded.
    #[error("{what}: malformed reply: {source}")]
    Reply {
        /// What was being done.
        what: String,
        /// The decoder's error.
        #[source]
        source: DecodeError,
    },
    /// A message does not fit netlink's 16-bit attribute lengths.
    #[error("{what}: an attribute is longer than netlink allows")]
    TooLarge {
        /// The message.
        what: String,
    },
}

impl NftError {
    /// Builds the error for `what` refused by the kernel with `errno` (positive), with the
    /// kernel's extended-ack `message`. `whole_batch`: the answer came under the sequence
    /// number of `BATCH_BEGIN`, so it concerns the subsystem, not one message (only then do
    /// `ENOENT`/`EOPNOTSUPP`/`EPROTONOSUPPORT` mean that nf_tables is missing).
    pub(crate) fn refused(
        what: String,
        errno: i32,
        message: Option<String>,
        whole_batch: bool,
    ) -> Self {
        match errno {
            libc::EPERM | libc::EACCES => NftError::PermissionDenied { what, errno },
            libc::EOPNOTSUPP | libc::EPROTONOSUPPORT | libc::ENOENT if whole_batch => {
                NftError::FeatureMissing { what, errno }
            }
            _ => NftError::Refused {
                what,
                errno,
                message,
            },
        }
    }

    /// Builds the error for a failed `socket(AF_NETLINK, ..., NETLINK_NETFILTER)`: a kernel
    /// without nfnetlink refuses the protocol.
    pub(crate) fn opening(what: String, source: io::Error) -> Self {
        match source.raw_os_error() {
            Some(errno @ (libc::EPROTONOSUPPORT | libc::EAFNOSUPPORT)) => {
                NftError::FeatureMissing { what, errno }
            }
            _ => NftError::Io {
                what,
                op: "opening a NETLINK_NETFILTER socket",
                source,
            },
        }
    }

    /// The errno behind the error, if there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NftError::PermissionDenied { errno, .. }
            | NftError::FeatureMissing { errno, .. }
            | NftError::Refused { errno, .. } => Some(*errno),
            NftError::Io { source, .. } => source.raw_os_error(),
            NftError::NoAnswer { .. } | NftError::Reply { .. } | NftError::TooLarge { .. } => None,
        }
    }

    /// True when the cause is missing privileges (root / `CAP_NET_ADMIN`).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, NftError::PermissionDenied { .. })
    }

    /// True when the running kernel lacks nf_tables.
    pub fn is_feature_missing(&self) -> bool {
        matches!(self, NftError::FeatureMissing { .. })
    }

    /// A one-line remedy for the common causes, for the CLI to print under the error.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            NftError::PermissionDenied { .. } => {
                Some("run nftrace as root, or give it CAP_NET_ADMIN (e.g. `sudo nftrace ...`)")
            }
            NftError::FeatureMissing { .. } => Some(
                "this kernel lacks nf_tables: load the module (`modprobe nf_tables`), use a \
                 kernel with it, or use the iptables-legacy trigger",
            ),
            // nf_tables answers EFBIG only for a rule whose expressions take more than the
            // 4 KiB the kernel allows per rule.
            NftError::Refused { errno, .. } if *errno == libc::EFBIG => Some(
                "the rule is larger than the kernel accepts (4 KiB of expressions per rule): \
                 use a simpler filter",
            ),
            _ => None,
        }
    }
}

/// Attributes under construction: `nlattr` headers in host order, payloads padded to 4
/// bytes, nests with `NLA_F_NESTED` (as libmnl writes them for nft). A length that does not
/// fit 16 bits is remembered and reported when the message is added to a transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AttrBuf {
    bytes: Vec<u8>,
    overflow: bool,
}

impl AttrBuf {
    /// An empty attribute list.
    pub(crate) fn new() -> Self {
        AttrBuf::default()
    }

    /// Appends attribute `ty` with `payload`, then the padding.
    pub(crate) fn put(&mut self, ty: u16, payload: &[u8]) -> &mut Self {
        let len = match u16::try_from(NLA_HDRLEN + payload.len()) {
            Ok(len) => len,
            Err(_) => {
                self.overflow = true;
                u16::MAX
            }
        };
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&ty.to_ne_bytes());
        self.bytes.extend_from_slice(payload);
        self.pad();
        self
    }

    /// A big-endian 32-bit attribute (nf_tables sends and expects network byte order).
    pub(crate) fn put_be32(&mut self, ty: u16, value: u32) -> &mut Self {
        self.put(ty, &value.to_be_bytes())
    }

    /// A big-endian 64-bit attribute.
    pub(crate) fn put_be64(&mut self, ty: u16, value: u64) -> &mut Self {
        self.put(ty, &value.to_be_bytes())
    }

    /// A string attribute: the bytes and a terminating NUL.
    pub(crate) fn put_str(&mut self, ty: u16, value: &str) -> &mut Self {
        let mut payload = Vec::with_capacity(value.len() + 1);
        payload.extend_from_slice(value.as_bytes());
        payload.push(0);
        self.put(ty, &payload)
    }

    /// A nest: `NLA_F_NESTED | ty`, holding what `fill` appends.
    pub(crate) fn nest(&mut self, ty: u16, fill: impl FnOnce(&mut AttrBuf)) -> &mut Self {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&0u16.to_ne_bytes());
        self.bytes
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        fill(self);
        let len = match u16::try_from(self.bytes.len() - start) {
            Ok(len) => len,
            Err(_) => {
                self.overflow = true;
                u16::MAX
            }
        };
        if let Some(field) = self.bytes.get_mut(start..start + 2) {
            field.copy_from_slice(&len.to_ne_bytes());
        }
        self
    }

    /// Appends attributes encoded elsewhere (the contents of a nest built separately).
    pub(crate) fn append(&mut self, other: &AttrBuf) -> &mut Self {
        self.bytes.extend_from_slice(&other.bytes);
        self.overflow |= other.overflow;
        self
    }

    /// The encoded attributes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn pad(&mut self) {
        let padded = self.bytes.len().next_multiple_of(4);
        self.bytes.resize(padded, 0);
    }
}

/// One nf_tables message of a transaction: its type (`NFT_MSG_*`), flags besides
/// `NLM_F_REQUEST | NLM_F_ACK`, family, attributes, and what it does in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NftMessage {
    /// What it does, for errors: "adding rule 3 of chain pre".
    pub what: String,
    /// `NFT_MSG_*`.
    pub msg: u16,
    /// `NLM_F_CREATE`, `NLM_F_EXCL`, `NLM_F_APPEND`, ...
    pub flags: u16,
    /// `NFPROTO_*` of the table.
    pub family: u8,
    /// The attributes.
    pub attrs: AttrBuf,
}

impl NftMessage {
    /// The message with sequence number `seq`.
    fn encode(&self, seq: u32) -> Vec<u8> {
        let msg_type = (NFNL_SUBSYS_NFTABLES << 8) | (self.msg & 0xff);
        let request = NfnlRequest::new(msg_type, NLM_F_ACK | self.flags, seq, self.family, 0);
        // `NfnlRequest` takes fixed-size attributes only: append ours to its header bytes.
        let mut bytes = request.finish();
        bytes.extend_from_slice(self.attrs.as_bytes());
        finish_request(bytes)
    }
}

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Pending,
    Ack,
    Error { errno: i32, message: Option<String> },
}

/// An nf_tables transaction: messages applied together or not at all.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    what: String,
    messages: Vec<NftMessage>,
}

impl Transaction {
    /// An empty transaction; `what` says what it does as a whole, for errors that concern
    /// the whole batch ("installing table inet nftrace_42").
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Transaction {
            what: what.into(),
            messages: Vec::new(),
        }
    }

    /// Adds a message.
    pub(crate) fn push(&mut self, message: NftMessage) {
        self.messages.push(message);
    }

    /// The messages, in order.
    #[cfg(test)]
    pub(crate) fn messages(&self) -> &[NftMessage] {
        &self.messages
    }

    /// The whole batch as sent: `BATCH_BEGIN` with sequence number `first_seq`, the messages
    /// with the following numbers, then `BATCH_END`.
    pub(crate) fn encode(&self, first_seq: u32) -> Result<Vec<u8>, NftError> {
        if let Some(message) = self.messages.iter().find(|m| m.attrs.overflow) {
            return Err(NftError::TooLarge {
                what: message.what.clone(),
            });
        }
        let res_id = NFNL_SUBSYS_NFTABLES;
        let mut batch =
            NfnlRequest::new(NFNL_MSG_BATCH_BEGIN, 0, first_seq, NFPROTO_UNSPEC, res_id).finish();
        let mut seq = first_seq;
        for message in &self.messages {
            seq = seq.wrapping_add(1);
            batch.extend_from_slice(&message.encode(seq));
        }
        seq = seq.wrapping_add(1);
        let end = NfnlRequest::new(NFNL_MSG_BATCH_END, 0, seq, NFPROTO_UNSPEC, res_id).finish();
        batch.extend_from_slice(&end);
        Ok(batch)
    }

    /// Sends the transaction in the calling thread's network namespace and waits for every
    /// answer. `Ok` means the kernel committed all of it; on error it committed nothing.
    pub(crate) fn commit(&self) -> Result<(), NftError> {
        if self.messages.is_empty() {
            return Ok(());
        }
        let io_error = |op: &'static str| {
            let what = self.what.clone();
            move |source| NftError::Io { what, op, source }
        };
        let socket = NlSocket::new(NlFamily::Netfilter)
            .map_err(|source| NftError::opening(self.what.clone(), source))?;
        socket
            .bind(None, Groups::empty())
            .map_err(io_error("binding the netlink socket"))?;
        // Best effort: extended acks add the kernel's reason to errors; capped acks keep
        // errors from echoing whole rules, so many answers fit the receive buffer.
        if let Err(err) = socket.enable_ext_ack(true) {
            log::debug!("netlink extended acks unavailable: {err}");
        }
        let fd = sys_io::borrow_fd(&socket);
        if let Err(err) = sys_io::set_int_option(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1) {
            log::debug!("NETLINK_CAP_ACK unavailable: {err}");
        }

        let first_seq = 1;
        let batch = self.encode(first_seq)?;
        let sent = socket
            .send(&batch[..], Msg::empty())
            .map_err(io_error("sending the nf_tables batch"))?;
        if sent != batch.len() {
            return Err(NftError::Io {
                what: self.what.clone(),
                op: "sending the nf_tables batch",
                source: io::Error::new(io::ErrorKind::WriteZero, "short send"),
            });
        }

        let mut answers = Answers::new(first_seq, self.messages.len());
        let mut buffer = vec![0u8; RECV_BUFFER];
        loop {
            let pending = answers.pending();
            if pending == 0 {
                break;
            }
            // After a refusal of the whole batch the kernel sends nothing more, or only
            // what is already queued: take that, without waiting.
            let timeout = if answers.batch.is_some() {
                Duration::ZERO
            } else {
                ANSWER_TIMEOUT
            };
            let [readable] =
                poll_readable([sys_io::borrow_fd(&socket)], Some(timeout)).map_err(|err| {
                    NftError::Io {
                        what: self.what.clone(),
                        op: "waiting for the kernel's answers",
                        source: io::Error::other(err),
                    }
                })?;
            if !readable {
                if answers.batch.is_some() {
                    break;
                }
                return Err(NftError::NoAnswer {
                    what: self.what.clone(),
                    missing: pending,
                    total: self.messages.len(),
                    timeout,
                });
            }
            let (len, _) = match socket.recv(&mut buffer[..], Msg::DONTWAIT) {
                Ok(received) => received,
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                    ) =>
                {
                    continue
                }
                Err(source) => {
                    let op = if source.raw_os_error() == Some(libc::ENOBUFS) {
                        "receiving the kernel's answers (some were lost: whether the \
                         transaction was applied is unknown)"
                    } else {
                        "receiving the kernel's answers"
                    };
                    return Err(NftError::Io {
                        what: self.what.clone(),
                        op,
                        source,
                    });
                }
            };
            answers
                .take(buffer.get(..len).unwrap_or_default())
                .map_err(|source| NftError::Reply {
                    what: self.what.clone(),
                    source,
                })?;
        }
        answers.outcome(self)
    }
}

/// The answers to a batch received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answers {
    /// The sequence number of `BATCH_BEGIN`; the messages follow it.
    first_seq: u32,
    /// One per message, in order.
    messages: Vec<Answer>,
    /// A refusal of the batch as a whole (answered under `first_seq`): the positive errno and
    /// the extended-ack message.
    batch: Option<(i32, Option<String>)>,
}

impl Answers {
    fn new(first_seq: u32, messages: usize) -> Self {
        Answers {
            first_seq,
            messages: vec![Answer::Pending; messages],
            batch: None,
        }
    }

    /// Messages without an answer yet.
    fn pending(&self) -> usize {
        self.messages
            .iter()
            .filter(|a| **a == Answer::Pending)
            .count()
    }

    /// Records the answers in one received datagram. Answers to sequence numbers that are
    /// not ours, and messages other than `NLMSG_ERROR`, are skipped.
    fn take(&mut self, datagram: &[u8]) -> Result<(), DecodeError> {
        for message in messages(datagram) {
            let message = message?;
            if message.header.ty != NLMSG_ERROR {
                continue;
            }
            let error = message.error()?;
            let seq = error.request.seq;
            let answer = match error.errno() {
                None => Answer::Ack,
                Some(errno) => Answer::Error {
                    errno,
                    message: error.ext_ack_message().map(str::to_owned),
                },
            };
            if seq == self.first_seq {
                if let Answer::Error { errno, message } = answer {
                    self.batch.get_or_insert((errno, message));
                }
                continue;
            }
            let index = seq.wrapping_sub(self.first_seq).wrapping_sub(1);
            let slot = usize::try_from(index)
                .ok()
                .and_then(|index| self.messages.get_mut(index));
            if let Some(slot) = slot {
                *slot = answer;
            }
        }
        Ok(())
    }

    /// The transaction's outcome: the first message that failed is the cause (later errors
    /// follow from it), then a refusal of the whole batch.
    fn outcome(&self, transaction: &Transaction) -> Result<(), NftError> {
        for (message, answer) in transaction.messages.iter().zip(&self.messages) {
            if let Answer::Error {
                errno,
                message: ext,
            } = answer
            {
                return Err(NftError::refused(
                    message.what.clone(),
                    *errno,
                    ext.clone(),
                    false,
                ));
            }
        }
        if let Some((errno, message)) = &self.batch {
            return Err(NftError::refused(
                transaction.what.clone(),
                *errno,
                message.clone(),
                true,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nftrace_sys::netfilter::NFPROTO_INET;
    use nftrace_sys::netlink::{NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};
    use nftrace_sys::nf_tables::{NFTA_TABLE_FLAGS, NFTA_TABLE_NAME, NFT_MSG_NEWTABLE};

    /// Decodes a hex string from a captured fixture.
    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    // Captured on Linux 6.18.44 inside a fresh `ip netns`: a Python AF_NETLINK /
    // NETLINK_NETFILTER socket with NETLINK_CAP_ACK and NETLINK_EXT_ACK set sent the batch
    // BEGIN (seq 1), NEWTABLE inet "t" CREATE|EXCL|ACK (seq 2), NEWCHAIN inet t "c"
    // CREATE|ACK (seq 3), END (seq 4), and printed every answer datagram
    // (`socket.recv(65536).hex()`).
    //
    // First run: both messages acknowledged (NLM_F_CAPPED, error 0).
    const ACKS: [&str; 2] = [
        "240000000200000102000000de7300000000000024000000000a05060200000000000000",
        "240000000200000103000000de7300000000000024000000030a05040300000000000000",
    ];
    // Second run: the table exists. Seq 2 fails with EEXIST (-17) and an extended ack
    // pointing at NFTA_TABLE_NAME (NLMSGERR_ATTR_OFFS 20); seq 3 is still acknowledged, and
    // the batch is aborted.
    const EEXIST: [&str; 2] = [
        "2c000000020000030200000053740000efffffff24000000000a050602000000000000000800020014000000",
        "240000000200000103000000537400000000000024000000030a05040300000000000000",
    ];
    // The same batch as user nobody (`setpriv --reuid=65534`): one EPERM (-1) under the
    // sequence number of BATCH_BEGIN, for the whole batch.
    const EPERM: &str = "24000000020000010100000029750000ffffffff14000000100001000100000000000000";

    fn two_messages() -> Transaction {
        let mut tx = Transaction::new("installing table inet t");
        for what in ["adding table inet t", "adding chain c"] {
            tx.push(NftMessage {
                what: what.into(),
                msg: NFT_MSG_NEWTABLE,
                flags: 0,
                family: NFPROTO_INET,
                attrs: AttrBuf::new(),
            });
        }
        tx
    }

    fn answers_to(datagrams: &[&str]) -> Answers {
        let mut answers = Answers::new(1, 2);
        for datagram in datagrams {
            answers.take(&hex(datagram)).unwrap();
        }
        answers
    }

    #[test]
    fn captured_acknowledgements_complete_the_transaction() {
        let answers = answers_to(&ACKS[..1]);
        assert_eq!(answers.pending(), 1);
        let answers = answers_to(&ACKS);
        assert_eq!(answers.pending(), 0);
        assert!(answers.outcome(&two_messages()).is_ok());
    }

    #[test]
    fn captured_refusal_names_the_failing_message() {
        let answers = answers_to(&EEXIST);
        assert_eq!(answers.pending(), 0);
        let err = answers.outcome(&two_messages()).unwrap_err();
        assert_eq!(err.errno(), Some(libc::EEXIST));
        assert_eq!(err.to_string(), "adding table inet t: File exists (EEXIST)");
    }

    #[test]
    fn captured_batch_refusal_is_a_permission_error_for_the_whole_transaction() {
        let answers = answers_to(&[EPERM]);
        // Nothing answers the messages themselves: the receive loop stops on the refusal.
        assert_eq!(answers.pending(), 2);
        let err = answers.outcome(&two_messages()).unwrap_err();
        assert!(err.is_permission_denied());
        assert!(err
            .to_string()
            .starts_with("installing table inet t: Operation not permitted (EPERM)"));
    }

    #[test]
    fn cut_or_foreign_answers_never_panic_and_answer_nothing_they_do_not_hold() {
        for datagram in ACKS.iter().chain(&EEXIST).chain([&EPERM]) {
            let bytes = hex(datagram);
            for cut in 0..bytes.len() {
                let mut answers = Answers::new(1, 2);
                let _ = answers.take(&bytes[..cut]);
                assert_eq!(answers.pending(), 2, "cut at {cut}");
            }
            // Other sequence numbers: not ours.
            let mut answers = Answers::new(100, 2);
            answers.take(&bytes).unwrap();
            assert_eq!((answers.pending(), answers.batch.clone()), (2, None));
        }
    }

    #[test]
    fn errno_text_has_the_description_and_the_name() {
        assert_eq!(
            Errno(libc::EPERM).to_string(),
            "Operation not permitted (EPERM)"
        );
        assert_eq!(Errno(libc::EEXIST).to_string(), "File exists (EEXIST)");
        assert!(Errno(4000).to_string().ends_with("(errno 4000)"));
    }

    #[test]
    fn errors_are_classified_by_errno_and_scope() {
        let denied = NftError::refused(
            "adding rule 3 of chain pre".into(),
            libc::EPERM,
            None,
            false,
        );
        assert!(denied.is_permission_denied());
        assert!(denied.hint().is_some());
        assert!(denied
            .to_string()
            .starts_with("adding rule 3 of chain pre: Operation not permitted (EPERM)"));
        // ENOENT for the batch: no nf_tables; for one message: something is missing.
        let missing = NftError::refused("installing".into(), libc::ENOENT, None, true);
        assert!(missing.is_feature_missing());
        let absent = NftError::refused("deleting table inet x".into(), libc::ENOENT, None, false);
        assert!(matches!(absent, NftError::Refused { .. }));
        assert_eq!(absent.errno(), Some(libc::ENOENT));
        let too_big = NftError::refused(
            "adding rule 1 of chain pre".into(),
            libc::EFBIG,
            None,
            false,
        );
        assert!(too_big.hint().is_some_and(|h| h.contains("simpler filter")));
        let with_message = NftError::refused(
            "adding chain pre".into(),
            libc::EINVAL,
            Some("bad hook".into()),
            false,
        );
        assert_eq!(
            with_message.to_string(),
            "adding chain pre: Invalid argument (EINVAL): bad hook"
        );
    }

    #[test]
    fn nests_carry_the_nested_flag_and_their_length() {
        let mut attrs = AttrBuf::new();
        attrs.nest(4, |n| {
            n.put_be32(1, 7).put_str(2, "ab");
        });
        let bytes = attrs.as_bytes();
        // nest header 4 + u32 attr 8 + string attr 4+3 padded to 8 = 20
        assert_eq!(bytes.len(), 20);
        assert_eq!(bytes[0..2], 20u16.to_ne_bytes());
        assert_eq!(bytes[2..4], (4 | NLA_F_NESTED).to_ne_bytes());
        assert_eq!(bytes[8..12], [0, 0, 0, 7]);
        assert_eq!(bytes[12..14], 7u16.to_ne_bytes());
        assert_eq!(bytes[16..20], [b'a', b'b', 0, 0]);
    }

    #[test]
    fn oversized_attributes_are_reported_not_truncated_silently() {
        let mut attrs = AttrBuf::new();
        attrs.put(1, &vec![0u8; 70_000]);
        let mut tx = Transaction::new("test");
        tx.push(NftMessage {
            what: "adding table inet x".into(),
            msg: NFT_MSG_NEWTABLE,
            flags: 0,
            family: NFPROTO_INET,
            attrs,
        });
        assert!(matches!(tx.encode(1), Err(NftError::TooLarge { .. })));
    }

    #[test]
    fn batch_frames_messages_with_begin_and_end() {
        let mut attrs = AttrBuf::new();
        attrs
            .put_str(NFTA_TABLE_NAME, "t")
            .put_be32(NFTA_TABLE_FLAGS, 0);
        let mut tx = Transaction::new("test");
        tx.push(NftMessage {
            what: "adding table inet t".into(),
            msg: NFT_MSG_NEWTABLE,
            flags: NLM_F_CREATE | NLM_F_EXCL,
            family: NFPROTO_INET,
            attrs,
        });
        let bytes = tx.encode(7).unwrap();
        // BEGIN: 20 bytes, type 16, seq 7, family 0, res_id 10 big-endian (as nft sends it).
        assert_eq!(bytes[0..4], 20u32.to_ne_bytes());
        assert_eq!(bytes[4..6], NFNL_MSG_BATCH_BEGIN.to_ne_bytes());
        assert_eq!(bytes[8..12], 7u32.to_ne_bytes());
        assert_eq!(bytes[16..20], [0, 0, 0, 10]);
        // NEWTABLE: 20 + name (4+2 -> 8) + flags (8) = 36 bytes.
        let table = &bytes[20..56];
        assert_eq!(table[0..4], 36u32.to_ne_bytes());
        assert_eq!(table[4..6], (NFNL_SUBSYS_NFTABLES << 8).to_ne_bytes());
        assert_eq!(
            table[6..8],
            (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).to_ne_bytes()
        );
        assert_eq!(table[8..12], 8u32.to_ne_bytes());
        assert_eq!(table[16..20], [NFPROTO_INET, 0, 0, 0]);
        // END: seq 9.
        let end = &bytes[56..];
        assert_eq!(end.len(), 20);
        assert_eq!(end[4..6], NFNL_MSG_BATCH_END.to_ne_bytes());
        assert_eq!(end[8..12], 9u32.to_ne_bytes());
    }
}
