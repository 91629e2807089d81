"""The replay viewer's local web server (``amdsim view DIR``).

Serves the packaged front end (``amdsim/viewer/static/``: plain JavaScript + canvas, no
front-end library, nothing fetched from the network) and ``/data/<name>.json`` payloads made
from the run's result files. The server

* binds to 127.0.0.1 (a free port with ``port=0``) unless told otherwise; binding to any
  other address needs ``allow_remote=True`` and prints a warning;
* answers GET and HEAD only, for a fixed list of names: no directory listing, no file system
  path is ever built from the request, so ``..``, absolute or encoded paths cannot escape;
* refuses results files that are symlinks leading out of the results folder;
* checks the ``Host`` header on loopback binds (DNS-rebinding protection).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from amdsim.core.errors import AmdsimError
from amdsim.viewer._data import build_payloads

__all__ = ["ViewerError", "ViewerServer", "serve", "serve_forever"]


class ViewerError(AmdsimError, ValueError):
    """The viewer was asked to do something unsafe (e.g. bind beyond this machine)."""


_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
_CSP_APP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_CSP_REPORT = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _static_files() -> dict[str, tuple[bytes, str]]:
    """The packaged front-end files: name -> (bytes, content type). Plain files only."""
    out: dict[str, tuple[bytes, str]] = {}
    root = resources.files("amdsim.viewer").joinpath("static")
    for entry in root.iterdir():
        suffix = Path(entry.name).suffix
        if entry.is_file() and suffix in _STATIC_TYPES and not entry.name.startswith("."):
            out[entry.name] = (entry.read_bytes(), _STATIC_TYPES[suffix])
    if "index.html" not in out:
        raise RuntimeError("amdsim viewer front end is missing (amdsim/viewer/static/index.html)")
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "amdsim-viewer"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(
        self, status: int, body: bytes, ctype: str, csp: str = _CSP_APP, head: bool = False
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", csp)
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, head: bool = False) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self._send(status, body, "text/plain; charset=utf-8", head=head)

    def _route(self, head: bool) -> None:
        app = self.server
        if app.check_host:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
            if host not in ("127.0.0.1", "localhost", "::1", app.server_address[0]):
                return self._error(HTTPStatus.FORBIDDEN, head)
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        bad = (
            ".." in path,
            "\\" in path,
            "%" in path,
            "//" in path,
            "\x00" in path,
            not path.startswith("/"),
        )
        if any(bad):
            return self._error(HTTPStatus.NOT_FOUND, head)
        if path in ("/", "/index.html"):
            body, ctype = app.static["index.html"]
            return self._send(HTTPStatus.OK, body, ctype, head=head)
        if path.startswith("/static/"):
            name = path[len("/static/") :]
            if name in app.static:
                body, ctype = app.static[name]
                return self._send(HTTPStatus.OK, body, ctype, head=head)
            return self._error(HTTPStatus.NOT_FOUND, head)
        if path.startswith("/data/"):
            name = path[len("/data/") :]
            if name in app.payloads:
                return self._send(HTTPStatus.OK, app.payloads[name], "application/json", head=head)
            return self._error(HTTPStatus.NOT_FOUND, head)
        if path == "/report.html" and app.report is not None:
            return self._send(
                HTTPStatus.OK, app.report, "text/html; charset=utf-8", _CSP_REPORT, head
            )
        return self._error(HTTPStatus.NOT_FOUND, head)

    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)

    def _not_allowed(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    static: dict[str, tuple[bytes, str]]
    payloads: dict[str, bytes]
    report: bytes | None
    check_host: bool
    verbose: bool


class _Server6(_Server):
    address_family = socket.AF_INET6


class ViewerServer:
    """A running viewer: ``url``, ``port``, ``shutdown()``; usable as a context manager."""

    def __init__(self, run_dir: Path, httpd: _Server) -> None:
        self.run_dir = run_dir
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        self.host, self.port = str(host), int(port)
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown}:{self.port}/"
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="amdsim-viewer", daemon=True
        )

    def start(self) -> ViewerServer:
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            self.shutdown()

    def shutdown(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ViewerServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def serve(
    run_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = False,
    *,
    allow_remote: bool = False,
    verbose: bool = False,
) -> ViewerServer:
    """Serve a run's results folder to the replay viewer, in a background thread.

    Parameters
    ----------
    run_dir : results folder of ``amdsim run`` (checked first; a missing file is named).
    host : address to bind; anything but a loopback address needs ``allow_remote=True``.
    port : TCP port, 0 for a free one.
    open_browser : open the address in the default browser.

    Prints ``Serving <run dir> at http://127.0.0.1:PORT/`` and returns the started server.
    """
    d = Path(run_dir)
    loopback = _is_loopback(host)
    if not loopback and not allow_remote:
        raise ViewerError(
            f"refusing to serve on {host!r}: the viewer binds to 127.0.0.1 unless told otherwise "
            "(pass allow_remote=True, CLI --allow-remote, to serve beyond this machine)"
        )
    payloads = build_payloads(d)
    report = d / "report.html"
    cls = _Server6 if ":" in host else _Server
    try:
        httpd = cls((host, port), _Handler)
    except OSError as exc:
        raise ViewerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    httpd.static = _static_files()
    httpd.payloads = payloads
    httpd.report = report.read_bytes() if report.is_file() else None
    httpd.check_host = loopback
    httpd.verbose = verbose
    server = ViewerServer(d, httpd).start()
    if not loopback:
        print(
            f"warning: serving {d} on {host}, reachable from other machines; "
            "the viewer has no authentication",
            file=sys.stderr,
            flush=True,
        )
    print(f"Serving {d} at {server.url}", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    return server


def serve_forever(run_dir: str | Path, host: str = "127.0.0.1", port: int = 0, **kw: Any) -> None:
    """``amdsim view``: serve until Ctrl-C (same arguments as :func:`serve`)."""
    server = serve(run_dir, host, port, **kw)
    print("Press Ctrl-C to stop.", flush=True)
    server.wait()
