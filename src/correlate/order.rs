//! Where in netfilter a step ran, and which steps can come after which: the order the kernel
//! runs hooks and, within a hook, base chains and legacy tables by priority. The correlator
//! uses it to tell a packet's next step from the first step of another packet that reuses
//! the same trace id or looks the same, and to merge two sources' steps in kernel order.

use nftrace_sys::netfilter::{
    NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV, NF_INET_FORWARD,
    NF_INET_INGRESS, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING,
    NF_INET_PRE_ROUTING, NF_IP_PRI_FILTER, NF_IP_PRI_MANGLE, NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC,
    NF_IP_PRI_RAW, NF_IP_PRI_SECURITY, NF_NETDEV_EGRESS, NF_NETDEV_INGRESS,
};

/// A stage of a packet's way through netfilter, in the families that carry IP packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    Ingress,
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
    Egress,
}

impl Stage {
    /// The stage of hook `hooknum` of a chain in a table of `family` (`NFPROTO_*`).
    pub fn of_hook(family: u8, hooknum: u32) -> Option<Stage> {
        match family {
            NFPROTO_NETDEV => match hooknum {
                NF_NETDEV_INGRESS => Some(Stage::Ingress),
                NF_NETDEV_EGRESS => Some(Stage::Egress),
                _ => None,
            },
            // Bridge hooks use the same numbers as the inet ones.
            NFPROTO_INET | NFPROTO_IPV4 | NFPROTO_IPV6 | NFPROTO_BRIDGE => match hooknum {
                NF_INET_PRE_ROUTING => Some(Stage::Prerouting),
                NF_INET_LOCAL_IN => Some(Stage::Input),
                NF_INET_FORWARD => Some(Stage::Forward),
                NF_INET_LOCAL_OUT => Some(Stage::Output),
                NF_INET_POST_ROUTING => Some(Stage::Postrouting),
                NF_INET_INGRESS => Some(Stage::Ingress),
                _ => None,
            },
            _ => None,
        }
    }

    /// The `NF_INET_*` hook number (ingress and egress have none there).
    pub fn inet_hook(self) -> Option<u8> {
        Some(match self {
            Stage::Prerouting => NF_INET_PRE_ROUTING as u8,
            Stage::Input => NF_INET_LOCAL_IN as u8,
            Stage::Forward => NF_INET_FORWARD as u8,
            Stage::Output => NF_INET_LOCAL_OUT as u8,
            Stage::Postrouting => NF_INET_POST_ROUTING as u8,
            Stage::Ingress => NF_INET_INGRESS as u8,
            Stage::Egress => return None,
        })
    }

    /// True when a packet can reach `next` after `self` within one pass through the stack
    /// (entering from a device or a local socket, leaving to a device or a local socket).
    fn precedes(self, next: Stage) -> bool {
        use Stage::*;
        matches!(
            (self, next),
            (Ingress, Prerouting | Input | Forward | Postrouting | Egress)
                | (Prerouting, Input | Forward | Postrouting | Egress)
                | (Forward, Postrouting | Egress)
                | (Output, Postrouting | Egress)
                | (Postrouting, Egress)
        )
    }

    /// True for the stages where a packet leaves netfilter for good (unless it loops back).
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Input | Stage::Postrouting | Stage::Egress)
    }
}

/// Which base chain (nf_tables) or table (iptables-legacy) a step ran in: a hash of its
/// identity, so that positions compare without owning names.
pub type BaseId = u64;

/// Where a step ran: the stage, the base chain's (or legacy table's) priority there, and
/// which base chain it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub stage: Stage,
    pub priority: i32,
    pub base: BaseId,
}

/// How a new base-chain invocation relates to where a path last was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Succession {
    /// Later in the same pass.
    Next,
    /// The start of a new pass of the same packet: it left through loopback (or a bridge
    /// port) and came back in.
    Reentry,
    /// Cannot be the same packet.
    No,
}

impl Position {
    /// Whether a new base-chain invocation at `next` can follow this one for the same packet.
    /// `left_by_loopback` says whether the packet's last known output interface was loopback,
    /// the only way a packet comes back into prerouting after postrouting.
    pub fn succession(&self, next: &Position, left_by_loopback: bool) -> Succession {
        if self.stage == next.stage {
            // Base chains of one hook run in ascending priority; two at the same priority
            // both run, in an order only the kernel knows.
            if next.priority > self.priority
                || (next.priority == self.priority && next.base != self.base)
            {
                return Succession::Next;
            }
        } else if self.stage.precedes(next.stage) {
            return Succession::Next;
        }
        // Back in through loopback: the next pass may start at any incoming stage, since a
        // source may have no chain at prerouting.
        if left_by_loopback
            && matches!(
                self.stage,
                Stage::Output | Stage::Postrouting | Stage::Egress
            )
            && matches!(
                next.stage,
                Stage::Ingress | Stage::Prerouting | Stage::Input | Stage::Forward
            )
        {
            return Succession::Reentry;
        }
        Succession::No
    }

    /// The sort key of a step within a pass.
    pub fn rank(&self) -> (u8, i32) {
        let stage = match self.stage {
            Stage::Ingress => 0,
            Stage::Prerouting | Stage::Output => 1,
            Stage::Input | Stage::Forward => 2,
            Stage::Postrouting => 3,
            Stage::Egress => 4,
        };
        (stage, self.priority)
    }
}

/// The priority an iptables-legacy table registers at, for hook `hooknum`.
pub fn legacy_table_priority(table: &str, hooknum: u32) -> Option<i32> {
    Some(match table {
        "raw" => NF_IP_PRI_RAW,
        "mangle" => NF_IP_PRI_MANGLE,
        "filter" => NF_IP_PRI_FILTER,
        "security" => NF_IP_PRI_SECURITY,
        "nat" => match hooknum {
            NF_INET_PRE_ROUTING | NF_INET_LOCAL_OUT => NF_IP_PRI_NAT_DST,
            _ => NF_IP_PRI_NAT_SRC,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(stage: Stage, priority: i32, base: BaseId) -> Position {
        Position {
            stage,
            priority,
            base,
        }
    }

    #[test]
    fn forwarding_order_is_followed() {
        let raw = at(Stage::Prerouting, -300, 1);
        let mangle = at(Stage::Prerouting, -150, 2);
        let forward = at(Stage::Forward, 0, 3);
        let post = at(Stage::Postrouting, 100, 4);
        assert_eq!(raw.succession(&mangle, false), Succession::Next);
        assert_eq!(mangle.succession(&forward, false), Succession::Next);
        assert_eq!(forward.succession(&post, false), Succession::Next);
        assert_eq!(raw.succession(&post, false), Succession::Next);
    }

    #[test]
    fn going_back_is_another_packet() {
        let mangle = at(Stage::Prerouting, -150, 2);
        let raw = at(Stage::Prerouting, -300, 1);
        assert_eq!(mangle.succession(&raw, false), Succession::No);
        assert_eq!(mangle.succession(&mangle, false), Succession::No);
        let input = at(Stage::Input, 0, 3);
        assert_eq!(input.succession(&raw, false), Succession::No);
        let output = at(Stage::Output, 0, 5);
        assert_eq!(input.succession(&output, true), Succession::No);
    }

    #[test]
    fn equal_priorities_of_different_chains_both_run() {
        let a = at(Stage::Input, 0, 1);
        let b = at(Stage::Input, 0, 2);
        assert_eq!(a.succession(&b, false), Succession::Next);
    }

    #[test]
    fn loopback_comes_back_in() {
        let post = at(Stage::Postrouting, 100, 4);
        let raw = at(Stage::Prerouting, -300, 1);
        assert_eq!(post.succession(&raw, true), Succession::Reentry);
        assert_eq!(post.succession(&raw, false), Succession::No);
        // A source with no chain at prerouting sees the packet next at input.
        let output = at(Stage::Output, 0, 5);
        let input = at(Stage::Input, 0, 3);
        assert_eq!(output.succession(&input, true), Succession::Reentry);
    }

    #[test]
    fn legacy_nat_priority_depends_on_the_hook() {
        assert_eq!(
            legacy_table_priority("nat", NF_INET_PRE_ROUTING),
            Some(NF_IP_PRI_NAT_DST)
        );
        assert_eq!(
            legacy_table_priority("nat", NF_INET_POST_ROUTING),
            Some(NF_IP_PRI_NAT_SRC)
        );
        assert_eq!(legacy_table_priority("broute", 0), None);
    }
}
