"""Summarise one bench run: per-round figures, then the markdown section for bench/RESULTS.md.

    python summarize.py OUT_DIR

OUT_DIR holds what bench/lib/common.sh and a run.sh wrote:
  results.jsonl  one measurement per line: {"round", "key", "value", "unit", "foreign", "load"}
                 (foreign: containers of other people running during it; load: 1-min load
                 average when it started)
  spec.json      {"title", "intro", "rows": [{"key", "label"}], "ratios": [{"label", "num",
                 "den", "target"?, "cmp"?: "<=" | "<"}], "notes": [...], "command"}
  details.txt    optional lines the run.sh learnt while running (versions, image IDs)
  machine.json   machine, engine, tool versions, commit, rounds

Absolute figures are medians over rounds (min-max shown). A ratio is taken within each round
(num and den measured minutes apart, so slow drift of the machine cancels) and the median of
those per-round ratios is reported, as in bench/invoker/summarize.py. The markdown goes to
OUT_DIR/results.md and stdout; exit status 0 whether or not targets are met (numbers, not
pass/fail), with the misses listed on stderr.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

MIN_ROUNDS = 5  # the issue asks for the median of at least 5 rounds


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "B":
        return f"{value / 1e6:,.1f} MB" if value >= 1e6 else f"{value / 1e3:,.1f} kB"
    return f"{value:g} {unit}"


def verdict(median: float, target: float, cmp: str) -> tuple[str, bool]:
    met = median < target if cmp == "<" else median <= target
    margin = median / target - 1
    if met:
        return f"met ({-margin:.1%} under)", True
    return f"MISSED by {median - target:.2f} ({margin:+.1%})", False


def main(out: Path) -> int:
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    # Phase records (phases.py) only feed the breakdown table.
    runs = [r for r in records if not r.get("phase")]
    phases: dict[str, list[float]] = {}
    for r in records:
        if r.get("phase"):
            phases.setdefault(r["key"], []).append(r["value"])
    spec = json.loads((out / "spec.json").read_text())
    machine = json.loads((out / "machine.json").read_text())
    details_file = out / "details.txt"
    details = [l for l in details_file.read_text().splitlines() if l.strip()] if details_file.exists() else []
    by_key: dict[str, dict[int, dict]] = {}
    for run in runs:
        by_key.setdefault(run["key"], {})[run["round"]] = run

    print("## per-round figures\n")
    print(f"{'key':<28} {'round':>5} {'value':>14} {'others':>6} {'load':>5}")
    for run in runs:
        load = "" if run.get("load") is None else f"{run['load']:.2f}"
        print(f"{run['key']:<28} {run['round']:>5} {fmt(run['value'], run['unit']):>14} {run.get('foreign', 0):>6} {load:>5}")

    rounds = sorted({r["round"] for r in runs})
    timed = [r for r in runs if r["unit"] == "s"]
    busy = [r for r in timed if r.get("foreign")]
    loads = [r["load"] for r in timed if r.get("load") is not None]
    provisional = []
    if timed and len(rounds) < MIN_ROUNDS:
        provisional.append(f"{len(rounds)} round(s), fewer than {MIN_ROUNDS}")
    if busy:
        provisional.append(f"other people's containers were running during {len(busy)} of {len(timed)} timed steps")

    lines = [f"## {spec['title']}", ""]
    if spec.get("intro"):
        lines += [spec["intro"], ""]
    if provisional:
        lines += [f"**Provisional** ({'; '.join(provisional)}): re-measure on a quiet machine with BENCH_ROUNDS=5 or more.", ""]
    lines.append(f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['mem']}; {machine['kernel']}")
    lines.append(f"- Engine and tools: Docker {machine['docker']}, storage driver {machine['storage']}; pack {machine['pack']}; lifecycle {machine['lifecycle']}")
    load_text = f"; 1-min load average at the start of each step: median {statistics.median(loads):.2f}, max {max(loads):.2f}" if loads else ""
    lines.append(f"- Measured {machine['date']} at commit {machine['commit']}; {len(rounds)} round(s){load_text}")
    lines += [f"- {d}" for d in details]
    if spec.get("command"):
        lines.append(f"- Command: `{spec['command']}`")
    lines.append("")

    lines.append("| what | median | min-max | rounds |")
    lines.append("| --- | ---: | ---: | ---: |")
    for row in spec["rows"]:
        got = by_key.get(row["key"])
        if not got:
            continue
        values = [r["value"] for r in got.values()]
        unit = next(iter(got.values()))["unit"]
        spread = f"{fmt(min(values), unit)}-{fmt(max(values), unit)}" if len(values) > 1 else ""
        lines.append(f"| {row['label']} | {fmt(statistics.median(values), unit)} | {spread} | {len(values)} |")
    lines.append("")

    misses = []
    for ratio in spec.get("ratios", []):
        num, den = by_key.get(ratio["num"], {}), by_key.get(ratio["den"], {})
        per_round = [num[r]["value"] / den[r]["value"] for r in sorted(num) if r in den and den[r]["value"]]
        if not per_round:
            continue
        median = statistics.median(per_round)
        spread = f" ({min(per_round):.3f}-{max(per_round):.3f})" if len(per_round) > 1 else ""
        line = f"- {ratio['label']}: **{median:.3f}**{spread}"
        if ratio.get("target") is not None:
            cmp = ratio.get("cmp", "<=")
            text, met = verdict(median, ratio["target"], cmp)
            line += f"; target {cmp} {ratio['target']:.2f}: {text}"
            if not met:
                misses.append(ratio["label"])
        lines.append(line)
    breakdown = spec.get("breakdown")
    if breakdown and phases:
        names = breakdown["phases"]
        lines += ["", breakdown["title"], "", f"| {breakdown.get('column', 'what')} | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
        for row in breakdown["rows"]:
            cells = [phases.get(f"{row['key']}:{n}") for n in names]
            if any(cells):
                lines.append(f"| {row['label']} | " + " | ".join(f"{statistics.median(c):.2f}" if c else "" for c in cells) + " |")
    if spec.get("notes"):
        lines.append("")
        lines += spec["notes"]

    markdown = "\n".join(lines).rstrip() + "\n"
    (out / "results.md").write_text(markdown)
    print("\n" + markdown)
    if misses:
        print(f"targets missed: {'; '.join(misses)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
