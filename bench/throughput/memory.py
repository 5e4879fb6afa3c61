"""The memory of one container's server, read from the host's /proc: one JSON line.

    python memory.py PID        PID: the container's first process on the host
                                (docker inspect -f '{{.State.Pid}}' NAME)

The container's first process is the server's main process (granian's, or gunicorn's master);
its children are the workers. For each process it reports Pss and Pss_Anon, from
/proc/PID/smaps_rollup, in KiB:

- Pss, not RSS: every server here imports the app before it forks its workers, so most of a
  worker's pages start shared copy-on-write with the main process. RSS counts such a page in
  both; Pss splits it between them, so the sum over the container counts it once and is the
  memory the container really uses, and a worker's own figure grows as it writes to (and so
  copies) the pages it shared.
- Pss_Anon beside it: the heap and stacks alone. A file-backed page (the python binary,
  libraries, .so files of the image) is also split with the processes of *other* containers
  that map the same file of the same image layer, so Pss moves with what else runs; Pss_Anon
  does not.

Output: {"pid": PID, "main": {...}, "workers": [{...}], "others": [{...}], "container":
{"processes", "pss_kib", "pss_anon_kib"}}, each process as {"pid", "name", "pss_kib",
"pss_anon_kib"}; "others" are the deeper descendants (none expected), in the container sum too.
Standard library only; needs the right to read other users' smaps_rollup (root, as run.sh runs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROC = Path("/proc")


def parent_pids() -> dict[int, int]:
    """{pid: ppid} for every process on the host (the kernel has no /proc/PID/task/TID/children here)."""
    parents = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited since the glob
            continue
        # The name, in parentheses, may hold spaces and parentheses: the fields after the last ')'.
        fields = text[text.rindex(")") + 2 :].split()
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def process_memory(pid: int) -> dict:
    """{"pid", "name", "pss_kib", "pss_anon_kib"} of one process, from smaps_rollup."""
    values = {}
    for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines()[1:]:
        key, value, *_ = line.split()
        values[key.rstrip(":")] = int(value)
    name = (PROC / str(pid) / "comm").read_text().strip()
    # Pss_Anon is in smaps_rollup since Linux 5.7; None before.
    return {"pid": pid, "name": name, "pss_kib": values["Pss"], "pss_anon_kib": values.get("Pss_Anon")}


def container_memory(main_pid: int) -> dict:
    parents = parent_pids()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    workers = sorted(children.get(main_pid, []))
    others, queue = [], list(workers)
    while queue:
        below = sorted(children.get(queue.pop(0), []))
        others += below
        queue += below
    main = process_memory(main_pid)
    worker_rows = [process_memory(pid) for pid in workers]
    other_rows = [process_memory(pid) for pid in others]
    everyone = [main, *worker_rows, *other_rows]
    anon = [p["pss_anon_kib"] for p in everyone]
    return {
        "pid": main_pid,
        "main": main,
        "workers": worker_rows,
        "others": other_rows,
        "container": {
            "processes": len(everyone),
            "pss_kib": sum(p["pss_kib"] for p in everyone),
            "pss_anon_kib": None if None in anon else sum(anon),
        },
    }


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: memory.py PID (the container's first process on the host: docker inspect -f '{{.State.Pid}}' NAME)")
    print(json.dumps(container_memory(int(sys.argv[1]))))
