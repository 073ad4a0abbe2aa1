# The run command's life cycle, checked by the test command (sourced): `make run` starts, answers,
# and Ctrl-C (SIGINT to its process group, as a terminal sends it) stops every process it started;
# a second run then starts afresh on the same ports.

check_run_command() {
  local port emulator_port attempt pgid
  port="$(free_port)"
  emulator_port="$(free_port)"
  for attempt in 1 2; do
    log "make run, then Ctrl-C (run $attempt of 2, ports $port/$emulator_port)"
    PORT="$port" EMULATOR_PORT="$emulator_port" setsid bash "$ROOT/infra/scripts/run.sh" >"$ROOT/.local/run-check.log" 2>&1 &
    pgid=$!
    local up=0
    for _ in $(seq 1 120); do
      if curl -fsS -o /dev/null "http://127.0.0.1:$port/review/" 2>/dev/null; then up=1; break; fi
      sleep 1
    done
    if [ "$up" != 1 ]; then
      log "the run command did not answer on port $port; see .local/run-check.log"
      kill -TERM -- "-$pgid" 2>/dev/null || true
      return 1
    fi
    kill -INT -- "-$pgid"
    for _ in $(seq 1 20); do
      if ! pgrep -g "$pgid" >/dev/null 2>&1; then break; fi
      sleep 0.5
    done
    if pgrep -g "$pgid" >/dev/null 2>&1; then
      log "Ctrl-C left processes running:"
      pgrep -a -g "$pgid" >&2 || true
      kill -KILL -- "-$pgid" 2>/dev/null || true
      return 1
    fi
  done
  log "make run stops on Ctrl-C with nothing left running, and starts afresh"
}
