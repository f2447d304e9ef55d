"""Prepare a SQLite site holding both demo sites for the map browser test, and print as JSON
what it needs: each site's admin, an API token, and one device of each alarm-raising type.

    python tests/web/seed_map_site.py /tmp/x/linli.db

Bao'an (`grid`) small, Sengkang (`town`) with the shipped blocks and bus stops at a scale that
puts a few hundred devices on its map (dense enough to cluster).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from seed_demo_sites import PASSWORD, load_demo_sites

# One device of each type whose rule raises a different severity (twin/demo_data.py RULES).
ALARMING = ("WaterLevel", "AirQualityObserved", "WasteContainer")


async def seed(path: str) -> dict[str, Any]:
    sites: dict[str, Any] = {}
    for site in await load_demo_sites(path, sengkang_scale=0.3, token_name="map-test"):
        devices = site.result.devices
        sites[site.profile] = {
            "admin": site.admin,
            "admin_id": site.admin_id,
            "token": site.token,
            "devices": {t: next(d for d in devices if d["type"] == t) for t in ALARMING},
            "device_count": len(devices),
        }
    return {"password": PASSWORD, "sites": sites}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
