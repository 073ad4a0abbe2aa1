#!/usr/bin/env bash
# Cold-start figures (`make cold-start`): each measured function's init time against a bare Lambda
# (infra/size-floor), all built with the deploy profile for this machine, in production mode against
# its own emulator (infra/scripts/cold_start.py says how). Not part of the tests. RUNS=10 by default.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
with_private_emulator cold-start
cargo build --quiet --locked --profile deploy -p size-floor -p functions \
  --bin size_floor --bin authorizer --bin sign_in --bin read_account --bin finish_passkey_sign_in
"$VENV/bin/python" infra/scripts/cold_start.py "$ROOT/target/deploy" "${RUNS:-10}" \
  size_floor authorizer read_account sign_in finish_passkey_sign_in
