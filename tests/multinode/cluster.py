"""A province deployment on one machine, built from the files in ``docs/deploy/``: nginx with the site config
``nginx.conf`` (its placeholders filled in, nothing else changed), two web nodes started with the ``ExecStart`` of
``mandiri-web.service`` and one job worker with that of ``mandiri-worker.service``, all with the settings of
``mandiri.env`` where a test value does not replace them; on PostgreSQL (a database of its own), Redis (jobs and
rate limits, database numbers of their own) and moto's S3 server (a bucket of its own).

Each node and the worker has its own staging and export directories, as on separate machines: what they share is
in PostgreSQL, Redis and the bucket.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import ipaddress
import json
import os
import re
import secrets
import shlex
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from tests.s3 import CREDENTIALS, MotoServer
from tests.servers import die_with_parent, free_port, open_files_under, run

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
NGINX = Path("/usr/sbin/nginx")
#: Where the units expect the project and its virtualenv (replaced by this checkout and the running interpreter's).
UNIT_HOME = "/opt/mandiri"
UNIT_BIN = f"{UNIT_HOME}/.venv/bin/"
PLACEHOLDER = re.compile(r"@[A-Z0-9_]+@")
#: Redis database numbers of this test's own (flushed at the start): the job queue and the rate-limit counters.
REDIS_JOBS_DB = 7
REDIS_LIMITS_DB = 8
PASSWORD = "uji-multinode-rahasia-2026"
DEADLINE_S = 60.0


def until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE_S) -> None:
    """Poll ``condition`` until it holds (waiting for a process to get somewhere is the only waiting here)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------- the deploy files


def render_site(values: dict[str, str]) -> str:
    """``docs/deploy/nginx.conf`` with every ``@NAME@`` replaced by ``values[NAME]`` (all of them must be used)."""
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    found = {name.strip("@") for name in PLACEHOLDER.findall(site)}
    assert found == set(values), f"placeholders {sorted(found)}, values for {sorted(values)}"
    return PLACEHOLDER.sub(lambda m: values[m.group(0).strip("@")], site)


def read_env_file(path: Path) -> dict[str, str]:
    """An ``EnvironmentFile=``: ``KEY=value`` lines, comments and blank lines skipped."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=value: {line!r}"
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"{path.name}: not a variable name: {line!r}"
        values[key] = value.strip()
    return values


def service_setting(unit: Path, name: str) -> str:
    """The value of ``name=`` in the unit's ``[Service]`` section (exactly one)."""
    section = ""
    found = []
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip()
        elif section == "[Service]" and line.startswith(f"{name}="):
            found.append(line.partition("=")[2])
    assert len(found) == 1, f"{unit.name}: {name}= {found}"
    return found[0]


def exec_start(unit: Path, env: dict[str, str]) -> list[str]:
    """The unit's ``ExecStart`` as systemd runs it: split by its quoting, ``${VAR}`` from the environment, the
    virtualenv's programs those of the running interpreter."""
    assert service_setting(unit, "WorkingDirectory") == UNIT_HOME
    assert service_setting(unit, "EnvironmentFile") == "/etc/mandiri/mandiri.env"
    argv = []
    for word in shlex.split(service_setting(unit, "ExecStart")):
        word = re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: env[m.group(1)], word)
        if word.startswith(UNIT_BIN):
            word = str(Path(sys.executable).parent / word.removeprefix(UNIT_BIN))
        argv.append(word)
    return argv


# ------------------------------------------------------------------------------------------------ processes

@dataclass
class Node:
    """A web node: gunicorn from the unit's command line, its own staging directory."""

    name: str
    port: int
    argv: list[str]
    env: dict[str, str]
    staging: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - the unit's own command line
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        if self.process is None or self.process.poll() is not None:
            return []
        master = psutil.Process(self.process.pid)
        return [master.pid, *(child.pid for child in master.children(recursive=True))]

    def exited(self) -> str | None:
        """Why the node is not running (``None`` while it runs)."""
        return _exited(self.process, self.log)

    def kill(self) -> None:
        """SIGKILL to the whole node at once (the machine gone): no worker is replaced, nothing cleans up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    def spooling(self) -> list[str]:
        """Files in the node's staging directory its processes hold open (an upload being received)."""
        return [path for paths in open_files_under(self.pids(), self.staging).values() for path in paths]


def _tls_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (the client trusts exactly it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Nginx:
    """Debian's nginx with the rendered site, as a child process (no daemon), everything of it in ``directory``."""

    directory: Path
    https_port: int
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def configure(cls, directory: Path, nodes: list[Node]) -> Nginx:
        directory.mkdir(parents=True)
        cert, key = _tls_certificate(directory)
        https_port = free_port()
        site = render_site(
            {
                "SERVER_NAME": "localhost",
                "HTTP_PORT": str(free_port()),
                "HTTPS_PORT": str(https_port),
                "TLS_CERT": str(cert),
                "TLS_KEY": str(key),
                "WEB_NODE_1": nodes[0].address,
                "WEB_NODE_2": nodes[1].address,
            }
        )
        (directory / "mandiri.conf").write_text(site, encoding="utf-8")
        # What Debian's /etc/nginx/nginx.conf holds around the sites, with every path in the test's directory.
        user = "user root root;\n" if os.geteuid() == 0 else ""  # as root, workers would run as nobody
        temp = "\n".join(
            f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (directory / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 2;\npid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} info;\nevents {{ worker_connections 512; }}\n"
            f"http {{\n    access_log {directory / 'access.log'};\n{temp}\n"
            f"    include {directory / 'mandiri.conf'};\n}}\n",
            encoding="utf-8",
        )
        return cls(directory, https_port)

    def start(self) -> None:
        command = [str(NGINX), "-p", str(self.directory), "-c", str(self.directory / "nginx.conf")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)  # noqa: S603
        assert check.returncode == 0, check.stderr
        with (self.directory / "stderr.log").open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - Debian's nginx, our own configuration
                command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: the workers finish, then the master ends
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


# ------------------------------------------------------------------------------------------------- clients


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    """A browser's part in the scenario: cookies, a CSRF token from the pages, one connection per request (so
    nginx balances each), from a given source address."""

    host: str
    port: int
    tls: ssl.SSLContext | None = None
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def connect(self, timeout: float = DEADLINE_S) -> http.client.HTTPConnection:
        if self.tls is not None:
            return http.client.HTTPSConnection(
                self.host, self.port, context=self.tls, timeout=timeout, source_address=(self.source, 0)
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout, source_address=(self.source, 0))

    def via(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> Client:
        """The same browser (its cookies) talking to another address."""
        return Client(host, port, tls, self.source, self.cookies)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Response:
        """One request; a POST says where its form was, as a browser does (over HTTPS the app checks it)."""
        conn = self.connect()
        sent = {"Cookie": self.cookie_header(), **({"Referer": self.origin + path} if method == "POST" else {})}
        try:
            conn.request(method, path, body=body, headers={**sent, **headers})
            response = conn.getresponse()
            self.keep_cookies(response)
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def download(self, path: str) -> tuple[int, str, int]:
        """GET ``path`` read in 1 MiB pieces: the status, the SHA-256 and the size of what came."""
        conn = self.connect()
        try:
            conn.request("GET", path, headers={"Cookie": self.cookie_header()})
            response = conn.getresponse()
            digest, size = hashlib.sha256(), 0
            while chunk := response.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
            return response.status, digest.hexdigest(), size
        finally:
            conn.close()

    def csrf_token(self, path: str) -> str:
        page = self.request("GET", path).body
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1).decode()

    def sign_in(self, email: str, password: str) -> int:
        """The login form posted; its status (302 signed in, 200 the form again, 429 limited)."""
        form = f"email={email}&password={password}&csrf_token={self.csrf_token('/login')}".replace("@", "%40")
        return self.request(
            "POST", "/login", form.encode(), **{"Content-Type": "application/x-www-form-urlencoded"}
        ).status

    def upload(self, assessment_id: int, name: str, data: bytes) -> Response:
        token = self.request("GET", "/csrf", None, Accept="application/json").json()["token"]
        head, tail = multipart(name)
        return self.request(
            "POST",
            f"/penilaian/{assessment_id}/pustaka/unggah",
            head + data + tail,
            **{"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "X-CSRFToken": token},
            Accept="application/json",
        )


BOUNDARY = "mandiri-multinode-7f3a"


def multipart(name: str) -> tuple[bytes, bytes]:
    """What goes before and after a file's bytes in the upload form's body."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def mp4_bytes(size: int) -> bytes:
    """A well-formed MP4 of ``size`` bytes (an ``ftyp`` box, then an ``mdat`` box of random bytes)."""
    ftyp = (20).to_bytes(4, "big") + b"ftypisom" + b"\0\0\x02\0" + b"isom"
    mdat = (size - len(ftyp)).to_bytes(4, "big") + b"mdat"
    return ftyp + mdat + secrets.token_bytes(size - len(ftyp) - len(mdat))


# ------------------------------------------------------------------------------------------------- the cluster


@dataclass
class Cluster:
    tmp: Path
    nodes: list[Node]
    worker: subprocess.Popen[bytes]
    worker_log: Path
    nginx: Nginx
    database: Engine
    moto: MotoServer
    bucket: str
    prefix: str
    tls: ssl.SSLContext
    env: dict[str, str]

    def client(self, source: str = "127.0.0.1") -> Client:
        """A browser talking to nginx (HTTPS) from ``source``."""
        return Client("127.0.0.1", self.nginx.https_port, self.tls, source)

    def direct(self, browser: Client, node: Node) -> Client:
        """The same browser talking to one node, past nginx."""
        return browser.via("127.0.0.1", node.port)

    def stored_keys(self) -> set[str]:
        """The object keys in the bucket."""
        s3 = self.moto.client()
        keys: set[str] = set()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def unfinished_multipart(self) -> list[str]:
        answer = self.moto.client().list_multipart_uploads(Bucket=self.bucket)
        return [upload["Key"] for upload in answer.get("Uploads", [])]

    def blobs(self) -> list[tuple[str, str, int]]:
        """Every stored blob's SHA-256, storage key and size, from the database."""
        with self.database.connect() as conn:
            rows = conn.execute(text("SELECT sha256, storage_key, size FROM blobs ORDER BY id")).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def evidence_files(self, assessment_id: int) -> list[tuple[int, str]]:
        """The assessment's evidence documents (file kind) and their current blob's SHA-256."""
        with self.database.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.id, b.sha256 FROM evidence e JOIN evidence_versions v ON v.id = e.current_version_id "
                    "JOIN blobs b ON b.id = v.blob_id WHERE e.assessment_id = :a AND e.deleted_at IS NULL "
                    "ORDER BY e.id"
                ),
                {"a": assessment_id},
            ).all()
        return [(r[0], r[1]) for r in rows]


def _redis_flush(url: str) -> None:
    import redis

    connection = redis.Redis.from_url(url)
    try:
        connection.flushdb()
    finally:
        connection.close()


def _wait_healthy(client: Client, what: str, alive: Callable[[], str | None]) -> None:
    def healthy() -> bool:
        problem = alive()
        assert problem is None, problem
        try:
            return client.request("GET", "/healthz").status == 200
        except OSError:
            return False

    until(healthy, f"{what} answers /healthz")


def _exited(process: subprocess.Popen[bytes] | None, log: Path) -> str | None:
    if process is not None and process.poll() is not None:
        return f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-5000:]}"
    return None


@dataclass
class Database:
    """A PostgreSQL database of the test's own on the server of ``base_url``."""

    base_url: str
    name: str = field(default_factory=lambda: f"mandiri_mn_{os.getpid()}_{secrets.token_hex(3)}")

    @property
    def url(self) -> str:
        return make_url(self.base_url).set(database=self.name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def create(self) -> None:
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class Settings:
    """What the test puts in place of ``mandiri.env``'s values (the rest of the file is used as it is)."""

    pg_base_url: str
    redis_url: str
    extra: dict[str, str] = field(default_factory=dict)


def start_cluster(tmp: Path, settings: Settings, moto: MotoServer) -> Iterator[Cluster]:
    """Everything up (a generator for a fixture: it yields the running cluster and stops it afterwards)."""
    database = Database(settings.pg_base_url)
    bucket = moto.new_bucket()
    prefix = "mandiri/"
    jobs_url, limits_url = f"{settings.redis_url}/{REDIS_JOBS_DB}", f"{settings.redis_url}/{REDIS_LIMITS_DB}"
    deployed = read_env_file(DEPLOY / "mandiri.env")
    base = {k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")}
    env = {
        **base,
        **deployed,
        **CREDENTIALS,
        "MANDIRI_DATABASE_URL": database.url,
        "MANDIRI_JOBS_REDIS_URL": jobs_url,
        "MANDIRI_RATELIMIT_STORAGE_URI": limits_url,
        "MANDIRI_S3_BUCKET": bucket,
        "MANDIRI_S3_ENDPOINT_URL": moto.endpoint,
        "MANDIRI_S3_REGION": CREDENTIALS["AWS_DEFAULT_REGION"],
        "MANDIRI_S3_PREFIX": prefix,
        "MANDIRI_STORAGE_ROOT": str(tmp / "cli" / "evidence"),
        "MANDIRI_EXPORT_ROOT": str(tmp / "cli" / "exports"),
        "MANDIRI_WEB_WORKERS": "2",
        "MANDIRI_WEB_THREADS": "4",
        "MANDIRI_MAIL_SERVER": "",
        "MANDIRI_MAIL_BASE_URL": "",
        "PYTHONUNBUFFERED": "1",
        **settings.extra,
    }
    assert env["MANDIRI_PROXY_FIX"] == deployed["MANDIRI_PROXY_FIX"] == "1"
    nodes: list[Node] = []
    worker: subprocess.Popen[bytes] | None = None
    proxy: Nginx | None = None
    engine = create_engine(database.url, poolclass=NullPool)
    database.create()
    try:
        for url in (jobs_url, limits_url):
            _redis_flush(url)
        run("init", env=env)
        demo = run("demo", "--password", PASSWORD, env=env)
        assert "pengisi@kota-contoh.go.id" in demo, demo

        for name in ("a", "b"):
            port = free_port()
            node_env = {
                **env,
                "MANDIRI_WEB_BIND": f"127.0.0.1:{port}",
                "MANDIRI_STORAGE_ROOT": str(tmp / name / "evidence"),
                "MANDIRI_EXPORT_ROOT": str(tmp / name / "exports"),
            }
            staging = tmp / name / "evidence" / "staging"
            staging.mkdir(parents=True)
            argv = exec_start(DEPLOY / "mandiri-web.service", node_env)
            nodes.append(Node(name, port, argv, node_env, staging, tmp / f"node-{name}.log"))
        for node in nodes:
            node.start()
        worker_env = {
            **env,
            "MANDIRI_STORAGE_ROOT": str(tmp / "worker" / "evidence"),
            "MANDIRI_EXPORT_ROOT": str(tmp / "worker" / "exports"),
        }
        worker_log = tmp / "worker.log"
        with worker_log.open("wb") as out:
            worker = subprocess.Popen(  # noqa: S603 - the unit's own command line
                exec_start(DEPLOY / "mandiri-worker.service", worker_env),
                env=worker_env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        proxy = Nginx.configure(tmp / "nginx", nodes)
        proxy.start()
        tls = ssl.create_default_context(cafile=str(proxy.directory / "cert.pem"))
        for node in nodes:
            _wait_healthy(Client("127.0.0.1", node.port), f"node {node.name}", node.exited)
        from assess.cli import WORKER_READY

        until(lambda: WORKER_READY in worker_log.read_text(errors="replace") or worker.poll() is not None, "worker")
        assert worker.poll() is None, worker_log.read_text(errors="replace")
        cluster = Cluster(tmp, nodes, worker, worker_log, proxy, engine, moto, bucket, prefix, tls, env)
        _wait_healthy(cluster.client(), "nginx", lambda: _exited(proxy.process, proxy.directory / "error.log"))
        yield cluster
    finally:
        if proxy is not None:
            proxy.stop()
        for node in nodes:
            node.stop()
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=15)
        engine.dispose()
        database.drop()
