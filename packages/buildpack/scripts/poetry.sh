# shellcheck shell=bash
# Sourced by scripts/package.sh (needs $here, $cache and $python set there).
#
# unpack_poetry DEST: Poetry and poetry-plugin-export with every runtime dependency, pinned by
# sha256 in tools/poetry-requirements.txt, as wheels for CPython 3.11 on manylinux x86_64 (the
# build image's /usr/bin/python3), unpacked into one directory DEST. The build runs
#   PYTHONPATH=DEST /usr/bin/python3 -m poetry export ...
# Wheels are cached in $cache/pip/poetry; pip checks every hash (--require-hashes).
unpack_poetry() {
  local dest=$1 dl="$cache/pip/poetry" req="$here/tools/poetry-requirements.txt"
  local wheel data sub n want
  mkdir -p "$dl" "$dest"
  "$python" -m pip download --quiet --disable-pip-version-check --require-hashes \
    --only-binary=:all: --no-deps \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
    -d "$dl" -r "$req"
  # Unpack exactly the pinned wheels (the cache may hold other versions).
  want="$(grep -cE '^[A-Za-z0-9]' "$req")"
  n=0
  while IFS= read -r wheel; do
    "$python" -m zipfile -e "$wheel" "$dest"
    n=$((n + 1))
  done < <("$python" - "$dl" "$req" <<'PY'
import hashlib, pathlib, re, sys
dl, req = pathlib.Path(sys.argv[1]), sys.argv[2]
want = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", open(req).read()))
for w in sorted(dl.glob("*.whl")):
    if hashlib.sha256(w.read_bytes()).hexdigest() in want:
        print(w)
PY
  )
  [[ "$n" == "$want" ]] || { echo "poetry: unpacked $n wheels, expected $want" >&2; exit 1; }
  # A wheel's NAME-VERSION.data/{purelib,platlib} belongs at the top of site-packages (what an
  # installer does); scripts/headers/data are not needed to run "python -m poetry".
  for data in "$dest"/*.data; do
    [[ -d "$data" ]] || continue
    for sub in purelib platlib; do
      if [[ -d "$data/$sub" ]]; then
        cp -a "$data/$sub/." "$dest/"
      fi
    done
    rm -rf "$data"
  done
  # Never run from here: the console scripts, byte code from the wheels.
  find "$dest" -name __pycache__ -type d -prune -exec rm -rf {} +
  # Bytecode compiled once here (hash-based, unchecked: the same bytes on every machine, and
  # no stat of the source), so that each build's `poetry export` does not compile Poetry
  # first: 0.5 s instead of 1.1-1.7 s, for 15 MB more in the buildpack. Compiled by the
  # packaging CPython 3.11, the build image's python3 minor (another minor ignores them).
  # The source paths recorded in the bytecode are fixed, not this machine's.
  "$python" -m compileall -q -j 0 --invalidation-mode unchecked-hash -s "$dest" -p "/cnb/buildpack/poetry" "$dest" >/dev/null
  # Smoke test when this python can load the tree's cp311 x86_64 extensions (rapidfuzz, msgpack).
  if "$python" -c 'import sys, platform; sys.exit(not (sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11) and sys.platform == "linux" and platform.machine() == "x86_64"))'; then
    PYTHONPATH="$dest" "$python" -B -m poetry --version --no-ansi >/dev/null ||
      { echo "poetry: the unpacked tree does not run" >&2; exit 1; }
  fi
}
