//! The ruleset change source: a NETLINK_NETFILTER socket joined to `NFNLGRP_NFTABLES`, on
//! which the kernel multicasts every committed nf_tables change (`NEWTABLE`, `DELRULE`, ...)
//! followed by one `NFT_MSG_NEWGEN` per transaction.
//!
//! Open it *before* dumping the ruleset: changes committed while the dump runs then wait in
//! this socket's queue, and the snapshot applies those newer than the dump's generation
//! (see `ruleset::nft`).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use nftrace_sys::nfnetlink::NFNLGRP_NFTABLES;

use super::batch::{RecvBatch, SocketStats};
use super::error::NetlinkError;
use super::rcvbuf::{RecvBufferSize, DEFAULT_RCVBUF_BYTES};
use super::socket::NfnlSocket;

/// Options of an [`NftMonitor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NftMonitorConfig {
    /// Receive buffer to ask for, in bytes. A `nft -f` of a large ruleset commits one
    /// message per object at once; an overrun loses changes (see [`SocketStats::overruns`])
    /// and the snapshot must then be dumped again.
    pub rcvbuf_bytes: usize,
}

impl Default for NftMonitorConfig {
    fn default() -> Self {
        NftMonitorConfig {
            rcvbuf_bytes: DEFAULT_RCVBUF_BYTES,
        }
    }
}

/// A socket receiving the nf_tables ruleset changes of the calling thread's network
/// namespace.
#[derive(Debug)]
pub struct NftMonitor {
    socket: NfnlSocket,
}

impl NftMonitor {
    /// Opens the socket and joins `NFNLGRP_NFTABLES`. Needs `CAP_NET_ADMIN`
    /// ([`NetlinkError::PermissionDenied`] otherwise).
    pub fn open(config: NftMonitorConfig) -> Result<Self, NetlinkError> {
        let socket = NfnlSocket::open(config.rcvbuf_bytes)?;
        socket.join_group(NFNLGRP_NFTABLES)?;
        Ok(NftMonitor { socket })
    }

    /// Receives the queued datagrams into `batch` without blocking and returns how many
    /// there are. Overruns are counted in [`Self::stats`], not returned: after one, changes
    /// were lost and the snapshot needs a fresh dump.
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

impl AsFd for NftMonitor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for NftMonitor {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}
