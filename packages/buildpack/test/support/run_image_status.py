"""Writes a dpkg status like a minimal run image's, from this machine's (Debian 12) status.

    python3 run_image_status.py OUT [PACKAGE ...]

The Essential and Priority: required packages (mmdebstrap's "essential" variant, as the run
image is made) plus PACKAGE..., closed over Depends and Pre-Depends (the first installed
alternative), so apt resolves against it as against the run image: consistent, and lacking
what the run image lacks.
"""

from __future__ import annotations

import re
import sys


def stanzas(text: str) -> dict[str, str]:
    out = {}
    for stanza in text.split("\n\n"):
        name = re.search(r"^Package: (\S+)$", stanza, re.M)
        if name and re.search(r"^Status: install ok installed$", stanza, re.M):
            out[name.group(1)] = stanza.strip()
    return out


def depends(stanza: str, installed: dict[str, str]) -> list[str]:
    found = []
    for field in re.findall(r"^(?:Pre-)?Depends: (.*)$", stanza, re.M):
        for clause in field.split(","):
            names = [re.sub(r"[:(].*", "", alt).strip() for alt in clause.split("|")]
            found += [n for n in names if n in installed][:1]
    return found


def main(out: str, *extra: str) -> None:
    installed = stanzas(open("/var/lib/dpkg/status", encoding="utf-8").read())
    roots = [n for n, s in installed.items() if re.search(r"^(Essential: yes|Priority: required)$", s, re.M)]
    keep: set[str] = set()
    todo = roots + [n for n in extra if n in installed]
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo += depends(installed[name], installed)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n\n".join(installed[n] for n in sorted(keep)) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
