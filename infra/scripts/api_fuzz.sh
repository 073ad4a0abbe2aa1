#!/usr/bin/env bash
# The API description against the running code: starts the local gateway (against the emulator
# the caller started and pointed the SDK at), signs up one account through the API for a bearer
# token, and runs schemathesis (pinned in common.sh) on infra/openapi.json with a bounded number
# of examples per operation. Fails on a server error (5xx) or an answer that breaks the schema.
# Sourced by test.sh after with_private_emulator; sets FUZZ_STATUS.
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-25}"
FUZZ_STATUS=0

fuzz_api() {
  local port gateway_pid base token challenge code phone="+8613900007777" started
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  log "schemathesis on infra/openapi.json against the local gateway on port $port ($FUZZ_EXAMPLES examples per operation)"
  cargo build --quiet --locked -p local-env --bin local-env || return 1
  curl -fsS -o /dev/null -X POST "$AWS_ENDPOINT_URL/moto-api/reset" # fresh state: the gateway provisions from template.yaml
  ./target/debug/local-env serve --port "$port" >"$ROOT/.local/fuzz-gateway.log" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$base/v1/nothing"; then break; fi
    sleep 0.2
  done
  # One account, signed in: the bearer token for the protected routes.
  challenge="$(curl -fsS -X POST "$base/v1/sms-codes" -d "{\"phone\":\"$phone\",\"purpose\":\"register\"}" |
    "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["challenge_id"])')" || true
  for _ in $(seq 1 50); do # the message leaves through the outbox queue's worker
    code="$(curl -fsS "$base/sandbox/sms-outbox?to=%2B8613900007777" | "$VENV/bin/python" -c \
      'import json,re,sys; m=json.load(sys.stdin)["messages"]; print(re.search(r"\b\d{6}\b", m[-1]["text"]).group(0) if m else "")')" || true
    if [ -n "$code" ]; then break; fi
    sleep 0.2
  done
  curl -fsS -o /dev/null -X POST "$base/v1/accounts" -d "{\"username\":\"fuzz_user\",\"password\":\"Velvet-Harbor-42\",
    \"phone\":\"$phone\",\"challenge_id\":\"$challenge\",\"sms_code\":\"$code\",\"agreements\":[
    {\"id\":\"user-service-agreement\",\"version\":\"2024-06\"},{\"id\":\"online-ordering-agreement\",\"version\":\"2024-06\"},
    {\"id\":\"privacy-policy\",\"version\":\"2025-01\"}]}" || true
  token="$(curl -fsS -X POST "$base/v1/sessions" -d '{"username":"fuzz_user","password":"Velvet-Harbor-42"}' |
    "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" || true
  if [ -z "$token" ]; then
    log "could not sign in through the local gateway; see .local/fuzz-gateway.log"
    kill "$gateway_pid" 2>/dev/null; wait "$gateway_pid" 2>/dev/null
    return 1
  fi
  started=$(date +%s)
  # sign_out would end the token's session half-way; the authorized routes then only answer 401.
  local rc=0
  "$VENV/bin/schemathesis" run infra/openapi.json --base-url "$base" \
    --checks not_a_server_error,response_schema_conformance \
    --header "Authorization: Bearer $token" --generation-with-security-parameters false \
    --exclude-operation-id sign_out \
    --hypothesis-max-examples "$FUZZ_EXAMPLES" --hypothesis-seed 1 --hypothesis-deadline none \
    --workers 2 --no-color || rc=$?
  log "schemathesis took $(( $(date +%s) - started ))s"
  kill "$gateway_pid" 2>/dev/null; wait "$gateway_pid" 2>/dev/null
  return $rc
}
