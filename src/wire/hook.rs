//! nfnetlink_hook dump replies: one `NFNL_MSG_HOOK_GET` message per function registered at a
//! (family, hook[, device]), decoded into a borrowed [`HookMessage`].
//!
//! Layout, from `net/netfilter/nfnetlink_hook.c` (`nfnl_hook_dump_one`): `nfgenmsg` with the
//! family asked for, then `NFNLA_HOOK_MODULE_NAME` (only for code in a module),
//! `NFNLA_HOOK_FUNCTION_NAME` (only with `CONFIG_KALLSYMS`), `NFNLA_HOOK_HOOKNUM` (be32; an
//! inet ingress chain is reported as `NF_NETDEV_INGRESS`), `NFNLA_HOOK_PRIORITY` (be32,
//! signed), and for nf_tables base chains, flowtables and BPF programs `NFNLA_HOOK_CHAIN_INFO`:
//! `NFNLA_HOOK_INFO_TYPE` (be32) and `NFNLA_HOOK_INFO_DESC`, a nest of `NFNLA_CHAIN_TABLE`,
//! `NFNLA_CHAIN_NAME` (strings) and `NFNLA_CHAIN_FAMILY` (u8), or of `NFNLA_HOOK_BPF_ID`.
//! The kernel sends the nests with `NLA_F_NESTED` and the integers without
//! `NLA_F_NET_BYTEORDER`; as elsewhere, attributes are read by schema, not by flags. The
//! entries come in the order the kernel runs them.

use nftrace_sys::nfnetlink::NFNL_SUBSYS_HOOK;
use nftrace_sys::nfnetlink_hook::{
    NFNLA_CHAIN_FAMILY, NFNLA_CHAIN_NAME, NFNLA_CHAIN_TABLE, NFNLA_HOOK_BPF_ID,
    NFNLA_HOOK_CHAIN_INFO, NFNLA_HOOK_FUNCTION_NAME, NFNLA_HOOK_HOOKNUM, NFNLA_HOOK_INFO_DESC,
    NFNLA_HOOK_INFO_TYPE, NFNLA_HOOK_MODULE_NAME, NFNLA_HOOK_PRIORITY, NFNL_HOOK_TYPE_BPF,
    NFNL_HOOK_TYPE_NFTABLES, NFNL_HOOK_TYPE_NFT_FLOWTABLE, NFNL_MSG_HOOK_GET,
};

use super::attr::{Attr, AttrSpace, Attrs};
use super::error::DecodeError;
use super::nlmsg::Message;

/// `nlmsg_type` of a hook dump request and of its replies:
/// `(NFNL_SUBSYS_HOOK << 8) | NFNL_MSG_HOOK_GET` = 0x0c00.
pub const HOOK_MSG_TYPE: u16 = (NFNL_SUBSYS_HOOK << 8) | NFNL_MSG_HOOK_GET;

/// Names of the top-level attributes (`enum nfnl_hook_attributes`).
pub(crate) const HOOK_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFNLA_HOOK_UNSPEC",
        "NFNLA_HOOK_HOOKNUM",
        "NFNLA_HOOK_PRIORITY",
        "NFNLA_HOOK_DEV",
        "NFNLA_HOOK_FUNCTION_NAME",
        "NFNLA_HOOK_MODULE_NAME",
        "NFNLA_HOOK_CHAIN_INFO",
    ],
    "NFNLA_HOOK_(unknown)",
);

/// Names of the `NFNLA_HOOK_CHAIN_INFO` nest (`enum nfnl_hook_chain_info_attributes`).
pub(crate) const HOOK_INFO_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFNLA_HOOK_INFO_UNSPEC",
        "NFNLA_HOOK_INFO_DESC",
        "NFNLA_HOOK_INFO_TYPE",
    ],
    "NFNLA_HOOK_INFO_(unknown)",
);

/// Names of the description nest of nf_tables chains and flowtables
/// (`enum nfnl_hook_chain_desc_attributes`).
pub(crate) const HOOK_CHAIN_DESC_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "NFNLA_CHAIN_UNSPEC",
        "NFNLA_CHAIN_TABLE",
        "NFNLA_CHAIN_FAMILY",
        "NFNLA_CHAIN_NAME",
    ],
    "NFNLA_CHAIN_(unknown)",
);

/// Names of the description nest of BPF programs (`enum nfnl_hook_bpf_attributes`).
pub(crate) const HOOK_BPF_DESC_ATTRS: AttrSpace = AttrSpace::new(
    &["NFNLA_HOOK_BPF_UNSPEC", "NFNLA_HOOK_BPF_ID"],
    "NFNLA_HOOK_BPF_(unknown)",
);

/// One registered hook function, as the kernel lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookMessage<'a> {
    /// `nfgenmsg.nfgen_family`: the family that was asked for (`NFPROTO_*`).
    pub family: u8,
    /// `NFNLA_HOOK_HOOKNUM`: `NF_INET_*`, `NF_ARP_*`, `NF_BR_*` or `NF_NETDEV_*`.
    pub hooknum: u32,
    /// `NFNLA_HOOK_PRIORITY`: lower runs first.
    pub priority: i32,
    /// `NFNLA_HOOK_FUNCTION_NAME`: the hook function (`ipv4_conntrack_in`, `ipt_do_table`,
    /// `nft_do_chain_inet`, ...); absent on kernels without kallsyms.
    pub function: Option<&'a str>,
    /// `NFNLA_HOOK_MODULE_NAME`: the module of the function; absent for built-in code.
    pub module: Option<&'a str>,
    /// `NFNLA_HOOK_CHAIN_INFO`: what the hook belongs to, for nf_tables and BPF hooks.
    pub owner: Option<HookOwner<'a>>,
    /// Attributes skipped because this decoder does not know them (at any nesting level).
    pub unknown_attributes: u16,
}

/// `NFNLA_HOOK_CHAIN_INFO`: who registered the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookOwner<'a> {
    /// `NFNL_HOOK_TYPE_NFTABLES`: an nf_tables base chain.
    NfTables(HookChainDesc<'a>),
    /// `NFNL_HOOK_TYPE_NFT_FLOWTABLE`: an nf_tables flowtable (6.16+); `name` is the
    /// flowtable's.
    NftFlowtable(HookChainDesc<'a>),
    /// `NFNL_HOOK_TYPE_BPF`: a BPF netfilter program (6.4+).
    Bpf {
        /// `NFNLA_HOOK_BPF_ID`: the program id.
        id: Option<u32>,
    },
    /// A type this decoder does not know; its description is skipped.
    Other {
        /// `NFNLA_HOOK_INFO_TYPE`.
        ty: u32,
    },
}

/// `NFNLA_HOOK_INFO_DESC` of an nf_tables chain or flowtable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookChainDesc<'a> {
    /// `NFNLA_CHAIN_FAMILY`: the table's family (`NFPROTO_INET` for an inet chain listed
    /// under IPv4).
    pub family: Option<u8>,
    /// `NFNLA_CHAIN_TABLE`.
    pub table: &'a str,
    /// `NFNLA_CHAIN_NAME`.
    pub name: &'a str,
}

impl<'a> HookMessage<'a> {
    /// Decodes one reply of a hook dump. `NFNLA_HOOK_HOOKNUM` and `NFNLA_HOOK_PRIORITY` are
    /// required (the kernel always sends them); a known attribute of the wrong length is an
    /// error naming it; unknown attributes are skipped and counted.
    pub fn parse(message: &Message<'a>) -> Result<Self, DecodeError> {
        if message.header.ty != HOOK_MSG_TYPE {
            return Err(DecodeError::UnexpectedMessageType {
                ty: message.header.ty,
                expected: "NFNL_MSG_HOOK_GET",
            });
        }
        let (nfgen, attrs) = message.nfgenmsg()?;
        let base = message.payload_offset().saturating_add(4);
        let mut hooknum = None;
        let mut priority = None;
        let mut function = None;
        let mut module = None;
        let mut owner = None;
        let mut unknown = 0u16;
        for attr in Attrs::new(attrs, base, HOOK_ATTRS) {
            let attr = attr?;
            match attr.ty() {
                NFNLA_HOOK_HOOKNUM => hooknum = Some(attr.be32()?),
                NFNLA_HOOK_PRIORITY => priority = Some(attr.be_i32()?),
                NFNLA_HOOK_FUNCTION_NAME => function = Some(attr.cstr()?),
                NFNLA_HOOK_MODULE_NAME => module = Some(attr.cstr()?),
                NFNLA_HOOK_CHAIN_INFO => owner = Some(decode_owner(&attr, &mut unknown)?),
                _ => unknown = unknown.saturating_add(1),
            }
        }
        Ok(Self {
            family: nfgen.family,
            hooknum: hooknum.ok_or(DecodeError::MissingAttribute {
                name: "NFNLA_HOOK_HOOKNUM",
            })?,
            priority: priority.ok_or(DecodeError::MissingAttribute {
                name: "NFNLA_HOOK_PRIORITY",
            })?,
            function,
            module,
            owner,
            unknown_attributes: unknown,
        })
    }
}

fn decode_owner<'a>(nest: &Attr<'a>, unknown: &mut u16) -> Result<HookOwner<'a>, DecodeError> {
    let mut ty = None;
    let mut desc = None;
    for attr in nest.nested(HOOK_INFO_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFNLA_HOOK_INFO_TYPE => ty = Some(attr.be32()?),
            NFNLA_HOOK_INFO_DESC => desc = Some(attr),
            _ => *unknown = unknown.saturating_add(1),
        }
    }
    let ty = ty.ok_or(DecodeError::MissingAttribute {
        name: "NFNLA_HOOK_INFO_TYPE",
    })?;
    match ty {
        NFNL_HOOK_TYPE_NFTABLES | NFNL_HOOK_TYPE_NFT_FLOWTABLE => {
            let desc = desc.ok_or(DecodeError::MissingAttribute {
                name: "NFNLA_HOOK_INFO_DESC",
            })?;
            let chain = decode_chain_desc(&desc, unknown)?;
            Ok(if ty == NFNL_HOOK_TYPE_NFTABLES {
                HookOwner::NfTables(chain)
            } else {
                HookOwner::NftFlowtable(chain)
            })
        }
        NFNL_HOOK_TYPE_BPF => {
            let mut id = None;
            if let Some(desc) = desc {
                for attr in desc.nested(HOOK_BPF_DESC_ATTRS) {
                    let attr = attr?;
                    match attr.ty() {
                        NFNLA_HOOK_BPF_ID => id = Some(attr.be32()?),
                        _ => *unknown = unknown.saturating_add(1),
                    }
                }
            }
            Ok(HookOwner::Bpf { id })
        }
        other => Ok(HookOwner::Other { ty: other }),
    }
}

fn decode_chain_desc<'a>(
    desc: &Attr<'a>,
    unknown: &mut u16,
) -> Result<HookChainDesc<'a>, DecodeError> {
    let mut family = None;
    let mut table = None;
    let mut name = None;
    for attr in desc.nested(HOOK_CHAIN_DESC_ATTRS) {
        let attr = attr?;
        match attr.ty() {
            NFNLA_CHAIN_TABLE => table = Some(attr.cstr()?),
            NFNLA_CHAIN_NAME => name = Some(attr.cstr()?),
            NFNLA_CHAIN_FAMILY => family = Some(attr.u8()?),
            _ => *unknown = unknown.saturating_add(1),
        }
    }
    Ok(HookChainDesc {
        family,
        table: table.ok_or(DecodeError::MissingAttribute {
            name: "NFNLA_CHAIN_TABLE",
        })?,
        name: name.ok_or(DecodeError::MissingAttribute {
            name: "NFNLA_CHAIN_NAME",
        })?,
    })
}

#[cfg(test)]
mod tests {
    //! This machine's kernel (6.18.44) is built without `CONFIG_NETFILTER_NETLINK_HOOK`, so
    //! no reply of a hook dump could be captured: the only kernel bytes here are its refusal
    //! (`nfnl_hook_unsupported.nlmsg`, see tests/fixtures/README.md). Test fixtures must be
    //! bytes the kernel sent, so the decoding of real hook replies is not unit-tested here;
    //! it is reviewed against `nfnl_hook_dump_one` in net/netfilter/nfnetlink_hook.c (6.18)
    //! and should get captured fixtures on a kernel that has the subsystem.

    use super::*;
    use crate::wire::messages;
    use nftrace_sys::netlink::NLMSG_ERROR;

    const UNSUPPORTED: &[u8] = include_bytes!("../../tests/fixtures/nfnl_hook_unsupported.nlmsg");

    #[test]
    fn the_refusal_of_a_kernel_without_the_subsystem_is_not_a_hook() {
        // Captured: `capture.py dump-hooks 2 3` on this kernel. nfnetlink answers a message
        // for a subsystem it does not have with EINVAL (and no extended ack).
        let msg = messages(UNSUPPORTED).next().unwrap().unwrap();
        assert_eq!(msg.header.ty, NLMSG_ERROR);
        assert_eq!(msg.error().unwrap().errno(), Some(libc::EINVAL));
        assert_eq!(msg.error().unwrap().ext_ack_message(), None);
        assert_eq!(msg.error().unwrap().request.ty, HOOK_MSG_TYPE);
        assert!(matches!(
            HookMessage::parse(&msg),
            Err(DecodeError::UnexpectedMessageType { .. })
        ));
        for cut in 0..UNSUPPORTED.len() {
            for msg in messages(&UNSUPPORTED[..cut]).flatten() {
                let _ = msg.error();
                let _ = HookMessage::parse(&msg);
            }
        }
    }
}
