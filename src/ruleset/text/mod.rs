//! Rule text in the user's syntax, best source first: nft's own listing
//! ([`nft_list`]), the built-in renderer ([`render`]), the plain expression listing
//! ([`listing`]); [`fill`] gives every rule of a snapshot its text from the best source
//! that has one.

pub mod elements;
pub mod fill;
pub mod listing;
pub mod nft_list;
pub mod render;

pub use elements::{
    dump_anonymous_sets, AnonymousSets, ElementData, ElementReader, ElementsError, SetElement,
};
pub use fill::{fill_texts, fill_texts_with_nft, with_comment, FillReport, RuleId};
pub use listing::expression_listing;
pub use nft_list::{NftCommand, NftList, NftListError, NftListing};
pub use render::{render_rule, InterfaceNames, NoInterfaceNames, RenderContext, RenderError};

#[cfg(test)]
mod tests;
