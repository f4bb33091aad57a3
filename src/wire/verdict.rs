//! nf_tables verdicts: the code of an `NFTA_VERDICT_CODE` / `NFTA_TRACE_POLICY` attribute
//! as a typed value, and the `NFTA_VERDICT_*` nest that carries it in a trace event.

use nftrace_sys::netfilter::{
    NF_ACCEPT, NF_DROP, NF_QUEUE, NF_REPEAT, NF_STOLEN, NF_STOP, NF_VERDICT_FLAG_QUEUE_BYPASS,
    NF_VERDICT_MASK, NF_VERDICT_QBITS,
};
use nftrace_sys::nf_tables::{
    NFTA_VERDICT_CHAIN, NFTA_VERDICT_CODE, NFT_BREAK, NFT_CONTINUE, NFT_GOTO, NFT_JUMP, NFT_RETURN,
};

use super::attr::{Attr, AttrSpace};
use super::error::DecodeError;

/// A verdict as nf_tables reports it.
///
/// Positive codes are netfilter verdicts whose low byte is the verdict (`NF_VERDICT_MASK`)
/// and whose upper 16 bits carry a queue number or a drop errno; negative codes are
/// nf_tables' own. Codes the kernel does not define come out as [`Verdict::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict<'a> {
    /// `NF_ACCEPT`.
    Accept,
    /// `NF_DROP`; `errno` is the error of `NF_DROP_ERR` (0 for a plain drop).
    Drop {
        /// The positive errno from the upper 16 bits.
        errno: u16,
    },
    /// `NF_STOLEN`: the packet was taken over by an expression.
    Stolen,
    /// `NF_QUEUE`: the packet was sent to userspace queue `num`.
    Queue {
        /// Queue number, bits 16..32 of the code.
        num: u16,
        /// `NF_VERDICT_FLAG_QUEUE_BYPASS`: accept if no program listens on the queue.
        bypass: bool,
    },
    /// `NF_REPEAT`: call the hook again.
    Repeat,
    /// `NF_STOP` (deprecated).
    Stop,
    /// `NFT_CONTINUE`: go on with the next rule.
    Continue,
    /// `NFT_BREAK`: the rule did not match.
    Break,
    /// `NFT_JUMP` to the named chain.
    Jump(&'a str),
    /// `NFT_GOTO` the named chain.
    Goto(&'a str),
    /// `NFT_RETURN` to the calling chain.
    Return,
    /// A code the kernel does not define, as sent.
    Other(i32),
}

impl<'a> Verdict<'a> {
    /// The verdict of a code; `target` is the jump/goto chain (`NFTA_VERDICT_CHAIN`).
    /// Returns `None` for a jump or goto without a target.
    pub fn from_code(code: i32, target: Option<&'a str>) -> Option<Self> {
        if code >= 0 {
            let upper = u16::try_from((code as u32) >> NF_VERDICT_QBITS).unwrap_or(u16::MAX);
            return Some(match code & NF_VERDICT_MASK {
                NF_DROP => Verdict::Drop { errno: upper },
                NF_ACCEPT => Verdict::Accept,
                NF_STOLEN => Verdict::Stolen,
                NF_QUEUE => Verdict::Queue {
                    num: upper,
                    bypass: code & NF_VERDICT_FLAG_QUEUE_BYPASS != 0,
                },
                NF_REPEAT => Verdict::Repeat,
                NF_STOP => Verdict::Stop,
                _ => Verdict::Other(code),
            });
        }
        Some(match code {
            NFT_CONTINUE => Verdict::Continue,
            NFT_BREAK => Verdict::Break,
            NFT_JUMP => Verdict::Jump(target?),
            NFT_GOTO => Verdict::Goto(target?),
            NFT_RETURN => Verdict::Return,
            _ => Verdict::Other(code),
        })
    }

    /// The code this verdict is sent as (the inverse of [`Verdict::from_code`]).
    pub fn code(&self) -> i32 {
        let with_upper =
            |upper: u16, low: i32| ((u32::from(upper) << NF_VERDICT_QBITS) as i32) | low;
        match *self {
            Verdict::Accept => NF_ACCEPT,
            Verdict::Drop { errno } => with_upper(errno, NF_DROP),
            Verdict::Stolen => NF_STOLEN,
            Verdict::Queue { num, bypass } => {
                let flag = if bypass {
                    NF_VERDICT_FLAG_QUEUE_BYPASS
                } else {
                    0
                };
                with_upper(num, NF_QUEUE) | flag
            }
            Verdict::Repeat => NF_REPEAT,
            Verdict::Stop => NF_STOP,
            Verdict::Continue => NFT_CONTINUE,
            Verdict::Break => NFT_BREAK,
            Verdict::Jump(_) => NFT_JUMP,
            Verdict::Goto(_) => NFT_GOTO,
            Verdict::Return => NFT_RETURN,
            Verdict::Other(code) => code,
        }
    }

    /// The nft keyword for this verdict (`"accept"`, `"jump"`, ...); `"unknown"` for
    /// [`Verdict::Other`].
    pub fn keyword(&self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Drop { .. } => "drop",
            Verdict::Stolen => "stolen",
            Verdict::Queue { .. } => "queue",
            Verdict::Repeat => "repeat",
            Verdict::Stop => "stop",
            Verdict::Continue => "continue",
            Verdict::Break => "break",
            Verdict::Jump(_) => "jump",
            Verdict::Goto(_) => "goto",
            Verdict::Return => "return",
            Verdict::Other(_) => "unknown",
        }
    }

    /// The chain a jump or goto goes to.
    pub fn target(&self) -> Option<&'a str> {
        match *self {
            Verdict::Jump(chain) | Verdict::Goto(chain) => Some(chain),
            _ => None,
        }
    }
}

/// Names of the verdict nest's attributes (`enum nft_verdict_attributes`).
pub(crate) const VERDICT_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFTA_VERDICT_UNSPEC",
        "NFTA_VERDICT_CODE",
        "NFTA_VERDICT_CHAIN",
        "NFTA_VERDICT_CHAIN_ID",
    ],
    "NFTA_VERDICT_(unknown)",
);

/// Decodes a verdict nest (`NFTA_TRACE_VERDICT`), with or without `NLA_F_NESTED`.
/// `NFTA_VERDICT_CODE` is required, and `NFTA_VERDICT_CHAIN` with a jump or goto. Adds the
/// attributes it does not use to `unknown`.
#[inline]
pub(crate) fn decode_nest<'a>(
    nest: &Attr<'a>,
    unknown: &mut u16,
) -> Result<Verdict<'a>, DecodeError> {
    let mut code = None;
    let mut chain = None;
    for attr in nest.nested(VERDICT_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFTA_VERDICT_CODE => code = Some(attr.be_i32()?),
            NFTA_VERDICT_CHAIN => chain = Some(attr.cstr()?),
            _ => *unknown = unknown.saturating_add(1),
        }
    }
    let code = code.ok_or(DecodeError::MissingAttribute {
        name: "NFTA_VERDICT_CODE",
    })?;
    Verdict::from_code(code, chain).ok_or(DecodeError::MissingAttribute {
        name: "NFTA_VERDICT_CHAIN",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_positive_codes() {
        // NF_QUEUE_NR(7) with bypass, NF_DROP_ERR(-EPERM).
        let queue = (7 << 16) | NF_VERDICT_FLAG_QUEUE_BYPASS | NF_QUEUE;
        assert_eq!(
            Verdict::from_code(queue, None),
            Some(Verdict::Queue {
                num: 7,
                bypass: true
            })
        );
        let drop_eperm = (1 << 16) | NF_DROP;
        assert_eq!(
            Verdict::from_code(drop_eperm, None),
            Some(Verdict::Drop { errno: 1 })
        );
        assert_eq!(
            Verdict::from_code(0x100 | NF_ACCEPT, None),
            Some(Verdict::Accept)
        );
        assert_eq!(Verdict::from_code(0x42, None), Some(Verdict::Other(0x42)));
        assert_eq!(Verdict::from_code(-6, None), Some(Verdict::Other(-6)));
        assert_eq!(
            Verdict::from_code(i32::MIN, None),
            Some(Verdict::Other(i32::MIN))
        );
    }

    #[test]
    fn jump_needs_a_target() {
        assert_eq!(Verdict::from_code(NFT_JUMP, None), None);
        assert_eq!(
            Verdict::from_code(NFT_GOTO, Some("x")),
            Some(Verdict::Goto("x"))
        );
        assert_eq!(
            Verdict::from_code(NFT_RETURN, Some("ignored")),
            Some(Verdict::Return)
        );
    }

    #[test]
    fn code_round_trips() {
        for code in [
            NF_ACCEPT,
            NF_DROP,
            (1 << 16) | NF_DROP,
            NF_STOLEN,
            (3 << 16) | NF_QUEUE,
            (3 << 16) | NF_VERDICT_FLAG_QUEUE_BYPASS | NF_QUEUE,
            NF_REPEAT,
            NF_STOP,
            NFT_CONTINUE,
            NFT_BREAK,
            NFT_JUMP,
            NFT_GOTO,
            NFT_RETURN,
            -77,
            99,
        ] {
            let verdict = Verdict::from_code(code, Some("c")).unwrap();
            assert_eq!(verdict.code(), code, "{verdict:?}");
        }
    }
}
