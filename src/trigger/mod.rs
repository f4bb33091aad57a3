//! Trace triggers: what makes the kernel trace the packets a session wants, installed at the
//! start and removed at the end whatever ends the run.
//!
//! - [`nft`]: one nf_tables table per run with `meta nftrace set 1` rules (the default);
//! - [`legacy`]: `TRACE` rules in the iptables-legacy raw tables;
//! - [`nf_log`]: the `nfnetlink_log` binding legacy TRACE needs, saved and restored;
//! - [`record`]: the owner record each trigger carries, so a later run can clean up after a
//!   run that was killed.

pub mod error;
pub mod legacy;
pub mod nf_log;
pub mod nft;
pub mod record;
pub mod session;

use crate::filter::Filter;
use record::Record;

/// What to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSpec {
    /// Which packets to trace.
    pub filter: Filter,
    /// Only packets that came in on this interface (prerouting only: locally generated
    /// packets have none, so nothing is installed for output).
    pub iif: Option<String>,
    /// Only packets whose mark, masked, equals the value: `(value, mask)`.
    pub mark: Option<(u32, u32)>,
    /// At most this many packets per second and rule start a trace; 0 for no limit.
    pub rate: u32,
    /// Who installs it, and the nf_log bindings to restore after it.
    pub record: Record,
}

/// The longest interface name (`IFNAMSIZ` - 1).
pub const MAX_INTERFACE_NAME: usize = 15;

/// Checks an interface name as the kernel's `dev_valid_name` does: 1 to 15 bytes, not `.` or
/// `..`, no `/`, `:`, NUL or white space. Both backends and the command line use it.
pub fn check_interface_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_INTERFACE_NAME {
        return Err(format!(
            "interface name `{name}`: {} bytes, at most {MAX_INTERFACE_NAME} allowed",
            name.len()
        ));
    }
    if name == "."
        || name == ".."
        || name.contains(['/', ':', '\0'])
        || name.contains(char::is_whitespace)
    {
        return Err(format!(
            "interface name `{name}`: not a valid name (no `/`, `:`, NUL or spaces)"
        ));
    }
    Ok(())
}
