//! The socket layer: the two kernel trace sources as NETLINK_NETFILTER sockets, and the
//! means to wait on them and receive from them in bulk.
//!
//! - [`TraceSocket`]: nf_tables trace events (`NFNLGRP_NFTRACE`).
//! - [`NflogSocket`]: one nfnetlink_log group (group 0 carries iptables-legacy `TRACE`).
//! - [`NftMonitor`]: nf_tables ruleset changes (`NFNLGRP_NFTABLES`).
//! - [`dump_nftables`]: a consistent dump of the nf_tables ruleset (raw replies, on a socket
//!   of its own), retried while the ruleset changes.
//! - [`RecvBatch`]: preallocated slots filled by one `recvmmsg(2)`; datagrams are handed
//!   out as borrowed bytes for the wire decoder.
//! - [`poll_readable`]: wait on both sockets with a timeout.
//!
//! Both sockets are non-blocking and belong to the network namespace of the thread that
//! opens them. Receive-buffer overruns (`ENOBUFS`) are counted in [`SocketStats`], never
//! fatal. Sockets are created, bound and configured with neli's `NlSocket`; the hot path
//! receives raw bytes (`sys_io`, the crate's only `unsafe`).
//!
//! ```no_run
//! use std::os::fd::AsFd;
//! use std::time::Duration;
//! use nftrace::netlink::*;
//!
//! # fn main() -> Result<(), NetlinkError> {
//! let mut trace = TraceSocket::open(TraceSocketConfig::default())?;
//! let mut nflog = NflogSocket::open(NflogConfig::default())?;
//! let mut batch = RecvBatch::default();
//! loop {
//!     let [trace_ready, nflog_ready] =
//!         poll_readable([trace.as_fd(), nflog.as_fd()], Some(Duration::from_millis(200)))?;
//!     if trace_ready {
//!         trace.recv(&mut batch)?;
//!         for datagram in &batch { /* decode NFT_MSG_TRACE messages */ }
//!     }
//!     if nflog_ready {
//!         nflog.recv(&mut batch)?;
//!         for datagram in &batch { /* decode NFULNL_MSG_PACKET messages */ }
//!     }
//! #   break;
//! }
//! # Ok(()) }
//! ```

// `sys_io` is the only place in the crate allowed to use `unsafe`.
#![deny(unsafe_code)]

// Defines `receiving_socket!`, used by the socket modules below: it must come first.
#[macro_use]
mod receiving;

mod ack;
mod batch;
mod dump;
mod dump_socket;
mod error;
mod monitor;
mod nflog;
mod poll;
mod privilege;
mod rcvbuf;
mod request;
mod socket;
#[allow(unsafe_code)]
mod sys_io;
mod trace;
mod transaction;

// The legacy x_tables reader (`ruleset::iptables`) makes its `getsockopt` calls through here.
pub(crate) use sys_io::{get_option_bytes, open_raw_ip_socket};

// Blocking dumps for the hook table, the interfaces and the set elements.
pub(crate) use dump_socket::{DumpSocket, DumpSocketError, MAX_DATAGRAM};
pub(crate) use request::{finish_request, push_attr, request_header, str_attr_fits, NfnlRequest};

pub use batch::{Datagrams, RecvBatch, SocketStats};
pub use dump::{dump_nftables, DumpConfig, DumpError, DumpKind, NftDumpReplies};
pub use error::{NetlinkError, Operation};
pub use monitor::{NftMonitor, NftMonitorConfig};
pub use nflog::{ConntrackInfo, NflogConfig, NflogSocket};
pub use poll::{poll_readable, poll_readable_into};
pub use rcvbuf::{RecvBufferSize, DEFAULT_RCVBUF_BYTES};
pub use trace::{TraceSocket, TraceSocketConfig};
pub use transaction::{Errno, NftError};

// nf_tables transactions (the nft trace trigger).
pub(crate) use transaction::{AttrBuf, NftMessage, Transaction};
