//! The correlator on events the kernel sent (the captures in tests/fixtures, decoded without
//! a ruleset snapshot, so positions come only from nflog hooks and identity from headers).

use std::time::{Duration, Instant, SystemTime};

use super::*;
use crate::wire::{decode_capture, Event};

const NFT_UDP4: &[u8] = include_bytes!("../../tests/fixtures/nft_trace_udp4.nlmsg");
const NFT_ICMP4: &[u8] = include_bytes!("../../tests/fixtures/nft_trace_icmp4.nlmsg");
const NFT_FORWARD4: &[u8] = include_bytes!("../../tests/fixtures/nft_trace_forward4.nlmsg");
const NFLOG_UDP4: &[u8] = include_bytes!("../../tests/fixtures/nflog_trace_udp4.nlmsg");
const NFLOG_TCP4: &[u8] = include_bytes!("../../tests/fixtures/nflog_trace_tcp4.nlmsg");
const NFLOG_DROP4: &[u8] = include_bytes!("../../tests/fixtures/nflog_trace_veth_drop4.nlmsg");

/// Every trace event and TRACE record of a capture, as observations.
fn observations(capture: &[u8]) -> Vec<Observation> {
    let mut observer = Observer::default();
    let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    decode_capture(capture)
        .filter_map(|event| match event.expect("captured bytes decode") {
            Event::Trace(trace) => observer.trace(None, received, &trace),
            Event::Nflog(record) => observer.nflog(None, received, &record),
            _ => None,
        })
        .collect()
}

fn correlate(captures: &[&[u8]], config: CorrelateConfig) -> (Vec<PacketPath>, Correlator) {
    let mut correlator = Correlator::new(config);
    let now = Instant::now();
    for capture in captures {
        for observation in observations(capture) {
            correlator.push(observation, now);
        }
    }
    correlator.close_all();
    (correlator.take_finished(), correlator)
}

fn labels(path: &PacketPath) -> Vec<String> {
    path.hops.iter().map(Hop::step_label).collect()
}

#[test]
fn loopback_packet_is_one_path_across_its_two_trace_ids() {
    let (paths, correlator) = correlate(&[NFT_UDP4], CorrelateConfig::default());
    assert_eq!(paths.len(), 1, "{paths:#?}");
    let path = &paths[0];
    // Output and input passes carry different ids (loopback sets a new iif).
    assert_eq!(path.trace_ids.len(), 2, "{:?}", path.trace_ids);
    assert_eq!(correlator.stats().stitched, 1);
    assert!(path.complete);
    let packet = path.packet.expect("headers");
    assert_eq!(packet.dst_port, Some(40001));
    assert_eq!(packet.src_port, Some(40100));
    // The user chain's mark rule shows the mark change on its own hop.
    let marked = path
        .hops
        .iter()
        .find(|h| h.changes.contains(&Change::Mark { from: 0, to: 0x2a }))
        .expect("a hop that changed the mark");
    assert_eq!(marked.chain, "mark_it");
    // Coming back in through loopback is an input interface appearing.
    assert!(
        path.hops.iter().any(|h| matches!(
            &h.changes[..],
            [
                Change::Iif {
                    from: None,
                    to: Some(_)
                },
                ..
            ]
        )),
        "{path:#?}"
    );
}

#[test]
fn request_and_reply_are_two_paths() {
    let (paths, _) = correlate(&[NFT_ICMP4], CorrelateConfig::default());
    assert_eq!(
        paths.len(),
        2,
        "{:#?}",
        paths.iter().map(labels).collect::<Vec<_>>()
    );
    let request = paths[0].packet.expect("headers");
    let reply = paths[1].packet.expect("headers");
    assert_eq!(request.icmp_type, Some(8));
    assert_eq!(reply.icmp_type, Some(0));
}

#[test]
fn the_same_packet_again_is_a_new_path() {
    // The same packet bytes twice: identical headers, but the second raw:OUTPUT step cannot
    // follow the first packet's filter:INPUT, so it is a second packet.
    let (paths, _) = correlate(&[NFLOG_UDP4, NFLOG_UDP4], CorrelateConfig::default());
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].hops.len(), paths[1].hops.len());
}

#[test]
fn forwarded_packet_and_its_icmp_error_are_separate() {
    let (paths, _) = correlate(&[NFT_FORWARD4], CorrelateConfig::default());
    assert_eq!(
        paths.len(),
        2,
        "{:#?}",
        paths.iter().map(labels).collect::<Vec<_>>()
    );
    assert_eq!(paths[0].packet.map(|p| p.dst_port), Some(Some(40001)));
    assert_eq!(paths[1].packet.map(|p| p.icmp_type), Some(Some(3)));
}

#[test]
fn nflog_records_group_by_packet_in_kernel_order() {
    let (paths, _) = correlate(&[NFLOG_UDP4], CorrelateConfig::default());
    assert_eq!(
        paths.len(),
        1,
        "{:#?}",
        paths.iter().map(labels).collect::<Vec<_>>()
    );
    let path = &paths[0];
    assert_eq!(path.source, PathSource::Nflog);
    assert_eq!(
        labels(path),
        [
            "raw:OUTPUT:policy:2",
            "filter:OUTPUT:rule:1",
            "filter:MYCHAIN:rule:1",
            "filter:MYCHAIN:return:3",
            "filter:OUTPUT:policy:3",
            // Already traced, the packet's own TRACE rule is logged on the way back in.
            "raw:PREROUTING:rule:1",
            "raw:PREROUTING:policy:2",
            "filter:INPUT:policy:4",
        ]
    );
    // Without the table nftrace cannot know whether the INPUT policy accepts.
    assert!(matches!(path.fate, Fate::Unknown { .. }), "{:?}", path.fate);
}

#[test]
fn nflog_tcp_syn_and_rst_are_two_paths() {
    let (paths, _) = correlate(&[NFLOG_TCP4], CorrelateConfig::default());
    assert_eq!(
        paths.len(),
        2,
        "{:#?}",
        paths.iter().map(labels).collect::<Vec<_>>()
    );
    assert!(paths[0].packet.unwrap().tcp_flags.unwrap().syn());
    assert!(paths[1].packet.unwrap().tcp_flags.unwrap().rst());
}

#[test]
fn without_the_ruleset_a_rule_step_has_no_known_verdict() {
    // nflog does not say what a rule decided; without the table, nftrace must not guess
    // (the last step here is the DROP rule, filter:INPUT:rule:2).
    let (paths, _) = correlate(&[NFLOG_DROP4], CorrelateConfig::default());
    let last = paths
        .iter()
        .find(|p| p.hops.last().map(Hop::step_label).as_deref() == Some("filter:INPUT:rule:2"))
        .expect("the dropped packet's path");
    assert!(matches!(last.fate, Fate::Unknown { .. }), "{:?}", last.fate);
}

#[test]
fn open_paths_are_bounded() {
    let config = CorrelateConfig {
        max_open: 1,
        ..CorrelateConfig::default()
    };
    let mut correlator = Correlator::new(config);
    let now = Instant::now();
    for observation in observations(NFT_ICMP4) {
        correlator.push(observation, now);
        assert!(correlator.open_paths() <= 1);
    }
    correlator.close_all();
    assert_eq!(correlator.take_finished().len(), 2);
}

#[test]
fn losses_make_open_paths_incomplete() {
    let mut correlator = Correlator::new(CorrelateConfig::default());
    let now = Instant::now();
    let mut all = observations(NFT_UDP4).into_iter();
    correlator.push(all.next().unwrap(), now);
    correlator.mark_lost();
    for observation in all {
        correlator.push(observation, now);
    }
    correlator.close_all();
    let paths = correlator.take_finished();
    assert_eq!(paths.len(), 1);
    assert!(!paths[0].complete);
    assert!(matches!(paths[0].fate, Fate::Unknown { .. }));
}

#[test]
fn a_delivered_loopback_packet_only_waits_the_settle_time() {
    let config = CorrelateConfig::default();
    let mut correlator = Correlator::new(config);
    let start = Instant::now();
    for observation in observations(NFLOG_UDP4) {
        correlator.push(observation, start);
    }
    // Out through lo and back in to INPUT: delivered, so settled, not quiet.
    correlator.expire(start + config.settle);
    assert_eq!(correlator.open_paths(), 0);
}

#[test]
fn quiet_paths_expire_and_state_is_released() {
    let mut correlator = Correlator::new(CorrelateConfig::default());
    let start = Instant::now();
    for observation in observations(NFT_UDP4) {
        correlator.push(observation, start);
    }
    correlator.expire(start);
    assert_eq!(correlator.open_paths(), 1);
    correlator.expire(start + Duration::from_secs(2));
    assert_eq!(correlator.open_paths(), 0);
    assert_eq!(correlator.take_finished().len(), 1);
}
