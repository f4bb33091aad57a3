//! Receive-buffer sizing. Trace events come in bursts (one message per rule a marked packet
//! crosses), and a full buffer loses them, so the socket asks for a large buffer:
//! `SO_RCVBUFFORCE` (ignores `net.core.rmem_max`, needs `CAP_NET_ADMIN`), falling back to
//! `SO_RCVBUF` (capped by `rmem_max`) when that is refused, and reports what it got.

use std::os::fd::BorrowedFd;

use super::error::{NetlinkError, Operation};
use super::sys_io;

/// Default receive buffer to ask for: 16 MiB.
pub const DEFAULT_RCVBUF_BYTES: usize = 16 << 20;

/// The receive buffer asked for and the one in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvBufferSize {
    /// Bytes asked for.
    pub requested: usize,
    /// Bytes in effect (`getsockopt(SO_RCVBUF)`). The kernel doubles the value it is given
    /// to account for its own bookkeeping, so this is normally twice `requested`.
    pub effective: usize,
    /// Whether `SO_RCVBUFFORCE` was allowed; when false, `SO_RCVBUF` capped the size at
    /// `net.core.rmem_max`.
    pub forced: bool,
}

/// Sets the receive buffer of `fd` to `requested` bytes as described in the module doc.
pub(crate) fn set_receive_buffer(
    fd: BorrowedFd<'_>,
    requested: usize,
) -> Result<RecvBufferSize, NetlinkError> {
    // The kernel clamps the value to INT_MAX / 2 before doubling it; clamp the same way.
    let value = libc::c_int::try_from(requested)
        .unwrap_or(libc::c_int::MAX)
        .min(libc::c_int::MAX / 2);
    let forced = match sys_io::set_int_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, value) {
        Ok(()) => true,
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            sys_io::set_int_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, value)
                .map_err(|e| NetlinkError::from_io(Operation::SetReceiveBuffer, e))?;
            false
        }
        Err(e) => return Err(NetlinkError::from_io(Operation::SetReceiveBuffer, e)),
    };
    let effective = sys_io::get_int_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF)
        .map_err(|e| NetlinkError::from_io(Operation::ReadReceiveBuffer, e))?;
    Ok(RecvBufferSize {
        requested,
        effective: usize::try_from(effective).unwrap_or(0),
        forced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    // Any socket has SO_RCVBUF; a UDP socket on loopback keeps this test away from netlink
    // privileges. As root SO_RCVBUFFORCE is allowed and the kernel doubles the value.
    #[test]
    fn effective_size_is_reported_and_doubled_when_forced() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let size = set_receive_buffer(socket.as_fd(), 1 << 20).unwrap();
        assert_eq!(size.requested, 1 << 20);
        if size.forced {
            assert_eq!(size.effective, 2 << 20);
        } else {
            assert!(size.effective > 0);
        }
    }

    #[test]
    fn huge_requests_are_clamped_not_rejected() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let size = set_receive_buffer(socket.as_fd(), usize::MAX).unwrap();
        assert_eq!(size.requested, usize::MAX);
        assert!(size.effective > 0);
    }
}
