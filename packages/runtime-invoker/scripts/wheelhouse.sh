#!/usr/bin/env bash
# Builds the wheelhouse the buildpack vendors: the invoker's own wheel plus a wheel of every
# pinned dependency (requirements.lock) for CPython 3.11 on manylinux x86_64, the stack's
# interpreter. Binary wheels are required for exactly that target (the predecessor shipped
# wheels for the wrong Python and broke at run time), so pip is told the target explicitly.
#
#   scripts/wheelhouse.sh OUT_DIR        (from packages/runtime-invoker)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: wheelhouse.sh OUT_DIR}"
python="${PYTHON:-$here/../../.venv/bin/python}"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out"/*.whl

echo "==> invoker wheel"
SOURCE_DATE_EPOCH=315532800 "$python" -m pip wheel --no-deps --no-build-isolation --wheel-dir "$out" "$here" >/dev/null

echo "==> dependency wheels for cp311 manylinux x86_64"
"$python" -m pip download --quiet --dest "$out" --only-binary=:all: --no-deps \
  --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
  --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
  -r "$here/requirements.lock"

# Every pinned name must be present exactly once, at its pinned version.
"$python" - "$out" "$here/requirements.lock" <<'PY'
import pathlib, re, sys
out, lock = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def norm(name): return re.sub(r"[-_.]+", "_", name).lower()
wheels = {}
for wheel in out.glob("*.whl"):
    name, version = wheel.name.split("-")[:2]
    wheels.setdefault(norm(name), []).append(version)
missing = []
for line in lock.read_text().splitlines():
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, version = line.split("==")
    if wheels.get(norm(name)) != [version]:
        missing.append(f"{name}=={version} (found {wheels.get(norm(name))})")
if missing:
    sys.exit("wheelhouse incomplete: " + ", ".join(missing))
print(f"wheelhouse: {len(wheels)} wheels in {out}")
PY
