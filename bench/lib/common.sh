# Sourced by bench/{build,coldstart,builder,images}/run.sh: settings, logging, the results
# file, timing, the kn-fn-bench/* builders, pack and docker builds of the bench apps, and the
# cleanup of everything a run creates.
#
# Everything this creates in the engine is named kn-fn-bench/* (images, builders) or
# kn-fn-bench-* (containers, volumes). Other people's kn-fn/* images are never tagged,
# rebuilt or removed: the stack images are re-tagged as kn-fn-bench/{build,run} by
# `kn-fn-builder` itself (same IDs, the rootfs comes from its cache).
#
# Environment (defaults):
#   BENCH_ROUNDS=5        rounds; every figure is the median over them (the issue asks >= 5)
#   BENCH_OUT             where logs and results go (default: a new /tmp/kn-fn-bench-NAME.* dir)
#   BENCH_PYTHON          python for the helpers (default: .venv/bin/python, else python3)
#   KN_FN_LIFECYCLE_TGZ   from ~/.cache/kn-fn/env.sh (scripts/setup.sh), sourced here

BENCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(dirname "$BENCH_LIB")
ROOT=$(dirname "$BENCH_DIR")

# shellcheck disable=SC1091
[[ -f ${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh ]] && source "${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh"

ROUNDS=${BENCH_ROUNDS:-5}
if [[ -n ${BENCH_PYTHON:-} ]]; then PY=$BENCH_PYTHON
elif [[ -x $ROOT/.venv/bin/python ]]; then PY=$ROOT/.venv/bin/python
else PY=python3; fi
KN_FN_BUILDER=$ROOT/packages/builder/bin/kn-fn-builder
PACK_OFFLINE=(--trust-builder --pull-policy never)
# The bench's own names for the images kn-fn-builder makes (configs rendered by bench_builders).
STACK_TAG=0.1.0
BUILD_IMAGE=kn-fn-bench/build:$STACK_TAG
RUN_IMAGE=kn-fn-bench/run:$STACK_TAG
BUILDER=kn-fn-bench/builder:latest
NOOP_BUILDER=kn-fn-bench/noop-builder:latest
DOCKERFILE=$BENCH_DIR/build/dockerfile/Dockerfile

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- cleanup: containers and volumes we made, dangling images we left -------------------
CONTAINERS=() VOLUMES=() STALE_IMAGES=() TMP_TAGS=() CHILD=
bench_cleanup() {
  local status=$?
  [[ -z $CHILD ]] || kill -TERM "$CHILD" 2>/dev/null || true
  ((${#CONTAINERS[@]} == 0)) || docker rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true
  ((${#VOLUMES[@]} == 0)) || docker volume rm -f "${VOLUMES[@]}" >/dev/null 2>&1 || true
  # Images a rebuild replaced; `docker rmi` without -f leaves any that another tag still names.
  ((${#STALE_IMAGES[@]} == 0)) || docker rmi "${STALE_IMAGES[@]}" >/dev/null 2>&1 || true
  ((${#TMP_TAGS[@]} == 0)) || docker rmi "${TMP_TAGS[@]}" >/dev/null 2>&1 || true
  # The Dockerfile's stage images (label set in bench/build/dockerfile/Dockerfile), once untagged.
  docker image prune -f --filter label=io.kn-fn.bench=dockerfile >/dev/null 2>&1 || true
  exit "$status"
}

# bench_init NAME: output dir, traps, and what was measured on (machine.json).
bench_init() {
  BENCH_NAME=$1
  OUT=${BENCH_OUT:-$(mktemp -d "/tmp/kn-fn-bench-$BENCH_NAME.XXXXXX")}
  mkdir -p "$OUT/logs"
  OUT=$(cd "$OUT" && pwd)
  : >"$OUT/results.jsonl"
  trap bench_cleanup EXIT
  # set -e exits quietly: say which command failed, in functions too (-E).
  set -E
  trap 'log "error: line $LINENO: \"$BASH_COMMAND\" exited $?"' ERR
  trap 'exit 130' INT
  trap 'exit 143' TERM
  [[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS=$ROUNDS is not a positive integer"
  command -v docker >/dev/null || die "docker is needed"
  docker info >/dev/null 2>&1 || die "the Docker engine does not answer (scripts/setup.sh starts dockerd)"
  "$PY" -c 'import sys; assert sys.version_info >= (3, 9)' || die "$PY is not Python >= 3.9 (set BENCH_PYTHON)"
  machine_json >"$OUT/machine.json"
  log "$BENCH_NAME: $ROUNDS round(s), output in $OUT"
}

machine_json() {
  local commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git -C "$ROOT" status --porcelain -- packages 2>/dev/null) ]] || commit="$commit + uncommitted changes in packages/"
  B_NPROC=$(nproc) \
  B_MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) \
  B_CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) \
  B_KERNEL=$(uname -sr) \
  B_DOCKER=$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null) \
  B_STORAGE=$(docker info --format '{{.Driver}}' 2>/dev/null) \
  B_PACK=$(pack --version 2>/dev/null || echo none) \
  B_LIFECYCLE=${KN_FN_LIFECYCLE_VERSION:-unknown} \
  B_COMMIT=$commit B_ROUNDS=$ROUNDS B_DATE=$(date -u +%Y-%m-%dT%H:%MZ) \
    "$PY" -c 'import json, os; print(json.dumps({k[2:].lower(): v for k, v in os.environ.items() if k.startswith("B_")}, indent=1))'
}

# Containers running that this bench did not start: other people's builds and servers,
# the main source of noise on a shared machine. Recorded with every measurement.
foreign_containers() { docker ps --format '{{.Names}}' | grep -vc '^kn-fn-bench-' || true; }

# record ROUND KEY VALUE UNIT [FOREIGN LOAD]: one measurement, one JSON line.
record() {
  printf '{"round":%s,"key":"%s","value":%s,"unit":"%s","foreign":%s,"load":%s}\n' \
    "$1" "$2" "$3" "$4" "${5:-0}" "${6:-null}" >>"$OUT/results.jsonl"
}

# timed ROUND KEY LOGFILE CMD...: wall-clock seconds of CMD (output to LOGFILE), recorded.
# In the background and waited for, so that a signal to this script is handled at once.
timed() {
  local round=$1 key=$2 logfile=$3 t0 t1 foreign after load seconds
  shift 3
  foreign=$(foreign_containers)
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$EPOCHREALTIME
  "$@" >"$logfile" 2>&1 </dev/null &
  CHILD=$!
  if ! wait "$CHILD"; then
    CHILD=
    tail -30 "$logfile" >&2
    die "$key failed (round $round): $* (log: $logfile)"
  fi
  t1=$EPOCHREALTIME
  CHILD=
  LAST_T0=$t0 LAST_T1=$t1  # for phases.py and derived figures
  after=$(foreign_containers)
  ((after <= foreign)) || foreign=$after
  seconds=$("$PY" -c "print(f'{$t1 - $t0:.3f}')")
  LAST_SECONDS=$seconds
  record "$round" "$key" "$seconds" s "$foreign" "$load"
  log "round $round $key: ${seconds}s (other containers: $foreign, load $load)"
}

# --- builders: kn-fn-bench/builder (the real buildpack) and kn-fn-bench/noop-builder -----
# Both from configs rendered here with absolute paths, on the same stack images and the same
# lifecycle, so they differ only in the buildpack. The buildpack is copied from
# packages/buildpack/dist first, so a rebuild of dist by someone else during the run cannot
# change what is measured.
bench_config() { # BUILDER_IMAGE BUILDPACK_DIR DESCRIPTION
  cat <<EOF
# Rendered by bench/lib/common.sh; the stack settings are the defaults (the same rootfs as
# kn-fn/{build,run}), only the image names and the buildpack differ.
version = "$STACK_TAG"
description = "$3"

[stack.build]
image = "${BUILD_IMAGE%:*}"

[stack.run]
image = "${RUN_IMAGE%:*}"

[[buildpacks]]
path = "$2"

[builder]
image = "${1%:*}"
EOF
}

bench_builders() {
  [[ -x $KN_FN_BUILDER ]] || die "$KN_FN_BUILDER missing"
  [[ -f $ROOT/packages/builder/dist/lib/cli.js ]] || die "kn-fn-builder is not built: pnpm --filter @kn-fn/builder build"
  [[ -f $ROOT/packages/buildpack/dist/buildpack/buildpack.toml ]] || die "the buildpack is not built: pnpm --filter @kn-fn/buildpack build"
  [[ -n ${KN_FN_LIFECYCLE_TGZ:-} && -f $KN_FN_LIFECYCLE_TGZ ]] || die "KN_FN_LIFECYCLE_TGZ is not set or missing (source ~/.cache/kn-fn/env.sh)"
  command -v pack >/dev/null || die "pack is needed"
  local inputs=$OUT/inputs
  rm -rf "$inputs" && mkdir -p "$inputs"
  cp -a "$ROOT/packages/buildpack/dist/buildpack" "$inputs/buildpack"
  cp -a "$BENCH_DIR/build/noop-buildpack" "$inputs/noop-buildpack"
  bench_config "$BUILDER" "$inputs/buildpack" "kn-fn bench builder: kn-fn/python-function" >"$inputs/builder.config.toml"
  bench_config "$NOOP_BUILDER" "$inputs/noop-buildpack" "kn-fn bench builder: no-op buildpack" >"$inputs/noop-builder.config.toml"
  log "builders: $BUILDER and $NOOP_BUILDER (kn-fn-builder all / create; logs in $OUT/logs/builder-*.log)"
  # `all`: stack (the rootfs from ~/.cache/kn-fn/stack, loaded only when the tags are not
  # there yet), package, create (skipped when the engine has the same image ID), toml.
  "$KN_FN_BUILDER" all --config "$inputs/builder.config.toml" --out "$inputs/builder-dist" >"$OUT/logs/builder-all.log" 2>&1 \
    || { tail -20 "$OUT/logs/builder-all.log" >&2; die "kn-fn-builder all failed"; }
  "$KN_FN_BUILDER" create --config "$inputs/noop-builder.config.toml" --out "$inputs/noop-dist" >"$OUT/logs/builder-noop.log" 2>&1 \
    || { tail -20 "$OUT/logs/builder-noop.log" >&2; die "kn-fn-builder create (no-op) failed"; }
  local ref
  for ref in "$BUILD_IMAGE" "$RUN_IMAGE" "$BUILDER" "$NOOP_BUILDER"; do
    docker image inspect "$ref" >/dev/null 2>&1 || die "$ref is missing after kn-fn-builder"
  done
  pip_trusts_host_cas
  BUILDPACK_DIGEST=$(sha256sum "$inputs/builder-dist/kn-fn_python-function-0.1.0.cnb" | cut -c1-12)
  log "stack $BUILD_IMAGE $(image_id "$BUILD_IMAGE"), $RUN_IMAGE $(image_id "$RUN_IMAGE"); buildpack .cnb sha256 $BUILDPACK_DIGEST"
}

# export_image IMAGE: the image's filesystem as a tar stream (a created, never started container).
export_image() {
  local cid
  cid=$(docker create "$1" true)
  CONTAINERS+=("$cid")
  docker export "$cid"
  docker rm "$cid" >/dev/null
}

# image_id REF: the short ID, or nothing when the engine has no such image.
# pip_trusts_host_cas: where HTTPS to PyPI goes through a proxy that re-signs it with its own
# CA (as on the CI machines), pip in a build container rejects PyPI's certificate and, for the
# template's requirements.txt, retries for two minutes. As e2e/tests/samples/conftest.py does,
# give pip the host's CA bundle (which holds the standard CAs as well; nothing changes where
# there is no such proxy):
#   pack:   PACK_PIP_ARGS binds it as the buildpack's ca-certificates binding (as a user
#           behind such a proxy does; e2e/harness/bindings.py)
#   docker: PIP_BUILD_IMAGE = the build image + the bundle and an /etc/pip.conf naming it, for
#           the Dockerfiles' deps stage (docker build has no bindings; the run image and so
#           the app image are untouched)
HOST_CA_BUNDLE=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
PIP_BUILD_IMAGE=kn-fn-bench/build-pip:$STACK_TAG
PACK_PIP_ARGS=()
pip_trusts_host_cas() {
  [[ -f $HOST_CA_BUNDLE ]] || die "$HOST_CA_BUNDLE is missing: set SSL_CERT_FILE to the host's CA bundle"
  local dir=$OUT/inputs/pip binding=$OUT/inputs/bindings/ca-certificates user
  mkdir -p "$dir" "$binding"
  echo ca-certificates >"$binding/type"
  cp "$HOST_CA_BUNDLE" "$binding/host-ca-bundle.pem"
  PACK_PIP_ARGS=(--volume "$binding:/platform/bindings/ca-certificates:ro")
  cp "$HOST_CA_BUNDLE" "$dir/host-ca.crt"
  printf '[global]\ncert = /etc/ssl/certs/kn-fn-bench-host-ca.crt\n' >"$dir/pip.conf"
  user=$(docker image inspect --format '{{.Config.User}}' "$BUILD_IMAGE")
  printf '%s\n' "FROM $BUILD_IMAGE" "USER root" "COPY host-ca.crt /etc/ssl/certs/kn-fn-bench-host-ca.crt" \
    "COPY pip.conf /etc/pip.conf" "USER $user" >"$dir/Dockerfile"
  docker build -t "$PIP_BUILD_IMAGE" "$dir" >"$OUT/logs/build-pip-image.log" 2>&1 \
    || { tail -20 "$OUT/logs/build-pip-image.log" >&2; die "could not make $PIP_BUILD_IMAGE"; }
}

image_id() { { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; } | cut -c8-19; }

# --- the bench apps ------------------------------------------------------------------------
# http: templates/python/http as a user copies it; pdf: bench/build/apps/pdf (fpdf2 pinned).
declare -A APP_SRC=([http]=$ROOT/templates/python/http [pdf]=$BENCH_DIR/build/apps/pdf)

# fresh_app NAME: a pristine copy in $OUT/apps/NAME, used by pack (--path) and docker (context).
fresh_app() {
  local dir=$OUT/apps/$1
  rm -rf "$dir" && mkdir -p "$OUT/apps"
  cp -a "${APP_SRC[$1]}" "$dir"
  find "$dir" -name __pycache__ -prune -exec rm -rf {} +
  echo "$dir"
}

# change_code NAME N: a code change in handler.py (a new module-level line), as a user's edit.
change_code() {
  printf '\nBENCH_REVISION = %s  # appended by the bench: a code change\n' "$2" >>"$OUT/apps/$1/handler.py"
}

# --- builds --------------------------------------------------------------------------------
# pack_build IMAGE BUILDER APP: pack build with named cache volumes, so a cold build can
# remove exactly its own caches (pack would otherwise name them after a hash of the image).
# One --cache per type: pack applies every field of one --cache value to its first type=.
# --timestamps: each line of the log carries the time, for the phase breakdown (phases.py).
pack_build() {
  local image=$1 builder=$2 app=$3 vol
  vol=$(cache_volume "$image")
  pack --timestamps build "$image" --builder "$builder" "${PACK_OFFLINE[@]}" "${PACK_PIP_ARGS[@]}" --path "$OUT/apps/$app" \
    --cache "type=build;format=volume;name=$vol.build" --cache "type=launch;format=volume;name=$vol.launch"
}
cache_volume() { local v=${1//[\/:]/-}; echo "${v/kn-fn-bench-/kn-fn-bench-cache-}"; }

# pack_forget IMAGE: what a cold build must not find: the image (pack's previous image) and
# both cache volumes.
pack_forget() {
  local vol
  vol=$(cache_volume "$1")
  docker rmi "$1" >/dev/null 2>&1 || true
  docker volume rm -f "$vol.build" "$vol.launch" >/dev/null 2>&1 || true
  VOLUMES+=("$vol.build" "$vol.launch")
}

# docker_build IMAGE APP [--no-cache]: the Dockerfile alternative on the same stack images.
docker_build() {
  local image=$1 app=$2
  shift 2
  docker build "$@" -f "$DOCKERFILE" --build-arg "BUILD_IMAGE=$PIP_BUILD_IMAGE" --build-arg "RUN_IMAGE=$RUN_IMAGE" \
    -t "$image" "$OUT/apps/$app"
}

# remember_stale OLD_ID IMAGE: a rebuild replaced OLD_ID; removed at exit if nothing names it.
remember_stale() { [[ -z $1 || $1 == "$(image_id "$2")" ]] || STALE_IMAGES+=("$1"); }
