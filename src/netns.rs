//! Entering another network namespace (`--netns NAME|PATH|PID`) before anything else, so
//! that every socket, dump, sysctl and tool nftrace runs belongs to it — a container's, or
//! one made with `ip netns add`.

use std::fmt;
use std::fs::File;
use std::io;
use std::path::PathBuf;

use nix::sched::{setns, CloneFlags};
use thiserror::Error;

/// Which namespace: a name from `ip netns` (`/run/netns/NAME`), a path to a namespace file
/// (`/proc/PID/ns/net`, a bind mount), or a process id whose namespace to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetnsSpec {
    Name(String),
    Path(PathBuf),
    Pid(u32),
}

impl NetnsSpec {
    /// Reads the `--netns` argument: digits are a pid, anything with a `/` a path, the rest a
    /// name.
    pub fn parse(text: &str) -> Result<NetnsSpec, String> {
        if text.is_empty() {
            return Err("an empty namespace name".to_owned());
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse()
                .map(NetnsSpec::Pid)
                .map_err(|_| format!("`{text}` is not a process id"));
        }
        if text.contains('/') {
            return Ok(NetnsSpec::Path(PathBuf::from(text)));
        }
        if text == "." || text == ".." {
            return Err(format!("`{text}` is not a namespace name"));
        }
        Ok(NetnsSpec::Name(text.to_owned()))
    }

    /// The file to open.
    pub fn path(&self) -> PathBuf {
        match self {
            NetnsSpec::Name(name) => PathBuf::from("/run/netns").join(name),
            NetnsSpec::Path(path) => path.clone(),
            NetnsSpec::Pid(pid) => PathBuf::from(format!("/proc/{pid}/ns/net")),
        }
    }
}

impl fmt::Display for NetnsSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetnsSpec::Name(name) => write!(f, "network namespace `{name}`"),
            NetnsSpec::Path(path) => write!(f, "network namespace {}", path.display()),
            NetnsSpec::Pid(pid) => write!(f, "the network namespace of process {pid}"),
        }
    }
}

/// Why the namespace could not be entered.
#[derive(Debug, Error)]
pub enum NetnsError {
    #[error("{spec}: no such namespace ({path} does not exist{hint})")]
    NotFound {
        spec: NetnsSpec,
        path: String,
        hint: &'static str,
    },
    #[error("{spec}: {path} is not a network namespace")]
    NotANamespace { spec: NetnsSpec, path: String },
    #[error("{spec}: permission denied; run nftrace as root (CAP_SYS_ADMIN is needed to enter a namespace)")]
    PermissionDenied { spec: NetnsSpec },
    #[error("{spec}: opening {path}: {source}")]
    Io {
        spec: NetnsSpec,
        path: String,
        #[source]
        source: io::Error,
    },
}

/// Moves the calling thread into the namespace. Call it before opening anything and before
/// starting threads: only the calling thread moves, and processes it starts inherit it.
pub fn enter(spec: &NetnsSpec) -> Result<(), NetnsError> {
    let path = spec.path();
    let shown = path.display().to_string();
    let file = File::open(&path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => NetnsError::NotFound {
            spec: spec.clone(),
            path: shown.clone(),
            hint: match spec {
                NetnsSpec::Name(_) => "; `ip netns list` shows the names",
                NetnsSpec::Pid(_) => "; is the process running?",
                NetnsSpec::Path(_) => "",
            },
        },
        io::ErrorKind::PermissionDenied => NetnsError::PermissionDenied { spec: spec.clone() },
        _ => NetnsError::Io {
            spec: spec.clone(),
            path: shown.clone(),
            source,
        },
    })?;
    setns(&file, CloneFlags::CLONE_NEWNET).map_err(|errno| match errno {
        nix::errno::Errno::EINVAL => NetnsError::NotANamespace {
            spec: spec.clone(),
            path: shown.clone(),
        },
        nix::errno::Errno::EPERM => NetnsError::PermissionDenied { spec: spec.clone() },
        other => NetnsError::Io {
            spec: spec.clone(),
            path: shown,
            source: io::Error::from(other),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_forms() {
        assert_eq!(NetnsSpec::parse("1234"), Ok(NetnsSpec::Pid(1234)));
        assert_eq!(
            NetnsSpec::parse("fwd"),
            Ok(NetnsSpec::Name("fwd".to_owned()))
        );
        assert_eq!(
            NetnsSpec::parse("/proc/1/ns/net"),
            Ok(NetnsSpec::Path(PathBuf::from("/proc/1/ns/net")))
        );
        assert!(NetnsSpec::parse("").is_err());
        assert!(NetnsSpec::parse("..").is_err());
        assert!(NetnsSpec::parse("99999999999999").is_err());
        assert_eq!(
            NetnsSpec::Name("fwd".to_owned()).path(),
            PathBuf::from("/run/netns/fwd")
        );
    }

    #[test]
    fn a_missing_namespace_is_a_clear_error() {
        let spec = NetnsSpec::Name("nftrace-no-such-namespace".to_owned());
        let err = enter(&spec).unwrap_err();
        assert!(matches!(err, NetnsError::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("ip netns list"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_namespace_is_refused() {
        let spec = NetnsSpec::Path(PathBuf::from("/proc/self/status"));
        let err = enter(&spec).unwrap_err();
        assert!(matches!(err, NetnsError::NotANamespace { .. }), "{err}");
    }
}
