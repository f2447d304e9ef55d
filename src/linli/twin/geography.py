"""Generate the org units, buildings, places and residents of the two demo sites (no database).

The one import place for callers: the site specs live in `sites`, the builders in `baoan` and
`sengkang`; this module re-exports them (it imports them, never the other way round).
"""

from __future__ import annotations

from linli.twin.baoan import baoan_district
from linli.twin.sengkang import SHIPPED_DATA, SINGAPORE_ATTRIBUTION, sengkang_town
from linli.twin.sites import BuildingSpec, PlaceSpec, ResidentSpec, SiteSpec, UnitSpec

__all__ = [
    "SHIPPED_DATA",
    "SINGAPORE_ATTRIBUTION",
    "BuildingSpec",
    "PlaceSpec",
    "ResidentSpec",
    "SiteSpec",
    "UnitSpec",
    "baoan_district",
    "sengkang_town",
]
