#!/usr/bin/env bash
# Cold-start benchmark (not a test): from `docker run` to the first 200 on 127.0.0.1, for the
# kn-fn app images against the Dockerfile alternative and against a floor.
#
#   engine       the run image with `true`, timed from `docker run` to its return after the
#                exit (measure.py exit): the engine's own share, for reference
#   python       the run image running answer200.py with python3 -c (a raw-socket 200): the
#                engine plus a Python start, timed to the first 200
#   floor-exit   kn-fn-bench/cs-floor (floor.Dockerfile: the run image + a venv with Flask),
#                command `python -c "import flask"`, timed from `docker run` to its return
#                after the exit (the definition the issue suggests; for reference, because it
#                also times the container's exit and teardown, which the servers do not pay)
#   floor        the same image running `import flask` and then answer200.py, timed to the
#                first 200 like the servers: the least a Flask-capable server costs. The
#                target (kn-fn <= 1.3x) is taken against this one.
#   ours-http, ours-pdf      pack build of templates/python/http and bench/build/apps/pdf
#   ours-http-qp the http template as a Knative revision pod: the function container and
#                Knative 1.23's queue-proxy in its network namespace, the GET through
#                queue-proxy (measure.py pod; set up by scripts/setup.sh)
#   docker-http, docker-pdf  the same apps built with bench/build/dockerfile/Dockerfile
#                (functions-framework 3.10.2), each timed to the first 200 to GET / (pdf:
#                GET /?text=bench, a PDF back) (measure.py serve)
# Every container is started with `docker run --name kn-fn-bench-cs-* -p 127.0.0.1:PORT:8080`.
# Each image is started once unrecorded before round 1, so that its files are in the page
# cache for every measured start (a first start after a build would time the disk instead).
# Rounds are interleaved: every variant once per round, in the order of VARIANTS.
#
# Usage: bench/coldstart/run.sh   (BENCH_ROUNDS=5, BENCH_OUT; see bench/lib/common.sh)
#   BENCH_STARTS=5   starts per variant in each round; the round's figure is their median
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

STARTS=${BENCH_STARTS:-5}
bench_init coldstart
bench_builders

VARIANTS=(engine python floor-exit floor ours-http ours-http-qp docker-http ours-pdf docker-pdf)
[[ -n ${KN_FN_QUEUE_IMAGE:-} ]] && docker image inspect "$KN_FN_QUEUE_IMAGE" >/dev/null 2>&1 ||
  die "KN_FN_QUEUE_IMAGE is not set or not in the engine (scripts/setup.sh builds queue-proxy)"
ANSWER200=$(cat "$HERE/answer200.py")
declare -A IMAGE=([floor]=kn-fn-bench/cs-floor:latest [floor-exit]=kn-fn-bench/cs-floor:latest [engine]=$RUN_IMAGE [python]=$RUN_IMAGE [ours-http]=kn-fn-bench/cs-http:latest [ours-http-qp]=kn-fn-bench/cs-http:latest
  [ours-pdf]=kn-fn-bench/cs-pdf:latest [docker-http]=kn-fn-bench/cs-docker-http:latest [docker-pdf]=kn-fn-bench/cs-docker-pdf:latest)
# --- the images (untimed) ----------------------------------------------------------------
log "building the images (logs in $OUT/logs/image-*.log)"
fresh_app http >/dev/null
fresh_app pdf >/dev/null
for v in ours-http ours-pdf docker-http docker-pdf floor; do
  image=${IMAGE[$v]}
  before=$(image_id "$image")
  case $v in
    ours-*) pack_forget "$image" && pack_build "$image" "$BUILDER" "${v#ours-}" >"$OUT/logs/image-$v.log" 2>&1 ;;
    docker-*) docker_build "$image" "${v#docker-}" >"$OUT/logs/image-$v.log" 2>&1 ;;
    floor)
      docker build -f "$HERE/floor.Dockerfile" --build-arg "BUILD_IMAGE=$PIP_BUILD_IMAGE" --build-arg "RUN_IMAGE=$RUN_IMAGE" \
        -t "$image" "$HERE" >"$OUT/logs/image-$v.log" 2>&1
      ;;
  esac || { tail -20 "$OUT/logs/image-$v.log" >&2; die "building $image failed"; }
  remember_stale "$before" "$image"
done

# start VARIANT ROUND: STARTS starts in a row; their median is the round's figure (recorded
# unless ROUND is 0, the warm-up). A start takes about a second, less than the machine's
# swings, so one start per round would be mostly noise.
start() {
  local v=$1 round=$2 name=kn-fn-bench-cs-$1 image=${IMAGE[$1]} foreign load results=() after args i n=$STARTS
  case $v in  # how the clock stops (measure.py)
    engine) args=(exit "$image" "$name" -- true) ;;
    python) args=(serve "$image" "$name" --expect ok -- python3 -c "$ANSWER200") ;;
    floor-exit) args=(exit "$image" "$name") ;;
    floor) args=(serve "$image" "$name" --expect ok -- /opt/venv/bin/python -c "import flask
$ANSWER200") ;;
    ours-http-qp) args=(pod "$image" "$name" --path / --expect "Hello, world!") ;;
    *-http) args=(serve "$image" "$name" --path / --expect "Hello, world!") ;;
    *-pdf) args=(serve "$image" "$name" --path "/?text=bench" --expect "%PDF") ;;
  esac
  CONTAINERS+=("$name")
  foreign=$(foreign_containers)
  load=$(cut -d' ' -f1 /proc/loadavg)
  ((round > 0)) || n=1
  for i in $(seq "$n"); do
    results+=("$("$PY" "$HERE/measure.py" "${args[@]}")") || die "$v did not start (round $round)"
  done
  after=$(foreign_containers)
  ((after <= foreign)) || foreign=$after
  # median of the starts: total, and when `docker run` returned (the engine's part, roughly)
  read -r total returned < <("$PY" -c 'import json, statistics, sys
runs = [json.loads(a) for a in sys.argv[1:]]
print(statistics.median(r["seconds"] for r in runs), statistics.median(r["docker_run"] for r in runs))' "${results[@]}")
  if ((round > 0)); then
    record "$round" "$v" "$total" s "$foreign" "$load"
    printf '{"round":%s,"key":"%s:docker run returned","value":%s,"unit":"s","phase":true}\n' "$round" "$v" "$returned" >>"$OUT/results.jsonl"
    log "round $round $v: ${total}s, median of $n (docker run returned after ${returned}s; other containers: $foreign, load $load)"
  else
    log "warm-up $v: ${total}s"
  fi
}

for v in "${VARIANTS[@]}"; do start "$v" 0; done
for round in $(seq "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do start "$v" "$round"; done
done

# --- what was measured ---------------------------------------------------------------------
{
  echo "Images: floor ${IMAGE[floor]} ($(image_id "${IMAGE[floor]}")), kn-fn ${IMAGE[ours-http]} ($(image_id "${IMAGE[ours-http]}")) and ${IMAGE[ours-pdf]} ($(image_id "${IMAGE[ours-pdf]}")) built by $BUILDER (buildpack .cnb sha256 $BUILDPACK_DIGEST), Dockerfile ${IMAGE[docker-http]} ($(image_id "${IMAGE[docker-http]}")) and ${IMAGE[docker-pdf]} ($(image_id "${IMAGE[docker-pdf]}")); all on $RUN_IMAGE ($(image_id "$RUN_IMAGE"))"
  echo "$STARTS starts per variant per round (the round's figure is their median); each start: python bench/coldstart/measure.py serve|exit IMAGE NAME, i.e. docker run --name NAME -p 127.0.0.1:PORT:8080 [-d] IMAGE, then GET / every 5 ms until a 200 with the expected body (serve) or until docker run returns (exit); pod: the same image and Knative 1.23 queue-proxy ($KN_FN_QUEUE_IMAGE, $(image_id "$KN_FN_QUEUE_IMAGE")) in its network namespace, the GET through queue-proxy"
} >"$OUT/details.txt"
cp "$HERE/spec.json" "$OUT/spec.json"
"$PY" "$BENCH_LIB/summarize.py" "$OUT"
log "logs: $OUT/logs"
