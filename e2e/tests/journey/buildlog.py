"""Reading the buildpack's build log out of `pack build` output.

The wording is the buildpack's (packages/buildpack/src/messages.ts); the tests quote it
exactly, because that text is what a user reads.
"""

from __future__ import annotations

import hashlib

REUSED = "Reusing cached dependencies (requirements.txt unchanged, same Python, runtime and uv)"
REUSED_NONE = "Reusing cached dependencies (no dependencies, same Python, runtime and uv)"
AFRESH = "Installing dependencies afresh because:"
# The buildpack echoes every command it runs ("  $ <buildpack>/uv/uv pip install --python ..."):
# this fragment in the log means the installer ran.
PIP_INSTALL = "/uv/uv pip install --python "
DEPENDENCIES = "Installing dependencies"  # a section header, as "[Installing dependencies]"


def section(log: str, header: str) -> str:
    """The lines of one `[header]` section of the buildpack's log (up to the next section), trailing blank lines dropped."""
    lines = log.splitlines()
    start = lines.index(f"[{header}]") + 1
    end = start
    while end < len(lines) and not (lines[end].startswith("[") or lines[end].startswith("===>")):
        end += 1
    return "\n".join(lines[start:end]).rstrip("\n")


def rebuild_reasons(log: str) -> list[str]:
    """Every reason listed under "Installing dependencies afresh because:" (empty if none)."""
    lines = log.splitlines()
    if f"  {AFRESH}" not in lines:
        return []
    i = lines.index(f"  {AFRESH}") + 1
    found = []
    while i < len(lines) and lines[i].startswith("  - "):
        found.append(lines[i][len("  - "):])
        i += 1
    return found


def short_sha256(text: str) -> str:
    """How the buildpack names a requirements.txt in a reason: the first 12 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
