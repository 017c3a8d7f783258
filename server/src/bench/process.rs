//! The server under test as a separate process: started on a fresh database, watched
//! through /proc (CPU seconds, resident memory), stopped at the end.

use std::{
    collections::HashMap,
    net::{SocketAddr, TcpListener},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::BenchError;

pub struct ServerProcess {
    child: Child,
    pub ui: SocketAddr,
    pub cwmp: SocketAddr,
}

/// A free port on 127.0.0.1 (bound and released: good enough on a quiet machine).
pub fn free_port() -> Result<SocketAddr, BenchError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| BenchError::Io(e.to_string()))?;
    listener
        .local_addr()
        .map_err(|e| BenchError::Io(e.to_string()))
}

impl ServerProcess {
    /// Starts `command` with `env` and waits until `health_address` answers /healthz.
    pub async fn start(
        program: &Path,
        args: &[&str],
        env: &[(&str, String)],
        ui: SocketAddr,
        cwmp: SocketAddr,
        health: SocketAddr,
    ) -> Result<ServerProcess, BenchError> {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .map_err(|e| BenchError::Start(format!("{}: {e}", program.display())))?;
        let mut server = ServerProcess { child, ui, cwmp };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(BenchError::Start(format!(
                    "{} exited at start ({status})",
                    program.display()
                )));
            }
            if tokio::net::TcpStream::connect(health).await.is_ok()
                && super::http::get_status(&format!("http://{health}/healthz")).await == Some(200)
            {
                return Ok(server);
            }
            if started.elapsed() > Duration::from_secs(60) {
                server.stop();
                return Err(BenchError::Start(format!(
                    "{} did not answer /healthz within a minute",
                    program.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// CPU seconds (user + system) the process has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(self.child.id()).unwrap_or(0.0)
    }

    /// Resident memory in MiB.
    pub fn rss_mib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|line| line.starts_with("VmRSS:"))
                    .and_then(|line| line.split_whitespace().nth(1))
                    .and_then(|kib| kib.parse::<f64>().ok())
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// CPU seconds (user + system) process `pid` has used so far; `None` once it is gone.
pub fn cpu_seconds_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name.
    Some((ticks(11)? + ticks(12)?) / clock_ticks_per_second())
}

/// CPU seconds used so far by each PostgreSQL process on this machine (its backends and its
/// own writers: the WAL writer's flushes are the benchmark's work too), by process id;
/// `None` when none runs here (a database on another host).
pub fn postgres_cpu_seconds() -> Option<HashMap<u32, f64>> {
    let mut processes = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let is_postgres = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim_end() == "postgres");
        if is_postgres && let Some(seconds) = cpu_seconds_of(pid) {
            processes.insert(pid, seconds);
        }
    }
    (!processes.is_empty()).then_some(processes)
}

/// CPU seconds PostgreSQL used between two readings: what each process used since the
/// first, a process started meanwhile all it used (one that ended meanwhile is lost).
pub fn postgres_cpu_between(before: &HashMap<u32, f64>, after: &HashMap<u32, f64>) -> f64 {
    after
        .iter()
        .map(|(pid, seconds)| seconds - before.get(pid).copied().unwrap_or(0.0))
        .sum()
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|ticks| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_cpu_counts_what_each_process_used_meanwhile() {
        let before = HashMap::from([(10, 5.0), (11, 2.0), (12, 1.0)]);
        // 10 used 1.5 s, 11 nothing, 12 ended, 13 started and used 0.25 s.
        let after = HashMap::from([(10, 6.5), (11, 2.0), (13, 0.25)]);
        assert_eq!(postgres_cpu_between(&before, &after), 1.75);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        assert!(cpu_seconds_of(std::process::id()).is_some());
        assert_eq!(cpu_seconds_of(u32::MAX), None);
    }
}
