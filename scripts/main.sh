#!/usr/bin/env bash
# The main job: set up everything, then serve the HTTP template with the runtime invoker on
# 127.0.0.1 and answer one request. (Grows into: create the builder, pack build, docker run.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash scripts/setup.sh

port="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
echo "==> serving templates/python/http on 127.0.0.1:$port"
.venv/bin/python -m kn_fn_invoker --dir templates/python/http --handler handler.handler --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "the invoker exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done

echo "==> curl http://127.0.0.1:$port/?name=kn-fn"
answer="$(curl -fsS "http://127.0.0.1:$port/?name=kn-fn")"
echo "$answer"
[ "$answer" = "Hello, kn-fn!" ] || { echo "unexpected answer"; exit 1; }
echo "==> done: the function answered"
