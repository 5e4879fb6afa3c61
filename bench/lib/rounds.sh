# The round loop the two invoker throughput benches share (bench/invoker on the host,
# bench/throughput in the built images): sourced, not run.
#
# run_rounds CASE: ROUNDS rounds; in each, every server in SERVERS in turn gets a warm-up wrk
# run (none when WARMUP=0), then a measured one. When SAMPLE_CPU names the server's core, the
# share of it that other processes took during the measured run is recorded, and a round in
# which any server got more than MAX_FOREIGN of foreign load is run again (up to ROUND_TRIES
# times; the last try is kept). Kept rounds go to $OUT/results.jsonl, refused ones to
# $OUT/rejected.jsonl, one JSON line per server and round: case, round, try, server, the CPU
# shares and wrk.lua's BENCH_RESULT fields.
#
# The caller sets OUT, RAW_DIR (where wrk's output goes), ROUNDS, ROUND_TRIES, MAX_FOREIGN,
# SERVERS (array), DURATION, WARMUP, WRK_THREADS, CONNECTIONS, WRK_PIN (array, may be empty),
# PY, SAMPLE_CPU (empty: no sampling), and defines log, die,
#   server_url SERVER   the URL wrk loads
#   server_pid SERVER   the host pid whose process group is the server (for cpu_sample.py)
# and, optionally, wrk_share_begin / wrk_share_end: called around each measured run, the
# latter setting EXTRA_FIELDS to more JSON fields ending in a comma (bench/throughput's
# share of the wrk core that others took).

ROUNDS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WRK_LUA=$ROUNDS_LIB/../invoker/wrk.lua
CPU_SAMPLE=$ROUNDS_LIB/../invoker/cpu_sample.py
WRK_PID=

# run_wrk CASE SERVER SECONDS OUTFILE
run_wrk() {
  # In the background, so that a signal to the script is handled at once, not after wrk.
  BENCH_CASE=$1 "${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$3"s --latency -s "$WRK_LUA" \
    "$(server_url "$2")" >"$4" 2>&1 </dev/null &
  WRK_PID=$!
  wait "$WRK_PID" || { cat "$4" >&2; die "wrk failed against $2"; }
  WRK_PID=
}

# measure CASE SERVER ROUND TRY: one warm-up and one measured run, a line to round.jsonl;
# fails (status 1) when others took more than MAX_FOREIGN of the server's core.
measure() {
  local case=$1 server=$2 round=$3 try=$4 raw cpu='"foreign_share":null' before result dirty=0
  raw=$RAW_DIR/$case-$server-r$round.txt
  # wrk refuses -d0s, so WARMUP=0 (smoke runs) means no warm-up run.
  if ((WARMUP > 0)); then run_wrk "$case" "$server" "$WARMUP" "$RAW_DIR/$case-$server-r$round-warmup.txt"; fi
  [[ -n $SAMPLE_CPU ]] && before=$("$PY" "$CPU_SAMPLE" "$SAMPLE_CPU" "$(server_pid "$server")")
  EXTRA_FIELDS=
  if declare -F wrk_share_begin >/dev/null; then wrk_share_begin; fi
  run_wrk "$case" "$server" "$DURATION" "$raw"
  if declare -F wrk_share_end >/dev/null; then wrk_share_end; fi
  if [[ -n $SAMPLE_CPU ]]; then
    cpu=$("$PY" "$CPU_SAMPLE" "$SAMPLE_CPU" "$(server_pid "$server")" --since "$before")
    cpu=${cpu#\{}; cpu=${cpu%\}}
    "$PY" -c 'import json, sys; sys.exit(json.loads("{" + sys.argv[1] + "}")["foreign_share"] > float(sys.argv[2]))' "$cpu" "$MAX_FOREIGN" || dirty=1
  fi
  result=$(sed -n 's/^BENCH_RESULT {//p' "$raw")
  [[ -n $result ]] || die "no result in $raw"
  echo "{\"case\":\"$case\",\"round\":$round,\"try\":$try,\"server\":\"$server\",$EXTRA_FIELDS$cpu,$result" >>"$OUT/round.jsonl"
  log "$case round $round try $try $server: $(grep -E '^Requests/sec' "$raw" | tr -s ' ') ($EXTRA_FIELDS$cpu)"
  if grep -qE 'Non-2xx|Socket errors' "$raw"; then log "warning: $(grep -E 'Non-2xx|Socket errors' "$raw")"; fi
  return "$dirty"
}

run_rounds() {
  local case=$1 round try server clean
  for round in $(seq "$ROUNDS"); do
    for try in $(seq "$ROUND_TRIES"); do
      : >"$OUT/round.jsonl"
      clean=1
      for server in "${SERVERS[@]}"; do measure "$case" "$server" "$round" "$try" || clean=0; done
      if ((clean)) || ((try == ROUND_TRIES)); then
        ((clean)) || log "round $round: other processes took more than $MAX_FOREIGN of the server core in every try; keeping the last"
        cat "$OUT/round.jsonl" >>"$OUT/results.jsonl"
        break
      fi
      log "round $round: other processes took more than $MAX_FOREIGN of the server core; running the round again"
      cat "$OUT/round.jsonl" >>"$OUT/rejected.jsonl"
    done
  done
}
