"""One sample of CPU time, to tell how much of the server's core something else took.

    python cpu_sample.py CPU PGID [--since SAMPLE_JSON]

Prints JSON: the wall clock, the busy time of CPU (user, system, irq, steal: everything but
idle and iowait) and the CPU time of every process in process group PGID (the server: its
main process and workers, gunicorn's or granian's), all in seconds. run.sh samples before
and after each measured run; with the server pinned to CPU, (busy - server) / wall is the
share of that core taken by other processes or the hypervisor during the run, which on a
shared machine is the main source of run-to-run noise.
"""

from __future__ import annotations

import json
import os
import sys
import time


def cpu_busy(cpu: str) -> tuple[float, float]:
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as stat:
        for line in stat:
            fields = line.split()
            if fields[0] == f"cpu{cpu}":
                user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
                return (user + nice + system + irq + softirq + steal) / hz, steal / hz
    raise SystemExit(f"no cpu{cpu} in /proc/stat")


def group_time(pgid: int) -> float:
    hz = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:  # field 5: pgrp
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / hz


def main() -> int:
    cpu, pgid = sys.argv[1], int(sys.argv[2])
    busy, steal = cpu_busy(cpu)
    now = {"t": time.monotonic(), "busy": busy, "steal": steal, "server": group_time(pgid)}
    if len(sys.argv) == 5 and sys.argv[3] == "--since":
        # With --since: the shares of the core over the interval, as fractions of wall time.
        before = json.loads(sys.argv[4])
        wall = now["t"] - before["t"]
        server = (now["server"] - before["server"]) / wall
        busy_share = (now["busy"] - before["busy"]) / wall
        print(json.dumps({"server_cpu_s": round(now["server"] - before["server"], 3), "server_share": round(server, 3), "foreign_share": round(max(0.0, busy_share - server), 3),
                          "steal_share": round((now["steal"] - before["steal"]) / wall, 3)}))
    else:
        print(json.dumps(now))
    return 0


if __name__ == "__main__":
    sys.exit(main())
