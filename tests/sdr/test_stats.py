"""Properties of SDRStats."""

import numpy as np
import pytest

from neurosparse.errors import ParameterError
from neurosparse.sdr import SDR, SDRStats


def test_sparsity_and_consecutive_overlap_exact():
    st = SDRStats(10)
    st.add(SDR([0, 1, 2, 3], 10)).add(SDR([2, 3, 4], 10)).add(SDR([4], 10))
    s = st.summary()
    assert s["sparsity_min"] == 0.1 and s["sparsity_max"] == 0.4
    assert s["sparsity_mean"] == pytest.approx((0.4 + 0.3 + 0.1) / 3)
    assert st.overlaps == [0.5, pytest.approx(1 / 3)]
    assert st.activation_frequency[4] == pytest.approx(2 / 3)


def test_entropy_is_one_for_equal_use_and_low_for_one_fixed_pattern():
    st = SDRStats(10)
    for k in range(10):
        st.add(SDR([k], 10))
    assert st.entropy() == pytest.approx(1.0)
    fixed = SDRStats(100)
    for _ in range(20):
        fixed.add(SDR(range(5), 100))
    assert fixed.entropy() == pytest.approx(0.0)


def test_random_sdrs_have_high_entropy():
    st = SDRStats(200)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        st.add(SDR.random(200, 10, seed=rng))
    assert st.entropy() > 0.95


def test_wrong_size_sdr_rejected():
    with pytest.raises(ParameterError):
        SDRStats(10).add(SDR([1], 11))


def test_summary_over_several_chunks_equals_the_direct_formulas():
    """The summary runs over chunks of cells (memory stays at the counts' 8 n bytes); across
    chunk boundaries it equals the statistics of the whole frequency array."""
    n = 3 * (1 << 20) + 5
    st = SDRStats(n)
    rng = np.random.default_rng(1)
    for _ in range(4):
        st.add(SDR.random(n, 5000, seed=rng))
    freq = st.activation_frequency
    p = np.clip(freq, 1e-300, 1 - 1e-16)
    h = np.where((freq > 0) & (freq < 1), -(p * np.log2(p) + (1 - p) * np.log2(1 - p)), 0.0)
    m = freq.mean()
    ref = -(m * np.log2(m) + (1 - m) * np.log2(1 - m))
    s = st.summary()
    assert s["frequency_min"] == freq.min() and s["frequency_max"] == freq.max()
    assert s["frequency_mean"] == pytest.approx(m, rel=1e-12)
    assert s["entropy"] == pytest.approx(h.mean() / ref, rel=1e-9) == st.entropy()
