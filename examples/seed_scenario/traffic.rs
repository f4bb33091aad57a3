//! The seed's traffic: a UDP echo server in the container (the seed ran
//! `ncat -u -e $(which cat) -k -l 10370`) and the trigger's datagrams of 1483, 1485 and 1498
//! bytes to the forwarder's port 10370, one after the other from one socket, each sent once the
//! previous one has come back (as the seed's `ncat -u` session did).

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};

use crate::topology::{Netns, FORWARDER_IP};

/// The published port the seed's echo server listened on.
pub const ECHO_PORT: u16 = 10370;

/// The payload sizes the seed sent (IP lengths 1511, 1513, 1526).
pub const PAYLOAD_SIZES: [usize; 3] = [1483, 1485, 1498];

/// How long to wait for each echo: only a guard against a broken topology.
const ECHO_TIMEOUT: Duration = Duration::from_secs(3);

/// A UDP echo server running on a thread inside a namespace; stopped on drop.
pub struct EchoServer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl EchoServer {
    /// Binds `0.0.0.0:ECHO_PORT` in `netns` and echoes every datagram back to its sender.
    /// Returns once the socket is bound.
    pub fn start(netns: &Netns) -> anyhow::Result<EchoServer> {
        let stop = Arc::new(AtomicBool::new(false));
        let (bound, bound_rx) = mpsc::channel();
        let thread = netns.spawn_in("echo server", {
            let stop = Arc::clone(&stop);
            move || {
                let socket = UdpSocket::bind(("0.0.0.0", ECHO_PORT))
                    .with_context(|| format!("binding the echo server to port {ECHO_PORT}"))?;
                // Wakes up now and then to see whether it should stop.
                socket.set_read_timeout(Some(Duration::from_millis(100)))?;
                let _ = bound.send(());
                let mut buffer = vec![0u8; 65536];
                while !stop.load(Ordering::Relaxed) {
                    match socket.recv_from(&mut buffer) {
                        Ok((len, peer)) => {
                            socket.send_to(&buffer[..len], peer)?;
                        }
                        Err(err)
                            if matches!(
                                err.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                            ) => {}
                        Err(err) => return Err(err).context("echo server"),
                    }
                }
                Ok(())
            }
        })?;
        let mut server = EchoServer {
            stop,
            thread: Some(thread),
        };
        if bound_rx.recv().is_err() {
            // The thread ended before binding: its error says why.
            return Err(server
                .join()
                .err()
                .unwrap_or_else(|| anyhow!("echo server ended")));
        }
        Ok(server)
    }

    fn join(&mut self) -> anyhow::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow!("the echo server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        if let Err(err) = self.join() {
            eprintln!("seed_scenario: {err:#}");
        }
    }
}

/// What the trigger sent and got back.
#[derive(Debug)]
pub struct Exchange {
    /// The trigger's address and port (the flow's source).
    pub trigger: SocketAddr,
    /// Bytes echoed back for each datagram sent.
    pub echoed: Vec<usize>,
}

/// Sends the seed's three datagrams from the trigger to the forwarder's published port, waiting
/// for each echo. Fails if an echo does not come back: then the topology is broken.
pub fn send_seed_datagrams(trigger: &Netns) -> anyhow::Result<Exchange> {
    let sender = trigger.spawn_in("trigger", || {
        let socket = UdpSocket::bind("0.0.0.0:0").context("binding the trigger's socket")?;
        let forwarder: SocketAddr = format!("{FORWARDER_IP}:{ECHO_PORT}").parse()?;
        socket.connect(forwarder)?;
        socket.set_read_timeout(Some(ECHO_TIMEOUT))?;
        let mut echoed = Vec::new();
        let mut buffer = vec![0u8; 65536];
        for size in PAYLOAD_SIZES {
            socket
                .send(&vec![b'x'; size])
                .with_context(|| format!("sending {size} bytes to {forwarder}"))?;
            let len = socket.recv(&mut buffer).with_context(|| {
                format!("no echo of the {size}-byte datagram within {ECHO_TIMEOUT:?}")
            })?;
            echoed.push(len);
        }
        Ok(Exchange {
            trigger: socket.local_addr()?,
            echoed,
        })
    })?;
    let exchange = sender
        .join()
        .map_err(|_| anyhow!("the trigger thread panicked"))??;
    if exchange.echoed != PAYLOAD_SIZES {
        bail!(
            "sent {PAYLOAD_SIZES:?} bytes, got {:?} back",
            exchange.echoed
        );
    }
    Ok(exchange)
}
