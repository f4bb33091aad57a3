//! What every receiving socket (`TraceSocket`, `NftMonitor`, `NflogSocket`) offers the same
//! way, over the [`NfnlSocket`](super::socket::NfnlSocket) in its `socket` field: receiving
//! in bulk, the counters, the receive buffer, the port id and the file descriptor.

/// Implements `recv`, `stats`, `rcvbuf`, `port_id`, `AsFd` and `AsRawFd` for `$ty`, whose
/// field `socket` is an `NfnlSocket`.
macro_rules! receiving_socket {
    ($ty:ident) => {
        impl $ty {
            /// Receives the queued datagrams into `batch` without blocking (see
            /// [`RecvBatch`](crate::netlink::RecvBatch)) and returns how many there are.
            /// Overruns are counted in [`Self::stats`], not returned.
            pub fn recv(
                &mut self,
                batch: &mut crate::netlink::RecvBatch,
            ) -> Result<usize, crate::netlink::NetlinkError> {
                self.socket.recv(batch)
            }

            /// Counters so far.
            pub fn stats(&self) -> crate::netlink::SocketStats {
                self.socket.stats()
            }

            /// The receive buffer asked for and obtained.
            pub fn rcvbuf(&self) -> crate::netlink::RecvBufferSize {
                self.socket.rcvbuf()
            }

            /// The netlink port id the kernel assigned to this socket (for nflog, the
            /// `portid` column of `/proc/net/netfilter/nfnetlink_log`).
            pub fn port_id(&self) -> Option<u32> {
                self.socket.port_id()
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.socket.as_fd()
            }
        }

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.socket.as_raw_fd()
            }
        }
    };
}
