"""Energy-report recipes: which model, which targets; run it, price it, render the report.

A recipe is a TOML file::

    title = "CUBA network on Loihi, SpiNNaker 2 and a CPU"
    description = "optional free text"

    [model]
    kind = "network"          # network | snn_digits | delta_video | ultralif_core | optrace
    name = "cuba"             # kind-specific options follow
    n = 4000
    duration = 1.0
    seed = 0

    [pricing]
    targets = ["loihi", "spinnaker2", "cpu"]   # catalog names or paths to target TOML files
    modes = ["event", "dense"]                 # how the counts are executed (see estimate);
                                               # "variant": each variant's own name (delta_video)
    target_modes = { cpu = ["dense"] }         # optional: other modes for some targets
    precision = "fp32"                         # refused for a target that lacks it, so:
    target_precision = { eyeriss_v2 = "int8" } # optional: another precision for some targets
    static = "chips"           # static power of whole chips ("chips") or of the share of cores
                               # the model occupies ("occupied"); see hardware.latency
    batch_size = 1             # optional: samples per forward pass on a GPU (default: the
                               # model's batch_size / inference_batch, else 1)
    convention = true          # also price with the E_MAC = 4.6 pJ / E_AC = 0.9 pJ convention

    [breakeven]                # optional: spike rate where an SNN layer stops beating the ANN
    fan_in = 64
    n_neurons = 128
    n_steps = 20
    ann_target = "horowitz45nm"  # optional: also compare with the ANN on another target

Model kinds (each returns one or more named OpTraces, "variants"):

* ``network``: a benchmark network of the event core (``name`` = cuba | coba, ``n``,
  ``duration``, ``seed``); one variant, the run.
* ``snn_digits``: the surrogate-gradient LIF MLP of :mod:`neurosparse.snn.baseline`
  trained on the bundled digits and counted on its test set (``n_steps``, ``epochs``,
  ``seed``, ``batch_size``: samples per forward pass, default 1, which sets how often the
  weights are read); needs the ``snn`` extra.
* ``delta_video``: the conv net on moving digits of :mod:`neurosparse.experiments.delta_video`:
  variants dense, zero-skipping and delta (needs the ``snn`` extra).
* ``ultralif_core``: an UltraLIF and a surrogate-LIF classifier trained on one task of
  ``neurosparse.experiments.ultralif_on_core`` (``task``, ``T``, ``depth``, ``sparsity``, ``seed``,
  ``epochs``, ``hidden``, ``lr_ultralif``, ``lr_surrogate``); variants: the soft UltraLIF
  network as PyTorch computes it, the hardened one and the surrogate one as PyTorch computes
  them and as the event core runs them (needs the ``snn`` extra).
* ``optrace``: a saved OpTrace JSON (``path``), to price any model's counts.

:func:`~neurosparse.recipe.load_recipe` validates the whole recipe before anything runs (every
key, target, mode, precision per target and model option; see :mod:`neurosparse.recipe`).
:func:`run_recipe` returns the priced results; :func:`render_report` writes
``report.md``, a self-contained ``report.html`` (figures embedded), the figures as PNG and
``summary.json`` into the output folder, each atomically.
"""

from __future__ import annotations

import base64
import datetime
import html
import importlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurosparse._io import atomic_write
from neurosparse.errors import ParameterError, UnknownNameError
from neurosparse.optrace import OpTrace
from neurosparse.recipe import MODEL_OPTIONS, Recipe, load_recipe
from neurosparse.si import format_number, format_si, format_si_range

__all__ = ["MODEL_KINDS", "MODEL_OPTIONS", "Recipe", "RecipeResult", "breakeven_rows", "load_recipe",
           "render_report", "run_recipe", "summary_dict"]


@dataclass
class RecipeResult:
    """Everything a report shows: the traces, their prices and facts about the model."""

    recipe: Recipe
    traces: dict[str, OpTrace]
    priced: list[dict[str, Any]] = field(default_factory=list)  # one dict per (variant, target, mode)
    model_info: dict[str, Any] = field(default_factory=dict)
    breakeven: list[dict[str, Any]] = field(default_factory=list)  # one dict per target


# ------------------------------------------------------------------------- model kinds
def _network_traces(opts: dict[str, Any]) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    from neurosparse.core.benchmark_networks import NETWORKS, mean_rate

    name = opts.get("name", "cuba")
    if name not in NETWORKS:
        raise UnknownNameError(f"model.name must be one of {', '.join(NETWORKS)}, got {name!r}")
    net = NETWORKS[name](int(opts.get("n", 4000)), seed=int(opts.get("seed", 0)))
    rec = net.run(float(opts.get("duration", 1.0)), progress=False)
    info = {"network": name, "neurons": int(sum(rec.population_sizes)),
            "duration_s": rec.duration, "mean_rate_hz": mean_rate(rec),
            "spikes": int(rec.spike_counts.sum()), "synaptic_events": rec.total_events()}
    return {"run": rec.optrace}, info


def _snn_digits_traces(opts: dict[str, Any]) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    import torch

    from neurosparse.hardware.torch_count import count
    from neurosparse.snn.baseline import train_digits_snn

    trained = train_digits_snn(n_steps=int(opts.get("n_steps", 20)), epochs=int(opts.get("epochs", 8)),
                               seed=int(opts.get("seed", 0)))
    batch = int(opts.get("batch_size", 1))
    spikes = torch.from_numpy(trained.test_spikes)  # [T, samples, 64]
    if not 1 <= batch <= spikes.shape[1]:
        raise ParameterError(f"model.batch_size must be in [1, {spikes.shape[1]}], got {batch}")
    # Count batch by batch: weight traffic is per batch, so the batch size is part of the
    # workload (1 = streaming inference, as on a neuromorphic chip).
    trace = None
    with torch.no_grad():
        for start in range(0, spikes.shape[1], batch):
            part = count(trained.model, spikes[:, start:start + batch], time_first=True)
            trace = part if trace is None else trace.merge_batches(part)
    info = {"model": "SpikingMLP 64-128-10 (snnTorch Leaky)", "test_accuracy": trained.accuracy,
            "time_steps": trained.n_steps, "test_samples": int(trained.test_labels.size),
            "batch_size": batch, "input_spike_rate": float(trained.test_spikes.mean())}
    return {"run": trace}, info


def _script_traces(name: str, opts: dict[str, Any]) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    """``energy_traces(**opts)`` of the experiment ``neurosparse.experiments.<name>``."""
    module = importlib.import_module(f"neurosparse.experiments.{name}")
    return module.energy_traces(**opts)


def _delta_video_traces(opts: dict[str, Any]) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    return _script_traces("delta_video", opts)


def _ultralif_core_traces(opts: dict[str, Any]) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    return _script_traces("ultralif_on_core", opts)


def _optrace_traces(opts: dict[str, Any]) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    if "path" not in opts:
        raise ParameterError("model.kind = 'optrace' needs model.path (an OpTrace JSON file)")
    return {"run": OpTrace.load_json(opts["path"])}, {"optrace": str(opts["path"])}


MODEL_KINDS: dict[str, Callable[[dict[str, Any]], tuple[dict[str, OpTrace], dict[str, Any]]]] = {
    "network": _network_traces,
    "snn_digits": _snn_digits_traces,
    "delta_video": _delta_video_traces,
    "ultralif_core": _ultralif_core_traces,
    "optrace": _optrace_traces,
}


# ------------------------------------------------------------------------------ run
def run_recipe(recipe: Recipe | str | os.PathLike) -> RecipeResult:
    """Build the recipe's model, count it, and price every variant on every target and mode."""
    from neurosparse.hardware.estimate import estimate
    from neurosparse.hardware.target import load_target

    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe)
    targets = [load_target(t) for t in recipe.targets]  # validated by load_recipe: cached here
    opts = {k: v for k, v in recipe.model.items() if k != "kind"}
    traces, info = MODEL_KINDS[recipe.model["kind"]](opts)
    result = RecipeResult(recipe, traces, model_info=info)
    batch = recipe.batch_size or int(info.get("batch_size") or info.get("inference_batch") or 1)
    kw = {"static": recipe.static, "batch_size": batch}
    done: set[tuple[int, str, str]] = set()  # variants sharing a trace are priced once per mode
    for variant, trace in traces.items():
        for name, target in zip(recipe.targets, targets):
            listed = recipe.target_modes.get(name, recipe.modes)
            modes = [variant if m == "variant" else m for m in listed]
            modes = [m for m in modes if (id(trace), target.name, m) not in done]
            done.update((id(trace), target.name, m) for m in modes)
            if not modes:
                continue
            precision = recipe.precision_for(name)
            for mode in modes:
                report = estimate(trace, target, mode=mode, precision=precision, **kw)
                label = report.mode if mode == report.mode else f"{report.mode} ({mode})"
                result.priced.append({**report.per_sample().to_dict(), "variant": variant,
                                      "target": target.name, "mode": label})
            if recipe.convention:
                report = estimate(trace, target, mode=modes[0], precision=precision,
                                  convention="mac_ac", **kw)
                result.priced.append({**report.per_sample().to_dict(), "variant": variant,
                                      "target": target.name,
                                      "mode": f"{report.mode} (E_MAC/E_AC convention)"})
    if recipe.breakeven:
        result.breakeven = breakeven_rows(recipe, targets)
    return result


def breakeven_rows(recipe: Recipe, targets: list[Any]) -> list[dict[str, Any]]:
    """Per target: the spike rate above which the recipe's SNN layer stops beating the ANN
    layer of the same shape (Dampfhoffer et al. 2023), priced with memory access and with
    arithmetic only, and the curve E_SNN(r) / E_ANN for the figure."""
    import numpy as np

    from neurosparse.errors import TargetError
    from neurosparse.hardware.estimate import ann_layer_energy, breakeven_spike_rate, snn_layer_energy

    shape = {k: int(recipe.breakeven[k]) for k in ("fan_in", "n_neurons")}
    n_steps = int(recipe.breakeven["n_steps"])
    rates = np.logspace(-4, 0, 81)
    rows = []
    for name, target in zip(recipe.targets, targets):
        precision = recipe.precision_for(name)
        row: dict[str, Any] = {"target": target.name, **shape, "n_steps": n_steps,
                               "precision": precision}
        ann_target = recipe.breakeven.get("ann_target")
        cases = [("rate_with_memory", True, None), ("rate_arithmetic_only", False, None)]
        if ann_target:
            cases.append(("rate_vs_ann_target", True, ann_target))
        for key, memory, ann in cases:
            try:
                row[key] = breakeven_spike_rate(target, n_steps=n_steps, precision=precision,
                                                include_memory=memory, ann_target=ann, **shape)
            except TargetError as exc:  # no accumulate energy: no break-even rate
                row[key] = float("nan")
                row["note"] = str(exc)
        try:
            e_ann = ann_layer_energy(target, precision=precision, **shape)
            snn = [snn_layer_energy(target, float(r), n_steps=n_steps, precision=precision,
                                    **shape) for r in rates]
            row["curve"] = {"rates": rates.tolist(), "ratio": (np.array(snn) / e_ann).tolist()}
        except (TargetError, ZeroDivisionError):
            row["curve"] = None
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- render
def render_report(result: RecipeResult, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write report.md, report.html, figures and summary.json into ``out_dir``."""
    import numpy as np

    from neurosparse.viz.energy import (
        breakeven_curves,
        energy_by_layer,
        energy_by_target,
        variant_comparison,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = {"energy_by_target": energy_by_target(result.priced)}
    figures["energy_by_layer"] = energy_by_layer(result.priced)
    if len(result.traces) > 1:
        figures["variants"] = variant_comparison(result.priced)
    curves = {r["target"]: (np.array(r["curve"]["rates"]), np.array(r["curve"]["ratio"]),
                            r["rate_with_memory"]) for r in result.breakeven if r.get("curve")}
    if curves:
        figures["breakeven"] = breakeven_curves(curves, result.model_info.get("input_spike_rate"))
    pngs: dict[str, bytes] = {}
    written: dict[str, Path] = {}
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        pngs[name] = buf.getvalue()
        written[name] = atomic_write(out / f"{name}.png", lambda fh, d=pngs[name]: fh.write(d))
        fig.clf()
    summary = summary_dict(result)
    text = json.dumps(summary, indent=1, default=float).encode()
    written["summary"] = atomic_write(out / "summary.json", lambda fh: fh.write(text))
    md = _markdown(result, {k: f"{k}.png" for k in pngs}).encode()
    written["markdown"] = atomic_write(out / "report.md", lambda fh: fh.write(md))
    page = _html(result, pngs).encode()
    written["html"] = atomic_write(out / "report.html", lambda fh: fh.write(page))
    return written


def summary_dict(result: RecipeResult) -> dict[str, Any]:
    """The JSON summary: recipe, model facts, count totals per variant, every priced row."""
    from neurosparse import __version__

    return {
        "title": result.recipe.title,
        "recipe": str(result.recipe.path) if result.recipe.path else None,
        "neurosparse_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {**result.recipe.model, **result.model_info},
        "counts": {name: tr.totals(per_sample=True) for name, tr in result.traces.items()},
        "priced": result.priced,
        "breakeven": [{k: v for k, v in r.items() if k != "curve"} for r in result.breakeven],
    }


_COUNT_ROWS = ("dense_ops", "effective_macs", "effective_acs", "delta_macs", "synaptic_events",
               "neuron_updates", "spikes", "activation_sparsity")


def _priced_rows(result: RecipeResult) -> list[list[str]]:
    rows = [["variant", "target", "mode", "energy", "range", "compute", "memory", "static", "latency"]]
    for r in result.priced:
        rows.append([r["variant"], r["target"], r["mode"], format_si(r["energy_j"], "J"),
                     format_si_range(r["energy_low_j"], r["energy_high_j"], "J"),
                     format_si(r["compute_energy_j"], "J"), format_si(r["memory_energy_j"], "J"),
                     format_si(r["static_energy_j"], "J"), format_si(r["latency_s"], "s")])
    return rows


def _count_rows(result: RecipeResult) -> list[list[str]]:
    names = list(result.traces)
    rows = [["count (per sample)", *names]]
    totals = {n: tr.totals(per_sample=True) for n, tr in result.traces.items()}
    for key in _COUNT_ROWS:
        rows.append([key, *(format_number(totals[n][key]) for n in names)])
    return rows


def _model_info(result: RecipeResult) -> str:
    """The model facts: whole numbers as written (``360``), others in the report's format
    (``format_number``: ``0.9694``)."""
    def fmt(v: Any) -> str:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, int) or (v.is_integer() and abs(v) < 1e15):
            return f"{int(v):,}"
        return format_number(v, 4)

    return ", ".join(f"{k} = {fmt(v)}" for k, v in result.model_info.items())


_BREAKEVEN_TEXT = (
    "Break-even input spike rate r* (spikes per input per time step) of one fully connected "
    "layer of this model's shape (fan-in {fan_in}, {n_neurons} neurons, {n_steps} time steps) "
    "against the same ANN layer on the same target (Dampfhoffer et al. 2023): the SNN costs "
    "less only below r*. 'with memory' prices weight reads per spike and membrane state read "
    "and written every step; 'arithmetic only' prices accumulates against MACs, as the "
    "E_MAC/E_AC convention does.{ann}{measured}")


def _shape(result: RecipeResult) -> dict[str, Any]:
    row = result.breakeven[0]
    rate = result.model_info.get("input_spike_rate")
    measured = f" This model's measured input spike rate is r = {format_number(rate)}." if rate else ""
    ann = result.recipe.breakeven.get("ann_target")
    ann = (f" The last r* column compares with the ANN layer on {ann} instead (with memory)."
           if ann else "")
    return {"fan_in": row["fan_in"], "n_neurons": row["n_neurons"], "n_steps": row["n_steps"],
            "measured": measured, "ann": ann}


def _breakeven_table(result: RecipeResult) -> list[list[str]]:
    rate = result.model_info.get("input_spike_rate")
    ann = result.recipe.breakeven.get("ann_target")
    rows = [["SNN on", "r* with memory", "r* arithmetic only"]
            + ([f"r* vs the ANN on {ann}"] if ann else [])
            + (["SNN wins at this model's rate?"] if rate else [])]
    for r in result.breakeven:
        best = max(r["rate_with_memory"], r.get("rate_vs_ann_target", float("-inf")))
        wins = ("n/a" if best != best else "yes" if rate < best else "no") if rate else None
        rows.append([r["target"], format_number(r["rate_with_memory"]),
                     format_number(r["rate_arithmetic_only"])]
                    + ([format_number(r["rate_vs_ann_target"])] if ann else []) + ([wins] if wins else []))
    return rows


def _md_table(rows: list[list[str]]) -> str:
    head = "| " + " | ".join(rows[0]) + " |"
    sep = "|" + "|".join("---" for _ in rows[0]) + "|"
    return "\n".join([head, sep] + ["| " + " | ".join(r) + " |" for r in rows[1:]])


def _notes(result: RecipeResult) -> list[str]:
    seen: list[str] = []
    for r in result.priced:
        for note in r.get("notes", []):
            line = f"{r['target']}: {note}"
            if line not in seen:
                seen.append(line)
    return seen


def _markdown(result: RecipeResult, figure_files: dict[str, str]) -> str:
    rec = result.recipe
    info = _model_info(result)
    parts = [f"# {rec.title}", "", rec.description, "",
             f"Model: `{rec.model['kind']}` ({info}).", "",
             "## Energy and latency per target", "", _md_table(_priced_rows(result)), "",
             "Energy is per sample; the range comes from the low/high values of the target's "
             "numbers. Compute, memory and static energy add up to the total.", ""]
    for name, file in figure_files.items():
        parts += [f"![{name}]({file})", ""]
    if result.breakeven:
        parts += ["## Where the SNN stops winning", "", _BREAKEVEN_TEXT.format(**_shape(result)), "",
                  _md_table(_breakeven_table(result)), ""]
    parts += ["## Operation counts", "", _md_table(_count_rows(result)), "",
              "## Notes from the cost model", ""]
    parts += [f"* {n}" for n in _notes(result)] or ["* none"]
    parts += ["", f"Generated by `neurosparse energy {rec.path.name if rec.path else ''}`."]
    return "\n".join(parts) + "\n"


def _html(result: RecipeResult, pngs: dict[str, bytes]) -> str:
    def table(rows: list[list[str]]) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                       for r in rows[1:])
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    rec = result.recipe
    imgs = "".join(f'<figure><img alt="{html.escape(n)}" src="data:image/png;base64,'
                   f'{base64.b64encode(b).decode()}"><figcaption>{html.escape(n)}</figcaption></figure>'
                   for n, b in pngs.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in _notes(result)) or "<li>none</li>"
    info = html.escape(_model_info(result))
    breakeven_text = html.escape(_BREAKEVEN_TEXT.format(**_shape(result))) if result.breakeven else ""
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
             "text-align:right}th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(rec.title)}</title>"
            f"<style>{style}</style></head><body><h1>{html.escape(rec.title)}</h1>"
            f"<p>{html.escape(rec.description)}</p><p>Model: <code>{html.escape(rec.model['kind'])}</code>"
            f" ({info}).</p><h2>Energy and latency per target</h2>{table(_priced_rows(result))}"
            f"<p>Energy per sample; ranges from the targets' low/high values.</p>{imgs}"
            + (f"<h2>Where the SNN stops winning</h2><p>{breakeven_text}</p>"
               f"{table(_breakeven_table(result))}" if result.breakeven else "")
            + f"<h2>Operation counts</h2>{table(_count_rows(result))}"
            f"<h2>Notes from the cost model</h2><ul>{notes}</ul></body></html>")
