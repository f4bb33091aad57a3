//! The default trigger: one nf_tables table per run, `inet nftrace_<pid>`, whose base chains
//! mark the packets the filter selects with `meta nftrace set 1`.
//!
//! ```text
//! table inet nftrace_4242 {
//!     comment "nftrace pid=4242 start=123456789"
//!     chain pre {
//!         type filter hook prerouting priority raw - 1; policy accept;
//!         udp dport 53 limit rate 100/second meta nftrace set 1
//!     }
//!     chain out {
//!         type filter hook output priority raw - 1; policy accept;
//!         udp dport 53 limit rate 100/second meta nftrace set 1
//!     }
//! }
//! ```
//!
//! Priority raw - 1 (-301) runs the chains before every other nf_tables chain and before the
//! legacy raw table, so the whole path of a marked packet is traced. The table is created
//! (`NLM_F_EXCL`: never adopted from someone else), filled and committed in one transaction,
//! and deleted in one; the owner record is the table's comment (libnftnl's user-data TLV, as
//! `nft add table ... { comment "..." }` writes it), which is how a later run finds tables
//! whose owner is gone ([`find_installed`]).
//!
//! Everything acts in the network namespace of the calling thread.

mod expr;

use neli::consts::socket::NlFamily;
use nftrace_sys::netfilter::{NFPROTO_INET, NF_ACCEPT, NF_INET_LOCAL_OUT, NF_INET_PRE_ROUTING};
use nftrace_sys::netlink::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use nftrace_sys::nf_tables::{
    NFTA_CHAIN_HOOK, NFTA_CHAIN_NAME, NFTA_CHAIN_POLICY, NFTA_CHAIN_TABLE, NFTA_CHAIN_TYPE,
    NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS, NFTA_RULE_TABLE,
    NFTA_TABLE_FLAGS, NFTA_TABLE_NAME, NFTA_TABLE_USERDATA, NFTNL_UDATA_COMMENT_MAXLEN,
    NFTNL_UDATA_TABLE_COMMENT, NFT_MSG_DELTABLE, NFT_MSG_GETTABLE, NFT_MSG_NEWCHAIN,
    NFT_MSG_NEWRULE, NFT_MSG_NEWTABLE,
};

use super::error::TriggerError;
use super::record::Record;
use super::TriggerSpec;
use crate::netlink::Transaction;
use crate::netlink::{AttrBuf, DumpSocket, DumpSocketError, NfnlRequest, NftError, NftMessage};
use crate::wire::{nftables_msg_type, RulesetBody, RulesetMessage};
use expr::{rule_exprs, RuleExtras};

/// The prefix of every trigger table's name; the rest is the owner's pid.
pub const TABLE_PREFIX: &str = "nftrace_";

/// The priority of both chains: `NF_IP_PRI_RAW - 1`, before the raw table.
pub const CHAIN_PRIORITY: i32 = -301;

/// The prerouting chain.
pub const PREROUTING_CHAIN: &str = "pre";

/// The output chain (left out with an input interface).
pub const OUTPUT_CHAIN: &str = "out";

/// How often [`find_installed`] repeats a table dump the kernel flagged as interrupted.
const DUMP_ATTEMPTS: usize = 3;

/// The name of the trigger table of process `pid`.
pub fn table_name(pid: u32) -> String {
    format!("{TABLE_PREFIX}{pid}")
}

/// An installed trigger table. It stays installed until [`NftTrigger::remove`] (or
/// [`remove_table`]) deletes it: dropping this value does not.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "the trigger table stays in the kernel until removed"]
pub struct NftTrigger {
    table: String,
    chains: Vec<&'static str>,
    rules: usize,
}

impl NftTrigger {
    /// The table's name (`nftrace_<pid>`, family inet).
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The chains installed (`pre`, and `out` unless an input interface was given).
    pub fn chains(&self) -> &[&'static str] {
        &self.chains
    }

    /// How many rules the table holds, over all chains.
    pub fn rules(&self) -> usize {
        self.rules
    }

    /// Deletes the table (chains and rules with it) in one transaction.
    pub fn remove(self) -> Result<(), TriggerError> {
        remove_table(&self.table)
    }
}

/// Installs the trigger of `spec` in one transaction: table `inet nftrace_<pid>` with the
/// record as its comment, chain `pre` (and `out` unless `spec.iif` is set), and in each one
/// rule per conjunction of the filter. Nothing is installed when it fails; an existing table
/// of that name makes it fail with `EEXIST` and is left as it is.
pub fn install(spec: &TriggerSpec) -> Result<NftTrigger, TriggerError> {
    let (transaction, trigger) = build(spec)?;
    transaction.commit()?;
    Ok(trigger)
}

/// The transaction [`install`] commits, and the trigger it makes. Everything the kernel
/// would refuse for a reason we can see is refused here, before anything is sent.
pub(crate) fn build(spec: &TriggerSpec) -> Result<(Transaction, NftTrigger), TriggerError> {
    let table = table_name(spec.record.pid);
    let inexpressible = |what: String| TriggerError::Inexpressible { what };
    if spec.filter.alternatives.is_empty() {
        return Err(inexpressible(
            "a filter without alternatives (it matches no packet)".to_owned(),
        ));
    }
    let comment = spec.record.to_string();
    if comment.len() >= NFTNL_UDATA_COMMENT_MAXLEN || comment.bytes().any(|b| b == 0) {
        return Err(inexpressible(format!(
            "the owner record {comment:?} as a table comment (at most {} bytes, no NUL)",
            NFTNL_UDATA_COMMENT_MAXLEN - 1
        )));
    }
    let extras = RuleExtras {
        iif: spec.iif.as_deref(),
        mark: spec.mark,
        rate: spec.rate,
    };
    let mut rules = Vec::with_capacity(spec.filter.alternatives.len());
    for conj in &spec.filter.alternatives {
        let exprs = rule_exprs(conj, &extras).map_err(inexpressible)?;
        rules.push(exprs.encode());
    }
    let chains: Vec<(&'static str, u32)> = if spec.iif.is_some() {
        vec![(PREROUTING_CHAIN, NF_INET_PRE_ROUTING)]
    } else {
        vec![
            (PREROUTING_CHAIN, NF_INET_PRE_ROUTING),
            (OUTPUT_CHAIN, NF_INET_LOCAL_OUT),
        ]
    };

    let mut transaction = Transaction::new(format!("installing table inet {table}"));
    let mut attrs = AttrBuf::new();
    attrs
        .put_str(NFTA_TABLE_NAME, &table)
        .put_be32(NFTA_TABLE_FLAGS, 0)
        .put(NFTA_TABLE_USERDATA, &comment_userdata(&comment));
    transaction.push(NftMessage {
        what: format!("adding table inet {table}"),
        msg: NFT_MSG_NEWTABLE,
        flags: NLM_F_CREATE | NLM_F_EXCL,
        family: NFPROTO_INET,
        attrs,
    });
    for &(chain, hook) in &chains {
        let mut attrs = AttrBuf::new();
        // The attribute order nft uses.
        attrs
            .put_str(NFTA_CHAIN_TABLE, &table)
            .put_str(NFTA_CHAIN_NAME, chain)
            .put_str(NFTA_CHAIN_TYPE, "filter")
            .put_be32(NFTA_CHAIN_POLICY, NF_ACCEPT as u32)
            .nest(NFTA_CHAIN_HOOK, |h| {
                h.put_be32(NFTA_HOOK_HOOKNUM, hook)
                    .put(NFTA_HOOK_PRIORITY, &CHAIN_PRIORITY.to_be_bytes());
            });
        transaction.push(NftMessage {
            what: format!("adding chain {chain}"),
            msg: NFT_MSG_NEWCHAIN,
            flags: NLM_F_CREATE,
            family: NFPROTO_INET,
            attrs,
        });
    }
    for &(chain, _) in &chains {
        for (index, exprs) in rules.iter().enumerate() {
            let mut attrs = AttrBuf::new();
            attrs
                .put_str(NFTA_RULE_TABLE, &table)
                .put_str(NFTA_RULE_CHAIN, chain)
                .nest(NFTA_RULE_EXPRESSIONS, |e| {
                    e.append(exprs);
                });
            transaction.push(NftMessage {
                what: format!("adding rule {} of chain {chain}", index + 1),
                msg: NFT_MSG_NEWRULE,
                flags: NLM_F_CREATE | NLM_F_APPEND,
                family: NFPROTO_INET,
                attrs,
            });
        }
    }
    let trigger = NftTrigger {
        table,
        chains: chains.iter().map(|&(chain, _)| chain).collect(),
        rules: rules.len() * chains.len(),
    };
    Ok((transaction, trigger))
}

/// Deletes table `inet NAME` with everything in it, in one transaction. A missing table is
/// an error (`ENOENT`).
pub fn remove_table(name: &str) -> Result<(), TriggerError> {
    let mut transaction = Transaction::new(format!("removing table inet {name}"));
    let mut attrs = AttrBuf::new();
    attrs.put_str(NFTA_TABLE_NAME, name);
    transaction.push(NftMessage {
        what: format!("deleting table inet {name}"),
        msg: NFT_MSG_DELTABLE,
        flags: 0,
        family: NFPROTO_INET,
        attrs,
    });
    transaction.commit()?;
    Ok(())
}

/// The inet tables named `nftrace_*`, each with the owner record of its comment (`None` when
/// the comment is missing or not a record: not a table nftrace made, even if its name says
/// so).
pub fn find_installed() -> Result<Vec<(String, Option<Record>)>, TriggerError> {
    const WHAT: &str = "listing the nf_tables tables";
    let dump_error = |err: DumpSocketError| -> TriggerError {
        match err {
            DumpSocketError::Io { op, source } => NftError::Io {
                what: WHAT.to_owned(),
                op,
                source,
            },
            DumpSocketError::Refused { errno, message } => {
                NftError::refused(WHAT.to_owned(), errno, message, true)
            }
            DumpSocketError::Decode(source) => NftError::Reply {
                what: WHAT.to_owned(),
                source,
            },
        }
        .into()
    };
    let mut socket = DumpSocket::open(NlFamily::Netfilter).map_err(|err| match err {
        // A kernel without nfnetlink refuses the socket itself.
        DumpSocketError::Io { source, .. } => NftError::opening(WHAT.to_owned(), source).into(),
        other => dump_error(other),
    })?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let seq = socket.next_seq();
        let request = NfnlRequest::new(
            nftables_msg_type(NFT_MSG_GETTABLE),
            NLM_F_DUMP,
            seq,
            NFPROTO_INET,
            0,
        )
        .finish();
        let mut found = Vec::new();
        let end = socket
            .dump(&request, seq, |message| {
                if let Some(RulesetMessage {
                    body: RulesetBody::NewTable(table),
                    ..
                }) = RulesetMessage::parse(message)?
                {
                    if table.family == NFPROTO_INET && table.name.starts_with(TABLE_PREFIX) {
                        found.push((
                            table.name.to_owned(),
                            table.comment().and_then(Record::parse),
                        ));
                    }
                }
                Ok(())
            })
            .map_err(dump_error)?;
        if !end.interrupted || attempt >= DUMP_ATTEMPTS {
            return Ok(found);
        }
    }
}

/// libnftnl's table user data for a comment: one TLV, type `NFTNL_UDATA_TABLE_COMMENT`, the
/// length, the text and its NUL. The caller keeps the text under 128 bytes.
fn comment_userdata(comment: &str) -> Vec<u8> {
    let len = u8::try_from(comment.len() + 1).unwrap_or(u8::MAX);
    let mut data = Vec::with_capacity(comment.len() + 3);
    data.push(NFTNL_UDATA_TABLE_COMMENT);
    data.push(len);
    data.extend_from_slice(comment.as_bytes());
    data.push(0);
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Conjunction, Filter, Proto};
    use crate::wire::rule_comment;

    fn spec(filter: Filter, iif: Option<&str>) -> TriggerSpec {
        TriggerSpec {
            filter,
            iif: iif.map(str::to_owned),
            mark: None,
            rate: 100,
            record: Record {
                pid: 4242,
                start: 77,
                nf_log: Vec::new(),
            },
        }
    }

    #[test]
    fn one_table_two_chains_and_a_rule_per_conjunction_and_chain() {
        let udp = Conjunction {
            protocol: Some(Proto::Udp),
            ..Conjunction::default()
        };
        let filter = Filter {
            alternatives: vec![udp, Conjunction::default()],
        };
        let (transaction, trigger) = build(&spec(filter.clone(), None)).unwrap();
        assert_eq!(trigger.table(), "nftrace_4242");
        assert_eq!(trigger.chains(), ["pre", "out"]);
        assert_eq!(trigger.rules(), 4);
        let what: Vec<&str> = transaction
            .messages()
            .iter()
            .map(|m| m.what.as_str())
            .collect();
        assert_eq!(
            what,
            [
                "adding table inet nftrace_4242",
                "adding chain pre",
                "adding chain out",
                "adding rule 1 of chain pre",
                "adding rule 2 of chain pre",
                "adding rule 1 of chain out",
                "adding rule 2 of chain out",
            ]
        );
        // With an input interface, prerouting only.
        let (transaction, trigger) = build(&spec(filter, Some("veth0"))).unwrap();
        assert_eq!(trigger.chains(), ["pre"]);
        assert_eq!(transaction.messages().len(), 1 + 1 + 2);
    }

    #[test]
    fn the_comment_is_libnftnl_user_data() {
        let data = comment_userdata("nftrace pid=1 start=2");
        // As `nft --debug=mnl add table inet t { comment "nftrace pid=1 start=2"; }` sent it.
        assert_eq!(&data[..2], [0x00, 0x16]);
        assert_eq!(rule_comment(&data), Some("nftrace pid=1 start=2"));
    }

    #[test]
    fn what_the_kernel_would_refuse_is_refused_before_sending() {
        let too_long = spec(Filter::everything(), Some("0123456789abcdef"));
        let err = build(&too_long).unwrap_err();
        assert!(
            matches!(&err, TriggerError::Inexpressible { what } if what.contains("at most 15")),
            "{err}"
        );
        let none = spec(
            Filter {
                alternatives: Vec::new(),
            },
            None,
        );
        assert!(build(&none).is_err());
        let mut long_record = spec(Filter::everything(), None);
        long_record.record.nf_log = vec![(2, "x".repeat(64)), (10, "y".repeat(64))];
        assert!(build(&long_record).is_err());
    }
}
