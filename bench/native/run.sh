#!/usr/bin/env bash
# Native libraries benchmark (not a test): what issue 12's run image and system packages cost.
#
# 1. Run image size: the run image kn-fn-builder makes today (python3, CA certificates,
#    tzdata and every library the manylinux policy allows, libGL without Mesa) against the
#    recipe before it (python3, ca-certificates, tzdata only), made with mmdebstrap in the
#    same run with the same filters and SOURCE_DATE_EPOCH. Content bytes (regular files).
# 2. Build time of a function that declares a Debian package: `http-sys` is the HTTP
#    template with project.toml [com.kn-fn.system-packages] install = ["libmpfr6"]; `http`
#    is the template as it is. Per round: cold (no previous image, no cache volumes) and warm
#    (again, nothing changed) builds of each, in that order; the figure is the median of the
#    per-round differences and ratios (http-sys against http of the same phase and round).
#
# Usage: bench/native/run.sh   (BENCH_ROUNDS=5, BENCH_OUT; see bench/lib/common.sh)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh
source "$HERE/../lib/common.sh"

bench_init native
bench_builders

# --- 1. run image size ---------------------------------------------------------------------
content_bytes() { "$PY" "$BENCH_DIR/images/manifest.py" write "$1" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["content"])'; }
log "run image content: $RUN_IMAGE"
export_image "$RUN_IMAGE" | content_bytes "$OUT/run-now.tsv" >"$OUT/run-now.bytes"
record 1 run-image/now "$(cat "$OUT/run-now.bytes")" B
MODE=unshare; ((EUID == 0)) && MODE=root
log "run image content: the recipe before (mmdebstrap python3,ca-certificates,tzdata)"
SOURCE_DATE_EPOCH=1747699200 mmdebstrap --mode=$MODE --variant=essential --format=tar \
  --include=python3,ca-certificates,tzdata \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
  bookworm - "deb http://deb.debian.org/debian bookworm main" "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" 2>"$OUT/logs/mmdebstrap-before.log" \
  | content_bytes "$OUT/run-before.tsv" >"$OUT/run-before.bytes"
record 1 run-image/before "$(cat "$OUT/run-before.bytes")" B

# --- 2. build time with a system package -----------------------------------------------------
APP_SRC[http-sys]=$ROOT/templates/python/http
for app in http http-sys; do fresh_app "$app" >/dev/null; done
printf '\n[com.kn-fn.system-packages]\ninstall = ["libmpfr6"]\n' >>"$OUT/apps/http-sys/project.toml"
declare -A IMAGE=([http]=kn-fn-bench/native-http:latest [http-sys]=kn-fn-bench/native-http-sys:latest)
for ((r = 1; r <= ROUNDS; r++)); do
  for app in http http-sys; do
    pack_forget "${IMAGE[$app]}"
    timed "$r" "$app/cold" "$OUT/logs/$app-cold-$r.log" pack_build "${IMAGE[$app]}" "$BUILDER" "$app"
    timed "$r" "$app/warm" "$OUT/logs/$app-warm-$r.log" pack_build "${IMAGE[$app]}" "$BUILDER" "$app"
  done
done
grep -q "Reusing cached system packages" "$OUT/logs/http-sys-warm-1.log" || die "the warm http-sys build did not reuse its system packages"
for app in http http-sys; do docker rmi "${IMAGE[$app]}" >/dev/null 2>&1 || true; pack_forget "${IMAGE[$app]}"; done

"$PY" - "$OUT" <<'PY'
import json, statistics, sys
from pathlib import Path
out = Path(sys.argv[1])
rows = [json.loads(l) for l in (out / "results.jsonl").read_text().splitlines()]
value = {(r["round"], r["key"]): r["value"] for r in rows}
machine = json.loads((out / "machine.json").read_text())
now, before = value[(1, "run-image/now")], value[(1, "run-image/before")]
rounds = sorted({r["round"] for r in rows if r["key"].endswith("/cold")})
lines = [
    "## Native libraries: run image size and system packages (bench/native)",
    "",
    f"`bench/native/run.sh`, {len(rounds)} rounds, commit {machine['commit']}, {machine['date']}, "
    f"{machine['nproc']} cores, Docker {machine['docker']}, pack {machine['pack']}.",
    "",
    "| run image content | bytes | MB |",
    "|---|---:|---:|",
    f"| before: python3, ca-certificates, tzdata | {before} | {before / 1e6:.1f} |",
    f"| now: + every manylinux_2_36 library (libGL without Mesa) | {now} | {now / 1e6:.1f} |",
    f"| difference | {now - before} | {(now - before) / 1e6:+.1f} ({now / before:.3f}x) |",
    "",
    "| build (median of per-round figures) | http (s) | http + libmpfr6 (s) | added (s) | ratio |",
    "|---|---:|---:|---:|---:|",
]
for phase in ("cold", "warm"):
    a = [value[(r, f"http/{phase}")] for r in rounds]
    b = [value[(r, f"http-sys/{phase}")] for r in rounds]
    lines.append(
        f"| {phase} | {statistics.median(a):.2f} | {statistics.median(b):.2f} | "
        f"{statistics.median([y - x for x, y in zip(a, b)]):+.2f} | {statistics.median([y / x for x, y in zip(a, b)]):.2f} |"
    )
(out / "results.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PY
