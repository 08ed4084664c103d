"""Bad-input cases of :mod:`neurosparse.sparsey`: MacParams, LevelSpec, the Sparsey estimator's
constructor and its fit, partial_fit, predict, transform, familiarity and score, on tiny data
(six 8 x 8 binary images, one level of 2 x 2 macs).

Each use checks what Sparsey guarantees: every active mac's code has exactly one winner in
each of its Q competitive modules, familiarities lie in [0, 1] (NaN only where no mac was
active), and predictions are labels seen in training.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from bad_input_cases import Target, base_outcomes, expect, function_target

from neurosparse.sparsey import LevelSpec, MacParams, Sparsey

PACKAGE = "sparsey"
SHAPE = (8, 8)
PARAMS = MacParams(Q=4, K=4)
EXAMPLES = 15


def _images(seed: int = 0, count: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((count, *SHAPE)) < 0.2


X = _images()
Y = np.array([0, 1, 2, 0, 1, 2])


def _level(params: MacParams = PARAMS) -> LevelSpec:
    return LevelSpec(grid=(2, 2), rf=4, params=params)


def _model(**kwargs) -> Sparsey:
    base = {"input_shape": SHAPE, "levels": [_level()], "seed": 0}
    return Sparsey(**{**base, **kwargs})


def _check_codes(model: Sparsey, codes: np.ndarray, level: int = -1) -> np.ndarray:
    spec = model.levels[level]
    p = spec.params
    codes = np.asarray(codes)
    expect(codes.dtype == np.bool_ and codes.shape == (len(codes), spec.n_macs * p.cells), "bool codes")
    per_cm = codes.reshape(len(codes), spec.n_macs, p.Q, p.K).sum(axis=3)
    active = per_cm.sum(axis=2) > 0
    expect(bool(np.all(per_cm[active] == 1)), "one winner per CM in every active mac")
    return codes.astype(np.float64).ravel()


def _check_fitted(model: Sparsey, kw=None) -> np.ndarray:
    """Fitted on X, Y: codes, familiarities and predictions are well formed."""
    codes = _check_codes(model, model.transform(X))
    g = model.familiarity(X)
    expect(bool(np.all(np.isnan(g) | ((g >= 0) & (g <= 1)))), "familiarity in [0, 1]")
    if model.readout_.n_items:
        predicted = set(np.asarray(model.predict(X)).tolist())
        expect(predicted <= set(Y.tolist()), "predicted labels are labels of Y")
    return codes


def _fit_params(params) -> Sparsey:
    return _model(levels=[_level(params)]).fit(X, Y)


def _mac_params(parameter, value) -> Sparsey:
    return _fit_params(MacParams(**{"Q": 4, "K": 4, parameter: value}))


def _level_spec(parameter, value) -> Sparsey:
    base = {"grid": (2, 2), "rf": 4, "params": PARAMS, "h_radius": -1}
    return _model(levels=[LevelSpec(**{**base, parameter: value})]).fit(X, Y)


def _fitted() -> Sparsey:
    return _model().fit(X, Y)


def _level_of(level) -> int:
    """The level transform(X, level) returned: None is the readout's (here the top level)."""
    return -1 if level is None else int(level)


def _check_predicted(labels, kw) -> np.ndarray:
    labels = np.asarray(labels)
    expect(labels.shape == (len(kw["X"]),) and set(labels.tolist()) <= set(Y.tolist()),
           "one label of Y per item")
    return labels.astype(np.float64)


def _check_familiarity(g, kw) -> np.ndarray:
    g = np.asarray(g)
    expect(g.shape == (len(kw["X"]), 1) and bool(np.all(np.isnan(g) | ((g >= 0) & (g <= 1)))),
           "familiarity in [0, 1] per item and level")
    return np.nan_to_num(g)


def _check_score(score, kw) -> np.ndarray:
    expect(isinstance(score, float) and 0.0 <= score <= 1.0, "an accuracy in [0, 1]")
    return np.array([score])


def targets() -> list[Target]:
    """MacParams and LevelSpec (used in a fitted model) and the Sparsey estimator's calls."""
    model = _fitted()
    mac_fields = tuple(f.name for f in dataclasses.fields(MacParams))
    base_model = {"input_shape": SHAPE, "levels": [_level()], "frames_per_item": 1, "retrieval": "max",
                  "readout": "label", "readout_levels": None, "progress": False, "seed": 0,
                  "readout_k": 1, "readout_codes": "learned"}
    return [
        Target("MacParams", mac_fields, _mac_params, _check_fitted, 2 * EXAMPLES,
               base={f.name: getattr(PARAMS, f.name) for f in dataclasses.fields(MacParams)}),
        Target("LevelSpec", ("grid", "rf", "params", "h_radius"), _level_spec, _check_fitted, EXAMPLES,
               base={"grid": (2, 2), "rf": 4, "params": PARAMS, "h_radius": -1}),
        function_target("Sparsey", lambda **kw: Sparsey(**kw).fit(X, Y), base_model, _check_fitted, EXAMPLES),
        function_target("Sparsey.fit", lambda X, y: _model().fit(X, y), {"X": X, "y": Y},
                        lambda m, kw: _check_codes(m, m.transform(X)), EXAMPLES),
        function_target("Sparsey.partial_fit", lambda X, y: _fitted().partial_fit(X, y), {"X": X, "y": Y},
                        lambda m, kw: _check_codes(m, m.transform(X)), EXAMPLES),
        function_target("Sparsey.predict", lambda X: model.predict(X), {"X": X}, _check_predicted, EXAMPLES),
        function_target("Sparsey.transform", lambda X, level: model.transform(X, level),
                        {"X": X, "level": -1},
                        lambda codes, kw: _check_codes(model, codes, _level_of(kw["level"])), EXAMPLES),
        function_target("Sparsey.familiarity", lambda X: model.familiarity(X), {"X": X}, _check_familiarity,
                        EXAMPLES),
        function_target("Sparsey.score", lambda X, y: model.score(X, y), {"X": X, "y": Y}, _check_score,
                        EXAMPLES),
    ]


def warm_up() -> None:
    """Compile (or load) the CSA kernels: every target with its base arguments."""
    base_outcomes(targets())
