//! Why the hook table could not be read: each error says which dump or file, and the errno.

use std::fmt;
use std::io;

use super::model::{family_label, hook_name};
use crate::netlink::DumpSocketError;
use crate::ruleset::interfaces::InterfacesError;
use crate::ruleset::nft::NftRulesetError;
use crate::wire::DecodeError;

/// Which hook list a request was for: family, hook and (netdev) device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookPoint {
    /// `NFPROTO_*`.
    pub family: u8,
    /// The hook number.
    pub hook: u32,
    /// The device of a netdev hook.
    pub device: Option<String>,
}

impl fmt::Display for HookPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            family_label(self.family),
            hook_name(self.family, self.hook)
        )?;
        if let Some(device) = &self.device {
            write!(f, " device {device}")?;
        }
        Ok(())
    }
}

/// An error of the hook table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HookError {
    /// The kernel has no hook dump: nfnetlink_hook (`CONFIG_NETFILTER_NETLINK_HOOK`) is not
    /// built or cannot be loaded. nfnetlink answers a message for a subsystem it lacks with
    /// `EINVAL`; `EOPNOTSUPP`, `EPROTONOSUPPORT` and `ENOENT` mean the same.
    #[error(
        "this kernel cannot list its netfilter hooks (nfnetlink_hook, \
         CONFIG_NETFILTER_NETLINK_HOOK, is missing): {}",
        io::Error::from_raw_os_error(*errno)
    )]
    Unsupported {
        /// The errno of the refusal.
        errno: i32,
    },
    /// A system call on a netlink socket failed.
    #[error("{what}: {op}: {source}")]
    Io {
        /// Which dump (`"the hook dump"`).
        what: &'static str,
        /// What was being done.
        op: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The kernel refused the dump of one hook list.
    #[error("the kernel refused the hook dump of {point}: {}{}",
        io::Error::from_raw_os_error(*errno),
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Refused {
        /// Which list.
        point: HookPoint,
        /// The positive errno.
        errno: i32,
        /// The kernel's extended-ack message.
        message: Option<String>,
    },
    /// The nf_tables ruleset, read for its base chains, could not be dumped.
    #[error("dumping the nf_tables ruleset for its base chains: {source}")]
    Ruleset {
        /// What failed.
        #[source]
        source: NftRulesetError,
    },
    /// The kernel refused another dump.
    #[error("the kernel refused {what}: {}{}",
        io::Error::from_raw_os_error(*errno),
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    DumpRefused {
        /// Which dump.
        what: &'static str,
        /// The positive errno.
        errno: i32,
        /// The kernel's extended-ack message.
        message: Option<String>,
    },
    /// A reply could not be decoded.
    #[error("decoding {what}: {source}")]
    Decode {
        /// Which dump.
        what: String,
        /// What was wrong.
        #[source]
        source: DecodeError,
    },
    /// A list kept changing while it was dumped (`NLM_F_DUMP_INTR` on every attempt).
    #[error("{what} kept changing while it was read ({attempts} attempts)")]
    Inconsistent {
        /// Which dump.
        what: String,
        /// How many times it was tried.
        attempts: u32,
    },
    /// A file of `/proc` could not be read.
    #[error("reading {path}: {source}")]
    ReadProc {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The interfaces (for the netdev hooks) could not be listed.
    #[error("listing the interfaces for their netdev hooks: {source}")]
    Interfaces {
        /// What failed.
        #[from]
        source: InterfacesError,
    },
    /// Neither the kernel's hook dump nor the ruleset could give the order.
    #[error("no hook order: the kernel's hook dump failed ({kernel}), and so did reading the ruleset to derive it ({derived})")]
    NoSource {
        /// Why the kernel's dump failed.
        kernel: Box<HookError>,
        /// Why the derivation failed.
        derived: Box<HookError>,
    },
}

impl HookError {
    /// True when the kernel lacks the hook dump (so a derived table is the best there is).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, HookError::Unsupported { .. })
    }

    /// True when the cause is missing privileges (every nfnetlink request needs
    /// `CAP_NET_ADMIN` in the namespace, dumps included).
    pub fn is_permission_denied(&self) -> bool {
        let denied = |errno: i32| errno == libc::EPERM || errno == libc::EACCES;
        match self {
            HookError::Refused { errno, .. } | HookError::DumpRefused { errno, .. } => {
                denied(*errno)
            }
            HookError::Io { source, .. } | HookError::ReadProc { source, .. } => {
                source.raw_os_error().is_some_and(denied)
            }
            HookError::Ruleset { source } => source.is_permission_denied(),
            HookError::NoSource { kernel, derived } => {
                kernel.is_permission_denied() || derived.is_permission_denied()
            }
            _ => false,
        }
    }

    /// Maps an error of a dump other than a hook list's.
    pub(crate) fn from_dump(what: &'static str, error: DumpSocketError) -> Self {
        match error {
            DumpSocketError::Io { op, source } => HookError::Io { what, op, source },
            DumpSocketError::Refused { errno, message } => HookError::DumpRefused {
                what,
                errno,
                message,
            },
            DumpSocketError::Decode(source) => HookError::Decode {
                what: what.to_owned(),
                source,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_hook_and_recognise_missing_privileges() {
        let point = HookPoint {
            family: 5,
            hook: 0,
            device: Some("eth0".into()),
        };
        let refused = HookError::Refused {
            point,
            errno: libc::EPERM,
            message: None,
        };
        assert!(refused.is_permission_denied());
        let text = refused.to_string();
        assert!(
            text.starts_with("the kernel refused the hook dump of netdev ingress device eth0: "),
            "{text}"
        );
        let both = HookError::NoSource {
            kernel: Box::new(refused),
            derived: Box::new(HookError::Unsupported {
                errno: libc::EINVAL,
            }),
        };
        assert!(both.is_permission_denied());
        assert!(!both.is_unsupported());
        assert!(HookError::Unsupported {
            errno: libc::EINVAL
        }
        .to_string()
        .contains("CONFIG_NETFILTER_NETLINK_HOOK"));
    }
}
