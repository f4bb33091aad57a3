//! nftrace: a netfilter tracer.
//!
//! Data flow (see DESIGN.md): the kernel's netlink sources ([`netlink`]) deliver datagrams;
//! [`wire`] decodes them into borrowed, typed events; [`packet`] summarises the header bytes the
//! events carry; [`output`] prints them.

pub mod correlate;
pub mod filter;
pub mod hooks;
pub mod listen;
pub mod netlink;
pub mod netns;
pub mod output;
pub mod packet;
pub mod ruleset;
pub mod tracer;
pub mod trigger;
pub mod wire;
