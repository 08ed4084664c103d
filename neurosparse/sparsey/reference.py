"""A plain-NumPy reference of one step of Sparsey's Code Selection Algorithm (CSA).

The same semantics as the Numba kernels of :mod:`neurosparse.sparsey.csa`, written to be read
rather than to be fast: one function per CSA step (Rinkus 2014, Table 1), with its equation.
Tests hold the kernels to it (:func:`reference_sums` = ``projection_sums``,
:func:`reference_select` = ``select_codes``, :func:`reference_learn` = ``learn_projection``),
and the signatures are the kernels', so either can stand in for the other.

Layout (as in :mod:`neurosparse.sparsey.csa`): a level has M macs of Q competitive modules
(CMs) of K binary cells; cell c of mac m is ``m * Q * K + c`` and its CM is ``c // K``. A
projection gives each mac a receptive field (RF) ``rf_idx[rf_ptr[m]:rf_ptr[m + 1]]`` and a
binary weight block ``w[w_ptr[m] + j * Q * K + c]`` from RF entry j to cell c.

The steps, for one active mac:

1. sums (:func:`reference_sums`): :math:`u_i = \\sum_{j \\in RF,\\ x_j = 1} w_{ji}` and
   :math:`\\pi_U = |\\{j \\in RF: x_j = 1\\}|`, likewise h (H: this level's previous code, no
   input from a cell's own CM, :math:`\\pi_H` one input fewer per CM when the mac was active)
   and d (D: the level above's previous code);
2. :func:`local_support`: :math:`V_i = \\prod_{X \\in \\{U, H, D\\}} \\min(x_i / \\pi_X, 1)^{\\lambda_X}`
   over the sources with :math:`\\pi_X > 0` and :math:`\\lambda_X > 0`;
3. :func:`familiarity`: :math:`G = \\frac{1}{Q} \\sum_q \\max_{i \\in q} V_i`;
4. :func:`expansion`: :math:`\\eta = 1 + \\chi K ((G - G^-) / (1 - G^-))^{\\gamma}` if
   :math:`G > G^-`, else 1;
5. :func:`relative_odds`: :math:`\\mu_i = 1 + (\\eta - 1) / (1 + e^{-\\sigma_1 (V_i - \\sigma_2)})`;
6. :func:`draw_winner` (one per CM, :math:`P(i) = \\rho_i = \\mu_i / \\sum_{j \\in q} \\mu_j`,
   by inverting the cumulative sum at ``r * sum(mu)`` with r the CM's uniform number) or, in
   retrieval, :func:`max_winner` (the largest V, ties to the lowest index);
7. learning (:func:`reference_learn`): :math:`w_{ji} \\leftarrow 1` for every active RF input
   j and winner i (binary; with decay, a weight not reinforced within ``window`` steps reads
   as 0 until it has been set ``permanence`` times).

Random numbers: CM q of mac m at a step with ``stream_base = t * M`` draws
``uniform_for(key, (stream_base + m) * Q + q)``.
"""

from __future__ import annotations

import numpy as np

from neurosparse.sparsey.csa import MODE_MAX, MODE_SAMPLE, uniform_for

__all__ = [
    "reference_sums", "reference_select", "reference_learn",
    "effective_weights", "local_support", "familiarity", "expansion", "relative_odds",
    "draw_winner", "max_winner",
]


# ----------------------------------------------------------------------------- step 1: sums
def effective_weights(w: np.ndarray, last: np.ndarray, uses: np.ndarray, now: int, window: int,
                      permanence: int) -> np.ndarray:
    """Which stored weights currently read as 1 (bool, same shape as ``w``).

    Without decay (``window == 0``) every set weight is on. With decay a set weight is on if
    it is permanent (``uses >= permanence``) or was last reinforced at most ``window`` steps
    ago: :math:`w^{eff} = w \\wedge (n \\ge \\text{permanence} \\vee t - t_{last} \\le \\text{window})`.
    """
    on = np.asarray(w) != 0
    if window == 0:
        return on
    return on & ((np.asarray(uses) >= permanence) | (now - np.asarray(last) <= window))


def _own_cm_mask(sources: np.ndarray, mac: int, Q: int, K: int) -> np.ndarray:
    """(len(sources), Q*K) bool: False where source j is a cell of ``mac`` and c is in its CM."""
    QK = Q * K
    keep = np.ones((sources.size, QK), dtype=np.bool_)
    own = np.nonzero(sources // QK == mac)[0]
    own_cm = (sources[own] % QK) // K
    cm_of_cell = np.arange(QK) // K
    keep[own] = cm_of_cell[None, :] != own_cm[:, None]
    return keep


def reference_sums(active, rf_ptr, rf_idx, w, w_ptr, Q, K, macs, exclude_own_cm,
                   last, uses, now, window, permanence) -> tuple[np.ndarray, np.ndarray]:
    """Raw input sums of every cell and the number pi of active inputs, for the listed macs.

    :math:`s_i = \\sum_{j \\in RF_m,\\ x_j = 1} w^{eff}_{ji}` and :math:`\\pi = |\\{j \\in RF_m: x_j = 1\\}|`.
    With ``exclude_own_cm`` (the H source) an input from a cell of the mac itself does not
    reach that cell's CM, and :math:`\\pi_H = \\pi - n_{own} / Q` (one input fewer per CM
    when the mac was active, ``n_own = Q``), so that a cell's largest possible sum is pi_H.

    Returns
    -------
    sums : ndarray of int32, shape (len(macs), Q*K)
    pis : ndarray of float64, shape (len(macs),)
    """
    QK = Q * K
    macs = np.asarray(macs, dtype=np.int64)
    sums = np.zeros((macs.size, QK), dtype=np.int32)
    pis = np.zeros(macs.size, dtype=np.float64)
    on = effective_weights(w, last, uses, now, window, permanence)
    for a, m in enumerate(macs):
        rf = np.asarray(rf_idx[rf_ptr[m]:rf_ptr[m + 1]], dtype=np.int64)
        block = on[w_ptr[m]:w_ptr[m] + rf.size * QK].reshape(rf.size, QK)
        hit = np.asarray(active)[rf]
        rows = block[hit]
        if exclude_own_cm:
            rows = rows & _own_cm_mask(rf[hit], m, Q, K)
        sums[a] = rows.sum(axis=0)
        pi = int(hit.sum())
        n_own = int(np.count_nonzero(rf[hit] // QK == m))
        pis[a] = pi - n_own / Q if exclude_own_cm else pi
    return sums, pis


# ----------------------------------------------------------------------------- steps 2-6
def local_support(sums_and_pis: list[tuple[np.ndarray, float, float]]) -> np.ndarray:
    """V of one mac's cells from its sources, each ``(sums, pi, lambda)``.

    :math:`V_i = \\prod_X \\min(s^X_i / \\pi_X, 1)^{\\lambda_X}`; a source with pi = 0 (absent, e.g.
    H at an item's first frame) or lambda = 0 contributes a factor 1. Sources multiply in
    the order given (U, H, D), as in the kernel.
    """
    v = np.ones(sums_and_pis[0][0].shape, dtype=np.float64)
    for sums, pi, lam in sums_and_pis:
        if pi > 0 and lam > 0:
            v = v * np.minimum(sums / pi, 1.0) ** lam
    return v


def familiarity(v: np.ndarray, Q: int, K: int) -> float:
    """G, the mean over CMs of the largest V in the CM.

    :math:`G = \\frac{1}{Q}\\sum_q \\max_{i \\in q} V_i`
    """
    g = 0.0
    for best in v.reshape(Q, K).max(axis=1):  # summed in CM order, as in the kernel
        g += best
    return g / Q


def expansion(g: float, K: int, g_minus: float, chi: float, gamma: float) -> float:
    """eta, the largest ratio of winning odds, from familiarity G.

    :math:`\\eta = 1 + \\chi K \\left(\\frac{G - G^-}{1 - G^-}\\right)^{\\gamma}` if :math:`G > G^-`,
    else 1 (a novel input: every cell of a CM equally likely).
    """
    if g > g_minus:
        return 1.0 + chi * K * ((g - g_minus) / (1.0 - g_minus)) ** gamma
    return 1.0


def relative_odds(v: np.ndarray, eta: float, sigma1: float, sigma2: float) -> np.ndarray:
    """mu, the relative odds of each cell of a CM.

    :math:`\\mu_i = 1 + \\frac{\\eta - 1}{1 + e^{-\\sigma_1 (V_i - \\sigma_2)}}`
    """
    return 1.0 + (eta - 1.0) / (1.0 + np.exp(-sigma1 * (v - sigma2)))


def draw_winner(mu: np.ndarray, r: float) -> int:
    """The winner (0..K-1) of one CM drawn with probability :math:`\\rho_i = \\mu_i / \\sum_j \\mu_j`.

    ``r`` is the CM's uniform number in [0, 1): the winner is the first k with
    ``r * sum(mu) < cumsum(mu)[k]`` (the last cell if rounding leaves none).
    """
    total = 0.0
    for m in mu:  # summed in cell order, as in the kernel
        total += m
    hits = np.nonzero(r * total < np.cumsum(mu))[0]
    return int(hits[0]) if hits.size else mu.size - 1


def max_winner(v: np.ndarray) -> int:
    """The cell (0..K-1) of one CM with the largest V, ties to the lowest index (retrieval)."""
    return int(np.argmax(v))


def reference_select(u_sums, pi_u, h_sums, pi_h, d_sums, pi_d, Q, K, lambda_u, lambda_h, lambda_d,
                     g_minus, chi, gamma, sigma1, sigma2, mode, key, stream_base, macs
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Winners (len(macs), Q) int32 (cell index within the mac), G and eta per mac.

    Runs :func:`local_support`, :func:`familiarity`, :func:`expansion` and, per CM, either
    :func:`relative_odds` and :func:`draw_winner` (``mode == MODE_SAMPLE``; CM q of mac m
    draws ``uniform_for(key, (stream_base + m) * Q + q)``) or :func:`max_winner`
    (``mode == MODE_MAX``).
    """
    if mode not in (MODE_SAMPLE, MODE_MAX):
        raise ValueError(f"mode must be MODE_SAMPLE ({MODE_SAMPLE}) or MODE_MAX ({MODE_MAX}); got {mode}")
    macs = np.asarray(macs, dtype=np.int64)
    n = macs.size
    winners = np.empty((n, Q), dtype=np.int32)
    g_out = np.empty(n, dtype=np.float64)
    eta_out = np.empty(n, dtype=np.float64)
    for a in range(n):
        v = local_support([(u_sums[a], pi_u[a], lambda_u), (h_sums[a], pi_h[a], lambda_h),
                           (d_sums[a], pi_d[a], lambda_d)])
        g = familiarity(v, Q, K)
        eta = expansion(g, K, g_minus, chi, gamma)
        g_out[a], eta_out[a] = g, eta
        for q in range(Q):
            v_cm = v[q * K:(q + 1) * K]
            if mode == MODE_MAX:
                k = max_winner(v_cm)
            else:
                r = uniform_for(key, np.int64((stream_base + macs[a]) * Q + q))
                k = draw_winner(relative_odds(v_cm, eta, sigma1, sigma2), r)
            winners[a, q] = q * K + k
    return winners, g_out, eta_out


# ----------------------------------------------------------------------------- step 7: learning
def reference_learn(active, rf_ptr, rf_idx, w, w_ptr, Q, K, macs, winners, exclude_own_cm,
                    last, uses, now, window, permanence, n_set) -> None:
    """Single-trial learning, in place: :math:`w_{ji} \\leftarrow 1` for active RF input j, winner i.

    With ``exclude_own_cm`` (H) no weight from a mac's own cell to its own CM is set. With
    decay (``window > 0``) each touched weight's reinforcement count restarts at 0 if it had
    decayed (not permanent and last set more than ``window`` steps ago), then
    ``last = now`` and ``uses += 1`` (saturating at 255). ``n_set[m]`` counts the weights of
    mac m switched from 0 to 1 (for the freezing rule).
    """
    QK = Q * K
    for a, m in enumerate(np.asarray(macs, dtype=np.int64)):
        rf = np.asarray(rf_idx[rf_ptr[m]:rf_ptr[m + 1]], dtype=np.int64)
        j_active = np.nonzero(np.asarray(active)[rf])[0]
        cells = np.asarray(winners[a], dtype=np.int64)
        keep = np.ones((j_active.size, Q), dtype=np.bool_)
        if exclude_own_cm:
            keep = _own_cm_mask(rf[j_active], m, Q, K)[:, cells]
        flat = (w_ptr[m] + j_active[:, None] * QK + cells[None, :])[keep]
        n_set[m] += int(np.count_nonzero(w[flat] == 0))
        w[flat] = 1
        if window > 0:
            decayed = (uses[flat] < permanence) & (now - last[flat] > window)
            uses[flat] = np.where(decayed, 0, uses[flat])
            last[flat] = now
            uses[flat] = np.minimum(uses[flat].astype(np.int64) + 1, 255).astype(uses.dtype)
