"""Case categories: create or change one, read them, and who may edit them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository
from linli.cases.errors import UnknownCategory
from linli.cases.models import STEPS, Category
from linli.core.errors import Forbidden, ValidationFailed
from linli.security.permissions import Principal

DEFAULT_RADIUS_M = 100
# A category that gives no duplicate radius gets its family's: the median radius of the shipped
# catalogue's leaves in that major group (a lift fault is one block, haze a whole town), else
# DEFAULT_RADIUS_M.
FAMILY_RADIUS_M = {
    "env": 300,
    "sanitation": 50,
    "facilities": 30,
    "roads": 75,
    "water": 100,
    "safety": 150,
    "order": 100,
    "housing": 25,
    "greenery": 30,
    "animals": 100,
    "care": 40,
    "construction": 100,
    "fire": 30,
    "epidemic": 100,
    "disputes": 50,
    "vending": 100,
    "parking": 50,
    "estate": 20,
    "cycling": 50,
    "utilities": 150,
}


def family_radius(code: str, parent: str | None = None) -> int:
    """Return the default duplicate radius of a category: its family's (see FAMILY_RADIUS_M)."""
    family = parent or code.split(".", 1)[0]
    return FAMILY_RADIUS_M.get(family, DEFAULT_RADIUS_M)


async def upsert_category(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    name_zh: str | None = None,
    priority: int = 3,
    step_limits: dict[str, int] | None = None,
    requires_photo: bool = False,
) -> Category:
    """Create the category `code` or replace its settings."""
    code = code.strip()
    parts = code.split(".")
    if not code or len(code) > 64 or not all(p and p.replace("_", "").isalnum() for p in parts):
        raise ValidationFailed(
            "a category code is dotted lowercase words, e.g. 'env.air'", code="bad_category_code"
        )
    if priority not in (1, 2, 3, 4):
        raise ValidationFailed("priority runs from 1 (urgent) to 4 (low)", code="bad_priority")
    limits = dict(step_limits or {})
    for step, minutes in limits.items():
        if step not in STEPS or not isinstance(minutes, int) or minutes <= 0:
            raise ValidationFailed(
                f"step limits are positive minutes for steps {', '.join(STEPS)}",
                code="bad_step_limits",
            )
    category = await repository.get_category(session, code)
    if category is None:  # a new category reaches as far as its family's usually do
        category = Category(code=code, duplicate_radius_m=family_radius(code))
        session.add(category)
    category.name, category.name_zh, category.priority = name, name_zh, priority
    category.step_limits, category.requires_photo = limits, requires_photo
    await session.flush()
    return category


async def get_category(session: AsyncSession, code: str) -> Category:
    """Return the category `code`, or raise ValidationFailed(unknown_category)."""
    category = await repository.get_category(session, code)
    if category is None:
        raise UnknownCategory(code)
    return category


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    """Return every category."""
    return await repository.list_categories(session)


async def category_for(session: AsyncSession, code: str, org_path: str | None) -> Category:
    """Return the category `code` with the settings of the tree holding `org_path` (a case's
    place): that tree's own values over the shared defaults. Raise UnknownCategory if none."""
    category = await repository.category_for_path(session, code, org_path)
    if category is None:
        raise UnknownCategory(code)
    return category


async def categories_in_tree(session: AsyncSession, tree_id: uuid.UUID | None) -> list[Category]:
    """Return every category with the settings in force in the tree `tree_id` (None: defaults)."""
    return await repository.categories_in_tree(session, tree_id)


def require_category_admin(principal: Principal) -> None:
    """Raise Forbidden unless `principal` holds org:write over a whole tree."""
    if not any(p.count("/") == 2 for p in principal.paths_for("org:write")):
        raise Forbidden("only an administrator of a whole tree edits categories", code="forbidden")
