"""Malformed or unsupported NIR graphs are refused with an error naming the node and the reason;
bad arguments name the argument."""

from __future__ import annotations

import numpy as np
import pytest

nir = pytest.importorskip("nir")

import neurosparse as ns  # noqa: E402
from neurosparse.errors import MissingFileError, NeurosparseError, ParameterError  # noqa: E402
from neurosparse.interop.nir_export import export_network  # noqa: E402
from neurosparse.interop.nir_import import NIRTimingWarning, import_nir  # noqa: E402
from neurosparse.interop.nir_primitives import NIRGraphError  # noqa: E402


def _lif(n, tau=5e-3):
    return nir.LIF(
        tau=np.full(n, tau), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n), v_reset=np.zeros(n)
    )


def _graph(nodes, edges):
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _basic(**replace):
    nodes = {
        "in": nir.Input(np.array([3])),
        "fc": nir.Affine(weight=np.ones((4, 3)), bias=np.zeros(4)),
        "lif": _lif(4),
        "out": nir.Output(np.array([4])),
    }
    nodes.update(replace)
    return _graph(nodes, [("in", "fc"), ("fc", "lif"), ("lif", "out")])


class Spiral:
    """A node type NIR does not have."""


@pytest.mark.parametrize(
    "graph, node, reason",
    [
        (_basic(lif=Spiral()), "lif", "Spiral has no meaning on the event core"),
        (_basic(fc=nir.Affine(weight=np.ones((4, 5)), bias=np.zeros(4))), "fc", "does not fit an input of 3"),
        (_basic(lif=_lif(4, tau=-1e-3)), "lif", "tau must be > 0"),
        (_basic(lif=_lif(4, tau=1e-5)), "lif", "forward Euler"),
        (
            _graph(
                {
                    "in": nir.Input(np.array([3])),
                    "fc": nir.Affine(weight=np.ones((4, 3)), bias=np.zeros(4)),
                    "d": nir.Delay(delay=np.full(4, 1.5e-4)),
                    "lif": _lif(4),
                    "out": nir.Output(np.array([4])),
                },
                [("in", "fc"), ("fc", "d"), ("d", "lif"), ("lif", "out")],
            ),
            "d",
            "whole number of steps",
        ),
        (
            _graph(
                {
                    "in": nir.Input(np.array([3])),
                    "fc": nir.Affine(weight=np.ones((4, 3)), bias=np.zeros(4)),
                    "li": nir.LI(tau=np.full(4, 5e-3), r=np.ones(4), v_leak=np.zeros(4)),
                    "fc2": nir.Linear(weight=np.ones((2, 4))),
                    "lif": _lif(2),
                    "out": nir.Output(np.array([2])),
                },
                [("in", "fc"), ("fc", "li"), ("li", "fc2"), ("fc2", "lif"), ("lif", "out")],
            ),
            "li",
            "transmits spikes only",
        ),
        (
            _graph(
                {
                    "in": nir.Input(np.array([3])),
                    "a": nir.Linear(weight=np.eye(3)),
                    "b": nir.Linear(weight=np.eye(3)),
                    "lif": _lif(3),
                    "out": nir.Output(np.array([3])),
                },
                [("in", "a"), ("a", "b"), ("b", "a"), ("b", "lif"), ("lif", "out")],
            ),
            "a",
            "cycle through linear nodes",
        ),
        (
            _graph(
                {
                    "in": nir.Input(np.array([2, 5, 5])),
                    "conv": nir.Conv2d(
                        input_shape=(5, 5),
                        weight=np.ones((2, 3, 3, 3)),
                        stride=1,
                        padding=0,
                        dilation=1,
                        groups=1,
                        bias=np.zeros(2),
                    ),
                    "lif": _lif(18),
                    "out": nir.Output(np.array([18])),
                },
                [("in", "conv"), ("conv", "lif"), ("lif", "out")],
            ),
            "conv",
            "do not fit groups=1",
        ),
        (
            _graph(
                {"in": nir.Input(np.array([3])), "lif": _lif(4), "out": nir.Output(np.array([4]))},
                [("in", "lif"), ("lif", "out")],
            ),
            "lif",
            r"has 4 neurons but its input has shape \(3,\)",
        ),
        (
            _graph(
                {"in": nir.Input(np.array([3])), "lif": _lif(3), "out": nir.Output(np.array([3]))},
                [("in", "lif"), ("lif", "out"), ("gone", "lif")],
            ),
            "gone",
            "the graph does not have",
        ),
        (
            _graph({"in": nir.Input(np.array([3])), "lif": _lif(3)}, [("in", "lif")]),
            "(graph)",
            "no Output node",
        ),
        (
            _graph({"lif": _lif(3), "out": nir.Output(np.array([3]))}, [("lif", "out")]),
            "(graph)",
            "no Input node",
        ),
        (
            _graph(
                {
                    "in": nir.Input(np.array([3])),
                    "lif": _lif(3),
                    "x": _lif(3),
                    "out": nir.Output(np.array([3])),
                },
                [("in", "lif"), ("lif", "out")],
            ),
            "x",
            "no edge leads into this node",
        ),
    ],
)
def test_bad_graph_is_refused_naming_the_node(graph, node, reason):
    with pytest.raises(NIRGraphError, match=reason) as info:
        import_nir(graph, dt=1e-4)
    assert info.value.node == node
    assert str(info.value).startswith(f"NIR node {node!r}: ")
    assert isinstance(info.value, NeurosparseError) and "\n" not in str(info.value)


def test_loop_through_two_layers_without_delay_runs_with_a_timing_warning():
    nodes = {
        "in": nir.Input(np.array([2])),
        "a": _lif(2),
        "ab": nir.Linear(weight=np.eye(2)),
        "b": _lif(2),
        "ba": nir.Linear(weight=np.eye(2)),
        "out": nir.Output(np.array([2])),
    }
    edges = [("in", "a"), ("a", "ab"), ("ab", "b"), ("b", "ba"), ("ba", "a"), ("b", "out")]
    with pytest.warns(NIRTimingWarning, match="'b' -> 'a'"):
        model = import_nir(_graph(nodes, edges), dt=1e-4)
    assert [p.delay for p in model.projections if p.source == "b"] == [1]
    # one Delay step on the loop makes it exact: b's spike of step t reaches a at step t + 1
    nodes["d"] = nir.Delay(delay=np.full(2, 1e-4))
    edges = edges[:4] + [("ba", "d"), ("d", "a"), ("b", "out")]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", NIRTimingWarning)
        exact = import_nir(_graph(nodes, edges), dt=1e-4)
    assert [p.delay for p in exact.projections if p.source == "b"] == [1]


def test_missing_and_corrupt_files_are_named(tmp_path):
    with pytest.raises(MissingFileError, match="nope.nir"):
        import_nir(tmp_path / "nope.nir")
    bad = tmp_path / "bad.nir"
    bad.write_bytes(b"not hdf5 at all")
    with pytest.raises(NIRGraphError, match="bad.nir"):
        import_nir(bad)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dt=0.0), "dt"),
        (dict(dt=float("nan")), "dt"),
        (dict(method="rk4"), "method"),
        (dict(reset="soft"), "reset"),
    ],
)
def test_bad_import_arguments_are_named(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        import_nir(_basic(), **kwargs)


def test_inputs_of_the_wrong_shape_are_named():
    model = import_nir(_basic(), dt=1e-4)
    with pytest.raises(ParameterError, match=r"input 'in' must be \[T, 3\] or \[T, B, 3\]"):
        model.run(np.zeros((10, 4)))
    with pytest.raises(ParameterError, match="finite"):
        model.run(np.full((10, 3), np.nan))
    with pytest.raises(ParameterError, match="batch_size"):
        model.run(np.zeros((10, 3)), batch_size=0)


def _net(model, **kwargs):
    net = ns.Network(dt=1e-4, seed=0)
    net.add_input("in", ns.SpikeTimes(3, np.zeros(0), np.zeros(0, np.int64)))
    net.add_population("p", 4, model, ports=kwargs.pop("ports", {"x": ns.DeltaSynapse()}))
    port = next(iter(net.populations["p"].ports))
    net.connect("in", "p", port, ns.AllToAll(), weight=kwargs.pop("weight", 0.5), delay=1e-4, **kwargs)
    return net


@pytest.mark.parametrize(
    "build, reason",
    [
        (
            lambda: _net(ns.AdaptiveLIF(), ports={"e": ns.CurrentSynapse(5e-3)}, weight=1e-10),
            "AdaptiveLIF has no NIR",
        ),
        (lambda: _net(ns.DiscreteLIF(), plasticity=ns.STDP(w_min=0.0, w_max=1.0)), "plastic projection"),
        (lambda: _net(ns.MaxPlusLIF(t_ref=2e-4)), "refractory period"),
    ],
)
def test_export_refuses_what_nir_cannot_say_naming_it(build, reason):
    with pytest.raises(NIRGraphError, match=reason):
        export_network(build())


def test_export_refuses_a_time_varying_current():
    net = _net(ns.DiscreteLIF())
    net.add_current("p", ns.TimedArray(np.ones(3), dt=1e-4))
    with pytest.raises(NIRGraphError, match="'p': a time-varying current"):
        export_network(net)
