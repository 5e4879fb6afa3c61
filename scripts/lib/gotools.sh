# shellcheck shell=bash
# Step 5 of scripts/setup.sh: the tools built from Go modules (pack, lifecycle + its release-style
# tgz, the CloudEvents conformance tool), cached in $KN_FN_CACHE, never in the repo.
# Needs common.sh and versions.sh sourced, and CACHE set.

go_env() {
  export GOPATH="$CACHE/go"
  export GOMODCACHE="$CACHE/go/pkg/mod"
  export GOCACHE="$CACHE/go/build-cache"
  export GOTOOLCHAIN=local      # never fetch another toolchain
  export GOFLAGS="-modcacherw"  # a cache that rm -rf can clean
  export GONOSUMDB="$PACK_MODULE,$LIFECYCLE_MODULE"  # see versions.sh; sums checked below
  export CGO_ENABLED=0
  mkdir -p "$CACHE/bin" "$CACHE/tmp" "$CACHE/stamps" "$CACHE/logs" "$GOMODCACHE" "$GOCACHE"
}

check_go() {
  have go || die "go is not installed (need >= $GO_MIN)"
  local v
  v=$(go env GOVERSION)
  v=${v#go}
  version_ge "$v" "$GO_MIN" || die "go $v is too old (need >= $GO_MIN)"
  info "go $v ($(command -v go))"
}

# module_source MODULE VERSION SUM -> prints a fresh writable copy of the module's source
# (a temp dir removed at exit). `go install MODULE/cmd@VERSION` cannot be used: pack's go.mod
# has a replace, and for all three modules the proxy refuses the version list that go install
# reads to check deprecations.
module_source() {
  local module=$1 version=$2 want_sum=$3
  local json dir sum err
  printf '    $ go mod download -json %s@%s\n' "$module" "$version" >&2
  json=$(cd "$CACHE/tmp" && go mod download -json "$module@$version" 2>&1) || true
  read -r dir sum err < <(printf '%s' "$json" | python3 -c '
import json, sys
raw = sys.stdin.read()
try:
    d = json.loads(raw)
except ValueError:
    print("- - " + " ".join(raw.split())[:400]); sys.exit(0)
print(d.get("Dir") or "-", d.get("Sum") or "-", " ".join((d.get("Error") or "").split()))
')
  if [[ -n "$err" || "$dir" == "-" ]]; then
    die "go mod download $module@$version: ${err:-no Dir in output}"
  fi
  [[ "$sum" == "$want_sum" ]] || die "$module@$version has sum $sum, pinned $want_sum"
  local src
  src=$(mktemp -d "$CACHE/tmp/src.XXXXXX")  # the caller adds it to KN_FN_CLEANUP
  cp -R "$dir/." "$src/"
  chmod -R u+w "$src"
  printf '%s\n' "$src"
}

# ---------------------------------------------------------------------------------------------
# pack

pack_version_of() { "$1" --version 2>/dev/null || true; }

ensure_pack() {
  local bin="$CACHE/bin/pack" t0 src
  if [[ -x "$bin" && "$(pack_version_of "$bin")" == "$PACK_VERSION" ]]; then
    info "pack $PACK_VERSION present: $bin"
  else
    info "pack $PACK_VERSION missing or another version ($(pack_version_of "$bin")): building"
    t0=$(date +%s%N)
    src=$(module_source "$PACK_MODULE" "v$PACK_VERSION" "$PACK_MODULE_SUM")
    KN_FN_CLEANUP+=("$src")
    run_quiet "$CACHE/logs/pack-build.log" \
      go -C "$src" build -mod=readonly -buildvcs=false -trimpath \
      -ldflags "-s -w -X 'github.com/buildpacks/pack/pkg/client.Version=$PACK_VERSION'" \
      -o "$bin.new" .
    mv -f "$bin.new" "$bin"
    rm -rf "$src"
    info "built pack in $(elapsed_since "$t0")"
    [[ "$(pack_version_of "$bin")" == "$PACK_VERSION" ]] ||
      die "$bin --version says '$(pack_version_of "$bin")', want $PACK_VERSION"
  fi
  # pack on PATH for everyone (tests, people): /usr/local/bin/pack -> the cached binary.
  if [[ "$(readlink /usr/local/bin/pack 2>/dev/null || true)" != "$bin" ]]; then
    if [[ -w /usr/local/bin ]]; then
      run ln -sfn "$bin" /usr/local/bin/pack
    else
      warn "cannot write /usr/local/bin; use PATH from $CACHE/env.sh"
    fi
  fi
}

# ---------------------------------------------------------------------------------------------
# lifecycle: binaries, release-style tgz, unpacked copy

lifecycle_paths() {
  LC_TGZ="$CACHE/lifecycle-v$LIFECYCLE_VERSION+linux.x86-64.tgz"
  LC_DIR="$CACHE/lifecycle"          # = the tgz's lifecycle/ dir (like /cnb/lifecycle)
  LC_TOML="$CACHE/lifecycle.toml"    # = the tgz's lifecycle.toml
  LC_STAMP="$CACHE/stamps/lifecycle"
}

lifecycle_toml() {
  cat <<EOF
[apis]
[apis.buildpack]
  deprecated = []
  supported = [$LIFECYCLE_BUILDPACK_APIS]
[apis.platform]
  deprecated = []
  supported = [$LIFECYCLE_PLATFORM_APIS]

# For backwards compatibility the minimum supported APIs are provided in RFC-0011 format
# https://github.com/buildpacks/rfcs/blob/main/text/0011-lifecycle-descriptor.md
[api]
  platform = "0.7"
  buildpack = "0.7"

[lifecycle]
  version = "$LIFECYCLE_VERSION"
  sbom-formats = ["application/vnd.cyclonedx+json", "application/spdx+json", "application/vnd.syft+json"]
EOF
}

lifecycle_stamp_want() {
  printf 'version=%s module_sum=%s tgz_sha256=%s' "$LIFECYCLE_VERSION" "$LIFECYCLE_MODULE_SUM" "$1"
}

# lifecycle_ok: everything in place and matching (cheap: one sha256 of the tgz, one exec).
lifecycle_ok() {
  [[ -f "$LC_TGZ" && -f "$LC_STAMP" && -f "$LC_TOML" && -x "$LC_DIR/lifecycle" && -x "$LC_DIR/launcher" ]] || return 1
  local p
  for p in "${LIFECYCLE_PHASES[@]}"; do
    [[ "$(readlink "$LC_DIR/$p" 2>/dev/null || true)" == "lifecycle" ]] || return 1
  done
  [[ "$(cat "$LC_STAMP")" == "$(lifecycle_stamp_want "$(file_sha256 "$LC_TGZ")")" ]] || return 1
  [[ "$("$LC_DIR/lifecycle" -version 2>/dev/null || true)" == "$LIFECYCLE_VERSION" ]] || return 1
}

# make_lifecycle_tgz STAGE OUT: deterministic tar.gz of STAGE/{lifecycle.toml,lifecycle/}:
# lifecycle.toml first, then lifecycle/ sorted by name, mtime 1980-01-01T00:00:01Z, uid/gid 0
# with no user/group names, ustar (no pax time records), gzip without name or timestamp.
make_lifecycle_tgz() {
  local stage=$1 out=$2
  tar --create --format=ustar --sort=name --mtime="@$KN_FN_TAR_EPOCH" \
    --owner=0 --group=0 --numeric-owner --no-acls --no-xattrs --no-selinux \
    -C "$stage" lifecycle.toml lifecycle | gzip -n -9 >"$out"
}

ensure_lifecycle() {
  lifecycle_paths
  if lifecycle_ok; then
    info "lifecycle $LIFECYCLE_VERSION present: $LC_DIR, $LC_TGZ"
    return 0
  fi
  info "lifecycle $LIFECYCLE_VERSION missing, incomplete or another version: building"
  local t0 src work stage
  t0=$(date +%s%N)
  src=$(module_source "$LIFECYCLE_MODULE" "v$LIFECYCLE_VERSION" "$LIFECYCLE_MODULE_SUM")
  KN_FN_CLEANUP+=("$src")

  # The descriptor's API lists must be the ones this lifecycle source declares.
  local declared
  declared=$(grep -E '^\s*(Platform|Buildpack) = newApisMustParse' "$src/api/apis.go" | tr -d ' \t')
  [[ "$declared" == *"Platform=newApisMustParse([]string{${LIFECYCLE_PLATFORM_APIS// /}},[]string{})"* &&
     "$declared" == *"Buildpack=newApisMustParse([]string{${LIFECYCLE_BUILDPACK_APIS// /}},[]string{})"* ]] ||
    die "API lists in versions.sh differ from $LIFECYCLE_MODULE@v$LIFECYCLE_VERSION api/apis.go: $declared"

  work=$(mktemp -d "$CACHE/tmp/lifecycle.XXXXXX")
  KN_FN_CLEANUP+=("$work")
  stage="$work/stage"
  mkdir -p "$stage/lifecycle"
  run_quiet "$CACHE/logs/lifecycle-build.log" \
    go -C "$src" build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w -X 'github.com/buildpacks/lifecycle/cmd.Version=$LIFECYCLE_VERSION'" \
    -o "$stage/lifecycle/" ./cmd/lifecycle ./cmd/launcher
  info "built lifecycle + launcher in $(elapsed_since "$t0")"

  # Verify: version, and both binaries static (the launcher runs in the run image).
  local v f
  v=$("$stage/lifecycle/lifecycle" -version)
  [[ "$v" == "$LIFECYCLE_VERSION" ]] || die "lifecycle -version says '$v', want $LIFECYCLE_VERSION"
  for f in lifecycle launcher; do
    [[ "$(file -b "$stage/lifecycle/$f")" == *"statically linked"* ]] ||
      die "$f is not statically linked: $(file -b "$stage/lifecycle/$f")"
  done
  # The launcher has no version flag (and does not link cmd.Version): check its build info names
  # the launcher package, built with cgo off, by the same build as the lifecycle above.
  local bi
  bi=$(go version -m "$stage/lifecycle/launcher")
  [[ "$bi" == *"path"*"github.com/buildpacks/lifecycle/cmd/launcher"* && "$bi" == *"CGO_ENABLED=0"* ]] ||
    die "launcher build info is not lifecycle's cmd/launcher with CGO_ENABLED=0: $bi"

  # Release layout: lifecycle.toml + lifecycle/{lifecycle,launcher,<phase> -> lifecycle}.
  local p
  for p in "${LIFECYCLE_PHASES[@]}"; do ln -s lifecycle "$stage/lifecycle/$p"; done
  lifecycle_toml >"$stage/lifecycle.toml"
  chmod 0755 "$stage/lifecycle" "$stage/lifecycle/lifecycle" "$stage/lifecycle/launcher"
  chmod 0644 "$stage/lifecycle.toml"

  make_lifecycle_tgz "$stage" "$work/a.tgz"
  make_lifecycle_tgz "$stage" "$work/b.tgz"
  local sha
  sha=$(file_sha256 "$work/a.tgz")
  [[ "$sha" == "$(file_sha256 "$work/b.tgz")" ]] || die "two packings of the lifecycle tgz differ"

  # Install: tgz (+ .sha256), and the unpacked copy extracted from that same tgz.
  mv -f "$work/a.tgz" "$LC_TGZ"
  printf '%s  %s\n' "$sha" "$(basename "$LC_TGZ")" >"$LC_TGZ.sha256"
  mkdir -p "$work/unpacked"
  tar -xzf "$LC_TGZ" -C "$work/unpacked"
  rm -rf "$LC_DIR"
  mv "$work/unpacked/lifecycle" "$LC_DIR"
  mv -f "$work/unpacked/lifecycle.toml" "$LC_TOML"
  lifecycle_stamp_want "$sha" >"$LC_STAMP"
  rm -rf "$work" "$src"
  lifecycle_ok || die "lifecycle install check failed after building"
  info "lifecycle tgz sha256 $sha"
}

# ---------------------------------------------------------------------------------------------
# CloudEvents conformance tool

ensure_conformance() {
  local bin="$CACHE/bin/cloudevents" stamp="$CACHE/stamps/cloudevents" want t0 src
  want="$CONFORMANCE_VERSION $CONFORMANCE_MODULE_SUM"
  if [[ -x "$bin" && "$(read_file_or_empty "$stamp")" == "$want" ]] && "$bin" --help >/dev/null 2>&1; then
    info "cloudevents (conformance $CONFORMANCE_VERSION) present: $bin"
    return 0
  fi
  info "cloudevents (conformance $CONFORMANCE_VERSION) missing or another version: building"
  t0=$(date +%s%N)
  src=$(module_source "$CONFORMANCE_MODULE" "$CONFORMANCE_VERSION" "$CONFORMANCE_MODULE_SUM")
  KN_FN_CLEANUP+=("$src")
  run_quiet "$CACHE/logs/cloudevents-build.log" \
    go -C "$src" build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w" \
    -o "$bin.new" ./cmd/cloudevents
  [[ "$("$bin.new" invoke --help)" == *"--filename"* ]] || die "$bin.new invoke --help has no --filename flag"
  mv -f "$bin.new" "$bin"
  printf '%s\n' "$want" >"$stamp"
  rm -rf "$src"
  info "built cloudevents in $(elapsed_since "$t0")"
}

# ---------------------------------------------------------------------------------------------
# Knative 1.23: queue-proxy and the heartbeats source, each a static binary in $CACHE/bin and an
# image named the way ko names a locally built Knative image (ko.local/<import path>:<tag>),
# laid out like Knative's release images (/ko-app/<name>, user 65532).

# knative_tar BINARY NAME OUT: the image's one layer, deterministic (fixed mtime, owner 0).
knative_tar() {
  local binary=$1 name=$2 out=$3 stage
  stage=$(mktemp -d "$CACHE/tmp/ko-app.XXXXXX")
  KN_FN_CLEANUP+=("$stage")
  mkdir -p "$stage/ko-app"
  cp "$binary" "$stage/ko-app/$name"
  chmod 0755 "$stage/ko-app" "$stage/ko-app/$name"
  tar --create --format=ustar --sort=name --mtime="@$KN_FN_TAR_EPOCH" \
    --owner=0 --group=0 --numeric-owner --no-acls --no-xattrs --no-selinux \
    -C "$stage" ko-app >"$out"
  rm -rf "$stage"
}

# ensure_knative_tool NAME MODULE VERSION SUM PACKAGE IMAGE: builds the binary when it is missing
# or was built from another module version, and imports the image when the engine lacks it (a
# fresh engine with a warm cache takes a second). The image is current when its one layer is
# the tar made from the cached binary.
ensure_knative_tool() {
  local name=$1 module=$2 version=$3 sum=$4 package=$5 image=$6
  local bin="$CACHE/bin/knative-$name" stamp="$CACHE/stamps/knative-$name" want t0 src layer
  want="$module@$version $sum $package"
  if [[ -x "$bin" && "$(read_file_or_empty "$stamp")" == "$want" ]]; then
    info "$name ($module $version) present: $bin"
  else
    info "$name ($module $version) missing or another version: building"
    t0=$(date +%s%N)
    src=$(module_source "$module" "$version" "$sum")
    KN_FN_CLEANUP+=("$src")
    run_quiet "$CACHE/logs/knative-$name-build.log" \
      go -C "$src" build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w" -o "$bin.new" "./$package"
    [[ "$(file -b "$bin.new")" == *"statically linked"* ]] || die "$bin.new is not statically linked"
    mv -f "$bin.new" "$bin"
    printf '%s\n' "$want" >"$stamp"
    rm -rf "$src"
    info "built $name in $(elapsed_since "$t0")"
  fi
  layer="$CACHE/tmp/knative-$name.tar"
  knative_tar "$bin" "$name" "$layer"
  local want_layer have_layer
  want_layer="sha256:$(file_sha256 "$layer")"
  have_layer=$(docker image inspect -f '{{index .RootFS.Layers 0}}' "$image" 2>/dev/null || true)
  if [[ "$have_layer" == "$want_layer" ]]; then
    info "image $image present"
  else
    run_quiet "$CACHE/logs/knative-$name-import.log" \
      docker import --change "USER 65532" --change "ENTRYPOINT [\"/ko-app/$name\"]" "$layer" "$image"
    have_layer=$(docker image inspect -f '{{index .RootFS.Layers 0}}' "$image")
    [[ "$have_layer" == "$want_layer" ]] || die "$image has layer $have_layer, want $want_layer"
    info "imported $image"
  fi
  rm -f "$layer"
}

knative_images() {
  KNATIVE_QUEUE_IMAGE="ko.local/$KNATIVE_SERVING_MODULE/cmd/queue:v$KNATIVE_VERSION"
  KNATIVE_HEARTBEATS_IMAGE="ko.local/$KNATIVE_EVENTING_MODULE/cmd/heartbeats:v$KNATIVE_VERSION"
}

ensure_knative() {
  knative_images
  ensure_knative_tool queue "$KNATIVE_SERVING_MODULE" "$KNATIVE_SERVING_VERSION" \
    "$KNATIVE_SERVING_MODULE_SUM" cmd/queue "$KNATIVE_QUEUE_IMAGE"
  ensure_knative_tool heartbeats "$KNATIVE_EVENTING_MODULE" "$KNATIVE_EVENTING_VERSION" \
    "$KNATIVE_EVENTING_MODULE_SUM" cmd/heartbeats "$KNATIVE_HEARTBEATS_IMAGE"
}
