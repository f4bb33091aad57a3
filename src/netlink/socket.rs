//! The NETLINK_NETFILTER socket both trace sources share: opening and binding it (neli's
//! `NlSocket`), sizing its receive buffer, sending a request and waiting for its
//! acknowledgement, and receiving datagrams into a [`RecvBatch`] while counting overruns.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use neli::consts::socket::{Msg, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;

use super::ack::{scan_for_ack, AckScan};
use super::batch::{RecvBatch, SocketStats};
use super::error::{NetlinkError, Operation};
use super::rcvbuf::{set_receive_buffer, RecvBufferSize};
use super::request::NfnlRequest;
use super::sys_io;

/// How long to wait for the kernel to acknowledge a request. The kernel answers
/// synchronously, so only a wedged system takes longer than a moment.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Room for an acknowledgement, or for whatever else arrives before it.
const ACK_BUFFER_LEN: usize = 64 * 1024;

/// A bound, non-blocking NETLINK_NETFILTER socket with its counters.
pub(crate) struct NfnlSocket {
    socket: NlSocket,
    next_seq: u32,
    stats: SocketStats,
    rcvbuf: RecvBufferSize,
}

// By hand: neli's socket has no `Debug`.
impl std::fmt::Debug for NfnlSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NfnlSocket")
            .field("fd", &self.socket.as_raw_fd())
            .field("stats", &self.stats)
            .field("rcvbuf", &self.rcvbuf)
            .finish_non_exhaustive()
    }
}

impl NfnlSocket {
    /// Opens a NETLINK_NETFILTER socket, binds it to a kernel-chosen port id, sizes its
    /// receive buffer to `rcvbuf_bytes` and makes it non-blocking.
    pub(crate) fn open(rcvbuf_bytes: usize) -> Result<Self, NetlinkError> {
        let socket = NlSocket::new(NlFamily::Netfilter)
            .map_err(|e| NetlinkError::from_io(Operation::OpenSocket, e))?;
        socket
            .bind(None, Groups::empty())
            .map_err(|e| NetlinkError::from_io(Operation::BindSocket, e))?;
        socket
            .nonblock()
            .map_err(|e| NetlinkError::from_io(Operation::SetNonBlocking, e))?;
        let rcvbuf = set_receive_buffer(sys_io::borrow_fd(&socket), rcvbuf_bytes)?;
        Ok(NfnlSocket {
            socket,
            next_seq: 1,
            stats: SocketStats::default(),
            rcvbuf,
        })
    }

    /// [`Self::open`], then joins the multicast `group`: the body of the trace and ruleset
    /// change sources.
    pub(crate) fn open_multicast(group: u32, rcvbuf_bytes: usize) -> Result<Self, NetlinkError> {
        let socket = Self::open(rcvbuf_bytes)?;
        socket.join_group(group)?;
        Ok(socket)
    }

    /// Joins a netlink multicast group.
    pub(crate) fn join_group(&self, group: u32) -> Result<(), NetlinkError> {
        self.socket
            .add_mcast_membership(Groups::new_groups(&[group]))
            .map_err(|e| NetlinkError::from_io(Operation::JoinGroup(group), e))
    }

    /// A fresh sequence number for a request.
    pub(crate) fn next_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1).max(1);
        seq
    }

    /// Sends `request` without waiting for anything (errors only from `send` itself).
    pub(crate) fn send(&self, request: &[u8]) -> io::Result<()> {
        self.socket.send(request, Msg::empty()).map(|_| ())
    }

    /// Sends `request` (built with `NLM_F_ACK` and sequence number `seq`) and waits for the
    /// kernel's answer. `Ok(Err(errno))` is a refusal; `Err` is a failure to talk at all.
    /// Other messages that arrive meanwhile are dropped (they precede the caller's use of
    /// the socket); overruns are counted.
    pub(crate) fn request_ack(
        &mut self,
        op: Operation,
        seq: u32,
        request: &[u8],
    ) -> Result<Result<(), i32>, NetlinkError> {
        self.send(request)
            .map_err(|e| NetlinkError::from_io(op, e))?;
        let deadline = Instant::now() + ACK_TIMEOUT;
        let mut buffer = vec![0u8; ACK_BUFFER_LEN];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(NetlinkError::AckTimeout {
                    op,
                    timeout: ACK_TIMEOUT,
                });
            }
            let [ready] = super::poll::poll_readable([self.as_fd()], Some(left))?;
            if !ready {
                continue;
            }
            match self.socket.recv(&mut buffer[..], Msg::empty()) {
                Ok((len, _groups)) => {
                    let datagram = buffer.get(..len).unwrap_or(&buffer[..]);
                    match scan_for_ack(datagram, seq) {
                        AckScan::Ack => return Ok(Ok(())),
                        AckScan::Refused(errno) => return Ok(Err(errno)),
                        AckScan::NotHere => {
                            log::debug!(
                                "{op}: skipped a {len}-byte datagram while awaiting the ack"
                            );
                        }
                    }
                }
                Err(e) => match e.raw_os_error() {
                    Some(libc::ENOBUFS) => self.stats.overruns += 1,
                    Some(libc::EAGAIN | libc::EINTR) => {}
                    _ => return Err(NetlinkError::from_io(op, e)),
                },
            }
        }
    }

    /// Receives what is queued (up to the batch's slot count) without blocking. Returns
    /// the number of datagrams now in `batch`; 0 when nothing was queued. An overrun
    /// (`ENOBUFS`) is counted and receiving carries on.
    pub(crate) fn recv(&mut self, batch: &mut RecvBatch) -> Result<usize, NetlinkError> {
        // The kernel reports one overrun per ENOBUFS and clears it, so a few retries drain
        // the reports even under a storm; the next call picks up any further ones.
        const ATTEMPTS: usize = 4;
        let fd = sys_io::borrow_fd(&self.socket);
        for _ in 0..ATTEMPTS {
            match batch.fill(fd) {
                Ok(()) => {
                    self.stats.record(batch);
                    return Ok(batch.len());
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    self.stats.overruns += 1;
                    log::debug!("netlink receive buffer overrun: events were lost");
                }
                Err(e) => return Err(NetlinkError::from_io(Operation::Receive, e)),
            }
        }
        Ok(0)
    }

    /// Counters so far.
    pub(crate) fn stats(&self) -> SocketStats {
        self.stats
    }

    /// The receive buffer that was asked for and obtained.
    pub(crate) fn rcvbuf(&self) -> RecvBufferSize {
        self.rcvbuf
    }

    /// The netlink port id the kernel gave this socket.
    pub(crate) fn port_id(&self) -> Option<u32> {
        self.socket.pid().ok()
    }
}

impl AsFd for NfnlSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        sys_io::borrow_fd(&self.socket)
    }
}

impl AsRawFd for NfnlSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// Starts a request on `socket` with `NLM_F_ACK` and a fresh sequence number.
pub(crate) fn acked_request(
    socket: &mut NfnlSocket,
    msg_type: u16,
    family: u8,
    res_id: u16,
) -> (u32, NfnlRequest) {
    let seq = socket.next_seq();
    let request = NfnlRequest::new(
        msg_type,
        nftrace_sys::netlink::NLM_F_ACK,
        seq,
        family,
        res_id,
    );
    (seq, request)
}
