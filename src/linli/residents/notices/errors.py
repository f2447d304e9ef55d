"""Errors of notices, with stable codes."""

from __future__ import annotations

from linli.core.errors import Conflict, NotFound


class NoticeNotFound(NotFound):
    code = "notice_not_found"


class NoticeNotEditable(Conflict):
    """Only a draft or a scheduled notice changes; a published one is withdrawn instead."""

    code = "notice_not_editable"
