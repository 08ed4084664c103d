"""UltraLIF, UltraDLIF and the surrogate-gradient LIF baseline (neurosparse.snn.ultralif)."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from snntorch import surrogate  # noqa: E402

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.ultralif import (  # noqa: E402
    SurrogateLIF,
    UltraDLIF,
    UltraLIF,
    activity_penalty,
    soft_max_plus,
)

EPS_LADDER = (0.1, 0.05, 0.025, 0.0125)


def tropical_lif(x: np.ndarray, beta: float, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The eps -> 0 limit, written independently in NumPy: max-plus membrane, Heaviside spike,
    reset to zero."""
    v = np.zeros(x.shape[1:])
    spikes, mems = [], []
    for x_t in x:
        v_new = np.maximum(v + math.log(beta), x_t)
        s = (v_new > threshold).astype(float)
        v = v_new * (1 - s)
        spikes.append(s)
        mems.append(v)
    return np.array(spikes), np.array(mems)


def run_ultralif(x: np.ndarray, eps: float, beta: float, threshold: float):
    lif = UltraLIF(beta=beta, threshold=threshold, eps=eps, eps_min=1e-4)
    with torch.no_grad():
        spk, mem = lif.forward_sequence(torch.from_numpy(x))
    return spk.numpy(), mem.numpy()


def test_log_sum_exp_stays_within_its_bound_above_the_max():
    terms = torch.randn(1000, 5, dtype=torch.float64)
    top = terms.amax(-1)
    for eps in EPS_LADDER:
        gap = soft_max_plus(terms, eps) - top
        assert torch.all(gap >= -1e-12) and torch.all(gap <= eps * math.log(5) + 1e-12)
    assert torch.equal(soft_max_plus(terms, 0), top)


def test_subthreshold_membrane_converges_to_tropical_lif_linearly_in_eps():
    # Inputs on a lattice of 1/8 and log(beta) = -1/8 put the two max-plus terms in exact ties
    # again and again, where LSE's error is largest (eps*log 2): the worst case of the bound.
    # Threshold 2 is never approached (inputs <= 0.5), so the reset is ~exp(-1.5/eps), negligible.
    rng = np.random.default_rng(0)
    beta, threshold, n_steps = math.exp(-0.125), 2.0, 20
    x = rng.integers(-8, 5, size=(n_steps, 4, 64)) / 8.0
    _, v_hard = tropical_lif(x, beta, threshold)
    errors = []
    for eps in EPS_LADDER:
        _, v_soft = run_ultralif(x, eps, beta, threshold)
        err = np.abs(v_soft - v_hard)
        # the bound: at most eps*log(2) per step, accumulated
        bound = eps * math.log(2) * np.arange(1, n_steps + 1)[:, None, None]
        assert np.all(err <= bound + 1e-12)
        errors.append(err.max())
    slope = np.polyfit(np.log(EPS_LADDER), np.log(errors), 1)[0]
    assert 0.8 <= slope <= 1.2, (errors, slope)


def test_spike_train_converges_to_tropical_lif_when_membranes_stay_clear_of_threshold():
    rng = np.random.default_rng(1)
    beta, threshold = 0.9, 1.0
    x = rng.choice([-0.5, 0.0, 1.5, 2.0], size=(30, 4, 32))  # 0.5 or more from threshold
    s_hard, v_hard = tropical_lif(x, beta, threshold)
    assert 0.2 < s_hard.mean() < 0.8
    gaps = []
    for eps in (0.2, 0.1, 0.05, 0.025):
        s_soft, v_soft = run_ultralif(x, eps, beta, threshold)
        gaps.append(np.abs(s_soft - s_hard).max())
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] < 1e-6
    assert np.array_equal(np.round(s_soft), s_hard)


def test_hardened_ultralif_emits_binary_spikes_of_the_tropical_lif():
    rng = np.random.default_rng(2)
    x = rng.normal(0.5, 1.0, size=(25, 3, 16))
    lif = UltraLIF(beta=0.8, threshold=1.0, eps=0.5).harden()
    with torch.no_grad():
        spk, mem = lif.forward_sequence(torch.from_numpy(x))
    s_ref, v_ref = tropical_lif(x, 0.8, 1.0)
    assert set(np.unique(spk.numpy())) <= {0.0, 1.0}
    np.testing.assert_array_equal(spk.numpy(), s_ref)
    np.testing.assert_allclose(mem.numpy(), v_ref, rtol=0, atol=1e-12)
    assert not lif.harden(False).hard


def _one_layer_grads(neuron, x: torch.Tensor, weight: torch.Tensor):
    x = x.clone().requires_grad_()
    w = weight.clone().requires_grad_()
    spk, _ = neuron.forward_sequence(x @ w.T)
    spk.sum().backward()
    return x.grad, w.grad


def test_ultralif_gradients_are_finite_bounded_and_nonzero():
    torch.manual_seed(0)
    x = torch.rand(8, 5, 20, dtype=torch.float64)
    w = 0.3 * torch.randn(30, 20, dtype=torch.float64)
    gx, gw = _one_layer_grads(UltraLIF(beta=0.9, eps=0.5), x, w)
    assert torch.isfinite(gx).all() and torch.isfinite(gw).all()
    assert (gx != 0).all() and (gw != 0).all()
    # one step: ds/dx = sigmoid'((v - th)/eps)/eps * softmax weight <= 1/(4 eps)
    x1 = torch.randn(1000, 7, dtype=torch.float64, requires_grad=True)
    v0 = torch.randn(1000, 7, dtype=torch.float64)
    eps = 0.05
    spk, _ = UltraLIF(eps=eps, eps_min=0.01)(x1, v0)
    (g,) = torch.autograd.grad(spk.sum(), x1)
    assert torch.all(g >= 0) and torch.all(g <= 1 / (4 * eps))
    # Non-zero wherever floating point can hold it: far ABOVE threshold sigmoid rounds to 1 and
    # s(1 - s) to exactly 0 once (v - th)/eps > ~37 in float64 (~17 in float32).
    v_new = soft_max_plus(torch.stack([v0 + math.log(0.9), x1.detach()], -1), eps)
    representable = (v_new - 1.0) / eps < 30
    assert torch.all(g[representable] > 0) and torch.all(g[(v_new - 1.0) / eps > 40] == 0)


def test_silent_neurons_pass_gradient_under_ultralif_and_none_under_a_heaviside_backward():
    # Membranes stay below threshold (no spike at all). snnTorch's `surrogate.heaviside`
    # backward is grad * spike: exactly zero here. A true Heaviside (hardened UltraLIF, or
    # snnTorch with surrogate_disable) has no gradient path at all. UltraLIF's is non-zero.
    torch.manual_seed(1)
    x = 0.1 * torch.rand(6, 4, 10)
    w = 0.3 * torch.rand(12, 10)
    leaky = snn.Leaky(beta=0.9, threshold=1.0, spike_grad=surrogate.heaviside())
    spikes, mem = [], leaky.init_leaky()
    xs, ws = x.clone().requires_grad_(), w.clone().requires_grad_()
    for x_t in xs:
        spk, mem = leaky(x_t @ ws.T, mem)
        spikes.append(spk)
    torch.stack(spikes).sum().backward()
    assert torch.stack(spikes).sum() == 0
    assert torch.count_nonzero(xs.grad) == 0 and torch.count_nonzero(ws.grad) == 0

    gx, gw = _one_layer_grads(UltraLIF(beta=0.9, eps=0.5), x, w)
    assert torch.isfinite(gx).all() and (gx != 0).all() and (gw != 0).all()

    hard_spk, _ = UltraLIF(eps=0.5).harden().forward_sequence(x.requires_grad_() @ w.T)
    assert not hard_spk.requires_grad  # Heaviside: no gradient path


def test_ultralif_spike_gradient_decays_exponentially_below_threshold_fast_sigmoid_polynomially():
    # The honest side of "non-vanishing": far below threshold, sigmoid((v - th)/eps)' ~
    # exp(-d/eps)/eps, far smaller at small eps than the fast sigmoid's 1/(k d + 1)^2.
    d = torch.tensor([0.5, 2.0, 5.0], dtype=torch.float64)
    v = (1.0 - d).requires_grad_()
    eps = 0.1
    (g_ultra,) = torch.autograd.grad(torch.sigmoid((v - 1.0) / eps).sum(), v)
    g_fast = 1 / (25 * d + 1) ** 2
    assert torch.all(g_ultra > 0)
    assert g_ultra[0] > g_fast[0] and g_ultra[2] < 1e-6 * g_fast[2]


def test_same_seed_gives_identical_parameters_and_outputs():
    def build_and_run(seed):
        torch.manual_seed(seed)
        fc = torch.nn.Linear(10, 12)
        lif = UltraDLIF(12, eps=0.7, eps_shape="neuron")
        x = torch.rand(5, 3, 10)
        spk, mem = lif.forward_sequence(fc(x))
        return [p.detach().clone() for p in (*fc.parameters(), *lif.parameters())], spk, mem

    p1, s1, m1 = build_and_run(3)
    p2, s2, m2 = build_and_run(3)
    p3, s3, _ = build_and_run(4)
    assert all(torch.equal(a, b) for a, b in zip(p1, p2))
    assert torch.equal(s1, s2) and torch.equal(m1, m2)
    assert not torch.equal(s1, s3)


def test_eps_stays_in_its_clamp_range_after_gradient_steps():
    torch.manual_seed(0)
    x = torch.rand(4, 8, 6)
    for direction in (+1.0, -1.0):
        lif = UltraLIF(6, eps=1.0, eps_min=0.2, eps_max=3.0, eps_shape="neuron")
        opt = torch.optim.SGD(lif.parameters(), lr=5.0)
        for _ in range(20):
            spk, _ = lif.forward_sequence(x)
            loss = direction * lif.eps.sum() + spk.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            assert torch.all(lif.eps >= 0.2) and torch.all(lif.eps <= 3.0)
        lif.clamp_eps_()
        assert math.log(0.2) - 1e-6 <= lif.log_eps.min() and lif.log_eps.max() <= math.log(3.0) + 1e-6


def test_per_neuron_eps_has_one_value_per_neuron_and_acts_per_neuron():
    lif = UltraLIF(5, eps=0.5, eps_shape="neuron")
    assert lif.eps.shape == (5,) and UltraLIF(eps=0.5).eps.shape == ()
    with torch.no_grad():
        lif.log_eps[2] = math.log(2.0)
    x = torch.full((1, 5), 0.3)
    spk, _ = lif(x)
    ref, _ = UltraLIF(eps=0.5)(x)
    assert torch.allclose(spk[0, [0, 1, 3, 4]], ref[0, [0, 1, 3, 4]])
    assert not torch.isclose(spk[0, 2], ref[0, 2])
    assert lif.init_state(3).shape == (3, 5)


def test_one_step_and_sequence_forms_agree_and_lazy_state_starts_at_zero():
    torch.manual_seed(0)
    x = torch.randn(6, 2, 4)
    lif = UltraLIF(reset="subtract", eps=0.3)
    mem = lif.init_leaky()
    steps = []
    for x_t in x:
        spk, mem = lif(x_t, mem)
        steps.append(spk)
    seq, _ = lif.forward_sequence(x)
    assert torch.equal(torch.stack(steps), seq)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"eps": 0.0}, "eps"),
    ({"eps": -1.0}, "eps"),
    ({"eps": 50.0}, "eps"),
    ({"eps_min": 0.0}, "eps_min"),
    ({"beta": 0.0}, "beta"),
    ({"beta": 1.5}, "beta"),
    ({"reset": "none!"}, "reset"),
    ({"eps_shape": "channel"}, "eps_shape"),
    ({"eps_shape": "neuron"}, "n"),
])
def test_bad_ultralif_parameters_raise_parameter_error_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        UltraLIF(**kwargs)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"n": 8, "topology": "torus"}, "topology"),
    ({"topology": "grid"}, "grid_shape"),
    ({"n": 8, "coupling": -0.1}, "coupling"),
    ({"n": 8, "form": "other"}, "form"),
    ({"n": 8, "beta": 2.0}, "beta"),
    ({"topology": "ring"}, "n"),
])
def test_bad_ultradlif_parameters_raise_parameter_error_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        UltraDLIF(**kwargs)


def test_bad_surrogate_parameters_and_penalty_weight_raise_parameter_error():
    with pytest.raises(ParameterError, match="beta"):
        SurrogateLIF(beta=0.0)
    with pytest.raises(ParameterError, match="reset"):
        SurrogateLIF(reset="hard")
    with pytest.raises(ParameterError, match="lam"):
        activity_penalty(torch.ones(3), lam=-1.0)


def test_activity_penalty_is_lambda_times_mean_activity():
    spikes = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    assert activity_penalty(spikes, 0.1).item() == pytest.approx(0.05)


@pytest.mark.parametrize("topology", ["ring", "grid"])
def test_ultradlif_without_coupling_equals_ultralif(topology):
    torch.manual_seed(0)
    x = torch.randn(10, 3, 12, dtype=torch.float64)
    kw = {"n": 12} if topology == "ring" else {"grid_shape": (3, 4)}
    dlif = UltraDLIF(topology=topology, coupling=0.0, eps=0.4, beta=0.85, **kw)
    s1, m1 = dlif.forward_sequence(x)
    s2, m2 = UltraLIF(eps=0.4, beta=0.85).forward_sequence(x)
    assert torch.equal(s1, s2) and torch.equal(m1, m2)


def _membrane_change_from_one_active_neuron(dlif: UltraDLIF, n: int, active: int) -> torch.Tensor:
    """|Delta V| at every neuron when only `active` holds a high membrane, versus none."""
    x = torch.full((1, n), -1.0, dtype=torch.float64)
    quiet = torch.zeros(1, n, dtype=torch.float64)
    loud = quiet.clone()
    loud[0, active] = 0.9
    _, m_quiet = dlif(x, quiet)
    _, m_loud = dlif(x, loud)
    return (m_loud - m_quiet).abs()[0]


def test_ultradlif_ring_couples_each_neuron_to_i_minus_1_and_i_plus_1_only():
    n, active = 10, 0
    dlif = UltraDLIF(n, topology="ring", coupling=0.8, eps=0.1, threshold=5.0)
    change = _membrane_change_from_one_active_neuron(dlif, n, active)
    touched = set(torch.nonzero(change > 1e-9).flatten().tolist())
    assert touched == {n - 1, 0, 1}  # itself and its two ring neighbours (wrapping)
    # the neighbours' own membranes reach them through the soft max: a large, finite effect
    assert change[1] > 0.1 and change[n - 1] > 0.1


def test_ultradlif_grid_couples_each_neuron_to_its_4_neighbourhood_only():
    rows, cols = 4, 5
    dlif = UltraDLIF(topology="grid", grid_shape=(rows, cols), coupling=0.8, eps=0.1, threshold=5.0)
    centre = 1 * cols + 2
    change = _membrane_change_from_one_active_neuron(dlif, rows * cols, centre)
    touched = set(torch.nonzero(change > 1e-9).flatten().tolist())
    assert touched == {centre, centre - cols, centre + cols, centre - 1, centre + 1}
    corner = _membrane_change_from_one_active_neuron(dlif, rows * cols, 0)
    assert set(torch.nonzero(corner > 1e-9).flatten().tolist()) == {0, 1, cols}


def test_ultradlif_gradients_are_finite_on_grid_edges():
    dlif = UltraDLIF(topology="grid", grid_shape=(3, 3), coupling=0.5, eps=0.3)
    x = torch.randn(5, 2, 9, requires_grad=True)
    spk, _ = dlif.forward_sequence(x)
    spk.sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(dlif.log_eps.grad)


def test_ultradlif_paper_form_matches_the_authors_update():
    # V_i <- LSE_eps(V_{i-1}, V_i, V_{i+1}) + X_i for beta = coupling = 1
    torch.manual_seed(0)
    eps, n = 0.5, 6
    dlif = UltraDLIF(n, coupling=1.0, beta=1.0, eps=eps, form="paper")
    v = torch.randn(2, n, dtype=torch.float64)
    x = torch.randn(2, n, dtype=torch.float64)
    spk, mem = dlif(x, v)
    stack = torch.stack([torch.roll(v, 1, -1), v, torch.roll(v, -1, -1)], dim=-1)
    v_new = eps * torch.logsumexp(stack / eps, dim=-1) + x
    s_ref = torch.sigmoid((v_new - 1.0) / eps)
    assert torch.allclose(spk, s_ref) and torch.allclose(mem, v_new * (1 - s_ref))


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_surrogate_lif_matches_snntorch_leaky_values_and_gradients(reset):
    torch.manual_seed(0)
    beta, threshold, slope = 0.8, 1.0, 10.0
    x = 1.2 * torch.rand(15, 4, 8)
    w = torch.randn(8, 8)

    def run(neuron):
        xs, ws = x.clone().requires_grad_(), w.clone().requires_grad_()
        spikes, mems, mem = [], [], neuron.init_leaky()
        for x_t in xs:
            spk, mem = neuron(x_t @ ws.T, mem)
            spikes.append(spk)
            mems.append(mem)
        spikes, mems = torch.stack(spikes), torch.stack(mems)
        ((spikes * torch.arange(15.0)[:, None, None]).sum() + mems.pow(2).sum()).backward()
        return spikes, mems, xs.grad, ws.grad

    ours = run(SurrogateLIF(beta, threshold, slope=slope, reset=reset))
    theirs = run(snn.Leaky(beta=beta, threshold=threshold, spike_grad=surrogate.fast_sigmoid(slope=slope),
                           reset_mechanism=reset))
    assert ours[0].sum() > 0  # spikes happen, so the reset is exercised
    for a, b in zip(ours, theirs):
        assert torch.allclose(a, b, rtol=0, atol=0)
