#!/usr/bin/env bash
# Full Docker engine check, for debugging a machine (setup.sh only runs `docker info`; run this
# with `bash scripts/setup.sh --probe-docker` or directly). Nothing can be pulled here, so it
# imports a one-file image made from Debian's static busybox, runs busybox httpd in it with a
# port published on 127.0.0.1, and fetches a page through that port.
set -Eeuo pipefail

PORT="${KN_FN_PROBE_PORT:-18089}"
IMAGE="kn-fn/probe:latest"
NAME="kn-fn-probe-$$"
BUSYBOX="${KN_FN_BUSYBOX:-/bin/busybox}"

[[ -x "$BUSYBOX" ]] || { echo "docker probe: $BUSYBOX missing (Debian package busybox-static)" >&2; exit 1; }
[[ "$(file -b "$BUSYBOX")" == *"statically linked"* ]] || { echo "docker probe: $BUSYBOX is not static" >&2; exit 1; }

root=$(mktemp -d)
cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$root"; }
trap cleanup EXIT

mkdir -p "$root/bin" "$root/www"
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
printf 'kn-fn docker probe %s\n' "$$" >"$root/www/index.html"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@315532801 -C "$root" -c bin www |
  docker import -c 'ENTRYPOINT ["/bin/busybox"]' - "$IMAGE" >/dev/null

docker run -d --name "$NAME" -p "127.0.0.1:$PORT:8080" "$IMAGE" httpd -f -p 8080 -h /www >/dev/null
body=""
for _ in $(seq 1 50); do
  if body=$(curl -fsS -m 2 "http://127.0.0.1:$PORT/index.html" 2>/dev/null); then break; fi
  sleep 0.1
done
if [[ "$body" != "kn-fn docker probe $$" ]]; then
  echo "docker probe: no answer on 127.0.0.1:$PORT (got '$body')" >&2
  docker logs "$NAME" >&2 || true
  exit 1
fi
printf 'docker probe ok: %s answered on 127.0.0.1:%s (client %s, API %s)\n' "$IMAGE" "$PORT" \
  "$(docker version --format '{{.Client.Version}}')" "$(docker version --format '{{.Client.APIVersion}}')"
