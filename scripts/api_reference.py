"""Regenerate the route table in docs/api.md: `python scripts/api_reference.py`."""

from pathlib import Path

from linli.web.app import create_app
from linli.web.reference import render

doc = Path(__file__).resolve().parent.parent / "docs" / "api.md"
doc.write_text(render(doc.read_text(), create_app()))
print(f"updated {doc}")
