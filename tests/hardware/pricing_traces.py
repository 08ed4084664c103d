"""Hand-built traces shared by the pricing tests (imported by name, as tests/core does)."""

from __future__ import annotations

from neurosparse.optrace import LayerCounts, OpTrace


def snn(n_samples: int = 1, n_hidden: int = 128, n_steps: int = 20) -> OpTrace:
    """A 64-n_hidden-10 spiking MLP counted as PyTorch counts it (per-layer totals)."""
    tr = OpTrace(n_samples=n_samples, n_steps=n_steps, value_bytes=4)
    passes = n_samples * n_steps
    tr.add_layer(LayerCounts("fc1", "linear", dense_ops=64 * n_hidden * passes,
                             effective_acs=0.3 * 64 * n_hidden * passes, n_params=64 * n_hidden,
                             dense_params=64 * n_hidden))
    tr.add_layer(LayerCounts("lif1", "population", neuron_updates=n_hidden * passes,
                             spikes=0.1 * n_hidden * passes))
    tr.add_layer(LayerCounts("fc2", "linear", dense_ops=n_hidden * 10 * passes,
                             effective_acs=0.1 * n_hidden * 10 * passes, n_params=n_hidden * 10,
                             dense_params=n_hidden * 10))
    tr.add_layer(LayerCounts("lif2", "population", neuron_updates=10 * passes, spikes=passes))
    return tr
