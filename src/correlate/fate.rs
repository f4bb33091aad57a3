//! What became of a packet, from its ordered hops: dropped by a rule or a policy, queued,
//! delivered locally, forwarded or sent out — or not known, and why.

use super::model::{Fate, Hop, HopKind, HopVerdict};
use super::order::Stage;

/// The fate of a path whose hops are in kernel order; `stages[i]` is hop `i`'s pass and
/// stage.
pub(crate) fn fate_of(
    hops: &[Hop],
    stages: &[(u32, Option<Stage>)],
    lost: bool,
    evicted: bool,
) -> Fate {
    for (index, hop) in hops.iter().enumerate() {
        match &hop.verdict {
            Some(verdict) if verdict.is_drop() => {
                return match hop.kind {
                    HopKind::Policy => Fate::DroppedByPolicy { hop: index },
                    _ => Fate::DroppedByRule { hop: index },
                };
            }
            Some(HopVerdict::Queue(queue)) => {
                return Fate::Queued {
                    hop: index,
                    queue: *queue,
                }
            }
            _ => {}
        }
    }
    if lost {
        return Fate::Unknown {
            reason: "events were lost (receive buffer overrun)".to_owned(),
        };
    }
    if evicted {
        return Fate::Unknown {
            reason: "too many packets in flight: the path was closed early".to_owned(),
        };
    }
    if hops.last().is_some_and(|hop| hop.verdict.is_none()) {
        return Fate::Unknown {
            reason:
                "what the last rule decided is not known (it is not in the ruleset nftrace read)"
                    .to_owned(),
        };
    }
    let Some((last_pass, last_stage)) = stages
        .iter()
        .rev()
        .find_map(|(pass, stage)| stage.map(|s| (*pass, s)))
    else {
        return Fate::Unknown {
            reason: "the chains it went through are not in the ruleset".to_owned(),
        };
    };
    let oif = hops.iter().rev().find_map(|h| h.oif.clone());
    let came_in = stages.iter().any(|(pass, stage)| {
        *pass == last_pass
            && matches!(
                stage,
                Some(Stage::Ingress | Stage::Prerouting | Stage::Forward)
            )
    });
    match last_stage {
        Stage::Input => Fate::DeliveredLocally,
        Stage::Forward | Stage::Postrouting | Stage::Egress if came_in => Fate::Forwarded { oif },
        Stage::Output | Stage::Postrouting | Stage::Egress => Fate::SentOut { oif },
        Stage::Forward => Fate::Forwarded { oif },
        Stage::Ingress | Stage::Prerouting => Fate::Unknown {
            reason: "last seen in prerouting: no later chain traced it".to_owned(),
        },
    }
}
