#!/usr/bin/env bash
# Invoker throughput benchmark (not a test): wrk against four servers on 127.0.0.1.
#
#   (a) invoker  kn_fn_invoker (python -m kn_fn_invoker --dir ... --handler func.handler),
#                on granian's WSGI interface (packages/runtime-invoker/src/kn_fn_invoker/_server.py)
#   (b) flask    a hand-written minimal Flask app (baseline.py) on gunicorn GUNICORN_VERSION's
#                gthread worker with the options the invoker gave gunicorn before granian: the
#                former server, kept as a reference row (issue 16); from the bench's gunicorn venv
#   (d) granian  the app of (b) served by the invoker's own server code, _server.serve with the
#                invoker's Settings (granian_baseline.py): (a)/(d) is the invoker's own overhead
#   (c) ff       functions-framework==FF_VERSION on gunicorn, in its own venv (it needs
#                cloudevents<=1.12)
#
# The two bench venvs hold .venv's Flask and Werkzeug and gunicorn GUNICORN_VERSION, so (b) and
# (c) differ from (a) in the server and the framework, not in the Flask stack.
#
# Two cases: http (GET /, the function returns "hello") and cloudevent (binary-mode
# POST with ce-* headers and a small JSON body, no reply). Runs are interleaved a, b, d, c,
# a, b, d, c, ... for BENCH_ROUNDS rounds; each measured run follows a warm-up run. At the end
# it prints per-run figures and the markdown section for bench/RESULTS.md (also written to
# $OUT/results.md).
# Where the app's time goes, without a server: profile_app.py (cProfile, or --compare).
#
# Usage: bench/invoker/run.sh
# Environment (defaults):
#   BENCH_DURATION=10  BENCH_WARMUP=2  BENCH_ROUNDS=3      seconds, seconds, rounds
#   BENCH_CONNECTIONS=16  BENCH_WRK_THREADS=2              wrk -c / -t
#   BENCH_CASES="http cloudevent"   (also: async, an async def awaiting 5 ms, and async_nowait,
#                      one that awaits nothing; for the invoker, (e) and a candidate only:
#                      BENCH_CASES="async async_nowait" BENCH_SERVERS="invoker threads")
#                      (e) threads: the same async function on the thread-per-request path,
#                      the invoker's WSGI app on the same server (threads_baseline.py)
#   WORKERS=1  THREADS=8                                   for all four servers
#   BENCH_PIN=auto     1: pin servers to BENCH_SERVER_CPUS (default: the last CPU) and wrk
#                      to BENCH_WRK_CPUS (default: the others); auto = 1 when nproc >= 2
#                      and WORKERS=1; 0: no pinning
#   BENCH_PYTHON       python with kn_fn_invoker installed (default: .venv/bin/python,
#                      else /tmp/bench-venv/bin/python, made when absent)
#   KN_FN_CACHE        the bench venvs live in $KN_FN_CACHE/bench/{ff,gunicorn}-venv
#   BENCH_OUT          where logs and results go (default: a new /tmp/kn-fn-bench.* dir)
#   BENCH_MAX_FOREIGN=0.10  BENCH_ROUND_TRIES=3
#                      with pinning, each run records the share of the server's core taken
#                      by other processes or the hypervisor (cpu_sample.py); a round in
#                      which a run exceeds BENCH_MAX_FOREIGN is run again, up to
#                      BENCH_ROUND_TRIES times in all (the last try is kept, and flagged)
#   BENCH_SERVERS="invoker flask granian ff"   which servers, in the order they are run
#                      each round
#   BENCH_CANDIDATE_SRC  a directory holding a modified copy of the kn_fn_invoker package:
#                      adds server (a') "candidate", the invoker run with PYTHONPATH=that
#                      directory, right after (a) in each round, to measure a proposed
#                      change to src/ against the current one in the same run
#   BENCH_CANDIDATE_PATCH  a patch to packages/runtime-invoker/src (paths a/packages/...,
#                      e.g. one in bench/invoker/proposals/): applied to a copy of src/
#                      in $OUT/candidate, which becomes BENCH_CANDIDATE_SRC
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CASES=${BENCH_CASES:-"http cloudevent"}
export WORKERS=${WORKERS:-1}
export THREADS=${THREADS:-8}
FF_VERSION=3.10.2
FF_VENV=${KN_FN_CACHE:-$HOME/.cache/kn-fn}/bench/ff-venv
# The last gunicorn the invoker ran on (requirements.lock before granian), for (b) and (c).
GUNICORN_VERSION=27.0.1
GUNICORN_VENV=${KN_FN_CACHE:-$HOME/.cache/kn-fn}/bench/gunicorn-venv
MAX_FOREIGN=${BENCH_MAX_FOREIGN:-0.10}
ROUND_TRIES=${BENCH_ROUND_TRIES:-3}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/kn-fn-bench.XXXXXX)}
mkdir -p "$OUT"
: >"$OUT/results.jsonl"
: >"$OUT/rejected.jsonl"
read -r -a SERVERS <<<"${BENCH_SERVERS:-invoker flask granian ff}"
# What (a) runs: recorded now, as src/ may change while the benchmark runs.
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain -- packages/runtime-invoker/src 2>/dev/null) ]] && COMMIT="$COMMIT + uncommitted changes in src/"
if [[ -n ${BENCH_CANDIDATE_PATCH:-} ]]; then
  rm -rf "$OUT/candidate" && mkdir -p "$OUT/candidate"
  cp -r "$ROOT/packages/runtime-invoker/src/kn_fn_invoker" "$OUT/candidate/"
  find "$OUT/candidate" -name __pycache__ -prune -exec rm -rf {} +
  patch -s -p4 -d "$OUT/candidate" <"$BENCH_CANDIDATE_PATCH" || { echo "$BENCH_CANDIDATE_PATCH does not apply to src/ at $COMMIT" >&2; exit 1; }
  BENCH_CANDIDATE_SRC=$OUT/candidate
fi
if [[ -n ${BENCH_CANDIDATE_SRC:-} ]]; then
  [[ -f $BENCH_CANDIDATE_SRC/kn_fn_invoker/_app.py ]] || { echo "BENCH_CANDIDATE_SRC=$BENCH_CANDIDATE_SRC has no kn_fn_invoker/_app.py" >&2; exit 1; }
  BENCH_CANDIDATE_SRC=$(cd "$BENCH_CANDIDATE_SRC" && pwd)
  [[ " ${SERVERS[*]} " == *" candidate "* ]] || SERVERS=("${SERVERS[0]}" candidate "${SERVERS[@]:1}")
fi

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- servers: each in its own session (pgid = pid), all killed on any exit -------------
PIDS=()
stop_servers() {
  local pid alive=()
  [[ -z ${WRK_PID:-} ]] || kill -TERM "$WRK_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    alive=()
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    ((${#alive[@]} == 0)) && break
    sleep 0.1
  done
  for pid in "${alive[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "wrk missing: apt-get install -y wrk"
  SUDO=(); ((EUID == 0)) || SUDO=(sudo)
  "${SUDO[@]}" apt-get install -y wrk >/dev/null || { "${SUDO[@]}" apt-get update >/dev/null && "${SUDO[@]}" apt-get install -y wrk >/dev/null; }
fi
command -v curl >/dev/null || die "curl is needed"

if [[ -n ${BENCH_PYTHON:-} ]]; then
  PY=$BENCH_PYTHON
elif [[ -x $ROOT/.venv/bin/python ]]; then
  PY=$ROOT/.venv/bin/python
else
  PY=/tmp/bench-venv/bin/python
  if ! [[ -x $PY ]] || ! "$PY" -c 'import kn_fn_invoker._server' 2>/dev/null; then
    log "no .venv: making /tmp/bench-venv"
    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install -q -r "$ROOT/packages/runtime-invoker/requirements-dev.txt" -e "$ROOT/packages/runtime-invoker"
  fi
fi
"$PY" -c 'import kn_fn_invoker._server' || die "$PY cannot import kn_fn_invoker"
if [[ -n ${BENCH_CANDIDATE_SRC:-} ]]; then
  where=$(PYTHONPATH=$BENCH_CANDIDATE_SRC "$PY" -c 'import kn_fn_invoker._app as m; print(m.__file__)')
  [[ $where == "$BENCH_CANDIDATE_SRC/"* ]] || die "with PYTHONPATH=$BENCH_CANDIDATE_SRC, kn_fn_invoker still comes from $where"
  log "candidate: $where"
fi

# bench_venv VENV [PACKAGE==VERSION...]: a venv of the invoker's interpreter with the PACKAGEs,
# the invoker's own Flask and Werkzeug versions and gunicorn GUNICORN_VERSION (made again only
# when one of them changes), so a server there differs from (a) in its server and in what the
# PACKAGEs bring, not in Flask.
bench_venv() {
  local venv=$1 want base pins
  shift
  want=$("$PY" -c "import importlib.metadata as m, sys; print(sys._base_executable, *sys.argv[1:], *(f'{p}=={m.version(p)}' for p in ('flask', 'werkzeug')), 'gunicorn==$GUNICORN_VERSION')" "$@")
  [[ $(cat "$venv/.bench-stamp" 2>/dev/null) == "$want" ]] && return 0
  log "making $venv ($want)"
  rm -rf "$venv"
  read -r base pins <<<"$want"
  "$base" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q $pins
  echo "$want" >"$venv/.bench-stamp"
}
bench_venv "$FF_VENV" "functions-framework==$FF_VERSION"
bench_venv "$GUNICORN_VENV"

# --- pinning -----------------------------------------------------------------------------
NPROC=$(nproc)
PIN=${BENCH_PIN:-auto}
if [[ $PIN == auto ]]; then
  if ((NPROC >= 2 && WORKERS == 1)); then PIN=1; else PIN=0; fi
fi
SERVER_PIN=() WRK_PIN=() SAMPLE_CPU=
if [[ $PIN == 1 ]]; then
  SERVER_CPUS=${BENCH_SERVER_CPUS:-$((NPROC - 1))}
  WRK_CPUS=${BENCH_WRK_CPUS:-0}
  ((NPROC > 2)) && WRK_CPUS=${BENCH_WRK_CPUS:-0-$((NPROC - 2))}
  SERVER_PIN=(taskset -c "$SERVER_CPUS")
  WRK_PIN=(taskset -c "$WRK_CPUS")
  PINNING="servers pinned to CPU $SERVER_CPUS and wrk to CPU $WRK_CPUS with taskset"
  [[ $SERVER_CPUS =~ ^[0-9]+$ ]] && SAMPLE_CPU=$SERVER_CPUS
else
  PINNING="no CPU pinning"
fi

# --- one case ----------------------------------------------------------------------------
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

declare -A PORT
start_server() { # case server
  local case=$1 server=$2 port
  port=$(free_port)
  PORT[$server]=$port
  local cmd
  case $server in
    invoker) cmd=("$PY" -m kn_fn_invoker --dir "$HERE/functions/$case" --handler func.handler --port "$port" --host 127.0.0.1) ;;
    candidate) cmd=(env "PYTHONPATH=$BENCH_CANDIDATE_SRC" "$PY" -m kn_fn_invoker --dir "$HERE/functions/$case" --handler func.handler --port "$port" --host 127.0.0.1) ;;
    flask) cmd=("$GUNICORN_VENV/bin/python" "$HERE/baseline.py" "$case" --port "$port" --host 127.0.0.1) ;;
    granian) cmd=("$PY" "$HERE/granian_baseline.py" "$case" --port "$port" --host 127.0.0.1) ;;
    threads) cmd=("$PY" "$HERE/threads_baseline.py" "$case" --port "$port" --host 127.0.0.1) ;;
    ff)
      local source=$HERE/functions/http/func.py
      [[ $case == cloudevent ]] && source=$HERE/functions/ff_cloudevent/func.py
      # GUNICORN_LOG_LEVEL=info only adds start-up lines (no access log), to show the worker class.
      cmd=(env GUNICORN_LOG_LEVEL=info "$FF_VENV/bin/functions-framework" --target handler --source "$source" --port "$port" --host 127.0.0.1)
      ;;
  esac
  echo "${cmd[*]}" >"$OUT/$case-$server.cmd"
  setsid "${SERVER_PIN[@]}" "${cmd[@]}" >"$OUT/$case-$server.log" 2>&1 </dev/null &
  PIDS+=($!)
  SERVER_PID[$server]=$!
}

declare -A SERVER_PID
wait_ready() { # case server
  local case=$1 server=$2 code
  for _ in $(seq 300); do
    kill -0 "${SERVER_PID[$server]}" 2>/dev/null || { cat "$OUT/$case-$server.log" >&2; die "$server exited during start-up"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$server]}/health/ready" || true)
    [[ $code != 000 ]] && return 0
    sleep 0.1
  done
  die "$server did not start in 30 s (log: $OUT/$case-$server.log)"
}

CE_CURL=(-X POST -H 'Content-Type: application/json' -H 'ce-specversion: 1.0' -H 'ce-id: bench-0001'
  -H 'ce-source: /bench/wrk' -H 'ce-type: dev.kn-fn.bench' --data '{"message":"hello","count":1}')
sanity() { # case server: one request as wrk will send it, and the server that answered
  local case=$1 server=$2 reply
  if [[ $case == http || $case == async* ]]; then
    reply=$(curl -s -w ' %{http_code}' "http://127.0.0.1:${PORT[$server]}/")
    [[ $reply == "hello 200" ]] || die "$server answered '$reply' to GET / (want 'hello 200')"
  else
    reply=$(curl -s -w ' %{http_code}' "${CE_CURL[@]}" "http://127.0.0.1:${PORT[$server]}/")
    [[ $reply =~ \ 20[02]$ ]] || die "$server answered '$reply' to the CloudEvent (want 200 or 202)"
  fi
  # (a), (a') and (d) on the invoker's granian server: its JSON start line, not gunicorn's.
  if [[ $server == invoker || $server == candidate || $server == granian || $server == threads ]]; then
    grep -q '"Starting granian' "$OUT/$case-$server.log" || die "$server's log does not show granian starting (log: $OUT/$case-$server.log)"
    log "$case/$server on :${PORT[$server]} (granian) answers '$reply'"
    return 0
  fi
  local worker python=$GUNICORN_VENV/bin/python
  [[ $server == ff ]] && python=$FF_VENV/bin/python
  worker=$(sed -n 's/.*Using worker: //p' "$OUT/$case-$server.log" | head -1)
  "$python" -c "import sys; from gunicorn.util import load_class; from gunicorn.workers.gthread import ThreadWorker; sys.exit(not issubclass(load_class(sys.argv[1]), ThreadWorker))" "$worker" \
    || die "$server is not using a gthread worker ('$worker', log: $OUT/$case-$server.log)"
  log "$case/$server on :${PORT[$server]} ($worker) answers '$reply'"
}

# shellcheck source=../lib/rounds.sh
source "$HERE/../lib/rounds.sh"
RAW_DIR=$OUT
server_url() { echo "http://127.0.0.1:${PORT[$1]}/"; }
server_pid() { echo "${SERVER_PID[$1]}"; }

for case in $CASES; do
  [[ -d $HERE/functions/$case ]] || die "unknown case $case"
  for server in "${SERVERS[@]}"; do start_server "$case" "$server"; done
  for server in "${SERVERS[@]}"; do wait_ready "$case" "$server"; done
  for server in "${SERVERS[@]}"; do sanity "$case" "$server"; done
  run_rounds "$case"
  stop_servers
done

# --- what was measured, on what ----------------------------------------------------------
versions() { "$1" -c "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in '$2'.split()))"; }
export B_MAX_FOREIGN=$MAX_FOREIGN B_REJECTED=$(grep -c . "$OUT/rejected.jsonl" || true)
export B_ROUNDS=$ROUNDS B_DURATION=$DURATION B_WARMUP=$WARMUP B_CONNECTIONS=$CONNECTIONS B_WRK_THREADS=$WRK_THREADS B_PINNING=$PINNING
cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -1; }
export B_NPROC=$NPROC B_CPU_MODEL="$(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model))"
export B_KERNEL="$(uname -sr)" B_WRK_VERSION=$(wrk -v 2>&1 | sed -n '1s/^wrk \([^ ]*\).*/\1/p')
export B_PYTHON=$("$PY" -c 'import platform; print(platform.python_version())')
export B_PYTHON_FF=$("$FF_VENV/bin/python" -c 'import platform; print(platform.python_version())')
export B_PYTHON_FLASK=$("$GUNICORN_VENV/bin/python" -c 'import platform; print(platform.python_version())')
export B_VERSIONS_INVOKER=$(versions "$PY" "kn-fn-invoker flask werkzeug granian cloudevents")
export B_VERSIONS_FLASK=$(versions "$GUNICORN_VENV/bin/python" "flask werkzeug gunicorn")
export B_VERSIONS_FF=$(versions "$FF_VENV/bin/python" "functions-framework flask werkzeug gunicorn cloudevents")
export B_CANDIDATE=${BENCH_CANDIDATE_SRC:-}
export B_COMMIT=$COMMIT B_CANDIDATE_PATCH=${BENCH_CANDIDATE_PATCH:-}
export B_COMMAND="BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_ROUNDS=$ROUNDS BENCH_CONNECTIONS=$CONNECTIONS BENCH_WRK_THREADS=$WRK_THREADS WORKERS=$WORKERS THREADS=$THREADS bench/invoker/run.sh, each run: ${WRK_PIN[*]}${WRK_PIN:+ }wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency -s bench/invoker/wrk.lua http://127.0.0.1:PORT/"
# The options as each server takes them: (a) and (d) from the invoker's granian_options, (b)
# from baseline.py's gunicorn_options (importing baseline.py needs Flask, not gunicorn).
"$PY" - "$OUT/meta.json" "$HERE" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[2])
from baseline import gunicorn_options
from kn_fn_invoker._server import granian_options
from kn_fn_invoker._settings import from_environment
granian = granian_options(from_environment())
gunicorn = gunicorn_options("127.0.0.1", 0)
meta = {k[2:].lower(): v for k, v in os.environ.items() if k.startswith("B_")}
meta.update(
    workers=os.environ["WORKERS"],
    threads=os.environ["THREADS"],
    granian_options=", ".join(f"{k}={granian[k]}" for k in ("workers", "blocking_threads", "runtime_threads")) + f", http={granian['http'].name}",
    gunicorn_options=", ".join(f"{k}={gunicorn[k]}" for k in ("worker_class", "workers", "threads", "keepalive", "timeout", "graceful_timeout", "preload_app")),
)
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY

"$PY" "$HERE/summarize.py" "$OUT"
log "logs and raw wrk output: $OUT"
