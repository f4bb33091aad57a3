//! `meta` and `ct` keys: the word nft prints, the data type of the value, and the name
//! libnftnl's debug output uses (for the expression listing).

use super::bits::ByteOrder;
use super::dtype::Dtype;

/// One key of `meta` or `ct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// As nft prints it (`mark`, `l4proto`, `ip saddr`).
    pub token: &'static str,
    /// As libnftnl's debug output names it (`mark`, `l4proto`, `src_ip`).
    pub debug: &'static str,
    pub dtype: Dtype,
    pub order: ByteOrder,
    pub bits: u32,
}

const fn k(
    token: &'static str,
    debug: &'static str,
    dtype: Dtype,
    order: ByteOrder,
    bits: u32,
) -> Key {
    Key {
        token,
        debug,
        dtype,
        order,
        bits,
    }
}

use ByteOrder::{Big as BE, Host as HE};

const META_KEYS: &[Key] = &[
    k("length", "len", Dtype::Integer, HE, 32),
    k("protocol", "protocol", Dtype::EtherType, BE, 16),
    k("priority", "priority", Dtype::Classid, HE, 32),
    k("mark", "mark", Dtype::Mark, HE, 32),
    k("iif", "iif", Dtype::Ifindex, HE, 32),
    k("oif", "oif", Dtype::Ifindex, HE, 32),
    k("iifname", "iifname", Dtype::Ifname, HE, 128),
    k("oifname", "oifname", Dtype::Ifname, HE, 128),
    k("iiftype", "iiftype", Dtype::Arphrd, HE, 16),
    k("oiftype", "oiftype", Dtype::Arphrd, HE, 16),
    k("skuid", "skuid", Dtype::Uid, HE, 32),
    k("skgid", "skgid", Dtype::Gid, HE, 32),
    k("nftrace", "nftrace", Dtype::Integer, HE, 1),
    k("rtclassid", "rtclassid", Dtype::Realm, HE, 32),
    k("secmark", "secmark", Dtype::Integer, HE, 32),
    k("nfproto", "nfproto", Dtype::Nfproto, HE, 8),
    k("l4proto", "l4proto", Dtype::InetProto, HE, 8),
    k("ibrname", "bri_iifname", Dtype::Ifname, HE, 128),
    k("obrname", "bri_oifname", Dtype::Ifname, HE, 128),
    k("pkttype", "pkttype", Dtype::Pkttype, HE, 8),
    k("cpu", "cpu", Dtype::Integer, HE, 32),
    k("iifgroup", "iifgroup", Dtype::Devgroup, HE, 32),
    k("oifgroup", "oifgroup", Dtype::Devgroup, HE, 32),
    k("cgroup", "cgroup", Dtype::Integer, HE, 32),
    k("random", "prandom", Dtype::Integer, BE, 32),
    k("ipsec", "secpath", Dtype::Boolean, HE, 1),
    k("iifkind", "iifkind", Dtype::String, HE, 128),
    k("oifkind", "oifkind", Dtype::String, HE, 128),
    k("ibrpvid", "bri_iifpvid", Dtype::Integer, HE, 16),
    k("ibrvproto", "bri_iifvproto", Dtype::EtherType, HE, 16),
    k("time", "time", Dtype::TimeDate, HE, 64),
    k("day", "day", Dtype::Day, HE, 8),
    k("hour", "hour", Dtype::Hour, HE, 32),
    k("sdif", "sdif", Dtype::Ifindex, HE, 32),
    k("sdifname", "sdifname", Dtype::Ifname, HE, 128),
    k("broute", "bri_broute", Dtype::Integer, HE, 1),
];

/// A `meta` key by its `NFT_META_*` number.
pub(crate) fn meta_key(key: u32) -> Option<&'static Key> {
    META_KEYS.get(usize::try_from(key).ok()?)
}

/// Meta keys nft prints without the `meta` keyword.
pub(crate) fn meta_unqualified(key: u32) -> bool {
    use nftrace_sys::nf_tables::*;
    matches!(
        key,
        NFT_META_IIF
            | NFT_META_OIF
            | NFT_META_IIFNAME
            | NFT_META_OIFNAME
            | NFT_META_IIFGROUP
            | NFT_META_OIFGROUP
    )
}

const CT_KEYS: &[Key] = &[
    k("state", "state", Dtype::CtState, HE, 32),
    k("direction", "direction", Dtype::CtDir, HE, 8),
    k("status", "status", Dtype::CtStatus, HE, 32),
    k("mark", "mark", Dtype::Mark, HE, 32),
    k("secmark", "secmark", Dtype::Integer, HE, 32),
    k("expiration", "expiration", Dtype::Time, HE, 32),
    k("helper", "helper", Dtype::String, HE, 128),
    k("l3proto", "l3protocol", Dtype::Nfproto, HE, 8),
    k("saddr", "src", Dtype::Integer, BE, 0),
    k("daddr", "dst", Dtype::Integer, BE, 0),
    k("protocol", "protocol", Dtype::InetProto, BE, 8),
    k("proto-src", "proto_src", Dtype::InetService, BE, 16),
    k("proto-dst", "proto_dst", Dtype::InetService, BE, 16),
    k("label", "label", Dtype::CtLabel, HE, 128),
    k("packets", "packets", Dtype::Integer, HE, 64),
    k("bytes", "bytes", Dtype::Integer, HE, 64),
    k("avgpkt", "avgpkt", Dtype::Integer, HE, 64),
    k("zone", "zone", Dtype::Integer, HE, 16),
    k("event", "event", Dtype::Integer, HE, 32),
    k("ip saddr", "src_ip", Dtype::Ipv4, BE, 32),
    k("ip daddr", "dst_ip", Dtype::Ipv4, BE, 32),
    k("ip6 saddr", "src_ip6", Dtype::Ipv6, BE, 128),
    k("ip6 daddr", "dst_ip6", Dtype::Ipv6, BE, 128),
    k("id", "ct_id", Dtype::Integer, BE, 32),
];

/// A `ct` key by its `NFT_CT_*` number.
pub(crate) fn ct_key(key: u32) -> Option<&'static Key> {
    CT_KEYS.get(usize::try_from(key).ok()?)
}

/// `ct` directions as nft prints them.
pub(crate) fn ct_direction(dir: u8) -> Option<&'static str> {
    match dir {
        0 => Some("original"),
        1 => Some("reply"),
        _ => None,
    }
}

/// `rt` keys: token, debug name, type.
pub(crate) fn rt_key(key: u32) -> Option<(&'static str, &'static str, Dtype)> {
    Some(match key {
        0 => ("classid", "classid", Dtype::Realm),
        1 => ("ip nexthop", "nexthop4", Dtype::Ipv4),
        2 => ("ip6 nexthop", "nexthop6", Dtype::Ipv6),
        3 => ("mtu", "tcpmss", Dtype::Integer),
        4 => ("ipsec", "ipsec", Dtype::Boolean),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nftrace_sys::nf_tables::*;

    #[test]
    fn tables_are_indexed_by_the_kernel_numbers() {
        assert_eq!(meta_key(NFT_META_MARK).map(|k| k.token), Some("mark"));
        assert_eq!(meta_key(NFT_META_L4PROTO).map(|k| k.token), Some("l4proto"));
        assert_eq!(meta_key(NFT_META_PRANDOM).map(|k| k.debug), Some("prandom"));
        assert_eq!(
            meta_key(NFT_META_BRI_BROUTE).map(|k| k.token),
            Some("broute")
        );
        assert_eq!(ct_key(NFT_CT_STATE).map(|k| k.token), Some("state"));
        assert_eq!(ct_key(NFT_CT_SRC_IP).map(|k| k.token), Some("ip saddr"));
        assert_eq!(ct_key(NFT_CT_ID).map(|k| k.debug), Some("ct_id"));
        assert!(meta_key(u32::MAX).is_none());
    }
}
