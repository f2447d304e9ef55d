"""A real third-party Open311 client (`georeport` from PyPI) reads Linli's GeoReport v2 API.

The client is synchronous (requests): it runs in a worker thread against a uvicorn server that
serves the app on a loopback port inside the test's own event loop. `georeport` 0.3.1 has no
POST; requests are created with a plain form POST, as any client would send it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from .conftest import City, Key

georeport = pytest.importorskip("georeport")


@pytest.fixture
async def endpoint(city: City) -> AsyncIterator[str]:
    """Serve the app on a free loopback port; return the Open311 root address."""
    from linli.web.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)  # waiting for the socket to listen, not for the clock
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}/open311/v2"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _create(root: str, key: Key, city: City, code: str, where: str, text: str) -> str:
    async with httpx.AsyncClient() as http:
        form = {"api_key": key.api_key, "service_code": code, "description": text}
        resp = await http.post(f"{root}/requests.json", data=form | city.point(where))
    assert resp.status_code == 200, resp.text
    return str(resp.json()[0]["service_request_id"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_georeport_client_reads_services_and_requests(
    fmt: str, city: City, reporter: Key, endpoint: str
) -> None:
    noise = await _create(endpoint, reporter, city, "public.order.noise", "G1", "Karaoke")
    waste = await _create(endpoint, reporter, city, "env.waste", "Z1", "Overflowing bin")
    client: Any = georeport.GeoReport(endpoint, output_format=fmt)

    services = await asyncio.to_thread(client.get_service_list)
    assert {s["service_code"] for s in services} == {"public.order.noise", "env.waste"}
    definition = await asyncio.to_thread(client.get_service_definition, "env.waste")
    assert definition["service_code"] == "env.waste"

    found = await asyncio.to_thread(client.get_service_requests, service_code="env.waste")
    found = found if isinstance(found, list) else [found]  # xmltodict: one item is a dict
    assert [r["service_request_id"] for r in found] == [waste]
    both = await asyncio.to_thread(
        client.get_service_requests, service_request_id=f"{noise},{waste}", status="open"
    )
    assert {r["service_request_id"] for r in both} == {noise, waste}

    single = await asyncio.to_thread(client.get_service_request, waste)
    assert single["status"] == "open"
    assert single["agency_responsible"] == "Department T-TC"
