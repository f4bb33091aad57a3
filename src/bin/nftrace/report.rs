//! How the command line talks to the operator outside the output: one-line errors with a
//! remedy, warnings, loss counts, and the signals that stop a run.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;

use nftrace::listen::{ListenError, ListenStats};

/// Installs handlers that turn SIGINT, SIGTERM and SIGHUP into a flag the receive loop polls.
pub fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing the signal handlers")?;
    }
    Ok(stop)
}

/// What to do about missing privileges.
pub const ROOT_HINT: &str = "run nftrace as root, or give it CAP_NET_ADMIN";

/// Adds the listener's remedy (e.g. "run as root") to its error, as one line.
pub fn with_hint(err: ListenError) -> anyhow::Error {
    user_error(None, &err, err.hint())
}

/// A library error as the one line the operator reads: what was being done, the error and
/// its causes (each once), and what to do about it.
pub fn user_error(
    doing: Option<&str>,
    err: &(dyn std::error::Error + 'static),
    hint: Option<&str>,
) -> anyhow::Error {
    let mut line = one_line(std::iter::successors(Some(err), |e| e.source()));
    if let Some(doing) = doing {
        line = format!("{doing}: {line}");
    }
    if let Some(hint) = hint {
        line = format!("{line}; {hint}");
    }
    anyhow::anyhow!(line)
}

/// An error and its causes on one line, each cause once: some errors repeat their source's
/// text in their own message, and an operator should read it only once.
pub fn one_line<'a>(
    mut chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> String {
    let mut line = chain.next().map(ToString::to_string).unwrap_or_default();
    for cause in chain {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

/// Prints each warning as one line on stderr.
pub fn print_warnings(warnings: impl IntoIterator<Item = String>) {
    for warning in warnings {
        eprintln!("nftrace: warning: {warning}");
    }
}

/// `; 0 events lost`, or what was lost, and undecodable messages.
pub fn loss_text(stats: &ListenStats) -> String {
    let mut line = String::new();
    let lost_records = stats.nflog_seq_gaps;
    let overruns = stats.overruns();
    let truncated = stats.trace_socket.truncated + stats.nflog_socket.truncated;
    if stats.lost_any() {
        line.push_str(&format!(
            "; LOST events: {overruns} receive-buffer overruns (each lost at least one message), \
             {lost_records} nflog records missing by sequence number, {truncated} oversized datagrams"
        ));
    } else {
        line.push_str("; 0 events lost");
    }
    if stats.decode_errors > 0 {
        line.push_str(&format!(
            "; {} messages could not be decoded",
            stats.decode_errors
        ));
    }
    line
}

/// A mistake in what the user typed that clap could not see (a bad filter): exit status 2,
/// like clap's own usage errors, and the message as it is (it may point at the word).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
