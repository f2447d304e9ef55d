"""The route table of docs/api.md, generated from the application so it cannot drift."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from linli.web.app import iter_routes, route_rules

BEGIN, END = "<!-- routes:begin -->", "<!-- routes:end -->"


def route_table(app: FastAPI) -> str:
    """Return a Markdown table of every route with its permission rule and summary."""
    rows = []
    for route in iter_routes(app):
        endpoint = route.original_route
        if not isinstance(endpoint, APIRoute):
            continue
        rules = route_rules(route)
        rule = (
            "public"
            if rules and rules[0].permission is None
            else (
                f"`{rules[0].permission}`" + (" (page)" if rules[0].page else "") if rules else "—"
            )
        )
        summary = (endpoint.endpoint.__doc__ or "").strip().splitlines()[0:1]
        for method in sorted(route.methods or ()):
            rows.append(f"| {method} | `{route.path_format}` | {rule} | {''.join(summary)} |")
    header = ["| method | path | permission | what it does |", "| --- | --- | --- | --- |"]
    return "\n".join([*header, *sorted(set(rows), key=lambda r: (r.split("|")[2], r))])


def render(document: str, app: FastAPI) -> str:
    """Return `document` with the text between the route markers regenerated."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{route_table(app)}\n{END}{tail}"
