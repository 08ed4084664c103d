"""Plots of a run's spiking activity: raster, population rate, ISI CV histogram, state traces.

Each plotting function takes a :class:`~neurosparse.core.recording.Recording` and
``ax=None``: it draws into ``ax`` when given, otherwise into a new pyplot figure, and returns
the Axes. None calls ``plt.show()``. Times are in seconds; a population keeps one colour
(``C0``, ``C1``, ... in the order of ``recording.population_names``) in every plot.

Two figure-level helpers compose them for scripts: :func:`raster_rate_figure` and
:func:`activity_figure` return a :class:`matplotlib.figure.Figure` made without pyplot
(no global figure registry, no GUI backend), to be written with
:func:`neurosparse.viz.save_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from neurosparse._validation import as_count, as_float_param
from neurosparse.analysis import MIN_SPIKES_FOR_CV, isi_cv
from neurosparse.core.recording import Recording, SpikeTrains
from neurosparse.errors import ParameterError, UnknownNameError

__all__ = ["activity_figure", "isi_cv_histogram", "population_rate", "raster",
           "raster_rate_figure", "state_traces"]

#: SI unit of each state variable, by model variable or synapse type (for axis labels)
_VARIABLE_UNITS = {"v": "V", "w": "A", "u": "A"}
_PORT_UNITS = {"CurrentSynapse": "A", "ConductanceSynapse": "S"}


def raster(recording: Recording, populations: Sequence[str] | None = None,
           t_range: tuple[float, float] | None = None, max_neurons: int | None = None,
           ax: Axes | None = None) -> Axes:
    """Spike raster: one dot per spike at (time, neuron), populations stacked bottom to top.

    Parameters
    ----------
    recording
        A run's recording with monitored spikes.
    populations
        Populations to draw, bottom to top (default: every monitored one, in order).
    t_range
        ``(t_start, t_stop)`` in seconds: draw spikes with ``t_start <= t < t_stop`` and
        limit the x axis to it (default: the recorded interval).
    max_neurons
        Draw about this many neurons in all, the first ones of each population, shared in
        proportion to population sizes (at least one each), so an 80/20 E/I network keeps
        its ratio. Default: every neuron.
    ax
        Axes to draw into (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        One scatter collection per population; its offsets are the drawn spikes.
    """
    trains = _spike_trains(recording, populations)
    t0, t1 = _time_range(t_range, trains.values())
    shown = _neurons_shown(trains, max_neurons)
    ax = _axes(ax)
    rows = sum(shown.values())
    size = float(np.clip(2000.0 / rows, 0.5, 6.0))  # marker area (pt^2): dense rasters, small dots
    offset = 0
    ticks, labels = [], []
    for name, tr in trains.items():
        k = shown[name]
        t = tr.t
        keep = (tr.i < k) & (t >= t0) & (t < t1)
        ax.scatter(t[keep], offset + tr.i[keep], s=size, marker=".", linewidths=0,
                   color=_color(recording, name), rasterized=True, label=name)
        ticks.append(offset + (k - 1) / 2)
        labels.append(name if k == tr.n else f"{name}\n({k} of {tr.n})")
        offset += k
        if offset < rows:
            ax.axhline(offset - 0.5, color="0.6", linewidth=0.5)
    ax.set_yticks(ticks, labels)
    for label, name in zip(ax.get_yticklabels(), trains):
        label.set_color(_color(recording, name))
    ax.set_ylim(-0.5, rows - 0.5)
    ax.set_xlim(t0, t1)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("neuron")
    return ax


def population_rate(recording: Recording, populations: Sequence[str] | None = None,
                    bin_width: float = 1e-3, t_range: tuple[float, float] | None = None,
                    ax: Axes | None = None) -> Axes:
    """Mean firing rate per neuron (Hz) of each population, in bins of ``bin_width`` seconds.

    Parameters
    ----------
    recording
        A run's recording (rates come from the per-step spike counts, always recorded).
    populations
        Populations to draw (default: all of ``recording.population_names``, input groups
        included).
    bin_width
        Bin width (s), > 0; rounded to a whole number of steps (at least one).
    t_range
        ``(t_start, t_stop)`` in seconds to show (default: the whole run).
    ax
        Axes to draw into (default: a new figure).
    """
    names = list(recording.population_names if populations is None else populations)
    bin_width = as_float_param("bin_width", bin_width, low=0, low_inclusive=False, allow_array=False)
    steps_per_bin = max(1, int(round(bin_width / recording.dt)))
    if steps_per_bin > recording.n_steps:
        raise ParameterError(f"bin_width ({bin_width:g} s) is longer than the run "
                             f"({recording.duration:g} s); choose a smaller bin_width")
    width = steps_per_bin * recording.dt
    run = (recording.t_start_step * recording.dt,
           (recording.t_start_step + recording.n_steps) * recording.dt)
    t0, t1 = _check_t_range(t_range) if t_range is not None else run
    ax = _axes(ax)
    for name in names:
        t, rate = recording.population_rate(name, width)
        keep = (t + width > t0) & (t < t1)
        ax.plot(t[keep] + width / 2, rate[keep], color=_color(recording, name), linewidth=0.8,
                label=name)
    ax.set_xlim(t0, t1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"rate (Hz, {width * 1e3:g} ms bins)")
    if len(names) > 1:
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8, edgecolor="none")
    return ax


def isi_cv_histogram(recording: Recording, population: str, bins: int = 30,
                     min_spikes: int = MIN_SPIKES_FOR_CV, ax: Axes | None = None) -> Axes:
    """Histogram over neurons of the coefficient of variation of inter-spike intervals.

    Neurons with fewer than ``min_spikes`` spikes have no CV and are left out; the mean CV
    and how many neurons it covers are written in the plot, and a dashed line marks CV = 1
    (a Poisson process). See :func:`neurosparse.analysis.isi_cv`.

    Parameters
    ----------
    recording
        A run's recording with spikes of ``population`` monitored.
    population
        The population.
    bins
        Number of histogram bins.
    min_spikes
        Fewest spikes for a neuron's CV (>= 3).
    ax
        Axes to draw into (default: a new figure).
    """
    tr = _spike_trains(recording, [population])[population]
    bins = as_count("bins", bins, low=1)
    cv = isi_cv(tr.steps, tr.i, tr.n, min_spikes=min_spikes)
    cv = cv[np.isfinite(cv)]
    ax = _axes(ax)
    if cv.size:
        ax.hist(cv, bins=bins, color=_color(recording, population), alpha=0.8)
        text = (f"mean CV {cv.mean():.2f}\n{cv.size} of {tr.n} neurons\n"
                f"with \u2265 {min_spikes} spikes")
    else:
        text = f"no neuron with \u2265 {min_spikes} spikes"
    ax.axvline(1.0, color="0.4", linestyle="--", linewidth=0.8)
    ax.text(0.97, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize="small")
    ax.set_xlim(left=0)
    ax.set_xlabel(f"ISI CV ({population})")
    ax.set_ylabel("neurons")
    return ax


def state_traces(recording: Recording, population: str, variable: str,
                 indices: Sequence[int] | None = None, t_range: tuple[float, float] | None = None,
                 ax: Axes | None = None) -> Axes:
    """Sampled values of one state variable of some neurons against time.

    Parameters
    ----------
    recording
        A run's recording with state of ``population`` sampled (``Network.monitor_state``).
    population
        The population.
    variable
        A recorded variable: ``"v"``, a port name (synaptic current or conductance), ...
        The y axis is in SI units with an engineering prefix (mV, nA, nS).
    indices
        Neuron indices (within the population) to draw, among those recorded
        (default: all recorded).
    t_range
        ``(t_start, t_stop)`` in seconds to show (default: all samples).
    ax
        Axes to draw into (default: a new figure).
    """
    if population not in recording.state:
        raise UnknownNameError(f"no state of population {population!r} was recorded; recorded: "
                               f"{', '.join(recording.state) or '(none: call Network.monitor_state)'}")
    samples = recording.state[population]
    values = samples[variable]
    recorded = [int(j) for j in samples.indices]
    wanted = recorded if indices is None else [int(j) for j in indices]
    missing = sorted(set(wanted) - set(recorded))
    if missing:
        raise ParameterError(f"neurons {missing} of {population!r} were not recorded; "
                             f"recorded: {recorded}")
    t = samples.t
    keep = np.ones(t.shape, bool) if t_range is None else _in_range(t, _check_t_range(t_range))
    ax = _axes(ax)
    for j in wanted:
        ax.plot(t[keep], values[keep, recorded.index(j)], linewidth=0.7, label=f"{population}[{j}]")
    if t_range is not None:
        ax.set_xlim(*t_range)
    ax.yaxis.set_major_formatter(EngFormatter(unit=_unit(recording, population, variable)))
    ax.set_xlabel("time (s)")
    ax.set_ylabel(variable)
    if 1 < len(wanted) <= 8:  # above the axes, clear of the traces
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), fontsize="x-small", frameon=False,
                  ncols=min(len(wanted), 4), borderaxespad=0.2)
    return ax


# ------------------------------------------------------------------ figures
def raster_rate_figure(recording: Recording, *, t_range: tuple[float, float] | None = None,
                       max_neurons: int | None = None, bin_width: float = 1e-3,
                       title: str | None = None) -> Figure:
    """A raster above the population rates, sharing the time axis (no pyplot involved)."""
    fig = Figure(figsize=(9, 6), layout="constrained")
    ax_raster, ax_rate = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    raster(recording, t_range=t_range, max_neurons=max_neurons, ax=ax_raster)
    ax_raster.set_xlabel("")
    population_rate(recording, bin_width=bin_width, t_range=t_range, ax=ax_rate)
    if title:
        fig.suptitle(title)
    return fig


def activity_figure(recording: Recording, *, t_range: tuple[float, float] | None = None,
                    max_neurons: int | None = None, bin_width: float = 1e-3,
                    cv_population: str | None = None, trace_population: str | None = None,
                    trace_variable: str = "v", title: str | None = None) -> Figure:
    """Four panels: raster and population rate (left, sharing time), the ISI CV histogram
    of ``cv_population`` (top right) and state traces of ``trace_population`` (bottom right).

    ``cv_population`` defaults to the first monitored population and ``trace_population``
    to the first with sampled state; without sampled state the panel says so. ``t_range``,
    ``max_neurons`` and ``bin_width`` are as in :func:`raster` and :func:`population_rate`;
    the traces are drawn over ``t_range`` too, the CV over the whole run.
    """
    cv_population = cv_population or next(iter(recording.spikes), None)
    trace_population = trace_population or next(iter(recording.state), None)
    fig = Figure(figsize=(12, 7), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(2, 1), height_ratios=(3, 2))
    ax_raster = fig.add_subplot(grid[0, 0])
    ax_rate = fig.add_subplot(grid[1, 0], sharex=ax_raster)
    ax_cv = fig.add_subplot(grid[0, 1])
    ax_trace = fig.add_subplot(grid[1, 1])
    raster(recording, t_range=t_range, max_neurons=max_neurons, ax=ax_raster)
    ax_raster.set_xlabel("")
    population_rate(recording, bin_width=bin_width, t_range=t_range, ax=ax_rate)
    if cv_population is not None:
        isi_cv_histogram(recording, cv_population, ax=ax_cv)
    if trace_population is not None:
        state_traces(recording, trace_population, trace_variable, t_range=t_range, ax=ax_trace)
    else:
        ax_trace.text(0.5, 0.5, "no state recorded\n(Network.monitor_state)", ha="center",
                      va="center", transform=ax_trace.transAxes)
        ax_trace.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig


# ------------------------------------------------------------------ helpers
def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax


def _spike_trains(recording: Recording, populations: Sequence[str] | None) -> dict[str, SpikeTrains]:
    if not recording.spikes:
        raise ParameterError("the recording has no spikes: monitor them with "
                             "Network.monitor_spikes() before running")
    if populations is None:
        names = list(recording.spikes)
    else:
        names = [populations] if isinstance(populations, str) else list(populations)
    for name in names:
        if name not in recording.spikes:
            raise UnknownNameError(f"no spikes of {name!r} were recorded; recorded: "
                                   f"{', '.join(recording.spikes)}")
    if not names:
        raise ParameterError("populations must name at least one population")
    return {name: recording.spikes[name] for name in names}


def _neurons_shown(trains: dict[str, SpikeTrains], max_neurons: int | None) -> dict[str, int]:
    """Neurons drawn per population: all, or ~max_neurons in proportion to the sizes."""
    if max_neurons is None:
        return {name: tr.n for name, tr in trains.items()}
    max_neurons = as_count("max_neurons", max_neurons, low=1)
    total = sum(tr.n for tr in trains.values())
    return {name: min(tr.n, max(1, round(max_neurons * tr.n / total))) for name, tr in trains.items()}


def _time_range(t_range, trains) -> tuple[float, float]:
    if t_range is not None:
        return _check_t_range(t_range)
    trains = list(trains)
    return min(tr.t_start for tr in trains), max(tr.t_stop for tr in trains)


def _check_t_range(t_range) -> tuple[float, float]:
    try:
        t0, t1 = (float(x) for x in t_range)
    except (TypeError, ValueError):
        raise ParameterError(f"t_range must be (t_start, t_stop) in seconds, got {t_range!r}") from None
    if not (np.isfinite(t0) and np.isfinite(t1) and t0 < t1):
        raise ParameterError(f"t_range must be finite with t_start < t_stop, got {t_range!r}")
    return t0, t1


def _in_range(t: np.ndarray, t_range: tuple[float, float]) -> np.ndarray:
    return (t >= t_range[0]) & (t < t_range[1])


def _color(recording: Recording, population: str) -> str:
    names = recording.population_names
    return f"C{names.index(population) % 10}" if population in names else "C0"


def _unit(recording: Recording, population: str, variable: str) -> str:
    pop = recording.config.get("populations", {}).get(population, {})
    port = pop.get("ports", {}).get(variable)
    if port is not None:
        return _PORT_UNITS.get(port.get("type"), "")
    return _VARIABLE_UNITS.get(variable, "")
