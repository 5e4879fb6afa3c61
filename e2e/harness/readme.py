"""Prove a README's commands by running them.

The convention, for every README the tests read:

- a block fenced ```sh is a command sequence the tests RUN, verbatim, in file order;
- a block fenced ```console is shown only (it needs something this machine lacks, e.g. a
  Knative cluster); the test that reads the README lists each such block with the reason;
- a block fenced ```text right after an ```sh block is that block's output as the README
  shows it; `shown_output_problems()` checks it against the real output (`…` matches
  anything within a line, for ids and times);
- ```bash, ```shell and unlabelled fences are ambiguous (run or not?): `ambiguous()` lists
  them so a test can refuse them.

API:

    from harness import readme
    bs = readme.blocks(path)                          # every fenced block, with its line
    run = readme.run_blocks(bs, cwd=tmp, containers=["my-fn"], images=["my-fn"])
    assert run.ok, run.report()
    run.output_of("curl")                             # output of the one sh block containing "curl"
    assert readme.shown_output_problems(bs, run) == []

Each ```sh block runs in a fresh `bash -euo pipefail` (like a new terminal tab: variables
and `cd` do not carry over to the next block); the first failing block stops the run. The
containers and images named by the caller are removed afterwards whatever happened (failure,
timeout), so a README that starts `docker run --name my-fn` never leaves it behind; a
container of that name that exists before the run is an error, not something to remove.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.shell import pack_temp_dir
from harness.shell import run as run_command

RUN = "sh"
SHOWN = "console"
OUTPUT = "text"
AMBIGUOUS = frozenset({"", "bash", "shell", "zsh"})
BLOCK_TIMEOUT_S = 900.0  # a cold `pack build` on a loaded 2-core machine takes minutes
WILDCARD = "…"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    lang: str  # the first word of the info string, lower-cased; "" when there is none
    text: str  # the content, without the fences, ending with a newline
    line: int  # 1-based line of the opening fence
    path: Path

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass
class Step:
    block: Block
    returncode: int  # -9 when the block ran past its timeout and was killed
    output: str  # stdout and stderr interleaved


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.returncode == 0 for s in self.steps)

    def report(self) -> str:
        """Every block that ran, with its exit code and output: the failure message of a test."""
        parts = []
        for s in self.steps:
            parts.append(f"--- {s.block.where} exited {s.returncode}\n{s.block.text}--- output:\n{s.output}")
        return "\n".join(parts)

    def output_of(self, needle: str) -> str:
        """The output of the one block whose text contains `needle`."""
        found = [s for s in self.steps if needle in s.block.text]
        assert len(found) == 1, f"{len(found)} blocks that ran contain {needle!r}:\n{self.report()}"
        return found[0].output


def blocks(path: Path | str) -> list[Block]:
    """Every fenced code block of a Markdown file (CommonMark fences: ``` or ~~~, indented ≤ 3)."""
    path = Path(path)
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = opening["info"].strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence) and not closing["info"].strip():
                break
            # Content lines lose up to the opening fence's indentation (CommonMark).
            body.append(re.sub(rf"^ {{0,{indent}}}", "", lines[j]))
            j += 1
        assert j < len(lines), f"{path.name}:{i + 1}: the fence opened here is never closed"
        lang = info.split()[0].lower() if info else ""
        found.append(Block(lang, "".join(f"{b}\n" for b in body), i + 1, path))
        i = j + 1
    return found


def ambiguous(bs: Iterable[Block]) -> list[Block]:
    """Blocks whose fence does not say whether they are run (sh) or only shown (console)."""
    return [b for b in bs if b.lang in AMBIGUOUS]


def run_blocks(bs: Iterable[Block], *, cwd: Path | str, env: Mapping[str, str] | None = None,
               containers: Iterable[str] = (), images: Iterable[str] = (),
               replace: Mapping[str, str] | None = None, timeout: float = BLOCK_TIMEOUT_S) -> Run:
    """Run the ```sh blocks in order, in `cwd`, with os.environ plus `env`.

    `containers` and `images`: what the blocks create under fixed names; removed at the end
    whatever happened. `replace`: text substitutions applied to every block before it runs,
    for a README that holds placeholders (e.g. {"PORT": "18080"}); leave it out to run the
    README verbatim.
    """
    containers, images = list(containers), list(images)
    for name in containers:
        existing = run_command(["docker", "ps", "-aq", "--filter", f"name=^/{name}$"]).stdout.strip()
        assert not existing, (
            f"a container named {name} already exists (left over from an earlier run?); "
            f"the README starts one with that name. Remove it with `docker rm -f {name}` and rerun."
        )
    result = Run()
    try:
        for block in bs:
            if block.lang != RUN:
                continue
            script = block.text
            for old, new in (replace or {}).items():
                script = script.replace(old, new)
            step = _run_script(block, script, Path(cwd), env, timeout)
            result.steps.append(step)
            if step.returncode != 0:
                break
    finally:
        for name in containers:
            run_command(["docker", "rm", "-f", name])
        for name in images:
            run_command(["docker", "rmi", "-f", name])
    return result


def _run_script(block: Block, script: str, cwd: Path, env: Mapping[str, str] | None, timeout: float) -> Step:
    # A session of its own, so a timeout kills the whole group (a curl loop, a docker run),
    # not just bash.
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        # The blocks run pack (`pack sbom download`, `pack rebase`), which leaves ~190 MB
        # behind in $TMPDIR each time: the session's own temp dir, removed at exit.
        env={**os.environ, "TMPDIR": pack_temp_dir(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
        return Step(block, proc.returncode, output)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return Step(block, -9, f"{output}\n[killed after {timeout:.0f} s]")


def shown_output_problems(bs: list[Block], result: Run) -> list[str]:
    """Where a README's ```text output block disagrees with what its ```sh block printed.

    Every non-empty line shown must match a line of the real output (in any order: a README
    may leave lines out; trailing whitespace and CR ignored); `…` in a shown line matches
    any text.
    """
    ran = {id(s.block): s for s in result.steps}
    problems = []
    for before, after in zip(bs, bs[1:]):
        if before.lang != RUN or after.lang != OUTPUT:
            continue
        step = ran.get(id(before))
        if step is None:
            problems.append(f"{after.where}: shows the output of {before.where}, which did not run")
            continue
        actual = [line.rstrip() for line in step.output.replace("\r", "").splitlines()]
        for shown in (line.rstrip() for line in after.text.splitlines()):
            if not shown:
                continue
            pattern = re.compile("^" + ".*".join(map(re.escape, shown.split(WILDCARD))) + "$")
            if not any(pattern.match(line) for line in actual):
                problems.append(f"{after.where}: the line {shown!r} is not in the output of {before.where}:\n{step.output}")
    return problems


def port_in_use(port: int, host: str = "127.0.0.1") -> str | None:
    """Why `host:port` cannot be published (a sentence for a test failure), or None when free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As servers bind (Go's net, docker-proxy): connections of an earlier run lingering in
        # TIME_WAIT do not make the port busy, only a listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            s.listen(1)
        except OSError as e:
            holders = run_command(["docker", "ps", "--filter", f"publish={port}", "--format", "{{.Names}} ({{.Image}})"]).stdout.split("\n")
            holders = [h for h in holders if h]
            by = f" by the container(s) {', '.join(holders)}" if holders else " (not by a Docker container)"
            return (
                f"{host}:{port} is already in use{by}: {e.strerror}. The README uses "
                f"{host}:{port}, as a user would, so the test needs that port free: stop what listens there and rerun."
            )
    return None
