"""moto's S3 server on a free loopback port, for every test that stores in S3 (a pytest plugin, see conftest).

The server is moto's own (``moto_server``, from the dev extras) in a process of its own: the code under test talks
real HTTP to it through boto3, as it would to MinIO or AWS; nothing in boto3 is mocked. Each test gets a bucket of
its own (``s3_bucket``), so tests cannot see each other's objects.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import die_with_parent

#: What boto3 in this process and in the servers the tests start signs with (moto accepts any).
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "mandiri-test",
    "AWS_SECRET_ACCESS_KEY": "mandiri-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    """A running ``moto_server``: its address, and a way to stop and start it again (the store going away)."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
        self.process = subprocess.Popen(  # noqa: S603 - the dev extras' own server
            [executable, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **CREDENTIALS},
            preexec_fn=die_with_parent,  # a run killed before its teardown leaves no server behind
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("moto_server did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> Any:
        from uploads.s3 import client

        return client(endpoint_url=self.endpoint, region=CREDENTIALS["AWS_DEFAULT_REGION"], retries=1)

    def new_bucket(self) -> str:
        name = f"mandiri-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str) -> dict[str, Any]:
        """The app's settings for storing in ``bucket`` on this server."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": CREDENTIALS["AWS_DEFAULT_REGION"],
        }


_shared: MotoServer | None = None


def shared_server() -> MotoServer:
    """The run's moto server, started on first use (with test credentials in the environment) and stopped at exit."""
    global _shared
    if _shared is None:
        os.environ.update(CREDENTIALS)
        server = MotoServer(free_port())
        server.start()
        atexit.register(server.stop)
        _shared = server
    return _shared


def storage_settings() -> dict[str, Any]:
    """What the test apps store in: nothing to add on local disk (the default); with ``MANDIRI_TEST_STORAGE=s3``, a
    new bucket of their own on the run's moto server (``make test`` runs the storage tests that way too)."""
    backend = os.environ.get("MANDIRI_TEST_STORAGE", "local")
    if backend == "local":
        return {}
    if backend != "s3":
        raise ValueError(f"MANDIRI_TEST_STORAGE must be local or s3, not {backend!r}")
    server = shared_server()
    return server.settings(server.new_bucket())


@pytest.fixture(scope="session")
def moto_s3() -> MotoServer:
    """moto's S3 server for the whole run."""
    return shared_server()


@pytest.fixture
def s3_bucket(moto_s3: MotoServer) -> str:
    """An empty bucket of this test's own."""
    return moto_s3.new_bucket()


def storage_env(config: Any) -> dict[str, str]:
    """The ``MANDIRI_*`` variables that point a ``mandiri`` process at the same store as an app with ``config``."""
    if config.get("STORAGE_BACKEND") != "s3":
        return {}
    return {
        f"MANDIRI_{name}": str(config[name])
        for name in ("STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_PREFIX")
    }


def overwrite_blob(storage: Any, key: str, data: bytes) -> None:
    """Replace a stored blob's bytes behind the application's back (a disk or a bucket gone wrong)."""
    local = storage.local_path(key)
    if local is not None:
        Path(local).write_bytes(data)
    else:
        storage.s3.put_object(Bucket=storage.bucket, Key=storage.object_name(key), Body=data)


def read_blob(storage: Any, key: str) -> bytes:
    with storage.open(key) as handle:
        data: bytes = handle.read()
    return data


def clear_exports(folders: Any) -> None:
    """Remove every export folder of a test app's store (rows are gone and their ids come back)."""
    local = getattr(folders, "root", None)
    if local is not None:
        shutil.rmtree(local, ignore_errors=True)
        return
    pages = folders.s3.get_paginator("list_objects_v2").paginate(Bucket=folders.bucket, Prefix=folders.prefix)
    keys = [{"Key": item["Key"]} for page in pages for item in page.get("Contents", [])]
    for start in range(0, len(keys), 1000):
        folders.s3.delete_objects(Bucket=folders.bucket, Delete={"Objects": keys[start : start + 1000]})
    shutil.rmtree(folders.work_dir(), ignore_errors=True)


@dataclass
class StoredBlob:
    """One stored blob, to be changed behind the application's back the same way on disk and in a bucket."""

    storage: Any
    key: str

    def read_bytes(self) -> bytes:
        return read_blob(self.storage, self.key)

    def write_bytes(self, data: bytes) -> None:
        local = self.storage.local_path(self.key)
        if local is not None and Path(local).exists():
            Path(local).chmod(0o644)
        overwrite_blob(self.storage, self.key, data)

    def unlink(self) -> None:
        self.storage.delete(self.key)
