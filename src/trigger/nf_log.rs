//! The `nf_log` binding iptables-legacy `TRACE` needs: the kernel hands TRACE records to
//! whatever logger is bound for the packet's family (`net.netfilter.nf_log.<family>`), and
//! only `nfnetlink_log` delivers them to nftrace. A run binds it, remembers what was bound
//! before (`NONE` or a logger's name) and writes that back at the end.
//!
//! The sysctls are per network namespace, and which namespace a path under `/proc/sys/net`
//! names is decided when the file is opened, by the network namespace of the *thread* that
//! opens it. A [`NfLogBinding`] therefore keeps the files it opened: restoring writes
//! through them, so it reaches the namespace that was bound whichever thread restores.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;

use super::error::TriggerError;

/// Where the per-family sysctls live (`net.netfilter.nf_log.<family>`).
pub const NF_LOG_DIR: &str = "/proc/sys/net/netfilter/nf_log";

/// The logger that delivers TRACE records over netlink.
pub const NFNETLINK_LOG: &str = "nfnetlink_log";

/// The value of an unbound family, and what unbinds one when written.
pub const UNBOUND: &str = "NONE";

/// The longest value read back (a logger name is at most 63 bytes, `NFLOGGER_NAME_LEN`).
const MAX_VALUE: usize = 64;

/// One family's sysctl file, opened in the calling thread's namespace.
#[derive(Debug)]
struct Sysctl {
    family: u8,
    file: File,
}

impl Sysctl {
    fn path(family: u8) -> String {
        format!("{NF_LOG_DIR}/{family}")
    }

    fn what(&self) -> String {
        format!("net.netfilter.nf_log.{}", self.family)
    }

    /// Opens the family's sysctl for reading and writing.
    fn open(family: u8) -> Result<Sysctl, TriggerError> {
        let path = Sysctl::path(family);
        match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => Ok(Sysctl { family, file }),
            Err(err) => Err(classify(err, &format!("opening {path}"), None)),
        }
    }

    /// The bound logger's name, or [`UNBOUND`].
    fn read(&self) -> Result<String, TriggerError> {
        let mut buf = [0u8; MAX_VALUE + 1];
        let len = self
            .file
            .read_at(&mut buf, 0)
            .map_err(|err| classify(err, &format!("reading {}", self.what()), None))?;
        let text = String::from_utf8_lossy(&buf[..len]).trim().to_owned();
        if text.is_empty() || text.split_ascii_whitespace().count() != 1 {
            return Err(TriggerError::Unexpected {
                what: format!("{} reads {text:?}, not a logger name", self.what()),
            });
        }
        Ok(text)
    }

    /// Binds `value` (a logger's name, or [`UNBOUND`]).
    fn write(&self, value: &str) -> Result<(), TriggerError> {
        // One write at offset 0: the kernel takes the whole value from a single write.
        let written = self.file.write_at(value.as_bytes(), 0).map_err(|err| {
            classify(
                err,
                &format!("writing {value} to {}", self.what()),
                Some(value),
            )
        })?;
        if written != value.len() {
            return Err(TriggerError::Unexpected {
                what: format!(
                    "{}: wrote {written} of the {} bytes of {value:?}",
                    self.what(),
                    value.len()
                ),
            });
        }
        Ok(())
    }
}

/// Turns an I/O error on an nf_log sysctl into a [`TriggerError`]: a missing file (a kernel
/// without nf_log) or, on a write, an unknown logger (`ENOENT` from the kernel) is a missing
/// feature; `EACCES`/`EPERM` is a permission problem; the rest is I/O.
fn classify(err: io::Error, what: &str, written: Option<&str>) -> TriggerError {
    match (err.kind(), written) {
        (io::ErrorKind::NotFound, None) => TriggerError::FeatureMissing {
            what: format!("nf_log sysctls ({what}: {err}; a kernel without nf_log?)"),
        },
        (io::ErrorKind::NotFound, Some(logger)) => TriggerError::FeatureMissing {
            what: format!(
                "the {logger} logger ({what}: the kernel knows no such logger; module not loaded?)"
            ),
        },
        (io::ErrorKind::PermissionDenied, _) => TriggerError::PermissionDenied {
            what: format!("{what}: {err}"),
        },
        _ if err.raw_os_error() == Some(libc::EPERM) => TriggerError::PermissionDenied {
            what: format!("{what}: {err}"),
        },
        _ => TriggerError::Io {
            what: what.to_owned(),
            source: err,
        },
    }
}

/// Reads `net.netfilter.nf_log.<family>` in the calling thread's network namespace.
pub fn read(family: u8) -> Result<String, TriggerError> {
    Sysctl::open(family)?.read()
}

/// `nfnetlink_log` bound for some families of one namespace, with what was bound before.
/// Restored by [`NfLogBinding::restore`], or on drop (best effort).
#[derive(Debug)]
pub struct NfLogBinding {
    /// Each family's open sysctl and the value found before binding, in the order bound.
    families: Vec<(Sysctl, String)>,
}

/// Binds `nfnetlink_log` for each of `families` (`NFPROTO_IPV4` = 2, `NFPROTO_IPV6` = 10) in
/// the calling thread's network namespace. All or nothing: when one family fails, those
/// already bound are restored before the error is returned.
pub fn bind(families: &[u8]) -> Result<NfLogBinding, TriggerError> {
    let mut binding = NfLogBinding {
        families: Vec::new(),
    };
    for &family in families {
        if binding.families.iter().any(|(s, _)| s.family == family) {
            continue;
        }
        // On error, dropping `binding` restores the families bound so far.
        let sysctl = Sysctl::open(family)?;
        let old = sysctl.read()?;
        if old != NFNETLINK_LOG {
            sysctl.write(NFNETLINK_LOG)?;
        }
        binding.families.push((sysctl, old));
    }
    Ok(binding)
}

impl NfLogBinding {
    /// What was bound before, by family: for the [`Record`](super::record::Record).
    pub fn saved(&self) -> Vec<(u8, String)> {
        self.families
            .iter()
            .map(|(sysctl, old)| (sysctl.family, old.clone()))
            .collect()
    }

    /// One line for the user: `nf_log.2: nf_log_ipv4 -> nfnetlink_log, ...`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .families
            .iter()
            .map(|(sysctl, old)| format!("nf_log.{}: {old} -> {NFNETLINK_LOG}", sysctl.family))
            .collect();
        format!("bound {}", parts.join(", "))
    }

    /// Writes the previous values back (in the namespace that was bound, whatever the
    /// calling thread's). Every family is tried; the first error is returned.
    pub fn restore(mut self) -> Result<(), TriggerError> {
        self.restore_all()
    }

    fn restore_all(&mut self) -> Result<(), TriggerError> {
        let mut first_error = None;
        // Newest first, the reverse of binding.
        while let Some((sysctl, old)) = self.families.pop() {
            if let Err(err) = sysctl.write(&old) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for NfLogBinding {
    fn drop(&mut self) {
        if let Err(err) = self.restore_all() {
            log::warn!("restoring the nf_log binding: {err}");
        }
    }
}

/// Writes recorded values back in the calling thread's network namespace: what a later run
/// does with the [`Record`](super::record::Record) of a run that was killed. Values are
/// checked to be a single word (a logger name or `NONE`) before anything is written; every
/// family is tried and the first error returned.
pub fn restore_values(values: &[(u8, String)]) -> Result<(), TriggerError> {
    for (family, value) in values {
        if value.is_empty() || value.len() >= MAX_VALUE || value.contains(char::is_whitespace) {
            return Err(TriggerError::Unexpected {
                what: format!("recorded nf_log.{family} value {value:?} is not a logger name"),
            });
        }
    }
    let mut first_error = None;
    for (family, value) in values {
        let result = Sysctl::open(*family).and_then(|sysctl| sysctl.write(value));
        if let Err(err) = result {
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified() {
        let missing = io::Error::from_raw_os_error(libc::ENOENT);
        assert!(matches!(
            classify(missing, "opening x", None),
            TriggerError::FeatureMissing { .. }
        ));
        let unknown_logger = io::Error::from_raw_os_error(libc::ENOENT);
        match classify(unknown_logger, "writing", Some(NFNETLINK_LOG)) {
            TriggerError::FeatureMissing { what } => {
                assert!(what.contains(NFNETLINK_LOG), "{what}")
            }
            other => panic!("{other:?}"),
        }
        for errno in [libc::EACCES, libc::EPERM] {
            assert!(matches!(
                classify(io::Error::from_raw_os_error(errno), "w", Some("NONE")),
                TriggerError::PermissionDenied { .. }
            ));
        }
        assert!(matches!(
            classify(io::Error::from_raw_os_error(libc::EIO), "w", None),
            TriggerError::Io { .. }
        ));
    }

    #[test]
    fn recorded_values_that_are_not_names_are_refused_before_writing() {
        for bad in ["", "two words", "x\n"] {
            assert!(matches!(
                restore_values(&[(2, bad.to_owned())]),
                Err(TriggerError::Unexpected { .. })
            ));
        }
    }
}
