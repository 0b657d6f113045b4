"""Every citizen page is valid HTML by the Nu Html Checker (vnu.jar from the npm package
``vnu-jar``, run with the system Java), issue 15: the kiosk shell, the phone ballots (fresh
and with errors, in both languages), the thank-you page, and the citizen error pages.

The checker runs once over all pages (one JVM start). Without Java or ``npm ci`` the test is
skipped and says why, except under CI (`.ci/run` installs both), where it fails."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from tests.factories import csrf_token
from tests.live import missing

VNU = (Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist"
       / "vnu.jar")


def _issue(client, world) -> str:
    r = client.post("/api/v1/receipt-tokens", json={"unit": "HC", "counter": "Q1",
                                                    "dossier": "000.00.12.H17-261122-0099"},
                    headers=world.auth(world.clerk_token))
    assert r.status_code in (200, 201)
    return r.json["url"].removeprefix("http://localhost")


def _with_errors(client, path: str) -> str:
    """The ballot as a citizen sees it after sending it without the required answer."""
    html = client.get(path).get_data(as_text=True)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    r = client.post(path, data={"csrf_token": csrf_token(client, path), "client_id": client_id},
                    follow_redirects=True)
    assert r.status_code in (200, 422)
    return r.get_data(as_text=True)


def citizen_pages(client, world) -> dict[str, str]:
    receipt = _issue(client, world)
    pages = {
        "kiosk-shell": client.get("/kiosk/").get_data(as_text=True),
        "web-ballot-vi": client.get("/w/HC").get_data(as_text=True),
        "web-ballot-en": client.get("/w/HC?lang=en").get_data(as_text=True),
        "counter-ballot": client.get("/q/c/HC.Q1").get_data(as_text=True),
        "receipt-ballot": client.get(receipt).get_data(as_text=True),
        "web-ballot-errors-vi": _with_errors(client, "/w/HC"),
        "web-ballot-errors-en": _with_errors(client, "/w/HC?lang=en"),
        "thanks": client.get("/cam-on").get_data(as_text=True),
        "thanks-en": client.get("/cam-on?lang=en").get_data(as_text=True),
        "ballot-not-found": client.get("/w/NOPE").get_data(as_text=True),
        "receipt-invalid": client.get("/q/abc").get_data(as_text=True),
        "error-404": client.get("/khong-co-trang-nay").get_data(as_text=True),
        "error-405": client.delete("/w/HC").get_data(as_text=True),
    }
    for name, html in pages.items():
        assert html.lstrip().lower().startswith("<!doctype html>"), name
    return pages


def vnu_errors(files: list[Path]) -> list[str]:
    out = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
                          "--stdout", *map(str, files)], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    return [f"{Path(m['url']).stem}:{m.get('lastLine', '?')}: {m['message']}"
            for m in json.loads(out)["messages"] if m["type"] == "error"]


def test_every_citizen_page_is_valid_html(client, world, tmp_path):
    if shutil.which("java") is None or not VNU.is_file():
        missing("the HTML checker needs Java (default-jre-headless) and vnu.jar (npm ci)")
    files = []
    for name, html in citizen_pages(client, world).items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, "utf-8")
        files.append(path)
    errors = vnu_errors(files)
    assert not errors, "\n".join(errors)
