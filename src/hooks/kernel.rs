//! The kernel's own hook list (nfnetlink_hook, Linux 5.14+ with
//! `CONFIG_NETFILTER_NETLINK_HOOK`): one `NFNL_MSG_HOOK_GET` dump per (family, hook), and per
//! device for the netdev hooks. The kernel sends the entries in the order it runs them.

use neli::consts::socket::NlFamily;
use nftrace_sys::netfilter::{
    NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV, NF_ARP_NUMHOOKS,
    NF_INET_NUMHOOKS, NF_INET_PRE_ROUTING, NF_NETDEV_EGRESS, NF_NETDEV_INGRESS,
};
use nftrace_sys::netlink::NLM_F_DUMP;
use nftrace_sys::nfnetlink_hook::{NFNLA_HOOK_DEV, NFNLA_HOOK_HOOKNUM};

use super::classify::classify;
use super::error::{HookError, HookPoint};
use super::model::{hook_name, HookEntry, HookList, HookSource, HookTable};
use crate::netlink::{DumpSocket, DumpSocketError, NfnlRequest};
use crate::ruleset::interfaces::{Interfaces, InterfacesConfig};
use crate::wire::{HookMessage, HOOK_MSG_TYPE};

/// How often a list is dumped again when the kernel flags it as changed meanwhile.
const ATTEMPTS: u32 = 3;

/// Reads the kernel's hook lists of the calling thread's network namespace: ip and ip6
/// (five hooks each), arp (three), bridge (five), and netdev ingress and egress of every
/// interface. Lists without entries are left out. [`HookError::Unsupported`] when the kernel
/// has no hook dump.
pub fn dump_kernel() -> Result<HookTable, HookError> {
    let mut socket = DumpSocket::open(NlFamily::Netfilter)
        .map_err(|e| HookError::from_dump("the hook dump", e))?;
    let mut hooks = Vec::new();
    let families = [
        (NFPROTO_IPV4, NF_INET_NUMHOOKS),
        (NFPROTO_IPV6, NF_INET_NUMHOOKS),
        (NFPROTO_ARP, NF_ARP_NUMHOOKS),
        (NFPROTO_BRIDGE, NF_INET_NUMHOOKS),
    ];
    let mut first = true;
    for (family, count) in families {
        for hook in 0..count {
            let point = HookPoint {
                family,
                hook,
                device: None,
            };
            let list = match dump_list(&mut socket, &point) {
                Err(HookError::Refused { errno, message, .. }) if first => {
                    return Err(unsupported_or_refused(point, errno, message))
                }
                other => other?,
            };
            first = false;
            hooks.extend(list);
        }
    }
    let interfaces = Interfaces::with_config(InterfacesConfig {
        monitor: false,
        ..InterfacesConfig::default()
    })?;
    let mut devices: Vec<&str> = interfaces.iter().map(|(_, name)| name).collect();
    devices.sort_unstable();
    for hook in [NF_NETDEV_INGRESS, NF_NETDEV_EGRESS] {
        for device in &devices {
            let point = HookPoint {
                family: NFPROTO_NETDEV,
                hook,
                device: Some((*device).to_owned()),
            };
            match dump_list(&mut socket, &point) {
                Ok(list) => hooks.extend(list),
                // Gone since it was listed, or (egress) not built into this kernel.
                Err(HookError::Refused {
                    errno: libc::ENODEV | libc::EOPNOTSUPP,
                    ..
                }) => {}
                Err(err) => return Err(err),
            }
        }
    }
    // Same order as a derived table: by family, then hook, then device.
    hooks.sort_by(|a, b| {
        (family_rank(a.family), a.hook, &a.device).cmp(&(family_rank(b.family), b.hook, &b.device))
    });
    Ok(HookTable {
        source: HookSource::Kernel,
        notes: Vec::new(),
        hooks,
    })
}

fn family_rank(family: u8) -> u8 {
    match family {
        NFPROTO_IPV4 => 0,
        NFPROTO_IPV6 => 1,
        NFPROTO_ARP => 2,
        NFPROTO_BRIDGE => 3,
        _ => 4,
    }
}

/// The first request tells whether the kernel has the hook dump at all: nfnetlink answers
/// a message for a subsystem it lacks with `EINVAL` (no extended ack), and a kernel with the
/// subsystem accepts ip prerouting.
fn unsupported_or_refused(point: HookPoint, errno: i32, message: Option<String>) -> HookError {
    let missing = match errno {
        libc::EINVAL => message.is_none(),
        libc::EOPNOTSUPP | libc::EPROTONOSUPPORT | libc::ENOENT => true,
        _ => false,
    };
    if missing && point.family == NFPROTO_IPV4 && point.hook == NF_INET_PRE_ROUTING {
        HookError::Unsupported { errno }
    } else {
        HookError::Refused {
            point,
            errno,
            message,
        }
    }
}

/// Dumps one list; `None` when it is empty.
fn dump_list(socket: &mut DumpSocket, point: &HookPoint) -> Result<Option<HookList>, HookError> {
    for _ in 0..ATTEMPTS {
        let seq = socket.next_seq();
        let request = hook_request(seq, point);
        let mut entries = Vec::new();
        let end = socket
            .dump(&request, seq, |msg| {
                if msg.header.ty != HOOK_MSG_TYPE {
                    return Ok(());
                }
                let hook = HookMessage::parse(msg)?;
                let mut entry = HookEntry::new(
                    hook.priority,
                    classify(
                        hook.function,
                        hook.owner.as_ref(),
                        point.family,
                        hook.priority,
                    ),
                );
                entry.function = hook.function.map(str::to_owned);
                entry.module = hook.module.map(str::to_owned);
                entries.push(entry);
                Ok(())
            })
            .map_err(|e| match e {
                DumpSocketError::Refused { errno, message } => HookError::Refused {
                    point: point.clone(),
                    errno,
                    message,
                },
                DumpSocketError::Decode(source) => HookError::Decode {
                    what: format!("the hook dump of {point}"),
                    source,
                },
                DumpSocketError::Io { op, source } => HookError::Io {
                    what: "the hook dump",
                    op,
                    source,
                },
            })?;
        if end.interrupted {
            continue;
        }
        if entries.is_empty() {
            return Ok(None);
        }
        return Ok(Some(HookList {
            family: point.family,
            hook: point.hook,
            hook_name: hook_name(point.family, point.hook),
            device: point.device.clone(),
            entries,
        }));
    }
    Err(HookError::Inconsistent {
        what: format!("the hook list of {point}"),
        attempts: ATTEMPTS,
    })
}

/// `NFNL_MSG_HOOK_GET` with `NLM_F_DUMP`: `nfgenmsg` of the family, `NFNLA_HOOK_HOOKNUM`
/// (be32) and, for netdev, `NFNLA_HOOK_DEV` (string).
fn hook_request(seq: u32, point: &HookPoint) -> Vec<u8> {
    let request = NfnlRequest::new(HOOK_MSG_TYPE, NLM_F_DUMP, seq, point.family, 0)
        .attr(NFNLA_HOOK_HOOKNUM, point.hook.to_be_bytes());
    match &point.device {
        Some(device) => request.attr_str(NFNLA_HOOK_DEV, device),
        None => request,
    }
    .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::messages;

    const UNSUPPORTED: &[u8] = include_bytes!("../../tests/fixtures/nfnl_hook_unsupported.nlmsg");

    #[test]
    fn the_request_is_what_the_kernel_echoed() {
        // The fixture's NLMSG_ERROR echoes the request capture.py sent: ip (2), hook 3.
        let msg = messages(UNSUPPORTED).next().unwrap().unwrap();
        let error = msg.error().unwrap();
        let point = HookPoint {
            family: NFPROTO_IPV4,
            hook: 3,
            device: None,
        };
        let built = hook_request(error.request.seq, &point);
        assert_eq!(&built[..4], &error.request.len.to_ne_bytes());
        assert_eq!(&built[16..], error.request_payload);
    }

    #[test]
    fn einval_on_the_first_request_means_the_subsystem_is_missing() {
        let point = |family, hook| HookPoint {
            family,
            hook,
            device: None,
        };
        assert!(
            unsupported_or_refused(point(NFPROTO_IPV4, 0), libc::EINVAL, None).is_unsupported()
        );
        assert!(
            unsupported_or_refused(point(NFPROTO_IPV4, 0), libc::EOPNOTSUPP, None).is_unsupported()
        );
        // With a reason from the kernel it is a real refusal of the request.
        assert!(
            !unsupported_or_refused(point(NFPROTO_IPV4, 0), libc::EINVAL, Some("bad".into()))
                .is_unsupported()
        );
        assert!(
            !unsupported_or_refused(point(NFPROTO_IPV4, 0), libc::EPERM, None).is_unsupported()
        );
    }
}
