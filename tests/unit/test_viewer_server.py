"""The viewer's server: serves the front end and /data JSON from the result files only; no
directory listing, no path traversal, GET/HEAD only, loopback unless told otherwise."""

from __future__ import annotations

import http.client
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import EXPECTED, make_fake_results
from amdsim.io.results import ResultsError
from amdsim.viewer import ViewerServer, serve
from amdsim.viewer._data import DATA_NAMES


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("viewer")
    (root / "secret.txt").write_text("do not serve", encoding="utf-8")
    d = make_fake_results(root / "run")
    (d / "report.html").write_text("<html>report</html>", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def server(run_dir: Path) -> Iterator[ViewerServer]:
    with serve(run_dir) as srv:
        yield srv


def _req(
    srv: ViewerServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=headers is not None and "Host" in headers)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_serve_prints_address_and_binds_loopback(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(run_dir, port=0) as srv:
        assert srv.host == "127.0.0.1" and srv.port > 0
        assert srv.url == f"http://127.0.0.1:{srv.port}/"
    assert f"Serving {run_dir} at http://127.0.0.1:{srv.port}/" in capsys.readouterr().out


def test_index_and_static(server: ViewerServer) -> None:
    st, h, body = _req(server, "/")
    assert st == 200 and h["content-type"].startswith("text/html")
    assert b"/static/viewer.js" in body and b"http" not in body.replace(b"http-equiv", b"")
    assert "default-src 'self'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    st, h, body = _req(server, "/static/viewer.js")
    assert st == 200 and h["content-type"].startswith("text/javascript")
    assert b"https://" not in body and b"http://" not in body  # no CDN, nothing remote
    st, h, _ = _req(server, "/static/viewer.css", "HEAD")
    assert st == 200 and int(h["content-length"]) > 100


def test_data_endpoints(server: ViewerServer) -> None:
    for name in DATA_NAMES:
        st, h, body = _req(server, f"/data/{name}")
        assert st == 200 and h["content-type"] == "application/json", name
        json.loads(body)
    traj = json.loads(_req(server, "/data/trajectories.json")[2])
    threats = [o for o in traj["objects"] if o["object"] == "threat"]
    assert sorted(o["id"] for o in threats) == [0, 1, 2, 3, 4, 5]
    assert all(o["t"] == sorted(o["t"]) for o in traj["objects"])
    stories = json.loads(_req(server, "/data/stories.json")[2])["stories"]
    assert [s["outcome"] for s in stories].count("leaked") == EXPECTED["leaks"]
    ev = json.loads(_req(server, "/data/events.json")[2])
    assert "detect" not in ev["kind"] and ev["n_detections"] > 0
    assert json.loads(_req(server, "/data/files.json")[2]) == {"report": True}
    st, h, body = _req(server, "/report.html")
    assert st == 200 and body == b"<html>report</html>"
    assert "default-src 'none'" in h["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/data/",
        "/static/",
        "/data/events.parquet",
        "/data/run.json/",
        "/run.json",
        "/events.parquet",
        "/data/../secret.txt",
        "/../secret.txt",
        "/static/../../secret.txt",
        "/static/%2e%2e/%2e%2e/secret.txt",
        "/data/%2e%2e%2fsecret.txt",
        "/static/..%5c..%5csecret.txt",
        "//etc/passwd",
        "/etc/passwd",
        "/static//etc/passwd",
        "/data/C:\\windows",
        "/secret.txt",
        "/static/index.html/..",
        "relative",
    ],
)
def test_no_listing_no_traversal(server: ViewerServer, path: str) -> None:
    st, _, body = _req(server, path)
    assert st == 404, path
    assert b"do not serve" not in body and b"PAR1" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(server: ViewerServer, method: str) -> None:
    st, h, _ = _req(server, "/data/run.json", method)
    assert st == 405 and h["allow"] == "GET, HEAD"


def test_foreign_host_header_refused(server: ViewerServer) -> None:
    st, _, _ = _req(server, "/data/run.json", headers={"Host": "evil.example:80"})
    assert st == 403
    st, _, _ = _req(server, "/data/run.json", headers={"Host": f"localhost:{server.port}"})
    assert st == 200


def test_non_loopback_needs_explicit_flag(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        serve(run_dir, host="0.0.0.0")
    with serve(run_dir, host="0.0.0.0", allow_remote=True) as srv:
        assert srv.host == "0.0.0.0"
    assert "warning" in capsys.readouterr().err


def test_missing_files_named_before_serving(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run", skip=("trajectories.parquet", "summary.json"))
    with pytest.raises(ResultsError, match=r"missing summary.json, trajectories.parquet"):
        serve(d)
    with pytest.raises(ResultsError, match="does not exist"):
        serve(tmp_path / "nope")


def test_symlink_out_of_folder_refused(tmp_path: Path) -> None:
    outside = make_fake_results(tmp_path / "elsewhere")
    d = make_fake_results(tmp_path / "run", skip=("summary.json",))
    os.symlink(outside / "summary.json", d / "summary.json")
    with pytest.raises(ResultsError, match="points outside the results folder"):
        serve(d)


def test_port_in_use_is_a_clear_error(server: ViewerServer, run_dir: Path) -> None:
    from amdsim.viewer.server import ViewerError

    with pytest.raises(ViewerError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        serve(run_dir, port=server.port)
