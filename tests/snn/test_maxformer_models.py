"""Max-Former, Spikformer and Max-ResNet: parameter counts of the papers, shapes, gradients,
determinism and clear errors."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.max_resnet import max_resnet18  # noqa: E402
from neurosparse.snn.maxformer import CONFIGS, MaxFormerConfig, max_former  # noqa: E402
from neurosparse.snn.spikformer import spikformer  # noqa: E402


def _n_params(build, *args, **kwargs) -> int:
    with torch.device("meta"):  # no memory, no initialisation: milliseconds for 64 M parameters
        model = build(*args, **kwargs)
    return sum(p.numel() for p in model.parameters())


# The paper's counts (Table of ImageNet results: 16.23 M, 28.65 M, 63.99 M; CIFAR 6.57 M;
# Spikformer-8-768 66.34 M), and exactly the authors' code's (checked once against it).
@pytest.mark.parametrize("config, expected, paper_millions", [
    ("imagenet-10-384", 16_237_240, 16.24),
    ("imagenet-10-512", 28_653_480, 28.65),
    ("imagenet-10-768", 63_992_200, 63.99),
    ("cifar", 6_568_282, 6.57),
])
def test_max_former_parameter_counts_equal_the_papers(config, expected, paper_millions):
    n = _n_params(max_former, config)
    assert n == expected
    assert round(n / 1e6, 2) == pytest.approx(paper_millions, abs=0.011)


def test_spikformer_8_768_has_the_papers_66_34_million_parameters():
    assert round(_n_params(spikformer, "imagenet-8-768") / 1e6, 2) == 66.34
    assert _n_params(spikformer, "cifar-4-384") == 9_359_380  # the authors' CIFAR code, unused norms left out


def test_max_resnet18_has_the_authors_parameters_whatever_the_downsampling():
    assert _n_params(max_resnet18, 10) == _n_params(max_resnet18, 10, downsample="conv") == 12_502_090
    assert _n_params(max_resnet18, 100) == 12_548_260


def test_pooling_mixers_and_downsampling_kinds_change_parameters_as_their_layers_do():
    full = _n_params(max_former, "cifar")
    # a pool has no parameters: swapping the 3x3 depth-wise conv of stage 2 removes its 192 * 9 + 192
    # weights and biases and its BN (2 * 192)
    assert full - _n_params(max_former, "cifar", mixers=("identity", "max", "ssa")) == 192 * 10 + 2 * 192
    assert _n_params(max_former, "cifar", downsample="conv") == full == _n_params(max_former, "cifar",
                                                                                  downsample="avg")


def _tiny(**kw) -> nn.Module:
    cfg = dict(embed_dim=16, depths=(1, 1, 1), num_heads=2, in_channels=1, num_classes=3, time_steps=2)
    cfg.update(kw)
    return max_former("cifar", **cfg)


@pytest.mark.parametrize("kw", [{}, {"downsample": "conv"}, {"downsample": "avg"},
                                {"mixers": ("max", "avg", "ssa")}, {"mixers": ("dwc7", "dwc5", "dwc3")},
                                {"neuron": "if"}, {"neuron": "relu"}, {"stem": "imagenet"}])
def test_time_first_and_static_inputs_give_logits_per_sample(kw):
    torch.manual_seed(0)
    model = _tiny(**kw).eval()
    side = 16 if kw.get("stem") == "imagenet" else 8
    x = torch.rand(3, 5, 1, side, side)
    assert model(x).shape == (5, 3)
    static = torch.rand(5, 1, side, side)  # repeated time_steps times
    assert torch.equal(model(static), model(static.unsqueeze(0).expand(2, *static.shape)))


def test_spikformer_and_max_resnet_accept_time_first_input():
    torch.manual_seed(0)
    sf = spikformer("cifar-4-384", embed_dim=16, depth=1, num_heads=2, in_channels=1, num_classes=4).eval()
    assert sf(torch.rand(2, 3, 1, 8, 8)).shape == (3, 4)
    for mixer in ("avg", "max"):
        assert spikformer("cifar-4-384", embed_dim=16, depth=1, num_heads=2, in_channels=1, num_classes=4,
                          mixer=mixer).eval()(torch.rand(2, 3, 1, 8, 8)).shape == (3, 4)
    rn = max_resnet18(5, in_channels=1, widths=(8, 8, 16), stem_width=4, layers=(1, 1, 1)).eval()
    assert rn(torch.rand(2, 3, 1, 8, 8)).shape == (3, 5)


def _pre_bn_biases(model: nn.Module) -> set[int]:
    """Biases of convolutions that feed a BN: in training mode BN removes their effect."""
    out = set()
    for m in model.modules():
        conv = getattr(m, "conv", None) if not isinstance(m, nn.Conv2d) else None
        if isinstance(conv, (nn.Conv1d, nn.Conv2d)) and conv.bias is not None and hasattr(m, "bn"):
            out.add(id(conv.bias))
        if isinstance(getattr(m, "proj_conv", None), nn.Conv1d):
            out.add(id(m.proj_conv.bias))
    return out


@pytest.mark.parametrize("build", [
    lambda: _tiny(num_heads=1), lambda: _tiny(num_heads=1, neuron="if", downsample="conv"),
    lambda: max_resnet18(3, in_channels=1, widths=(4, 8, 8), stem_width=4, layers=(1, 1, 1)),
    lambda: spikformer("cifar-4-384", embed_dim=16, depth=1, num_heads=1, in_channels=1, num_classes=3),
])
def test_gradients_reach_every_parameter_through_the_surrogate(build):
    """On a network whose neurons all fire sometimes (BN scale 3; 64 tokens, so that the
    attention's sums reach its threshold): a weight fed by a silent layer gets no gradient."""
    torch.manual_seed(0)
    model = build().train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            nn.init.constant_(m.weight, 3.0)
    out = model(torch.randn(2, 4, 1, 32, 32))
    nn.functional.cross_entropy(out, torch.tensor([0, 1, 2, 0])).backward()
    silent = _pre_bn_biases(model)
    scale = max(float(p.grad.abs().max()) for p in model.parameters())
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        if id(p) in silent:  # BN subtracts the batch mean, so these have no effect in training
            assert float(p.grad.abs().max()) < 1e-4 * scale, name
        else:
            assert float(p.grad.abs().max()) > 0, name


def test_same_seed_same_weights_and_outputs_other_seed_other_weights():
    x = torch.rand(2, 3, 1, 8, 8)

    def build(seed):
        torch.manual_seed(seed)
        m = _tiny().train()
        return m, m(x)

    (a, ya), (b, yb), (c, _) = build(1), build(1), build(2)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert torch.equal(ya, yb)
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


@pytest.mark.parametrize("call, name", [
    (lambda: max_former("imagenet-10-1024"), "config"),
    (lambda: max_former("cifar", mixer="max"), "mixer"),
    (lambda: max_former("cifar", mixers=("max", "median", "ssa")), "mixers[1]"),
    (lambda: max_former("cifar", downsample="stride"), "downsample"),
    (lambda: max_former("cifar", neuron="izhikevich"), "neuron"),
    (lambda: max_former("cifar", embed_dim=100), "embed_dim"),
    (lambda: max_former("cifar", num_heads=7), "num_heads"),
    (lambda: max_former("cifar", depths=(1, 1)), "depths"),
    (lambda: max_former("cifar", time_steps=0), "time_steps"),
    (lambda: MaxFormerConfig(mlp_ratio=float("nan")), "mlp_ratio"),
    (lambda: spikformer("cifar-4-384", mixer="dwc3"), "mixer"),
    (lambda: max_resnet18(10, downsample="avg"), "downsample"),
])
def test_bad_configuration_is_refused_naming_the_parameter(call, name):
    with pytest.raises(ParameterError, match=name.replace("[", r"\[")):
        call()


@pytest.mark.parametrize("shape, what", [((1, 8, 8), "x must be"), ((2, 3, 2, 8, 8), "channels"),
                                         ((2, 3, 1, 6, 8), "multiples of 4"), ((0, 3, 1, 8, 8), "time step")])
def test_bad_input_is_refused_naming_x(shape, what):
    with pytest.raises(ParameterError, match=what):
        _tiny()(torch.rand(*shape))


def test_configs_are_the_issues_table():
    for name in ("imagenet-10-384", "imagenet-10-512", "imagenet-10-768"):
        c = CONFIGS[name]
        d = c.embed_dim
        assert (c.widths, c.depths, c.mixers, c.num_heads, c.mlp_ratio) == (
            (d // 4, d // 2, d), (1, 2, 7), ("dwc7", "dwc5", "ssa"), d // 64, 4.0)
    c = CONFIGS["cifar"]
    assert (c.embed_dim, c.num_heads, c.downsampling, c.time_steps, c.depths, c.mixers) == (
        384, 12, 4, 4, (1, 1, 2), ("identity", "dwc3", "ssa"))
