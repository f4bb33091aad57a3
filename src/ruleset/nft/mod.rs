//! The nf_tables side of the ruleset snapshot: the dump over netlink, and the live updates
//! from `NFNLGRP_NFTABLES`.
//!
//! - [`dump`]: the whole ruleset of the calling thread's network namespace, as an
//!   [`NftRuleset`] (tables, chains, rules numbered from 1, sets) at one generation.
//! - [`NftRuleset::apply`] / [`NftRuleset::apply_datagram`]: a notification from an
//!   [`NftMonitor`](crate::netlink::NftMonitor) applied to the snapshot (module `apply`
//!   explains how each change lands).
//! - [`NftRuleset::find_rule`] / [`NftRuleset::find_chain`]: what a trace event names, live
//!   or recently deleted ([`RetiredRules`]).
//!
//! Start-up without missing a change:
//!
//! ```no_run
//! use nftrace::netlink::{NftMonitor, NftMonitorConfig, RecvBatch};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut monitor = NftMonitor::open(NftMonitorConfig::default())?; // 1. subscribe
//! let mut ruleset = nftrace::ruleset::nft::dump()?;                // 2. dump
//! let mut batch = RecvBatch::default();
//! loop {
//!     // 3. apply what arrived since the subscription; older generations are skipped
//!     monitor.recv(&mut batch)?;
//!     for datagram in &batch {
//!         ruleset.apply_datagram(datagram)?;
//!     }
//!     // ... poll, resolve trace events with ruleset.find_rule(...) ...
//! #   break;
//! }
//! # Ok(()) }
//! ```

mod apply;
mod build;
#[cfg(test)]
pub(crate) mod captured;
mod error;
mod lookup;
mod rename;
mod retired;

pub use apply::{Applied, ApplyStats};
pub use error::NftRulesetError;
pub use lookup::{ChainRef, RuleRef};
pub use retired::{RetiredChain, RetiredPolicy, RetiredRule, RetiredRules, Retirement};

use crate::netlink::{dump_nftables, DumpConfig};
pub use crate::ruleset::model::NftRuleset;

/// Dumps the nf_tables ruleset of the calling thread's network namespace (all families)
/// with the default [`DumpConfig`]. Needs `CAP_NET_ADMIN`.
pub fn dump() -> Result<NftRuleset, NftRulesetError> {
    dump_with(&DumpConfig::default())
}

/// [`dump`] with options.
pub fn dump_with(config: &DumpConfig) -> Result<NftRuleset, NftRulesetError> {
    let replies = dump_nftables(config)?;
    NftRuleset::from_dump(&replies)
}
