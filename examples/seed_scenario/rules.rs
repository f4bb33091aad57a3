//! The forwarder's firewall: the rules of the seed's `iptables -L -n -v` listing, as
//! `iptables-restore` input.
//!
//! That listing is what Docker (of 2017) made of `docker run -p 10300:10300/udp …
//! -p 10399:10399/udp`: per published port, a DNAT rule in nat `DOCKER`, an ACCEPT rule in
//! filter `DOCKER` and a MASQUERADE rule in nat `POSTROUTING`, newest port first. The order
//! matters: it gives the rule numbers the seed's kernel log shows — port 10370 is
//! `nat:DOCKER:rule:31` (after the `-i docker0 -j RETURN` and 29 higher ports),
//! `filter:DOCKER:rule:30`, and nat `POSTROUTING` has 101 rules, so its policy is
//! `policy:102`. The mangle and security tables have only their empty built-in chains, and raw
//! holds the seed's two `-p udp -j TRACE` rules.

use std::fmt::Write;

use crate::topology::CONTAINER_IP;

/// The published UDP ports, in the order Docker listed them (highest first).
pub fn published_ports() -> impl Iterator<Item = u16> {
    (10300..=10399).rev()
}

/// The whole ruleset, for `iptables-legacy-restore` or `iptables-nft-restore` (both read the
/// same format).
pub fn restore_input() -> String {
    let mut out = String::new();
    filter(&mut out);
    nat(&mut out);
    empty_table(
        &mut out,
        "mangle",
        &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    );
    empty_table(&mut out, "security", &["INPUT", "FORWARD", "OUTPUT"]);
    raw(&mut out);
    out
}

/// Starts table `*TABLE`: its built-in chains (policy ACCEPT), then its user chains.
fn begin_table(out: &mut String, table: &str, built_in: &[&str], user: &[&str]) {
    // `write!` to a String cannot fail.
    let _ = writeln!(out, "*{table}");
    for chain in built_in {
        let _ = writeln!(out, ":{chain} ACCEPT [0:0]");
    }
    for chain in user {
        let _ = writeln!(out, ":{chain} - [0:0]");
    }
}

fn filter(out: &mut String) {
    begin_table(
        out,
        "filter",
        &["INPUT", "FORWARD", "OUTPUT"],
        &["DOCKER", "DOCKER-ISOLATION"],
    );
    out.push_str(
        "-A FORWARD -j DOCKER-ISOLATION\n\
         -A FORWARD -o docker0 -j DOCKER\n\
         -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
         -A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n\
         -A FORWARD -i docker0 -o docker0 -j ACCEPT\n",
    );
    for port in published_ports() {
        let _ = writeln!(
            out,
            "-A DOCKER -d {CONTAINER_IP}/32 ! -i docker0 -o docker0 -p udp -m udp \
             --dport {port} -j ACCEPT"
        );
    }
    // An explicit, unconditional RETURN: the kernel's TRACE calls it `return:1`, though it is
    // rule 1 (nftrace reports it as the rule it is).
    out.push_str("-A DOCKER-ISOLATION -j RETURN\nCOMMIT\n");
}

fn nat(out: &mut String) {
    begin_table(
        out,
        "nat",
        &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        &["DOCKER"],
    );
    out.push_str(
        "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n\
         -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER\n\
         -A POSTROUTING -s 172.18.0.0/16 ! -o docker0 -j MASQUERADE\n",
    );
    for port in published_ports() {
        let _ = writeln!(
            out,
            "-A POSTROUTING -s {CONTAINER_IP}/32 -d {CONTAINER_IP}/32 -p udp -m udp \
             --dport {port} -j MASQUERADE"
        );
    }
    out.push_str("-A DOCKER -i docker0 -j RETURN\n");
    for port in published_ports() {
        let _ = writeln!(
            out,
            "-A DOCKER ! -i docker0 -p udp -m udp --dport {port} \
             -j DNAT --to-destination {CONTAINER_IP}:{port}"
        );
    }
    out.push_str("COMMIT\n");
}

fn empty_table(out: &mut String, table: &str, chains: &[&str]) {
    begin_table(out, table, chains, &[]);
    out.push_str("COMMIT\n");
}

fn raw(out: &mut String) {
    begin_table(out, "raw", &["PREROUTING", "OUTPUT"], &[]);
    out.push_str(
        "-A PREROUTING -p udp -j TRACE\n\
         -A OUTPUT -p udp -j TRACE\n\
         COMMIT\n",
    );
}
