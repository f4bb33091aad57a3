//! The values primitives take: addresses, prefixes, ports and port ranges. Literals only:
//! nothing is looked up (no DNS, no /etc/services), so parsing never does I/O.

use std::net::IpAddr;

use super::model::{IpFamily, IpNet};

/// Well-known service names, only to say which number to write instead.
const SERVICES: &[(&str, u16)] = &[
    ("domain", 53),
    ("dns", 53),
    ("http", 80),
    ("https", 443),
    ("ssh", 22),
    ("ntp", 123),
    ("smtp", 25),
    ("bootps", 67),
    ("bootpc", 68),
    ("snmp", 161),
    ("telnet", 23),
    ("ftp", 21),
    ("syslog", 514),
    ("imap", 143),
    ("pop3", 110),
    ("ldap", 389),
    ("isakmp", 500),
];

/// True for words that look like a host name rather than a mistyped address.
fn looks_like_name(text: &str) -> bool {
    !text.contains(':') && text.chars().any(|c| c.is_alphabetic())
}

/// An IPv4 or IPv6 address literal.
pub(crate) fn address(text: &str) -> Result<IpAddr, String> {
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Ok(addr);
    }
    Err(if text.contains('/') {
        "a prefix is not an address: use `net` for prefixes".to_string()
    } else if text.contains('%') {
        "zone indexes (`fe80::1%eth0`) are not supported: give the address alone".to_string()
    } else if looks_like_name(text) {
        "host names are not looked up (no DNS): give an IPv4 or IPv6 address".to_string()
    } else if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        "not an IPv4 address: write all four numbers, each 0 to 255 (10.0.0.1)".to_string()
    } else {
        "not an IPv4 or IPv6 address".to_string()
    })
}

/// `ADDR/LEN` (host bits may be set: they are cleared), or `ADDR` alone for a /32 or /128.
pub(crate) fn prefix(text: &str) -> Result<IpNet, String> {
    let (addr_text, len_text) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr = address(addr_text).map_err(|e| {
        if len_text.is_none() && looks_like_name(text) {
            "network names are not looked up: give a prefix such as 10.0.0.0/8 or fd00::/64"
                .to_string()
        } else {
            e
        }
    })?;
    let bits = IpFamily::of(addr).bits();
    let len = match len_text {
        None => bits,
        Some("") => return Err("expected a prefix length after `/`".to_string()),
        Some(l) if l.chars().all(|c| c.is_ascii_digit()) => match l.parse::<u32>() {
            Ok(n) if n <= u32::from(bits) => n as u8,
            _ => {
                return Err(format!(
                    "prefix length {l} is longer than the address ({bits} bits)"
                ))
            }
        },
        Some(l) => return Err(format!("prefix length `{l}` is not a number")),
    };
    // `len <= bits` was checked above.
    IpNet::new(addr, len).ok_or_else(|| format!("prefix length {len} is too long"))
}

/// A port number, 0 to 65535.
pub(crate) fn port(text: &str) -> Result<u16, String> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return text
            .parse::<u16>()
            .map_err(|_| "a port number is 0 to 65535".to_string());
    }
    if let Some((_, number)) = SERVICES.iter().find(|(name, _)| *name == text) {
        return Err(format!(
            "service names are not looked up: `{text}` is port {number}"
        ));
    }
    Err(if text.chars().any(|c| c.is_alphabetic()) {
        "service names are not looked up: give a port number".to_string()
    } else {
        "not a port number (0 to 65535)".to_string()
    })
}

/// `LO-HI` with LO ≤ HI.
pub(crate) fn port_range(text: &str) -> Result<(u16, u16), String> {
    let Some((lo, hi)) = text.split_once('-') else {
        return Err("expected a port range such as 1024-65535".to_string());
    };
    let lo = port(lo).map_err(|e| format!("first port of the range: {e}"))?;
    let hi = port(hi).map_err(|e| format!("second port of the range: {e}"))?;
    if lo > hi {
        return Err(format!(
            "the range {lo}-{hi} is empty: the first port must not be greater than the second"
        ));
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(addr: &str, len: u8) -> IpNet {
        IpNet {
            addr: addr.parse().unwrap(),
            prefix: len,
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(address("10.0.0.1"), Ok("10.0.0.1".parse().unwrap()));
        assert_eq!(address("fd00::1"), Ok("fd00::1".parse().unwrap()));
        assert_eq!(
            address("::ffff:1.2.3.4"),
            Ok("::ffff:1.2.3.4".parse().unwrap())
        );
        let bad: &[(&str, &str)] = &[
            ("example.com", "no DNS"),
            ("localhost", "no DNS"),
            ("fe80::1%eth0", "zone"),
            ("10.1", "four numbers"),
            ("1.2.3.256", "four numbers"),
            ("1.2.3.4.5", "four numbers"),
            ("", "not an IPv4 or IPv6"),
            ("fd00:::1", "not an IPv4 or IPv6"),
            ("10.0.0.0/8", "use `net`"),
            ("-1", "not an IPv4 or IPv6"),
        ];
        for (text, want) in bad {
            let err = address(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn prefixes() {
        let good: &[(&str, IpNet)] = &[
            ("10.0.0.0/8", net("10.0.0.0", 8)),
            ("10.1.2.3/8", net("10.0.0.0", 8)),
            ("10.1.2.3", net("10.1.2.3", 32)),
            ("10.1.2.3/32", net("10.1.2.3", 32)),
            ("0.0.0.0/0", net("0.0.0.0", 0)),
            ("255.255.255.255/0", net("0.0.0.0", 0)),
            ("192.168.1.200/25", net("192.168.1.128", 25)),
            ("fd00::1/64", net("fd00::", 64)),
            ("fd00::1", net("fd00::1", 128)),
            ("::/0", net("::", 0)),
            ("2001:db8:ffff::1/33", net("2001:db8:8000::", 33)),
            ("10.0.0.0/008", net("10.0.0.0", 8)),
        ];
        for (text, want) in good {
            assert_eq!(prefix(text), Ok(*want), "{text}");
        }
        let bad: &[(&str, &str)] = &[
            ("10.0.0.0/33", "longer than the address (32 bits)"),
            ("fd00::/129", "longer than the address (128 bits)"),
            ("10.0.0.0/99999999999999999999", "longer"),
            ("10.0.0.0/", "expected a prefix length"),
            ("10.0.0.0/x", "not a number"),
            ("10.0.0.0/-1", "not a number"),
            ("10.0.0.0/+8", "not a number"),
            ("corp", "network names"),
            ("10/8", "four numbers"),
            ("host.example/8", "no DNS"),
        ];
        for (text, want) in bad {
            let err = prefix(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(port("0"), Ok(0));
        assert_eq!(port("53"), Ok(53));
        assert_eq!(port("00053"), Ok(53));
        assert_eq!(port("65535"), Ok(65535));
        let bad: &[(&str, &str)] = &[
            ("65536", "0 to 65535"),
            ("99999999999999999999999", "0 to 65535"),
            ("domain", "`domain` is port 53"),
            ("http", "`http` is port 80"),
            ("gopher", "service names are not looked up"),
            ("-1", "not a port number"),
            ("+1", "not a port number"),
            ("5.3", "not a port number"),
            ("", "not a port number"),
            ("５３", "not a port number"),
        ];
        for (text, want) in bad {
            let err = port(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn port_ranges() {
        assert_eq!(port_range("1-2"), Ok((1, 2)));
        assert_eq!(port_range("3-3"), Ok((3, 3)));
        assert_eq!(port_range("0-65535"), Ok((0, 65535)));
        let bad: &[(&str, &str)] = &[
            ("9-3", "the range 9-3 is empty"),
            ("53", "expected a port range"),
            ("1-", "second port"),
            ("-5", "first port"),
            ("1-2-3", "second port"),
            (
                "1-70000",
                "second port of the range: a port number is 0 to 65535",
            ),
            ("http-https", "first port"),
        ];
        for (text, want) in bad {
            let err = port_range(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
