#!/usr/bin/env bash
# make deploy-build: every function built for arm64 in one cargo invocation (the dependencies are
# compiled once, every binary linked from them), then a build template for `sam deploy` that
# packages those prebuilt binaries. Prints the build time and the artifacts' sizes.
#
#   make deploy-build
#   sam deploy --template-file .aws-sam/build/template.yaml --guided
#
# Installs what it needs: cargo-lambda (from PyPI, with zig) into ./.venv-deploy and the rustup
# target aarch64-unknown-linux-gnu.
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
log "cargo lambda build --profile deploy --arm64 (every function of functions/, one invocation)"
(cd "$ROOT" && cargo lambda build --profile deploy --arm64 --package functions)
built=$(( $(date +%s) - started ))

out="$ROOT/.aws-sam/build"
mkdir -p "$out"
python3 - "$ROOT/template.yaml" "$out/template.yaml" "$ROOT/target/lambda" <<'PY'
import re, sys
source, target, artifacts = sys.argv[1:4]
text = open(source).read()
pattern = re.compile(
    r"    Metadata:\n      BuildMethod: rust-cargolambda\n      BuildProperties:\n        Binary: (\w+)\n    Properties:\n"
)
count = 0
def prebuilt(m):
    global count
    count += 1
    return f"    Properties:\n      CodeUri: {artifacts}/{m.group(1)}/\n"
text = pattern.sub(prebuilt, text)
if "rust-cargolambda" in text:
    sys.exit("a function of template.yaml is not in the expected form (Metadata/BuildProperties/Binary)")
open(target, "w").write(text)
print(f"{count} functions packaged from {artifacts}")
PY

total=0
count=0
for f in "$ROOT"/target/lambda/*/bootstrap; do
  size=$(stat -c %s "$f")
  total=$(( total + size ))
  count=$(( count + 1 ))
done
largest=$(ls -S "$ROOT"/target/lambda/*/bootstrap | head -1)
smallest=$(ls -S "$ROOT"/target/lambda/*/bootstrap | tail -1)
log "built $count functions in ${built}s; binaries: $(( total / 1048576 )) MiB in all, largest $(( $(stat -c %s "$largest") / 1024 )) KiB ($(basename "$(dirname "$largest")")), smallest $(( $(stat -c %s "$smallest") / 1024 )) KiB ($(basename "$(dirname "$smallest")"))"
log "deploy: sam deploy --template-file .aws-sam/build/template.yaml --guided"
