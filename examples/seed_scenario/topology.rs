//! The seed's three hosts as network namespaces: a trigger, a forwarder with `eth0` and a
//! `docker0` bridge, and a container behind the bridge.
//!
//! Every namespace is registered as it is created and deleted when its [`Netns`] is dropped —
//! at the end of a run, on an error, on a panic — or by [`delete_on_signal`]'s thread when
//! SIGINT, SIGTERM or SIGHUP arrives, so that Ctrl-C leaves nothing behind.
//! Nothing outside these namespaces is touched: every interface, address, route, sysctl and
//! rule is made inside them (`ip -n`, `ip netns exec`).

use std::fs::File;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use anyhow::{bail, Context};
use nix::sched::{setns, CloneFlags};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The trigger's address (a documentation range: the seed hid its public address, which ended
/// in `.113`).
pub const TRIGGER_IP: &str = "198.51.100.113";
/// The forwarder's `eth0`, as in the seed.
pub const FORWARDER_IP: &str = "172.17.128.213";
/// The `docker0` bridge's address: the container's gateway.
pub const BRIDGE_IP: &str = "172.18.0.1";
/// The container's address, as in the seed.
pub const CONTAINER_IP: &str = "172.18.0.2";

/// The namespaces that exist and still have to be deleted.
struct Registry {
    names: Vec<String>,
    /// Set by the signal thread: no namespace may be created any more.
    stopping: bool,
}

/// Locked across each creation and each deletion, so that the signal thread never runs while
/// a namespace is half made, and none is made after it ran.
static LIVE: Mutex<Registry> = Mutex::new(Registry {
    names: Vec::new(),
    stopping: false,
});

/// The registry, also after a panic on another thread (it holds only names).
fn live() -> MutexGuard<'static, Registry> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A network namespace this program created; deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates the namespace `name` with `lo` up.
    fn create(name: String) -> anyhow::Result<Netns> {
        let netns = {
            let mut live = live();
            if live.stopping {
                bail!("interrupted");
            }
            run(Command::new("ip").args(["netns", "add", &name]))?;
            live.names.push(name.clone());
            Netns { name }
        };
        netns.ip(&["link", "set", "lo", "up"])?;
        Ok(netns)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n NAME ARGS…`.
    pub fn ip(&self, args: &[&str]) -> anyhow::Result<Output> {
        run(Command::new("ip").args(["-n", &self.name]).args(args))
    }

    /// A veth pair: `ifname` here, its peer `peer_ifname` in `peer`.
    fn add_veth(&self, ifname: &str, peer: &Netns, peer_ifname: &str) -> anyhow::Result<()> {
        self.ip(&[
            "link",
            "add",
            ifname,
            "type",
            "veth",
            "peer",
            "name",
            peer_ifname,
            "netns",
            peer.name(),
        ])?;
        Ok(())
    }

    /// `ip netns exec NAME ARGS…`, with `input` on its stdin.
    pub fn exec(&self, args: &[&str], input: &str) -> anyhow::Result<Output> {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).args(args);
        run_with_input(&mut command, input)
    }

    /// `sysctl -w KEY=VALUE` inside the namespace (sysctls under `net.` are per namespace).
    pub fn set_sysctl(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.exec(&["sysctl", "-q", "-w", &format!("{key}={value}")], "")?;
        Ok(())
    }

    /// Runs `f` on a new thread that has entered the namespace. `setns` changes only the
    /// calling thread, so the rest of the program stays where it was; sockets the thread opens
    /// belong to the namespace.
    pub fn spawn_in<F, R>(&self, what: &str, f: F) -> anyhow::Result<JoinHandle<anyhow::Result<R>>>
    where
        F: FnOnce() -> anyhow::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let path = format!("/run/netns/{}", self.name);
        let handle = thread::Builder::new()
            .name(what.to_owned())
            .spawn(move || {
                let file = File::open(&path).with_context(|| format!("opening {path}"))?;
                setns(&file, CloneFlags::CLONE_NEWNET)
                    .with_context(|| format!("entering the network namespace {path}"))?;
                f()
            })
            .with_context(|| format!("starting the {what} thread"))?;
        Ok(handle)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let mut live = live();
        // Not there when the signal thread deleted it already.
        if let Some(index) = live.names.iter().position(|name| *name == self.name) {
            live.names.swap_remove(index);
            delete(&self.name);
        }
    }
}

/// Deletes a namespace by name; never panics (it runs in Drop and in the signal thread).
fn delete(name: &str) {
    match Command::new("ip")
        .args(["netns", "del", name])
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) if output.status.success() => {}
        Ok(output) => eprintln!(
            "seed_scenario: cannot delete network namespace {name}: {}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        ),
        Err(err) => eprintln!("seed_scenario: cannot run `ip netns del {name}`: {err}"),
    }
}

/// Starts a thread that, on SIGINT, SIGTERM or SIGHUP, deletes every namespace still alive and
/// exits with 128 + the signal number. Call once, before creating namespaces.
pub fn delete_on_signal() -> anyhow::Result<()> {
    let mut signals =
        Signals::new([SIGINT, SIGTERM, SIGHUP]).context("installing the signal handlers")?;
    thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process exits: nothing is created after this.
                let mut live = live();
                live.stopping = true;
                for name in &live.names {
                    delete(name);
                }
                eprintln!(
                    "seed_scenario: interrupted; deleted {} network namespaces",
                    live.names.len()
                );
                std::process::exit(128 + signal);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// The seed's hosts, wired as in its diagram: trigger ─ eth0 (forwarder) ─ docker0 ─ container.
#[derive(Debug)]
pub struct Topology {
    pub trigger: Netns,
    pub forwarder: Netns,
    pub container: Netns,
}

impl Topology {
    /// Builds the three namespaces `nftrace-seed-<pid>-<label>-{trigger,fwd,ctr}`.
    ///
    /// Every link keeps the default MTU of 1500, so the trigger fragments its 1483-byte
    /// datagrams and the forwarder's conntrack reassembles them before netfilter's tables see
    /// them (the seed's `LEN=1511`), and the forwarder fragments them again towards the
    /// container.
    pub fn build(label: &str) -> anyhow::Result<Topology> {
        let prefix = format!("nftrace-seed-{}-{label}", std::process::id());
        let topology = Topology {
            trigger: Netns::create(format!("{prefix}-trigger"))?,
            forwarder: Netns::create(format!("{prefix}-fwd"))?,
            container: Netns::create(format!("{prefix}-ctr"))?,
        };
        let (trigger, fwd, ctr) = (&topology.trigger, &topology.forwarder, &topology.container);

        // trigger eth0 <-> forwarder eth0. Host routes both ways stand in for the Internet
        // between the seed's two machines.
        trigger.add_veth("eth0", fwd, "eth0")?;
        trigger.ip(&["addr", "add", &format!("{TRIGGER_IP}/32"), "dev", "eth0"])?;
        trigger.ip(&["link", "set", "eth0", "up"])?;
        trigger.ip(&["route", "add", &format!("{FORWARDER_IP}/32"), "dev", "eth0"])?;
        fwd.ip(&["addr", "add", &format!("{FORWARDER_IP}/20"), "dev", "eth0"])?;
        fwd.ip(&["link", "set", "eth0", "up"])?;
        fwd.ip(&["route", "add", &format!("{TRIGGER_IP}/32"), "dev", "eth0"])?;

        // The forwarder's docker0 bridge with one port, a veth whose other end is the
        // container's eth0 (what `docker run` sets up).
        fwd.ip(&["link", "add", "docker0", "type", "bridge"])?;
        fwd.ip(&["addr", "add", &format!("{BRIDGE_IP}/16"), "dev", "docker0"])?;
        fwd.ip(&["link", "set", "docker0", "up"])?;
        fwd.add_veth("veth-ctr", ctr, "eth0")?;
        fwd.ip(&["link", "set", "veth-ctr", "master", "docker0", "up"])?;
        ctr.ip(&["addr", "add", &format!("{CONTAINER_IP}/16"), "dev", "eth0"])?;
        ctr.ip(&["link", "set", "eth0", "up"])?;
        ctr.ip(&["route", "add", "default", "via", BRIDGE_IP])?;

        // Routing between eth0 and docker0, in the forwarder only.
        fwd.set_sysctl("net.ipv4.ip_forward", "1")?;
        Ok(topology)
    }
}

/// Runs a command to completion; an error (with its stderr) unless it succeeded.
fn run(command: &mut Command) -> anyhow::Result<Output> {
    run_with_input(command, "")
}

fn run_with_input(command: &mut Command, input: &str) -> anyhow::Result<Output> {
    let text = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {text}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .with_context(|| format!("writing the input of {text}"))?;
    }
    let output = child
        .wait_with_output()
        .with_context(|| format!("waiting for {text}"))?;
    if !output.status.success() {
        bail!(
            "{text} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(output)
}
