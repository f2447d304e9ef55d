"""Locust users for the district-load benchmark: the staff of a command centre on the case API.

Run by `benchmarks/load.py` as `locust --headless -f benchmarks/locustfile.py`, with the plan
(bearer tokens, where each may report, the categories to report in) in the JSON file named by
`LINLI_LOAD_PLAN`. Each user takes the next staff identity in turn and works without pause
(but after a 429, see below):

* half of its requests list cases (`GET /api/cases?limit=50`): all it may see, a status its
  role works on, or the next page of its last list — by the `next` the page gives when it gives
  one, else by offset;
* a fifth open a case seen in a list (`GET /api/cases/{id}`);
* the rest report cases (`POST /api/cases`, staff who may report) and move cases on with the
  first forward action the case page allowed them (register, dispatch, accept, start, handle,
  verify, close). With no case to move at hand, or no right to report, the user opens a case
  page instead, which is where it learns what it may do.

Errors are recorded per route as `HTTP <status>`, so the benchmark counts 429s apart; a request
refused with 429 is recorded under `refused (429)` instead of its route, so each route's figures
are those of the requests the server answered (a refusal takes a millisecond and would flatter
a route's percentiles). A user refused with 429 waits as long as its `Retry-After` asks (at most
`MAX_PAUSE` seconds), as a client of the API must: retrying at once, 200 users kept the server
answering refusals and left it hardly any time for the requests it had let in.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import deque
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, task

PLAN: dict[str, Any] = json.loads(open(os.environ["LINLI_LOAD_PLAN"]).read())  # noqa: SIM115
REFUSED = "refused (429)"  # as benchmarks.load_report.REFUSED
MAX_PAUSE = 5.0  # seconds a user waits after a 429, whatever its Retry-After says
FORWARD = ("register", "dispatch", "accept", "start", "handle", "verify", "close")
BODIES: dict[str, dict[str, Any]] = {
    "handle": {"note": "work done (load test)"},
    "verify": {"passed": True, "note": "checked on site (load test)"},
    "close": {"note": "closed (load test)"},
}
# The statuses each role waits on, for its filtered lists.
WORKS_ON = {
    "operator": ("reported", "registered", "returned", "handled", "verified"),
    "inspector": ("handled", "verified"),
    "grid_worker": ("dispatched", "accepted", "in_progress"),
    "department_staff": ("dispatched", "accepted", "in_progress"),
}
_turn = itertools.count()


def _seconds(retry_after: str | None) -> float:
    try:
        return max(1.0, float(retry_after or 1))
    except ValueError:  # an HTTP date: not what Linli sends
        return 1.0


class StaffUser(FastHttpUser):
    """One member of staff with a bearer token, acting as fast as the server answers."""

    def wait_time(self) -> float:
        """Go on at once, unless the last answer was a 429: then wait as its Retry-After asks."""
        pause, self.pause = self.pause, 0.0
        return pause

    def on_start(self) -> None:
        self.pause = 0.0
        n = next(_turn)
        self.me: dict[str, Any] = PLAN["identities"][n % len(PLAN["identities"])]
        self.rng = random.Random(PLAN["seed"] * 1000 + n)
        self.headers = {"Authorization": f"Bearer {self.me['token']}"}
        self.seen: deque[str] = deque(maxlen=200)
        self.movable: dict[str, str] = {}  # case id → the action to take next
        self.more: tuple[str, dict[str, Any]] | None = None  # how to ask for the next page
        self.photo_free = frozenset(PLAN["categories"])

    def _call(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        """Send one request; return its JSON body when it succeeded, else None."""
        with self.client.request(
            method, path, name=name, headers=self.headers, catch_response=True, **kwargs
        ) as answer:
            if 200 <= answer.status_code < 300:
                answer.success()
                return answer.json()
            if answer.status_code == 429:
                answer.request_meta["name"] = REFUSED
                answer.request_meta["request_type"] = "ANY"  # one row, whatever the method
                self.pause = min(_seconds(answer.headers.get("Retry-After")), MAX_PAUSE)
            answer.failure(f"HTTP {answer.status_code}" if answer.status_code else "no answer")
            return None

    def _list(self, name: str, params: dict[str, Any], url: str = "/api/cases") -> None:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        page = self._call("GET", f"{url}?{query}" if query else url, name)
        if page is None:
            self.more = None
            return
        self.seen.extend(item["id"] for item in page.get("items", []))
        following = page.get("next")
        if following:
            if str(following).startswith(("/", "http")):
                self.more = (str(following), {})
            else:
                self.more = ("/api/cases", {**params, "cursor": following, "offset": None})
        elif len(page.get("items", [])) == params.get("limit"):
            self.more = ("/api/cases", {**params, "offset": params.get("offset", 0) + 50})
        else:
            self.more = None

    @task(20)
    def list_cases(self) -> None:
        self._list("GET /api/cases", {"limit": 50})

    @task(15)
    def list_by_status(self) -> None:
        status = self.rng.choice(WORKS_ON[self.me["role"]])
        self._list("GET /api/cases?status=", {"limit": 50, "status": status})

    @task(15)
    def next_page(self) -> None:
        if self.more is None:
            self.list_cases()
            return
        url, params = self.more
        self._list("GET /api/cases next page", params, url)

    @task(20)
    def case_page(self) -> None:
        if not self.seen:
            self.list_cases()
            return
        case_id = self.rng.choice(self.seen)
        detail = self._call("GET", f"/api/cases/{case_id}", "GET /api/cases/{id}")
        if detail is not None:
            self._remember(detail)

    def _remember(self, detail: dict[str, Any]) -> None:
        allowed = set(detail.get("allowed_actions", []))
        if detail.get("category_code") not in self.photo_free:
            allowed.discard("close")  # closing it needs a photo
        action = next((a for a in FORWARD if a in allowed), None)
        if action is None:
            self.movable.pop(detail["id"], None)
        else:
            self.movable[detail["id"]] = action

    @task(10)
    def report_case(self) -> None:
        if not self.me["report_units"]:
            self.case_page()
            return
        category = self.rng.choice(PLAN["categories"])
        body = {
            "category_code": category,
            "title": f"{category} (load test)",
            "unit_id": self.rng.choice(self.me["report_units"]),
            "source": "hotline",
        }
        detail = self._call("POST", "/api/cases", "POST /api/cases", json=body)
        if detail is not None:
            self._remember(detail)

    @task(20)
    def move_case(self) -> None:
        if not self.movable:
            self.case_page()
            return
        case_id, action = self.movable.popitem()
        detail = self._call(
            "POST",
            f"/api/cases/{case_id}/{action}",
            "POST /api/cases/{id}/{action}",
            json=BODIES.get(action, {}),
        )
        if detail is not None:
            self._remember(detail)
