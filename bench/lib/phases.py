"""Where a `pack --timestamps build` spent its time, from its log.

    python phases.py LOG T0 T1 --round N --key KEY [--without PHASE --as KEY2]
                                                     # appends to stdout: results.jsonl lines

T0 and T1 are the epoch seconds at which the pack command was started and returned (bash
$EPOCHREALTIME in bench/lib/common.sh timed). pack prefixes every line with the local time
it printed it ("2026/11/23 22:54:53.443605 ===> ANALYZING"; only the first line of each
chunk read from the container), so the phases are:

  setup    T0 -> "===> ANALYZING": pack itself, the ephemeral builder (project.toml env),
           the volumes and the creator container
  analyze, detect, restore, build    between the lifecycle's phase headers
  export   "===> EXPORTING" -> "*** Images": app image layers and config, saved to the engine
  finish   "*** Images" -> T1: cache layers written, the container removed, pack exits

One line per phase, with the same key plus ":phase", as summarize.py reads them. With
--without PHASE --as KEY2, also one measurement KEY2: the whole build less that phase (the
no-op that copies a venv in its build phase, less the copy: what pack and the lifecycle charge).
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime

STAMP = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) (.*)$")
HEADERS = {"===> ANALYZING": "analyze", "===> DETECTING": "detect", "===> RESTORING": "restore",
           "===> BUILDING": "build", "===> EXPORTING": "export"}


def phase_times(lines: list[str], t0: float, t1: float) -> dict[str, float]:
    marks: list[tuple[str, float]] = [("setup", t0)]
    at = t0
    for line in lines:
        # pack stamps the first line of each chunk it copies from the container: a line
        # without a stamp arrived with the stamped one before it.
        m = STAMP.match(line)
        if m:
            at = datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
        text = (m.group(2) if m else line).strip()
        if text in HEADERS:
            marks.append((HEADERS[text], at))
        elif text.startswith("*** Images"):
            marks.append(("finish", at))
    marks.append(("end", t1))
    return {name: round(marks[i + 1][1] - at, 3) for i, (name, at) in enumerate(marks[:-1])}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("t0", type=float)
    parser.add_argument("t1", type=float)
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--without", choices=["setup", *HEADERS.values(), "finish"])
    parser.add_argument("--as", dest="as_key")
    args = parser.parse_args()
    if (args.without is None) != (args.as_key is None):
        parser.error("--without and --as go together")
    with open(args.log, encoding="utf-8", errors="replace") as f:
        times = phase_times(f.read().splitlines(), args.t0, args.t1)
    for name, seconds in times.items():
        print(json.dumps({"round": args.round, "key": f"{args.key}:{name}", "value": seconds, "unit": "s", "phase": True}))
    if args.without is not None:
        less = round(args.t1 - args.t0 - times.get(args.without, 0.0), 3)
        print(json.dumps({"round": args.round, "key": args.as_key, "value": less, "unit": "s"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
