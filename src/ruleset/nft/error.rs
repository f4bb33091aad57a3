//! Errors of the nf_tables snapshot: the dump failed, or its replies could not be decoded or
//! did not fit together.

use crate::netlink::DumpError;
use crate::wire::DecodeError;

/// Why the nf_tables snapshot could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NftRulesetError {
    /// Talking to the kernel failed (socket, refusal, timeout, a ruleset that kept changing).
    #[error(transparent)]
    Dump(#[from] DumpError),
    /// A reply could not be decoded.
    #[error("decoding the {what} of the nf_tables dump: {source}")]
    Decode {
        /// Which replies: `"tables"`, `"chains"`, `"rules"` or `"sets"`.
        what: &'static str,
        /// What was wrong.
        #[source]
        source: DecodeError,
    },
    /// A dumped chain, rule or set names a table or chain the dump does not hold. The dump's
    /// generation checks make this impossible short of a kernel bug; it is reported rather
    /// than guessed around.
    #[error("the nf_tables dump is inconsistent: {what} names {missing}, which the dump lacks")]
    Inconsistent {
        /// The object: `"chain"`, `"rule"` or `"set"`, with its name or handle.
        what: String,
        /// The table or chain it names.
        missing: String,
    },
}

impl NftRulesetError {
    /// True when the cause is missing privileges (root / `CAP_NET_ADMIN`).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, NftRulesetError::Dump(e) if e.is_permission_denied())
    }
}
