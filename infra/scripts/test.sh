#!/usr/bin/env bash
# The test command: installs the local tools if needed (Python tools into .venv; Debian's chromium
# and chromium-driver for the dashboard's browser test, whose screenshots go to target/screenshots/),
# starts its own emulator (own port, fresh state), checks formatting and lints, runs every test, cfn-lint on template.yaml and schemathesis
# on infra/openapi.json against the local gateway, stops what it started. Non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/api_fuzz.sh"
source "$(dirname "${BASH_SOURCE[0]}")/run_check.sh"
cd "$ROOT"
with_private_emulator test
ensure_chromium # the dashboard's headless-browser test (tests/api/review_dashboard.rs)

status=0
log "cargo fmt --check and clippy (warnings are errors)"
cargo fmt --all -- --check || status=1
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings || status=1
cargo test --workspace --locked --no-fail-fast || status=1
log "cfn-lint template.yaml"
"$VENV/bin/cfn-lint" template.yaml || status=1
fuzz_api || status=1
check_run_command || status=1
exit $status
