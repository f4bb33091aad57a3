//! Errors of the socket layer: every one names the operation that failed and carries the
//! errno, and the common causes (missing privileges, a kernel without the feature, a taken
//! nflog group) get their own variants so the CLI can print a one-line remedy.

use std::fmt;
use std::io;
use std::time::Duration;

/// What the socket layer was doing when something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)`.
    OpenSocket,
    /// `bind()` of the netlink socket to a kernel-chosen port id.
    BindSocket,
    /// `NETLINK_ADD_MEMBERSHIP` of the given multicast group.
    JoinGroup(u32),
    /// Switching the socket to non-blocking mode.
    SetNonBlocking,
    /// `SO_RCVBUFFORCE` / `SO_RCVBUF`.
    SetReceiveBuffer,
    /// `getsockopt(SO_RCVBUF)`.
    ReadReceiveBuffer,
    /// `NFULNL_CFG_CMD_BIND` of an nflog group.
    BindNflogGroup(u16),
    /// Copy mode, queue threshold and sequence flags of an nflog group.
    ConfigureNflogGroup(u16),
    /// The optional `NFULNL_CFG_F_CONNTRACK` flag of an nflog group.
    EnableNflogConntrack(u16),
    /// `NFULNL_CFG_CMD_UNBIND` of an nflog group.
    UnbindNflogGroup(u16),
    /// Receiving datagrams.
    Receive,
    /// Waiting for the sockets to become readable.
    Poll,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Operation::OpenSocket => f.write_str("opening a NETLINK_NETFILTER socket"),
            Operation::BindSocket => f.write_str("binding the netlink socket"),
            Operation::JoinGroup(group) => match group_name(group) {
                Some(name) => write!(f, "joining {name}"),
                None => write!(f, "joining nfnetlink multicast group {group}"),
            },
            Operation::SetNonBlocking => f.write_str("making the netlink socket non-blocking"),
            Operation::SetReceiveBuffer => f.write_str("setting the socket receive buffer size"),
            Operation::ReadReceiveBuffer => f.write_str("reading the socket receive buffer size"),
            Operation::BindNflogGroup(group) => write!(f, "binding nflog group {group}"),
            Operation::ConfigureNflogGroup(group) => write!(
                f,
                "configuring nflog group {group} (copy mode, queue threshold, sequence numbers)"
            ),
            Operation::EnableNflogConntrack(group) => {
                write!(f, "enabling conntrack information on nflog group {group}")
            }
            Operation::UnbindNflogGroup(group) => write!(f, "unbinding nflog group {group}"),
            Operation::Receive => f.write_str("receiving from the netlink socket"),
            Operation::Poll => f.write_str("waiting for the netlink sockets"),
        }
    }
}

fn group_name(group: u32) -> Option<&'static str> {
    use nftrace_sys::nfnetlink::{NFNLGRP_NFTABLES, NFNLGRP_NFTRACE};
    match group {
        NFNLGRP_NFTRACE => Some("NFNLGRP_NFTRACE"),
        NFNLGRP_NFTABLES => Some("NFNLGRP_NFTABLES"),
        _ => None,
    }
}

/// An error of the socket layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetlinkError {
    /// `EPERM` / `EACCES`: the process lacks `CAP_NET_ADMIN` in this network namespace.
    #[error("{op}: permission denied (needs root or CAP_NET_ADMIN in this network namespace)")]
    PermissionDenied {
        /// What was being done.
        op: Operation,
        /// The kernel's error.
        #[source]
        source: io::Error,
    },
    /// `EPROTONOSUPPORT` / `ENOENT` / `EOPNOTSUPP` / `EAFNOSUPPORT`: the running kernel lacks
    /// nfnetlink, nf_tables or nfnetlink_log (not built, or the module cannot be loaded).
    #[error("{op}: not supported by this kernel ({source})")]
    FeatureMissing {
        /// What was being done.
        op: Operation,
        /// The kernel's error.
        #[source]
        source: io::Error,
    },
    /// The nflog group already has a listener in this network namespace (the kernel allows
    /// one per group; another socket's bind gets `EPERM`, the same socket's `EBUSY`).
    #[error(
        "binding nflog group {group}: another listener already owns this group in this \
         network namespace (the kernel allows only one per group)"
    )]
    GroupBusy {
        /// The nflog group.
        group: u16,
        /// The kernel's error.
        #[source]
        source: io::Error,
    },
    /// Any other failure of a system call or a kernel reply carrying an errno.
    #[error("{op}: {source}")]
    Io {
        /// What was being done.
        op: Operation,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The kernel did not acknowledge a request in time.
    #[error("{op}: no acknowledgement from the kernel within {timeout:?}")]
    AckTimeout {
        /// What was being done.
        op: Operation,
        /// How long we waited.
        timeout: Duration,
    },
}

impl NetlinkError {
    /// Builds the error for `op` failing with `source`, recognising missing privileges and
    /// missing kernel features by errno.
    pub fn from_io(op: Operation, source: io::Error) -> Self {
        match source.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => NetlinkError::PermissionDenied { op, source },
            Some(libc::EPROTONOSUPPORT | libc::ENOENT | libc::EOPNOTSUPP | libc::EAFNOSUPPORT) => {
                NetlinkError::FeatureMissing { op, source }
            }
            _ => NetlinkError::Io { op, source },
        }
    }

    /// Builds the error for a request the kernel refused with `errno` (positive).
    pub(crate) fn from_errno(op: Operation, errno: i32) -> Self {
        Self::from_io(op, io::Error::from_raw_os_error(errno))
    }

    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        match self {
            NetlinkError::PermissionDenied { op, .. }
            | NetlinkError::FeatureMissing { op, .. }
            | NetlinkError::Io { op, .. }
            | NetlinkError::AckTimeout { op, .. } => *op,
            NetlinkError::GroupBusy { group, .. } => Operation::BindNflogGroup(*group),
        }
    }

    /// The errno behind the error, if there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::PermissionDenied { source, .. }
            | NetlinkError::FeatureMissing { source, .. }
            | NetlinkError::GroupBusy { source, .. }
            | NetlinkError::Io { source, .. } => source.raw_os_error(),
            NetlinkError::AckTimeout { .. } => None,
        }
    }

    /// True when the cause is missing privileges (root / `CAP_NET_ADMIN`).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, NetlinkError::PermissionDenied { .. })
    }

    /// True when the running kernel lacks the feature.
    pub fn is_feature_missing(&self) -> bool {
        matches!(self, NetlinkError::FeatureMissing { .. })
    }

    /// A one-line remedy for the common causes, for the CLI to print under the error.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            NetlinkError::PermissionDenied { .. } => {
                Some("run nftrace as root, or give it CAP_NET_ADMIN (e.g. `sudo nftrace ...`)")
            }
            NetlinkError::FeatureMissing { .. } => Some(
                "this kernel lacks nfnetlink, nf_tables or nfnetlink_log: \
                 load the modules (`modprobe nfnetlink_log nf_tables`) or use a kernel with them",
            ),
            NetlinkError::GroupBusy { .. } => Some(
                "stop the other listener on this nflog group (another nftrace, ulogd2, \
                 `tshark -i nflog:0`, ...) or run in another network namespace",
            ),
            NetlinkError::Io { .. } | NetlinkError::AckTimeout { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eperm_and_eacces_mean_missing_privileges() {
        for errno in [libc::EPERM, libc::EACCES] {
            let err = NetlinkError::from_errno(Operation::JoinGroup(9), errno);
            assert!(err.is_permission_denied(), "{errno}");
            assert!(!err.is_feature_missing());
            assert_eq!(err.errno(), Some(errno));
            assert!(err.hint().is_some());
            let text = err.to_string();
            assert!(text.starts_with("joining NFNLGRP_NFTRACE: "), "{text}");
            assert!(text.contains("CAP_NET_ADMIN"), "{text}");
        }
    }

    #[test]
    fn missing_kernel_features_are_recognised() {
        for errno in [libc::EPROTONOSUPPORT, libc::ENOENT, libc::EOPNOTSUPP] {
            let err = NetlinkError::from_errno(Operation::OpenSocket, errno);
            assert!(err.is_feature_missing(), "{errno}");
            assert!(!err.is_permission_denied());
            assert_eq!(err.operation(), Operation::OpenSocket);
        }
    }

    #[test]
    fn other_errnos_stay_plain_io_errors_with_context() {
        let err = NetlinkError::from_errno(Operation::BindNflogGroup(0), libc::EINVAL);
        assert!(matches!(err, NetlinkError::Io { .. }));
        assert_eq!(err.hint(), None);
        assert!(err.to_string().starts_with("binding nflog group 0: "));
    }

    #[test]
    fn group_busy_names_the_group_and_the_bind() {
        let err = NetlinkError::GroupBusy {
            group: 0,
            source: io::Error::from_raw_os_error(libc::EPERM),
        };
        assert_eq!(err.operation(), Operation::BindNflogGroup(0));
        assert!(!err.is_permission_denied());
        assert!(err.to_string().contains("another listener"));
    }
}
