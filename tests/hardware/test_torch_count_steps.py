"""count() reads the number of time steps from the model: a model that loops over time itself
is counted with its T steps, never one step silently."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from torch import nn  # noqa: E402

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.hardware.torch_count import StepCountWarning, count  # noqa: E402


class StepNet(nn.Module):
    """Linear -> Leaky -> Linear -> Leaky, one time step per call."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.lif1 = snn.Leaky(beta=0.9, init_hidden=True)
        self.fc2 = nn.Linear(8, 3)
        self.lif2 = snn.Leaky(beta=0.8, init_hidden=True)

    def forward(self, x):
        return self.lif2(self.fc2(self.lif1(self.fc1(x))))


class LoopNet(nn.Module):
    """The same network, looping over ``[T, batch, 6]`` itself in one call."""

    def __init__(self, step: StepNet):
        super().__init__()
        self.net = step

    def forward(self, x):
        return torch.stack([self.net(x_t) for x_t in x])


def spikes(T=7, B=5, n=6, seed=0):
    return (torch.rand(T, B, n, generator=torch.Generator().manual_seed(seed)) < 0.3).float()


def quiet_count(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning expected
        return count(*args, **kwargs)


def test_model_looping_over_time_itself_gets_its_T_steps_and_the_same_counts():
    torch.manual_seed(0)
    step = StepNet().eval()
    x = spikes()
    fed = quiet_count(step, x, time_first=True)
    looped = quiet_count(LoopNet(step), x, n_samples=5)  # called once on [T, batch, ...]
    assert fed.n_steps == looped.n_steps == 7  # was 1 for the looping model
    assert looped.totals() == fed.totals()
    assert "from the calls of net.lif1, net.lif2" in looped.source
    with pytest.warns(StepCountWarning, match="as many as dimension 0 of its input.*pass n_samples="):
        count(LoopNet(step), x)  # dimension 0 (T = 7) taken as the batch


@pytest.mark.parametrize("neuron", ["ultralif", "ultradlif", "surrogate"])
def test_package_classifiers_count_their_time_steps(neuron):
    """hardware/ultralif_core.toml's PyTorch variants: SpikingClassifier (T = 4, depth 3) is
    called once on [T, batch, features] and runs each neuron layer T times."""
    from neurosparse.snn.classifier import SpikingClassifier

    torch.manual_seed(1)
    model = SpikingClassifier(64, 16, 10, depth=3, neuron=neuron).eval()
    x = torch.rand(4, 9, 64, generator=torch.Generator().manual_seed(2))
    for variant in (model, model.harden()):
        trace = quiet_count(variant, x, n_samples=x.shape[1])  # as experiments.ultralif_on_core does
        assert trace.n_steps == 4
        assert trace.layers["linears.0"].dense_ops == 4 * 9 * 64 * 16  # every step counted once
        assert trace.layers["neurons.2"].dense_neuron_updates == 4 * 9 * 16


def test_recurrent_cells_looped_by_the_model_give_the_steps():
    class Unrolled(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.GRUCell(3, 4)

        def forward(self, x):
            h = None
            for x_t in x:
                h = self.cell(x_t, h)
            return h

    assert quiet_count(Unrolled(), torch.randn(6, 2, 3), n_samples=2).n_steps == 6
    assert quiet_count(nn.GRU(3, 4), torch.randn(5, 2, 3), n_samples=2).n_steps == 5


class TwoRates(nn.Module):
    """One neuron layer every step, the second every other step: the steps are ambiguous."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.fast = snn.Leaky(beta=0.9, init_hidden=True)
        self.slow = snn.Leaky(beta=0.9, init_hidden=True)

    def forward(self, x):
        out = []
        for t, x_t in enumerate(x):
            s = self.fast(self.fc(x_t))
            if t % 2 == 0:
                out.append(self.slow(s))
        return torch.stack(out)


def test_neuron_layers_called_different_numbers_of_times_are_refused_unless_n_steps_is_given():
    x = torch.rand(6, 2, 4)
    with pytest.raises(ParameterError, match=r"numbers of steps \(fast: 6, slow: 3\); pass n_steps="):
        count(TwoRates(), x, n_samples=2)
    assert quiet_count(TwoRates(), x, n_samples=2, n_steps=6).n_steps == 6


def test_n_steps_overrides_and_warns_where_it_contradicts_every_neuron():
    x = spikes(T=5)
    with pytest.warns(StepCountWarning, match="n_steps=3 given, but every neuron and recurrent layer ran 5"):
        trace = count(StepNet(), x, time_first=True, n_steps=3)
    assert trace.n_steps == 3 and "n_steps given" in trace.source
    assert quiet_count(StepNet(), x, time_first=True, n_steps=5).n_steps == 5


@pytest.mark.parametrize("bad", [0, -2, 2.5, "4"])
def test_invalid_n_steps_is_refused(bad):
    with pytest.raises(ParameterError, match="n_steps must be an integer >= 1"):
        count(StepNet(), spikes(), time_first=True, n_steps=bad)


def test_a_time_loop_without_neuron_modules_warns_instead_of_assuming_one_step():
    class HandLoop(nn.Module):  # a recurrence on plain tensors: nothing says it is a time loop
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            mem = torch.zeros(x.shape[1], 3)
            for x_t in x:
                mem = 0.9 * mem + self.fc(x_t)
            return mem

    with pytest.warns(StepCountWarning, match=r"fc 4 times.*pass n_steps="):
        assert count(HandLoop(), torch.randn(4, 2, 3), n_samples=2).n_steps == 1
    assert quiet_count(HandLoop(), torch.randn(4, 2, 3), n_samples=2, n_steps=4).n_steps == 4
    mlp = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    assert quiet_count(mlp, torch.randn(8, 3)).n_steps == 1  # feed-forward: one step, no warning
