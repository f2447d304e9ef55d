"""Open311 GeoReport v2 at /open311/v2/: JSON and XML, errors in the spec's own format.

Every route is `public`: reads show the cases' public projection only (a case that is not public
answers 404 like a missing one), and POST requests checks its `api_key` in the handler (the spec
sends it as a form field, not as a bearer token).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import StringConstraints

from linli.core.errors import LinliError, NotFound
from linli.core.schemas import Key
from linli.interop import open311, open311_xml
from linli.security.deps import DbSession, credentials_checked, public

FORMATS = {"json": "application/json", "xml": "text/xml; charset=utf-8"}
# Linli's statuses as the spec's error codes: invalid input is 400, a bad api_key 403.
SPEC_CODES = {401: 403, 422: 400}
# A code, reference or token followed by ".json" or ".xml".
PathName = Annotated[str, StringConstraints(max_length=200)]


def _spec_error(fmt: str, status: int, detail: str) -> Response:
    code = SPEC_CODES.get(status, status)
    return _render(fmt, "errors", [{"code": code, "description": detail}], status=code)


class Open311Route(APIRoute):
    """A GeoReport route: input that does not match its parameters is answered like every other
    error of the spec (400, in the format the path asks for), not as problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                fmt = "xml" if request.url.path.endswith(".xml") else "json"
                detail = "; ".join(
                    f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', '')}"
                    for e in exc.errors()
                )
                return _spec_error(fmt, 422, detail or "the request does not match the schema")

        return route


router = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    dependencies=[Depends(public)],
    route_class=Open311Route,
)


def _render(fmt: str, root: str, body: Any, *, status: int = 200, headers: Any = None) -> Response:
    if fmt == "xml":
        return Response(
            open311_xml.render(root, body), status, headers=headers, media_type=FORMATS["xml"]
        )
    return JSONResponse(body, status, headers=headers)


def _split(name: str) -> tuple[str, str]:
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in FORMATS:
        raise NotFound("add .json or .xml to the path", code="unknown_format")
    return stem, fmt


async def _answer(
    session: DbSession,
    fmt: str,
    root: str,
    produce: Callable[[], Awaitable[tuple[Any, dict[str, str] | None]]],
) -> Response:
    """Run `produce`; render its body, or the error as `[{"code", "description"}]`."""
    error: LinliError
    if fmt not in FORMATS:
        fmt, error = "json", NotFound("add .json or .xml to the path", code="unknown_format")
    else:
        try:
            body, headers = await produce()
            return _render(fmt, root, body, headers=headers)
        except LinliError as err:
            error = err
    await session.rollback()
    return _spec_error(fmt, error.status, error.detail)


@router.get("/discovery.{fmt}")
async def discovery(fmt: Key, request: Request, session: DbSession) -> Response:
    """Say where the GeoReport v2 endpoint is and which formats it speaks."""

    async def produce() -> tuple[Any, None]:
        base = str(request.base_url).rstrip("/") + "/open311/v2/"
        endpoint = {
            "specification": open311.SPEC_URL,
            "url": base,
            "changeset": "2026-11-25T00:00:00Z",
            "type": "production",
            "formats": list(FORMATS.values()),
        }
        body = {
            "changeset": "2026-11-25T00:00:00Z",
            "contact": "Linli Open311 endpoint",
            "key_service": "Ask the operator for an api_key (a Linli API token).",
            "endpoints": [endpoint],
        }
        return body, None

    return await _answer(session, fmt, "discovery", produce)


@router.get("/services.{fmt}")
async def service_list(fmt: Key, session: DbSession) -> Response:
    """List the services (Linli case categories)."""

    async def produce() -> tuple[Any, None]:
        return await open311.services(session), None

    return await _answer(session, fmt, "services", produce)


@router.get("/services/{name}")
async def service_definition(name: PathName, session: DbSession) -> Response:
    """Define one service: its attributes."""
    code, fmt = name.rpartition(".")[0], name.rpartition(".")[2]

    async def produce() -> tuple[Any, None]:
        _split(name)
        return await open311.service_definition(session, code), None

    return await _answer(session, fmt, "service_definition", produce)


@router.get("/requests.{fmt}")
async def request_list(fmt: Key, request: Request, session: DbSession) -> Response:
    """Search public service requests with the spec's filters and the pagination extension."""

    async def produce() -> tuple[Any, dict[str, str]]:
        args = request.query_params
        query = open311.RequestQuery(
            ids=open311.split_list(args.get("service_request_id")),
            service_codes=open311.split_list(args.get("service_code")),
            start=open311.parse_datetime("start_date", args.get("start_date")),
            end=open311.parse_datetime("end_date", args.get("end_date")),
            statuses=open311.split_list(args.get("status")),
            page=_int(args.get("page"), 1),
            page_size=_int(args.get("page_size"), open311.DEFAULT_PAGE_SIZE),
            cursor=args.get("cursor"),
        )
        found = await open311.find_requests(session, query, base_url=str(request.base_url))
        headers = {"X-Total-Count": str(found.total)}
        if found.total_capped:
            headers["X-Total-Count-Capped"] = "true"
        if found.next:
            following = request.url.remove_query_params("page").include_query_params(
                cursor=found.next
            )
            headers["Link"] = f'<{following}>; rel="next"'
        return found.requests, headers

    return await _answer(session, fmt, "service_requests", produce)


def _int(value: str | None, default: int) -> int:
    if not value:
        return default
    try:
        return int(value)
    except ValueError as err:
        raise open311.Open311Error("page and page_size are whole numbers") from err


@router.post("/requests.{fmt}")
async def create_request(fmt: Key, request: Request, session: DbSession) -> Response:
    """Create a service request (a resident-sourced case) for the holder of `api_key`."""

    async def produce() -> tuple[Any, None]:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        with credentials_checked(request, "open311"):
            principal = await open311.api_key_principal(session, form.get("api_key"))
        case = await open311.create_request(session, principal=principal, form=form)
        return [{"service_request_id": case.ref, "token": case.ref, "account_id": None}], None

    return await _answer(session, fmt, "service_requests", produce)


@router.get("/requests/{name}")
async def request_detail(name: PathName, request: Request, session: DbSession) -> Response:
    """Return one public service request, with its notes[] update history."""
    ref, fmt = name.rpartition(".")[0], name.rpartition(".")[2]

    async def produce() -> tuple[Any, None]:
        _split(name)
        case = await open311.case_by_ref(session, ref)
        return [open311.service_request(case, base_url=str(request.base_url))], None

    return await _answer(session, fmt, "service_requests", produce)


@router.get("/tokens/{name}")
async def token(name: PathName, session: DbSession) -> Response:
    """Turn a token from POST requests into its service_request_id (known at once here)."""
    ref, fmt = name.rpartition(".")[0], name.rpartition(".")[2]

    async def produce() -> tuple[Any, None]:
        _split(name)
        case = await open311.case_by_ref(session, ref)
        return [{"service_request_id": case.ref, "token": ref}], None

    return await _answer(session, fmt, "service_requests", produce)


@router.get(
    "/media/{ref}/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}, "description": "The photo"}},
)
async def media(ref: Key, attachment_id: uuid.UUID, session: DbSession) -> Response:
    """Serve a public photo of a public service request (the media_url of its view)."""
    try:
        attachment = await open311.photo(session, ref, attachment_id)
    except LinliError as err:
        return _spec_error("json", err.status, err.detail)
    return Response(attachment.data, media_type=attachment.content_type)
