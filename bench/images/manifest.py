"""Byte counts of a root filesystem, from a tar stream (`docker export`, mmdebstrap --format=tar).

    python manifest.py write OUT.tsv < rootfs.tar      # path<TAB>size per regular file; prints totals
    python manifest.py overhead APP.tsv RUN.tsv VENV   # what the app image adds besides the venv

"Content bytes" = the sum of the sizes of regular files (hard links counted once), i.e. what
the files hold, without tar headers and padding or the storage driver's block rounding, so
that images and mmdebstrap tarballs compare on the same measure. `write` prints JSON:
{"content": bytes, "files": n, "tar": bytes read}. `overhead` prints JSON: the app's content
bytes outside the run image's files (a path counts when the run image has no file there of
the same size) and outside VENV, in total and by top-level group (3 path components).
"""

from __future__ import annotations

import json
import sys
import tarfile
from collections import Counter
from pathlib import Path


class CountingReader:
    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        return data


def write(out: Path) -> int:
    reader = CountingReader(sys.stdin.buffer)
    total = files = 0
    with tarfile.open(fileobj=reader, mode="r|") as tar, out.open("w") as tsv:
        for member in tar:
            if member.isreg():
                name = "/" + member.name.lstrip("./")
                tsv.write(f"{name}\t{member.size}\n")
                total += member.size
                files += 1
    while reader.read(1 << 20):  # the rest of the stream (end-of-archive padding)
        pass
    print(json.dumps({"content": total, "files": files, "tar": reader.count}))
    return 0


def read(tsv: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in tsv.read_text().splitlines():
        path, size = line.rsplit("\t", 1)
        out[path] = int(size)
    return out


def overhead(app_tsv: Path, run_tsv: Path, venv: str) -> int:
    app, run = read(app_tsv), read(run_tsv)
    venv = venv.rstrip("/") + "/"
    groups: Counter[str] = Counter()
    venv_bytes = 0
    for path, size in app.items():
        if path.startswith(venv):
            venv_bytes += size
        elif run.get(path) != size:
            groups["/".join(path.split("/")[:4])] += size
    print(json.dumps({"venv": venv_bytes, "overhead": sum(groups.values()), "groups": dict(groups.most_common(8))}))
    return 0


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "write":
        sys.exit(write(Path(sys.argv[2])))
    sys.exit(overhead(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]))
