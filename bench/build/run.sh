#!/usr/bin/env bash
# Build-time benchmark (not a test): `pack build` with the kn-fn builder against the
# lifecycle's floor and against the Dockerfile a user would write instead.
#
# Variants, each a build of an app copy in $OUT/apps/:
#   noop        pack build of the HTTP template with kn-fn-bench/noop-builder: the same stack,
#               lifecycle and pack overhead, and a buildpack (noop-buildpack/) that only writes
#               one launch layer: the floor any buildpack build pays
#   noop-venv   pack build of apps/pdf with kn-fn-bench/noop-venv-builder: the no-op buildpack
#               carrying the pdf app's venv as kn-fn built it (taken from an untimed kn-fn
#               build before round 1), which it copies into a launch + cache layer on a cold
#               build and reuses after: the floor of any buildpack that ships that venv (what
#               pack, the lifecycle and the engine charge to restore, export and cache it)
#   ours-http   pack build of templates/python/http with kn-fn-bench/builder
#   ours-pdf    pack build of apps/pdf (fpdf2 + Pillow + fonttools, pinned; requirements.txt)
#               with kn-fn-bench/builder
#   ours-pdf-uv, ours-pdf-poetry, ours-pdf-pyproject   the same app and pins as a uv project
#               (pyproject.toml + uv.lock), a Poetry project (pyproject.toml + poetry.lock) and a
#               pyproject.toml [project] without a lock: apps/pdf-uv, apps/pdf-poetry,
#               apps/pdf-pyproject
#   docker-http, docker-pdf   docker build with dockerfile/Dockerfile (legacy builder, local
#               FROM images, functions-framework 3.10.2 installed by pip) of http and pdf
#               (requirements.txt)
# Phases, in each round: for the pack variants phase by phase, every variant in turn (noop,
# ours-http, ours-pdf, ...) so that the machine's drift hits all of them alike; then the docker
# variants, one app at a time (cold, warm, change; see the comment in the round loop):
#   cold    pack: no previous image and no cache volumes; docker: --no-cache. Both download
#           the Python packages from PyPI (nothing is cached between cold builds).
#   warm    the same build again, nothing changed
#   change  a line appended to handler.py (bench/lib/common.sh change_code), then build
#   add     ours-pdf and ours-pdf-uv only, after change: one added dependency, then build.
#           pdf: `six==1.17.0` appended to requirements.txt; pdf-uv: pyproject.toml and
#           uv.lock replaced by apps/pdf-uv-add/ (the same project plus six 1.17.0, locked
#           beforehand with `uv lock`, so the bench never locks). The buildpack must log that
#           it installs afresh (the changed input invalidates its cached dependencies layer).
# Ratios are taken within a round against the no-op variant in the same phase (like for like:
# warm against warm, change against change) and against the Dockerfile.
#
# Usage: bench/build/run.sh   (BENCH_ROUNDS=5, BENCH_OUT; see bench/lib/common.sh)
#   BENCH_VARIANTS="noop ours-http ours-pdf ours-pdf-uv docker-pdf"   a subset, for development
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

ALL_VARIANTS="noop noop-venv ours-http ours-pdf ours-pdf-uv ours-pdf-poetry ours-pdf-pyproject docker-http docker-pdf"
read -r -a VARIANTS <<<"${BENCH_VARIANTS:-$ALL_VARIANTS}"

declare -A APP=([noop]=http [noop-venv]=pdf [ours-http]=http [ours-pdf]=pdf [ours-pdf-uv]=pdf-uv [ours-pdf-poetry]=pdf-poetry
  [ours-pdf-pyproject]=pdf-pyproject [docker-http]=http [docker-pdf]=pdf)
declare -A IMAGE=([noop]=kn-fn-bench/build-noop [noop-venv]=kn-fn-bench/build-noop-venv [ours-http]=kn-fn-bench/build-http [ours-pdf]=kn-fn-bench/build-pdf
  [ours-pdf-uv]=kn-fn-bench/build-pdf-uv [ours-pdf-poetry]=kn-fn-bench/build-pdf-poetry
  [ours-pdf-pyproject]=kn-fn-bench/build-pdf-pyproject
  [docker-http]=kn-fn-bench/build-docker-http [docker-pdf]=kn-fn-bench/build-docker-pdf)
# The variants with an "add" phase (an added dependency; see add_dependency).
declare -A ADDS=([ours-pdf]=1 [ours-pdf-uv]=1)
for v in "${VARIANTS[@]}"; do [[ -n ${APP[$v]:-} ]] || die "unknown variant $v"; done
# The other dependency formats of the pdf app (fresh_app copies APP_SRC[NAME]; handler.py and
# project.toml come from apps/pdf).
APP_SRC[pdf-uv]=$HERE/apps/pdf-uv
APP_SRC[pdf-poetry]=$HERE/apps/pdf-poetry
APP_SRC[pdf-pyproject]=$HERE/apps/pdf-pyproject
ADD_SRC=$HERE/apps/pdf-uv-add

bench_init build
bench_builders

# noop_venv_builder: kn-fn-bench/noop-venv-builder, the no-op buildpack with the pdf app's venv
# as its payload. The venv comes from an untimed kn-fn build of apps/pdf (requirements.txt), so
# the floor ships the very bytes the measured kn-fn builds export.
NOOP_VENV_BUILDER=kn-fn-bench/noop-venv-builder:latest
noop_venv_builder() {
  local inputs=$OUT/inputs source=kn-fn-bench/build-venv-source:latest cid
  local bp=$inputs/noop-venv-buildpack layer=/layers/kn-fn_python-function/dependencies/venv
  fresh_app pdf >/dev/null
  pack_forget "$source"
  pack_build "$source" "$BUILDER" pdf >"$OUT/logs/noop-venv-source.log" 2>&1 \
    || { tail -20 "$OUT/logs/noop-venv-source.log" >&2; die "the kn-fn build for the noop-venv payload failed"; }
  rm -rf "$bp" && cp -a "$BENCH_DIR/build/noop-buildpack" "$bp" && mkdir -p "$bp/payload"
  cid=$(docker create "$source" true)
  CONTAINERS+=("$cid")
  docker cp "$cid:$layer" "$bp/payload/venv"
  docker rm "$cid" >/dev/null
  pack_forget "$source"
  bench_config "$NOOP_VENV_BUILDER" "$bp" "kn-fn bench builder: no-op buildpack with the pdf venv" >"$inputs/noop-venv-builder.config.toml"
  "$KN_FN_BUILDER" create --config "$inputs/noop-venv-builder.config.toml" --out "$inputs/noop-venv-dist" >"$OUT/logs/builder-noop-venv.log" 2>&1 \
    || { tail -20 "$OUT/logs/builder-noop-venv.log" >&2; die "kn-fn-builder create (no-op with venv) failed"; }
  log "builder $NOOP_VENV_BUILDER: payload $(du -sb "$bp/payload/venv" | cut -f1) bytes (the pdf venv from $layer)"
}
has_variant() { [[ " ${VARIANTS[*]} " == *" $1 "* ]]; }
! has_variant noop-venv || noop_venv_builder

# add_dependency APP: one more dependency in the app copy, declared as its format does.
add_dependency() {
  local dir=$OUT/apps/$1
  case $1 in
    pdf) printf 'six==1.17.0\n' >>"$dir/requirements.txt" ;;
    pdf-uv) cp "$ADD_SRC/pyproject.toml" "$ADD_SRC/uv.lock" "$dir/" ;;
    *) die "add_dependency: no added dependency for $1" ;;
  esac
}

# build ROUND PHASE VARIANT: one timed build, then what it left behind is checked.
build() {
  local round=$1 phase=$2 v=$3 image=${IMAGE[$3]}:latest before after logfile
  logfile=$OUT/logs/$v-$phase-r$round.log
  before=$(image_id "$image")
  case $v in
    noop) timed "$round" "$v/$phase" "$logfile" pack_build "$image" "$NOOP_BUILDER" "${APP[$v]}" ;;
    noop-venv) timed "$round" "$v/$phase" "$logfile" pack_build "$image" "$NOOP_VENV_BUILDER" "${APP[$v]}" ;;
    ours-*) timed "$round" "$v/$phase" "$logfile" pack_build "$image" "$BUILDER" "${APP[$v]}" ;;
    docker-*)
      local nocache=()
      [[ $phase == cold ]] && nocache=(--no-cache)
      timed "$round" "$v/$phase" "$logfile" docker_build "$image" "${APP[$v]}" "${nocache[@]}"
      ;;
  esac
  after=$(image_id "$image")
  remember_stale "$before" "$image"
  # The no-op's copy of the venv (its whole build phase) is work a buildpack does, not what
  # the lifecycle charges: noop-venv-lifecycle/PHASE is the build without it.
  local without=()
  [[ $v != noop-venv ]] || without=(--without build --as "noop-venv-lifecycle/$phase")
  if [[ $v != docker-* ]]; then
    "$PY" "$BENCH_LIB/phases.py" "$logfile" "$LAST_T0" "$LAST_T1" --round "$round" --key "$v/$phase" "${without[@]}" >>"$OUT/results.jsonl"
  fi
  check "$phase" "$v" "$logfile" "$before" "$after"
}

# check PHASE VARIANT LOG BEFORE AFTER: the build did what the phase means, or the figure lies.
check() {
  local phase=$1 v=$2 logfile=$3 before=$4 after=$5
  case $phase/$v in
    warm/*) [[ $before == "$after" ]] || log "warning: $v warm rebuild changed the image ($before -> $after)" ;;
    change/*) [[ $before != "$after" ]] || die "$v: the code change did not change the image ($after)" ;;
    add/*) [[ $before != "$after" ]] || die "$v: the added dependency did not change the image ($after)" ;;
  esac
  case $phase/$v in
    warm/ours-* | change/ours-*)
      grep -q 'Reusing cached dependencies' "$logfile" || die "$v $phase: dependencies were not reused (log: $logfile)" ;;
    cold/ours-*)
      grep -q 'Reusing cached dependencies' "$logfile" && die "$v cold: dependencies came from a cache (log: $logfile)" ;;
    add/ours-*)
      grep -q 'Installing dependencies afresh because:' "$logfile" || die "$v add: dependencies were not installed afresh (log: $logfile)"
      grep -qi 'six' "$logfile" || log "warning: $v add: the log does not name the added six (log: $logfile)" ;;
    warm/docker-* | change/docker-*)
      # The pip step must come from the layer cache: "Using cache" right after its RUN line.
      grep -A1 'pip install' "$logfile" | grep -q 'Using cache' || die "$v $phase: pip ran again (log: $logfile)" ;;
  esac
  return 0
}

PACKS=() DOCKERS=() PACK_APPS=() ADD_APPS=()
for v in "${VARIANTS[@]}"; do
  if [[ $v == docker-* ]]; then DOCKERS+=("$v"); continue; fi
  PACKS+=("$v")
  [[ " ${PACK_APPS[*]} " == *" ${APP[$v]} "* ]] || PACK_APPS+=("${APP[$v]}")
  [[ -z ${ADDS[$v]:-} ]] || ADD_APPS+=("${APP[$v]}")
done
for round in $(seq "$ROUNDS"); do
  log "round $round: fresh app copies, no previous images, no caches"
  for app in "${PACK_APPS[@]}"; do
    fresh_app "$app" >/dev/null
    # The format variants hold only their dependency files: the function is the pdf app's.
    if [[ $app == pdf-* ]]; then cp "$HERE/apps/pdf/handler.py" "$HERE/apps/pdf/project.toml" "$OUT/apps/$app/"; fi
  done
  for v in "${PACKS[@]}"; do pack_forget "${IMAGE[$v]}:latest"; done
  for phase in cold warm change add; do
    # Each app copy is changed once per phase, before its builds (noop and ours-http share http).
    if [[ $phase == change ]]; then
      for app in "${PACK_APPS[@]}"; do change_code "$app" "$round"; done
    elif [[ $phase == add ]]; then
      for app in "${ADD_APPS[@]}"; do add_dependency "$app"; done
    fi
    for v in "${PACKS[@]}"; do
      [[ $phase != add || -n ${ADDS[$v]:-} ]] || continue
      build "$round" "$phase" "$v"
    done
  done
  # The Dockerfile builds one app at a time: the legacy builder resumes a cache chain from the
  # newest image matching a step, and both apps share their first steps (FROM, LABEL, USER,
  # RUN venv); a --no-cache build of one app between another's builds would make the
  # other's next build continue on the new chain and miss its own pip layer, which a user
  # with one function never sees.
  for v in "${DOCKERS[@]}"; do
    fresh_app "${APP[$v]}" >/dev/null
    build "$round" cold "$v"
    build "$round" warm "$v"
    change_code "${APP[$v]}" "$round"
    build "$round" change "$v"
  done
done

# --- what was measured ---------------------------------------------------------------------
{
  echo "Stack: $BUILD_IMAGE ($(image_id "$BUILD_IMAGE")) and $RUN_IMAGE ($(image_id "$RUN_IMAGE")), the rootfs of kn-fn/{build,run}; builders $BUILDER and $NOOP_BUILDER$(! has_variant noop-venv || echo " and $NOOP_VENV_BUILDER (its payload: the pdf venv of an untimed kn-fn build)") made by kn-fn-builder from bench/lib/common.sh configs; buildpack kn-fn/python-function 0.1.0, .cnb sha256 $BUILDPACK_DIGEST"
  echo "pack --timestamps build IMAGE --builder BUILDER --trust-builder --pull-policy never --volume BINDING:/platform/bindings/ca-certificates:ro --path APP --cache 'type=build;format=volume;name=V.build' --cache 'type=launch;format=volume;name=V.launch' (the apps' project.toml sets PYTHON_HANDLER, so pack re-saves the builder as an ephemeral image on every build, no-op included; the ca-certificates binding makes the buildpack's uv trust the host's CAs, see pip_trusts_host_cas in bench/lib/common.sh)"
  echo "docker build [--no-cache] -f bench/build/dockerfile/Dockerfile --build-arg BUILD_IMAGE=$PIP_BUILD_IMAGE --build-arg RUN_IMAGE=$RUN_IMAGE -t IMAGE APP (legacy builder; $PIP_BUILD_IMAGE = $BUILD_IMAGE + the host's CA bundle and an /etc/pip.conf naming it, for the deps stage only)"
  if [[ -n $(docker images -q "${IMAGE[docker-pdf]}:latest" 2>/dev/null) ]]; then
    echo "Dockerfile image (pdf) has: $(docker run --rm --entrypoint /opt/venv/bin/python "${IMAGE[docker-pdf]}:latest" -m pip freeze 2>/dev/null | tr '\n' ' ')"
  fi
} >"$OUT/details.txt"
cp "$HERE/spec.json" "$OUT/spec.json"
"$PY" "$BENCH_LIB/summarize.py" "$OUT"
log "logs: $OUT/logs"
