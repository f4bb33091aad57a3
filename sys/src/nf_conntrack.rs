//! Conntrack ABI from `include/uapi/linux/netfilter/nf_conntrack_common.h` and
//! `nf_conntrack_tuple_common.h`: packet ctinfo, status bits, directions and the state bits
//! that nf_tables uses (`ct state`, `NFTA_TRACE_CT_STATE`).
//!
//! Types: `IP_CT_*` ctinfo values and `IPS_*`/`NF_CT_STATE_*` bits are `u32` (they travel as
//! be32: `NFULA_CT_INFO`, `CTA_STATUS`, `NFTA_TRACE_CT_STATUS`/`CT_STATE`); `*_BIT` numbers
//! are `u32` too. Directions are `u8` (`NFTA_TRACE_CT_DIRECTION`, `NFTA_CT_DIRECTION`).

/// ctinfo: part of an established connection (either direction).
pub const IP_CT_ESTABLISHED: u32 = 0;
/// ctinfo: like NEW, but related to an existing connection, or an ICMP error.
pub const IP_CT_RELATED: u32 = 1;
/// ctinfo: started a new connection (original direction only); may be a retransmission.
pub const IP_CT_NEW: u32 = 2;
/// ctinfo values `>=` this are in the reply direction.
pub const IP_CT_IS_REPLY: u32 = 3;
/// ctinfo: established, reply direction.
pub const IP_CT_ESTABLISHED_REPLY: u32 = IP_CT_ESTABLISHED + IP_CT_IS_REPLY;
/// ctinfo: related, reply direction.
pub const IP_CT_RELATED_REPLY: u32 = IP_CT_RELATED + IP_CT_IS_REPLY;
/// Number of distinct ctinfo values.
pub const IP_CT_NUMBER: u32 = 5;
/// Userspace compatibility only: there is no NEW in the reply direction.
pub const IP_CT_NEW_REPLY: u32 = IP_CT_NUMBER;

/// Direction: original (the packet that created the entry went this way).
pub const IP_CT_DIR_ORIGINAL: u8 = 0;
/// Direction: reply.
pub const IP_CT_DIR_REPLY: u8 = 1;
/// Number of directions.
pub const IP_CT_DIR_MAX: u8 = 2;

/// State bit of an invalid packet (`ct state invalid`). nf_tables traces send no CT
/// attributes at all for invalid packets, so this bit never appears in `NFTA_TRACE_CT_STATE`.
pub const NF_CT_STATE_INVALID_BIT: u32 = 1 << 0;
/// State bit of an untracked packet (`ct state untracked`).
pub const NF_CT_STATE_UNTRACKED_BIT: u32 = 1 << 6;
/// State bits for a tracked packet are `NF_CT_STATE_BIT(ctinfo) = 1 << (ctinfo % 3 + 1)`
/// (`% IP_CT_IS_REPLY`, so both directions map to the same bit): ESTABLISHED → 2.
/// Not a kernel name: the kernel only has the macro.
pub const NF_CT_STATE_ESTABLISHED_BIT: u32 = 1 << (IP_CT_ESTABLISHED % IP_CT_IS_REPLY + 1);
/// `NF_CT_STATE_BIT(IP_CT_RELATED)` = 4. Not a kernel name: the kernel only has the macro.
pub const NF_CT_STATE_RELATED_BIT: u32 = 1 << (IP_CT_RELATED % IP_CT_IS_REPLY + 1);
/// `NF_CT_STATE_BIT(IP_CT_NEW)` = 8. Not a kernel name: the kernel only has the macro.
pub const NF_CT_STATE_NEW_BIT: u32 = 1 << (IP_CT_NEW % IP_CT_IS_REPLY + 1);

/// Status bit number: expected connection (never changes).
pub const IPS_EXPECTED_BIT: u32 = 0;
/// Status: expected connection.
pub const IPS_EXPECTED: u32 = 1 << IPS_EXPECTED_BIT;
/// Status bit number: packets seen both ways.
pub const IPS_SEEN_REPLY_BIT: u32 = 1;
/// Status: packets seen both ways.
pub const IPS_SEEN_REPLY: u32 = 1 << IPS_SEEN_REPLY_BIT;
/// Status bit number: never early-expired.
pub const IPS_ASSURED_BIT: u32 = 2;
/// Status: never early-expired.
pub const IPS_ASSURED: u32 = 1 << IPS_ASSURED_BIT;
/// Status bit number: confirmed (the first packet left the box).
pub const IPS_CONFIRMED_BIT: u32 = 3;
/// Status: confirmed.
pub const IPS_CONFIRMED: u32 = 1 << IPS_CONFIRMED_BIT;
/// Status bit number: needs source NAT in the original direction.
pub const IPS_SRC_NAT_BIT: u32 = 4;
/// Status: needs source NAT in the original direction.
pub const IPS_SRC_NAT: u32 = 1 << IPS_SRC_NAT_BIT;
/// Status bit number: needs destination NAT in the original direction.
pub const IPS_DST_NAT_BIT: u32 = 5;
/// Status: needs destination NAT in the original direction.
pub const IPS_DST_NAT: u32 = 1 << IPS_DST_NAT_BIT;
/// Status: both NAT bits.
pub const IPS_NAT_MASK: u32 = IPS_DST_NAT | IPS_SRC_NAT;
/// Status bit number: TCP sequence numbers need adjusting.
pub const IPS_SEQ_ADJUST_BIT: u32 = 6;
/// Status: TCP sequence numbers need adjusting.
pub const IPS_SEQ_ADJUST: u32 = 1 << IPS_SEQ_ADJUST_BIT;
/// Status bit number: source NAT set up.
pub const IPS_SRC_NAT_DONE_BIT: u32 = 7;
/// Status: source NAT set up.
pub const IPS_SRC_NAT_DONE: u32 = 1 << IPS_SRC_NAT_DONE_BIT;
/// Status bit number: destination NAT set up.
pub const IPS_DST_NAT_DONE_BIT: u32 = 8;
/// Status: destination NAT set up.
pub const IPS_DST_NAT_DONE: u32 = 1 << IPS_DST_NAT_DONE_BIT;
/// Status: both NAT-done bits.
pub const IPS_NAT_DONE_MASK: u32 = IPS_DST_NAT_DONE | IPS_SRC_NAT_DONE;
/// Status bit number: dying (removed from the tables).
pub const IPS_DYING_BIT: u32 = 9;
/// Status: dying.
pub const IPS_DYING: u32 = 1 << IPS_DYING_BIT;
/// Status bit number: fixed timeout.
pub const IPS_FIXED_TIMEOUT_BIT: u32 = 10;
/// Status: fixed timeout.
pub const IPS_FIXED_TIMEOUT: u32 = 1 << IPS_FIXED_TIMEOUT_BIT;
/// Status bit number: template entry.
pub const IPS_TEMPLATE_BIT: u32 = 11;
/// Status: template entry.
pub const IPS_TEMPLATE: u32 = 1 << IPS_TEMPLATE_BIT;
/// Status bit number: obsolete "untracked" bit. The kernel reuses bit 12 internally as
/// `IPS_NAT_CLASH` (not in uapi); nf_tables traces mask it out since July 2025.
pub const IPS_UNTRACKED_BIT: u32 = 12;
/// Status: obsolete "untracked" (see [`IPS_UNTRACKED_BIT`]).
pub const IPS_UNTRACKED: u32 = 1 << IPS_UNTRACKED_BIT;
/// Status bit number: a helper was attached explicitly (ruleset, ctnetlink).
pub const IPS_HELPER_BIT: u32 = 13;
/// Status: a helper was attached explicitly.
pub const IPS_HELPER: u32 = 1 << IPS_HELPER_BIT;
/// Status bit number: offloaded to a flowtable.
pub const IPS_OFFLOAD_BIT: u32 = 14;
/// Status: offloaded to a flowtable.
pub const IPS_OFFLOAD: u32 = 1 << IPS_OFFLOAD_BIT;
/// Status bit number: offloaded to hardware.
pub const IPS_HW_OFFLOAD_BIT: u32 = 15;
/// Status: offloaded to hardware.
pub const IPS_HW_OFFLOAD: u32 = 1 << IPS_HW_OFFLOAD_BIT;
/// Status bits userspace may not change.
pub const IPS_UNCHANGEABLE_MASK: u32 = IPS_NAT_DONE_MASK
    | IPS_NAT_MASK
    | IPS_EXPECTED
    | IPS_CONFIRMED
    | IPS_DYING
    | IPS_SEQ_ADJUST
    | IPS_TEMPLATE
    | IPS_UNTRACKED
    | IPS_OFFLOAD
    | IPS_HW_OFFLOAD;

/// Expectation flag: permanent.
pub const NF_CT_EXPECT_PERMANENT: u32 = 0x1;
/// Expectation flag: inactive.
pub const NF_CT_EXPECT_INACTIVE: u32 = 0x2;
/// Expectation flag: created from userspace.
pub const NF_CT_EXPECT_USERSPACE: u32 = 0x4;
