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
start_emulator "$EMULATOR_PORT" .local/emulator.log
trap 'stop_emulator' EXIT
export_emulator_env "$EMULATOR_PORT"
log "emulator (moto server) on http://127.0.0.1:$EMULATOR_PORT"
: > .local/sms-outbox.jsonl
: > .local/email-outbox.jsonl
./target/debug/local-env serve --port "$PORT" &
GATEWAY_PID=$!
trap 'kill $GATEWAY_PID 2>/dev/null; wait $GATEWAY_PID 2>/dev/null; stop_emulator' EXIT
trap 'exit 130' INT TERM
wait $GATEWAY_PID
