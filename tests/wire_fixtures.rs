//! Decodes the datagrams captured from the kernel in `tests/fixtures/` (by `capture.sh`, see
//! the README there) and compares the results with what the capture's ruleset and traffic
//! make the kernel send: table and chain names, handles, verdicts, marks, interfaces,
//! addresses and ports, conntrack state, legacy TRACE prefixes.
//!
//! Values that differ from one capture to the next (trace ids, conntrack ids, IP ids and
//! checksums, MAC addresses of the veths, timestamps) are checked by their relations instead
//! of by value, so the fixtures can be captured again without editing this file.

use nftrace::wire::{
    decode_datagram, CtDirection, Event, LogPrefix, NflogPacket, StepKind, TraceEvent, TraceId,
    TraceStep, TraceType, Verdict,
};
use nftrace_sys::netfilter::{NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV};
use nftrace_sys::netlink::{NLMSG_DONE, NLM_F_MULTI};
use nftrace_sys::nf_conntrack::{
    IPS_CONFIRMED, IPS_DYING, IPS_SEEN_REPLY, NF_CT_STATE_ESTABLISHED_BIT, NF_CT_STATE_NEW_BIT,
};

const NFT_UDP4: &[u8] = include_bytes!("fixtures/nft_trace_udp4.nlmsg");
const NFT_UDP6: &[u8] = include_bytes!("fixtures/nft_trace_udp6.nlmsg");
const NFT_TCP4: &[u8] = include_bytes!("fixtures/nft_trace_tcp4.nlmsg");
const NFT_TCP6: &[u8] = include_bytes!("fixtures/nft_trace_tcp6.nlmsg");
const NFT_ICMP4: &[u8] = include_bytes!("fixtures/nft_trace_icmp4.nlmsg");
const NFT_ICMP6: &[u8] = include_bytes!("fixtures/nft_trace_icmp6.nlmsg");
const NFT_VETH_DROP4: &[u8] = include_bytes!("fixtures/nft_trace_veth_drop4.nlmsg");
const NFT_FORWARD4: &[u8] = include_bytes!("fixtures/nft_trace_forward4.nlmsg");
const NFT_DUMP_TABLES: &[u8] = include_bytes!("fixtures/nft_dump_tables.nlmsg");
const NFLOG_UDP4: &[u8] = include_bytes!("fixtures/nflog_trace_udp4.nlmsg");
const NFLOG_UDP6: &[u8] = include_bytes!("fixtures/nflog_trace_udp6.nlmsg");
const NFLOG_TCP4: &[u8] = include_bytes!("fixtures/nflog_trace_tcp4.nlmsg");
const NFLOG_TCP6: &[u8] = include_bytes!("fixtures/nflog_trace_tcp6.nlmsg");
const NFLOG_ICMP4: &[u8] = include_bytes!("fixtures/nflog_trace_icmp4.nlmsg");
const NFLOG_ICMP6: &[u8] = include_bytes!("fixtures/nflog_trace_icmp6.nlmsg");
const NFLOG_VETH_DROP4: &[u8] = include_bytes!("fixtures/nflog_trace_veth_drop4.nlmsg");
const NFLOG_CONFIG_ACKS: &[u8] = include_bytes!("fixtures/nflog_config_acks.nlmsg");
const NFLOG_NETDEV_VLAN: &[u8] = include_bytes!("fixtures/nflog_netdev_vlan.nlmsg");

const NFT_CAPTURES: [(&str, &[u8], u8); 8] = [
    ("nft_trace_udp4", NFT_UDP4, NFPROTO_IPV4),
    ("nft_trace_udp6", NFT_UDP6, NFPROTO_IPV6),
    ("nft_trace_tcp4", NFT_TCP4, NFPROTO_IPV4),
    ("nft_trace_tcp6", NFT_TCP6, NFPROTO_IPV6),
    ("nft_trace_icmp4", NFT_ICMP4, NFPROTO_IPV4),
    ("nft_trace_icmp6", NFT_ICMP6, NFPROTO_IPV6),
    ("nft_trace_veth_drop4", NFT_VETH_DROP4, NFPROTO_IPV4),
    ("nft_trace_forward4", NFT_FORWARD4, NFPROTO_IPV4),
];

const NFLOG_CAPTURES: [(&str, &[u8], u8); 7] = [
    ("nflog_trace_udp4", NFLOG_UDP4, NFPROTO_IPV4),
    ("nflog_trace_udp6", NFLOG_UDP6, NFPROTO_IPV6),
    ("nflog_trace_tcp4", NFLOG_TCP4, NFPROTO_IPV4),
    ("nflog_trace_tcp6", NFLOG_TCP6, NFPROTO_IPV6),
    ("nflog_trace_icmp4", NFLOG_ICMP4, NFPROTO_IPV4),
    ("nflog_trace_icmp6", NFLOG_ICMP6, NFPROTO_IPV6),
    ("nflog_trace_veth_drop4", NFLOG_VETH_DROP4, NFPROTO_IPV4),
];

const TABLE: &str = "nftrace_fixture";
/// Ports the capture script uses (`capture.py`).
const UDP_SPORT: u16 = 40100;
const TCP_SPORT: u16 = 40101;
const UDP_DPORT: u16 = 40001;
const TCP_DPORT: u16 = 40003;
const DROP_DPORT: u16 = 40009;
const LOOPBACK_IFINDEX: u32 = 1;
const ARPHRD_ETHER: u16 = 1;
const ARPHRD_LOOPBACK: u16 = 772;
const MARK: u32 = 0x2a;

/// Splits a capture into the datagrams it was received as: a datagram ends after a message
/// that is not part of a multipart message, or after `NLMSG_DONE`.
fn datagrams(capture: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut start, mut pos) = (0, 0);
    while pos + 16 <= capture.len() {
        let len = u32::from_ne_bytes(capture[pos..pos + 4].try_into().unwrap()) as usize;
        let ty = u16::from_ne_bytes(capture[pos + 4..pos + 6].try_into().unwrap());
        let flags = u16::from_ne_bytes(capture[pos + 6..pos + 8].try_into().unwrap());
        assert!(len >= 16);
        pos = (pos + len + 3) & !3;
        if flags & NLM_F_MULTI == 0 || ty == NLMSG_DONE {
            out.push(&capture[start..pos.min(capture.len())]);
            start = pos;
        }
    }
    assert_eq!(pos, capture.len(), "trailing bytes");
    out
}

fn events(capture: &[u8]) -> Vec<Event<'_>> {
    datagrams(capture)
        .into_iter()
        .flat_map(decode_datagram)
        .collect::<Result<_, _>>()
        .unwrap()
}

fn traces(capture: &[u8]) -> Vec<TraceEvent<'_>> {
    events(capture)
        .into_iter()
        .map(|e| match e {
            Event::Trace(t) => t,
            other => panic!("not a trace event: {other:?}"),
        })
        .collect()
}

fn records(capture: &[u8]) -> Vec<NflogPacket<'_>> {
    events(capture)
        .into_iter()
        .map(|e| match e {
            Event::Nflog(p) => p,
            other => panic!("not an nflog record: {other:?}"),
        })
        .collect()
}

/// (source, destination, protocol) of an IPv4 header.
fn ipv4(header: &[u8]) -> ([u8; 4], [u8; 4], u8) {
    assert_eq!(header[0], 0x45, "IPv4 without options");
    (
        header[12..16].try_into().unwrap(),
        header[16..20].try_into().unwrap(),
        header[9],
    )
}

/// (source, destination, next header) of an IPv6 header.
fn ipv6(header: &[u8]) -> ([u8; 16], [u8; 16], u8) {
    assert_eq!(header[0] >> 4, 6);
    (
        header[8..24].try_into().unwrap(),
        header[24..40].try_into().unwrap(),
        header[6],
    )
}

/// (source port, destination port) of a TCP or UDP header.
fn ports(transport: &[u8]) -> (u16, u16) {
    (
        u16::from_be_bytes([transport[0], transport[1]]),
        u16::from_be_bytes([transport[2], transport[3]]),
    )
}

const LOCALHOST4: [u8; 4] = [127, 0, 0, 1];
const LOCALHOST6: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const UDP: u8 = 17;
const TCP: u8 = 6;

/// The same event with the per-capture values taken from `got`, for a full comparison.
fn with_volatile<'a>(expected: TraceEvent<'a>, got: &TraceEvent<'a>) -> TraceEvent<'a> {
    TraceEvent {
        id: got.id,
        ct_id: got.ct_id,
        network_header: got.network_header,
        transport_header: got.transport_header,
        ..expected
    }
}

/// A trace event with the fields every event of these captures has.
fn base<'a>(chain: &'a str, trace_type: TraceType) -> TraceEvent<'a> {
    TraceEvent {
        family: NFPROTO_INET,
        nfproto: NFPROTO_IPV4,
        table: TABLE,
        chain,
        rule_handle: None,
        trace_type,
        verdict: None,
        policy: None,
        id: TraceId(0),
        ll_header: None,
        network_header: None,
        transport_header: None,
        iif: None,
        iif_type: None,
        oif: None,
        oif_type: None,
        mark: None,
        ct_id: None,
        ct_direction: None,
        ct_status: None,
        ct_state: None,
        unknown_attributes: 0,
    }
}

#[test]
fn every_captured_message_decodes() {
    for (name, capture, nfproto) in NFT_CAPTURES {
        let all = traces(capture);
        assert!(!all.is_empty(), "{name}");
        for t in &all {
            assert_eq!(
                (t.family, t.nfproto, t.table),
                (NFPROTO_INET, nfproto, TABLE),
                "{name}"
            );
            assert_eq!(t.unknown_attributes, 0, "{name}");
            assert!(
                matches!(t.trace_type, TraceType::Rule | TraceType::Policy),
                "{name}"
            );
            // Policy events carry the policy and no verdict; rule events the reverse.
            assert_eq!(
                t.trace_type == TraceType::Policy,
                t.policy.is_some(),
                "{name}"
            );
            assert_eq!(
                t.trace_type == TraceType::Rule,
                t.verdict.is_some(),
                "{name}"
            );
        }
    }
    for (name, capture, family) in NFLOG_CAPTURES {
        let all = records(capture);
        assert!(!all.is_empty(), "{name}");
        for (i, p) in all.iter().enumerate() {
            assert_eq!(
                (p.family, p.group, p.unknown_attributes),
                (family, 0, 0),
                "{name}"
            );
            assert!(
                matches!(p.log_prefix(), Some(LogPrefix::Trace(_))),
                "{name}"
            );
            // Each capture is a fresh nflog instance: SEQ counts from 0; SEQ_GLOBAL counts
            // every record of the namespace, one by one.
            assert_eq!(p.seq, Some(i as u32), "{name}");
            assert_eq!(
                p.seq_global,
                Some(all[0].seq_global.unwrap() + i as u32),
                "{name}"
            );
            let payload = p.payload.unwrap();
            assert!(payload.len() <= 128, "copy range 128");
            let version = if family == NFPROTO_IPV4 { 4 } else { 6 };
            assert_eq!(payload[0] >> 4, version, "{name}");
        }
    }
}

#[test]
fn acks_errors_and_dumps_are_their_own_events() {
    let acks = events(NFLOG_CONFIG_ACKS);
    assert_eq!(acks.len(), 5);
    for (i, event) in acks.iter().enumerate() {
        let Event::Error(e) = event else {
            panic!("{event:?}")
        };
        // Four config steps acknowledged, then EPERM for the second socket's bind.
        let expected = if i < 4 { None } else { Some(libc::EPERM) };
        assert_eq!(e.errno(), expected);
    }
    let dump = events(NFT_DUMP_TABLES);
    assert_eq!(dump.len(), 2);
    assert!(matches!(dump[0], Event::Other(m) if m.header.ty == 0x0a00));
    assert!(matches!(dump[1], Event::Done(m) if m.header.ty == NLMSG_DONE));
}

/// One UDP datagram 127.0.0.1:40100 -> 127.0.0.1:40001 through the fixture's ruleset, as
/// this kernel (6.18) reports it: every chain's end is a RULE/continue event without handle.
#[test]
fn the_path_of_one_udp_datagram() {
    let path: Vec<_> = traces(NFT_UDP4)
        .iter()
        .map(|t| {
            (
                t.chain,
                t.trace_type,
                t.rule_handle.is_some(),
                t.verdict.or(t.policy),
            )
        })
        .collect();
    use TraceType::{Policy, Rule};
    assert_eq!(
        path,
        [
            ("trace_out", Rule, true, Some(Verdict::Continue)), // meta nftrace set 1
            ("trace_out", Rule, false, Some(Verdict::Continue)), // end of chain
            ("trace_out", Policy, false, Some(Verdict::Accept)),
            ("filter_out", Rule, true, Some(Verdict::Jump("mark_it"))),
            ("mark_it", Rule, true, Some(Verdict::Continue)), // meta mark set 0x2a
            ("mark_it", Rule, false, Some(Verdict::Continue)), // implicit return
            ("filter_out", Rule, false, Some(Verdict::Continue)),
            ("filter_out", Policy, false, Some(Verdict::Accept)),
            ("trace_pre", Rule, true, Some(Verdict::Continue)),
            ("trace_pre", Rule, false, Some(Verdict::Continue)),
            ("trace_pre", Policy, false, Some(Verdict::Accept)),
            ("filter_in", Rule, false, Some(Verdict::Continue)), // no rule matched
            ("filter_in", Policy, false, Some(Verdict::Accept)),
        ]
    );
}

#[test]
fn trace_ids_follow_the_skb() {
    // Loopback gives the packet a new skb_iif, so the output hooks and the input hooks see
    // two ids; within each side the id is constant.
    let all = traces(NFT_UDP4);
    let out_id = all[0].id;
    let in_id = all[8].id;
    assert_ne!(out_id, in_id);
    assert!(all[..8].iter().all(|t| t.id == out_id));
    assert!(all[8..].iter().all(|t| t.id == in_id));
    let shown = out_id.to_string();
    assert_eq!(shown.len(), 8);
    assert_eq!(
        u32::from_str_radix(&shown, 16).unwrap(),
        u32::from_be(out_id.0)
    );
}

#[test]
fn rule_with_continue_and_packet_snapshot() {
    let got = traces(NFT_UDP4)[0];
    let expected = TraceEvent {
        rule_handle: Some(got.rule_handle.unwrap()),
        verdict: Some(Verdict::Continue),
        oif: Some(LOOPBACK_IFINDEX),
        oif_type: Some(ARPHRD_LOOPBACK),
        ..base("trace_out", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
    let net = got.network_header.unwrap();
    assert_eq!(net.len(), 20);
    assert_eq!(ipv4(net), (LOCALHOST4, LOCALHOST4, UDP));
    assert_eq!(ports(got.transport_header.unwrap()), (UDP_SPORT, UDP_DPORT));
    // UDP header plus 12 bytes of the payload "nftrace fixture".
    assert_eq!(&got.transport_header.unwrap()[8..], b"nftrace fixt");
    // Output hooks have no MAC header; the first chain runs before conntrack.
    assert_eq!((got.ll_header, got.ct_state), (None, None));
}

#[test]
fn jump_with_conntrack() {
    let all = traces(NFT_UDP4);
    let got = all[3];
    let expected = TraceEvent {
        rule_handle: got.rule_handle,
        verdict: Some(Verdict::Jump("mark_it")),
        oif: Some(LOOPBACK_IFINDEX),
        oif_type: Some(ARPHRD_LOOPBACK),
        ct_direction: Some(CtDirection::Original),
        ct_state: Some(NF_CT_STATE_NEW_BIT),
        ..base("filter_out", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
    assert!(got.rule_handle.unwrap() > all[0].rule_handle.unwrap());
    assert_eq!(got.network_header, all[0].network_header);
    // The entry is not confirmed yet on output: no status bits, which the kernel omits.
    assert_eq!(got.ct_status, None);
    assert!(got.ct_id.is_some());
    // The same conntrack entry on the input side, now confirmed.
    let input = all[11];
    assert_eq!(input.ct_id, got.ct_id);
    assert_eq!(input.ct_status, Some(IPS_CONFIRMED));
    assert_eq!(got.ct_id_u32(), got.ct_id.map(u32::from_be_bytes));
}

#[test]
fn rule_in_user_chain_sets_the_mark() {
    let all = traces(NFT_UDP4);
    let got = all[4];
    let expected = TraceEvent {
        rule_handle: got.rule_handle,
        verdict: Some(Verdict::Continue),
        mark: Some(MARK),
        ..base("mark_it", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
    // Handles are allocated in order within the table: the jump rule came before.
    assert_eq!(got.rule_handle, all[3].rule_handle.map(|h| h + 1));
    // No snapshot after the first event of the base chain.
    assert_eq!((got.network_header, got.oif), (None, None));
    // Before the mark rule the packet had no mark: the kernel sends none.
    assert!(all[..4].iter().all(|t| t.mark.is_none()));
    assert!(all[4..].iter().all(|t| t.mark == Some(MARK)));
}

#[test]
fn implicit_end_of_a_chain_is_continue_without_handle() {
    let got = traces(NFT_UDP4)[5];
    let expected = TraceEvent {
        verdict: Some(Verdict::Continue),
        mark: Some(MARK),
        ..base("mark_it", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
}

#[test]
fn policy_accept_with_mark() {
    let got = traces(NFT_UDP4)[7];
    let expected = TraceEvent {
        policy: Some(Verdict::Accept),
        mark: Some(MARK),
        ..base("filter_out", TraceType::Policy)
    };
    assert_eq!(got, with_volatile(expected, &got));
}

#[test]
fn explicit_return_and_accept() {
    // A SYN to 127.0.0.1:40003: `tcp dport 40003 return` in mark_it, then
    // `tcp dport 40003 accept` in filter_in.
    let all = traces(NFT_TCP4);
    let ret = all[5];
    let expected = TraceEvent {
        rule_handle: ret.rule_handle,
        verdict: Some(Verdict::Return),
        mark: Some(MARK),
        ..base("mark_it", TraceType::Rule)
    };
    assert_eq!(ret, with_volatile(expected, &ret));
    assert_eq!(ret.rule_handle, all[4].rule_handle.map(|h| h + 1));

    let accept = all[11];
    let expected = TraceEvent {
        rule_handle: accept.rule_handle,
        verdict: Some(Verdict::Accept),
        mark: Some(MARK),
        iif: Some(LOOPBACK_IFINDEX),
        iif_type: Some(ARPHRD_LOOPBACK),
        // Loopback's fake Ethernet header: zero addresses, ethertype IPv4.
        ll_header: Some(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]),
        ct_direction: Some(CtDirection::Original),
        ct_state: Some(NF_CT_STATE_NEW_BIT),
        ct_status: Some(IPS_CONFIRMED),
        ..base("filter_in", TraceType::Rule)
    };
    assert_eq!(accept, with_volatile(expected, &accept));
    assert_eq!(
        ipv4(accept.network_header.unwrap()),
        (LOCALHOST4, LOCALHOST4, TCP)
    );
    let tcp = accept.transport_header.unwrap();
    assert_eq!(ports(tcp), (TCP_SPORT, TCP_DPORT));
    assert_eq!(tcp[13], 0x02, "SYN");
}

#[test]
fn reply_direction_conntrack() {
    // The kernel's RST answering the SYN: the reply direction of the same entry, which the
    // RST kills (IPS_DYING).
    let all = traces(NFT_TCP4);
    let got = all[15];
    let expected = TraceEvent {
        rule_handle: got.rule_handle,
        verdict: Some(Verdict::Jump("mark_it")),
        oif: Some(LOOPBACK_IFINDEX),
        oif_type: Some(ARPHRD_LOOPBACK),
        ct_direction: Some(CtDirection::Reply),
        ct_state: Some(NF_CT_STATE_ESTABLISHED_BIT),
        ct_status: Some(IPS_SEEN_REPLY | IPS_CONFIRMED | IPS_DYING),
        ..base("filter_out", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
    let tcp = got.transport_header.unwrap();
    assert_eq!(ports(tcp), (TCP_DPORT, TCP_SPORT));
    assert_eq!(tcp[13] & 0x04, 0x04, "RST");
    // One conntrack entry for both directions.
    let ids: Vec<_> = all.iter().filter_map(|t| t.ct_id).collect();
    assert!(ids.len() >= 4);
    assert!(ids.iter().all(|id| *id == ids[0]));
}

#[test]
fn drop_on_a_veth() {
    // UDP from the peer namespace (10.99.0.2) to 10.99.0.1:40009: `udp dport 40009 drop`.
    let all = traces(NFT_VETH_DROP4);
    assert_eq!(all.len(), 4);
    let got = all[3];
    let ll = got.ll_header.unwrap();
    let expected = TraceEvent {
        rule_handle: got.rule_handle,
        verdict: Some(Verdict::Drop { errno: 0 }),
        iif: got.iif,
        iif_type: Some(ARPHRD_ETHER),
        ll_header: Some(ll),
        ct_direction: Some(CtDirection::Original),
        ct_state: Some(NF_CT_STATE_NEW_BIT),
        ..base("filter_in", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
    assert_ne!(got.iif, Some(LOOPBACK_IFINDEX));
    // An Ethernet header: two MAC addresses, ethertype IPv4.
    assert_eq!(ll.len(), 14);
    assert_eq!(&ll[12..], &[0x08, 0x00]);
    assert_ne!(&ll[0..6], &ll[6..12]);
    assert_eq!(
        ipv4(got.network_header.unwrap()),
        ([10, 99, 0, 2], [10, 99, 0, 1], UDP)
    );
    assert_eq!(
        ports(got.transport_header.unwrap()),
        (UDP_SPORT, DROP_DPORT)
    );
    // Nothing after the drop.
    assert_eq!(all[0].chain, "trace_pre");
}

#[test]
fn forward_has_both_interfaces() {
    let all = traces(NFT_FORWARD4);
    let got = all[3];
    assert_eq!((got.chain, got.trace_type), ("filter_fwd", TraceType::Rule));
    assert_eq!(got.verdict, Some(Verdict::Continue)); // ct state new counter
    assert_eq!(
        (got.iif_type, got.oif_type),
        (Some(ARPHRD_ETHER), Some(ARPHRD_ETHER))
    );
    assert!(got.iif.is_some() && got.oif.is_some() && got.iif != got.oif);
    let net = got.network_header.unwrap();
    assert_eq!(ipv4(net), ([10, 99, 0, 2], [10, 99, 1, 2], UDP));
    // Routed: the TTL is one less than in prerouting.
    assert_eq!(net[8] + 1, all[0].network_header.unwrap()[8]);
    assert_eq!(ports(got.transport_header.unwrap()), (UDP_SPORT, UDP_DPORT));
    // The far side has no listener: its ICMP port unreachable comes back through forward.
    let icmp = all
        .iter()
        .filter(|t| t.chain == "filter_fwd" && t.network_header.is_some())
        .nth(1)
        .unwrap();
    assert_eq!(ipv4(icmp.network_header.unwrap()).2, 1);
    assert_eq!(icmp.iif, got.oif);
    assert_eq!(icmp.oif, got.iif);
}

#[test]
fn ipv6_trace_event() {
    let got = traces(NFT_UDP6)[0];
    let expected = TraceEvent {
        nfproto: NFPROTO_IPV6,
        rule_handle: got.rule_handle,
        verdict: Some(Verdict::Continue),
        oif: Some(LOOPBACK_IFINDEX),
        oif_type: Some(ARPHRD_LOOPBACK),
        ..base("trace_out", TraceType::Rule)
    };
    assert_eq!(got, with_volatile(expected, &got));
    let net = got.network_header.unwrap();
    assert_eq!(net.len(), 40);
    assert_eq!(ipv6(net), (LOCALHOST6, LOCALHOST6, UDP));
    assert_eq!(ports(got.transport_header.unwrap()), (UDP_SPORT, UDP_DPORT));
}

#[test]
fn nflog_ipv4_input_record() {
    // `TRACE: raw:PREROUTING:rule:1 ` of the UDP datagram over lo.
    let all = records(NFLOG_UDP4);
    let got = all[5];
    let expected = NflogPacket {
        family: NFPROTO_IPV4,
        group: 0,
        hw_protocol: 0x0800,
        hook: 0, // NF_INET_PRE_ROUTING
        mark: Some(MARK),
        timestamp: got.timestamp,
        indev: Some(LOOPBACK_IFINDEX),
        outdev: None,
        physindev: None,
        physoutdev: None,
        hwaddr: Some(nftrace::wire::HwAddr {
            len: 6,
            addr: [0; 8],
        }),
        payload: got.payload,
        prefix: Some(b"TRACE: raw:PREROUTING:rule:1 "),
        uid: None,
        gid: None,
        seq: Some(5),
        seq_global: got.seq_global,
        hwtype: Some(ARPHRD_LOOPBACK),
        hwlen: Some(14),
        hwheader: Some(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]),
        ct: None,
        ct_info: None,
        vlan: None,
        l2hdr: None,
        unknown_attributes: 0,
    };
    assert_eq!(got, expected);
    assert_eq!(
        got.trace_step(),
        Some(TraceStep {
            table: "raw",
            chain: "PREROUTING",
            kind: StepKind::Rule,
            number: 1
        })
    );
    let payload = got.payload.unwrap();
    assert_eq!(ipv4(payload), (LOCALHOST4, LOCALHOST4, UDP));
    assert_eq!(ports(&payload[20..]), (UDP_SPORT, UDP_DPORT));
    assert_eq!(&payload[28..], b"nftrace fixture");
    // The timestamp is close to the others of the same packet.
    let ts = got.timestamp.unwrap();
    let next = all[6].timestamp.unwrap();
    assert!(ts.usec < 1_000_000 && ts.sec > 1_600_000_000);
    assert!((next.sec, next.usec) >= (ts.sec, ts.usec));
    // Output-side records have none (hook LOCAL_OUT).
    assert!(all[..5]
        .iter()
        .all(|p| p.timestamp.is_none() && p.hook == 3));
}

#[test]
fn nflog_ipv6_output_record() {
    let got = records(NFLOG_UDP6)[0];
    let expected = NflogPacket {
        family: NFPROTO_IPV6,
        group: 0,
        hw_protocol: 0x86dd,
        hook: 3, // NF_INET_LOCAL_OUT
        mark: None,
        timestamp: None,
        indev: None,
        outdev: Some(LOOPBACK_IFINDEX),
        physindev: None,
        physoutdev: None,
        hwaddr: None,
        payload: got.payload,
        prefix: Some(b"TRACE: raw:OUTPUT:policy:2 "),
        uid: Some(0),
        gid: Some(0),
        seq: Some(0),
        seq_global: got.seq_global,
        hwtype: None,
        hwlen: None,
        hwheader: None,
        ct: None,
        ct_info: None,
        vlan: None,
        l2hdr: None,
        unknown_attributes: 0,
    };
    assert_eq!(got, expected);
    let payload = got.payload.unwrap();
    assert_eq!(payload.len(), 40 + 8 + 15);
    assert_eq!(ipv6(payload), (LOCALHOST6, LOCALHOST6, UDP));
    assert_eq!(ports(&payload[40..]), (UDP_SPORT, UDP_DPORT));
}

#[test]
fn nflog_veth_record_has_the_senders_mac() {
    let all = records(NFLOG_VETH_DROP4);
    let steps: Vec<_> = all.iter().map(|p| p.trace_step().unwrap()).collect();
    assert_eq!(
        steps,
        [
            TraceStep {
                table: "raw",
                chain: "PREROUTING",
                kind: StepKind::Policy,
                number: 2
            },
            // INPUT rule 2: -p udp --dport 40009 -j DROP.
            TraceStep {
                table: "filter",
                chain: "INPUT",
                kind: StepKind::Rule,
                number: 2
            },
        ]
    );
    let got = all[1];
    assert_eq!(got.hwtype, Some(ARPHRD_ETHER));
    let hwheader = got.hwheader.unwrap();
    let hwaddr = got.hwaddr.unwrap();
    assert_eq!(hwaddr.bytes().len(), 6);
    // The source MAC is the hardware header's second address.
    assert_eq!(hwaddr.bytes(), &hwheader[6..12]);
    assert_eq!(ipv4(got.payload.unwrap()).0, [10, 99, 0, 2]);
}

#[test]
fn nflog_paths_per_protocol() {
    fn steps(capture: &[u8]) -> Vec<String> {
        records(capture)
            .iter()
            .map(|p| {
                let s = p.trace_step().unwrap();
                format!("{}:{}:{}:{}", s.table, s.chain, s.kind.as_str(), s.number)
            })
            .collect()
    }
    // The SYN (through MYCHAIN's RETURN rule 2, accepted by INPUT rule 3), then the kernel's
    // RST (MYCHAIN to its end, accepted as ESTABLISHED by INPUT rule 1).
    let tcp = [
        "raw:OUTPUT:policy:2",
        "filter:OUTPUT:rule:2",
        "filter:MYCHAIN:rule:1",
        "filter:MYCHAIN:rule:2",
        "filter:OUTPUT:policy:3",
        "raw:PREROUTING:rule:1",
        "raw:PREROUTING:policy:2",
        "filter:INPUT:rule:3",
        "raw:OUTPUT:policy:2",
        "filter:OUTPUT:rule:2",
        "filter:MYCHAIN:rule:1",
        "filter:MYCHAIN:return:3",
        "filter:OUTPUT:policy:3",
        "raw:PREROUTING:rule:1",
        "raw:PREROUTING:policy:2",
        "filter:INPUT:rule:1",
    ];
    assert_eq!(steps(NFLOG_TCP4), tcp);
    assert_eq!(steps(NFLOG_TCP6), tcp);
    // ICMP matches no OUTPUT rule; the echo request meets INPUT's policy, the reply the
    // ESTABLISHED rule.
    let icmp = [
        "raw:OUTPUT:policy:2",
        "filter:OUTPUT:policy:3",
        "raw:PREROUTING:rule:1",
        "raw:PREROUTING:policy:2",
        "filter:INPUT:policy:4",
        "raw:OUTPUT:policy:2",
        "filter:OUTPUT:policy:3",
        "raw:PREROUTING:rule:1",
        "raw:PREROUTING:policy:2",
        "filter:INPUT:rule:1",
    ];
    assert_eq!(steps(NFLOG_ICMP4), icmp);
    assert_eq!(steps(NFLOG_ICMP6), icmp);
}

#[test]
fn nflog_netdev_record_with_vlan_and_l2hdr() {
    // A UDP frame tagged VLAN 10, written raw on peer's veth and logged by
    // `log prefix "nftrace vlan " group 0` in a netdev ingress chain on v-main. The kernel
    // moved the tag out of the frame (skb_vlan_untag) before the hook.
    let all = records(NFLOG_NETDEV_VLAN);
    assert_eq!(all.len(), 1);
    let got = all[0];
    let hwheader = got.hwheader.unwrap();
    let expected = NflogPacket {
        family: NFPROTO_NETDEV,
        group: 0,
        hw_protocol: 0x0800,
        hook: 0, // NF_NETDEV_INGRESS
        mark: None,
        timestamp: got.timestamp,
        indev: got.indev,
        outdev: None,
        physindev: None,
        physoutdev: None,
        hwaddr: got.hwaddr,
        payload: got.payload,
        prefix: Some(b"nftrace vlan "),
        uid: got.uid,
        gid: got.gid,
        seq: Some(0),
        seq_global: got.seq_global,
        hwtype: Some(ARPHRD_ETHER),
        hwlen: Some(14),
        hwheader: Some(hwheader),
        ct: None,
        ct_info: None,
        vlan: Some(nftrace::wire::NflogVlan {
            proto: Some(0x8100),
            tci: Some(10),
        }),
        // The MAC header without the tag: the same bytes as the hardware header.
        l2hdr: Some(hwheader),
        unknown_attributes: 0,
    };
    assert_eq!(got, expected);
    assert_eq!(got.log_prefix(), Some(LogPrefix::Other("nftrace vlan ")));
    assert_eq!(got.trace_step(), None);
    assert_eq!(&hwheader[12..], &[0x08, 0x00]);
    assert_eq!(got.hwaddr.unwrap().bytes(), &hwheader[6..12]);
    assert_ne!(got.indev, Some(LOOPBACK_IFINDEX));
    let payload = got.payload.unwrap();
    assert_eq!(ipv4(payload), ([10, 99, 10, 2], [10, 99, 10, 1], UDP));
    assert_eq!(ports(&payload[20..]), (UDP_SPORT, UDP_DPORT));
}

#[test]
fn no_single_byte_change_panics() {
    // Every byte of every captured datagram set to 0x00, 0xff and its value + 1, then
    // decoded: each item must be an event or an error, and the walk must end.
    let captures = NFT_CAPTURES
        .iter()
        .chain(NFLOG_CAPTURES.iter())
        .map(|(_, bytes, _)| *bytes)
        .chain([NFT_DUMP_TABLES, NFLOG_CONFIG_ACKS, NFLOG_NETDEV_VLAN]);
    let mut decoded = 0usize;
    let mut errors = 0usize;
    for capture in captures {
        for datagram in datagrams(capture) {
            let mut bytes = datagram.to_vec();
            for i in 0..bytes.len() {
                let original = bytes[i];
                for value in [0x00, 0xff, original.wrapping_add(1)] {
                    bytes[i] = value;
                    for item in decode_datagram(&bytes) {
                        match item {
                            Ok(_) => decoded += 1,
                            Err(e) => {
                                errors += 1;
                                assert!(!e.to_string().is_empty());
                            }
                        }
                    }
                }
                bytes[i] = original;
            }
        }
    }
    // Most single-byte changes hit a payload or a value; a good share hit a length or a
    // type the decoder checks.
    assert!(decoded > errors, "{decoded} decoded, {errors} errors");
    assert!(errors > 1000, "{errors} errors");
}

#[test]
fn decoded_types_are_copy() {
    // Copy types cannot own heap memory: decoding cannot allocate per event or attribute.
    fn copy<T: Copy>() {}
    copy::<Event<'static>>();
    copy::<TraceEvent<'static>>();
    copy::<NflogPacket<'static>>();
    copy::<nftrace::wire::DecodeError>();
}
