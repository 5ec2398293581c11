"""B4: upload 10 / 100 / 500 MiB evidence PDFs over real HTTP (gunicorn, loopback).

Baseline, in the same run on the same bytes and filesystem: ``sh -c 'cat FILE > OUT && sync && sha256sum OUT'``.
Target (QUALITY.md): ≤ 2.5× the baseline's time; the worker's RSS ≤ 64 MiB whatever the size.

Everything happens in a fresh temporary directory: a SQLite database prepared with the real CLI
(``mandiri init``, ``mandiri demo``), the evidence store, gunicorn's temporary files and the test PDFs.
One gunicorn worker process (the shipped settings: threads, the slow-body guard) serves the app, so its RSS
is one process's RSS. The client logs in as the demo koordinator, takes the CSRF token from the library page
and streams a multipart body it builds itself (preamble + file chunks + epilogue, Content-Length known in
advance), so the client never holds the file.
Each upload sends different bytes (a few bytes of the PDF's image data change per repetition), and the
stored object's SHA-256 is read back from the store and compared with the file's.

    .venv/bin/python -m bench.upload [--sizes 10,100,500] [--repeat 3] [--out bench-results.json]
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


def app_environ(workdir: Path, max_mb: int) -> dict[str, str]:
    """The caller's environment without any MANDIRI_* setting, plus ours (everything inside ``workdir``)."""
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
class Context:
    workdir: Path
    client: Client
    server: Server
    upload_path: str
    csrf_token: str
    store: Path


def upload_and_verify(ctx: Context, file: Path, name: str, expected: str) -> dict[str, Any]:
    """One measured upload: time, worker RSS, and the stored object's SHA-256 read back from the store."""
    pid = ctx.server.worker_pid
    with rss_peak(pid) as rss:
        elapsed, status, payload = ctx.client.upload(ctx.upload_path, file, name, ctx.csrf_token)
    results = payload.get("results") or [{}]
    if status != 200 or not results[0].get("ok"):
        raise RuntimeError(f"unggah {name} ditolak ({status}): {payload}\n{ctx.server.log_tail()}")
    stored = ctx.store / "objects" / "sha256" / expected[:2] / expected[2:4] / expected
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
            if which == "base":
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
        "meets_time_target": app_median / base_median <= TARGET_RATIO,
        "meets_rss_target": peak / MIB <= TARGET_RSS_MIB,
    }


def _check_disk(directory: Path, sizes: list[int], repeat: int) -> None:
    # the source file, the baseline copy, Werkzeug's spooled copy and staging, plus every stored object
    need = (4 * max(sizes) + repeat * sum(sizes) + 64) * MIB
    free = shutil.disk_usage(directory).free
    if free < need:
        raise RuntimeError(f"ruang disk kurang di {directory}: perlu ~{need // MIB} MiB, tersedia {free // MIB} MiB")


def run(sizes: list[int], repeat: int = 3, base_dir: Path | None = None) -> dict[str, Any]:
    """Run B4 and return its results (nothing is printed or written); the temp dir and server are always removed."""
    if not sizes or any(s < 1 for s in sizes) or repeat < 1:
        raise ValueError("sizes harus ≥ 1 MiB dan repeat ≥ 1")
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b4-", dir=base_dir))
    server: Server | None = None
    try:
        _check_disk(workdir, sizes, repeat)
        for sub in ("tmp", "data", "baseline"):
            (workdir / sub).mkdir()
        env = app_environ(workdir, max_mb=max(sizes) + 100)
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
        )
        # Warm-up (not measured): the first request of a fresh worker pays for lazy imports and caches.
        warm = make_pdf(workdir / "data" / "warm.pdf", 256 * 1024, seed=SEED)
        upload_and_verify(ctx, warm.path, "pemanasan.pdf", sha256_file(warm.path))
        warm.path.unlink()
        rows = [measure_size(ctx, size, repeat) for size in sizes]
        worker_rss_after = _rss(server.worker_pid)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "id": "B4",
        "what": "upload a valid PDF over HTTP: gunicorn (shipped settings), 1 worker, loopback; body streamed",
        "baseline": f"sh -c '{BASELINE_CMD}' on the same file, same filesystem as the store",
        "target": {"time_ratio_max": TARGET_RATIO, "worker_rss_mib_max": TARGET_RSS_MIB},
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


# ------------------------------------------------------------------------------------------------ reporting


def format_table(result: dict[str, Any]) -> str:
    head = (
        f"B4 upload over HTTP (gunicorn, shipped settings, 1 worker, loopback) vs `{BASELINE_CMD}`; "
        f"median of {result['rows'][0]['repeat']}\n"
        f"{'size':>8} {'app s':>8} {'base s':>8} {'ratio':>6} {'app MiB/s':>9} "
        f"{'RSS before':>10} {'RSS peak':>9} {'growth':>7}  sha256  target (≤{TARGET_RATIO}×, ≤{TARGET_RSS_MIB} MiB)"
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
    """Merge ``result`` into ``path`` under the key "B4" (other benchmarks' keys are kept)."""
    merge_results(path, {"B4": result})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500", help="MiB, comma-separated (default 10,100,500)")
    parser.add_argument("--repeat", type=int, default=3, help="uploads per size (default 3; the median is reported)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to make the temporary directory")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = run(sizes, args.repeat, args.tmp)
    print(format_table(result))
    write_results(args.out, result)
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
