"""The Code Selection Algorithm (CSA) of Sparsey as Numba kernels over all macs of a level.

A level of M macs has M * Q * K binary cells (cell c of mac m is ``m * Q * K + c``, and c's
CM is ``c // K``). Each afferent source (U: the level below at this step; H: this level at the
previous step; D: the level above at the previous step) is a *projection*: for mac m, its
receptive field ``rf_idx[rf_ptr[m]:rf_ptr[m + 1]]`` (indices into the source's cells or
pixels) and a binary weight block ``w[w_ptr[m] + j * QK + c]`` from RF entry j to cell c.

One step of a level (Rinkus 2014, Table 1; the equations are in
:mod:`neurosparse.sparsey.params`):

1. :func:`projection_sums`: raw sums u, h, d of each cell over the active inputs in its RF
   and the number pi of active inputs; cost O(sum over macs of |RF| + pi * Q * K), whatever
   the number of items stored (the weights are a fixed-size array, not a list of memories);
2. :func:`select_codes`: normalize, V, G, eta, mu, and one winner per CM (drawn, or the
   largest V in retrieval mode);
3. :func:`learn_projection`: single-trial learning, every weight from an active input to a
   winner set to 1 (binary, set once; optional decay unless reinforced).

For H, a cell takes no input from its own CM (those weights are never set) and pi_H counts
one input fewer per CM when the mac itself was active.

Random numbers: the winner of CM q of mac m at step t uses the counter-based stream
(key, (t * M + m) * Q + q) of :mod:`neurosparse.sdr._rng`, so codes depend on the seed only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neurosparse.sdr._rng import mix64, stream_start

__all__ = ["projection_sums", "select_codes", "learn_projection", "uniform_for", "MODE_SAMPLE", "MODE_MAX"]

MODE_SAMPLE = 0
MODE_MAX = 1
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _uniform(key, index):  # pragma: no cover - compiled
    """One uniform float in [0, 1) for stream ``index`` under ``key``."""
    u = mix64(stream_start(key, index) + np.uint64(0x9E3779B97F4A7C15))
    return np.float64(u >> np.uint64(11)) * _INV53


@njit(cache=True)
def uniform_for(key, index):  # pragma: no cover - compiled
    """The uniform number the CSA draws for stream ``index`` (for reference implementations)."""
    return _uniform(key, index)


@njit(cache=True, inline="always")
def _weight_on(w, last, uses, k, now, window, permanence):  # pragma: no cover - compiled
    if w[k] == 0:
        return False
    if window == 0 or uses[k] >= permanence:
        return True
    return now - last[k] <= window


@njit(cache=True)
def projection_sums(active, rf_ptr, rf_idx, w, w_ptr, Q, K, macs, exclude_own_cm,
                    last, uses, now, window, permanence):  # pragma: no cover - compiled
    """Raw sums (len(macs), Q*K) int32 and effective pi (len(macs),) float64 for the listed macs.

    ``active`` is a bool array over the source's cells; ``macs`` the indices of the macs to
    compute. With ``exclude_own_cm`` (H), inputs from the mac's own cells do not reach their
    own CM and pi loses one input per CM when the mac was active.
    """
    QK = Q * K
    sums = np.zeros((macs.shape[0], QK), dtype=np.int32)
    pis = np.zeros(macs.shape[0], dtype=np.float64)
    for a in range(macs.shape[0]):
        m = macs[a]
        base = w_ptr[m]
        pi = 0
        own = 0
        for j in range(rf_ptr[m + 1] - rf_ptr[m]):
            src = rf_idx[rf_ptr[m] + j]
            if not active[src]:
                continue
            pi += 1
            skip_cm = -1
            if exclude_own_cm and src // QK == m:
                own += 1
                skip_cm = (src % QK) // K
            row = base + j * QK
            if window == 0 and skip_cm < 0:
                # permanent binary weights: add them without a branch, whose misprediction
                # would make the cost grow as the weights fill (about 1.5x at half full)
                for c in range(QK):
                    sums[a, c] += w[row + c]
                continue
            for c in range(QK):
                if c // K != skip_cm and _weight_on(w, last, uses, row + c, now, window, permanence):
                    sums[a, c] += 1
        pis[a] = pi - own / Q if exclude_own_cm else pi
    return sums, pis


@njit(cache=True)
def select_codes(u_sums, pi_u, h_sums, pi_h, d_sums, pi_d, Q, K, lambda_u, lambda_h, lambda_d,
                 g_minus, chi, gamma, sigma1, sigma2, mode, key, stream_base, macs):  # pragma: no cover
    """Winners (len(macs), Q) int32 (cell index within the mac), G and eta per mac.

    A source with pi = 0 (absent, e.g. H at the first step) leaves V unchanged (factor 1).
    ``stream_base`` is ``t * M`` for the level's step t; CM q of mac m draws stream
    ``(stream_base + m) * Q + q``.
    """
    n = macs.shape[0]
    QK = Q * K
    winners = np.empty((n, Q), dtype=np.int32)
    g_out = np.empty(n, dtype=np.float64)
    eta_out = np.empty(n, dtype=np.float64)
    v = np.empty(QK, dtype=np.float64)
    mu = np.empty(K, dtype=np.float64)
    for a in range(n):
        for c in range(QK):
            x = 1.0
            if pi_u[a] > 0 and lambda_u > 0:
                x *= (min(u_sums[a, c] / pi_u[a], 1.0)) ** lambda_u
            if pi_h[a] > 0 and lambda_h > 0:
                x *= (min(h_sums[a, c] / pi_h[a], 1.0)) ** lambda_h
            if pi_d[a] > 0 and lambda_d > 0:
                x *= (min(d_sums[a, c] / pi_d[a], 1.0)) ** lambda_d
            v[c] = x
        g = 0.0
        for q in range(Q):
            best = 0.0
            for k in range(K):
                best = max(best, v[q * K + k])
            g += best
        g /= Q
        eta = 1.0
        if g > g_minus:
            eta = 1.0 + chi * K * ((g - g_minus) / (1.0 - g_minus)) ** gamma
        g_out[a] = g
        eta_out[a] = eta
        for q in range(Q):
            if mode == MODE_MAX:
                best_k = 0
                for k in range(1, K):
                    if v[q * K + k] > v[q * K + best_k]:
                        best_k = k
                winners[a, q] = q * K + best_k
                continue
            total = 0.0
            for k in range(K):
                mu[k] = 1.0 + (eta - 1.0) / (1.0 + np.exp(-sigma1 * (v[q * K + k] - sigma2)))
                total += mu[k]
            r = _uniform(key, (stream_base + macs[a]) * Q + q) * total
            pick = K - 1
            acc = 0.0
            for k in range(K):
                acc += mu[k]
                if r < acc:
                    pick = k
                    break
            winners[a, q] = q * K + pick
    return winners, g_out, eta_out


@njit(cache=True)
def learn_projection(active, rf_ptr, rf_idx, w, w_ptr, Q, K, macs, winners, exclude_own_cm,
                     last, uses, now, window, permanence, n_set):  # pragma: no cover - compiled
    """Set to 1 every weight from an active RF input to a winner of each listed mac.

    With decay (``window > 0``) also stamps the step and counts the reinforcement. ``n_set``
    (per mac) counts weights switched from 0 to 1, for the freezing rule.
    """
    QK = Q * K
    for a in range(macs.shape[0]):
        m = macs[a]
        base = w_ptr[m]
        for j in range(rf_ptr[m + 1] - rf_ptr[m]):
            src = rf_idx[rf_ptr[m] + j]
            if not active[src]:
                continue
            skip_cm = (src % QK) // K if exclude_own_cm and src // QK == m else -1
            row = base + j * QK
            for q in range(Q):
                if q == skip_cm:
                    continue
                k = row + winners[a, q]
                n_set[m] += 1 - w[k]  # weights are 0 or 1; no branch
                w[k] = 1
                if window > 0:
                    if uses[k] < permanence and now - last[k] > window:
                        uses[k] = 0  # it had decayed: this is a first setting again
                    last[k] = now
                    if uses[k] < 255:
                        uses[k] += 1
