//! The nfnetlink_log source: a NETLINK_NETFILTER socket that binds one nflog group (group 0
//! is where iptables-legacy `-j TRACE` records go once `nfnetlink_log` is the namespace's
//! logger) and configures it for tracing: copy the packet headers, deliver each record at
//! once, number the records. nflog is unicast to the one socket that bound the group.
//!
//! This socket does not touch the logger binding (`net.netfilter.nf_log.<pf>` or
//! `NFULNL_CFG_CMD_PF_BIND`): which logger a family uses is the caller's decision.

use nftrace_sys::nfnetlink::NFNL_SUBSYS_ULOG;
use nftrace_sys::nfnetlink_log::{
    NFULA_CFG_CMD, NFULA_CFG_FLAGS, NFULA_CFG_MODE, NFULA_CFG_QTHRESH, NFULNL_CFG_CMD_BIND,
    NFULNL_CFG_CMD_UNBIND, NFULNL_CFG_F_CONNTRACK, NFULNL_CFG_F_SEQ, NFULNL_CFG_F_SEQ_GLOBAL,
    NFULNL_COPY_PACKET, NFULNL_COPY_RANGE_MAX, NFULNL_MSG_CONFIG,
};

use super::error::{NetlinkError, Operation};
use super::privilege::has_cap_net_admin;
use super::rcvbuf::DEFAULT_RCVBUF_BYTES;
use super::request::NfnlRequest;
use super::socket::{acked_request, NfnlSocket};

/// `nlmsg_type` of nflog configuration requests.
const CONFIG_MSG_TYPE: u16 = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;

/// Group commands carry `AF_UNSPEC`: the family matters only to `PF_BIND`/`PF_UNBIND`.
const AF_UNSPEC: u8 = 0;

/// Records are numbered per group (`NFULA_SEQ`) and per namespace (`NFULA_SEQ_GLOBAL`), so
/// gaps and cross-group order are visible.
const SEQ_FLAGS: u16 = NFULNL_CFG_F_SEQ | NFULNL_CFG_F_SEQ_GLOBAL;

/// Options of an [`NflogSocket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NflogConfig {
    /// The nflog group to bind. iptables-legacy TRACE logs to group 0.
    pub group: u16,
    /// Bytes of each packet, from the network header on, to copy into the record. The
    /// default, 128, holds an IPv6 or IPv4 header with options plus a TCP header. The kernel
    /// caps it at 65531 ([`NFULNL_COPY_RANGE_MAX`]); 0 means that maximum. A record (the
    /// copy plus a few hundred bytes of headers and attributes) must fit one
    /// [`RecvBatch`](super::RecvBatch) slot, or it is dropped and counted as truncated.
    pub copy_range: u32,
    /// Receive buffer to ask for, in bytes (see [`RecvBufferSize`](super::RecvBufferSize)).
    pub rcvbuf_bytes: usize,
}

impl NflogConfig {
    /// Default copy range: 128 bytes.
    pub const DEFAULT_COPY_RANGE: u32 = 128;
}

impl Default for NflogConfig {
    fn default() -> Self {
        NflogConfig {
            group: 0,
            copy_range: Self::DEFAULT_COPY_RANGE,
            rcvbuf_bytes: DEFAULT_RCVBUF_BYTES,
        }
    }
}

/// Whether records carry conntrack information (`NFULA_CT`, `NFULA_CT_INFO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConntrackInfo {
    /// The kernel accepted `NFULNL_CFG_F_CONNTRACK`. Records carry conntrack attributes
    /// when the packet has a conntrack entry.
    Enabled,
    /// The kernel refused the flag with this errno (`EOPNOTSUPP` without the ctnetlink
    /// glue, `EAGAIN` if it just loaded it); records come without conntrack attributes.
    Unavailable {
        /// The kernel's errno.
        errno: i32,
    },
}

/// A socket that owns one nflog group of the calling thread's network namespace. Dropping
/// it unbinds the group (closing the socket would too; the explicit unbind is immediate).
#[derive(Debug)]
pub struct NflogSocket {
    socket: NfnlSocket,
    group: u16,
    copy_range: u32,
    conntrack: ConntrackInfo,
    bound: bool,
}

impl NflogSocket {
    /// Opens the socket, binds `config.group`, sets copy mode `PACKET` with
    /// `config.copy_range`, a queue threshold of 1 (the kernel otherwise holds records up
    /// to a second to batch them) and the sequence flags, then asks, in a message of its
    /// own, for conntrack information. Each step is acknowledged by the kernel.
    ///
    /// Errors: [`NetlinkError::GroupBusy`] when another socket owns the group,
    /// [`NetlinkError::PermissionDenied`] without `CAP_NET_ADMIN`.
    pub fn open(config: NflogConfig) -> Result<Self, NetlinkError> {
        let group = config.group;
        let copy_range = config.copy_range.min(NFULNL_COPY_RANGE_MAX);
        let mut socket = NflogSocket {
            socket: NfnlSocket::open(config.rcvbuf_bytes)?,
            group,
            copy_range,
            conntrack: ConntrackInfo::Unavailable { errno: 0 },
            bound: false,
        };
        socket.bind()?;
        socket.configure()?;
        socket.conntrack = socket.enable_conntrack()?;
        Ok(socket)
    }

    fn bind(&mut self) -> Result<(), NetlinkError> {
        let op = Operation::BindNflogGroup(self.group);
        let (seq, request) = self.config_request();
        let request = request.attr(NFULA_CFG_CMD, [NFULNL_CFG_CMD_BIND]).finish();
        match self.socket.request_ack(op, seq, &request)? {
            Ok(()) => {
                self.bound = true;
                Ok(())
            }
            // Same socket bound twice: EBUSY. Another socket owns the group: EPERM, which
            // nfnetlink also returns to callers without CAP_NET_ADMIN.
            Err(errno @ libc::EBUSY) => Err(self.group_busy(errno)),
            Err(errno @ libc::EPERM) if has_cap_net_admin() != Some(false) => {
                Err(self.group_busy(errno))
            }
            Err(errno) => Err(NetlinkError::from_errno(op, errno)),
        }
    }

    fn configure(&mut self) -> Result<(), NetlinkError> {
        let op = Operation::ConfigureNflogGroup(self.group);
        let (seq, request) = self.config_request();
        let request = request
            .attr(NFULA_CFG_MODE, mode_payload(self.copy_range))
            .attr(NFULA_CFG_QTHRESH, 1u32.to_be_bytes())
            .attr(NFULA_CFG_FLAGS, SEQ_FLAGS.to_be_bytes())
            .finish();
        self.socket
            .request_ack(op, seq, &request)?
            .map_err(|errno| NetlinkError::from_errno(op, errno))
    }

    /// The flags attribute replaces all flags, so this repeats the sequence flags. A
    /// refusal rejects the whole message, which is why it travels alone.
    fn enable_conntrack(&mut self) -> Result<ConntrackInfo, NetlinkError> {
        let op = Operation::EnableNflogConntrack(self.group);
        let (seq, request) = self.config_request();
        let flags = SEQ_FLAGS | NFULNL_CFG_F_CONNTRACK;
        let request = request.attr(NFULA_CFG_FLAGS, flags.to_be_bytes()).finish();
        Ok(match self.socket.request_ack(op, seq, &request)? {
            Ok(()) => ConntrackInfo::Enabled,
            Err(errno) => {
                log::debug!("{op}: refused with errno {errno}; records carry no conntrack info");
                ConntrackInfo::Unavailable { errno }
            }
        })
    }

    fn config_request(&mut self) -> (u32, NfnlRequest) {
        acked_request(&mut self.socket, CONFIG_MSG_TYPE, AF_UNSPEC, self.group)
    }

    fn group_busy(&self, errno: i32) -> NetlinkError {
        NetlinkError::GroupBusy {
            group: self.group,
            source: std::io::Error::from_raw_os_error(errno),
        }
    }

    /// Unbinds the group now and reports the kernel's answer (dropping the socket unbinds
    /// too, but silently).
    pub fn close(mut self) -> Result<(), NetlinkError> {
        let op = Operation::UnbindNflogGroup(self.group);
        let (seq, request) = self.config_request();
        let request = request
            .attr(NFULA_CFG_CMD, [NFULNL_CFG_CMD_UNBIND])
            .finish();
        self.bound = false;
        self.socket
            .request_ack(op, seq, &request)?
            .map_err(|errno| NetlinkError::from_errno(op, errno))
    }

    /// The bound group.
    pub fn group(&self) -> u16 {
        self.group
    }

    /// The copy range in effect (the configured one, capped at the kernel's maximum).
    pub fn copy_range(&self) -> u32 {
        self.copy_range
    }

    /// Whether the kernel agreed to attach conntrack information.
    pub fn conntrack(&self) -> ConntrackInfo {
        self.conntrack
    }

    /// Shorthand for `conntrack() == ConntrackInfo::Enabled`.
    pub fn conntrack_enabled(&self) -> bool {
        self.conntrack == ConntrackInfo::Enabled
    }
}

/// `struct nfulnl_msg_config_mode` (packed, 6 bytes): be32 copy range, u8 copy mode, u8 pad.
fn mode_payload(copy_range: u32) -> [u8; 6] {
    let [r0, r1, r2, r3] = copy_range.to_be_bytes();
    [r0, r1, r2, r3, NFULNL_COPY_PACKET, 0]
}

impl Drop for NflogSocket {
    fn drop(&mut self) {
        if !self.bound {
            return;
        }
        // Fire and forget: the socket closes right after, which also releases the group.
        let request = NfnlRequest::new(
            CONFIG_MSG_TYPE,
            0,
            self.socket.next_seq(),
            AF_UNSPEC,
            self.group,
        )
        .attr(NFULA_CFG_CMD, [NFULNL_CFG_CMD_UNBIND])
        .finish();
        if let Err(e) = self.socket.send(&request) {
            log::debug!("unbinding nflog group {}: {e}", self.group);
        }
    }
}

receiving_socket!(NflogSocket);

#[cfg(test)]
mod tests {
    use super::*;
    use nftrace_sys::nfnetlink_log::nfulnl_msg_config_mode;

    #[test]
    fn mode_payload_matches_the_packed_kernel_struct() {
        assert_eq!(
            mode_payload(128).len(),
            std::mem::size_of::<nfulnl_msg_config_mode>()
        );
        assert_eq!(mode_payload(128), [0, 0, 0, 128, NFULNL_COPY_PACKET, 0]);
        assert_eq!(
            mode_payload(0x0001_0203),
            [0, 1, 2, 3, NFULNL_COPY_PACKET, 0]
        );
    }

    #[test]
    fn defaults() {
        let config = NflogConfig::default();
        assert_eq!(config.group, 0);
        assert_eq!(config.copy_range, 128);
        assert_eq!(config.rcvbuf_bytes, 16 << 20);
    }
}
