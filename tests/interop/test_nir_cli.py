"""``neurosparse simulate MODEL.nir`` and ``neurosparse energy MODEL.nir`` on NIR files written
by snnTorch (feed-forward, convolutional, recurrent): the output raster is snnTorch's, the
spike counts and the OpTrace are written beside it, event inputs equal raster inputs, and a
malformed or unsupported graph is one line naming the node with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")
nir = pytest.importorskip("nir")
from snntorch.export_nir import export_to_nir  # noqa: E402
from test_nir_snntorch import _binary, _leaky, _scaled, snntorch_spikes  # noqa: E402

from neurosparse.cli import main  # noqa: E402
from neurosparse.optrace import OpTrace  # noqa: E402


def _nets():
    n = 8
    return {
        "ff": (
            _scaled(
                torch.nn.Sequential(
                    torch.nn.Linear(20, 30), _leaky((30,)), torch.nn.Linear(30, 10), _leaky((10,))
                ),
                3.0,
            ),
            (20,),
            "3",
        ),
        "conv": (
            _scaled(
                torch.nn.Sequential(
                    torch.nn.Conv2d(2, 4, 3, padding=1),
                    _leaky((4, 8, 8)),
                    torch.nn.AvgPool2d(2),
                    torch.nn.Flatten(),
                    torch.nn.Linear(64, 10),
                    _leaky((10,)),
                ),
                3.0,
            ),
            (2, 8, 8),
            "5",
        ),
        "recurrent": (
            _scaled(
                torch.nn.Sequential(
                    torch.nn.Linear(6, n),
                    snn.RLeaky(
                        beta=torch.full((n,), 0.85),
                        threshold=torch.ones(n),
                        linear_features=n,
                        init_hidden=True,
                    ),
                ),
                3.0,
            ),
            (6,),
            "1",
        ),
    }


def _write(kind: str, tmp_path):
    net, shape, last = _nets()[kind]
    sample = torch.zeros(1, *shape) if kind == "conv" else torch.zeros(*shape)
    graph = export_to_nir(net, sample, ignore_dims=[0]) if kind == "conv" else export_to_nir(net, sample)
    path = tmp_path / f"{kind}.nir"
    nir.write(str(path), graph)
    return net, shape, last, path


@pytest.mark.parametrize("kind", ["ff", "conv", "recurrent"])
def test_simulate_writes_snntorchs_output_raster_counts_and_the_optrace(kind, tmp_path, capsys):
    net, shape, last, path = _write(kind, tmp_path)
    x = _binary((30, *shape), seed=1)
    np.savez(tmp_path / "in.npz", input=x)
    out = tmp_path / "out.npz"
    status = main(
        [
            "simulate",
            str(path),
            "--input",
            str(tmp_path / "in.npz"),
            "--dt",
            "1e-4",
            "--reset",
            "subtract",
            "--out",
            str(out),
        ]
    )
    assert status == 0, capsys.readouterr().err
    want = snntorch_spikes(net, x[:, None])
    module = last if kind != "recurrent" else "1"
    with np.load(out) as got:
        np.testing.assert_array_equal(got["output"], want[module][:, 0].reshape(got["output"].shape))
        counts = dict(zip(got["spike_count_nodes"], got["spike_counts"]))
        for name, spikes in want.items():
            node = f"{name}.lif" if kind == "recurrent" and name == "1" else name
            assert counts[node] == int(spikes.sum()) > 0
    trace = OpTrace.load_json(out.with_suffix(".optrace.json"))
    assert trace.totals()["synaptic_events"] > 0 and trace.n_samples == 1
    assert "wrote" in capsys.readouterr().out


def test_event_arrays_give_the_same_run_as_the_raster(tmp_path):
    _, shape, _, path = _write("ff", tmp_path)
    x = _binary((25, *shape), seed=2)
    steps, idx = np.nonzero(x)
    np.savez(tmp_path / "raster.npz", input=x)
    np.savez(tmp_path / "events.npz", t=steps * 1e-4, i=idx, n_steps=25)
    for name in ("raster", "events"):
        assert (
            main(
                [
                    "simulate",
                    str(path),
                    "--input",
                    str(tmp_path / f"{name}.npz"),
                    "--out",
                    str(tmp_path / f"{name}_out.npz"),
                ]
            )
            == 0
        )
    with np.load(tmp_path / "raster_out.npz") as a, np.load(tmp_path / "events_out.npz") as b:
        np.testing.assert_array_equal(a["output"], b["output"])
        assert a["output"].sum() > 0


def test_energy_prices_a_nir_graph_on_several_targets(tmp_path, capsys):
    _, shape, _, path = _write("conv", tmp_path)
    np.savez(tmp_path / "in.npz", input=_binary((20, *shape), seed=3))
    status = main(
        [
            "energy",
            str(path),
            "--input",
            str(tmp_path / "in.npz"),
            "--target",
            "loihi",
            "--target",
            "h100",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    rows = json.loads(out)
    assert [r["target"] for r in rows] == ["loihi", "h100"]
    assert all(r["energy_low_j"] <= r["energy_j"] <= r["energy_high_j"] and r["energy_j"] > 0 for r in rows)
    assert rows[0]["synaptic_events"] == rows[1]["synaptic_events"] > 0


def _li_feeding_a_lif(tmp_path):
    graph = nir.NIRGraph(
        nodes={
            "in": nir.Input(np.array([3])),
            "fc": nir.Linear(weight=np.ones((2, 3))),
            "li": nir.LI(tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2)),
            "fc2": nir.Linear(weight=np.ones((2, 2))),
            "lif": nir.LIF(
                tau=np.full(2, 1e-3),
                r=np.ones(2),
                v_leak=np.zeros(2),
                v_threshold=np.ones(2),
                v_reset=np.zeros(2),
            ),
            "out": nir.Output(np.array([2])),
        },
        edges=[("in", "fc"), ("fc", "li"), ("li", "fc2"), ("fc2", "lif"), ("lif", "out")],
        type_check=False,
    )
    path = tmp_path / "graded.nir"
    nir.write(str(path), graph)
    return path


@pytest.mark.parametrize("command", ["simulate", "energy"])
def test_unsupported_or_malformed_graph_is_one_line_naming_the_node_and_status_2(command, tmp_path, capsys):
    np.savez(tmp_path / "in.npz", input=np.zeros((5, 3)))
    extra = ["--target", "loihi"] if command == "energy" else ["--out", str(tmp_path / "o.npz")]
    status = main([command, str(_li_feeding_a_lif(tmp_path)), "--input", str(tmp_path / "in.npz"), *extra])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "NIR node 'li'" in err and "spikes only" in err
    broken = tmp_path / "broken.nir"
    broken.write_bytes(b"\x89HDF\r\n garbage")
    assert main([command, str(broken), "--input", str(tmp_path / "in.npz"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.nir" in err


def test_input_file_that_does_not_fit_is_refused_naming_it(tmp_path, capsys):
    _, _, _, path = _write("ff", tmp_path)
    np.savez(tmp_path / "in.npz", spikes=np.zeros((5, 20)))
    assert main(["simulate", str(path), "--input", str(tmp_path / "in.npz")]) == 2
    assert "needs 'input' or event arrays 't' and 'i'" in capsys.readouterr().err
    assert main(["simulate", str(path)]) == 2
    assert "--input is required" in capsys.readouterr().err
