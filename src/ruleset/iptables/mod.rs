//! The iptables side of the ruleset snapshot.
//!
//! - iptables-legacy (and ip6tables-legacy): the kernel's own tables, read with
//!   `getsockopt(IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES)` ([`XtSocket`], [`table_names`]) and
//!   parsed in safe code ([`parse_table`]) into [`LegacyTable`]s numbered the way the kernel
//!   numbers `TRACE` steps; each rule gets its `iptables-legacy-save` line when the save
//!   text agrees with the kernel ([`read_legacy`]).
//! - Resolution of a legacy `TRACE` step to the rule, policy or implicit return it was
//!   ([`resolve_legacy`]), and a snapshot that re-reads a table when steps show it changed
//!   ([`LegacyCache`]).
//! - iptables-nft: recognising the nf_tables tables iptables-nft made and giving their rules
//!   the `iptables-nft-save` line at the same position ([`attach_iptables_nft_texts`]).
//!
//! [`LegacyTable`]: crate::ruleset::model::LegacyTable

mod blob;
mod cache;
mod error;
mod family;
mod kernel;
mod legacy_text;
mod nft_compat;
mod reader;
mod resolve;
mod save;
mod tools;

pub use blob::{parse_table, TableInfo, BUILTIN_CHAINS, GETINFO_LEN};
pub use cache::{CachePolicy, CacheStats, LegacyCache};
pub use error::{BlobProblem, IptablesError, XtOperation};
pub use family::XtFamily;
pub use kernel::{table_names, RawTable, XtSocket};
pub use legacy_text::{attach_legacy_texts, TextOutcome};
pub use nft_compat::{
    attach_iptables_nft_texts, mark_iptables_nft, read_nft_saves, NftCompat, NftCompatStatus,
    NftSaves,
};
pub use reader::{read_legacy, LegacyReadout, TableTexts};
pub use resolve::{resolve_legacy, LegacyResolution, Unresolved};
pub use save::{parse_save, SaveChain, SaveDump, SaveTable};
pub use tools::run_save;
