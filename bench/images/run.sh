#!/usr/bin/env bash
# Image-size benchmark (not a test): bytes, so one measurement each (no rounds: the same
# inputs give the same bytes; the mmdebstrap rootfs depend on Debian's archive of the day).
#
# 1. The run image against the smallest Debian 12 Python 3.11 rootfs mmdebstrap makes in the
#    same run, all with the run image's dpkg filters (no docs, man, info, locale, lintian)
#    and SOURCE_DATE_EPOCH, from deb.debian.org (bookworm, -updates, -security):
#      run-spec          --variant=essential python3,ca-certificates,tzdata: the run image's
#                        own recipe (packages/builder/src/stack/stack.ts), rebuilt today
#      essential-python3 / essential-python3-minimal   --variant=essential, one package
#      extract-python3 / extract-python3-minimal       --variant=extract: the packages and
#                        their dependencies unpacked, no maintainer scripts, no Essential set
#                        (no shell, no dpkg database to speak of): the smallest rootfs at all
#    (--variant=custom cannot bootstrap python3-minimal: dpkg needs sh, rm, diff and
#    ldconfig inside the chroot before anything is configured.)
#    Each is imported into the engine and checked: does `python3 -c "import sys"` run, does
#    `import flask` work with the Dockerfile image's site-packages mounted (Flask's stdlib
#    needs), are there CA certificates. The baseline is the smallest that imports flask.
# 2. App images: kn-fn (pack build) and Dockerfile (bench/build/dockerfile/Dockerfile) of the
#    http template and the pdf app, against each other; and each one's overhead over the run
#    image and its venv: app - run image - venv, in content bytes (manifest.py), with where
#    the overhead lies.
# Sizes are content bytes (sum of regular files, from `docker export` or the tarball) and,
# for images, also the engine's Size (`docker image inspect`).
#
# Usage: bench/images/run.sh   (BENCH_OUT; see bench/lib/common.sh; BENCH_ROUNDS is ignored)
#   BENCH_ROOTFS_VARIANTS="run-spec essential-python3 essential-python3-minimal extract-python3 extract-python3-minimal"
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

BENCH_ROUNDS=1 ROUNDS=1
bench_init images
bench_builders
command -v mmdebstrap >/dev/null || die "mmdebstrap is needed (apt-get install mmdebstrap)"
read -r -a ROOTFS <<<"${BENCH_ROOTFS_VARIANTS:-run-spec essential-python3 essential-python3-minimal extract-python3 extract-python3-minimal}"

# The run image's recipe, as packages/builder/src/stack/stack.ts writes it for mmdebstrap.
SOURCE_DATE_EPOCH=1747699200
DEB_SOURCES=("deb http://deb.debian.org/debian bookworm main" "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main")
DPKG_FILTERS=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*')
MODE=unshare; ((EUID == 0)) && MODE=root

# size_record KEY TSV_OUT < tar: content bytes (and the tar's own size as KEY/tar).
size_record() {
  local json
  json=$("$PY" "$HERE/manifest.py" write "$2")
  record 1 "$1" "$(jq_get "$json" content)" B
  record 1 "$1/tar" "$(jq_get "$json" tar)" B
}
jq_get() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
engine_size() { docker image inspect --format '{{.Size}}' "$1"; }

# --- app images (untimed builds) ------------------------------------------------------------
declare -A IMAGE=([ours-http]=kn-fn-bench/img-http:latest [ours-pdf]=kn-fn-bench/img-pdf:latest
  [docker-http]=kn-fn-bench/img-docker-http:latest [docker-pdf]=kn-fn-bench/img-docker-pdf:latest)
declare -A VENV=([ours-http]=/layers/kn-fn_python-function/dependencies/venv [ours-pdf]=/layers/kn-fn_python-function/dependencies/venv
  [docker-http]=/opt/venv [docker-pdf]=/opt/venv)
log "building the app images (logs in $OUT/logs/image-*.log)"
fresh_app http >/dev/null
fresh_app pdf >/dev/null
for v in ours-http ours-pdf docker-http docker-pdf; do
  before=$(image_id "${IMAGE[$v]}")
  case $v in
    ours-*) pack_forget "${IMAGE[$v]}" && pack_build "${IMAGE[$v]}" "$BUILDER" "${v#ours-}" >"$OUT/logs/image-$v.log" 2>&1 ;;
    docker-*) docker_build "${IMAGE[$v]}" "${v#docker-}" >"$OUT/logs/image-$v.log" 2>&1 ;;
  esac || { tail -20 "$OUT/logs/image-$v.log" >&2; die "building ${IMAGE[$v]} failed"; }
  remember_stale "$before" "${IMAGE[$v]}"
done

{
  echo "App images: kn-fn = pack build with $BUILDER (buildpack .cnb sha256 $BUILDPACK_DIGEST) of templates/python/http and bench/build/apps/pdf; Dockerfile = bench/build/dockerfile/Dockerfile on $RUN_IMAGE ($(image_id "$RUN_IMAGE")); venvs: ${VENV[ours-http]} and /opt/venv"
  echo "Debian archive: deb.debian.org bookworm, bookworm-updates, bookworm-security on $(date -u +%Y-%m-%d); $(mmdebstrap --version); the run image's dpkg filters and its customize hook (minus adding the cnb user)"
} >"$OUT/details.txt"
mkdir -p "$OUT/manifests"
record 1 run-image/engine "$(engine_size "$RUN_IMAGE")" B
export_image "$RUN_IMAGE" | size_record run-image "$OUT/manifests/run-image.tsv"
for v in ours-http ours-pdf docker-http docker-pdf; do
  record 1 "$v/engine" "$(engine_size "${IMAGE[$v]}")" B
  export_image "${IMAGE[$v]}" | size_record "$v" "$OUT/manifests/$v.tsv"
  over=$("$PY" "$HERE/manifest.py" overhead "$OUT/manifests/$v.tsv" "$OUT/manifests/run-image.tsv" "${VENV[$v]}")
  record 1 "$v/venv" "$(jq_get "$over" venv)" B
  record 1 "$v/overhead" "$(jq_get "$over" overhead)" B
  echo "$v overhead by place (bytes): $(jq_get "$over" groups)" >>"$OUT/details.txt"
  log "$v: $(jq_get "$over" overhead) bytes over the run image and the venv"
done

# --- mmdebstrap rootfs -------------------------------------------------------------------------
# Flask and its dependencies, taken from the Dockerfile image's venv, to mount for the check.
site=$OUT/flask-site
rm -rf "$site" && mkdir -p "$site"
cid=$(docker create "${IMAGE[docker-http]}" true)
CONTAINERS+=("$cid")
docker cp "$cid:/opt/venv/lib/python3.11/site-packages/." "$site/"
chmod -R a+rX "$site"
mkdir -p "$OUT/rootfs"
declare -A FLASK_OK=()
for v in "${ROOTFS[@]}"; do
  case $v in
    run-spec) args=(--variant=essential --include=python3,ca-certificates,tzdata) ;;
    essential-python3 | essential-python3-minimal) args=(--variant=essential "--include=${v#essential-}") ;;
    extract-python3 | extract-python3-minimal) args=(--variant=extract "--include=${v#extract-}") ;;
    *) die "unknown rootfs variant $v" ;;
  esac
  tarball=$OUT/rootfs/$v.tar
  log "mmdebstrap $v (log: $OUT/logs/mmdebstrap-$v.log)"
  SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH mmdebstrap --mode=$MODE --format=tar "${args[@]}" "${DPKG_FILTERS[@]}" \
    --customize-hook='rm -rf "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old' \
    bookworm "$tarball" "${DEB_SOURCES[@]}" >"$OUT/logs/mmdebstrap-$v.log" 2>&1 \
    || { tail -20 "$OUT/logs/mmdebstrap-$v.log" >&2; die "mmdebstrap $v failed"; }
  size_record "rootfs/$v" "$OUT/manifests/rootfs-$v.tsv" <"$tarball"
  tag=kn-fn-bench/rootfs-$v:latest
  TMP_TAGS+=("$tag")
  docker import "$tarball" "$tag" >/dev/null
  rm -f "$tarball"
  python=no flask=no certs=no
  docker run --rm "$tag" /usr/bin/python3 -c 'import sys' >/dev/null 2>&1 && python=yes
  docker run --rm -v "$site:/flask-site:ro" -e PYTHONPATH=/flask-site "$tag" /usr/bin/python3 -c 'import flask' >/dev/null 2>&1 && flask=yes
  grep -q '^/etc/ssl/certs/ca-certificates.crt' "$OUT/manifests/rootfs-$v.tsv" && certs=yes
  [[ $flask == yes ]] && FLASK_OK[$v]=1
  echo "rootfs $v (mmdebstrap --mode=$MODE ${args[*]}): python3 runs: $python; imports flask: $flask; CA certificates: $certs; $(grep -c . "$OUT/manifests/rootfs-$v.tsv") files" >>"$OUT/details.txt"
  log "rootfs $v: python3 $python, flask $flask, CA certificates $certs"
done

# The baseline: the smallest rootfs that can run a Flask app.
smallest=
for v in "${!FLASK_OK[@]}"; do
  size=$(grep "\"key\":\"rootfs/$v\"," "$OUT/results.jsonl" | sed 's/.*"value":\([0-9]*\).*/\1/')
  if [[ -z $smallest ]] || ((size < smallest_size)); then smallest=$v smallest_size=$size; fi
done
if [[ -n $smallest ]]; then
  record 1 rootfs/smallest-flask "$smallest_size" B
  echo "Smallest rootfs that imports flask: $smallest" >>"$OUT/details.txt"
fi

cp "$HERE/spec.json" "$OUT/spec.json"
"$PY" "$BENCH_LIB/summarize.py" "$OUT"
log "manifests (path<TAB>size) in $OUT/manifests"
