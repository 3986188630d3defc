#!/usr/bin/env bash
# The API against its contract: schemathesis (pinned in tests/contract/requirements.txt)
# generates requests from sam/openapi.yaml and sends them to a running shop-local, as the
# shopper (every non-admin operation) and as the owner (the back office), with access tokens
# obtained through the hosted login. It fails on any 5xx, any status the document does not
# list for that operation, and any response whose content type or body does not match it.
# CONTRACT_EXAMPLES bounds the examples per operation (default 25).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$(bash tools/venv.sh schemathesis tests/contract/requirements.txt)"
source tests/shop-local.sh
start_shop_local
tokens="$(node tests/contract/tokens.mjs)"
token_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$tokens" "$1"; }
examples="${CONTRACT_EXAMPLES:-25}"
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run_as() {
  local who="$1"; shift
  echo "==> schemathesis as the $who against $SHOP_URL ($examples examples per operation)"
  "$venv/bin/st" run sam/openapi.yaml --url "$SHOP_URL" \
    --header "Authorization: Bearer $(token_of "$who")" \
    --checks "$checks" --max-examples "$examples" --phases examples,coverage,fuzzing \
    --seed 20261127 --no-shrink --workers 2 --request-timeout 20 \
    --suppress-health-check all --output-truncate true "$@"
}
status=0
run_as shopper --exclude-path-regex '^/api/admin' || status=$?
run_as owner --include-path-regex '^/api/admin' || status=$?
if [[ $status -ne 0 ]]; then echo "--- shop-local log (tail) ---"; tail -40 "$SHOP_LOCAL_LOG"; fi
exit $status
