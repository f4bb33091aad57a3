//! nftrace embedded: a [`Tracer`] running on a thread inside the forwarder's network namespace,
//! collecting the packet paths of the scenario's traffic.
//!
//! This is the part to copy into another program. A `Tracer` works in the network namespace
//! of the thread that opens it (sockets, ruleset dump, `iptables-*-save`), so the thread enters
//! the namespace first. It reports back once its sockets are open: only traffic sent after that
//! is traced. Then it polls, gathering each path the tracer hands over, until the caller says
//! the traffic is done and the expected number of paths has come (or a guard time passed), and
//! finally closes what is still open with [`Tracer::finish`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use nftrace::correlate::PacketPath;
use nftrace::listen::Sources;
use nftrace::tracer::{Tracer, TracerConfig, TracerStats};

use crate::topology::Netns;

/// How long one `poll` may wait: how quickly the thread notices the traffic is done.
const POLL: Duration = Duration::from_millis(50);

/// After the traffic, how long to wait for the expected paths: only a guard against a
/// scenario that went wrong (every event is queued by the time the last echo is back).
const GUARD: Duration = Duration::from_secs(5);

/// What the tracer saw.
pub struct Traced {
    pub paths: Vec<PacketPath>,
    pub stats: TracerStats,
    /// Problems that limited what the tracer could show (e.g. a rule it could not resolve).
    pub warnings: Vec<String>,
}

/// The tracer thread, open and listening.
pub struct TraceThread {
    traffic_done: Arc<AtomicBool>,
    thread: Option<JoinHandle<anyhow::Result<Traced>>>,
    /// Which kernel sources the tracer listens to, in words.
    pub describe: String,
}

impl TraceThread {
    /// Opens a tracer for `sources` inside `netns`; returns once it is listening.
    /// `expected`: how many paths the traffic makes.
    pub fn start(netns: &Netns, sources: Sources, expected: usize) -> anyhow::Result<Self> {
        let traffic_done = Arc::new(AtomicBool::new(false));
        let (ready, ready_rx) = mpsc::channel();
        let thread = netns.spawn_in("tracer", {
            let traffic_done = Arc::clone(&traffic_done);
            move || {
                let mut config = TracerConfig::default();
                config.listen.sources = sources;
                let mut tracer = Tracer::open(&config).context("opening the tracer")?;
                let mut warnings = tracer.take_warnings();
                let _ = ready.send(tracer.describe());

                let mut paths = Vec::new();
                let mut done_at: Option<Instant> = None;
                loop {
                    tracer.poll(POLL, &mut |path| paths.push(path))?;
                    if done_at.is_none() && traffic_done.load(Ordering::Acquire) {
                        done_at = Some(Instant::now());
                    }
                    if let Some(done_at) = done_at {
                        if paths.len() >= expected || done_at.elapsed() >= GUARD {
                            break;
                        }
                    }
                }
                // Paths still waiting for late steps (there should be none): hand them over
                // as they are.
                tracer.finish(&mut |path| paths.push(path));
                warnings.extend(tracer.take_warnings());
                Ok(Traced {
                    paths,
                    stats: tracer.stats(),
                    warnings,
                })
            }
        })?;
        let mut trace_thread = TraceThread {
            traffic_done,
            thread: Some(thread),
            describe: String::new(),
        };
        match ready_rx.recv() {
            Ok(describe) => trace_thread.describe = describe,
            // The thread ended before it was ready: its error says why.
            Err(_) => {
                return Err(trace_thread
                    .join()
                    .err()
                    .unwrap_or_else(|| anyhow!("the tracer ended before it was ready")))
            }
        }
        Ok(trace_thread)
    }

    /// Tells the thread that all traffic has been sent, and returns what it collected.
    pub fn collect(mut self) -> anyhow::Result<Traced> {
        self.join()
    }

    fn join(&mut self) -> anyhow::Result<Traced> {
        self.traffic_done.store(true, Ordering::Release);
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow!("the tracer thread panicked"))?,
            None => Err(anyhow!("the tracer thread was already joined")),
        }
    }
}

impl Drop for TraceThread {
    /// On an early return (the traffic failed), stop the thread too.
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.join();
        }
    }
}
