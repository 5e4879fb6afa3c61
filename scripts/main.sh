#!/usr/bin/env bash
# The main job: set up everything, build the buildpack and the builder (stack images,
# .cnb, builder image), `pack build` the HTTP template with it, run the image on 127.0.0.1,
# and answer one request.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
# shellcheck source=/dev/null
source "${KN_FN_CACHE:-$HOME/.cache/kn-fn}/env.sh"

echo "==> buildpack and builder tool"
pnpm --filter @kn-fn/buildpack build
pnpm --filter @kn-fn/builder build

echo "==> kn-fn-builder all (stack images, .cnb, builder image, builder.toml)"
(cd packages/builder && ./bin/kn-fn-builder all --out dist)

image=kn-fn-main/http:latest
echo "==> pack build $image --builder kn-fn/builder:latest --trust-builder --pull-policy never --path templates/python/http"
pack build "$image" --builder kn-fn/builder:latest --trust-builder --pull-policy never --path templates/python/http

port="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "==> docker run -p 127.0.0.1:$port:8080 $image"
container="$(docker run -d --rm -p "127.0.0.1:$port:8080" "$image")"
trap 'docker stop -t 5 "$container" >/dev/null 2>&1 || true' EXIT

for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if [ "$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" != "true" ]; then
    echo "the container exited:"; docker logs "$container" 2>&1 | tail -20; exit 1
  fi
  sleep 0.2
done

echo "==> curl http://127.0.0.1:$port/?name=kn-fn"
answer="$(curl -fsS "http://127.0.0.1:$port/?name=kn-fn")"
echo "$answer"
[ "$answer" = "Hello, kn-fn!" ] || { echo "unexpected answer"; exit 1; }
echo "==> done: $image (built with kn-fn/builder:latest) answered on 127.0.0.1:$port"
