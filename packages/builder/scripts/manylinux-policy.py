"""Writes (or, with --check, compares) src/stack/manylinux-policy.json: the system libraries
each manylinux policy lets a wheel link (PEP 600), taken from auditwheel's policy data.

    .venv/bin/python packages/builder/scripts/manylinux-policy.py [--check]

auditwheel is pinned in e2e/requirements.txt, so the data changes only when that pin does;
the builder's unit tests run --check, so a new pin without a regenerated file fails.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata, resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "stack" / "manylinux-policy.json"


def policy_data() -> str:
    raw = json.loads(resources.files("auditwheel.policy").joinpath("manylinux-policy.json").read_text())
    policies = [
        {"name": p["name"], "libraries": sorted(p["lib_whitelist"])}
        for p in raw
        if p["name"].startswith("manylinux_")
    ]
    data = {
        "source": f"auditwheel {metadata.version('auditwheel')}, auditwheel/policy/manylinux-policy.json",
        "policies": policies,
    }
    return json.dumps(data, indent=2) + "\n"


def main(argv: list[str]) -> int:
    want = policy_data()
    if argv == ["--check"]:
        if OUT.read_text() != want:
            print(f"{OUT} is not what auditwheel {metadata.version('auditwheel')} gives: run {__file__}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(want)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
