#!/usr/bin/env bash
# Set up (idempotent, a few seconds when everything is there), then run every workspace
# package's type check and tests through turbo, one task at a time. Extra arguments go to
# turbo (e.g. `npm test -- --filter=@kn-fn/runtime-invoker`). Ends with the summary of
# tools/ci/test_summary.py: a table per package and the line 'tests: N passed, N failed'.
# Exits non-zero when turbo failed or the summary counted any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1

bash scripts/setup.sh
# shellcheck source=/dev/null
source "${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh"

echo "==> tests (turbo run check-types test)"
# --env-mode=loose: turbo 2 runs tasks with a filtered environment (strict mode) and
# turbo.json declares no passThroughEnv, so KN_FN_* from env.sh would not reach the tests.
# --continue: a failed package must not hide the results of the others.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
pnpm exec turbo run check-types test --continue --output-logs=full --concurrency=1 --env-mode=loose "$@" 2>&1 | tee "$log"
rc="${PIPESTATUS[0]}"
((rc == 0)) || echo "turbo exited $rc"
# Last, so that the closing line 'tests: ...' is the last line of the output.
.venv/bin/python tools/ci/test_summary.py "$log"
summary_rc=$?
set -e
exit $((rc != 0 ? rc : summary_rc))
