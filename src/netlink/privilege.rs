//! Whether the calling thread holds `CAP_NET_ADMIN`, read from `/proc/thread-self/status`.
//! Needed to tell the two meanings of `EPERM` on an nflog bind apart: nfnetlink refuses
//! every request without `CAP_NET_ADMIN`, and nfnetlink_log also answers `EPERM` when
//! another socket already owns the group.

/// `CAP_NET_ADMIN` (`include/uapi/linux/capability.h`).
const CAP_NET_ADMIN: u32 = 12;

/// True/false when the effective capability set could be read, `None` otherwise.
pub(crate) fn has_cap_net_admin() -> Option<bool> {
    let status = std::fs::read_to_string("/proc/thread-self/status")
        .or_else(|_| std::fs::read_to_string("/proc/self/status"))
        .ok()?;
    effective_caps(&status).map(|caps| caps & (1u64 << CAP_NET_ADMIN) != 0)
}

/// The `CapEff:` mask of a `/proc/<pid>/status` text.
fn effective_caps(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(line.trim(), 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_effective_set() {
        // Lines as /proc/self/status prints them on Linux 6.18 (root, then an unprivileged
        // user).
        let root =
            "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n";
        let user = "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n";
        assert_eq!(effective_caps(root), Some(0x1ff_ffff_ffff));
        assert_eq!(effective_caps(user), Some(0));
        assert_eq!(effective_caps("Name:\tx\n"), None);
    }

    #[test]
    fn reads_this_process() {
        let expected = euid_is_root();
        assert_eq!(has_cap_net_admin(), Some(expected));
    }

    /// Root (euid 0) without a capability-dropping wrapper holds every capability.
    fn euid_is_root() -> bool {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(|euid| euid == "0"))
            })
            .unwrap_or(false)
    }
}
