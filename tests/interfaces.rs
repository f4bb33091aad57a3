//! The interface name cache against the kernel, in namespaces of its own: interfaces created,
//! renamed and deleted after the cache was built resolve to their current name, with link
//! notifications and, without them, through the re-read a lookup miss triggers.

mod common;

use std::time::Duration;

use common::Netns;
use nftrace::ruleset::interfaces::{Interfaces, InterfacesConfig};

/// The index of interface `name` in `ns`, read by iproute2 (`ip -o link show dev NAME`
/// prints `INDEX: NAME...`).
fn index_of(ns: &Netns, name: &str) -> u32 {
    let output = ns.ip(&["-o", "link", "show", "dev", name]);
    let text = String::from_utf8_lossy(&output.stdout);
    text.split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no index in `{text}`"))
}

fn add_veth(ns: &Netns, a: &str, b: &str) {
    ns.ip(&["link", "add", a, "type", "veth", "peer", "name", b]);
}

fn open_in(ns: &Netns, config: InterfacesConfig) -> Interfaces {
    ns.run_in(|| Interfaces::with_config(config))
        .expect("reading the interfaces")
}

#[test]
fn names_the_namespace_interfaces_and_no_others() {
    let ns = Netns::new("ifnames");
    add_veth(&ns, "nft-a0", "nft-a1");
    let mut interfaces = open_in(&ns, InterfacesConfig::default());
    assert_eq!(interfaces.name(1), Some("lo"));
    let a0 = index_of(&ns, "nft-a0");
    let a1 = index_of(&ns, "nft-a1");
    assert_eq!(interfaces.name(a0), Some("nft-a0"));
    assert_eq!(interfaces.name(a1), Some("nft-a1"));
    let mut live: Vec<_> = interfaces.iter().map(|(_, n)| n.to_owned()).collect();
    live.sort();
    assert_eq!(live, ["lo", "nft-a0", "nft-a1"]);
    // Index 0 means "no interface"; a never-seen index stays unknown.
    assert_eq!(interfaces.name(0), None);
    assert_eq!(interfaces.name(a0.max(a1) + 1000), None);
    assert!(interfaces.is_monitoring());
    assert_eq!(interfaces.stats().dumps, 1);
}

#[test]
fn notifications_bring_new_renamed_and_deleted_interfaces() {
    let ns = Netns::new("ifnotify");
    // Read notifications at every lookup, so a rename shows at once.
    let config = InterfacesConfig {
        update_interval: Duration::ZERO,
        ..InterfacesConfig::default()
    };
    let mut interfaces = open_in(&ns, config);
    assert_eq!(interfaces.stats().dumps, 1);

    add_veth(&ns, "nft-b0", "nft-b1");
    let b0 = index_of(&ns, "nft-b0");
    assert_eq!(interfaces.name(b0), Some("nft-b0"));
    assert_eq!(
        interfaces.stats().misses,
        0,
        "the notification came before the lookup"
    );

    ns.ip(&["link", "set", "dev", "nft-b0", "name", "nft-renamed"]);
    assert_eq!(interfaces.name(b0), Some("nft-renamed"));

    ns.ip(&["link", "del", "dev", "nft-renamed"]);
    // Deleted, but late events about it still get its name.
    assert_eq!(interfaces.name(b0), Some("nft-renamed"));
    assert!(!interfaces.is_live(b0));
    // All of it came from notifications: still the one dump of the start.
    assert_eq!(interfaces.stats().dumps, 1);
    assert!(interfaces.stats().notifications >= 3);
}

#[test]
fn without_notifications_a_miss_reads_the_list_again() {
    let ns = Netns::new("ifmiss");
    let config = InterfacesConfig {
        refresh_interval: Duration::ZERO,
        monitor: false,
        ..InterfacesConfig::default()
    };
    let mut interfaces = open_in(&ns, config);
    assert!(!interfaces.is_monitoring());

    add_veth(&ns, "nft-c0", "nft-c1");
    let c1 = index_of(&ns, "nft-c1");
    assert_eq!(interfaces.cached(c1), None, "not known before the lookup");
    assert_eq!(interfaces.name(c1), Some("nft-c1"));
    assert_eq!(interfaces.stats().misses, 1);
    assert_eq!(interfaces.stats().dumps, 2);

    // A rename keeps the index; without notifications the next re-read shows it.
    ns.ip(&["link", "set", "dev", "nft-c1", "name", "nft-c1-new"]);
    assert_eq!(interfaces.name(c1), Some("nft-c1-new"));
}

#[test]
fn misses_are_rate_limited() {
    let ns = Netns::new("ifrate");
    let config = InterfacesConfig {
        refresh_interval: Duration::from_secs(3600),
        ..InterfacesConfig::default()
    };
    let mut interfaces = open_in(&ns, config);
    for unknown in 1000..1100 {
        assert_eq!(interfaces.name(unknown), None);
    }
    assert_eq!(interfaces.stats().misses, 100);
    assert_eq!(
        interfaces.stats().dumps,
        1,
        "no re-read within the interval"
    );
}

#[test]
fn the_cache_stays_in_its_namespace() {
    // Two namespaces with an interface of the same index but different names: each cache
    // answers for its own, whichever thread asks.
    let first = Netns::new("ifnsa");
    let second = Netns::new("ifnsb");
    add_veth(&first, "nft-first0", "nft-first1");
    add_veth(&second, "nft-second0", "nft-second1");
    let index = index_of(&first, "nft-first0");
    assert_eq!(index, index_of(&second, "nft-second0"));
    let mut a = open_in(&first, InterfacesConfig::default());
    let mut b = open_in(&second, InterfacesConfig::default());
    assert_eq!(a.name(index), Some("nft-first0"));
    assert_eq!(b.name(index), Some("nft-second0"));
}

#[test]
fn lookups_of_known_indexes_read_notifications_at_most_once_per_interval() {
    let ns = Netns::new("ifthrot");
    add_veth(&ns, "nft-d0", "nft-d1");
    let config = InterfacesConfig {
        update_interval: Duration::from_secs(3600),
        ..InterfacesConfig::default()
    };
    let mut interfaces = open_in(&ns, config);
    let d0 = index_of(&ns, "nft-d0");
    assert_eq!(interfaces.name(d0), Some("nft-d0"));
    ns.ip(&["link", "set", "dev", "nft-d0", "name", "nft-d0-new"]);
    // Within the interval a known index is answered from the cache...
    assert_eq!(interfaces.name(d0), Some("nft-d0"));
    // ...until the notifications are read.
    assert_eq!(interfaces.update().unwrap(), 1);
    assert_eq!(interfaces.name(d0), Some("nft-d0-new"));
    // An unknown index reads them at once, throttle or not.
    add_veth(&ns, "nft-e0", "nft-e1");
    let e0 = index_of(&ns, "nft-e0");
    assert_eq!(interfaces.name(e0), Some("nft-e0"));
    assert_eq!(interfaces.stats().dumps, 1);
}
