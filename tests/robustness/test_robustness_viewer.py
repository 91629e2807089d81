"""The viewer server under hostile use: beyond ``tests/unit/test_viewer_server.py``.

The CLI refuses a non-loopback bind without ``--allow-remote`` (clear error, no traceback);
a results file that is a symlink to a system file is refused before serving; garbage and
oversized requests get an HTTP error and the server keeps serving.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import make_fake_results
from amdsim.io.results import ResultsError
from amdsim.viewer import serve
from tests.robustness._records import record


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_cli_refuses_remote_bind_without_flag(tmp_path: Path, host: str) -> None:
    d = make_fake_results(tmp_path / "run")
    proc = subprocess.run(
        [sys.executable, "-m", "amdsim.cli", "view", str(d), "--host", host],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "amdsim: error:" in proc.stderr and "allow" in proc.stderr
    assert "Traceback" not in proc.stderr
    record("viewer", f"amdsim view --host {host} (no --allow-remote)", "refused, exit 2",
           proc.stderr.strip())  # fmt: skip


@pytest.mark.parametrize("name", ["events.parquet", "run.json"])
def test_results_symlink_to_system_file_refused(tmp_path: Path, name: str) -> None:
    d = make_fake_results(tmp_path / "run")
    (d / name).unlink()
    os.symlink("/etc/passwd", d / name)
    with pytest.raises(ResultsError, match="outside the results folder") as info:
        serve(d)
    record(
        "viewer", f"{name} is a symlink to /etc/passwd", "refused before serving", str(info.value)
    )


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except TimeoutError:
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)


def test_garbage_and_oversized_requests(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    with serve(d) as srv:
        cases = {
            "binary garbage request line": b"\x00\xff\xfe garbage\r\n\r\n",
            "HTTP/0.9-style request": b"GET /\r\n\r\n",
            "70 kB request path": b"GET /"
            + b"a" * 70_000
            + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "10,000 headers": b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 10_000 + b"\r\n",
            "traversal in absolute URI": b"GET http://127.0.0.1/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        }
        for label, req in cases.items():
            resp = _raw(srv.port, req)
            assert b"root:" not in resp
            status = resp.split(b"\r\n", 1)[0].decode("latin-1", "replace")
            assert not status.startswith("HTTP/1.0 200") and not status.startswith(
                "HTTP/1.1 200"
            ), label
            if not resp:
                shown = "connection closed"
            elif status.startswith("HTTP/"):
                shown = status
            elif b"Error response" in resp:
                shown = "error page without status line (HTTP/0.9 style)"
            else:
                shown = "HTTP/0.9 reply: the index page"
            record("viewer", label, shown, "no results file or system file served")
        ok = _raw(
            srv.port, b"GET /data/run.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        assert ok.startswith(b"HTTP/1.0 200") or ok.startswith(b"HTTP/1.1 200")  # still serving
