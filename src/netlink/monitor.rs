//! The ruleset change source: a NETLINK_NETFILTER socket joined to `NFNLGRP_NFTABLES`, on
//! which the kernel multicasts every committed nf_tables change (`NEWTABLE`, `DELRULE`, ...)
//! followed by one `NFT_MSG_NEWGEN` per transaction.
//!
//! Open it *before* dumping the ruleset: changes committed while the dump runs then wait in
//! this socket's queue, and the snapshot applies those newer than the dump's generation
//! (see `ruleset::nft`).

use nftrace_sys::nfnetlink::NFNLGRP_NFTABLES;

use super::error::NetlinkError;
use super::rcvbuf::DEFAULT_RCVBUF_BYTES;
use super::socket::NfnlSocket;

/// Options of an [`NftMonitor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NftMonitorConfig {
    /// Receive buffer to ask for, in bytes. A `nft -f` of a large ruleset commits one
    /// message per object at once; an overrun loses changes (see
    /// [`SocketStats::overruns`](super::SocketStats::overruns)) and the snapshot must then be
    /// dumped again.
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
/// namespace. After an overrun (counted in [`Self::stats`]) changes were lost and the
/// snapshot needs a fresh dump.
#[derive(Debug)]
pub struct NftMonitor {
    socket: NfnlSocket,
}

impl NftMonitor {
    /// Opens the socket and joins `NFNLGRP_NFTABLES`. Needs `CAP_NET_ADMIN`
    /// ([`NetlinkError::PermissionDenied`] otherwise).
    pub fn open(config: NftMonitorConfig) -> Result<Self, NetlinkError> {
        let socket = NfnlSocket::open_multicast(NFNLGRP_NFTABLES, config.rcvbuf_bytes)?;
        Ok(NftMonitor { socket })
    }
}

receiving_socket!(NftMonitor);
