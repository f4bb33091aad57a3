#!/usr/bin/env bash
# Runs everything CI checks: formatting, clippy (warnings are errors) and every test of the
# workspace — unit, integration (as root, in network namespaces the tests create), examples,
# benches in test mode, doc tests —, then fails if a test left an `nftrace-*` network namespace
# behind. Every step runs even when an earlier one failed; the exit status says whether all
# passed. Runnable from any directory; needs root for the integration tests.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# shellcheck source=install-deps.sh
source "$repo/scripts/install-deps.sh"

failed=()
step() {
    local name=$1
    shift
    echo "==> $name: $*"
    if ! "$@"; then
        failed+=("$name")
    fi
}

harness_namespaces() {
    ip netns list | awk '{print $1}' | grep '^nftrace-' | sort || true
}

before=$(harness_namespaces)
if [[ -n $before ]]; then
    echo "note: nftrace-* namespaces existed before the tests (ignored below):" $before >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

step fmt cargo fmt --all --check
step clippy cargo clippy --workspace --all-targets -- -D warnings
# --all-targets: lib, bins, tests, examples and benches (criterion runs each bench once in test
# mode); doc tests are not a target, so they get their own run.
step tests bash -c 'set -o pipefail; cargo test --workspace --all-targets 2>&1 | tee -a "$1"' _ "$log"
step doctests bash -c 'set -o pipefail; cargo test --workspace --doc 2>&1 | tee -a "$1"' _ "$log"

left=$(comm -13 <(echo "$before") <(harness_namespaces) | grep . || true)
if [[ -n $left ]]; then
    echo "==> namespaces left behind by the tests:" $left >&2
    failed+=("namespace cleanup")
fi

echo
echo "==> test summary"
grep -E '^ +(Running|Doc-tests) |^test result:' "$log" || echo "(no test binaries ran)"

if ((${#failed[@]} > 0)); then
    echo "==> FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "==> all checks passed"
