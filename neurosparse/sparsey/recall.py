"""Sequence recall through Sparsey's horizontal (H) weights.

After a sequence is stored, its first frame reactivates the first code; from then on, with no
bottom-up input, each mac's next code is the cell with the largest H input in each CM (the
CSA in retrieval mode with V = H^lambda_H): the chain of H weights learned from each code to the
next replays the stored codes. Single-level models (the H chain of one level).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurosparse.errors import ParameterError
from neurosparse.sparsey.csa import MODE_MAX, projection_sums, select_codes

__all__ = ["recall_sequence"]


def recall_sequence(model: Any, first_frame: Any, n_frames: int) -> np.ndarray:
    """Codes (n_frames, macs * Q * K) replayed from ``first_frame`` by the H weights alone.

    Parameters
    ----------
    model
        A fitted single-level :class:`~neurosparse.sparsey.Sparsey` whose level has H input
        (``h_radius >= 0``).
    first_frame
        The sequence's first frame, shape ``input_shape``.
    n_frames
        Frames to produce, the first included.
    """
    if not hasattr(model, "projections_"):
        raise ParameterError("model is not fitted yet; call fit first")
    if len(model.levels) != 1 or model.projections_[0]["H"] is None:
        raise ParameterError("recall_sequence needs a single-level model with h_radius >= 0")
    if int(n_frames) != n_frames or n_frames < 1:
        raise ParameterError(f"n_frames must be an integer >= 1; got {n_frames!r}")
    spec = model.levels[0]
    p, H = spec.params, model.projections_[0]["H"]
    first = np.asarray(first_frame, dtype=np.bool_)[None]
    codes = [model.transform(first)[0]]
    for _ in range(1, int(n_frames)):
        prev = codes[-1]
        macs = np.nonzero(prev.reshape(spec.n_macs, p.cells).any(axis=1))[0].astype(np.int64)
        nxt = np.zeros_like(prev)
        if macs.size:
            h, pi_h = projection_sums(
                prev,
                H.rf_ptr,
                H.rf_idx,
                H.w,
                H.w_ptr,
                p.Q,
                p.K,
                macs,
                True,
                H.last,
                H.uses,
                model._learn_step,
                p.decay_window,
                p.permanence,
            )
            zeros = np.zeros((macs.size, p.cells), np.int32)
            none = np.zeros(macs.size)
            winners, _, _ = select_codes(
                zeros,
                none,
                h,
                pi_h,
                zeros,
                none,
                p.Q,
                p.K,
                1.0,
                1.0,
                1.0,
                p.g_minus,
                p.chi,
                p.gamma,
                p.sigma1,
                p.sigma2,
                MODE_MAX,
                model._keys[0],
                np.int64(0),
                macs,
            )
            nxt[(macs[:, None] * p.cells + winners).ravel()] = True
        codes.append(nxt)
    return np.array(codes, dtype=np.bool_)
