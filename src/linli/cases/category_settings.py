"""Each top-level tree (a district or a town) owns its catalogue settings.

The shipped catalogue is the shared default; a tree's administrator overrides the fields in
`OVERRIDABLE` for their own tree only. Changing the shared defaults (names, the catalogue's
shape, a new category) needs org:write at the root of every tree: an install's administrator.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import repository
from linli.cases.models import OVERRIDABLE, STEPS, Category, CategorySetting
from linli.core.errors import Forbidden, ValidationFailed
from linli.security import audit
from linli.security.permissions import Principal

# Fields a tree may not change: they are the catalogue's shape and names, shared by every tree.
SHARED_FIELDS = (
    "name",
    "name_zh",
    "name_ms",
    "name_ta",
    "parent_code",
    "kind",
    "level",
    "examples",
)


async def tree_to_edit(
    session: AsyncSession, principal: Principal, tree: uuid.UUID | None
) -> uuid.UUID | None:
    """Return the tree whose settings `principal` changes, or None for the shared defaults.

    `tree` names it; left out, an administrator of every tree edits the defaults and the
    administrator of one tree edits that tree's settings."""
    roots = await repository.tree_roots(session)
    held = {r.id for r in roots if principal.can("org:write", r.path)}
    if tree is not None:
        if tree not in held:
            raise Forbidden("you administer no such tree", code="forbidden_scope")
        return tree
    if held and len(held) == len(roots):
        return None
    if len(held) == 1:
        return next(iter(held))
    if not held:
        raise Forbidden("only an administrator of a whole tree edits categories", code="forbidden")
    raise ValidationFailed("say which tree: ?tree=<its unit id>", code="tree_required")


async def tree_to_read(
    session: AsyncSession, principal: Principal, tree: uuid.UUID | None
) -> uuid.UUID | None:
    """Return the tree whose settings `principal` reads (None: the shared defaults)."""
    roots = {r.id: r.path for r in await repository.tree_roots(session)}
    mine = {
        t
        for t, path in roots.items()
        if any(g.unit_path.startswith(path) for g in principal.grants)
    }
    if tree is not None:
        if tree not in mine:
            raise Forbidden("you hold no role in that tree", code="forbidden_scope")
        return tree
    return next(iter(mine)) if len(mine) == 1 else None


async def put_setting(
    session: AsyncSession,
    *,
    tree_id: uuid.UUID,
    code: str,
    changes: Mapping[str, object],
    actor: str,
) -> Category:
    """Set the tree's own values of the overridable fields in `changes`; return the category
    as the tree now sees it. A shared field given with a new value is refused (403)."""
    stored = await repository.get_category(session, code.strip())
    if stored is None:  # a new category is shared by every tree
        raise Forbidden(
            "only an administrator of every tree adds a category", code="shared_category_field"
        )
    for name in SHARED_FIELDS:
        if name in changes and changes[name] != getattr(stored, name):
            raise Forbidden(
                f"'{name}' is shared by every tree; only an administrator of all trees changes it",
                code="shared_category_field",
            )
    given = {k: v for k, v in changes.items() if k in OVERRIDABLE and v is not None}
    limits = given.get("step_limits")
    if limits is not None:
        assert isinstance(limits, dict)
        bad = sorted(
            s for s, m in limits.items() if s not in STEPS or not (isinstance(m, int) and m > 0)
        )
        if bad:
            raise ValidationFailed(
                f"step limits are positive minutes for steps {', '.join(STEPS)}",
                code="bad_step_limits",
            )
    setting = await repository.get_category_setting(session, tree_id, stored.code)
    if setting is None:
        setting = CategorySetting(
            tree_id=tree_id, tree_path=f"/{tree_id.hex}/", category_code=stored.code
        )
        session.add(setting)
    photo = changes.get("requires_photo")
    evidence = given.get("required_evidence")
    if evidence is None and isinstance(photo, bool):
        current = setting.required_evidence
        base = list(current if current is not None else stored.required_evidence or [])
        others = [e for e in base if e != "photo"]
        given["required_evidence"] = (["photo"] if photo else []) + others
    elif evidence is not None and isinstance(photo, bool) and photo != ("photo" in evidence):  # type: ignore[operator]
        raise ValidationFailed(
            "requires_photo and required_evidence disagree", code="evidence_conflict"
        )
    for name, value in given.items():
        setattr(setting, name, list(value) if isinstance(value, (list, tuple)) else value)
    setting.updated_by = actor
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="category.setting",
        target_type="category",
        target_id=stored.code,
        org_path=setting.tree_path,
        detail={"tree": str(tree_id), "changes": {k: given[k] for k in sorted(given)}},
    )
    effective = await repository.category_in_tree(session, stored.code, tree_id)
    assert effective is not None
    return effective
