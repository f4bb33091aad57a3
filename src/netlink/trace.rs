//! The nf_tables trace source: a NETLINK_NETFILTER socket joined to `NFNLGRP_NFTRACE`, on
//! which the kernel multicasts one `NFT_MSG_TRACE` message per rule, return and policy
//! step of every packet marked with `meta nftrace set 1` (or iptables-nft `-j TRACE`).

use nftrace_sys::nfnetlink::NFNLGRP_NFTRACE;

use super::error::NetlinkError;
use super::rcvbuf::DEFAULT_RCVBUF_BYTES;
use super::socket::NfnlSocket;

/// Options of a [`TraceSocket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceSocketConfig {
    /// Receive buffer to ask for, in bytes (see [`RecvBufferSize`](super::RecvBufferSize)).
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
        let socket = NfnlSocket::open_multicast(NFNLGRP_NFTRACE, config.rcvbuf_bytes)?;
        Ok(TraceSocket { socket })
    }
}

receiving_socket!(TraceSocket);
