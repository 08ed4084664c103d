"""Sparsey's arguments are checked before anything is built: each bad value raises a
ParameterError (or InsufficientMemoryError) naming the argument and its allowed range.

Every case below was found by the bad-input conformance suite (tests/conformance/cases_sparsey.py)
and raised a raw TypeError, ValueError, OverflowError or AttributeError, or was accepted.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse import _validation
from neurosparse.errors import InsufficientMemoryError, ParameterError
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.topology import weight_bytes

X = np.random.default_rng(0).random((4, 8, 8)) < 0.2
Y = np.array([0, 1, 0, 1])


def model(**kwargs) -> Sparsey:
    base = {"input_shape": (8, 8), "levels": [LevelSpec((2, 2), 4, MacParams(Q=4, K=4))], "seed": 0}
    return Sparsey(**{**base, **kwargs})


@pytest.mark.parametrize(("call", "match"), [
    (lambda: LevelSpec(None, 4), r"grid must be \(rows, cols\) of macs, two integers in \[1, 65536\]"),
    (lambda: LevelSpec((2, float("nan")), 4), r"grid\[1\] must be an integer in \[1, 65536\]; got nan"),
    (lambda: LevelSpec((1000, 1000), 4), r"grid must hold at most 65536 macs"),
    (lambda: LevelSpec((2, 2), "abc"), r"rf must be an integer in \[1, 65536\]; got 'abc'"),
    (lambda: LevelSpec((2, 2), 4, h_radius=float("inf")), r"h_radius must be an integer in \[-1, 65536\]"),
    (lambda: LevelSpec((2, 2), 4, params=None), r"params must be a MacParams; got NoneType"),
    (lambda: MacParams(Q=np.int64(4), K="8"), r"K must be a finite number in \[1, 65536\]; got '8'"),
])
def test_level_and_mac_parameters_are_checked_at_construction(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_numpy_integers_are_numbers_for_mac_params():
    assert MacParams(Q=np.int64(4), K=np.int32(8)).cells == 32


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"input_shape": None}, r"input_shape must be \(rows, cols\) of pixels"),
    ({"input_shape": (8, float("nan"))}, r"input_shape\[1\] must be an integer"),
    ({"levels": 1.5}, r"levels must be a non-empty sequence of LevelSpec"),
    ({"levels": [LevelSpec((2, 2), 4), "x"]}, r"levels\[1\] is str"),
    ({"frames_per_item": "abc"}, r"frames_per_item must be an integer in \[1, 10000\]"),
    ({"frames_per_item": 1e300}, r"frames_per_item must be an integer in \[1, 10000\]"),  # was accepted
    ({"readout_levels": 1.0}, r"readout_levels must be None or a sequence of level indices"),
    ({"readout_levels": []}, r"readout_levels must name at least one level"),
    ({"readout_levels": [0.5]}, r"readout_levels must be an integer in \[-1, 0\]"),
    ({"progress": "yes"}, r"progress must be True or False"),  # was taken as True
    ({"readout_k": "abc"}, r"readout_k must be an integer in \[1, 2147483648\]"),
    ({"retrieval": None}, r"retrieval must be 'max' or 'sample'"),
])
def test_estimator_arguments_are_checked_when_fitting(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        model(**kwargs).fit(X, Y)
    with pytest.raises(ParameterError, match=match):  # partial_fit builds a fresh model the same way
        model(**kwargs).partial_fit(X, Y)


def test_a_hierarchy_whose_weights_do_not_fit_is_refused_before_building(monkeypatch):
    big = LevelSpec((16, 16), 8, MacParams(Q=4096, K=64))
    assert weight_bytes([big]) == 256 * 64 * 4096 * 64  # macs x RF pixels x cells, one byte each
    monkeypatch.setattr(_validation, "available_memory", lambda: 2**30)
    with pytest.raises(InsufficientMemoryError, match=r"a hierarchy of 1 levels \(grid=\(16, 16\), rf=8, "
                                                      r"h_radius=-1, Q=4096, K=64\) needs about 4\.00"):
        model(levels=[big]).fit(X, Y)


def test_transform_level_and_score_labels_are_checked():
    fitted = model().fit(X, Y)
    assert np.array_equal(fitted.transform(X, 0), fitted.transform(X, -1))
    with pytest.raises(ParameterError, match=r"level must be an integer in \[-1, 0\]"):
        fitted.transform(X, 1.5)
    with pytest.raises(ParameterError, match=r"y must have shape \(4,\), one label per item of X; got \(3"):
        fitted.score(X, Y[:3])  # was a raw broadcasting ValueError
    with pytest.raises(ParameterError, match=r"y must hold integer or string labels"):
        fitted.score(X, np.full(4, np.nan))
