# Shared helpers for the run and test commands. Sourced, not executed.
# Installs the pinned local tools into ./.venv (idempotent) and starts/stops the AWS emulator.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
MOTO_SPEC="moto[dynamodb,s3,sqs,kms,cognitoidp]==5.2.5"
# schemathesis 3.39.16 needs a hypothesis from before 6.131's internals change (hypothesis-jsonschema
# then fails with "'many' object has no attribute 'more'"): both pinned.
PY_REQS=("$MOTO_SPEC" "flask==3.1.2" "flask-cors==6.0.1" "cfn-lint==1.53.3" "schemathesis==3.39.16" "hypothesis==6.131.0")

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

ensure_tools() {
  local stamp="$VENV/.installed-$(printf '%s ' "${PY_REQS[@]}" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ]; then return 0; fi
  log "installing the local tools into $VENV (moto server, cfn-lint, schemathesis; pinned)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_REQS[@]}"
  touch "$stamp"
}

# Debian's chromium and its WebDriver (chromium-driver) for the dashboard's headless-browser test
# (tests/api/review_dashboard.rs). Skipped when both are installed; otherwise apt-get installs them
# (as root, or through sudo without a password), quietly, refreshing the package lists only if the
# first try fails. fonts-liberation gives the screenshots readable text.
# fonts-noto-cjk: the case material and names in Chinese render in the screenshots (not as empty boxes).
CHROMIUM_PACKAGES=(chromium chromium-driver fonts-liberation fonts-noto-cjk)

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
    && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then return 0; fi
  local sudo=() started
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      log "chromium, chromedriver or the CJK font are missing and apt-get needs root: run 'sudo apt-get install ${CHROMIUM_PACKAGES[*]}'"
      return 1
    fi
  fi
  started=$(date +%s)
  log "installing ${CHROMIUM_PACKAGES[*]} with apt-get (Debian packages) for the dashboard's browser test"
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0)
  if ! "${apt[@]}" install -y --no-install-recommends "${CHROMIUM_PACKAGES[@]}" >/dev/null 2>&1; then
    "${apt[@]}" update >/dev/null
    "${apt[@]}" install -y --no-install-recommends "${CHROMIUM_PACKAGES[@]}" >/dev/null
  fi
  log "$(chromium --version 2>/dev/null) and $(chromedriver --version 2>/dev/null | cut -d' ' -f1-2) installed in $(( $(date +%s) - started ))s"
}

# Local fake credentials: the emulator accepts any; nothing here reaches AWS.
export_emulator_env() {
  local port="$1"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID="local" AWS_SECRET_ACCESS_KEY="local" AWS_REGION="us-east-1"
  export AWS_EC2_METADATA_DISABLED=true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_emulator PORT LOGFILE: starts moto server on loopback and waits until it answers.
start_emulator() {
  local port="$1" logfile="$2"
  # Cognito checks virtual MFA codes (against its fixed local secret) instead of accepting any.
  MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true "$VENV/bin/python" "$ROOT/infra/scripts/emulator.py" 127.0.0.1 "$port" >"$logfile" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then return 0; fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then log "the emulator failed to start; see $logfile"; return 1; fi
    sleep 0.2
  done
  log "the emulator did not answer on port $port; see $logfile"
  return 1
}

stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
}

# with_private_emulator NAME: installs the tools, starts an emulator on a free port with fresh
# state (log in .local/NAME-emulator.log), stops it on exit, and points the AWS SDK at it.
with_private_emulator() {
  local name="$1" port
  ensure_tools
  mkdir -p "$ROOT/.local"
  port="$(free_port)"
  start_emulator "$port" "$ROOT/.local/$name-emulator.log"
  trap 'stop_emulator' EXIT
  export_emulator_env "$port"
  log "emulator (moto server) for $name on port $port"
}

# Repeats the failures sections of the cargo test logs in $1 (each failed test's message), last,
# where a reader of a long run's tail finds them.
repeat_failures() {
  local file
  for file in "$1"/*.log; do
    [ -f "$file" ] || continue
    if grep -q '^failures:$' "$file"; then
      log "failures in $(basename "$file" .log), repeated:"
      sed -n '/^failures:$/,/^test result:/p' "$file" >&2
    fi
  done
}
