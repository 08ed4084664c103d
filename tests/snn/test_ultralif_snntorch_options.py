"""UltraLIF and UltraDLIF take snnTorch ``Leaky``'s options where they mean something, refuse the
others by name, and ``harden()`` returns a copy that leaves the trained layer trainable."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from snntorch import surrogate  # noqa: E402
from torch import nn  # noqa: E402

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.classifier import SpikingClassifier  # noqa: E402
from neurosparse.snn.ultralif import UltraDLIF, UltraLIF  # noqa: E402

RESETS = ("subtract", "zero", "none")
SUPPORTED = {"beta", "threshold", "reset_mechanism", "init_hidden", "output", "learn_beta", "learn_threshold"}
REFUSED = {"spike_grad": "surrogate", "surrogate_disable": "surrogate", "inhibition": "not implemented",
           "state_quant": "not implemented", "graded_spikes_factor": "not implemented",
           "learn_graded_spikes_factor": "not implemented", "reset_delay": "reset_delay=False"}


def _layers(**kw):
    """One UltraLIF and one UltraDLIF (ring) of 12 neurons with the same options."""
    return [UltraLIF(12, **kw), UltraDLIF(12, **kw)]


def _leaky_run(leaky, x, mem0):
    spikes, mems, mem = [], [], mem0
    with torch.no_grad():
        for x_t in x:
            spk, mem = leaky(x_t, mem)
            spikes.append(spk)
            mems.append(mem)
    return torch.stack(spikes), torch.stack(mems)


# ------------------------------------------------------------------ harden() returns a copy
@pytest.mark.parametrize("layer", _layers(eps=0.5), ids=["UltraLIF", "UltraDLIF"])
def test_harden_returns_a_binary_copy_and_the_layer_keeps_training(layer):
    torch.manual_seed(0)
    fc = nn.Linear(8, 12)
    x = torch.rand(5, 4, 8)
    hard = layer.harden()
    assert hard is not layer and hard.hard and not layer.hard
    assert hard.log_eps is not layer.log_eps  # no shared parameter: training one leaves the other
    with torch.no_grad():
        hard_spk, _ = hard.forward_sequence(fc(x))
    assert bool(((hard_spk == 0) | (hard_spk == 1)).all())
    spk, _ = layer.forward_sequence(fc(x))
    assert bool(((spk > 1e-3) & (spk < 1 - 1e-3)).any())  # still soft
    spk.sum().backward()
    for p in (layer.log_eps, fc.weight, fc.bias):
        assert p.grad is not None and torch.isfinite(p.grad).all() and bool((p.grad != 0).any())
    assert not layer.harden(False).hard


def test_harden_copies_a_hidden_membrane_still_attached_to_the_graph():
    lif = UltraLIF(6, eps=0.5, init_hidden=True)
    lif(torch.rand(3, 6, requires_grad=True))
    assert lif.mem.grad_fn is not None  # copy.deepcopy alone refuses such a tensor
    hard = lif.harden()
    assert torch.equal(hard.mem, lif.mem.detach()) and hard.mem.grad_fn is None and not lif.hard


def test_classifier_harden_returns_a_binary_copy_and_the_model_keeps_training():
    torch.manual_seed(1)
    model = SpikingClassifier(8, 16, 3, depth=2, neuron="ultralif")
    before = [p.detach().clone() for p in model.parameters()]
    hard = model.harden()
    assert hard is not model and all(n.hard for n in hard.neurons) and not any(n.hard for n in model.neurons)
    x = torch.rand(3, 5, 8)
    with torch.no_grad():
        _, hard_spikes = hard(x)
    assert all(bool(((s == 0) | (s == 1)).all()) for s in hard_spikes)
    logits, spikes = model(x)
    assert bool(((spikes[0] > 1e-3) & (spikes[0] < 1 - 1e-3)).any())
    nn.functional.cross_entropy(logits, torch.tensor([0, 1, 2, 0, 1])).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and bool((p.grad != 0).any()), name
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(a is not b for a, b in zip(model.parameters(), hard.parameters()))


# ------------------------------------------------- reset_mechanism, against snnTorch's Leaky
def test_without_reset_ultralif_is_the_ultradiscretized_snntorch_leaky():
    """V = eps log u, u the membrane of snn.Leaky(beta ** (1/eps), exp(threshold/eps)) on exp(X/eps)."""
    rng = np.random.default_rng(0)
    beta, threshold, eps = 0.9, 1.0, 0.5
    x = torch.from_numpy(rng.normal(-0.6, 1.0, size=(30, 4, 16)))
    lif = UltraLIF(beta=beta, threshold=threshold, eps=eps, reset_mechanism="none")
    with torch.no_grad():
        spk, mem = lif.forward_sequence(x)
    leaky = snn.Leaky(beta=torch.tensor(beta ** (1 / eps), dtype=torch.float64),
                      threshold=torch.tensor(math.exp(threshold / eps), dtype=torch.float64),
                      reset_mechanism="none")
    leaky_spk, u = _leaky_run(leaky, torch.exp(x / eps), torch.ones(4, 16, dtype=torch.float64))
    np.testing.assert_allclose((eps * torch.log(u)).numpy(), mem.numpy(), rtol=0, atol=1e-12)
    assert 0.2 < float(leaky_spk.mean()) < 0.8
    assert torch.equal((spk > 0.5).to(leaky_spk.dtype), leaky_spk)


def test_hardened_ultralif_without_reset_spikes_as_snntorch_leaky_in_the_limit():
    """Inputs on a lattice of 1/4, log(beta) = -1/4 and a threshold 1/8 off the lattice: the
    exponentiated Leaky at eps = 0.02 (error <= eps log 31 < 1/8) spikes as the hardened UltraLIF."""
    rng = np.random.default_rng(1)
    eps, beta, threshold = 0.02, math.exp(-0.25), 1.125
    x = torch.from_numpy(rng.integers(-12, 8, size=(30, 4, 16)) / 4.0)
    hard = UltraLIF(beta=beta, threshold=threshold, reset_mechanism="none").harden()
    with torch.no_grad():
        spk, _ = hard.forward_sequence(x)
    leaky = snn.Leaky(beta=torch.tensor(beta ** (1 / eps), dtype=torch.float64),
                      threshold=torch.tensor(math.exp(threshold / eps), dtype=torch.float64),
                      reset_mechanism="none")
    leaky_spk, _ = _leaky_run(leaky, torch.exp(x / eps), torch.ones(4, 16, dtype=torch.float64))
    assert 0.1 < float(spk.mean()) < 0.9
    assert torch.equal(spk, leaky_spk)


@pytest.mark.parametrize("reset", RESETS)
def test_one_step_from_rest_hardened_ultralif_spikes_and_resets_as_snntorch_leaky(reset):
    """From rest and with X >= log(beta) both neurons see V = X: same spike, same reset, and
    UltraLIF's membrane is snnTorch's with reset_delay=False (the reset in the spike's step)."""
    torch.manual_seed(2)
    beta, threshold = 0.9, 0.75
    x = 3.0 * torch.rand(64, 32) + math.log(beta)
    spk, mem = UltraLIF(beta=beta, threshold=threshold, reset_mechanism=reset).harden()(x)
    leaky = snn.Leaky(beta=beta, threshold=threshold, reset_mechanism=reset, reset_delay=False)
    want_spk, want_mem = leaky(x, torch.zeros_like(x))
    assert 0.2 < float(spk.mean()) < 0.8 and float((x > 2 * threshold).float().mean()) > 0.1
    assert torch.equal(spk, want_spk) and torch.equal(mem, want_mem)


def test_hardened_ultralif_is_not_snntorch_leaky_with_the_same_parameters():
    """The documented difference: with the same beta and threshold the tropical LIF (max) and
    Leaky's linear LIF (sum) do not give the same spike train over many steps."""
    torch.manual_seed(3)
    x = 0.6 * torch.rand(20, 8, 16)
    spk, _ = UltraLIF(beta=0.9, threshold=1.0, reset_mechanism="zero").harden().forward_sequence(x)
    leaky_spk, _ = _leaky_run(snn.Leaky(beta=0.9, threshold=1.0, reset_mechanism="zero", reset_delay=False),
                              x, torch.zeros(8, 16))
    assert spk.sum() == 0 < leaky_spk.sum()  # inputs below threshold: only the sum ever crosses it


@pytest.mark.parametrize("reset", RESETS)
def test_soft_reset_mechanisms_follow_their_definitions(reset):
    torch.manual_seed(4)
    v0, x = torch.randn(3, 5, dtype=torch.float64), 2 * torch.randn(3, 5, dtype=torch.float64)
    beta, threshold = 0.8, 0.7
    lif = UltraLIF(beta=beta, threshold=threshold, eps=0.4, reset_mechanism=reset)
    spk, mem = lif(x, v0)
    eps = lif.eps.detach().double()
    v = eps * torch.logaddexp((v0 + math.log(beta)) / eps, x / eps)
    s = torch.sigmoid((v - threshold) / eps)
    want = {"zero": v * (1 - s), "subtract": v - threshold * s, "none": v}[reset]
    assert torch.allclose(spk, s, rtol=1e-12, atol=0) and torch.allclose(mem, want, rtol=1e-12, atol=1e-15)


def test_reset_and_reset_mechanism_are_one_option():
    assert UltraLIF(reset_mechanism="subtract").reset == "subtract"
    assert UltraLIF(reset="subtract").reset_mechanism == "subtract"
    assert UltraLIF().reset_mechanism == "zero"  # the paper's reset (snn.Leaky's default is "subtract")
    assert UltraLIF(reset="none", reset_mechanism="none").reset == "none"
    with pytest.raises(ParameterError, match="reset='zero' and reset_mechanism='subtract' disagree"):
        UltraLIF(reset="zero", reset_mechanism="subtract")
    with pytest.raises(ParameterError, match="reset_mechanism must be one of"):
        UltraLIF(reset_mechanism="hard")


# ------------------------------------------------------------------ init_hidden and output
@pytest.mark.parametrize("layer", _layers(eps=0.5, init_hidden=True), ids=["UltraLIF", "UltraDLIF"])
def test_init_hidden_keeps_the_membrane_and_equals_the_explicit_state(layer):
    torch.manual_seed(5)
    x = torch.randn(6, 3, 12)
    explicit = type(layer)(12, eps=0.5)
    want_spk, want_mem = explicit.forward_sequence(x)
    for _ in range(2):  # the second pass checks that reset_hidden really zeroes the state
        layer.reset_hidden()
        for t, x_t in enumerate(x):
            spk = layer(x_t)
            assert isinstance(spk, torch.Tensor)  # spikes only, as snn.Leaky with init_hidden
            assert torch.equal(spk, want_spk[t]) and torch.equal(layer.mem, want_mem[t])
    assert torch.equal(layer.init_leaky(), torch.zeros(3, 12)) and torch.equal(layer.mem, torch.zeros(3, 12))
    spk, mem = layer.forward_sequence(x)
    assert torch.equal(spk, want_spk) and torch.equal(mem, want_mem)


def test_init_hidden_and_output_behave_as_in_snntorch_leaky():
    x = torch.rand(2, 12)
    ours, theirs = UltraLIF(12, init_hidden=True), snn.Leaky(beta=0.9, init_hidden=True)
    for neuron in (ours, theirs):
        assert isinstance(neuron(x), torch.Tensor) and neuron.mem.shape == x.shape
        neuron.reset_hidden()
        assert torch.equal(neuron.mem, torch.zeros_like(x))
    with pytest.raises(TypeError):
        theirs(x, torch.zeros_like(x))
    with pytest.raises(ParameterError, match="mem must not be passed .* init_hidden=True"):
        ours(x, torch.zeros_like(x))
    with pytest.raises(ParameterError, match="mem must not be passed"):
        ours.forward_sequence(x[None], torch.zeros_like(x))
    for neuron in (UltraLIF(12, init_hidden=True, output=True),
                   snn.Leaky(0.9, init_hidden=True, output=True)):
        out = neuron(x)
        assert isinstance(out, tuple) and len(out) == 2 and out[1] is neuron.mem
    for neuron in (UltraLIF(12, output=True), snn.Leaky(0.9, output=True)):  # without init_hidden: no effect
        assert isinstance(neuron(x, neuron.init_leaky()), tuple)
    stateless = UltraLIF(12)
    stateless.reset_hidden()  # holds no state: nothing to reset
    assert not hasattr(stateless, "mem")


def test_detach_hidden_cuts_the_graph_and_keeps_the_value():
    lif = UltraLIF(4, eps=0.5, init_hidden=True)
    lif(torch.rand(2, 4, requires_grad=True))
    value = lif.mem.detach().clone()
    lif.detach_hidden()
    assert lif.mem.grad_fn is None and torch.equal(lif.mem, value)


# ----------------------------------------------------------- learn_beta and learn_threshold
@pytest.mark.parametrize("layer", _layers(eps=0.5, learn_beta=True, learn_threshold=True),
                         ids=["UltraLIF", "UltraDLIF"])
def test_learned_beta_and_threshold_are_parameters_that_receive_gradients(layer):
    leaky = snn.Leaky(beta=0.9, learn_beta=True, learn_threshold=True)
    for neuron in (layer, leaky):
        names = dict(neuron.named_parameters())
        assert isinstance(neuron.beta, nn.Parameter) and neuron.beta.requires_grad and "beta" in names
        assert isinstance(neuron.threshold, nn.Parameter) and "threshold" in names
    torch.manual_seed(6)
    spk, mem = layer.forward_sequence(torch.randn(6, 3, 12))
    (spk.sum() + mem.pow(2).sum()).backward()
    for p in (layer.beta, layer.threshold):
        assert p.grad is not None and torch.isfinite(p.grad) and p.grad != 0
    fixed = type(layer)(12, eps=0.5)
    assert "beta" not in dict(fixed.named_parameters()) and "threshold" not in dict(fixed.named_parameters())


def test_learned_beta_and_threshold_start_as_the_fixed_values_and_training_moves_them():
    torch.manual_seed(7)
    x = torch.randn(6, 3, 8)
    learned = UltraLIF(8, beta=0.8, threshold=0.9, eps=0.5, learn_beta=True, learn_threshold=True)
    fixed = UltraLIF(8, beta=0.8, threshold=0.9, eps=0.5)
    for a, b in zip(learned.forward_sequence(x), fixed.forward_sequence(x)):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)
    opt = torch.optim.SGD(learned.parameters(), lr=0.1)
    learned.forward_sequence(x)[0].mean().backward()
    opt.step()
    assert float(learned.beta.detach()) != pytest.approx(0.8, abs=1e-7)
    assert float(learned.threshold.detach()) != pytest.approx(0.9, abs=1e-7)


def test_a_learned_beta_out_of_range_is_clamped_where_it_is_read():
    x = torch.randn(5, 2, 4)
    lif = UltraLIF(4, eps=0.5, learn_beta=True)
    with torch.no_grad():
        lif.beta.fill_(1.5)
    assert torch.allclose(lif.forward_sequence(x)[1], UltraLIF(4, beta=1.0, eps=0.5).forward_sequence(x)[1])
    with torch.no_grad():
        lif.beta.fill_(-0.2)
    spk, mem = lif.forward_sequence(x.requires_grad_())
    (spk.sum() + mem.sum()).backward()
    assert torch.isfinite(mem).all() and torch.isfinite(x.grad).all() and lif.beta.grad == 0


def test_event_core_maps_learned_beta_and_threshold_by_the_values_in_use():
    from neurosparse.snn.on_core import core_model

    lif = UltraLIF(4, beta=0.8, threshold=0.7, learn_beta=True, learn_threshold=True)
    model = core_model(lif)
    assert model.leak == pytest.approx(-math.log(0.8), rel=1e-6)
    assert model.v_th == pytest.approx(0.7, rel=1e-6)
    with pytest.raises(ParameterError, match="UltraDLIF"):
        core_model(UltraDLIF(4))
    with pytest.raises(ParameterError, match="reset must be 'zero'"):
        core_model(UltraLIF(4, reset_mechanism="subtract"))


# --------------------------------------------------------- every other Leaky option refused
def test_every_snntorch_leaky_argument_is_taken_or_refused_by_name():
    leaky_args = set(inspect.signature(snn.Leaky.__init__).parameters) - {"self"}
    assert leaky_args == SUPPORTED | set(REFUSED)  # a new snnTorch argument must be decided on here
    for cls, extra in ((UltraLIF, {}), (UltraDLIF, {"n": 6})):
        for name in SUPPORTED - {"beta", "threshold"}:
            cls(**extra, **{name: "subtract" if name == "reset_mechanism" else True})


@pytest.mark.parametrize(("name", "value"), [("spike_grad", surrogate.atan()), ("surrogate_disable", True),
                                             ("inhibition", True), ("state_quant", True),
                                             ("graded_spikes_factor", 2.0),
                                             ("learn_graded_spikes_factor", True), ("reset_delay", True)])
@pytest.mark.parametrize("cls", [UltraLIF, UltraDLIF])
def test_unsupported_snntorch_options_are_refused_by_name_with_the_reason(cls, name, value):
    with pytest.raises(ParameterError, match=f"{cls.__name__} does not take .*{name}") as err:
        cls(8, **{name: value})
    assert REFUSED[name] in str(err.value)


def test_reset_delay_false_is_what_ultralif_does_and_is_accepted():
    x = torch.randn(4, 2, 5)
    a, b = UltraLIF(reset_delay=False, eps=0.5), UltraLIF(eps=0.5)
    assert all(torch.equal(p, q) for p, q in zip(a.forward_sequence(x), b.forward_sequence(x)))


@pytest.mark.parametrize("cls", [UltraLIF, UltraDLIF])
def test_unknown_keyword_arguments_are_refused_by_name(cls):
    with pytest.raises(ParameterError, match="unknown keyword argument 'treshold'"):
        cls(8, treshold=1.0)
