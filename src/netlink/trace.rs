//! The nf_tables trace source: a NETLINK_NETFILTER socket joined to `NFNLGRP_NFTRACE`, on
//! which the kernel multicasts one `NFT_MSG_TRACE` message per rule, return and policy
//! step of every packet marked with `meta nftrace set 1` (or iptables-nft `-j TRACE`).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use nftrace_sys::nfnetlink::NFNLGRP_NFTRACE;

use super::batch::{RecvBatch, SocketStats};
use super::error::NetlinkError;
use super::rcvbuf::{RecvBufferSize, DEFAULT_RCVBUF_BYTES};
use super::socket::NfnlSocket;

/// Options of a [`TraceSocket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceSocketConfig {
    /// Receive buffer to ask for, in bytes (see [`RecvBufferSize`]).
    pub rcvbuf_bytes: usize,
}

impl Default for TraceSocketConfig {
    fn default() -> Self {
        TraceSocketConfig {
            rcvbuf_bytes: DEFAULT_RCVBUF_BYTES,
        }
    }
}

/// A socket receiving nf_tables trace events of the calling thread's network namespace.
#[derive(Debug)]
pub struct TraceSocket {
    socket: NfnlSocket,
}

impl TraceSocket {
    /// Opens the socket and joins `NFNLGRP_NFTRACE`. Needs `CAP_NET_ADMIN`
    /// ([`NetlinkError::PermissionDenied`] otherwise).
    pub fn open(config: TraceSocketConfig) -> Result<Self, NetlinkError> {
        let socket = NfnlSocket::open(config.rcvbuf_bytes)?;
        socket.join_group(NFNLGRP_NFTRACE)?;
        Ok(TraceSocket { socket })
    }

    /// Receives the queued datagrams into `batch` without blocking (see [`RecvBatch`]) and
    /// returns how many there are. Overruns are counted in [`Self::stats`], not returned.
    pub fn recv(&mut self, batch: &mut RecvBatch) -> Result<usize, NetlinkError> {
        self.socket.recv(batch)
    }

    /// Counters so far.
    pub fn stats(&self) -> SocketStats {
        self.socket.stats()
    }

    /// The receive buffer asked for and obtained.
    pub fn rcvbuf(&self) -> RecvBufferSize {
        self.socket.rcvbuf()
    }

    /// The netlink port id the kernel assigned to this socket.
    pub fn port_id(&self) -> Option<u32> {
        self.socket.port_id()
    }
}

impl AsFd for TraceSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for TraceSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}
