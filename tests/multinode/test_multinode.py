"""The province deployment of docs/deploy.md, exercised: nginx (Debian's package, the site ``docs/deploy/nginx.conf``)
over HTTPS in front of two web nodes (``mandiri-web.service``'s command line) and one job worker
(``mandiri-worker.service``'s), with ``mandiri.env``'s settings, on PostgreSQL, Redis and moto's S3 server.

In order: a pengisi uploads through node A and downloads the same bytes through node B and through nginx; a file
of 100 MiB goes up and down through nginx; the koordinator's export is built by the worker and downloaded
through nginx; the login limit counts per client behind the proxy; a node killed in the middle of an upload loses
nothing, and the upload then goes through the other node.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from tests.multinode.cluster import (
    BOUNDARY,
    NGINX,
    PASSWORD,
    Client,
    Cluster,
    Response,
    Settings,
    mp4_bytes,
    multipart,
    start_cluster,
    until,
)
from tests.s3 import MotoServer

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.skipif(not NGINX.exists(), reason=f"{NGINX} not installed (apt-get install nginx)"),
]

PG_URL = os.environ.get("MANDIRI_TEST_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379"
PENGISI = "pengisi@kota-contoh.go.id"
KOORDINATOR = "koordinator@kota-contoh.go.id"
MiB = 1024 * 1024
#: Failed sign-ins allowed per client address here (the deployment's default is 30 in 15 minutes).
LOGIN_LIMIT = 3
EXPORT_TIMEOUT_S = 240.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, moto_s3: MotoServer) -> Iterator[Cluster]:
    settings = Settings(PG_URL, REDIS_URL, {"MANDIRI_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per 15 minutes"})
    yield from start_cluster(tmp_path_factory.mktemp("multinode"), settings, moto_s3)


@dataclass
class SignedIn:
    browser: Client
    assessment_id: int

    def evidence_path(self, evidence_id: int) -> str:
        return f"/penilaian/{self.assessment_id}/pustaka/{evidence_id}/unduh"


def _sign_in(cluster: Cluster, email: str) -> SignedIn:
    browser = cluster.client()
    assert browser.sign_in(email, PASSWORD) == 302
    found = re.search(rb'href="/penilaian/(\d+)"', browser.request("GET", "/penilaian/").body)
    assert found
    return SignedIn(browser, int(found.group(1)))


@pytest.fixture(scope="module")
def pengisi(cluster: Cluster) -> SignedIn:
    return _sign_in(cluster, PENGISI)


def _uploaded(answer: Response) -> int:
    assert answer.status == 200, answer.body[:1000]
    (result,) = answer.json()["results"]
    assert result["ok"], result
    return int(result["id"])


def test_uploaded_through_node_a_downloaded_through_node_b_and_nginx(cluster: Cluster, pengisi: SignedIn) -> None:
    node_a, node_b = cluster.nodes
    data = mp4_bytes(5 * MiB)
    digest = hashlib.sha256(data).hexdigest()
    evidence_id = _uploaded(cluster.direct(pengisi.browser, node_a).upload(pengisi.assessment_id, "rapat.mp4", data))

    for via in (cluster.direct(pengisi.browser, node_b), pengisi.browser):
        assert via.download(pengisi.evidence_path(evidence_id)) == (200, digest, len(data))
    assert f"{cluster.prefix}objects/sha256/{digest[:2]}/{digest[2:4]}/{digest}" in cluster.stored_keys()
    assert [p for node in cluster.nodes for p in node.staging.iterdir()] == []


def test_a_100_mib_file_goes_up_and_down_through_nginx(cluster: Cluster, pengisi: SignedIn) -> None:
    data = mp4_bytes(100 * MiB)
    digest = hashlib.sha256(data).hexdigest()
    started = time.monotonic()
    evidence_id = _uploaded(pengisi.browser.upload(pengisi.assessment_id, "rekaman-lengkap.mp4", data))
    uploaded = time.monotonic()
    assert pengisi.browser.download(pengisi.evidence_path(evidence_id)) == (200, digest, len(data))
    downloaded = time.monotonic()
    up, down = uploaded - started, downloaded - uploaded
    print(f"\n100 MiB through nginx: up {up:.2f} s ({100 / up:.0f} MiB/s), down {down:.2f} s ({100 / down:.0f} MiB/s)")


def test_the_koordinators_export_is_built_by_the_worker_and_downloaded_through_nginx(cluster: Cluster) -> None:
    koordinator = _sign_in(cluster, KOORDINATOR)
    bundle = f"/penilaian/{koordinator.assessment_id}/bundel/"
    token = koordinator.browser.csrf_token(bundle)
    started = koordinator.browser.request(
        "POST", bundle, f"csrf_token={token}".encode(), **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert started.status == 302
    found = re.search(rb"/bundel/(\d+)/status", koordinator.browser.request("GET", bundle).body)
    assert found, "no export under way on the bundle page"
    export_id = int(found.group(1))
    began = time.monotonic()

    def finished() -> bool:
        state = koordinator.browser.request("GET", f"{bundle}{export_id}/status").json()
        return not state["active"]

    until(finished, "the export finished", EXPORT_TIMEOUT_S)
    print(f"\nexport built by the worker in {time.monotonic() - began:.1f} s")
    state = koordinator.browser.request("GET", f"{bundle}{export_id}/status").json()
    assert state["state"] == "selesai", state

    with cluster.database.connect() as conn:
        pdf_sha256 = conn.execute(text("SELECT pdf_sha256 FROM exports WHERE id = :i"), {"i": export_id}).scalar_one()
    status, digest, size = koordinator.browser.download(f"{bundle}{export_id}/pdf")
    assert (status, digest) == (200, pdf_sha256)
    assert size > 10_000
    # The worker put the bundle in the bucket, which is where the web node read it from: no directory is shared.
    published = [k for k in cluster.stored_keys() if k.startswith(f"{cluster.prefix}exports/")]
    assert any(k.endswith("/bundel.pdf") for k in published), published


def test_nginx_gives_each_request_its_id_and_the_node_answers_with_it(cluster: Cluster) -> None:
    browser = cluster.client()
    ids = [browser.request("GET", "/healthz", **{"X-Request-ID": "dari-klien-0001"}).headers.get("x-request-id")]
    ids.append(browser.request("GET", "/healthz").headers.get("x-request-id"))
    # nginx's $request_id (32 hex digits), a new one each time, never what the client sent.
    assert all(re.fullmatch(r"[0-9a-f]{32}", i or "") for i in ids), ids
    assert ids[0] != ids[1]
    # A node asked directly keeps a sane id it is given (what nginx relies on).
    direct = cluster.direct(browser, cluster.nodes[0])
    assert direct.request("GET", "/healthz", **{"X-Request-ID": "dari-klien-0001"}).headers["x-request-id"] == (
        "dari-klien-0001"
    )


def test_the_login_limit_counts_per_client_behind_the_proxy(cluster: Cluster) -> None:
    guesser = cluster.client("127.0.0.2")
    for n in range(LOGIN_LIMIT):
        assert guesser.sign_in(f"tebak-{n}@contoh.go.id", "salah-sandi") == 200
    assert guesser.sign_in("tebak-lagi@contoh.go.id", "salah-sandi") == 429
    assert guesser.sign_in(PENGISI, PASSWORD) == 429  # stopped, even with the right password

    colleague = cluster.client("127.0.0.3")  # another client: nginx forwards another address
    assert colleague.sign_in(PENGISI, PASSWORD) == 302


def _healthy(client: Client) -> bool:
    try:
        return client.request("GET", "/healthz").status == 200
    except OSError:
        return False


def _answer(sock: socket.socket) -> bytes:
    """What the server sent before closing (nothing when the connection was reset)."""
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except OSError:
        pass
    return answer


def test_a_node_killed_mid_upload_loses_nothing(cluster: Cluster, pengisi: SignedIn) -> None:
    _uploaded(pengisi.browser.upload(pengisi.assessment_id, "notulen.mp4", mp4_bytes(MiB)))
    before = cluster.evidence_files(pengisi.assessment_id)
    data = mp4_bytes(40 * MiB)
    digest = hashlib.sha256(data).hexdigest()
    head, tail = multipart("rekaman-terputus.mp4")
    token = pengisi.browser.request("GET", "/csrf", None, Accept="application/json").json()["token"]
    path = f"/penilaian/{pengisi.assessment_id}/pustaka/unggah"
    request = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nReferer: {pengisi.browser.origin}{path}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(head) + len(data) + len(tail)}\r\nCookie: {pengisi.browser.cookie_header()}\r\n"
        f"X-CSRFToken: {token}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    raw = socket.create_connection(("127.0.0.1", cluster.nginx.https_port), timeout=30)
    with cluster.tls.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(request + head + data[: 8 * MiB])
        until(lambda: any(node.spooling() for node in cluster.nodes), "a node receives the upload")
        (receiving,) = [node for node in cluster.nodes if node.spooling()]
        (other,) = [node for node in cluster.nodes if node is not receiving]
        receiving.kill()
        with contextlib.suppress(OSError):  # nginx gave up on the request and closed
            sock.sendall(data[8 * MiB :] + tail)
        answer = _answer(sock)
    # The client learns that its upload failed: nginx's 502, or the connection closed without an answer.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 502"), answer[:300]

    # Nothing half-stored: no row for the bytes, every row's object in the bucket, nothing left in staging and no
    # unfinished multipart upload.
    blobs = cluster.blobs()
    assert digest not in {sha for sha, _key, _size in blobs}
    assert {f"{cluster.prefix}objects/{key}" for _sha, key, _size in blobs} <= cluster.stored_keys()
    assert cluster.unfinished_multipart() == []
    assert list(receiving.staging.iterdir()) == []
    assert cluster.evidence_files(pengisi.assessment_id) == before

    # The same upload again, through nginx: the other node takes it.
    evidence_id = _uploaded(pengisi.browser.upload(pengisi.assessment_id, "rekaman-terputus.mp4", data))
    assert pengisi.browser.download(pengisi.evidence_path(evidence_id)) == (200, digest, len(data))
    assert list(other.staging.iterdir()) == []
    # Everything saved before reads back whole.
    for saved_id, saved_digest in before:
        status, got, _size = pengisi.browser.download(pengisi.evidence_path(saved_id))
        assert (status, got) == (200, saved_digest), saved_id

    # systemd starts the killed node again (Restart=always): it serves the same data.
    receiving.start()
    until(lambda: _healthy(cluster.direct(pengisi.browser, receiving)), "the node started again")
    direct = cluster.direct(pengisi.browser, receiving)
    assert direct.download(pengisi.evidence_path(evidence_id)) == (200, digest, len(data))
