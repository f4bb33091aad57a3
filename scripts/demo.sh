#!/usr/bin/env bash
# Shows nftrace at work: builds it in release mode, then runs the built-in scenario — a
# throw-away network namespace with nft trace rules (a user chain with a jump, a mark and an
# accept) and an iptables-legacy raw TRACE rule bound to nfnetlink_log, `nftrace events`
# listening inside it while a few UDP, TCP and ICMP packets cross loopback — and prints what
# nftrace printed. Nothing outside that namespace is touched; it is deleted on exit.
# Extra arguments go to `nftrace events` (e.g. --json). Runnable from any directory; needs root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=install-deps.sh
source "$repo/scripts/install-deps.sh"

echo "==> building nftrace (release)" >&2
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin nftrace
nftrace_bin="${CARGO_TARGET_DIR:-$repo/target}/release/nftrace"

# State the cleanup needs; global because the EXIT trap runs after scenario() has returned.
ns="nftrace-demo-$$"
out=$(mktemp)
err=$(mktemp)
nftrace_pid=""
saved_nf_log_2=""
saved_nf_log_10=""

in_ns() { ip netns exec "$ns" "$@"; }

cleanup() {
    if [[ -n $nftrace_pid ]] && kill -0 "$nftrace_pid" 2>/dev/null; then
        kill -KILL "$nftrace_pid" 2>/dev/null || true
    fi
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
        # Whoever binds nf_log restores it (deleting the namespace would drop it too).
        if [[ -n $saved_nf_log_2 ]]; then
            in_ns sysctl -q -w "net.netfilter.nf_log.2=$saved_nf_log_2" \
                "net.netfilter.nf_log.10=$saved_nf_log_10" || true
        fi
        ip netns del "$ns"
    fi
    rm -f "$out" "$err"
}
trap cleanup EXIT

# The scenario: replace this function (e.g. by `cargo run --example seed_scenario`) when the
# examples exist. Arguments: extra arguments for `nftrace events`.
scenario() {
    echo "==> namespace $ns" >&2
    ip netns add "$ns"
    in_ns ip link set lo up

    echo "==> nft: trace every packet; a user chain with a jump, a mark and an accept" >&2
    in_ns nft -f - <<'NFT'
table inet demo {
    chain trace_prerouting {
        type filter hook prerouting priority raw - 1; policy accept;
        meta nftrace set 1
    }
    chain trace_output {
        type filter hook output priority raw - 1; policy accept;
        meta nftrace set 1
    }
    chain input {
        type filter hook input priority filter; policy accept;
        ip protocol udp jump classify
        meta l4proto tcp jump classify
    }
    chain classify {
        meta mark set 0x2a
        udp dport 5353 accept
        tcp dport 8080 accept
    }
}
NFT
    in_ns nft list ruleset >&2

    echo "==> iptables-legacy: raw TRACE, nf_log bound to nfnetlink_log" >&2
    saved_nf_log_2=$(in_ns sysctl -n net.netfilter.nf_log.2)
    saved_nf_log_10=$(in_ns sysctl -n net.netfilter.nf_log.10)
    in_ns sysctl -q -w net.netfilter.nf_log.2=nfnetlink_log net.netfilter.nf_log.10=nfnetlink_log
    in_ns iptables-legacy -w -t raw -A PREROUTING -p icmp -j TRACE
    in_ns iptables-legacy -w -t raw -A OUTPUT -p icmp -j TRACE
    in_ns iptables-legacy -w -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
    in_ns iptables-legacy-save >&2

    echo "==> nftrace events $*" >&2
    # Not through in_ns: a backgrounded function runs in a subshell, and $! would be that
    # subshell, not nftrace (`ip netns exec` execs nftrace in place, so here $! is nftrace).
    ip netns exec "$ns" "$nftrace_bin" events "$@" >"$out" 2>"$err" &
    nftrace_pid=$!
    local waited=0
    until grep -q '^nftrace: listening' "$err"; do
        if ! kill -0 "$nftrace_pid" 2>/dev/null || ((waited >= 100)); then
            echo "nftrace did not start:" >&2
            cat "$err" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done

    echo "==> traffic: UDP to 127.0.0.1:5353, TCP to [::1]:8080, ping 127.0.0.1 and ::1" >&2
    in_ns python3 - <<'PY'
import socket
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 5353))
udp.settimeout(5)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"nftrace demo", ("127.0.0.1", 5353))
udp.recv(100)
listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
listener.bind(("::1", 8080))
listener.listen(1)
listener.settimeout(5)
client = socket.create_connection(("::1", 8080), timeout=5)
server, _ = listener.accept()
client.close()
server.close()
PY
    in_ns ping -q -c 1 -W 1 127.0.0.1 >/dev/null
    in_ns ping -q -6 -c 1 -W 1 ::1 >/dev/null
    sleep 0.5

    kill -INT "$nftrace_pid"
    local status=0
    wait "$nftrace_pid" || status=$?
    nftrace_pid=""

    echo "==> nftrace stdout" >&2
    cat "$out"
    echo "==> nftrace stderr (exit status $status)" >&2
    cat "$err" >&2
    return "$status"
}

scenario "$@"
