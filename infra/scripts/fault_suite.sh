# The fault suite (sourced by test.sh): a second emulator with the cloud's faults switched on
# (infra/scripts/emulator_faults.py) and the tests that must hold under them. FAULT_SEED replays a
# run (a fresh seed otherwise, printed); the figures go to target/fault-suite.txt.
FAULT_TESTS=(faults:: bursts:: concurrency:: sms_codes:: outbox_worker:: registration:: sign_in:: enterprise:: review:: review_workers:: review_material:: signed_out_appeals:: passkeys::)

fault_suite() {
  local seed="${FAULT_SEED:-$(( $(date +%s) % 100000 ))}" started
  started=$(date +%s)
  log "fault suite: EMULATOR_FAULTS=conflicts,lost=0.05,throttle=0.02,dup=0.05,redeliver=0.05,seed=$seed (FAULT_SEED=$seed replays it)"
  (
    export EMULATOR_FAULTS="conflicts,lost=0.05,throttle=0.02,dup=0.05,redeliver=0.05,seed=$seed"
    export FAULT_FLOWS=200 FAULT_REPORT="$ROOT/target/fault-suite.txt"
    rm -f "$FAULT_REPORT"
    with_private_emulator faults
    cargo test -p api-tests --test api --locked -- "${FAULT_TESTS[@]}" 2>&1 | tee "${TEST_LOGS:-$ROOT/target}/fault-suite.log"
  ) || return 1
  cat "$ROOT/target/fault-suite.txt" >&2
  log "the fault suite took $(( $(date +%s) - started ))s"
}
