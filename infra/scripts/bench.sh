#!/usr/bin/env bash
# The benchmark: release build, its own emulator, figures printed. Not part of the tests.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
with_private_emulator bench
cargo bench -p api-tests --bench api
