"""Errors of incidents, each with a stable code."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound


class IncidentNotFound(NotFound):
    """No such incident, or one the caller may not see (the same answer: ids cannot be probed)."""

    code = "incident_not_found"

    def __init__(self) -> None:
        super().__init__("incident not found")


class IncidentClosed(Conflict):
    code = "incident_closed"

    def __init__(self) -> None:
        super().__init__("the incident is closed; nothing more can change")


class TaskNotFound(NotFound):
    code = "task_not_found"

    def __init__(self) -> None:
        super().__init__("task not found")


class ResourceNotFound(NotFound):
    code = "resource_not_found"

    def __init__(self) -> None:
        super().__init__("resource not found")
