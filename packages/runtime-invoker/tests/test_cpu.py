"""WORKERS and THREADS defaults from the container's CPU limit (cgroup v2 and v1, faked in a
directory; the built image is run with `docker run --cpus` in e2e/tests/journey)."""

from __future__ import annotations

import pytest

from kn_fn_invoker import _messages as messages
from kn_fn_invoker._cpu import Concurrency, CpuLimit, default_concurrency, read_cpu_limit
from kn_fn_invoker._settings import Settings, from_environment


def v2(tmp_path, text):
    (tmp_path / "cpu.max").write_text(text + "\n")
    return tmp_path


def v1(tmp_path, quota, period="100000", directory="cpu"):
    (tmp_path / directory).mkdir()
    (tmp_path / directory / "cpu.cfs_quota_us").write_text(quota + "\n")
    (tmp_path / directory / "cpu.cfs_period_us").write_text(period + "\n")
    return tmp_path


@pytest.mark.parametrize("text, cpus", [("50000 100000", 0.5), ("200000 100000", 2.0), ("150000 100000", 1.5),
                                         ("max 100000", None)])
def test_cgroup_v2(tmp_path, text, cpus):
    limit = read_cpu_limit(v2(tmp_path, text), available=16)
    assert limit == CpuLimit(cpus, f"cgroup v2 cpu.max '{text}'")


@pytest.mark.parametrize("quota, cpus", [("50000", 0.5), ("400000", 4.0), ("-1", None)])
def test_cgroup_v1(tmp_path, quota, cpus):
    limit = read_cpu_limit(v1(tmp_path, quota), available=16)
    assert limit == CpuLimit(cpus, f"cgroup v1 cpu.cfs_quota_us {quota} / cpu.cfs_period_us 100000")


def test_cgroup_v1_joint_controller_directory(tmp_path):
    limit = read_cpu_limit(v1(tmp_path, "300000", directory="cpu,cpuacct"), available=16)
    assert limit.cpus == 3.0


def test_v2_wins_over_v1(tmp_path):
    v1(tmp_path, "400000")
    assert read_cpu_limit(v2(tmp_path, "100000 100000"), available=16).cpus == 1.0


def test_a_quota_above_the_cpus_the_process_may_use_is_bounded_by_them(tmp_path):
    limit = read_cpu_limit(v2(tmp_path, "800000 100000"), available=2)
    assert limit == CpuLimit(2.0, "cgroup v2 cpu.max '800000 100000', bounded by the 2 CPUs this process may run on")


@pytest.mark.parametrize("text", ["", "garbage", "0 100000", "50000 0", "-5 100000", "1 2 3"])
def test_unreadable_files_count_as_no_limit(tmp_path, text):
    assert read_cpu_limit(v2(tmp_path, text), available=4).cpus is None


def test_no_cgroup_files_is_no_limit(tmp_path):
    assert read_cpu_limit(tmp_path, available=4) == CpuLimit(None, "no CPU quota in the cgroup")


@pytest.mark.parametrize("cpus, workers, threads", [
    (None, 1, 8),
    (0.1, 1, 2),
    (0.25, 1, 2),
    (0.5, 1, 4),
    (0.75, 1, 6),
    (1.0, 1, 8),
    (1.4, 1, 8),
    (1.5, 2, 8),
    (2.0, 2, 8),
    (3.7, 4, 8),
])
def test_defaults_follow_the_limit(cpus, workers, threads):
    assert default_concurrency(CpuLimit(cpus, "test")) == Concurrency(workers, threads)


def test_settings_default_from_the_limit_and_the_environment_wins():
    limit = CpuLimit(2.0, "test")
    assert (from_environment({}, cpu=limit).workers, from_environment({}, cpu=limit).threads) == (2, 8)
    assert from_environment({"WORKERS": "5"}, cpu=limit).workers == 5
    assert from_environment({"THREADS": "3"}, cpu=CpuLimit(0.5, "test")).threads == 3
    # Not read (tests, create_app without a server): the no-limit defaults.
    assert from_environment({}) == Settings()


def test_the_start_up_line_says_what_and_why():
    line = messages.concurrency_chosen(2, 8, 2.0, "cgroup v1 cpu.cfs_quota_us 200000 / cpu.cfs_period_us 100000", [])
    assert line == ("WORKERS=2 THREADS=8: WORKERS from the CPU limit, THREADS from the CPU limit; "
                    "CPU limit: 2 CPUs (cgroup v1 cpu.cfs_quota_us 200000 / cpu.cfs_period_us 100000)")
    line = messages.concurrency_chosen(1, 8, None, "cgroup v2 cpu.max 'max 100000'", [])
    assert line.endswith("CPU limit: none (cgroup v2 cpu.max 'max 100000'); set WORKERS to use more CPUs")
    line = messages.concurrency_chosen(3, 4, 0.5, "test", ["WORKERS"])
    assert line == "WORKERS=3 THREADS=4: WORKERS set in the environment, THREADS from the CPU limit; CPU limit: 0.5 CPUs (test)"
