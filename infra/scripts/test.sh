#!/usr/bin/env bash
# The test command: installs the local tools if needed (Python tools into .venv; Debian's chromium
# and chromium-driver for the dashboard's browser test, whose screenshots go to target/screenshots/),
# starts its own emulator (own port, fresh state), checks formatting and lints, runs every test
# (recording each function's AWS calls and checking them against its policy), cfn-lint on template.yaml and schemathesis
# on infra/openapi.json against the local gateway, stops what it started. Non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/api_fuzz.sh"
source "$(dirname "${BASH_SOURCE[0]}")/run_check.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_suite.sh"
cd "$ROOT"
# The emulator also answers every narrowed query and checks every cancelled transaction the slow
# way (infra/scripts/emulator_speed.py): the tests prove the speed-up changes no answer.
export EMULATOR_SPEED_CHECK=1
with_private_emulator test
ensure_chromium # the dashboard's headless-browser test (tests/api/review_dashboard.rs)

status=0
log "cargo fmt --check and clippy (warnings are errors)"
cargo fmt --all -- --check || status=1
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings || status=1
log "files that import each other in a loop (only the one kept on purpose)"
"$VENV/bin/python" infra/scripts/import_loops.py shared/src functions/src infra/local/src tests/support || status=1
# Every AWS call each function makes in the tests is recorded, then checked against its policy.
export AWS_CALL_LOG="$ROOT/target/aws-calls.log"
rm -f "$AWS_CALL_LOG"
# Each test run's output is kept too, so that a failure's message is repeated at the end (it is
# otherwise far above, under the later checks' output).
TEST_LOGS="$ROOT/target/test-logs"
rm -rf "$TEST_LOGS" && mkdir -p "$TEST_LOGS"
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$TEST_LOGS/workspace.log" || status=1
log "least privilege: the recorded AWS calls against each function's policy in template.yaml"
if ! cargo run --quiet --locked -p local-env -- permissions "$AWS_CALL_LOG" > "$ROOT/target/permissions.txt"; then
  status=1
fi
grep -v '^unused' "$ROOT/target/permissions.txt" # the unused (or untested) grants: target/permissions.txt
unset AWS_CALL_LOG
fault_suite || status=1
log "cfn-lint template.yaml and its production form (root and nested stacks; a global region and a China region)"
"$VENV/bin/cfn-lint" --regions us-east-1 cn-north-1 -- template.yaml || status=1
rm -rf "$ROOT/target/stacks"
if "$VENV/bin/python" infra/scripts/split_stacks.py template.yaml "$ROOT/target/stacks"; then
  "$VENV/bin/cfn-lint" --regions us-east-1 cn-north-1 -- "$ROOT/target/stacks/template.yaml" "$ROOT"/target/stacks/stacks/*.yaml || status=1
else
  status=1
fi
fuzz_api || status=1
check_run_command || status=1
repeat_failures "$TEST_LOGS"
exit $status
