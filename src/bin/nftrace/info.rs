//! `nftrace ruleset` and `nftrace hooks`: the snapshot and the hook order, printed once.

use std::io::{self, BufWriter, Write};

use nftrace::output::ruleset as ruleset_output;
use nftrace::ruleset::snapshot::{Snapshot, SnapshotOptions};

use crate::args::{HooksArgs, RulesetArgs};
use crate::report::{print_warnings, user_error, ROOT_HINT};

pub fn run_ruleset(args: &RulesetArgs) -> anyhow::Result<()> {
    let snapshot = load_snapshot(!args.no_nft)?;
    print_warnings(snapshot.warnings().iter().cloned());
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        ruleset_output::write_json(&mut out, snapshot.nft(), snapshot.legacy_tables())?;
    } else {
        ruleset_output::write_text(&mut out, snapshot.nft(), snapshot.legacy_tables())?;
    }
    out.flush()?;
    Ok(())
}

/// Reads the ruleset snapshot, with an actionable one-line error.
pub fn load_snapshot(nft_text: bool) -> anyhow::Result<Snapshot> {
    Snapshot::load(SnapshotOptions {
        nft_text,
        ..SnapshotOptions::default()
    })
    .map_err(|err| {
        let hint = err.is_permission_denied().then_some(ROOT_HINT);
        user_error(None, &err, hint)
    })
}

pub fn run_hooks(args: &HooksArgs) -> anyhow::Result<()> {
    let table = nftrace::hooks::dump().map_err(|err| {
        let hint = err.is_permission_denied().then_some(ROOT_HINT);
        user_error(Some("reading the netfilter hooks"), &err, hint)
    })?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        nftrace::output::hooks::write_json(&mut out, &table)?;
    } else {
        nftrace::output::hooks::write_text(&mut out, &table)?;
    }
    out.flush()?;
    Ok(())
}
