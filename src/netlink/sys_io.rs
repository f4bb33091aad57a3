//! The crate's only `unsafe` code: thin wrappers over the system calls neli does not offer
//! (`setsockopt`/`getsockopt` of an `int`, `recvmmsg`, `poll`) and a borrowed fd for neli's
//! socket. Each wrapper checks its arguments so that callers stay in safe Rust.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd};

use neli::socket::NlSocket;

/// Borrows the descriptor of a neli socket for as long as the socket lives.
pub(crate) fn borrow_fd(socket: &NlSocket) -> BorrowedFd<'_> {
    // SAFETY: `NlSocket` owns its descriptor and closes it only in its `Drop`, so the
    // descriptor stays open for the lifetime `'_` of the borrow of `socket`.
    unsafe { BorrowedFd::borrow_raw(socket.as_raw_fd()) }
}

/// `setsockopt(fd, level, name, &value, sizeof(int))`.
pub(crate) fn set_int_option(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    let len = libc::socklen_t::try_from(mem::size_of::<libc::c_int>())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `fd` is an open descriptor (BorrowedFd); the option value points to a live
    // `c_int` on our stack and `len` is exactly its size. The kernel only reads it.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast::<libc::c_void>(),
            len,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `getsockopt(fd, level, name, &int, &len)`.
pub(crate) fn get_int_option(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = libc::socklen_t::try_from(mem::size_of::<libc::c_int>())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `fd` is open; `value` and `len` are live locals, and `len` tells the kernel
    // that `value` has room for one `c_int`, so it writes at most that many bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&mut value as *mut libc::c_int).cast::<libc::c_void>(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// One datagram placed by [`recv_many`]: which slot, how many bytes, and whether the kernel
/// cut it short because it did not fit the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Received {
    pub slot: usize,
    pub len: usize,
    pub truncated: bool,
}

/// Reusable `iovec`/`mmsghdr` arrays for [`recv_many`], so that a receive allocates nothing.
/// The pointers they hold are rewritten before every call and never read in between.
#[derive(Default)]
pub(crate) struct MmsgScratch {
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl std::fmt::Debug for MmsgScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmsgScratch")
            .field("capacity", &self.headers.capacity())
            .finish()
    }
}

// SAFETY: the raw pointers inside are only dereferenced by the kernel during `recv_many`,
// which rewrites all of them from a `&mut [u8]` first; between calls they are dead values.
// Moving the scratch to another thread therefore cannot create shared access to anything.
unsafe impl Send for MmsgScratch {}
// SAFETY: no method reads the pointers through `&self`; see `Send` above.
unsafe impl Sync for MmsgScratch {}

/// One `recvmmsg(fd, ..., MSG_DONTWAIT)` into `storage`, split into slots of `slot_len`
/// bytes. Appends what arrived to `out` (cleared first). Returns `Ok(0)` when nothing is
/// queued (`EAGAIN`) or the call was interrupted (`EINTR`); other errors (notably `ENOBUFS`
/// after an overrun) are returned as they are.
pub(crate) fn recv_many(
    fd: BorrowedFd<'_>,
    storage: &mut [u8],
    slot_len: usize,
    scratch: &mut MmsgScratch,
    out: &mut Vec<Received>,
) -> io::Result<usize> {
    out.clear();
    if slot_len == 0 {
        return Ok(0);
    }
    let slots = storage.len() / slot_len;
    scratch.iovecs.clear();
    scratch.headers.clear();
    for chunk in storage.chunks_exact_mut(slot_len).take(slots) {
        scratch.iovecs.push(libc::iovec {
            iov_base: chunk.as_mut_ptr().cast::<libc::c_void>(),
            iov_len: chunk.len(),
        });
    }
    for iov in scratch.iovecs.iter_mut() {
        // SAFETY: `mmsghdr` is a plain C struct of integers and pointers; all-zero is its
        // documented empty value (no name, no control data, no flags).
        let mut header: libc::mmsghdr = unsafe { mem::zeroed() };
        header.msg_hdr.msg_iov = iov as *mut libc::iovec;
        header.msg_hdr.msg_iovlen = 1;
        scratch.headers.push(header);
    }
    let count = scratch.headers.len();
    let vlen = libc::c_uint::try_from(count).unwrap_or(libc::c_uint::MAX);
    // SAFETY: `headers` holds `count` initialised entries, each pointing at one `iovec` in
    // `iovecs`, which in turn describes a disjoint `slot_len`-byte chunk of `storage`. All of
    // them are exclusively borrowed for the duration of the call, so the kernel's writes
    // (datagram bytes into the chunks, `msg_len`/`msg_flags` into the headers) cannot alias
    // anything else. The timeout pointer is null (MSG_DONTWAIT makes the call return at once).
    let rc = unsafe {
        libc::recvmmsg(
            fd.as_raw_fd(),
            scratch.headers.as_mut_ptr(),
            vlen,
            libc::MSG_DONTWAIT,
            std::ptr::null_mut(),
        )
    };
    if rc < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EAGAIN | libc::EINTR) => Ok(0),
            _ => Err(err),
        };
    }
    let received = usize::try_from(rc).unwrap_or(0).min(count);
    for (slot, header) in scratch.headers.iter().take(received).enumerate() {
        let len = usize::try_from(header.msg_len)
            .unwrap_or(slot_len)
            .min(slot_len);
        out.push(Received {
            slot,
            len,
            truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
        });
    }
    Ok(received)
}

/// `poll(fds, timeout_ms)` for readability. Returns, per descriptor, whether it is readable
/// or has a pending error (an overrun shows up as `POLLERR`, and the next receive reports
/// it). `EINTR` returns "nothing ready".
pub(crate) fn poll_readable<const N: usize>(
    fds: [BorrowedFd<'_>; N],
    timeout_ms: libc::c_int,
) -> io::Result<[bool; N]> {
    let mut pollfds = fds.map(|fd| libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    });
    let nfds =
        libc::nfds_t::try_from(N).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `pollfds` is a live array of exactly `N` initialised `pollfd`s; the kernel
    // reads `fd`/`events` and writes `revents` of those `N` entries only.
    let rc = unsafe { libc::poll(pollfds.as_mut_ptr(), nfds, timeout_ms) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EINTR) => Ok([false; N]),
            _ => Err(err),
        };
    }
    Ok(pollfds.map(|p| p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0))
}

/// The most descriptors [`poll_readable_slice`] waits on at once.
pub(crate) const MAX_POLL_FDS: usize = 8;

/// `poll(fds, POLLIN, timeout_ms)` over up to [`MAX_POLL_FDS`] descriptors given as a slice;
/// sets `ready[i]` for each readable `fds[i]`. `EINTR` leaves every flag false.
pub(crate) fn poll_readable_slice(
    fds: &[BorrowedFd<'_>],
    ready: &mut [bool],
    timeout_ms: libc::c_int,
) -> io::Result<()> {
    if fds.len() > MAX_POLL_FDS || ready.len() < fds.len() {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    let unused = libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    };
    let mut pollfds = [unused; MAX_POLL_FDS];
    for (slot, fd) in pollfds.iter_mut().zip(fds) {
        slot.fd = fd.as_raw_fd();
        slot.events = libc::POLLIN;
    }
    let nfds = libc::nfds_t::try_from(fds.len())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `pollfds` is a live array of MAX_POLL_FDS initialised `pollfd`s and `nfds` is
    // at most that; the kernel reads `fd`/`events` and writes `revents` of the first `nfds`.
    let rc = unsafe { libc::poll(pollfds.as_mut_ptr(), nfds, timeout_ms) };
    ready.iter_mut().for_each(|flag| *flag = false);
    if rc < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EINTR) => Ok(()),
            _ => Err(err),
        };
    }
    for (flag, p) in ready.iter_mut().zip(&pollfds[..fds.len()]) {
        *flag = p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0;
    }
    Ok(())
}

/// `socket(domain, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)`: the handle of the legacy
/// x_tables `getsockopt` calls (`IPT_SO_GET_*` on `AF_INET`, `IP6T_SO_GET_*` on `AF_INET6`).
/// It is never used to send or receive. Needs `CAP_NET_RAW` (`EPERM` otherwise).
pub(crate) fn open_raw_ip_socket(domain: libc::c_int) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: `socket(2)` takes plain integers and touches no memory of ours.
    let fd = unsafe {
        libc::socket(
            domain,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::IPPROTO_RAW,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by a successful `socket(2)`: it is open and nothing else
    // owns it, so the `OwnedFd` becomes its only owner and closes it exactly once.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// `getsockopt(fd, level, name, buf, &len)` with `len = buf.len()`, for the options whose
/// buffer is both argument and result (`IPT_SO_GET_INFO` takes the table name in it,
/// `IPT_SO_GET_ENTRIES` the name and size, and both overwrite it). Returns the length the
/// kernel reported, never more than `buf.len()`.
pub(crate) fn get_option_bytes(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    buf: &mut [u8],
) -> io::Result<usize> {
    let mut len = libc::socklen_t::try_from(buf.len())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `fd` is open (BorrowedFd); `buf` is an exclusively borrowed, initialised byte
    // buffer of exactly `len` bytes, and `len` is a live local. The kernel reads at most `len`
    // bytes from `buf` and writes at most `len` bytes back (it copies no more than the length
    // it is given; x_tables even refuses any other length with EINVAL). Bytes have no
    // invalid values, so whatever it writes leaves `buf` valid.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            buf.as_mut_ptr().cast::<libc::c_void>(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(usize::try_from(len).unwrap_or(0).min(buf.len()))
    } else {
        Err(io::Error::last_os_error())
    }
}
