"""Receptive fields of a Sparsey hierarchy: macs on a grid per level, tiling the level below.

Level 1's macs tile the input image with square, overlapping pixel patches; the macs of level
l > 1 tile the grid of level l-1 with square blocks of macs (their RF is every cell of those
macs). H: a mac's horizontal RF is every cell of the macs within ``h_radius`` (Chebyshev
distance) on its own grid, itself included. D: a mac's top-down RF is every cell of the macs
of the level above whose bottom-up RF contains it. Each RF is a CSR pair (ptr, idx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosparse.errors import ParameterError
from neurosparse.sparsey.params import MacParams

__all__ = ["LevelSpec", "ReceptiveFieldWeights", "level_projections", "tile_starts"]


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
        if len(self.grid) != 2 or any(int(g) != g or g < 1 for g in self.grid):
            raise ParameterError(f"grid must be (rows, cols) of positive integers; got {self.grid!r}")
        if int(self.rf) != self.rf or self.rf < 1:
            raise ParameterError(f"rf must be a positive integer; got {self.rf!r}")
        if int(self.h_radius) != self.h_radius or self.h_radius < -1:
            raise ParameterError(f"h_radius must be an integer >= -1; got {self.h_radius!r}")

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
