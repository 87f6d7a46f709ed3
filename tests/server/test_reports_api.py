"""Reports: create, list, edit, duplicate, delete, and the static export (sanitised, self-contained)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

BASE = "/api/projects/pipeline/reports"
HOSTILE = (
    "# Findings\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
    "[click](javascript:alert(3)) and [docs](https://example.org)\n"
)


def _report(ids: dict[str, Any]) -> dict[str, Any]:
    runs = {"runs": [{"id": ids["infer fc256"], "color": "#ff0000"}, {"id": "gone1234"}]}
    return {
        "title": "Walkthrough",
        "description": "splits, truth and guess, two models",
        "blocks": [
            {"id": "m1", "type": "markdown", "text": HOSTILE},
            {
                "id": "t1",
                "type": "panel",
                "panel": "table",
                "title": "Group by truth",
                "runset": runs,
                "config": {"key": "test_predictions", "state": {"group": ["truth"]}},
            },
            {
                "id": "e1",
                "type": "panel",
                "panel": "evaluation",
                "runset": runs,
                "config": {"key": "test_predictions", "truth": "truth", "guess": "guess"},
            },
            {
                "id": "c1",
                "type": "panel",
                "panel": "chart",
                "runset": {"runs": [{"id": ids["train fc256"]}]},
                "config": {"metric": "val/acc"},
            },
            {
                "id": "l1",
                "type": "panel",
                "panel": "lineage",
                "config": {"artifact": "inat-raw:v0"},
            },
        ],
    }


def test_create_list_edit_duplicate_delete(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    created = pipeline_client.post(BASE, json=_report(pipeline_store[1]))
    assert created.status_code == 201
    report = created.json()
    assert [b["id"] for b in report["blocks"]] == ["m1", "t1", "e1", "c1", "l1"]
    listed = pipeline_client.get(BASE).json()
    assert [(r["title"], r["blocks"]) for r in listed] == [("Walkthrough", 5)]
    reordered = list(reversed(report["blocks"]))
    saved = pipeline_client.put(
        f"{BASE}/{report['id']}", json={"blocks": reordered, "title": "New"}
    )
    assert [b["id"] for b in saved.json()["blocks"]] == ["l1", "c1", "e1", "t1", "m1"]
    again = pipeline_client.get(f"{BASE}/{report['id']}").json()
    assert again["title"] == "New" and again["blocks"][3]["config"]["state"] == {"group": ["truth"]}
    copy = pipeline_client.post(f"{BASE}/{report['id']}/duplicate").json()
    assert copy["title"] == "Copy of New" and copy["blocks"] == again["blocks"]
    assert pipeline_client.delete(f"{BASE}/{report['id']}").status_code == 204
    assert pipeline_client.get(f"{BASE}/{report['id']}").status_code == 404
    assert [r["id"] for r in pipeline_client.get(BASE).json()] == [copy["id"]]


def test_bad_reports_are_refused(pipeline_client: TestClient) -> None:
    assert pipeline_client.post(BASE, json={"title": ""}).status_code == 422
    bad_block = {"title": "x", "blocks": [{"id": "a", "type": "video"}]}
    assert pipeline_client.post(BASE, json=bad_block).status_code == 422
    bad_color = {
        "title": "x",
        "blocks": [
            {
                "id": "a",
                "type": "panel",
                "panel": "chart",
                "runset": {"runs": [{"id": "r", "color": "red;background:url(x)"}]},
            }
        ],
    }
    assert pipeline_client.post(BASE, json=bad_color).status_code == 422
    assert (
        pipeline_client.post("/api/projects/nope/reports", json={"title": "x"}).status_code == 404
    )


def test_export_is_self_contained_sanitised_and_explains_missing_runs(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    report = pipeline_client.post(BASE, json=_report(pipeline_store[1])).json()
    exported = pipeline_client.get(f"{BASE}/{report['id']}/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/html")
    page = exported.text
    assert "<h1>Findings</h1>" in page
    # Hostile markup survives only as visible text: no script element, no handler attribute, no
    # javascript: link.
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, re.IGNORECASE)
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.IGNORECASE)
    assert 'href="https://example.org"' in page
    assert "run gone1234 no longer exists" in page
    # Images come inline as thumbnails: no request leaves the file.
    assert re.search(r'<img class="thumb" alt="image" src="data:image/png;base64,', page)
    assert not re.search(r'src="/api/', page)
    assert "accuracy 75.0%" in page
    assert "inat-raw:v0 → balanced split" in page
    assert "<polyline" in page and "#ff0000" not in page.split("<polyline")[0][-10:]
