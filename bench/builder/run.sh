#!/usr/bin/env bash
# Builder-creation benchmark (not a test): `kn-fn-builder create` (native: tar-stream layers
# and a docker-archive loaded through dockerode) against `pack builder create` with the
# builder.toml that `kn-fn-builder toml` emits, on the same inputs: the same build image
# (kn-fn-bench/build:0.1.0), run image, lifecycle tgz and buildpack.
#
#   native  rm the builder's tags, then
#           kn-fn-builder create --config create.config.toml --out DIR
#           where DIR holds the .cnb `kn-fn-builder package` wrote beforehand (untimed, as
#           for pack): create re-tars the buildpack to check the .cnb is current and reuses
#           it (no gzip); the "create, fresh dir" row times it with packaging from scratch
#   pack    rm the builder's tag, then
#           pack builder create kn-fn-bench/builder-pack:latest --config builder.toml --pull-policy never
#           with the .cnb and builder.toml written beforehand by `kn-fn-builder package` and
#           `toml` (untimed: pack is given the packaged buildpack, as builder.toml names it)
#   package kn-fn-builder package alone, for reference (the part of native that pack skips)
# In each round: native, pack, package. Both builders get a description of their own, so
# removing their tags really removes the image; their layers are the same as those of
# kn-fn-bench/builder (and other builders in the engine), which the engine keeps: for both
# routes, a layer the engine already has is not stored again.
#
# Usage: bench/builder/run.sh   (BENCH_ROUNDS=5, BENCH_OUT; see bench/lib/common.sh)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

bench_init builder
bench_builders

NATIVE=kn-fn-bench/builder-native
PACKED=kn-fn-bench/builder-pack:latest
inputs=$OUT/inputs
bench_config "$NATIVE:latest" "$inputs/buildpack" "kn-fn bench builder: creation, native" >"$inputs/native.config.toml"
bench_config "$PACKED" "$inputs/buildpack" "kn-fn bench builder: creation, pack" >"$inputs/pack.config.toml"
# pack's inputs: the .cnb and builder.toml, from the config that differs only in description.
"$KN_FN_BUILDER" package --config "$inputs/pack.config.toml" --out "$inputs/pack-dist" >"$OUT/logs/package.log" 2>&1
"$KN_FN_BUILDER" toml --config "$inputs/pack.config.toml" --out "$inputs/pack-dist" >"$OUT/logs/toml.log" 2>&1
# native's: the same .cnb, packaged beforehand the same way.
"$KN_FN_BUILDER" package --config "$inputs/native.config.toml" --out "$inputs/native-dist" >"$OUT/logs/package-native.log" 2>&1
log "builder.toml for pack: $inputs/pack-dist/builder.toml"

declare -A IDS=()
for round in $(seq "$ROUNDS"); do
  docker rmi "$NATIVE:$STACK_TAG" "$NATIVE:latest" >/dev/null 2>&1 || true
  rm -rf "$OUT/work" && mkdir -p "$OUT/work"
  timed "$round" native "$OUT/logs/native-r$round.log" \
    "$KN_FN_BUILDER" create --config "$inputs/native.config.toml" --out "$inputs/native-dist"
  grep -q "loaded $NATIVE" "$OUT/logs/native-r$round.log" || die "native create did not load the image (log: $OUT/logs/native-r$round.log)"
  grep -q "reused .*\.cnb" "$OUT/logs/native-r$round.log" || die "native create did not reuse the packaged .cnb (log: $OUT/logs/native-r$round.log)"
  IDS[native]+=" $(image_id "$NATIVE:latest")"

  docker rmi "$NATIVE:$STACK_TAG" "$NATIVE:latest" >/dev/null 2>&1 || true
  timed "$round" native-fresh "$OUT/logs/native-fresh-r$round.log" \
    "$KN_FN_BUILDER" create --config "$inputs/native.config.toml" --out "$OUT/work/native"
  IDS[native-fresh]+=" $(image_id "$NATIVE:latest")"

  docker rmi "$PACKED" >/dev/null 2>&1 || true
  timed "$round" pack "$OUT/logs/pack-r$round.log" \
    pack builder create "$PACKED" --config "$inputs/pack-dist/builder.toml" --pull-policy never
  IDS[pack]+=" $(image_id "$PACKED")"
  pack_s=$LAST_SECONDS

  timed "$round" package "$OUT/logs/package-r$round.log" \
    "$KN_FN_BUILDER" package --config "$inputs/native.config.toml" --out "$OUT/work/package"
  # Derived, same round: the whole pack route (package, then pack builder create), and native
  # without its packaging (an estimate: create minus a separate package run).
  record "$round" pack+package "$("$PY" -c "print(round($pack_s + $LAST_SECONDS, 3))")" s
done

# Both builders must be usable, or the times compare unlike things: one build each.
fresh_app http >/dev/null
for b in "$NATIVE:latest" "$PACKED"; do
  pack_forget kn-fn-bench/builder-check:latest
  pack_build kn-fn-bench/builder-check:latest "$b" http >"$OUT/logs/check-${b//[\/:]/-}.log" 2>&1 \
    || { tail -20 "$OUT/logs/check-${b//[\/:]/-}.log" >&2; die "pack build with $b failed"; }
  log "pack build of the http template with $b: ok"
done
docker rmi kn-fn-bench/builder-check:latest >/dev/null 2>&1 || true

{
  echo "Inputs: build image $BUILD_IMAGE ($(image_id "$BUILD_IMAGE")), run image $RUN_IMAGE, lifecycle $KN_FN_LIFECYCLE_TGZ, buildpack kn-fn/python-function 0.1.0 (.cnb sha256 $BUILDPACK_DIGEST); configs rendered by bench/builder/run.sh (bench/lib/common.sh bench_config)"
  echo "Image IDs per round: native:${IDS[native]}; native, fresh dir:${IDS[native-fresh]}; pack:${IDS[pack]} (both routes checked afterwards by a pack build of the http template)"
  echo "Commands: native = kn-fn-builder create --config native.config.toml --out DIR (DIR holding the .cnb from kn-fn-builder package; native-fresh: an empty DIR); pack = pack builder create $PACKED --config builder.toml --pull-policy never (builder.toml from kn-fn-builder toml, naming the .cnb from kn-fn-builder package); package = kn-fn-builder package"
} >"$OUT/details.txt"
cp "$HERE/spec.json" "$OUT/spec.json"
"$PY" "$BENCH_LIB/summarize.py" "$OUT"
log "logs: $OUT/logs"
