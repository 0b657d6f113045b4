"""Kiosk first load: bytes over the wire and time until the faces can be tapped, in Chromium.

    .venv/bin/python bench/kiosk_load.py [--runs 5]

The app runs in-process on loopback (a scratch SQLite database, a paired tablet) and Debian's
headless Chromium opens ``/kiosk/`` in fresh browser contexts (empty HTTP cache, no service
worker), as a tablet does the first time:

- ``first_load``: the unpaired tablet's very first visit (the pairing screen), counting every
  response the page received (HTML, CSS, JS, manifest, icons: body and headers, from the
  browser's network events) and, separately, what the service worker then fetched to precache
  the shell (counted at the server, since the worker's requests are not page events);
- ``paired_cold``: a paired tablet opened with an empty cache (token already in localStorage):
  time from navigation start until ``<body data-screen="vote">``, i.e. the faces shown with
  their handlers attached (app.js attaches handlers before it shows a screen), measured in
  the page with a MutationObserver and ``performance.now()``;
- ``paired_warm``: the same tablet reloaded once its service worker controls the page (the
  everyday start, and the offline one): same time, and bytes fetched from the network.

Medians over ``--runs`` fresh contexts. Transfer is uncompressed (the Werkzeug server does not
gzip); ``gzip_estimate`` is what the same files weigh at gzip level 6, which nginx sends in
production (docs/deploy.md). Results go to bench/results/kiosk.json.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

from werkzeug.serving import make_server  # noqa: E402

from bench.common import write_results  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
VIEWPORT = {"width": 800, "height": 1280}
WATCH_SCREEN = """
window.__screens = {};
new MutationObserver(() => {
  const s = document.body && document.body.dataset.screen;
  if (s && !(s in window.__screens)) window.__screens[s] = performance.now();
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-screen']});
"""


class ByteCounter:
    """WSGI middleware: bytes of status line, headers and body sent for /kiosk/ files."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.total = 0
        self.requests = 0

    def reset(self) -> None:
        with self.lock:
            self.total = self.requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        counted = path.startswith("/kiosk/") and not path.startswith("/kiosk/api/")
        head = 0

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal head
            head = len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers)
            return start_response(status, headers, exc_info)

        body = 0
        for chunk in self.app(environ, start):
            body += len(chunk)
            yield chunk
        if counted:
            with self.lock:
                self.total += head + body
                self.requests += 1


def _setup(url: str) -> tuple[Any, str]:
    from alembic import command

    from survey_app import create_app
    from survey_app.db import alembic_config, get_db
    from survey_app.models import Counter, Unit
    from survey_app.services import kiosk

    command.upgrade(alembic_config(url), "head")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40, "TESTING": True})
    with get_db(app).transaction() as s:
        unit = Unit(code="HC", name="Quận Hải Châu", kind="district")
        counter = Counter(unit=unit, code="Q1", name="Quầy số 1")
        s.add_all([unit, counter])
        s.flush()
        _, code = kiosk.create_pairing_code(s, unit, counter, secret_key=app.config["SECRET_KEY"],
                                            now=datetime.now(timezone.utc), minutes=60)
    return app, code


def _page_bytes(responses: list[Any]) -> tuple[int, dict[str, int]]:
    total, kinds = 0, {}
    for response in responses:
        url = response.url
        if "/kiosk/" not in url or "/kiosk/api/" in url:
            continue
        sizes = response.request.sizes()
        n = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += n
        name = url.split("/kiosk/", 1)[1].split("?", 1)[0] or "index.html"
        kinds[name] = kinds.get(name, 0) + n
    return total, kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log on stdout

    with tempfile.TemporaryDirectory() as tmp:
        app, code = _setup(f"sqlite:///{tmp}/bench.sqlite3")
        counter = ByteCounter(app.wsgi_app)
        app.wsgi_app = counter  # type: ignore[method-assign]
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/kiosk/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                pairing = _pair(browser, base, code)
                results = _measure(browser, base, pairing, counter, args.runs)
                browser.close()
        finally:
            server.shutdown()
    files = sorted(f for f in (ROOT / "kiosk").iterdir()
                   if f.suffix in {".html", ".css", ".js", ".svg", ".webmanifest"})
    results["gzip_estimate"] = {
        "raw_bytes": sum(f.stat().st_size for f in files),
        "gzip6_bytes": sum(len(gzip.compress(f.read_bytes(), 6)) for f in files),
    }
    out = write_results("kiosk", results)
    first = results["first_load"]
    print(f"first load: page {first['page_bytes']} B in {first['page_requests']} responses, "
          f"service-worker precache {first['sw_precache_bytes']} B, "
          f"total {first['total_bytes']} B ({first['total_bytes'] / 1024:.1f} KiB)")
    for key in ("paired_cold", "paired_warm"):
        r = results[key]
        print(f"{key}: faces interactive after median {r['vote_screen_ms_median']:.0f} ms "
              f"(max {r['vote_screen_ms_max']:.0f} ms), network {r['page_bytes_median']} B")
    print(f"gzip estimate of the shell: {results['gzip_estimate']}")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def _pair(browser: Any, base: str, code: str) -> dict[str, str]:
    """Pair once through the UI; returns the localStorage a paired tablet holds."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(base)
    page.get_by_label("Mã ghép nối").fill(code)
    page.get_by_role("button", name="Ghép nối").click()
    page.wait_for_selector('body[data-screen="vote"]')
    storage = page.evaluate("Object.fromEntries(Object.entries(localStorage))")
    context.close()
    return storage


def _measure(browser: Any, base: str, storage: dict[str, str], counter: ByteCounter,
             runs: int) -> dict[str, Any]:
    import json

    seed = ("(() => { if (sessionStorage.getItem('seeded')) return; "
            f"const s = {json.dumps(storage)}; "
            "for (const [k, v] of Object.entries(s)) localStorage.setItem(k, v); "
            "sessionStorage.setItem('seeded', '1'); })();")
    first: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    for _ in range(runs):
        # 1. the unpaired tablet's first visit
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(WATCH_SCREEN)
        page = context.new_page()
        responses: list[Any] = []
        page.on("response", lambda r, seen=responses: seen.append(r))
        counter.reset()
        page.goto(base)
        page.wait_for_selector('body[data-screen="pair"]')
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_load_state("networkidle")
        page_total, by_file = _page_bytes(responses)
        first.append({"page": page_total, "server": counter.total, "by_file": by_file,
                      "requests": len([r for r in responses if "/kiosk/api/" not in r.url]),
                      "pair_ms": page.evaluate("window.__screens.pair")})
        context.close()

        # 2. a paired tablet, empty cache; 3. the same tablet reloaded under its worker
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(seed)
        context.add_init_script(WATCH_SCREEN)
        page = context.new_page()
        responses = []
        page.on("response", lambda r, seen=responses: seen.append(r))
        page.goto(base)
        page.wait_for_selector('body[data-screen="vote"]')
        cold.append({"ms": page.evaluate("window.__screens.vote"),
                     "bytes": _page_bytes(responses)[0]})
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_load_state("networkidle")
        responses.clear()
        page.reload()
        page.wait_for_selector('body[data-screen="vote"]')
        warm.append({"ms": page.evaluate("window.__screens.vote"),
                     "bytes": sum(_page_bytes([r])[0] for r in responses
                                  if not r.from_service_worker)})
        context.close()

    def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
        times = [r["ms"] for r in rows]
        return {"vote_screen_ms_median": round(statistics.median(times), 1),
                "vote_screen_ms_max": round(max(times), 1),
                "page_bytes_median": int(statistics.median(r["bytes"] for r in rows)),
                "runs": len(rows)}

    last = first[-1]
    page_bytes = int(statistics.median(r["page"] for r in first))
    server_bytes = int(statistics.median(r["server"] for r in first))
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "viewport": VIEWPORT,
        "first_load": {
            "page_bytes": page_bytes,
            "page_requests": last["requests"],
            "sw_precache_bytes": max(0, server_bytes - page_bytes),
            "total_bytes": max(server_bytes, page_bytes),
            "pair_screen_ms_median": round(statistics.median(r["pair_ms"] for r in first), 1),
            "by_file": last["by_file"],
        },
        "paired_cold": summary(cold),
        "paired_warm": summary(warm),
    }


if __name__ == "__main__":
    sys.exit(main())
