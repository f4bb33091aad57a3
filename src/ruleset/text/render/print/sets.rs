//! Sets in rules: `@name` for named sets; anonymous sets printed from their elements as
//! nft prints them (`{ 80, 443 }`, `{ 10.0.0.0/8, 192.0.2.1 }`, `{ "eth*" }`,
//! `vmap { 22 : accept }`), in nft's order.

use std::fmt::Write as _;

use nftrace_sys::nf_tables::*;

use super::stmts::verdict_text;
use super::{unsupported, Field, Printer};
use crate::ruleset::text::elements::{ElementData, SetElement};
use crate::ruleset::text::render::bits::{ones, to_number, ByteOrder, Value};
use crate::ruleset::text::render::dtype::{format_wildcard, Dtype};
use crate::ruleset::text::render::ir::padded;
use crate::ruleset::text::render::RenderError;

impl Printer<'_> {
    /// `@name` for a named set; an anonymous set with known elements as nft prints it,
    /// `{ a, b }` (elements typed by the key they are matched against).
    pub(super) fn set_text(&self, set: &str, key: &Field) -> Result<String, RenderError> {
        self.set_text_shifted(set, key, 0, 0, None)
    }

    /// [`Printer::set_text`] for a key whose mask was narrowed to a field: every element
    /// value (`load_bytes` wide) is shifted right by `shift` (nft's `binop_adjust`).
    pub(super) fn set_text_shifted(
        &self,
        set: &str,
        key: &Field,
        shift: u32,
        load_bytes: usize,
        data_field: Option<&Field>,
    ) -> Result<String, RenderError> {
        let info = self.ctx.sets.iter().find(|s| s.name == set);
        let anonymous = info.is_some_and(|s| s.flags & NFT_SET_ANONYMOUS != 0);
        let elements = self.ctx.elements.and_then(|sets| sets.get(set));
        let (Some(info), Some(elements), true) = (info, elements, anonymous) else {
            return Ok(format!("@{set}"));
        };
        let interval = info.flags & NFT_SET_INTERVAL != 0;
        let components: Vec<&Field> = if key.components.is_empty() {
            vec![key]
        } else {
            key.components.iter().collect()
        };
        let concat = components.len() > 1;
        if shift != 0 && (concat || interval) {
            return Err(unsupported("masked key of an interval or concatenated set"));
        }
        // Sort keys as nft orders elements: interval sets and single keys by value,
        // concatenations by the whole key read in host byte order.
        let mut items: Vec<(Vec<u8>, String)> = Vec::with_capacity(elements.len());
        if interval && !concat {
            let field = components.first().copied().ok_or(unsupported("set key"))?;
            for (low, high, data) in intervals(elements, field)? {
                let mut text = self.range_text(field, low, high)?;
                if let Some(data) = data {
                    text.push_str(" : ");
                    text.push_str(&self.element_data_text(data, data_field)?);
                }
                items.push((low.to_be_bytes().to_vec(), text));
            }
        } else {
            for element in elements {
                if element.flags & NFT_SET_ELEM_CATCHALL != 0 {
                    let mut text = String::from("*");
                    if let Some(data) = &element.data {
                        text.push_str(" : ");
                        text.push_str(&self.element_data_text(data, data_field)?);
                    }
                    items.push((vec![0xff; 65], text));
                    continue;
                }
                let mut parts = Vec::with_capacity(components.len());
                let mut pos = 0usize;
                for field in &components {
                    let len = if shift != 0 {
                        load_bytes
                    } else {
                        usize::try_from(field.bits.div_ceil(8)).unwrap_or(0)
                    };
                    let step = if concat { padded(len) } else { len };
                    let end = pos.saturating_add(len);
                    let bytes = element
                        .key
                        .get(pos..end)
                        .ok_or(unsupported("set element key"))?;
                    let text = match element.key_end.as_ref().filter(|_| interval) {
                        Some(key_end) => {
                            let high_bytes = key_end
                                .get(pos..end)
                                .ok_or(unsupported("set element key"))?;
                            let low = to_number(bytes, ByteOrder::Big)
                                .ok_or(unsupported("set element key"))?;
                            let high = to_number(high_bytes, ByteOrder::Big)
                                .ok_or(unsupported("set element key"))?;
                            self.range_text(field, low, high)?
                        }
                        None if shift != 0 => {
                            let n = to_number(bytes, field.order)
                                .ok_or(unsupported("set element key"))?;
                            self.format_number_value(field, n >> shift)?
                        }
                        None => self.format_rhs_value(field, bytes)?,
                    };
                    parts.push(text);
                    pos = pos.saturating_add(step);
                }
                let used = element
                    .key
                    .get(..pos.min(element.key.len()))
                    .unwrap_or_default();
                let sort_key = match (concat, components.first().map(|f| f.order)) {
                    (false, Some(ByteOrder::Big)) => used.to_vec(),
                    _ => host_order_key(used),
                };
                let mut text = parts.join(" . ");
                if let Some(data) = &element.data {
                    text.push_str(" : ");
                    text.push_str(&self.element_data_text(data, data_field)?);
                }
                items.push((sort_key, text));
            }
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let texts: Vec<String> = items.into_iter().map(|(_, text)| text).collect();
        Ok(format!("{{ {} }}", texts.join(", ")))
    }

    /// The data of a map element: a verdict (`accept`, `goto chain`), or a value typed by
    /// what the map's result is used for.
    pub(super) fn element_data_text(
        &self,
        data: &ElementData,
        data_field: Option<&Field>,
    ) -> Result<String, RenderError> {
        match (data, data_field) {
            (ElementData::Verdict { code, chain }, _) => verdict_text(*code, chain.as_deref()),
            (ElementData::Value(bytes), Some(field)) => self.format_rhs_value(field, bytes),
            (ElementData::Value(_), None) => Err(unsupported("map element data")),
        }
    }

    /// A range of a field's values given in network order: a single value, a prefix
    /// (`10.0.0.0/8`) for address types, a wildcard (`"eth*"`) for names, else `low-high`.
    pub(super) fn range_text(
        &self,
        field: &Field,
        low: u128,
        high: u128,
    ) -> Result<String, RenderError> {
        if low == high {
            return self.format_be_number(field, low);
        }
        let size = high.wrapping_sub(low).wrapping_add(1);
        let host_bits = if size == 0 {
            128
        } else {
            size.trailing_zeros()
        };
        let is_prefix = (size == 0 || size.is_power_of_two())
            && low & ones(host_bits) == 0
            && host_bits <= field.bits;
        if is_prefix && field.dtype.takes_prefix() {
            let mut text = self.format_be_number(field, low)?;
            let _ = write!(text, "/{}", field.bits - host_bits);
            return Ok(text);
        }
        if is_prefix && matches!(field.dtype, Dtype::Ifname | Dtype::String) && host_bits % 8 == 0 {
            let value = Value::from_number(low, field.bits, ByteOrder::Big);
            let keep = usize::try_from((field.bits - host_bits) / 8).unwrap_or(0);
            let mut text = String::new();
            format_wildcard(&mut text, &value, keep);
            return Ok(text);
        }
        let low = self.format_be_number(field, low)?;
        let high = self.format_be_number(field, high)?;
        Ok(format!("{low}-{high}"))
    }

    /// A value read in network order (interval set elements are stored so).
    pub(super) fn format_be_number(&self, field: &Field, n: u128) -> Result<String, RenderError> {
        match field.dtype {
            Dtype::Ifname | Dtype::String => {
                let value = Value::from_number(n, field.bits, ByteOrder::Big);
                self.format_rhs_value(field, &value.bytes)
            }
            _ => self.format_number_value(field, n),
        }
    }
}

/// A range of an interval set (low and high inclusive) and what it maps to.
type Interval<'e> = (u128, u128, Option<&'e ElementData>);

/// The ranges of an interval set: elements sorted by key, each start paired with the
/// next interval end (exclusive); a start without an end runs to the largest value.
fn intervals<'e>(
    elements: &'e [SetElement],
    field: &Field,
) -> Result<Vec<Interval<'e>>, RenderError> {
    let len = usize::try_from(field.bits.div_ceil(8)).unwrap_or(0);
    let mut keyed = Vec::with_capacity(elements.len());
    for element in elements {
        let bytes = element
            .key
            .get(..len)
            .ok_or(unsupported("set element key"))?;
        let n = to_number(bytes, ByteOrder::Big).ok_or(unsupported("set element key"))?;
        keyed.push((n, element));
    }
    keyed.sort_by_key(|(n, _)| *n);
    let max = ones(field.bits);
    let mut ranges = Vec::new();
    let mut start: Option<(u128, Option<&ElementData>)> = None;
    for (n, element) in keyed {
        if element.flags & NFT_SET_ELEM_INTERVAL_END != 0 {
            if let Some((low, data)) = start.take() {
                ranges.push((low, n.saturating_sub(1), data));
            }
        } else {
            if let Some((low, data)) = start.take() {
                ranges.push((low, low, data));
            }
            start = Some((n, element.data.as_ref()));
        }
    }
    if let Some((low, data)) = start {
        ranges.push((low, max, data));
    }
    Ok(ranges)
}

/// A key's bytes arranged so that comparing them compares the key read as one number in
/// host byte order.
fn host_order_key(bytes: &[u8]) -> Vec<u8> {
    let mut key = bytes.to_vec();
    if cfg!(target_endian = "little") {
        key.reverse();
    }
    key
}
