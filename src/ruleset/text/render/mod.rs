//! nftrace's own renderer of nf_tables rules: from a table's family and a rule's raw
//! expressions to the text `nft list ruleset` prints for it, for the common expressions
//! (payload, cmp, bitwise, range, meta, ct, immediate/verdict, lookup, counter, log, limit,
//! quota, nat, masquerade, redirect, reject, fib, notrack, objref, connlimit, rt, dup).
//!
//! Stages, each in its module: [`decode`] reads the kernel's attributes into typed
//! instructions; [`ir`] replays them over registers into statements (as nft's
//! `netlink_delinearize.c` does); [`print`] names header fields from the protocol context
//! ([`proto`]), drops the dependencies nft leaves implicit and formats values by type
//! ([`dtype`], [`keys`]). Anything it cannot render exactly is a [`RenderError`], so the
//! caller can fall back to the expression listing instead of showing a guess.

pub(crate) mod bits;
pub(crate) mod decode;
pub(crate) mod dtype;
pub(crate) mod ir;
pub(crate) mod keys;
pub(crate) mod print;
pub(crate) mod proto;

use std::collections::HashMap;

use thiserror::Error;

use crate::ruleset::model::{Expr, Set};
use crate::ruleset::text::elements::SetElement;
use crate::wire::DecodeError;

pub use dtype::{InterfaceNames, NoInterfaceNames};

/// Why the renderer could not render a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RenderError {
    /// An expression's attributes are malformed.
    #[error("expression {index} ({name}): {source}")]
    Decode {
        /// Position of the expression in the rule, from 0.
        index: usize,
        /// The expression's name (`payload`, `cmp`, ...).
        name: String,
        source: DecodeError,
    },
    /// The rule uses something the renderer has no syntax for (named here).
    #[error("cannot render {0}")]
    Unsupported(&'static str),
}

/// What the renderer needs besides the rule: the table's family and sets, and interface
/// names for `iif`/`oif`.
#[derive(Clone, Copy)]
pub struct RenderContext<'a> {
    /// `NFPROTO_*` of the rule's table.
    pub family: u8,
    /// The table's sets (lookups need their key lengths).
    pub sets: &'a [Set],
    /// Resolves interface indexes (`iif "lo"`); [`NoInterfaceNames`] prints numbers.
    pub interfaces: &'a dyn InterfaceNames,
    /// The elements of the table's anonymous sets, by set name; without them a rule's
    /// anonymous set prints as `@__set0`.
    pub elements: Option<&'a HashMap<String, Vec<SetElement>>>,
}

impl std::fmt::Debug for RenderContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderContext")
            .field("family", &self.family)
            .field("sets", &self.sets.len())
            .finish_non_exhaustive()
    }
}

impl<'a> RenderContext<'a> {
    /// A context for a table of `family` with these sets; interface indexes print as
    /// numbers.
    pub fn new(family: u8, sets: &'a [Set]) -> Self {
        Self {
            family,
            sets,
            interfaces: &NoInterfaceNames,
            elements: None,
        }
    }

    /// The same context, printing anonymous sets from these elements (by set name).
    pub fn with_elements(self, elements: Option<&'a HashMap<String, Vec<SetElement>>>) -> Self {
        Self { elements, ..self }
    }

    /// The same context, resolving interface indexes with `interfaces`.
    pub fn with_interfaces(self, interfaces: &'a dyn InterfaceNames) -> Self {
        Self { interfaces, ..self }
    }
}

impl ir::SetKeys for RenderContext<'_> {
    fn key_len(&self, set: &str) -> Option<usize> {
        self.sets
            .iter()
            .find(|s| s.name == set)
            .and_then(|s| usize::try_from(s.key_len).ok())
    }
}

/// Renders a rule's expressions in nft syntax, or says why it cannot.
pub fn render_rule(exprs: &[Expr], ctx: &RenderContext<'_>) -> Result<String, RenderError> {
    let mut instrs = Vec::with_capacity(exprs.len());
    for (index, expr) in exprs.iter().enumerate() {
        let instr =
            decode::decode(&expr.name, &expr.data).map_err(|source| RenderError::Decode {
                index,
                name: expr.name.clone(),
                source,
            })?;
        instrs.push(instr);
    }
    let stmts = ir::delinearize(instrs, ctx)?;
    let text = print::Printer::new(ctx.family, ctx).print(&stmts)?;
    if text.is_empty() {
        return Err(RenderError::Unsupported("a rule without statements"));
    }
    Ok(text)
}
