"""Summarise the runs run.sh collected: per-run lines, then the markdown for bench/RESULTS.md.

    python summarize.py OUT_DIR

OUT_DIR holds results.jsonl (one object per measured run) and meta.json (machine, versions,
command). Medians are over rounds; the ratios are taken within each round (a/b and a/c of
the same round, so drift between rounds cancels) and then their median is reported.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

SERVERS = {
    "invoker": "(a) kn_fn_invoker",
    "candidate": "(a') candidate invoker (see below)",
    "flask": "(b) minimal Flask app, same gunicorn options",
    "ff": "(c) functions-framework",
    "granian": "(d) the app of (b) on granian (WSGI)",
    "invoker-granian": "(e) the invoker's app on granian (WSGI), as (d)",
}
CASES = {
    "http": "HTTP: `def handler(req): return \"hello\"`, GET /",
    "cloudevent": "CloudEvent, binary mode: POST / with ce-* headers and a 29-byte JSON body; no reply",
    "async": "HTTP, async: `async def handler(req): await asyncio.sleep(0.005); return \"hello\"`, GET / (invoker and candidate only)",
}
TARGETS = {"a/b": 0.95, "a/c": 1.0}
RATIOS = {"a/b": ("invoker", "flask"), "a/c": ("invoker", "ff"), "d/b": ("granian", "flask"), "d/c": ("granian", "ff"), "e/d": ("invoker-granian", "granian"), "e/c": ("invoker-granian", "ff"), "a'/a": ("candidate", "invoker"), "a'/b": ("candidate", "flask"), "a'/c": ("candidate", "ff")}


def _ms(us: float) -> str:
    return f"{us / 1000:.2f} ms"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _cpu_us(run: dict) -> float | None:
    """The server's CPU time per request (arbiter and worker, all threads), in microseconds."""
    cpu = run.get("server_cpu_s")
    return None if cpu is None or not run["requests"] else cpu / run["requests"] * 1e6


def _cpu_per_request(run: dict) -> str:
    value = _cpu_us(run)
    return "n/a" if value is None else f"{value:.0f} us"


def _rps(run: dict) -> float:
    return run["requests"] / (run["duration_us"] / 1e6)


def _median_share(runs: list[dict]) -> str:
    shares = [r["foreign_share"] for r in runs if r.get("foreign_share") is not None]
    return _share(statistics.median(shares)) if shares else "n/a"


def _median_cpu(runs: list[dict]) -> str:
    values = [v for v in (_cpu_us(r) for r in runs) if v is not None]
    return f"{statistics.median(values):.0f} us" if values else "n/a"


def _errors(run: dict) -> int:
    return sum(run[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))


def main(out: Path) -> int:
    runs = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    meta = json.loads((out / "meta.json").read_text())

    print("## per-run figures\n")
    print(f"{'case':<11} {'round':>5} {'try':>3} {'server':<9} {'req/s':>9} {'p50':>10} {'p99':>10} {'errors':>6} {'server core':>11} {'others':>6} {'CPU/req':>8}")
    for run in runs:
        print(
            f"{run['case']:<11} {run['round']:>5} {run.get('try', 1):>3} {run['server']:<9} {_rps(run):>9.0f} {_ms(run['p50_us']):>10} "
            f"{_ms(run['p99_us']):>10} {_errors(run):>6} {_share(run.get('server_share')):>11} {_share(run.get('foreign_share')):>6} {_cpu_per_request(run):>8}"
        )

    lines: list[str] = []
    misses: list[str] = []
    lines.append("## Invoker throughput (bench/invoker)")
    lines.append("")
    lines.append(
        "Requests per second through gunicorn (gthread) + Flask on 127.0.0.1, driven by wrk. Medians over "
        f"{meta['rounds']} interleaved rounds (each server once per round, in the order of the table: a, b, c, a, b, c, ...) of {meta['duration']} s each, every run after a "
        f"{meta['warmup']} s warm-up; ratios are taken within a round, then their median is shown (min-max in brackets)."
    )
    lines.append("")
    if runs and runs[0].get("foreign_share") is not None:
        lines.append(
            f"A round was run again when, during one of its runs, other processes (or the hypervisor) took more than "
            f"{float(meta['max_foreign']):.0%} of the server's core ({meta['rejected']} runs rejected this time); "
            "\"others\" below is the median of that share."
        )
        lines.append("")
    lines.append(f"- Machine: {meta['nproc']} CPUs, {meta['cpu_model']}; {meta['kernel']}")
    lines.append(f"- Load: wrk {meta['wrk_version']}, {meta['connections']} connections, {meta['wrk_threads']} threads; {meta['pinning']}")
    lines.append(f"- Servers: WORKERS={meta['workers']} THREADS={meta['threads']} for all three; (a) and (b) share `kn_fn_invoker._server.gunicorn_options`: {meta['gunicorn_options']}")
    lines.append(f"- (a)/(b): Python {meta['python']}, {meta['versions_invoker']} (invoker at commit {meta['commit']})")
    lines.append(f"- (c): Python {meta['python_ff']}, {meta['versions_ff']}")
    if meta.get("versions_granian"):
        lines.append(f"- (d), (e): Python {meta['python']}, {meta['versions_granian']}; granian_baseline.py: workers=WORKERS, blocking_threads=THREADS, runtime_threads=1, HTTP/1")
    if meta.get("candidate_patch"):
        lines.append(f"- (a') candidate: the invoker's src/ with `{meta['candidate_patch']}` applied (BENCH_CANDIDATE_PATCH)")
    elif meta.get("candidate"):
        lines.append(f"- (a') candidate: the invoker with PYTHONPATH={meta['candidate']}")
    lines.append(f"- Command: `{meta['command']}`")
    lines.append("")

    for case, title in CASES.items():
        case_runs = [r for r in runs if r["case"] == case]
        if not case_runs:
            continue
        lines.append(f"### {title}")
        lines.append("")
        lines.append("| server | req/s (median) | req/s min-max | p50 | p99 | server CPU per request | errors / non-2xx | others |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        by_round: dict[int, dict[str, float]] = {}
        for server, label in SERVERS.items():
            mine = [r for r in case_runs if r["server"] == server]
            if not mine:
                continue
            for r in mine:
                by_round.setdefault(r["round"], {})[server] = _rps(r)
            lines.append(f"| {label} | {server_cells(mine)} |")
        lines.append("")
        for name, (num, den) in RATIOS.items():
            line = ratio_line(case, name, by_round, num, den, misses)
            if line is not None:
                lines.append(line)
        lines.append("")
    return write_results(out, lines, misses)


def server_cells(mine: list[dict]) -> str:
    """The cells every throughput table has for one server's runs: req/s median and range,
    p50, p99, server CPU per request, errors, others' share of the server's core."""
    rates = [_rps(r) for r in mine]
    return (
        f"{statistics.median(rates):,.0f} | {min(rates):,.0f}-{max(rates):,.0f} "
        f"| {_ms(statistics.median(r['p50_us'] for r in mine))} | {_ms(statistics.median(r['p99_us'] for r in mine))} "
        f"| {_median_cpu(mine)} | {sum(_errors(r) for r in mine)} | {_median_share(mine)}"
    )


def ratio_line(case: str, name: str, by_round: dict[int, dict[str, float]], num: str, den: str, misses: list[str]) -> str | None:
    """`- throughput a/b: **median** (min-max); target ...`, from the per-round ratios; None
    when no round has both servers. A missed target is added to `misses`."""
    ratios = [rates[num] / rates[den] for rates in by_round.values() if num in rates and den in rates]
    if not ratios:
        return None
    median = statistics.median(ratios)
    line = f"- throughput {name}: **{median:.3f}** ({min(ratios):.3f}-{max(ratios):.3f})"
    if name in TARGETS:
        verdict = "met" if median >= TARGETS[name] else "MISSED"
        if verdict == "MISSED":
            misses.append(f"{case} {name}")
        line += f"; target >= {TARGETS[name]:.2f}: {verdict}"
    return line


def write_results(out: Path, lines: list[str], misses: list[str]) -> int:
    markdown = "\n".join(lines)
    (out / "results.md").write_text(markdown + "\n")
    print("\n" + markdown)
    if misses:
        print(f"targets missed: {', '.join(misses)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
