//! The ruleset snapshot: what the kernel's tables, chains and rules were when a trace step
//! happened, so each step can be shown with its rule's number and text.
//!
//! - [`model`]: the owned data (nf_tables tables/chains/rules/sets, iptables-legacy tables).
//! - [`nft`]: the nf_tables dump over netlink and the live updates from `NFNLGRP_NFTABLES`.
//! - [`text`]: rule text in the user's syntax: `nft -a list ruleset`, the built-in renderer,
//!   the plain expression listing.
//! - [`iptables`]: iptables-legacy tables read with `getsockopt`, and the `*-save` texts of
//!   iptables-legacy and iptables-nft.
//! - [`interfaces`]: interface index to name.

pub mod interfaces;
pub mod iptables;
pub mod model;
pub mod nft;
pub mod resolve;
pub mod snapshot;
pub mod text;
