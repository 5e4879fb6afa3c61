"""Run a command and keep everything it printed (stdout and stderr interleaved)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"

_pack_tmp: str | None = None


def pack_temp_dir() -> str:
    """A temp dir for pack, removed when the session ends. `pack sbom download` and `pack rebase`
    save the image into $TMPDIR/imgutil.local.image.* and never remove it (~190 MB each,
    imgutil's downloadImage): six a run, left in /tmp, helped fill the disk."""
    global _pack_tmp
    if _pack_tmp is None:
        _pack_tmp = tempfile.mkdtemp(prefix="kn-fn-e2e-pack-")
        atexit.register(shutil.rmtree, _pack_tmp, True)
    return _pack_tmp


def run(args: list[str], *, timeout: float = 900, env: dict[str, str] | None = None,
        cwd: Path | str | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Never raises on a non-zero exit: the tests assert on the code and the output."""
    if args and str(args[0]) == "pack":
        env = {"TMPDIR": pack_temp_dir(), **(env or {})}
    return subprocess.run(
        [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
        cwd=cwd,
        input=input,
    )


def must(args: list[str], **kwargs) -> str:
    """Run and return the output; a non-zero exit fails the test with the whole output."""
    done = run(args, **kwargs)
    if done.returncode != 0:
        raise AssertionError(f"`{' '.join(map(str, args))}` exited {done.returncode}:\n{done.stdout}")
    return done.stdout
