//! Waiting on several sockets at once with a timeout, so a receive loop can also notice a
//! stop flag (set by a signal handler) or the end of a capture duration.

use std::os::fd::BorrowedFd;
use std::time::Duration;

use super::error::{NetlinkError, Operation};
use super::sys_io;

/// Waits until at least one of `fds` is readable, or `timeout` passes (`None`: wait
/// forever). Returns, in the order given, which descriptors are readable; a descriptor with
/// a pending overrun counts as readable, so the next receive reports and counts it.
/// A signal interrupting the wait (`EINTR`) returns all `false`, like a timeout.
///
/// ```no_run
/// # use std::os::fd::AsFd;
/// # use std::time::Duration;
/// # fn demo(trace: &nftrace::netlink::TraceSocket, nflog: &nftrace::netlink::NflogSocket)
/// # -> Result<(), nftrace::netlink::NetlinkError> {
/// let [trace_ready, nflog_ready] = nftrace::netlink::poll_readable(
///     [trace.as_fd(), nflog.as_fd()],
///     Some(Duration::from_millis(200)),
/// )?;
/// # let _ = (trace_ready, nflog_ready);
/// # Ok(()) }
/// ```
pub fn poll_readable<const N: usize>(
    fds: [BorrowedFd<'_>; N],
    timeout: Option<Duration>,
) -> Result<[bool; N], NetlinkError> {
    sys_io::poll_readable(fds, timeout_millis(timeout))
        .map_err(|e| NetlinkError::from_io(Operation::Poll, e))
}

/// Like [`poll_readable`], for a number of descriptors known only at run time (at most
/// eight): sets `ready[i]` when `fds[i]` is readable.
pub fn poll_readable_into(
    fds: &[BorrowedFd<'_>],
    ready: &mut [bool],
    timeout: Option<Duration>,
) -> Result<(), NetlinkError> {
    sys_io::poll_readable_slice(fds, ready, timeout_millis(timeout))
        .map_err(|e| NetlinkError::from_io(Operation::Poll, e))
}

/// `poll`'s timeout argument: milliseconds rounded up (so a short timeout never becomes a
/// busy loop of zero-length waits), clamped to `c_int`, and -1 for "forever".
fn timeout_millis(timeout: Option<Duration>) -> libc::c_int {
    let Some(timeout) = timeout else {
        return -1;
    };
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    libc::c_int::try_from(millis).unwrap_or(libc::c_int::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    #[test]
    fn timeouts_round_up_and_clamp() {
        assert_eq!(timeout_millis(None), -1);
        assert_eq!(timeout_millis(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_millis(Some(Duration::from_micros(1))), 1);
        assert_eq!(timeout_millis(Some(Duration::from_millis(250))), 250);
        assert_eq!(timeout_millis(Some(Duration::MAX)), libc::c_int::MAX);
    }

    #[test]
    fn reports_which_socket_is_readable() {
        let quiet = UdpSocket::bind("127.0.0.1:0").unwrap();
        let busy = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.send_to(b"x", busy.local_addr().unwrap()).unwrap();
        let ready =
            poll_readable([quiet.as_fd(), busy.as_fd()], Some(Duration::from_secs(5))).unwrap();
        assert_eq!(ready, [false, true]);
    }

    #[test]
    fn nothing_ready_after_the_timeout() {
        let quiet = UdpSocket::bind("127.0.0.1:0").unwrap();
        let ready = poll_readable([quiet.as_fd()], Some(Duration::from_millis(1))).unwrap();
        assert_eq!(ready, [false]);
    }
}
