//! Test support: the ruleset dump captured from the kernel (`capture.py ruleset-session`, see
//! tests/fixtures/README.md), sorted into the replies of each request as the dump socket
//! returns them.

use crate::netlink::NftDumpReplies;
use crate::wire::{messages, RulesetBody, RulesetMessage};

/// `tests/fixtures/nft_ruleset_dump.nlmsg`, captured on Linux 6.18.
pub(crate) const DUMP: &[u8] = include_bytes!("../../../tests/fixtures/nft_ruleset_dump.nlmsg");

/// The captured dump as [`NftDumpReplies`]; panics on anything a dump cannot hold.
pub(crate) fn dump_replies() -> NftDumpReplies {
    let mut replies = NftDumpReplies::default();
    let mut offset = 0;
    while offset < DUMP.len() {
        let mut end = offset;
        for message in messages(&DUMP[offset..]) {
            let message = message.unwrap();
            let start = offset + message.offset;
            end = start + (message.header.len as usize).next_multiple_of(4);
            let bytes = &DUMP[start..end];
            match RulesetMessage::parse(&message) {
                Ok(Some(RulesetMessage {
                    body: RulesetBody::NewGen(gen),
                    ..
                })) => replies.generation = gen.id,
                Ok(Some(RulesetMessage { body, .. })) => {
                    let out = match body {
                        RulesetBody::NewTable(_) => &mut replies.tables,
                        RulesetBody::NewChain(_) => &mut replies.chains,
                        RulesetBody::NewRule(_) => &mut replies.rules,
                        RulesetBody::NewSet(_) => &mut replies.sets,
                        other => panic!("{other:?} in a dump"),
                    };
                    out.extend_from_slice(bytes);
                }
                _ => {}
            }
        }
        offset = end;
    }
    replies
}
