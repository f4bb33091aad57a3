//! rtnetlink link messages (`RTM_NEWLINK` / `RTM_DELLINK`): a borrowed view of the
//! `struct ifinfomsg` header and the interface name, which is all nftrace needs to turn the
//! interface indexes of trace events into names.
//!
//! Layout (`include/uapi/linux/rtnetlink.h`, `if_link.h`): `nlmsghdr`, then `struct ifinfomsg`
//! (16 bytes: `u8 ifi_family`, `u8 pad`, `u16 ifi_type`, `int ifi_index`, `u32 ifi_flags`,
//! `u32 ifi_change`, all host byte order), then `IFLA_*` attributes. `IFLA_IFNAME` is a
//! NUL-terminated string. Every other attribute is skipped: a link message carries dozens.

use super::attr::{AttrSpace, Attrs};
use super::error::DecodeError;
use super::nlmsg::Message;

/// `RTM_NEWLINK`: a link's state, in a dump reply or a notification (creation, change,
/// rename).
pub const RTM_NEWLINK: u16 = libc::RTM_NEWLINK;
/// `RTM_DELLINK`: a link was deleted (or moved to another namespace).
pub const RTM_DELLINK: u16 = libc::RTM_DELLINK;
/// `RTM_GETLINK`: the request for a link dump.
pub const RTM_GETLINK: u16 = libc::RTM_GETLINK;
/// `IFLA_IFNAME`: the interface name (string). (`libc` has it for Android only.)
pub const IFLA_IFNAME: u16 = 3;
/// `IFLA_EXT_MASK`: in a request, what to leave out of the reply (`RTEXT_FILTER_*`, u32).
pub const IFLA_EXT_MASK: u16 = 29;
/// `RTNLGRP_LINK`: the multicast group of link notifications.
pub const RTNLGRP_LINK: u32 = libc::RTNLGRP_LINK;

/// Size of `struct ifinfomsg`.
pub const IFINFOMSG_LEN: usize = 16;

/// Names of the first `IFLA_*` attributes (`enum` in `if_link.h`), for error messages.
pub(crate) const LINK_ATTRS: AttrSpace = AttrSpace::new(
    &[
        "IFLA_UNSPEC",
        "IFLA_ADDRESS",
        "IFLA_BROADCAST",
        "IFLA_IFNAME",
        "IFLA_MTU",
        "IFLA_LINK",
        "IFLA_QDISC",
        "IFLA_STATS",
    ],
    "IFLA_(other)",
);

/// `struct ifinfomsg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IfInfoMsg {
    /// `ifi_family` (`AF_UNSPEC` in replies).
    pub family: u8,
    /// `ifi_type`: the device type, `ARPHRD_*` (1 Ethernet, 772 loopback, ...).
    pub link_type: u16,
    /// `ifi_index`: the interface index (positive for every real interface).
    pub index: u32,
    /// `ifi_flags`: `IFF_*` (`IFF_UP` = 1, ...).
    pub flags: u32,
    /// `ifi_change`: which flags changed (notifications).
    pub change: u32,
}

impl IfInfoMsg {
    /// Reads the header at the start of `payload` and returns it with the rest (the
    /// attributes); `offset` is only for the error.
    pub fn split(payload: &[u8], offset: usize) -> Result<(Self, &[u8]), DecodeError> {
        let Some((header, rest)) = payload.split_first_chunk::<IFINFOMSG_LEN>() else {
            return Err(DecodeError::Truncated {
                what: "ifinfomsg",
                offset,
                needed: IFINFOMSG_LEN,
                available: payload.len(),
            });
        };
        let [family, _pad, t0, t1, i0, i1, i2, i3, f0, f1, f2, f3, c0, c1, c2, c3] = *header;
        let raw_index = i32::from_ne_bytes([i0, i1, i2, i3]);
        let index = u32::try_from(raw_index).map_err(|_| DecodeError::ValueOutOfRange {
            name: "ifi_index",
            // Sign-extended so the error shows the negative number the kernel sent.
            value: i64::from(raw_index) as u64,
        })?;
        Ok((
            Self {
                family,
                link_type: u16::from_ne_bytes([t0, t1]),
                index,
                flags: u32::from_ne_bytes([f0, f1, f2, f3]),
                change: u32::from_ne_bytes([c0, c1, c2, c3]),
            },
            rest,
        ))
    }
}

/// Whether a link message announces a link or its removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkChange {
    /// `RTM_NEWLINK`: the link exists with this name (new, changed or renamed).
    New,
    /// `RTM_DELLINK`: the link is gone from this namespace.
    Del,
}

/// An `RTM_NEWLINK` or `RTM_DELLINK` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkMessage<'a> {
    /// New (or changed) link, or deleted link.
    pub change: LinkChange,
    /// The `ifinfomsg` header.
    pub info: IfInfoMsg,
    /// `IFLA_IFNAME` without its NUL. Linux names are bytes (anything but `/`, `:` and
    /// whitespace), not necessarily UTF-8.
    pub name: Option<&'a [u8]>,
}

impl<'a> LinkMessage<'a> {
    /// Decodes an `RTM_NEWLINK` / `RTM_DELLINK` message. A bad attribute header is an error;
    /// attributes other than `IFLA_IFNAME` are not looked at.
    pub fn parse(message: &Message<'a>) -> Result<Self, DecodeError> {
        let change = match message.header.ty {
            RTM_NEWLINK => LinkChange::New,
            RTM_DELLINK => LinkChange::Del,
            ty => {
                return Err(DecodeError::UnexpectedMessageType {
                    ty,
                    expected: "RTM_NEWLINK or RTM_DELLINK",
                })
            }
        };
        let (info, attrs) = IfInfoMsg::split(message.payload, message.payload_offset())?;
        let base = message.payload_offset().saturating_add(IFINFOMSG_LEN);
        let mut name = None;
        for attr in Attrs::new(attrs, base, LINK_ATTRS) {
            let attr = attr?;
            if attr.ty() == IFLA_IFNAME {
                name = Some(attr.cstr_bytes()?);
            }
        }
        Ok(Self { change, info, name })
    }

    /// The name as text, with any non-UTF-8 byte replaced (`U+FFFD`).
    pub fn name_lossy(&self) -> Option<std::borrow::Cow<'a, str>> {
        self.name.map(String::from_utf8_lossy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::messages;
    use nftrace_sys::netlink::NLMSG_DONE;

    // Captured on Linux 6.18.44 by `capture.py dump-links` in a fresh namespace holding lo and
    // a veth pair nftrace-veth0/nftrace-veth1 (see tests/fixtures/README.md): the RTM_GETLINK
    // dump's RTM_NEWLINK messages and its NLMSG_DONE.
    const RTM_LINK_DUMP: &[u8] = include_bytes!("../../tests/fixtures/rtm_link_dump.nlmsg");

    fn all_messages() -> Vec<Message<'static>> {
        messages(RTM_LINK_DUMP).collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn decodes_every_link_of_a_captured_dump() {
        let all = all_messages();
        let (done, links) = all.split_last().unwrap();
        assert_eq!(done.header.ty, NLMSG_DONE);
        let links: Vec<_> = links
            .iter()
            .map(|msg| {
                let link = LinkMessage::parse(msg).unwrap();
                assert_eq!(link.change, LinkChange::New);
                assert_eq!(link.info.family, 0);
                (
                    link.info.index,
                    link.info.link_type,
                    link.name_lossy().unwrap().into_owned(),
                )
            })
            .collect();
        assert_eq!(links.len(), 3, "{links:?}");
        // lo is always index 1 of a namespace, type ARPHRD_LOOPBACK (772); the veths are
        // ARPHRD_ETHER (1).
        assert_eq!(links[0], (1, 772, "lo".to_owned()));
        let mut veths: Vec<_> = links[1..]
            .iter()
            .map(|(_, t, n)| (*t, n.as_str()))
            .collect();
        veths.sort();
        assert_eq!(veths, [(1, "nftrace-veth0"), (1, "nftrace-veth1")]);
        assert_ne!(links[1].0, links[2].0);
    }

    #[test]
    fn no_truncation_of_a_captured_message_panics() {
        let first = all_messages()[0];
        let len = first.header.len as usize;
        let whole = &RTM_LINK_DUMP[..len];
        for cut in 0..len {
            let mut copy = whole[..cut].to_vec();
            if copy.len() >= 4 {
                crate::wire::fixtures::fix_len(&mut copy);
            }
            let result = messages(&copy)
                .next()
                .map(|m| m.and_then(|m| LinkMessage::parse(&m)));
            match result {
                // Too short for the headers, or cut inside an attribute: an error.
                None | Some(Err(_)) => {}
                // Cut between attributes: a shorter, valid message whose name is either
                // whole or absent, never a piece of it.
                Some(Ok(link)) => {
                    assert!(cut >= 16 + IFINFOMSG_LEN, "cut {cut}");
                    assert!(matches!(link.name, None | Some(b"lo")), "cut {cut}");
                }
            }
        }
    }

    #[test]
    fn negative_index_is_out_of_range() {
        let mut bytes = RTM_LINK_DUMP.to_vec();
        // ifi_index sits after the 16-byte nlmsghdr and 4 bytes of ifinfomsg.
        bytes[20..24].copy_from_slice(&(-5i32).to_ne_bytes());
        let msg = messages(&bytes).next().unwrap().unwrap();
        assert_eq!(
            LinkMessage::parse(&msg),
            Err(DecodeError::ValueOutOfRange {
                name: "ifi_index",
                value: (-5i64) as u64
            })
        );
    }

    #[test]
    fn other_message_types_are_refused() {
        let all = all_messages();
        let done = all.last().unwrap();
        assert!(matches!(
            LinkMessage::parse(done),
            Err(DecodeError::UnexpectedMessageType { ty: NLMSG_DONE, .. })
        ));
    }
}
