//! Reads one nf_tables expression (its name and the raw `NFTA_EXPR_DATA` attributes the
//! kernel sent) into a typed [`Instr`] that borrows the bytes. Unknown expressions become
//! [`Instr::Other`]; malformed attributes are a [`DecodeError`] naming the attribute.

use nftrace_sys::nf_tables::*;

use crate::wire::{Attr, AttrSpace, Attrs, DecodeError};

/// A register, as nft numbers them after translation: 0 is the verdict register, 1..=16 the
/// 32-bit registers (`NFT_REG_1` is 1, `NFT_REG_2` is 5, `NFT_REG32_00` is 1, ...).
pub(crate) type Reg = u32;

/// The kernel's register number as nft translates it (`netlink_parse_register`).
pub(crate) fn translate_register(raw: u32) -> Option<Reg> {
    match raw {
        NFT_REG_VERDICT => Some(0),
        NFT_REG_1..=NFT_REG_4 => Some(1 + (raw - NFT_REG_1) * 4),
        NFT_REG32_00..=NFT_REG32_15 => Some(1 + raw - NFT_REG32_00),
        _ => None,
    }
}

/// A verdict: code and, for jump/goto, the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VerdictData<'a> {
    pub code: i32,
    pub chain: Option<&'a str>,
}

/// Immediate data: a value or a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Data<'a> {
    Value(&'a [u8]),
    Verdict(VerdictData<'a>),
}

/// One decoded expression. Register fields hold the raw kernel numbers; translate them with
/// [`translate_register`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Instr<'a> {
    Immediate {
        dreg: u32,
        data: Data<'a>,
    },
    Cmp {
        sreg: u32,
        op: u32,
        data: &'a [u8],
    },
    Range {
        sreg: u32,
        op: u32,
        from: &'a [u8],
        to: &'a [u8],
    },
    Bitwise {
        sreg: u32,
        dreg: u32,
        len: u32,
        op: u32,
        mask: Option<&'a [u8]>,
        xor: Option<&'a [u8]>,
        shift: Option<&'a [u8]>,
    },
    Byteorder {
        sreg: u32,
        dreg: u32,
        op: u32,
        len: u32,
        size: u32,
    },
    PayloadLoad {
        dreg: u32,
        base: u32,
        offset: u32,
        len: u32,
    },
    PayloadWrite {
        sreg: u32,
        base: u32,
        offset: u32,
        len: u32,
        csum_type: u32,
        csum_offset: u32,
        csum_flags: u32,
    },
    MetaLoad {
        dreg: u32,
        key: u32,
    },
    MetaSet {
        sreg: u32,
        key: u32,
    },
    CtLoad {
        dreg: u32,
        key: u32,
        dir: Option<u8>,
    },
    CtSet {
        sreg: u32,
        key: u32,
        dir: Option<u8>,
    },
    Lookup {
        set: &'a str,
        sreg: u32,
        dreg: Option<u32>,
        flags: u32,
    },
    Counter {
        packets: u64,
        bytes: u64,
    },
    Log {
        prefix: Option<&'a str>,
        group: Option<u16>,
        snaplen: Option<u32>,
        qthreshold: Option<u16>,
        level: Option<u32>,
        flags: Option<u32>,
    },
    Limit {
        rate: u64,
        unit: u64,
        burst: u32,
        kind: u32,
        flags: u32,
    },
    Quota {
        bytes: u64,
        consumed: u64,
        flags: u32,
    },
    Nat {
        kind: u32,
        family: u32,
        addr_min: Option<u32>,
        addr_max: Option<u32>,
        proto_min: Option<u32>,
        proto_max: Option<u32>,
        flags: Option<u32>,
    },
    Masq {
        flags: Option<u32>,
        proto_min: Option<u32>,
        proto_max: Option<u32>,
    },
    Redir {
        flags: Option<u32>,
        proto_min: Option<u32>,
        proto_max: Option<u32>,
    },
    Reject {
        kind: u32,
        code: u8,
    },
    Fib {
        dreg: u32,
        result: u32,
        flags: u32,
    },
    Notrack,
    Objref {
        kind: u32,
        name: &'a str,
    },
    Connlimit {
        count: u32,
        flags: u32,
    },
    Rt {
        dreg: u32,
        key: u32,
    },
    Queue {
        num: u16,
        total: u16,
        flags: u16,
    },
    Dup {
        sreg_addr: Option<u32>,
        sreg_dev: Option<u32>,
    },
    Numgen {
        dreg: u32,
        modulus: u32,
        kind: u32,
        offset: u32,
    },
    Hash {
        sreg: Option<u32>,
        dreg: u32,
        len: u32,
        modulus: u32,
        seed: Option<u32>,
        offset: u32,
        kind: u32,
    },
    Socket {
        dreg: u32,
        key: u32,
        level: u32,
    },
    Dynset {
        set: &'a str,
        op: u32,
        sreg_key: u32,
        sreg_data: Option<u32>,
        timeout: Option<u64>,
        /// The expressions attached to new elements (name, raw data).
        exprs: Vec<(&'a str, &'a [u8])>,
    },
    Exthdr {
        dreg: Option<u32>,
        sreg: Option<u32>,
        kind: u8,
        offset: u32,
        len: u32,
        flags: u32,
        op: u32,
    },
    /// An expression nftrace does not decode: its name and attribute (type, length) pairs.
    Other {
        name: &'a str,
    },
}

/// Attribute spaces, named as the kernel names the attributes.
macro_rules! space {
    ($name:ident, [$($attr:literal),* $(,)?], $unknown:literal) => {
        pub(crate) const $name: AttrSpace = AttrSpace::new(&[$($attr),*], $unknown);
    };
}

space!(
    DATA,
    ["NFTA_DATA_UNSPEC", "NFTA_DATA_VALUE", "NFTA_DATA_VERDICT"],
    "NFTA_DATA_?"
);
space!(
    VERDICT,
    [
        "NFTA_VERDICT_UNSPEC",
        "NFTA_VERDICT_CODE",
        "NFTA_VERDICT_CHAIN",
        "NFTA_VERDICT_CHAIN_ID"
    ],
    "NFTA_VERDICT_?"
);
space!(
    IMMEDIATE,
    [
        "NFTA_IMMEDIATE_UNSPEC",
        "NFTA_IMMEDIATE_DREG",
        "NFTA_IMMEDIATE_DATA"
    ],
    "NFTA_IMMEDIATE_?"
);
space!(
    CMP,
    [
        "NFTA_CMP_UNSPEC",
        "NFTA_CMP_SREG",
        "NFTA_CMP_OP",
        "NFTA_CMP_DATA"
    ],
    "NFTA_CMP_?"
);
space!(
    RANGE,
    [
        "NFTA_RANGE_UNSPEC",
        "NFTA_RANGE_SREG",
        "NFTA_RANGE_OP",
        "NFTA_RANGE_FROM_DATA",
        "NFTA_RANGE_TO_DATA"
    ],
    "NFTA_RANGE_?"
);
space!(
    BITWISE,
    [
        "NFTA_BITWISE_UNSPEC",
        "NFTA_BITWISE_SREG",
        "NFTA_BITWISE_DREG",
        "NFTA_BITWISE_LEN",
        "NFTA_BITWISE_MASK",
        "NFTA_BITWISE_XOR",
        "NFTA_BITWISE_OP",
        "NFTA_BITWISE_DATA",
        "NFTA_BITWISE_SREG2"
    ],
    "NFTA_BITWISE_?"
);
space!(
    BYTEORDER,
    [
        "NFTA_BYTEORDER_UNSPEC",
        "NFTA_BYTEORDER_SREG",
        "NFTA_BYTEORDER_DREG",
        "NFTA_BYTEORDER_OP",
        "NFTA_BYTEORDER_LEN",
        "NFTA_BYTEORDER_SIZE"
    ],
    "NFTA_BYTEORDER_?"
);
space!(
    PAYLOAD,
    [
        "NFTA_PAYLOAD_UNSPEC",
        "NFTA_PAYLOAD_DREG",
        "NFTA_PAYLOAD_BASE",
        "NFTA_PAYLOAD_OFFSET",
        "NFTA_PAYLOAD_LEN",
        "NFTA_PAYLOAD_SREG",
        "NFTA_PAYLOAD_CSUM_TYPE",
        "NFTA_PAYLOAD_CSUM_OFFSET",
        "NFTA_PAYLOAD_CSUM_FLAGS"
    ],
    "NFTA_PAYLOAD_?"
);
space!(
    META,
    [
        "NFTA_META_UNSPEC",
        "NFTA_META_DREG",
        "NFTA_META_KEY",
        "NFTA_META_SREG"
    ],
    "NFTA_META_?"
);
space!(
    CT,
    [
        "NFTA_CT_UNSPEC",
        "NFTA_CT_DREG",
        "NFTA_CT_KEY",
        "NFTA_CT_DIRECTION",
        "NFTA_CT_SREG"
    ],
    "NFTA_CT_?"
);
space!(
    LOOKUP,
    [
        "NFTA_LOOKUP_UNSPEC",
        "NFTA_LOOKUP_SET",
        "NFTA_LOOKUP_SREG",
        "NFTA_LOOKUP_DREG",
        "NFTA_LOOKUP_SET_ID",
        "NFTA_LOOKUP_FLAGS"
    ],
    "NFTA_LOOKUP_?"
);
space!(
    COUNTER,
    [
        "NFTA_COUNTER_UNSPEC",
        "NFTA_COUNTER_BYTES",
        "NFTA_COUNTER_PACKETS",
        "NFTA_COUNTER_PAD"
    ],
    "NFTA_COUNTER_?"
);
space!(
    LOG,
    [
        "NFTA_LOG_UNSPEC",
        "NFTA_LOG_GROUP",
        "NFTA_LOG_PREFIX",
        "NFTA_LOG_SNAPLEN",
        "NFTA_LOG_QTHRESHOLD",
        "NFTA_LOG_LEVEL",
        "NFTA_LOG_FLAGS"
    ],
    "NFTA_LOG_?"
);
space!(
    LIMIT,
    [
        "NFTA_LIMIT_UNSPEC",
        "NFTA_LIMIT_RATE",
        "NFTA_LIMIT_UNIT",
        "NFTA_LIMIT_BURST",
        "NFTA_LIMIT_TYPE",
        "NFTA_LIMIT_FLAGS",
        "NFTA_LIMIT_PAD"
    ],
    "NFTA_LIMIT_?"
);
space!(
    QUOTA,
    [
        "NFTA_QUOTA_UNSPEC",
        "NFTA_QUOTA_BYTES",
        "NFTA_QUOTA_FLAGS",
        "NFTA_QUOTA_PAD",
        "NFTA_QUOTA_CONSUMED"
    ],
    "NFTA_QUOTA_?"
);
space!(
    NAT,
    [
        "NFTA_NAT_UNSPEC",
        "NFTA_NAT_TYPE",
        "NFTA_NAT_FAMILY",
        "NFTA_NAT_REG_ADDR_MIN",
        "NFTA_NAT_REG_ADDR_MAX",
        "NFTA_NAT_REG_PROTO_MIN",
        "NFTA_NAT_REG_PROTO_MAX",
        "NFTA_NAT_FLAGS"
    ],
    "NFTA_NAT_?"
);
space!(
    MASQ,
    [
        "NFTA_MASQ_UNSPEC",
        "NFTA_MASQ_FLAGS",
        "NFTA_MASQ_REG_PROTO_MIN",
        "NFTA_MASQ_REG_PROTO_MAX"
    ],
    "NFTA_MASQ_?"
);
space!(
    REDIR,
    [
        "NFTA_REDIR_UNSPEC",
        "NFTA_REDIR_REG_PROTO_MIN",
        "NFTA_REDIR_REG_PROTO_MAX",
        "NFTA_REDIR_FLAGS"
    ],
    "NFTA_REDIR_?"
);
space!(
    REJECT,
    [
        "NFTA_REJECT_UNSPEC",
        "NFTA_REJECT_TYPE",
        "NFTA_REJECT_ICMP_CODE"
    ],
    "NFTA_REJECT_?"
);
space!(
    FIB,
    [
        "NFTA_FIB_UNSPEC",
        "NFTA_FIB_DREG",
        "NFTA_FIB_RESULT",
        "NFTA_FIB_FLAGS"
    ],
    "NFTA_FIB_?"
);
space!(
    OBJREF,
    [
        "NFTA_OBJREF_UNSPEC",
        "NFTA_OBJREF_IMM_TYPE",
        "NFTA_OBJREF_IMM_NAME",
        "NFTA_OBJREF_SET_SREG",
        "NFTA_OBJREF_SET_NAME",
        "NFTA_OBJREF_SET_ID"
    ],
    "NFTA_OBJREF_?"
);
space!(
    CONNLIMIT,
    [
        "NFTA_CONNLIMIT_UNSPEC",
        "NFTA_CONNLIMIT_COUNT",
        "NFTA_CONNLIMIT_FLAGS"
    ],
    "NFTA_CONNLIMIT_?"
);
space!(
    RT,
    ["NFTA_RT_UNSPEC", "NFTA_RT_DREG", "NFTA_RT_KEY"],
    "NFTA_RT_?"
);
space!(
    QUEUE,
    [
        "NFTA_QUEUE_UNSPEC",
        "NFTA_QUEUE_NUM",
        "NFTA_QUEUE_TOTAL",
        "NFTA_QUEUE_FLAGS",
        "NFTA_QUEUE_SREG_QNUM"
    ],
    "NFTA_QUEUE_?"
);
space!(
    NUMGEN,
    [
        "NFTA_NG_UNSPEC",
        "NFTA_NG_DREG",
        "NFTA_NG_MODULUS",
        "NFTA_NG_TYPE",
        "NFTA_NG_OFFSET",
        "NFTA_NG_SET_NAME",
        "NFTA_NG_SET_ID"
    ],
    "NFTA_NG_?"
);
space!(
    HASH,
    [
        "NFTA_HASH_UNSPEC",
        "NFTA_HASH_SREG",
        "NFTA_HASH_DREG",
        "NFTA_HASH_LEN",
        "NFTA_HASH_MODULUS",
        "NFTA_HASH_SEED",
        "NFTA_HASH_OFFSET",
        "NFTA_HASH_TYPE",
        "NFTA_HASH_SET_NAME",
        "NFTA_HASH_SET_ID"
    ],
    "NFTA_HASH_?"
);
space!(
    SOCKET,
    [
        "NFTA_SOCKET_UNSPEC",
        "NFTA_SOCKET_KEY",
        "NFTA_SOCKET_DREG",
        "NFTA_SOCKET_LEVEL"
    ],
    "NFTA_SOCKET_?"
);
space!(
    EXTHDR,
    [
        "NFTA_EXTHDR_UNSPEC",
        "NFTA_EXTHDR_DREG",
        "NFTA_EXTHDR_TYPE",
        "NFTA_EXTHDR_OFFSET",
        "NFTA_EXTHDR_LEN",
        "NFTA_EXTHDR_FLAGS",
        "NFTA_EXTHDR_OP",
        "NFTA_EXTHDR_SREG"
    ],
    "NFTA_EXTHDR_?"
);
space!(
    DYNSET,
    [
        "NFTA_DYNSET_UNSPEC",
        "NFTA_DYNSET_SET_NAME",
        "NFTA_DYNSET_SET_ID",
        "NFTA_DYNSET_OP",
        "NFTA_DYNSET_SREG_KEY",
        "NFTA_DYNSET_SREG_DATA",
        "NFTA_DYNSET_TIMEOUT",
        "NFTA_DYNSET_EXPR",
        "NFTA_DYNSET_PAD",
        "NFTA_DYNSET_FLAGS",
        "NFTA_DYNSET_EXPRESSIONS"
    ],
    "NFTA_DYNSET_?"
);
space!(
    EXPR,
    ["NFTA_EXPR_UNSPEC", "NFTA_EXPR_NAME", "NFTA_EXPR_DATA"],
    "NFTA_EXPR_?"
);
space!(LIST, ["NFTA_LIST_UNSPEC", "NFTA_LIST_ELEM"], "NFTA_LIST_?");
space!(
    DUP,
    ["NFTA_DUP_UNSPEC", "NFTA_DUP_SREG_ADDR", "NFTA_DUP_SREG_DEV"],
    "NFTA_DUP_?"
);

/// The attributes of one expression, by type (the last of a type wins, as in the kernel).
struct Table<'a> {
    attrs: [Option<Attr<'a>>; 16],
}

impl<'a> Table<'a> {
    fn read(data: &'a [u8], space: AttrSpace) -> Result<Self, DecodeError> {
        let mut attrs = [None; 16];
        for attr in Attrs::new(data, 0, space) {
            let attr = attr?;
            if let Some(slot) = attrs.get_mut(usize::from(attr.ty())) {
                *slot = Some(attr);
            }
        }
        Ok(Self { attrs })
    }

    fn get(&self, ty: u16) -> Option<Attr<'a>> {
        self.attrs.get(usize::from(ty)).copied().flatten()
    }

    fn required(&self, ty: u16, space: AttrSpace) -> Result<Attr<'a>, DecodeError> {
        self.get(ty).ok_or(DecodeError::MissingAttribute {
            name: space.name(ty),
        })
    }

    fn be32(&self, ty: u16, space: AttrSpace) -> Result<u32, DecodeError> {
        self.required(ty, space)?.be32()
    }

    fn opt_be32(&self, ty: u16) -> Result<Option<u32>, DecodeError> {
        self.get(ty).map(|a| a.be32()).transpose()
    }

    fn be64_or_zero(&self, ty: u16) -> Result<u64, DecodeError> {
        Ok(self.get(ty).map(|a| a.be64()).transpose()?.unwrap_or(0))
    }

    fn be32_or_zero(&self, ty: u16) -> Result<u32, DecodeError> {
        Ok(self.opt_be32(ty)?.unwrap_or(0))
    }

    fn str(&self, ty: u16, space: AttrSpace) -> Result<&'a str, DecodeError> {
        self.required(ty, space)?.cstr()
    }

    /// A nested `NFTA_DATA_VALUE`.
    fn value(&self, ty: u16, space: AttrSpace) -> Result<&'a [u8], DecodeError> {
        data_value(self.required(ty, space)?)
    }
}

/// The `NFTA_DATA_VALUE` inside a data attribute.
fn data_value(attr: Attr<'_>) -> Result<&[u8], DecodeError> {
    for inner in attr.nested(DATA) {
        let inner = inner?;
        if inner.ty() == NFTA_DATA_VALUE {
            return Ok(inner.payload());
        }
    }
    Err(DecodeError::MissingAttribute {
        name: "NFTA_DATA_VALUE",
    })
}

/// The data of `NFTA_IMMEDIATE_DATA`: a value or a verdict.
fn immediate_data(attr: Attr<'_>) -> Result<Data<'_>, DecodeError> {
    for inner in attr.nested(DATA) {
        let inner = inner?;
        match inner.ty() {
            NFTA_DATA_VALUE => return Ok(Data::Value(inner.payload())),
            NFTA_DATA_VERDICT => {
                let mut code = None;
                let mut chain = None;
                for v in inner.nested(VERDICT) {
                    let v = v?;
                    match v.ty() {
                        NFTA_VERDICT_CODE => code = Some(v.be_i32()?),
                        NFTA_VERDICT_CHAIN => chain = Some(v.cstr()?),
                        _ => {}
                    }
                }
                let code = code.ok_or(DecodeError::MissingAttribute {
                    name: "NFTA_VERDICT_CODE",
                })?;
                return Ok(Data::Verdict(VerdictData { code, chain }));
            }
            _ => {}
        }
    }
    Err(DecodeError::MissingAttribute {
        name: "NFTA_DATA_VALUE",
    })
}

/// Decodes one expression.
pub(crate) fn decode<'a>(name: &'a str, data: &'a [u8]) -> Result<Instr<'a>, DecodeError> {
    Ok(match name {
        "immediate" => {
            let t = Table::read(data, IMMEDIATE)?;
            Instr::Immediate {
                dreg: t.be32(NFTA_IMMEDIATE_DREG, IMMEDIATE)?,
                data: immediate_data(t.required(NFTA_IMMEDIATE_DATA, IMMEDIATE)?)?,
            }
        }
        "cmp" => {
            let t = Table::read(data, CMP)?;
            Instr::Cmp {
                sreg: t.be32(NFTA_CMP_SREG, CMP)?,
                op: t.be32(NFTA_CMP_OP, CMP)?,
                data: t.value(NFTA_CMP_DATA, CMP)?,
            }
        }
        "range" => {
            let t = Table::read(data, RANGE)?;
            Instr::Range {
                sreg: t.be32(NFTA_RANGE_SREG, RANGE)?,
                op: t.be32(NFTA_RANGE_OP, RANGE)?,
                from: t.value(NFTA_RANGE_FROM_DATA, RANGE)?,
                to: t.value(NFTA_RANGE_TO_DATA, RANGE)?,
            }
        }
        "bitwise" => {
            let t = Table::read(data, BITWISE)?;
            let nested = |ty| t.get(ty).map(data_value).transpose();
            Instr::Bitwise {
                sreg: t.be32(NFTA_BITWISE_SREG, BITWISE)?,
                dreg: t.be32(NFTA_BITWISE_DREG, BITWISE)?,
                len: t.be32(NFTA_BITWISE_LEN, BITWISE)?,
                op: t.opt_be32(NFTA_BITWISE_OP)?.unwrap_or(NFT_BITWISE_MASK_XOR),
                mask: nested(NFTA_BITWISE_MASK)?,
                xor: nested(NFTA_BITWISE_XOR)?,
                shift: nested(NFTA_BITWISE_DATA)?,
            }
        }
        "byteorder" => {
            let t = Table::read(data, BYTEORDER)?;
            Instr::Byteorder {
                sreg: t.be32(NFTA_BYTEORDER_SREG, BYTEORDER)?,
                dreg: t.be32(NFTA_BYTEORDER_DREG, BYTEORDER)?,
                op: t.be32(NFTA_BYTEORDER_OP, BYTEORDER)?,
                len: t.be32(NFTA_BYTEORDER_LEN, BYTEORDER)?,
                size: t.be32(NFTA_BYTEORDER_SIZE, BYTEORDER)?,
            }
        }
        "payload" => {
            let t = Table::read(data, PAYLOAD)?;
            let base = t.be32(NFTA_PAYLOAD_BASE, PAYLOAD)?;
            let offset = t.be32(NFTA_PAYLOAD_OFFSET, PAYLOAD)?;
            let len = t.be32(NFTA_PAYLOAD_LEN, PAYLOAD)?;
            match t.opt_be32(NFTA_PAYLOAD_DREG)? {
                Some(dreg) => Instr::PayloadLoad {
                    dreg,
                    base,
                    offset,
                    len,
                },
                None => Instr::PayloadWrite {
                    sreg: t.be32(NFTA_PAYLOAD_SREG, PAYLOAD)?,
                    base,
                    offset,
                    len,
                    csum_type: t.be32_or_zero(NFTA_PAYLOAD_CSUM_TYPE)?,
                    csum_offset: t.be32_or_zero(NFTA_PAYLOAD_CSUM_OFFSET)?,
                    csum_flags: t.be32_or_zero(NFTA_PAYLOAD_CSUM_FLAGS)?,
                },
            }
        }
        "meta" => {
            let t = Table::read(data, META)?;
            let key = t.be32(NFTA_META_KEY, META)?;
            match t.opt_be32(NFTA_META_DREG)? {
                Some(dreg) => Instr::MetaLoad { dreg, key },
                None => Instr::MetaSet {
                    sreg: t.be32(NFTA_META_SREG, META)?,
                    key,
                },
            }
        }
        "ct" => {
            let t = Table::read(data, CT)?;
            let key = t.be32(NFTA_CT_KEY, CT)?;
            let dir = t.get(NFTA_CT_DIRECTION).map(|a| a.u8()).transpose()?;
            match t.opt_be32(NFTA_CT_DREG)? {
                Some(dreg) => Instr::CtLoad { dreg, key, dir },
                None => Instr::CtSet {
                    sreg: t.be32(NFTA_CT_SREG, CT)?,
                    key,
                    dir,
                },
            }
        }
        "lookup" => {
            let t = Table::read(data, LOOKUP)?;
            Instr::Lookup {
                set: t.str(NFTA_LOOKUP_SET, LOOKUP)?,
                sreg: t.be32(NFTA_LOOKUP_SREG, LOOKUP)?,
                dreg: t.opt_be32(NFTA_LOOKUP_DREG)?,
                flags: t.be32_or_zero(NFTA_LOOKUP_FLAGS)?,
            }
        }
        "counter" => {
            let t = Table::read(data, COUNTER)?;
            Instr::Counter {
                packets: t.be64_or_zero(NFTA_COUNTER_PACKETS)?,
                bytes: t.be64_or_zero(NFTA_COUNTER_BYTES)?,
            }
        }
        "log" => {
            let t = Table::read(data, LOG)?;
            Instr::Log {
                prefix: t.get(NFTA_LOG_PREFIX).map(|a| a.cstr()).transpose()?,
                group: t.get(NFTA_LOG_GROUP).map(|a| a.be16()).transpose()?,
                snaplen: t.opt_be32(NFTA_LOG_SNAPLEN)?,
                qthreshold: t.get(NFTA_LOG_QTHRESHOLD).map(|a| a.be16()).transpose()?,
                level: t.opt_be32(NFTA_LOG_LEVEL)?,
                flags: t.opt_be32(NFTA_LOG_FLAGS)?,
            }
        }
        "limit" => {
            let t = Table::read(data, LIMIT)?;
            Instr::Limit {
                rate: t.be64_or_zero(NFTA_LIMIT_RATE)?,
                unit: t.be64_or_zero(NFTA_LIMIT_UNIT)?,
                burst: t.be32_or_zero(NFTA_LIMIT_BURST)?,
                kind: t.be32_or_zero(NFTA_LIMIT_TYPE)?,
                flags: t.be32_or_zero(NFTA_LIMIT_FLAGS)?,
            }
        }
        "quota" => {
            let t = Table::read(data, QUOTA)?;
            Instr::Quota {
                bytes: t.be64_or_zero(NFTA_QUOTA_BYTES)?,
                consumed: t.be64_or_zero(NFTA_QUOTA_CONSUMED)?,
                flags: t.be32_or_zero(NFTA_QUOTA_FLAGS)?,
            }
        }
        "nat" => {
            let t = Table::read(data, NAT)?;
            Instr::Nat {
                kind: t.be32(NFTA_NAT_TYPE, NAT)?,
                family: t.be32(NFTA_NAT_FAMILY, NAT)?,
                addr_min: t.opt_be32(NFTA_NAT_REG_ADDR_MIN)?,
                addr_max: t.opt_be32(NFTA_NAT_REG_ADDR_MAX)?,
                proto_min: t.opt_be32(NFTA_NAT_REG_PROTO_MIN)?,
                proto_max: t.opt_be32(NFTA_NAT_REG_PROTO_MAX)?,
                flags: t.opt_be32(NFTA_NAT_FLAGS)?,
            }
        }
        "masq" => {
            let t = Table::read(data, MASQ)?;
            Instr::Masq {
                flags: t.opt_be32(NFTA_MASQ_FLAGS)?,
                proto_min: t.opt_be32(NFTA_MASQ_REG_PROTO_MIN)?,
                proto_max: t.opt_be32(NFTA_MASQ_REG_PROTO_MAX)?,
            }
        }
        "redir" => {
            let t = Table::read(data, REDIR)?;
            Instr::Redir {
                flags: t.opt_be32(NFTA_REDIR_FLAGS)?,
                proto_min: t.opt_be32(NFTA_REDIR_REG_PROTO_MIN)?,
                proto_max: t.opt_be32(NFTA_REDIR_REG_PROTO_MAX)?,
            }
        }
        "reject" => {
            let t = Table::read(data, REJECT)?;
            Instr::Reject {
                kind: t.be32(NFTA_REJECT_TYPE, REJECT)?,
                code: t
                    .get(NFTA_REJECT_ICMP_CODE)
                    .map(|a| a.u8())
                    .transpose()?
                    .unwrap_or(0),
            }
        }
        "fib" => {
            let t = Table::read(data, FIB)?;
            Instr::Fib {
                dreg: t.be32(NFTA_FIB_DREG, FIB)?,
                result: t.be32(NFTA_FIB_RESULT, FIB)?,
                flags: t.be32(NFTA_FIB_FLAGS, FIB)?,
            }
        }
        "notrack" => Instr::Notrack,
        "objref" => {
            let t = Table::read(data, OBJREF)?;
            match t.get(NFTA_OBJREF_IMM_NAME) {
                Some(name) => Instr::Objref {
                    kind: t.be32(NFTA_OBJREF_IMM_TYPE, OBJREF)?,
                    name: name.cstr()?,
                },
                None => Instr::Other { name },
            }
        }
        "connlimit" => {
            let t = Table::read(data, CONNLIMIT)?;
            Instr::Connlimit {
                count: t.be32(NFTA_CONNLIMIT_COUNT, CONNLIMIT)?,
                flags: t.be32_or_zero(NFTA_CONNLIMIT_FLAGS)?,
            }
        }
        "rt" => {
            let t = Table::read(data, RT)?;
            Instr::Rt {
                dreg: t.be32(NFTA_RT_DREG, RT)?,
                key: t.be32(NFTA_RT_KEY, RT)?,
            }
        }
        "queue" => {
            let t = Table::read(data, QUEUE)?;
            if t.get(NFTA_QUEUE_SREG_QNUM).is_some() {
                Instr::Other { name }
            } else {
                Instr::Queue {
                    num: t
                        .get(NFTA_QUEUE_NUM)
                        .map(|a| a.be16())
                        .transpose()?
                        .unwrap_or(0),
                    total: t
                        .get(NFTA_QUEUE_TOTAL)
                        .map(|a| a.be16())
                        .transpose()?
                        .unwrap_or(0),
                    flags: t
                        .get(NFTA_QUEUE_FLAGS)
                        .map(|a| a.be16())
                        .transpose()?
                        .unwrap_or(0),
                }
            }
        }
        "dup" => {
            let t = Table::read(data, DUP)?;
            Instr::Dup {
                sreg_addr: t.opt_be32(NFTA_DUP_SREG_ADDR)?,
                sreg_dev: t.opt_be32(NFTA_DUP_SREG_DEV)?,
            }
        }
        "hash" => {
            let t = Table::read(data, HASH)?;
            if t.get(NFTA_HASH_SET_NAME).is_some() {
                Instr::Other { name }
            } else {
                Instr::Hash {
                    sreg: t.opt_be32(NFTA_HASH_SREG)?,
                    dreg: t.be32(NFTA_HASH_DREG, HASH)?,
                    len: t.be32_or_zero(NFTA_HASH_LEN)?,
                    modulus: t.be32(NFTA_HASH_MODULUS, HASH)?,
                    seed: t.opt_be32(NFTA_HASH_SEED)?,
                    offset: t.be32_or_zero(NFTA_HASH_OFFSET)?,
                    kind: t.be32_or_zero(NFTA_HASH_TYPE)?,
                }
            }
        }
        "socket" => {
            let t = Table::read(data, SOCKET)?;
            Instr::Socket {
                dreg: t.be32(NFTA_SOCKET_DREG, SOCKET)?,
                key: t.be32(NFTA_SOCKET_KEY, SOCKET)?,
                level: t.be32_or_zero(NFTA_SOCKET_LEVEL)?,
            }
        }
        "dynset" => {
            let t = Table::read(data, DYNSET)?;
            let mut exprs = Vec::new();
            if let Some(expr) = t.get(NFTA_DYNSET_EXPR) {
                exprs.push(nested_expr(expr)?);
            }
            if let Some(list) = t.get(NFTA_DYNSET_EXPRESSIONS) {
                for item in list.nested(LIST) {
                    exprs.push(nested_expr(item?)?);
                }
            }
            Instr::Dynset {
                set: t.str(NFTA_DYNSET_SET_NAME, DYNSET)?,
                op: t.be32_or_zero(NFTA_DYNSET_OP)?,
                sreg_key: t.be32(NFTA_DYNSET_SREG_KEY, DYNSET)?,
                sreg_data: t.opt_be32(NFTA_DYNSET_SREG_DATA)?,
                timeout: t.get(NFTA_DYNSET_TIMEOUT).map(|a| a.be64()).transpose()?,
                exprs,
            }
        }
        "exthdr" => {
            let t = Table::read(data, EXTHDR)?;
            Instr::Exthdr {
                dreg: t.opt_be32(NFTA_EXTHDR_DREG)?,
                sreg: t.opt_be32(NFTA_EXTHDR_SREG)?,
                kind: t.required(NFTA_EXTHDR_TYPE, EXTHDR)?.u8()?,
                offset: t.be32_or_zero(NFTA_EXTHDR_OFFSET)?,
                len: t.be32_or_zero(NFTA_EXTHDR_LEN)?,
                flags: t.be32_or_zero(NFTA_EXTHDR_FLAGS)?,
                op: t.opt_be32(NFTA_EXTHDR_OP)?.unwrap_or(NFT_EXTHDR_OP_IPV6),
            }
        }
        "numgen" => {
            let t = Table::read(data, NUMGEN)?;
            if t.get(NFTA_NG_SET_NAME).is_some() {
                Instr::Other { name }
            } else {
                Instr::Numgen {
                    dreg: t.be32(NFTA_NG_DREG, NUMGEN)?,
                    modulus: t.be32(NFTA_NG_MODULUS, NUMGEN)?,
                    kind: t.be32(NFTA_NG_TYPE, NUMGEN)?,
                    offset: t.be32_or_zero(NFTA_NG_OFFSET)?,
                }
            }
        }
        _ => Instr::Other { name },
    })
}

/// An expression nested in another (`NFTA_EXPR_NAME`, `NFTA_EXPR_DATA`).
fn nested_expr(attr: Attr<'_>) -> Result<(&str, &[u8]), DecodeError> {
    let mut name = None;
    let mut data: &[u8] = &[];
    for inner in attr.nested(EXPR) {
        let inner = inner?;
        match inner.ty() {
            NFTA_EXPR_NAME => name = Some(inner.cstr()?),
            NFTA_EXPR_DATA => data = inner.payload(),
            _ => {}
        }
    }
    let name = name.ok_or(DecodeError::MissingAttribute {
        name: "NFTA_EXPR_NAME",
    })?;
    Ok((name, data))
}

/// The attribute (type, payload length) pairs of an expression's data, for expressions
/// nothing else can show; stops at the first malformed attribute.
pub(crate) fn attribute_shapes(data: &[u8]) -> Vec<(u16, usize)> {
    Attrs::new(data, 0, AttrSpace::new(&[], "NFTA_EXPR_DATA attribute"))
        .map_while(Result::ok)
        .map(|a| (a.ty(), a.payload().len()))
        .collect()
}
