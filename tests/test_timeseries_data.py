"""The two time series of course_lib.data: CO2 at Mauna Loa (monthly) and sunspots (yearly)."""

import socket

import numpy as np
import pytest

import course_lib.data as data
from course_lib.data import DataIntegrityError, load_co2, load_dataset, load_sunspots

SPLITS = ("train", "val", "test")


def test_co2_is_526_consecutive_months_with_no_gaps():
    dates, ppm = load_co2()
    assert dates.dtype == np.dtype("datetime64[M]") and ppm.dtype == np.float64
    assert dates.shape == ppm.shape == (526,)
    assert (np.diff(dates) == np.timedelta64(1, "M")).all()
    assert np.isfinite(ppm).all() and 313 < ppm.min() < ppm.max() < 375
    # A rising trend: every year's mean is above the year before's (1959 to 2001 are complete years).
    yearly = ppm[10:].reshape(-1, 12).mean(axis=1)
    assert (np.diff(yearly) > 0).all()


def test_co2_fills_the_empty_months_on_a_straight_line():
    # No weekly value at all in June and October 1958 and February to April 1964: linear interpolation.
    dates, ppm = load_co2()
    for first, last in (("1958-06", "1958-06"), ("1958-10", "1958-10"), ("1964-02", "1964-04")):
        i, j = (int(np.flatnonzero(dates == np.datetime64(m))[0]) for m in (first, last))
        expected = np.interp(np.arange(i, j + 1), [i - 1, j + 1], [ppm[i - 1], ppm[j + 1]])
        np.testing.assert_allclose(ppm[i : j + 1], expected)


@pytest.mark.parametrize(
    "load, sizes, boundaries",
    [
        (load_co2, (382, 72, 72), ("1958-03", "1990-01", "1996-01", "2001-12")),
        (load_sunspots, (249, 30, 30), ("1700", "1949", "1979", "2008")),
    ],
)
def test_splits_are_contiguous_in_time_and_cover_the_series(load, sizes, boundaries):
    dates, values = load()
    parts = [load(split) for split in SPLITS]
    assert tuple(len(d) for d, _ in parts) == sizes
    assert str(parts[0][0][0]) == boundaries[0] and str(parts[1][0][0]) == boundaries[1]
    assert str(parts[2][0][0]) == boundaries[2] and str(parts[2][0][-1]) == boundaries[3]
    np.testing.assert_array_equal(np.concatenate([d for d, _ in parts]), dates)
    np.testing.assert_array_equal(np.concatenate([v for _, v in parts]), values)


def test_sunspots_are_309_years():
    years, spots = load_sunspots()
    assert years.dtype == np.dtype("datetime64[Y]") and years.shape == spots.shape == (309,)
    assert (np.diff(years) == np.timedelta64(1, "Y")).all()
    assert spots.min() >= 0 and 150 < spots.max() < 200


def test_returned_arrays_are_copies():
    _, ppm = load_co2("train")
    ppm[:] = 0
    assert load_co2("train")[1][0] > 300


@pytest.mark.parametrize("load", [load_co2, load_sunspots])
def test_unknown_split_is_refused(load):
    with pytest.raises(ValueError, match="split must be one of"):
        load("validation")


def test_registered_by_name():
    np.testing.assert_array_equal(load_dataset("co2", split="test")[1], load_co2("test")[1])
    np.testing.assert_array_equal(load_dataset("sunspots")[1], load_sunspots()[1])


def test_loads_with_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    data._co2_monthly.cache_clear()
    data._sunspots_yearly.cache_clear()
    assert len(load_co2()[1]) == 526 and len(load_sunspots()[1]) == 309


def test_a_different_series_is_reported(monkeypatch):
    # If statsmodels ever shipped a shorter or damaged series, the loader says so instead of returning it.
    dates, values = data._co2_monthly()
    with pytest.raises(DataIntegrityError, match="CO2 series from statsmodels is not the expected one"):
        data._check_series("CO2", dates[:-12], values[:-12], 526, "1958-03", "2001-12")
    broken = values.copy()
    broken[100] = np.nan
    with pytest.raises(DataIntegrityError, match="all finite"):
        data._check_series("CO2", dates, broken, 526, "1958-03", "2001-12")
