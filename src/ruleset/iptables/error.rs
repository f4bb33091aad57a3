//! Errors of the iptables readers: each names the family, the table (or tool) and what was
//! being done; a malformed entry blob says where and what, a `*-save` text which line.

use std::fmt;
use std::io;
use std::process::ExitStatus;

use super::family::XtFamily;

/// What the kernel reader was doing when a system call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum XtOperation {
    /// `socket(AF_INET[6], SOCK_RAW, IPPROTO_RAW)`.
    OpenSocket,
    /// Reading `/proc/thread-self/net/ip[6]_tables_names`.
    ListTables,
    /// `getsockopt(IPT_SO_GET_INFO)` / `IP6T_SO_GET_INFO`.
    GetInfo,
    /// `getsockopt(IPT_SO_GET_ENTRIES)` / `IP6T_SO_GET_ENTRIES`.
    GetEntries,
}

impl fmt::Display for XtOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            XtOperation::OpenSocket => "opening the raw socket for x_tables getsockopt",
            XtOperation::ListTables => "listing the legacy tables",
            XtOperation::GetInfo => "getsockopt(IPT_SO_GET_INFO)",
            XtOperation::GetEntries => "getsockopt(IPT_SO_GET_ENTRIES)",
        })
    }
}

/// What is wrong with an entry blob (or the `ipt_getinfo` that describes it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlobProblem {
    #[error("ipt_getinfo is {len} bytes, expected {expected}")]
    InfoLength { len: usize, expected: usize },
    #[error("the blob is {len} bytes but ipt_getinfo says {size}")]
    SizeMismatch { len: usize, size: u32 },
    #[error("entry header does not fit ({left} bytes left)")]
    EntryTruncated { left: usize },
    #[error("next_offset {next_offset} is outside the entry or the blob")]
    BadNextOffset { next_offset: u16 },
    #[error("target_offset {target_offset} is outside the entry")]
    BadTargetOffset { target_offset: u16 },
    #[error("target_size {target_size} does not fit the entry")]
    BadTargetSize { target_size: u16 },
    #[error("more entries than the {expected} ipt_getinfo announced")]
    TooManyEntries { expected: u32 },
    #[error("{found} entries, ipt_getinfo announced {expected}")]
    EntryCount { found: usize, expected: u32 },
    #[error("hook {hook}: {what} offset {offset} is not the start of an entry")]
    HookOffset {
        hook: u32,
        what: &'static str,
        offset: u32,
    },
    #[error("hook {hook}: the policy entry comes before the chain's start")]
    HookOrder { hook: u32 },
    #[error("hook {hook}: the policy entry is not an ACCEPT or DROP verdict")]
    BadPolicy { hook: u32 },
    #[error("a chain head (ERROR entry) inside built-in chain {chain}")]
    HeadInBuiltin { chain: &'static str },
    #[error("two chains claim the same entry")]
    Overlap,
    #[error("user chain {chain} has no entries (not even its RETURN)")]
    EmptyChain { chain: String },
    #[error("user chain {chain} does not end with an unconditional RETURN")]
    NoReturn { chain: String },
    #[error("the table does not end with the ERROR \"ERROR\" entry")]
    NoEndMarker,
    #[error("an entry lies outside every chain")]
    Orphan,
    #[error("a chain or target name is not UTF-8")]
    NotUtf8,
}

/// An error of the iptables readers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IptablesError {
    /// `EPERM` / `EACCES`: the process lacks `CAP_NET_ADMIN` / `CAP_NET_RAW` in this network
    /// namespace.
    #[error(
        "{op} ({family} table {table}): permission denied (needs root, or CAP_NET_ADMIN and \
         CAP_NET_RAW in this network namespace)"
    )]
    PermissionDenied {
        op: XtOperation,
        family: XtFamily,
        table: String,
        #[source]
        source: io::Error,
    },
    /// Any other failed system call.
    #[error("{op} ({family} table {table}): {source}")]
    Io {
        op: XtOperation,
        family: XtFamily,
        table: String,
        #[source]
        source: io::Error,
    },
    /// The table changed between `GET_INFO` and `GET_ENTRIES` every time it was read.
    #[error("{family} table {table} kept changing while it was read ({attempts} attempts)")]
    Unstable {
        family: XtFamily,
        table: String,
        attempts: u32,
    },
    /// A table name that cannot be a legacy table (too long for `XT_TABLE_MAXNAMELEN`, or
    /// with a NUL).
    #[error("{family} table name {table:?} is not a valid x_tables name")]
    BadTableName { family: XtFamily, table: String },
    /// The kernel's entry blob does not have the layout nftrace expects.
    #[error("{family} table {table}: malformed entry blob at byte {offset}: {problem}")]
    Malformed {
        family: XtFamily,
        table: String,
        offset: usize,
        problem: BlobProblem,
    },
    /// A `*-save` tool could not be run (other than "not installed").
    #[error("running {tool}: {source}")]
    ToolStart {
        tool: String,
        #[source]
        source: io::Error,
    },
    /// A `*-save` tool ran and failed.
    #[error("{tool} failed ({status}): {stderr}")]
    ToolFailed {
        tool: String,
        status: ExitStatus,
        stderr: String,
    },
    /// A `*-save` text that does not parse.
    #[error("{tool} output, line {line}: {problem}")]
    SaveSyntax {
        tool: String,
        line: usize,
        problem: String,
    },
}

impl IptablesError {
    /// Builds the error for `op` on `table` failing with `source`, recognising missing
    /// privileges.
    pub(crate) fn from_io(
        op: XtOperation,
        family: XtFamily,
        table: &str,
        source: io::Error,
    ) -> IptablesError {
        let table = table.to_owned();
        match source.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => IptablesError::PermissionDenied {
                op,
                family,
                table,
                source,
            },
            _ => IptablesError::Io {
                op,
                family,
                table,
                source,
            },
        }
    }

    /// True when the cause is missing privileges.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, IptablesError::PermissionDenied { .. })
    }
}
