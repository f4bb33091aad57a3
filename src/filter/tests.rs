//! Tests of the whole filter pipeline: parsing (structure, precedence, normalised display),
//! compilation (tcpdump semantics, De Morgan, simplification), errors (offset, word, message)
//! and a property test that compiled filters match exactly the packets the expression does.

use std::net::IpAddr;

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// The tree fully parenthesised, to check structure and precedence.
fn sexpr(node: &Node) -> String {
    match &node.kind {
        Kind::Primitive(p) => p.to_string().replace(' ', "_"),
        Kind::Not(inner) => format!("(not {})", sexpr(inner)),
        Kind::And(_) | Kind::Or(_) => {
            let and = matches!(node.kind, Kind::And(_));
            let mut parts = Vec::new();
            operands(node, and, &mut parts);
            format!("({} {})", if and { "and" } else { "or" }, parts.join(" "))
        }
    }
}

/// The operands of an `and` (or `or`) chain, parenthesised chains of the same kind included.
fn operands(node: &Node, and: bool, out: &mut Vec<String>) {
    match &node.kind {
        Kind::And(nodes) if and => nodes.iter().for_each(|n| operands(n, and, out)),
        Kind::Or(nodes) if !and => nodes.iter().for_each(|n| operands(n, and, out)),
        _ => out.push(sexpr(node)),
    }
}

/// True when the two trees are the same, written the same way or not.
fn same_tree(a: &Node, b: &Node) -> bool {
    sexpr(a) == sexpr(b)
}

/// One conjunction, compactly: `ip tcp !udp src 10.0.0.0/8 !dst … sport 53 !dport 1-2`.
fn conj(c: &Conjunction) -> String {
    let mut parts = Vec::new();
    match c.family {
        Some(IpFamily::V4) => parts.push("ip".to_string()),
        Some(IpFamily::V6) => parts.push("ip6".to_string()),
        None => {}
    }
    parts.extend(c.protocol.map(|p| p.name().to_string()));
    parts.extend(c.not_protocols.iter().map(|p| format!("!{}", p.name())));
    for t in &c.addresses {
        let dir = if t.dir == Dir::Src { "src" } else { "dst" };
        let not = if t.negated { "!" } else { "" };
        parts.push(format!("{not}{dir} {}", t.net));
    }
    for t in &c.ports {
        let dir = if t.dir == Dir::Src { "sport" } else { "dport" };
        let not = if t.negated { "!" } else { "" };
        if t.lo == t.hi {
            parts.push(format!("{not}{dir} {}", t.lo));
        } else {
            parts.push(format!("{not}{dir} {}-{}", t.lo, t.hi));
        }
    }
    if parts.is_empty() {
        "all".to_string()
    } else {
        parts.join(" ")
    }
}

fn compiled(input: &str) -> Result<Vec<String>, FilterError> {
    let filter = compile(&parse(input)?)?;
    check_invariants(&filter);
    Ok(filter.alternatives.iter().map(conj).collect())
}

/// What triggers rely on: ports only with TCP or UDP, addresses only with their family.
fn check_invariants(filter: &Filter) {
    assert!(!filter.alternatives.is_empty());
    assert!(filter.alternatives.len() <= MAX_ALTERNATIVES);
    for c in &filter.alternatives {
        if !c.ports.is_empty() {
            assert!(
                matches!(c.protocol, Some(Proto::Tcp | Proto::Udp)),
                "ports without TCP/UDP: {c:?}"
            );
        }
        for t in &c.addresses {
            assert_eq!(c.family, Some(t.net.family()), "address family: {c:?}");
            assert_eq!(IpNet::new(t.net.addr, t.net.prefix), Some(t.net));
        }
        if c.protocol.is_some() {
            assert!(c.not_protocols.is_empty(), "{c:?}");
        }
    }
}

/// A packet as the filter sees it.
#[derive(Debug, Clone, Copy)]
struct Packet {
    family: IpFamily,
    proto: u8,
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
}

impl Packet {
    fn has_ports(&self) -> bool {
        matches!(self.proto, 6 | 17)
    }
}

/// The expression's meaning, evaluated directly on the tree (tcpdump's semantics).
fn eval(node: &Node, p: &Packet) -> bool {
    let side = |dir: Option<Dir>, test: &dyn Fn(IpAddr, u16) -> bool| match dir {
        Some(Dir::Src) => test(p.src, p.sport),
        Some(Dir::Dst) => test(p.dst, p.dport),
        None => test(p.src, p.sport) || test(p.dst, p.dport),
    };
    match &node.kind {
        Kind::Not(inner) => !eval(inner, p),
        Kind::And(nodes) => nodes.iter().all(|n| eval(n, p)),
        Kind::Or(nodes) => nodes.iter().any(|n| eval(n, p)),
        Kind::Primitive(prim) => match *prim {
            Primitive::Ip => p.family == IpFamily::V4,
            Primitive::Ip6 => p.family == IpFamily::V6,
            Primitive::Tcp => p.proto == 6,
            Primitive::Udp => p.proto == 17,
            Primitive::Icmp => p.family == IpFamily::V4 && p.proto == 1,
            Primitive::Icmp6 => p.family == IpFamily::V6 && p.proto == 58,
            Primitive::Host { dir, addr } => side(dir, &|a, _| a == addr),
            Primitive::Net { dir, net } => side(dir, &|a, _| net.contains(a)),
            Primitive::Port { dir, port } => p.has_ports() && side(dir, &|_, n| n == port),
            Primitive::PortRange { dir, lo, hi } => {
                p.has_ports() && side(dir, &|_, n| lo <= n && n <= hi)
            }
        },
    }
}

/// What a trigger rule for one conjunction matches.
fn matches_conj(c: &Conjunction, p: &Packet) -> bool {
    c.family.is_none_or(|f| f == p.family)
        && c.protocol.is_none_or(|q| q.number() == p.proto)
        && c.not_protocols.iter().all(|q| q.number() != p.proto)
        && c.addresses.iter().all(|t| {
            let a = if t.dir == Dir::Src { p.src } else { p.dst };
            if t.negated {
                IpFamily::of(a) == t.net.family() && !t.net.contains(a)
            } else {
                t.net.contains(a)
            }
        })
        && c.ports.iter().all(|t| {
            let n = if t.dir == Dir::Src { p.sport } else { p.dport };
            p.has_ports() && ((t.lo <= n && n <= t.hi) != t.negated)
        })
}

fn matches_filter(f: &Filter, p: &Packet) -> bool {
    f.alternatives.iter().any(|c| matches_conj(c, p))
}

const V4_ADDRS: &[&str] = &["10.0.0.1", "10.0.0.2", "10.0.1.5", "192.168.1.1", "8.8.8.8"];
const V6_ADDRS: &[&str] = &[
    "fd00::1",
    "fd00::2",
    "fd00:1::5",
    "2001:db8::1",
    "2001:db8:ffff::9",
];
const NETS: &[&str] = &[
    "10.0.0.0/24",
    "10.0.0.0/8",
    "10.0.0.0/31",
    "10.0.0.2/31",
    "10.0.0.0/25",
    "10.0.0.128/25",
    "192.168.0.0/16",
    "0.0.0.0/0",
    "fd00::/64",
    "fd00::/16",
    "fd00::2/127",
    "::/0",
    "2001:db8::/32",
];
const PORTS: &[u16] = &[0, 53, 80, 1000, 65535];
const RANGES: &[&str] = &[
    "50-60",
    "0-65535",
    "53-53",
    "1-1024",
    "1000-2000",
    "54-79",
    "0-52",
];

fn packets() -> Vec<Packet> {
    let mut out = Vec::new();
    for (family, addrs) in [(IpFamily::V4, V4_ADDRS), (IpFamily::V6, V6_ADDRS)] {
        for proto in [6u8, 17, 1, 58, 47] {
            for src in addrs {
                for dst in addrs {
                    let ports: Vec<(u16, u16)> = if matches!(proto, 6 | 17) {
                        PORTS
                            .iter()
                            .flat_map(|&s| PORTS.iter().map(move |&d| (s, d)))
                            .collect()
                    } else {
                        vec![(0, 0)]
                    };
                    for (sport, dport) in ports {
                        out.push(Packet {
                            family,
                            proto,
                            src: src.parse().unwrap(),
                            dst: dst.parse().unwrap(),
                            sport,
                            dport,
                        });
                    }
                }
            }
        }
    }
    out
}

/// A small deterministic random generator (xorshift), so the tests need no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn random_primitive(rng: &mut Rng) -> String {
    let dir = *rng.pick(&["", "", "src ", "dst "]);
    match rng.below(10) {
        0 => rng.pick(&["ip", "ip6"]).to_string(),
        1 => rng.pick(&["tcp", "udp", "icmp", "icmp6"]).to_string(),
        2 | 3 => {
            let addrs = if rng.below(2) == 0 {
                V4_ADDRS
            } else {
                V6_ADDRS
            };
            format!("{dir}host {}", rng.pick(&addrs[..4]))
        }
        4 | 5 => format!("{dir}net {}", rng.pick(NETS)),
        6 | 7 => format!("{dir}port {}", rng.pick(PORTS)),
        8 => format!("{dir}portrange {}", rng.pick(RANGES)),
        _ => match rng.below(3) {
            0 => format!(
                "{} {dir}port {}",
                rng.pick(&["tcp", "udp"]),
                rng.pick(PORTS)
            ),
            1 => format!("ip {dir}net {}", rng.pick(&NETS[..8])),
            _ => format!("ip6 {dir}host {}", rng.pick(&V6_ADDRS[..4])),
        },
    }
}

fn random_expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 {
        return random_primitive(rng);
    }
    match rng.below(6) {
        0 => random_primitive(rng),
        1 => format!(
            "{}{}",
            rng.pick(&["not ", "!", "! "]),
            random_expr(rng, depth - 1)
        ),
        2 => format!("({})", random_expr(rng, depth - 1)),
        _ => {
            let op = *rng.pick(&[" and ", " or ", "&&", "||", " && ", " or "]);
            let n = 2 + rng.below(2);
            let parts: Vec<String> = (0..n).map(|_| random_expr(rng, depth - 1)).collect();
            let joined = parts.join(op);
            if rng.below(2) == 0 {
                format!("({joined})")
            } else {
                joined
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[test]
fn parses_every_construct() {
    let cases: &[(&str, &str)] = &[
        ("udp", "udp"),
        ("tcp", "tcp"),
        ("icmp", "icmp"),
        ("icmp6", "icmp6"),
        ("ip", "ip"),
        ("ip6", "ip6"),
        ("host 10.0.0.1", "host_10.0.0.1"),
        ("src host 10.0.0.1", "src_host_10.0.0.1"),
        ("dst host fd00::1", "dst_host_fd00::1"),
        ("host ::ffff:10.0.0.1", "host_::ffff:10.0.0.1"),
        ("net 10.0.0.0/8", "net_10.0.0.0/8"),
        ("net 10.1.2.3/8", "net_10.0.0.0/8"),
        ("net 10.1.2.3", "net_10.1.2.3/32"),
        ("src net fd00::/64", "src_net_fd00::/64"),
        ("dst net 0.0.0.0/0", "dst_net_0.0.0.0/0"),
        ("port 53", "port_53"),
        ("src port 0", "src_port_0"),
        ("dst port 65535", "dst_port_65535"),
        ("portrange 1-1024", "portrange_1-1024"),
        ("src portrange 53-53", "src_portrange_53-53"),
        ("dst portrange 0-65535", "dst_portrange_0-65535"),
        ("not udp", "(not udp)"),
        ("!udp", "(not udp)"),
        ("! udp", "(not udp)"),
        ("not not udp", "(not (not udp))"),
        ("!!udp", "(not (not udp))"),
        ("udp and tcp", "(and udp tcp)"),
        ("udp && tcp", "(and udp tcp)"),
        ("udp&&tcp", "(and udp tcp)"),
        ("udp or tcp", "(or udp tcp)"),
        ("udp||tcp", "(or udp tcp)"),
        ("(udp)", "udp"),
        ("((udp))", "udp"),
        ("(udp||tcp)", "(or udp tcp)"),
        ("!(udp||tcp)", "(not (or udp tcp))"),
        ("not(udp)", "(not udp)"),
        ("udp and tcp and icmp", "(and udp tcp icmp)"),
        ("udp and (tcp and icmp)", "(and udp tcp icmp)"),
        ("(udp or tcp) or icmp", "(or udp tcp icmp)"),
        ("udp or (tcp or icmp)", "(or udp tcp icmp)"),
        // tcpdump's qualified primitives
        ("tcp port 80", "(and tcp port_80)"),
        ("udp dst port 53", "(and udp dst_port_53)"),
        ("tcp src portrange 1-2", "(and tcp src_portrange_1-2)"),
        ("ip host 10.0.0.1", "(and ip host_10.0.0.1)"),
        ("ip6 src net fd00::/8", "(and ip6 src_net_fd00::/8)"),
        ("not tcp port 80", "(not (and tcp port_80))"),
        (
            "tcp port 80 and host 10.0.0.1",
            "(and tcp port_80 host_10.0.0.1)",
        ),
        ("tcp port 80 or udp", "(or (and tcp port_80) udp)"),
        // spacing
        ("  udp   and\ttcp \n", "(and udp tcp)"),
    ];
    for (input, want) in cases {
        let expr = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(sexpr(expr.root()), *want, "input {input:?}");
        assert_eq!(expr.source(), *input);
    }
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let cases: &[(&str, &str)] = &[
        ("udp or tcp and icmp", "(or udp (and tcp icmp))"),
        ("udp and tcp or icmp", "(or (and udp tcp) icmp)"),
        ("not udp and tcp", "(and (not udp) tcp)"),
        ("not udp or tcp", "(or (not udp) tcp)"),
        ("udp or not tcp and icmp", "(or udp (and (not tcp) icmp))"),
        ("(udp or tcp) and icmp", "(and (or udp tcp) icmp)"),
        ("not (udp or tcp) and icmp", "(and (not (or udp tcp)) icmp)"),
        (
            "ip and udp or ip6 and tcp or icmp",
            "(or (and ip udp) (and ip6 tcp) icmp)",
        ),
        ("udp||tcp&&icmp", "(or udp (and tcp icmp))"),
        ("!udp||tcp", "(or (not udp) tcp)"),
    ];
    for (input, want) in cases {
        assert_eq!(
            sexpr(parse(input).unwrap().root()),
            *want,
            "input {input:?}"
        );
    }
}

#[test]
fn display_is_normalised() {
    let cases: &[(&str, &str)] = &[
        ("udp", "udp"),
        ("!udp", "not udp"),
        ("udp&&tcp", "udp and tcp"),
        ("udp||tcp", "udp or tcp"),
        ("(udp)", "udp"),
        ("!(udp||tcp)", "not (udp or tcp)"),
        ("!(udp&&tcp)", "not (udp and tcp)"),
        ("(udp or tcp) and icmp", "(udp or tcp) and icmp"),
        ("udp or (tcp and icmp)", "udp or tcp and icmp"),
        ("udp or (tcp or icmp)", "udp or tcp or icmp"),
        ("((udp && (tcp)))", "udp and tcp"),
        ("not not udp", "not not udp"),
        ("net 10.1.2.3/8", "net 10.0.0.0/8"),
        ("host 10.0.0.1", "host 10.0.0.1"),
        ("src host FD00:0::1", "src host fd00::1"),
        ("dst port 053", "dst port 53"),
        ("portrange 01-2", "portrange 1-2"),
        ("tcp port 80", "tcp and port 80"),
        ("not tcp port 80", "not (tcp and port 80)"),
    ];
    for (input, want) in cases {
        let expr = parse(input).unwrap();
        assert_eq!(expr.to_string(), *want, "input {input:?}");
        let again = parse(&expr.to_string()).unwrap();
        assert!(same_tree(again.root(), expr.root()), "{input}");
    }
}

#[test]
fn spans_cover_the_written_text() {
    let input = "udp and ( tcp or !icmp ) and src port 53";
    let expr = parse(input).unwrap();
    let Kind::And(nodes) = &expr.root().kind else {
        panic!("{:?}", expr.root());
    };
    let texts: Vec<&str> = nodes.iter().map(|n| expr.text(n.span)).collect();
    assert_eq!(texts, ["udp", "( tcp or !icmp )", "src port 53"]);
    assert_eq!(expr.text(expr.root().span), input);
}

#[test]
fn prefixes_parse_as_net_operands() {
    let addr = |text: &str| -> IpAddr { text.parse().unwrap() };
    assert_eq!(
        "10.1.2.3/8".parse(),
        Ok(IpNet::new(addr("10.0.0.0"), 8).unwrap())
    );
    assert_eq!(
        "fd00::/64".parse(),
        Ok(IpNet::new(addr("fd00::"), 64).unwrap())
    );
    assert_eq!("fd00::1".parse(), Ok(IpNet::host(addr("fd00::1"))));
    let err = "10.0.0.0/33".parse::<IpNet>().unwrap_err();
    assert_eq!((err.offset, err.word.as_str()), (0, "10.0.0.0/33"));
    assert!(err.message.contains("longer than the address"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Compiling

#[test]
fn compiles_with_tcpdump_semantics() {
    let cases: &[(&str, &[&str])] = &[
        ("ip", &["ip"]),
        ("not ip", &["ip6"]),
        ("ip6", &["ip6"]),
        ("not ip6", &["ip"]),
        ("tcp", &["tcp"]),
        ("not tcp", &["!tcp"]),
        ("udp", &["udp"]),
        ("icmp", &["ip icmp"]),
        ("not icmp", &["ip6", "ip !icmp"]),
        ("icmp6", &["ip6 icmpv6"]),
        ("not icmp6", &["ip", "ip6 !icmpv6"]),
        (
            "host 10.0.0.1",
            &["ip src 10.0.0.1/32", "ip dst 10.0.0.1/32"],
        ),
        ("src host 10.0.0.1", &["ip src 10.0.0.1/32"]),
        ("dst host fd00::1", &["ip6 dst fd00::1/128"]),
        (
            "not host 10.0.0.1",
            &["ip6", "ip !src 10.0.0.1/32 !dst 10.0.0.1/32"],
        ),
        ("not src host fd00::1", &["ip", "ip6 !src fd00::1/128"]),
        (
            "net 10.0.0.0/8",
            &["ip src 10.0.0.0/8", "ip dst 10.0.0.0/8"],
        ),
        ("not dst net 10.0.0.0/8", &["ip6", "ip !dst 10.0.0.0/8"]),
        ("net 0.0.0.0/0", &["ip"]),
        ("not net ::/0", &["ip"]),
        (
            "port 53",
            &[
                "tcp sport 53",
                "tcp dport 53",
                "udp sport 53",
                "udp dport 53",
            ],
        ),
        ("dst port 53", &["tcp dport 53", "udp dport 53"]),
        (
            "not port 53",
            &[
                "!tcp !udp",
                "tcp !sport 53 !dport 53",
                "udp !sport 53 !dport 53",
            ],
        ),
        (
            "not src port 53",
            &["!tcp !udp", "tcp !sport 53", "udp !sport 53"],
        ),
        (
            "src portrange 1-1024",
            &["tcp sport 1-1024", "udp sport 1-1024"],
        ),
        (
            "not dst portrange 1-1024",
            &["!tcp !udp", "tcp !dport 1-1024", "udp !dport 1-1024"],
        ),
        ("portrange 0-65535", &["tcp", "udp"]),
        ("not portrange 0-65535", &["!tcp !udp"]),
        ("udp and dst port 53", &["udp dport 53"]),
        ("udp dst port 53", &["udp dport 53"]),
        ("tcp and not port 22", &["tcp !sport 22 !dport 22"]),
        (
            "udp and port 53 and port 53",
            &["udp sport 53", "udp dport 53"],
        ),
        ("src port 53 and src port 54", &[]),
        (
            "src host 10.0.0.1 and dst net fd00::/64 or icmp",
            &["ip icmp"],
        ),
        (
            "ip and (udp or tcp) and dst port 53",
            &["ip udp dport 53", "ip tcp dport 53"],
        ),
        // De Morgan
        ("not (udp or tcp)", &["!tcp !udp"]),
        ("not (udp and tcp)", &["all"]),
        ("not (udp and dst port 53)", &["!udp", "udp !dport 53"]),
        ("not (ip or udp)", &["ip6 !udp"]),
        ("not (not udp)", &["udp"]),
        ("not not not udp", &["!udp"]),
        (
            "not (host 10.0.0.1 or host 10.0.0.2)",
            &[
                "ip6",
                "ip !src 10.0.0.1/32 !src 10.0.0.2/32 !dst 10.0.0.1/32 !dst 10.0.0.2/32",
            ],
        ),
        (
            "not (src net 10.0.0.0/8 and dst net 192.168.0.0/16)",
            &["ip6", "ip !src 10.0.0.0/8", "ip !dst 192.168.0.0/16"],
        ),
        // Simplification
        ("udp or udp", &["udp"]),
        ("udp or udp and port 53", &["udp"]),
        ("tcp or not tcp", &["all"]),
        ("ip or ip6", &["all"]),
        ("ip or not ip", &["all"]),
        ("udp or not udp and icmp", &["udp", "ip icmp"]),
        // (src in /8 or dst in /8) and (src in /16 or dst in /16): the mixed ones are covered.
        (
            "net 10.0.0.0/8 and net 10.1.0.0/16",
            &["ip src 10.1.0.0/16", "ip dst 10.1.0.0/16"],
        ),
        (
            "src net 10.0.0.0/24 and not src net 10.0.0.0/25",
            &["ip src 10.0.0.128/25"],
        ),
        (
            "src portrange 1-100 and not src portrange 1-10",
            &["tcp sport 11-100", "udp sport 11-100"],
        ),
        ("icmp and ip", &["ip icmp"]),
        ("ip6 or icmp", &["ip6", "ip icmp"]),
    ];
    for (input, want) in cases {
        match compiled(input) {
            Ok(got) => assert_eq!(got, *want, "input {input:?}"),
            Err(e) => assert!(want.is_empty(), "{input}: {e}"),
        }
    }
}

#[test]
fn contradictions_are_dropped() {
    let cases: &[(&str, &[&str])] = &[
        ("udp and (ip or ip6 and ip)", &["ip udp"]),
        (
            "(ip or ip6) and host 10.0.0.1",
            &["ip src 10.0.0.1/32", "ip dst 10.0.0.1/32"],
        ),
        ("ip6 and (host 10.0.0.1 or udp)", &["ip6 udp"]),
        ("(tcp or udp) and not tcp", &["udp"]),
        ("(icmp or icmp6) and ip6", &["ip6 icmpv6"]),
        ("(port 53 or icmp) and icmp", &["ip icmp"]),
        (
            "(src host 10.0.0.1 or src host fd00::1) and dst net fd00::/16",
            &["ip6 src fd00::1/128 dst fd00::/16"],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(compiled(input).unwrap(), *want, "input {input:?}");
    }
}

#[test]
fn everything_and_nothing() {
    assert!(parse_filter(&[]).unwrap().is_everything());
    assert!(parse_filter(&["".to_string(), "  ".to_string()])
        .unwrap()
        .is_everything());
    assert!(compile(&parse("tcp or not tcp").unwrap())
        .unwrap()
        .is_everything());
    assert!(!compile(&parse("tcp").unwrap()).unwrap().is_everything());
    let words: Vec<String> = ["udp", "and", "dst", "port", "53"].map(String::from).into();
    let filter = parse_filter(&words).unwrap();
    assert_eq!(
        filter.alternatives.iter().map(conj).collect::<Vec<_>>(),
        ["udp dport 53"]
    );
    // Words may hold several tokens, and offsets refer to the joined text.
    let words: Vec<String> = ["udp and", "port 99999"].map(String::from).into();
    let err = parse_filter(&words).unwrap_err();
    assert_eq!(filter_text(&words), "udp and port 99999");
    assert_eq!((err.offset, err.word.as_str()), (13, "99999"));
}

// ---------------------------------------------------------------------------------------------
// Errors

/// `(input, part of the message)`: the error points at the word between `«` and `»`; `«»` at
/// the end of the input is the end of the filter.
const ERRORS: &[(&str, &str)] = &[
    // empty
    ("«»", "the filter is empty"),
    ("   «»", "the filter is empty"),
    // unknown words
    ("«foo»", "unknown word; expected tcp, udp"),
    ("udp and «foo»", "unknown word"),
    ("«UDP»", "keywords are lowercase: write `udp`"),
    (
        "udp «AND» tcp",
        "expected `and`, `or` or the end of the filter",
    ),
    ("«icmpv6»", "`icmp6`"),
    ("«ipv6»", "`ip6`"),
    ("«arp»", "does not support"),
    ("«ünïcödé»", "unknown word"),
    ("udp «&» tcp", "not an operator: write `&&` or `and`"),
    ("udp «|» tcp", "not an operator: write `||` or `or`"),
    (
        "«10.0.0.1»",
        "an address needs a keyword before it: `host 10.0.0.1`",
    ),
    ("«53»", "a number needs a keyword before it: `port 53`"),
    // missing operands
    ("port«»", "`port` needs a port number"),
    ("host«»", "`host` needs an IPv4 or IPv6 address"),
    ("net«»", "`net` needs a prefix"),
    ("portrange«»", "`portrange` needs a port range"),
    ("udp and port «»", "`port` needs a port number"),
    (
        "src«»",
        "`src` must be followed by host, net, port or portrange",
    ),
    ("dst «foo»", "`dst` must be followed by"),
    ("src «10.0.0.1»", "write `src host 10.0.0.1`"),
    ("dst «53»", "write `dst port 53`"),
    ("src «or» dst host 10.0.0.1", "`src or …` is not supported"),
    ("host «and» udp", "`host` needs an IPv4 or IPv6 address"),
    ("port «(»53)", "`port` needs a port number"),
    ("udp and«»", "expected a primitive or `(` after `and`"),
    ("udp ||«»", "after `||`"),
    ("not«»", "after `not`"),
    ("udp and !«»", "after `!`"),
    ("«and» udp", "`and` needs a primitive on each side"),
    ("«||» udp", "`||` needs a primitive on each side"),
    ("udp and «or» tcp", "after `and`, not an operator"),
    ("not «and» udp", "after `not`, not an operator"),
    ("udp and «)»", "after `and`"),
    // juxtaposition and tcpdump shorthands
    (
        "udp «tcp»",
        "expected `and`, `or` or the end of the filter; primitives are joined",
    ),
    ("(udp «tcp»)", "expected `and`, `or` or `)`"),
    (
        "port 53 or «80»",
        "tcpdump's `port 53 or 80` shorthand is not supported",
    ),
    ("port 53 «80»", "one value per primitive"),
    ("port «53-60»", "write `portrange 53-60`"),
    (
        "net 10.0.0.0 «mask» 255.0.0.0",
        "`net … mask …` is not supported",
    ),
    (
        "tcp «host» 10.0.0.1",
        "`tcp` qualifies only port and portrange: write `tcp and host …`",
    ),
    ("ip «port» 53", "`ip` qualifies only host and net"),
    (
        "icmp «port» 53",
        "`icmp` qualifies nothing: write `icmp and port …`",
    ),
    ("ip6 «src» port 53", "`ip6` qualifies only host and net"),
    (
        "tcp src«»",
        "`src` must be followed by host, net, port or portrange",
    ),
    ("tcp dst «and» udp", "`dst` must be followed by"),
    // bad numbers
    ("port «65536»", "a port number is 0 to 65535"),
    ("port «99999999999999999999»", "0 to 65535"),
    ("port «-1»", "not a port number"),
    ("port «http»", "`http` is port 80"),
    ("dst port «domain»", "`domain` is port 53"),
    ("port «gopher»", "service names are not looked up"),
    ("portrange «9-3»", "the range 9-3 is empty"),
    ("portrange «53»", "expected a port range"),
    ("portrange «1-65536»", "second port of the range"),
    // bad addresses
    (
        "host «example.com»",
        "host names are not looked up (no DNS)",
    ),
    ("src host «localhost»", "no DNS"),
    ("host «10.0.0.256»", "not an IPv4 address"),
    ("host «10.1»", "write all four numbers"),
    ("host «fd00:::1»", "not an IPv4 or IPv6 address"),
    ("host «fe80::1%eth0»", "zone indexes"),
    ("host «10.0.0.0/8»", "use `net`"),
    (
        "net «10.0.0.0/33»",
        "prefix length 33 is longer than the address (32 bits)",
    ),
    ("net «fd00::/129»", "(128 bits)"),
    ("net «10.0.0.0/»", "expected a prefix length"),
    ("net «corp»", "network names are not looked up"),
    // parentheses
    ("«(»udp", "this `(` is never closed"),
    ("udp and «(»tcp or (icmp)", "this `(` is never closed"),
    ("(((«(»", "this `(` is never closed"),
    ("«(»", "this `(` is never closed"),
    ("udp«)»", "there is no `(` for this `)`"),
    ("«)»", "there is no `(` for this `)`"),
    ("(udp)«)»", "there is no `(` for this `)`"),
    ("(«)»", "empty parentheses"),
    ("udp and ( «)»", "empty parentheses"),
    ("!(«)»", "empty parentheses"),
    // matching nothing
    ("«ip and ip6»", "the filter matches no packet"),
    ("«tcp and udp»", "the filter matches no packet"),
    ("«ip6 && icmp»", "the filter matches no packet"),
    ("«ip host fd00::1»", "the filter matches no packet"),
    ("«ip6 and host 10.0.0.1»", "matches no packet"),
    (
        "udp and «(ip and ip6)»",
        "this matches no packet, and so the filter",
    ),
    ("udp and «((ip and ip6))»", "this matches no packet"),
    ("«udp and (tcp or (ip and ip6))» and ip", "this matches"),
    ("«(ip and ip6)»", "the filter matches no packet"),
    ("udp and «ip and port 53 and ip6»", "this matches no packet"),
    (
        "udp and not (tcp or «ip or ip6»)",
        "its negation matches none",
    ),
    (
        "udp and not («ip or ip6» or tcp)",
        "its negation matches none",
    ),
    ("udp and «not ip and not ip6»", "this matches no packet"),
    ("«not (ip or ip6)»", "the filter matches no packet"),
    ("udp and «not (ip or ip6)»", "this matches no packet"),
    ("«src port 53 and src port 54»", "matches no packet"),
    ("«portrange 1-5 and not portrange 0-9»", "matches no"),
    ("«(tcp and udp) or (ip and ip6)»", "matches no packet"),
    ("«not net 0.0.0.0/0 and ip»", "matches no packet"),
    ("«tcp and (udp or icmp)»", "matches no packet"),
];

#[test]
fn errors_point_at_the_word() {
    for &(marked, message) in ERRORS {
        let (input, offset, word) = unmark(marked);
        let input = input.as_str();
        let err = parse(input).and_then(|e| compile(&e)).expect_err(input);
        assert_eq!(
            (err.offset, err.word.as_str()),
            (offset, word),
            "input {input:?}: {err}"
        );
        assert!(
            err.message.contains(message),
            "input {input:?}: message {:?} lacks {message:?}",
            err.message
        );
        assert_eq!(err.to_string(), format!("`{word}`: {}", err.message));
        check_error_position(input, &err);
    }
}

/// An [`ERRORS`] input without its markers, and the offset and word they mark.
fn unmark(marked: &str) -> (String, usize, &str) {
    let (before, rest) = marked.split_once('«').expect("a `«`");
    let (word, after) = rest.split_once('»').expect("a `»`");
    let input = format!("{before}{word}{after}");
    let word = if word.is_empty() { END_OF_FILTER } else { word };
    (input, before.len(), word)
}

/// The error's word is at its offset (or the end of the filter at the end).
fn check_error_position(input: &str, err: &FilterError) {
    if err.word == END_OF_FILTER {
        assert_eq!(err.offset, input.len(), "{input:?}: {err}");
    } else {
        assert!(
            input
                .get(err.offset..)
                .is_some_and(|rest| rest.starts_with(&err.word)),
            "{input:?}: {err} at {}",
            err.offset
        );
    }
    let pointer = err.pointer(input);
    assert_eq!(pointer.lines().count(), 2, "{pointer}");
}

#[test]
fn pointer_for_the_command_line() {
    let input = "udp and port http";
    let err = parse(input).unwrap_err();
    assert_eq!(err.pointer(input), "udp and port http\n             ^^^^");
    let input = "udp and";
    let err = parse(input).unwrap_err();
    assert_eq!(err.pointer(input), "udp and\n       ^");
    let input = "udp and (ip and ip6)";
    let err = compile(&parse(input).unwrap()).unwrap_err();
    assert_eq!(
        err.pointer(input),
        "udp and (ip and ip6)\n        ^^^^^^^^^^^^"
    );
}

#[test]
fn too_complex() {
    let ports = |n: u16| {
        (1..=n)
            .map(|p| format!("port {p}"))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    // 8 ports are 32 rules, 9 are 36.
    assert_eq!(compiled(&ports(8)).unwrap().len(), 32);
    let err = compiled(&ports(9)).unwrap_err();
    assert!(err.message.contains("needs 36 rules, at most 32"), "{err}");
    assert_eq!(err.offset, 0);
    let input = ports(40);
    let err = compiled(&input).unwrap_err();
    assert!(err.message.contains("more than 64 rules"), "{err}");
    check_error_position(&input, &err);
    // Multiplying out: 2^7 alternatives.
    let input = (0..7)
        .map(|i| format!("(not src host 10.0.0.{i} or not dst host 10.0.0.{i})"))
        .collect::<Vec<_>>()
        .join(" and ");
    let err = compiled(&input).unwrap_err();
    assert!(err.message.starts_with("too complex"), "{err}");
    // One rule with too many tests.
    let input = (0..100)
        .map(|i| format!("not src host 10.0.0.{i}"))
        .collect::<Vec<_>>()
        .join(" and ");
    let err = compiled(&input).unwrap_err();
    assert!(err.message.contains("tests in one rule"), "{err}");
    // But a shrinking intermediate result is fine.
    let input = format!("({}) and ip6 and udp and dst port 9", ports(12));
    assert_eq!(compiled(&input).unwrap(), ["ip6 udp dport 9"]);
}

#[test]
fn nesting_is_limited() {
    let deep = |n: usize| format!("{}udp{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(&deep(parser::MAX_DEPTH)).is_ok());
    let input = deep(parser::MAX_DEPTH + 1);
    let err = parse(&input).unwrap_err();
    assert_eq!((err.offset, err.word.as_str()), (parser::MAX_DEPTH, "("));
    assert!(err.message.contains("nested too deeply"));
    let input = format!("{}udp", "not ".repeat(100_000));
    let err = parse(&input).unwrap_err();
    assert!(err.message.contains("nested too deeply"));
    let input = format!("{}udp", "!".repeat(100_000));
    assert!(parse(&input).is_err());
    let input = "(".repeat(100_000);
    assert!(parse(&input).is_err());
}

// ---------------------------------------------------------------------------------------------
// Robustness and the property test

#[test]
fn odd_inputs_never_panic() {
    let long_or = vec!["udp"; 20_000].join(" or ");
    let long_and = vec!["tcp"; 20_000].join(" and ");
    let long_word = "a".repeat(100_000);
    let long_number = "9".repeat(10_000);
    let many_hosts = (0..5000)
        .map(|i| format!("host 10.0.{}.{}", i / 256, i % 256))
        .collect::<Vec<_>>()
        .join(" or ");
    let many_negated = (0..5000)
        .map(|i| format!("not src port {i}"))
        .collect::<Vec<_>>()
        .join(" and ");
    let inputs: Vec<String> = [
        "",
        " ",
        "\t\n",
        "(",
        ")",
        "((((",
        "))))",
        "()()",
        "!",
        "!!",
        "&&",
        "||",
        "&",
        "|",
        "&&&",
        "|||",
        "port 53 or",
        "é",
        "日本語",
        "🙂",
        "udp and 🙂",
        "host 🙂",
        "port ５３",
        "\u{0}",
        "udp\u{0}",
        "\u{200b}udp",
        "udp\u{3000}and\u{3000}tcp",
        "portrange -",
        "portrange --",
        "portrange 1--2",
        "net /",
        "net ::/",
        "net /8",
        "host :",
        "host ::",
        "net 1.2.3.4/ 8",
        "src src",
        "dst dst host 1.2.3.4",
        "not not",
        "( ! ( ! ( udp ) ) )",
        "(((udp)))))",
        "udp (tcp)",
        "udp !tcp",
        "tcp port",
        "tcp src",
        "tcp src port",
        "ip net",
        "ip6 src",
        "ip6 src net",
        "icmp port 1",
        "tcp port 80 port 81",
    ]
    .iter()
    // Each keyword alone.
    .chain(parser::KEYWORDS)
    .map(|s| s.to_string())
    .chain([
        long_or.clone(),
        long_and,
        long_word,
        long_number.clone(),
        format!("port {long_number}"),
        format!("host {long_number}"),
        format!("net 1.2.3.4/{long_number}"),
        many_hosts,
        many_negated,
        format!("{long_or} tcp"),
    ])
    .collect();
    for input in &inputs {
        match parse(input).and_then(|e| compile(&e).map(|f| (e, f))) {
            Ok((expr, filter)) => {
                check_invariants(&filter);
                let again = parse(&expr.to_string()).unwrap();
                assert!(same_tree(again.root(), expr.root()));
            }
            Err(err) => check_error_position(input, &err),
        }
    }
}

#[test]
fn random_garbage_never_panics() {
    let punctuation: &[&str] = &["(", ")", "!", "&", "|", "&&", "||", " ", " ", " "];
    let rest: &[&str] = &[
        "53",
        "1-2",
        "9-3",
        "10.0.0.1",
        "fd00::1",
        "10.0.0.0/8",
        "/",
        "-",
        ":",
        "é",
        "🙂",
        "0x",
        "65536",
        "\t",
    ];
    let pieces = [punctuation, parser::KEYWORDS, rest].concat();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let n = rng.below(12);
        let input: String = (0..n).map(|_| *rng.pick(&pieces)).collect();
        match parse(&input).and_then(|e| compile(&e)) {
            Ok(filter) => check_invariants(&filter),
            Err(err) => check_error_position(&input, &err),
        }
    }
}

#[test]
fn compiled_filters_match_what_the_expression_means() {
    let packets = packets();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut checked, mut too_complex, mut nothing) = (0, 0, 0);
    for round in 0..3000 {
        let input = random_expr(&mut rng, 1 + round % 5);
        let expr = parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
        // The normalised text means the same.
        let again = parse(&expr.to_string()).unwrap();
        assert!(same_tree(again.root(), expr.root()), "{input} → {expr}");
        assert_eq!(again.to_string(), expr.to_string());
        match compile(&expr) {
            Ok(filter) => {
                check_invariants(&filter);
                for p in &packets {
                    assert_eq!(
                        matches_filter(&filter, p),
                        eval(expr.root(), p),
                        "{input}\npacket {p:?}\nfilter {:?}",
                        filter.alternatives.iter().map(conj).collect::<Vec<_>>()
                    );
                }
                checked += 1;
            }
            Err(err) if err.message.starts_with("too complex") => too_complex += 1,
            Err(err) => {
                assert!(err.message.contains("matches no"), "{input}: {err}");
                // The part the error points at is the reason.
                let part = if err.message.contains("its negation") {
                    format!("not ({})", err.word)
                } else {
                    err.word.clone()
                };
                let part_err = compile(&parse(&part).unwrap()).unwrap_err();
                assert!(
                    part_err.message.contains("the filter matches no packet"),
                    "{part}"
                );
                assert!(
                    !packets.iter().any(|p| eval(expr.root(), p)),
                    "{input}: {err}, but a packet matches"
                );
                nothing += 1;
            }
        }
    }
    assert!(
        checked > 2000,
        "{checked} checked, {too_complex} too complex, {nothing} empty"
    );
    assert!(nothing > 0, "{nothing} {too_complex}");
    eprintln!("{checked} checked, {too_complex} too complex, {nothing} empty");
}

#[test]
fn negation_is_the_complement() {
    let packets = packets();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..200 {
        let input = random_expr(&mut rng, 1 + round % 3);
        let (Ok(Ok(pos)), Ok(Ok(neg))) = (
            parse(&input).map(|e| compile(&e)),
            parse(&format!("not ({input})")).map(|e| compile(&e)),
        ) else {
            continue;
        };
        for p in &packets {
            assert_ne!(
                matches_filter(&pos, p),
                matches_filter(&neg, p),
                "{input} {p:?}"
            );
        }
    }
}
