"""The wheelhouse the buildpack vendors: every pin, for the stack's exact interpreter."""

import subprocess
import sys
import zipfile
from pathlib import Path

import os

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "wheelhouse.sh"
LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def test_wheelhouse_has_every_pin_for_cp311_manylinux_and_a_reproducible_invoker_wheel(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable}
    first = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "one")], capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    wheels = sorted(p.name for p in (tmp_path / "one").glob("*.whl"))
    pins = [line.split("==")[0].lower().replace("-", "_") for line in LOCK.read_text().splitlines() if "==" in line and not line.startswith("#")]
    assert len(wheels) == len(pins) + 1
    for wheel in wheels:
        tags = wheel[:-4].split("-")[-3:]
        # Pure wheels, or binary wheels built for exactly CPython 3.11 on x86_64 manylinux.
        assert tags[:2] in (["py3", "none"], ["py2.py3", "none"]) or (tags[0] == "cp311" and "manylinux" in tags[2] and tags[2].endswith("x86_64")), wheel
    invoker = next((tmp_path / "one").glob("kn_fn_invoker-*.whl"))
    assert "kn_fn_invoker/_cli.py" in zipfile.ZipFile(invoker).namelist()
    second = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "two")], capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "two" / invoker.name).read_bytes() == invoker.read_bytes()
