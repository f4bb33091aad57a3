//! Kernel ABI for nftrace: constants and `#[repr(C)]` headers of netlink, nfnetlink,
//! nf_tables, nfnetlink_log, nfnetlink_hook, conntrack and x_tables. No logic, no I/O.
//!
//! Names are exactly the kernel's (`include/uapi/linux/...`), so a constant can be looked up
//! in the kernel headers by name; each module's doc says which header it mirrors and which
//! integer type its constants use. The values are committed here, not generated at build
//! time; `tests/abi.rs` cross-checks them against the `libc` crate where it has them.
#![no_std]
#![allow(non_camel_case_types)]
#![warn(missing_docs)]

pub mod netfilter;
pub mod netlink;
pub mod nf_conntrack;
pub mod nf_tables;
pub mod nfnetlink;
pub mod nfnetlink_conntrack;
pub mod nfnetlink_hook;
pub mod nfnetlink_log;
pub mod x_tables;
