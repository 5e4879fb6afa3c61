#!/usr/bin/env bash
# Run the README's test command the way a new machine would, on this machine:
#
#   bash scripts/fresh-machine.sh [--keep] [--ref REF] [-- ARGS FOR npm test]
#
#   - a fresh clone of this repository's committed REF (default HEAD; uncommitted work is
#     not in it), in a new directory under /var/tmp;
#   - an empty HOME, so an empty KN_FN_CACHE (~/.cache/kn-fn: pack, lifecycle, Go caches),
#     and no pip, pnpm or Go caches from earlier runs;
#   - a Docker engine with fresh state: the running dockerd is stopped and a new one started
#     (by scripts/setup.sh, as on a new machine) on an empty --data-root, so it has no images,
#     no volumes, no build cache and a network database written anew. When the run ends the
#     fresh engine is stopped and the previous one started again with its own command line.
#   - CI=true, as .ci/run sees it.
#
# What it cannot undo: Debian packages already installed (setup.sh's apt step then only
# checks them) and the pnpm installed globally with npm. Everything else setup.sh installs is
# made again. The log and the elapsed time are printed at the end; the clone, HOME and data
# root are removed unless --keep is given.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keep=0
ref=HEAD
while (($#)); do
  case "$1" in
    --keep) keep=1; shift ;;
    --ref) ref=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-machine.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$(id -u)" == 0 ]] || { echo "fresh-machine.sh: needs root (it restarts dockerd)" >&2; exit 2; }

work="$(mktemp -d /var/tmp/kn-fn-fresh.XXXXXX)"
log="$work/npm-test.log"
old_dockerd=()

dockerd_pid() { pgrep -x dockerd | head -n1; }

# stop_dockerd: SIGTERM, then wait for the socket to go (containers are stopped by dockerd).
stop_dockerd() {
  local pid
  pid="$(dockerd_pid || true)"
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  echo "fresh-machine.sh: dockerd $pid did not stop within 60 s" >&2
  return 1
}

restore() {
  local rc=$?
  echo "==> restoring the previous engine"
  stop_dockerd || true
  if ((${#old_dockerd[@]})); then
    echo "    \$ setsid nohup ${old_dockerd[*]} &"
    setsid nohup "${old_dockerd[@]}" >>/var/log/kn-fn-dockerd.log 2>&1 </dev/null &
    for _ in $(seq 1 120); do
      timeout 10 docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
  fi
  if ((keep)); then
    echo "    kept: $work"
  else
    rm -rf "$work/repo" "$work/home" "$work/docker"
    echo "    removed the clone, HOME and the data root; log: $log"
  fi
  exit "$rc"
}
trap restore EXIT

pid="$(dockerd_pid || true)"
if [[ -n "$pid" ]]; then
  mapfile -d '' old_dockerd <"/proc/$pid/cmdline"
  echo "==> stopping the running engine (pid $pid: ${old_dockerd[*]})"
  stop_dockerd
fi

echo "==> fresh clone of $ref into $work/repo"
git clone --quiet --no-hardlinks "$REPO_ROOT" "$work/repo"
git -C "$work/repo" checkout --quiet --detach "$(git -C "$REPO_ROOT" rev-parse "$ref")"
mkdir -p "$work/home" "$work/docker"

echo "==> npm test (HOME=$work/home, a new dockerd on --data-root $work/docker, CI=true)"
t0=$(date +%s)
set +e
(
  cd "$work/repo"
  export HOME="$work/home" CI=true
  unset KN_FN_CACHE XDG_CACHE_HOME
  export KN_FN_DOCKERD_FLAGS="--data-root $work/docker"
  npm test -- "$@"
) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
elapsed=$(($(date +%s) - t0))
echo "==> fresh-machine npm test: exit $rc after $((elapsed / 60)) min $((elapsed % 60)) s"
grep -E '^tests: ' "$log" | tail -n1 || echo "    (no closing 'tests:' line)"
exit "$rc"
