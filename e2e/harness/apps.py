"""Function directories for the journey tests: made in a temp dir and edited between builds.

The sources in the repo (templates/, packages/buildpack/test/fixtures/) are only ever copied,
never edited. `wheel()` writes a small pure-Python wheel, so a function can have a real pip
requirement without an index: PyPI is not reachable from the build container on these
machines, and a vendored wheel keeps the build offline and the same on every run.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import zipfile
from pathlib import Path

from harness.shell import REPO_ROOT

FIXTURES = REPO_ROOT / "packages" / "buildpack" / "test" / "fixtures"
TEMPLATES = REPO_ROOT / "templates"

# Vendored wheels live here in a function dir; requirements.txt points pip at it.
WHEELS_DIR = "wheels"


class App:
    """A function directory the test owns: write, rename and remove files between builds."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, name: str, text: str) -> App:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return self

    def read(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def rename(self, old: str, new: str) -> App:
        (self.path / old).rename(self.path / new)
        return self

    def remove(self, name: str) -> App:
        (self.path / name).unlink()
        return self

    def exists(self, name: str) -> bool:
        return (self.path / name).exists()


def new(path: Path, files: dict[str, str] | None = None) -> App:
    """An app dir at `path` (created) holding `files` (name → text)."""
    path.mkdir(parents=True, exist_ok=True)
    app = App(path)
    for name, text in (files or {}).items():
        app.write(name, text)
    return app


def copy(source: Path, path: Path) -> App:
    """A copy of a template or fixture dir, so the test can edit it."""
    shutil.copytree(source, path)
    return App(path)


def fixture(name: str, path: Path) -> App:
    return copy(FIXTURES / name, path)


def module_name(distribution: str) -> str:
    return distribution.replace("-", "_")


def wheel(directory: Path, distribution: str, version: str, source: str) -> Path:
    """Write `<dist>-<version>-py3-none-any.whl` holding one module (`source`) into directory.

    A valid wheel as pip installs it (METADATA, WHEEL, RECORD with hashes); fixed zip dates,
    so the bytes are the same on every run.
    """
    module = module_name(distribution)
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}.py": source,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: kn-fn-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        data = text.encode("utf-8")
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
    return target


def vendor(app: App, distribution: str, version: str, source: str) -> Path:
    """Put a wheel into the app's wheels/ dir (see `offline_requirements`)."""
    return wheel(app.path / WHEELS_DIR, distribution, version, source)


def offline_requirements(*pins: str) -> str:
    """requirements.txt text that installs `pins` from the app's own wheels/ dir only.

    pip reads a relative --find-links in a requirements file relative to that file; --no-index
    keeps pip from asking PyPI at all (the invoker comes from the buildpack's own wheels).
    """
    return "\n".join(["--no-index", f"--find-links {WHEELS_DIR}", *pins]) + "\n"
