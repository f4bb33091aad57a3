#!/usr/bin/env bash
# End-to-end comparison of nftrace with `nft monitor trace` and `xtables-monitor --trace`:
# the same UDP traffic, the same trace rules and the same filter ruleset, once per tool, each
# tool alone. Reports per tool: events (or lines) printed, events lost, CPU time (user+sys,
# from wait4), CPU per kernel trace event, peak RSS and wall time, and the CPU ratios.
#
# Two rule sets, each in a fresh network namespace (`nftrace-bench-<pid>-<n>`, deleted on exit):
#  - nft:          `meta nftrace set 1` at prerouting/output priority raw - 1, plus an inet filter
#                  table of 20 rules in 5 chains with jumps. xtables-monitor only prints rules of
#                  iptables-nft tables, so here it mostly reads and skips.
#  - iptables-nft: the same filter rules written with iptables-nft, and `-j TRACE` in raw
#                  PREROUTING/OUTPUT for UDP: xtables-monitor has events to print (and fetches
#                  each rule with a netlink request per event).
# Two traffic patterns per tool: a burst (BENCH_N datagrams as fast as a python socket loop
# sends them), a paced run (BENCH_PACED_N datagrams at BENCH_RATE per second) and, with the
# iptables-nft rules only, a slow run (BENCH_SLOW_N at BENCH_SLOW_RATE per second) that
# xtables-monitor can follow without its socket overflowing.
# Output of every tool goes to a file on tmpfs (so lines can be counted; same cost for all).
# Environment: BENCH_N (20000), BENCH_PACED_N (6000), BENCH_RATE (2000), BENCH_SLOW_N (1000),
# BENCH_SLOW_RATE (200). Takes about 2 minutes plus the build.
# Runnable from any directory; needs root. Touches nothing outside its namespaces.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=install-deps.sh
source "$repo/scripts/install-deps.sh"

if [[ $(id -u) -ne 0 ]]; then
    echo "bench-e2e: needs root (network namespaces, nf_tables)" >&2
    exit 1
fi
for tool in nft xtables-monitor iptables-nft python3; do
    command -v "$tool" >/dev/null || {
        echo "bench-e2e: $tool not found" >&2
        exit 1
    }
done

burst_n=${BENCH_N:-20000}
paced_n=${BENCH_PACED_N:-6000}
paced_rate=${BENCH_RATE:-2000}
slow_n=${BENCH_SLOW_N:-1000}
slow_rate=${BENCH_SLOW_RATE:-200}

echo "==> building nftrace (release)" >&2
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin nftrace
nftrace_bin="${CARGO_TARGET_DIR:-$repo/target}/release/nftrace"

# State the cleanup needs.
ns=""
ns_count=0
work=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/nftrace-bench.XXXXXX")
runner_pid=""

cleanup() {
    if [[ -n $runner_pid ]] && kill -0 "$runner_pid" 2>/dev/null; then
        kill -KILL "$runner_pid" 2>/dev/null || true
        wait "$runner_pid" 2>/dev/null || true
    fi
    delete_ns
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

delete_ns() {
    if [[ -n $ns ]] && ip netns list | awk '{print $1}' | grep -qx "$ns"; then
        # Any process left in it (a tool we could not stop) would keep the namespace alive.
        local pids
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [[ -n $pids ]]; then
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
        fi
        ip netns del "$ns"
    fi
    ns=""
}

new_ns() {
    delete_ns
    ns_count=$((ns_count + 1))
    ns="nftrace-bench-$$-$ns_count"
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
}

in_ns() { ip netns exec "$ns" "$@"; }

# Runs a command, forwards SIGINT/SIGTERM to it, and when it exits writes
# "user_s sys_s maxrss_kib wall_s exit_status" (from wait4) to the file given first. (The
# maxrss is not used: it includes the python image the child had until exec.)
cat >"$work/runner.py" <<'PY'
import os, signal, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execvp(argv[0], argv)
def forward(signum, _frame):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
signal.signal(signal.SIGINT, forward)
signal.signal(signal.SIGTERM, forward)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
code = os.waitstatus_to_exitcode(status)
with open(report, "w") as f:
    f.write(f"{usage.ru_utime:.4f} {usage.ru_stime:.4f} {usage.ru_maxrss} {wall:.3f} {code}\n")
PY

# Sends N UDP datagrams (64-byte payload) over loopback to a bound receiver that is drained
# between batches; RATE 0 = as fast as possible. Prints the seconds it took.
cat >"$work/sender.py" <<'PY'
import socket, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 9999))
rx.setblocking(False)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.bind(("127.0.0.1", 40000))
tx.connect(("127.0.0.1", 9999))
payload = b"nftrace-bench-" + b"x" * 50
def drain():
    try:
        while True:
            rx.recv(2048)
    except BlockingIOError:
        pass
start = time.monotonic()
batch = 64 if rate <= 0 else max(1, int(rate / 100))
sent = 0
while sent < n:
    k = min(batch, n - sent)
    for _ in range(k):
        tx.send(payload)
    sent += k
    drain()
    if rate > 0:
        delay = start + sent / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
print(f"{time.monotonic() - start:.3f}")
PY

# 20 filter rules in 5 chains (2 base chains, 3 user chains reached by jumps). The bench
# datagrams (udp 127.0.0.1:40000 -> :9999) go through output, then input -> udp_in -> accept.
nft_filter_rules='
table inet filter {
    chain input {
        type filter hook input priority filter; policy drop;
        iifname "eth0" jump from_wan
        ip saddr 192.0.2.0/24 drop
        ip6 saddr 2001:db8::/32 drop
        meta l4proto icmp accept
        meta l4proto ipv6-icmp accept
        tcp dport 22 accept
        tcp dport { 80, 443 } accept
        ip protocol udp jump udp_in
        counter drop
    }
    chain udp_in {
        udp dport 53 accept
        udp dport 123 accept
        udp sport 40001 drop
        udp dport 9999 jump bench_ports
    }
    chain bench_ports {
        meta mark set 0x2a
        udp dport 9999 accept
    }
    chain from_wan {
        ip saddr 10.0.0.0/8 drop
        tcp dport 25 drop
        udp dport 137-139 drop
    }
    chain output {
        type filter hook output priority filter; policy accept;
        oifname "eth0" tcp dport 25 drop
        udp dport 9999 counter accept
    }
}'

setup_nft() {
    in_ns nft -f - <<NFT
table inet trace {
    chain trace_prerouting {
        type filter hook prerouting priority raw - 1; policy accept;
        meta nftrace set 1
    }
    chain trace_output {
        type filter hook output priority raw - 1; policy accept;
        meta nftrace set 1
    }
}
$nft_filter_rules
NFT
}

setup_iptables_nft() {
    in_ns iptables-nft-restore <<'IPT'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -j TRACE
-A OUTPUT -p udp -j TRACE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:udp_in - [0:0]
:bench_ports - [0:0]
:from_wan - [0:0]
-A INPUT -i eth0 -j from_wan
-A INPUT -s 192.0.2.0/24 -j DROP
-A INPUT -p icmp -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 80 -j ACCEPT
-A INPUT -p tcp --dport 443 -j ACCEPT
-A INPUT -s 198.51.100.0/24 -j DROP
-A INPUT -p udp -j udp_in
-A INPUT -j DROP
-A udp_in -p udp --dport 53 -j ACCEPT
-A udp_in -p udp --dport 123 -j ACCEPT
-A udp_in -p udp --sport 40001 -j DROP
-A udp_in -p udp --dport 9999 -j bench_ports
-A bench_ports -j MARK --set-mark 0x2a
-A bench_ports -p udp --dport 9999 -j ACCEPT
-A from_wan -s 10.0.0.0/8 -j DROP
-A from_wan -p tcp --dport 25 -j DROP
-A from_wan -p udp --dport 137:139 -j DROP
-A OUTPUT -o eth0 -p tcp --dport 25 -j DROP
-A OUTPUT -p udp --dport 9999 -j ACCEPT
COMMIT
IPT
}

# run_tool LABEL N RATE CMD...: one tool alone against one traffic run. Appends a result row
# "label|n|rate|lines|lost|user|sys|rss_kib|wall|lag|status|nftrace_events" to $work/results.
run_tool() {
    local label=$1 n=$2 rate=$3
    shift 3
    local out="$work/out" err="$work/err" report="$work/report"
    rm -f "$out" "$err" "$report"
    # `ip netns exec` execs the runner in place, so $! is the runner.
    ip netns exec "$ns" python3 "$work/runner.py" "$report" "$@" >"$out" 2>"$err" &
    runner_pid=$!
    if [[ $1 == "$nftrace_bin" ]]; then
        local waited=0
        until grep -q '^nftrace: listening' "$err"; do
            if ! kill -0 "$runner_pid" 2>/dev/null || ((waited >= 100)); then
                echo "bench-e2e: nftrace did not start:" >&2
                cat "$err" >&2
                return 1
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    else
        # nft and xtables-monitor say nothing when they are ready.
        sleep 0.5
    fi
    local send_s
    send_s=$(in_ns python3 "$work/sender.py" "$n" "$rate")
    # Drain: wait until the output has not grown for 0.5 s (at most 30 s), then SIGINT.
    local size last=-1 still=0 ticks=0
    while ((still < 5 && ticks < 300)); do
        sleep 0.1
        ticks=$((ticks + 1))
        size=$(stat -c %s "$out")
        if ((size == last)); then still=$((still + 1)); else still=0; fi
        last=$size
        kill -0 "$runner_pid" 2>/dev/null || break
    done
    local lag
    lag=$(awk -v t="$ticks" 'BEGIN { printf "%.1f", (t - 5) / 10 }')
    # Peak RSS of the tool itself (wait4's ru_maxrss would include the runner's python image,
    # which the child carried until exec).
    local tool_pid rss=""
    tool_pid=$(pgrep -P "$runner_pid" | head -n 1 || true)
    if [[ -n $tool_pid ]]; then
        rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$tool_pid/status" 2>/dev/null || true)
    fi
    rss=${rss:-0}
    kill -INT "$runner_pid" 2>/dev/null || true
    wait "$runner_pid" || true
    runner_pid=""
    local user sys wall status
    read -r user sys _ wall status <"$report"
    if [[ $1 != "$nftrace_bin" && -s $err ]]; then
        echo "    ($1 said on stderr: $(head -c 200 "$err" | tr '\n' ' '))" >&2
    fi

    local lines lost events=""
    lines=$(grep -c -v '^#' "$out" || true)
    case $1 in
    "$nftrace_bin")
        local summary
        summary=$(grep -E '(events|packets) printed' "$err" || true)
        events=$(sed -nE 's/.*\(([0-9]+) nf_tables trace events.*/\1/p' <<<"$summary")
        if grep -q '0 events lost' <<<"$summary"; then
            lost=0
        else
            lost=$(sed -nE 's/.*LOST events: ([0-9]+) receive-buffer overruns.*/overruns:\1/p' <<<"$summary")
            lost=${lost:-?}
        fi
        ;;
    nft)
        if grep -q 'lost some netlink events' "$out" "$err"; then lost=yes; else lost=0; fi
        ;;
    xtables-monitor)
        if grep -qi 'No buffer space' "$err"; then
            lost="ENOBUFS(exit)"
        elif [[ -s $err ]]; then
            lost="err:$(head -c 60 "$err" | tr '\n|' '  ')"
        else
            lost=0
        fi
        ;;
    esac
    echo "$label|$n|$rate|$lines|$lost|$user|$sys|$rss|$wall|$lag|$status|$events|$send_s" \
        >>"$work/results"
    printf '    %-28s %6s pkts rate %-5s: %7s lines, lost %s, cpu %.3f s, rss %d KiB (sent in %s s, drained %s s later)\n' \
        "$label" "$n" "$rate" "$lines" "$lost" "$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')" \
        "$rss" "$send_s" "$lag" >&2
}

run_all_tools() {
    local set=$1 n=$2 rate=$3
    # --no-install: the trace rules are the script's, the same for every tool.
    run_tool "$set: nftrace paths (text)" "$n" "$rate" "$nftrace_bin" --no-install
    run_tool "$set: nftrace paths --json" "$n" "$rate" "$nftrace_bin" --no-install --json
    run_tool "$set: nftrace --json" "$n" "$rate" "$nftrace_bin" events --json
    run_tool "$set: nftrace (text)" "$n" "$rate" "$nftrace_bin" events
    run_tool "$set: nftrace --no-ruleset" "$n" "$rate" "$nftrace_bin" events --no-ruleset
    run_tool "$set: nft monitor trace" "$n" "$rate" nft monitor trace
    run_tool "$set: xtables-monitor --trace" "$n" "$rate" xtables-monitor --trace
}

: >"$work/results"
for set in nft iptables-nft; do
    echo "==> rules: $set (namespace per run set; traffic only on its loopback)" >&2
    new_ns
    "setup_${set//-/_}"
    echo "  -- burst: $burst_n datagrams as fast as possible" >&2
    run_all_tools "$set" "$burst_n" 0
    echo "  -- paced: $paced_n datagrams at $paced_rate/s" >&2
    run_all_tools "$set" "$paced_n" "$paced_rate"
    if [[ $set == iptables-nft ]]; then
        echo "  -- slow: $slow_n datagrams at $slow_rate/s" >&2
        run_all_tools "$set" "$slow_n" "$slow_rate"
    fi
    delete_ns
done

# The table. Kernel trace events per run = what nftrace received in the same set and traffic
# pattern when it lost nothing (all tools see the same deterministic traffic and rules).
awk -F'|' '
function key(l, r) { split(l, p, ": "); return p[1] "|" r }
{
    row[NR] = $0
    if ($12 != "" && $5 == "0") { k = key($1, $3); if (!(k in ev) || $12 > ev[k]) ev[k] = $12 }
}
END {
    fmt = "%-40s %-6s %9s %9s %-14s %9s %9s %8s %7s\n"
    printf fmt, "tool", "traffic", "k.events", "printed", "lost", "CPU ms", "µs/event", "RSS MiB", "wall s"
    for (i = 1; i <= NR; i++) {
        split(row[i], f, "|")
        k = key(f[1], f[3]); e = (k in ev) ? ev[k] : 0
        cpu = (f[6] + f[7]) * 1000
        # Per event actually handled: nftrace counts what it received; the others, when they
        # lost events, handled an unknown number.
        handled = (f[12] != "") ? f[12] : (f[5] == "0" ? e : 0)
        per = handled > 0 ? sprintf("%.2f", cpu * 1000 / handled) : "-"
        traffic = (f[3] == 0) ? "burst" : f[3] "/s"
        printf fmt, f[1], traffic, e, f[4], f[5], sprintf("%.0f", cpu), per, sprintf("%.1f", f[8] / 1024), f[9]
        cpu_of[f[1] "|" f[3]] = cpu; lost_of[f[1] "|" f[3]] = f[5]
        if (!(f[3] in seen_rate)) { seen_rate[f[3]] = 1; rate_list[++nrates] = f[3] }
        split(f[1], p, ": ")
        if (!(p[1] in seen_set)) { seen_set[p[1]] = 1; set_list[++nsets] = p[1] }
    }
    print ""
    print "CPU ratios nftrace / other tool (same traffic, same rules; < 1: nftrace used less CPU;"
    print "n/a: one of the two lost events or exited, so they did not do the same work):"
    split("nftrace --json|nftrace (text)|nftrace --no-ruleset", names, "|")
    for (si = 1; si <= nsets; si++) for (ri = 1; ri <= nrates; ri++) {
        s = set_list[si]; r = rate_list[ri]
        if (!((s ": nft monitor trace|" r) in cpu_of)) continue
        traffic = (r == 0) ? "burst" : r "/s"
        for (j = 1; j <= 3; j++) {
            a = s ": " names[j] "|" r
            printf "  %-13s %-6s %-22s / nft %5s   / xtables-monitor %5s\n", s, traffic, names[j],
                ratio(a, s ": nft monitor trace|" r), ratio(a, s ": xtables-monitor --trace|" r)
        }
    }
}
function ratio(a, b) {
    if (lost_of[a] != "0" || lost_of[b] != "0" || cpu_of[b] <= 0) return "n/a"
    return sprintf("%.2f", cpu_of[a] / cpu_of[b])
}' "$work/results"
echo
echo "printed = stdout lines (nftrace: one per event; nft: about one per event plus one per packet"
echo "and chain; xtables-monitor: only iptables-nft rules). k.events = kernel trace events in that"
echo "run, as counted by nftrace when it lost none. Raw rows: label|n|rate|lines|lost|user|sys|"
echo "maxrss_kib|wall|drain_s|exit|nftrace_events|send_s"
cat "$work/results"
