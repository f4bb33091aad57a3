//! Statements other than matches: verdicts, NAT, reject, log, limit and quota, as nft's
//! `statement.c` prints them.

use std::fmt::Write as _;

use nftrace_sys::netfilter::*;
use nftrace_sys::nf_tables::*;

use super::{unsupported, Printer};
use crate::ruleset::text::render::bits::ByteOrder;
use crate::ruleset::text::render::dtype::{Dtype, ICMP6_CODES, ICMPX_CODES, ICMP_CODES};
use crate::ruleset::text::render::ir::{Ex, NatKind};
use crate::ruleset::text::render::proto::{Proto, BASE_NETWORK, BASE_TRANSPORT};
use crate::ruleset::text::render::RenderError;

impl Printer<'_> {
    pub(super) fn nat_text(
        &mut self,
        kind: NatKind,
        family: Option<u32>,
        addr: Option<&(Ex, Option<Ex>)>,
        proto: Option<&(Ex, Option<Ex>)>,
        flags: u32,
    ) -> Result<String, RenderError> {
        let mut text = String::from(match kind {
            NatKind::Snat => "snat",
            NatKind::Dnat => "dnat",
            NatKind::Masquerade => "masquerade",
            NatKind::Redirect => "redirect",
        });
        let nat_family = family.and_then(|f| u8::try_from(f).ok());
        if addr.is_some() || proto.is_some() {
            if self.family == NFPROTO_INET {
                match nat_family {
                    Some(NFPROTO_IPV4) => text.push_str(" ip"),
                    Some(NFPROTO_IPV6) => text.push_str(" ip6"),
                    _ => {}
                }
            }
            text.push_str(" to");
        }
        let addr_dtype = match nat_family {
            Some(NFPROTO_IPV6) => Dtype::Ipv6,
            Some(NFPROTO_IPV4) => Dtype::Ipv4,
            _ => match self.family {
                NFPROTO_IPV6 => Dtype::Ipv6,
                _ => Dtype::Ipv4,
            },
        };
        if let Some((low, high)) = addr {
            text.push(' ');
            let low_text = self.value_expr(low, addr_dtype, ByteOrder::Big, 0)?;
            let bracket =
                proto.is_some() && addr_dtype == Dtype::Ipv6 && matches!(low, Ex::Value(_));
            match high {
                Some(high) => {
                    let high_text = self.value_expr(high, addr_dtype, ByteOrder::Big, 0)?;
                    if bracket {
                        let _ = write!(text, "[{low_text}]-[{high_text}]");
                    } else {
                        let _ = write!(text, "{low_text}-{high_text}");
                    }
                }
                None if bracket => {
                    let _ = write!(text, "[{low_text}]");
                }
                None => text.push_str(&low_text),
            }
        }
        if let Some((low, high)) = proto {
            if addr.is_none() {
                text.push(' ');
            }
            text.push(':');
            text.push_str(&self.value_expr(low, Dtype::InetService, ByteOrder::Big, 16)?);
            if let Some(high) = high {
                text.push('-');
                text.push_str(&self.value_expr(high, Dtype::InetService, ByteOrder::Big, 16)?);
            }
        }
        let mut delim = " ";
        for (bit, name) in [(4u32, "random"), (16, "fully-random"), (8, "persistent")] {
            if flags & bit != 0 {
                text.push_str(delim);
                text.push_str(name);
                delim = ",";
            }
        }
        Ok(text)
    }

    pub(super) fn reject_text(&mut self, kind: u32, code: u8) -> Result<String, RenderError> {
        let code_name = |table: &'static [(u128, &'static str)]| -> String {
            table
                .iter()
                .find(|(n, _)| *n == u128::from(code))
                .map_or_else(|| code.to_string(), |(_, name)| (*name).to_owned())
        };
        let mut text = String::from("reject");
        match kind {
            NFT_REJECT_TCP_RST => {
                if matches!(self.family, NFPROTO_IPV4 | NFPROTO_IPV6)
                    && self.dep_at(BASE_TRANSPORT).is_some()
                {
                    self.release(BASE_TRANSPORT);
                }
                text.push_str(" with tcp reset");
            }
            NFT_REJECT_ICMPX_UNREACH => {
                if u32::from(code) != NFT_REJECT_ICMPX_PORT_UNREACH {
                    let _ = write!(text, " with icmpx {}", code_name(ICMPX_CODES));
                }
            }
            NFT_REJECT_ICMP_UNREACH => {
                let verbose = matches!(self.family, NFPROTO_INET | NFPROTO_BRIDGE | NFPROTO_NETDEV);
                let family = match self.family {
                    NFPROTO_IPV4 | NFPROTO_IPV6 => self.family,
                    _ => match self.pctx.at(BASE_NETWORK) {
                        Some(Proto::Ip) => NFPROTO_IPV4,
                        Some(Proto::Ip6) => NFPROTO_IPV6,
                        _ => 0,
                    },
                };
                if matches!(self.family, NFPROTO_INET | NFPROTO_BRIDGE | NFPROTO_NETDEV)
                    && self
                        .deps
                        .get(usize::from(BASE_NETWORK))
                        .copied()
                        .flatten()
                        .is_some()
                {
                    self.release(BASE_NETWORK);
                }
                match family {
                    NFPROTO_IPV4 => {
                        if verbose || code != 3 {
                            let _ = write!(text, " with icmp {}", code_name(ICMP_CODES));
                        }
                    }
                    NFPROTO_IPV6 => {
                        if verbose || code != 4 {
                            let _ = write!(text, " with icmpv6 {}", code_name(ICMP6_CODES));
                        }
                    }
                    _ => return Err(unsupported("reject without a network protocol")),
                }
            }
            _ => return Err(unsupported("reject type")),
        }
        Ok(text)
    }
}

pub(super) fn verdict_text(code: i32, chain: Option<&str>) -> Result<String, RenderError> {
    Ok(match code {
        0 => "drop".to_owned(),
        1 => "accept".to_owned(),
        3 => "queue".to_owned(),
        NFT_CONTINUE => "continue".to_owned(),
        NFT_RETURN => "return".to_owned(),
        NFT_JUMP => format!("jump {}", chain.ok_or(unsupported("jump without chain"))?),
        NFT_GOTO => format!("goto {}", chain.ok_or(unsupported("goto without chain"))?),
        _ => return Err(unsupported("verdict code")),
    })
}

pub(super) fn time_unit(unit: u64) -> Result<&'static str, RenderError> {
    Ok(match unit {
        1 => "second",
        60 => "minute",
        3600 => "hour",
        86_400 => "day",
        604_800 => "week",
        _ => return Err(unsupported("limit unit")),
    })
}

/// Bytes in the largest unit that divides them (`1048576` → `1 mbytes`), as nft's
/// `get_rate`.
pub(super) fn data_rate(bytes: u64) -> (u64, &'static str) {
    const UNITS: [&str; 4] = ["bytes", "kbytes", "mbytes", "gbytes"];
    let mut n = bytes;
    let mut unit = 0;
    while unit < UNITS.len() - 1 && n >= 1024 && n % 1024 == 0 {
        n /= 1024;
        unit += 1;
    }
    (n, UNITS.get(unit).copied().unwrap_or("bytes"))
}

pub(super) fn log_text(
    prefix: Option<&str>,
    group: Option<u16>,
    snaplen: Option<u32>,
    qthreshold: Option<u16>,
    level: Option<u32>,
    flags: u32,
) -> String {
    let mut text = String::from("log");
    if let Some(prefix) = prefix {
        let _ = write!(text, " prefix \"{prefix}\"");
    }
    if let Some(group) = group {
        let _ = write!(text, " group {group}");
    }
    if let Some(snaplen) = snaplen.filter(|&s| s != 0) {
        let _ = write!(text, " snaplen {snaplen}");
    }
    if let Some(q) = qthreshold.filter(|&q| q != 0) {
        let _ = write!(text, " queue-threshold {q}");
    }
    if let Some(level) = level.filter(|&l| l != 4) {
        let name = match level {
            0 => "emerg",
            1 => "alert",
            2 => "crit",
            3 => "err",
            5 => "notice",
            6 => "info",
            7 => "debug",
            8 => "audit",
            _ => "",
        };
        if !name.is_empty() {
            let _ = write!(text, " level {name}");
        }
    }
    const ALL: u32 = 0x2f;
    if flags & ALL == ALL {
        text.push_str(" flags all");
    } else {
        if flags & 0x3 != 0 {
            text.push_str(" flags tcp");
            let mut delim = " ";
            if flags & 1 != 0 {
                text.push_str(" sequence");
                delim = ",";
            }
            if flags & 2 != 0 {
                let _ = write!(text, "{delim}options");
            }
        }
        if flags & 4 != 0 {
            text.push_str(" flags ip options");
        }
        if flags & 8 != 0 {
            text.push_str(" flags skuid");
        }
        if flags & 0x20 != 0 {
            text.push_str(" flags ether");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_rates() {
        assert_eq!(data_rate(1_048_576), (1, "mbytes"));
        assert_eq!(data_rate(10_240), (10, "kbytes"));
        assert_eq!(data_rate(1_048_576_000), (1000, "mbytes"));
        assert_eq!(data_rate(0), (0, "bytes"));
    }
}
