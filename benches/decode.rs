//! Decoding speed, on the bytes captured from the kernel in `tests/fixtures/`:
//!
//! - `trace_message/nftrace`: `wire::decode_datagram` on each `NFT_MSG_TRACE` message;
//! - `trace_message/libnftnl`: libnftnl 1.2.4 on the same bytes in the same run —
//!   `nftnl_trace_alloc`, `nftnl_trace_nlmsg_parse`, a getter for every field it decodes,
//!   `nftnl_trace_free` (what `nft monitor trace` does per event);
//! - `nflog_record/nftrace`: `decode_datagram` on each nfnetlink_log record, and the
//!   iptables-legacy `TRACE: ` prefix parsed;
//! - `packet_summary/from_headers`: `packet::PacketSummary::from_headers` on the network and
//!   transport headers of the trace messages that carry them.
//!
//! Throughput is in elements: messages, records or header sets. Every message is decoded as a
//! datagram of its own, from a copy at an 8-byte aligned address (libnftnl needs it; both
//! decoders read the same copies). Results go to BENCHMARKS.md; run `cargo bench --bench decode`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nftrace::packet::PacketSummary;
use nftrace::wire::{decode_datagram, Event};

#[path = "../tests/libnftnl/mod.rs"]
mod libnftnl;

use libnftnl::{attr, AlignedMessages, Trace};

/// `(NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE`.
const NFT_MSG_TRACE_TYPE: u16 = 0x0a11;
/// `(NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET`.
const NFULNL_MSG_PACKET_TYPE: u16 = 0x0400;

/// The fixtures' messages, sorted by type.
struct Corpus {
    traces: AlignedMessages,
    nflog: AlignedMessages,
    /// `(nfproto, network header, transport header)` of every trace message with headers.
    headers: Vec<(u8, Vec<u8>, Option<Vec<u8>>)>,
}

/// Splits a capture (datagrams one after the other) into its netlink messages.
fn split_messages(capture: &[u8]) -> Vec<&[u8]> {
    let mut messages = Vec::new();
    let mut at = 0;
    while let Some(header) = capture.get(at..at + 16) {
        let len = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let message = capture
            .get(at..at + len)
            .filter(|_| len >= 16)
            .expect("the fixtures are well framed");
        messages.push(message);
        at += (len + 3) & !3;
    }
    messages
}

fn message_type(message: &[u8]) -> u16 {
    u16::from_ne_bytes([message[4], message[5]])
}

impl Corpus {
    fn load() -> Corpus {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/fixtures")
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "nlmsg"))
            .collect();
        paths.sort();
        let captures: Vec<Vec<u8>> = paths
            .iter()
            .map(|path| std::fs::read(path).expect("a fixture"))
            .collect();
        let all: Vec<&[u8]> = captures.iter().flat_map(|c| split_messages(c)).collect();
        let of_type = |ty| all.iter().copied().filter(move |m| message_type(m) == ty);
        let traces = AlignedMessages::new(of_type(NFT_MSG_TRACE_TYPE));
        let nflog = AlignedMessages::new(of_type(NFULNL_MSG_PACKET_TYPE));
        let headers = traces
            .iter()
            .filter_map(|m| match decode_datagram(m.bytes()).next() {
                Some(Ok(Event::Trace(t))) => t.network_header.map(|network| {
                    (
                        t.nfproto,
                        network.to_vec(),
                        t.transport_header.map(<[u8]>::to_vec),
                    )
                }),
                _ => None,
            })
            .collect();
        Corpus {
            traces,
            nflog,
            headers,
        }
    }
}

fn elements(n: usize) -> Throughput {
    Throughput::Elements(u64::try_from(n).expect("fits"))
}

fn trace_messages(c: &mut Criterion, corpus: &Corpus) {
    let mut group = c.benchmark_group("trace_message");
    group.throughput(elements(corpus.traces.len()));
    group.bench_function("nftrace", |b| {
        b.iter(|| {
            for message in corpus.traces.iter() {
                // The event holds every field decoded (lengths checked, strings checked as
                // UTF-8, verdict typed); black_box makes the decoder produce all of it.
                for event in decode_datagram(black_box(message.bytes())) {
                    black_box(event.expect("fixtures decode"));
                }
            }
        })
    });
    group.bench_function("libnftnl", |b| {
        b.iter(|| {
            for message in corpus.traces.iter() {
                let trace = Trace::parse(black_box(message)).expect("fixtures parse");
                black_box(trace.u32(attr::FAMILY));
                black_box(trace.u32(attr::ID));
                black_box(trace.u32(attr::TYPE));
                black_box(trace.str(attr::TABLE));
                black_box(trace.str(attr::CHAIN));
                black_box(trace.u64(attr::RULE_HANDLE));
                black_box(trace.u32(attr::VERDICT));
                black_box(trace.str(attr::JUMP_TARGET));
                black_box(trace.u32(attr::POLICY));
                black_box(trace.u32(attr::NFPROTO));
                black_box(trace.u32(attr::IIF));
                black_box(trace.u16(attr::IIFTYPE));
                black_box(trace.u32(attr::OIF));
                black_box(trace.u16(attr::OIFTYPE));
                black_box(trace.u32(attr::MARK));
                black_box(trace.data(attr::LL_HEADER));
                black_box(trace.data(attr::NETWORK_HEADER));
                black_box(trace.data(attr::TRANSPORT_HEADER));
            }
        })
    });
    group.finish();
}

fn nflog_records(c: &mut Criterion, corpus: &Corpus) {
    let mut group = c.benchmark_group("nflog_record");
    group.throughput(elements(corpus.nflog.len()));
    group.bench_function("nftrace", |b| {
        b.iter(|| {
            for message in corpus.nflog.iter() {
                for event in decode_datagram(black_box(message.bytes())) {
                    if let Event::Nflog(record) = event.expect("fixtures decode") {
                        black_box(record);
                        black_box(record.trace_step());
                    }
                }
            }
        })
    });
    group.finish();
}

fn packet_summaries(c: &mut Criterion, corpus: &Corpus) {
    let mut group = c.benchmark_group("packet_summary");
    group.throughput(elements(corpus.headers.len()));
    group.bench_function("from_headers", |b| {
        b.iter(|| {
            for (nfproto, network, transport) in &corpus.headers {
                black_box(PacketSummary::from_headers(
                    *nfproto,
                    black_box(network),
                    black_box(transport.as_deref()),
                ));
            }
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let corpus = Corpus::load();
    assert!(
        !corpus.traces.is_empty() && !corpus.nflog.is_empty() && !corpus.headers.is_empty(),
        "the fixtures hold trace messages, nflog records and headers"
    );
    trace_messages(c, &corpus);
    nflog_records(c, &corpus);
    packet_summaries(c, &corpus);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = decode
}
criterion_main!(benches);
