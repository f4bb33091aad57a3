//! From trace events to packet paths: the steps of each packet, in the order the kernel ran
//! them, with what changed between them and what became of the packet.
//!
//! - [`Observer`] resolves each event against the ruleset snapshot into an owned
//!   [`Observation`] (the hop, plus where and in which invocation it ran);
//! - [`Correlator`] groups observations into paths (by trace id, stitching, packet identity
//!   and kernel order; see its module) and finishes them;
//! - [`PacketPath`] and its parts are the result (module `model`); `fate` and `path` work
//!   out the fate and the changes between hops; `order` and `identity` hold the rules for
//!   what can follow what and what is the same packet.

mod correlator;
mod fate;
mod identity;
mod model;
mod observe;
mod order;
mod path;

pub use correlator::{CorrelateConfig, CorrelateStats, Correlator};
pub use identity::{same_packet, PacketKey};
pub use model::{
    Change, CtInfo, Fate, Hop, HopKind, HopSource, HopVerdict, Iface, PacketPath, PathSource,
};
pub use observe::{Observation, Observer, OwnTriggers, TRIGGER_NOTE};
pub use order::{legacy_table_priority, BaseId, Position, Stage, Succession};

#[cfg(test)]
mod tests;
