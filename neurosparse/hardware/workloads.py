r"""Published workloads rebuilt as OpTraces, from the sizes, time steps and rates their papers state.

Each function builds the counts of one workload that a paper measured on real hardware, so
that :mod:`neurosparse.hardware.validation` can price it and compare with the measurement
(``hardware/VALIDATION.md``). Every number a function uses is a parameter with the paper's
value as its default; what a paper omits (spike rates, sparsity) is a parameter without a
published value, and the validation cases give its range. The measurements themselves, with
their provenance, are in ``hardware/validation/measurements.md``.

**Spiking networks** are counted the way the event core counts them: a population per layer of
neurons (``neuron_updates`` = neurons x steps, ``spikes`` = neurons x steps x rate) and a
projection ``"source->target:port"`` per weight matrix whose ``synaptic_events`` are the source's
spikes times the fan-out. Inputs arriving from the host are a layer without neuron updates.

**Convolutional networks** are counted the way hardware executes them: per layer
``dense_ops = H_out W_out C_out (k^2 C_in / groups)`` MACs, padding included, and, for an engine
that skips zeros, ``effective_macs = dense_ops x weight density x input density`` (independent
zeros), with the input and weight operand counts beside it. Weights are read once per batch,
inputs read and outputs written once per sample, in bytes of ``value_bytes`` per value (int8: 1).

======================  ============================================================  ============
function                workload                                                      paper
======================  ============================================================  ============
:func:`blouw_kws`       keyword spotter 390-256-256(-29), 10 steps per inference      Blouw 2019
:func:`blouw_branches`  the same with N branches of 10 x 256 neurons (their Fig. 5)   Blouw 2019
:func:`truenorth_core`  one TrueNorth core (of 4,096) at a mean rate and fan-out      Merolla 2014
:func:`resnet50_v15`    ResNet-50 v1.5, 224 x 224 (MLPerf Inference)                  MLPerf v3.0
:func:`mobilenet_v1`    MobileNet v1 (width 1.0, 224 x 224), optionally sparse        Chen 2019
:func:`alexnet_conv`    AlexNet's five convolutional layers (227 x 227)               Chen 2017
:func:`akidanet_05`     AkidaNet 0.5 at 224 x 224 (BrainChip's model zoo)             BrainChip
======================  ============================================================  ============

References: P. Blouw, X. Choo, E. Hunsberger, C. Eliasmith, "Benchmarking Keyword Spotting
Efficiency on Neuromorphic Hardware", NICE 2019; P. A. Merolla et al., Science 345:668, 2014;
K. He et al., "Deep Residual Learning for Image Recognition", CVPR 2016 (v1.5: stride in the
3 x 3 convolution, as MLPerf's reference model); A. G. Howard et al., "MobileNets", arXiv:1704.04861,
2017; A. Krizhevsky et al., NIPS 2012 (AlexNet, two groups); BrainChip MetaTF documentation
(AkidaNet 0.5 layer list, as in ``measurements.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurosparse.errors import ParameterError
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = ["ConvLayer", "akidanet_05", "alexnet_conv", "blouw_branches", "blouw_kws",
           "conv_trace", "mobilenet_v1", "resnet50_v15", "truenorth_core"]

#: Blouw et al. 2019: 390 MFCC features per frame, two hidden layers of 256 (the 29 outputs
#: are decoded off-chip from the second layer's spikes, as in the NengoLoihi example).
KWS_INPUTS, KWS_HIDDEN = 390, 256
#: TrueNorth: 4,096 cores, each of 256 neurons and 256 axons (Merolla et al. 2014).
TRUENORTH_CORES, TRUENORTH_AXONS = 4096, 256


def _rate(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= 1):
        raise ParameterError(f"{name} must be a fraction in [0, 1], got {value!r}")
    return float(value)


def _whole(name: str, value: int, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


# ------------------------------------------------------------------------------ spiking
def _population(trace: OpTrace, name: str, neurons: int, rate: float) -> float:
    """Add a population updated every step; return its spikes."""
    passes = trace.n_steps * trace.n_samples
    spikes = neurons * passes * rate
    trace.add_layer(LayerCounts(name, "population", neuron_updates=neurons * passes,
                                dense_neuron_updates=neurons * passes, spikes=spikes,
                                activations=neurons * passes, nonzero_activations=spikes))
    return spikes


def _projection(trace: OpTrace, source: str, target: str, n_pre: int, n_post: int,
                source_spikes: float) -> None:
    """Add an all-to-all projection whose events are the source's spikes times ``n_post``."""
    events = source_spikes * n_post
    passes = trace.n_steps * trace.n_samples
    trace.add_layer(LayerCounts(f"{source}->{target}:w", "projection",
                                dense_ops=n_pre * n_post * passes, effective_acs=events,
                                synaptic_events=events, n_params=n_pre * n_post,
                                n_nonzero_params=n_pre * n_post, dense_params=n_pre * n_post))


def _host_input(trace: OpTrace, name: str, channels: int, rate: float) -> float:
    passes = trace.n_steps * trace.n_samples
    spikes = channels * passes * rate
    trace.add_layer(LayerCounts(name, "input", activations=channels * passes,
                                nonzero_activations=spikes, spikes=spikes))
    return spikes


def blouw_kws(*, n_steps: int = 10, input_rate: float, hidden_rate: float,
              n_inferences: int = 1) -> OpTrace:
    """The keyword spotter of Blouw et al. 2019 on Loihi, as an event trace.

    390 input channels (one MFCC frame, sent from the host as spikes) drive two fully connected
    LIF layers of 256 neurons; the 29 character outputs are decoded off-chip from the second
    layer's spikes (the NengoLoihi example the benchmark adapts). One inference is one frame
    presented for ``n_steps`` steps of 1 ms (10: the NengoLoihi example's ``p_time`` and the
    benchmark logs' 20,000 steps for 2,000 inferences; the paper does not state it).

    Parameters
    ----------
    n_steps
        Loihi time steps per inference.
    input_rate, hidden_rate
        Spikes per input channel and per hidden neuron per step (not published: the
        validation gives a range).
    n_inferences
        Frames (samples) the trace covers.

    Returns
    -------
    OpTrace
        Layers ``input``, ``input->layer1:w``, ``layer1``, ``layer1->layer2:w``, ``layer2``.
    """
    trace = OpTrace(n_samples=_whole("n_inferences", n_inferences),
                    n_steps=_whole("n_steps", n_steps), dt=1e-3, source="blouw2019_kws")
    s_in = _host_input(trace, "input", KWS_INPUTS, _rate("input_rate", input_rate))
    _projection(trace, "input", "layer1", KWS_INPUTS, KWS_HIDDEN, s_in)
    s1 = _population(trace, "layer1", KWS_HIDDEN, _rate("hidden_rate", hidden_rate))
    _projection(trace, "layer1", "layer2", KWS_HIDDEN, KWS_HIDDEN, s1)
    _population(trace, "layer2", KWS_HIDDEN, hidden_rate)
    return trace


def blouw_branches(n_branches: int, *, n_steps: int = 10, input_rate: float,
                   hidden_rate: float) -> OpTrace:
    """Blouw et al. 2019, Fig. 5: the keyword spotter with ``n_branches`` extra branches.

    Each branch is a chain of 10 layers of 256 neurons between the two hidden layers ("# neurons
    = N*10*256 + 512"): it receives from ``layer1`` all-to-all, passes through nine 256 x 256
    all-to-all projections and projects all-to-all onto ``layer2`` (11 projections of 65,536
    synapses). The direct ``layer1 -> layer2`` projection is kept for every N (the base
    network). The paper's weights are random and uniform; rates are not published.

    Parameters
    ----------
    n_branches
        N >= 0.
    n_steps, input_rate, hidden_rate
        As :func:`blouw_kws`; ``hidden_rate`` applies to every neuron of the branches too.

    Returns
    -------
    OpTrace
        One inference.
    """
    _whole("n_branches", n_branches, low=0)
    trace = blouw_kws(n_steps=n_steps, input_rate=input_rate, hidden_rate=hidden_rate)
    s1 = trace.layers["layer1"].spikes
    for b in range(n_branches):
        prev, prev_spikes = "layer1", s1
        for j in range(10):
            name = f"branch{b}_{j}"
            _projection(trace, prev, name, KWS_HIDDEN, KWS_HIDDEN, prev_spikes)
            prev, prev_spikes = name, _population(trace, name, KWS_HIDDEN, hidden_rate)
        _projection(trace, prev, "layer2", KWS_HIDDEN, KWS_HIDDEN, prev_spikes)
    return trace


def truenorth_core(*, rate_hz: float, active_synapses: float, duration_s: float = 1.0) -> OpTrace:
    """One TrueNorth core (256 neurons, 256 axons, a 256 x 256 binary crossbar) at a mean rate.

    TrueNorth routes each neuron's spike to one axon of one core, where the crossbar delivers
    it to the neurons whose synapse on that axon is on (Merolla et al. 2014). In steady state a
    core's axons receive as many spikes as its neurons send, so the trace has the axons as an
    input layer (256 channels), the crossbar as a projection ``axons->neurons:crossbar`` of
    ``256 x active_synapses`` synapses (fan-in ``active_synapses`` of the 256 axons) with
    ``spikes x active_synapses`` events, and the neurons as a population updated every 1 ms tick.
    A chip of identical cores is ``TRUENORTH_CORES`` of these, priced with ``static="occupied"``
    (each core's share of the static floor).

    Parameters
    ----------
    rate_hz
        Mean firing rate of the neurons (at most one spike per tick).
    active_synapses
        Synaptic events a spike causes: active synapses per neuron (Merolla 2014's test
        networks: 128; at most 256).
    duration_s
        Run time in real time (1 ms ticks).

    Returns
    -------
    OpTrace
        One sample of ``duration_s / 1 ms`` steps.
    """
    for name, v in (("rate_hz", rate_hz), ("active_synapses", active_synapses), ("duration_s", duration_s)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise ParameterError(f"{name} must be a finite number >= 0, got {v!r}")
    if active_synapses > TRUENORTH_AXONS:
        raise ParameterError(f"active_synapses must be at most {TRUENORTH_AXONS} (a core's axons), got "
                             f"{active_synapses!r}")
    ticks = _whole("duration_s / 1 ms (ticks)", int(round(duration_s / 1e-3)))
    if rate_hz * 1e-3 > 1:
        raise ParameterError(f"rate_hz must be at most 1000 (one spike per 1 ms tick), got {rate_hz!r}")
    trace = OpTrace(n_samples=1, n_steps=ticks, dt=1e-3, source="truenorth_core")
    n = TRUENORTH_AXONS
    spikes = n * rate_hz * ticks * 1e-3
    trace.add_layer(LayerCounts("axons", "input", activations=n * ticks, nonzero_activations=spikes,
                                spikes=spikes))
    events = spikes * active_synapses
    synapses = int(round(n * active_synapses))
    trace.add_layer(LayerCounts("axons->neurons:crossbar", "projection", effective_acs=events,
                                synaptic_events=events, n_params=synapses, n_nonzero_params=synapses,
                                dense_params=n * n))
    trace.add_layer(LayerCounts("neurons", "population", neuron_updates=n * ticks,
                                dense_neuron_updates=n * ticks, spikes=spikes))
    return trace


# ------------------------------------------------------------------------------ conv nets
@dataclass(frozen=True)
class ConvLayer:
    """One convolution (or, with ``k = 1`` on a 1 x 1 map, a fully connected layer).

    ``h_out`` is the output side (square maps); ``groups == c_in`` is a depthwise convolution.
    ``input_density`` is the fraction of non-zero input values (1 for the image).
    """

    name: str
    c_in: int
    c_out: int
    k: int
    h_out: int
    stride: int = 1
    groups: int = 1

    @property
    def weights(self) -> int:
        return self.c_out * self.k * self.k * self.c_in // self.groups

    @property
    def macs(self) -> int:
        return self.h_out * self.h_out * self.weights

    @property
    def inputs(self) -> int:
        return (self.h_out * self.stride) ** 2 * self.c_in

    @property
    def outputs(self) -> int:
        return self.h_out * self.h_out * self.c_out


def conv_trace(layers: list[ConvLayer], *, n_samples: int = 1, weight_density: float = 1.0,
               activation_density: float = 1.0, first_input_density: float = 1.0,
               value_bytes: float = 1.0, source: str = "") -> OpTrace:
    """The counts of a feed-forward convolutional network, one :class:`LayerCounts` per layer.

    Parameters
    ----------
    layers
        The layers in order; each reads the previous one's output (except the first, which
        reads the image at ``first_input_density``).
    n_samples
        Images (the batch); weights are read once, activations once per image.
    weight_density, activation_density
        Fractions of non-zero weights and of non-zero activations (inputs of every layer but
        the first), assumed independent.
    value_bytes
        Bytes per weight and activation value (int8: 1).
    source
        Free text for the trace.
    """
    _whole("n_samples", n_samples)
    wd, ad = _rate("weight_density", weight_density), _rate("activation_density", activation_density)
    first = _rate("first_input_density", first_input_density)
    trace = OpTrace(n_samples=n_samples, n_steps=1, value_bytes=value_bytes, source=source)
    for i, lay in enumerate(layers):
        d_in = first if i == 0 else ad
        dense = float(lay.macs) * n_samples
        nonzero_w = int(round(lay.weights * wd))
        trace.add_layer(LayerCounts(
            lay.name, "conv2d" if lay.k > 1 or lay.h_out > 1 else "linear",
            dense_ops=dense, effective_macs=dense * wd * d_in, nonzero_input_ops=dense * d_in,
            nonzero_weight_ops=dense * wd, n_params=lay.weights, n_nonzero_params=nonzero_w,
            dense_params=lay.weights, weight_bytes_read=nonzero_w * value_bytes,
            activations=float(lay.outputs) * n_samples,
            nonzero_activations=float(lay.outputs) * n_samples * ad,
            activation_bytes_read=float(lay.inputs) * n_samples * value_bytes,
            activation_bytes_written=float(lay.outputs) * n_samples * value_bytes,
            parameter_bytes=lay.weights * value_bytes))
    return trace


def _resnet50_layers() -> list[ConvLayer]:
    """ResNet-50 v1.5's 53 convolutions and the classifier (batch norm, ReLU and the residual
    additions are fused into them; the two pooling layers do no MACs)."""
    layers = [ConvLayer("conv1", 3, 64, 7, 112, stride=2)]
    c_in, side = 64, 56  # after the 3 x 3 max pooling
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        for b in range(blocks):
            stride = 2 if (b == 0 and stage > 1) else 1
            out_side = side // stride
            pre = f"layer{stage}.{b}"
            layers += [ConvLayer(f"{pre}.conv1", c_in, width, 1, side),
                       ConvLayer(f"{pre}.conv2", width, width, 3, out_side, stride=stride),
                       ConvLayer(f"{pre}.conv3", width, 4 * width, 1, out_side)]
            if b == 0:
                layers.append(ConvLayer(f"{pre}.downsample", c_in, 4 * width, 1, out_side, stride=stride))
            c_in, side = 4 * width, out_side
    layers.append(ConvLayer("fc", 2048, 1000, 1, 1))
    return layers


def resnet50_v15(*, n_samples: int = 1, value_bytes: float = 1.0) -> OpTrace:
    """ResNet-50 v1.5 at 224 x 224, dense (MLPerf Inference's image classifier, run in INT8).

    4.09 G MACs and 25.5 M weights per image; one layer per convolution and the classifier.
    """
    return conv_trace(_resnet50_layers(), n_samples=n_samples, value_bytes=value_bytes,
                      source="resnet50_v1.5")


def _mobilenet_layers() -> list[ConvLayer]:
    layers = [ConvLayer("conv0", 3, 32, 3, 112, stride=2)]
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
        [(1024, 2), (1024, 1)]
    c_in, side = 32, 112
    for i, (c_out, stride) in enumerate(plan, start=1):
        side //= stride
        layers += [ConvLayer(f"dw{i}", c_in, c_in, 3, side, stride=stride, groups=c_in),
                   ConvLayer(f"pw{i}", c_in, c_out, 1, side)]
        c_in = c_out
    layers.append(ConvLayer("fc", 1024, 1000, 1, 1))
    return layers


def mobilenet_v1(*, n_samples: int = 1, weight_density: float = 1.0,
                 activation_density: float = 1.0, value_bytes: float = 1.0) -> OpTrace:
    """MobileNet v1 (width multiplier 1.0, 224 x 224): 13 depthwise-separable blocks.

    569 M MACs and 4.2 M weights per image dense (Howard et al. 2017, Table 1); a pruned
    ("sparse") MobileNet has ``weight_density < 1``.
    """
    return conv_trace(_mobilenet_layers(), n_samples=n_samples, weight_density=weight_density,
                      activation_density=activation_density, value_bytes=value_bytes,
                      source="mobilenet_v1")


def alexnet_conv(*, n_samples: int = 1, activation_density: float = 1.0,
                 value_bytes: float = 1.0) -> OpTrace:
    """AlexNet's five convolutional layers at 227 x 227 (conv2, conv4, conv5 in two groups).

    666 M MACs and 2.3 M weights per image, as Eyeriss (Chen et al., ISSCC 2016) counts them.
    """
    layers = [ConvLayer("conv1", 3, 96, 11, 55, stride=4),
              ConvLayer("conv2", 96, 256, 5, 27, groups=2),
              ConvLayer("conv3", 256, 384, 3, 13),
              ConvLayer("conv4", 384, 384, 3, 13, groups=2),
              ConvLayer("conv5", 384, 256, 3, 13, groups=2)]
    return conv_trace(layers, n_samples=n_samples, activation_density=activation_density,
                      value_bytes=value_bytes, source="alexnet_conv")


def _akidanet_layers(downsample: str) -> list[ConvLayer]:
    """AkidaNet 0.5 at 224 x 224: the layer list of BrainChip's documentation.

    Where a layer halves the map, ``downsample="stride"`` computes it at the output size and
    ``"pool"`` at the input size followed by a pooling (the documentation gives the output
    sizes only).
    """
    if downsample not in ("stride", "pool"):
        raise ParameterError(f"downsample must be 'stride' or 'pool', got {downsample!r}")
    pool = downsample == "pool"
    # (name, c_in, c_out, output side, halves the map, separable)
    plan = [("conv_0", 3, 16, 112, True, False), ("conv_1", 16, 32, 112, False, False),
            ("conv_2", 32, 64, 56, True, False), ("conv_3", 64, 64, 56, False, False),
            ("separable_4", 64, 128, 28, True, True), ("separable_5", 128, 128, 28, False, True),
            ("separable_6", 128, 256, 14, True, True)] + \
        [(f"separable_{i}", 256, 256, 14, False, True) for i in range(7, 12)] + \
        [("separable_12", 256, 512, 7, True, True), ("separable_13", 512, 512, 7, False, True)]
    layers = []
    for name, c_in, c_out, side, halves, separable in plan:
        at = side * 2 if (halves and pool and name != "conv_0") else side
        stride = 2 if halves and not (pool and name != "conv_0") else 1
        if separable:
            layers += [ConvLayer(f"{name}.dw", c_in, c_in, 3, at, stride=stride, groups=c_in),
                       ConvLayer(f"{name}.pw", c_in, c_out, 1, at)]
        else:
            layers.append(ConvLayer(name, c_in, c_out, 3, at, stride=stride))
    layers.append(ConvLayer("classifier", 512, 1000, 1, 1))
    return layers


def akidanet_05(*, n_samples: int = 1, activation_density: float = 1.0,
                downsample: str = "stride", value_bytes: float = 0.5) -> OpTrace:
    """AkidaNet 0.5 at 224 x 224 (``akidanet_imagenet_224_alpha_50_iq8_wq4_aq4``), event-driven.

    conv_0 3 x 3 x 3 -> 16 (112 x 112), conv_1 16 -> 32 (112), conv_2 32 -> 64 (56), conv_3 64 -> 64
    (56), separable_4 64 -> 128 (28), separable_5 128 -> 128 (28), separable_6 128 -> 256 (14),
    separable_7-11 256 -> 256 (14), separable_12 256 -> 512 (7), separable_13 512 -> 512 (7, then
    global pooling), classifier 512 -> 1000: 1,371,888 weights, and with one bias per output
    channel the documented 1,375,880 parameters. Weights and activations are 4-bit
    (``value_bytes`` 0.5); the input image is 8-bit and dense.

    Parameters
    ----------
    activation_density
        Fraction of non-zero activations (events) into every layer but the first (not
        published: the validation gives a range).
    downsample
        ``"stride"`` or ``"pool"``: how the layers that halve the map compute (see
        :func:`_akidanet_layers`); the two bracket the MACs.
    """
    return conv_trace(_akidanet_layers(downsample), n_samples=n_samples,
                      activation_density=activation_density, value_bytes=value_bytes,
                      source="akidanet_0.5_224")
