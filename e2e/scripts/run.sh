#!/usr/bin/env bash
# The e2e suite: make sure the builder image exists (kn-fn-builder all: cached stack images,
# so a few seconds when nothing changed), then run pytest. Extra arguments go to pytest.
#
# Needs what scripts/setup.sh provides (engine, pack, lifecycle tgz, .venv with e2e/requirements.txt)
# and the built buildpack (turbo builds it first: @kn-fn/builder depends on @kn-fn/buildpack).
set -euo pipefail
e2e="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$e2e/.." && pwd)"
# shellcheck source=/dev/null
[[ -n "${KN_FN_LIFECYCLE_TGZ:-}" ]] || source "${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh"

echo "==> kn-fn-builder all (the builder the tests build with)"
(cd "$root/packages/builder" && ./bin/kn-fn-builder all --out dist)

echo "==> pytest"
cd "$e2e"
exec "$root/.venv/bin/python" -m pytest -q "$@"
