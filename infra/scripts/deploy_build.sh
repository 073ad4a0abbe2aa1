#!/usr/bin/env bash
# make deploy-build: every function built for arm64 in one cargo invocation (the dependencies are
# compiled once, every binary linked from them), then the build templates for `sam deploy` (a root
# stack and its nested stacks) that package those prebuilt binaries. Prints the build time and the
# artifacts' sizes.
#
#   make deploy-build
#   sam deploy --template-file .aws-sam/build/template.yaml --guided --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND
#
# Installs what it needs: cargo-lambda (from PyPI, with zig) into ./.venv-deploy, the rustup
# target aarch64-unknown-linux-gnu, and the test tools' virtualenv (the SAM translator the split
# checks its stacks with).
source "$(dirname "$0")/common.sh"

DEPLOY_VENV="$ROOT/.venv-deploy"
CARGO_LAMBDA_SPEC="cargo-lambda==1.9.2"

ensure_deploy_tools() {
  if [ ! -x "$DEPLOY_VENV/bin/cargo-lambda" ]; then
    log "installing $CARGO_LAMBDA_SPEC (with zig) into $DEPLOY_VENV"
    python3 -m venv "$DEPLOY_VENV"
    "$DEPLOY_VENV/bin/pip" install --quiet --disable-pip-version-check "$CARGO_LAMBDA_SPEC"
  fi
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    log "adding the rustup target aarch64-unknown-linux-gnu"
    rustup target add aarch64-unknown-linux-gnu
  fi
}

ensure_deploy_tools
export PATH="$DEPLOY_VENV/bin:$PATH"
started=$(date +%s)
log "cargo lambda build --profile deploy --arm64 (every function of functions/ and the size floor, one invocation)"
(cd "$ROOT" && cargo lambda build --profile deploy --arm64 --package functions --package size-floor)
built=$(( $(date +%s) - started ))

# The production form: a root stack and nested stacks, each function behind its alias `live` with
# a gradual deployment (infra/scripts/split_stacks.py), packaging the prebuilt binaries.
ensure_tools
out="$ROOT/.aws-sam/build"
rm -rf "$out" && mkdir -p "$out"
"$VENV/bin/python" "$ROOT/infra/scripts/split_stacks.py" "$ROOT/template.yaml" "$out" --artifacts "$ROOT/target/lambda"

# Sizes: each function against the floor (infra/size-floor: lambda_http, aws-config and the
# DynamoDB client only, built in the same invocation). Target: within 1.3x.
python3 - "$ROOT/target/lambda" "$built" <<'PY'
import os, sys
root, built = sys.argv[1], int(sys.argv[2])
sizes = {name: os.path.getsize(os.path.join(root, name, "bootstrap"))
         for name in os.listdir(root) if os.path.exists(os.path.join(root, name, "bootstrap"))}
floor = sizes.pop("size_floor")
ranked = sorted(sizes.items(), key=lambda kv: kv[1])
mib = lambda b: f"{b / 1048576:.1f} MiB"
print(f"built {len(sizes)} functions in {built}s; binaries {mib(sum(sizes.values()))} in all", file=sys.stderr)
print(f"floor (bare lambda_http + aws-config + DynamoDB client): {mib(floor)}", file=sys.stderr)
for label, (name, size) in (("smallest", ranked[0]), ("median", ranked[len(ranked) // 2]), ("largest", ranked[-1])):
    print(f"{label:8} {mib(size):>9}  {size / floor:.2f}x the floor  ({name})", file=sys.stderr)
over = [name for name, size in ranked if size > 1.3 * floor]
print(f"functions over 1.3x the floor: {len(over)} {' '.join(over)}", file=sys.stderr)
PY
log "deploy: sam deploy --template-file .aws-sam/build/template.yaml --guided --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"
