"""Every NIR primitive the registry supports, round-tripped: written and read back by NIR,
run on the event core against an independent simulator of its discrete-time meaning
(``nir_reference``), and exported back to NIR and imported again with the same outputs.

The examples are enumerated from :data:`neurosparse.interop.nir_primitives.PRIMITIVES`, so a
primitive added to the registry without an example here fails
``test_every_registered_primitive_has_an_example``.
"""

from __future__ import annotations

import numpy as np
import pytest

nir = pytest.importorskip("nir")
pytest.importorskip("torch")

from nir_reference import simulate  # noqa: E402

from neurosparse.interop.nir_export import export_network, write_nir  # noqa: E402
from neurosparse.interop.nir_import import import_nir  # noqa: E402
from neurosparse.interop.nir_primitives import PRIMITIVES  # noqa: E402

DT = 1e-3
T, B = 30, 3


def _f32(a) -> np.ndarray:
    """Values float32 holds exactly (the core stores weights as float32)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def _w(rng, n_out, n_in, scale=1.2):
    return _f32(rng.uniform(-0.3, 1.0, (n_out, n_in)) * scale)


def lif(rng, shape):
    return nir.LIF(
        tau=rng.uniform(2e-3, 8e-3, shape),
        r=rng.uniform(0.6, 1.5, shape),
        v_leak=rng.uniform(-0.05, 0.1, shape),
        v_threshold=rng.uniform(0.8, 1.2, shape),
        v_reset=rng.uniform(-0.2, 0.0, shape),
    )


def _graph(nodes: dict, edges: list) -> object:
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _chain(*pairs) -> tuple[dict, list]:
    nodes = dict(pairs)
    names = list(nodes)
    return nodes, list(zip(names[:-1], names[1:]))


def ex_affine(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([6]))),
            ("fc", nir.Affine(weight=_w(rng, 8, 6), bias=_f32(rng.uniform(-0.1, 0.3, 8)))),
            ("lif", lif(rng, 8)),
            ("out", nir.Output(np.array([8]))),
        )
    )


def ex_input(rng):
    nodes, edges = ex_affine(rng).nodes, ex_affine(rng).edges
    nodes = dict(nodes, echo=nir.Output(np.array([6])))
    return _graph(nodes, list(edges) + [("in", "echo")])


def ex_output(rng):  # a readout: the Output reads the linear node after the last layer
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([6]))),
            ("fc", nir.Linear(weight=_w(rng, 8, 6))),
            ("lif", lif(rng, 8)),
            ("readout", nir.Affine(weight=_w(rng, 3, 8), bias=_f32([0.1, -0.2, 0.3]))),
            ("out", nir.Output(np.array([3]))),
        )
    )


def ex_linear(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([6]))),
            ("fc", nir.Linear(weight=_w(rng, 5, 6, 0.4))),
            ("if", nir.IF(r=rng.uniform(300, 600, 5), v_threshold=np.ones(5), v_reset=np.zeros(5))),
            ("out", nir.Output(np.array([5]))),
        )
    )


def ex_scale(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([6]))),
            ("scale", nir.Scale(scale=_f32(rng.uniform(0.5, 2, 6)))),
            ("lif", lif(rng, 6)),
            ("out", nir.Output(np.array([6]))),
        )
    )


def ex_conv1d(rng):
    w = _f32(rng.uniform(-0.4, 1.0, (3, 2, 3)))
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([2, 12]))),
            (
                "conv",
                nir.Conv1d(
                    input_shape=12,
                    weight=w,
                    stride=2,
                    padding=1,
                    dilation=1,
                    groups=1,
                    bias=_f32([0.1, 0.0, -0.1]),
                ),
            ),
            ("lif", lif(rng, (3, 6))),
            ("out", nir.Output(np.array([3, 6]))),
        )
    )


def ex_conv2d(rng):
    w = _f32(rng.uniform(-0.4, 1.0, (4, 1, 3, 3)))
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([2, 7, 7]))),
            (
                "conv",
                nir.Conv2d(
                    input_shape=(7, 7),
                    weight=w,
                    stride=1,
                    padding=2,
                    dilation=2,
                    groups=2,
                    bias=_f32([0.1, 0.0, -0.1, 0.2]),
                ),
            ),
            ("lif", lif(rng, (4, 7, 7))),
            ("out", nir.Output(np.array([4, 7, 7]))),
        )
    )


def ex_sumpool2d(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([2, 6, 6]))),
            (
                "pool",
                nir.SumPool2d(
                    kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])
                ),
            ),
            (
                "if",
                nir.IF(
                    r=np.full((2, 3, 3), 700.0), v_threshold=np.ones((2, 3, 3)), v_reset=np.zeros((2, 3, 3))
                ),
            ),
            ("out", nir.Output(np.array([2, 3, 3]))),
        )
    )


def ex_avgpool2d(rng):
    w = _f32(rng.uniform(-0.3, 1.0, (3, 2, 3, 3)))
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([2, 6, 6]))),
            (
                "conv",
                nir.Conv2d(
                    input_shape=(6, 6), weight=w, stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(3)
                ),
            ),
            ("lif1", lif(rng, (3, 6, 6))),
            (
                "pool",
                nir.AvgPool2d(
                    kernel_size=np.array([3, 3]), stride=np.array([2, 2]), padding=np.array([1, 1])
                ),
            ),
            ("flat", nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0, end_dim=-1)),
            ("fc", nir.Affine(weight=_w(rng, 5, 27, 0.6), bias=np.zeros(5))),
            ("lif2", lif(rng, 5)),
            ("out", nir.Output(np.array([5]))),
        )
    )


def ex_flatten(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([2, 3, 3]))),
            ("flat", nir.Flatten(input_type={"input": np.array([2, 3, 3])}, start_dim=0, end_dim=-1)),
            ("fc", nir.Affine(weight=_w(rng, 6, 18, 0.5), bias=np.zeros(6))),
            ("lif", lif(rng, 6)),
            ("out", nir.Output(np.array([6]))),
        )
    )


def ex_delay(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([5]))),
            ("fc", nir.Affine(weight=_w(rng, 6, 5), bias=np.zeros(6))),
            ("delay", nir.Delay(delay=DT * np.array([0, 1, 2, 3, 1, 5.0]))),
            ("lif", lif(rng, 6)),
            ("out", nir.Output(np.array([6]))),
        )
    )


def ex_threshold(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([5]))),
            ("fc", nir.Affine(weight=_w(rng, 6, 5), bias=np.zeros(6))),
            ("thr", nir.Threshold(threshold=rng.uniform(0.5, 1.0, 6))),
            ("out", nir.Output(np.array([6]))),
        )
    )


def ex_lif(rng):
    return ex_affine(rng)


def ex_cubalif(rng):
    n = 6
    node = nir.CubaLIF(
        tau_syn=rng.uniform(2e-3, 6e-3, n),
        tau_mem=rng.uniform(3e-3, 9e-3, n),
        r=rng.uniform(0.8, 1.5, n),
        v_leak=rng.uniform(-0.05, 0.05, n),
        v_threshold=rng.uniform(0.8, 1.1, n),
        v_reset=np.zeros(n),
        w_in=rng.uniform(1.0, 3.0, n),
    )
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([5]))),
            ("fc", nir.Affine(weight=_w(rng, n, 5), bias=np.zeros(n))),
            ("cuba", node),
            ("out", nir.Output(np.array([n]))),
        )
    )


def ex_if(rng):
    return ex_linear(rng)


def ex_li(rng):  # LI read at an Output and thresholded: one population, membrane and spikes
    nodes = {
        "in": nir.Input(np.array([5])),
        "fc1": nir.Affine(weight=_w(rng, 6, 5), bias=np.zeros(6)),
        "lif": lif(rng, 6),
        "fc2": nir.Linear(weight=_w(rng, 4, 6)),
        "li": nir.LI(tau=rng.uniform(3e-3, 9e-3, 4), r=rng.uniform(0.8, 1.5, 4), v_leak=np.zeros(4)),
        "thr": nir.Threshold(threshold=np.full(4, 0.6)),
        "v": nir.Output(np.array([4])),
        "spikes": nir.Output(np.array([4])),
    }
    edges = [
        ("in", "fc1"),
        ("fc1", "lif"),
        ("lif", "fc2"),
        ("fc2", "li"),
        ("li", "v"),
        ("li", "thr"),
        ("thr", "spikes"),
    ]
    return _graph(nodes, edges)


def ex_cubali(rng):
    node = nir.CubaLI(
        tau_syn=np.full(4, 3e-3),
        tau_mem=rng.uniform(4e-3, 9e-3, 4),
        r=np.ones(4),
        v_leak=np.zeros(4),
        w_in=np.full(4, 2.0),
    )
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([5]))),
            ("fc1", nir.Affine(weight=_w(rng, 6, 5), bias=np.zeros(6))),
            ("lif", lif(rng, 6)),
            ("fc2", nir.Linear(weight=_w(rng, 4, 6))),
            ("cubali", node),
            ("out", nir.Output(np.array([4]))),
        )
    )


def ex_i(rng):
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([5]))),
            ("fc", nir.Affine(weight=_w(rng, 4, 5, 0.5), bias=np.zeros(4))),
            ("i", nir.I(r=np.full(4, 400.0))),
            ("thr", nir.Threshold(threshold=np.full(4, 1.5))),
            ("out", nir.Output(np.array([4]))),
        )
    )


def ex_nirgraph(rng):  # snnTorch's RLeaky as a nested graph: a recurrent edge inside
    inner = nir.NIRGraph(
        nodes={
            "input": nir.Input(np.array([5])),
            "lif": lif(rng, 5),
            "w_rec": nir.Linear(weight=_w(rng, 5, 5, 0.5) - 0.3),
            "output": nir.Output(np.array([5])),
        },
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
        type_check=False,
    )
    return _graph(
        *_chain(
            ("in", nir.Input(np.array([4]))),
            ("fc", nir.Affine(weight=_w(rng, 5, 4), bias=np.zeros(5))),
            ("rnn", inner),
            ("out", nir.Output(np.array([5]))),
        )
    )


EXAMPLES = {
    "NIRGraph": ex_nirgraph,
    "Input": ex_input,
    "Output": ex_output,
    "Affine": ex_affine,
    "Linear": ex_linear,
    "Scale": ex_scale,
    "Conv1d": ex_conv1d,
    "Conv2d": ex_conv2d,
    "SumPool2d": ex_sumpool2d,
    "AvgPool2d": ex_avgpool2d,
    "Flatten": ex_flatten,
    "Delay": ex_delay,
    "Threshold": ex_threshold,
    "LIF": ex_lif,
    "CubaLIF": ex_cubalif,
    "IF": ex_if,
    "LI": ex_li,
    "CubaLI": ex_cubali,
    "I": ex_i,
}
#: Examples fed a real-valued input (the host path); the others get binary spikes.
REAL_VALUED = {"Scale"}


def _inputs(name: str, graph, seed: int = 0) -> np.ndarray:
    (inp,) = [n for n in graph.nodes.values() if type(n).__name__ == "Input"]
    shape = tuple(int(s) for s in inp.input_type["input"])
    rng = np.random.default_rng(seed)
    if name in REAL_VALUED:
        return rng.uniform(0.0, 0.8, (T, B, *shape))
    return (rng.random((T, B, *shape)) < 0.4).astype(np.float64)


def _assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    if got.dtype == np.uint8:
        np.testing.assert_array_equal(got, want.astype(np.uint8), err_msg=what)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9, err_msg=what)


def test_every_registered_primitive_has_an_example():
    assert set(EXAMPLES) == set(PRIMITIVES)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_survives_nir_files_and_runs_as_its_discrete_time_meaning(name, tmp_path):
    graph = EXAMPLES[name](np.random.default_rng(1))
    path = write_nir(graph, tmp_path / f"{name}.nir")
    x = _inputs(name, graph)
    run = import_nir(path, dt=DT).run(x)
    for b in range(B):
        want = simulate(graph, x[:, b], DT)
        for out in run.outputs:
            _assert_same(run.outputs[out][:, b], want[out], f"{name}: output {out!r}, sample {b}")
        for node, raster in run.spikes.items():
            if node in want:  # top-level nodes (the reference keeps nested graphs' nodes inside)
                _assert_same(raster[:, b], want[node], f"{name}: spikes of {node!r}, sample {b}")
    spikes = sum(run.spike_counts().values())
    assert spikes > 0 or not run.spikes, f"{name}: the example should spike"


@pytest.mark.parametrize("name", ["LIF", "CubaLIF", "IF", "NIRGraph", "AvgPool2d"])
def test_subtractive_reset_runs_as_snntorch_delays_it(name):
    graph = EXAMPLES[name](np.random.default_rng(2))
    x = _inputs(name, graph, seed=3)
    run = import_nir(graph, dt=DT, reset="subtract").run(x)
    for b in range(B):
        want = simulate(graph, x[:, b], DT, reset="subtract")
        for out in run.outputs:
            _assert_same(run.outputs[out][:, b], want[out], f"{name}: output {out!r}")


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_exported_back_from_the_core_gives_the_same_outputs(name):
    graph = EXAMPLES[name](np.random.default_rng(4))
    model = import_nir(graph, dt=DT)
    x = _inputs(name, graph, seed=5)
    first = model.run(x)
    reads = {out: (r.source, r.what) for out, r in model.reads.items() if r.what != "input"}
    # a core network holds flat populations: the exported graph's shapes are flat
    again = import_nir(export_network(model.to_network(), outputs=reads), dt=DT).run(x.reshape(T, B, -1))
    for out in reads:
        got = again.outputs[out].reshape(first.outputs[out].shape)
        _assert_same(got, first.outputs[out].astype(got.dtype), f"{name}: {out}")
    assert sum(again.spike_counts().values()) == sum(first.spike_counts().values())
