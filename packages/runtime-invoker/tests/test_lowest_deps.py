"""The lower bounds of the invoker's dependency ranges (pyproject.toml) hold.

The invoker shares the function's environment, so its ranges decide which user locks build.
scripts/lowest-deps.sh installs every declared dependency at the lowest release its range
allows (uv --resolution lowest-direct) and runs this suite there; a floor set too low fails it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"


def test_the_suite_passes_with_every_dependency_at_its_lower_bound():
    assert UV.is_file(), f"{UV} is missing: scripts/setup.sh installs requirements-dev.txt (uv) into .venv"
    done = subprocess.run(
        ["bash", str(HERE / "scripts" / "lowest-deps.sh"), "-p", "no:cacheprovider"],
        env={**os.environ, "UV": str(UV), "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # Each declared dependency was really at its floor, and the suite ran in full.
    for line in ("flask 2.3.3 (declared flask>=2.3.3,<4)", "werkzeug 2.3.7 (declared werkzeug>=2.3.7,<4)",
                 "granian 2.8.0 (declared granian>=2.8,<3)", "cloudevents 2.0.0 (declared cloudevents>=2.0,<3)"):
        assert line in output, output
    assert " passed" in output and " failed" not in output, output
