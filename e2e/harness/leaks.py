"""Everything a build leaves behind, read as bytes, to search for a secret.

- `image_files(images, tmp)`: `docker save` of the images, and every blob in that archive
  (manifest, config JSON, each layer) as it is, gunzipped when it is gzip, and every file
  inside each layer tar on its own;
- `image_metadata(image)`: `docker image inspect` (labels, config, history) as text;
- `cache_volumes(image)` / `volume_files(volume)`: pack's cache volumes for an image name
  (`pack-cache-<name>_latest-<hash>.build` / `.launch`), every regular file under the
  volume's mountpoint (read as root, as the engine stores it).

`where(needles, files)` names each place a needle occurs; a test asserts it is empty and,
so that an empty answer means something, that a string it knows is there is found.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from harness.shell import must

Files = Iterable[tuple[str, bytes]]


def image_files(images: list[str], tmp: Path) -> Iterator[tuple[str, bytes]]:
    archive = tmp / "saved-images.tar"
    must(["docker", "save", "-o", archive, *images])
    try:
        with tarfile.open(archive) as outer:
            for member in outer:
                if not member.isfile():
                    continue
                data = outer.extractfile(member).read()  # type: ignore[union-attr]
                yield member.name, data
                if data[:2] == b"\x1f\x8b":
                    data = gzip.decompress(data)
                    yield f"{member.name} (gunzipped)", data
                yield from _tar_members(member.name, data)
    finally:
        archive.unlink(missing_ok=True)


def _tar_members(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        inner = tarfile.open(fileobj=io.BytesIO(data))
    except tarfile.TarError:
        return
    with inner:
        for member in inner:
            if member.isfile():
                yield f"{name}!{member.name}", inner.extractfile(member).read()  # type: ignore[union-attr]
            else:
                # Link targets and names are metadata a secret could hide in too.
                yield f"{name}!{member.name} (entry)", f"{member.name} -> {member.linkname}".encode()


def image_metadata(image: str) -> Iterator[tuple[str, bytes]]:
    yield f"docker image inspect {image}", must(["docker", "image", "inspect", image]).encode()


def pack_cache_prefix(image: str) -> str:
    """How pack names an image's cache volumes (tag latest): pack-cache-<repo with / as _>_latest-."""
    repo, _, tag = image.partition(":")
    return f"pack-cache-{repo.replace('/', '_')}_{tag or 'latest'}-"


def cache_volumes(image: str) -> list[str]:
    prefix = pack_cache_prefix(image)
    return sorted(v for v in must(["docker", "volume", "ls", "--format", "{{.Name}}"]).split() if v.startswith(prefix))


def volume_files(volume: str) -> Iterator[tuple[str, bytes]]:
    root = must(["docker", "volume", "inspect", "-f", "{{.Mountpoint}}", volume]).strip()
    assert os.path.isdir(root), f"{volume}'s mountpoint {root} is not readable here (the tests run as root next to the engine)"
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                yield f"{volume}:{path.relative_to(root)}", path.read_bytes()
                # A cached layer is a tar: its files and entry names are searched one by one too.
                if name.endswith(".tar"):
                    yield from _tar_members(f"{volume}:{path.relative_to(root)}", path.read_bytes())
            elif path.is_symlink():
                yield f"{volume}:{path.relative_to(root)} (link)", os.readlink(path).encode()


def where(needles: list[bytes], files: Files) -> tuple[dict[bytes, list[str]], int]:
    """Each needle -> the places it occurs in; and how many files (blobs, entries) were read."""
    found: dict[bytes, list[str]] = {n: [] for n in needles}
    count = 0
    for name, data in files:
        count += 1
        for needle in needles:
            if needle in data:
                found[needle].append(name)
    return found, count


def summary(found: dict[bytes, list[str]]) -> str:
    return json.dumps({k.decode(errors="replace"): v[:10] for k, v in found.items() if v}, indent=1)
