"""Graphs exported by snnTorch run on the event core with snnTorch's spikes, step for step,
and graphs exported from neurosparse run in snnTorch (``import_from_nir``) with the core's.

The snnTorch references run in float64 (a Heaviside that keeps the dtype replaces the
surrogate, whose forward pass is the same step) on binary spikes, so they compute the core's
map in another order of additions; the core's per-layer delay is undone by the importer
(outputs are aligned to model steps). snnTorch 1.0's exporter needs ``beta`` and
``threshold`` as per-neuron tensors (nir 1.0.8 checks the shapes), and convolutional nets a
batch-1 sample with ``ignore_dims=[0]``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")
nir = pytest.importorskip("nir")
from snntorch.export_nir import export_to_nir  # noqa: E402
from snntorch.import_nir import import_from_nir  # noqa: E402

import neurosparse as ns  # noqa: E402
from neurosparse.interop.nir_export import export_network, export_torch, write_nir  # noqa: E402
from neurosparse.interop.nir_import import import_nir  # noqa: E402
from neurosparse.snn.classifier import SpikingClassifier  # noqa: E402

NEURONS = (snn.Leaky, snn.RLeaky, snn.Synaptic)


def _leaky(shape, beta=0.9, **kwargs):
    return snn.Leaky(beta=torch.full(shape, beta), threshold=torch.ones(shape), init_hidden=True, **kwargs)


def _scaled(net: torch.nn.Module, gain: float) -> torch.nn.Module:
    torch.manual_seed(0)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
                m.weight.mul_(gain)
    return net


def snntorch_spikes(net: torch.nn.Module, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every snnTorch neuron's spikes ``[T, B, ...]``, by the module's name, run in float64."""
    ref = copy.deepcopy(net).double()
    record: dict[str, list] = {}
    for name, m in ref.named_modules():
        if isinstance(m, NEURONS):
            m.spike_grad = lambda u: (u > 0).to(u.dtype)
            m.reset_mem()
            m.register_forward_hook(
                lambda mod, i, o, name=name: record.setdefault(name, []).append(
                    (o[0] if isinstance(o, tuple) else o).numpy().copy()
                )
            )
    with torch.no_grad():
        for x_t in torch.from_numpy(x):
            ref(x_t)
    return {name: np.array(v) for name, v in record.items()}


def _binary(shape, p=0.3, seed=0):
    return (np.random.default_rng(seed).random(shape) < p).astype(np.float64)


def _assert_equal_spikes(run, want: dict[str, np.ndarray], node_of) -> None:
    for module, spikes in want.items():
        got = run.spikes[node_of(module)]
        assert spikes.sum() > 20, f"{module}: the comparison needs activity"
        np.testing.assert_array_equal(got, spikes.reshape(got.shape).astype(np.uint8), err_msg=module)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_feed_forward_leaky_net_spikes_as_snntorch(reset):
    net = _scaled(
        torch.nn.Sequential(
            torch.nn.Linear(20, 30),
            _leaky((30,), reset_mechanism=reset),
            torch.nn.Linear(30, 10),
            _leaky((10,), 0.8, reset_mechanism=reset),
        ),
        3.0,
    )
    graph = export_to_nir(net, torch.zeros(20))
    x = _binary((40, 8, 20))
    run = import_nir(graph, dt=1e-4, reset=reset).run(x)
    _assert_equal_spikes(run, snntorch_spikes(net, x), lambda name: name)
    np.testing.assert_array_equal(run.outputs["output"], run.spikes["3"])


def test_convolutional_net_with_pooling_and_flatten_spikes_as_snntorch():
    net = _scaled(
        torch.nn.Sequential(
            torch.nn.Conv2d(2, 4, 3, padding=1),
            _leaky((4, 8, 8)),
            torch.nn.AvgPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(64, 10),
            _leaky((10,)),
        ),
        3.0,
    )
    graph = export_to_nir(net, torch.zeros(1, 2, 8, 8), ignore_dims=[0])
    x = _binary((25, 6, 2, 8, 8))
    model = import_nir(graph, dt=1e-4, reset="subtract")
    assert model.layers["1"].shape == (4, 8, 8) and model.layers["5"].depth == 2
    _assert_equal_spikes(model.run(x), snntorch_spikes(net, x), lambda name: name)


@pytest.mark.parametrize("all_to_all", [True, False])
def test_recurrent_rleaky_net_spikes_as_snntorch(all_to_all):
    n = 8
    rec = (
        snn.RLeaky(beta=torch.full((n,), 0.85), threshold=torch.ones(n), linear_features=n, init_hidden=True)
        if all_to_all
        else snn.RLeaky(
            beta=torch.full((n,), 0.85),
            threshold=torch.ones(n),
            all_to_all=False,
            V=torch.linspace(-0.5, 0.8, n),
            init_hidden=True,
        )
    )
    net = _scaled(torch.nn.Sequential(torch.nn.Linear(6, n), rec, torch.nn.Linear(n, 4), _leaky((4,))), 2.5)
    if all_to_all:
        with torch.no_grad():
            rec.recurrent.weight.mul_(2.0)
    graph = export_to_nir(net, torch.zeros(6))
    x = _binary((50, 5, 6))
    model = import_nir(graph, dt=1e-4, reset="subtract")
    assert any(p.recurrent and p.source == p.target == "1.lif" for p in model.projections)
    _assert_equal_spikes(
        model.run(x), snntorch_spikes(net, x), lambda name: f"{name}.lif" if name == "1" else name
    )


def test_synaptic_cubalif_net_spikes_as_snntorch():
    syn = snn.Synaptic(
        alpha=torch.full((12,), 0.7), beta=torch.full((12,), 0.85), threshold=torch.ones(12), init_hidden=True
    )
    net = _scaled(
        torch.nn.Sequential(torch.nn.Linear(10, 12), syn, torch.nn.Linear(12, 5), _leaky((5,))), 1.5
    )
    with torch.no_grad():
        net[2].weight.mul_(3.0)
    graph = export_to_nir(net, torch.zeros(10))
    assert type(graph.nodes["1"]).__name__ == "CubaLIF"
    x = _binary((40, 6, 10))
    _assert_equal_spikes(
        import_nir(graph, dt=1e-4, reset="subtract").run(x), snntorch_spikes(net, x), lambda name: name
    )


def test_nir_files_written_by_snntorch_read_back_with_the_same_spikes(tmp_path):
    net = _scaled(
        torch.nn.Sequential(torch.nn.Linear(20, 30), _leaky((30,)), torch.nn.Linear(30, 10), _leaky((10,))),
        3.0,
    )
    path = tmp_path / "ff.nir"
    nir.write(str(path), export_to_nir(net, torch.zeros(20)))
    x = _binary((30, 4, 20), seed=2)
    from_file = import_nir(path, dt=1e-4, reset="subtract").run(x)
    _assert_equal_spikes(from_file, snntorch_spikes(net, x), lambda name: name)


# ------------------------------------------------------------- export to snnTorch
def _run_snntorch_import(graph, x: np.ndarray) -> np.ndarray:
    """snnTorch's import_from_nir of ``graph``, stepped over ``x`` ``[T, B, n]``: its outputs."""
    model = import_from_nir(graph)
    state, out = None, []
    with torch.no_grad():
        for x_t in torch.from_numpy(x).float():
            y, state = model(x_t, state)
            y = y[0] if isinstance(y, tuple) else y  # its IF (a Leaky without init_hidden) gives (spk, mem)
            out.append(y.numpy().copy())
    return np.array(out)


def test_core_network_exported_runs_in_snntorch_with_the_core_spikes(tmp_path):
    rng = np.random.default_rng(3)
    net = ns.Network(dt=1e-4, seed=0)
    net.add_input("in", ns.SpikeTimes(10, np.zeros(0), np.zeros(0, np.int64)))
    net.add_population(
        "h", 16, ns.DiscreteLIF(beta=0.9, v_th=1.0, reset="zero"), ports={"x": ns.DeltaSynapse()}
    )
    net.add_population(
        "o", 4, ns.DiscreteLIF(beta=0.8, v_th=1.0, reset="zero"), ports={"x": ns.DeltaSynapse()}
    )
    net.connect("in", "h", "x", ns.FromSparse(_sparse(rng, 10, 16)), delay=1e-4)
    net.connect("h", "o", "x", ns.FromSparse(_sparse(rng, 16, 4)), delay=2e-4)  # one extra step: a Delay node
    graph = export_network(net, outputs=["o"])
    assert {type(n).__name__ for n in graph.nodes.values()} >= {"LIF", "Linear", "Delay"}
    path = write_nir(graph, tmp_path / "net.nir")
    x = _binary((30, 5, 10), p=0.5, seed=4)
    core = import_nir(path, dt=1e-4).run(x)
    # snnTorch's importer has no Delay node: compare the layer before it, which it runs as written
    first_layer = nir.NIRGraph(
        nodes={
            "in": graph.nodes["in"],
            "in->h:x": graph.nodes["in->h:x"],
            "h": graph.nodes["h"],
            "out": nir.Output(np.array([16])),
        },
        edges=[("in", "in->h:x"), ("in->h:x", "h"), ("h", "out")],
        type_check=False,
    )
    theirs = _run_snntorch_import(first_layer, x)
    assert core.spikes["h"].sum() > 50
    np.testing.assert_array_equal(theirs.astype(np.uint8), core.spikes["h"])


def _sparse(rng, n_pre, n_post):
    import scipy.sparse as sp

    w = rng.uniform(-0.2, 0.9, (n_pre, n_post)).astype(np.float32) * (rng.random((n_pre, n_post)) < 0.7)
    return sp.csr_matrix(w.astype(np.float64))


@pytest.mark.parametrize("neuron", ["surrogate", "ultralif"])
def test_spiking_classifier_exported_runs_in_snntorch_and_on_the_core_as_in_pytorch(neuron, tmp_path):
    torch.manual_seed(0)
    model = SpikingClassifier(12, 20, 4, depth=2, neuron=neuron, beta=0.8)
    with torch.no_grad():
        for lin in model.linears:
            lin.weight.mul_(4.0)
            lin.bias.uniform_(-0.3, 0.6)
    if neuron == "surrogate":  # snnTorch's importer resets to zero
        for layer in model.neurons:
            layer.reset = "zero"
    path = write_nir(export_torch(model, threshold_as="lif"), tmp_path / "clf.nir")
    x = _binary((6, 10, 12), p=0.5, seed=1)
    with torch.no_grad():
        logits, spikes = copy.deepcopy(model).double().harden()(torch.from_numpy(x))
    core = import_nir(path, dt=1e-4).run(x)
    for k, s in enumerate(spikes):
        assert 0.05 < s.numpy().mean() < 0.95
        np.testing.assert_array_equal(core.spikes[f"lif{k + 1}"], s.numpy().astype(np.uint8))
    # the readout's per-step values average to the logits, in the core and in snnTorch
    np.testing.assert_allclose(core.outputs["output"].mean(0), logits.numpy(), rtol=1e-6, atol=1e-6)
    theirs = _run_snntorch_import(nir.read(str(path)), x)
    np.testing.assert_allclose(theirs.mean(0), logits.numpy(), rtol=1e-5, atol=1e-5)


def test_hardened_ultralif_is_a_threshold_of_its_input():
    """max(v - leak, X) > v_th exactly when X > v_th, since v <= v_th after every step."""
    torch.manual_seed(2)
    model = SpikingClassifier(8, 16, 3, depth=1, neuron="ultralif", beta=0.95)
    with torch.no_grad():
        model.linears[0].weight.mul_(5.0)
    graph = export_torch(model)
    assert type(graph.nodes["lif1"]).__name__ == "Threshold"
    x = np.random.default_rng(0).uniform(0, 1, (12, 20, 8))
    with torch.no_grad():
        _, spikes = copy.deepcopy(model).double().harden()(torch.from_numpy(x))
    drive = (
        x @ model.linears[0].weight.detach().double().numpy().T
        + model.linears[0].bias.detach().double().numpy()
    )
    np.testing.assert_array_equal(spikes[0].numpy(), (drive > 1.0).astype(float))
    core = import_nir(graph, dt=1e-4).run(x)  # real-valued input: the first layer on the host
    np.testing.assert_array_equal(core.spikes["lif1"], spikes[0].numpy().astype(np.uint8))


def test_if_integrates_where_snntorchs_importer_leaks():
    graph = nir.NIRGraph(
        nodes={
            "in": nir.Input(np.array([1])),
            "w": nir.Linear(weight=np.array([[3000.0]])),
            "if": nir.IF(r=np.array([1.0]), v_threshold=np.array([1.0]), v_reset=np.array([0.0])),
            "out": nir.Output(np.array([1])),
        },
        edges=[("in", "w"), ("w", "if"), ("if", "out")],
        type_check=False,
    )
    x = np.ones((20, 1, 1))
    core = import_nir(graph, dt=1e-4).run(
        x
    )  # v gains dt r w = 0.3 a step: spikes at steps 3, 7, 11, ... (reset to 0)
    np.testing.assert_array_equal(np.flatnonzero(core.outputs["out"][:, 0, 0]), [3, 7, 11, 15, 19])
    theirs = _run_snntorch_import(graph, x)  # Leaky(beta=0.9): v -> 3 slowly, a different train
    assert not np.array_equal(theirs[:, 0, 0].astype(np.uint8), core.outputs["out"][:, 0, 0])


def test_spiking_mlp_exported_by_neurosparse_keeps_its_subtractive_reset():
    """snnTorch's own exporter needs tensor parameters and drops the reset; ours writes it in
    the nodes' metadata, which the importer reads: the core spikes as the model."""
    from neurosparse.snn.baseline import SpikingMLP

    torch.manual_seed(1)
    mlp = SpikingMLP(n_in=16, n_hidden=24, n_out=6, beta=0.85)
    with torch.no_grad():
        mlp.fc1.weight.mul_(4.0)
        mlp.fc2.weight.mul_(3.0)
    graph = export_torch(mlp)
    assert graph.nodes["lif1"].metadata == {"reset": "subtract"}
    x = _binary((30, 7, 16), p=0.4, seed=5)
    want = snntorch_spikes(torch.nn.Sequential(mlp.fc1, mlp.lif1, mlp.fc2, mlp.lif2), x)
    run = import_nir(graph, dt=1e-4).run(x)
    _assert_equal_spikes(run, {"lif1": want["1"], "lif2": want["3"]}, lambda name: name)


def test_convolutional_sequential_exported_by_neurosparse_spikes_as_pytorch():
    net = _scaled(torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), _leaky((3, 4, 4)), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(12, 5), _leaky((5,), reset_mechanism="zero")), 3.0)
    graph = export_torch(net, (2, 8, 8))
    assert [type(graph.nodes[k]).__name__ for k in ("0", "2", "3")] == ["Conv2d", "AvgPool2d", "Flatten"]
    x = _binary((25, 6, 2, 8, 8), seed=6)
    _assert_equal_spikes(import_nir(graph, dt=1e-4).run(x), snntorch_spikes(net, x), lambda name: name)
