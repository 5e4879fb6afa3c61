"""The container's CPU limit, and the WORKERS and THREADS defaults that follow from it.

A Knative pod usually runs with a CPU limit, and the host's core count says nothing about
it: a pod limited to one CPU on a 64-core node that started 64 workers would have each
throttled to a sliver. The limit is the cgroup's CPU quota (v2 `cpu.max`, v1
`cpu.cfs_quota_us` / `cpu.cfs_period_us`), bounded by the CPUs the process may run on
(`--cpuset-cpus`, `os.sched_getaffinity`).

The rule (documented in the README):
- no limit: 1 worker, 8 threads, as without this module (a second worker is a second copy of
  the function in memory; give WORKERS to use more cores);
- a limit of L CPUs: workers = L rounded to the nearest whole number, halves up, at least 1
  (the GIL lets a worker use one core; half a core is worth a worker, a fifth is not);
  threads = 8, or for a limit under one CPU 8 x L rounded up, at least 2 (under a quota
  every thread's share shrinks; fewer requests at once in the function keep latency
  bounded, and the rest wait in queue-proxy, where the autoscaler sees them).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
THREADS_PER_WORKER = 8
MIN_THREADS_UNDER_ONE_CPU = 2


@dataclass(frozen=True)
class CpuLimit:
    cpus: float | None  # None: no limit
    source: str  # where the figure comes from, for the start-up log line


@dataclass(frozen=True)
class Concurrency:
    workers: int
    threads: int


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def read_cpu_limit(root: Path = CGROUP, available: int | None = None) -> CpuLimit:
    """The limit from cgroup v2, else v1; `available` defaults to the CPUs this process may run on."""
    if available is None:
        available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _quota_v2(root) or _quota_v1(root)
    if quota is None:
        return CpuLimit(None, "no CPU quota in the cgroup")
    cpus, source = quota
    if cpus is None:
        return CpuLimit(None, source)
    if cpus > available:
        return CpuLimit(float(available), f"{source}, bounded by the {available} CPUs this process may run on")
    return CpuLimit(cpus, source)


def _quota_v2(root: Path) -> tuple[float | None, str] | None:
    text = _read(root / "cpu.max")
    if text is None:
        return None
    parts = text.split()
    if len(parts) != 2:
        return None
    quota, period = parts
    source = f"cgroup v2 cpu.max '{text}'"
    if quota == "max":
        return None, source
    return _ratio(quota, period, source)


def _quota_v1(root: Path) -> tuple[float | None, str] | None:
    for directory in (root / "cpu", root / "cpu,cpuacct"):
        quota, period = _read(directory / "cpu.cfs_quota_us"), _read(directory / "cpu.cfs_period_us")
        if quota is None or period is None:
            continue
        source = f"cgroup v1 cpu.cfs_quota_us {quota} / cpu.cfs_period_us {period}"
        if quota == "-1":
            return None, source
        return _ratio(quota, period, source)
    return None


def _ratio(quota: str, period: str, source: str) -> tuple[float | None, str] | None:
    if not (quota.isdigit() and period.isdigit()) or int(quota) == 0 or int(period) == 0:
        return None  # unreadable: as if there were no file
    return int(quota) / int(period), source


def default_concurrency(limit: CpuLimit) -> Concurrency:
    if limit.cpus is None:
        return Concurrency(workers=1, threads=THREADS_PER_WORKER)
    workers = max(1, math.floor(limit.cpus + 0.5))
    if limit.cpus >= 1:
        threads = THREADS_PER_WORKER
    else:
        threads = max(MIN_THREADS_UNDER_ONE_CPU, math.ceil(THREADS_PER_WORKER * limit.cpus))
    return Concurrency(workers=workers, threads=threads)
