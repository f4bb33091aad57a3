//! Reading legacy tables from the kernel: which tables exist in the namespace, and each
//! one's `ipt_getinfo` and entry blob through `getsockopt` on a raw IP socket.
//!
//! Which tables exist comes from `/proc/thread-self/net/ip_tables_names` (and
//! `ip6_tables_names`), never from probing: on current kernels `IPT_SO_GET_INFO` for a table
//! that does not exist yet in the namespace *creates* it from its template (seen on 6.18:
//! asking for `nat` in a fresh namespace instantiated the nat table, whose hooks turn on
//! conntrack). A table is only asked for once the kernel lists it. `ENOENT` (the table is not
//! there after all, or its module is absent) and `ENOPROTOOPT` (no `ip_tables` at all) mean
//! "no such table".
//!
//! Everything here is per network namespace: the socket belongs to the namespace of the
//! thread that opened it, the `/proc` list to the namespace of the thread that reads it.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use nftrace_sys::x_tables::{ipt_get_entries, XT_TABLE_MAXNAMELEN};

use super::blob::{TableInfo, GETINFO_LEN};
use super::error::{IptablesError, XtOperation};
use super::family::XtFamily;
use crate::netlink::{get_option_bytes, open_raw_ip_socket};

/// How many times a table is read again when it changed between `GET_INFO` and
/// `GET_ENTRIES` (the kernel then refuses the size with `EAGAIN`).
const READ_ATTEMPTS: u32 = 5;

/// A table as the kernel returned it: its info and its entry blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTable {
    pub info: TableInfo,
    pub blob: Vec<u8>,
}

/// The names of the legacy tables that exist in the calling thread's network namespace, in
/// the kernel's order. Empty when the family's x_tables are absent.
pub fn table_names(family: XtFamily) -> Result<Vec<String>, IptablesError> {
    match std::fs::read_to_string(family.names_file()) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(IptablesError::from_io(
            XtOperation::ListTables,
            family,
            "*",
            err,
        )),
    }
}

/// The `getsockopt` handle of one family: a raw IP socket that is never used for traffic.
#[derive(Debug)]
pub struct XtSocket {
    fd: OwnedFd,
    family: XtFamily,
}

/// The table name as the kernel wants it: NUL-padded into `XT_TABLE_MAXNAMELEN` bytes.
fn name_field(family: XtFamily, table: &str) -> Result<[u8; XT_TABLE_MAXNAMELEN], IptablesError> {
    let bytes = table.as_bytes();
    let mut field = [0u8; XT_TABLE_MAXNAMELEN];
    let slot = field
        .get_mut(..bytes.len())
        .filter(|_| bytes.len() < XT_TABLE_MAXNAMELEN && !bytes.contains(&0))
        .ok_or_else(|| IptablesError::BadTableName {
            family,
            table: table.to_owned(),
        })?;
    slot.copy_from_slice(bytes);
    Ok(field)
}

/// True for the errnos that mean "this table (or x_tables itself) is not there".
fn is_absent(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::ENOENT | libc::ENOPROTOOPT))
}

impl XtSocket {
    /// Opens the handle in the calling thread's network namespace.
    pub fn open(family: XtFamily) -> Result<XtSocket, IptablesError> {
        let fd = open_raw_ip_socket(family.domain())
            .map_err(|err| IptablesError::from_io(XtOperation::OpenSocket, family, "*", err))?;
        Ok(XtSocket { fd, family })
    }

    /// The family this handle reads.
    pub fn family(&self) -> XtFamily {
        self.family
    }

    /// `IPT_SO_GET_INFO` of `table`; `None` when there is no such table.
    ///
    /// Only ask for tables [`table_names`] lists: the kernel creates a missing table that
    /// has a template (see the module documentation).
    pub fn info(&self, table: &str) -> Result<Option<TableInfo>, IptablesError> {
        let mut buf = [0u8; GETINFO_LEN];
        let name = name_field(self.family, table)?;
        buf.get_mut(..name.len())
            .unwrap_or_default()
            .copy_from_slice(&name);
        let level = self.family.level();
        match get_option_bytes(self.fd.as_fd(), level, self.family.get_info(), &mut buf) {
            Ok(_) => {}
            Err(err) if is_absent(&err) => return Ok(None),
            Err(err) => {
                return Err(IptablesError::from_io(
                    XtOperation::GetInfo,
                    self.family,
                    table,
                    err,
                ))
            }
        }
        TableInfo::parse(&buf)
            .map(Some)
            .map_err(|problem| IptablesError::Malformed {
                family: self.family,
                table: table.to_owned(),
                offset: 0,
                problem,
            })
    }

    /// `IPT_SO_GET_ENTRIES` for the size `info` announced: the entry blob, or `None` when
    /// the table changed size since (`EAGAIN`) or went away.
    pub fn entries(&self, info: &TableInfo) -> Result<Option<Vec<u8>>, IptablesError> {
        let header = std::mem::size_of::<ipt_get_entries>();
        let size = usize::try_from(info.size).unwrap_or(usize::MAX);
        let total = header
            .checked_add(size)
            .filter(|t| i32::try_from(*t).is_ok());
        let Some(total) = total else {
            return Err(IptablesError::from_io(
                XtOperation::GetEntries,
                self.family,
                &info.name,
                io::Error::from_raw_os_error(libc::E2BIG),
            ));
        };
        let mut buf = vec![0u8; total];
        let name = name_field(self.family, &info.name)?;
        buf.get_mut(..name.len())
            .unwrap_or_default()
            .copy_from_slice(&name);
        let size_at = std::mem::offset_of!(ipt_get_entries, size);
        buf.get_mut(size_at..size_at + 4)
            .unwrap_or_default()
            .copy_from_slice(&info.size.to_ne_bytes());
        let level = self.family.level();
        match get_option_bytes(self.fd.as_fd(), level, self.family.get_entries(), &mut buf) {
            Ok(_) => {}
            Err(err) if err.raw_os_error() == Some(libc::EAGAIN) || is_absent(&err) => {
                return Ok(None)
            }
            Err(err) => {
                return Err(IptablesError::from_io(
                    XtOperation::GetEntries,
                    self.family,
                    &info.name,
                    err,
                ))
            }
        }
        buf.drain(..header);
        Ok(Some(buf))
    }

    /// Info and entries of `table`, read again while the table changes in between; `None`
    /// when there is no such table.
    pub fn read(&self, table: &str) -> Result<Option<RawTable>, IptablesError> {
        for _ in 0..READ_ATTEMPTS {
            let Some(info) = self.info(table)? else {
                return Ok(None);
            };
            if let Some(blob) = self.entries(&info)? {
                return Ok(Some(RawTable { info, blob }));
            }
        }
        Err(IptablesError::Unstable {
            family: self.family,
            table: table.to_owned(),
            attempts: READ_ATTEMPTS,
        })
    }
}
