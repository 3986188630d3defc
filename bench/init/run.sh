#!/usr/bin/env bash
# Init time of each regional Lambda, measured locally: process start -> first call of the
# runtime API's /invocation/next (init done) -> first /response (first event handled).
# The Lambda runtime API is emulated by a small Python server (below), which also answers
# CloudFormation's response URL and, for the "ssm" rows, SSM GetParameter. A Rust
# hello-world Lambda is measured the same way. Prints one table: init and first-event time
# (medians), the ratio to hello's init, and each bootstrap's size (unzipped and zipped).
# Asserts one thing: each function is also run once under `strace -f -e trace=open,openat`
# (init + first event) and the bench FAILS if any opens a CA bundle (/etc/ssl, /etc/pki,
# ca-certificates): the trust store is compiled in (shop::config::trusted_roots).
# Usage: bench/init/run.sh [RUNS]   (default 15 runs per function; medians printed)
#
# The functions are pointed at nothing: AWS endpoints at 127.0.0.1:9 (refused), dummy
# credentials, Stripe keys given directly. A function whose init calls the network shows up
# as an init error ("init failed"); the "ssm" rows read the Stripe key from SSM as in AWS,
# served by the emulator on loopback, to show what that init call costs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
runs="${1:-15}"

# Build natively in release (same code and profile as cargo lambda's build; no zig needed):
# the hello-world and every Rust function of the template, each from the package that has it.
mapfile -t template_bins < <(bash sam/bins.sh)
bins=(init-hello "${template_bins[@]}")
mapfile -t packages < <(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
want = set(sys.argv[1:])
packages = {p["name"] for p in json.load(sys.stdin)["packages"]
            for t in p["targets"] if "bin" in t["kind"] and t["name"] in want}
print("\n".join(f"-p\n{p}" for p in sorted(packages)))' "${bins[@]}")
echo "==> cargo build --release ${packages[*]}" >&2
cargo build --release --quiet "${packages[@]}" --bins
target="${CARGO_TARGET_DIR:-$root/target}/release"

python3 - "$target" "$runs" "${bins[@]}" <<'PY'
import io, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time, zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

target, runs, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def api_event(method, path, body="", claims=None):
    ctx = {"accountId": "123456789012", "apiId": "local", "domainName": "localhost",
           "domainPrefix": "local", "requestId": "bench", "routeKey": f"{method} {path}",
           "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 1767225600000,
           "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1", "userAgent": "bench"}}
    if claims:
        ctx["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {"version": "2.0", "routeKey": f"{method} {path}", "rawPath": path,
            "rawQueryString": "", "headers": {"host": "localhost", "content-type": "application/json",
                                               "stripe-signature": "t=1,v1=00"},
            "requestContext": ctx, "body": body, "isBase64Encoded": False}

CLAIMS = {"sub": "00000000-0000-0000-0000-000000000000", "username": "bench",
          "email": "bench@example.com", "cognito:groups": "[admin]", "client_id": "bench",
          "token_use": "access"}
EVENTS = {
    "init-hello": {},
    "shop-api": api_event("GET", "/api/me", claims=CLAIMS),
    "stripe-webhook": api_event("POST", "/api/stripe/webhook", body="{}"),
    "admin-api": api_event("GET", "/api/admin/nothing-here", claims=CLAIMS),
    "order-events": {"Records": []},
    "catalogue-publisher": {"Records": []},
    "reservation-sweeper": {"version": "0", "id": "bench", "detail-type": "Scheduled Event",
                            "source": "aws.events", "account": "123456789012",
                            "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
                            "resources": [], "detail": {}},
    "edge-config": None,  # a CloudFormation Delete, answered to the emulator (below)
}
NOWHERE = "http://127.0.0.1:9"
BASE_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": NOWHERE,
    "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
    "AWS_LAMBDA_LOG_STREAM_NAME": "bench", "AWS_LAMBDA_LOG_FORMAT": "JSON",
    "RUST_LOG": "warn",
    "TABLE_NAME": "bench-table", "FROM_EMAIL": "shop@example.com",
    "STRIPE_API_BASE": NOWHERE, "STRIPE_SECRET_KEY": "sk_test_bench",
    "STRIPE_WEBHOOK_SECRET": "whsec_bench", "SITE_BUCKET": "bench-site",
    "DISTRIBUTION_ID": "EBENCH", "USER_POOL_ID": "us-east-1_bench",
    "SITE_CONFIG": '{"baseUrl":"https://bench.example","stripePublishableKey":"pk_test_bench"}',
    "DYNAMODB_ENDPOINT": NOWHERE,
}

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset(None)
    def reset(self, event):
        self.event = event
        self.t_next = self.t_resp = None
        self.error = None
        self.served = False
        self.ssm_calls = 0
        self.done = threading.Event()

S = State()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def body(self):
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""
    def reply(self, code, payload=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            now = time.perf_counter()
            with S.lock:
                first = not S.served
                S.served = True
                if S.t_next is None: S.t_next = now
            if not first:
                S.done.wait(30); time.sleep(30)  # the bench kills the process meanwhile
                return
            port = self.server.server_address[1]
            event = S.event
            if event is None:  # edge-config: a Delete it answers without calling AWS
                event = {"RequestType": "Delete", "ResponseURL": f"http://127.0.0.1:{port}/cfn",
                         "StackId": "s", "RequestId": "r", "LogicalResourceId": "EdgeConfig",
                         "ResourceType": "Custom::EdgeConfig", "PhysicalResourceId": "p",
                         "ResourceProperties": {}}
            self.reply(200, json.dumps(event).encode(), [
                ("Lambda-Runtime-Aws-Request-Id", "bench-1"),
                ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench"),
                ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                ("content-type", "application/json")])
        else:
            self.reply(404)
    def do_POST(self):
        body = self.body()
        now = time.perf_counter()
        if self.path.endswith("/response"):
            S.t_resp = now; self.reply(202, b"{}"); S.done.set()
        elif self.path.endswith("/error"):
            S.error = body.decode(errors="replace")[:300]; S.t_resp = now
            self.reply(202, b"{}"); S.done.set()
        elif "AmazonSSM.GetParameter" in (self.headers.get("x-amz-target") or ""):
            S.ssm_calls += 1
            name = json.loads(body or b"{}").get("Name", "/x")
            self.reply(200, json.dumps({"Parameter": {"Name": name, "Type": "SecureString",
                       "Value": "sk_test_bench", "Version": 1}}).encode(),
                       [("content-type", "application/x-amz-json-1.1")])
        else:
            self.reply(404)
    def do_PUT(self):
        self.body(); self.reply(200)

class Server(ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        pass  # a killed function's connection breaking is expected

def serve():
    """A fresh server (and port) per cold start: a killed process's last request cannot
    reach the next run."""
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

def measure(binary, event, extra_env, trace=None):
    """One cold start; with `trace` (a file), under strace, recording every file opened."""
    server = serve()
    port = server.server_address[1]
    S.reset(event)
    extra_env = {k: v.replace("PORT", str(port)) for k, v in extra_env.items()}
    env = dict(BASE_ENV, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", **extra_env)
    t0 = time.perf_counter()
    argv = ["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace, binary] if trace else [binary]
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finished = S.done.wait(20)
    if trace:  # stop the traced process; strace then ends
        try:
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                for child in f.read().split():
                    os.kill(int(child), 9)
        except OSError:
            pass
    p.kill()
    _, err = p.communicate()
    server.shutdown(); server.server_close()
    if not finished or S.t_next is None:
        return None, None, (S.error or err.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"])[0][:200]
    return (S.t_next - t0) * 1000, (S.t_resp - t0) * 1000, S.error

def ca_reads(trace):
    """The CA-bundle paths an strace output file shows opened."""
    paths = [line.split('"')[1] for line in open(trace) if "open" in line and line.count('"') >= 2]
    bad = [p for p in paths if p.startswith(("/etc/ssl", "/etc/pki", "/usr/share/ca-certificates",
                                             "/usr/local/share/ca-certificates"))
           or "ca-certificates.crt" in p or "ca-bundle" in p]
    return paths, bad

def zipped(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "bootstrap")
    return buf.tell()

rows = []
cases = [(b, b, {}) for b in bins]
ssm_env = {"AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:PORT", "SSM_ENDPOINT": "http://127.0.0.1:PORT",
           "STRIPE_SECRET_PARAM": "/bench/stripe", "STRIPE_WEBHOOK_SECRET_PARAM": "/bench/whsec"}
for b in ("shop-api", "stripe-webhook", "order-events"):
    if b in bins:
        cases.append((f"{b} (ssm)", b, dict(ssm_env, STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")))
for label, b, extra in cases:
    binary = os.path.join(target, b)
    inits, firsts, note = [], [], ""
    measure(binary, EVENTS[b], extra)  # warm the page cache
    for _ in range(runs):
        i, f, err = measure(binary, EVENTS[b], extra)
        if i is None:
            note = f"init failed: {err}"; break
        inits.append(i); firsts.append(f)
        if err: note = f"handled with an error: {err[:80]}"
    size = os.path.getsize(binary)
    if inits:
        rows.append((label, statistics.median(inits), statistics.median(firsts), min(inits), size, note))
    else:
        rows.append((label, None, None, None, size, note))

# Nothing reads a CA bundle at start: each binary once more, under strace (init + first event).
ca_failures = []
strace = shutil.which("strace")
traced = {}
if strace:
    for label, b, extra in cases:
        with tempfile.NamedTemporaryFile(suffix=".trace") as t:
            measure(os.path.join(target, b), EVENTS[b], extra, trace=t.name)
            paths, bad = ca_reads(t.name)
        if not paths:
            ca_failures.append(f"{label}: strace recorded no open at all")
        elif bad:
            ca_failures.append(f"{label}: opened {sorted(set(bad))[:3]}")
        traced[label] = "YES" if bad else "no"

base = next((r[1] for r in rows if r[0] == "init-hello" and r[1]), None)
sizes = {r[0]: (r[4], zipped(os.path.join(target, next(c[1] for c in cases if c[0] == r[0]))))
         for r in rows}
load = open("/proc/loadavg").read().split()[:3]
print(f"Init time, median of {runs} cold starts (process start -> /next = init; -> /response = first event);"
      f" load average {' '.join(load)} on {os.cpu_count()} CPUs")
print(f"{'function':<26}{'init ms':>9}{'first ms':>10}{'min init':>10}{'x hello':>9}{'<=2x':>6}"
      f"{'bootstrap KB':>14}{'zipped KB':>11}{'reads CA':>10}  note")
over = []
for label, i, f, mn, size, note in rows:
    kb, zkb = sizes[label][0] // 1024, sizes[label][1] // 1024
    ca = traced.get(label, "?")
    if i is None:
        print(f"{label:<26}{'-':>9}{'-':>10}{'-':>10}{'-':>9}{'-':>6}{kb:>14}{zkb:>11}{ca:>10}  {note}")
    else:
        ratio = i / base if base else None
        within = "-" if ratio is None or label == "init-hello" else ("yes" if ratio <= 2 else "NO")
        if within == "NO": over.append(label)
        r = f"{ratio:.1f}" if ratio else "-"
        print(f"{label:<26}{i:>9.2f}{f:>10.2f}{mn:>10.2f}{r:>9}{within:>6}{kb:>14}{zkb:>11}{ca:>10}  {note}")
if over:
    print(f"above 2x hello's init: {', '.join(over)}")
if not strace:
    print("FAILED: strace is missing (tools/apt.sh installs it): the CA-bundle check did not run")
    sys.exit(1)
if ca_failures:
    print("FAILED: a Lambda read a CA bundle at start:\n  " + "\n  ".join(ca_failures))
    sys.exit(1)
print("no function opened a CA bundle (strace, init + first event)")
PY
