#!/usr/bin/env bash
# Offline checks of the SAM template (no network, no AWS credentials needed):
#   1. cfn-lint, `sam validate` and `sam validate --lint`: all clean (each catches what the
#      others miss); checkov: clean but for the skip list below, each with its reason (a new
#      finding fails);
#   2. every `BuildProperties: Binary` of the template is a bin target of the workspace;
#   3. `sam build` (cargo lambda build --release through zig) for the Architecture the deploy
#      will use: `sam deploy --guided` saves its answers under [default.deploy.parameters],
#      which `sam build` does not read, so the build is given that Architecture explicitly
#      (default x86_64);
#   4. every built bootstrap is an ELF of that architecture written by this build (a failed
#      build can leave a stale binary behind), and the edge zip is in the build; sizes are
#      printed.
# Usage: sam/check.sh [--lint-only | --fast]
#   --fast (what `make test` runs): the same `sam build` in SAM's debug mode
#   (SAM_BUILD_MODE=debug: `cargo lambda build` without --release, cargo's dev profile), the
#   profile tools/cargo.sh builds the tests in, in the same environment: the dependencies are
#   already compiled, and only the workspace's own crates compile again. It checks the pipeline
#   (cargo-lambda through zig, the bins, x86-64 bootstraps); the bootstraps' sizes are not the
#   deployed ones. Without it, the build is the one `sam build` does for a deploy.
# Tools: pinned in sam/requirements.txt (SAM CLI, cfn-lint) and sam/requirements-lambda.txt
# (cargo-lambda, zig), installed by tools/venv.sh into .local-deps/venv-sam and venv-lambda.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

fail() { echo "sam/check.sh: error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

lint_only=false
fast=false
case "${1:-}" in
  "") ;;
  --lint-only) lint_only=true ;;
  --fast) fast=true ;;
  *) fail "unknown argument: $1 (usage: sam/check.sh [--lint-only | --fast])" ;;
esac

venv="$(tools/venv.sh sam sam/requirements.txt)" || fail "tools/venv.sh sam sam/requirements.txt"
lambda_venv="$(tools/venv.sh lambda sam/requirements-lambda.txt)" \
  || fail "tools/venv.sh lambda sam/requirements-lambda.txt"
# The cargo-lambda tools/cargo.sh asks for its environment: the same zig wrappers, the same
# fingerprints.
export PATH="$lambda_venv/bin:$venv/bin:$PATH"
export SAM_CLI_TELEMETRY=0 SAM_CLI_DISABLE_UPDATE_CHECK=1 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
# No credentials are needed offline; make sure none from the environment are used either.
export AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

cd sam
# The linters (one core of Python each) run beside `sam build` (which compiles): their output
# is printed when they end, and any finding fails the check.
lints() {
  # checkov has its own venv (its pins clash with the SAM CLI's), installed here: beside the build.
  local checkov_venv
  checkov_venv="$(cd "$root" && tools/venv.sh checkov sam/requirements-checkov.txt)" \
    || fail "tools/venv.sh checkov sam/requirements-checkov.txt"
  step "cfn-lint $(cfn-lint --version 2>&1 | awk '{print $2}')"
  cfn-lint template.yaml || fail "cfn-lint found problems"
  step "sam validate ($(sam --version))"
  sam validate --template template.yaml --region us-east-1 || fail "sam validate failed"
  step "sam validate --lint"
  sam validate --lint --template template.yaml --region us-east-1 || fail "sam validate --lint failed"

  # checkov findings that do not apply to this stack, and why. Anything else fails.
  checkov_skips=(
    CKV_AWS_115 # per-function reserved concurrency: the account's pool is shared on purpose; throttles alarm
    CKV_AWS_116 # DLQ for async invokes: none are async (HTTP API is sync; streams use the mapping's SQS destination)
    CKV_AWS_117 # Lambda in a VPC: nothing private to reach (DynamoDB, SES, Stripe are public endpoints); no NAT cost
    CKV_AWS_119 # DynamoDB customer-managed KMS key: AWS-owned key encryption is on; a CMK costs and adds key policy risk
    CKV_AWS_158 # log groups with a customer-managed KMS key: CloudWatch encrypts logs at rest already; no secrets logged
    CKV_AWS_173 # Lambda env encryption with a CMK: the environment holds names only (secrets come from SSM at init)
    CKV_AWS_174 # TLS 1.2 minimum: set (TLSv1.2_2021) with a custom domain; *.cloudfront.net's default cert cannot be limited
    CKV_AWS_18  # S3 access logs for the site bucket: CloudFront is its only reader; a log bucket is left to the owner
    CKV_AWS_21  # S3 versioning: the site is rendered from the table and re-published; nothing to recover from versions
    CKV_AWS_26  # SNS topic encryption: alarm names only; CloudWatch alarms cannot publish to an aws/sns-encrypted topic
    CKV_AWS_27  # SQS encryption: SqsManagedSseEnabled is on (checkov only recognises a KMS key)
    CKV_AWS_86  # CloudFront access logs: cost and PII (IPs) by default; enable in the distribution if wanted
  )
  step "checkov $("$checkov_venv/bin/checkov" --version 2>/dev/null) (${#checkov_skips[@]} checks skipped with reasons)"
  "$checkov_venv/bin/checkov" -f template.yaml --framework cloudformation --compact --quiet \
    --skip-download --skip-check "$(IFS=,; echo "${checkov_skips[*]}")" \
    || fail "checkov found problems (fix them, or skip a check that does not apply, with its reason)"
}

if $lint_only; then
  lints
  echo "sam/check.sh: lint clean"
  exit 0
fi
lint_log="$(mktemp)"
lints > "$lint_log" 2>&1 &
lint_pid=$!


step "the template's binaries against the workspace's bin targets"
mapfile -t bins < <(bash "$root/sam/bins.sh")
(( ${#bins[@]} > 0 )) || fail "no BuildProperties Binary found in template.yaml"
mapfile -t have < <(cargo metadata --no-deps --format-version 1 --manifest-path "$root/Cargo.toml" \
  | python3 -c 'import json,sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"]: print(t["name"])' | sort -u)
missing=()
for b in "${bins[@]}"; do
  [[ " ${have[*]} " == *" $b "* ]] || missing+=("$b")
done
(( ${#missing[@]} == 0 )) || fail "template.yaml builds bins no workspace crate defines: ${missing[*]}"

edge_zip="$root/edge/dist/edge.zip"
if [[ ! -f "$edge_zip" ]]; then
  step "building the edge bundle (edge/build.sh)"
  bash "$root/edge/build.sh" || fail "edge/build.sh failed"
fi

if $fast; then
  export SAM_BUILD_MODE=debug
  step "sam build, debug mode (the tests' dev-profile build): checks the pipeline, not deploy sizes"
fi
# The Architecture `sam deploy` will pass (samconfig's deploy section, then global, then the
# template's default): the build must produce bootstraps for it.
arch="$(python3 - samconfig.toml template.yaml <<'PY'
import re, sys, tomllib
config = tomllib.load(open(sys.argv[1], "rb")).get("default", {})
def arch_of(section):
    o = config.get(section, {}).get("parameters", {}).get("parameter_overrides", "")
    o = " ".join(o) if isinstance(o, list) else o
    m = re.search(r'Architecture=\\?"?([A-Za-z0-9_]+)', o)
    return m.group(1) if m else None
default = re.search(r"\n  Architecture:\n(?:    .*\n)*?    Default: (\S+)", open(sys.argv[2]).read())
print(arch_of("deploy") or arch_of("global") or (default.group(1) if default else "x86_64"))
PY
)" || fail "cannot read the Architecture from samconfig.toml"
case "$arch" in
  x86_64) elf="x86-64" ;;
  arm64) elf="ARM aarch64" ;;
  *) fail "samconfig.toml deploys Architecture=$arch, which the template does not allow" ;;
esac
step "sam build (${#bins[@]} Rust functions for $arch: ${bins[*]})"
marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT
sleep 1 # file times have a resolution; built files must be strictly newer than the marker
start=$(date +%s)
sam build --template template.yaml --config-file samconfig.toml \
  --parameter-overrides "Architecture=$arch" || fail "sam build failed"
echo "sam build took $(( $(date +%s) - start )) s" >&2

lint_status=0
wait "$lint_pid" || lint_status=$?
cat "$lint_log" >&2
rm -f "$lint_log"
(( lint_status == 0 )) || fail "the template's linters found problems (above)"

step "checking the artifacts"
build="$PWD/.aws-sam/build"
count=0
while IFS= read -r fn; do
  [[ -n "$fn" ]] || continue
  boot="$build/$fn/bootstrap"
  [[ -f "$boot" ]] || fail "$fn: no bootstrap at $boot"
  [[ "$boot" -nt "$marker" ]] || fail "$fn: $boot is older than this build (stale)"
  desc="$(file -b "$boot")"
  [[ "$desc" == ELF\ 64-bit\ LSB*"$elf"* ]] || fail "$fn: bootstrap is not an $elf ELF ($arch): $desc"
  printf '  %-28s bootstrap %9d bytes (%s)\n' "$fn" "$(stat -c %s "$boot")" "${desc%%,*}"
  count=$((count + 1))
done < <(python3 - template.yaml <<'PY'
import re, sys
# Logical ids of the functions built by cargo-lambda (resource blocks at two-space indent).
# Commented-out (not yet landed) functions are not resources: drop comment lines first.
text = "\n".join(l for l in open(sys.argv[1]).read().split("\n") if not l.lstrip().startswith("#"))
for block in re.split(r"\n(?=  [A-Za-z0-9]+:\n)", text):
    if "BuildMethod: rust-cargolambda" in block:
        print(block.strip().split(":")[0])
PY
)
(( count == ${#bins[@]} )) || fail "expected ${#bins[@]} bootstraps, checked $count"
edge_built="$(find "$build" -maxdepth 2 -name '*.zip' -path '*Edge*' -print -quit)"
if [[ -z "$edge_built" ]]; then
  # SkipBuild functions keep their zip where CodeUri points; the built template says where.
  grep -q "edge/dist/edge.zip" "$build/template.yaml" || fail "the edge zip is not referenced by the built template"
  edge_built="$edge_zip"
fi
printf '  %-28s edge.zip  %9d bytes (limit 1048576)\n' EdgeFunction "$(stat -c %s "$edge_built")"
(( $(stat -c %s "$edge_built") < 1048576 )) || fail "the edge zip is over Lambda@Edge's 1 MB"
echo "sam/check.sh: lint clean, $count bootstraps $elf ($arch) and fresh"
