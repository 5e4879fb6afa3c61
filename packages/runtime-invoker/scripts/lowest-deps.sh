#!/usr/bin/env bash
# Proves the lower bounds of the invoker's dependency ranges (pyproject.toml): a fresh venv with
# every declared dependency at the lowest release its range allows (uv --resolution
# lowest-direct; their own dependencies at the newest), then the invoker's test suite in it.
#
#   UV=/path/to/uv [PYTHON=/path/to/python3.11] bash scripts/lowest-deps.sh [PYTEST_ARGS...]
#
# PYTHON defaults to the repository's .venv (as scripts/wheelhouse.sh does). Needs PyPI (or
# uv's cache) and what the suite itself needs (node and node_modules, the CloudEvents
# conformance tool: scripts/setup.sh). Nothing is written to the tree but __pycache__.
# tests/test_wheelhouse.py is left out: it checks requirements.lock's pins, not the ranges,
# and the ordinary test run covers it.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "lowest-deps: $*" >&2; exit 1; }
trap 'echo "lowest-deps: FAILED (line $LINENO, exit $?)" >&2' ERR

uv="${UV:?lowest-deps: set UV to the uv binary}"
python="${PYTHON:-$here/../../.venv/bin/python}"
[[ -x "$uv" ]] || uv="$(command -v "$uv")" || die "UV=$UV is not an executable"
[[ -x "$python" ]] || python="$(command -v "$python")" || die "PYTHON=${PYTHON:-$python} is not an executable"
"$uv" --version >/dev/null || die "UV=$uv does not run"

# The test tools at the pins the repository tests with (lowest-direct must not pick pytest 1.0).
pytest_pin="$(grep -E '^pytest==' "$here/requirements-dev.txt")" || die "no pytest== pin in requirements-dev.txt"

t0=$(date +%s)
venv="$(mktemp -d "${TMPDIR:-/tmp}/kn-fn-lowest-deps.XXXXXX")"
trap 'rm -rf "$venv"' EXIT
"$uv" venv --quiet --python "$python" "$venv"
vpy="$venv/bin/python"

echo "==> lowest-direct: pyproject.toml dependencies + $pytest_pin"
"$uv" pip install --quiet --python "$vpy" --resolution lowest-direct -r "$here/pyproject.toml" "$pytest_pin"
# The invoker from the tree, without building it (no build/ or egg-info written).
site="$("$vpy" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$here/src" >"$site/kn_fn_invoker_src.pth"

echo "==> installed"
"$uv" pip freeze --python "$vpy" | sed 's/^/    /'

# Each declared dependency must be at its floor: otherwise the floor was not what got tested.
"$vpy" - "$here/pyproject.toml" <<'PY'
import sys, tomllib
from importlib.metadata import version
from packaging.requirements import Requirement
from packaging.version import Version

wrong = []
for line in tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]:
    req = Requirement(line)
    floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
    if len(floors) != 1:
        wrong.append(f"{line}: no single >= lower bound")
        continue
    got = Version(version(req.name))
    print(f"    {req.name} {got} (declared {line})")
    if got != floors[0]:
        wrong.append(f"{req.name} {got} installed, but the declared floor is {floors[0]}")
if wrong:
    sys.exit("lowest-deps: " + "; ".join(wrong))
PY

echo "==> tests at the lower bounds"
cd "$here"
"$vpy" -m pytest -q -x -p no:cacheprovider --deselect tests/test_wheelhouse.py --ignore tests/test_lowest_deps.py "$@"
echo "lowest-deps: passed in $(($(date +%s) - t0)) s"
