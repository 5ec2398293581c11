"""B4: upload 10 / 100 / 500 MiB evidence PDFs over real HTTP (gunicorn, loopback); B12: the same into S3.

B4 (``--storage local``, the default). Baseline, in the same run on the same bytes and filesystem:
``sh -c 'cat FILE > OUT && sync && sha256sum OUT'``. Target (QUALITY.md): ≤ 2.5× the baseline's time; the worker's
RSS ≤ 64 MiB whatever the size.

B12 (``--storage s3``): the app stores in a bucket of moto's S3 server (``moto_server``, its own process on a
loopback port, as the tests start it). Baseline, in the same run on the same file and server: boto3's
``upload_fileobj`` with its default transfer settings (what ``aws s3 cp`` does: 8 MiB parts, 10 at a time) into
another key of the same bucket. Target: ≤ 1.5× the baseline's time; the worker's memory flat (its growth during
an upload is reported beside its peak). The stored object is read back from the bucket and its SHA-256 compared.

Everything happens in a fresh temporary directory: a SQLite database prepared with the real CLI
(``mandiri init``, ``mandiri demo``), the evidence store, gunicorn's temporary files and the test PDFs.
One gunicorn worker process (the shipped settings: threads, the slow-body guard) serves the app, so its RSS
is one process's RSS. The client logs in as the demo koordinator, takes the CSRF token from the library page
and streams a multipart body it builds itself (preamble + file chunks + epilogue, Content-Length known in
advance), so the client never holds the file.
Each upload sends different bytes (a few bytes of the PDF's image data change per repetition), and the
stored object's SHA-256 is read back from the store and compared with the file's.

    .venv/bin/python -m bench.upload [--storage local|s3] [--sizes 10,100,500] [--repeat 3] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bench import merge_results

MIB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent
EMAIL = "koordinator@kota-contoh.go.id"
PASSWORD = "bench-password"  # noqa: S105 - the throwaway demo login of a temporary database
TARGET_RATIO = 2.5
TARGET_RSS_MIB = 64
BASELINE_CMD = 'cat "$1" > "$2" && sync && sha256sum "$2"'
#: B12: the S3 upload against boto3's own (``upload_fileobj``, default transfer settings) on the same server.
S3_TARGET_RATIO = 1.5
S3_BASELINE = "boto3 upload_fileobj (default TransferConfig: 8 MiB parts, 10 at a time) to the same moto server"
#: B12: "worker memory flat": an upload may grow the worker's RSS by at most this much, whatever the size.
S3_TARGET_GROWTH_MIB = 32
CHUNK = MIB
SEED = 20260404
RSS_POLL_S = 0.02
#: Where the image data starts is recorded by make_pdf; these bytes change per repetition.
VARY_BYTES = 64


# ------------------------------------------------------------------------------------------------ test data


@dataclass(frozen=True)
class PdfFile:
    path: Path
    size: int
    data_offset: int  # first byte of the image data (safe to change without breaking the PDF)


def make_pdf(path: Path, target_bytes: int, seed: int) -> PdfFile:
    """Write a valid one-page PDF of about ``target_bytes``: an uncompressed RGB image of seeded noise.

    Written object by object with a real cross-reference table, so qpdf opens it without any repair and
    memory stays flat whatever the size (the image data is generated and written 1 MiB at a time).
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    width = 1024
    row = width * 3
    height = max(1, (target_bytes - 1200) // row)
    image_len = width * height * 3
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\n"
    offsets: list[int] = []
    with open(path, "wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

        def obj(body: bytes) -> None:
            offsets.append(out.tell())
            out.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

        obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        obj(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>"
        )
        obj(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
        offsets.append(out.tell())
        out.write(
            f"5 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB "
            f"/BitsPerComponent 8 /Length {image_len} >>\nstream\n".encode()
        )
        data_offset = out.tell()
        left = image_len
        while left:
            n = min(CHUNK, left)
            out.write(rng.randbytes(n))
            left -= n
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        for offset in offsets:
            out.write(f"{offset:010d} 00000 n \n".encode())
        out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
        out.flush()
        os.fsync(out.fileno())
        size = out.tell()
    return PdfFile(path=path, size=size, data_offset=data_offset)


def vary(pdf: PdfFile, salt: bytes) -> str:
    """Change a few image bytes (the PDF stays valid, its bytes become new), fsync, and return the SHA-256."""
    fd = os.open(pdf.path, os.O_RDWR)
    try:
        os.pwrite(fd, hashlib.sha512(salt).digest()[:VARY_BYTES], pdf.data_offset)
        os.fsync(fd)
    finally:
        os.close(fd)
    return sha256_file(pdf.path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin(name: str) -> str:
    """A console script of the running virtualenv (``.venv/bin/NAME``), else the one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} tidak ditemukan (jalankan dengan .venv/bin/python)")
    return found


def app_environ(workdir: Path, max_mb: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any MANDIRI_* setting, plus ours (everything inside ``workdir``) and
    ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")}
    env.update(
        {
            "MANDIRI_DATABASE_URL": f"sqlite:///{workdir / 'mandiri.db'}",
            "MANDIRI_STORAGE_ROOT": str(workdir / "store"),
            "MANDIRI_UPLOAD_MAX_MB": str(max_mb),
            # Letters in front: the settings loader turns an all-digit value into an int.
            "MANDIRI_SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
            "MANDIRI_SECURITY_PASSWORD_SALT": "bench-" + secrets.token_urlsafe(16),
            # Werkzeug spools request files with tempfile: keep them in the workdir (same filesystem, cleaned up).
            "TMPDIR": str(workdir / "tmp"),
            # gunicorn ≥ 25 makes $XDG_RUNTIME_DIR or ~/.gunicorn for its control socket, even when it is off.
            "XDG_RUNTIME_DIR": str(workdir / "tmp"),
        }
    )
    env.update(extra or {})
    return env


def prepare_database(env: dict[str, str]) -> None:
    for args in (["init"], ["demo", "--password", PASSWORD]):
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [_bin("mandiri"), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"mandiri {' '.join(args)} gagal ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    worker_pid: int = 0
    _log_handle: Any = field(default=None, repr=False)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(workdir: Path, env: dict[str, str], timeout: float = 30.0, *, workers: int = 1) -> Server:
    """gunicorn with the shipped settings (``assess.serving``: threaded workers, the slow-body guard) and
    ``workers`` worker processes; ``worker_pid`` is the first one's."""
    port = _free_port()
    log = workdir / "gunicorn.log"
    handle = open(log, "wb")  # noqa: SIM115 - closed by stop_server
    cmd = [
        sys.executable, "-m", "gunicorn", "-c", "python:assess.serving", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--timeout", "300", "--graceful-timeout", "10", "--no-control-socket",
        "--worker-tmp-dir", str(workdir / "tmp"), "assess:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
    server = Server(process=process, port=port, log=log, _log_handle=handle)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn berhenti saat mulai ({process.returncode}):\n{server.log_tail()}")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                finally:
                    conn.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn tidak menjawab dalam {timeout:.0f} s:\n{server.log_tail()}")
            time.sleep(0.1)
        started = psutil.Process(process.pid).children()
        if len(started) != workers:
            raise RuntimeError(f"diharapkan {workers} worker gunicorn, ada {len(started)}")
        server.worker_pid = started[0].pid
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: Server) -> None:
    """SIGTERM the master (it stops its worker), SIGKILL whatever of ours is left after 15 s."""
    process = server.process
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()
            child.wait(timeout=5)
    if server._log_handle is not None:
        server._log_handle.close()
        server._log_handle = None


# ----------------------------------------------------------------------------------------------- the client


class Client:
    """A tiny cookie-keeping HTTP client over ``http.client`` (one connection per request, like a browser tab)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "mandiri-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request(method, path, body=body, headers=self._headers(headers))
            response = conn.getresponse()
            data = response.read()
            self._keep_cookies(response)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def csrf(self, path: str) -> str:
        status, _h, page = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}")
        match = re.search(rb'<meta name="csrf-token" content="([^"]+)"', page)
        if not match:
            raise RuntimeError(f"tidak ada token CSRF di {path}")
        return match.group(1).decode()

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        status, headers, _body = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "/login" in headers.get("location", ""):
            raise RuntimeError(f"login {email} gagal ({status})")

    def assessment_id(self) -> int:
        status, _h, page = self.request("GET", "/penilaian/")
        match = re.search(rb'href="/penilaian/(\d+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"tidak menemukan penilaian demo (GET /penilaian/ → {status})")
        return int(match.group(1))

    def upload(self, path: str, file: Path, filename: str, csrf_token: str) -> tuple[float, int, dict[str, Any]]:
        """Stream ``file`` as the ``files`` field of a multipart POST; returns (seconds, status, JSON)."""
        boundary = "----mandiri-bench-" + secrets.token_hex(16)
        preamble = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf_token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        epilogue = f"\r\n--{boundary}--\r\n".encode()
        length = len(preamble) + file.stat().st_size + len(epilogue)
        headers = self._headers(
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
                "Accept": "application/json",
                "X-CSRFToken": csrf_token,
            }
        )
        with open(file, "rb") as source:
            start = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            try:
                conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers.items():
                    conn.putheader(name, value)
                conn.endheaders()
                conn.send(preamble)
                while chunk := source.read(CHUNK):
                    conn.send(chunk)
                conn.send(epilogue)
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - start
            finally:
                conn.close()
        try:
            payload = json.loads(data)
        except ValueError:
            payload = {"raw": data[:500].decode("utf-8", "replace")}
        return elapsed, response.status, payload


# ----------------------------------------------------------------------------------------------- measuring


def _rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def _reset_hwm(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of ``pid`` (Linux: ``echo 5 > /proc/PID/clear_refs``)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _hwm(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def rss_peak(pid: int) -> Iterator[dict[str, int]]:
    """Peak RSS of ``pid`` while the block runs: polled every 20 ms, and the kernel's VmHWM when available."""
    result = {"before": _rss(pid), "polled": 0, "hwm": 0}
    hwm_ok = _reset_hwm(pid)
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            with contextlib.suppress(psutil.Error):
                result["polled"] = max(result["polled"], _rss(pid))
            stop.wait(RSS_POLL_S)

    thread = threading.Thread(target=poll, name="rss-poll", daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        with contextlib.suppress(psutil.Error):
            result["polled"] = max(result["polled"], _rss(pid))
        hwm = _hwm(pid) if hwm_ok else None
        result["hwm"] = hwm or 0
        result["peak"] = max(result["polled"], result["hwm"])


def _sync() -> None:
    os.sync()


def baseline(file: Path, out: Path) -> tuple[float, str]:
    """Time ``cat FILE > OUT && sync && sha256sum OUT``; returns (seconds, digest)."""
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - fixed script, our own paths as arguments
        ["/bin/sh", "-c", BASELINE_CMD, "sh", str(file), str(out)], capture_output=True, check=True, timeout=600
    )
    elapsed = time.perf_counter() - start
    out.unlink()
    return elapsed, done.stdout.split()[0].decode()


@dataclass
class S3Target:
    """The bucket B12 stores in, on a running moto server, and a boto3 client of the benchmark's own."""

    s3: Any
    bucket: str

    def app_settings(self, endpoint: str) -> dict[str, str]:
        from tests.s3 import CREDENTIALS

        return {
            "MANDIRI_STORAGE_BACKEND": "s3",
            "MANDIRI_S3_BUCKET": self.bucket,
            "MANDIRI_S3_ENDPOINT_URL": endpoint,
            "MANDIRI_S3_REGION": CREDENTIALS["AWS_DEFAULT_REGION"],
            **CREDENTIALS,
        }

    def sha256(self, name: str) -> str | None:
        """The SHA-256 of the object ``name`` as read back from the bucket, ``None`` when it is not there."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=name)["Body"]
        except self.s3.exceptions.NoSuchKey:
            return None
        digest = hashlib.sha256()
        while chunk := body.read(CHUNK):
            digest.update(chunk)
        return digest.hexdigest()

    def baseline(self, file: Path, name: str) -> float:
        """Time boto3's ``upload_fileobj`` of ``file`` (default transfer settings) into ``name``; then remove it."""
        with open(file, "rb") as source:
            start = time.perf_counter()
            self.s3.upload_fileobj(source, self.bucket, name)
            elapsed = time.perf_counter() - start
        size = int(self.s3.head_object(Bucket=self.bucket, Key=name)["ContentLength"])
        self.s3.delete_object(Bucket=self.bucket, Key=name)
        if size != file.stat().st_size:
            raise RuntimeError(f"unggahan baseline {name}: {size} B di bucket, {file.stat().st_size} B di disk")
        return elapsed


@dataclass
class Context:
    workdir: Path
    client: Client
    server: Server
    upload_path: str
    csrf_token: str
    store: Path
    s3: S3Target | None = None


def upload_and_verify(ctx: Context, file: Path, name: str, expected: str) -> dict[str, Any]:
    """One measured upload: time, worker RSS, and the stored object's SHA-256 read back from the store."""
    pid = ctx.server.worker_pid
    with rss_peak(pid) as rss:
        elapsed, status, payload = ctx.client.upload(ctx.upload_path, file, name, ctx.csrf_token)
    results = payload.get("results") or [{}]
    if status != 200 or not results[0].get("ok"):
        raise RuntimeError(f"unggah {name} ditolak ({status}): {payload}\n{ctx.server.log_tail()}")
    key = f"sha256/{expected[:2]}/{expected[2:4]}/{expected}"
    if ctx.s3 is not None:
        if ctx.s3.sha256(f"objects/{key}") != expected:
            raise RuntimeError(f"objek s3://{ctx.s3.bucket}/objects/{key} tidak ada atau SHA-256-nya berbeda")
    else:
        stored = ctx.store / "objects" / key
        if not stored.is_file() or sha256_file(stored) != expected:
            raise RuntimeError(f"objek tersimpan {stored} tidak ada atau SHA-256-nya berbeda")
    leftovers = [p.name for p in (ctx.store / "staging").iterdir()] if (ctx.store / "staging").is_dir() else []
    if leftovers:
        raise RuntimeError(f"berkas sementara tertinggal di staging: {leftovers}")
    if pid not in {child.pid for child in psutil.Process(ctx.server.process.pid).children()}:
        raise RuntimeError("worker gunicorn diganti di tengah pengukuran (timeout?)")
    return {"seconds": elapsed, "rss_before": rss["before"], "rss_peak": rss["peak"], "sha256": expected}


def measure_size(ctx: Context, size_mib: int, repeat: int) -> dict[str, Any]:
    data_dir = ctx.workdir / "data"
    pdf = make_pdf(data_dir / f"bukti-{size_mib}mib.pdf", size_mib * MIB, seed=SEED + size_mib)
    app_runs: list[dict[str, Any]] = []
    base_runs: list[float] = []
    for rep in range(repeat):
        expected = vary(pdf, f"{SEED}/{size_mib}/{rep}".encode())
        order = ("base", "app") if rep % 2 == 0 else ("app", "base")
        for which in order:
            _sync()  # start each measurement with no dirty pages from the previous one
            if which == "base" and ctx.s3 is not None:
                base_runs.append(ctx.s3.baseline(pdf.path, f"baseline/{size_mib}-{rep}.pdf"))
            elif which == "base":
                seconds, digest = baseline(pdf.path, ctx.workdir / "baseline" / "out.bin")
                if digest != expected:
                    raise RuntimeError(f"sha256sum baseline {digest} ≠ {expected}")
                base_runs.append(seconds)
            else:
                app_runs.append(upload_and_verify(ctx, pdf.path, f"bukti-{size_mib}mib-{rep + 1}.pdf", expected))
    pdf.path.unlink()
    app_s = [r["seconds"] for r in app_runs]
    app_median = statistics.median(app_s)
    base_median = statistics.median(base_runs)
    peak = max(r["rss_peak"] for r in app_runs)
    before = min(r["rss_before"] for r in app_runs)
    growth = max(r["rss_peak"] - r["rss_before"] for r in app_runs)
    target = S3_TARGET_RATIO if ctx.s3 is not None else TARGET_RATIO
    memory_ok = growth / MIB <= S3_TARGET_GROWTH_MIB if ctx.s3 is not None else peak / MIB <= TARGET_RSS_MIB
    return {
        "size_mib": size_mib,
        "file_bytes": pdf.size,
        "repeat": repeat,
        "app_s": [round(s, 4) for s in app_s],
        "baseline_s": [round(s, 4) for s in base_runs],
        "app_s_median": round(app_median, 4),
        "baseline_s_median": round(base_median, 4),
        "ratio": round(app_median / base_median, 3),
        "app_mib_per_s": round(pdf.size / MIB / app_median, 1),
        "baseline_mib_per_s": round(pdf.size / MIB / base_median, 1),
        "worker_rss_before_mib": round(before / MIB, 1),
        "worker_peak_rss_mib": round(peak / MIB, 1),
        "worker_rss_growth_mib": round(growth / MIB, 1),
        "sha256_verified": True,
        "meets_time_target": app_median / base_median <= target,
        "meets_rss_target": memory_ok,
    }


def _check_disk(directory: Path, sizes: list[int], repeat: int) -> None:
    # the source file, the baseline copy, Werkzeug's spooled copy and staging, plus every stored object
    need = (4 * max(sizes) + repeat * sum(sizes) + 64) * MIB
    free = shutil.disk_usage(directory).free
    if free < need:
        raise RuntimeError(f"ruang disk kurang di {directory}: perlu ~{need // MIB} MiB, tersedia {free // MIB} MiB")


def run(sizes: list[int], repeat: int = 3, base_dir: Path | None = None, *, storage: str = "local") -> dict[str, Any]:
    """Run B4 (``storage="local"``) or B12 (``"s3"``) and return its results (nothing is printed or written); the
    temp dir and the servers (gunicorn, moto) are always removed."""
    if not sizes or any(s < 1 for s in sizes) or repeat < 1:
        raise ValueError("sizes harus ≥ 1 MiB dan repeat ≥ 1")
    if storage not in ("local", "s3"):
        raise ValueError(f"storage harus local atau s3, bukan {storage!r}")
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b4-", dir=base_dir))
    server: Server | None = None
    moto: Any = None
    try:
        _check_disk(workdir, sizes, repeat)
        for sub in ("tmp", "data", "baseline"):
            (workdir / sub).mkdir()
        target: S3Target | None = None
        extra: dict[str, str] = {}
        if storage == "s3":
            moto, target = _start_moto()
            extra = target.app_settings(moto.endpoint)
        env = app_environ(workdir, max_mb=max(sizes) + 100, extra=extra)
        prepare_database(env)
        server = start_server(workdir, env)
        client = Client(server.port)
        client.login(EMAIL, PASSWORD)
        assessment = client.assessment_id()
        library = f"/penilaian/{assessment}/pustaka/"
        ctx = Context(
            workdir=workdir,
            client=client,
            server=server,
            upload_path=library + "unggah",
            csrf_token=client.csrf(library),
            store=workdir / "store",
            s3=target,
        )
        # Warm-up (not measured): the first request of a fresh worker pays for lazy imports and caches.
        warm = make_pdf(workdir / "data" / "warm.pdf", 256 * 1024, seed=SEED)
        upload_and_verify(ctx, warm.path, "pemanasan.pdf", sha256_file(warm.path))
        if target is not None:
            target.baseline(warm.path, "baseline/pemanasan.pdf")
        warm.path.unlink()
        rows = [measure_size(ctx, size, repeat) for size in sizes]
        worker_rss_after = _rss(server.worker_pid)
    finally:
        if server is not None:
            stop_server(server)
        if moto is not None:
            moto.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    common = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_mib": psutil.virtual_memory().total // MIB,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "worker_rss_after_mib": round(worker_rss_after / MIB, 1),
        "rows": rows,
    }
    if storage == "s3":
        return {
            "id": "B12",
            "what": "upload a valid PDF over HTTP into S3 (moto_server, loopback): gunicorn (shipped settings), "
            "1 worker; body streamed",
            "baseline": S3_BASELINE,
            "target": {"time_ratio_max": S3_TARGET_RATIO, "worker_rss_growth_mib_max": S3_TARGET_GROWTH_MIB},
            **common,
        }
    return {
        "id": "B4",
        "what": "upload a valid PDF over HTTP: gunicorn (shipped settings), 1 worker, loopback; body streamed",
        "baseline": f"sh -c '{BASELINE_CMD}' on the same file, same filesystem as the store",
        "target": {"time_ratio_max": TARGET_RATIO, "worker_rss_mib_max": TARGET_RSS_MIB},
        **common,
    }


def _start_moto() -> tuple[Any, S3Target]:
    """moto's S3 server on a free loopback port (as the tests start it) and a new bucket on it."""
    import boto3
    from botocore.config import Config

    from tests.s3 import CREDENTIALS, MotoServer, free_port

    moto = MotoServer(free_port())
    moto.start()
    try:
        s3 = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        ).client("s3", endpoint_url=moto.endpoint, config=Config(s3={"addressing_style": "path"}))
        bucket = "mandiri-bench-" + secrets.token_hex(6)
        s3.create_bucket(Bucket=bucket)
    except BaseException:
        moto.stop()
        raise
    return moto, S3Target(s3=s3, bucket=bucket)


# ------------------------------------------------------------------------------------------------ reporting


def format_table(result: dict[str, Any]) -> str:
    if result["id"] == "B12":
        title = f"B12 upload over HTTP into S3 (moto, loopback; gunicorn, 1 worker) vs {S3_BASELINE}"
        target = f"≤{S3_TARGET_RATIO}×, growth ≤{S3_TARGET_GROWTH_MIB} MiB"
    else:
        title = f"B4 upload over HTTP (gunicorn, shipped settings, 1 worker, loopback) vs `{BASELINE_CMD}`"
        target = f"≤{TARGET_RATIO}×, ≤{TARGET_RSS_MIB} MiB"
    head = (
        f"{title}; median of {result['rows'][0]['repeat']}\n"
        f"{'size':>8} {'app s':>8} {'base s':>8} {'ratio':>6} {'app MiB/s':>9} "
        f"{'RSS before':>10} {'RSS peak':>9} {'growth':>7}  sha256  target ({target})"
    )
    lines = [head]
    for r in result["rows"]:
        verdict = f"time {'ok' if r['meets_time_target'] else 'MISS'}, RSS {'ok' if r['meets_rss_target'] else 'MISS'}"
        lines.append(
            f"{r['size_mib']:>4} MiB {r['app_s_median']:>8.3f} {r['baseline_s_median']:>8.3f} {r['ratio']:>5.2f}× "
            f"{r['app_mib_per_s']:>9.1f} {r['worker_rss_before_mib']:>6.1f} MiB {r['worker_peak_rss_mib']:>5.1f} MiB "
            f"{r['worker_rss_growth_mib']:>+7.1f}  {'ok' if r['sha256_verified'] else 'BAD':>6}  {verdict}"
        )
    return "\n".join(lines)


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Merge ``result`` into ``path`` under its id, "B4" or "B12" (other benchmarks' keys are kept)."""
    merge_results(path, {result["id"]: result})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--storage", choices=("local", "s3"), default="local", help="local disk (B4) or S3 (B12)")
    parser.add_argument("--sizes", default="10,100,500", help="MiB, comma-separated (default 10,100,500)")
    parser.add_argument("--repeat", type=int, default=3, help="uploads per size (default 3; the median is reported)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to make the temporary directory")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = run(sizes, args.repeat, args.tmp, storage=args.storage)
    print(format_table(result))
    write_results(args.out, result)
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
