"""Spike plots draw exactly the recorded data into the Axes they are given (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from neurosparse.analysis import isi_cv  # noqa: E402
from neurosparse.core.recording import Recording, SpikeTrains, StateSamples  # noqa: E402
from neurosparse.errors import ParameterError, UnknownNameError  # noqa: E402
from neurosparse.viz import (  # noqa: E402
    activity_figure,
    isi_cv_histogram,
    population_rate,
    raster,
    raster_rate_figure,
    save_figure,
    state_traces,
)

DT = 1e-4
N_STEPS = 2000
SIZES = {"exc": 40, "inh": 10}


@pytest.fixture(scope="module")
def recording() -> Recording:
    """A hand-made recording: random spikes of two populations, v of three exc neurons."""
    rng = np.random.default_rng(0)
    spikes, counts = {}, np.zeros((N_STEPS, 2), np.int32)
    for p, (name, n) in enumerate(SIZES.items()):
        steps = np.sort(rng.integers(0, N_STEPS, 30 * n))
        spikes[name] = SpikeTrains(steps, rng.integers(0, n, steps.size).astype(np.int32), n, DT,
                                   0.0, N_STEPS * DT)
        np.add.at(counts[:, p], steps, 1)
    sample_steps = np.arange(0, N_STEPS, 10)
    v = -60e-3 + 10e-3 * rng.random((sample_steps.size, 3))
    state = {"exc": StateSamples(sample_steps, np.array([0, 1, 2]), {"v": v}, 10 * DT, DT)}
    return Recording(dt=DT, t_start_step=0, n_steps=N_STEPS, population_names=list(SIZES),
                     population_sizes=list(SIZES.values()), projection_names=[],
                     spike_counts=counts, synaptic_events=np.zeros((N_STEPS, 0), np.int64),
                     spikes=spikes, state=state)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def offsets(ax) -> np.ndarray:
    return np.concatenate([c.get_offsets() for c in ax.collections])


def test_raster_draws_one_point_per_spike_into_the_given_axes(recording, ax):
    assert raster(recording, ax=ax) is ax
    assert len(ax.collections) == 2  # one colour per population
    total = sum(len(tr) for tr in recording.spikes.values())
    assert len(offsets(ax)) == total
    exc, inh = (np.asarray(c.get_offsets()) for c in ax.collections)
    np.testing.assert_allclose(exc[:, 0], recording.spikes["exc"].t)
    np.testing.assert_array_equal(inh[:, 1], SIZES["exc"] + recording.spikes["inh"].i)  # stacked
    assert ax.collections[0].get_facecolor()[0].tolist() != ax.collections[1].get_facecolor()[0].tolist()


def test_raster_t_range_and_max_neurons_keep_only_those_spikes(recording, ax):
    raster(recording, t_range=(0.05, 0.15), max_neurons=10, ax=ax)
    expected = 0
    for name, tr in recording.spikes.items():
        k = {"exc": 8, "inh": 2}[name]  # 10 neurons shared 4:1
        expected += int(np.sum((tr.i < k) & (tr.t >= 0.05) & (tr.t < 0.15)))
    assert len(offsets(ax)) == expected
    assert ax.get_xlim() == (0.05, 0.15)


def test_raster_of_one_population_and_without_ax_makes_a_figure(recording):
    ax = raster(recording, populations="inh")
    try:
        assert len(offsets(ax)) == len(recording.spikes["inh"])
    finally:
        plt.close(ax.figure)


def test_population_rate_plots_the_recording_rates(recording, ax):
    assert population_rate(recording, bin_width=5e-3, ax=ax) is ax
    assert len(ax.lines) == 2
    for line, name in zip(ax.lines, SIZES):
        t, rate = recording.population_rate(name, 5e-3)
        np.testing.assert_allclose(line.get_xdata(), t + 2.5e-3)
        np.testing.assert_allclose(line.get_ydata(), rate)


def test_isi_cv_histogram_counts_every_neuron_with_a_cv(recording, ax):
    assert isi_cv_histogram(recording, "exc", ax=ax) is ax
    tr = recording.spikes["exc"]
    n_with_cv = int(np.isfinite(isi_cv(tr.t, tr.i, tr.n)).sum())
    assert sum(patch.get_height() for patch in ax.patches) == n_with_cv


def test_state_traces_draw_each_recorded_neuron(recording, ax):
    assert state_traces(recording, "exc", "v", ax=ax) is ax
    assert len(ax.lines) == 3
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), recording.state["exc"]["v"][:, 1])
    assert "V" in ax.yaxis.get_major_formatter().unit


def test_figures_compose_the_panels_and_save_atomically(recording, tmp_path):
    fig = activity_figure(recording, t_range=(0.1, 0.2), max_neurons=20, title="test")
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    path = save_figure(fig, tmp_path / "activity.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(raster_rate_figure(recording).axes) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["activity.png"]  # no temporary file left


@pytest.mark.parametrize(("call", "error"), [
    (lambda rec, ax: raster(rec, populations=["gaba"], ax=ax), UnknownNameError),
    (lambda rec, ax: isi_cv_histogram(rec, "gaba", ax=ax), UnknownNameError),
    (lambda rec, ax: state_traces(rec, "inh", "v", ax=ax), UnknownNameError),
    (lambda rec, ax: state_traces(rec, "exc", "g", ax=ax), UnknownNameError),
    (lambda rec, ax: state_traces(rec, "exc", "v", indices=[5], ax=ax), ParameterError),
    (lambda rec, ax: raster(rec, t_range=(0.2, 0.1), ax=ax), ParameterError),
    (lambda rec, ax: population_rate(rec, bin_width=1.0, ax=ax), ParameterError),
])
def test_bad_arguments_raise_clear_errors(recording, ax, call, error):
    with pytest.raises(error):
        call(recording, ax)
