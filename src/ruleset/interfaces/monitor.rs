//! The link notification socket: `NETLINK_ROUTE` subscribed to `RTNLGRP_LINK`, read without
//! blocking. Each datagram's `RTM_NEWLINK` / `RTM_DELLINK` messages become (change, index,
//! name) triples for the cache; an overflow (`ENOBUFS`) is reported so the cache re-reads
//! the whole list.

use std::io;

use neli::consts::socket::{Msg, NlFamily};
use neli::socket::NlSocket;
use neli::utils::Groups;

use super::InterfacesError;
use crate::wire::{messages, LinkChange, LinkMessage, RTM_DELLINK, RTM_NEWLINK, RTNLGRP_LINK};

/// Room for a datagram of notifications; grown when a bigger one is waiting.
const INITIAL_BUFFER: usize = 16 * 1024;

/// Receive buffer asked for: a burst of a few thousand link changes (containers starting)
/// fits before the kernel has to drop any.
const RCVBUF_BYTES: usize = 1 << 20;

/// What one [`LinkMonitor::read`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MonitorRead {
    /// Nothing was waiting.
    Empty,
    /// A datagram was read (its link messages were appended).
    Messages,
    /// The kernel dropped notifications: the list must be read again.
    Overrun,
}

/// A non-blocking socket subscribed to link notifications.
pub(super) struct LinkMonitor {
    socket: NlSocket,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for LinkMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkMonitor").finish_non_exhaustive()
    }
}

impl LinkMonitor {
    /// Opens the socket in the calling thread's network namespace and joins `RTNLGRP_LINK`.
    pub(super) fn open() -> Result<Self, InterfacesError> {
        let io = |op| move |source| InterfacesError::Io { op, source };
        let socket =
            NlSocket::new(NlFamily::Route).map_err(io("opening a NETLINK_ROUTE socket"))?;
        socket
            .bind(None, Groups::new_groups(&[RTNLGRP_LINK]))
            .map_err(io("joining RTNLGRP_LINK"))?;
        socket
            .nonblock()
            .map_err(io("making the link notification socket non-blocking"))?;
        if let Err(err) = socket.set_recv_buffer_size(RCVBUF_BYTES) {
            log::debug!("link notifications: keeping the default receive buffer: {err}");
        }
        Ok(LinkMonitor {
            socket,
            buffer: vec![0; INITIAL_BUFFER],
        })
    }

    /// Reads one waiting datagram, if any, and appends its link changes to `out`. Messages
    /// that do not decode are skipped (logged): one bad notification must not stop the
    /// others, and the next re-read corrects the cache anyway.
    pub(super) fn read(
        &mut self,
        out: &mut Vec<(LinkChange, u32, Option<String>)>,
    ) -> Result<MonitorRead, InterfacesError> {
        let peeked = self
            .socket
            .recv(&mut self.buffer[..], Msg::PEEK | Msg::TRUNC | Msg::DONTWAIT);
        match peeked {
            Ok((len, _)) if len > self.buffer.len() => {
                self.buffer.resize(len.min(crate::netlink::MAX_DATAGRAM), 0)
            }
            Ok(_) => {}
            Err(err) => return Self::idle_or_error(err),
        }
        let len = match self.socket.recv(&mut self.buffer[..], Msg::DONTWAIT) {
            Ok((len, _)) => len.min(self.buffer.len()),
            Err(err) => return Self::idle_or_error(err),
        };
        let datagram = self.buffer.get(..len).unwrap_or_default();
        for msg in messages(datagram) {
            let msg = match msg {
                Ok(msg) => msg,
                Err(err) => {
                    log::debug!("link notification: {err}");
                    break;
                }
            };
            if msg.header.ty != RTM_NEWLINK && msg.header.ty != RTM_DELLINK {
                continue;
            }
            match LinkMessage::parse(&msg) {
                Ok(link) => out.push((
                    link.change,
                    link.info.index,
                    link.name_lossy().map(|n| n.into_owned()),
                )),
                Err(err) => log::debug!("link notification: {err}"),
            }
        }
        Ok(MonitorRead::Messages)
    }

    fn idle_or_error(err: io::Error) -> Result<MonitorRead, InterfacesError> {
        match err.raw_os_error() {
            Some(libc::ENOBUFS) => Ok(MonitorRead::Overrun),
            Some(libc::EAGAIN | libc::EINTR) => Ok(MonitorRead::Empty),
            _ if err.kind() == io::ErrorKind::WouldBlock => Ok(MonitorRead::Empty),
            _ => Err(InterfacesError::Io {
                op: "reading link notifications",
                source: err,
            }),
        }
    }
}
