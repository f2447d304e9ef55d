from __future__ import annotations

from pathlib import Path

from linli.web.app import create_app
from linli.web.reference import render

ROOT = Path(__file__).resolve().parent.parent


def test_the_api_reference_lists_exactly_the_routes_the_app_serves() -> None:
    doc = (ROOT / "docs" / "api.md").read_text()
    assert render(doc, create_app()) == doc, "run: python scripts/api_reference.py"


def test_the_readme_starts_with_the_two_commands() -> None:
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:15])
    assert "make demo" in head and "make test" in head
