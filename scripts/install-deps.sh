#!/usr/bin/env bash
# Installs the system packages nftrace's build, tests and demo need, and only those missing,
# and makes sure cargo is on PATH. Quiet when nothing is missing. Needs root (Debian) only when
# something has to be installed. Runnable from any directory; test.sh and demo.sh `source` it so
# that the PATH fix for cargo reaches them too.
set -euo pipefail

# Debian package -> a command (or "") that proves it is usable without asking dpkg.
declare -A wanted=(
    [nftables]=nft
    [iptables]=iptables-legacy
    [iproute2]=ip
    [procps]=sysctl
    [iputils-ping]=ping
    [libnftnl-dev]=
    [libmnl-dev]=
    [pkg-config]=pkg-config
    [python3]=python3
)

missing=()
for package in "${!wanted[@]}"; do
    command_name=${wanted[$package]}
    if [[ -n $command_name ]] && command -v "$command_name" >/dev/null 2>&1; then
        continue
    fi
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        # Installed but its command is not on PATH (sbin missing from PATH, say): nothing to install.
        continue
    fi
    missing+=("$package")
done

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: missing packages (${missing[*]}), and installing them needs root" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt_log=$(mktemp)
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        rm -f "$apt_log"
        echo "install-deps: apt-get failed" >&2
        exit 1
    fi
    rm -f "$apt_log"
fi

# cargo comes from rustup; a non-login shell (CI) may not have ~/.cargo/bin on PATH yet.
if ! command -v cargo >/dev/null 2>&1; then
    if [[ -f "$HOME/.cargo/env" ]]; then
        # shellcheck source=/dev/null
        source "$HOME/.cargo/env"
    fi
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "install-deps: cargo not found (rustup is expected at ~/.cargo)" >&2
    exit 1
fi
