//! nft's data types: how a value of a field is printed (`10.0.0.1`, `22`, `tcp`,
//! `echo-request`, `0x00000001`, `established,related`, `"eth0"`), with the symbol tables nft
//! uses.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::bits::Value;

/// A data type, as nft names them in `src/datatype.c` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    /// Decimal integer.
    Integer,
    /// Hexadecimal integer (raw payloads).
    Xinteger,
    Mark,
    Ipv4,
    Ipv6,
    Ether,
    EtherType,
    InetProto,
    InetService,
    IcmpType,
    IcmpCode,
    Icmp6Type,
    Icmp6Code,
    TcpFlag,
    CtState,
    CtStatus,
    CtDir,
    CtLabel,
    Nfproto,
    Pkttype,
    Ifname,
    Ifindex,
    Arphrd,
    ArpOp,
    Classid,
    Uid,
    Gid,
    Realm,
    Devgroup,
    Dscp,
    Ecn,
    FibAddr,
    Boolean,
    /// Milliseconds (`ct expiration`).
    Time,
    /// Nanoseconds since the epoch (`meta time`), printed as a UTC date and time.
    TimeDate,
    Day,
    Hour,
    String,
}

impl Dtype {
    /// Types whose values are printed as a list of flag names.
    pub fn is_bitmask(self) -> bool {
        matches!(
            self,
            Dtype::TcpFlag | Dtype::CtState | Dtype::CtStatus | Dtype::CtLabel
        )
    }

    /// Types that print masks as prefixes (`10.0.0.0/8`).
    pub fn takes_prefix(self) -> bool {
        matches!(self, Dtype::Ipv4 | Dtype::Ipv6)
    }
}

/// Names of interface indexes (`iif "lo"`); nft resolves them when it lists the ruleset.
pub trait InterfaceNames {
    /// The name of the interface with this index, if known.
    fn name(&self, index: u32) -> Option<String>;
}

/// Resolves no interface: indexes print as numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInterfaceNames;

impl InterfaceNames for NoInterfaceNames {
    fn name(&self, _index: u32) -> Option<String> {
        None
    }
}

impl<F: Fn(u32) -> Option<String>> InterfaceNames for F {
    fn name(&self, index: u32) -> Option<String> {
        self(index)
    }
}

const ETHERTYPES: &[(u128, &str)] = &[
    (0x0800, "ip"),
    (0x0806, "arp"),
    (0x86dd, "ip6"),
    (0x8100, "vlan"),
    (0x88a8, "8021ad"),
];

const ICMP_TYPES: &[(u128, &str)] = &[
    (0, "echo-reply"),
    (3, "destination-unreachable"),
    (4, "source-quench"),
    (5, "redirect"),
    (8, "echo-request"),
    (9, "router-advertisement"),
    (10, "router-solicitation"),
    (11, "time-exceeded"),
    (12, "parameter-problem"),
    (13, "timestamp-request"),
    (14, "timestamp-reply"),
    (15, "info-request"),
    (16, "info-reply"),
    (17, "address-mask-request"),
    (18, "address-mask-reply"),
];

const ICMP6_TYPES: &[(u128, &str)] = &[
    (1, "destination-unreachable"),
    (2, "packet-too-big"),
    (3, "time-exceeded"),
    (4, "parameter-problem"),
    (128, "echo-request"),
    (129, "echo-reply"),
    (130, "mld-listener-query"),
    (131, "mld-listener-report"),
    (132, "mld-listener-done"),
    (133, "nd-router-solicit"),
    (134, "nd-router-advert"),
    (135, "nd-neighbor-solicit"),
    (136, "nd-neighbor-advert"),
    (137, "nd-redirect"),
    (138, "router-renumbering"),
    (141, "ind-neighbor-solicit"),
    (142, "ind-neighbor-advert"),
    (143, "mld2-listener-report"),
];

pub(crate) const ICMP_CODES: &[(u128, &str)] = &[
    (0, "net-unreachable"),
    (1, "host-unreachable"),
    (2, "prot-unreachable"),
    (3, "port-unreachable"),
    (4, "frag-needed"),
    (9, "net-prohibited"),
    (10, "host-prohibited"),
    (13, "admin-prohibited"),
];

pub(crate) const ICMP6_CODES: &[(u128, &str)] = &[
    (0, "no-route"),
    (1, "admin-prohibited"),
    (3, "addr-unreachable"),
    (4, "port-unreachable"),
    (5, "policy-fail"),
    (6, "reject-route"),
];

pub(crate) const ICMPX_CODES: &[(u128, &str)] = &[
    (0, "no-route"),
    (1, "port-unreachable"),
    (2, "host-unreachable"),
    (3, "admin-prohibited"),
];

const TCP_FLAGS: &[(u128, &str)] = &[
    (0x01, "fin"),
    (0x02, "syn"),
    (0x04, "rst"),
    (0x08, "psh"),
    (0x10, "ack"),
    (0x20, "urg"),
    (0x40, "ecn"),
    (0x80, "cwr"),
];

const CT_STATES: &[(u128, &str)] = &[
    (1, "invalid"),
    (2, "established"),
    (4, "related"),
    (8, "new"),
    (64, "untracked"),
];

const CT_STATUS: &[(u128, &str)] = &[
    (1, "expected"),
    (2, "seen-reply"),
    (4, "assured"),
    (8, "confirmed"),
    (16, "snat"),
    (32, "dnat"),
    (512, "dying"),
];

const CT_DIRS: &[(u128, &str)] = &[(0, "original"), (1, "reply")];

const NFPROTOS: &[(u128, &str)] = &[(2, "ipv4"), (10, "ipv6")];

const PKTTYPES: &[(u128, &str)] = &[
    (0, "host"),
    (1, "broadcast"),
    (2, "multicast"),
    (3, "other"),
];

const ARPHRDS: &[(u128, &str)] = &[
    (1, "ether"),
    (512, "ppp"),
    (768, "ipip"),
    (769, "ipip6"),
    (772, "loopback"),
    (776, "sit"),
    (778, "ipgre"),
];

const ARP_OPS: &[(u128, &str)] = &[
    (1, "request"),
    (2, "reply"),
    (3, "rrequest"),
    (4, "rreply"),
    (8, "inrequest"),
    (9, "inreply"),
    (10, "nak"),
];

const DSCPS: &[(u128, &str)] = &[
    (0x00, "cs0"),
    (0x08, "cs1"),
    (0x10, "cs2"),
    (0x18, "cs3"),
    (0x20, "cs4"),
    (0x28, "cs5"),
    (0x30, "cs6"),
    (0x38, "cs7"),
    (0x0a, "af11"),
    (0x0c, "af12"),
    (0x0e, "af13"),
    (0x12, "af21"),
    (0x14, "af22"),
    (0x16, "af23"),
    (0x1a, "af31"),
    (0x1c, "af32"),
    (0x1e, "af33"),
    (0x22, "af41"),
    (0x24, "af42"),
    (0x26, "af43"),
    (0x2e, "ef"),
];

const ECNS: &[(u128, &str)] = &[(0, "not-ect"), (1, "ect1"), (2, "ect0"), (3, "ce")];

const FIB_ADDRS: &[(u128, &str)] = &[
    (0, "unspec"),
    (1, "unicast"),
    (2, "local"),
    (3, "broadcast"),
    (4, "anycast"),
    (5, "multicast"),
    (6, "blackhole"),
    (7, "unreachable"),
    (8, "prohibit"),
];

const DAYS: &[(u128, &str)] = &[
    (0, "Sunday"),
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
];

/// `/etc/protocols` of Debian 12 (netbase), the names `getprotobynumber` gives nft.
const PROTOCOLS: &[(u128, &str)] = &[
    (0, "ip"),
    (1, "icmp"),
    (2, "igmp"),
    (3, "ggp"),
    (4, "ipencap"),
    (5, "st"),
    (6, "tcp"),
    (8, "egp"),
    (9, "igp"),
    (12, "pup"),
    (17, "udp"),
    (20, "hmp"),
    (22, "xns-idp"),
    (27, "rdp"),
    (29, "iso-tp4"),
    (33, "dccp"),
    (36, "xtp"),
    (37, "ddp"),
    (38, "idpr-cmtp"),
    (41, "ipv6"),
    (43, "ipv6-route"),
    (44, "ipv6-frag"),
    (45, "idrp"),
    (46, "rsvp"),
    (47, "gre"),
    (50, "esp"),
    (51, "ah"),
    (57, "skip"),
    (58, "ipv6-icmp"),
    (59, "ipv6-nonxt"),
    (60, "ipv6-opts"),
    (73, "rspf"),
    (81, "vmtp"),
    (88, "eigrp"),
    (89, "ospf"),
    (93, "ax.25"),
    (94, "ipip"),
    (97, "etherip"),
    (98, "encap"),
    (103, "pim"),
    (108, "ipcomp"),
    (112, "vrrp"),
    (115, "l2tp"),
    (124, "isis"),
    (132, "sctp"),
    (133, "fc"),
    (135, "mobility-header"),
    (136, "udplite"),
    (137, "mpls-in-ip"),
    (138, "manet"),
    (139, "hip"),
    (140, "shim6"),
    (141, "wesp"),
    (142, "rohc"),
    (143, "ethernet"),
];

fn lookup(table: &'static [(u128, &'static str)], n: u128) -> Option<&'static str> {
    table
        .iter()
        .find(|(value, _)| *value == n)
        .map(|(_, name)| *name)
}

/// Prints a symbolic value, or `fallback` formatting of the number.
fn symbol(
    out: &mut String,
    table: &'static [(u128, &'static str)],
    n: u128,
    hex_width: Option<usize>,
) {
    match lookup(table, n) {
        Some(name) => out.push_str(name),
        None => match hex_width {
            Some(width) => {
                let _ = write!(out, "0x{n:0width$x}");
            }
            None => {
                let _ = write!(out, "{n}");
            }
        },
    }
}

/// Prints a bitmask as `a,b,c` (names of the set bits; unknown bits in hex).
fn bitmask(out: &mut String, table: &[(u128, &str)], n: u128) {
    if n == 0 {
        out.push_str("0x0");
        return;
    }
    let mut rest = n;
    let mut first = true;
    for (bit, name) in table {
        if *bit != 0 && n & bit == *bit {
            if !first {
                out.push(',');
            }
            out.push_str(name);
            first = false;
            rest &= !bit;
        }
    }
    if rest != 0 {
        if !first {
            out.push(',');
        }
        let _ = write!(out, "0x{rest:x}");
    }
}

/// A string value: bytes up to the first NUL, quoted; a wildcard value (`eth*`) comes with
/// `wildcard` set.
fn string(out: &mut String, bytes: &[u8], wildcard: bool) {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(bytes.get(..end).unwrap_or_default());
    out.push('"');
    out.push_str(&text);
    if wildcard {
        out.push('*');
    }
    out.push('"');
}

/// `ct expiration` and set timeouts: `1d2h3m4s5ms`, nft's `time_type` format.
fn time_ms(out: &mut String, ms: u128) {
    if ms == 0 {
        out.push_str("0s");
        return;
    }
    let parts = [
        (ms / 86_400_000, "d"),
        (ms / 3_600_000 % 24, "h"),
        (ms / 60_000 % 60, "m"),
        (ms / 1000 % 60, "s"),
        (ms % 1000, "ms"),
    ];
    for (n, unit) in parts {
        if n > 0 {
            let _ = write!(out, "{n}{unit}");
        }
    }
}

/// Formats a value of a type. `ifnames` resolves interface indexes.
pub(crate) fn format_value(
    out: &mut String,
    dtype: Dtype,
    value: &Value,
    ifnames: &dyn InterfaceNames,
) {
    let n = value.number();
    match dtype {
        Dtype::Ipv4 => {
            let be = value.be_bytes();
            match <[u8; 4]>::try_from(be.as_slice()) {
                Ok(octets) => {
                    let _ = write!(out, "{}", Ipv4Addr::from(octets));
                }
                Err(_) => hex(out, value),
            }
        }
        Dtype::Ipv6 => {
            let be = value.be_bytes();
            match <[u8; 16]>::try_from(be.as_slice()) {
                Ok(octets) => {
                    let _ = write!(out, "{}", Ipv6Addr::from(octets));
                }
                Err(_) => hex(out, value),
            }
        }
        Dtype::Ether => {
            let be = value.be_bytes();
            for (i, b) in be.iter().enumerate() {
                if i > 0 {
                    out.push(':');
                }
                let _ = write!(out, "{b:02x}");
            }
        }
        Dtype::String | Dtype::Ifname => string(out, &value.bytes, false),
        _ => match n {
            Some(n) => format_number(out, dtype, n, value.bits, ifnames),
            None => hex(out, value),
        },
    }
}

/// Formats a number of a type (everything but addresses and strings).
pub(crate) fn format_number(
    out: &mut String,
    dtype: Dtype,
    n: u128,
    bits: u32,
    ifnames: &dyn InterfaceNames,
) {
    match dtype {
        Dtype::Integer | Dtype::Uid | Dtype::Gid | Dtype::Realm | Dtype::Devgroup => {
            let _ = write!(out, "{n}");
        }
        Dtype::InetService => {
            let _ = write!(out, "{n}");
        }
        Dtype::Xinteger => {
            let _ = write!(out, "0x{n:x}");
        }
        Dtype::Mark => {
            let _ = write!(out, "0x{n:08x}");
        }
        Dtype::CtLabel => {
            let _ = write!(out, "{}", n.trailing_zeros());
        }
        Dtype::EtherType => symbol(out, ETHERTYPES, n, Some(4)),
        Dtype::InetProto => symbol(out, PROTOCOLS, n, None),
        Dtype::IcmpType => symbol(out, ICMP_TYPES, n, None),
        Dtype::Icmp6Type => symbol(out, ICMP6_TYPES, n, None),
        Dtype::IcmpCode => symbol(out, ICMP_CODES, n, None),
        Dtype::Icmp6Code => symbol(out, ICMP6_CODES, n, None),
        Dtype::TcpFlag => bitmask(out, TCP_FLAGS, n),
        Dtype::CtState => bitmask(out, CT_STATES, n),
        Dtype::CtStatus => bitmask(out, CT_STATUS, n),
        Dtype::CtDir => symbol(out, CT_DIRS, n, None),
        Dtype::Nfproto => symbol(out, NFPROTOS, n, None),
        Dtype::Pkttype => symbol(out, PKTTYPES, n, None),
        Dtype::Arphrd => symbol(out, ARPHRDS, n, None),
        Dtype::ArpOp => symbol(out, ARP_OPS, n, None),
        Dtype::Dscp => symbol(out, DSCPS, n, Some(2)),
        Dtype::Ecn => symbol(out, ECNS, n, Some(2)),
        Dtype::FibAddr => symbol(out, FIB_ADDRS, n, None),
        Dtype::Day => match lookup(DAYS, n) {
            Some(day) => {
                let _ = write!(out, "\"{day}\"");
            }
            None => {
                let _ = write!(out, "{n}");
            }
        },
        Dtype::Hour => {
            let secs = n % 86_400;
            let _ = write!(out, "\"{:02}:{:02}\"", secs / 3600, secs / 60 % 60);
        }
        Dtype::Boolean => out.push_str(if n != 0 { "exists" } else { "missing" }),
        Dtype::Time => time_ms(out, n),
        Dtype::TimeDate => date_time(out, n),
        Dtype::Classid => match n {
            0xffff_ffff => out.push_str("root"),
            0 => out.push_str("none"),
            _ => {
                let _ = write!(out, "{:x}:{:x}", n >> 16, n & 0xffff);
            }
        },
        Dtype::Ifindex => match u32::try_from(n).ok().and_then(|i| ifnames.name(i)) {
            Some(name) => {
                let _ = write!(out, "\"{name}\"");
            }
            None => {
                let _ = write!(out, "{n}");
            }
        },
        Dtype::Ipv4 | Dtype::Ipv6 | Dtype::Ether | Dtype::String | Dtype::Ifname => {
            let _ = write!(out, "0x{n:x}");
        }
    }
    let _ = bits;
}

/// Nanoseconds since the epoch as `"YYYY-MM-DD HH:MM:SS"`. nft prints the local time; this
/// prints UTC, which is the same on machines that run in UTC.
fn date_time(out: &mut String, ns: u128) {
    let secs = ns / 1_000_000_000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "\"{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}\"",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}

/// Raw bytes as one hex number.
fn hex(out: &mut String, value: &Value) {
    out.push_str("0x");
    let be = value.be_bytes();
    let mut started = false;
    for b in &be {
        if !started && *b == 0 {
            continue;
        }
        if started {
            let _ = write!(out, "{b:02x}");
        } else {
            let _ = write!(out, "{b:x}");
            started = true;
        }
    }
    if !started {
        out.push('0');
    }
}

/// Prints a string value whose mask covers only its first `prefix_bytes` bytes: nft's
/// interface name wildcard (`"eth*"`).
pub(crate) fn format_wildcard(out: &mut String, value: &Value, prefix_bytes: usize) {
    let bytes = value.bytes.get(..prefix_bytes).unwrap_or(&value.bytes);
    string(out, bytes, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::text::render::bits::ByteOrder;

    fn show(dtype: Dtype, bytes: &[u8], order: ByteOrder) -> String {
        let mut out = String::new();
        format_value(
            &mut out,
            dtype,
            &Value::new(bytes, order),
            &NoInterfaceNames,
        );
        out
    }

    #[test]
    fn formats_like_nft() {
        assert_eq!(
            show(Dtype::Ipv4, &[10, 0, 0, 1], ByteOrder::Big),
            "10.0.0.1"
        );
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(show(Dtype::Ipv6, &v6, ByteOrder::Big), "::1");
        assert_eq!(show(Dtype::InetService, &[0, 22], ByteOrder::Big), "22");
        assert_eq!(show(Dtype::InetProto, &[6], ByteOrder::Big), "tcp");
        assert_eq!(show(Dtype::InetProto, &[58], ByteOrder::Big), "ipv6-icmp");
        assert_eq!(
            show(Dtype::Mark, &1u32.to_ne_bytes(), ByteOrder::Host),
            "0x00000001"
        );
        assert_eq!(
            show(Dtype::CtState, &6u32.to_ne_bytes(), ByteOrder::Host),
            "established,related"
        );
        assert_eq!(show(Dtype::TcpFlag, &[0x12], ByteOrder::Big), "syn,ack");
        assert_eq!(
            show(
                Dtype::Ifname,
                b"lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                ByteOrder::Host
            ),
            "\"lo\""
        );
        assert_eq!(show(Dtype::EtherType, &[0x08, 0x00], ByteOrder::Big), "ip");
        assert_eq!(
            show(Dtype::EtherType, &[0x12, 0x34], ByteOrder::Big),
            "0x1234"
        );
        assert_eq!(show(Dtype::Dscp, &[0x2e], ByteOrder::Big), "ef");
        assert_eq!(
            show(Dtype::Time, &30_000u32.to_ne_bytes(), ByteOrder::Host),
            "30s"
        );
        assert_eq!(
            show(
                Dtype::Classid,
                &0x0001_0002u32.to_ne_bytes(),
                ByteOrder::Host
            ),
            "1:2"
        );
        assert_eq!(
            show(
                Dtype::Ether,
                &[0, 0x11, 0x22, 0x33, 0x44, 0x55],
                ByteOrder::Big
            ),
            "00:11:22:33:44:55"
        );
    }
}
