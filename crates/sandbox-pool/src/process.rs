//! Process groups: every command a sandbox starts runs in a group of its own, so one signal
//! stops it with everything it spawned (`next dev` forks a `next-server` worker).

use std::path::Path;

use rustix::process::{Pid, Resource, Rlimit, Signal};

/// SIGKILLs the whole group led by `pgid`. A group that is already gone is not an error.
pub fn kill_process_group(pgid: i32) {
    if let Some(pid) = Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, Signal::KILL);
    }
}

/// SIGKILLs one process; one that is already gone is not an error.
pub(crate) fn kill_process(pid: i32) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, Signal::KILL);
    }
}

/// Caps the data segment of `pid` (and of the processes it starts later, which inherit it).
///
/// RLIMIT_DATA rather than RLIMIT_AS: V8 reserves tens of GiB of address space it never
/// touches (a `next-server` shows ~65 GiB of VSZ for ~0.4 GiB resident), so an address-space
/// cap either breaks node or is too high to limit anything. Since Linux 4.7 RLIMIT_DATA counts
/// private writable mappings only, which is what node actually commits; PROT_NONE
/// reservations are not counted.
pub(crate) fn limit_data(pid: u32, bytes: u64) -> std::io::Result<()> {
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| std::io::Error::other(format!("{pid} is not a process id")))?;
    rustix::process::prlimit(
        Some(pid),
        Resource::Data,
        Rlimit {
            current: Some(bytes),
            maximum: Some(bytes),
        },
    )?;
    Ok(())
}

/// Ids of the live processes (zombies excluded) in process group `pgid`, read from /proc.
pub fn processes_in_group(pgid: i32) -> Vec<i32> {
    live_processes()
        .filter(|(_, stat)| stat_field(stat, 2).and_then(|g| g.parse().ok()) == Some(pgid))
        .map(|(pid, _)| pid)
        .collect()
}

/// Ids of the live processes whose working directory is `dir` or below it: every process a
/// local sandbox starts runs in its project directory, so this counts leftovers even if one
/// left its process group.
pub fn processes_under(dir: &Path) -> Vec<i32> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    live_processes()
        .filter(|(pid, _)| working_directories(*pid).any(|cwd| cwd.starts_with(&dir)))
        .map(|(pid, _)| pid)
        .collect()
}

/// Whether `pid` still runs or is still tearing down (see [`live_processes`]).
pub fn process_is_live(pid: i32) -> bool {
    live_stat(pid).is_some()
}

/// (pid, the part of /proc/PID/stat after the command name) of every live process.
fn live_processes() -> impl Iterator<Item = (i32, String)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, live_stat(pid)?)))
}

/// The stat text after the command name, unless the process is dead. A zombie leader is not
/// dead while another of its threads runs: a SIGKILLed node leader turns Z at once, but its
/// worker threads keep the memory and the listening socket until they finish exiting, and
/// only then can it be reaped.
fn live_stat(pid: i32) -> Option<String> {
    let rest = stat_after_command(&format!("/proc/{pid}/stat"))?;
    if !is_dead_state(&rest) {
        return Some(rest);
    }
    let threads = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    threads
        .flatten()
        .filter_map(|thread| stat_after_command(&thread.path().join("stat").to_string_lossy()))
        .any(|thread| !is_dead_state(&thread))
        .then_some(rest)
}

fn stat_after_command(path: &str) -> Option<String> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name is in parentheses and may itself hold spaces or parentheses.
    Some(stat.rsplit_once(')')?.1.trim_start().to_string())
}

fn is_dead_state(rest: &str) -> bool {
    matches!(stat_field(rest, 0), Some("Z" | "X") | None)
}

/// The working directory of the process, then of each of its threads: a leader that already
/// exited has none while its other threads still do.
fn working_directories(pid: i32) -> impl Iterator<Item = std::path::PathBuf> {
    let leader = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
    let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|thread| std::fs::read_link(thread.path().join("cwd")).ok());
    leader.into_iter().chain(threads)
}

/// Field `index` (0 = state, 1 = ppid, 2 = pgrp) of the stat text after the command name.
fn stat_field(rest: &str, index: usize) -> Option<&str> {
    rest.split(' ').nth(index)
}

/// Whether any process of group `pgid` is still alive (zombies, which hold nothing, do not
/// count: an orphaned worker's zombie waits for whoever reaps orphans here).
pub(crate) fn group_has_live_process(pgid: i32) -> bool {
    !processes_in_group(pgid).is_empty()
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;

    use super::*;

    #[test]
    fn a_group_is_live_until_its_processes_die() {
        // A shell that forks a child, both in a new group led by the shell.
        let mut leader = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = leader.id() as i32;
        assert!(group_has_live_process(pgid));
        kill_process_group(pgid);
        leader.wait().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while group_has_live_process(pgid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            !group_has_live_process(pgid),
            "the forked sleep outlived the kill"
        );
    }
}
