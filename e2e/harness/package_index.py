"""A private package index on 127.0.0.1 for build tests: PEP 503 simple pages behind Basic auth.

`serve(wheels, username, password)` starts Python's http.server in a thread on a free port
(bound to port 0, so no race) and serves:

- /simple/ and /simple/<normalised name>/: links to the wheels, each with a `#sha256=` fragment;
- /files/<wheel file>: the wheel's bytes;
- 404 for any other project (uv asks this index for every package first, the runtime's too,
  then falls back to PyPI on a 404);
- 401 with `WWW-Authenticate: Basic` for any request without exactly those credentials.

Every request is recorded (path, status, whether it had credentials and they were right), so a test can
tell that a build really fetched from here, with the credentials, and nothing else did.
A `pack build --network host` reaches it: the build container shares the host's loopback.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def normalise(name: str) -> str:
    """PEP 503's normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Request:
    path: str
    status: int
    authorised: bool  # it carried exactly the right credentials
    credentials: bool  # it carried Basic credentials at all (right or wrong)


@dataclass
class Index:
    server: ThreadingHTTPServer
    thread: threading.Thread
    requests: list[Request] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, userinfo: str = "") -> str:
        """The simple index's URL, with `user:password@` (already percent-encoded) when given."""
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}/simple/"

    def forget(self) -> None:
        self.requests.clear()

    def served(self, path_prefix: str, status: int = 200) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(path_prefix) and r.status == status]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def serve(wheels: list[Path], username: str, password: str) -> Index:
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    files = {w.name: w.read_bytes() for w in wheels}
    projects: dict[str, list[str]] = {}
    for name in files:
        projects.setdefault(normalise(name.split("-", 1)[0]), []).append(name)
    requests: list[Request] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: bool) -> None:
            authorised = self.headers.get("Authorization") == expected
            if not authorised:
                self._send(401, b"", "text/plain", body, {"WWW-Authenticate": 'Basic realm="kn-fn-e2e"'})
            else:
                self._route(body)
            sent = (self.headers.get("Authorization") or "").startswith("Basic ")
            requests.append(Request(self.path, self._status, authorised, sent))

        def _route(self, body: bool) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/simple/":
                links = "".join(f'<a href="/simple/{p}/">{p}</a>\n' for p in sorted(projects))
                self._send(200, self._page(links), "text/html", body)
                return
            match = re.fullmatch(r"/simple/([^/]+)/?", path)
            if match and normalise(match.group(1)) in projects:
                links = "".join(
                    f'<a href="/files/{html.escape(n)}#sha256={hashlib.sha256(files[n]).hexdigest()}">{html.escape(n)}</a>\n'
                    for n in sorted(projects[normalise(match.group(1))])
                )
                self._send(200, self._page(links), "text/html", body)
                return
            match = re.fullmatch(r"/files/([^/]+)", path)
            if match and match.group(1) in files:
                self._send(200, files[match.group(1)], "application/octet-stream", body)
                return
            self._send(404, b"not here\n", "text/plain", body)

        @staticmethod
        def _page(links: str) -> bytes:
            return f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n".encode()

        def _send(self, status: int, data: bytes, content_type: str, body: bool, headers: dict[str, str] | None = None) -> None:
            self._status = status
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(body=False)

        def log_message(self, format: str, *args) -> None:  # the test reads `requests` instead
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="kn-fn-e2e-index", daemon=True)
    thread.start()
    return Index(server, thread, requests)
