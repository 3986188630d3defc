#!/usr/bin/env bash
# Renders the catalogue from the deployed table and publishes it (shop-site build + publish),
# reading the bucket, distribution and table from the stack's outputs. Needs AWS credentials.
# Usage: sam/publish-site.sh [STACK_NAME]   (default edge-shop; region us-east-1)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
stack="${1:-edge-shop}"
region="${AWS_REGION:-us-east-1}"
fail() { echo "sam/publish-site.sh: error: $*" >&2; exit 1; }
command -v aws >/dev/null || fail "the AWS CLI is needed (aws cloudformation describe-stacks)"

outputs="$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query 'Stacks[0].Outputs' --output json)" || fail "cannot read the outputs of stack $stack"
output() {
  python3 -c 'import json, sys
o = {x["OutputKey"]: x["OutputValue"] for x in json.loads(sys.argv[1])}
print(o[sys.argv[2]])' "$outputs" "$1" || fail "stack $stack has no output $1"
}
table="$(output TableName)"
bucket="$(output SiteBucketName)"
distribution="$(output DistributionId)"
out="$root/target/site-$stack"
config="$root/target/site-$stack.json"
mkdir -p "$root/target"
output SiteConfig > "$config"

cargo build --release --quiet -p static-site --bin shop-site
site="${CARGO_TARGET_DIR:-$root/target}/release/shop-site"
echo "==> rendering the catalogue of table $table into $out" >&2
rm -rf "$out"
AWS_REGION="$region" "$site" build --table "$table" --config "$config" --out "$out" --quiet
echo "==> publishing to s3://$bucket, invalidating $distribution" >&2
AWS_REGION="$region" "$site" publish --dir "$out" --bucket "$bucket" --distribution-id "$distribution"
echo "published: $(output SiteUrl)"
