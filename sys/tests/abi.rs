//! Cross-checks the kernel ABI constants and headers of `nftrace-sys` against the `libc`
//! crate, for every name both define, and checks the layouts (sizes, alignments, offsets) of
//! the `#[repr(C)]` headers. The values themselves were also checked against the kernel's
//! uapi headers (see the crate docs); this test keeps them from drifting.

use core::mem::{align_of, offset_of, size_of};

/// Asserts that `libc::NAME` and `nftrace_sys::MODULE::NAME` have the same value.
/// Compared as `i64`: libc uses `c_int` for almost everything, nftrace-sys the wire type.
macro_rules! same {
    ($module:ident :: $name:ident) => {
        assert_eq!(
            libc::$name as i64,
            nftrace_sys::$module::$name as i64,
            concat!(stringify!($module), "::", stringify!($name))
        );
    };
}

#[test]
fn netfilter_constants_match_libc() {
    same!(netfilter::NFPROTO_UNSPEC);
    same!(netfilter::NFPROTO_INET);
    same!(netfilter::NFPROTO_IPV4);
    same!(netfilter::NFPROTO_ARP);
    same!(netfilter::NFPROTO_NETDEV);
    same!(netfilter::NFPROTO_BRIDGE);
    same!(netfilter::NFPROTO_IPV6);
    same!(netfilter::NFPROTO_DECNET);
    same!(netfilter::NFPROTO_NUMPROTO);
    same!(netfilter::NF_DROP);
    same!(netfilter::NF_ACCEPT);
    same!(netfilter::NF_STOLEN);
    same!(netfilter::NF_QUEUE);
    same!(netfilter::NF_REPEAT);
    same!(netfilter::NF_STOP);
    same!(netfilter::NF_MAX_VERDICT);
    same!(netfilter::NF_VERDICT_MASK);
    same!(netfilter::NF_VERDICT_FLAG_QUEUE_BYPASS);
    same!(netfilter::NF_VERDICT_QMASK);
    same!(netfilter::NF_VERDICT_QBITS);
    same!(netfilter::NF_VERDICT_BITS);
    same!(netfilter::NF_INET_PRE_ROUTING);
    same!(netfilter::NF_INET_LOCAL_IN);
    same!(netfilter::NF_INET_FORWARD);
    same!(netfilter::NF_INET_LOCAL_OUT);
    same!(netfilter::NF_INET_POST_ROUTING);
    same!(netfilter::NF_INET_NUMHOOKS);
    same!(netfilter::NF_INET_INGRESS);
    same!(netfilter::NF_NETDEV_INGRESS);
    same!(netfilter::NF_NETDEV_EGRESS);
    same!(netfilter::NF_NETDEV_NUMHOOKS);
    same!(netfilter::NF_IP_PRE_ROUTING);
    same!(netfilter::NF_IP_LOCAL_IN);
    same!(netfilter::NF_IP_FORWARD);
    same!(netfilter::NF_IP_LOCAL_OUT);
    same!(netfilter::NF_IP_POST_ROUTING);
    same!(netfilter::NF_IP_NUMHOOKS);
    same!(netfilter::NF_IP6_PRE_ROUTING);
    same!(netfilter::NF_IP6_LOCAL_IN);
    same!(netfilter::NF_IP6_FORWARD);
    same!(netfilter::NF_IP6_LOCAL_OUT);
    same!(netfilter::NF_IP6_POST_ROUTING);
    same!(netfilter::NF_IP6_NUMHOOKS);
    same!(netfilter::NF_BR_PRE_ROUTING);
    same!(netfilter::NF_BR_LOCAL_IN);
    same!(netfilter::NF_BR_FORWARD);
    same!(netfilter::NF_BR_LOCAL_OUT);
    same!(netfilter::NF_BR_POST_ROUTING);
    same!(netfilter::NF_BR_BROUTING);
    same!(netfilter::NF_BR_NUMHOOKS);
    same!(netfilter::NF_ARP_IN);
    same!(netfilter::NF_ARP_OUT);
    same!(netfilter::NF_ARP_FORWARD);
    same!(netfilter::NF_ARP_NUMHOOKS);
    same!(netfilter::NF_IP_PRI_FIRST);
    same!(netfilter::NF_IP_PRI_RAW_BEFORE_DEFRAG);
    same!(netfilter::NF_IP_PRI_CONNTRACK_DEFRAG);
    same!(netfilter::NF_IP_PRI_RAW);
    same!(netfilter::NF_IP_PRI_SELINUX_FIRST);
    same!(netfilter::NF_IP_PRI_CONNTRACK);
    same!(netfilter::NF_IP_PRI_MANGLE);
    same!(netfilter::NF_IP_PRI_NAT_DST);
    same!(netfilter::NF_IP_PRI_FILTER);
    same!(netfilter::NF_IP_PRI_SECURITY);
    same!(netfilter::NF_IP_PRI_NAT_SRC);
    same!(netfilter::NF_IP_PRI_SELINUX_LAST);
    same!(netfilter::NF_IP_PRI_CONNTRACK_HELPER);
    same!(netfilter::NF_IP_PRI_CONNTRACK_CONFIRM);
    same!(netfilter::NF_IP_PRI_LAST);
    same!(netfilter::NF_IP6_PRI_FIRST);
    same!(netfilter::NF_IP6_PRI_RAW_BEFORE_DEFRAG);
    same!(netfilter::NF_IP6_PRI_CONNTRACK_DEFRAG);
    same!(netfilter::NF_IP6_PRI_RAW);
    same!(netfilter::NF_IP6_PRI_SELINUX_FIRST);
    same!(netfilter::NF_IP6_PRI_CONNTRACK);
    same!(netfilter::NF_IP6_PRI_MANGLE);
    same!(netfilter::NF_IP6_PRI_NAT_DST);
    same!(netfilter::NF_IP6_PRI_FILTER);
    same!(netfilter::NF_IP6_PRI_SECURITY);
    same!(netfilter::NF_IP6_PRI_NAT_SRC);
    same!(netfilter::NF_IP6_PRI_SELINUX_LAST);
    same!(netfilter::NF_IP6_PRI_CONNTRACK_HELPER);
    same!(netfilter::NF_IP6_PRI_LAST);
    same!(netfilter::NF_BR_PRI_FIRST);
    same!(netfilter::NF_BR_PRI_NAT_DST_BRIDGED);
    same!(netfilter::NF_BR_PRI_FILTER_BRIDGED);
    same!(netfilter::NF_BR_PRI_BRNF);
    same!(netfilter::NF_BR_PRI_NAT_DST_OTHER);
    same!(netfilter::NF_BR_PRI_FILTER_OTHER);
    same!(netfilter::NF_BR_PRI_NAT_SRC);
    same!(netfilter::NF_BR_PRI_LAST);
}

#[test]
fn netlink_constants_match_libc() {
    same!(netlink::NETLINK_NETFILTER);
    same!(netlink::NETLINK_NFLOG);
    same!(netlink::NETLINK_ROUTE);
    same!(netlink::NETLINK_GENERIC);
    same!(netlink::SOL_NETLINK);
    same!(netlink::NETLINK_ADD_MEMBERSHIP);
    same!(netlink::NETLINK_DROP_MEMBERSHIP);
    same!(netlink::NETLINK_PKTINFO);
    same!(netlink::NETLINK_BROADCAST_ERROR);
    same!(netlink::NETLINK_NO_ENOBUFS);
    same!(netlink::NETLINK_RX_RING);
    same!(netlink::NETLINK_TX_RING);
    same!(netlink::NETLINK_LISTEN_ALL_NSID);
    same!(netlink::NETLINK_LIST_MEMBERSHIPS);
    same!(netlink::NETLINK_CAP_ACK);
    same!(netlink::NETLINK_EXT_ACK);
    same!(netlink::NETLINK_GET_STRICT_CHK);
    same!(netlink::NLMSG_NOOP);
    same!(netlink::NLMSG_ERROR);
    same!(netlink::NLMSG_DONE);
    same!(netlink::NLMSG_OVERRUN);
    same!(netlink::NLMSG_MIN_TYPE);
    same!(netlink::NLM_F_REQUEST);
    same!(netlink::NLM_F_MULTI);
    same!(netlink::NLM_F_ACK);
    same!(netlink::NLM_F_ECHO);
    same!(netlink::NLM_F_DUMP_INTR);
    same!(netlink::NLM_F_DUMP_FILTERED);
    same!(netlink::NLM_F_ROOT);
    same!(netlink::NLM_F_MATCH);
    same!(netlink::NLM_F_ATOMIC);
    same!(netlink::NLM_F_DUMP);
    same!(netlink::NLM_F_REPLACE);
    same!(netlink::NLM_F_EXCL);
    same!(netlink::NLM_F_CREATE);
    same!(netlink::NLM_F_APPEND);
    same!(netlink::NLM_F_NONREC);
    same!(netlink::NLM_F_BULK);
    same!(netlink::NLM_F_CAPPED);
    same!(netlink::NLM_F_ACK_TLVS);
    same!(netlink::NLA_ALIGNTO);
    same!(netlink::NLA_F_NESTED);
    same!(netlink::NLA_F_NET_BYTEORDER);
}

#[test]
fn nf_tables_constants_match_libc() {
    same!(nf_tables::NFT_TABLE_MAXNAMELEN);
    same!(nf_tables::NFT_CHAIN_MAXNAMELEN);
    same!(nf_tables::NFT_SET_MAXNAMELEN);
    same!(nf_tables::NFT_OBJ_MAXNAMELEN);
    same!(nf_tables::NFT_USERDATA_MAXLEN);
    same!(nf_tables::NFT_REG_VERDICT);
    same!(nf_tables::NFT_REG_1);
    same!(nf_tables::NFT_REG_2);
    same!(nf_tables::NFT_REG_3);
    same!(nf_tables::NFT_REG_4);
    same!(nf_tables::NFT_REG32_00);
    same!(nf_tables::NFT_REG32_01);
    same!(nf_tables::NFT_REG32_02);
    same!(nf_tables::NFT_REG32_03);
    same!(nf_tables::NFT_REG32_04);
    same!(nf_tables::NFT_REG32_05);
    same!(nf_tables::NFT_REG32_06);
    same!(nf_tables::NFT_REG32_07);
    same!(nf_tables::NFT_REG32_08);
    same!(nf_tables::NFT_REG32_09);
    same!(nf_tables::NFT_REG32_10);
    same!(nf_tables::NFT_REG32_11);
    same!(nf_tables::NFT_REG32_12);
    same!(nf_tables::NFT_REG32_13);
    same!(nf_tables::NFT_REG32_14);
    same!(nf_tables::NFT_REG32_15);
    same!(nf_tables::NFT_REG_SIZE);
    same!(nf_tables::NFT_REG32_SIZE);
    same!(nf_tables::NFT_CONTINUE);
    same!(nf_tables::NFT_BREAK);
    same!(nf_tables::NFT_JUMP);
    same!(nf_tables::NFT_GOTO);
    same!(nf_tables::NFT_RETURN);
    same!(nf_tables::NFT_MSG_NEWTABLE);
    same!(nf_tables::NFT_MSG_GETTABLE);
    same!(nf_tables::NFT_MSG_DELTABLE);
    same!(nf_tables::NFT_MSG_NEWCHAIN);
    same!(nf_tables::NFT_MSG_GETCHAIN);
    same!(nf_tables::NFT_MSG_DELCHAIN);
    same!(nf_tables::NFT_MSG_NEWRULE);
    same!(nf_tables::NFT_MSG_GETRULE);
    same!(nf_tables::NFT_MSG_DELRULE);
    same!(nf_tables::NFT_MSG_NEWSET);
    same!(nf_tables::NFT_MSG_GETSET);
    same!(nf_tables::NFT_MSG_DELSET);
    same!(nf_tables::NFT_MSG_NEWSETELEM);
    same!(nf_tables::NFT_MSG_GETSETELEM);
    same!(nf_tables::NFT_MSG_DELSETELEM);
    same!(nf_tables::NFT_MSG_NEWGEN);
    same!(nf_tables::NFT_MSG_GETGEN);
    same!(nf_tables::NFT_MSG_TRACE);
    same!(nf_tables::NFT_MSG_NEWOBJ);
    same!(nf_tables::NFT_MSG_GETOBJ);
    same!(nf_tables::NFT_MSG_DELOBJ);
    same!(nf_tables::NFT_MSG_GETOBJ_RESET);
    same!(nf_tables::NFT_MSG_MAX);
    same!(nf_tables::NFT_TRACETYPE_UNSPEC);
    same!(nf_tables::NFT_TRACETYPE_POLICY);
    same!(nf_tables::NFT_TRACETYPE_RETURN);
    same!(nf_tables::NFT_TRACETYPE_RULE);
    same!(nf_tables::NFT_DATA_VALUE_MAXLEN);
    same!(nf_tables::NFT_SET_ANONYMOUS);
    same!(nf_tables::NFT_SET_CONSTANT);
    same!(nf_tables::NFT_SET_INTERVAL);
    same!(nf_tables::NFT_SET_MAP);
    same!(nf_tables::NFT_SET_TIMEOUT);
    same!(nf_tables::NFT_SET_EVAL);
    same!(nf_tables::NFT_SET_POL_PERFORMANCE);
    same!(nf_tables::NFT_SET_POL_MEMORY);
    same!(nf_tables::NFT_SET_ELEM_INTERVAL_END);
    same!(nf_tables::NFT_DATA_VALUE);
    same!(nf_tables::NFT_DATA_VERDICT);
    same!(nf_tables::NFT_DATA_RESERVED_MASK);
    same!(nf_tables::NFT_BYTEORDER_NTOH);
    same!(nf_tables::NFT_BYTEORDER_HTON);
    same!(nf_tables::NFT_CMP_EQ);
    same!(nf_tables::NFT_CMP_NEQ);
    same!(nf_tables::NFT_CMP_LT);
    same!(nf_tables::NFT_CMP_LTE);
    same!(nf_tables::NFT_CMP_GT);
    same!(nf_tables::NFT_CMP_GTE);
    same!(nf_tables::NFT_RANGE_EQ);
    same!(nf_tables::NFT_RANGE_NEQ);
    same!(nf_tables::NFT_LOOKUP_F_INV);
    same!(nf_tables::NFT_DYNSET_OP_ADD);
    same!(nf_tables::NFT_DYNSET_OP_UPDATE);
    same!(nf_tables::NFT_DYNSET_F_INV);
    same!(nf_tables::NFT_PAYLOAD_LL_HEADER);
    same!(nf_tables::NFT_PAYLOAD_NETWORK_HEADER);
    same!(nf_tables::NFT_PAYLOAD_TRANSPORT_HEADER);
    same!(nf_tables::NFT_PAYLOAD_CSUM_NONE);
    same!(nf_tables::NFT_PAYLOAD_CSUM_INET);
    same!(nf_tables::NFT_META_LEN);
    same!(nf_tables::NFT_META_PROTOCOL);
    same!(nf_tables::NFT_META_PRIORITY);
    same!(nf_tables::NFT_META_MARK);
    same!(nf_tables::NFT_META_IIF);
    same!(nf_tables::NFT_META_OIF);
    same!(nf_tables::NFT_META_IIFNAME);
    same!(nf_tables::NFT_META_OIFNAME);
    same!(nf_tables::NFT_META_OIFTYPE);
    same!(nf_tables::NFT_META_SKUID);
    same!(nf_tables::NFT_META_SKGID);
    same!(nf_tables::NFT_META_NFTRACE);
    same!(nf_tables::NFT_META_RTCLASSID);
    same!(nf_tables::NFT_META_SECMARK);
    same!(nf_tables::NFT_META_NFPROTO);
    same!(nf_tables::NFT_META_L4PROTO);
    same!(nf_tables::NFT_META_BRI_IIFNAME);
    same!(nf_tables::NFT_META_BRI_OIFNAME);
    same!(nf_tables::NFT_META_PKTTYPE);
    same!(nf_tables::NFT_META_CPU);
    same!(nf_tables::NFT_META_IIFGROUP);
    same!(nf_tables::NFT_META_OIFGROUP);
    same!(nf_tables::NFT_META_CGROUP);
    same!(nf_tables::NFT_META_PRANDOM);
    same!(nf_tables::NFT_META_IIFTYPE);
    same!(nf_tables::NFT_CT_STATE);
    same!(nf_tables::NFT_CT_DIRECTION);
    same!(nf_tables::NFT_CT_STATUS);
    same!(nf_tables::NFT_CT_MARK);
    same!(nf_tables::NFT_CT_SECMARK);
    same!(nf_tables::NFT_CT_EXPIRATION);
    same!(nf_tables::NFT_CT_HELPER);
    same!(nf_tables::NFT_CT_L3PROTOCOL);
    same!(nf_tables::NFT_CT_SRC);
    same!(nf_tables::NFT_CT_DST);
    same!(nf_tables::NFT_CT_PROTOCOL);
    same!(nf_tables::NFT_CT_PROTO_SRC);
    same!(nf_tables::NFT_CT_PROTO_DST);
    same!(nf_tables::NFT_CT_LABELS);
    same!(nf_tables::NFT_CT_PKTS);
    same!(nf_tables::NFT_CT_BYTES);
    same!(nf_tables::NFT_CT_AVGPKT);
    same!(nf_tables::NFT_CT_ZONE);
    same!(nf_tables::NFT_CT_EVENTMASK);
    same!(nf_tables::NFT_CT_SRC_IP);
    same!(nf_tables::NFT_CT_DST_IP);
    same!(nf_tables::NFT_CT_SRC_IP6);
    same!(nf_tables::NFT_CT_DST_IP6);
    same!(nf_tables::NFT_LIMIT_PKTS);
    same!(nf_tables::NFT_LIMIT_PKT_BYTES);
    same!(nf_tables::NFT_LIMIT_F_INV);
    same!(nf_tables::NFT_QUEUE_FLAG_BYPASS);
    same!(nf_tables::NFT_QUEUE_FLAG_CPU_FANOUT);
    same!(nf_tables::NFT_QUEUE_FLAG_MASK);
    same!(nf_tables::NFT_QUOTA_F_INV);
    same!(nf_tables::NFT_REJECT_ICMP_UNREACH);
    same!(nf_tables::NFT_REJECT_TCP_RST);
    same!(nf_tables::NFT_REJECT_ICMPX_UNREACH);
    same!(nf_tables::NFT_REJECT_ICMPX_NO_ROUTE);
    same!(nf_tables::NFT_REJECT_ICMPX_PORT_UNREACH);
    same!(nf_tables::NFT_REJECT_ICMPX_HOST_UNREACH);
    same!(nf_tables::NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
    same!(nf_tables::NFT_NAT_SNAT);
    same!(nf_tables::NFT_NAT_DNAT);
    same!(nf_tables::NFT_NG_INCREMENTAL);
    same!(nf_tables::NFT_NG_RANDOM);
}

#[test]
fn nfnetlink_constants_match_libc() {
    same!(nfnetlink::NFNLGRP_NONE);
    same!(nfnetlink::NFNLGRP_CONNTRACK_NEW);
    same!(nfnetlink::NFNLGRP_CONNTRACK_UPDATE);
    same!(nfnetlink::NFNLGRP_CONNTRACK_DESTROY);
    same!(nfnetlink::NFNLGRP_CONNTRACK_EXP_NEW);
    same!(nfnetlink::NFNLGRP_CONNTRACK_EXP_UPDATE);
    same!(nfnetlink::NFNLGRP_CONNTRACK_EXP_DESTROY);
    same!(nfnetlink::NFNLGRP_NFTABLES);
    same!(nfnetlink::NFNLGRP_ACCT_QUOTA);
    same!(nfnetlink::NFNLGRP_NFTRACE);
    same!(nfnetlink::NFNETLINK_V0);
    same!(nfnetlink::NFNL_SUBSYS_NONE);
    same!(nfnetlink::NFNL_SUBSYS_CTNETLINK);
    same!(nfnetlink::NFNL_SUBSYS_CTNETLINK_EXP);
    same!(nfnetlink::NFNL_SUBSYS_QUEUE);
    same!(nfnetlink::NFNL_SUBSYS_ULOG);
    same!(nfnetlink::NFNL_SUBSYS_OSF);
    same!(nfnetlink::NFNL_SUBSYS_IPSET);
    same!(nfnetlink::NFNL_SUBSYS_ACCT);
    same!(nfnetlink::NFNL_SUBSYS_CTNETLINK_TIMEOUT);
    same!(nfnetlink::NFNL_SUBSYS_CTHELPER);
    same!(nfnetlink::NFNL_SUBSYS_NFTABLES);
    same!(nfnetlink::NFNL_SUBSYS_NFT_COMPAT);
    same!(nfnetlink::NFNL_SUBSYS_HOOK);
    same!(nfnetlink::NFNL_SUBSYS_COUNT);
    same!(nfnetlink::NFNL_MSG_BATCH_BEGIN);
    same!(nfnetlink::NFNL_MSG_BATCH_END);
    same!(nfnetlink::NFNL_BATCH_UNSPEC);
    same!(nfnetlink::NFNL_BATCH_GENID);
}

#[test]
fn nfnetlink_log_constants_match_libc() {
    same!(nfnetlink_log::NFULNL_MSG_PACKET);
    same!(nfnetlink_log::NFULNL_MSG_CONFIG);
    same!(nfnetlink_log::NFULA_VLAN_UNSPEC);
    same!(nfnetlink_log::NFULA_VLAN_PROTO);
    same!(nfnetlink_log::NFULA_VLAN_TCI);
    same!(nfnetlink_log::NFULA_UNSPEC);
    same!(nfnetlink_log::NFULA_PACKET_HDR);
    same!(nfnetlink_log::NFULA_MARK);
    same!(nfnetlink_log::NFULA_TIMESTAMP);
    same!(nfnetlink_log::NFULA_IFINDEX_INDEV);
    same!(nfnetlink_log::NFULA_IFINDEX_OUTDEV);
    same!(nfnetlink_log::NFULA_IFINDEX_PHYSINDEV);
    same!(nfnetlink_log::NFULA_IFINDEX_PHYSOUTDEV);
    same!(nfnetlink_log::NFULA_HWADDR);
    same!(nfnetlink_log::NFULA_PAYLOAD);
    same!(nfnetlink_log::NFULA_PREFIX);
    same!(nfnetlink_log::NFULA_UID);
    same!(nfnetlink_log::NFULA_SEQ);
    same!(nfnetlink_log::NFULA_SEQ_GLOBAL);
    same!(nfnetlink_log::NFULA_GID);
    same!(nfnetlink_log::NFULA_HWTYPE);
    same!(nfnetlink_log::NFULA_HWHEADER);
    same!(nfnetlink_log::NFULA_HWLEN);
    same!(nfnetlink_log::NFULA_CT);
    same!(nfnetlink_log::NFULA_CT_INFO);
    same!(nfnetlink_log::NFULA_VLAN);
    same!(nfnetlink_log::NFULA_L2HDR);
    same!(nfnetlink_log::NFULNL_CFG_CMD_NONE);
    same!(nfnetlink_log::NFULNL_CFG_CMD_BIND);
    same!(nfnetlink_log::NFULNL_CFG_CMD_UNBIND);
    same!(nfnetlink_log::NFULNL_CFG_CMD_PF_BIND);
    same!(nfnetlink_log::NFULNL_CFG_CMD_PF_UNBIND);
    same!(nfnetlink_log::NFULA_CFG_UNSPEC);
    same!(nfnetlink_log::NFULA_CFG_CMD);
    same!(nfnetlink_log::NFULA_CFG_MODE);
    same!(nfnetlink_log::NFULA_CFG_NLBUFSIZ);
    same!(nfnetlink_log::NFULA_CFG_TIMEOUT);
    same!(nfnetlink_log::NFULA_CFG_QTHRESH);
    same!(nfnetlink_log::NFULA_CFG_FLAGS);
    same!(nfnetlink_log::NFULNL_COPY_NONE);
    same!(nfnetlink_log::NFULNL_COPY_META);
    same!(nfnetlink_log::NFULNL_COPY_PACKET);
    same!(nfnetlink_log::NFULNL_CFG_F_SEQ);
    same!(nfnetlink_log::NFULNL_CFG_F_SEQ_GLOBAL);
    same!(nfnetlink_log::NFULNL_CFG_F_CONNTRACK);
}

#[test]
fn x_tables_constants_match_libc() {
    same!(x_tables::IFNAMSIZ);
}
#[test]
fn nla_type_mask_matches_libc_in_16_bits() {
    // libc spells it as a C `int` complement (negative); only the low 16 bits are meaningful.
    assert_eq!(
        libc::NLA_TYPE_MASK as u16,
        nftrace_sys::netlink::NLA_TYPE_MASK
    );
    assert_eq!(nftrace_sys::netlink::NLA_TYPE_MASK, 0x3fff);
}

#[test]
fn netlink_headers_match_libc_layout() {
    use nftrace_sys::netlink::{nlattr, nlmsgerr, nlmsghdr, sockaddr_nl, NLA_HDRLEN, NLMSG_HDRLEN};

    assert_eq!(size_of::<nlmsghdr>(), size_of::<libc::nlmsghdr>());
    assert_eq!(align_of::<nlmsghdr>(), align_of::<libc::nlmsghdr>());
    assert_eq!(size_of::<nlmsghdr>(), NLMSG_HDRLEN);
    assert_eq!(
        offset_of!(nlmsghdr, nlmsg_len),
        offset_of!(libc::nlmsghdr, nlmsg_len)
    );
    assert_eq!(
        offset_of!(nlmsghdr, nlmsg_type),
        offset_of!(libc::nlmsghdr, nlmsg_type)
    );
    assert_eq!(
        offset_of!(nlmsghdr, nlmsg_flags),
        offset_of!(libc::nlmsghdr, nlmsg_flags)
    );
    assert_eq!(
        offset_of!(nlmsghdr, nlmsg_seq),
        offset_of!(libc::nlmsghdr, nlmsg_seq)
    );
    assert_eq!(
        offset_of!(nlmsghdr, nlmsg_pid),
        offset_of!(libc::nlmsghdr, nlmsg_pid)
    );

    assert_eq!(size_of::<nlattr>(), size_of::<libc::nlattr>());
    assert_eq!(size_of::<nlattr>(), NLA_HDRLEN);
    assert_eq!(
        offset_of!(nlattr, nla_len),
        offset_of!(libc::nlattr, nla_len)
    );
    assert_eq!(
        offset_of!(nlattr, nla_type),
        offset_of!(libc::nlattr, nla_type)
    );

    assert_eq!(size_of::<nlmsgerr>(), size_of::<libc::nlmsgerr>());
    assert_eq!(
        offset_of!(nlmsgerr, error),
        offset_of!(libc::nlmsgerr, error)
    );
    assert_eq!(offset_of!(nlmsgerr, msg), offset_of!(libc::nlmsgerr, msg));

    assert_eq!(size_of::<sockaddr_nl>(), size_of::<libc::sockaddr_nl>());
    assert_eq!(
        offset_of!(sockaddr_nl, nl_pid),
        offset_of!(libc::sockaddr_nl, nl_pid)
    );
    assert_eq!(
        offset_of!(sockaddr_nl, nl_groups),
        offset_of!(libc::sockaddr_nl, nl_groups)
    );
}

#[test]
fn nfgenmsg_layout() {
    use nftrace_sys::nfnetlink::nfgenmsg;
    assert_eq!(size_of::<nfgenmsg>(), 4);
    assert_eq!(offset_of!(nfgenmsg, nfgen_family), 0);
    assert_eq!(offset_of!(nfgenmsg, version), 1);
    assert_eq!(offset_of!(nfgenmsg, res_id), 2);
}

#[test]
fn nfnetlink_log_payload_layouts() {
    use nftrace_sys::nfnetlink_log::*;
    assert_eq!(size_of::<nfulnl_msg_packet_hdr>(), 4);
    assert_eq!(offset_of!(nfulnl_msg_packet_hdr, hook), 2);
    assert_eq!(size_of::<nfulnl_msg_packet_hw>(), 12);
    assert_eq!(offset_of!(nfulnl_msg_packet_hw, hw_addr), 4);
    assert_eq!(size_of::<nfulnl_msg_packet_timestamp>(), 16);
    assert_eq!(offset_of!(nfulnl_msg_packet_timestamp, usec), 8);
    assert_eq!(size_of::<nfulnl_msg_config_cmd>(), 1);
    assert_eq!(size_of::<nfulnl_msg_config_mode>(), 6);
    assert_eq!(offset_of!(nfulnl_msg_config_mode, copy_mode), 4);
    assert_eq!(offset_of!(nfulnl_msg_config_mode, _pad), 5);
}

#[cfg(target_pointer_width = "64")]
#[test]
fn x_tables_layouts_match_a_64_bit_kernel() {
    use nftrace_sys::x_tables::*;
    assert_eq!(size_of::<xt_counters>(), 16);
    assert_eq!(size_of::<xt_entry_match>(), 32);
    assert_eq!(size_of::<xt_entry_target>(), 32);
    assert_eq!(offset_of!(xt_entry_target, name), 2);
    assert_eq!(offset_of!(xt_entry_target, revision), 31);
    assert_eq!(size_of::<xt_standard_target>(), 40);
    assert_eq!(offset_of!(xt_standard_target, verdict), 32);
    assert_eq!(size_of::<xt_error_target>(), 64);
    assert_eq!(offset_of!(xt_error_target, errorname), 32);

    assert_eq!(size_of::<ipt_getinfo>(), 84);
    assert_eq!(offset_of!(ipt_getinfo, valid_hooks), 32);
    assert_eq!(offset_of!(ipt_getinfo, hook_entry), 36);
    assert_eq!(offset_of!(ipt_getinfo, underflow), 56);
    assert_eq!(offset_of!(ipt_getinfo, num_entries), 76);
    assert_eq!(offset_of!(ipt_getinfo, size), 80);
    assert_eq!(size_of::<ipt_get_entries>(), 40);
    assert_eq!(offset_of!(ipt_get_entries, size), 32);
    assert_eq!(offset_of!(ipt_get_entries, entrytable), 40);

    assert_eq!(size_of::<ipt_ip>(), 84);
    assert_eq!(offset_of!(ipt_ip, iniface), 16);
    assert_eq!(offset_of!(ipt_ip, proto), 80);
    assert_eq!(offset_of!(ipt_ip, invflags), 83);
    assert_eq!(size_of::<ipt_entry>(), 112);
    assert_eq!(offset_of!(ipt_entry, nfcache), 84);
    assert_eq!(offset_of!(ipt_entry, target_offset), 88);
    assert_eq!(offset_of!(ipt_entry, next_offset), 90);
    assert_eq!(offset_of!(ipt_entry, comefrom), 92);
    assert_eq!(offset_of!(ipt_entry, counters), 96);

    assert_eq!(size_of::<ip6t_ip6>(), 136);
    assert_eq!(offset_of!(ip6t_ip6, iniface), 64);
    assert_eq!(offset_of!(ip6t_ip6, proto), 128);
    assert_eq!(offset_of!(ip6t_ip6, invflags), 132);
    assert_eq!(size_of::<ip6t_entry>(), 168);
    assert_eq!(offset_of!(ip6t_entry, nfcache), 136);
    assert_eq!(offset_of!(ip6t_entry, target_offset), 140);
    assert_eq!(offset_of!(ip6t_entry, next_offset), 142);
    assert_eq!(offset_of!(ip6t_entry, comefrom), 144);
    assert_eq!(offset_of!(ip6t_entry, counters), 152);
    assert_eq!(size_of::<ip6t_getinfo>(), 84);
    assert_eq!(size_of::<ip6t_get_entries>(), 40);
    assert_eq!(offset_of!(ip6t_get_entries, entrytable), 40);
}

#[test]
fn x_tables_constants() {
    use nftrace_sys::x_tables::*;
    assert_eq!(IPT_SO_GET_INFO, 64);
    assert_eq!(IPT_SO_GET_ENTRIES, 65);
    assert_eq!(IP6T_SO_GET_INFO, 64);
    assert_eq!(IP6T_SO_GET_ENTRIES, 65);
    assert_eq!(XT_RETURN, -5);
    assert_eq!(XT_CONTINUE as u32, 0xFFFF_FFFF);
    assert_eq!(XT_STANDARD_TARGET, b"");
    assert_eq!(XT_ERROR_TARGET, b"ERROR");
    assert!(XT_ERROR_TARGET.len() < XT_EXTENSION_MAXNAMELEN);
}

#[test]
fn trace_message_type_and_group() {
    use nftrace_sys::{nf_tables, nfnetlink};
    let trace = (nfnetlink::NFNL_SUBSYS_NFTABLES << 8) | nf_tables::NFT_MSG_TRACE;
    assert_eq!(trace, 0x0a11);
    assert_eq!(nfnetlink::NFNLGRP_NFTRACE, 9);
    assert_eq!(nf_tables::NFTA_TRACE_PAD, 17);
    assert_eq!(nf_tables::NFTA_TRACE_CT_ID, 18);
    assert_eq!(nf_tables::NFTA_TRACE_CT_STATE, nf_tables::NFTA_TRACE_MAX);
}

#[test]
fn ct_state_bits_follow_the_kernel_macro() {
    use nftrace_sys::nf_conntrack::*;
    // NF_CT_STATE_BIT(ctinfo) = 1 << (ctinfo % IP_CT_IS_REPLY + 1), same bit in both directions.
    let bit = |ctinfo: u32| 1u32 << (ctinfo % IP_CT_IS_REPLY + 1);
    assert_eq!(bit(IP_CT_ESTABLISHED), NF_CT_STATE_ESTABLISHED_BIT);
    assert_eq!(bit(IP_CT_ESTABLISHED_REPLY), NF_CT_STATE_ESTABLISHED_BIT);
    assert_eq!(bit(IP_CT_RELATED), NF_CT_STATE_RELATED_BIT);
    assert_eq!(bit(IP_CT_RELATED_REPLY), NF_CT_STATE_RELATED_BIT);
    assert_eq!(bit(IP_CT_NEW), NF_CT_STATE_NEW_BIT);
    assert_eq!(
        [
            NF_CT_STATE_INVALID_BIT,
            NF_CT_STATE_ESTABLISHED_BIT,
            NF_CT_STATE_RELATED_BIT,
            NF_CT_STATE_NEW_BIT,
            NF_CT_STATE_UNTRACKED_BIT
        ],
        [1, 2, 4, 8, 64]
    );
}
