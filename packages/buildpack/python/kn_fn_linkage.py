"""Which shared libraries the native code in an environment needs that the run image lacks.

    python3 kn_fn_linkage.py --env VENV --run-libraries FILE [--also DIR ...]

Run by the buildpack after the dependencies are installed, with pyelftools (shipped inside
the buildpack) on PYTHONPATH. Prints one JSON object:

    {"checked": <ELF files read>, "missing": [{"distribution", "file", "library"}, ...]}

Each ELF file under VENV and every --also DIR (the unpacked system packages; their files are
shown as DIR's name/...) (extension modules, bundled libraries, executables) has its
DT_NEEDED entries resolved the way the dynamic loader would find them in the run image:
first through the file's own DT_RUNPATH, or DT_RPATH without one ($ORIGIN expanded; only
directories inside VENV or a DIR count, since nothing else of the build machine goes to the
image),
then among the run image's libraries (FILE, written by kn-fn-builder from the run image),
and last among the libraries shipped anywhere in VENV or a DIR (a library a package loads
first by path satisfies later lookups by its name; the system packages' directories are on
LD_LIBRARY_PATH at launch). What resolves nowhere is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

ELF_MAGIC = b"\x7fELF"


def walk(root: Path) -> tuple[list[Path], set[str]]:
    """One pass over root: its ELF files (regular files only, sorted) and every file name in
    it, links included (a package's libfoo.so.1 is often a link to libfoo.so.1.2.3)."""
    elf: list[Path] = []
    names: set[str] = set()
    for directory, _dirs, files in os.walk(root):
        names.update(files)
        for name in files:
            path = Path(directory, name)
            if path.is_symlink() or not path.is_file():
                continue
            with path.open("rb") as f:
                if f.read(4) == ELF_MAGIC:
                    elf.append(path)
    return sorted(elf), names


def dynamic_entries(path: Path) -> tuple[list[str], list[str]]:
    """(DT_NEEDED names, search directories from DT_RUNPATH or else DT_RPATH)."""
    with path.open("rb") as f:
        elf = ELFFile(f)
        needed: list[str] = []
        runpath: list[str] = []
        rpath: list[str] = []
        for section in elf.iter_sections():
            if not isinstance(section, DynamicSection):
                continue
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)
                elif tag.entry.d_tag == "DT_RUNPATH":
                    runpath += tag.runpath.split(":")
                elif tag.entry.d_tag == "DT_RPATH":
                    rpath += tag.rpath.split(":")
    # The loader ignores DT_RPATH when DT_RUNPATH is present.
    return needed, runpath or rpath


def expand(entry: str, origin: Path) -> Path:
    return Path(entry.replace("${ORIGIN}", str(origin)).replace("$ORIGIN", str(origin)))


def inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def distributions_by_file(root: Path) -> dict[Path, str]:
    """Installed file -> the distribution that installed it (from each dist-info's RECORD)."""
    owners: dict[Path, str] = {}
    for record in root.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        site = record.parent.parent
        name = record.parent.name.rsplit("-", 1)[0]
        metadata = record.parent / "METADATA"
        if metadata.is_file():
            for line in metadata.read_text(errors="replace").splitlines():
                if line.startswith("Name:"):
                    name = line.split(":", 1)[1].strip()
                    break
        for row in record.read_text(errors="replace").splitlines():
            relative = row.split(",", 1)[0]
            if relative:
                owners[(site / relative).resolve()] = name
    return owners


def check(env: Path, run_libraries: set[str], also: list[Path] = ()) -> dict:
    roots = [env, *also]
    files: list[tuple[Path, Path]] = []
    shipped: set[str] = set()
    for root in roots:
        elf, names = walk(root)
        files += [(root, path) for path in elf]
        shipped |= names
    owners = distributions_by_file(env)

    def reachable(path: Path) -> bool:
        return any(inside(path, root) for root in roots) and path.exists()

    missing = []
    for root, path in files:
        try:
            needed, search = dynamic_entries(path)
        except ELFError:
            continue  # not a well-formed ELF file: nothing the loader would load either
        for library in needed:
            if "/" in library:
                found = reachable(expand(library, path.parent))
            else:
                found = any(
                    reachable(expand(entry, path.parent) / library) for entry in search if entry
                ) or library in run_libraries or library in shipped
            if not found:
                shown = path.relative_to(root)
                missing.append({
                    "distribution": owners.get(path.resolve()),
                    "file": str(shown if root == env else Path(root.name, shown)),
                    "library": library,
                })
    return {"checked": len(files), "missing": missing}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, type=Path)
    parser.add_argument("--run-libraries", required=True, type=Path)
    parser.add_argument("--also", action="append", default=[], type=Path)
    args = parser.parse_args(argv)
    listing = json.loads(args.run_libraries.read_text())
    json.dump(check(args.env, set(listing["libraries"]), args.also), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
