//! The socket layer against the real kernel: each test creates its own network namespace
//! (deleted again even when the test fails), enters it from a spawned thread, opens the
//! sockets there and makes the kernel trace one UDP datagram sent to 127.0.0.1.
//!
//! Needs root; as another user every test prints a note and passes without checking.
//! Nothing here touches the machine's own namespace: rules and sysctls are set with
//! `ip netns exec`, inside the test's namespace.

use std::fs::File;
use std::net::UdpSocket;
use std::os::fd::AsFd;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nftrace::netlink::{
    poll_readable, ConntrackInfo, NetlinkError, NflogConfig, NflogSocket, RecvBatch, TraceSocket,
    TraceSocketConfig,
};
use nix::sched::{setns, CloneFlags};

/// `(NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE`.
const NFT_MSG_TRACE_TYPE: u16 = (10 << 8) | 17;
/// `(NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET`.
const NFULNL_MSG_PACKET_TYPE: u16 = 4 << 8;
const NFULA_PAYLOAD: u16 = 9;
const NFULA_PREFIX: u16 = 10;
const NFULA_SEQ: u16 = 12;
const NFULA_SEQ_GLOBAL: u16 = 13;

/// How long to wait for the kernel's trace output of one datagram. It normally arrives
/// within a millisecond; the nflog group default without QTHRESH would take a second.
const RECEIVE_DEADLINE: Duration = Duration::from_secs(5);

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .unwrap_or(false)
}

macro_rules! require_root {
    () => {
        if !is_root() {
            eprintln!("skipped: needs root to create network namespaces");
            return;
        }
    };
}

/// A network namespace of this test, deleted on drop (also when the test panics).
struct Netns {
    name: String,
}

impl Netns {
    fn new() -> Netns {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "nftrace-t-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        run(Command::new("ip").args(["netns", "add", &name]));
        let netns = Netns { name };
        netns.exec(&["ip", "link", "set", "lo", "up"]);
        netns
    }

    /// Runs `args` inside the namespace and asserts it succeeded.
    fn exec(&self, args: &[&str]) -> String {
        run(Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(args))
    }

    /// Runs `f` on a thread that has entered the namespace, so sockets it opens live there.
    fn enter<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let file = File::open(&path).expect("open the namespace file");
                    setns(file.as_fd(), CloneFlags::CLONE_NEWNET).expect("setns");
                    f()
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// The nflog instances of the namespace: `(group, portid, copy_mode, copy_range)`.
    fn nflog_instances(&self) -> Vec<(u16, u32, u8, u32)> {
        self.exec(&["cat", "/proc/net/netfilter/nfnetlink_log"])
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                (
                    fields[0].parse().unwrap(),
                    fields[1].parse().unwrap(),
                    fields[3].parse().unwrap(),
                    fields[4].parse().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let status = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!(
                "could not delete network namespace {}: {status:?}",
                self.name
            );
        }
    }
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run command");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Sends one UDP datagram to 127.0.0.1 from the calling thread's namespace.
fn send_udp_to_loopback() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.send_to(b"nftrace test", "127.0.0.1:9").unwrap();
}

/// The netlink messages of a datagram: `(nlmsg_type, payload after nlmsghdr)`.
fn messages(datagram: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while rest.len() >= 16 {
        let len = u32::from_ne_bytes(rest[0..4].try_into().unwrap()) as usize;
        let msg_type = u16::from_ne_bytes(rest[4..6].try_into().unwrap());
        assert!(len >= 16 && len <= rest.len(), "malformed netlink message");
        out.push((msg_type, &rest[16..len]));
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    out
}

/// The attributes after the `nfgenmsg` of an nfnetlink message payload: `(type, value)`.
fn attributes(payload: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut rest = &payload[4..];
    while rest.len() >= 4 {
        let len = u16::from_ne_bytes(rest[0..2].try_into().unwrap()) as usize;
        let attr_type = u16::from_ne_bytes(rest[2..4].try_into().unwrap()) & 0x3fff;
        assert!(len >= 4 && len <= rest.len(), "malformed attribute");
        out.push((attr_type, &rest[4..len]));
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    out
}

/// Receives from `recv` until `wanted` accepts a message or the deadline passes; returns
/// the accepted message's payload.
fn receive_until(
    fd: std::os::fd::BorrowedFd<'_>,
    mut recv: impl FnMut(&mut RecvBatch) -> Result<usize, NetlinkError>,
    wanted: impl Fn(u16, &[u8]) -> bool,
) -> Option<Vec<u8>> {
    let mut batch = RecvBatch::new(8, RecvBatch::DEFAULT_SLOT_LEN);
    let deadline = Instant::now() + RECEIVE_DEADLINE;
    while Instant::now() < deadline {
        let [ready] = poll_readable([fd], Some(Duration::from_millis(100))).unwrap();
        if !ready {
            continue;
        }
        recv(&mut batch).unwrap();
        for datagram in &batch {
            for (msg_type, payload) in messages(datagram) {
                if wanted(msg_type, payload) {
                    return Some(payload.to_vec());
                }
            }
        }
    }
    None
}

#[test]
fn trace_socket_receives_nft_trace_events() {
    require_root!();
    let netns = Netns::new();
    netns.exec(&["nft", "add", "table", "inet", "t"]);
    netns.exec(&[
        "nft",
        "add chain inet t c { type filter hook output priority -301; }",
    ]);
    netns.exec(&[
        "nft", "add", "rule", "inet", "t", "c", "meta", "nftrace", "set", "1",
    ]);

    netns.enter(|| {
        let config = TraceSocketConfig::default();
        let mut socket = TraceSocket::open(config).unwrap();
        let rcvbuf = socket.rcvbuf();
        assert_eq!(rcvbuf.requested, config.rcvbuf_bytes);
        assert!(rcvbuf.effective >= rcvbuf.requested, "{rcvbuf:?}");

        send_udp_to_loopback();
        let fd = socket.as_fd().try_clone_to_owned().unwrap();
        let trace = receive_until(
            fd.as_fd(),
            |b| socket.recv(b),
            |t, _| t == NFT_MSG_TRACE_TYPE,
        );
        assert!(
            trace.is_some(),
            "no NFT_MSG_TRACE within {RECEIVE_DEADLINE:?}"
        );

        let stats = socket.stats();
        assert!(stats.datagrams >= 1 && stats.bytes >= 20, "{stats:?}");
        assert_eq!(stats.overruns, 0);
    });
}

#[test]
fn nflog_socket_receives_legacy_trace_records() {
    require_root!();
    let netns = Netns::new();
    netns.exec(&["sysctl", "-q", "-w", "net.netfilter.nf_log.2=nfnetlink_log"]);
    netns.exec(&[
        "iptables-legacy",
        "-t",
        "raw",
        "-A",
        "OUTPUT",
        "-p",
        "udp",
        "-j",
        "TRACE",
    ]);

    let (port_id, conntrack) = netns.enter(|| {
        let config = NflogConfig::default();
        let mut socket = NflogSocket::open(config).unwrap();
        assert_eq!(socket.group(), 0);
        let rcvbuf = socket.rcvbuf();
        assert!(rcvbuf.effective >= config.rcvbuf_bytes, "{rcvbuf:?}");

        send_udp_to_loopback();
        let fd = socket.as_fd().try_clone_to_owned().unwrap();
        let record = receive_until(
            fd.as_fd(),
            |b| socket.recv(b),
            |t, payload| {
                t == NFULNL_MSG_PACKET_TYPE
                    && attributes(payload)
                        .iter()
                        .any(|&(a, v)| a == NFULA_PREFIX && v.starts_with(b"TRACE: "))
            },
        )
        .expect("no TRACE record on nflog group 0");

        // The configuration message took effect, although the conntrack one was separate
        // (and may have been refused): records are numbered and the payload is cut to the
        // copy range.
        let attrs = attributes(&record);
        assert!(attrs.iter().any(|&(a, _)| a == NFULA_SEQ), "{attrs:?}");
        assert!(
            attrs.iter().any(|&(a, _)| a == NFULA_SEQ_GLOBAL),
            "{attrs:?}"
        );
        let payload = attrs.iter().find(|&&(a, _)| a == NFULA_PAYLOAD).unwrap().1;
        assert!(
            !payload.is_empty() && payload.len() <= 128,
            "{}",
            payload.len()
        );
        assert_eq!(socket.stats().overruns, 0);

        (socket.port_id().unwrap(), socket.conntrack())
    });
    match conntrack {
        ConntrackInfo::Enabled => {}
        ConntrackInfo::Unavailable { errno } => {
            assert!(matches!(errno, libc::EOPNOTSUPP | libc::EAGAIN), "{errno}");
        }
    }
    // The socket is gone with its thread's closure; so is the instance.
    assert!(
        netns
            .nflog_instances()
            .iter()
            .all(|&(_, p, _, _)| p != port_id),
        "nflog instance of port {port_id} outlived its socket"
    );
}

#[test]
fn nflog_group_is_configured_then_released_on_drop() {
    require_root!();
    let netns = Netns::new();
    netns.enter(|| {
        let socket = NflogSocket::open(NflogConfig::default()).unwrap();
        let port_id = socket.port_id().unwrap();
        // copy_mode 2 = NFULNL_COPY_PACKET, with our copy range.
        assert_eq!(netns.nflog_instances(), vec![(0, port_id, 2, 128)]);
        drop(socket);
        assert_eq!(netns.nflog_instances(), vec![]);
    });
}

#[test]
fn explicit_close_unbinds_and_reports_success() {
    require_root!();
    let netns = Netns::new();
    netns.enter(|| {
        let config = NflogConfig {
            group: 7,
            copy_range: 64,
            ..NflogConfig::default()
        };
        let socket = NflogSocket::open(config).unwrap();
        let port_id = socket.port_id().unwrap();
        assert_eq!(netns.nflog_instances(), vec![(7, port_id, 2, 64)]);
        socket.close().unwrap();
        assert_eq!(netns.nflog_instances(), vec![]);
    });
}

#[test]
fn second_listener_on_the_same_group_gets_group_busy() {
    require_root!();
    let netns = Netns::new();
    netns.enter(|| {
        let first = NflogSocket::open(NflogConfig::default()).unwrap();
        let second = NflogSocket::open(NflogConfig::default());
        match second {
            Err(err @ NetlinkError::GroupBusy { group: 0, .. }) => {
                assert_eq!(err.errno(), Some(libc::EPERM));
                assert!(err.hint().is_some());
            }
            other => panic!("expected GroupBusy, got {other:?}"),
        }
        // The failed attempt must not have disturbed the owner.
        let port_id = first.port_id().unwrap();
        assert_eq!(netns.nflog_instances(), vec![(0, port_id, 2, 128)]);
    });
}

#[test]
fn sockets_live_in_the_namespace_of_the_opening_thread() {
    require_root!();
    // Two namespaces can each have their own group-0 listener.
    let a = Netns::new();
    let b = Netns::new();
    a.enter(|| {
        let in_a = NflogSocket::open(NflogConfig::default()).unwrap();
        b.enter(|| {
            let in_b = NflogSocket::open(NflogConfig::default()).unwrap();
            assert_eq!(b.nflog_instances().len(), 1);
            drop(in_b);
        });
        assert_eq!(a.nflog_instances().len(), 1);
        drop(in_a);
    });
}

#[test]
fn overruns_are_counted_and_receiving_carries_on() {
    require_root!();
    let netns = Netns::new();
    netns.exec(&["nft", "add", "table", "inet", "t"]);
    netns.exec(&[
        "nft",
        "add chain inet t c { type filter hook output priority -301; }",
    ]);
    netns.exec(&[
        "nft", "add", "rule", "inet", "t", "c", "meta", "nftrace", "set", "1",
    ]);

    netns.enter(|| {
        // The smallest buffer the kernel allows fills up after a few trace messages.
        let mut socket = TraceSocket::open(TraceSocketConfig { rcvbuf_bytes: 1 }).unwrap();
        for _ in 0..200 {
            send_udp_to_loopback();
        }
        let fd = socket.as_fd().try_clone_to_owned().unwrap();
        let trace = receive_until(
            fd.as_fd(),
            |b| socket.recv(b),
            |t, _| t == NFT_MSG_TRACE_TYPE,
        );
        assert!(trace.is_some(), "nothing received after the overrun");
        assert!(socket.stats().overruns >= 1, "{:?}", socket.stats());

        // And the socket keeps working for later traffic.
        let before = socket.stats().datagrams;
        send_udp_to_loopback();
        let trace = receive_until(
            fd.as_fd(),
            |b| socket.recv(b),
            |t, _| t == NFT_MSG_TRACE_TYPE,
        );
        assert!(trace.is_some());
        assert!(socket.stats().datagrams > before);
    });
}
