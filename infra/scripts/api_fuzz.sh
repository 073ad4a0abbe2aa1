#!/usr/bin/env bash
# The API description against the running code: the ignored API test `fuzz::` (tests/api/fuzz.rs)
# signs up a plain, a personally verified and an enterprise-verified account, serves the gateway
# over HTTP and runs schemathesis (pinned in common.sh) on infra/openapi.json as each, with a
# bounded number of examples per operation. Fails on a server error (5xx) or an answer that
# breaks the schema. Sourced by test.sh after with_private_emulator.
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-25}"

fuzz_api() {
  local started rc=0
  started=$(date +%s)
  log "schemathesis on infra/openapi.json as a plain, a personally verified and an enterprise-verified account ($FUZZ_EXAMPLES examples per operation)"
  FUZZ_SCHEMATHESIS="$VENV/bin/schemathesis" FUZZ_EXAMPLES="$FUZZ_EXAMPLES" \
    cargo test --quiet --locked --workspace --test api fuzz:: -- --ignored --nocapture || rc=$?
  log "schemathesis took $(( $(date +%s) - started ))s"
  return $rc
}
