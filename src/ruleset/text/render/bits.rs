//! Bit-level helpers over register data: values as nft holds them (numbers of a given byte
//! order and bit length) and masks.
//!
//! Register data is a byte string. Payload data is big-endian (network order); meta and ct
//! data is in the host's order, which is the order of the machine that reads it, because the
//! kernel that wrote it runs there.

/// How a value's bytes are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    Big,
    Host,
}

/// A value read out of register data: up to 128 bits as a number, plus the bytes as they
/// were (for strings and addresses). `bits` is the value's width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub bytes: Vec<u8>,
    pub bits: u32,
    pub order: ByteOrder,
}

impl Value {
    pub fn new(bytes: &[u8], order: ByteOrder) -> Self {
        let bits = u32::try_from(bytes.len().saturating_mul(8)).unwrap_or(u32::MAX);
        Self {
            bytes: bytes.to_vec(),
            bits,
            order,
        }
    }

    /// The value as a number, if it fits in 128 bits.
    pub fn number(&self) -> Option<u128> {
        to_number(&self.bytes, self.order)
    }

    /// The value's bytes in big-endian order (network order).
    pub fn be_bytes(&self) -> Vec<u8> {
        match self.order {
            ByteOrder::Big => self.bytes.clone(),
            ByteOrder::Host => host_to_be(&self.bytes),
        }
    }

    /// A value of `bits` width from a number, in the given order (`bits` rounded up to
    /// whole bytes for the byte string).
    pub fn from_number(number: u128, bits: u32, order: ByteOrder) -> Self {
        let len = usize::try_from(bits.div_ceil(8)).unwrap_or(16).min(16);
        let be = number.to_be_bytes();
        let mut bytes = be.get(16 - len..).unwrap_or_default().to_vec();
        if order == ByteOrder::Host && cfg!(target_endian = "little") {
            bytes.reverse();
        }
        Self { bytes, bits, order }
    }
}

/// Bytes of host order as big-endian bytes.
fn host_to_be(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if cfg!(target_endian = "little") {
        out.reverse();
    }
    out
}

/// A byte string as a number in the given order; `None` past 16 bytes.
pub(crate) fn to_number(bytes: &[u8], order: ByteOrder) -> Option<u128> {
    if bytes.len() > 16 {
        return None;
    }
    let little = order == ByteOrder::Host && cfg!(target_endian = "little");
    let mut n: u128 = 0;
    if little {
        for &b in bytes.iter().rev() {
            n = (n << 8) | u128::from(b);
        }
    } else {
        for &b in bytes {
            n = (n << 8) | u128::from(b);
        }
    }
    Some(n)
}

/// For a mask of `bits` width: the index (from the least significant bit) of its lowest set
/// bit, and the index of the first clear bit above it (nft's `mpz_scan1`/`mpz_scan0`).
pub(crate) fn mask_run(mask: u128, bits: u32) -> Option<(u32, u32)> {
    if mask == 0 {
        return None;
    }
    let low = mask.trailing_zeros();
    let mut high = low;
    while high < bits.min(128) && (mask >> high) & 1 == 1 {
        high += 1;
    }
    Some((low, high))
}

/// The prefix length of a mask of `bits` width, if it is a prefix (ones from the top, then
/// zeros).
pub(crate) fn mask_prefix_len(mask: u128, bits: u32) -> Option<u32> {
    if bits == 0 || bits > 128 {
        return None;
    }
    if mask == 0 {
        return Some(0);
    }
    let (low, high) = mask_run(mask, bits)?;
    (high == bits).then_some(bits - low)
}

/// All ones in the low `bits` bits.
pub(crate) fn ones(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_prefix_len(0xffff_ff00, 32), Some(24));
        assert_eq!(mask_prefix_len(0xffff_fe00, 32), Some(23));
        assert_eq!(mask_prefix_len(0x00ff_ff00, 32), None);
        assert_eq!(mask_run(0xfc, 8), Some((2, 8)));
        assert_eq!(mask_run(0x12, 8), Some((1, 2)));
        assert_eq!(mask_run(0, 8), None);
    }

    #[test]
    fn numbers_by_order() {
        assert_eq!(to_number(&[0x00, 0x16], ByteOrder::Big), Some(22));
        let host = 22u32.to_ne_bytes();
        assert_eq!(to_number(&host, ByteOrder::Host), Some(22));
        assert_eq!(to_number(&[0; 17], ByteOrder::Big), None);
        let v = Value::from_number(0x10, 32, ByteOrder::Host);
        assert_eq!(v.bytes, 0x10u32.to_ne_bytes());
        assert_eq!(v.number(), Some(0x10));
    }
}
