"""Every public constructor and function of neurosparse.snn refuses bad numbers before any work,
with a ParameterError naming the parameter, the value it got and the range it allows."""

from __future__ import annotations

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("snntorch")

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.baseline import SpikingMLP, rate_code, train_digits_snn  # noqa: E402
from neurosparse.snn.classifier import (  # noqa: E402
    SpikingClassifier,
    evaluate,
    spread,
    static_input,
    train_classifier,
)
from neurosparse.snn.ultralif import (  # noqa: E402
    SurrogateLIF,
    UltraDLIF,
    UltraLIF,
    activity_penalty,
    soft_max_plus,
)

NAN, INF = float("nan"), float("inf")
BETA, THRESHOLD, POSITIVE = "(0, 1]", "(0, inf)", "(0, inf)"


def _data(nan_at=None, labels=(0, 1, 2, 0)):
    x = np.random.default_rng(0).random((2, 4, 6)).astype(np.float32)
    if nan_at is not None:
        x[nan_at] = NAN
    return x, np.asarray(labels)


def _train(**kw):
    x, y = _data()
    args = {"x_train": x, "y_train": y, "x_test": x, "y_test": y, "n_hidden": 4, "epochs": 1}
    args.update(kw)
    return train_classifier(args.pop("x_train"), args.pop("y_train"), args.pop("x_test"), args.pop("y_test"),
                            **args)


# (call, parameter name, text of the bad value, text of the allowed range)
CASES = [
    # UltraLIF / UltraDLIF
    (lambda: UltraLIF(beta=0.0), "beta", "0", BETA),
    (lambda: UltraLIF(beta=1.5), "beta", "1.5", BETA),
    (lambda: UltraLIF(beta=NAN), "beta", "nan", BETA),
    (lambda: UltraLIF(threshold=0.0), "threshold", "0", THRESHOLD),
    (lambda: UltraLIF(threshold=-1.0), "threshold", "-1", THRESHOLD),
    (lambda: UltraLIF(threshold=INF), "threshold", "inf", THRESHOLD),
    (lambda: UltraLIF(eps=NAN), "eps", "nan", POSITIVE),
    (lambda: UltraLIF(eps=50.0), "eps", "50", "[0.1, 20]"),
    (lambda: UltraLIF(eps_min=0.0), "eps_min", "0", POSITIVE),
    (lambda: UltraLIF(eps_min=NAN), "eps_min", "nan", POSITIVE),
    (lambda: UltraLIF(eps_max=0.05), "eps_max", "0.05", "[0.1, inf)"),
    (lambda: UltraLIF(n=0), "n", "0", ">= 1"),
    (lambda: UltraLIF(n=-3), "n", "-3", ">= 1"),
    (lambda: UltraLIF(n=2.5), "n", "2.5", ">= 1"),
    (lambda: UltraLIF(learn_eps=0.5), "learn_eps", "0.5", "True or False"),
    (lambda: UltraLIF(init_hidden="yes"), "init_hidden", "'yes'", "True or False"),
    (lambda: UltraLIF(learn_beta=1), "learn_beta", "1", "True or False"),
    (lambda: UltraLIF(learn_threshold=None), "learn_threshold", "None", "True or False"),
    (lambda: UltraLIF(output=2.0), "output", "2.0", "True or False"),
    (lambda: UltraLIF().harden("yes"), "hard", "'yes'", "True or False"),
    (lambda: UltraLIF(4).init_state(0), "batch", "0", ">= 1"),
    (lambda: UltraLIF().init_state(2, n=-1), "n", "-1", ">= 1"),
    (lambda: UltraDLIF(8, coupling=-0.1), "coupling", "-0.1", "[0, inf)"),
    (lambda: UltraDLIF(8, coupling=NAN), "coupling", "nan", "[0, inf)"),
    (lambda: UltraDLIF(2), "n", "2", ">= 3"),
    (lambda: UltraDLIF(topology="grid", grid_shape=(0, 3)), "grid_shape", "0", ">= 1"),
    (lambda: UltraDLIF(8, beta=-0.5), "beta", "-0.5", BETA),
    (lambda: UltraDLIF(8, threshold=0.0), "threshold", "0", THRESHOLD),
    # SurrogateLIF
    (lambda: SurrogateLIF(beta=2.0), "beta", "2", BETA),
    (lambda: SurrogateLIF(threshold=0.0), "threshold", "0", THRESHOLD),
    (lambda: SurrogateLIF(threshold=NAN), "threshold", "nan", THRESHOLD),
    (lambda: SurrogateLIF(slope=0.0), "slope", "0", POSITIVE),
    (lambda: SurrogateLIF(slope=NAN), "slope", "nan", POSITIVE),
    (lambda: SurrogateLIF(n=0), "n", "0", ">= 1"),
    # functions of ultralif
    (lambda: soft_max_plus(torch.zeros(2, 3), -1.0), "eps", "-1", "[0, inf)"),
    (lambda: soft_max_plus(torch.zeros(2, 3), NAN), "eps", "nan", "[0, inf)"),
    (lambda: soft_max_plus(torch.zeros(2, 3), torch.tensor([0.5, 0.0])), "eps", "0", POSITIVE),
    (lambda: soft_max_plus(torch.zeros(2, 3), torch.tensor([NAN, 1.0])), "eps", "nan", POSITIVE),
    (lambda: activity_penalty(torch.ones(3), -1.0), "lam", "-1", "[0, inf)"),
    (lambda: activity_penalty(torch.ones(3), NAN), "lam", "nan", "[0, inf)"),
    # SpikingClassifier and its training loop
    (lambda: SpikingClassifier(0, 4, 2), "n_in", "0", ">= 1"),
    (lambda: SpikingClassifier(4, -1, 2), "n_hidden", "-1", ">= 1"),
    (lambda: SpikingClassifier(4, 4, 0), "n_out", "0", ">= 1"),
    (lambda: SpikingClassifier(4, 4, 2, depth=-1), "depth", "-1", ">= 1"),
    (lambda: SpikingClassifier(4, 4, 2, beta=1.2), "beta", "1.2", BETA),
    (lambda: SpikingClassifier(4, 4, 2, neuron="surrogate", threshold=-0.5), "threshold", "-0.5", THRESHOLD),
    (lambda: SpikingClassifier(4, 4, 2, neuron="lif"), "neuron", "'lif'", "one of"),
    (lambda: _train(epochs=-1), "epochs", "-1", ">= 1"),
    (lambda: _train(batch_size=0), "batch_size", "0", ">= 1"),
    (lambda: _train(lr=0.0), "lr", "0", POSITIVE),
    (lambda: _train(lr=NAN), "lr", "nan", POSITIVE),
    (lambda: _train(sparsity=-0.1), "sparsity", "-0.1", "[0, inf)"),
    (lambda: _train(seed=-1), "seed", "-1", ">= 0"),
    (lambda: _train(beta=0.0), "beta", "0", BETA),
    (lambda: _train(threshold=0.0), "threshold", "0", THRESHOLD),
    (lambda: _train(n_hidden=0), "n_hidden", "0", ">= 1"),
    (lambda: _train(x_train=_data(nan_at=(1, 2, 3))[0]), "x_train", "(1, 2, 3) (nan)", "finite"),
    (lambda: _train(y_train=np.array([0, -1, 2, 0])), "y_train", "-1", "[0, inf)"),
    (lambda: _train(y_test=np.array([0, 1.5, 2, 0])), "y_test", "1.5", "[0, inf)"),
    (lambda: evaluate(SpikingClassifier(6, 4, 3), _data(nan_at=(0, 0, 0))[0], _data()[1]), "x", "nan",
     "finite"),
    (lambda: evaluate(SpikingClassifier(6, 4, 3), _data()[0], np.array([0, 1])), "y", "2 labels",
     "one label"),
    (lambda: static_input(np.ones((3, 4)), 0), "n_steps", "0", ">= 1"),
    (lambda: static_input(np.full((3, 4), INF), 2), "images", "inf", "finite"),
    (lambda: spread([]), "values", "none", "at least one"),
    (lambda: spread([1.0, NAN]), "values", "nan", "finite"),
    # the snnTorch baseline
    (lambda: SpikingMLP(n_in=0), "n_in", "0", ">= 1"),
    (lambda: SpikingMLP(n_hidden=-2), "n_hidden", "-2", ">= 1"),
    (lambda: SpikingMLP(beta=0.0), "beta", "0", BETA),
    (lambda: SpikingMLP(threshold=-1.0), "threshold", "-1", THRESHOLD),
    (lambda: rate_code(np.ones((2, 3)), 0, seed=0), "n_steps", "0", ">= 1"),
    (lambda: rate_code(np.ones((2, 3)), 2, seed=-1), "seed", "-1", ">= 0"),
    (lambda: rate_code(np.array([[0.5, NAN]]), 2, seed=0), "images", "nan", "finite"),
    (lambda: rate_code(np.array([[0.5, 1.5]]), 2, seed=0), "images", "1.5", "[0, 1]"),
    (lambda: train_digits_snn(n_steps=0), "n_steps", "0", ">= 1"),
    (lambda: train_digits_snn(epochs=-1), "epochs", "-1", ">= 1"),
    (lambda: train_digits_snn(n_hidden=0), "n_hidden", "0", ">= 1"),
    (lambda: train_digits_snn(batch_size=0), "batch_size", "0", ">= 1"),
    (lambda: train_digits_snn(lr=-1e-3), "lr", "-0.001", POSITIVE),
    (lambda: train_digits_snn(seed=-5), "seed", "-5", ">= 0"),
]


@pytest.mark.parametrize(("call", "name", "value", "allowed"), CASES,
                         ids=[f"{c[1]}={c[2]}-{i}" for i, c in enumerate(CASES)])
def test_bad_numbers_are_refused_naming_parameter_value_and_range(call, name, value, allowed):
    with pytest.raises(ParameterError) as err:
        call()
    message = str(err.value)
    assert re.search(rf"\b{re.escape(name)}\b", message), message
    assert value in message and allowed in message, message


def test_event_core_entry_points_refuse_bad_numbers_before_building_a_network():
    from neurosparse.snn.on_core import CoreRun, build_core_network, run_on_core

    model = SpikingClassifier(6, 4, 3)
    x, _ = _data()
    bad_x = _data(nan_at=(1, 0, 2))[0]
    for call, name, value, allowed in [
        (lambda: run_on_core(model, x, batch_size=0), "batch_size", "0", ">= 1"),
        (lambda: run_on_core(model, x, dt=0.0), "dt", "0", POSITIVE),
        (lambda: run_on_core(model, x, dt=NAN), "dt", "nan", POSITIVE),
        (lambda: run_on_core(model, x, threads=0), "threads", "0", ">= 1"),
        (lambda: run_on_core(model, x, progress="yes"), "progress", "'yes'", "True or False"),
        (lambda: run_on_core(model, bad_x), "x", "(1, 0, 2) (nan)", "finite"),
        (lambda: build_core_network(model, x, dt=-1e-3), "dt", "-0.001", POSITIVE),
        (lambda: build_core_network(model, x, seed=-1), "seed", "-1", ">= 0"),
        (lambda: build_core_network(model, bad_x), "x", "nan", "finite"),
        (lambda: CoreRun(np.zeros((4, 3)), [], None, 0.0).accuracy(np.zeros(3)), "y", "(3,)", "one label"),
    ]:
        with pytest.raises(ParameterError) as err:
            call()
        message = str(err.value)
        assert re.search(rf"\b{name}\b", message) and value in message and allowed in message, message
