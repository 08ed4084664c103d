"""A hardened UltraLIF classifier on the event core equals its PyTorch forward pass."""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.classifier import SpikingClassifier  # noqa: E402
from neurosparse.snn.on_core import run_on_core  # noqa: E402


def _active_model(depth=3, n_in=12, hidden=20, n_out=4, seed=0, beta=0.8, neuron="ultralif"):
    """An untrained classifier with weights large enough that every layer spikes often."""
    torch.manual_seed(seed)
    model = SpikingClassifier(n_in, hidden, n_out, depth=depth, neuron=neuron, beta=beta)
    with torch.no_grad():
        for lin in model.linears:
            lin.weight.mul_(6.0)
            lin.bias.uniform_(-0.3, 0.6)
    return model


def _inputs(T=5, n=30, n_in=12, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (T, n, n_in)) * (rng.random((T, n, n_in)) < 0.6)


def _torch_hard(model, x):
    """The hardened model in float64: the same map as the core, summed in another order."""
    hard = copy.deepcopy(model).double().harden()
    with torch.no_grad():
        logits, spikes = hard(torch.from_numpy(x))
    return logits.numpy(), [s.numpy() for s in spikes]


@pytest.mark.parametrize("neuron", ["ultralif", "surrogate"])
def test_core_spikes_and_logits_equal_the_hardened_torch_model(neuron):
    model, x = _active_model(neuron=neuron), _inputs()
    want_logits, want_spikes = _torch_hard(model, x)
    run = run_on_core(model, x, batch_size=30, progress=False)
    for k, (got, want) in enumerate(zip(run.spikes, want_spikes)):
        np.testing.assert_array_equal(got, want.astype(np.uint8), err_msg=f"layer {k + 1}")
        assert 0.1 < want.mean() < 0.9, "the comparison needs activity in every layer"
    np.testing.assert_allclose(run.logits, want_logits, rtol=1e-6, atol=1e-6)
    y = want_logits.argmax(1)
    assert run.accuracy(y) == 1.0


@pytest.mark.parametrize("neuron", ["ultralif", "surrogate"])
def test_no_layer_spikes_outside_its_window(neuron):
    """The trace counts only the model's spikes: the core's spike count equals PyTorch's."""
    model, x = _active_model(neuron=neuron, seed=4), _inputs(seed=5)
    _, want_spikes = _torch_hard(model, x)
    run = run_on_core(model, x, batch_size=30, progress=False)
    for k, want in enumerate(want_spikes):
        assert run.trace.layers[f"h{k + 1}"].spikes == want.sum()


def test_results_do_not_depend_on_the_batch_split():
    model, x = _active_model(seed=2), _inputs(seed=3)
    whole = run_on_core(model, x, batch_size=30, progress=False)
    split = run_on_core(model, x, batch_size=7, progress=False)
    np.testing.assert_array_equal(whole.logits, split.logits)
    for a, b in zip(whole.spikes, split.spikes):
        np.testing.assert_array_equal(a, b)
    ta, tb = whole.trace.totals(), split.trace.totals()
    for key in ("spikes", "synaptic_events", "effective_macs", "neuron_updates", "dense_ops"):
        assert ta[key] == pytest.approx(tb[key], rel=1e-12), key


def test_trace_counts_what_the_spikes_imply():
    model, x = _active_model(depth=2), _inputs()
    T, n, _ = x.shape
    run = run_on_core(model, x, batch_size=13, progress=False)
    tr = run.trace
    assert tr.n_samples == n and tr.n_steps == T + 2
    hidden = model.linears[0].out_features
    # events of h1 -> h2: every spike of h1 reaches every one of its non-zero out-synapses
    w2 = model.linears[1].weight.detach().numpy()
    out_degree = (w2 != 0).sum(0)
    want_events = float((run.spikes[0].sum((0, 1)) * out_degree).sum())
    assert tr.layers["h1->h2:x"].synaptic_events == want_events
    assert tr.layers["h1->h2:x"].dense_ops == hidden * hidden * (T + 2) * n
    assert tr.layers["h1"].spikes == run.spikes[0].sum()
    # host layer: one MAC per non-zero input value and output neuron
    assert tr.layers["input->h1 (host)"].effective_macs == np.count_nonzero(x) * hidden
    assert tr.totals()["neuron_updates"] == pytest.approx((2 * hidden + 4) * (T + 2))


def test_unmappable_neurons_are_refused_by_name():
    model = SpikingClassifier(4, 6, 2, neuron="ultradlif")
    with pytest.raises(ParameterError, match="UltraDLIF's gap junctions"):
        run_on_core(model, np.zeros((2, 3, 4)), progress=False)


def test_bad_input_is_named():
    model = SpikingClassifier(4, 6, 2)
    with pytest.raises(ParameterError, match=r"x must be \[T, batch, 4\]"):
        run_on_core(model, np.zeros((2, 3, 5)), progress=False)
    with pytest.raises(ParameterError, match="at least one step and one sample"):
        run_on_core(model, np.zeros((2, 0, 4)), progress=False)
    with pytest.raises(ParameterError, match="x must be finite"):
        run_on_core(model, np.full((2, 3, 4), np.nan), progress=False)
    with pytest.raises(ParameterError, match="batch_size"):
        run_on_core(model, np.zeros((2, 3, 4)), batch_size=0, progress=False)
