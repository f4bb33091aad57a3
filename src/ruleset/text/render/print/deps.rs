//! Dependency elision, after nft's `payload_dependency_*` and `ct_meta_common_postprocess`:
//! protocol matches nft adds implicitly (`meta l4proto tcp` before `tcp dport`, `meta nfproto
//! ipv4` before `ip saddr`, `meta iiftype ether` before `ether saddr`) are remembered as
//! candidates, per header base, and dropped when a field of the protocol above implies
//! them; any statement other than a match forgets them.

use nftrace_sys::netfilter::*;
use nftrace_sys::nf_tables::*;

use super::{Field, Origin, Printer};
use crate::ruleset::text::render::bits::to_number;
use crate::ruleset::text::render::proto::{
    IcmpDep, Proto, BASE_INNER, BASE_LL, BASE_NETWORK, BASE_TRANSPORT,
};

/// A statement that may be dropped later as an implied dependency.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dep {
    pub(super) entry: usize,
    /// The field's protocol and base when it is a payload match.
    pub(super) payload: Option<(Proto, u8)>,
    /// The meta key when it is a meta match.
    pub(super) meta: Option<u32>,
    pub(super) value: u128,
}

impl Printer<'_> {
    /// The dependency stored for expressions at `base`; a transport header protocol key
    /// (`icmp type`) is kept one slot up and also counts for the transport base.
    pub(super) fn dep_at(&self, base: u8) -> Option<Dep> {
        self.deps
            .get(usize::from(base))
            .copied()
            .flatten()
            .or_else(|| self.transport_fallback(base))
    }

    pub(super) fn transport_fallback(&self, base: u8) -> Option<Dep> {
        if base == BASE_TRANSPORT {
            self.deps.get(usize::from(BASE_INNER)).copied().flatten()
        } else {
            None
        }
    }

    pub(super) fn release(&mut self, base: u8) {
        let slot = if self
            .deps
            .get(usize::from(base))
            .copied()
            .flatten()
            .is_none()
            && self.transport_fallback(base).is_some()
        {
            BASE_INNER
        } else {
            base
        };
        if let Some(dep) = self.deps.get_mut(usize::from(slot)).and_then(Option::take) {
            if let Some(entry) = self.entries.get_mut(dep.entry) {
                *entry = None;
            }
        }
    }

    pub(super) fn store(&mut self, key_base: u8, dep: Dep) {
        // An ICMP echo type match is no dependency of anything (nft keeps it).
        if let Some((Proto::Icmp | Proto::Icmp6, _)) = dep.payload {
            if matches!(dep.value, 0 | 8 | 128 | 129) {
                return;
            }
        }
        if let Some(slot) = self.deps.get_mut(usize::from(key_base) + 1) {
            *slot = Some(dep);
        }
    }

    /// nft's `payload_dependency_kill` for a payload field at `base`.
    pub(super) fn kill_for_payload(&mut self, field: &Field) {
        let (base, proto, protocol, template) = match field.origin {
            Origin::Payload {
                proto,
                base,
                protocol,
                template,
            } => (base, Some(proto), protocol, Some(template)),
            Origin::RawPayload { .. } => return,
            _ => return,
        };
        let Some(dep) = self.dep_at(base) else { return };
        if matches!(self.family, NFPROTO_BRIDGE | NFPROTO_NETDEV | NFPROTO_INET) {
            if let Some((dep_proto, dep_base)) = dep.payload {
                if dep_base == BASE_NETWORK
                    && matches!(dep_proto, Proto::Ip | Proto::Ip6)
                    && base == BASE_TRANSPORT
                {
                    return;
                }
                if dep_base == base && protocol {
                    return;
                }
                // `vlan id` implies `ether type vlan`, nothing else.
                if dep_base == base
                    && base == BASE_LL
                    && dep_proto == Proto::Eth
                    && dep.value != 0x8100
                {
                    return;
                }
            }
        }
        if base == BASE_TRANSPORT {
            if let Some((dep_proto @ (Proto::Icmp | Proto::Icmp6), BASE_TRANSPORT)) = dep.payload {
                let fits = template.is_some_and(|t| {
                    t.icmp_dep != IcmpDep::Any
                        && proto == Some(dep_proto)
                        && t.icmp_dep.icmp_type() == Some(self.pctx.icmp_type)
                });
                if !fits {
                    return;
                }
            }
        }
        self.release(base);
    }

    /// Dependency bookkeeping for `meta nfproto`/`meta l4proto`/`meta protocol` matches
    /// (nft's `ct_meta_common_postprocess`).
    pub(super) fn meta_dependency(&mut self, field: &Field, data: &[u8], entry: usize) {
        let Origin::Meta { key } = field.origin else {
            return;
        };
        let base = match key {
            NFT_META_IIFTYPE => 0,
            NFT_META_NFPROTO | NFT_META_PROTOCOL => BASE_LL,
            NFT_META_L4PROTO => BASE_NETWORK,
            _ => return,
        };
        let Some(value) = to_number(data, field.order) else {
            return;
        };
        // The protocol context.
        match key {
            NFT_META_IIFTYPE => {
                // ARPHRD_ETHER: the link layer header is Ethernet.
                if value == 1 {
                    self.pctx.set(BASE_LL, Some(Proto::Eth));
                }
            }
            NFT_META_NFPROTO => {
                if let Some(ll) = self.pctx.at(BASE_LL) {
                    let upper = ll.upper(value);
                    self.pctx.set(BASE_NETWORK, upper);
                }
            }
            NFT_META_PROTOCOL => {
                if matches!(self.family, NFPROTO_NETDEV | NFPROTO_BRIDGE) {
                    if let Some(ll) = self.pctx.at(BASE_LL) {
                        let upper = ll.upper(value);
                        self.pctx.set(BASE_NETWORK, upper);
                    }
                }
            }
            _ => {
                let upper = Proto::InetService.upper(value);
                self.pctx.set(BASE_TRANSPORT, upper);
            }
        }
        if base != 0 && self.dep_at(base).is_some() && self.meta_may_kill(key, value) {
            self.release(base);
        }
        self.store(
            base,
            Dep {
                entry,
                payload: None,
                meta: Some(key),
                value,
            },
        );
    }

    /// nft's `meta_may_dependency_kill`.
    pub(super) fn meta_may_kill(&self, key: u32, l4proto: u128) -> bool {
        let Some(dep) = self.dep_at(BASE_NETWORK) else {
            return true;
        };
        if !matches!(self.family, NFPROTO_INET | NFPROTO_NETDEV | NFPROTO_BRIDGE) {
            return true;
        }
        if key != NFT_META_L4PROTO {
            return true;
        }
        let nfproto = match (dep.meta, dep.payload) {
            (Some(NFT_META_NFPROTO), _) => u8::try_from(dep.value).unwrap_or(0),
            (Some(NFT_META_PROTOCOL), _) | (None, Some((Proto::Eth, _))) => match dep.value {
                0x0800 => NFPROTO_IPV4,
                0x86dd => NFPROTO_IPV6,
                _ => 0,
            },
            _ => 0,
        };
        match l4proto {
            1 => nfproto != NFPROTO_IPV6,
            58 => nfproto != NFPROTO_IPV4,
            _ => false,
        }
    }
}
