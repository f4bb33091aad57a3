//! Statements to nft syntax, with the postprocessing nft does when it lists a rule
//! (`rule_parse_postprocess` in nft's `netlink_delinearize.c`): header fields named by the
//! protocol context, merged payload loads split back into fields, masks turned into
//! prefixes, flag lists or narrower fields, and implicit dependencies (`meta l4proto tcp`
//! before `tcp dport`, `meta nfproto ipv4` before `ip saddr`) left out.
//!
//! This module walks the statements and types left-hand sides; [`payload`] handles header
//! fields, [`deps`] the dependency elision, [`sets`] set references and anonymous set
//! elements, [`stmts`] the other statements.

use std::fmt::Write as _;

use nftrace_sys::netfilter::*;
use nftrace_sys::nf_tables::*;

use super::bits::{to_number, ByteOrder, Value};
use super::dtype::{format_number, format_value, format_wildcard, Dtype};
use super::ir::{padded, BinOp, Ex, RelOp, Rhs, St};
use super::keys;
use super::proto::{Proto, ProtoCtx, Template, BASES, BASE_TRANSPORT};
use super::{RenderContext, RenderError};

mod deps;
mod payload;
mod sets;
mod stmts;

use deps::Dep;
use payload::tcp_option;
use stmts::{data_rate, log_text, time_unit, verdict_text};

/// What a printed left-hand side is, for typing its values and tracking dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    text: String,
    dtype: Dtype,
    order: ByteOrder,
    bits: u32,
    origin: Origin,
    /// The fields of a concatenation, in order (empty otherwise).
    components: Vec<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A known header field of `proto`; `protocol` when it names the protocol above.
    Payload {
        proto: Proto,
        base: u8,
        protocol: bool,
        template: Template,
    },
    /// A raw payload (`@nh,96,32`, `th dport`).
    RawPayload {
        base: u8,
    },
    Meta {
        key: u32,
    },
    Other,
}

pub(crate) struct Printer<'c> {
    ctx: &'c RenderContext<'c>,
    family: u8,
    pctx: ProtoCtx,
    entries: Vec<Option<String>>,
    deps: [Option<Dep>; BASES],
}

fn unsupported(what: &'static str) -> RenderError {
    RenderError::Unsupported(what)
}

impl<'c> Printer<'c> {
    pub fn new(family: u8, ctx: &'c RenderContext<'c>) -> Self {
        Self {
            ctx,
            family,
            pctx: ProtoCtx::new(family),
            entries: Vec::new(),
            deps: [None; BASES],
        }
    }

    /// Prints all statements; the rule text is the surviving entries joined by spaces.
    pub fn print(mut self, stmts: &[St]) -> Result<String, RenderError> {
        for st in stmts {
            let expression = matches!(st, St::Rel { .. });
            self.statement(st)?;
            if !expression {
                self.deps = [None; BASES];
            }
        }
        let mut text = String::new();
        for entry in self.entries.into_iter().flatten() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&entry);
        }
        Ok(text)
    }

    fn emit(&mut self, text: String) -> usize {
        self.entries.push(Some(text));
        self.entries.len() - 1
    }

    fn statement(&mut self, st: &St) -> Result<(), RenderError> {
        match st {
            St::Rel { left, op, right } => self.relation(left, *op, right),
            St::Verdict { code, chain } => {
                let text = verdict_text(*code, chain.as_deref())?;
                self.emit(text);
                Ok(())
            }
            St::VerdictMap { key, set } => {
                let field = self.lhs(key)?;
                let text = format!("{} vmap {}", field.text, self.set_text(set, &field)?);
                self.emit(text);
                Ok(())
            }
            St::Counter => {
                self.emit("counter".to_owned());
                Ok(())
            }
            St::Log {
                prefix,
                group,
                snaplen,
                qthreshold,
                level,
                flags,
            } => {
                let text = log_text(
                    prefix.as_deref(),
                    *group,
                    *snaplen,
                    *qthreshold,
                    *level,
                    *flags,
                );
                self.emit(text);
                Ok(())
            }
            St::Limit {
                rate,
                unit,
                burst,
                bytes,
                over,
            } => {
                let mut text = String::from("limit rate ");
                if *over {
                    text.push_str("over ");
                }
                let unit = time_unit(*unit)?;
                if *bytes {
                    let (rate, data_unit) = data_rate(*rate);
                    let _ = write!(text, "{rate} {data_unit}/{unit}");
                    if *burst != 0 {
                        let (burst, data_unit) = data_rate(u64::from(*burst));
                        let _ = write!(text, " burst {burst} {data_unit}");
                    }
                } else {
                    let _ = write!(text, "{rate}/{unit}");
                    if *burst != 0 && *burst != 5 {
                        let _ = write!(text, " burst {burst} packets");
                    }
                }
                self.emit(text);
                Ok(())
            }
            St::Quota { bytes, over } => {
                let (n, unit) = data_rate(*bytes);
                let over = if *over { "over " } else { "" };
                self.emit(format!("quota {over}{n} {unit}"));
                Ok(())
            }
            St::Nat {
                kind,
                family,
                addr,
                proto,
                flags,
            } => {
                let text = self.nat_text(*kind, *family, addr.as_ref(), proto.as_ref(), *flags)?;
                self.emit(text);
                Ok(())
            }
            St::Reject { kind, code } => {
                let text = self.reject_text(*kind, *code)?;
                self.emit(text);
                Ok(())
            }
            St::Notrack => {
                self.emit("notrack".to_owned());
                Ok(())
            }
            St::MetaSet { key, value } => {
                let k = keys::meta_key(*key).ok_or(unsupported("meta key"))?;
                let target = if keys::meta_unqualified(*key) {
                    k.token.to_owned()
                } else {
                    format!("meta {}", k.token)
                };
                let value = self.value_expr(value, k.dtype, k.order, k.bits)?;
                self.emit(format!("{target} set {value}"));
                Ok(())
            }
            St::CtSet { key, dir, value } => {
                let k = keys::ct_key(*key).ok_or(unsupported("ct key"))?;
                let mut target = String::from("ct ");
                if let Some(dir) = dir {
                    target.push_str(keys::ct_direction(*dir).ok_or(unsupported("ct direction"))?);
                    target.push(' ');
                }
                target.push_str(k.token);
                let value = self.value_expr(value, k.dtype, k.order, k.bits)?;
                self.emit(format!("{target} set {value}"));
                Ok(())
            }
            St::Objref { kind, name } => {
                let text = match *kind {
                    NFT_OBJECT_COUNTER => format!("counter name \"{name}\""),
                    NFT_OBJECT_QUOTA => format!("quota name \"{name}\""),
                    NFT_OBJECT_CT_HELPER => format!("ct helper set \"{name}\""),
                    NFT_OBJECT_LIMIT => format!("limit name \"{name}\""),
                    NFT_OBJECT_CT_TIMEOUT => format!("ct timeout set \"{name}\""),
                    NFT_OBJECT_SECMARK => format!("meta secmark set \"{name}\""),
                    NFT_OBJECT_CT_EXPECT => format!("ct expectation set \"{name}\""),
                    NFT_OBJECT_SYNPROXY => format!("synproxy name \"{name}\""),
                    _ => return Err(unsupported("object type")),
                };
                self.emit(text);
                Ok(())
            }
            St::Connlimit { count, over } => {
                let over = if *over { "over " } else { "" };
                self.emit(format!("ct count {over}{count}"));
                Ok(())
            }
            St::Queue { .. } => Err(unsupported("queue")),
            St::Dynset {
                op,
                set,
                key,
                data,
                timeout,
                stmts,
            } => {
                let op = match *op {
                    NFT_DYNSET_OP_ADD => "add",
                    NFT_DYNSET_OP_UPDATE => "update",
                    NFT_DYNSET_OP_DELETE => "delete",
                    _ => return Err(unsupported("dynset operation")),
                };
                let key = self.lhs(key)?;
                let mut text = format!("{op} @{set} {{ {}", key.text);
                if *timeout != 0 {
                    text.push_str(" timeout ");
                    let mut t = String::new();
                    super::dtype::format_number(
                        &mut t,
                        Dtype::Time,
                        u128::from(*timeout),
                        64,
                        self.ctx.interfaces,
                    );
                    text.push_str(&t);
                }
                if let Some(data) = data {
                    let data = self.value_expr_left(data)?;
                    text.push_str(" : ");
                    text.push_str(&data.text);
                }
                if !stmts.is_empty() {
                    let inner = Printer::new(self.family, self.ctx).print(stmts)?;
                    text.push(' ');
                    text.push_str(&inner);
                }
                text.push_str(" }");
                self.emit(text);
                Ok(())
            }
            St::ExthdrSet { field, value } => {
                let target = self.lhs(field)?;
                let value = self.value_expr(value, target.dtype, target.order, target.bits)?;
                self.emit(format!("{} set {}", target.text, value));
                Ok(())
            }
            St::PayloadSet {
                base,
                offset,
                len,
                value,
            } => {
                let text = self.payload_set(*base, *offset, *len, value)?;
                self.emit(text);
                Ok(())
            }
            St::Dup { addr, dev } => {
                let mut text = String::from("dup to ");
                let addr_dtype = match self.family {
                    NFPROTO_IPV6 => Dtype::Ipv6,
                    _ => Dtype::Ipv4,
                };
                match (addr, dev) {
                    (Some(addr), dev) => {
                        text.push_str(&self.value_expr(addr, addr_dtype, ByteOrder::Big, 0)?);
                        if let Some(dev) = dev {
                            text.push_str(" device ");
                            text.push_str(&self.value_expr(
                                dev,
                                Dtype::Ifindex,
                                ByteOrder::Host,
                                32,
                            )?);
                        }
                    }
                    (None, Some(dev)) => {
                        text.push_str(&self.value_expr(
                            dev,
                            Dtype::Ifindex,
                            ByteOrder::Host,
                            32,
                        )?);
                    }
                    (None, None) => return Err(unsupported("dup without target")),
                }
                self.emit(text);
                Ok(())
            }
        }
    }

    /// Types a left-hand expression (completing payloads from the protocol context and
    /// dropping the dependencies they imply).
    fn lhs(&mut self, ex: &Ex) -> Result<Field, RenderError> {
        match ex {
            Ex::Payload { base, offset, len } => {
                let field = self.complete_payload(*base, *offset, *len);
                self.kill_for_payload(&field);
                Ok(field)
            }
            Ex::Meta { key } => {
                let k = keys::meta_key(*key).ok_or(unsupported("meta key"))?;
                let text = if keys::meta_unqualified(*key) {
                    k.token.to_owned()
                } else {
                    format!("meta {}", k.token)
                };
                Ok(Field {
                    text,
                    dtype: k.dtype,
                    order: k.order,
                    bits: k.bits,
                    origin: Origin::Meta { key: *key },
                    components: Vec::new(),
                })
            }
            Ex::Ct { key, dir } => {
                let k = keys::ct_key(*key).ok_or(unsupported("ct key"))?;
                let mut text = String::from("ct ");
                if let Some(dir) = dir {
                    text.push_str(keys::ct_direction(*dir).ok_or(unsupported("ct direction"))?);
                    text.push(' ');
                }
                text.push_str(k.token);
                let (dtype, bits) = match *key {
                    NFT_CT_SRC | NFT_CT_DST => match self.family {
                        NFPROTO_IPV4 => (Dtype::Ipv4, 32),
                        NFPROTO_IPV6 => (Dtype::Ipv6, 128),
                        _ => return Err(unsupported("ct address without family")),
                    },
                    _ => (k.dtype, k.bits),
                };
                Ok(Field {
                    text,
                    dtype,
                    order: k.order,
                    bits,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Fib { result, flags } => {
                let mut text = String::from("fib");
                let mut sep = " ";
                for (bit, name) in [
                    (NFTA_FIB_F_SADDR, "saddr"),
                    (NFTA_FIB_F_DADDR, "daddr"),
                    (NFTA_FIB_F_MARK, "mark"),
                    (NFTA_FIB_F_IIF, "iif"),
                    (NFTA_FIB_F_OIF, "oif"),
                ] {
                    if flags & bit != 0 {
                        let _ = write!(text, "{sep}{name}");
                        sep = " . ";
                    }
                }
                let (word, dtype, order, bits) = match *result {
                    NFT_FIB_RESULT_OIF => ("oif", Dtype::Ifindex, ByteOrder::Host, 32),
                    NFT_FIB_RESULT_OIFNAME => ("oifname", Dtype::Ifname, ByteOrder::Host, 128),
                    NFT_FIB_RESULT_ADDRTYPE => ("type", Dtype::FibAddr, ByteOrder::Host, 32),
                    _ => return Err(unsupported("fib result")),
                };
                let _ = write!(text, " {word}");
                let (dtype, bits) = if flags & NFTA_FIB_F_PRESENT != 0 {
                    (Dtype::Boolean, 8)
                } else {
                    (dtype, bits)
                };
                Ok(Field {
                    text,
                    dtype,
                    order,
                    bits,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Rt { key } => {
                let (token, _, dtype) = keys::rt_key(*key).ok_or(unsupported("rt key"))?;
                let order = if dtype == Dtype::Realm {
                    ByteOrder::Host
                } else {
                    ByteOrder::Big
                };
                Ok(Field {
                    text: format!("rt {token}"),
                    dtype,
                    order,
                    bits: u32::try_from(ex.len_bytes() * 8).unwrap_or(32),
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Numgen {
                modulus,
                kind,
                offset,
            } => {
                let kind = match *kind {
                    NFT_NG_INCREMENTAL => "inc",
                    NFT_NG_RANDOM => "random",
                    _ => return Err(unsupported("numgen type")),
                };
                let mut text = format!("numgen {kind} mod {modulus}");
                if *offset != 0 {
                    let _ = write!(text, " offset {offset}");
                }
                Ok(Field {
                    text,
                    dtype: Dtype::Integer,
                    order: ByteOrder::Host,
                    bits: 32,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Hash {
                arg,
                modulus,
                seed,
                offset,
                kind,
            } => {
                let mut text = if *kind == NFT_HASH_SYM {
                    String::from("symhash")
                } else {
                    let arg = arg.as_deref().ok_or(unsupported("jhash without source"))?;
                    format!("jhash {}", self.lhs(arg)?.text)
                };
                let _ = write!(text, " mod {modulus}");
                if let Some(seed) = seed {
                    let _ = write!(text, " seed 0x{seed:x}");
                }
                if *offset != 0 {
                    let _ = write!(text, " offset {offset}");
                }
                Ok(Field {
                    text,
                    dtype: Dtype::Integer,
                    order: ByteOrder::Host,
                    bits: 32,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Socket { key, level } => {
                let (text, dtype, bits) = match *key {
                    NFT_SOCKET_TRANSPARENT => ("socket transparent".to_owned(), Dtype::Integer, 8),
                    NFT_SOCKET_MARK => ("socket mark".to_owned(), Dtype::Mark, 32),
                    NFT_SOCKET_WILDCARD => ("socket wildcard".to_owned(), Dtype::Integer, 8),
                    NFT_SOCKET_CGROUPV2 => {
                        (format!("socket cgroupv2 level {level}"), Dtype::Integer, 64)
                    }
                    _ => return Err(unsupported("socket key")),
                };
                Ok(Field {
                    text,
                    dtype,
                    order: ByteOrder::Host,
                    bits,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Exthdr {
                op,
                kind,
                offset,
                len,
                flags,
            } => {
                if *op != NFT_EXTHDR_OP_TCPOPT {
                    return Err(unsupported("extension header other than a TCP option"));
                }
                let (name, fields) = tcp_option(*kind).ok_or(unsupported("TCP option"))?;
                // A TCP option makes the transport protocol dependency implied
                // (nft's `exthdr_dependency_kill`).
                if self.dep_at(BASE_TRANSPORT).is_some() {
                    self.release(BASE_TRANSPORT);
                }
                if flags & NFT_EXTHDR_F_PRESENT != 0 {
                    return Ok(Field {
                        text: format!("tcp option {name}"),
                        dtype: Dtype::Boolean,
                        order: ByteOrder::Host,
                        bits: 8,
                        origin: Origin::Other,
                        components: Vec::new(),
                    });
                }
                let (field, dtype) = fields
                    .iter()
                    .find(|(_, o, l, _)| o == offset && l == len)
                    .map(|(f, _, _, d)| (*f, *d))
                    .ok_or(unsupported("TCP option field"))?;
                Ok(Field {
                    text: format!("tcp option {name} {field}"),
                    dtype,
                    order: ByteOrder::Big,
                    bits: *len,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Byteorder { arg } => {
                let mut field = self.lhs(arg)?;
                field.order = match field.order {
                    ByteOrder::Big => ByteOrder::Host,
                    ByteOrder::Host => ByteOrder::Big,
                };
                Ok(field)
            }
            Ex::Concat(items) => {
                let mut text = String::new();
                let mut components = Vec::with_capacity(items.len());
                for item in items {
                    let field = self.lhs(item)?;
                    if !text.is_empty() {
                        text.push_str(" . ");
                    }
                    text.push_str(&field.text);
                    components.push(field);
                }
                Ok(Field {
                    text,
                    dtype: Dtype::Integer,
                    order: ByteOrder::Big,
                    bits: 0,
                    origin: Origin::Other,
                    components,
                })
            }
            Ex::Map { key, set } => {
                let field = self.lhs(key)?;
                Ok(Field {
                    text: format!("{} map {}", field.text, self.set_text(set, &field)?),
                    dtype: Dtype::Integer,
                    order: ByteOrder::Host,
                    bits: 32,
                    origin: Origin::Other,
                    components: Vec::new(),
                })
            }
            Ex::Binop { .. } | Ex::Value(_) => Err(unsupported("expression on the left")),
        }
    }

    fn relation(&mut self, left: &Ex, op: RelOp, right: &Rhs) -> Result<(), RenderError> {
        match (left, right) {
            (Ex::Payload { base, offset, len }, Rhs::Value(data))
                if matches!(op, RelOp::Eq | RelOp::Neq) =>
            {
                let value = to_number(data, ByteOrder::Big).ok_or(unsupported("payload value"))?;
                self.payload_match(*base, *offset, *len, op, value)
            }
            (
                Ex::Binop {
                    op: bop,
                    left: inner,
                    right: mask,
                },
                Rhs::Value(data),
            ) => self.binop_match(*bop, inner, mask, op, data),
            (
                Ex::Binop {
                    op: BinOp::And,
                    left: inner,
                    right: mask,
                },
                Rhs::Set(set),
            ) if matches!(inner.as_ref(), Ex::Payload { .. }) => {
                let Ex::Payload { base, offset, len } = *inner.as_ref() else {
                    return Err(unsupported("masked set key"));
                };
                let raw = self.complete_payload(base, offset, len);
                self.kill_for_payload(&raw);
                let m = to_number(mask, ByteOrder::Big).ok_or(unsupported("mask"))?;
                let (new_offset, new_len, shift) = self
                    .trim(base, offset, len, m)
                    .ok_or(unsupported("masked set key"))?;
                let field = self.complete_payload(base, new_offset, new_len);
                self.kill_for_payload(&field);
                let load_bytes = usize::try_from(len / 8).unwrap_or(0);
                let set_text = self.set_text_shifted(set, &field, shift, load_bytes, None)?;
                self.emit(format!("{}{}{}", field.text, op_text(op, false), set_text));
                Ok(())
            }
            (Ex::Concat(items), Rhs::Value(data)) => {
                let mut pos = 0usize;
                let mut texts = Vec::new();
                let mut values = Vec::new();
                for item in items {
                    let field = self.lhs(item)?;
                    let len = item.len_bytes();
                    let bytes = data
                        .get(pos..pos.saturating_add(len))
                        .ok_or(unsupported("concatenation data"))?;
                    values.push(self.format_rhs_value(&field, bytes)?);
                    texts.push(field.text);
                    pos = pos.saturating_add(padded(len));
                }
                let text = format!(
                    "{}{}{}",
                    texts.join(" . "),
                    op_text(op, false),
                    values.join(" . ")
                );
                self.emit(text);
                Ok(())
            }
            _ => {
                let field = self.lhs(left)?;
                let right_text = match right {
                    Rhs::Value(data) => self.format_rhs_value(&field, data)?,
                    Rhs::Range(low, high) => {
                        let low = self.format_rhs_value(&field, low)?;
                        let high = self.format_rhs_value(&field, high)?;
                        format!("{low}-{high}")
                    }
                    Rhs::Set(set) => self.set_text(set, &field)?,
                };
                let eq_symbol = field.dtype.is_bitmask() && matches!(right, Rhs::Value(_));
                let text = format!("{}{}{}", field.text, op_text(op, eq_symbol), right_text);
                let entry = self.emit(text);
                if op == RelOp::Eq {
                    if let Rhs::Value(data) = right {
                        self.meta_dependency(&field, data, entry);
                    }
                }
                Ok(())
            }
        }
    }

    /// Formats a value given as raw register bytes for a field.
    fn format_rhs_value(&self, field: &Field, data: &[u8]) -> Result<String, RenderError> {
        let mut out = String::new();
        match field.dtype {
            Dtype::Ifname | Dtype::String => {
                let value = Value::new(data, field.order);
                if data.contains(&0) || data.len() * 8 >= usize::try_from(field.bits).unwrap_or(0) {
                    format_value(&mut out, field.dtype, &value, self.ctx.interfaces);
                } else {
                    format_wildcard(&mut out, &value, data.len());
                }
            }
            _ => {
                let value = Value::new(data, field.order);
                format_value(&mut out, field.dtype, &value, self.ctx.interfaces);
            }
        }
        Ok(out)
    }

    /// Formats a number for a field.
    fn format_number_value(&self, field: &Field, n: u128) -> Result<String, RenderError> {
        let mut out = String::new();
        match field.dtype {
            Dtype::Ipv4 | Dtype::Ipv6 | Dtype::Ether => {
                let value = Value::from_number(n, field.bits, ByteOrder::Big);
                format_value(&mut out, field.dtype, &value, self.ctx.interfaces);
            }
            Dtype::Ifname | Dtype::String => return Err(unsupported("string as a number")),
            dtype => format_number(&mut out, dtype, n, field.bits, self.ctx.interfaces),
        }
        Ok(out)
    }

    /// The left side of a binop that cannot be simplified, e.g. `meta mark | 0x10`.
    fn value_expr_left(&mut self, ex: &Ex) -> Result<Field, RenderError> {
        match ex {
            Ex::Binop { op, left, right } => {
                let inner = self.value_expr_left(left)?;
                let text = self.binop_text(&inner, *op, right, left)?;
                Ok(Field { text, ..inner })
            }
            other => self.lhs(other),
        }
    }

    fn binop_text(
        &self,
        inner: &Field,
        op: BinOp,
        right: &[u8],
        left_ex: &Ex,
    ) -> Result<String, RenderError> {
        let symbol = match op {
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
            BinOp::Lshift => "<<",
            BinOp::Rshift => ">>",
        };
        let value = match op {
            BinOp::Lshift | BinOp::Rshift => {
                format!("{}", to_number(right, ByteOrder::Host).unwrap_or(0))
            }
            _ => self.format_rhs_value(inner, right)?,
        };
        let needs_parens = matches!(left_ex, Ex::Binop { op: inner_op, .. } if precedence(op) < precedence(*inner_op));
        let left = if needs_parens {
            format!("({})", inner.text)
        } else {
            inner.text.clone()
        };
        Ok(format!("{left} {symbol} {value}"))
    }

    /// A value on the right of `set` or in a NAT/dup target: immediate data typed by the
    /// target, or another expression.
    fn value_expr(
        &mut self,
        ex: &Ex,
        dtype: Dtype,
        order: ByteOrder,
        bits: u32,
    ) -> Result<String, RenderError> {
        match ex {
            Ex::Value(data) => {
                let field = Field {
                    text: String::new(),
                    dtype,
                    order,
                    bits,
                    origin: Origin::Other,
                    components: Vec::new(),
                };
                self.format_rhs_value(&field, data)
            }
            Ex::Map { key, set } => {
                let key_field = self.lhs(key)?;
                let target = Field {
                    text: String::new(),
                    dtype,
                    order,
                    bits,
                    origin: Origin::Other,
                    components: Vec::new(),
                };
                let set_text = self.set_text_shifted(set, &key_field, 0, 0, Some(&target))?;
                Ok(format!("{} map {}", key_field.text, set_text))
            }
            other => Ok(self.value_expr_left(other)?.text),
        }
    }
}

/// The operator between a left side and a value; `==` is printed only where nft must.
fn op_text(op: RelOp, eq_symbol: bool) -> &'static str {
    match op {
        RelOp::Eq if eq_symbol => " == ",
        RelOp::Eq => " ",
        RelOp::Neq => " != ",
        RelOp::Lt => " < ",
        RelOp::Lte => " <= ",
        RelOp::Gt => " > ",
        RelOp::Gte => " >= ",
    }
}

fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Lshift | BinOp::Rshift => 1,
        BinOp::And => 2,
        BinOp::Xor => 3,
        BinOp::Or => 4,
    }
}
