r"""The cost model against published measurements: the cases behind ``hardware/VALIDATION.md``.

Each :class:`Case` pairs one figure measured on real hardware (:class:`Measured`: value, what
it includes, source and the provenance tag it carries in ``hardware/validation/measurements.md``)
with the paper's workload rebuilt as an OpTrace (:mod:`neurosparse.hardware.workloads`), the
estimate made comparable to it (the like-for-like choice: dynamic part only, or static power
over the measured run time, ...) and the verdict a test holds:

``within``
    the measured figure lies inside the estimate's range;
``gap``
    it does not, the central ratio estimate / measured stays inside a documented band, and
    the case says what the model lacks to reach it.

A case is a **calibration** rather than a validation where the target number that dominates
the estimate was derived from the very measurement (Akida's energy per event); the table says
so.

**Ranges.** Parameters a paper does not publish (spike rates, sparsity) are :class:`Param`\ s with
a value and a low-high range and the reason for both. The estimate's range joins the target's
number ranges (each report's low and high) with the parameters': the estimate at every
parameter's low, value and high end, and the range from the smallest low to the largest high
(every priced quantity grows with rates and densities). ``ratio = estimate / measured`` carries
the range through. Where an unpublished rate is the main unknown, :func:`implied` gives the value
of it at which the central estimate equals the measurement (or says that none in [0, 1] does).

**Conventions beside ours** for the same counts: the E_MAC/E_AC formula (4.6 pJ per MAC, 0.9
pJ per accumulate, which SNN papers apply to NeuroBench-style counts; ``convention="mac_ac"``)
and KerasSpiking's ``ModelEnergy`` device table (:data:`KERAS_SPIKING_DEVICES`: energy per
synaptic op and per neuron update, nothing else).

Regenerate the document with ``python -m neurosparse.hardware.validation`` (``--check`` exits 1
when the committed file is out of date).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from neurosparse.hardware.estimate import CostReport, estimate
from neurosparse.hardware.span import Span
from neurosparse.optrace import OpTrace

__all__ = ["DOCUMENT", "KERAS_SPIKING_DEVICES", "Case", "Comparison", "Measured", "Param",
           "comparisons", "compare", "energy_of", "fmt", "headline", "implied", "keras_of",
           "keras_spiking_energy", "latency_of", "main", "per_sample_report", "render"]

#: Where the rendered document lives (the repository's hardware/ folder).
DOCUMENT = Path(__file__).resolve().parents[2] / "hardware" / "VALIDATION.md"

#: KerasSpiking's ``ModelEnergy.devices`` (nengo/keras-spiking, keras_spiking/model_energy.py):
#: (spiking, J per synaptic op, J per neuron update). Spiking devices count events; the others
#: run every connection every step.
KERAS_SPIKING_DEVICES: dict[str, tuple[bool, float, float]] = {
    "cpu": (False, 8.6e-9, 8.6e-9), "gpu": (False, 0.3e-9, 0.3e-9), "arm": (False, 0.9e-9, 0.9e-9),
    "loihi": (True, (23.6 + 3.5) * 1e-12, 81e-12), "spinnaker": (True, 13.3e-9, 26e-9),
    "spinnaker2": (True, 450e-12, 2.19e-9),
}


# ------------------------------------------------------------------------------ records
@dataclass(frozen=True)
class Measured:
    """A measured figure as its source gives it, in SI units (``unit``: J, W, s, 1/s, J/op, 1)."""

    value: float
    unit: str
    what: str
    includes: str
    source: str
    tag: str


@dataclass(frozen=True)
class Param:
    """A workload parameter: the value used and its range, with why (``[NF]`` when unpublished)."""

    name: str
    value: float
    low: float
    high: float
    basis: str

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"Param {self.name}: need low <= value <= high, got "
                             f"{self.low}, {self.value}, {self.high}")


Ends = Mapping[str, float]
#: (parameters at one end, convention or None) -> the estimate at those parameters.
Evaluate = Callable[[Ends, "str | None"], Span]


@dataclass(frozen=True)
class Case:
    """One measured figure, the workload rebuilt from its paper, and how they are compared.

    Parameters
    ----------
    key
        Identifier, unique among the cases (quoted as ``{ratio[key]}`` in the prose).
    chip, target, paper, workload
        What was measured, the catalog target that prices it, the source and the workload.
    measured
        The measured figure.
    params
        The workload's parameters; ``evaluate`` gets them at one end as a dict.
    evaluate
        ``(params, convention) -> Span``: the estimate, in the measured figure's unit.
    like_for_like
        How the estimate is made comparable to what the measurement includes.
    verdict
        ``"within"`` or ``"gap"`` (with ``band``, the central ratio's documented range).
    lacks
        For a gap, what the model lacks to reach the measurement; otherwise a note.
    kind
        ``"validation"``, or ``"calibration"`` where the target number behind the estimate was
        derived from this measurement.
    keras_device, keras
        KerasSpiking's device for this chip and ``params -> energy`` on it (None: no device).
    conventions
        Whether the E_MAC/E_AC convention applies (energies only).
    solve_for
        Parameters :func:`implied` solves for together (rates), if any.
    """

    key: str
    chip: str
    target: str
    paper: str
    workload: str
    measured: Measured
    params: tuple[Param, ...]
    evaluate: Evaluate
    like_for_like: str
    verdict: str
    band: tuple[float, float] | None = None
    lacks: str = ""
    kind: str = "validation"
    keras_device: str | None = None
    keras: Callable[[Ends], float] | None = None
    conventions: bool = True
    solve_for: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.verdict not in ("within", "gap") or (self.verdict == "gap") != (self.band is not None):
            raise ValueError(f"Case {self.key}: verdict must be 'within', or 'gap' with a band")
        if self.kind not in ("validation", "calibration"):
            raise ValueError(f"Case {self.key}: kind must be 'validation' or 'calibration'")

    def ends(self, end: str) -> dict[str, float]:
        """Every parameter at ``end`` (``"low"``, ``"value"`` or ``"high"``)."""
        return {p.name: getattr(p, end) for p in self.params}


@dataclass(frozen=True)
class Comparison:
    """A case's estimate, ratio to the measurement, conventions and whether its verdict holds."""

    case: Case
    estimate: Span
    ratio: Span
    mac_ac: Span | None
    keras: Span | None
    implied: float | None
    holds: bool


# ------------------------------------------------------------------------------ evaluation
def _over_ends(case: Case, fn: Callable[[Ends], Span]) -> Span:
    spans = [fn(case.ends(end)) for end in ("low", "value", "high")]
    return Span(spans[1].value, min(s.low for s in spans), max(s.high for s in spans))


def keras_spiking_energy(trace: OpTrace, device: str) -> float:
    """Energy per sample as KerasSpiking's ``ModelEnergy`` prices ``trace`` on ``device``.

    A spiking device pays its synaptic-op energy per synaptic event and its neuron energy per
    neuron update; a non-spiking one pays the synaptic-op energy for every connection every
    step (``dense_ops``) and the neuron energy per output value. No memory, no static power,
    no overhead (as its documentation says).
    """
    spiking, e_syn, e_neuron = KERAS_SPIKING_DEVICES[device]
    synops = neurons = 0.0
    for lay in trace.layers.values():
        if spiking:
            synops += lay.synaptic_events or (lay.effective_acs + lay.effective_macs)
        else:
            synops += lay.dense_ops
        if lay.kind != "input":
            neurons += lay.neuron_updates or lay.activations
    return (synops * e_syn + neurons * e_neuron) / trace.n_samples


def implied(case: Case) -> float | None:
    """The common value of ``case.solve_for``'s parameters (others at their values) at which the
    central estimate equals the measurement, found by bisection on [0, 1]; None when the estimate
    at 1 is still below it (or at 0 above it), or the case names no parameter."""
    if not case.solve_for:
        return None

    def at(x: float) -> float:
        ends = {**case.ends("value"), **{name: x for name in case.solve_for}}
        return case.evaluate(ends, None).value

    target = case.measured.value
    lo, hi = 0.0, 1.0
    if at(hi) < target or at(lo) > target:
        return None
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if at(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


def compare(case: Case) -> Comparison:
    """Price ``case``'s workload, compare with its measurement and check its verdict."""
    est = _over_ends(case, lambda ends: case.evaluate(ends, None))
    m = case.measured.value
    ratio = Span(est.value / m, est.low / m, est.high / m)
    mac_ac = _over_ends(case, lambda ends: case.evaluate(ends, "mac_ac")) if case.conventions else None
    keras = None
    if case.keras is not None:
        keras = _over_ends(case, lambda ends: Span.exact(case.keras(ends)))
    inside = est.low * (1 - 1e-9) <= m <= est.high * (1 + 1e-9)
    if case.verdict == "within":
        holds = inside
    else:
        lo, hi = case.band or (0.0, math.inf)
        holds = not inside and lo <= ratio.value <= hi
    return Comparison(case, est, ratio, mac_ac, keras, implied(case), holds)


def per_sample_report(trace: OpTrace, target: str, convention: str | None = None,
                      **kw) -> CostReport:
    """:func:`~neurosparse.hardware.estimate.estimate`, per sample."""
    return estimate(trace, target, convention=convention, **kw).per_sample()


def keras_of(build: Callable[[Ends], OpTrace], device: str) -> Callable[[Ends], float]:
    """KerasSpiking's energy per sample of ``build(ends)`` on ``device``."""
    return lambda ends: keras_spiking_energy(build(ends), device)


def energy_of(build: Callable[[Ends], OpTrace], target: str, **kw) -> Evaluate:
    """Energy per sample of ``build(ends)`` on ``target`` (``duration_s=0.0``: the dynamic part;
    a callable ``duration_s`` gets the trace)."""
    def evaluate(ends: Ends, convention: str | None) -> Span:
        trace = build(ends)
        args = {k: (v(trace) if callable(v) else v) for k, v in kw.items()}
        r = per_sample_report(trace, target, convention, **args)
        return Span(r.energy_j, r.energy_low_j, r.energy_high_j)
    return evaluate


def latency_of(build: Callable[[Ends], OpTrace], target: str, *, throughput: bool = False,
               **kw) -> Evaluate:
    """Latency per sample of ``build(ends)`` on ``target``, or samples per second."""
    def evaluate(ends: Ends, convention: str | None) -> Span:
        r = per_sample_report(build(ends), target, None, **kw)
        if throughput:
            return Span(1 / r.latency_s, 1 / r.latency_high_s, 1 / r.latency_low_s)
        return Span(r.latency_s, r.latency_low_s, r.latency_high_s)
    return evaluate


# ------------------------------------------------------------------------------ rendering
_PREFIXES = ((1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))


def fmt(x: float, unit: str) -> str:
    """``x`` (SI) for a table, three significant figures: ``fmt(2.7e-4, "J") == "270 µJ"``."""
    if unit == "1":
        return f"{x:.3g}"
    if unit == "1/s":
        return f"{x:,.0f} /s" if x >= 100 else f"{x:.3g} /s"
    base, per = (unit.split("/", 1) + [""])[:2] if unit == "J/op" else (unit, "")
    if x == 0 or not math.isfinite(x):
        return f"{x:g} {base}" + (f"/{per}" if per else "")
    for scale, prefix in _PREFIXES:
        if abs(x) >= scale * 0.9995:
            return f"{x / scale:.3g} {prefix}{base}" + (f"/{per}" if per else "")
    return f"{x / 1e-15:.3g} f{base}" + (f"/{per}" if per else "")


def fmt_span(s: Span, unit: str) -> str:
    """``value (low … high)``."""
    if math.isclose(s.low, s.high, rel_tol=1e-9):
        return fmt(s.value, unit)
    return f"{fmt(s.value, unit)} ({fmt(s.low, unit)} … {fmt(s.high, unit)})"


def _ratio(x: float) -> str:
    return f"{x:.2g}" if x < 0.1 else f"{x:.3g}"


def fmt_ratio(s: Span) -> str:
    """A ratio with its range."""
    if math.isclose(s.low, s.high, rel_tol=1e-9):
        return _ratio(s.value)
    return f"{_ratio(s.value)} ({_ratio(s.low)} … {_ratio(s.high)})"


def _beside(span: Span | None, measured: float, unit: str) -> str:
    if span is None:
        return "–"
    return f"{fmt_span(span, unit)}; ratio {_ratio(span.value / measured)}"


def _verdict(c: Comparison) -> str:
    word = {"within": "within range", "gap": "gap (documented)"}[c.case.verdict]
    if c.case.kind == "calibration":
        word += ", calibration"
    return word if c.holds else f"**{word}: DOES NOT HOLD**"


def comparisons() -> list[Comparison]:
    """:func:`compare` for every case of :data:`~neurosparse.hardware.validation_cases.CASES`."""
    from neurosparse.hardware.validation_cases import CASES

    return [compare(case) for case in CASES]


def headline(results: Sequence[Comparison] | None = None) -> str:
    """The paragraph ``hardware/README.md`` carries: the headline ratios, computed."""
    from neurosparse.hardware.validation_cases import HEADLINE

    results = comparisons() if results is None else results
    holds = sum(c.holds for c in results)
    return (f"**Validation against measurements.** [`VALIDATION.md`](VALIDATION.md) rebuilds "
            f"{len(results)} published measurements' workloads from their papers and prices them "
            f"(ratio = our estimate / measured): {_fill(HEADLINE, _figures(results))} {holds} of "
            f"{len(results)} verdicts hold as documented (`python -m "
            f"neurosparse.hardware.validation` regenerates the table; a test holds them).")


def render(results: Sequence[Comparison] | None = None) -> str:
    """The full text of ``hardware/VALIDATION.md``."""
    from neurosparse.hardware import validation_cases as vc

    results = comparisons() if results is None else results
    lines = [
        "# Validation against measurements",
        "",
        "Generated by `python -m neurosparse.hardware.validation` from the cases in "
        "`neurosparse/hardware/validation_cases.py` and the workloads in "
        "`neurosparse/hardware/workloads.py`; do not edit by hand (a test checks it is in sync, "
        "and that every verdict holds). Measured figures and their provenance tags are from "
        "[`validation/measurements.md`](validation/measurements.md): [P] quoted from the primary "
        "source, [R] recomputed from its published raw logs, [D] arithmetic on those, [S] "
        "secondary only, [NF] not found.",
        "",
        "Each row rebuilds the measured workload's counts from the network sizes, time steps and "
        "rates its paper states, prices them with `neurosparse.hardware.estimate` on the "
        "matching target, and compares like for like (the row's notes say how). **ratio** is our "
        "estimate over the measured figure. The estimate's range joins the target's number "
        "ranges with the workload parameters' ranges (what a paper omits, such as spike rates, "
        "is a parameter with a range and a reason). **Verdicts**: *within range* (the measured "
        "figure lies in the estimate's range), *gap* (it does not, the ratio stays in a "
        "documented band, and the notes say what the model lacks), and *calibration* where the "
        "target number behind the estimate was derived from that very measurement, so agreement "
        "is by construction, not evidence.",
        "",
        "Beside ours, for the same counts: the **E_MAC/E_AC** convention (4.6 pJ per MAC, 0.9 pJ "
        "per accumulate, applied to the executed MACs and synaptic events, as SNN papers apply it "
        "to NeuroBench's counts; NeuroBench itself reports counts, not energy) and "
        "**KerasSpiking**'s `ModelEnergy` device figures (energy per synaptic op and per neuron "
        "update; `loihi`, `spinnaker2` and `gpu` are the devices it has of these targets).",
        "",
        "## Summary",
        "",
        "| chip | paper | workload | measured | ours | ratio | E_MAC/E_AC | KerasSpiking | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in results:
        k, m = c.case, c.case.measured
        lines.append(
            f"| {k.chip} | {k.paper} | {k.workload} | {fmt(m.value, m.unit)} {m.tag}: {m.what} | "
            f"{fmt_span(c.estimate, m.unit)} | {fmt_ratio(c.ratio)} | "
            f"{_beside(c.mac_ac, m.value, m.unit)} | {_beside(c.keras, m.value, m.unit)} | "
            f"{_verdict(c)} |")
    lines += ["", "## Cases", ""]
    figures = _figures(results)
    for c in results:
        lines += _case_section(c, figures)
    lines += ["## What the model lacks", "",
              "From the gaps above, in the order they matter:", ""]
    lines += [f"* {_fill(text, figures)}" for text in vc.MODEL_LACKS]
    lines += ["", "## Target changes made with this validation", ""]
    lines += [f"* {text}" for text in vc.TARGET_CHANGES]
    lines += ["", "## Not reproduced", ""]
    lines += [f"* {text}" for text in vc.NOT_REPRODUCED]
    return "\n".join(lines) + "\n"


def _case_section(c: Comparison, figures: Mapping[str, Mapping[str, str]]) -> list[str]:
    k, m = c.case, c.case.measured
    out = [f"### {k.chip}: {k.paper} (`{k.key}`)", "",
           f"* **Workload**: {k.workload}; target `{k.target}`.",
           f"* **Measured**: {fmt(m.value, m.unit)}, {m.what} {m.tag}. Includes: {m.includes}. "
           f"Source: {m.source}.",
           f"* **Like for like**: {k.like_for_like}.",
           f"* **Ours**: {fmt_span(c.estimate, m.unit)}; ratio {fmt_ratio(c.ratio)}."]
    if c.mac_ac is not None:
        out.append(f"* **E_MAC/E_AC**: {_beside(c.mac_ac, m.value, m.unit)}.")
    if c.keras is not None:
        out.append(f"* **KerasSpiking** (`{k.keras_device}`): {_beside(c.keras, m.value, m.unit)}.")
    if k.solve_for:
        names = " and ".join(k.solve_for)
        out.append(f"* **Implied**: {names} = {c.implied:.3g} makes the central estimate equal the "
                   f"measurement." if c.implied is not None else
                   f"* **Implied**: no {names} in [0, 1] (up to a spike every step) makes the "
                   f"central estimate reach the measurement.")
    if k.params:
        out += ["* **Parameters**:", "", "  | parameter | value | range | basis |",
                "  |---|---|---|---|"]
        out += [f"  | `{p.name}` | {p.value:.4g} | {p.low:.4g} … {p.high:.4g} | {p.basis} |"
                for p in k.params]
        out.append("")
    if k.lacks:
        label = "What the model lacks" if k.verdict == "gap" else "Note"
        out.append(f"* **{label}**: {_fill(k.lacks, figures).rstrip('.')}.")
    band = f"; the ratio's documented band: {k.band[0]:g} … {k.band[1]:g}" if k.band else ""
    out += [f"* **Verdict**: {_verdict(c)}{band}.", ""]
    return out


def _figures(results: Sequence[Comparison]) -> dict[str, dict[str, str]]:
    """Computed figures the prose quotes, by case key: ``{ratio[key]}``, ``{inverse[key]}``
    (measured over ours) and ``{percent[key]}`` (ours as a percentage of measured)."""
    return {"ratio": {c.case.key: _ratio(c.ratio.value) for c in results},
            "inverse": {c.case.key: f"{1 / c.ratio.value:.2g}" for c in results},
            "percent": {c.case.key: f"{100 * c.ratio.value:.2g} %" for c in results}}


def _fill(text: str, figures: Mapping[str, Mapping[str, str]]) -> str:
    return text.format(**figures)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m neurosparse.hardware.validation [--out PATH] [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m neurosparse.hardware.validation",
                                     description="Render hardware/VALIDATION.md from the cases.")
    parser.add_argument("--out", type=Path, default=DOCUMENT, help=f"default {DOCUMENT}")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file differs from what would be written")
    args = parser.parse_args(argv)
    results = comparisons()
    text = render(results)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'OUT OF DATE'}")
        return 0 if same else 1
    from neurosparse._io import atomic_write

    atomic_write(args.out, lambda fh: fh.write(text.encode("utf-8")))
    failing = [c.case.key for c in results if not c.holds]
    print(f"wrote {args.out} ({len(results)} cases" +
          (f"; verdicts that do not hold: {', '.join(failing)})" if failing else ")"))
    return 1 if failing else 0


if __name__ == "__main__":  # python -m neurosparse.hardware.validation
    sys.exit(main())
