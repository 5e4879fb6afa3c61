#!/usr/bin/env bash
# Invoker throughput inside the built images (not a test): bench/invoker's comparison re-run
# with each server in its container, on the same run image.
#
#   (a) invoker  the app images pack builds with kn-fn/builder:latest (the invoker on granian):
#                kn-fn-bench/tp-invoker (functions/http: returns "hello", as bench/invoker) and
#                kn-fn-bench/tp-invoker-cloudevent (functions/cloudevent: returns None -> 202)
#   (b) flask    kn-fn-bench/tp-flask (baseline.Dockerfile): bench/invoker/baseline.py, the
#                minimal Flask app on gunicorn GUNICORN_VERSION (gthread) with the options the
#                invoker gave gunicorn before granian: the former server, a reference row
#   (d) granian  kn-fn-bench/tp-granian (granian.Dockerfile): bench/invoker/granian_baseline.py,
#                the same app served by kn_fn_invoker._server.serve, in a venv holding the
#                invoker and its pins from the buildpack's wheelhouse: (a)/(d) is the invoker's
#                own overhead with the server identical
#   (c) ff       kn-fn-bench/tp-ff-{http,cloudevent} (ff.Dockerfile): functions-framework
#                FF_VERSION with the invoker's Flask and Werkzeug and gunicorn GUNICORN_VERSION,
#                serving the same HTTP function (functions/http, so all four run the same body)
#                and functions/ff-cloudevent
#
# Every image is FROM kn-fn/run:0.1.0 (the Dockerfiles' deps stages FROM kn-fn/build:0.1.0).
# The Dockerfile builds are offline: (d) installs from a copy of the wheelhouse, (b) and (c)
# from wheels this script downloads on the host (pip download, for the build image's python3).
# For each case (http: GET /; cloudevent: binary-mode POST, bench/invoker/wrk.lua) the four
# containers run side by side, pinned with --cpuset-cpus, published on 127.0.0.1 only, with
# the same WORKERS/THREADS; wrk runs a, b, d, c, a, b, d, c, ... for BENCH_ROUNDS rounds, each
# measured run after a warm-up run. Rounds in which something else took more than
# BENCH_MAX_FOREIGN of the server's core are run again (bench/invoker/cpu_sample.py, given
# the container's process group). The containers live for the whole case: memory.py reads
# each one's Pss from the host's /proc (workers: the children of its first process) after the
# sanity requests and again after the case's last round, into memory.jsonl. summarize.py
# prints per-run figures and the markdown section, with the host-process figures of
# bench/RESULTS.md alongside.
#
# Usage: bench/throughput/run.sh
# Environment (defaults):
#   BENCH_DURATION=10  BENCH_WARMUP=2  BENCH_ROUNDS=5     seconds, seconds, rounds
#   BENCH_CONNECTIONS=16  BENCH_WRK_THREADS=2             wrk -c / -t
#   BENCH_CASES="http cloudevent"  BENCH_SERVERS="invoker flask granian ff" (run in that order)
#                      venv: an opt-in diagnostic server (a''), the invoker of kn-fn-bench/tp-granian's
#                      venv (the same wheel) serving the same function dir, mounted: a/a'' tells
#                      the pack image's packaging (launcher, layers) from the invoker's code
#   WORKERS=1  THREADS=8                                  for all the containers
#   BENCH_PIN=auto     1: containers on BENCH_SERVER_CPUS (default: the last CPU) with
#                      --cpuset-cpus, wrk on BENCH_WRK_CPUS (default: the others) with taskset;
#                      auto = 1 when nproc >= 2 and WORKERS=1; 0: no pinning
#   BENCH_ROUTE=published  how wrk reaches a container (the project talks to containers only
#                      through ports published on 127.0.0.1, so that is the default); bridge = its address on the docker bridge
#                      (port 8080); published = 127.0.0.1:PORT, through the engine's userland
#                      docker-proxy: an unpinned process copying every byte (~25-30% of a core
#                      at 4,000 req/s) that the scheduler puts on either core; on the server's
#                      core it cut throughput by ~40%, so that route measures the proxy's luck
#   BENCH_BUILD=1      0: use the kn-fn-bench/tp-* images already there
#   BENCH_MAX_FOREIGN=0.10  BENCH_ROUND_TRIES=3           as in bench/invoker/run.sh (the server's
#                      core); the share of wrk's core taken by others is recorded, not acted on
#   BENCH_OUT          logs and results (default: a new /tmp/kn-fn-bench-throughput.* dir)
#   BENCH_PYTHON       python for the helpers (default: .venv/bin/python, else python3)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INVOKER_BENCH=$ROOT/bench/invoker
# shellcheck disable=SC1091
[[ -f ${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh ]] && source "${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh"

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
CASES=${BENCH_CASES:-"http cloudevent"}
export WORKERS=${WORKERS:-1}
export THREADS=${THREADS:-8}
ROUTE=${BENCH_ROUTE:-published}
MAX_FOREIGN=${BENCH_MAX_FOREIGN:-0.10}
ROUND_TRIES=${BENCH_ROUND_TRIES:-3}
read -r -a SERVERS <<<"${BENCH_SERVERS:-invoker flask granian ff}"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/kn-fn-bench-throughput.XXXXXX)}
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
: >"$OUT/results.jsonl"
: >"$OUT/rejected.jsonl"
: >"$OUT/images.jsonl"
: >"$OUT/memory.jsonl"

BUILDER=kn-fn/builder:latest
BUILD_IMAGE=kn-fn/build:0.1.0
RUN_IMAGE=kn-fn/run:0.1.0
WHEELHOUSE=$ROOT/packages/buildpack/dist/buildpack/wheelhouse
FF_VERSION=3.10.2
# The last gunicorn the invoker ran on (requirements.lock before granian), for (b) and (c).
GUNICORN_VERSION=27.0.1
HOST_CA_BUNDLE=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
PREFIX=kn-fn-bench/tp
# The function (a) serves in each case: pack builds it, and venv mounts it.
declare -A INVOKER_APP=([http]=$HERE/functions/http [cloudevent]=$HERE/functions/cloudevent)
# image_for CASE SERVER
image_for() {
  case $2 in
    invoker) [[ $1 == http ]] && echo "$PREFIX-invoker" || echo "$PREFIX-invoker-$1" ;;
    flask) echo "$PREFIX-flask" ;;
    granian | venv) echo "$PREFIX-granian" ;;
    ff) echo "$PREFIX-ff-$1" ;;
  esac
}

if [[ -n ${BENCH_PYTHON:-} ]]; then PY=$BENCH_PYTHON
elif [[ -x $ROOT/.venv/bin/python ]]; then PY=$ROOT/.venv/bin/python
else PY=python3; fi

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }
# run CMD...: log the command, then run it.
run() { log "\$ $*"; "$@"; }

# --- cleanup: our containers, wrk, and the images a rebuild replaced ---------------------
CONTAINERS=() STALE_IMAGES=() WRK_PID=
cleanup() {
  local status=$?
  [[ -z $WRK_PID ]] || kill -TERM "$WRK_PID" 2>/dev/null || true
  ((${#CONTAINERS[@]} == 0)) || docker rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true
  # Without -f: an image another tag still names stays.
  ((${#STALE_IMAGES[@]} == 0)) || docker rmi "${STALE_IMAGES[@]}" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT
set -E
trap 'log "error: line $LINENO: \"$BASH_COMMAND\" exited $?"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS=$ROUNDS is not a positive integer"
[[ $ROUTE == bridge || $ROUTE == published ]] || die "BENCH_ROUTE=$ROUTE: use bridge or published"
for tool in docker pack wrk curl; do command -v "$tool" >/dev/null || die "$tool is needed (source ~/.cache/kn-fn/env.sh; apt-get install -y wrk)"; done
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (scripts/setup.sh starts dockerd)"
for image in "$BUILDER" "$BUILD_IMAGE" "$RUN_IMAGE"; do
  docker image inspect "$image" >/dev/null 2>&1 || die "$image is missing: the builder tests or kn-fn-builder make it (nothing is pulled)"
done
# Before anything of ours runs: the load this run starts under, and other people's containers.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
FOREIGN_CONTAINERS=$(docker ps -q | wc -l)
log "throughput: $ROUNDS round(s) of ${DURATION}s, load $LOAD_BEFORE, $FOREIGN_CONTAINERS other container(s) running; output in $OUT"

# --- images --------------------------------------------------------------------------------
image_id() { { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; } | cut -c8-19; }
# build_image IMAGE LOGNAME CMD...: build (output to the log), remember the image it replaced.
build_image() {
  local image=$1 name=$2 before
  shift 2
  before=$(image_id "$image")
  log "building $image (log: $OUT/logs/build-$name.log)"
  log "\$ $*"
  "$@" >"$OUT/logs/build-$name.log" 2>&1 </dev/null || { tail -30 "$OUT/logs/build-$name.log" >&2; die "building $image failed (log: $OUT/logs/build-$name.log)"; }
  [[ -z $before || $before == "$(image_id "$image")" ]] || STALE_IMAGES+=("$before")
}

# Requirements: the Dockerfile images install none, so the function dirs must need none.
no_requirements() {
  [[ ! -f $1/requirements.txt ]] || ! grep -qvE '^[[:space:]]*(#|$)' "$1/requirements.txt" \
    || die "$1/requirements.txt names packages; ff.Dockerfile does not install a function's requirements"
}

build_images() {
  compgen -G "$WHEELHOUSE/kn_fn_invoker-*.whl" >/dev/null || die "$WHEELHOUSE has no kn_fn_invoker wheel: pnpm --filter @kn-fn/buildpack build"
  [[ -f $HOST_CA_BUNDLE ]] || die "$HOST_CA_BUNDLE is missing: set SSL_CERT_FILE to the host's CA bundle"
  local ctx=$OUT/contexts case pins target
  rm -rf "$ctx" && mkdir -p "$ctx"

  # (a) pack, offline, with a ca-certificates binding for pip (e2e/harness/bindings.py).
  local binding=$ctx/bindings/ca-certificates
  mkdir -p "$binding"
  echo ca-certificates >"$binding/type"
  cp "$HOST_CA_BUNDLE" "$binding/host-ca-bundle.pem"
  local pack_args=(--builder "$BUILDER" --trust-builder --pull-policy never --volume "$binding:/platform/bindings/ca-certificates:ro")
  for case in $CASES; do
    build_image "$(image_for "$case" invoker)" "invoker-$case" pack build "$(image_for "$case" invoker)" "${pack_args[@]}" --path "${INVOKER_APP[$case]}"
  done

  # Flask and Werkzeug at the invoker's versions: the wheelhouse holds one wheel of each.
  pins=$(find "$WHEELHOUSE" -maxdepth 1 -name '*.whl' -printf '%f\n' | sed -n 's/^\(flask\|werkzeug\)-\([^-]*\)-.*/\1==\2/p' | sort | paste -sd ' ')
  [[ $(wc -w <<<"$pins") == 2 ]] || die "$WHEELHOUSE does not hold one flask and one werkzeug wheel (found: $pins)"
  pins="$pins gunicorn==$GUNICORN_VERSION"
  # The wheels (b) and (c) install, for the build image's python3 (x86_64, as the wheelhouse),
  # downloaded here: the docker builds have no network.
  target=$(docker run --rm --entrypoint python3 "$BUILD_IMAGE" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  # shellcheck disable=SC2086
  run "$PY" -m pip download --quiet --disable-pip-version-check --dest "$ctx/wheels" --only-binary=:all: \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    --python-version "$target" --implementation cp --abi "cp${target/./}" --abi abi3 --abi none \
    "functions-framework==$FF_VERSION" $pins

  # (b) baseline.py on gunicorn: Flask, Werkzeug and gunicorn only.
  mkdir -p "$ctx/flask"
  cp -r "$ctx/wheels" "$ctx/flask/wheels"
  cp "$INVOKER_BENCH/baseline.py" "$ctx/flask/baseline.py"
  build_image "$PREFIX-flask" flask docker build -f "$HERE/baseline.Dockerfile" \
    --build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "RUN_IMAGE=$RUN_IMAGE" --build-arg "PINS=$pins" -t "$PREFIX-flask" "$ctx/flask"

  # (d) granian_baseline.py with the wheelhouse's invoker and pins, as the buildpack installs them.
  mkdir -p "$ctx/granian"
  cp -r "$WHEELHOUSE" "$ctx/granian/wheelhouse"
  cp "$INVOKER_BENCH/baseline.py" "$INVOKER_BENCH/granian_baseline.py" "$ctx/granian/"
  build_image "$PREFIX-granian" granian docker build -f "$HERE/granian.Dockerfile" \
    --build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "RUN_IMAGE=$RUN_IMAGE" -t "$PREFIX-granian" "$ctx/granian"

  # (c) functions-framework with the same pins as (b).
  declare -A app=([http]=$HERE/functions/http [cloudevent]=$HERE/functions/ff-cloudevent)
  for case in $CASES; do
    no_requirements "${app[$case]}"
    mkdir -p "$ctx/ff-$case"
    cp -r "$ctx/wheels" "$ctx/ff-$case/wheels"
    cp -r "${app[$case]}" "$ctx/ff-$case/app"
    find "$ctx/ff-$case/app" -name __pycache__ -prune -exec rm -rf {} +
    build_image "$(image_for "$case" ff)" "ff-$case" docker build -f "$HERE/ff.Dockerfile" \
      --build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "RUN_IMAGE=$RUN_IMAGE" \
      --build-arg "FRAMEWORK=functions-framework==$FF_VERSION" --build-arg "PINS=$pins" \
      -t "$(image_for "$case" ff)" "$ctx/ff-$case"
  done
}

# image_python IMAGE: the interpreter the image serves with (pack images: the process's).
image_python() {
  local label
  label=$(docker image inspect --format '{{index .Config.Labels "io.buildpacks.build.metadata"}}' "$1")
  if [[ -n $label && $label != '<no value>' ]]; then
    "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["processes"][0]["command"][0])' "$label"
  else
    echo /opt/venv/bin/python
  fi
}

# image_facts CASE SERVER: versions and the invoker's options inside the image, one JSON line.
image_facts() {
  local image py facts
  image=$(image_for "$1" "$2")
  py=$(image_python "$image")
  facts=$(docker run --rm -i -e WORKERS -e THREADS --entrypoint "$py" "$image" - <"$HERE/image_facts.py") \
    || die "could not read versions in $image with $py"
  printf '{"case":"%s","server":"%s","image":"%s","id":"%s","size":%s,%s\n' "$1" "$2" "$image" "$(image_id "$image")" \
    "$(docker image inspect --format '{{.Size}}' "$image")" "${facts#\{}" >>"$OUT/images.jsonl"
}

if [[ ${BENCH_BUILD:-1} == 1 ]]; then build_images; fi
for case in $CASES; do
  for server in "${SERVERS[@]}"; do
    docker image inspect "$(image_for "$case" "$server")" >/dev/null 2>&1 || die "$(image_for "$case" "$server") is missing (run with BENCH_BUILD=1)"
    image_facts "$case" "$server"
  done
done
# (a) and (d) must run the same invoker build, or a/d measures two versions of it.
INVOKER_DIGESTS=$("$PY" -c 'import json, sys; print(" ".join(sorted({d for l in open(sys.argv[1]) if (d := json.loads(l).get("invoker_digest"))})))' "$OUT/images.jsonl")
# A difference once meant a pack image still holding a cached venv of an older invoker build
# (the cache key lacked the runtime's wheels): the figures would be of the wrong code.
[[ $INVOKER_DIGESTS != *" "* ]] || die "the images carry different kn_fn_invoker builds ($INVOKER_DIGESTS): the builder's and $WHEELHOUSE differ; rebuild the builder (packages/builder) and run with BENCH_BUILD=1"

# --- pinning -----------------------------------------------------------------------------
NPROC=$(nproc)
PIN=${BENCH_PIN:-auto}
if [[ $PIN == auto ]]; then
  if ((NPROC >= 2 && WORKERS == 1)); then PIN=1; else PIN=0; fi
fi
CPUSET=() WRK_PIN=() SAMPLE_CPU= WRK_SAMPLE_CPU=
if [[ $PIN == 1 ]]; then
  SERVER_CPUS=${BENCH_SERVER_CPUS:-$((NPROC - 1))}
  WRK_CPUS=${BENCH_WRK_CPUS:-0}
  ((NPROC > 2)) && WRK_CPUS=${BENCH_WRK_CPUS:-0-$((NPROC - 2))}
  CPUSET=(--cpuset-cpus "$SERVER_CPUS")
  WRK_PIN=(taskset -c "$WRK_CPUS")
  PINNING="containers on CPU $SERVER_CPUS (docker run --cpuset-cpus) and wrk on CPU $WRK_CPUS (taskset)"
  [[ $SERVER_CPUS =~ ^[0-9]+$ ]] && SAMPLE_CPU=$SERVER_CPUS
  [[ $WRK_CPUS =~ ^[0-9]+$ ]] && WRK_SAMPLE_CPU=$WRK_CPUS
else
  PINNING="no CPU pinning"
fi

# --- containers ----------------------------------------------------------------------------
declare -A URL PUBLISHED HOST_PID CONTAINER
# start_container CASE SERVER
start_container() {
  local case=$1 server=$2 name args=() env=(-e WORKERS -e THREADS)
  name=kn-fn-bench-tp-$$-$case-$server
  [[ $server == flask || $server == granian ]] && args=("$case" --host 0.0.0.0 --port 8080)
  if [[ $server == venv ]]; then
    env+=(-v "${INVOKER_APP[$case]}:/function:ro" --entrypoint /opt/venv/bin/python)
    args=(-m kn_fn_invoker --dir /function --handler handler.handler)
  fi
  # info only adds start-up lines (no access log), to show the worker class, as in bench/invoker.
  [[ $server == ff ]] && env+=(-e GUNICORN_LOG_LEVEL=info)
  CONTAINERS+=("$name")
  CONTAINER[$server]=$name
  run docker run -d --name "$name" --label io.kn-fn.bench=throughput "${CPUSET[@]}" -p 127.0.0.1::8080 "${env[@]}" \
    "$(image_for "$case" "$server")" "${args[@]}" >/dev/null
  PUBLISHED[$server]=$(docker port "$name" 8080/tcp | head -1)
  [[ ${PUBLISHED[$server]} == 127.0.0.1:* ]] || die "$name is published on '${PUBLISHED[$server]}', not on 127.0.0.1"
  if [[ $ROUTE == bridge ]]; then
    URL[$server]=http://$(docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name"):8080/
  else
    URL[$server]=http://${PUBLISHED[$server]}/
  fi
  # The container's first process leads its process group; the server's workers stay in it.
  HOST_PID[$server]=$(docker inspect --format '{{.State.Pid}}' "$name")
}

wait_ready() { # CASE SERVER
  local name=${CONTAINER[$2]} code
  for _ in $(seq 300); do
    [[ $(docker inspect --format '{{.State.Running}}' "$name") == true ]] || { docker logs "$name" >&2; die "$name exited during start-up"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "${URL[$2]}health/ready" || true)
    [[ $code != 000 ]] && return 0
    sleep 0.1
  done
  die "$name did not answer in 30 s on ${URL[$2]} (docker logs $name)"
}

CE_CURL=(-X POST -H 'Content-Type: application/json' -H 'ce-specversion: 1.0' -H 'ce-id: bench-0001'
  -H 'ce-source: /bench/wrk' -H 'ce-type: dev.kn-fn.bench' --data '{"message":"hello","count":1}')
# sanity CASE SERVER: the reply wrk will get, on both routes, and the server that answered:
# granian for (a), (a'') and (d), a gthread worker for (b) and (c).
sanity() {
  local case=$1 server=$2 name=${CONTAINER[$2]} reply want url worker
  for url in "${URL[$server]}" "http://${PUBLISHED[$server]}/"; do
    if [[ $case == http ]]; then
      # All four run bench/invoker's HTTP body (baseline.py inlines it).
      want="hello 200"
      reply=$(curl -s -w ' %{http_code}' "$url")
      [[ $reply == "$want" ]] || die "$server answered '$reply' to GET $url (want '$want')"
    else
      reply=$(curl -s -w ' %{http_code}' "${CE_CURL[@]}" "$url")
      [[ $reply =~ \ 20[02]$ ]] || die "$server answered '$reply' to the CloudEvent on $url (want 200 or 202)"
    fi
  done
  if [[ $server == invoker || $server == granian || $server == venv ]]; then
    # The invoker's JSON line of granian's start.
    docker logs "$name" 2>&1 | grep -F '"Starting granian' >/dev/null || die "$server's log does not show granian starting (docker logs $name)"
    log "$case/$server: $name on ${URL[$server]} (published ${PUBLISHED[$server]}, granian) answers '$reply'"
    return 0
  fi
  worker=$(docker logs "$name" 2>&1 | sed -n 's/.*Using worker: //p' | head -1)
  docker exec "$name" "$(image_python "$(image_for "$case" "$server")")" -c \
    "import sys; from gunicorn.util import load_class; from gunicorn.workers.gthread import ThreadWorker; sys.exit(not issubclass(load_class(sys.argv[1]), ThreadWorker))" "$worker" \
    || die "$server is not using a gthread worker ('$worker'; docker logs $name)"
  log "$case/$server: $name on ${URL[$server]} (published ${PUBLISHED[$server]}, $worker) answers '$reply'"
}

# record_memory CASE PHASE: each server's Pss (memory.py), one line per server to memory.jsonl;
# PHASE: start (after the sanity requests) or load (after the case's last round).
record_memory() {
  local server memory
  for server in "${SERVERS[@]}"; do
    memory=$("$PY" "$HERE/memory.py" "${HOST_PID[$server]}") || die "could not read the memory of ${CONTAINER[$server]} (host pid ${HOST_PID[$server]})"
    printf '{"case":"%s","server":"%s","phase":"%s",%s\n' "$1" "$server" "$2" "${memory#\{}" >>"$OUT/memory.jsonl"
    log "$1/$server after $2: $("$PY" -c 'import json, sys; m = json.loads(sys.argv[1]); mib = lambda kib: "%.1f" % (kib / 1024); print(len(m["workers"]), "worker(s), Pss", ", ".join(mib(w["pss_kib"]) for w in m["workers"]), "MiB; container", mib(m["container"]["pss_kib"]), "MiB in", m["container"]["processes"], "processes")' "$memory")"
  done
}

stop_containers() { # CASE: keep their logs, then remove them
  local server
  for server in "${SERVERS[@]}"; do
    docker logs "${CONTAINER[$server]}" >"$OUT/logs/$1-$server.log" 2>&1 || true
    docker rm -f "${CONTAINER[$server]}" >/dev/null
  done
}

# children_cpu: CHILDREN_CPU = CPU seconds of this shell's reaped children (bash `times`,
# second line), so that around one wrk run the difference is wrk's own. Not in $(...): a
# subshell has its own, empty, account.
CHILDREN_CPU=0
children_cpu() {
  times >"$OUT/times.txt"
  CHILDREN_CPU=$(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] } printf "%.3f", n }' "$OUT/times.txt")
}

# The wrk core's busy time not spent in wrk, as a share of the wall time (hooks of run_rounds).
wrk_share_begin() {
  [[ -n $WRK_SAMPLE_CPU ]] || return 0
  WRK_BEFORE=$("$PY" "$CPU_SAMPLE" "$WRK_SAMPLE_CPU" -1)
  children_cpu
  WRK_CPU0=$CHILDREN_CPU
}
wrk_share_end() {
  [[ -n $WRK_SAMPLE_CPU ]] || return 0
  local share
  children_cpu
  share=$("$PY" -c 'import json, sys; b, a = (json.loads(v) for v in sys.argv[1:3]); wrk = float(sys.argv[4]) - float(sys.argv[3]); print(round(max(0.0, (a["busy"] - b["busy"] - wrk) / (a["t"] - b["t"])), 3))' \
    "$WRK_BEFORE" "$("$PY" "$CPU_SAMPLE" "$WRK_SAMPLE_CPU" -1)" "$WRK_CPU0" "$CHILDREN_CPU")
  EXTRA_FIELDS="\"wrk_foreign_share\":$share,"
}

# shellcheck source=../lib/rounds.sh
source "$ROOT/bench/lib/rounds.sh"
RAW_DIR=$OUT/logs
server_url() { echo "${URL[$1]}"; }
server_pid() { echo "${HOST_PID[$1]}"; }

for case in $CASES; do
  for server in "${SERVERS[@]}"; do start_container "$case" "$server"; done
  for server in "${SERVERS[@]}"; do wait_ready "$case" "$server"; done
  for server in "${SERVERS[@]}"; do sanity "$case" "$server"; done
  record_memory "$case" start
  run_rounds "$case"
  record_memory "$case" load
  stop_containers "$case"
done

# --- what was measured, on what ----------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$ROOT" status --porcelain -- packages/runtime-invoker/src packages/buildpack/src 2>/dev/null) ]] || COMMIT="$COMMIT + uncommitted changes in packages/"
cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -1; }
command="BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_ROUNDS=$ROUNDS BENCH_CONNECTIONS=$CONNECTIONS BENCH_WRK_THREADS=$WRK_THREADS WORKERS=$WORKERS THREADS=$THREADS BENCH_ROUTE=$ROUTE bench/throughput/run.sh"
B_ROUNDS=$ROUNDS B_DURATION=$DURATION B_WARMUP=$WARMUP B_CONNECTIONS=$CONNECTIONS B_WRK_THREADS=$WRK_THREADS \
B_WORKERS=$WORKERS B_THREADS=$THREADS B_PINNING=$PINNING B_ROUTE=$ROUTE B_MAX_FOREIGN=$MAX_FOREIGN \
B_REJECTED=$(grep -c . "$OUT/rejected.jsonl" || true) B_LOAD_BEFORE=$LOAD_BEFORE B_LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg) \
B_FOREIGN_CONTAINERS=$FOREIGN_CONTAINERS B_NPROC=$NPROC B_CPU_MODEL="$(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model))" \
B_KERNEL="$(uname -sr)" B_DOCKER=$(docker version --format '{{.Server.Version}}' 2>/dev/null) B_PACK=$(pack --version 2>/dev/null) \
B_WRK_VERSION=$({ wrk -v 2>&1 || true; } | sed -n '1s/^wrk \([^ ]*\).*/\1/p') B_BUILDER="$BUILDER ($(image_id "$BUILDER"))" \
B_RUN_IMAGE="$RUN_IMAGE ($(image_id "$RUN_IMAGE"))" B_COMMIT=$COMMIT B_DATE=$(date -u +%Y-%m-%dT%H:%MZ) \
B_COMMAND="$command, each run: ${WRK_PIN[*]}${WRK_PIN:+ }wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency -s bench/invoker/wrk.lua URL" \
  "$PY" -c 'import json, os; print(json.dumps({k[2:].lower(): v for k, v in os.environ.items() if k.startswith("B_")}, indent=1))' >"$OUT/meta.json"

"$PY" "$HERE/summarize.py" "$OUT" --host-results "$ROOT/bench/RESULTS.md"
log "logs and raw wrk output: $OUT"
