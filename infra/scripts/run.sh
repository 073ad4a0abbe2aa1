#!/usr/bin/env bash
# The run command: installs the local tools if needed, starts the AWS emulator on loopback,
# builds and starts the local gateway on 127.0.0.1:3000 (it creates the tables, bucket and queues
# from template.yaml). Ctrl-C stops everything it started.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

PORT="${PORT:-3000}"
EMULATOR_PORT="${EMULATOR_PORT:-4566}"
ensure_tools
log "building the local gateway"
cargo build --quiet -p local-env --bin local-env

mkdir -p .local
# A fresh emulator every time: never reuse one (and its state) left on the port.
if curl -fsS -o /dev/null "http://127.0.0.1:$EMULATOR_PORT/moto-api/" 2>/dev/null; then
  log "port $EMULATOR_PORT already answers (an emulator left from an earlier run?): stop it, e.g."
  log "  pkill -f 'emulator.py 127.0.0.1 $EMULATOR_PORT'   or choose another: EMULATOR_PORT=4567 make run"
  exit 1
fi
start_emulator "$EMULATOR_PORT" .local/emulator.log
trap 'stop_emulator' EXIT
export_emulator_env "$EMULATOR_PORT"
log "emulator (moto server) on http://127.0.0.1:$EMULATOR_PORT"
: > .local/sms-outbox.jsonl
: > .local/email-outbox.jsonl
./target/debug/local-env serve --port "$PORT" &
GATEWAY_PID=$!
# Every step of the clean-up may fail (the gateway already gone): none may stop it (set -e).
trap 'kill $GATEWAY_PID 2>/dev/null || true; wait $GATEWAY_PID 2>/dev/null || true; stop_emulator' EXIT
trap 'exit 130' INT TERM
wait $GATEWAY_PID
