//! The renderer's intermediate form and the register machine that builds it: like nft's
//! `netlink_delinearize.c`, it replays a rule's expressions over registers, so that a
//! `payload load` followed by a `cmp` becomes one relational statement `payload == value`,
//! a `lookup` one membership test, an `immediate` followed by `nat` one NAT statement.

use nftrace_sys::nf_tables::*;

use super::decode::{translate_register, Data, Instr, Reg};
use super::keys;
use super::RenderError;

/// Registers nft tracks (the verdict register and 16 32-bit registers).
const REGISTERS: usize = 17;

/// A binary operation on a register value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    And,
    Or,
    Xor,
    Lshift,
    Rshift,
}

/// What a register holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ex {
    /// A header field load: base as nft numbers it (link layer 1), offset and length in bits.
    Payload {
        base: u8,
        offset: u32,
        len: u32,
    },
    Meta {
        key: u32,
    },
    Ct {
        key: u32,
        dir: Option<u8>,
    },
    Fib {
        result: u32,
        flags: u32,
    },
    Rt {
        key: u32,
    },
    Numgen {
        modulus: u32,
        kind: u32,
        offset: u32,
    },
    Hash {
        arg: Option<Box<Ex>>,
        modulus: u32,
        seed: Option<u32>,
        offset: u32,
        kind: u32,
    },
    Socket {
        key: u32,
        level: u32,
    },
    /// An extension header or TCP option field: op (`NFT_EXTHDR_OP_*`), option type,
    /// offset and length in bits, flags.
    Exthdr {
        op: u32,
        kind: u8,
        offset: u32,
        len: u32,
        flags: u32,
    },
    /// Immediate data, raw.
    Value(Vec<u8>),
    Binop {
        op: BinOp,
        left: Box<Ex>,
        right: Vec<u8>,
    },
    /// `byteorder`: the argument's bytes swapped.
    Byteorder {
        arg: Box<Ex>,
    },
    Concat(Vec<Ex>),
    /// A map lookup: `key map @set`.
    Map {
        key: Box<Ex>,
        set: String,
    },
}

impl Ex {
    /// The length in bytes of what the expression loads.
    pub fn len_bytes(&self) -> usize {
        match self {
            Ex::Payload { len, .. } => usize::try_from(len.div_ceil(8)).unwrap_or(0),
            Ex::Meta { key } => {
                keys::meta_key(*key).map_or(4, |k| usize::try_from(k.bits.div_ceil(8)).unwrap_or(4))
            }
            Ex::Ct { key, .. } => keys::ct_key(*key).map_or(4, |k| match k.bits {
                0 => 4,
                bits => usize::try_from(bits.div_ceil(8)).unwrap_or(4),
            }),
            Ex::Fib { result, .. } => {
                if *result == NFT_FIB_RESULT_OIFNAME {
                    16
                } else {
                    4
                }
            }
            Ex::Rt { key } => match *key {
                NFT_RT_NEXTHOP6 => 16,
                _ => 4,
            },
            Ex::Numgen { .. } | Ex::Hash { .. } => 4,
            Ex::Socket { .. } => 4,
            Ex::Exthdr { len, .. } => usize::try_from(len.div_ceil(8)).unwrap_or(0),
            Ex::Value(bytes) => bytes.len(),
            Ex::Binop { left, .. } => left.len_bytes(),
            Ex::Byteorder { arg } => arg.len_bytes(),
            Ex::Concat(items) => items.iter().map(|i| padded(i.len_bytes())).sum(),
            Ex::Map { .. } => 4,
        }
    }
}

/// A length rounded up to whole 32-bit registers.
pub(crate) fn padded(len: usize) -> usize {
    len.div_ceil(4).saturating_mul(4)
}

/// Relational operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelOp {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// The right side of a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rhs {
    Value(Vec<u8>),
    Range(Vec<u8>, Vec<u8>),
    Set(String),
}

/// The NAT statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NatKind {
    Snat,
    Dnat,
    Masquerade,
    Redirect,
}

/// One statement of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum St {
    Rel {
        left: Ex,
        op: RelOp,
        right: Rhs,
    },
    Verdict {
        code: i32,
        chain: Option<String>,
    },
    VerdictMap {
        key: Ex,
        set: String,
    },
    Counter,
    Log {
        prefix: Option<String>,
        group: Option<u16>,
        snaplen: Option<u32>,
        qthreshold: Option<u16>,
        level: Option<u32>,
        flags: u32,
    },
    Limit {
        rate: u64,
        unit: u64,
        burst: u32,
        bytes: bool,
        over: bool,
    },
    Quota {
        bytes: u64,
        over: bool,
    },
    Nat {
        kind: NatKind,
        family: Option<u32>,
        addr: Option<(Ex, Option<Ex>)>,
        proto: Option<(Ex, Option<Ex>)>,
        flags: u32,
    },
    Reject {
        kind: u32,
        code: u8,
    },
    Notrack,
    MetaSet {
        key: u32,
        value: Ex,
    },
    CtSet {
        key: u32,
        dir: Option<u8>,
        value: Ex,
    },
    Objref {
        kind: u32,
        name: String,
    },
    Connlimit {
        count: u32,
        over: bool,
    },
    Queue {
        num: u16,
        total: u16,
        flags: u16,
    },
    Dup {
        addr: Option<Ex>,
        dev: Option<Ex>,
    },
    /// `add`/`update`/`delete @set { key [: data] [timeout] [statements] }`.
    Dynset {
        op: u32,
        set: String,
        key: Ex,
        data: Option<Ex>,
        timeout: u64,
        stmts: Vec<St>,
    },
    /// An extension header or TCP option field set to a value.
    ExthdrSet {
        field: Ex,
        value: Ex,
    },
    /// `payload write`: a header field set to a value (offset and length in bits).
    PayloadSet {
        base: u8,
        offset: u32,
        len: u32,
        value: Ex,
    },
}

/// What the register machine needs to know about a set: its key length in bytes.
pub(crate) trait SetKeys {
    fn key_len(&self, set: &str) -> Option<usize>;
}

/// The register machine.
struct Machine<'s> {
    regs: Vec<Option<Ex>>,
    stmts: Vec<St>,
    sets: &'s dyn SetKeys,
}

fn reg(raw: u32) -> Result<Reg, RenderError> {
    translate_register(raw).ok_or(RenderError::Unsupported("register number"))
}

impl Machine<'_> {
    fn set(&mut self, raw: u32, ex: Ex) -> Result<(), RenderError> {
        let r = reg(raw)?;
        if r == 0 {
            return Err(RenderError::Unsupported(
                "data loaded into the verdict register",
            ));
        }
        let slot = self
            .regs
            .get_mut(usize::try_from(r).unwrap_or(usize::MAX))
            .ok_or(RenderError::Unsupported("register number"))?;
        *slot = Some(ex);
        Ok(())
    }

    fn get_translated(&self, r: Reg) -> Result<Ex, RenderError> {
        self.regs
            .get(usize::try_from(r).unwrap_or(usize::MAX))
            .cloned()
            .flatten()
            .ok_or(RenderError::Unsupported("read of an empty register"))
    }

    fn get(&self, raw: u32) -> Result<Ex, RenderError> {
        self.get_translated(reg(raw)?)
    }

    /// Reads `len` bytes of registers starting at `raw` as a concatenation, when the first
    /// register holds less than `len` bytes (nft's `netlink_parse_concat_expr`).
    fn get_len(&self, raw: u32, len: usize) -> Result<Ex, RenderError> {
        let first = self.get(raw)?;
        if first.len_bytes() >= len || matches!(first, Ex::Value(_)) {
            return Ok(first);
        }
        let mut r = reg(raw)?;
        let mut items = Vec::new();
        let mut left = len;
        while left > 0 {
            let item = self.get_translated(r)?;
            let consumed = padded(item.len_bytes());
            if consumed == 0 || items.len() > REGISTERS {
                return Err(RenderError::Unsupported("concatenation size mismatch"));
            }
            left = left.saturating_sub(consumed);
            r = r.saturating_add(u32::try_from(consumed / 4).unwrap_or(u32::MAX));
            items.push(item);
        }
        Ok(Ex::Concat(items))
    }

    fn push(&mut self, st: St) {
        self.stmts.push(st);
    }

    fn step(&mut self, instr: Instr<'_>) -> Result<(), RenderError> {
        match instr {
            Instr::Immediate { dreg, data } => match data {
                Data::Value(bytes) => self.set(dreg, Ex::Value(bytes.to_vec()))?,
                Data::Verdict(v) => {
                    if reg(dreg)? != 0 {
                        return Err(RenderError::Unsupported("verdict in a data register"));
                    }
                    self.push(St::Verdict {
                        code: v.code,
                        chain: v.chain.map(str::to_owned),
                    });
                }
            },
            Instr::Cmp { sreg, op, data } => {
                let op = match op {
                    NFT_CMP_EQ => RelOp::Eq,
                    NFT_CMP_NEQ => RelOp::Neq,
                    NFT_CMP_LT => RelOp::Lt,
                    NFT_CMP_LTE => RelOp::Lte,
                    NFT_CMP_GT => RelOp::Gt,
                    NFT_CMP_GTE => RelOp::Gte,
                    _ => return Err(RenderError::Unsupported("cmp operator")),
                };
                let left = self.get_len(sreg, data.len())?;
                self.push(St::Rel {
                    left,
                    op,
                    right: Rhs::Value(data.to_vec()),
                });
            }
            Instr::Range { sreg, op, from, to } => {
                let op = match op {
                    NFT_RANGE_EQ => RelOp::Eq,
                    NFT_RANGE_NEQ => RelOp::Neq,
                    _ => return Err(RenderError::Unsupported("range operator")),
                };
                let left = self.get(sreg)?;
                self.push(St::Rel {
                    left,
                    op,
                    right: Rhs::Range(from.to_vec(), to.to_vec()),
                });
            }
            Instr::Bitwise {
                sreg,
                dreg,
                len,
                op,
                mask,
                xor,
                shift,
            } => {
                let left = self.get(sreg)?;
                let ex = match op {
                    NFT_BITWISE_MASK_XOR => {
                        // The kernel caps register data at NFT_DATA_VALUE_MAXLEN bytes.
                        let len = usize::try_from(len)
                            .ok()
                            .filter(|&len| len <= NFT_DATA_VALUE_MAXLEN)
                            .ok_or(RenderError::Unsupported("bitwise length"))?;
                        bitwise(left, mask.unwrap_or_default(), xor.unwrap_or_default(), len)
                    }
                    NFT_BITWISE_LSHIFT | NFT_BITWISE_RSHIFT => Ex::Binop {
                        op: if op == NFT_BITWISE_LSHIFT {
                            BinOp::Lshift
                        } else {
                            BinOp::Rshift
                        },
                        left: Box::new(left),
                        right: shift.unwrap_or_default().to_vec(),
                    },
                    _ => return Err(RenderError::Unsupported("bitwise operation")),
                };
                self.set(dreg, ex)?;
            }
            Instr::Byteorder { sreg, dreg, .. } => {
                let arg = self.get(sreg)?;
                self.set(dreg, Ex::Byteorder { arg: Box::new(arg) })?;
            }
            Instr::PayloadLoad {
                dreg,
                base,
                offset,
                len,
            } => {
                let base = u8::try_from(base)
                    .ok()
                    .and_then(|b| b.checked_add(1))
                    .ok_or(RenderError::Unsupported("payload base"))?;
                let bits = |n: u32| {
                    n.checked_mul(8)
                        .ok_or(RenderError::Unsupported("payload offset"))
                };
                self.set(
                    dreg,
                    Ex::Payload {
                        base,
                        offset: bits(offset)?,
                        len: bits(len)?,
                    },
                )?;
            }
            Instr::PayloadWrite {
                sreg,
                base,
                offset,
                len,
                ..
            } => {
                let value = self.get(sreg)?;
                let base = u8::try_from(base)
                    .ok()
                    .and_then(|b| b.checked_add(1))
                    .ok_or(RenderError::Unsupported("payload base"))?;
                let bits = |n: u32| {
                    n.checked_mul(8)
                        .ok_or(RenderError::Unsupported("payload offset"))
                };
                self.push(St::PayloadSet {
                    base,
                    offset: bits(offset)?,
                    len: bits(len)?,
                    value,
                });
            }
            Instr::MetaLoad { dreg, key } => self.set(dreg, Ex::Meta { key })?,
            Instr::MetaSet { sreg, key } => {
                let value = self.get(sreg)?;
                self.push(St::MetaSet { key, value });
            }
            Instr::CtLoad { dreg, key, dir } => self.set(dreg, Ex::Ct { key, dir })?,
            Instr::CtSet { sreg, key, dir } => {
                let value = self.get(sreg)?;
                self.push(St::CtSet { key, dir, value });
            }
            Instr::Lookup {
                set,
                sreg,
                dreg,
                flags,
            } => {
                let left = match self.sets.key_len(set) {
                    Some(len) => self.get_len(sreg, len)?,
                    None => self.get(sreg)?,
                };
                match dreg {
                    Some(dreg) if reg(dreg)? == 0 => self.push(St::VerdictMap {
                        key: left,
                        set: set.to_owned(),
                    }),
                    Some(dreg) => self.set(
                        dreg,
                        Ex::Map {
                            key: Box::new(left),
                            set: set.to_owned(),
                        },
                    )?,
                    None => self.push(St::Rel {
                        left,
                        op: if flags & NFT_LOOKUP_F_INV != 0 {
                            RelOp::Neq
                        } else {
                            RelOp::Eq
                        },
                        right: Rhs::Set(set.to_owned()),
                    }),
                }
            }
            Instr::Counter { .. } => self.push(St::Counter),
            Instr::Log {
                prefix,
                group,
                snaplen,
                qthreshold,
                level,
                flags,
            } => self.push(St::Log {
                prefix: prefix.map(str::to_owned),
                group,
                snaplen,
                qthreshold,
                level,
                flags: flags.unwrap_or(0),
            }),
            Instr::Limit {
                rate,
                unit,
                burst,
                kind,
                flags,
            } => self.push(St::Limit {
                rate,
                unit,
                burst,
                bytes: kind == NFT_LIMIT_PKT_BYTES,
                over: flags & NFT_LIMIT_F_INV != 0,
            }),
            Instr::Quota { bytes, flags, .. } => self.push(St::Quota {
                bytes,
                over: flags & NFT_QUOTA_F_INV != 0,
            }),
            Instr::Nat {
                kind,
                family,
                addr_min,
                addr_max,
                proto_min,
                proto_max,
                flags,
            } => {
                let kind = match kind {
                    NFT_NAT_SNAT => NatKind::Snat,
                    NFT_NAT_DNAT => NatKind::Dnat,
                    _ => return Err(RenderError::Unsupported("nat type")),
                };
                let addr = self.pair(addr_min, addr_max)?;
                let proto = self.pair(proto_min, proto_max)?;
                self.push(St::Nat {
                    kind,
                    family: Some(family),
                    addr,
                    proto,
                    flags: flags.unwrap_or(0),
                });
            }
            Instr::Masq {
                flags,
                proto_min,
                proto_max,
            }
            | Instr::Redir {
                flags,
                proto_min,
                proto_max,
            } => {
                let kind = if matches!(instr, Instr::Masq { .. }) {
                    NatKind::Masquerade
                } else {
                    NatKind::Redirect
                };
                let proto = self.pair(proto_min, proto_max)?;
                self.push(St::Nat {
                    kind,
                    family: None,
                    addr: None,
                    proto,
                    flags: flags.unwrap_or(0),
                });
            }
            Instr::Reject { kind, code } => self.push(St::Reject { kind, code }),
            Instr::Fib {
                dreg,
                result,
                flags,
            } => self.set(dreg, Ex::Fib { result, flags })?,
            Instr::Notrack => self.push(St::Notrack),
            Instr::Objref { kind, name } => self.push(St::Objref {
                kind,
                name: name.to_owned(),
            }),
            Instr::Connlimit { count, flags } => self.push(St::Connlimit {
                count,
                over: flags & NFT_CONNLIMIT_F_INV != 0,
            }),
            Instr::Rt { dreg, key } => self.set(dreg, Ex::Rt { key })?,
            Instr::Numgen {
                dreg,
                modulus,
                kind,
                offset,
            } => self.set(
                dreg,
                Ex::Numgen {
                    modulus,
                    kind,
                    offset,
                },
            )?,
            Instr::Queue { num, total, flags } => self.push(St::Queue { num, total, flags }),
            Instr::Dup {
                sreg_addr,
                sreg_dev,
            } => {
                let addr = sreg_addr.map(|r| self.get(r)).transpose()?;
                let dev = sreg_dev.map(|r| self.get(r)).transpose()?;
                self.push(St::Dup { addr, dev });
            }
            Instr::Hash {
                sreg,
                dreg,
                len,
                modulus,
                seed,
                offset,
                kind,
            } => {
                let arg = match (kind, sreg) {
                    (NFT_HASH_SYM, _) => None,
                    (_, Some(sreg)) => Some(Box::new(
                        self.get_len(sreg, usize::try_from(len).unwrap_or(0))?,
                    )),
                    (_, None) => return Err(RenderError::Unsupported("jhash without source")),
                };
                self.set(
                    dreg,
                    Ex::Hash {
                        arg,
                        modulus,
                        seed,
                        offset,
                        kind,
                    },
                )?;
            }
            Instr::Socket { dreg, key, level } => self.set(dreg, Ex::Socket { key, level })?,
            Instr::Dynset {
                set,
                op,
                sreg_key,
                sreg_data,
                timeout,
                exprs,
            } => {
                let key = match self.sets.key_len(set) {
                    Some(len) => self.get_len(sreg_key, len)?,
                    None => self.get(sreg_key)?,
                };
                let data = sreg_data.map(|r| self.get(r)).transpose()?;
                let mut inner = Machine {
                    regs: vec![None; REGISTERS],
                    stmts: Vec::new(),
                    sets: self.sets,
                };
                for (name, data) in exprs {
                    if name == "dynset" {
                        // The kernel never nests one; do not recurse on such bytes.
                        return Err(RenderError::Unsupported("nested dynset"));
                    }
                    let instr = super::decode::decode(name, data).map_err(|source| {
                        RenderError::Decode {
                            index: 0,
                            name: name.to_owned(),
                            source,
                        }
                    })?;
                    inner.step(instr)?;
                }
                self.push(St::Dynset {
                    op,
                    set: set.to_owned(),
                    key,
                    data,
                    timeout: timeout.unwrap_or(0),
                    stmts: inner.stmts,
                });
            }
            Instr::Exthdr {
                dreg,
                sreg,
                kind,
                offset,
                len,
                flags,
                op,
            } => {
                let bits = |n: u32| {
                    n.checked_mul(8)
                        .ok_or(RenderError::Unsupported("exthdr offset"))
                };
                let field = Ex::Exthdr {
                    op,
                    kind,
                    offset: bits(offset)?,
                    len: bits(len)?,
                    flags,
                };
                match (dreg, sreg) {
                    (Some(dreg), _) => self.set(dreg, field)?,
                    (None, Some(sreg)) => {
                        let value = self.get(sreg)?;
                        self.push(St::ExthdrSet { field, value });
                    }
                    (None, None) => {
                        return Err(RenderError::Unsupported("exthdr without register"))
                    }
                }
            }
            Instr::Other { .. } => return Err(RenderError::Unsupported("expression type")),
        }
        Ok(())
    }

    /// A min/max register pair as nft reads it: max only when it is another register.
    fn pair(
        &self,
        min: Option<u32>,
        max: Option<u32>,
    ) -> Result<Option<(Ex, Option<Ex>)>, RenderError> {
        let Some(min) = min.filter(|&r| r != 0) else {
            return Ok(None);
        };
        let low = self.get(min)?;
        let high = match max.filter(|&r| r != 0 && r != min) {
            Some(max) => Some(self.get(max)?),
            None => None,
        };
        Ok(Some((low, high)))
    }
}

/// nft's reading of `(reg & mask) ^ xor` (`netlink_parse_bitwise`): an AND with the mask
/// unless it keeps every bit, an XOR with what is flipped, an OR with what is set.
fn bitwise(left: Ex, mask: &[u8], xor: &[u8], len: usize) -> Ex {
    let len = len.max(mask.len()).max(xor.len());
    let byte = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    let mut m: Vec<u8> = (0..len).map(|i| byte(mask, i)).collect();
    let mut x: Vec<u8> = (0..len).map(|i| byte(xor, i)).collect();
    let mut o = vec![0u8; len];
    let all_ones = |v: &[u8]| v.iter().all(|&b| b == 0xff);
    let zero = |v: &[u8]| v.iter().all(|&b| b == 0);
    if !all_ones(&m) || !zero(&x) {
        for ((mi, xi), oi) in m.iter_mut().zip(x.iter_mut()).zip(o.iter_mut()) {
            *oi = (*mi & *xi) ^ *xi;
            *xi &= *mi;
            *mi |= *oi;
        }
    }
    let mut ex = left;
    if !all_ones(&m) {
        ex = Ex::Binop {
            op: BinOp::And,
            left: Box::new(ex),
            right: m,
        };
    }
    if !zero(&x) {
        ex = Ex::Binop {
            op: BinOp::Xor,
            left: Box::new(ex),
            right: x,
        };
    }
    if !zero(&o) {
        ex = Ex::Binop {
            op: BinOp::Or,
            left: Box::new(ex),
            right: o,
        };
    }
    ex
}

/// Replays a rule's expressions into statements.
pub(crate) fn delinearize<'a>(
    instrs: impl IntoIterator<Item = Instr<'a>>,
    sets: &dyn SetKeys,
) -> Result<Vec<St>, RenderError> {
    let mut machine = Machine {
        regs: vec![None; REGISTERS],
        stmts: Vec::new(),
        sets,
    };
    for instr in instrs {
        machine.step(instr)?;
    }
    Ok(merge_ranges(machine.stmts))
}

/// Merges `x >= a` followed by `x <= b` into `x a-b` (and `<`/`>` into `!=`), as nft does
/// for the two compares it emits for a range.
fn merge_ranges(stmts: Vec<St>) -> Vec<St> {
    let mut out: Vec<St> = Vec::with_capacity(stmts.len());
    for st in stmts {
        if let St::Rel {
            left,
            op: op @ (RelOp::Lte | RelOp::Gt),
            right: Rhs::Value(high),
        } = &st
        {
            if let Some(St::Rel {
                left: prev_left,
                op: prev_op,
                right: Rhs::Value(low),
            }) = out.last()
            {
                let merged = match (prev_op, op) {
                    (RelOp::Gte, RelOp::Lte) => Some(RelOp::Eq),
                    (RelOp::Lt, RelOp::Gt) => Some(RelOp::Neq),
                    _ => None,
                };
                if let Some(merged) = merged.filter(|_| prev_left == left) {
                    let st = St::Rel {
                        left: left.clone(),
                        op: merged,
                        right: Rhs::Range(low.clone(), high.clone()),
                    };
                    out.pop();
                    out.push(st);
                    continue;
                }
            }
        }
        out.push(st);
    }
    out
}
