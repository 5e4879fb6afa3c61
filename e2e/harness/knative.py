"""A built function run as a Knative revision pod runs it, with Knative's real queue-proxy.

In a Knative Service every request reaches the function through queue-proxy, the sidecar in
each revision pod. A `Pod` here is that pod on the engine:

- the function container, with the environment Knative's revision reconciler gives the user
  container (`PORT`, `K_SERVICE`, `K_CONFIGURATION`, `K_REVISION`);
- queue-proxy (Knative 1.23, built by scripts/setup.sh) in the function's network namespace
  (`--network container:…`, as containers of a pod share one), with the environment that
  `pkg/reconciler/revision/resources/queue.go` of knative.dev/serving v0.50.0 gives it;
- traffic only through queue-proxy's serving port 8012, published on 127.0.0.1. The
  function's own port is published too, for tests that compare direct with proxied answers,
  and the admin port 8022, which the function's preStop hook calls.

`Pod` is a `container.Function`, so a test that talks to a function talks to a pod unchanged:
`request()`, `url` and `port` go through queue-proxy; `logs()` and `exec()` are the function's.

Readiness is what the kubelet sees: it probes queue-proxy's port with `K-Network-Probe:
queue` and a `kube-probe/` user agent (timeout 1 s, the Kubernetes default), and queue-proxy
runs the user container's readiness probe, encoded as Knative encodes it in
`SERVING_READINESS_PROBE`: the manifest's probe (the templates declare `httpGet
/health/ready`), or Knative's default, a TCP probe of the user port.

`shutdown()` stops the pod in Knative's order: the function's preStop hook calls
queue-proxy's `/wait-for-drain` while queue-proxy gets SIGTERM; when the drain completes
(queue-proxy waits until no request came for 30 s), the function gets SIGTERM and at most its
grace period (the revision timeout, Knative's `terminationGracePeriodSeconds`) to exit.

`start(..., host_loopback=True)` is for functions that reach a server on the host (moto):
the pod is the host's network namespace, the function and queue-proxy listen on free
127.0.0.1 ports, and queue-proxy's fixed admin (8022) and metrics (9090) ports must be free.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from harness import container
from harness.container import Function
from harness.shell import must, run

VERSION = os.environ.get("KN_FN_KNATIVE_VERSION", "")
QUEUE_IMAGE = os.environ.get("KN_FN_QUEUE_IMAGE", "")
HEARTBEATS_IMAGE = os.environ.get("KN_FN_HEARTBEATS_IMAGE", "")

USER_PORT = 8080        # Knative's default container port, given to the function as PORT
QUEUE_PORT = 8012       # queue-proxy's HTTP/1 serving port (networking.BackendHTTPPort)
QUEUE_TLS_PORT = 8112
ADMIN_PORT = 8022       # networking.QueueAdminPort: /wait-for-drain
METRICS_PORT = 9090     # the autoscaler's metrics
PROBE_HEADERS = {"K-Network-Probe": "queue", "User-Agent": "kube-probe/1.34"}
PROBE_TIMEOUT_S = 1.0   # a Kubernetes probe's default timeoutSeconds
READY_DEADLINE_S = 45.0
DRAIN_DEADLINE_S = 120.0

# How a test may reach a function: alone, or as a pod behind queue-proxy (conftest.functions).
THROUGH = ("direct", "queue-proxy")

# The readinessProbe the templates' knative/service.yaml declare.
HTTP_READY = {"httpGet": {"path": "/health/ready"}}


def require_tools() -> None:
    missing = [name for name, value in (("KN_FN_QUEUE_IMAGE", QUEUE_IMAGE), ("KN_FN_HEARTBEATS_IMAGE", HEARTBEATS_IMAGE))
               if not value or run(["docker", "image", "inspect", value]).returncode != 0]
    if missing:
        raise AssertionError(f"{', '.join(missing)} not set or not in the engine: run scripts/setup.sh "
                             "(it builds Knative's queue-proxy and heartbeats) and source $KN_FN_CACHE/env.sh")


@dataclass(frozen=True)
class Revision:
    """What a Knative Service's revision template says about how its pod runs."""

    service: str = "fn"
    generation: int = 1
    container_concurrency: int = 0     # 0: no limit (Knative's default)
    timeout_seconds: int = 300         # Knative's default revision timeout
    readiness: dict[str, Any] | None = field(default_factory=lambda: dict(HTTP_READY))  # None: Knative's TCP default

    @property
    def name(self) -> str:
        return f"{self.service}-{self.generation:05d}"

    @property
    def pod(self) -> str:
        return f"{self.name}-deployment-5d8f7c9b4-x2x7k"


def readiness_probe(probe: dict[str, Any] | None, user_port: int) -> str:
    """SERVING_READINESS_PROBE as the webhook's defaults and the reconciler make it: a TCP probe
    when the manifest has none, successThreshold 1, host 127.0.0.1, the user port, scheme HTTP."""
    p = json.loads(json.dumps(probe)) if probe else {"tcpSocket": {}}
    p.setdefault("successThreshold", 1)
    if "httpGet" in p:
        p["httpGet"].update(host="127.0.0.1", port=user_port)
        p["httpGet"].setdefault("scheme", "HTTP")
    elif "tcpSocket" in p:
        p["tcpSocket"].update(host="127.0.0.1", port=user_port)
    if p.get("periodSeconds", 0) > 0:
        p.setdefault("failureThreshold", 3)
        p.setdefault("timeoutSeconds", 1)
    return json.dumps(p, separators=(",", ":"))


def user_env(revision: Revision, port: int) -> dict[str, str]:
    return {"PORT": str(port), "K_SERVICE": revision.service, "K_CONFIGURATION": revision.service,
            "K_REVISION": revision.name}


def queue_env(revision: Revision, *, user_port: int, queue_port: int, pod_ip: str) -> dict[str, str]:
    """The queue-proxy container's environment, in the order queue.go lists it."""
    return {
        "SERVING_NAMESPACE": "default",
        "SERVING_SERVICE": revision.service,
        "SERVING_CONFIGURATION": revision.service,
        "SERVING_REVISION": revision.name,
        "QUEUE_SERVING_PORT": str(queue_port),
        "QUEUE_SERVING_TLS_PORT": str(QUEUE_TLS_PORT),
        "CONTAINER_CONCURRENCY": str(revision.container_concurrency),
        "REVISION_TIMEOUT_SECONDS": str(revision.timeout_seconds),
        "REVISION_RESPONSE_START_TIMEOUT_SECONDS": "0",
        "REVISION_IDLE_TIMEOUT_SECONDS": "0",
        "SERVING_POD": revision.pod,
        "SERVING_POD_IP": pod_ip,
        "SERVING_LOGGING_CONFIG": "",     # config-logging's zap config; empty: queue-proxy's default
        "SERVING_LOGGING_LEVEL": "",
        "USER_PORT": str(user_port),
        "SYSTEM_NAMESPACE": "knative-serving",
        "SERVING_READINESS_PROBE": readiness_probe(revision.readiness, user_port),
        "HOST_IP": "127.0.0.1",
        "ENABLE_HTTP2_AUTO_DETECTION": "false",
        "ENABLE_HTTP_FULL_DUPLEX": "false",
        "ROOT_CA": "",
        "QUEUE_PROXY_TLS_MIN_VERSION": "",
        "QUEUE_PROXY_TLS_MAX_VERSION": "",
        "QUEUE_PROXY_TLS_CIPHER_SUITES": "",
        "QUEUE_PROXY_TLS_CURVE_PREFERENCES": "",
        "ENABLE_MULTI_CONTAINER_PROBES": "false",
    }


@dataclass
class Shutdown:
    drain_status: int          # what /wait-for-drain answered the preStop hook
    drained_after_s: float     # from SIGTERM to queue-proxy until the drain completed
    queue_exit: int
    function_exit: int
    function_exit_after_s: float  # from the function's SIGTERM until it exited


@dataclass
class Pod(Function):
    queue: str = ""
    direct_port: int = 0
    admin_port: int = ADMIN_PORT
    revision: Revision = field(default_factory=Revision)
    started_at: float = 0.0     # time.monotonic() just before the function container started

    @property
    def direct(self) -> Function:
        """The function's own port, past queue-proxy (to compare answers)."""
        return Function(self.container, self.image, self.direct_port, self.env)

    def probe(self, timeout: float = PROBE_TIMEOUT_S) -> int | None:
        """The kubelet's readiness probe of queue-proxy: its status, None when it timed out or
        the connection failed (a failed probe to the kubelet)."""
        try:
            return self.get("/", headers=PROBE_HEADERS, timeout=timeout).status
        except (OSError, http.client.HTTPException):
            return None

    def queue_logs(self) -> str:
        return run(["docker", "logs", self.queue]).stdout

    def stop(self) -> None:
        run(["docker", "rm", "-f", *(c for c in (self.queue, self.container) if c)])

    def shutdown(self, grace_s: float | None = None) -> Shutdown:
        grace = self.revision.timeout_seconds if grace_s is None else grace_s
        drained: dict[str, Any] = {}

        def pre_stop() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=DRAIN_DEADLINE_S)
            try:
                conn.request("GET", "/wait-for-drain", headers={"User-Agent": "kube-lifecycle/1.34"})
                drained["status"] = conn.getresponse().status
            except (OSError, http.client.HTTPException) as e:
                drained["error"] = repr(e)
            finally:
                drained["at"] = time.monotonic()
                conn.close()

        hook = threading.Thread(target=pre_stop, daemon=True)
        hook.start()
        t0 = time.monotonic()
        must(["docker", "kill", "--signal", "TERM", self.queue])
        hook.join(DRAIN_DEADLINE_S)
        assert "at" in drained, f"/wait-for-drain did not return within {DRAIN_DEADLINE_S:.0f}s"
        assert "status" in drained, f"/wait-for-drain failed: {drained['error']}\n{self.queue_logs()}"
        queue_exit = int(must(["docker", "wait", self.queue], timeout=DRAIN_DEADLINE_S).strip())
        t1 = time.monotonic()
        must(["docker", "stop", "--time", str(int(grace)), self.container], timeout=grace + 30)
        function_exit = int(must(["docker", "inspect", "-f", "{{.State.ExitCode}}", self.container]).strip())
        return Shutdown(drained["status"], drained["at"] - t0, queue_exit, function_exit, time.monotonic() - t1)


def start(image: str, *, revision: Revision | None = None, env: dict[str, str] | None = None,
          host_loopback: bool = False, wait_ready: bool = True) -> Pod:
    require_tools()
    revision = revision or Revision()
    started_at = time.monotonic()
    if host_loopback:
        pod = _start_on_host(image, revision, env or {})
    else:
        pod = _start_bridged(image, revision, env or {})
    pod.started_at = started_at
    if wait_ready:
        wait_until_ready(pod)
    return pod


def _start_bridged(image: str, revision: Revision, env: dict[str, str]) -> Pod:
    fn_env = {**env, **user_env(revision, USER_PORT)}
    args = ["docker", "run", "-d"]
    for port in (QUEUE_PORT, ADMIN_PORT, USER_PORT):
        args += ["-p", f"127.0.0.1::{port}"]
    fn = must([*args, *_env_args(fn_env), image]).strip()
    try:
        qp = must(["docker", "run", "-d", "--network", f"container:{fn}",
                   *_env_args(queue_env(revision, user_port=USER_PORT, queue_port=QUEUE_PORT, pod_ip=_ip(fn))),
                   QUEUE_IMAGE]).strip()
    except AssertionError:
        run(["docker", "rm", "-f", fn])
        raise
    return Pod(fn, image, _published(fn, QUEUE_PORT), fn_env, queue=qp, direct_port=_published(fn, USER_PORT),
               admin_port=_published(fn, ADMIN_PORT), revision=revision)


def _start_on_host(image: str, revision: Revision, env: dict[str, str]) -> Pod:
    for fixed in (ADMIN_PORT, METRICS_PORT):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex(("127.0.0.1", fixed)) == 0:
                raise AssertionError(f"port {fixed} is in use on the host: queue-proxy in the host's network "
                                     "namespace needs it (admin 8022, metrics 9090)")
    user_port, queue_port = container.free_loopback_port(), container.free_loopback_port()
    fn_env = {**env, **user_env(revision, user_port), "HOST": "127.0.0.1"}
    fn = must(["docker", "run", "-d", "--network", "host", *_env_args(fn_env), image]).strip()
    try:
        qp = must(["docker", "run", "-d", "--network", "host",
                   *_env_args(queue_env(revision, user_port=user_port, queue_port=queue_port, pod_ip="127.0.0.1")),
                   QUEUE_IMAGE]).strip()
    except AssertionError:
        run(["docker", "rm", "-f", fn])
        raise
    return Pod(fn, image, queue_port, fn_env, queue=qp, direct_port=user_port, revision=revision)


def wait_until_ready(pod: Pod) -> None:
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        for name, running in (("function", pod.running()), ("queue-proxy", _running(pod.queue))):
            if not running:
                failure = _failure(pod, f"the {name} container exited before the pod was ready")
                pod.stop()
                raise AssertionError(failure)
        if pod.probe() == 200:
            return
        time.sleep(0.05)
    failure = _failure(pod, f"queue-proxy's readiness probe did not pass within {READY_DEADLINE_S:.0f}s")
    pod.stop()
    raise AssertionError(failure)


def _failure(pod: Pod, what: str) -> str:
    return f"{pod.image}: {what}\n--- function log:\n{pod.logs()}\n--- queue-proxy log:\n{pod.queue_logs()}"


def _env_args(env: dict[str, str]) -> list[str]:
    args = []
    for name, value in env.items():
        args += ["-e", f"{name}={value}"]
    return args


def _published(name: str, port: int) -> int:
    return int(must(["docker", "port", name, f"{port}/tcp"]).splitlines()[0].rsplit(":", 1)[1])


def _ip(name: str) -> str:
    return must(["docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name]).strip() or "127.0.0.1"


def _running(name: str) -> bool:
    return run(["docker", "inspect", "-f", "{{.State.Running}}", name]).stdout.strip() == "true"
