r"""The frequency bias of spiking neurons: the membrane as a filter, and feature-map spectra.

The Max-Former paper ("Spiking Neural Networks Need High Frequency Information", Fang et al.)
argues that spiking neurons suppress high-frequency components and pass low ones. This module
measures the claim in three precise senses.

1. The membrane as a linear filter (time)
-----------------------------------------
Below threshold, the multi-step LIF of :mod:`neurosparse.snn.multistep_lif`,
:math:`V_t = (1 - 1/\tau) V_{t-1} + X_t / \tau`, is a first-order IIR filter with transfer
function

.. math::

    H_\mathrm{LIF}(e^{j\omega}) = \frac{1/\tau}{1 - (1 - 1/\tau)\, e^{-j\omega}},
    \qquad |H(1)| = 1, \qquad |H(-1)| = \frac{1}{2\tau - 1}

(DC gain 1, Nyquist gain 1/3 at :math:`\tau = 2`: -9.5 dB), and the IF neuron
:math:`V_t = V_{t-1} + X_t` is the integrator :math:`H_\mathrm{IF} = 1/(1 - e^{-j\omega})`
(infinite DC gain, 1/2 at Nyquist). snnTorch's ``Leaky`` (:math:`V_t = \beta V_{t-1} + X_t`)
is :func:`leaky_transfer` with ``input_gain=1``. :func:`measured_transfer` drives the
simulated neuron (threshold out of reach, so it stays linear) with :math:`\cos(\omega t)`,
fits :math:`A\cos\omega t + B\sin\omega t + C` to the membrane after the transient and
returns :math:`(A - jB)`: the measured gain, to compare with the analytic one.

2. The spiking neuron (time, nonlinear)
---------------------------------------
With the threshold and reset, the neuron is not a filter. :func:`spike_transfer` drives
``n_neurons`` independent neurons with :math:`b + m\cos(\omega t + \phi_i)` (random phases,
Gaussian noise of std ``noise``) and measures the gain of the modulation
:math:`2|\langle s_t e^{-j(\omega t + \phi_i)}\rangle| / m` and the share of the spike
trains' power above half Nyquist. At a low rate the spike gain falls with frequency as the
membrane's does; at a high rate the reset makes the trains regular (a neuron firing every
second step has all its AC power at Nyquist), so the reset **adds** high-frequency power: the
spiking neuron is not simply a low-pass filter.

3. Feature maps (space)
-----------------------
The spatial measurement of the paper's figures (after Park & Kim, "How do vision transformers
work?", ICLR 2022), defined here as: for feature maps :math:`x_{n,c}` of side :math:`N`
(samples and time steps :math:`n`, channels :math:`c`), the mean Fourier amplitude
:math:`A(k) = \langle |\mathcal F x_{n,c}(k)| \rangle_{n,c}`, taken along the diagonal
:math:`k = (i, i)`, :math:`i = 0..N/2` (frequency :math:`\omega = 2\pi i / N` from 0 to
:math:`\pi`), and the **relative log amplitude** :math:`\Delta\log A(\omega) = \log A(\omega) -
\log A(0)`. :func:`relative_log_amplitude` computes it; the value at :math:`\pi`
(:func:`high_frequency_log_amplitude`) summarises a layer: the higher (closer to 0), the more
high-frequency content relative to the mean. :func:`feature_spectra` hooks a model's stage
outputs (embeddings and blocks) and returns it layer by layer, averaged over time steps.

:func:`pointwise_spatial_test` asks whether a spiking layer by itself removes spatial high
frequencies: a smooth random field (power spectrum :math:`\propto 1/f^{2}`) plus white
noise is fed as a static input for ``T`` steps to a LIF, an IF and a ReLU per pixel (no spatial
coupling), and the spectra of the firing-rate map, the ReLU map and the input are compared.
A pointwise neuron cannot move power between spatial frequencies by filtering; its
threshold and its quantization to ``T + 1`` rate levels add high-frequency power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, as_seed, choice, finite_array, real
from neurosparse.snn.multistep_lif import multistep_lif

__all__ = ["FeatureSpectrum", "SpikeTransfer", "dc_nyquist_gain", "feature_spectra",
           "high_frequency_log_amplitude", "if_transfer", "leaky_transfer", "lif_transfer",
           "measured_transfer", "pointwise_spatial_test", "relative_log_amplitude", "spike_transfer"]


# ------------------------------------------------------------------ 1. linear membrane
def _omega(omega: float | Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(finite_array("omega", omega), dtype=np.float64)
    if np.any((w < 0) | (w > np.pi)):
        raise ParameterError(f"omega must be angular frequencies in [0, pi] (radians per step), got "
                             f"{w[(w < 0) | (w > np.pi)][0]:g}")
    return w


def leaky_transfer(omega: float | Sequence[float] | np.ndarray, beta: float,
                   input_gain: float = 1.0) -> np.ndarray:
    """``input_gain / (1 - beta e^{-j omega})``: the transfer function of
    ``V_t = beta V_{t-1} + input_gain X_t`` at angular frequencies ``omega`` (rad/step)."""
    beta = real("beta", beta, low=0.0, high=1.0)
    input_gain = real("input_gain", input_gain, low=0.0, low_inclusive=False)
    w = _omega(omega)
    with np.errstate(divide="ignore", invalid="ignore"):
        return input_gain / (1.0 - beta * np.exp(-1j * w))


def lif_transfer(omega: float | Sequence[float] | np.ndarray, tau: float = 2.0) -> np.ndarray:
    """The multi-step LIF's ``(1/tau) / (1 - (1 - 1/tau) e^{-j omega})``."""
    tau = real("tau", tau, low=1.0, low_inclusive=False)
    return leaky_transfer(omega, 1.0 - 1.0 / tau, 1.0 / tau)


def if_transfer(omega: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """The IF neuron's integrator ``1 / (1 - e^{-j omega})`` (infinite at DC)."""
    return leaky_transfer(omega, 1.0, 1.0)


def dc_nyquist_gain(neuron: str = "lif", tau: float = 2.0) -> tuple[float, float]:
    """``(|H| at DC, |H| at Nyquist)``: ``(1, 1/(2 tau - 1))`` for the LIF, ``(inf, 1/2)`` for IF."""
    neuron = choice("neuron", neuron, ("lif", "if"))
    h = lif_transfer([0.0, np.pi], tau) if neuron == "lif" else if_transfer([0.0, np.pi])
    return float(abs(h[0])), float(abs(h[1]))


def measured_transfer(omega: float | Sequence[float] | np.ndarray, neuron: str = "lif", tau: float = 2.0,
                      n_steps: int = 400, transient: int = 100) -> np.ndarray:
    """The complex gain measured on the simulated neuron (see the module docstring), per ``omega``.

    The neuron runs the package's multi-step kernel with its threshold out of reach (1e12), in
    float64, for ``n_steps`` steps of ``cos(omega t)``; the first ``transient`` steps are left out
    of the fit. IF at ``omega = 0`` has no finite gain and is refused.
    """
    neuron = choice("neuron", neuron, ("lif", "if"))
    w = _omega(omega)
    n_steps = as_count("n_steps", n_steps, low=8)
    transient = as_count("transient", transient, low=0)
    if transient > n_steps - 4:
        raise ParameterError(f"transient must leave at least 4 steps of the {n_steps}, got {transient}")
    if neuron == "if" and np.any(w == 0):
        raise ParameterError("omega = 0 has no finite gain for the IF neuron (an integrator)")
    t = np.arange(n_steps, dtype=np.float64)
    drive = torch.from_numpy(np.cos(np.outer(t, w)))[:, None, :]  # [T, 1, n_omega]
    _, membrane = multistep_lif(drive, tau=tau if neuron == "lif" else None, v_threshold=1e12,
                                return_membrane=True)
    v = membrane[:, 0, :].numpy()[transient:]
    tt = t[transient:]
    gains = np.empty(len(w), dtype=np.complex128)
    for k, wk in enumerate(w):
        design = np.column_stack([np.cos(wk * tt), np.sin(wk * tt), np.ones_like(tt)])
        (a, b, _), *_ = np.linalg.lstsq(design, v[:, k], rcond=None)
        gains[k] = a - 1j * b
    return gains


# ----------------------------------------------------------------- 2. spiking neuron
@dataclass(frozen=True)
class SpikeTransfer:
    """What :func:`spike_transfer` measured, per angular frequency."""

    omega: np.ndarray
    gain: np.ndarray  #: modulation gain of the spike trains (spikes per step per unit input)
    rate: float  #: mean spikes per step
    high_power_share: float  #: share of the trains' AC power above half Nyquist (white noise: 0.5)
    membrane_gain: np.ndarray  #: |H| of the linear membrane, for comparison


def spike_transfer(omega: float | Sequence[float] | np.ndarray, *, neuron: str = "lif", bias: float = 1.0,
                   depth: float = 0.3, noise: float = 0.3, tau: float = 2.0, v_threshold: float = 1.0,
                   n_neurons: int = 2000, n_steps: int = 256, seed: int = 0) -> SpikeTransfer:
    """Modulation gain and spectrum of spike trains driven by ``bias + depth cos(omega t + phi)``
    plus white noise (see the module docstring). The first 32 steps are left out."""
    neuron = choice("neuron", neuron, ("lif", "if"))
    w = _omega(omega)
    bias = real("bias", bias)
    depth = real("depth", depth, low=0.0, low_inclusive=False)
    noise = real("noise", noise, low=0.0)
    n_neurons = as_count("n_neurons", n_neurons, low=1)
    n_steps = as_count("n_steps", n_steps, low=64)
    rng = np.random.default_rng(as_seed(seed))
    t = np.arange(n_steps, dtype=np.float64)[:, None]
    gains, rates, shares = [], [], []
    for wk in w:
        phase = rng.uniform(0, 2 * np.pi, n_neurons)[None, :]
        drive = bias + depth * np.cos(wk * t + phase) + noise * rng.standard_normal((n_steps, n_neurons))
        s = multistep_lif(torch.from_numpy(drive), tau=tau if neuron == "lif" else None,
                          v_threshold=v_threshold).numpy()[32:]
        tk, ph = t[32:], phase
        coef = (s * np.exp(-1j * (wk * tk + ph))).mean(0)  # per neuron
        gains.append(2 * abs(coef.mean()) / depth)
        rates.append(s.mean())
        ac = s - s.mean(0)
        power = np.abs(np.fft.rfft(ac, axis=0)) ** 2
        f = np.fft.rfftfreq(ac.shape[0])
        shares.append(power[f > 0.25].sum() / max(power[f > 0].sum(), 1e-300))
    membrane = np.abs(lif_transfer(w, tau) if neuron == "lif" else if_transfer(w))
    return SpikeTransfer(w, np.asarray(gains), float(np.mean(rates)), float(np.mean(shares)), membrane)


# ----------------------------------------------------------------- 3. feature maps
def relative_log_amplitude(maps: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(omega, delta log amplitude)`` along the diagonal of the mean 2-D Fourier amplitude of
    ``maps`` ``[..., N, N]`` (every leading index one map), relative to DC (see the module
    docstring). Needs square maps with ``N >= 2``. Maps whose mean amplitude at DC is 0 (all
    zero, as a silent spiking layer's) give NaN or infinite values."""
    x = maps.detach().double().cpu().numpy() if isinstance(maps, torch.Tensor) else np.asarray(maps, float)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or x.shape[-1] < 2:
        raise ParameterError(f"maps must be [..., N, N] with N >= 2, got shape {x.shape}")
    finite_array("maps", x)
    n = x.shape[-1]
    amp = np.abs(np.fft.fft2(x.reshape(-1, n, n))).mean(0)
    idx = np.arange(n // 2 + 1)
    diag = amp[idx, idx]
    with np.errstate(divide="ignore", invalid="ignore"):  # a map without a mean (or all zero): inf / NaN
        rel = np.log(diag) - np.log(diag[0])
    return 2 * np.pi * idx / n, rel


def high_frequency_log_amplitude(maps: torch.Tensor | np.ndarray) -> float:
    """:math:`\\Delta \\log A(\\pi)` of ``maps`` (:func:`relative_log_amplitude` at the highest
    frequency)."""
    return float(relative_log_amplitude(maps)[1][-1])


@dataclass(frozen=True)
class FeatureSpectrum:
    """One layer's spectrum from :func:`feature_spectra`."""

    layer: str
    side: int
    omega: np.ndarray
    delta_log_amplitude: np.ndarray

    @property
    def at_pi(self) -> float:
        """The value at the highest frequency."""
        return float(self.delta_log_amplitude[-1])


def feature_spectra(model: nn.Module, x: torch.Tensor,
                    layers: Sequence[str] | None = None) -> list[FeatureSpectrum]:
    """The relative log amplitude of ``model``'s feature maps layer by layer, for input ``x``.

    ``layers`` names submodules whose ``[T, batch, C, H, W]`` outputs are measured; the default
    is every embedding and block of a Max-Former (``embed1``, ``stage1.0``, ..., the residual
    stream, membrane-level), or of a Max-ResNet (``stem``, ``blocks.0``, ...). The maps are
    averaged over the time steps first (the rate-level feature map), then measured. The model
    runs in its current mode, without gradients. The spectra come in the order the forward
    computed the layers.
    """
    modules = dict(model.named_modules())
    if layers is None:
        layers = [n for n in modules if (n.count(".") == 0 and n.startswith(("embed", "stem")))
                  or (n.count(".") == 1 and n.startswith(("stage", "blocks")))]
    missing = [n for n in layers if n not in modules]
    if missing:
        raise ParameterError(f"layers {missing} are not submodules of the model")
    outputs: dict[str, torch.Tensor] = {}
    handles = [modules[n].register_forward_hook(lambda m, a, out, n=n: outputs.__setitem__(n, out.detach()))
               for n in layers]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    spectra = []
    for n, out in outputs.items():  # in the order the forward ran them
        if out.dim() != 5:
            raise ParameterError(f"layer {n!r} returned shape {tuple(out.shape)}, not [T, batch, C, H, W]")
        omega, rel = relative_log_amplitude(out.mean(0))
        spectra.append(FeatureSpectrum(n, int(out.shape[-1]), omega, rel))
    return spectra


def _smooth_field(rng: np.random.Generator, n_maps: int, side: int, slope: float) -> np.ndarray:
    """Gaussian random fields with power spectrum ~ 1/f**slope, unit variance."""
    fy, fx = np.meshgrid(np.fft.fftfreq(side), np.fft.fftfreq(side), indexing="ij")
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0 / side
    spectrum = f ** (-slope / 2)
    spectrum[0, 0] = 0.0
    noise = np.fft.fft2(rng.standard_normal((n_maps, side, side)))
    field = np.real(np.fft.ifft2(noise * spectrum))
    return field / field.std(axis=(1, 2), keepdims=True)


def pointwise_spatial_test(*, side: int = 32, n_maps: int = 64, time_steps: int = 4, gain: float = 1.0,
                           offset: float = 0.5, noise: float = 0.1, slope: float = 2.0,
                           seed: int = 0) -> dict[str, float]:
    """:math:`\\Delta\\log A(\\pi)` of a static input ``offset + gain * field + noise * white``
    and of what a per-pixel LIF (firing-rate map over ``time_steps``), IF and ReLU make of it.
    Returns ``{"input", "relu", "lif", "if", "lif_rate", "if_rate"}`` (the last two: mean
    spikes per step)."""
    side = as_count("side", side, low=4)
    n_maps = as_count("n_maps", n_maps, low=1)
    time_steps = as_count("time_steps", time_steps, low=1)
    gain = real("gain", gain, low=0.0, low_inclusive=False)
    offset, noise = real("offset", offset), real("noise", noise, low=0.0)
    slope = real("slope", slope, low=0.0)
    rng = np.random.default_rng(as_seed(seed))
    x = offset + gain * _smooth_field(rng, n_maps, side, slope)
    x = x + noise * rng.standard_normal((n_maps, side, side))
    xt = torch.from_numpy(x).unsqueeze(0).expand(time_steps, *x.shape)
    out = {"input": high_frequency_log_amplitude(x), "relu": high_frequency_log_amplitude(np.maximum(x, 0))}
    for kind, tau in (("lif", 2.0), ("if", None)):
        rate = multistep_lif(xt, tau=tau, v_threshold=1.0).mean(0)
        out[kind] = high_frequency_log_amplitude(rate)
        out[f"{kind}_rate"] = float(rate.mean())
    return out
