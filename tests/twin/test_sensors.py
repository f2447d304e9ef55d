"""The simulated devices' value models: ranges, daily patterns, incident rates, determinism."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linli.iot.types import DEVICE_TYPES
from linli.twin.sensors import (
    INCIDENT_THRESHOLDS,
    INCIDENT_WEIGHTS,
    METRICS,
    Sensor,
    site_zone,
)

START = datetime(2026, 3, 2, tzinfo=UTC)
WEEK = timedelta(days=7)
SHENZHEN = ZoneInfo("Asia/Shanghai")


def _times(step: timedelta, span: timedelta = WEEK) -> Iterator[datetime]:
    for k in range(int(span / step)):
        yield START + k * step


def _at_local(day: int, hour: float) -> datetime:
    local = datetime(2026, 3, 2, tzinfo=SHENZHEN) + timedelta(days=day, hours=hour)
    return local.astimezone(UTC)


def _crossings(sensor: Sensor, metric: str, level: float, step: timedelta) -> int:
    count, above = 0, False
    for when in _times(step):
        now_above = sensor.values(when)[metric] > level
        count += now_above and not above
        above = now_above
    return count


def test_simulated_metrics_are_the_ones_ingest_knows() -> None:
    for name, metrics in METRICS.items():
        known = DEVICE_TYPES[name].metrics
        assert {m.name for m in metrics} == set(known), name
        for m in metrics:
            assert known[m.name].low <= m.low and m.high <= known[m.name].high, m.name


@pytest.mark.parametrize("rate", [0.3, 3.0])
@pytest.mark.parametrize("device_type", sorted(METRICS))
def test_values_stay_in_range_for_a_week(device_type: str, rate: float) -> None:
    ranges = {m.name: m for m in METRICS[device_type]}
    for code in ("dev-a", "dev-b"):
        sensor = Sensor(device_type, code=code, seed=5, incident_rate=rate, zone=SHENZHEN)
        for when in _times(timedelta(minutes=5)):
            values = sensor.values(when)
            assert values.keys() == ranges.keys()
            for metric, value in values.items():
                assert ranges[metric].low <= value <= ranges[metric].high, (metric, value, when)
                if ranges[metric].high == 1:
                    assert value in (0.0, 1.0)


def test_noise_is_lower_at_night_than_by_day() -> None:
    sensor = Sensor("NoiseLevelObserved", code="noise-1", incident_rate=0, zone=SHENZHEN)
    night = [sensor.values(_at_local(d, h))["laeq"] for d in range(7) for h in (1, 2, 3, 4)]
    day = [sensor.values(_at_local(d, h))["laeq"] for d in range(7) for h in (10, 13, 16, 19)]
    assert 40 < statistics.mean(night) < 50
    assert 55 < statistics.mean(day) < 65
    assert max(night) < min(day)


def test_streetlights_are_on_at_night_and_off_at_noon() -> None:
    for code in ("lamp-1", "lamp-2", "lamp-3"):
        sensor = Sensor("Streetlight", code=code, incident_rate=0, zone=SHENZHEN)
        for day in range(7):
            noon, night = sensor.values(_at_local(day, 12)), sensor.values(_at_local(day, 23))
            assert noon == {"power_w": 0.0, "on": 0.0}
            assert night["on"] == 1.0 and 80 * 0.95 <= night["power_w"] <= 150 * 1.05


def test_streetlights_fail_now_and_then_at_night() -> None:
    sensor = Sensor("Streetlight", code="lamp-9", incident_rate=2.0, zone=SHENZHEN)
    nights = [
        sensor.values(_at_local(d, h + m / 60))
        for d in range(7)
        for h in (20, 22, 2)
        for m in (0, 30)
    ]
    failed = [v for v in nights if v["on"] == 1.0 and v["power_w"] == 0.0]
    assert all(v["on"] == 1.0 for v in nights)
    assert 0 < len(failed) < len(nights) / 2


def test_pm25_has_morning_and_evening_peaks_around_35() -> None:
    sensors = [
        Sensor("AirQualityObserved", code=f"aq-{i}", incident_rate=0, zone=SHENZHEN)
        for i in range(5)
    ]

    def mean_at(hour: float) -> float:
        return statistics.mean(
            s.values(_at_local(d, hour))["pm25"] for s in sensors for d in range(7)
        )

    assert mean_at(8.5) > mean_at(3) + 8 and mean_at(19.5) > mean_at(14) + 8
    week = [s.values(w)["pm25"] for s in sensors for w in _times(timedelta(minutes=30))]
    assert 28 < statistics.mean(week) < 42
    assert max(week) < INCIDENT_THRESHOLDS["AirQualityObserved"][1]


def test_bins_fill_through_the_day_and_are_emptied_at_collection() -> None:
    sensor = Sensor("WasteContainer", code="bin-1", incident_rate=0, zone=SHENZHEN)
    for day in range(1, 7):
        before = sensor.values(_at_local(day, 5.9))["fill_pct"]
        after = sensor.values(_at_local(day, 8.1))["fill_pct"]
        evening = sensor.values(_at_local(day, 20))["fill_pct"]
        assert after < 12 < before < 90
        assert after < evening < before


def test_water_level_stays_near_zero_without_rain() -> None:
    sensor = Sensor("WaterLevel", code="drain-1", incident_rate=0, zone=SHENZHEN)
    levels = [sensor.values(w)["level_cm"] for w in _times(timedelta(minutes=10))]
    assert all(-5 < level < 10 for level in levels)


@pytest.mark.parametrize(
    ("device_type", "rate", "step"),
    [
        ("AirQualityObserved", 0.2, timedelta(minutes=2)),
        ("NoiseLevelObserved", 0.2, timedelta(minutes=2)),
        ("WaterLevel", 0.2, timedelta(minutes=2)),
        ("WasteContainer", 0.2, timedelta(minutes=2)),
        ("SmokeDetector", 3.0, timedelta(minutes=1)),
        ("SOSButton", 3.0, timedelta(minutes=1)),
    ],
)
def test_threshold_crossings_follow_the_incident_rate(
    device_type: str, rate: float, step: timedelta
) -> None:
    metric, level = INCIDENT_THRESHOLDS[device_type]
    devices = 4
    counted = sum(
        _crossings(Sensor(device_type, code=f"d{i}", incident_rate=rate), metric, level, step)
        for i in range(devices)
    )
    expected = rate * INCIDENT_WEIGHTS[device_type] * WEEK.total_seconds() / 3600 * devices
    assert 0.65 * expected <= counted <= 1.3 * expected, (counted, expected)


@pytest.mark.parametrize("device_type", sorted(INCIDENT_THRESHOLDS))
def test_no_incidents_means_no_crossings(device_type: str) -> None:
    metric, level = INCIDENT_THRESHOLDS[device_type]
    sensor = Sensor(device_type, code="quiet", incident_rate=0)
    assert _crossings(sensor, metric, level, timedelta(minutes=10)) == 0


def test_values_are_a_pure_function_of_seed_device_and_time() -> None:
    times = list(_times(timedelta(minutes=7), timedelta(days=2)))
    for device_type in METRICS:
        first = Sensor(device_type, code="x", seed=1, incident_rate=2.0)
        again = Sensor(device_type, code="x", seed=1, incident_rate=2.0)
        forward = [first.values(w) for w in times]
        assert [again.values(w) for w in reversed(times)] == forward[::-1]
        other_seed = Sensor(device_type, code="x", seed=2, incident_rate=2.0)
        other_code = Sensor(device_type, code="y", seed=1, incident_rate=2.0)
        assert [other_seed.values(w) for w in times] != forward
        assert [other_code.values(w) for w in times] != forward


def test_unknown_type_and_naive_time_are_refused() -> None:
    with pytest.raises(ValueError, match="no value model"):
        Sensor("ParkingSpot", code="p")
    with pytest.raises(ValueError, match="timezone-aware"):
        Sensor("SOSButton", code="s").values(datetime(2026, 3, 2))


def test_site_zones() -> None:
    when = datetime(2026, 3, 2, 4, tzinfo=UTC)
    assert when.astimezone(site_zone("sengkang", 103.9)).hour == 12
    assert when.astimezone(site_zone("baoan", 113.9)).hour == 12
    assert when.astimezone(site_zone(None, -0.1)).hour == 4
