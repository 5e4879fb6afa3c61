"""Summarise what run.sh collected: per-run lines, then the markdown section, with the
host-process figures of bench/RESULTS.md (bench/invoker) alongside.

    python summarize.py OUT_DIR [--host-results bench/RESULTS.md]

OUT_DIR holds results.jsonl (one object per measured run, as bench/invoker/run.sh writes
them), images.jsonl (image_facts.py per
case and server) and meta.json. The figures are computed by bench/invoker/summarize.py's
helpers (imported, not copied): medians over rounds, ratios taken within a round and then
their median. The markdown goes to OUT_DIR/results.md and stdout; exit status 0 whether or
not targets are met, with the misses on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import sys
from pathlib import Path

# Loaded by path (bench/ is not a package); no __pycache__ written into bench/invoker.
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location("invoker_summarize", Path(__file__).resolve().parent.parent / "invoker" / "summarize.py")
invoker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(invoker)

SERVERS = {
    "invoker": "(a) kn-fn app image (pack)",
    "venv": "(a'') the same invoker in the baseline image's venv",
    "flask": "(b) minimal Flask app, same gunicorn options",
    "ff": "(c) functions-framework (Dockerfile)",
}
CASES = {
    "http": ("HTTP: functions/http (`return \"hello\"`, the body the baseline inlines), GET /", "### HTTP"),
    "cloudevent": ("CloudEvent, binary mode: POST / with ce-* headers and a 29-byte JSON body; no reply", "### CloudEvent"),
}
RATIOS = {"a/b": ("invoker", "flask"), "a/c": ("invoker", "ff"), "a/a''": ("invoker", "venv"), "a''/b": ("venv", "flask")}
HOST_SECTION = "## Invoker throughput (bench/invoker)"
HOST_ROWS = {"(a)": "invoker", "(b)": "flask", "(c)": "ff"}
MIN_ROUNDS = 5  # the invoker issue's bench ran 5 or more rounds
MAX_LOAD = 1.5  # 1-min load average before the run above which figures are provisional


def host_figures(results_md: Path) -> dict:
    """bench/invoker's figures from RESULTS.md: {case: {"rows": {server: cells}, "ratios": {name: text}}}."""
    if not results_md.is_file():
        return {}
    text = results_md.read_text()
    start = text.find(HOST_SECTION)
    if start < 0:
        return {}
    end = text.find("\n## ", start + len(HOST_SECTION))
    section = text[start : end if end > 0 else len(text)]
    figures: dict = {}
    rounds = re.search(r"Medians over (\d+) interleaved rounds", section)
    figures["rounds"] = rounds.group(1) if rounds else "?"
    for case, (_, heading) in CASES.items():
        at = section.find(heading)
        if at < 0:
            continue
        part = section[at : section.find("\n### ", at + 1) if section.find("\n### ", at + 1) > 0 else len(section)]
        rows, ratios = {}, {}
        for line in part.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            for prefix, server in HOST_ROWS.items():
                if line.startswith(f"| {prefix} ") and len(cells) >= 5:
                    rows[server] = {"rps": cells[1], "range": cells[2], "p50": cells[3], "p99": cells[4]}
            ratio = re.match(r"- throughput (a/[bc]): \*\*([0-9.]+)\*\* \(([0-9.]+-[0-9.]+)\)", line)
            if ratio:
                ratios[ratio.group(1)] = (float(ratio.group(2)), ratio.group(3))
        figures[case] = {"rows": rows, "ratios": ratios}
    return figures


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").split()[0])
    except (ValueError, IndexError):
        return None


def _median_wrk_share(runs: list[dict]) -> str:
    shares = [r["wrk_foreign_share"] for r in runs if r.get("wrk_foreign_share") is not None]
    return invoker._share(statistics.median(shares)) if shares else "n/a"


def provisional_reasons(meta: dict, runs: list[dict]) -> list[str]:
    reasons = []
    if int(meta["rounds"]) < MIN_ROUNDS:
        reasons.append(f"{meta['rounds']} round(s) of {meta['duration']} s (the invoker bench: >= {MIN_ROUNDS} of 10 s)")
    load = float(meta["load_before"].split()[0])
    if load >= MAX_LOAD:
        reasons.append(f"the machine was busy: load average {meta['load_before']} before the run (>= {MAX_LOAD})")
    limit = float(meta["max_foreign"])
    over = [r for r in runs if r.get("foreign_share") is not None and r["foreign_share"] > limit]
    if over:
        reasons.append(f"{len(over)} run(s) kept although other processes took more than {limit:.0%} of the server's core")
    # wrk's core is not guarded by re-runs; a slowed load generator lowers whichever server it
    # measured. On the published route the docker-proxy that carries every request (unpinned,
    # 20-30% of a core) counts as "others" there, for all three servers alike: recorded, not judged.
    wrk_over = [r for r in runs if r.get("wrk_foreign_share") is not None and r["wrk_foreign_share"] > limit]
    if meta.get("route") != "published" and len(wrk_over) * 4 > len(runs):
        reasons.append(f"in {len(wrk_over)} of {len(runs)} runs other processes took more than {limit:.0%} of wrk's core")
    return reasons


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--host-results", type=Path, default=Path(__file__).resolve().parent.parent / "RESULTS.md")
    args = parser.parse_args()
    out: Path = args.out
    runs = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    images = [json.loads(line) for line in (out / "images.jsonl").read_text().splitlines() if line.strip()]
    meta = json.loads((out / "meta.json").read_text())
    host = host_figures(args.host_results)

    print("## per-run figures\n")
    print(f"{'case':<11} {'round':>5} {'try':>3} {'server':<8} {'req/s':>9} {'p50':>10} {'p99':>10} {'errors':>6} {'server core':>11} {'others':>6} {'wrk core others':>15} {'CPU/req':>8}")
    for run in runs:
        print(
            f"{run['case']:<11} {run['round']:>5} {run.get('try', 1):>3} {run['server']:<8} {invoker._rps(run):>9.0f} {invoker._ms(run['p50_us']):>10} "
            f"{invoker._ms(run['p99_us']):>10} {invoker._errors(run):>6} {invoker._share(run.get('server_share')):>11} {invoker._share(run.get('foreign_share')):>6} "
            f"{invoker._share(run.get('wrk_foreign_share')):>15} {invoker._cpu_per_request(run):>8}"
        )

    lines: list[str] = []
    misses: list[str] = []
    reasons = provisional_reasons(meta, runs)
    lines.append("## Invoker throughput inside the built images (bench/throughput)")
    lines.append("")
    if reasons:
        lines.append(f"**Provisional**: {'; '.join(reasons)}.")
        lines.append("")
    lines.append(
        "bench/invoker's comparison with each server in its own container on the same run image (kn-fn/run:0.1.0), "
        "driven by wrk from the host. Medians over "
        f"{meta['rounds']} interleaved rounds (a, b, c, a, b, c, ...) of {meta['duration']} s each, every run after a "
        f"{meta['warmup']} s warm-up; ratios are taken within a round, then their median is shown (min-max in brackets). "
        f"A round was run again when other processes took more than {float(meta['max_foreign']):.0%} of the server's core "
        f"({meta['rejected']} runs rejected); \"others\" is the median of that share, \"others on wrk's core\" the same for the load generator's core (recorded only). "
        "The host columns are bench/invoker's figures in bench/RESULTS.md "
        f"({host.get('rounds', '?')} rounds, another time: the machine drifts +-15%, so compare ratios rather than req/s)."
    )
    lines.append("")
    lines.append(f"- Machine: {meta['nproc']} CPUs, {meta['cpu_model']}; {meta['kernel']}; Docker {meta['docker']}, pack {meta['pack']}; "
                 f"load average {meta['load_before']} before the run ({meta['foreign_containers']} other containers running), {meta['load_after']} after")
    route = (
        "wrk to each container's address on the docker bridge, port 8080 (published on 127.0.0.1 too; that route goes through docker-proxy)"
        if meta["route"] == "bridge"
        else "wrk to 127.0.0.1:PORT, through the engine's userland docker-proxy (unpinned)"
    )
    lines.append(f"- Load: wrk {meta['wrk_version']}, {meta['connections']} connections, {meta['wrk_threads']} threads; {meta['pinning']}; {route}")
    lines.append(f"- Servers: WORKERS={meta['workers']} THREADS={meta['threads']} for all three (docker run -e)")
    by_server: dict[str, list[dict]] = {}
    for image in images:
        by_server.setdefault(image["server"], []).append(image)
    for server, label in SERVERS.items():
        mine = by_server.get(server)
        if not mine:
            continue
        versions = ", ".join(f"{k} {v}" for k, v in mine[0]["versions"].items())
        names = ", ".join(dict.fromkeys(f"{i['image']} ({i['id']}, {i['size'] / 1e6:.0f} MB)" for i in mine))
        extra = f"; kn_fn_invoker .py digest {mine[0]['invoker_digest']}" if mine[0].get("invoker_digest") else ""
        lines.append(f"- {label.split(' ')[0]} {names}: Python {mine[0]['python']}, {versions}{extra}")
    options = {i.get("gunicorn_options") for i in images if i.get("gunicorn_options")}
    if len(options) == 1:
        lines.append(f"- (a) and (b) share `kn_fn_invoker._server.gunicorn_options`: {options.pop()}; (c): functions-framework's own (stock gthread, keepalive 2, no preload)")
    lines.append(f"- Builder {meta['builder']}, run image {meta['run_image']}; repository at {meta['commit']}, {meta['date']}")
    lines.append(f"- Command: `{meta['command']}`")
    lines.append("")

    for case, (title, _) in CASES.items():
        case_runs = [r for r in runs if r["case"] == case]
        if not case_runs:
            continue
        host_case = host.get(case, {"rows": {}, "ratios": {}})
        lines.append(f"### {title}")
        lines.append("")
        lines.append("| server | req/s (median) | req/s min-max | p50 | p99 | server CPU per request | errors / non-2xx | others | others on wrk's core | host req/s | host p50 | host p99 | req/s vs host |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        by_round: dict[int, dict[str, float]] = {}
        for server, label in SERVERS.items():
            mine = [r for r in case_runs if r["server"] == server]
            if not mine:
                continue
            rates = [invoker._rps(r) for r in mine]
            for r in mine:
                by_round.setdefault(r["round"], {})[server] = invoker._rps(r)
            h = host_case["rows"].get(server, {})
            host_rps = _number(h.get("rps", ""))
            versus = f"{statistics.median(rates) / host_rps:.2f}" if host_rps else "n/a"
            lines.append(
                f"| {label} | {invoker.server_cells(mine)} | {_median_wrk_share(mine)} "
                f"| {h.get('rps', 'n/a')} | {h.get('p50', 'n/a')} | {h.get('p99', 'n/a')} | {versus} |"
            )
        lines.append("")
        for name, (num, den) in RATIOS.items():
            line = invoker.ratio_line(case, name, by_round, num, den, misses)
            if line is None:
                continue
            if name in host_case["ratios"]:
                value, spread = host_case["ratios"][name]
                line += f"; host processes: {value:.3f} ({spread})"
            lines.append(line)
        lines.append("")
    return invoker.write_results(out, lines, misses)


if __name__ == "__main__":
    sys.exit(main())
