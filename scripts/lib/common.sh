# shellcheck shell=bash
# Helpers shared by scripts/setup.sh and its step files: step headers, echoed commands,
# one failure message naming the step and the command, timing, hashing.
# Sourced, never executed. Expects `set -Eeuo pipefail` and `shopt -s inherit_errexit`.

KN_FN_STEP="start"
KN_FN_FAILED_CMD=""
KN_FN_TOP_PID=$$
KN_FN_FAIL_MARK="${TMPDIR:-/tmp}/kn-fn-setup.$$.failed"
KN_FN_CLEANUP=()          # paths removed when the script exits (temp dirs, policy-rc.d, ...)
KN_FN_STEP_STARTED=0

# The ERR trap: print "setup failed at step '<step>': <command>" exactly once, even when the
# failure happened inside a $(...) subshell, then exit with the command's status.
kn_fn_on_err() {
  local rc=$1 cmd=$2
  if [[ -e "$KN_FN_FAIL_MARK" ]]; then
    exit "$rc"
  fi
  : >"$KN_FN_FAIL_MARK" 2>/dev/null || true
  printf "setup failed at step '%s': %s (exit %s)\n" "$KN_FN_STEP" "${KN_FN_FAILED_CMD:-$cmd}" "$rc" >&2
  exit "$rc"
}

kn_fn_on_exit() {
  local rc=$?
  [[ "$BASHPID" == "$KN_FN_TOP_PID" ]] || return 0
  local p
  for p in "${KN_FN_CLEANUP[@]+"${KN_FN_CLEANUP[@]}"}"; do
    rm -rf -- "$p" 2>/dev/null || true
  done
  rm -f -- "$KN_FN_FAIL_MARK" 2>/dev/null || true
  return "$rc"
}

trap 'kn_fn_on_err $? "$BASH_COMMAND"' ERR
trap kn_fn_on_exit EXIT

# die MESSAGE: a failure that is not a command (wrong version, missing file, ...).
die() {
  KN_FN_FAILED_CMD="$*"
  false
}

# step NAME: one header line per step; prints how long the previous step took.
step() {
  step_done
  KN_FN_STEP="$1"
  KN_FN_FAILED_CMD=""
  KN_FN_STEP_STARTED=$(date +%s%N)
  printf '==> %s\n' "$1"
}

step_done() {
  if [[ "$KN_FN_STEP_STARTED" != 0 ]]; then
    printf '    (%s: %s)\n' "$KN_FN_STEP" "$(elapsed_since "$KN_FN_STEP_STARTED")"
    KN_FN_STEP_STARTED=0
  fi
}

# elapsed_since NANOS -> "1.23s"
elapsed_since() {
  local now
  now=$(date +%s%N)
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.2fs", (b - a) / 1e9 }'
}

info() { printf '    %s\n' "$*"; }
warn() { printf '    warning: %s\n' "$*" >&2; }

# run CMD...: echo the command, run it, and on failure remember it for the ERR trap.
run() {
  printf '    $ %s\n' "$*"
  local rc=0
  "$@" || rc=$?
  if [[ $rc != 0 ]]; then
    KN_FN_FAILED_CMD="$*"
    return "$rc"
  fi
}

# run_quiet LOGFILE CMD...: like run, but the command's output goes to LOGFILE and is only
# shown (its last 40 lines) when the command fails.
run_quiet() {
  local log=$1
  shift
  printf '    $ %s  (output: %s)\n' "$*" "$log"
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    tail -n 40 "$log" | sed 's/^/    | /' >&2
    KN_FN_FAILED_CMD="$*"
    return "$rc"
  fi
}

need_root() {
  [[ $EUID == 0 ]] || die "$1 needs root (running as uid $EUID)"
}

have() { command -v "$1" >/dev/null 2>&1; }

# sha256_of FILE... -> one hex digest over the files' names and contents (missing files count
# as empty, with their name, so creating one changes the digest).
sha256_of() {
  local f
  for f in "$@"; do
    printf '%s\0' "$f"
    if [[ -f "$f" ]]; then sha256sum <"$f" | cut -d' ' -f1; else printf 'missing\n'; fi
  done | sha256sum | cut -d' ' -f1
}

file_sha256() { sha256sum <"$1" | cut -d' ' -f1; }

# read_file_or_empty FILE
read_file_or_empty() {
  if [[ -f "$1" ]]; then cat "$1"; fi
}

# write_if_changed FILE CONTENT: atomic write, leaves the file (and its mtime) alone when equal.
write_if_changed() {
  local file=$1 content=$2
  if [[ -f "$file" ]] && [[ "$(cat "$file")" == "$content" ]]; then
    return 0
  fi
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$content" >"$file.tmp.$$"
  mv -f "$file.tmp.$$" "$file"
}

# version_ge A B: true when dotted version A >= B.
version_ge() {
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}
