"""The templates a user starts from (templates/python/http, templates/python/cloudevents).

Each one builds with pack as it is (offline flags), serves, and answers the clients a user
would point at it: curl-like HTTP for the HTTP template; the CloudEvents conformance tool,
the Python SDK and the JavaScript SDK, in binary and structured mode, for the CloudEvent
template. Their Knative manifests have the shape Knative needs and agree with the README and
with what the function really replies (no reply loop through the Broker). Their READMEs are
run: every ```sh block, verbatim, in a copy of the template. `kn-fn-builder new` makes a
directory that builds and serves.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest

from harness import cloudevents as ce
from harness import knative, manifests, pack, readme
from harness.container import Function
from harness.shell import REPO_ROOT, run

TEMPLATES = REPO_ROOT / "templates" / "python"
BUILDER_BIN = REPO_ROOT / "packages" / "builder" / "bin" / "kn-fn-builder"
README_PORT = 8080  # what the READMEs publish on 127.0.0.1, as a user would

REPLY_TYPE = "com.example.handled"  # what templates/python/cloudevents/handler.py replies with
REPLY_SOURCE = "kn-fn/templates/cloudevents"

# The README blocks fenced ```console: shown to the reader, not run here. Each is named by a
# command it holds, with the reason; the tests check that every console block is listed and
# every listed block still exists.
NO_CLUSTER = "needs a Kubernetes cluster with Knative and a registry it can pull from; there is none here"
SHOWN_ONLY = {
    "http": {
        "kubectl apply -f knative/service.yaml": NO_CLUSTER,
    },
    "cloudevents": {
        "kubectl apply -f knative/service.yaml -f knative/trigger.yaml": NO_CLUSTER,
        "broker-ingress.knative-eventing.svc.cluster.local": "sends into a Broker from a pod inside the cluster; there is none here",
    },
}


# The tests of what a client sees run twice: with the function alone, and as a Knative
# revision pod behind Knative's queue-proxy (harness/knative.py).
BOTH_WAYS = pytest.mark.parametrize("functions", knative.THROUGH, indirect=True)


def copy_template(name: str, to: Path) -> Path:
    """A copy a test may change or build in, without Python caches from local runs."""
    return Path(shutil.copytree(TEMPLATES / name, to, ignore=shutil.ignore_patterns("__pycache__")))


@pytest.fixture(scope="module")
def http_image() -> str:
    build = pack.must_build("kn-fn-e2e/template-http", TEMPLATES / "http")
    # project.toml is read by pack: the handler comes from its PYTHON_HANDLER, not the default.
    assert "Handler: handler.handler (from PYTHON_HANDLER)" in build.log, build.log
    # A requirements.txt with only its comment line means no dependencies.
    assert "Dependencies: none (no uv.lock, poetry.lock, pyproject.toml dependencies or requirements.txt lines)" in build.log, build.log
    return build.image


@pytest.fixture(scope="module")
def cloudevents_image() -> str:
    build = pack.must_build("kn-fn-e2e/template-cloudevents", TEMPLATES / "cloudevents")
    assert "Handler: handler.handler (from PYTHON_HANDLER)" in build.log, build.log
    assert "Imported handler.handler: CloudEvent function" in build.log, build.log
    return build.image


def incoming_type() -> str:
    """The type the cloudevents Trigger delivers, which the README sends."""
    return manifests.trigger(TEMPLATES / "cloudevents" / "knative" / "trigger.yaml").filter["type"]


# ---------------------------------------------------------------------------- HTTP template


@BOTH_WAYS
def test_http_template_answers(http_image, functions):
    fn = functions.start(http_image)
    named = fn.get("/?name=kn-fn")
    assert (named.status, named.text) == (200, "Hello, kn-fn!")
    assert named.headers["content-type"] == "text/plain; charset=utf-8"
    default = fn.get("/any/path")
    assert (default.status, default.text) == (200, "Hello, world!")


def test_project_toml_names_another_function_and_pack_env_wins(tmp_path, functions):
    """Do what project.toml's comments say: point PYTHON_HANDLER at greet() in main.py."""
    app = copy_template("http", tmp_path / "fn")
    (app / "main.py").write_text('def greet(req):\n    return "greetings from main.greet"\n', encoding="utf-8")
    project = app / "project.toml"
    text = project.read_text(encoding="utf-8")
    assert 'value = "handler.handler"' in text and '"main.greet"' in text  # the comment names this example
    project.write_text(text.replace('value = "handler.handler"', 'value = "main.greet"'), encoding="utf-8")

    build = pack.must_build("kn-fn-e2e/template-http-main", app)
    assert "Handler: main.greet (from PYTHON_HANDLER)" in build.log, build.log
    assert functions.start(build.image).get("/").text == "greetings from main.greet"

    # `pack build --env PYTHON_HANDLER=...`, as the comments say, wins over project.toml.
    build = pack.must_build("kn-fn-e2e/template-http-main", app, env={"PYTHON_HANDLER": "handler.handler"})
    assert "Handler: handler.handler (from PYTHON_HANDLER)" in build.log, build.log
    assert functions.start(build.image).get("/?name=env").text == "Hello, env!"


# ---------------------------------------------------------------------- CloudEvent template


@BOTH_WAYS
def test_cloudevents_template_passes_the_conformance_tool(cloudevents_image, functions, tmp_path):
    fn = functions.start(cloudevents_image)
    done = ce.conformance_invoke(fn, ce.conformance_yaml(incoming_type(), "/conformance", {"n": 1}), tmp_path)
    assert done.returncode == 0, done.stdout
    # -v dumps what was sent: one event in each mode really went out.
    assert "Ce-Type: com.example.requested" in done.stdout, done.stdout
    assert "Content-Type: application/cloudevents+json" in done.stdout, done.stdout

    # The tool's exit code means something: an event without a source is refused with 400.
    bad = (
        'ContextAttributes:\n  specversion: "1.0"\n'
        f"  type: {incoming_type()}\n  id: conformance-bad\n"
        "  datacontenttype: application/json\n"
        "Data: '{}'\n"
    )
    refused = ce.conformance_invoke(fn, bad, tmp_path)
    assert refused.returncode != 0, refused.stdout
    assert "400" in refused.stdout, refused.stdout
    assert fn.running()


@BOTH_WAYS
def test_cloudevents_template_replies_to_binary_data(cloudevents_image, functions):
    # Data of a non-JSON, non-text type reaches the function as bytes; the reply says how many.
    fn = functions.start(cloudevents_image)
    sent = ce.event(incoming_type(), "/bytes", b"\x00\x01\x02", datacontenttype="application/octet-stream")
    response, reply = ce.send(fn, sent, "binary")
    assert response.status == 200, response.text
    assert reply is not None and reply.get_data() == {"received": {"bytes": 3}, "from": "/bytes"}


@BOTH_WAYS
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_cloudevents_template_replies_to_the_python_sdk(cloudevents_image, functions, mode):
    fn = functions.start(cloudevents_image)
    sent = ce.event(incoming_type(), "/python-sdk", {"name": "kn-fn"})
    response, reply = ce.send(fn, sent, mode)
    assert response.status == 200, response.text
    assert reply is not None
    assert reply.get_type() == REPLY_TYPE
    assert reply.get_source() == REPLY_SOURCE
    assert reply.get_id() != sent.get_id()
    assert reply.get_data() == {"received": {"name": "kn-fn"}, "from": "/python-sdk"}
    # Encoded in the request's mode: attributes in ce-* headers (binary) or in the body.
    if mode == "binary":
        assert response.headers["ce-type"] == REPLY_TYPE
        assert response.headers["content-type"] == "application/json"
    else:
        assert "ce-type" not in response.headers
        assert response.headers["content-type"].startswith("application/cloudevents+json")


@BOTH_WAYS
def test_cloudevents_template_replies_to_the_js_sdk(cloudevents_image, functions):
    fn = functions.start(cloudevents_image)
    results = ce.js_roundtrip(fn, {"type": incoming_type(), "source": "/js-sdk", "data": {"name": "js"}})
    assert [r["mode"] for r in results] == ["binary", "structured"]
    for r in results:
        assert r["status"] == 200, r
        assert "parseError" not in r, r["parseError"]
        assert r["reply"]["type"] == REPLY_TYPE, r
        assert r["reply"]["id"] != r["sentId"], r
        assert r["reply"]["data"] == {"received": {"name": "js"}, "from": "/js-sdk"}, r
    binary, structured = results
    assert binary["headers"]["ce-type"] == REPLY_TYPE
    assert structured["headers"]["content-type"].startswith("application/cloudevents+json")


# ----------------------------------------------------------------------- Knative manifests


def test_http_service_manifest_matches_the_readme():
    service = manifests.service(TEMPLATES / "http" / "knative" / "service.yaml")
    text = (TEMPLATES / "http" / "README.md").read_text(encoding="utf-8")
    assert_image_consistent(service, text)


@pytest.mark.parametrize("name", ["http", "cloudevents"])
def test_the_pods_behind_queue_proxy_probe_readiness_as_the_manifests_say(name):
    """The pods of the queue-proxy runs above use knative.Revision's default probe: the one
    the templates' Service declares."""
    service = manifests.service(TEMPLATES / name / "knative" / "service.yaml")
    assert service.readiness == knative.HTTP_READY == knative.Revision().readiness


def test_cloudevents_manifests_agree_with_each_other_and_the_readme():
    service = manifests.service(TEMPLATES / "cloudevents" / "knative" / "service.yaml")
    trigger = manifests.trigger(TEMPLATES / "cloudevents" / "knative" / "trigger.yaml")
    path = TEMPLATES / "cloudevents" / "README.md"
    assert_image_consistent(service, path.read_text(encoding="utf-8"))

    assert trigger.broker == "default"
    assert trigger.subscriber == {"apiVersion": manifests.SERVICE_API, "kind": "Service", "name": service.name}
    assert list(trigger.filter) == ["type"]

    # Every event the README sends (binary: ce-type header; structured: "type" in the JSON
    # body; into the Broker: ce-type) has the type the Trigger delivers.
    code = "".join(b.text for b in readme.blocks(path) if b.lang in (readme.RUN, readme.SHOWN))
    sent_types = re.findall(r'ce-type: ([\w.-]+)', code) + re.findall(r'"type": "([\w.-]+)"', code)
    assert len(sent_types) == 3, sent_types
    assert set(sent_types) == {trigger.filter["type"]}


def assert_image_consistent(service: manifests.Service, readme_text: str) -> None:
    """The README builds NAME, pushes registry.example.com/NAME:latest, and the Service runs that."""
    built = re.findall(r"^pack build (\S+) ", readme_text, re.MULTILINE)
    pushed = re.findall(r"^docker push (\S+)$", readme_text, re.MULTILINE)
    assert len(built) == 1 and len(pushed) == 1, (built, pushed)
    assert service.image == pushed[0] == f"registry.example.com/{built[0]}:latest"
    assert service.name == built[0]


@BOTH_WAYS
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_the_reply_does_not_match_the_trigger_no_reply_loop(cloudevents_image, functions, mode):
    """An event the Trigger delivers gets a reply the same Trigger would not deliver again."""
    trigger = manifests.trigger(TEMPLATES / "cloudevents" / "knative" / "trigger.yaml")
    fn = functions.start(cloudevents_image)
    delivered = ce.event(trigger.filter["type"], "/broker", {"n": 1})
    assert trigger.matches(delivered.get_attributes())
    response, reply = ce.send(fn, delivered, mode)
    assert response.status == 200 and reply is not None, response.text
    assert reply.get_type() != trigger.filter["type"]
    assert not trigger.matches(reply.get_attributes()), reply.get_attributes()


# -------------------------------------------------------------------------------- READMEs


def check_fences(name: str, blocks: list[readme.Block]) -> None:
    """Every block is either run (sh) or shown with a listed reason (console); none is ambiguous."""
    assert readme.ambiguous(blocks) == [], "fence these ```sh (run by the tests) or ```console (shown only)"
    shown = [b for b in blocks if b.lang == readme.SHOWN]
    for b in shown:
        reasons = [reason for needle, reason in SHOWN_ONLY[name].items() if needle in b.text]
        assert len(reasons) == 1, f"{b.where}: a ```console block must be listed in SHOWN_ONLY with why it cannot run:\n{b.text}"
    for needle in SHOWN_ONLY[name]:
        assert any(needle in b.text for b in shown), f"SHOWN_ONLY[{name!r}] lists {needle!r}, which no ```console block holds"


def run_readme(name: str, tmp_path: Path, resource: str) -> tuple[list[readme.Block], readme.Run]:
    """Run the template README's ```sh blocks in a copy of the template; `resource` is the
    name the README gives its image and container (removed afterwards whatever happens)."""
    busy = readme.port_in_use(README_PORT)
    if busy:
        pytest.fail(busy)
    app = copy_template(name, tmp_path / name)
    blocks = readme.blocks(app / "README.md")
    check_fences(name, blocks)
    result = readme.run_blocks(blocks, cwd=app, containers=[resource], images=[resource])
    assert result.ok, result.report()
    assert readme.shown_output_problems(blocks, result) == []
    return blocks, result


def test_http_readme_runs(tmp_path):
    _, result = run_readme("http", tmp_path, "my-http-fn")
    assert [s.block.text.split()[:2] for s in result.steps] == [["pack", "build"], ["docker", "run"], ["curl", "-fsS"], ["docker", "rm"]]
    assert "Successfully built image 'my-http-fn'" in result.output_of("pack build")
    assert result.output_of("?name=kn-fn").strip() == "Hello, kn-fn!"


def test_cloudevents_readme_runs(tmp_path):
    _, result = run_readme("cloudevents", tmp_path, "my-cloudevents-fn")
    assert "Successfully built image 'my-cloudevents-fn'" in result.output_of("pack build")

    binary = result.output_of("ce-specversion: 1.0")
    head, body = binary.replace("\r", "").split("\n\n", 1)
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    headers = {k.lower(): v for k, v in headers.items()}
    assert head.splitlines()[0] == "HTTP/1.1 200 OK"
    assert headers["ce-type"] == REPLY_TYPE and headers["ce-source"] == REPLY_SOURCE
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"received": {"name": "kn-fn"}, "from": "/my/source"}

    structured = result.output_of("application/cloudevents+json")
    head, body = structured.replace("\r", "").split("\n\n", 1)
    assert "content-type: application/cloudevents+json" in head.lower()
    reply = json.loads(body)
    assert reply["type"] == REPLY_TYPE and reply["id"] != "2"
    assert reply["data"] == {"received": {"name": "kn-fn"}, "from": "/my/source"}


# ------------------------------------------------------------------------ kn-fn-builder new


def test_kn_fn_builder_new_makes_a_function_that_builds_and_serves(tmp_path, functions):
    # The bin runs the compiled CLI: `pnpm --filter @kn-fn/builder build` must have run.
    done = run([BUILDER_BIN, "new", tmp_path / "fn", "--template", "cloudevents"])
    assert done.returncode == 0, done.stdout
    fn_dir = tmp_path / "fn"
    copied = sorted(str(p.relative_to(fn_dir)) for p in fn_dir.rglob("*") if p.is_file())
    template = sorted(str(p.relative_to(TEMPLATES / "cloudevents")) for p in (TEMPLATES / "cloudevents").rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts)
    assert copied == template
    assert (fn_dir / "handler.py").read_bytes() == (TEMPLATES / "cloudevents" / "handler.py").read_bytes()

    again = run([BUILDER_BIN, "new", fn_dir])
    assert again.returncode == 1 and "[Error: directory not empty]" in again.stdout, again.stdout

    build = pack.must_build("kn-fn-e2e/template-new-cloudevents", fn_dir)
    fn: Function = functions.start(build.image)
    response, reply = ce.send(fn, ce.event(incoming_type(), "/new", {"made": "by new"}), "binary")
    assert response.status == 200, response.text
    assert reply is not None and reply.get_type() == REPLY_TYPE
    assert reply.get_data() == {"received": {"made": "by new"}, "from": "/new"}


# ------------------------------------------------------------- the README runner itself


def test_readme_blocks_and_a_failing_block_still_cleans_up(tmp_path):
    """What the README tests rely on: fences parsed with their lines, sh blocks run in order
    until one fails, and the named container removed even then."""
    name = "kn-fn-e2e-readme-selftest"
    doc = tmp_path / "README.md"
    doc.write_text(
        "# t\n\n"
        "```sh\n"
        f"docker run -d --name {name} kn-fn/run:latest sleep 300 >/dev/null\n"
        "echo started\n"
        "```\n\n"
        "```text\nstarted\n```\n\n"
        "  ~~~console\n  kubectl get pods\n  ~~~\n\n"
        "```sh\necho before; false; echo never\n```\n\n"
        "```sh\necho not reached\n```\n\n"
        "```bash\necho ambiguous\n```\n",
        encoding="utf-8",
    )
    blocks = readme.blocks(doc)
    assert [(b.lang, b.line) for b in blocks] == [("sh", 3), ("text", 8), ("console", 12), ("sh", 16), ("sh", 20), ("bash", 24)]
    assert blocks[2].text == "kubectl get pods\n"  # the fence's indentation is not content
    assert readme.ambiguous(blocks) == [blocks[5]]

    result = readme.run_blocks(blocks, cwd=tmp_path, containers=[name])
    assert not result.ok
    assert [(s.block.line, s.returncode, s.output) for s in result.steps] == [(3, 0, "started\n"), (16, 1, "before\n")]
    assert readme.shown_output_problems(blocks, result) == []
    assert run(["docker", "ps", "-aq", "--filter", f"name=^/{name}$"]).stdout.strip() == ""


def test_port_in_use_names_the_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        why = readme.port_in_use(port)
    assert why is not None and f"127.0.0.1:{port} is already in use" in why and "stop what listens there" in why
    assert readme.port_in_use(port) is None
