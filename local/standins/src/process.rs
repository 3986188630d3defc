//! Starting a stand-in as a supervised child process on a free loopback port.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a stand-in could not be installed or started. The message names the
/// service, the command and what it printed.
#[derive(Debug, thiserror::Error)]
#[error("{service}: {what}\n  command: {command}\n  output (last lines):\n{output}")]
pub struct StartError {
    /// Which stand-in.
    pub service: String,
    /// What went wrong.
    pub what: String,
    /// The command that was run.
    pub command: String,
    /// The tail of its output.
    pub output: String,
}

/// The repository root (where `Cargo.toml`, `tools/` and `node_modules/` are).
pub fn repo_root() -> PathBuf {
    // This crate lives in `local/standins/`.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A free TCP port on 127.0.0.1 (the OS picks it; a tiny race remains until the service binds).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Runs an install step (e.g. `tools/npm.sh`), turning failure into a [`StartError`].
pub fn run_install(service: &str, program: &str, args: &[&str]) -> Result<String, StartError> {
    let command = format!("{program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| StartError {
            service: service.into(),
            what: format!("could not run the install step: {e}"),
            command: command.clone(),
            output: String::new(),
        })?;
    if !out.status.success() {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return Err(StartError {
            service: service.into(),
            what: "install step failed".into(),
            command,
            output: tail(&text),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn tail(text: &str) -> String {
    let lines: Vec<_> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A running stand-in. Dropping it stops it (and everything it started).
#[derive(Debug)]
pub struct Service {
    name: String,
    port: u16,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// What to start: a command, its environment and working directory.
pub struct Spec<'a> {
    /// Service name for messages ("DynamoDB Local").
    pub name: &'a str,
    /// The port it will listen on.
    pub port: u16,
    /// Program and arguments.
    pub program: &'a str,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Run in the service's own fresh temporary directory (true) or the repo root.
    pub in_temp_dir: bool,
    /// How long to wait for the port to answer.
    pub ready_timeout: Duration,
}

impl Service {
    /// Starts `spec` under `local/scripts/supervise.sh` and waits until its
    /// port accepts connections.
    pub fn start(spec: Spec<'_>) -> Result<Service, StartError> {
        let dir = tempfile::Builder::new()
            .prefix("edge-shop-")
            .tempdir()
            .map_err(|e| err(spec.name, format!("no temp dir: {e}"), spec.program, ""))?;
        let log = dir.path().join("output.log");
        let out = File::create(&log)
            .map_err(|e| err(spec.name, format!("no log file: {e}"), spec.program, ""))?;
        let errf = out
            .try_clone()
            .map_err(|e| err(spec.name, e.to_string(), spec.program, ""))?;
        let supervise = repo_root().join("local/scripts/supervise.sh");
        let command = format!("{} {}", spec.program, spec.args.join(" "));
        let mut cmd = Command::new("bash");
        cmd.arg(&supervise)
            .arg(std::process::id().to_string())
            .arg(spec.program)
            .args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(if spec.in_temp_dir {
                dir.path().to_path_buf()
            } else {
                repo_root()
            })
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(errf);
        let child = cmd
            .spawn()
            .map_err(|e| err(spec.name, format!("could not start: {e}"), &command, ""))?;
        let mut service = Service {
            name: spec.name.to_owned(),
            port: spec.port,
            child,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + spec.ready_timeout;
        let mut answered = false;
        loop {
            // A child that has exited is not ready, even if something else answers on its
            // port: ports are picked free, then released, so another process may hold it while
            // this child fails to bind it and exits (at once: hence the moment given below).
            if let Ok(Some(status)) = service.child.try_wait() {
                return Err(err(
                    spec.name,
                    format!("exited before it was ready ({status})"),
                    &command,
                    &service.output(),
                ));
            }
            if answered {
                return Ok(service);
            }
            if answers(spec.port) {
                answered = true;
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            if Instant::now() > deadline {
                let output = service.output();
                return Err(err(
                    spec.name,
                    format!(
                        "port {} did not answer within {:?}",
                        spec.port, spec.ready_timeout
                    ),
                    &command,
                    &output,
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its working directory (a fresh temporary one when started with
    /// `in_temp_dir`): where stand-ins like cognito-local keep their data.
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// The service's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Everything it printed so far (for diagnosing a failed test).
    pub fn output(&self) -> String {
        tail(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // SIGTERM to the supervisor stops the service's whole process group.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn err(service: &str, what: String, command: &str, output: &str) -> StartError {
    StartError {
        service: service.into(),
        what,
        command: command.into(),
        output: output.into(),
    }
}

/// Whether a server listens on `port` of 127.0.0.1. A connection to itself does not count:
/// connecting from an ephemeral port to a free port of the same range can make the kernel pick
/// that very port as the source, and the connection then "succeeds" with no server at all.
fn answers(port: u16) -> bool {
    match TcpStream::connect(("127.0.0.1", port)) {
        Ok(stream) => match (stream.local_addr(), stream.peer_addr()) {
            (Ok(local), Ok(peer)) => local != peer,
            _ => false,
        },
        Err(_) => false,
    }
}
