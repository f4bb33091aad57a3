//! Header fields: naming a payload load from the protocol context, splitting a load nft
//! merged from adjacent fields (`payload_expr_expand`), narrowing a masked load to the field
//! the mask selects (`payload_expr_trim`), masks as prefixes or flag lists, payload writes,
//! and TCP options.

use std::fmt::Write as _;

use super::deps::Dep;
use super::{op_text, unsupported, Field, Origin, Printer};
use crate::ruleset::text::render::bits::{mask_prefix_len, mask_run, ones, to_number, ByteOrder};
use crate::ruleset::text::render::dtype::Dtype;
use crate::ruleset::text::render::ir::{BinOp, Ex, RelOp};
use crate::ruleset::text::render::proto::{base_token, Proto, BASE_TRANSPORT};
use crate::ruleset::text::render::RenderError;

impl Printer<'_> {
    /// The protocol whose fields a payload at `base` and `offset` reads: the context's,
    /// or the Ethernet header below a VLAN tag.
    pub(super) fn proto_for(&self, base: u8, offset: u32) -> Option<Proto> {
        match self.pctx.at(base)? {
            Proto::Vlan if offset < 112 => Some(Proto::Eth),
            proto if !proto.templates().is_empty() => Some(proto),
            _ => None,
        }
    }

    /// nft's `payload_expr_complete`: the field at exactly this offset and length in the
    /// protocol the context holds for the base, else a raw payload.
    pub(super) fn complete_payload(&self, base: u8, offset: u32, len: u32) -> Field {
        if let Some(proto) = self.proto_for(base, offset) {
            let key = proto.protocol_key();
            for (index, template) in proto.templates().iter().enumerate() {
                if template.offset == offset
                    && template.len == len
                    && self.pctx.icmp_fits(template.icmp_dep)
                {
                    return Field {
                        text: format!("{} {}", proto.name(), template.name),
                        dtype: template.dtype,
                        order: ByteOrder::Big,
                        bits: len,
                        origin: Origin::Payload {
                            proto,
                            base,
                            protocol: key == Some(index),
                            template: *template,
                        },
                        components: Vec::new(),
                    };
                }
            }
        }
        raw_payload(base, offset, len, self.pctx.at(base))
    }

    /// A payload compared for (in)equality with a value: split into the fields it covers
    /// (nft's `payload_match_expand`).
    pub(super) fn payload_match(
        &mut self,
        base: u8,
        offset: u32,
        len: u32,
        op: RelOp,
        value: u128,
    ) -> Result<(), RenderError> {
        let pieces = self.expand(base, offset, len);
        for piece in pieces {
            let piece_value = bits_of(value, len, piece.start - offset, piece.len);
            let field = piece.field;
            let right = if piece.len < field.bits {
                // A field compared on its leading bits only: a prefix.
                if !field.dtype.takes_prefix() {
                    return Err(unsupported("partial header field"));
                }
                let full = piece_value << (field.bits - piece.len);
                let mut text = self.format_number_value(&field, full)?;
                let _ = write!(text, "/{}", piece.len);
                text
            } else {
                self.format_number_value(&field, piece_value)?
            };
            let eq_symbol = field.dtype.is_bitmask();
            self.kill_for_payload(&field);
            let entry = self.emit(format!("{}{}{}", field.text, op_text(op, eq_symbol), right));
            if op == RelOp::Eq && piece.len == field.bits {
                if let Origin::Payload {
                    proto,
                    base,
                    protocol: true,
                    ..
                } = field.origin
                {
                    // A protocol on the same base (a VLAN tag after `ether type vlan`)
                    // is a dependency of that base, not of the next.
                    let stacked = proto.upper(piece_value).map(Proto::base) == Some(base);
                    self.pctx.update_from_payload(proto, piece_value);
                    self.store(
                        if stacked { base - 1 } else { base },
                        Dep {
                            entry,
                            payload: Some((proto, base)),
                            meta: None,
                            value: piece_value,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// nft's `payload_expr_expand`.
    pub(super) fn expand(&self, base: u8, offset: u32, len: u32) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut cur = offset;
        let mut remaining = len;
        if let Some(proto) = self.proto_for(base, offset) {
            let key = proto.protocol_key();
            for (index, template) in proto.templates().iter().enumerate() {
                if template.offset != cur || !self.pctx.icmp_fits(template.icmp_dep) {
                    continue;
                }
                let field = Field {
                    text: format!("{} {}", proto.name(), template.name),
                    dtype: template.dtype,
                    order: ByteOrder::Big,
                    bits: template.len,
                    origin: Origin::Payload {
                        proto,
                        base,
                        protocol: key == Some(index),
                        template: *template,
                    },
                    components: Vec::new(),
                };
                if template.len <= remaining {
                    pieces.push(Piece {
                        field,
                        start: cur,
                        len: template.len,
                    });
                    remaining -= template.len;
                    cur += template.len;
                    if remaining == 0 {
                        return pieces;
                    }
                } else {
                    pieces.push(Piece {
                        field,
                        start: cur,
                        len: remaining,
                    });
                    return pieces;
                }
            }
        }
        pieces.push(Piece {
            field: raw_payload(base, cur, remaining, self.pctx.at(base)),
            start: cur,
            len: remaining,
        });
        pieces
    }

    /// A masked value compared with a value.
    pub(super) fn binop_match(
        &mut self,
        bop: BinOp,
        inner: &Ex,
        mask: &[u8],
        op: RelOp,
        data: &[u8],
    ) -> Result<(), RenderError> {
        if bop != BinOp::And || !matches!(op, RelOp::Eq | RelOp::Neq) {
            let left = self.value_expr_left(&Ex::Binop {
                op: bop,
                left: Box::new(inner.clone()),
                right: mask.to_vec(),
            })?;
            let right = self.format_rhs_value(&left, data)?;
            self.emit(format!("{}{}{}", left.text, op_text(op, true), right));
            return Ok(());
        }
        let field = self.lhs(inner)?;
        let order = field.order;
        let m = to_number(mask, order).ok_or(unsupported("mask"))?;
        let v = to_number(data, order).ok_or(unsupported("masked value"))?;
        let width = u32::try_from(mask.len() * 8).unwrap_or(0);
        if field.dtype.is_bitmask() && v == 0 {
            let flags = self.format_number_value(&field, m)?;
            let text = match op {
                RelOp::Neq => format!("{} {}", field.text, flags),
                _ => format!("{} ! {}", field.text, flags),
            };
            self.emit(text);
            return Ok(());
        }
        if field.dtype.takes_prefix() {
            if let Some(plen) = mask_prefix_len(m, field.bits) {
                let value = self.format_number_value(&field, v)?;
                let text = format!("{}{}{}/{}", field.text, op_text(op, false), value, plen);
                self.emit(text);
                return Ok(());
            }
        }
        if let Ex::Payload { base, offset, len } = inner {
            if let Some((new_offset, new_len, shift)) = self.trim(*base, *offset, *len, m) {
                return self.payload_match(*base, new_offset, new_len, op, v >> shift);
            }
        }
        let bits_set = m.count_ones();
        if field.dtype.is_bitmask() && bits_set >= 2 {
            let value = self.format_number_value(&field, v)?;
            let mask_text = self.format_number_value(&field, m)?;
            let op = if op == RelOp::Neq { "!= " } else { "" };
            self.emit(format!("{} {}{} / {}", field.text, op, value, mask_text));
            return Ok(());
        }
        let _ = width;
        let mask_text = self.format_number_value(&field, m)?;
        let value = self.format_number_value(&field, v)?;
        let mask_text = if field.dtype.is_bitmask() && m.count_ones() > 1 {
            format!("({})", mask_text.replace(',', "|"))
        } else {
            mask_text
        };
        self.emit(format!(
            "{} & {}{}{}",
            field.text,
            mask_text,
            op_text(op, true),
            value
        ));
        Ok(())
    }

    /// A payload write (nft's `stmt_payload_postprocess`): the field written, found from
    /// the mask that keeps the other bits of the loaded bytes, and the value.
    pub(super) fn payload_set(
        &mut self,
        base: u8,
        offset: u32,
        len: u32,
        value: &Ex,
    ) -> Result<String, RenderError> {
        let same = |ex: &Ex| matches!(ex, Ex::Payload { base: b, offset: o, len: l } if *b == base && *o == offset && *l == len);
        let number =
            |bytes: &[u8]| to_number(bytes, ByteOrder::Big).ok_or(unsupported("payload value"));
        let all = ones(len);
        let (field_offset, field_len, n) = match value {
            Ex::Value(bytes) => {
                let field = self.complete_payload(base, offset, len);
                self.kill_for_payload(&field);
                let value = self.format_rhs_value(&field, bytes)?;
                return Ok(format!("{} set {}", field.text, value));
            }
            Ex::Binop {
                op: BinOp::Or,
                left,
                right: v,
            } => {
                let v = number(v)?;
                match left.as_ref() {
                    Ex::Binop {
                        op: BinOp::And,
                        left: inner,
                        right: m,
                    } if same(inner) => {
                        let keep = (!number(m)? & all) ^ v;
                        let (o, l, shift) = self
                            .trim(base, offset, len, keep)
                            .ok_or(unsupported("payload write mask"))?;
                        (o, l, v >> shift)
                    }
                    inner if same(inner) => {
                        let (o, l, shift) = self
                            .trim(base, offset, len, v)
                            .ok_or(unsupported("payload write mask"))?;
                        (o, l, v >> shift)
                    }
                    _ => return Err(unsupported("payload write value")),
                }
            }
            Ex::Binop {
                op: BinOp::And,
                left: inner,
                right: m,
            } if same(inner) => {
                let keep = !number(m)? & all;
                let (o, l, _) = self
                    .trim(base, offset, len, keep)
                    .ok_or(unsupported("payload write mask"))?;
                (o, l, 0)
            }
            _ => return Err(unsupported("payload write value")),
        };
        let field = self.complete_payload(base, field_offset, field_len);
        if !matches!(field.origin, Origin::Payload { .. }) {
            return Err(unsupported("payload write of an unknown field"));
        }
        self.kill_for_payload(&field);
        let value = self.format_number_value(&field, n)?;
        Ok(format!("{} set {}", field.text, value))
    }

    /// nft's `payload_expr_trim`: the field(s) a mask selects, as (offset, length, shift).
    pub(super) fn trim(
        &self,
        base: u8,
        offset: u32,
        len: u32,
        mask: u128,
    ) -> Option<(u32, u32, u32)> {
        let proto = self.proto_for(base, offset)?;
        let (mask_offset, mask_len) = mask_run(mask, len)?;
        let off = len.div_ceil(8) * 8 - mask_len;
        let mut payload_offset = offset + off;
        let mut payload_len = len;
        let mut run = 0;
        for template in proto.templates() {
            if template.offset != payload_offset {
                continue;
            }
            if template.len > payload_len {
                return None;
            }
            payload_len -= template.len;
            payload_offset += template.len;
            run += template.len;
            if payload_len == 0 {
                return None;
            }
            if mask_offset + run == mask_len {
                return Some((offset + off, run, mask_offset));
            }
        }
        None
    }
}

/// One field of an expanded payload match.
pub(super) struct Piece {
    field: Field,
    /// Bit offset in the header.
    start: u32,
    /// Bits of the value that belong to the field.
    len: u32,
}

/// A payload no template names: `th sport`/`th dport` for ports of an unknown transport
/// protocol, else `@base,offset,len`.
pub(super) fn raw_payload(base: u8, offset: u32, len: u32, known: Option<Proto>) -> Field {
    let plain = known.is_none_or(|p| p.templates().is_empty());
    if base == BASE_TRANSPORT && len == 16 && (offset == 0 || offset == 16) && plain {
        return Field {
            text: if offset == 0 { "th sport" } else { "th dport" }.to_owned(),
            dtype: Dtype::InetService,
            order: ByteOrder::Big,
            bits: 16,
            origin: Origin::RawPayload { base },
            components: Vec::new(),
        };
    }
    Field {
        text: format!("@{},{},{}", base_token(base), offset, len),
        dtype: Dtype::Xinteger,
        order: ByteOrder::Big,
        bits: len,
        origin: Origin::RawPayload { base },
        components: Vec::new(),
    }
}

/// `bits` bits at `start` of a value that is `width` bits wide.
pub(super) fn bits_of(value: u128, width: u32, start: u32, bits: u32) -> u128 {
    if width > 128 || start.saturating_add(bits) > width {
        return 0;
    }
    let shift = width - start - bits;
    (value >> shift) & ones(bits)
}

/// A TCP option kind: its name and fields (name, bit offset, bit length, type), after
/// nft's `tcpopt.c`.
pub(super) type OptionFields = &'static [(&'static str, u32, u32, Dtype)];

pub(super) fn tcp_option(kind: u8) -> Option<(&'static str, OptionFields)> {
    const KIND_LEN: OptionFields = &[
        ("kind", 0, 8, Dtype::Integer),
        ("length", 8, 8, Dtype::Integer),
    ];
    Some(match kind {
        0 => ("eol", &[("kind", 0, 8, Dtype::Integer)]),
        1 => ("nop", &[("kind", 0, 8, Dtype::Integer)]),
        2 => (
            "maxseg",
            &[
                ("kind", 0, 8, Dtype::Integer),
                ("length", 8, 8, Dtype::Integer),
                ("size", 16, 16, Dtype::Integer),
            ],
        ),
        3 => (
            "window",
            &[
                ("kind", 0, 8, Dtype::Integer),
                ("length", 8, 8, Dtype::Integer),
                ("count", 16, 8, Dtype::Integer),
            ],
        ),
        4 => ("sack-perm", KIND_LEN),
        5 => (
            "sack",
            &[
                ("kind", 0, 8, Dtype::Integer),
                ("length", 8, 8, Dtype::Integer),
                ("left", 16, 32, Dtype::Integer),
                ("right", 48, 32, Dtype::Integer),
            ],
        ),
        8 => (
            "timestamp",
            &[
                ("kind", 0, 8, Dtype::Integer),
                ("length", 8, 8, Dtype::Integer),
                ("tsval", 16, 32, Dtype::Integer),
                ("tsecr", 48, 32, Dtype::Integer),
            ],
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_of_values() {
        assert_eq!(bits_of(0x0800, 16, 0, 8), 8);
        assert_eq!(bits_of(0x0800, 16, 8, 8), 0);
        assert_eq!(bits_of(0x45, 8, 0, 4), 4);
        assert_eq!(bits_of(1, 8, 4, 8), 0);
    }
}
