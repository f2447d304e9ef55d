"""Every entry point survives every input: the OpenAPI document bounds every string, number and
list a client sends and lists every status an operation answers; schemathesis, run over the whole
document as an admin, a grid worker and an anonymous caller (fixed seed, bounded examples), finds
no server error, no answer off its schema and no undocumented status; hostile bodies get a 4xx.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser_site import SRC, run_seed, serving
from linli.web.app import create_app

TESTS = Path(__file__).resolve().parents[1]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance,unsupported_method,"
    "allow_header_conformance"
)
PRINCIPALS = ("admin", "grid_worker", "anonymous")
# Strings a client cannot make long: identifiers and timestamps; a file's bytes are bounded by
# the request size limit.
BOUNDED_FORMATS = frozenset({"uuid", "date-time", "date", "time", "binary"})


def _anchored_finite(pattern: str) -> bool:
    """Whether a pattern bounds its string's length (anchored, no open-ended repetition)."""
    return (
        pattern.startswith("^")
        and pattern.endswith("$")
        and not re.search(r"[*+]|\{\d+,\}", pattern)
    )


def _unbounded(schema: dict[str, Any], where: str, components: dict[str, Any]) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()

    def walk(s: dict[str, Any], at: str) -> None:
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(components[name], name)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in s.get(key, ()):
                walk(option, at)
        kind = s.get("type")
        if kind == "string" and not (
            {"maxLength", "enum", "const", "contentMediaType"} & s.keys()
            or s.get("format") in BOUNDED_FORMATS
            or _anchored_finite(s.get("pattern", ""))
        ):
            found.append(f"{at}: a string without maxLength")
        if kind in ("integer", "number") and "enum" not in s:
            if not {"maximum", "exclusiveMaximum"} & s.keys():
                found.append(f"{at}: a number without maximum")
            if not {"minimum", "exclusiveMinimum"} & s.keys():
                found.append(f"{at}: a number without minimum")
        if kind == "array":
            if "maxItems" not in s:
                found.append(f"{at}: a list without maxItems")
            walk(s.get("items", {}), f"{at}[]")
        for name, prop in s.get("properties", {}).items():
            walk(prop, f"{at}.{name}")
        if isinstance(s.get("additionalProperties"), dict):
            walk(s["additionalProperties"], f"{at}.*")

    walk(schema, where)
    return found


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def test_every_value_a_client_sends_has_a_declared_bound(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            name = f"{method.upper()} {path}"
            for param in op.get("parameters", ()):
                found += _unbounded(param["schema"], f"{name} {param['name']}", components)
            for content in op.get("requestBody", {}).get("content", {}).values():
                found += _unbounded(content.get("schema", {}), f"{name} body", components)
    assert not found, "\n".join(found)


def test_every_error_is_documented_as_a_problem(document: dict[str, Any]) -> None:
    missing = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            answers = op["responses"]
            wanted = {"422", "429"} if not path.startswith("/open311/") else {"400", "429"}
            if "{" in path:
                wanted.add("404")
            if missing_here := wanted - answers.keys():
                missing.append(f"{method.upper()} {path}: {sorted(missing_here)}")
            for status, answer in answers.items():
                media = answer.get("content", {})
                if status.startswith("4") and not media:
                    missing.append(f"{method.upper()} {path} {status}: no body described")
    assert not missing, "\n".join(missing)


async def test_hostile_bodies_get_a_4xx_problem(client: httpx.AsyncClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {"Content-Type": "application/json"}
    for path in ("/api/auth/login", "/api/csp-reports", "/api/cases"):
        answer = await client.post(path, content=deep, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["code"] == "json_too_deep"
        answer = await client.post(path, content=b'{"username": "a", ', headers=headers)
        assert 400 <= answer.status_code < 500, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"


async def test_text_that_cannot_be_stored_is_refused_on_every_backend(
    client: httpx.AsyncClient,
) -> None:
    nul = "a\u0000b"
    answers = [
        await client.post("/api/auth/login", json={"username": nul, "password": "x"}),
        await client.get("/api/cases", params={"q": nul}),
        await client.get("/open311/v2/requests.json", params={"service_code": nul}),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "unsupported_character"


async def test_a_method_a_resource_lacks_is_refused_with_all_it_takes(
    client: httpx.AsyncClient,
) -> None:
    # Two routes share the path: the 405 names the methods of both.
    answer = await client.request("TRACE", "/api/rules/01a24f59-0f21-74d8-a559-22f8df2aeb7c")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "PATCH"}
    # A fixed path beside a parameterised one answers for itself.
    answer = await client.request("PATCH", "/api/incidents/mode")
    assert answer.status_code == 405 and answer.headers["allow"] == "GET"


@pytest.fixture
def served(db: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Build the authorization matrix's world in the test database and serve it.

    On PostgreSQL only: it is the stricter store (text it cannot hold, integer ranges), and the
    run takes minutes; what differs on SQLite is covered by the tests above, on both."""
    if db.startswith("sqlite"):
        pytest.skip("the fuzz run uses PostgreSQL, the stricter backend")
    env = {
        **os.environ,
        "LINLI_ENV": "test",
        "LINLI_DATABASE_URL": db,
        "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS)]),
        # The fuzzer calls each public write route hundreds of times from one address.
        "LINLI_PUBLIC_WRITE_RATE": "0",
    }
    tokens: dict[str, str] = run_seed(TESTS / "security" / "seed_fuzz_site.py", db, env, tmp_path)
    with serving(tmp_path, env) as base:
        yield base, tokens


def test_schemathesis_finds_nothing_as_any_principal(
    served: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, tokens = served
    failures = []
    for principal in PRINCIPALS:
        auth = ["-H", f"Authorization: Bearer {tokens[principal]}"] if principal in tokens else []
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{base}/api/openapi.json", *auth,
             "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
             "--max-examples", "5", "--seed", "20261207", "--workers", "1",
             "--generation-database", "none", "--no-color", "--suppress-health-check", "all"],
            capture_output=True, text=True, cwd=tmp_path, timeout=900,
        )  # fmt: skip
        summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
        print(f"{principal}: {summary}")
        if run.returncode != 0:
            print(run.stdout, run.stderr)  # shown with the failure: every case and its curl
            failures.append(principal)
    assert not failures, f"schemathesis found failures as {', '.join(failures)} (output above)"
