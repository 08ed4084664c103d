"""``neurosparse reproduce``: run the paper reproductions and collect their figures.

Each reproduction is a notebook in ``notebooks/`` (one per paper) that computes every figure
and number when it runs. Two sizes:

* **small** (the default): ``NEUROSPARSE_NOTEBOOK_QUICK=1``, minutes in all, numbers that
  show the method works but are too noisy to quote;
* **full** (``--full``): the sizes the committed notebooks were executed at, whose numbers the
  README and ``benchmarks/RESULTS.md`` quote.

For each reproduction the output folder gets the executed notebook, every figure as PNG
(``<name>-<n>.png`` in the order they appear) and ``summary.json`` (size, seconds, figures,
errors, versions), with ``manifest.json`` written last. A notebook that raises is reported
with the failing cell's error, and the others still run.

The Monte Carlo studies that need many independent runs are sweeps
(:mod:`neurosparse.sweep`, ``simulations/sweeps/*.toml``), run with ``neurosparse sweep``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

from neurosparse._io import atomic_write, begin_outputs, finish_outputs
from neurosparse.errors import MissingDependencyError, ParameterError

QUICK_ENV = "NEUROSPARSE_NOTEBOOK_QUICK"


@dataclasses.dataclass(frozen=True)
class Reproduction:
    """A paper reproduced by a notebook, with its run times measured by ``neurosparse reproduce``
    on this project's 2-core machine (minutes, with other work running; None where not
    measured: see ``benchmarks/RESULTS.md``)."""

    name: str
    notebook: str  #: file name in ``notebooks/``
    paper: str
    reproduces: str
    minutes_small: float | None
    minutes_full: float | None


#: The reproductions, in the order ``all`` runs them.
REPRODUCTIONS: tuple[Reproduction, ...] = (
    Reproduction("ahmad_hawkins_2016", "ahmad_hawkins_2016.ipynb",
                 "Ahmad & Hawkins (2016), How do neurons operate on sparse distributed representations?",
                 "Figs. 2-5 and the threshold table: false matches against n, s and theta, noise, unions",
                 0.1, None),
    Reproduction("sparsey", "sparsey.ipynb", "Rinkus (2010, 2014), Rinkus & Leveille (2017): Sparsey",
                 "the six results: similarity preservation, single-trial learning, capacity, "
                 "sequences, MNIST, event streams", 0.2, 0.8),
    Reproduction("ultralif", "ultralif.ipynb", "UltraLIF: fully differentiable SNNs via ultradiscretization",
                 "eps -> 0 convergence, gradients, accuracy against a surrogate LIF, hardening, energy",
                 0.5, None),
    Reproduction("temporal_memory", "temporal_memory.ipynb",
                 "Hawkins & Ahmad (2016), Why neurons have thousands of synapses (sequence memory)",
                 "Fig. 6: high-order sequences against a first-order memory, a switch of sequences, cells "
                 "killed; capacity against cells per column and synapses; cost of a step", 0.7, 21.2),
    Reproduction("delta_video", "delta_video.ipynb",
                 "Yousefzadeh & Sifalakis (2021), Training for temporal sparsity in deep neural networks",
                 "activation and delta sparsity, MACs skipped and accuracy on moving-digit videos",
                 0.5, None),
    Reproduction("continual_dendrites", "continual_dendrites.ipynb",
                 "Iyer et al. (2022), Avoiding Catastrophe: Active Dendrites Enable Multi-Task Learning",
                 "permuted MNIST learned in sequence: active dendrites + k-WTA against its ablations "
                 "and an MLP, and the trained networks priced", 0.5, None),
    Reproduction("nir_pipeline", "nir_pipeline.ipynb",
                 "Pedersen et al. (2024), Neuromorphic intermediate representation (NIR)",
                 "a spiking CNN trained in snnTorch, exported to NIR, run on the event core: accuracy, "
                 "per-layer activity similarity and energy on three targets", None, 0.7),
    Reproduction("maxformer", "maxformer.ipynb",
                 "Fang et al. (2025), Spiking Neural Networks Need High Frequency Information (Max-Former)",
                 "parameter counts; the LIF/IF transfer functions; spike and feature-map spectra; max vs "
                 "average mixing, max-pool vs strided conv, conv vs attention, LIF vs IF on frequency tasks "
                 "and digits, with firing rates and energy", 0.6, None),
)


def notebooks_folder() -> Path:
    """The project's ``notebooks/`` folder (beside the package in a checkout)."""
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    if not folder.is_dir():
        raise ParameterError(f"no notebooks folder at {folder}: reproductions run from a checkout of "
                             f"the project (git clone), not from an installed wheel")
    return folder


def find(names: list[str] | tuple[str, ...]) -> list[Reproduction]:
    """The reproductions named (``"all"`` for every one), or ParameterError listing them."""
    by_name = {r.name: r for r in REPRODUCTIONS}
    if not names or list(names) == ["all"]:
        return list(REPRODUCTIONS)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ParameterError(f"unknown reproduction(s) {unknown}; choose from {sorted(by_name)} or 'all' "
                             f"(neurosparse reproduce --list)")
    return [by_name[n] for n in names]


def listing() -> str:
    """What exists and what each reproduces, with run times at each size."""
    def minutes(m: float | None) -> str:
        return "not measured" if m is None else f"{m:.1f} min"

    lines = []
    for r in REPRODUCTIONS:
        lines += [f"{r.name}  (notebooks/{r.notebook})", f"    paper:      {r.paper}",
                  f"    reproduces: {r.reproduces}",
                  f"    run time:   small {minutes(r.minutes_small)}, full {minutes(r.minutes_full)}"]
    return "\n".join(lines)


def run(reproduction: Reproduction, out: str | os.PathLike, *, full: bool = False,
        timeout_s: float | None = None, folder: Path | None = None) -> dict[str, Any]:
    """Execute one reproduction's notebook and write its outputs into ``out``.

    Parameters
    ----------
    reproduction
        From :data:`REPRODUCTIONS` (or :func:`find`).
    out
        Output folder (created; checked writable before anything runs).
    full
        The committed notebooks' sizes instead of the small ones.
    timeout_s
        Per-cell limit (None: none).
    folder
        Where the notebook is (default :func:`notebooks_folder`).

    Returns
    -------
    dict
        The summary written to ``summary.json``: ``ok``, ``error`` (the failing cell's
        error, or ""), ``seconds``, ``figures`` (file names), ``size``.
    """
    try:
        import nbclient
        import nbformat
    except ImportError as exc:
        raise MissingDependencyError("reproductions execute notebooks: pip install "
                                     "'neurosparse[notebooks]' (nbformat, nbconvert, ipykernel)") from exc
    source = (folder or notebooks_folder()) / reproduction.notebook
    out = begin_outputs(out)
    nb = nbformat.read(source, as_version=4)
    env_before = os.environ.get(QUICK_ENV)
    if full:
        os.environ.pop(QUICK_ENV, None)
    else:
        os.environ[QUICK_ENV] = "1"
    error = ""
    tic = time.perf_counter()
    try:
        client = nbclient.NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                                         resources={"metadata": {"path": str(source.parent)}})
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        error = _first_line_of_error(exc)
    except nbclient.exceptions.CellTimeoutError as exc:
        error = f"a cell ran longer than {timeout_s} s ({exc})"
    finally:
        if env_before is None:
            os.environ.pop(QUICK_ENV, None)
        else:
            os.environ[QUICK_ENV] = env_before
    seconds = time.perf_counter() - tic
    written = []
    data = nbformat.writes(nb).encode()
    written.append(atomic_write(out / reproduction.notebook, lambda fh: fh.write(data)))
    figures = []
    for k, png in enumerate(_pngs(nb), start=1):
        name = f"{reproduction.name}-{k}.png"
        written.append(atomic_write(out / name, lambda fh, b=png: fh.write(b)))
        figures.append(name)
    from neurosparse.sweep.store import versions

    summary = {"name": reproduction.name, "paper": reproduction.paper, "size": "full" if full else "small",
               "ok": not error, "error": error, "seconds": round(seconds, 1), "figures": figures,
               "versions": versions()}
    text = json.dumps(summary, indent=1).encode()
    written.append(atomic_write(out / "summary.json", lambda fh: fh.write(text)))
    finish_outputs(out, written)
    return summary


def _pngs(nb) -> list[bytes]:
    return [base64.b64decode(o["data"]["image/png"]) for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]


def _first_line_of_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()
