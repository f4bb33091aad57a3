//! Rule text from `nft` itself: runs `nft -s -a list ruleset` and parses its output into a
//! map from (family, table, chain, handle) to the rule's text as nft prints it.
//!
//! Why `-s` (stateless): without it every `counter` prints its packet and byte counts, which
//! change on every read, so the same rule would get a new text each time the snapshot is
//! refreshed, and the built-in renderer could never match it. `-s` prints a bare `counter`
//! (and no quota usage, no set element counters); what the user wrote is all still there.
//!
//! The parser reads the listing line by line and tracks `{`/`}` outside double quotes, so
//! sets, maps, flowtables, stateful objects and multi-line `elements = { ... }` never confuse
//! it. A rule is one line directly inside a `chain NAME {` block of a `table FAMILY NAME {`
//! block that ends with `# handle N` (outside quotes) and opens no block; its text is the line
//! without indentation and without that trailing handle comment. nft's rule lines never span
//! lines: anonymous sets and verdict maps inside a rule stay on its one line.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use nftrace_sys::netfilter::{
    NFPROTO_ARP, NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NETDEV,
};
use thiserror::Error;

/// The arguments nftrace runs nft with: stateless (`-s`), with handles (`-a`).
pub const NFT_LIST_ARGS: [&str; 4] = ["-s", "-a", "list", "ruleset"];

/// Directories searched for `nft` after `PATH`: a non-root user's `PATH` often lacks the
/// sbin directories, where distributions install nft.
const SBIN_DIRS: [&str; 3] = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

/// The family as nft spells it in `table FAMILY NAME`, to its `NFPROTO_*` number.
pub fn family_from_nft_name(name: &str) -> Option<u8> {
    Some(match name {
        "ip" => NFPROTO_IPV4,
        "ip6" => NFPROTO_IPV6,
        "inet" => NFPROTO_INET,
        "arp" => NFPROTO_ARP,
        "bridge" => NFPROTO_BRIDGE,
        "netdev" => NFPROTO_NETDEV,
        _ => return None,
    })
}

/// The family's name as nft spells it (`ip`, `ip6`, `inet`, `arp`, `bridge`, `netdev`).
pub fn family_nft_name(family: u8) -> Option<&'static str> {
    Some(match family {
        NFPROTO_IPV4 => "ip",
        NFPROTO_IPV6 => "ip6",
        NFPROTO_INET => "inet",
        NFPROTO_ARP => "arp",
        NFPROTO_BRIDGE => "bridge",
        NFPROTO_NETDEV => "netdev",
        _ => return None,
    })
}

/// Why running `nft` failed (its absence is not a failure: see [`NftList::NotAvailable`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NftListError {
    /// The program exists but could not be started or waited for.
    #[error("running {program}: {source}")]
    Run {
        /// The program that was run.
        program: PathBuf,
        /// The error from the operating system.
        source: io::Error,
    },
    /// nft ran and failed (typically `Operation not permitted` without `CAP_NET_ADMIN`).
    #[error("{program} {} failed ({status}): {stderr}", NFT_LIST_ARGS.join(" "))]
    Failed {
        /// The program that was run.
        program: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// Its standard error, trimmed.
        stderr: String,
    },
    /// nft's output is not UTF-8.
    #[error("{program} printed output that is not UTF-8")]
    NotUtf8 {
        /// The program that was run.
        program: PathBuf,
    },
}

/// The outcome of asking nft for the ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NftList {
    /// nft ran and its listing was parsed.
    Listed(NftListing),
    /// There is no `nft` program: rule text has to come from the built-in renderer.
    NotAvailable,
}

/// How to run nft: which program. [`NftCommand::default`] looks for `nft` on `PATH` and in
/// the sbin directories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NftCommand {
    program: Option<PathBuf>,
}

impl NftCommand {
    /// Runs this exact program instead of looking for `nft`.
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        Self {
            program: Some(program.into()),
        }
    }

    /// The program that would run: the one given, else the first `nft` on `PATH` or in the
    /// sbin directories; `None` when there is none.
    pub fn program(&self) -> Option<PathBuf> {
        match &self.program {
            Some(program) => Some(program.clone()),
            None => find_on_path("nft"),
        }
    }

    /// Runs `nft -s -a list ruleset` in the calling thread's network namespace and parses
    /// the listing. A missing program is [`NftList::NotAvailable`], not an error.
    pub fn list_ruleset(&self) -> Result<NftList, NftListError> {
        let Some(program) = self.program() else {
            return Ok(NftList::NotAvailable);
        };
        let output = match Command::new(&program)
            .args(NFT_LIST_ARGS)
            .stdin(Stdio::null())
            .output()
        {
            Ok(output) => output,
            Err(source) if source.kind() == io::ErrorKind::NotFound => {
                return Ok(NftList::NotAvailable)
            }
            Err(source) => return Err(NftListError::Run { program, source }),
        };
        if !output.status.success() {
            return Err(NftListError::Failed {
                program,
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        let text = String::from_utf8(output.stdout).map_err(|_| NftListError::NotUtf8 {
            program: program.clone(),
        })?;
        Ok(NftList::Listed(parse_listing(&text)))
    }
}

/// The first executable-looking file called `name` in `PATH`, then in the sbin directories.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .chain(SBIN_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_file(candidate))
}

fn is_file(path: &Path) -> bool {
    path.metadata().map(|m| m.is_file()).unwrap_or(false)
}

/// Identifies one rule in a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleRef<'a> {
    /// `NFPROTO_*` of the table.
    pub family: u8,
    pub table: &'a str,
    pub chain: &'a str,
    pub handle: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ListedTable {
    family: u8,
    name: String,
    /// Chain name → rule handle → rule text.
    chains: HashMap<String, HashMap<u64, String>>,
}

/// Rule texts parsed from an `nft -a list ruleset` listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NftListing {
    tables: Vec<ListedTable>,
    complete: bool,
}

impl NftListing {
    /// The text of a rule, as nft printed it without indentation and `# handle N`.
    pub fn rule_text(&self, family: u8, table: &str, chain: &str, handle: u64) -> Option<&str> {
        self.tables
            .iter()
            .find(|t| t.family == family && t.name == table)
            .and_then(|t| t.chains.get(chain))
            .and_then(|rules| rules.get(&handle))
            .map(String::as_str)
    }

    /// Every rule of the listing with its text (in no particular order).
    pub fn rules(&self) -> impl Iterator<Item = (RuleRef<'_>, &str)> + '_ {
        self.tables.iter().flat_map(|table| {
            table.chains.iter().flat_map(move |(chain, rules)| {
                rules.iter().map(move |(&handle, text)| {
                    (
                        RuleRef {
                            family: table.family,
                            table: &table.name,
                            chain,
                            handle,
                        },
                        text.as_str(),
                    )
                })
            })
        })
    }

    /// How many rules the listing holds.
    pub fn len(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| t.chains.values())
            .map(HashMap::len)
            .sum()
    }

    /// True when the listing holds no rule.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// False when the braces of the listing did not balance (cut-off output): the rules
    /// read before the imbalance are still there.
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

/// What an open `{` belongs to.
#[derive(Debug)]
enum Block {
    /// A table of a known family: index into the listing's tables.
    Table(usize),
    /// A table of a family nftrace does not know: its rules are skipped.
    UnknownTable,
    /// A chain of the table at the given index.
    Chain { table: usize, name: String },
    /// Anything else: sets, maps, flowtables, objects, element lists.
    Other,
}

/// One line, scanned outside double quotes.
struct ScannedLine<'a> {
    opens: usize,
    closes: usize,
    /// The line before a trailing `# handle N`, and N.
    handle: Option<(&'a str, u64)>,
}

fn scan_line(line: &str) -> ScannedLine<'_> {
    let mut opens = 0usize;
    let mut closes = 0usize;
    let mut in_quotes = false;
    let mut last_hash = None;
    for (index, byte) in line.bytes().enumerate() {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'{' if !in_quotes => opens += 1,
            b'}' if !in_quotes => closes += 1,
            b'#' if !in_quotes => last_hash = Some(index),
            _ => {}
        }
    }
    let handle = last_hash.and_then(|hash| {
        let (body, comment) = line.split_at_checked(hash)?;
        let number = comment.strip_prefix('#')?.trim().strip_prefix("handle")?;
        let number = number.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((body.trim_end(), number.parse().ok()?))
    });
    ScannedLine {
        opens,
        closes,
        handle,
    }
}

/// A name as nft prints it, without the quotes it may carry.
fn unquote(word: &str) -> &str {
    word.strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(word)
}

/// Parses the output of `nft -a list ruleset` (with or without `-s`). Never fails: lines it
/// cannot place are skipped; see [`NftListing::is_complete`].
pub fn parse_listing(text: &str) -> NftListing {
    let mut listing = NftListing {
        tables: Vec::new(),
        complete: true,
    };
    let mut stack: Vec<Block> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let scanned = scan_line(line);
        if scanned.opens == scanned.closes {
            if let (Some(Block::Chain { table, name }), Some((body, handle))) =
                (stack.last(), scanned.handle)
            {
                if let Some(table) = listing.tables.get_mut(*table) {
                    table
                        .chains
                        .entry(name.clone())
                        .or_default()
                        .insert(handle, body.to_owned());
                }
            }
            continue;
        }
        if scanned.closes > scanned.opens {
            for _ in 0..scanned.closes - scanned.opens {
                if stack.pop().is_none() {
                    listing.complete = false;
                }
            }
            continue;
        }
        // The line opens blocks: the first is named by the line's leading words.
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        let block = match (stack.last(), first) {
            (None, "table") => {
                let family = words.next().and_then(family_from_nft_name);
                let name = words.next().map(unquote);
                match (family, name) {
                    (Some(family), Some(name)) if name != "{" => {
                        listing.tables.push(ListedTable {
                            family,
                            name: name.to_owned(),
                            chains: HashMap::new(),
                        });
                        Block::Table(listing.tables.len() - 1)
                    }
                    _ => Block::UnknownTable,
                }
            }
            (Some(Block::Table(table)), "chain") => match words.next().map(unquote) {
                Some(name) if name != "{" => Block::Chain {
                    table: *table,
                    name: name.to_owned(),
                },
                _ => Block::Other,
            },
            _ => Block::Other,
        };
        stack.push(block);
        for _ in 1..scanned.opens - scanned.closes {
            stack.push(Block::Other);
        }
    }
    if !stack.is_empty() {
        listing.complete = false;
    }
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured on this machine (nft 1.0.6, kernel 6.18) in a scratch network namespace:
    /// `ip netns exec NS nft -f -` with a ruleset holding a named counter, an interval set, a
    /// verdict map, a long set (multi-line elements) and rules with comments, then
    /// `ip netns exec NS nft -s -a list ruleset > listing.txt`, pasted verbatim (tabs kept).
    const LISTING_STATELESS: &str = include_str!("testdata/nft_list_stateless.txt");

    /// The same ruleset listed without `-s` (`nft -a list ruleset`): counters with numbers.
    const LISTING_STATEFUL: &str = include_str!("testdata/nft_list_stateful.txt");

    #[test]
    fn reads_every_rule_of_a_real_listing() {
        let listing = parse_listing(LISTING_STATELESS);
        assert!(listing.is_complete());
        let inet = NFPROTO_INET;
        assert_eq!(
            listing.rule_text(inet, "t", "input", 5),
            Some(r#"tcp dport 22 counter accept comment "ssh in""#)
        );
        assert_eq!(
            listing.rule_text(inet, "t", "input", 12),
            Some(r#"tcp flags syn / syn,ack counter name "c1""#)
        );
        assert_eq!(
            listing.rule_text(NFPROTO_IPV4, "tbl2", "ch-1", 4),
            Some(
                "tcp dport { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, \
                 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, \
                 40 } accept comment \"a { # handle 7 x\""
            )
        );
        assert_eq!(
            listing.rule_text(NFPROTO_NETDEV, "nd", "c", 2),
            Some("ether type ip counter")
        );
        // Set, map and counter blocks carry `# handle N` too, but are not rules.
        assert_eq!(listing.rule_text(inet, "t", "input", 3), None);
        assert_eq!(listing.len(), 10);
    }

    #[test]
    fn the_stateful_listing_differs_only_in_counter_values() {
        let stateless = parse_listing(LISTING_STATELESS);
        let stateful = parse_listing(LISTING_STATEFUL);
        assert!(stateful.is_complete());
        assert_eq!(
            stateful.rule_text(NFPROTO_INET, "t", "input", 5),
            Some(r#"tcp dport 22 counter packets 0 bytes 0 accept comment "ssh in""#)
        );
        assert_eq!(stateless.len(), stateful.len());
        for (rule, text) in stateless.rules() {
            let other = stateful
                .rule_text(rule.family, rule.table, rule.chain, rule.handle)
                .unwrap();
            assert_eq!(text, other.replace(" packets 0 bytes 0", ""), "{rule:?}");
        }
    }

    #[test]
    fn handles_inside_quotes_are_not_handles() {
        let scanned = scan_line(r#"accept comment "x # handle 9""#);
        assert!(scanned.handle.is_none());
        let scanned = scan_line(r#"accept comment "x # handle 9" # handle 10"#);
        assert_eq!(
            scanned.handle,
            Some((r#"accept comment "x # handle 9""#, 10))
        );
        assert_eq!((scanned.opens, scanned.closes), (0, 0));
        assert!(scan_line("accept # handle x1").handle.is_none());
        assert!(scan_line("accept # handle").handle.is_none());
    }

    #[test]
    fn cut_off_listing_keeps_what_it_read() {
        let cut = LISTING_STATELESS
            .find("ip saddr @s")
            .map(|end| &LISTING_STATELESS[..end])
            .unwrap();
        let listing = parse_listing(cut);
        assert!(!listing.is_complete());
        assert!(listing.rule_text(NFPROTO_INET, "t", "input", 5).is_some());
        assert_eq!(listing.rule_text(NFPROTO_INET, "t", "input", 6), None);
    }

    #[test]
    fn garbage_is_not_a_rule() {
        for text in [
            "}",
            "}}}\n{",
            "table",
            "table foo bar {\nchain x {\nfoo # handle 1\n}}",
            "",
        ] {
            let listing = parse_listing(text);
            assert!(listing.is_empty(), "{text:?}");
        }
        let listing = parse_listing("table ip x {\nchain y {\naccept # handle 3\n}\n}\n}");
        assert_eq!(listing.rule_text(NFPROTO_IPV4, "x", "y", 3), Some("accept"));
        assert!(!listing.is_complete());
    }

    #[test]
    fn family_names_round_trip() {
        for name in ["ip", "ip6", "inet", "arp", "bridge", "netdev"] {
            let family = family_from_nft_name(name).unwrap();
            assert_eq!(family_nft_name(family), Some(name));
        }
        assert_eq!(family_from_nft_name("ipv4"), None);
    }

    #[test]
    fn a_missing_program_is_not_available() {
        let command = NftCommand::with_program("/nonexistent/nft");
        assert_eq!(command.list_ruleset().unwrap(), NftList::NotAvailable);
    }
}
