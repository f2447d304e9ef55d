"""The demo's routes and rules name categories of the shipped catalogue and units of its sites."""

from __future__ import annotations

from linli.cases import catalogue
from linli.twin.baoan import baoan_district
from linli.twin.demo_data import BUSIEST, ROUTES, RULES
from linli.twin.sengkang import sengkang_town


def test_every_category_the_demo_uses_is_in_the_shipped_catalogue() -> None:
    entries = {e.code: e for e in catalogue.read_catalogue()}
    majors = {code for code, e in entries.items() if e.level == "major"}
    for profile, routes in ROUTES.items():
        assert set(routes) <= set(entries), profile
        # Every group has a responsible unit, so no resident report is left unrouted.
        assert majors <= set(routes), (profile, majors - set(routes))
        assert BUSIEST in routes
    for *_, code in RULES:
        assert code in entries and entries[code].level == "minor", code


def test_routes_name_departments_of_their_own_site() -> None:
    for site in (baoan_district(scale=0.02), sengkang_town(data_dir=None, scale=0.02)):
        departments = {u.code for u in site.units if u.kind == "department"}
        targets = set(ROUTES[site.profile].values()) - {"local"}
        assert targets <= departments, (site.profile, targets - departments)
