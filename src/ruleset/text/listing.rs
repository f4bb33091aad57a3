//! The plain expression listing, the rule text of last resort: every expression of a rule in
//! the style of libnftnl's debug output (`nft --debug=netlink`), e.g.
//! `[ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00001600 ]`.
//! Expressions it has no format for show their name and attribute types and lengths; it
//! never fails and never returns nothing for a rule with expressions.

use std::fmt::Write as _;

use nftrace_sys::nf_tables::*;

use super::render::decode::{attribute_shapes, decode, Data, Instr};
use crate::ruleset::model::Expr;

/// Lists a rule's expressions; an empty rule lists as `[ ]`.
pub fn expression_listing(exprs: &[Expr]) -> String {
    let mut out = String::new();
    for expr in exprs {
        if !out.is_empty() {
            out.push(' ');
        }
        list_expr(&mut out, expr);
    }
    if out.is_empty() {
        out.push_str("[ ]");
    }
    out
}

fn list_expr(out: &mut String, expr: &Expr) {
    out.push_str("[ ");
    match decode(&expr.name, &expr.data) {
        Ok(Instr::Other { name }) => shapes(out, name, &expr.data),
        Ok(instr) => instr_text(out, &instr),
        Err(err) => {
            let _ = write!(out, "{} <{err}>", expr.name);
        }
    }
    out.push_str(" ]");
}

fn shapes(out: &mut String, name: &str, data: &[u8]) {
    out.push_str(name);
    for (ty, len) in attribute_shapes(data) {
        let _ = write!(out, " {ty}:{len}b");
    }
}

/// Register data as libnftnl prints it: 32-bit words in host order, `0x%08x`.
pub(crate) fn data_words(out: &mut String, data: &[u8]) {
    let mut first = true;
    for chunk in data.chunks(4) {
        let mut word = [0u8; 4];
        for (dst, src) in word.iter_mut().zip(chunk) {
            *dst = *src;
        }
        if !first {
            out.push(' ');
        }
        let _ = write!(out, "0x{:08x}", u32::from_ne_bytes(word));
        first = false;
    }
}

fn verdict_name(code: i32) -> &'static str {
    match code {
        0 => "drop",
        1 => "accept",
        2 => "stolen",
        3 => "queue",
        4 => "repeat",
        5 => "stop",
        NFT_CONTINUE => "continue",
        NFT_BREAK => "break",
        NFT_JUMP => "jump",
        NFT_GOTO => "goto",
        NFT_RETURN => "return",
        _ => "unknown",
    }
}

fn cmp_op(op: u32) -> &'static str {
    match op {
        NFT_CMP_EQ => "eq",
        NFT_CMP_NEQ => "neq",
        NFT_CMP_LT => "lt",
        NFT_CMP_LTE => "lte",
        NFT_CMP_GT => "gt",
        NFT_CMP_GTE => "gte",
        _ => "unknown",
    }
}

fn base_name(base: u32) -> &'static str {
    match base {
        NFT_PAYLOAD_LL_HEADER => "link",
        NFT_PAYLOAD_NETWORK_HEADER => "network",
        NFT_PAYLOAD_TRANSPORT_HEADER => "transport",
        NFT_PAYLOAD_INNER_HEADER => "inner",
        _ => "unknown",
    }
}

fn meta_name(key: u32) -> &'static str {
    super::render::keys::meta_key(key).map_or("unknown", |k| k.debug)
}

fn ct_name(key: u32) -> &'static str {
    super::render::keys::ct_key(key).map_or("unknown", |k| k.debug)
}

fn instr_text(out: &mut String, instr: &Instr<'_>) {
    match *instr {
        Instr::Immediate { dreg, data } => {
            let _ = write!(out, "immediate reg {dreg} ");
            match data {
                Data::Value(bytes) => data_words(out, bytes),
                Data::Verdict(v) => {
                    out.push_str(verdict_name(v.code));
                    if let Some(chain) = v.chain {
                        let _ = write!(out, " -> {chain}");
                    }
                }
            }
        }
        Instr::Cmp { sreg, op, data } => {
            let _ = write!(out, "cmp {} reg {sreg} ", cmp_op(op));
            data_words(out, data);
        }
        Instr::Range { sreg, op, from, to } => {
            let op = if op == NFT_RANGE_NEQ { "neq" } else { "eq" };
            let _ = write!(out, "range {op} reg {sreg} ");
            data_words(out, from);
            out.push(' ');
            data_words(out, to);
        }
        Instr::Bitwise {
            sreg,
            dreg,
            op,
            mask,
            xor,
            shift,
            ..
        } => {
            let _ = write!(out, "bitwise reg {dreg} = ( reg {sreg} ");
            match op {
                NFT_BITWISE_LSHIFT | NFT_BITWISE_RSHIFT => {
                    out.push_str(if op == NFT_BITWISE_LSHIFT {
                        "<< "
                    } else {
                        ">> "
                    });
                    data_words(out, shift.unwrap_or_default());
                    out.push_str(" )");
                }
                _ => {
                    out.push_str("& ");
                    data_words(out, mask.unwrap_or_default());
                    out.push_str(" ) ^ ");
                    data_words(out, xor.unwrap_or_default());
                }
            }
        }
        Instr::Byteorder {
            sreg,
            dreg,
            op,
            len,
            size,
        } => {
            let op = if op == NFT_BYTEORDER_HTON {
                "hton"
            } else {
                "ntoh"
            };
            let _ = write!(
                out,
                "byteorder reg {dreg} = {op}(reg {sreg}, {size}, {len})"
            );
        }
        Instr::PayloadLoad {
            dreg,
            base,
            offset,
            len,
        } => {
            let _ = write!(
                out,
                "payload load {len}b @ {} header + {offset} => reg {dreg}",
                base_name(base)
            );
        }
        Instr::PayloadWrite {
            sreg,
            base,
            offset,
            len,
            csum_type,
            csum_offset,
            csum_flags,
        } => {
            let _ = write!(
                out,
                "payload write reg {sreg} => {len}b @ {} header + {offset} csum_type {csum_type} \
                 csum_off {csum_offset} csum_flags 0x{csum_flags:x}",
                base_name(base)
            );
        }
        Instr::MetaLoad { dreg, key } => {
            let _ = write!(out, "meta load {} => reg {dreg}", meta_name(key));
        }
        Instr::MetaSet { sreg, key } => {
            let _ = write!(out, "meta set {} with reg {sreg}", meta_name(key));
        }
        Instr::CtLoad { dreg, key, dir } => {
            let _ = write!(out, "ct load {} => reg {dreg}", ct_name(key));
            if let Some(dir) = dir {
                let name = super::render::keys::ct_direction(dir).unwrap_or("unknown");
                let _ = write!(out, " , dir {name}");
            }
        }
        Instr::CtSet { sreg, key, dir } => {
            let _ = write!(out, "ct set {} with reg {sreg}", ct_name(key));
            if let Some(dir) = dir {
                let name = super::render::keys::ct_direction(dir).unwrap_or("unknown");
                let _ = write!(out, " , dir {name}");
            }
        }
        Instr::Lookup {
            set,
            sreg,
            dreg,
            flags,
        } => {
            let _ = write!(out, "lookup reg {sreg} set {set}");
            if let Some(dreg) = dreg {
                let _ = write!(out, " dreg {dreg}");
            }
            let _ = write!(out, " 0x{flags:x}");
        }
        Instr::Counter { packets, bytes } => {
            let _ = write!(out, "counter pkts {packets} bytes {bytes}");
        }
        Instr::Log {
            prefix,
            group,
            snaplen,
            qthreshold,
            level,
            flags,
        } => {
            out.push_str("log");
            if let Some(prefix) = prefix {
                let _ = write!(out, " prefix {prefix}");
            }
            if let Some(group) = group {
                let _ = write!(
                    out,
                    " group {group} snaplen {} qthreshold {}",
                    snaplen.unwrap_or(0),
                    qthreshold.unwrap_or(0)
                );
            }
            if let Some(level) = level {
                let _ = write!(out, " level {level}");
            }
            if let Some(flags) = flags {
                for (bit, name) in [
                    (1, "tcpseq"),
                    (2, "tcpopt"),
                    (4, "ipopt"),
                    (8, "uid"),
                    (0x20, "macdecode"),
                ] {
                    if flags & bit != 0 {
                        let _ = write!(out, " {name}");
                    }
                }
            }
        }
        Instr::Limit {
            rate,
            unit,
            burst,
            kind,
            flags,
        } => {
            let unit = match unit {
                1 => "second",
                60 => "minute",
                3600 => "hour",
                86400 => "day",
                604_800 => "week",
                _ => "error",
            };
            let kind = if kind == NFT_LIMIT_PKT_BYTES {
                "bytes"
            } else {
                "packets"
            };
            let _ = write!(
                out,
                "limit rate {rate}/{unit} burst {burst} type {kind} flags 0x{flags:x}"
            );
        }
        Instr::Quota {
            bytes,
            consumed,
            flags,
        } => {
            let _ = write!(out, "quota bytes {bytes} consumed {consumed} flags {flags}");
        }
        Instr::Nat {
            kind,
            family,
            addr_min,
            addr_max,
            proto_min,
            proto_max,
            flags,
        } => {
            let kind = if kind == NFT_NAT_SNAT { "snat" } else { "dnat" };
            let family = match u8::try_from(family).unwrap_or(0) {
                nftrace_sys::netfilter::NFPROTO_IPV4 => "ip",
                nftrace_sys::netfilter::NFPROTO_IPV6 => "ip6",
                _ => "unknown",
            };
            let _ = write!(out, "nat {kind} {family}");
            if let Some(r) = addr_min {
                let _ = write!(out, " addr_min reg {r}");
            }
            if let Some(r) = addr_max {
                let _ = write!(out, " addr_max reg {r}");
            }
            if let Some(r) = proto_min {
                let _ = write!(out, " proto_min reg {r}");
            }
            if let Some(r) = proto_max {
                let _ = write!(out, " proto_max reg {r}");
            }
            if let Some(flags) = flags {
                let _ = write!(out, " flags 0x{flags:x}");
            }
        }
        Instr::Masq {
            flags,
            proto_min,
            proto_max,
        } => {
            out.push_str("masq");
            proto_regs(out, proto_min, proto_max, flags);
        }
        Instr::Redir {
            flags,
            proto_min,
            proto_max,
        } => {
            out.push_str("redir");
            proto_regs(out, proto_min, proto_max, flags);
        }
        Instr::Reject { kind, code } => {
            let _ = write!(out, "reject type {kind} code {code}");
        }
        Instr::Fib {
            dreg,
            result,
            flags,
        } => {
            out.push_str("fib");
            let mut sep = " ";
            for (bit, name) in [
                (NFTA_FIB_F_SADDR, "saddr"),
                (NFTA_FIB_F_DADDR, "daddr"),
                (NFTA_FIB_F_MARK, "mark"),
                (NFTA_FIB_F_IIF, "iif"),
                (NFTA_FIB_F_OIF, "oif"),
            ] {
                if flags & bit != 0 {
                    let _ = write!(out, "{sep}{name}");
                    sep = " . ";
                }
            }
            let result = match result {
                NFT_FIB_RESULT_OIF => "oif",
                NFT_FIB_RESULT_OIFNAME => "oifname",
                NFT_FIB_RESULT_ADDRTYPE => "type",
                _ => "unknown",
            };
            let _ = write!(out, " {result}");
            if flags & NFTA_FIB_F_PRESENT != 0 {
                out.push_str(" present");
            }
            let _ = write!(out, " => reg {dreg}");
        }
        Instr::Notrack => out.push_str("notrack"),
        Instr::Objref { kind, name } => {
            let _ = write!(out, "objref type {kind} name {name}");
        }
        Instr::Connlimit { count, flags } => {
            let _ = write!(out, "connlimit count {count} flags {flags:x}");
        }
        Instr::Rt { dreg, key } => {
            let name = super::render::keys::rt_key(key).map_or("unknown", |k| k.1);
            let _ = write!(out, "rt load {name} => reg {dreg}");
        }
        Instr::Queue { num, total, flags } => {
            let _ = write!(out, "queue num {num} total {total} flags 0x{flags:x}");
        }
        Instr::Dup {
            sreg_addr,
            sreg_dev,
        } => {
            out.push_str("dup");
            if let Some(r) = sreg_addr {
                let _ = write!(out, " sreg_addr {r}");
            }
            if let Some(r) = sreg_dev {
                let _ = write!(out, " sreg_dev {r}");
            }
        }
        Instr::Numgen {
            dreg,
            modulus,
            kind,
            offset,
        } => {
            let kind = match kind {
                NFT_NG_INCREMENTAL => "inc",
                NFT_NG_RANDOM => "random",
                _ => "unknown",
            };
            let _ = write!(out, "numgen reg {dreg} = {kind} mod {modulus}");
            if offset != 0 {
                let _ = write!(out, " offset {offset}");
            }
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
            if kind == NFT_HASH_SYM {
                let _ = write!(out, "hash reg {dreg} = symhash() % mod {modulus}");
            } else {
                let _ = write!(
                    out,
                    "hash reg {dreg} = jhash(reg {}, {len}, 0x{:x}) % mod {modulus}",
                    sreg.unwrap_or(0),
                    seed.unwrap_or(0)
                );
            }
            if offset != 0 {
                let _ = write!(out, " offset {offset}");
            }
        }
        Instr::Socket { dreg, key, level } => {
            let key = match key {
                NFT_SOCKET_TRANSPARENT => "transparent",
                NFT_SOCKET_MARK => "mark",
                NFT_SOCKET_WILDCARD => "wildcard",
                NFT_SOCKET_CGROUPV2 => "cgroupv2",
                _ => "unknown",
            };
            let _ = write!(out, "socket load {key} => reg {dreg}");
            if level != 0 {
                let _ = write!(out, " level {level}");
            }
        }
        Instr::Dynset {
            set,
            op,
            sreg_key,
            sreg_data,
            timeout,
            ref exprs,
        } => {
            let op = match op {
                NFT_DYNSET_OP_ADD => "add",
                NFT_DYNSET_OP_UPDATE => "update",
                NFT_DYNSET_OP_DELETE => "delete",
                _ => "unknown",
            };
            let _ = write!(out, "dynset {op} reg_key {sreg_key} set {set}");
            if let Some(sreg_data) = sreg_data {
                let _ = write!(out, " sreg_data {sreg_data}");
            }
            if let Some(timeout) = timeout {
                let _ = write!(out, " timeout {timeout}ms");
            }
            for (name, data) in exprs {
                out.push_str(" expr ");
                if *name == "dynset" {
                    // The kernel never nests a dynset in a dynset; do not recurse on one.
                    out.push_str("[ ");
                    shapes(out, name, data);
                    out.push_str(" ]");
                } else {
                    list_expr(
                        out,
                        &Expr {
                            name: (*name).to_owned(),
                            data: data.to_vec(),
                        },
                    );
                }
            }
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
            let op = match op {
                NFT_EXTHDR_OP_IPV6 => "ipv6",
                NFT_EXTHDR_OP_TCPOPT => "tcpopt",
                NFT_EXTHDR_OP_IPV4 => "ipv4",
                NFT_EXTHDR_OP_SCTP => "sctp",
                NFT_EXTHDR_OP_DCCP => "dccp",
                _ => "unknown",
            };
            match (dreg, sreg) {
                (Some(dreg), _) => {
                    let present = if flags & NFT_EXTHDR_F_PRESENT != 0 {
                        " present"
                    } else {
                        ""
                    };
                    let _ = write!(
                        out,
                        "exthdr load {op} {len}b @ {kind} + {offset}{present} => reg {dreg}"
                    );
                }
                (None, sreg) => {
                    let _ = write!(
                        out,
                        "exthdr write {op} reg {} => {len}b @ {kind} + {offset}",
                        sreg.unwrap_or(0)
                    );
                }
            }
        }
        Instr::Other { name } => out.push_str(name),
    }
}

fn proto_regs(out: &mut String, min: Option<u32>, max: Option<u32>, flags: Option<u32>) {
    if let Some(r) = min {
        let _ = write!(out, " proto_min reg {r}");
    }
    if let Some(r) = max {
        let _ = write!(out, " proto_max reg {r}");
    }
    if let Some(flags) = flags {
        let _ = write!(out, " flags 0x{flags:x}");
    }
}
