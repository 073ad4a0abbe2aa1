#!/usr/bin/env bash
# The benchmark: release build, its own emulator, figures printed. Not part of the tests.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

ensure_tools
mkdir -p .local
port="$(free_port)"
start_emulator "$port" .local/bench-emulator.log
trap 'stop_emulator' EXIT
export_emulator_env "$port"
cargo bench -p api-tests --bench api
