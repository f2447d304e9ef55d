"""What each simulated device type reports: the metrics ingest knows, the demo sites' zones."""

from __future__ import annotations

from datetime import UTC, datetime

from linli.iot.types import DEVICE_TYPES
from linli.twin.sensor_types import METRICS, site_zone


def test_simulated_metrics_are_the_ones_ingest_knows() -> None:
    for name, metrics in METRICS.items():
        known = DEVICE_TYPES[name].metrics
        assert {m.name for m in metrics} == set(known), name
        for m in metrics:
            assert known[m.name].low <= m.low and m.high <= known[m.name].high, m.name


def test_site_zones() -> None:
    when = datetime(2026, 3, 2, 4, tzinfo=UTC)
    assert when.astimezone(site_zone("sengkang", 103.9)).hour == 12
    assert when.astimezone(site_zone("baoan", 113.9)).hour == 12
    assert when.astimezone(site_zone(None, -0.1)).hour == 4
