//! Correlation speed, on the events captured from the kernel in `tests/fixtures/`: each
//! nf_tables trace capture and nflog TRACE capture is decoded, turned into observations and
//! grouped into packet paths, as `nftrace` does for every event it receives (without a ruleset
//! snapshot: resolution is measured by the ruleset benchmarks).
//!
//! - `correlate/observe+push`: `Observer` + `Correlator::push` per event, paths closed and
//!   finished (ordering, changes, fate) at the end of each round.
//!
//! Throughput is in events. Run `cargo bench --bench correlate`; results go to BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nftrace::correlate::{CorrelateConfig, Correlator, Observer};
use nftrace::wire::{decode_capture, Event};

const CAPTURES: [&[u8]; 8] = [
    include_bytes!("../tests/fixtures/nft_trace_udp4.nlmsg"),
    include_bytes!("../tests/fixtures/nft_trace_tcp4.nlmsg"),
    include_bytes!("../tests/fixtures/nft_trace_icmp6.nlmsg"),
    include_bytes!("../tests/fixtures/nft_trace_forward4.nlmsg"),
    include_bytes!("../tests/fixtures/nflog_trace_udp4.nlmsg"),
    include_bytes!("../tests/fixtures/nflog_trace_tcp6.nlmsg"),
    include_bytes!("../tests/fixtures/nflog_trace_icmp4.nlmsg"),
    include_bytes!("../tests/fixtures/nflog_trace_veth_drop4.nlmsg"),
];

fn events_in(capture: &[u8]) -> u64 {
    decode_capture(capture)
        .filter(|e| matches!(e, Ok(Event::Trace(_) | Event::Nflog(_))))
        .count() as u64
}

fn bench(c: &mut Criterion) {
    let events: u64 = CAPTURES.iter().map(|c| events_in(c)).sum();
    let mut group = c.benchmark_group("correlate");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(events));
    group.bench_function("observe+push", |b| {
        let received = SystemTime::now();
        b.iter(|| {
            let mut correlator = Correlator::new(CorrelateConfig::default());
            let mut observer = Observer::default();
            let now = Instant::now();
            for capture in CAPTURES {
                for event in decode_capture(capture).flatten() {
                    let observation = match &event {
                        Event::Trace(trace) => observer.trace(None, received, trace),
                        Event::Nflog(record) => observer.nflog(None, received, record),
                        _ => None,
                    };
                    if let Some(observation) = observation {
                        correlator.push(observation, now);
                    }
                }
            }
            correlator.close_all();
            black_box(correlator.take_finished())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
