#!/usr/bin/env bash
# Set up (idempotent, a few seconds when everything is there), then run every workspace
# package's tests through turbo, one package at a time. Extra arguments go to turbo
# (e.g. `npm test -- --filter=@kn-fn/runtime-invoker`). Exits with turbo's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1

bash scripts/setup.sh
# shellcheck source=/dev/null
source "${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh"

echo "==> tests (turbo run test)"
# --env-mode=loose: turbo 2 runs tasks with a filtered environment (strict mode) and
# turbo.json declares no passThroughEnv, so KN_FN_* from env.sh would not reach the tests.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
pnpm exec turbo run test --output-logs=full --concurrency=1 --env-mode=loose "$@" 2>&1 | tee "$log"
rc="${PIPESTATUS[0]}"
set -e
.venv/bin/python scripts/test-summary.py "$log"
exit "$rc"
