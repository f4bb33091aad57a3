#!/usr/bin/env bash
# Shows nftrace at work on the seed article's scenario: installs what is missing, builds in
# release mode, then runs examples/seed_scenario.rs — a trigger host, a forwarder with eth0, a
# docker0 bridge and Docker's iptables rules (DNAT of UDP 10300-10399 to a container), and a
# container with a UDP echo server on 10370, each in a throw-away network namespace. The
# trigger sends datagrams of 1483, 1485 and 1498 bytes to the forwarder's port 10370, and
# nftrace, embedded as a library, prints the path of each datagram and of each echo through the
# forwarder's tables: once with iptables-legacy (nfnetlink_log), once with iptables-nft
# (nf_tables trace). Nothing outside those namespaces is touched; the example deletes them when
# it ends, fails or is interrupted.
# Extra arguments go to the example (`--json`, `--backend legacy|nft|both`). Runnable from any
# directory, with or without a terminal (colour only on a terminal, and not with NO_COLOR);
# needs root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=install-deps.sh
source "$repo/scripts/install-deps.sh"

echo "==> building nftrace and the seed scenario (release)" >&2
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin nftrace --example seed_scenario

echo "==> running the seed scenario" >&2
exec cargo run --release --quiet --manifest-path "$repo/Cargo.toml" --example seed_scenario -- "$@"
