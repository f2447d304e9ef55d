"""What the browser tests share: a seeded SQLite site served by uvicorn in a subprocess, and
Debian's Chromium (driven by Playwright with `executable_path`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served_site(folder: Path, seed_script: Path) -> Iterator[dict[str, Any]]:
    """Seed `folder/linli.db` with `seed_script` and serve it; yield what the seed printed (its
    last line, JSON) with `base`, `db_file` and `folder` added."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make browser)")
    db_file = folder / "linli.db"
    env = {
        **os.environ,
        "LINLI_ENV": "test",
        "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{db_file}",
        "LINLI_TILE_URL": "",
        "PYTHONPATH": os.pathsep.join([str(SRC), str(seed_script.parent)]),
    }
    info = run_seed(seed_script, str(db_file), env, folder)
    with serving(folder, env) as base:
        info.update(base=base, db_file=str(db_file), folder=folder)
        yield info


def run_seed(seed_script: Path, target: str, env: dict[str, str], folder: Path) -> Any:
    """Run a seed script on `target` (a database file or URL) in `folder` (no trained triage
    model there unless the seed stores one); return what it printed last, as JSON."""
    seeded = subprocess.run(
        [sys.executable, str(seed_script), target],
        env=env, capture_output=True, text=True, check=True, cwd=folder,
    )  # fmt: skip
    return json.loads(seeded.stdout.strip().splitlines()[-1])


@contextmanager
def serving(folder: Path, env: dict[str, str]) -> Iterator[str]:
    """Serve the app with `env` (its database and settings) from `folder`; yield its base URL."""
    port = free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "linli.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    # Generous: on a busy two-core machine importing the app alone can take 20 s.
    deadline = time.monotonic() + 60
    while True:  # wait until the server answers (readiness, not a timed assertion)
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start: {(folder / 'server.log').read_text()}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Launch headless Chromium for a module's tests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
