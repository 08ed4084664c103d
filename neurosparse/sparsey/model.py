"""Sparsey (Rinkus 2010, 2014): a hierarchy of macs that stores inputs in one trial as SDRs.

Each frame runs the levels bottom-up. In each level the macs whose number of active U inputs
(pixels at level 1, active macs of the level below above it) lies in their band
[pi_min, pi_max] choose a code with the CSA (:mod:`neurosparse.sparsey.csa`)
from their U input (this frame, the level below), H input (the previous frame, their own level)
and D input (the previous frame, the level above), and, when learning, set the weights from
those active inputs to the winners. Items are images ``(rows, cols)`` presented for
``frames_per_item`` frames, or sequences ``(T, rows, cols)``; H and D are cleared between items.

Estimator contract (scikit-learn style): the constructor stores parameters; ``fit`` /
``partial_fit`` learn in a single pass (no epochs); ``transform`` returns codes; ``predict``
uses a readout (:mod:`neurosparse.sparsey.readout`) trained on the codes of the labelled items.
Cost per frame is fixed by the architecture, not by the number of items stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError
from neurosparse.optrace import LayerCounts, OpTrace
from neurosparse.sdr._rng import draw_key
from neurosparse.sparsey.csa import MODE_MAX, MODE_SAMPLE, learn_projection, projection_sums, select_codes
from neurosparse.sparsey.params import as_labels, check_options
from neurosparse.sparsey.readout import make_readout
from neurosparse.sparsey.topology import (
    LevelSpec,
    ReceptiveFieldWeights,
    check_hierarchy,
    level_index,
    level_projections,
)

__all__ = ["Sparsey"]



class Sparsey:
    """A Sparsey hierarchy with single-trial learning and a classification readout.

    Parameters
    ----------
    input_shape
        (rows, cols) of the binary input frames.
    levels
        One :class:`LevelSpec` per level, bottom first.
    frames_per_item
        Frames an image is presented for (H and D act from the second frame on).
    retrieval
        How codes are chosen when not learning: ``"max"`` (the largest V per CM) or
        ``"sample"`` (the CSA draw, as during learning).
    readout
        ``"class_nodes"`` (Sparsey's own: one class node per label with binary weights from
        the code cells, set in one trial; fixed time), ``"label"`` (class-count weights from
        the code cells, fixed time), ``"knn"`` (nearest stored code by overlap) or
        ``"cosine"`` (nearest by overlap / sqrt(|a||b|)); the last two search every stored
        code, so their cost grows with the number stored.
    readout_levels
        Levels whose codes the readout sees (indices into ``levels``); default: the top level.
    readout_k
        Stored codes that vote in the ``"knn"`` / ``"cosine"`` readouts.
    readout_codes
        Which code of a labelled item the readout stores: ``"learned"`` (the code chosen while
        learning it) or ``"retrieved"`` (its code retrieved after the whole batch is learned,
        chosen the same way as test codes are).
    progress
        Show a tqdm bar over items.
    seed
        int, SeedSequence or Generator for the code draws.

    Attributes
    ----------
    projections_ : list of dict
        Per level, the ``"U"``, ``"H"``, ``"D"`` :class:`ReceptiveFieldWeights` (or None).
    frozen_ : list of ndarray
        Per level, which macs no longer learn.
    optrace_ : OpTrace
        Operation counts of every frame run so far.
    n_items_ : int
        Items learned.
    """

    def __init__(self, input_shape: tuple[int, int], levels: Sequence[LevelSpec], *,
                 frames_per_item: int = 1, retrieval: str = "max", readout: str = "label",
                 readout_levels: Sequence[int] | None = None, progress: bool = False,
                 seed: SeedLike = None, readout_k: int = 1, readout_codes: str = "learned") -> None:
        self.input_shape = input_shape
        self.levels = levels
        self.frames_per_item = frames_per_item
        self.retrieval = retrieval
        self.readout = readout
        self.readout_levels = readout_levels
        self.progress = progress
        self.seed = seed
        self.readout_k = readout_k
        self.readout_codes = readout_codes

    # ----------------------------------------------------------------------------- setup
    def _validate(self) -> None:
        check_options(self.frames_per_item, self.retrieval, self.progress, self.readout_k,
                      self.readout_codes)
        check_hierarchy(self.input_shape, self.levels, self.readout_levels)
        shape = tuple(self.input_shape)
        if len(shape) != 2 or any(int(s) != s or s < 1 for s in shape):
            raise ParameterError(
                f"input_shape must be (rows, cols) of positive integers; got {self.input_shape!r}")
        if not self.levels or not all(isinstance(lv, LevelSpec) for lv in self.levels):
            raise ParameterError("levels must be a non-empty sequence of LevelSpec")
        if int(self.frames_per_item) != self.frames_per_item or self.frames_per_item < 1:
            raise ParameterError(f"frames_per_item must be an integer >= 1; got {self.frames_per_item!r}")
        if self.retrieval not in ("max", "sample"):
            raise ParameterError(f"retrieval must be 'max' or 'sample'; got {self.retrieval!r}")
        if self.readout_codes not in ("learned", "retrieved"):
            raise ParameterError(
                f"readout_codes must be 'learned' or 'retrieved'; got {self.readout_codes!r}")
        for li in self._readout_level_indices():
            if not 0 <= li < len(self.levels):
                raise ParameterError(f"readout_levels must index levels 0..{len(self.levels) - 1}; got {li}")

    def _readout_level_indices(self) -> list[int]:
        if self.readout_levels is None:
            return [len(self.levels) - 1]
        return [int(i) % len(self.levels) if int(i) < 0 else int(i) for i in self.readout_levels]

    def _build(self) -> None:
        self._validate()
        rfs = level_projections(tuple(self.input_shape), list(self.levels))
        self.projections_ = []
        for spec, rf in zip(self.levels, rfs):
            decay = spec.params.decay_window > 0
            self.projections_.append({
                k: None if rf[k] is None else ReceptiveFieldWeights.build(rf[k], spec.params.cells, decay)
                for k in ("U", "H", "D")})
        self.frozen_ = [np.zeros(spec.n_macs, dtype=np.bool_) for spec in self.levels]
        self._n_set = [np.zeros(spec.n_macs, dtype=np.int64) for spec in self.levels]
        rng = as_generator(self.seed)
        self._keys = [draw_key(rng) for _ in self.levels]
        self._step = 0  # frames run (learning or not): indexes the random streams
        self._learn_step = 0  # learning frames only: the clock of weight decay
        self.n_items_ = 0
        self.optrace_ = OpTrace(source="sparsey")
        for li in range(len(self.levels)):
            self.optrace_.add_layer(LayerCounts(name=f"level{li + 1}", kind="population"))
        self.readout_ = make_readout(self.readout, sum(self.levels[i].n_macs * self.levels[i].params.cells
                                                       for i in self._readout_level_indices()),
                                     self.readout_k)

    # ----------------------------------------------------------------------------- running
    def _frames(self, item: np.ndarray) -> np.ndarray:
        shape = tuple(self.input_shape)
        if item.shape == shape:
            return np.broadcast_to(item, (self.frames_per_item,) + shape)
        if item.ndim == 3 and item.shape[1:] == shape:
            return item
        raise ParameterError(f"each item must have shape {shape} (an image) or (T, *{shape}) (a sequence); "
                             f"got {item.shape}")

    def _run_item(self, item: np.ndarray, learn: bool, mode: int) -> tuple[list[np.ndarray], list[float]]:
        levels = self.levels
        prev = [np.zeros(spec.n_macs * spec.params.cells, dtype=np.bool_) for spec in levels]
        familiarity: list[list[float]] = [[] for _ in levels]
        for frame in self._frames(item):
            cur = []
            below = np.ascontiguousarray(frame, dtype=np.bool_).ravel()
            for li in range(len(levels)):
                above_prev = prev[li + 1] if li + 1 < len(levels) else None
                code, g = self._level_step(li, below, prev[li], above_prev, learn, mode)
                familiarity[li].extend(g)
                cur.append(code)
                below = code
            prev = cur
            self._step += 1
            self._learn_step += learn
        g_mean = [float(np.mean(f)) if f else float("nan") for f in familiarity]
        return prev, g_mean

    def _level_step(self, li: int, below: np.ndarray, own_prev: np.ndarray, above_prev: np.ndarray | None,
                    learn: bool, mode: int) -> tuple[np.ndarray, list[float]]:
        spec, p = self.levels[li], self.levels[li].params
        proj = self.projections_[li]
        Q, K, M = p.Q, p.K, spec.n_macs
        U = proj["U"]
        pis = (np.add.reduceat(below[U.rf_idx].astype(np.int64), U.rf_ptr[:-1]) if U.rf_idx.size
               else np.zeros(M))
        if li > 0:  # above level 1 the band counts active macs (each sends exactly Q cells)
            pis = pis // self.levels[li - 1].params.Q
        macs = np.nonzero((pis >= p.pi_min) & (pis <= p.pi_max))[0].astype(np.int64)
        code = np.zeros(M * p.cells, dtype=np.bool_)
        counts = self.optrace_.layers[f"level{li + 1}"]
        if macs.size == 0:
            return code, []
        now = self._learn_step  # retrieval must not age the weights
        sources = [("U", U, below, False), ("H", proj["H"], own_prev, True),
                   ("D", proj["D"], above_prev, False)]
        sums = {}
        for name, pr, act, own in sources:
            if pr is None or act is None:
                sums[name] = (np.zeros((macs.size, p.cells), np.int32), np.zeros(macs.size))
                continue
            sums[name] = projection_sums(act, pr.rf_ptr, pr.rf_idx, pr.w, pr.w_ptr, Q, K, macs, own,
                                         pr.last, pr.uses, now, p.decay_window, p.permanence)
            # one row of Q*K binary weights (1 bit each) read per active input
            counts.synaptic_events += float(sums[name][1].sum()) * p.cells
            counts.weight_bytes_read += float(sums[name][1].sum()) * p.cells / 8.0
        (us, pu), (hs, ph), (ds, pd) = sums["U"], sums["H"], sums["D"]
        winners, g, _ = select_codes(us, pu, hs, ph, ds, pd, Q, K, p.lambda_u, p.lambda_h, p.lambda_d,
                                     p.g_minus, p.chi, p.gamma, p.sigma1, p.sigma2, mode, self._keys[li],
                                     np.int64(self._step) * M, macs)
        counts.neuron_updates += float(macs.size * p.cells)
        counts.spikes += float(macs.size * Q)
        code[(macs[:, None] * p.cells + winners).ravel()] = True
        if learn:
            learners = macs[~self.frozen_[li][macs]]
            if learners.size:
                w_learn = winners[~self.frozen_[li][macs]]
                for name, pr, act, own in sources:
                    if pr is None or act is None:
                        continue
                    n_set = self._n_set[li] if name == "U" else np.zeros(M, dtype=np.int64)
                    learn_projection(act, pr.rf_ptr, pr.rf_idx, pr.w, pr.w_ptr, Q, K, learners, w_learn,
                                     own, pr.last, pr.uses, now, p.decay_window, p.permanence, n_set)
                if p.freeze_fraction < 1.0 and self._below_frozen(li):
                    capacity = U.rf_sizes() * p.cells
                    self.frozen_[li] |= self._n_set[li] >= p.freeze_fraction * capacity
        return code, list(g)

    def _below_frozen(self, li: int) -> bool:
        """Critical periods run bottom-up: a level's macs may freeze only once every mac of the
        level below that has learned anything is frozen (level 1 always may)."""
        if li == 0:
            return True
        learned = self._n_set[li - 1] > 0
        return bool(np.all(self.frozen_[li - 1][learned])) and bool(learned.any())

    def _check_items(self, X: Any) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype != np.bool_:
            if not np.issubdtype(X.dtype, np.number) or not np.all((X == 0) | (X == 1)):
                raise ParameterError("X must be binary (bool or 0/1); binarize first, e.g. with "
                                     "neurosparse.sparsey.preprocess.binarize")
        if X.ndim not in (3, 4):
            raise ParameterError(
                f"X must be (n, rows, cols) images or (n, T, rows, cols) sequences; got {X.shape}")
        return X

    def _iterate(self, X: np.ndarray, desc: str):
        return tqdm(X, desc=desc, disable=not self.progress, leave=False)

    def _readout_code(self, codes: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([codes[i] for i in self._readout_level_indices()])

    # ----------------------------------------------------------------------------- public API
    def fit(self, X: Any, y: Any = None) -> Sparsey:
        """Learn every item of X once (single trial), from scratch; y (optional) trains the readout."""
        self._build()
        return self.partial_fit(X, y)

    def partial_fit(self, X: Any, y: Any = None) -> Sparsey:
        """Learn the items of X once each, on top of what is stored."""
        if not hasattr(self, "projections_"):
            self._build()
        X = self._check_items(X)
        if y is not None:
            y = np.asarray(y)
            if y.shape != (len(X),):
                raise ParameterError(f"y must have shape ({len(X)},); got {y.shape}")
        stored = y is not None and self.readout_codes == "learned"
        for i, item in enumerate(self._iterate(X, "sparsey fit")):
            codes, _ = self._run_item(item, True, MODE_SAMPLE)
            if stored:
                self.readout_.add(self._readout_code(codes), y[i])
            self.n_items_ += 1
        if y is not None and not stored:
            for code, label in zip(self._retrieve(X, None)[0], y):
                self.readout_.add(code, label)
        return self

    def _retrieve(self, X: Any, level: int | None) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "projections_"):
            raise ParameterError("this Sparsey model is not fitted yet; call fit first")
        level = None if level is None else level_index(self.levels, level)
        X = self._check_items(X)
        mode = MODE_MAX if self.retrieval == "max" else MODE_SAMPLE
        out, fam = [], []
        for item in self._iterate(X, "sparsey transform"):
            codes, g = self._run_item(item, False, mode)
            out.append(self._readout_code(codes) if level is None else codes[level])
            fam.append(g)
        return np.array(out, dtype=np.bool_), np.array(fam, dtype=np.float64)

    def transform(self, X: Any, level: int = -1) -> np.ndarray:
        """Codes of the items (last frame) at ``level``: bool array (n, macs * Q * K), no learning."""
        return self._retrieve(X, level)[0]

    def familiarity(self, X: Any) -> np.ndarray:
        """Mean G over the active macs of each level (n, n_levels); NaN where no mac was active."""
        return self._retrieve(X, -1)[1]

    def predict(self, X: Any) -> np.ndarray:
        """Class labels from the readout of the retrieved codes."""
        if not hasattr(self, "readout_") or self.readout_.n_items == 0:
            raise ParameterError("the readout has no labelled items; pass y to fit or partial_fit")
        return self.readout_.predict(self._retrieve(X, None)[0])

    def score(self, X: Any, y: Any) -> float:
        """Classification accuracy on (X, y)."""
        predicted = self.predict(X)
        return float(np.mean(predicted == as_labels(y, len(predicted))))

    def weight_fill(self) -> list[float]:
        """Fraction of each level's bottom-up weights that are set."""
        return [float(n.sum() / max(1, proj["U"].w.size)) for n, proj in zip(self._n_set, self.projections_)]
