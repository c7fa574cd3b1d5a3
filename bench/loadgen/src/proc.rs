//! What /proc says about a process: resident memory, open files, CPU time, the open-files limit.

use crate::Result;

/// Resident set size of `pid` in KiB (VmRSS).
pub fn rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    field(&status, "VmRSS:").ok_or_else(|| format!("no VmRSS in /proc/{pid}/status").into())
}

/// Fails unless `pid` runs `program` (its /proc/PID/comm, which the kernel cuts to 15 bytes),
/// so figures are never read from a wrapper shell by mistake.
pub fn check_program(pid: u32, program: &str) -> Result<()> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))?;
    let want = &program[..program.len().min(15)];
    if comm.trim_end() == want {
        return Ok(());
    }
    Err(format!("--pid {pid} runs {:?}, not {program}", comm.trim_end()).into())
}

/// Open file descriptors of `pid` (entries of /proc/PID/fd): sockets, the listener, files.
pub fn fd_count(pid: u32) -> Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// User + system CPU time of `pid` (or `self`) in seconds, assuming USER_HZ = 100 (Linux).
pub fn cpu_secs(pid: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let rest = stat.rsplit_once(") ").ok_or("unreadable /proc/PID/stat")?.1;
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Ok((ticks(14) + ticks(15)) as f64 / 100.0)
}

/// Fails early, with the fix, when this process may not open `needed` files.
pub fn check_open_files(needed: usize) -> Result<()> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    let line = limits.lines().find(|l| l.starts_with("Max open files")).ok_or("no open-files limit")?;
    let soft = line.split_whitespace().nth(3).unwrap_or("unlimited");
    match soft.parse::<usize>() {
        Ok(n) if n < needed => Err(format!("open-files limit {n} < {needed}: run under `ulimit -n {needed}` or more").into()),
        _ => Ok(()),
    }
}

fn field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_own_memory_cpu_and_limit() {
        assert!(super::rss_kb(std::process::id()).unwrap() > 0);
        let fds = super::fd_count(std::process::id()).unwrap();
        let file = std::fs::File::open("/proc/self/status").unwrap();
        assert_eq!(super::fd_count(std::process::id()).unwrap(), fds + 1);
        drop(file);
        assert!(super::cpu_secs("self").unwrap() >= 0.0);
        assert!(super::check_open_files(3).is_ok());
        let me = std::fs::read_to_string("/proc/self/comm").unwrap();
        assert!(super::check_program(std::process::id(), me.trim_end()).is_ok());
        assert!(super::check_program(std::process::id(), "spellwire-server").is_err());
        assert!(super::check_open_files(usize::MAX).is_err());
    }

    #[test]
    fn field_takes_the_number() {
        assert_eq!(super::field("Name:\tx\nVmRSS:\t  1234 kB\n", "VmRSS:"), Some(1234));
        assert_eq!(super::field("Name:\tx\n", "VmRSS:"), None);
    }
}
