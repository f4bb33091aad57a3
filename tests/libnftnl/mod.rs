//! libnftnl, the C library `nft` decodes trace events with, as the reference decoder for
//! nftrace's own: the one place where the tests and the benchmark call it.
//!
//! Used by `tests/differential_libnftnl.rs` (`mod libnftnl;`) and `benches/decode.rs`
//! (`#[path]`). All `unsafe` of both lives here, each block with the reason it holds.
//!
//! Two facts about libnftnl 1.2.4's `nftnl_trace_nlmsg_parse` shape this wrapper:
//! - It trusts `nlmsg_len`, and `strdup`s the table, chain and jump-target strings after
//!   checking only that they are non-empty (`MNL_TYPE_STRING`, not `MNL_TYPE_NUL_STRING`).
//!   So messages are handed to it only from an [`AlignedMessages`] buffer, which checks the
//!   length and puts zero bytes after every message: a string without its NUL ends there.
//! - On an attribute of the wrong size, or without `NFTA_TRACE_ID`/`_TYPE`, it does not return
//!   an error: it calls `abi_breakage()`, which prints "nf_tables kernel ABI is broken" and
//!   calls `exit(1)`. It returns -1 only when `strdup`/`malloc` fails. [`outcome_in_child`]
//!   therefore runs it in a forked child and reports how that child ended; [`Trace::parse`]
//!   runs it in-process and must only see messages it accepts.

#![allow(dead_code)] // the test and the benchmark each use a part

use std::ffi::{c_int, CStr};
use std::fs::File;
use std::io::Read;
use std::ptr::NonNull;

use nftnl::nftnl_sys as sys;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{dup2_stderr, fork, pipe, ForkResult};

/// `enum nftnl_trace_attr` of libnftnl 1.2.4, as the `u16` its getters take.
pub mod attr {
    use super::sys;

    pub const CHAIN: u16 = sys::NFTNL_TRACE_CHAIN as u16;
    pub const FAMILY: u16 = sys::NFTNL_TRACE_FAMILY as u16;
    pub const ID: u16 = sys::NFTNL_TRACE_ID as u16;
    pub const IIF: u16 = sys::NFTNL_TRACE_IIF as u16;
    pub const IIFTYPE: u16 = sys::NFTNL_TRACE_IIFTYPE as u16;
    pub const JUMP_TARGET: u16 = sys::NFTNL_TRACE_JUMP_TARGET as u16;
    pub const OIF: u16 = sys::NFTNL_TRACE_OIF as u16;
    pub const OIFTYPE: u16 = sys::NFTNL_TRACE_OIFTYPE as u16;
    pub const MARK: u16 = sys::NFTNL_TRACE_MARK as u16;
    pub const LL_HEADER: u16 = sys::NFTNL_TRACE_LL_HEADER as u16;
    pub const NETWORK_HEADER: u16 = sys::NFTNL_TRACE_NETWORK_HEADER as u16;
    pub const TRANSPORT_HEADER: u16 = sys::NFTNL_TRACE_TRANSPORT_HEADER as u16;
    pub const TABLE: u16 = sys::NFTNL_TRACE_TABLE as u16;
    pub const TYPE: u16 = sys::NFTNL_TRACE_TYPE as u16;
    pub const RULE_HANDLE: u16 = sys::NFTNL_TRACE_RULE_HANDLE as u16;
    pub const VERDICT: u16 = sys::NFTNL_TRACE_VERDICT as u16;
    pub const NFPROTO: u16 = sys::NFTNL_TRACE_NFPROTO as u16;
    pub const POLICY: u16 = sys::NFTNL_TRACE_POLICY as u16;
}

/// Zero bytes after each message in an [`AlignedMessages`] buffer.
const GUARD: usize = 8;

/// Netlink messages copied into one buffer, each at an 8-byte aligned address and followed by
/// at least [`GUARD`] zero bytes.
///
/// The alignment is the one the kernel's receive buffers give: libmnl reads `u32`/`u64`
/// attributes through typed pointers. Both decoders read the same copies, so a benchmark
/// compares them on equal terms.
pub struct AlignedMessages {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl AlignedMessages {
    /// Copies the messages. Panics unless each one is a whole netlink message with room for
    /// its `nfgenmsg` (`20 <= nlmsg_len <= its length`): libnftnl reads that far unchecked.
    pub fn new<'a>(messages: impl IntoIterator<Item = &'a [u8]>) -> AlignedMessages {
        let messages: Vec<&[u8]> = messages.into_iter().collect();
        let padded = |len: usize| len.div_ceil(8) * 8 + GUARD;
        let total: usize = 8 + messages.iter().map(|m| padded(m.len())).sum::<usize>();
        let mut buf = vec![0u8; total];
        let mut at = buf.as_ptr().align_offset(8);
        assert!(at < 8, "cannot align the message buffer");
        let mut spans = Vec::with_capacity(messages.len());
        for message in messages {
            let declared = message
                .get(..4)
                .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize);
            assert!(
                matches!(declared, Some(len) if (20..=message.len()).contains(&len)),
                "not a whole netlink message with an nfgenmsg: {message:02x?}"
            );
            buf[at..at + message.len()].copy_from_slice(message);
            spans.push((at, message.len()));
            at += padded(message.len());
        }
        AlignedMessages { buf, spans }
    }

    /// The messages, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = AlignedMessage<'_>> + Clone {
        self.spans
            .iter()
            .map(|&(at, len)| AlignedMessage(&self.buf[at..at + len]))
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// One message of an [`AlignedMessages`] buffer.
#[derive(Clone, Copy, Debug)]
pub struct AlignedMessage<'a>(&'a [u8]);

impl<'a> AlignedMessage<'a> {
    /// The message's bytes (exactly `nlmsg_len` of them or more, as given).
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }

    fn nlmsghdr(&self) -> *const sys::libc::nlmsghdr {
        self.0.as_ptr().cast()
    }
}

/// A trace event as libnftnl parsed it (`struct nftnl_trace`), freed on drop.
pub struct Trace(NonNull<sys::nftnl_trace>);

/// `nftnl_trace_nlmsg_parse` returned -1 (out of memory: see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseFailed;

impl Trace {
    /// `nftnl_trace_alloc` + `nftnl_trace_nlmsg_parse`, in this process.
    ///
    /// A message libnftnl finds malformed ends the whole process (`exit(1)`); check such
    /// messages with [`outcome_in_child`] first.
    pub fn parse(message: AlignedMessage<'_>) -> Result<Trace, ParseFailed> {
        // SAFETY: nftnl_trace_alloc has no preconditions; it returns NULL or a zeroed object
        // that we own until nftnl_trace_free (Drop).
        let trace = NonNull::new(unsafe { sys::nftnl_trace_alloc() }).ok_or(ParseFailed)?;
        let trace = Trace(trace);
        // SAFETY: the message is a whole netlink message (nlmsg_len checked against its length
        // by AlignedMessages, and it covers the nfgenmsg), 8-byte aligned, and followed by zero
        // bytes that end any string libnftnl strdups; libmnl checks every attribute length
        // against nlmsg_len. libnftnl keeps no pointer into the message (it copies strings and
        // headers).
        let rc = unsafe { sys::nftnl_trace_nlmsg_parse(message.nlmsghdr(), trace.0.as_ptr()) };
        if rc == 0 {
            Ok(trace)
        } else {
            Err(ParseFailed)
        }
    }

    /// `nftnl_trace_is_set`.
    pub fn is_set(&self, attr: u16) -> bool {
        // SAFETY: self.0 is a live nftnl_trace; any attr value is only used as a bit index
        // (libnftnl shifts 1 by it: keep it below 32, which every attr:: constant is).
        debug_assert!(attr < 32);
        unsafe { sys::nftnl_trace_is_set(self.0.as_ptr(), attr) }
    }

    /// `nftnl_trace_get_u16`, if the attribute is set.
    pub fn u16(&self, attr: u16) -> Option<u16> {
        // SAFETY: self.0 is a live nftnl_trace; the getter returns 0 for a mismatched type.
        self.is_set(attr)
            .then(|| unsafe { sys::nftnl_trace_get_u16(self.0.as_ptr(), attr) })
    }

    /// `nftnl_trace_get_u32`, if the attribute is set.
    pub fn u32(&self, attr: u16) -> Option<u32> {
        // SAFETY: as for u16.
        self.is_set(attr)
            .then(|| unsafe { sys::nftnl_trace_get_u32(self.0.as_ptr(), attr) })
    }

    /// `nftnl_trace_get_u64`, if the attribute is set.
    pub fn u64(&self, attr: u16) -> Option<u64> {
        // SAFETY: as for u16.
        self.is_set(attr)
            .then(|| unsafe { sys::nftnl_trace_get_u64(self.0.as_ptr(), attr) })
    }

    /// `nftnl_trace_get_str` (table, chain, jump target), if the attribute is set.
    pub fn str(&self, attr: u16) -> Option<&CStr> {
        // SAFETY: self.0 is a live nftnl_trace. libnftnl returns NULL for an unset attribute
        // or one that is not a string, else a NUL-terminated string owned by the trace, which
        // lives until nftnl_trace_free, i.e. at least as long as &self.
        unsafe {
            let text = sys::nftnl_trace_get_str(self.0.as_ptr(), attr);
            (!text.is_null()).then(|| CStr::from_ptr(text))
        }
    }

    /// `nftnl_trace_get_data`: the bytes of a set attribute (a header, or the stored integer;
    /// for a string 1.2.4 counts its NUL in), borrowed from the trace.
    pub fn data(&self, attr: u16) -> Option<&[u8]> {
        let mut len: u32 = 0;
        // SAFETY: self.0 is a live nftnl_trace and len a valid out-pointer. libnftnl returns
        // NULL for an unset attribute, else a pointer to `len` bytes owned by the trace, which
        // live until nftnl_trace_free, i.e. at least as long as &self.
        unsafe {
            let data = sys::nftnl_trace_get_data(self.0.as_ptr(), attr, &mut len);
            if data.is_null() {
                return None;
            }
            Some(std::slice::from_raw_parts(data.cast::<u8>(), len as usize))
        }
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        // SAFETY: self.0 came from nftnl_trace_alloc and is freed exactly once, here.
        unsafe { sys::nftnl_trace_free(self.0.as_ptr()) }
    }
}

/// How a forked child running `nftnl_trace_nlmsg_parse` on one message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildOutcome {
    /// It returned 0: libnftnl accepted the message.
    Parsed,
    /// It returned -1.
    ReturnedError,
    /// libnftnl called `abi_breakage()`: it refused the message. Holds what it printed.
    AbiBreakage(String),
    /// Anything else (a signal, another exit code), described.
    Other(String),
}

impl ChildOutcome {
    /// True unless libnftnl accepted the message.
    pub fn refused(&self) -> bool {
        matches!(
            self,
            ChildOutcome::ReturnedError | ChildOutcome::AbiBreakage(_)
        )
    }
}

/// Exit codes of the forked child.
const CHILD_PARSED: c_int = 0;
const CHILD_RETURNED_ERROR: c_int = 2;
const CHILD_NO_MEMORY: c_int = 3;
/// What libnftnl's `abi_breakage()` exits with (`EXIT_FAILURE`).
const ABI_BREAKAGE_EXIT: i32 = 1;

/// Runs `nftnl_trace_nlmsg_parse` on `message` in a forked child, so that libnftnl's
/// `exit(1)` on a malformed message ends the child and not the test; returns how it ended.
pub fn outcome_in_child(message: AlignedMessage<'_>) -> ChildOutcome {
    let (read_end, write_end) = pipe().expect("pipe for the child's stderr");
    // SAFETY: the test process has other threads; the child runs only the code below and
    // then _exit, never returning into Rust. Between fork and _exit it calls dup2 and
    // libnftnl, which mallocs and, on abi_breakage, fprintf(stderr)s: neither is
    // async-signal-safe by POSIX, but glibc's fork takes and resets the malloc and stdio-list
    // locks around the fork, and no Rust thread here uses C stdio. Nothing is allocated by
    // Rust in the child.
    match unsafe { fork() }.expect("fork") {
        ForkResult::Child => {
            let _ = dup2_stderr(&write_end);
            // SAFETY: see Trace::parse for the message; the trace is never freed because the
            // child exits at once.
            let code = unsafe {
                let trace = sys::nftnl_trace_alloc();
                if trace.is_null() {
                    CHILD_NO_MEMORY
                } else if sys::nftnl_trace_nlmsg_parse(message.nlmsghdr(), trace) == 0 {
                    CHILD_PARSED
                } else {
                    CHILD_RETURNED_ERROR
                }
            };
            // SAFETY: _exit ends the child without running the parent's atexit handlers or
            // unwinding.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(write_end);
            let mut stderr = String::new();
            let _ = File::from(read_end).read_to_string(&mut stderr);
            match waitpid(child, None).expect("waitpid") {
                WaitStatus::Exited(_, CHILD_PARSED) => ChildOutcome::Parsed,
                WaitStatus::Exited(_, CHILD_RETURNED_ERROR) => ChildOutcome::ReturnedError,
                WaitStatus::Exited(_, ABI_BREAKAGE_EXIT)
                    if stderr.contains("nf_tables kernel ABI is broken") =>
                {
                    ChildOutcome::AbiBreakage(stderr)
                }
                other => ChildOutcome::Other(format!("{other:?}, stderr: {stderr:?}")),
            }
        }
    }
}
