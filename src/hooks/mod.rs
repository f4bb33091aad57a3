//! Which table and chain runs first: the netfilter hooks of a network namespace, per family
//! and hook, in the order the kernel runs them, with their priorities — nf_tables base
//! chains, iptables-legacy tables, conntrack, defragmentation, NAT, SELinux and the rest.
//!
//! - [`dump`]: the best table there is. The kernel's own list when it has one
//!   ([`dump_kernel`], nfnetlink_hook); otherwise one derived from the ruleset
//!   ([`derive()`]) and marked [`HookSource::Derived`], with a note saying why.
//! - [`HookTable`] and friends ([`model`]) are the data; `crate::output::hooks` prints them.
//! - [`classify`] names what a kernel hook function is (`ipt_do_table` at -300 is the
//!   iptables raw table).
//! - [`priority_name`]: `-300` is `raw`, `-200` is `conntrack`, ...
//!
//! Everything reads the network namespace of the calling thread.
//!
//! ```no_run
//! let table = nftrace::hooks::dump()?;
//! nftrace::output::hooks::write_text(&mut std::io::stdout().lock(), &table)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod classify;
mod derive;
mod error;
mod kernel;
pub mod model;
mod priority;
mod snapshot;

use nftrace_sys::netfilter::{NFPROTO_IPV4, NFPROTO_IPV6};

pub use classify::classify_function;
pub use derive::derive;
pub use error::{HookError, HookPoint};
pub use kernel::dump_kernel;
pub use model::{HookEntry, HookKind, HookList, HookSource, HookTable, LegacyTool};
pub use priority::priority_name;
pub use snapshot::{BaseChain, LegacyTableName, Snapshot};

/// The hook table of the calling thread's network namespace: the kernel's own list when
/// the kernel can give one, with the nat chains each NAT hook runs filled in from the
/// ruleset; otherwise derived from the ruleset ([`derive()`]), with a note saying why.
/// Fails only when neither works.
pub fn dump() -> Result<HookTable, HookError> {
    match dump_kernel() {
        Ok(mut table) => {
            match read_snapshot() {
                Ok(snapshot) => fill_nat_members(&mut table, &snapshot),
                Err(err) => table.notes.push(format!(
                    "the nat chains run by the NAT hooks are not shown: {err}"
                )),
            }
            Ok(table)
        }
        Err(kernel) => {
            let why = format!("the kernel's hook list is unavailable: {kernel}");
            match read_snapshot() {
                Ok(snapshot) => Ok(derive(&snapshot, vec![why])),
                Err(derived) => Err(HookError::NoSource {
                    kernel: Box::new(kernel),
                    derived: Box::new(derived),
                }),
            }
        }
    }
}

/// Reads what [`derive()`] needs from the calling thread's namespace: the nf_tables base
/// chains (from the ruleset dump, [`crate::ruleset::nft::dump`]; dormant tables left out),
/// the legacy tables, conntrack use and SELinux.
pub fn read_snapshot() -> Result<Snapshot, HookError> {
    let ruleset = crate::ruleset::nft::dump().map_err(|source| HookError::Ruleset { source })?;
    Snapshot::read_system(BaseChain::from_ruleset(&ruleset))
}

/// Fills [`HookEntry::nested`] of the kernel's NAT entries: the kernel lists the NAT core,
/// not the nat chains it runs, so those come from the ruleset (derived, as marked in the
/// notes).
fn fill_nat_members(table: &mut HookTable, snapshot: &Snapshot) {
    let derived = derive(snapshot, Vec::new());
    let mut filled = false;
    for list in &mut table.hooks {
        if !matches!(list.family, NFPROTO_IPV4 | NFPROTO_IPV6) {
            continue;
        }
        let Some(members) = derived
            .list(list.family, list.hook, None)
            .and_then(|l| l.entries.iter().find(|e| e.kind == HookKind::Nat))
            .map(|nat| nat.nested.clone())
        else {
            continue;
        };
        if let Some(nat) = list.entries.iter_mut().find(|e| e.kind == HookKind::Nat) {
            nat.nested = members;
            filled |= !nat.nested.is_empty();
        }
    }
    if filled {
        table.notes.push(
            "the nat chains under each NAT hook come from the ruleset: the kernel lists the NAT \
             core, which runs them by their own priorities"
                .to_owned(),
        );
    }
}
