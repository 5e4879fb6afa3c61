"""Summarise the runs run.sh collected: per-run lines, then the markdown for bench/RESULTS.md.

    python summarize.py OUT_DIR

OUT_DIR holds results.jsonl (one object per measured run) and meta.json (machine, versions,
command). Medians are over rounds; the ratios are taken within each round (a/c and a/d of
the same round, so drift between rounds cancels) and then their median is reported, with
the median p99 of both servers beside it. The targets are issue 16's: (a) at least 3.0x
functions-framework (c) with a p99 no worse and no errors, and at least 0.9x the bare app on
the same server (d).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

SERVERS = {
    "invoker": "(a) kn_fn_invoker (granian)",
    "candidate": "(a') candidate invoker (see below)",
    "flask": "(b) minimal Flask app on gunicorn (gthread, the invoker's former options)",
    "granian": "(d) the app of (b) on the invoker's server (`_server.serve`)",
    "ff": "(c) functions-framework (gunicorn)",
    "threads": "(e) the same async function on the thread-per-request path (WSGI, a fresh loop per call)",
}
CASES = {
    "http": "HTTP: `def handler(req): return \"hello\"`, GET /",
    "cloudevent": "CloudEvent, binary mode: POST / with ce-* headers and a 29-byte JSON body; no reply",
    "async": "HTTP, async: `async def handler(req): await asyncio.sleep(0.005); return \"hello\"`, GET /",
    "async_nowait": "HTTP, async, no I/O: `async def handler(req): await asyncio.sleep(0); return \"hello\"`, GET /",
}
TARGETS = {"a/c": 3.0, "a/d": 0.9, "a/e": 1.0}
# Targets the median must exceed, not just reach: (a) faster than (e).
STRICT = {"a/e"}
# Ratios whose numerator must also have a p99 no worse than the denominator's.
P99_TARGETS = {"a/c"}
# Whose runs must have no errors or non-2xx replies.
NO_ERRORS = {"invoker": "(a)"}
RATIOS = {
    "a/c": ("invoker", "ff"),
    "a/b": ("invoker", "flask"),
    "a/d": ("invoker", "granian"),
    "d/b": ("granian", "flask"),
    "a'/a": ("candidate", "invoker"),
    "a'/d": ("candidate", "granian"),
    "a'/c": ("candidate", "ff"),
    "a/e": ("invoker", "threads"),
}


def _ms(us: float) -> str:
    return f"{us / 1000:.2f} ms"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _cpu_us(run: dict) -> float | None:
    """The server's CPU time per request (main process and workers, all threads), in microseconds."""
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


def warmup_text(meta: dict) -> str:
    # run_rounds (bench/lib/rounds.sh) skips the warm-up run when it is 0 s.
    return f"every run after a {meta['warmup']} s warm-up" if float(meta["warmup"]) > 0 else "no warm-up runs"


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
        "Requests per second on 127.0.0.1, driven by wrk: the invoker on granian, the same minimal Flask app on gunicorn and on the invoker's granian server, and functions-framework. Medians over "
        f"{meta['rounds']} interleaved rounds (each server once per round, in the order of the table) of {meta['duration']} s each, "
        f"{warmup_text(meta)}; ratios are taken within a round, then their median is shown (min-max in brackets), with the median p99 of both servers."
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
    lines.append(f"- Servers: WORKERS={meta['workers']} THREADS={meta['threads']} for every server")
    lines.append(f"- (a) and (d) share `kn_fn_invoker._server.serve` and `granian_options`: {meta['granian_options']}; (b): baseline.py's `gunicorn_options`: {meta['gunicorn_options']}; (c): functions-framework's own (gthread, keepalive 2, no preload)")
    lines.append(f"- (a), (d): Python {meta['python']}, {meta['versions_invoker']} (invoker at commit {meta['commit']})")
    lines.append(f"- (b): Python {meta['python_flask']}, {meta['versions_flask']}")
    lines.append(f"- (c): Python {meta['python_ff']}, {meta['versions_ff']}")
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
            line = ratio_line(case, name, by_round, num, den, misses, p99_medians(case_runs))
            if line is not None:
                lines.append(line)
        lines += error_lines(case, case_runs, misses)
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


def p99_medians(runs: list[dict]) -> dict[str, float]:
    """Each server's median p99 over its runs, in microseconds (the table's p99 column)."""
    servers = {r["server"] for r in runs}
    return {s: statistics.median(r["p99_us"] for r in runs if r["server"] == s) for s in servers}


def ratio_line(case: str, name: str, by_round: dict[int, dict[str, float]], num: str, den: str, misses: list[str], p99: dict[str, float]) -> str | None:
    """`- throughput a/c: **median** (min-max); target ...; p99 X vs Y ...`, from the per-round
    ratios; None when no round has both servers. A missed target is added to `misses`."""
    ratios = [rates[num] / rates[den] for rates in by_round.values() if num in rates and den in rates]
    if not ratios:
        return None
    median = statistics.median(ratios)
    line = f"- throughput {name}: **{median:.3f}** ({min(ratios):.3f}-{max(ratios):.3f})"
    if name in TARGETS:
        strict = name in STRICT
        verdict = "met" if (median > TARGETS[name] if strict else median >= TARGETS[name]) else "MISSED"
        if verdict == "MISSED":
            misses.append(f"{case} {name}")
        line += f"; target {'>' if strict else '>='} {TARGETS[name]:.2f}: {verdict}"
    first, second = name.split("/")
    line += f"; p99 {first} {_ms(p99[num])}, {second} {_ms(p99[den])}"
    if name in P99_TARGETS:
        verdict = "met" if p99[num] <= p99[den] else "MISSED"
        if verdict == "MISSED":
            misses.append(f"{case} p99 {name}")
        line += f"; target p99 {first} <= {second}: {verdict}"
    return line


def error_lines(case: str, runs: list[dict], misses: list[str]) -> list[str]:
    """`- errors / non-2xx of (a): N; target 0: met`, for the servers that must have none."""
    lines = []
    for server, label in NO_ERRORS.items():
        mine = [r for r in runs if r["server"] == server]
        if not mine:
            continue
        errors = sum(_errors(r) for r in mine)
        if errors:
            misses.append(f"{case} errors of {label}")
        lines.append(f"- errors / non-2xx of {label}: {errors}; target 0: {'met' if not errors else 'MISSED'}")
    return lines


def write_results(out: Path, lines: list[str], misses: list[str]) -> int:
    markdown = "\n".join(lines)
    (out / "results.md").write_text(markdown + "\n")
    print("\n" + markdown)
    if misses:
        print(f"targets missed: {', '.join(misses)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
