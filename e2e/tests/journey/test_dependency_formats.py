"""Every dependency format the buildpack reads, built with the real `pack build` and served.

What this proves, each against the running image (the handler reports what
`importlib.metadata` finds in its own environment) or the real build output:

- uv project (pyproject.toml + a uv.lock made here with the buildpack's own uv on the host):
  the image serves exactly the versions uv.lock locks, the dev group (pytest) is not in it, and
  the SBOM lists exactly what is installed, the locked packages included;
- Poetry project (the committed fixture fixtures/poetry-project, locked once with Poetry 2.5.1):
  the locked main group is served, the dev group is not installed;
- pyproject.toml [project] dependencies with no lock: resolved at build time and served;
- requirements.txt with the PyPI wheel's real sha256: served; a wrong hash fails the build with
  uv's hash-mismatch text inside "[Error: dependencies not installed]";
- the errors, with messages.ts's exact texts: a stale uv.lock or poetry.lock, requirements.txt next to uv.lock
  (and BP_PYTHON_DEPENDENCIES choosing one, which then builds), a Pipfile alone, a lock pinning
  Flask 2 (refused before any `uv pip install`);
- the cache: an unchanged rebuild reuses the dependencies and gives the same image ID; a lock
  change that only touches the dev group reuses them too; a new locked dependency reinstalls,
  saying why with the hashes of the two exports;
- a private index behind Basic auth (a server in this test on 127.0.0.1, the build on the host
  network), given as UV_INDEX with the token in its URL and as a `package-index` binding: both
  build and serve the private package, and the token appears nowhere: not in the build output,
  any blob or file of the saved images, the image metadata, or pack's cache volumes; a wrong
  token fails the build and shows neither token.

Builds go to PyPI (through the ca-certificates binding, as in test_native_libraries.py), so
versions are pinned with `==` everywhere the test checks them.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import apps, bindings, leaks, pack, package_index
from harness.shell import REPO_ROOT, must

from .buildlog import AFRESH, DEPENDENCIES, rebuild_reasons, section, short_sha256

# The uv the buildpack runs, on the host, to make locks as a user's uv would.
HOST_UV = REPO_ROOT / "packages" / "buildpack" / "dist" / "buildpack" / "uv" / "uv"
# The build image's Python is Debian 12's python3 too (3.11), so the host's locks and exports match.
HOST_PYTHON = "/usr/bin/python3"
POETRY_FIXTURE = Path(__file__).parent / "fixtures" / "poetry-project"
COLD = ("--clear-cache",)
PREFIX = f"{pack.IMAGE_PREFIX}journey-deps-"

# The buildpack echoes every command; this in the log means uv installed something.
UV_PIP_INSTALL = " pip install --python "
INSTALL_FAILED = "[Error: dependencies not installed] uv could not install the dependencies from {source} together with the runtime invoker. "
SIX_WHEEL = "six-1.16.0-py2.py3-none-any.whl"

# Packages only pytest (the dev group) brings: in every lock here, never in an image.
DEV_ONLY = ("pytest", "pluggy", "iniconfig")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def probe(*modules: str) -> str:
    """A handler that imports `modules` and answers what the running environment holds."""
    return (
        "import importlib.metadata\nimport importlib.util\n"
        + "".join(f"import {m}\n" for m in modules)
        + "\n\ndef handler(req):\n"
        "    return {\n"
        f"        'imported': {{m.__name__: m.__version__ for m in ({''.join(m + ', ' for m in modules)})}},\n"
        "        'installed': {d.metadata['Name']: d.version for d in importlib.metadata.distributions()},\n"
        f"        'dev_importable': {{m: importlib.util.find_spec(m) is not None for m in {DEV_ONLY!r}}},\n"
        "    }\n"
    )


@dataclass
class Answer:
    imported: dict[str, str]
    installed: dict[str, str]  # canonical name -> version
    dev_importable: dict[str, bool]


def serve(functions, built: pack.Build) -> Answer:
    """Start this build's image (by ID: a later build may reuse the name) and GET /."""
    reply = functions.start(built.id).get("/")
    assert reply.status == 200, reply.text
    data = reply.json()
    return Answer(data["imported"], {canonical(k): v for k, v in data["installed"].items()}, data["dev_importable"])


def assert_no_dev_group(answer: Answer) -> None:
    assert answer.dev_importable == {m: False for m in DEV_ONLY}
    assert not set(DEV_ONLY) & set(answer.installed), answer.installed


# ---- the host's uv ------------------------------------------------------------------------

def host_uv(app: apps.App, cache: Path, *args: str) -> str:
    return must([HOST_UV, *args], cwd=app.path, env={"UV_CACHE_DIR": str(cache), "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"})


def uv_lock(app: apps.App, cache: Path) -> dict[str, str]:
    host_uv(app, cache, "lock", "--python", HOST_PYTHON)
    return locked_versions(app.read("uv.lock"))


def uv_export(app: apps.App, cache: Path, tmp: Path) -> str:
    """What the buildpack exports from uv.lock (install-input.ts uvExportArgs), made on the host."""
    out = tmp / "export.txt"
    host_uv(app, cache, "export", "--locked", "--offline", "--python", HOST_PYTHON, "--no-default-groups", "--no-emit-project",
            "--format", "requirements-txt", "--no-header", "--output-file", str(out))
    return out.read_text(encoding="utf-8")


def locked_versions(lock_text: str) -> dict[str, str]:
    """Canonical name -> version of every package a uv.lock or poetry.lock names (the project itself excluded)."""
    packages = tomllib.loads(lock_text)["package"]
    return {canonical(p["name"]): p["version"] for p in packages
            if not ({"virtual", "editable"} & set(p.get("source", {})))}


def uv_project_toml(dependencies: list[str], dev: list[str]) -> str:
    return (
        '[project]\nname = "fn"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = {json.dumps(dependencies)}\n\n"
        f"[dependency-groups]\ndev = {json.dumps(dev)}\n"
    )


# ---- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> tuple[str, ...]:
    return bindings.ca_certificates(tmp_path_factory.mktemp("bindings"))


@pytest.fixture(scope="module")
def uv_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


@dataclass
class Built:
    app: apps.App
    build: pack.Build
    locked: dict[str, str]


UV_MAIN = ["six==1.16.0", "idna==3.7"]
UV_DEV = ["pytest==8.3.3"]


@pytest.fixture(scope="module")
def uv_project(tmp_path_factory, uv_cache, ca) -> Built:
    app = apps.new(tmp_path_factory.mktemp("uv-project") / "app", {
        "handler.py": probe("six", "idna"),
        "pyproject.toml": uv_project_toml(UV_MAIN, UV_DEV),
    })
    locked = uv_lock(app, uv_cache)
    built = pack.must_build(f"{PREFIX}uv", app.path, extra=(*COLD, *ca))
    return Built(app, built, locked)


# ---- 1. one function per format -----------------------------------------------------------

def test_a_uv_project_serves_exactly_what_uv_lock_locks_and_not_its_dev_group(uv_project, functions):
    log, locked = uv_project.build.log, uv_project.locked
    # The lock really holds the dev group, so its absence below is the export's doing.
    assert {"six": "1.16.0", "idna": "3.7", "pytest": "8.3.3"}.items() <= locked.items()
    assert set(DEV_ONLY) <= set(locked)
    assert "  Dependencies: uv.lock (uv project: the locked [project] dependencies)\n" in log
    assert " export --locked --python /usr/bin/python3 --no-default-groups --no-emit-project " in log
    assert rebuild_reasons(log) == ["no cached dependencies layer"]
    assert UV_PIP_INSTALL in log

    answer = serve(functions, uv_project.build)
    assert answer.imported == {"six": locked["six"], "idna": locked["idna"]}
    assert {n: answer.installed.get(n) for n in ("six", "idna")} == {"six": locked["six"], "idna": locked["idna"]}
    assert_no_dev_group(answer)


def test_a_uv_projects_sbom_lists_what_is_installed_the_locked_packages_included(uv_project, functions, tmp_path):
    must(["pack", "sbom", "download", uv_project.build.id, "--output-dir", tmp_path])
    documents = list(tmp_path.rglob("dependencies/sbom.cdx.json"))
    assert len(documents) == 1, list(tmp_path.rglob("*"))
    components = json.loads(documents[0].read_text())["components"]
    listed = {canonical(c["name"]): c["version"] for c in components}
    assert all(c["purl"] == f"pkg:pypi/{canonical(c['name'])}@{c['version']}" for c in components), components

    # Exactly what the running image has: the lock's packages and the runtime's, nothing else.
    assert listed == serve(functions, uv_project.build).installed
    assert {n: listed.get(n) for n in ("six", "idna")} == {n: uv_project.locked[n] for n in ("six", "idna")}
    assert {"kn-fn-invoker", "flask", "granian", "cloudevents"} <= set(listed)
    assert not set(DEV_ONLY) & set(listed), listed


def test_a_poetry_project_serves_the_locked_main_group_only(tmp_path, functions, ca):
    app = apps.copy(POETRY_FIXTURE, tmp_path / "app").write("handler.py", probe("six", "idna"))
    locked = locked_versions(app.read("poetry.lock"))
    assert {"six": "1.16.0", "idna": "3.7", "pytest": "8.3.3"}.items() <= locked.items()
    assert set(DEV_ONLY) <= set(locked)

    built = pack.must_build(f"{PREFIX}poetry", app.path, extra=(*COLD, *ca))
    assert "  Dependencies: poetry.lock (Poetry project: the locked main group)\n" in built.log
    assert " -m poetry export --no-interaction --no-ansi --only main --format requirements.txt " in built.log
    assert UV_PIP_INSTALL in built.log

    answer = serve(functions, built)
    assert answer.imported == {"six": locked["six"], "idna": locked["idna"]}
    assert {n: answer.installed.get(n) for n in ("six", "idna")} == {"six": locked["six"], "idna": locked["idna"]}
    assert_no_dev_group(answer)


def test_pyproject_dependencies_without_a_lock_are_resolved_and_served(tmp_path, functions, ca):
    app = apps.new(tmp_path / "app", {
        "handler.py": probe("six"),
        "pyproject.toml": '[project]\nname = "fn"\nversion = "0.1.0"\ndependencies = ["six==1.16.0"]\n',
    })
    built = pack.must_build(f"{PREFIX}pep621", app.path, extra=(*COLD, *ca))
    assert "  Dependencies: pyproject.toml ([project] dependencies, 1 entry, resolved now)\n" in built.log
    answer = serve(functions, built)
    assert answer.imported == {"six": "1.16.0"}
    assert answer.installed["six"] == "1.16.0"


def pypi_wheel_sha256(project: str, filename: str) -> str:
    """The sha256 PyPI publishes for one file (its simple index page's #sha256= fragment)."""
    page = urllib.request.urlopen(f"https://pypi.org/simple/{project}/", timeout=60).read().decode()
    found = re.findall(re.escape(filename) + r"#sha256=([0-9a-f]{64})", page)
    assert len(found) == 1, f"{filename} not on https://pypi.org/simple/{project}/"
    return found[0]


@pytest.fixture(scope="module")
def six_sha256() -> str:
    return pypi_wheel_sha256("six", SIX_WHEEL)


def test_requirements_with_the_wheels_hash_serve_the_pinned_version(tmp_path, functions, ca, six_sha256):
    app = apps.new(tmp_path / "app", {
        "handler.py": probe("six"),
        "requirements.txt": f"six==1.16.0 --hash=sha256:{six_sha256}\n",
    })
    built = pack.must_build(f"{PREFIX}hashes", app.path, extra=(*COLD, *ca))
    assert "  Dependencies: requirements.txt (1 line)\n" in built.log
    assert serve(functions, built).imported == {"six": "1.16.0"}


def test_a_wrong_hash_fails_the_install_with_uvs_hash_mismatch(tmp_path, ca, six_sha256):
    wrong = "0" * 64
    app = apps.new(tmp_path / "app", {
        "handler.py": probe("six"),
        "requirements.txt": f"six==1.16.0 --hash=sha256:{wrong}\n",
    })
    image = f"{PREFIX}wrong-hash"
    failed = pack.build(image, app.path, extra=(*COLD, *ca))
    assert not failed.ok
    message = failed.log[failed.log.index(INSTALL_FAILED.format(source="requirements.txt")):]
    assert "uv said:\n" in message
    said = message[message.index("uv said:\n"):]
    assert "Hash mismatch for `six==1.16.0`" in said
    assert f"sha256:{wrong}" in said and f"sha256:{six_sha256}" in said  # expected and computed
    assert pack.image_id(image) is None


# ---- 2. errors ----------------------------------------------------------------------------

def test_a_stale_uv_lock_fails_and_says_run_uv_lock(tmp_path, uv_cache, ca):
    app = apps.new(tmp_path / "app", {"handler.py": probe("six"), "pyproject.toml": uv_project_toml(["six==1.16.0"], [])})
    uv_lock(app, uv_cache)
    app.write("pyproject.toml", uv_project_toml(["six==1.16.0", "idna==3.7"], []))  # not locked again

    # uv resolves a stale lock to say so: PyPI is asked, through the host's CA.
    failed = pack.build(f"{PREFIX}stale-lock", app.path, extra=(*COLD, *ca))
    assert not failed.ok
    assert (
        "[Error: uv.lock out of date] uv.lock does not match pyproject.toml, so the locked versions are not what the project asks for. "
        "Run `uv lock` and add the new uv.lock. uv said:\n"
    ) in failed.log
    assert "needs to be updated, but `--locked` was provided" in failed.log
    assert UV_PIP_INSTALL not in failed.log


def test_a_stale_poetry_lock_fails_and_says_run_poetry_lock(tmp_path):
    app = apps.copy(POETRY_FIXTURE, tmp_path / "app").write("handler.py", probe("six"))
    app.write("pyproject.toml", app.read("pyproject.toml").replace('idna = "3.7"\n', 'idna = "3.7"\ncertifi = "2024.8.30"\n'))
    assert "certifi" in app.read("pyproject.toml") and "certifi" not in app.read("poetry.lock")

    failed = pack.build(f"{PREFIX}stale-poetry-lock", app.path, extra=COLD)
    assert not failed.ok
    assert (
        "[Error: poetry.lock out of date] poetry.lock does not match pyproject.toml, so the locked versions are not what the project asks for. "
        "Run `poetry lock` and add the new poetry.lock. Poetry said:\n"
        "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock` to fix the lock file."
    ) in failed.log
    assert UV_PIP_INSTALL not in failed.log


def test_requirements_next_to_a_uv_lock_must_be_chosen_and_the_choice_builds(tmp_path, uv_cache, functions, ca):
    app = apps.new(tmp_path / "app", {
        "handler.py": probe("six"),
        "pyproject.toml": uv_project_toml(["six==1.16.0"], []),
        # Another six: what is served says which file was installed.
        "requirements.txt": "six==1.15.0\n",
    })
    uv_lock(app, uv_cache)
    image = f"{PREFIX}two-sources"

    failed = pack.build(image, app.path, extra=(*COLD, *ca))
    assert not failed.ok
    assert (
        "[Error: more than one dependency source] uv.lock and requirements.txt both declare dependencies, and a build installs from exactly one. "
        "Delete the one you do not use, or choose one with BP_PYTHON_DEPENDENCIES (project.toml [[build.env]] or pack build --env), "
        "e.g. BP_PYTHON_DEPENDENCIES=uv.lock."
    ) in failed.log
    assert UV_PIP_INSTALL not in failed.log

    built = pack.must_build(image, app.path, env={"BP_PYTHON_DEPENDENCIES": "uv.lock"}, extra=ca)
    assert "  Dependencies: uv.lock (from BP_PYTHON_DEPENDENCIES=uv.lock)\n" in built.log
    assert serve(functions, built).imported == {"six": "1.16.0"}


def test_a_pipfile_alone_is_not_a_supported_format(tmp_path):
    app = apps.new(tmp_path / "app", {
        "handler.py": "def handler(req):\n    return 'x'\n",
        "Pipfile": '[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n[packages]\nsix = "==1.16.0"\n',
    })
    failed = pack.build(f"{PREFIX}pipfile", app.path, extra=COLD)
    assert not failed.ok
    assert (
        "[Error: dependency format not supported] the app directory has Pipfile, which this buildpack does not install from. "
        "Declare the dependencies in one of: uv.lock with pyproject.toml (uv), poetry.lock with pyproject.toml (Poetry), "
        "pyproject.toml with [project] dependencies, or requirements.txt."
    ) in failed.log
    assert UV_PIP_INSTALL not in failed.log


def test_a_lock_pinning_flask_2_conflicts_with_the_runtime_before_anything_is_installed(tmp_path, uv_cache, ca):
    app = apps.new(tmp_path / "app", {"handler.py": probe("flask"), "pyproject.toml": uv_project_toml(["flask==2.2.5"], [])})
    assert uv_lock(app, uv_cache)["flask"] == "2.2.5"
    image = f"{PREFIX}flask-2"
    failed = pack.build(image, app.path, extra=(*COLD, *ca))
    assert not failed.ok
    assert (
        "[Error: dependencies conflict with the runtime] uv.lock pins flask 2.2.5, but the runtime invoker 0.1.0 runs in the same "
        "environment and needs flask>=2.3.3,<4. Nothing was installed. Change that version in uv.lock to one in the range "
        "(or drop the pin and lock again)."
    ) in failed.log
    # Refused from the export alone: no virtualenv, no uv pip install.
    assert UV_PIP_INSTALL not in failed.log and AFRESH not in failed.log
    assert pack.image_id(image) is None


# ---- 3. the cache -------------------------------------------------------------------------

def test_rebuilds_reuse_the_dependencies_until_the_locked_ones_change(uv_project, uv_cache, functions, tmp_path, ca):
    app, first = uv_project.app, uv_project.build
    reused = "  Reusing cached dependencies (uv.lock unchanged, same Python, runtime and uv)"

    # Nothing changed: the dependencies section is the export and the cache line; the same image.
    again = pack.must_build(first.image, app.path, extra=ca)
    assert section(again.log, DEPENDENCIES).endswith(f"\n{reused}")
    assert UV_PIP_INSTALL not in again.log and AFRESH not in again.log
    assert again.id == first.id

    # Only the dev group changes: uv.lock changes, the export does not, nothing is reinstalled.
    export_before = uv_export(app, uv_cache, tmp_path)
    lock_before = app.read("uv.lock")
    app.write("pyproject.toml", uv_project_toml(UV_MAIN, [*UV_DEV, "iniconfig==2.0.0"]))
    uv_lock(app, uv_cache)
    assert app.read("uv.lock") != lock_before
    assert uv_export(app, uv_cache, tmp_path) == export_before
    dev_only = pack.must_build(first.image, app.path, extra=ca)
    assert section(dev_only.log, DEPENDENCIES).endswith(f"\n{reused}")
    assert UV_PIP_INSTALL not in dev_only.log

    # A new main dependency, locked again: reinstalled, naming the lock and both exports' hashes.
    app.write("pyproject.toml", uv_project_toml([*UV_MAIN, "certifi==2024.8.30"], [*UV_DEV, "iniconfig==2.0.0"]))
    app.write("handler.py", probe("six", "idna", "certifi"))
    locked = uv_lock(app, uv_cache)
    export_after = uv_export(app, uv_cache, tmp_path)
    changed = pack.must_build(first.image, app.path, extra=ca)
    assert rebuild_reasons(changed.log) == [
        f"the dependencies locked in uv.lock changed (sha256 {short_sha256(export_before)} -> {short_sha256(export_after)})"
    ]
    assert f"  {AFRESH}\n  - the dependencies locked in uv.lock changed" in changed.log
    assert UV_PIP_INSTALL in changed.log and reused not in changed.log

    answer = serve(functions, changed)
    assert locked["certifi"] == "2024.8.30"
    assert set(answer.imported) == {"six", "idna", "certifi"}  # each imports in the running image
    assert {n: answer.installed.get(n) for n in ("six", "idna", "certifi")} == {n: locked[n] for n in ("six", "idna", "certifi")}
    assert_no_dev_group(answer)


# ---- 4. a private index, and its secret ---------------------------------------------------

PRIVATE = "kn-fn-e2e-private"
PRIVATE_ANSWER = "answer from the private index (kn-fn-e2e)"
PRIVATE_HANDLER = "import kn_fn_e2e_private\n\n\ndef handler(req):\n    return kn_fn_e2e_private.ANSWER\n"
USERNAME = "kn-fn"
WHEEL_PATH = "/files/kn_fn_e2e_private-1.0.0-py3-none-any.whl"


def make_token() -> str:
    # A "+" so that the token's percent-encoded form (%2B) differs from the token itself.
    return f"tok-{secrets.token_hex(8)}+{secrets.token_hex(8)}"


def needles(token: str) -> list[bytes]:
    """Every form of the token that could leak: as is, percent-encoded, in a Basic auth header, either random half."""
    basic = base64.b64encode(f"{USERNAME}:{token}".encode())
    halves = token[len("tok-"):].split("+")
    return [token.encode(), urllib.parse.quote(token, safe="").encode(), basic, *(h.encode() for h in halves)]


@dataclass
class Private:
    index: package_index.Index
    token: str
    app: apps.App
    env_build: pack.Build
    binding_build: pack.Build
    env_requests: list[package_index.Request]
    binding_requests: list[package_index.Request]


def private_app(path: Path) -> apps.App:
    return apps.new(path, {"handler.py": PRIVATE_HANDLER, "requirements.txt": f"{PRIVATE}==1.0.0\n"})


def index_binding(directory: Path, index: package_index.Index, password: str) -> tuple[str, ...]:
    directory.mkdir(parents=True)
    for name, text in {"type": "package-index", "extra-index-url": index.url(), "username": USERNAME, "password": password}.items():
        (directory / name).write_text(text + "\n", encoding="utf-8")
    return ("--volume", f"{directory}:/platform/bindings/private-index:ro")


@pytest.fixture(scope="module")
def private(tmp_path_factory, ca) -> Iterator[Private]:
    tmp = tmp_path_factory.mktemp("private-index")
    wheel = apps.wheel(tmp / "wheels", PRIVATE, "1.0.0", f"ANSWER = {PRIVATE_ANSWER!r}\n")
    token = make_token()
    index = package_index.serve([wheel], USERNAME, token)
    try:
        app = private_app(tmp / "app")
        host = ("--network", "host")
        # (a) uv's own variable, the token percent-encoded in the URL as a user writes it.
        userinfo = f"{USERNAME}:{urllib.parse.quote(token, safe='')}"
        env_build = pack.must_build(f"{PREFIX}private-env", app.path, env={"UV_INDEX": index.url(userinfo)}, extra=(*COLD, *host, *ca))
        env_requests = list(index.requests)
        index.forget()
        # (b) a package-index binding: URL, username and password in separate files.
        binding = index_binding(tmp / "binding", index, token)
        binding_build = pack.must_build(f"{PREFIX}private-binding", app.path, extra=(*COLD, *host, *ca, *binding))
        binding_requests = list(index.requests)
        index.forget()
        yield Private(index, token, app, env_build, binding_build, env_requests, binding_requests)
    finally:
        index.stop()


def assert_fetched_with_the_token(requests: list[package_index.Request]) -> None:
    # Every request carried the credentials (none was refused), and the wheel was downloaded.
    assert requests and all(r.authorised for r in requests), requests
    assert 200 in {r.status for r in requests if r.path == WHEEL_PATH}, requests
    assert any(r.path.startswith(f"/simple/{PRIVATE}") and r.status == 200 for r in requests), requests


def test_a_private_index_in_uv_index_with_the_token_in_its_url_builds_and_serves(private, functions):
    assert_fetched_with_the_token(private.env_requests)
    reply = functions.start(private.env_build.id).get("/")
    assert (reply.status, reply.text) == (200, PRIVATE_ANSWER)


def test_a_package_index_binding_builds_and_serves(private, functions):
    assert "  Package index: binding private-index: extra-index-url -> UV_INDEX\n" in private.binding_build.log
    assert_fetched_with_the_token(private.binding_requests)
    reply = functions.start(private.binding_build.id).get("/")
    assert (reply.status, reply.text) == (200, PRIVATE_ANSWER)


def test_the_token_is_nowhere_in_the_logs_images_metadata_or_caches(private, tmp_path):
    secret = needles(private.token)
    marker = PRIVATE_ANSWER.encode()  # the private module's source: known to be in the image and the cache
    images = [private.env_build.image, private.binding_build.image]

    for build in (private.env_build, private.binding_build):
        found, _ = leaks.where(secret, [(f"pack build {build.image} output", build.log.encode())])
        assert not any(found.values()), leaks.summary(found)

    found, count = leaks.where([*secret, marker, b"io.buildpacks.lifecycle.metadata"], leaks.image_files(images, tmp_path))
    assert found.pop(marker), "the search did not reach the installed private module: it read nothing that matters"
    assert found.pop(b"io.buildpacks.lifecycle.metadata"), "the search did not read the image configs"
    assert not any(found.values()), f"the token is in the saved images ({count} blobs and files read):\n{leaks.summary(found)}"

    for image in images:
        found, _ = leaks.where(secret, leaks.image_metadata(image))
        assert not any(found.values()), leaks.summary(found)

        volumes = leaks.cache_volumes(image)
        assert [v.rsplit(".", 1)[1] for v in volumes] == ["build", "launch"], volumes
        found, count = leaks.where([*secret, marker], (f for v in volumes for f in leaks.volume_files(v)))
        assert found.pop(marker), f"the cached dependencies layer was not read in {volumes} ({count} files)"
        assert not any(found.values()), f"the token is in pack's cache volumes {volumes}:\n{leaks.summary(found)}"


def test_a_wrong_token_fails_and_shows_neither_token(private, tmp_path, ca):
    wrong = make_token()
    binding = index_binding(tmp_path / "binding", private.index, wrong)
    failed = pack.build(f"{PREFIX}private-wrong", private.app.path, extra=(*COLD, "--network", "host", *ca, *binding))
    requests = list(private.index.requests)
    private.index.forget()
    assert not failed.ok
    assert INSTALL_FAILED.format(source="requirements.txt") in failed.log
    # The index refused every request: it was asked, with credentials that were not the token.
    assert requests and all(r.status == 401 and r.credentials and not r.authorised for r in requests), requests
    # uv names the index without its credentials; the buildpack's redactor has nothing left to mask there.
    assert (
        f"hint: An index URL ({private.index.url()}) could not be queried due to a lack of valid authentication "
        "credentials (401 Unauthorized)"
    ) in failed.log
    found, _ = leaks.where([*needles(wrong), *needles(private.token)], [("output", failed.log.encode())])
    assert not any(found.values()), leaks.summary(found)
