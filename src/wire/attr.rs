//! The netlink attribute walker: a checked, borrowed view over a run of `struct nlattr` TLVs,
//! and small typed readers that check the payload length exactly.
//!
//! Decoders read attributes by a per-attribute schema (this attribute is a be32, that one a
//! nest) and never by the `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` flags: nfnetlink sends its
//! big-endian integers without `NLA_F_NET_BYTEORDER`, and the nf_tables trace verdict nest
//! without `NLA_F_NESTED`. The flags are masked off the type and kept aside.

use nftrace_sys::netlink::{NLA_ALIGNTO, NLA_HDRLEN, NLA_TYPE_MASK};

use super::error::DecodeError;

/// A family of attribute types (`NFTA_TRACE_*`, `NFULA_*`, ...): maps a type number to the
/// kernel's name for it, so errors can name the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrSpace {
    names: &'static [&'static str],
    unknown: &'static str,
}

impl AttrSpace {
    /// A space whose type `n` is called `names[n]`; other types are called `unknown`.
    pub const fn new(names: &'static [&'static str], unknown: &'static str) -> Self {
        Self { names, unknown }
    }

    /// The kernel's name for attribute type `ty` (flags already masked off).
    #[inline]
    pub fn name(&self, ty: u16) -> &'static str {
        self.names
            .get(usize::from(ty))
            .copied()
            .unwrap_or(self.unknown)
    }
}

/// One attribute: its type (flags masked off), the flags, and its payload (without padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    ty: u16,
    flags: u16,
    payload: &'a [u8],
    offset: usize,
    space: AttrSpace,
}

impl<'a> Attr<'a> {
    /// The attribute type with `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` masked off.
    #[inline]
    pub fn ty(&self) -> u16 {
        self.ty
    }

    /// The flag bits of `nla_type` (`NLA_F_NESTED`, `NLA_F_NET_BYTEORDER`) as sent.
    #[inline]
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// The payload: `nla_len - 4` bytes, without the alignment padding.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Offset of the attribute header from the start of the decoded buffer.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The kernel's name for this attribute (`"NFTA_TRACE_MARK"`).
    #[inline]
    pub fn name(&self) -> &'static str {
        self.space.name(self.ty)
    }

    /// The payload as exactly `N` bytes.
    #[inline]
    pub fn array<const N: usize>(&self) -> Result<[u8; N], DecodeError> {
        <[u8; N]>::try_from(self.payload).map_err(|_| DecodeError::BadAttributeLength {
            name: self.name(),
            expected: N,
            got: self.payload.len(),
        })
    }

    /// A one-byte attribute.
    #[inline]
    pub fn u8(&self) -> Result<u8, DecodeError> {
        self.array::<1>().map(|[b]| b)
    }

    /// A big-endian `u16` attribute.
    #[inline]
    pub fn be16(&self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }

    /// A big-endian `u32` attribute.
    #[inline]
    pub fn be32(&self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_be_bytes)
    }

    /// A big-endian `i32` attribute (nf_tables verdict codes).
    #[inline]
    pub fn be_i32(&self) -> Result<i32, DecodeError> {
        self.array().map(i32::from_be_bytes)
    }

    /// A big-endian `u64` attribute.
    #[inline]
    pub fn be64(&self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_be_bytes)
    }

    /// A `u32` attribute in host byte order (`nla_put_u32`, e.g. `NFTA_TRACE_ID`).
    #[inline]
    pub fn ne32(&self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_ne_bytes)
    }

    /// A NUL-terminated string attribute, as bytes without the terminator (up to the first
    /// NUL). The last payload byte must be NUL.
    #[inline]
    pub fn cstr_bytes(&self) -> Result<&'a [u8], DecodeError> {
        match self.payload.split_last() {
            Some((0, body)) => {
                let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
                Ok(body.get(..end).unwrap_or(body))
            }
            _ => Err(DecodeError::NotNulTerminated { name: self.name() }),
        }
    }

    /// A NUL-terminated UTF-8 string attribute, without the terminator.
    #[inline]
    pub fn cstr(&self) -> Result<&'a str, DecodeError> {
        let bytes = self.cstr_bytes()?;
        core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { name: self.name() })
    }

    /// The payload read as a nest of attributes of `space`, whatever the `NLA_F_NESTED` flag.
    #[inline]
    pub fn nested(&self, space: AttrSpace) -> Attrs<'a> {
        Attrs::new(self.payload, self.offset.saturating_add(NLA_HDRLEN), space)
    }
}

/// Iterator over the attributes in a buffer.
///
/// Yields `Err` for an attribute header that is cut short, declares `nla_len < 4`, or runs
/// past the buffer, and then stops: after a bad length nothing that follows can be framed.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    space: AttrSpace,
    failed: bool,
}

impl<'a> Attrs<'a> {
    /// Walks the attributes in `buf`, which starts `base` bytes into the decoded buffer (used
    /// only to report offsets), naming types by `space`.
    #[inline]
    pub fn new(buf: &'a [u8], base: usize, space: AttrSpace) -> Self {
        Self {
            buf,
            pos: 0,
            base,
            space,
            failed: false,
        }
    }

    #[cold]
    fn fail(&mut self, error: DecodeError) -> Option<Result<Attr<'a>, DecodeError>> {
        self.failed = true;
        Some(Err(error))
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            return None;
        }
        let offset = self.base.saturating_add(self.pos);
        let Some(&[l0, l1, t0, t1]) = rest.get(..NLA_HDRLEN) else {
            return self.fail(DecodeError::Truncated {
                what: "nlattr",
                offset,
                needed: NLA_HDRLEN,
                available: rest.len(),
            });
        };
        let len = u16::from_ne_bytes([l0, l1]);
        let raw_type = u16::from_ne_bytes([t0, t1]);
        let ty = raw_type & NLA_TYPE_MASK;
        let total = usize::from(len);
        if total < NLA_HDRLEN {
            return self.fail(DecodeError::BadAttributeHeader {
                name: self.space.name(ty),
                ty,
                offset,
                len,
            });
        }
        let Some(payload) = rest.get(NLA_HDRLEN..total) else {
            return self.fail(DecodeError::Truncated {
                what: self.space.name(ty),
                offset,
                needed: total,
                available: rest.len(),
            });
        };
        // The last attribute may come without its padding; never step past the end.
        let step = align(total).min(rest.len());
        self.pos = self.pos.saturating_add(step);
        Some(Ok(Attr {
            ty,
            flags: raw_type & !NLA_TYPE_MASK,
            payload,
            offset,
            space: self.space,
        }))
    }
}

impl core::iter::FusedIterator for Attrs<'_> {}

/// `NLA_ALIGN`: rounds a length up to the attribute alignment. Saturates instead of
/// overflowing (lengths here come from a `u16`, so it never does).
#[inline]
pub(crate) fn align(len: usize) -> usize {
    len.saturating_add(NLA_ALIGNTO - 1) & !(NLA_ALIGNTO - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures;

    const SPACE: AttrSpace = AttrSpace::new(&["T_UNSPEC", "T_ONE"], "T_UNKNOWN");

    /// The attributes of the first message of a real trace capture (after the 16-byte
    /// nlmsghdr and the 4-byte nfgenmsg).
    fn real_attrs() -> &'static [u8] {
        let msg = fixtures::first_message(fixtures::NFT_TRACE_UDP4);
        msg.get(20..).unwrap_or_default()
    }

    #[test]
    fn walks_a_real_attribute_run_to_its_end() {
        let bytes = real_attrs();
        let mut end = 0;
        let mut count = 0;
        for attr in Attrs::new(bytes, 20, SPACE) {
            let attr = attr.unwrap();
            assert!(attr.offset() >= 20);
            end = attr.offset() - 20 + 4 + attr.payload().len();
            count += 1;
        }
        assert!(count >= 8, "{count} attributes");
        assert_eq!(align(end), bytes.len());
    }

    #[test]
    fn masks_flags_off_the_type() {
        let mut bytes = real_attrs().to_vec();
        // First attribute: set both flags on its type.
        let ty = u16::from_ne_bytes([bytes[2], bytes[3]]);
        bytes[2..4].copy_from_slice(&(ty | 0xc000).to_ne_bytes());
        let attr = Attrs::new(&bytes, 0, SPACE).next().unwrap().unwrap();
        assert_eq!(attr.ty(), ty);
        assert_eq!(attr.flags(), 0xc000);
    }

    #[test]
    fn rejects_nla_len_below_header_and_stops() {
        let mut bytes = real_attrs().to_vec();
        bytes[0..2].copy_from_slice(&3u16.to_ne_bytes());
        let mut attrs = Attrs::new(&bytes, 100, SPACE);
        match attrs.next() {
            Some(Err(DecodeError::BadAttributeHeader { offset, len, .. })) => {
                assert_eq!((offset, len), (100, 3));
            }
            other => panic!("{other:?}"),
        }
        assert!(attrs.next().is_none());
    }

    #[test]
    fn rejects_nla_len_past_the_end() {
        let bytes = real_attrs();
        let first_len = usize::from(u16::from_ne_bytes([bytes[0], bytes[1]]));
        let cut = &bytes[..first_len - 1];
        let mut attrs = Attrs::new(cut, 0, SPACE);
        assert!(matches!(
            attrs.next(),
            Some(Err(DecodeError::Truncated { needed, available, .. }))
                if needed == first_len && available == first_len - 1
        ));
        assert!(attrs.next().is_none());
    }

    #[test]
    fn partial_header_is_an_error() {
        let bytes = real_attrs();
        let mut attrs = Attrs::new(&bytes[..3], 0, SPACE);
        assert!(matches!(
            attrs.next(),
            Some(Err(DecodeError::Truncated {
                what: "nlattr",
                needed: 4,
                available: 3,
                ..
            }))
        ));
    }

    #[test]
    fn readers_check_exact_lengths_and_name_the_attribute() {
        // NFPROTO of a real trace message: a be32 of value 2 (NFPROTO_IPV4).
        let space = crate::wire::trace::TRACE_ATTRS;
        let nfproto = Attrs::new(real_attrs(), 0, space)
            .map(Result::unwrap)
            .find(|a| a.ty() == nftrace_sys::nf_tables::NFTA_TRACE_NFPROTO)
            .unwrap();
        assert_eq!(nfproto.be32(), Ok(2));
        assert_eq!(
            nfproto.be16(),
            Err(DecodeError::BadAttributeLength {
                name: "NFTA_TRACE_NFPROTO",
                expected: 2,
                got: 4
            })
        );
        assert!(matches!(
            nfproto.be64(),
            Err(DecodeError::BadAttributeLength { expected: 8, .. })
        ));
        assert!(matches!(
            nfproto.u8(),
            Err(DecodeError::BadAttributeLength { expected: 1, .. })
        ));
        assert_eq!(
            nfproto.cstr(),
            Err(DecodeError::NotNulTerminated {
                name: "NFTA_TRACE_NFPROTO"
            })
        );
    }

    #[test]
    fn strings_need_their_terminator_and_valid_utf8() {
        let space = crate::wire::trace::TRACE_ATTRS;
        let mut bytes = real_attrs().to_vec();
        let table = Attrs::new(&bytes, 0, space)
            .map(Result::unwrap)
            .find(|a| a.ty() == nftrace_sys::nf_tables::NFTA_TRACE_TABLE)
            .unwrap();
        assert_eq!(table.cstr(), Ok("nftrace_fixture"));
        let start = table.offset() + 4;
        bytes[start] = 0xff;
        let table = Attrs::new(&bytes, 0, space)
            .map(Result::unwrap)
            .find(|a| a.ty() == nftrace_sys::nf_tables::NFTA_TRACE_TABLE)
            .unwrap();
        assert_eq!(
            table.cstr(),
            Err(DecodeError::InvalidUtf8 {
                name: "NFTA_TRACE_TABLE"
            })
        );
        assert_eq!(
            table.cstr_bytes().map(<[u8]>::len),
            Ok("nftrace_fixture".len())
        );
    }

    #[test]
    fn unknown_types_are_named_by_their_space() {
        assert_eq!(SPACE.name(1), "T_ONE");
        assert_eq!(SPACE.name(2), "T_UNKNOWN");
        assert_eq!(SPACE.name(u16::MAX), "T_UNKNOWN");
    }
}
