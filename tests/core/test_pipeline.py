"""Pipelines hand a stored record to every installed consumer, in order, or refuse loudly."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pipeline import Pipeline, PipelineNotInstalled


async def test_a_pipeline_never_wired_refuses_instead_of_dropping_work() -> None:
    pipeline: Pipeline[str] = Pipeline("test records")
    with pytest.raises(
        PipelineNotInstalled, match="test records pipeline has no consumers installed"
    ):
        await pipeline.deliver(AsyncSession(), "reading")


async def test_every_consumer_gets_the_record_in_installation_order() -> None:
    seen: list[tuple[str, str]] = []

    async def rules(session: AsyncSession, item: str) -> None:
        seen.append(("rules", item))

    async def care(session: AsyncSession, item: str) -> None:
        seen.append(("care", item))

    pipeline: Pipeline[str] = Pipeline("test records")
    pipeline.install([rules, care])
    await pipeline.deliver(AsyncSession(), "batch 1")
    assert seen == [("rules", "batch 1"), ("care", "batch 1")]
    pipeline.install([])  # a process with no consumers delivers to nobody, without error
    await pipeline.deliver(AsyncSession(), "batch 2")
    assert seen == [("rules", "batch 1"), ("care", "batch 1")]
