"""A function as a Knative revision pod: readiness through queue-proxy, containerConcurrency,
the revision timeout, and shutdown in Knative's order under load."""

from __future__ import annotations

import json
import threading
import time

import pytest

from harness import cloudevents as ce
from harness import knative
from harness.container import Function

IMPORT_S = 4.0


def sleeping(fn: Function) -> int:
    return json.loads(fn.get("/count").text)["sleeping"]


# ------------------------------------------------------------------------------- readiness


@pytest.mark.parametrize("probe", [knative.HTTP_READY, None], ids=["httpGet-health-ready", "tcp-default"])
def test_not_ready_until_the_function_can_answer(images, functions, probe, record_property):
    """The kubelet's probe of queue-proxy fails while the function imports, then passes, and
    the first request through queue-proxy is served. The templates declare the httpGet probe;
    without one Knative probes the port, which the invoker opens only once the function is
    imported."""
    pod = functions.pod(images("kn-fn-e2e/kn-slow-start"), env={"IMPORT_SECONDS": str(IMPORT_S)},
                        revision=knative.Revision(readiness=probe), wait_ready=False)
    failed = []
    while (status := pod.probe()) != 200:
        failed.append(status)
        assert time.monotonic() - pod.started_at < knative.READY_DEADLINE_S, pod.logs() + pod.queue_logs()
        assert pod.running(), pod.logs()
        time.sleep(0.05)
    ready_after = time.monotonic() - pod.started_at
    first = pod.get("/")
    served_after = time.monotonic() - pod.started_at
    assert (first.status, first.text) == (200, "ready now")
    assert failed, "the probe passed at once"
    assert ready_after >= IMPORT_S, f"ready after {ready_after:.2f}s, before the {IMPORT_S}s import ended"
    record_property("first_request_through_queue_proxy_s", round(served_after, 3))


# --------------------------------------------------------------------- containerConcurrency


def concurrent_sleeps(pod: knative.Pod, n: int, seconds: float) -> tuple[list[tuple[int, str]], float, int]:
    """n requests at once through queue-proxy; their replies, the wall time, and the most
    requests the function ran at the same time (sampled on its own port)."""
    replies: list[tuple[int, str]] = []
    peak = 0
    done = threading.Event()

    def call() -> None:
        reply = pod.get(f"/sleep?s={seconds}", timeout=60)
        replies.append((reply.status, reply.text))

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sleeping(pod.direct))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=call) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    return replies, elapsed, peak


def test_container_concurrency_1_queues_requests_and_all_succeed(images, functions):
    """With the invoker's defaults (THREADS 8), containerConcurrency 1 is enforced by
    queue-proxy: the requests wait in its queue, one reaches the function at a time."""
    n, seconds = 6, 0.5
    pod = functions.pod(images("kn-fn-e2e/kn-faults"), revision=knative.Revision(container_concurrency=1))
    replies, elapsed, peak = concurrent_sleeps(pod, n, seconds)
    assert replies == [(200, "slept")] * n
    assert peak == 1
    assert elapsed >= n * seconds, f"{n} requests of {seconds}s took {elapsed:.2f}s: they did not queue"


def test_container_concurrency_0_lets_the_threads_work(images, functions):
    """The contrast: no limit, and the function's 8 threads serve the requests at once."""
    n, seconds = 6, 0.5
    pod = functions.pod(images("kn-fn-e2e/kn-faults"), revision=knative.Revision(container_concurrency=0))
    replies, elapsed, peak = concurrent_sleeps(pod, n, seconds)
    assert replies == [(200, "slept")] * n
    assert peak > 1
    assert elapsed < n * seconds / 2, f"{n} requests of {seconds}s took {elapsed:.2f}s"


# ------------------------------------------------------------------------ revision timeout


def test_revision_timeout_shorter_than_the_function(images, functions):
    """queue-proxy answers 504 `request timeout` at the revision's timeoutSeconds; the function
    finishes the abandoned call in its thread and serves the next request."""
    pod = functions.pod(images("kn-fn-e2e/kn-faults"), revision=knative.Revision(timeout_seconds=2))
    started = time.monotonic()
    late = pod.get("/sleep?s=4", timeout=30)
    elapsed = time.monotonic() - started
    assert (late.status, late.text, late.headers["content-type"]) == (504, "request timeout", "text/plain; charset=utf-8")
    assert 2 <= elapsed < 3.5, f"504 after {elapsed:.2f}s"
    assert sleeping(pod.direct) == 1  # still running in the function
    quick = pod.get("/sleep?s=0")
    assert (quick.status, quick.text) == (200, "slept")
    deadline = time.monotonic() + 10
    while sleeping(pod.direct):
        assert time.monotonic() < deadline, "the abandoned call never finished"
        time.sleep(0.1)
    assert pod.running()


def test_invoker_timeout_below_the_revision_timeout_gives_its_own_504(images, functions):
    """TIMEOUT under the revision's timeoutSeconds: the client gets the invoker's JSON 504 and
    the function's log says which call timed out (the README's advice)."""
    pod = functions.pod(images("kn-fn-e2e/kn-faults"), env={"TIMEOUT": "1"}, revision=knative.Revision(timeout_seconds=5))
    late = pod.get("/sleep?s=3", timeout=30)
    assert late.status == 504, late.text
    assert late.headers["content-type"] == "application/json"
    assert "error" in late.json()
    assert '"message": "function timed out"' in pod.logs()
    assert pod.get("/sleep?s=0").status == 200


# ------------------------------------------------------------------------------- shutdown


class Load:
    """Requests through queue-proxy from a few threads until stopped; every outcome kept."""

    def __init__(self, pod: knative.Pod, send, threads: int = 4) -> None:
        self.pod, self.send = pod, send
        self.outcomes: list[object] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.loop) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.outcomes.append(self.send(self.pod))
            except Exception as error:  # noqa: BLE001 - reported by the test
                self.outcomes.append(error)

    def stop(self) -> list[object]:
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        return self.outcomes


def http_call(pod: knative.Pod) -> object:
    reply = pod.get("/?name=drain", timeout=30)
    return (reply.status, reply.text)


def event_call(pod: knative.Pod) -> object:
    reply, parsed = ce.send(pod, ce.event("com.example.requested", "/drain", {"n": 1}), "binary")
    return (reply.status, parsed.get_type() if parsed else None)


def slow_call(pod: knative.Pod) -> object:
    reply = pod.get("/sleep?s=0.3", timeout=30)
    return (reply.status, reply.text)


def adder_call(pod: knative.Pod) -> object:
    reply = pod.post("/", body="a=2&b=40&username=ada&password=pw",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    return (reply.status, reply.text)


SHUTDOWNS = {
    "kn-fn-e2e/kn-http": (http_call, (200, "Hello, drain!")),
    "kn-fn-e2e/kn-adder": (adder_call, (200, '{"sum": 42}')),
    "kn-fn-e2e/kn-cloudevents": (event_call, (200, "com.example.handled")),
    "kn-fn-e2e/kn-faults": (slow_call, (200, "slept")),
}


def test_shutdown_in_knative_order_under_load(images, functions):
    """Knative's order, for the two templates, the adder sample and a slow function at once
    (each drain lasts queue-proxy's 30 s quiet period; the samples that need moto share the
    invoker's drain and run every other check behind queue-proxy): preStop /wait-for-drain
    and SIGTERM to queue-proxy, then SIGTERM to the function. Every request sent until the drain completes gets 200, the
    pod stops being ready as soon as the drain starts, and the function exits 0 within its
    grace period (the revision timeout)."""
    env = {"kn-fn-e2e/kn-adder": {"ADDER_USERNAME": "ada", "ADDER_PASSWORD": "pw"}}
    pods = {image: functions.pod(images(image), env=env.get(image)) for image in SHUTDOWNS}
    loads = {image: Load(pod, SHUTDOWNS[image][0]) for image, pod in pods.items()}
    time.sleep(1)
    results: dict[str, object] = {}

    def shut(image: str) -> None:
        try:
            results[image] = pods[image].shutdown()
        except BaseException as error:  # noqa: BLE001 - reported below
            results[image] = error

    stoppers = [threading.Thread(target=shut, args=(image,)) for image in pods]
    for t in stoppers:
        t.start()
    time.sleep(2)  # requests keep coming while the endpoints are being updated
    not_ready = {image: pod.probe() for image, pod in pods.items()}
    outcomes = {image: load.stop() for image, load in loads.items()}
    for t in stoppers:
        t.join(knative.DRAIN_DEADLINE_S + 60)

    for image, (_, expected) in SHUTDOWNS.items():
        assert len(outcomes[image]) > 10, (image, outcomes[image])
        assert set(map(repr, outcomes[image])) == {repr(expected)}, (image, outcomes[image])
        assert not_ready[image] == 503, (image, not_ready[image])
        result = results[image]
        assert isinstance(result, knative.Shutdown), (image, result)
        assert (result.drain_status, result.queue_exit, result.function_exit) == (200, 0, 0), \
            (image, result, pods[image].logs())
        assert result.drained_after_s >= 2, (image, result)
        assert result.function_exit_after_s < 10, (image, result)
