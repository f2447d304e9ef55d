"""The simulated devices' value models: ranges, daily patterns, incident rates, determinism."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linli.twin.sensor_types import INCIDENT_THRESHOLDS, INCIDENT_WEIGHTS, METRICS
from linli.twin.sensors import Sensor

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
        ("WaterQualityObserved", 0.5, timedelta(minutes=5)),
        ("Lift", 1.0, timedelta(minutes=5)),
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
        Sensor("Teleporter", code="p")
    with pytest.raises(ValueError, match="timezone-aware"):
        Sensor("SOSButton", code="s").values(datetime(2026, 3, 2))


def _weekday_mean(device_type: str, metric: str, hour: float, *, days: range = range(5)) -> float:
    sensors = [
        Sensor(device_type, code=f"{device_type}-{i}", incident_rate=0, zone=SHENZHEN)
        for i in range(30)
    ]
    return statistics.mean(s.values(_at_local(d, hour))[metric] for s in sensors for d in days)


def test_parking_bays_fill_at_night_and_empty_on_weekday_mornings() -> None:
    night, late_morning = (
        _weekday_mean("ParkingSpot", "occupied", 2),
        _weekday_mean("ParkingSpot", "occupied", 11),
    )
    weekend_morning = _weekday_mean("ParkingSpot", "occupied", 11, days=range(5, 7))
    assert night > 0.85 and late_morning < 0.6
    assert weekend_morning > late_morning + 0.15


@pytest.mark.parametrize(
    ("device_type", "metric"),
    [("WaterConsumptionObserved", "flow_lpm"), ("EnergyMeter", "power_kw"), ("Lift", "trips")],
)
def test_building_use_peaks_in_the_morning_and_evening(device_type: str, metric: str) -> None:
    night = _weekday_mean(device_type, metric, 3)
    morning, noon = _weekday_mean(device_type, metric, 7.5), _weekday_mean(device_type, metric, 11)
    evening = _weekday_mean(device_type, metric, 19.5)
    assert morning > noon and evening > noon
    assert min(morning, evening) > 1.2 * night


def test_a_seniors_flat_is_busy_by_day_and_quiet_at_night() -> None:
    day = [_weekday_mean("MotionSensor", "motion", h, days=range(7)) for h in (9, 11, 17, 19)]
    night = [_weekday_mean("MotionSensor", "motion", h, days=range(7)) for h in (0.5, 1.5, 4.5)]
    assert min(day) > 3 and max(night) < 0.5
    door_day = [
        _weekday_mean("DoorSensor", "open", h + m / 60) for h in range(9, 20) for m in (7, 37)
    ]
    door_night = [
        _weekday_mean("DoorSensor", "open", h + m / 60) for h in range(0, 6) for m in (7, 37)
    ]
    assert statistics.mean(door_day) > 3 * statistics.mean(door_night)


@pytest.mark.parametrize(
    ("device_type", "counter"),
    [("WaterConsumptionObserved", "volume_m3"), ("EnergyMeter", "energy_kwh")],
)
@pytest.mark.parametrize("rate", [0.0, 3.0])
def test_cumulative_counters_never_decrease(device_type: str, counter: str, rate: float) -> None:
    for code in ("m1", "m2", "m3"):
        sensor = Sensor(device_type, code=code, seed=3, incident_rate=rate, zone=SHENZHEN)
        readings = [sensor.values(w)[counter] for w in _times(timedelta(minutes=5))]
        assert all(b >= a for a, b in itertools.pairwise(readings))
        assert readings[-1] > readings[0]


@pytest.mark.parametrize(
    ("device_type", "rate", "counter", "per_hour"),
    [
        ("WaterConsumptionObserved", "flow_lpm", "volume_m3", 60 / 1000),
        ("EnergyMeter", "power_kw", "energy_kwh", 1.0),
    ],
)
def test_counters_add_up_what_the_rate_shows(
    device_type: str, rate: str, counter: str, per_hour: float
) -> None:
    sensor = Sensor(device_type, code="meter", incident_rate=0, zone=SHENZHEN)
    step = timedelta(minutes=5)
    readings = [sensor.values(w) for w in _times(step)]
    integral = sum(r[rate] for r in readings[:-1]) * per_hour * step.total_seconds() / 3600
    counted = readings[-1][counter] - readings[0][counter]
    assert abs(counted - integral) < 0.03 * counted


def test_a_leak_is_a_steady_extra_flow_day_and_night() -> None:
    dry = Sensor("WaterConsumptionObserved", code="blk-1", incident_rate=0, zone=SHENZHEN)
    leaky = Sensor("WaterConsumptionObserved", code="blk-1", incident_rate=3.0, zone=SHENZHEN)
    leaking = 0
    for when in _times(timedelta(minutes=20)):
        extra = leaky.values(when)["flow_lpm"] - dry.values(when)["flow_lpm"]
        if leaky.incidents.active(when.timestamp()):
            leaking += 1
            assert extra >= 14.9
        else:
            assert extra == 0
    assert leaking > 0


def test_a_power_cut_draws_nothing_and_stops_the_counter_falling_behind() -> None:
    sensor = Sensor("EnergyMeter", code="blk-2", incident_rate=3.0, zone=SHENZHEN)
    calm = Sensor("EnergyMeter", code="blk-2", incident_rate=0, zone=SHENZHEN)
    cuts = 0
    for when in _times(timedelta(minutes=10)):
        values = sensor.values(when)
        if sensor.incidents.active(when.timestamp()):
            cuts += 1
            assert values["power_kw"] == 0
        else:
            assert values["power_kw"] > 0
    assert cuts > 0
    # at local midnight the counter has caught up with what the routine would have drawn
    for day in range(1, 7):
        midnight = _at_local(day, 0)
        assert sensor.values(midnight)["energy_kwh"] == pytest.approx(
            calm.values(midnight)["energy_kwh"], abs=0.2
        )


def test_water_quality_is_stable_until_a_turbid_spell_uses_the_chlorine() -> None:
    quiet = Sensor("WaterQualityObserved", code="res-1", incident_rate=0, zone=SHENZHEN)
    for when in _times(timedelta(minutes=15)):
        v = quiet.values(when)
        assert 6.5 <= v["ph"] <= 8.5 and 0.4 <= v["chlorine"] <= 1.2 and v["turbidity"] < 2
        assert 25 <= v["temperature"] <= 33
    spells = Sensor("WaterQualityObserved", code="res-1", incident_rate=5.0, zone=SHENZHEN)
    turbid = [v for w in _times(timedelta(minutes=5)) if (v := spells.values(w))["turbidity"] > 5]
    assert turbid
    assert all(v["chlorine"] < 0.4 for v in turbid)


def test_a_lift_fault_takes_it_out_of_service() -> None:
    sensor = Sensor("Lift", code="lift-1", incident_rate=1.0, zone=SHENZHEN)
    readings = [sensor.values(w) for w in _times(timedelta(minutes=5))]
    faults = [v for v in readings if v["fault"] == 1]
    assert faults and all(v["in_service"] == 0 and v["trips"] == 0 for v in faults)
    assert all(v["trips"] == int(v["trips"]) for v in readings)
    # plus one hour of planned maintenance a week, out of service without a fault
    serviced = [v for v in readings if v["in_service"] == 0 and v["fault"] == 0]
    assert len(serviced) == 12


@pytest.mark.parametrize(
    ("device_type", "metric", "value"),
    [
        ("DoorSensor", "open", 1.0),
        ("MotionSensor", "motion", 0.0),
    ],
)
def test_home_sensor_incidents_last(device_type: str, metric: str, value: float) -> None:
    sensor = Sensor(device_type, code="flat-1", incident_rate=3.0, zone=SHENZHEN)
    active = 0
    for when in _times(timedelta(minutes=10)):
        if sensor.incidents.active(when.timestamp()):
            active += 1
            assert sensor.values(when)[metric] == value
    assert active > 0
