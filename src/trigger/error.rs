//! Errors of installing, removing and finding trace triggers: each says what was being
//! done and, for an external command, which command with its exit status and stderr.

use std::io;
use std::process::ExitStatus;

use crate::netlink::NftError;
use crate::ruleset::iptables::IptablesError;

/// A trigger could not be installed, removed or found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TriggerError {
    /// An external command (iptables-legacy, …) failed.
    #[error("`{program} {}` failed ({status}): {stderr}", args.join(" "))]
    Command {
        program: String,
        args: Vec<String>,
        status: ExitStatus,
        stderr: String,
    },
    /// A program the trigger needs is not installed (not found on `PATH`).
    #[error("{program} is not installed (not found on PATH)")]
    ToolMissing { program: String },
    /// A system call or file operation failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// The kernel lacks something the trigger needs.
    #[error("the kernel lacks {what}")]
    FeatureMissing { what: String },
    /// Not allowed (not root, or no CAP_NET_ADMIN in the namespace's user namespace).
    #[error("permission denied: {what} (nftrace needs root or CAP_NET_ADMIN)")]
    PermissionDenied { what: String },
    /// The filter (or rate, interface, …) cannot be said in this backend's rules.
    #[error("cannot express {what}")]
    Inexpressible { what: String },
    /// The kernel or a tool answered something that makes no sense.
    #[error("unexpected: {what}")]
    Unexpected { what: String },
    /// Reading iptables state failed.
    #[error(transparent)]
    Iptables(#[from] IptablesError),
    /// Asked to act on a namespace other than the calling thread's.
    #[error("the trigger is in network namespace {expected}, the calling thread in {current}")]
    WrongNamespace { expected: String, current: String },
    /// Installation failed and undoing the part already done failed too.
    #[error("{error}; rolling back failed too, still installed: {}", left.join("; "))]
    RollbackFailed {
        error: Box<TriggerError>,
        left: Vec<String>,
    },
    /// Some parts of a trigger could not be removed.
    #[error("could not remove: {}", left.join("; "))]
    NotRemoved { left: Vec<String> },
    /// An nf_tables request or transaction failed: refused by the kernel (the error names
    /// the message, e.g. "adding rule 3 of chain pre"), or the netlink socket failed.
    #[error(transparent)]
    Nft(#[from] NftError),
}

impl TriggerError {
    /// True when the kernel lacks what the trigger needs (so another backend may do).
    pub fn is_feature_missing(&self) -> bool {
        match self {
            TriggerError::FeatureMissing { .. } => true,
            TriggerError::Nft(err) => err.is_feature_missing(),
            _ => false,
        }
    }

    /// A one-line remedy, when there is one.
    pub fn hint(&self) -> Option<&'static str> {
        if let TriggerError::Nft(err) = self {
            if let Some(hint) = err.hint() {
                return Some(hint);
            }
        }
        if self.is_permission_denied() {
            Some("run nftrace as root, or give it CAP_NET_ADMIN")
        } else if matches!(self, TriggerError::ToolMissing { .. }) {
            Some("install iptables (its iptables-legacy tools), or use --backend nft")
        } else {
            None
        }
    }

    /// True when the cause is missing privileges (root / `CAP_NET_ADMIN`).
    pub fn is_permission_denied(&self) -> bool {
        match self {
            TriggerError::PermissionDenied { .. } => true,
            TriggerError::Nft(err) => err.is_permission_denied(),
            _ => false,
        }
    }
}
