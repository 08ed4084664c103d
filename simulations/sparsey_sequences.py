"""Sparsey on sequences: context-dependent codes and recall through the horizontal weights.

One mac (Q x K cells) sees 12 x 12 random binary frames; its H input is its own previous code
(Rinkus 2014: a cell receives H input from the previous codes of its mac and neighbours, not
from its own CM). ``n_sequences`` sequences of ``length`` frames are drawn from an alphabet
smaller than the number of frames, so items recur in different contexts, and each sequence
starts with its own frame. Stored in one pass each:

* **Context.** Every occurrence of an item gets a code; for items stored in two or more
  contexts the mean pairwise overlap of their codes (/ Q) is compared with the same run
  without H (``h_radius = -1``), where a recurring item is familiar and gets its old code back.
* **Recall.** From its first frame alone, each sequence is replayed by the H weights
  (:func:`neurosparse.sparsey.recall.recall_sequence`); each replayed code is compared with the
  code stored for that frame, and decoded to the item whose stored codes it overlaps most.

Writes ``sequences.png`` and ``summary.json`` into ``--out``.

Example::

    python simulations/sparsey_sequences.py --out results/sparsey_sequences
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neurosparse._io import begin_outputs, write_run
from neurosparse._seed import as_generator
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.recall import recall_sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sparsey_memory import SIDE, random_patterns  # noqa: E402  (sibling script)


def make_sequences(
    n_sequences: int, length: int, alphabet: int, a: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Frames (n_sequences, length, SIDE, SIDE) and item ids (n_sequences, length).

    Item ids 0..n_sequences-1 are the unique first frames; the others come from a shared
    alphabet of ``alphabet`` items, drawn without immediate repeats.
    """
    rng = as_generator(seed)
    patterns = random_patterns(n_sequences + alphabet, a, seed)
    ids = np.empty((n_sequences, length), dtype=np.int64)
    ids[:, 0] = np.arange(n_sequences)
    for s in range(n_sequences):
        for t in range(1, length):
            choices = [x for x in range(n_sequences, n_sequences + alphabet) if x != ids[s, t - 1]]
            ids[s, t] = rng.choice(choices)
    return patterns[ids], ids


def stored_frame_codes(model: Sparsey, sequences: np.ndarray) -> np.ndarray:
    """Retrieved code of every frame of every stored sequence (n, length, cells), by prefix."""
    n, length = sequences.shape[:2]
    return np.stack([model.transform(sequences[:, : t + 1]) for t in range(length)], axis=1)


def context_overlap(codes: np.ndarray, ids: np.ndarray, q: int) -> float:
    """Mean pairwise code overlap / Q between occurrences of the same item at positions >= 1."""
    by_item: dict[int, list[np.ndarray]] = {}
    for s, t in itertools.product(range(ids.shape[0]), range(1, ids.shape[1])):
        by_item.setdefault(int(ids[s, t]), []).append(codes[s, t])
    pairs = [
        float((x & y).sum()) / q
        for cs in by_item.values()
        if len(cs) > 1
        for x, y in itertools.combinations(cs, 2)
    ]
    return float(np.mean(pairs)) if pairs else float("nan")


def run(Q: int, K: int, a: int, n_sequences: int, length: int, alphabet: int, seed: int) -> dict[str, Any]:
    sequences, ids = make_sequences(n_sequences, length, alphabet, a, seed)
    out: dict[str, Any] = {
        "config": {
            "Q": Q,
            "K": K,
            "a": a,
            "n_sequences": n_sequences,
            "length": length,
            "alphabet": alphabet,
            "seed": seed,
        }
    }
    params = MacParams(Q=Q, K=K, pi_min=1, pi_max=SIDE * SIDE, sigma2=0.9, g_minus=0.2)
    for h_radius, name in ((0, "with H"), (-1, "without H")):
        model = Sparsey((SIDE, SIDE), [LevelSpec((1, 1), SIDE, params, h_radius=h_radius)], seed=seed)
        model.fit(sequences)
        codes = stored_frame_codes(model, sequences)
        out[name] = {"context_overlap": context_overlap(codes, ids, Q)}
        if h_radius < 0:
            continue
        recalled = np.stack([recall_sequence(model, seq[0], length) for seq in sequences])
        exact = np.all(recalled == codes, axis=2)  # (n, length)
        overlap = (recalled & codes).sum(axis=2) / Q
        # decode each replayed code to the item whose stored occurrences it overlaps most
        item_codes: dict[int, list[np.ndarray]] = {}
        for s, t in itertools.product(range(n_sequences), range(length)):
            item_codes.setdefault(int(ids[s, t]), []).append(codes[s, t])
        items = sorted(item_codes)
        decoded = np.array(
            [
                [
                    items[
                        int(
                            np.argmax(
                                [max(float((recalled[s, t] & c).sum()) for c in item_codes[i]) for i in items]
                            )
                        )
                    ]
                    for t in range(length)
                ]
                for s in range(n_sequences)
            ]
        )
        out[name].update(
            {
                "recall_exact_by_position": exact.mean(axis=0).tolist(),
                "recall_overlap_by_position": overlap.mean(axis=0).tolist(),
                "recall_item_accuracy_by_position": (decoded == ids).mean(axis=0).tolist(),
                "sequences_recalled_exactly": float(exact.all(axis=1).mean()),
            }
        )
    return out


def plot(summary: dict[str, Any]) -> Figure:
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    names = ["with H", "without H"]
    ax1.bar(names, [summary[n]["context_overlap"] for n in names], color=["C0", "C7"])
    ax1.set(ylabel="code overlap / Q", ylim=(0, 1), title="same item, different contexts")
    r = summary["with H"]
    pos = np.arange(len(r["recall_exact_by_position"]))
    ax2.plot(pos, r["recall_exact_by_position"], "o-", label="code replayed exactly")
    ax2.plot(pos, r["recall_overlap_by_position"], "s--", label="overlap with stored code / Q")
    ax2.plot(pos, r["recall_item_accuracy_by_position"], "^:", label="item decoded correctly")
    ax2.set(
        xlabel="position in sequence (0: the cue)",
        ylim=(0, 1.05),
        title=f"recall from the first frame ({summary['config']['n_sequences']} sequences)",
    )
    ax2.legend(fontsize=7)
    return fig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sparsey_sequences"))
    p.add_argument("--Q", type=int, default=16)
    p.add_argument("--K", type=int, default=8)
    p.add_argument("--a", type=int, default=20)
    p.add_argument("--sequences", type=int, default=6)
    p.add_argument("--length", type=int, default=6)
    p.add_argument("--alphabet", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="12 sequences of 8 frames over 10 items")
    args = p.parse_args(argv)
    if args.full:
        args.sequences, args.length, args.alphabet = 12, 8, 10
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(args.Q, args.K, args.a, args.sequences, args.length, args.alphabet, args.seed)
    write_run(args.out, summary, {"sequences.png": plot(summary)})
    r = summary["with H"]
    print(
        f"same item in different contexts: code overlap {r['context_overlap']:.2f} with H, "
        f"{summary['without H']['context_overlap']:.2f} without"
    )
    print(
        f"recall from the first frame: {100 * r['sequences_recalled_exactly']:.0f}% of sequences exactly; "
        f"item accuracy by position {np.round(r['recall_item_accuracy_by_position'], 2).tolist()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
