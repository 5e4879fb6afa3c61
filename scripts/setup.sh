#!/usr/bin/env bash
# kn-fn machine and workspace set-up: installs (when missing) and checks everything the builds
# and tests use, then writes $KN_FN_CACHE/env.sh and $KN_FN_CACHE/tools.json.
#
#   bash scripts/setup.sh [--probe-docker]
#
# Idempotent: every step first checks what is there and only acts on what is missing or of
# another version, so a run on a ready machine takes a few seconds.
#   1 apt packages   Debian docker.io (20.10), mmdebstrap, docker-registry, wrk, busybox-static
#   2 docker engine  start dockerd in the background when no daemon answers on the socket
#   3 node + pnpm    pnpm pinned by package.json "packageManager", then pnpm install
#   4 python venv    .venv with the invoker (editable), its dev requirements and e2e/requirements.txt
#   5 go tools       pack, lifecycle (+ release-style tgz), CloudEvents conformance tool,
#                    Knative 1.23 queue-proxy and heartbeats (+ their images), built from their
#                    Go modules into $KN_FN_CACHE (default ~/.cache/kn-fn)
#   6 env files      $KN_FN_CACHE/env.sh, $KN_FN_CACHE/tools.json, summary table
#
# Environment: KN_FN_CACHE (tool cache dir), KN_FN_DOCKERD_FLAGS (extra dockerd flags; none are
# needed on the project's machines), CI=true (pnpm install --frozen-lockfile).
set -Eeuo pipefail
shopt -s inherit_errexit

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/common.sh
source "$REPO_ROOT/scripts/lib/common.sh"
# shellcheck source=lib/versions.sh
source "$REPO_ROOT/scripts/lib/versions.sh"
# shellcheck source=lib/gotools.sh
source "$REPO_ROOT/scripts/lib/gotools.sh"

PROBE_DOCKER=0
for arg in "$@"; do
  case "$arg" in
    --probe-docker) PROBE_DOCKER=1 ;;
    -h | --help)
      sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup.sh: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

export TURBO_TELEMETRY_DISABLED=1
CACHE="${KN_FN_CACHE:-${HOME:?neither KN_FN_CACHE nor HOME is set}/.cache/kn-fn}"
mkdir -p "$CACHE/logs"
CACHE="$(cd "$CACHE" && pwd)"
LOGS="$CACHE/logs"
DOCKERD_LOG=/var/log/kn-fn-dockerd.log
SETUP_T0=$(date +%s%N)

# Summary rows: name, version, path (printed at the end).
SUMMARY=()
record() { SUMMARY+=("$1"$'\t'"$2"$'\t'"$3"); }

# check_version NAME OUTPUT WANT_SUBSTRING: fail unless the tool's version output has WANT.
check_version() {
  [[ "$2" == *"$3"* ]] || die "$1: version output '$2' does not contain '$3'"
}

# ---------------------------------------------------------------------------------------------
step "apt packages"

apt_missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" == installed ]] || apt_missing+=("$p")
done
if ((${#apt_missing[@]})); then
  need_root "installing ${apt_missing[*]}"
  info "missing: ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run_quiet "$LOGS/apt-update.log" apt-get update -o Acquire::Retries=3
  # No service may start from a maintainer script: these machines have no init system, and
  # dockerd is started (by step 2) the way this project wants it.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# kn-fn setup.sh: no service starts during apt-get install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    KN_FN_CLEANUP+=(/usr/sbin/policy-rc.d)
  fi
  run_quiet "$LOGS/apt-install.log" apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${apt_missing[@]}"
  if [[ " ${KN_FN_CLEANUP[*]} " == *" /usr/sbin/policy-rc.d "* ]]; then rm -f /usr/sbin/policy-rc.d; fi
else
  info "all present: ${APT_PACKAGES[*]}"
fi

v=$(dockerd --version)
check_version dockerd "$v" "Docker version $DOCKERD_SERIES."
record dockerd "$(sed -E 's/^Docker version ([^,]+),.*/\1/' <<<"$v")" "$(command -v dockerd)"
v=$(mmdebstrap --version)
check_version mmdebstrap "$v" "mmdebstrap $MMDEBSTRAP_SERIES"
record mmdebstrap "${v#mmdebstrap }" "$(command -v mmdebstrap)"
v=$(/usr/bin/docker-registry --version)
check_version docker-registry "$v" " $REGISTRY_SERIES."
record docker-registry "${v##* }" /usr/bin/docker-registry
v=$(wrk -v 2>&1 || true) # wrk prints its version line and the usage, and exits 1
v=$(head -n1 <<<"$v")
check_version wrk "$v" "wrk debian/$WRK_SERIES"
record wrk "$(awk '{print $2}' <<<"$v")" "$(command -v wrk)"
[[ "$(file -b /bin/busybox)" == *"statically linked"* ]] || die "/bin/busybox is not the static busybox"
bb=$(/bin/busybox 2>&1 || true)
record busybox-static "$(head -n1 <<<"$bb" | awk '{print $2}')" /bin/busybox

# ---------------------------------------------------------------------------------------------
step "docker engine"

docker_answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

have docker || die "no docker client on PATH (Debian docker.io installs /usr/bin/docker)"
if docker_answers; then
  info "dockerd answers on ${DOCKER_HOST:-unix:///var/run/docker.sock}"
else
  need_root "starting dockerd"
  dockerd_pid=""
  if pgrep -x dockerd >/dev/null; then
    info "dockerd is running (pid $(pgrep -x dockerd | tr '\n' ' ')) but does not answer yet: waiting"
  else
    # Defaults work on these VMs (overlay2 on ext4, iptables via nf_tables, cgroup v1):
    # no storage-driver or iptables flags needed. KN_FN_DOCKERD_FLAGS adds any.
    printf '\n=== %s: started by kn-fn scripts/setup.sh: dockerd %s\n' "$(date -u +%FT%TZ)" \
      "${KN_FN_DOCKERD_FLAGS:-}" >>"$DOCKERD_LOG"
    info "\$ setsid nohup dockerd ${KN_FN_DOCKERD_FLAGS:-} >>$DOCKERD_LOG 2>&1 &"
    # shellcheck disable=SC2086  # flags are words
    setsid nohup dockerd ${KN_FN_DOCKERD_FLAGS:-} >>"$DOCKERD_LOG" 2>&1 </dev/null &
    dockerd_pid=$!
  fi
  t0=$(date +%s%N)
  for _ in $(seq 1 120); do
    docker_answers && break
    if [[ -n "$dockerd_pid" ]] && ! kill -0 "$dockerd_pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  if ! docker_answers; then
    echo "    dockerd did not answer within 60 s; last lines of $DOCKERD_LOG:" >&2
    tail -n 30 "$DOCKERD_LOG" | sed 's/^/    | /' >&2
    die "dockerd did not start (log: $DOCKERD_LOG)"
  fi
  info "dockerd answers after $(elapsed_since "$t0") (log: $DOCKERD_LOG)"
fi
IFS='|' read -r server_v server_api client_v client_api < <(
  docker version --format '{{.Server.Version}}|{{.Server.APIVersion}}|{{.Client.Version}}|{{.Client.APIVersion}}'
)
[[ "$server_v" == "$DOCKERD_SERIES".* ]] || die "the daemon on the socket is Docker $server_v, want $DOCKERD_SERIES"
[[ "$server_api" == "$DOCKER_API_VERSION_EXPECTED" ]] || die "daemon API $server_api, want $DOCKER_API_VERSION_EXPECTED"
[[ "$client_api" == "$DOCKER_API_VERSION_EXPECTED" ]] ||
  die "docker client $client_v talks API $client_api to the daemon, want $DOCKER_API_VERSION_EXPECTED"
info "daemon $server_v (API $server_api); client $client_v negotiated API $client_api"
record "docker (client)" "$client_v, API $client_api" "$(command -v docker)"
if ((PROBE_DOCKER)); then
  run bash "$REPO_ROOT/scripts/lib/docker-probe.sh"
fi

# ---------------------------------------------------------------------------------------------
step "node + pnpm"

have node || die "node is not installed (need Node.js $NODE_MAJOR_MIN-$NODE_MAJOR_MAX)"
node_v=$(node --version)
node_major=${node_v#v}
node_major=${node_major%%.*}
((node_major >= NODE_MAJOR_MIN && node_major <= NODE_MAJOR_MAX)) ||
  die "node $node_v is outside $NODE_MAJOR_MIN-$NODE_MAJOR_MAX (package.json engines)"
record node "${node_v#v}" "$(command -v node)"

pnpm_want=$(node -e '
  const pm = require(process.argv[1]).packageManager || "";
  const m = /^pnpm@([0-9][^+]*)/.exec(pm);
  if (!m) { console.error("packageManager is not pnpm@<version>: " + JSON.stringify(pm)); process.exit(3); }
  console.log(m[1]);' "$REPO_ROOT/package.json")
pnpm_have=$(pnpm --version 2>/dev/null || true)
if [[ "$pnpm_have" != "$pnpm_want" ]]; then
  info "pnpm ${pnpm_have:-missing}, want $pnpm_want (package.json packageManager)"
  run npm install -g --no-audit --no-fund "pnpm@$pnpm_want"
  hash -r
  pnpm_have=$(pnpm --version)
  [[ "$pnpm_have" == "$pnpm_want" ]] || die "pnpm --version says $pnpm_have after installing $pnpm_want ($(command -v pnpm))"
fi
record pnpm "$pnpm_have" "$(command -v pnpm)"

# pnpm install, skipped when nothing it reads changed since the last successful one.
pnpm_inputs() {
  local manifests
  manifests=$(cd "$REPO_ROOT" && find . \( -name node_modules -o -name .git -o -name .venv \) -prune -o \
    -name package.json -type f -print | LC_ALL=C sort)
  # shellcheck disable=SC2086  # one path per line, no spaces in this repo's paths
  printf 'pnpm=%s ci=%s %s' "$pnpm_want" "${CI:-}" \
    "$(cd "$REPO_ROOT" && sha256_of pnpm-lock.yaml pnpm-workspace.yaml .npmrc $manifests)"
}
pnpm_stamp="$REPO_ROOT/node_modules/.kn-fn-setup.stamp"
if [[ -f "$REPO_ROOT/node_modules/.modules.yaml" && "$(read_file_or_empty "$pnpm_stamp")" == "$(pnpm_inputs)" ]]; then
  info "node_modules up to date with pnpm-lock.yaml"
else
  lock_before=$(cd "$REPO_ROOT" && sha256_of pnpm-lock.yaml)
  if [[ "${CI:-}" == true ]]; then
    run pnpm --dir "$REPO_ROOT" install --frozen-lockfile
  else
    # pnpm keeps to the lockfile when it is in sync with the package.json files and updates it
    # only when a package.json changed.
    run pnpm --dir "$REPO_ROOT" install
  fi
  if [[ "$(cd "$REPO_ROOT" && sha256_of pnpm-lock.yaml)" != "$lock_before" ]]; then
    info "pnpm-lock.yaml was created or updated: commit it"
  fi
  write_if_changed "$pnpm_stamp" "$(pnpm_inputs)"
fi

# ---------------------------------------------------------------------------------------------
step "python venv"

have python3 || die "python3 is not installed (need >= $PYTHON_MIN)"
py_v=$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
version_ge "$py_v" "$PYTHON_MIN" || die "python3 $py_v is too old (need >= $PYTHON_MIN)"

VENV="$REPO_ROOT/.venv"
INVOKER="$REPO_ROOT/packages/runtime-invoker"
venv_ok() {
  [[ -x "$VENV/bin/python" ]] &&
    "$VENV/bin/python" -c 'import sys, pip; sys.exit(0 if sys.prefix != sys.base_prefix and sys.version_info >= (3, 11) else 1)' \
      >/dev/null 2>&1
}
if ! venv_ok; then
  if [[ -e "$VENV" ]]; then
    info "$VENV is broken (no working python/pip): recreating"
    run rm -rf "$VENV"
  fi
  run python3 -m venv "$VENV"
fi
for f in pyproject.toml requirements-dev.txt requirements.lock; do
  [[ -f "$INVOKER/$f" ]] || die "missing $INVOKER/$f"
done
E2E_REQUIREMENTS="$REPO_ROOT/e2e/requirements.txt"
[[ -f "$E2E_REQUIREMENTS" ]] || die "missing $E2E_REQUIREMENTS"
venv_inputs() {
  printf 'python=%s %s %s' "$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')" \
    "$(cd "$INVOKER" && sha256_of requirements-dev.txt requirements.lock pyproject.toml)" \
    "$(sha256_of "$E2E_REQUIREMENTS")"
}
venv_imports_ok() {
  "$VENV/bin/python" -c 'import kn_fn_invoker, flask, cloudevents, granian, moto, boto3, pypdf, yaml' >/dev/null 2>&1
}
venv_stamp="$VENV/.kn-fn-setup.stamp"
pip_install() {
  run_quiet "$LOGS/pip-install.log" "$VENV/bin/pip" install --disable-pip-version-check \
    -r "$INVOKER/requirements-dev.txt" -r "$E2E_REQUIREMENTS" -e "$INVOKER"
  write_if_changed "$venv_stamp" "$(venv_inputs)"
}
if [[ "$(read_file_or_empty "$venv_stamp")" == "$(venv_inputs)" ]]; then
  if venv_imports_ok; then
    info ".venv up to date with requirements-dev.txt, requirements.lock, pyproject.toml, e2e/requirements.txt"
  else
    info ".venv stamp matches but the imports fail: reinstalling"
    pip_install
  fi
else
  pip_install
fi
if ! venv_imports_ok; then
  "$VENV/bin/python" -c 'import kn_fn_invoker, flask, cloudevents, granian, moto, boto3, pypdf, yaml' 2>&1 | tail -n 5 | sed 's/^/    | /' >&2 || true
  die "$VENV/bin/python -c 'import kn_fn_invoker, flask, cloudevents, granian, moto, boto3, pypdf, yaml'"
fi
record python "$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')" "$VENV/bin/python"
record kn-fn-invoker "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("kn-fn-invoker"))') (editable)" \
  "$INVOKER"

# ---------------------------------------------------------------------------------------------
step "go tools"

go_env
check_go
record go "$(go env GOVERSION)" "$(command -v go)"
ensure_pack
record pack "$("$CACHE/bin/pack" --version)" "$CACHE/bin/pack (and /usr/local/bin/pack)"
ensure_lifecycle
record lifecycle "$("$LC_DIR/lifecycle" -version)" "$LC_DIR/lifecycle"
record launcher "$LIFECYCLE_VERSION (static)" "$LC_DIR/launcher"
record lifecycle.tgz "sha256 $(cut -c1-16 "$LC_TGZ.sha256")..." "$LC_TGZ"
ensure_conformance
record cloudevents "$CONFORMANCE_VERSION (conformance)" "$CACHE/bin/cloudevents"
ensure_knative
record queue-proxy "$KNATIVE_VERSION ($KNATIVE_SERVING_MODULE $KNATIVE_SERVING_VERSION)" "$KNATIVE_QUEUE_IMAGE"
record heartbeats "$KNATIVE_VERSION ($KNATIVE_EVENTING_MODULE $KNATIVE_EVENTING_VERSION)" "$KNATIVE_HEARTBEATS_IMAGE"

# ---------------------------------------------------------------------------------------------
step "env files"

export KN_FN_CACHE="$CACHE"
export KN_FN_PACK="$CACHE/bin/pack"
export KN_FN_PACK_VERSION="$PACK_VERSION"
export KN_FN_LIFECYCLE_VERSION="$LIFECYCLE_VERSION"
export KN_FN_LIFECYCLE_DIR="$LC_DIR"
export KN_FN_LIFECYCLE_DESCRIPTOR="$LC_TOML"
export KN_FN_LIFECYCLE_TGZ="$LC_TGZ"
KN_FN_LIFECYCLE_TGZ_SHA256="$(cut -d' ' -f1 "$LC_TGZ.sha256")"
export KN_FN_LIFECYCLE_TGZ_SHA256
export KN_FN_CONFORMANCE="$CACHE/bin/cloudevents"
export KN_FN_CONFORMANCE_VERSION="$CONFORMANCE_VERSION"
export KN_FN_DOCKERD_LOG="$DOCKERD_LOG"
export KN_FN_KNATIVE_VERSION="$KNATIVE_VERSION"
export KN_FN_QUEUE_IMAGE="$KNATIVE_QUEUE_IMAGE"
export KN_FN_HEARTBEATS_IMAGE="$KNATIVE_HEARTBEATS_IMAGE"
ENV_VARS=(KN_FN_CACHE KN_FN_PACK KN_FN_PACK_VERSION KN_FN_LIFECYCLE_VERSION KN_FN_LIFECYCLE_DIR
  KN_FN_LIFECYCLE_DESCRIPTOR KN_FN_LIFECYCLE_TGZ KN_FN_LIFECYCLE_TGZ_SHA256 KN_FN_CONFORMANCE
  KN_FN_CONFORMANCE_VERSION KN_FN_DOCKERD_LOG KN_FN_KNATIVE_VERSION KN_FN_QUEUE_IMAGE KN_FN_HEARTBEATS_IMAGE)

env_sh=$(
  echo "# Written by kn-fn scripts/setup.sh; do not edit. Use: source \"$CACHE/env.sh\""
  echo "# KN_FN_LIFECYCLE_DIR holds lifecycle, launcher and the phase symlinks (like /cnb/lifecycle)."
  for n in "${ENV_VARS[@]}"; do printf "export %s=%q\n" "$n" "${!n}"; done
  echo "export TURBO_TELEMETRY_DISABLED=1"
  echo "case \":\$PATH:\" in *\":\$KN_FN_CACHE/bin:\"*) ;; *) export PATH=\"\$KN_FN_CACHE/bin:\$PATH\" ;; esac"
)
write_if_changed "$CACHE/env.sh" "$env_sh"
tools_json=$(
  KN_FN_ENV_VARS="${ENV_VARS[*]}" KN_FN_SUMMARY="$(printf '%s\n' "${SUMMARY[@]}")" python3 -c '
import json, os
out = {n: os.environ[n] for n in os.environ["KN_FN_ENV_VARS"].split()}
out["PATH_PREPEND"] = [os.environ["KN_FN_CACHE"] + "/bin"]
out["TURBO_TELEMETRY_DISABLED"] = "1"
out["tools"] = {}
for line in os.environ["KN_FN_SUMMARY"].splitlines():
    name, version, path = line.split("\t")
    out["tools"][name] = {"version": version, "path": path}
print(json.dumps(out, indent=2))'
)
write_if_changed "$CACHE/tools.json" "$tools_json"
info "wrote $CACHE/env.sh and $CACHE/tools.json"
step_done

echo
printf '%-16s  %-28s  %s\n' TOOL VERSION PATH
for row in "${SUMMARY[@]}"; do
  IFS=$'\t' read -r name version path <<<"$row"
  printf '%-16s  %-28s  %s\n' "$name" "$version" "$path"
done
echo
echo "setup done in $(elapsed_since "$SETUP_T0"); tools: source $CACHE/env.sh"
