//! Errors of installing, removing and finding trace triggers: each says what was being
//! done and, for an external command, which command with its exit status and stderr.

use std::io;
use std::process::ExitStatus;

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
}

impl TriggerError {
    /// True when the kernel lacks what the trigger needs (so another backend may do).
    pub fn is_feature_missing(&self) -> bool {
        matches!(self, TriggerError::FeatureMissing { .. })
    }
}
