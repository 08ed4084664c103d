"""Receptive fields of a Sparsey hierarchy: macs on a grid per level, tiling the level below.

Level 1's macs tile the input image with square, overlapping pixel patches; the macs of level
l > 1 tile the grid of level l-1 with square blocks of macs (their RF is every cell of those
macs). H: a mac's horizontal RF is every cell of the macs within ``h_radius`` (Chebyshev
distance) on its own grid, itself included. D: a mac's top-down RF is every cell of the macs
of the level above whose bottom-up RF contains it. Each RF is a CSR pair (ptr, idx).

:func:`check_hierarchy` checks an input shape and its levels before anything is built, the
binary weights included (:func:`weight_bytes`, against the free memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurosparse._validation import check_memory
from neurosparse.errors import ParameterError
from neurosparse.sparsey.params import MacParams, as_int_in

__all__ = ["MAX_MACS", "MAX_SIDE", "LevelSpec", "ReceptiveFieldWeights", "check_hierarchy", "level_index",
           "level_projections", "tile_starts", "weight_bytes"]

#: Most macs of one level: receptive fields are built in Python, one mac at a time.
MAX_MACS = 2**16
#: Largest side of an input image or receptive field, in pixels or macs.
MAX_SIDE = 2**16


@dataclass(frozen=True)
class LevelSpec:
    """One level of macs.

    Parameters
    ----------
    grid
        (rows, cols) of macs.
    rf
        Side of the square bottom-up RF: pixels for level 1, macs of the level below otherwise.
    params
        The macs' CSA and learning parameters (:class:`MacParams`).
    h_radius
        Horizontal RF radius in macs (-1: no H input; 0: the mac's own previous code only).
    """

    grid: tuple[int, int]
    rf: int
    params: MacParams = MacParams()
    h_radius: int = -1

    def __post_init__(self) -> None:
        grid = _pair("grid", self.grid, "(rows, cols) of macs")
        if grid[0] * grid[1] > MAX_MACS:
            raise ParameterError(f"grid must hold at most {MAX_MACS} macs (receptive fields are built in "
                                 f"Python, one mac at a time); got {grid}: {grid[0] * grid[1]} macs")
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "rf", as_int_in("rf", self.rf, 1, MAX_SIDE))
        object.__setattr__(self, "h_radius", as_int_in("h_radius", self.h_radius, -1, MAX_SIDE,
                                                       "-1: no horizontal input"))
        if not isinstance(self.params, MacParams):
            raise ParameterError(f"params must be a MacParams; got {type(self.params).__name__} "
                                 f"{self.params!r:.60}")

    @property
    def n_macs(self) -> int:
        return int(self.grid[0] * self.grid[1])


@dataclass
class ReceptiveFieldWeights:
    """A source's receptive fields and binary weights into one level (CSR RFs, flat weights)."""

    rf_ptr: np.ndarray
    rf_idx: np.ndarray
    w_ptr: np.ndarray
    w: np.ndarray
    last: np.ndarray
    uses: np.ndarray

    @classmethod
    def build(cls, rfs: list[np.ndarray], cells: int, decay: bool) -> ReceptiveFieldWeights:
        sizes = np.array([len(r) for r in rfs], dtype=np.int64)
        rf_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        rf_idx = np.concatenate(rfs).astype(np.int64) if rfs else np.zeros(0, np.int64)
        w_ptr = (rf_ptr[:-1] * cells).astype(np.int64)
        total = int(rf_ptr[-1]) * cells
        w = np.zeros(total, dtype=np.uint8)
        last = np.zeros(total if decay else 1, dtype=np.int64)
        uses = np.zeros(total if decay else 1, dtype=np.uint8)
        return cls(rf_ptr, rf_idx, w_ptr, w, last, uses)

    def rf_sizes(self) -> np.ndarray:
        return np.diff(self.rf_ptr)


def _pair(name: str, value: Any, what: str) -> tuple[int, int]:
    """Two integers in ``[1, MAX_SIDE]``: a grid or an image shape."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ParameterError(f"{name} must be {what}, two integers in [1, {MAX_SIDE}]; got {value!r}")
    items = list(value)
    if len(items) != 2:
        raise ParameterError(f"{name} must be {what}, two integers in [1, {MAX_SIDE}]; got {value!r}")
    return tuple(as_int_in(f"{name}[{i}]", v, 1, MAX_SIDE) for i, v in enumerate(items))


def check_hierarchy(input_shape: Any, levels: Any,
                    readout_levels: Any = None) -> tuple[tuple[int, int], list[int]]:
    """Check a hierarchy before it is built: ``input_shape`` (rows, cols), ``levels`` a non-empty
    sequence of :class:`LevelSpec` whose weights fit in memory, and ``readout_levels`` (None or
    indices into levels, negative from the top). Returns the shape and the readout levels."""
    shape = _pair("input_shape", input_shape, "(rows, cols) of pixels")
    if isinstance(levels, (str, bytes, LevelSpec)) or not isinstance(levels, Sequence) or not levels:
        raise ParameterError(f"levels must be a non-empty sequence of LevelSpec; got {levels!r:.80}")
    bad = [k for k, lv in enumerate(levels) if not isinstance(lv, LevelSpec)]
    if bad:
        raise ParameterError(f"levels must be a non-empty sequence of LevelSpec; levels[{bad[0]}] is "
                             f"{type(levels[bad[0]]).__name__}")
    if readout_levels is None:
        readout = [len(levels) - 1]
    elif isinstance(readout_levels, (str, bytes)) or not isinstance(readout_levels, Iterable):
        raise ParameterError(f"readout_levels must be None or a sequence of level indices; got "
                             f"{readout_levels!r}")
    else:
        readout = [level_index(levels, li, "readout_levels") for li in readout_levels]
        if not readout:
            raise ParameterError("readout_levels must name at least one level (or be None: the top level)")
    nbytes = weight_bytes(levels)
    check_memory(nbytes, f"a hierarchy of {len(levels)} levels ({', '.join(_describe(lv) for lv in levels)})",
                 "its binary weights take (RF cells) x Q K per mac; use fewer or smaller macs")
    return shape, readout


def level_index(levels: Sequence[LevelSpec], level: Any, name: str = "level") -> int:
    """``level`` as an index into ``levels`` (``-len(levels) <= level < len(levels)``, negative
    from the top), returned in ``[0, len(levels))``."""
    top = len(levels) - 1
    index = as_int_in(name, level, -len(levels), top, f"an index into the {len(levels)} levels")
    return index % len(levels)


def weight_bytes(levels: Sequence[LevelSpec]) -> int:
    """Bytes of the binary weights (and their decay state) of ``levels``: per mac its U RF, H
    RF and D RF cells times its Q K cells."""
    total = 0
    for li, spec in enumerate(levels):
        p = spec.params
        per_weight = 10 if p.decay_window > 0 else 1  # a byte, with decay a step and a use count too
        below = 1 if li == 0 else levels[li - 1].params.cells
        u = spec.rf**2 * below
        h = (2 * spec.h_radius + 1) ** 2 * p.cells if spec.h_radius >= 0 else 0
        d = 0
        if li + 1 < len(levels):  # a mac of the level above covers rf**2 of these macs
            up = levels[li + 1]
            d = up.n_macs * up.rf**2 * up.params.cells / max(spec.n_macs, 1)
        total += int(spec.n_macs * (u + h + d) * p.cells * per_weight)
    return total


def _describe(spec: LevelSpec) -> str:
    return f"grid={spec.grid}, rf={spec.rf}, h_radius={spec.h_radius}, Q={spec.params.Q}, K={spec.params.K}"


def tile_starts(extent: int, rf: int, count: int) -> np.ndarray:
    """Start offsets of ``count`` windows of side ``rf`` spread evenly over ``extent``."""
    if rf > extent:
        raise ParameterError(f"rf={rf} exceeds the extent {extent} it must tile")
    if count == 1:
        return np.array([(extent - rf) // 2])
    return np.round(np.arange(count) * (extent - rf) / (count - 1)).astype(np.int64)


def _mac_cells(mac: int, cells: int) -> np.ndarray:
    return np.arange(mac * cells, (mac + 1) * cells, dtype=np.int64)


def level_projections(input_shape: tuple[int, int], levels: list[LevelSpec]) -> list[dict[str, list]]:
    """Receptive fields of every level: a list of ``{"U": rfs, "H": rfs or None, "D": rfs or None}``.

    Each ``rfs`` is a list (one per mac) of int64 index arrays into the source: pixels
    (row-major) for level 1's U, cells of the level below for U above, the level's own cells
    for H and the level above's cells for D.
    """
    if not levels:
        raise ParameterError("levels must hold at least one LevelSpec")
    out: list[dict[str, list]] = []
    below_grid = None
    for li, spec in enumerate(levels):
        rows, cols = spec.grid
        if li == 0:
            height, width = input_shape
            r0 = tile_starts(height, spec.rf, rows)
            c0 = tile_starts(width, spec.rf, cols)
            patch = (np.arange(spec.rf)[:, None] * width + np.arange(spec.rf)[None, :]).ravel()
            u = [(r * width + c) + patch for r in r0 for c in c0]
        else:
            brows, bcols = below_grid
            cells_below = levels[li - 1].params.cells
            r0 = tile_starts(brows, spec.rf, rows)
            c0 = tile_starts(bcols, spec.rf, cols)
            u = [np.concatenate([_mac_cells((r + i) * bcols + (c + j), cells_below)
                                 for i in range(spec.rf) for j in range(spec.rf)])
                 for r in r0 for c in c0]
        h = None
        if spec.h_radius >= 0:
            cells = spec.params.cells
            h = []
            for r in range(rows):
                for c in range(cols):
                    rad = spec.h_radius
                    near = [rr * cols + cc for rr in range(max(0, r - rad), min(rows, r + rad + 1))
                            for cc in range(max(0, c - rad), min(cols, c + rad + 1))]
                    h.append(np.concatenate([_mac_cells(mm, cells) for mm in near]))
        out.append({"U": u, "H": h, "D": None, "u_blocks": (r0, c0)})
        below_grid = spec.grid
    # D: cells of the upper macs whose U RF covers the mac
    for li in range(len(levels) - 1):
        upper = levels[li + 1]
        r0, c0 = out[li + 1]["u_blocks"]
        rows, cols = levels[li].grid
        parents: list[list[int]] = [[] for _ in range(rows * cols)]
        for ui, (r, c) in enumerate((r, c) for r in r0 for c in c0):
            for i in range(upper.rf):
                for j in range(upper.rf):
                    parents[(r + i) * cols + (c + j)].append(ui)
        out[li]["D"] = [np.concatenate([_mac_cells(p, upper.params.cells) for p in ps]) if ps
                        else np.zeros(0, np.int64) for ps in parents]
    for d in out:
        d.pop("u_blocks")
    return out
