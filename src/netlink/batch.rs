//! Receiving many datagrams per system call: [`RecvBatch`] owns preallocated slots that one
//! `recvmmsg(2)` fills, and hands the datagrams out as borrowed byte slices. Each datagram
//! holds one or more netlink messages; splitting them is the wire decoder's job.

use std::io;
use std::os::fd::BorrowedFd;

use super::sys_io::{self, MmsgScratch, Received};

/// Counters of one socket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SocketStats {
    /// Datagrams handed to the caller.
    pub datagrams: u64,
    /// Bytes in those datagrams.
    pub bytes: u64,
    /// Receive-buffer overruns the kernel reported (`ENOBUFS`): each means one or more
    /// messages were lost. Never fatal.
    pub overruns: u64,
    /// Datagrams larger than a [`RecvBatch`] slot; the kernel cut them short and they were
    /// dropped rather than handed out incomplete.
    pub truncated: u64,
}

impl SocketStats {
    /// Adds what `batch` just received.
    pub(crate) fn record(&mut self, batch: &RecvBatch) {
        self.datagrams += batch.len() as u64;
        self.bytes += batch.iter().map(|d| d.len() as u64).sum::<u64>();
        self.truncated += batch.truncated_in_last_fill;
    }
}

/// Preallocated receive slots, filled by one `recvmmsg(2)` per receive call.
///
/// Receiving never blocks: it takes whatever is queued, up to [`RecvBatch::slots`]
/// datagrams (`MSG_DONTWAIT`). Wait for data with [`poll_readable`](super::poll_readable)
/// first. The datagrams stay valid until the next receive into the same batch.
#[derive(Debug)]
pub struct RecvBatch {
    storage: Vec<u8>,
    slot_len: usize,
    received: Vec<Received>,
    truncated_in_last_fill: u64,
    scratch: MmsgScratch,
}

impl RecvBatch {
    /// Default number of slots.
    pub const DEFAULT_SLOTS: usize = 32;
    /// Default slot size: 64 KiB, enough for any nflog message with a copy range up to
    /// about 65 000 bytes, and for any nf_tables trace message.
    pub const DEFAULT_SLOT_LEN: usize = 64 * 1024;
    /// Smallest slot size accepted; smaller requests are raised to it (a page, the size
    /// the kernel's netlink messages are built for).
    pub const MIN_SLOT_LEN: usize = 4096;

    /// A batch of `slots` slots of `slot_len` bytes each (at least 1 slot, and at least
    /// [`Self::MIN_SLOT_LEN`] bytes per slot). Allocates `slots * slot_len` bytes once.
    pub fn new(slots: usize, slot_len: usize) -> Self {
        let slots = slots.max(1);
        let slot_len = slot_len.max(Self::MIN_SLOT_LEN);
        RecvBatch {
            storage: vec![0; slots.saturating_mul(slot_len)],
            slot_len,
            received: Vec::with_capacity(slots),
            truncated_in_last_fill: 0,
            scratch: MmsgScratch::default(),
        }
    }

    /// Number of slots (the most datagrams one receive can return).
    pub fn slots(&self) -> usize {
        self.storage.len() / self.slot_len
    }

    /// Bytes per slot.
    pub fn slot_len(&self) -> usize {
        self.slot_len
    }

    /// Number of datagrams from the last receive.
    pub fn len(&self) -> usize {
        self.received.len()
    }

    /// True when the last receive returned nothing.
    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
    }

    /// The `index`-th datagram of the last receive.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let received = self.received.get(index)?;
        self.datagram(received)
    }

    /// The datagrams of the last receive, in arrival order.
    pub fn iter(&self) -> Datagrams<'_> {
        Datagrams {
            batch: self,
            received: self.received.iter(),
        }
    }

    fn datagram(&self, received: &Received) -> Option<&[u8]> {
        let start = received.slot.checked_mul(self.slot_len)?;
        let end = start.checked_add(received.len)?;
        self.storage.get(start..end)
    }

    /// One `recvmmsg` into the slots; truncated datagrams are counted and left out.
    pub(crate) fn fill(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.truncated_in_last_fill = 0;
        sys_io::recv_many(
            fd,
            &mut self.storage,
            self.slot_len,
            &mut self.scratch,
            &mut self.received,
        )?;
        let before = self.received.len();
        self.received.retain(|r| !r.truncated);
        self.truncated_in_last_fill = (before - self.received.len()) as u64;
        Ok(())
    }
}

impl Default for RecvBatch {
    fn default() -> Self {
        Self::new(Self::DEFAULT_SLOTS, Self::DEFAULT_SLOT_LEN)
    }
}

impl<'a> IntoIterator for &'a RecvBatch {
    type Item = &'a [u8];
    type IntoIter = Datagrams<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the datagrams of a [`RecvBatch`], borrowed from its slots.
#[derive(Debug, Clone)]
pub struct Datagrams<'a> {
    batch: &'a RecvBatch,
    received: std::slice::Iter<'a, Received>,
}

impl<'a> Iterator for Datagrams<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<Self::Item> {
        self.received.find_map(|r| self.batch.datagram(r))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.received.size_hint().1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    // recvmmsg works on any datagram socket; loopback UDP exercises the slot handling
    // without netlink privileges. The netlink path is covered by tests/netlink_sockets.rs.
    fn pair() -> (UdpSocket, UdpSocket) {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.connect(rx.local_addr().unwrap()).unwrap();
        (rx, tx)
    }

    #[test]
    fn empty_socket_gives_an_empty_batch() {
        let (rx, _tx) = pair();
        let mut batch = RecvBatch::new(4, 4096);
        batch.fill(rx.as_fd()).unwrap();
        assert!(batch.is_empty());
        assert_eq!(batch.iter().count(), 0);
    }

    #[test]
    fn datagrams_arrive_in_order_one_per_slot_up_to_the_slot_count() {
        let (rx, tx) = pair();
        for i in 0..6u8 {
            tx.send(&vec![i; 100 + usize::from(i)]).unwrap();
        }
        let mut batch = RecvBatch::new(4, 4096);
        batch.fill(rx.as_fd()).unwrap();
        assert_eq!(batch.len(), 4);
        for (i, datagram) in batch.iter().enumerate() {
            assert_eq!(datagram.len(), 100 + i);
            assert!(datagram.iter().all(|&b| usize::from(b) == i));
        }
        batch.fill(rx.as_fd()).unwrap();
        let rest: Vec<usize> = batch.iter().map(<[u8]>::len).collect();
        assert_eq!(rest, vec![104, 105]);
        assert_eq!(batch.get(2), None);
    }

    #[test]
    fn oversized_datagrams_are_counted_and_left_out() {
        let (rx, tx) = pair();
        tx.send(&[1; 5000]).unwrap();
        tx.send(&[2; 10]).unwrap();
        let mut batch = RecvBatch::new(4, 4096);
        batch.fill(rx.as_fd()).unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch.get(0), Some(&[2u8; 10][..]));
        let mut stats = SocketStats::default();
        stats.record(&batch);
        assert_eq!(
            stats,
            SocketStats {
                datagrams: 1,
                bytes: 10,
                overruns: 0,
                truncated: 1
            }
        );
    }

    #[test]
    fn sizes_are_raised_to_the_minimum() {
        let batch = RecvBatch::new(0, 1);
        assert_eq!(batch.slots(), 1);
        assert_eq!(batch.slot_len(), RecvBatch::MIN_SLOT_LEN);
    }
}
