"""Counters of PyTorch's recurrent layers and cells, for :func:`neurosparse.hardware.count`.

``nn.RNN/GRU/LSTM`` (stacked, bidirectional, projected LSTMs) and ``nn.RNNCell/GRUCell/
LSTMCell``: the recurrence is replayed from the hooked inputs (and checked against the
module's output), so every step's input-to-hidden and hidden-to-hidden products are counted,
plus the gate products (GRU: ``r*(W_hn h+b_hn)``, ``(1-z)*n``, ``z*h``; LSTM: ``f*c``,
``i*g``, ``o*tanh(c)``) and the LSTM projection. Per step and sample: dense weight MACs
``G*H*(I + H_out)`` (``G`` = 1, 3, 4 for RNN, GRU, LSTM; ``H_out`` = ``proj_size`` or ``H``)
plus ``P*H`` for a projection, plus ``3*H`` gate products for GRU and LSTM. Each product is
sorted by its own input: ACs where that input is spikes, MACs otherwise.

State: a whole layer reads and writes ``h`` (and ``c``) every step; ``held_state_bytes`` is the
state the batch keeps between steps (every layer and direction's ``h``, and ``c``), and the
layer records ``seq_steps``, the time steps it ran, from which :func:`count` takes ``n_steps``.

NeuroBench 2.3 counts cells called with an explicit state as here on data whose state has no
exact zeros (tested equal); called without one, its ``RNNCell`` count takes the first sample
only and its ``GRUCell``/``LSTMCell`` counts fail, so ``neurobench=True`` warns and counts as here.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from neurosparse.hardware.torch_ops import (
    Uncountable,
    UncountedLayerWarning,
    linear_ops,
    merge,
    nnz,
    output_tensor,
    tensor_bytes,
)

__all__ = ["count_cell", "count_rnn"]


def _cell_step(mode: str, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor | None,
               b_hh: torch.Tensor | None, w_hr: torch.Tensor | None, x: torch.Tensor,
               h: torch.Tensor, c: torch.Tensor | None, ops: dict[str, float]):
    """One step of a recurrent cell on ``x`` ``[B, I]``; adds its operations to ``ops``."""
    merge(ops, linear_ops(x, w_ih))
    merge(ops, linear_ops(h, w_hh))
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)

    def products(*pairs):
        dense = sum(a.numel() for a, _ in pairs)
        effective = sum(nnz((a != 0) & (b != 0)) for a, b in pairs)
        merge(ops, {"dense_ops": dense, "effective_macs": effective,
                     "nonzero_input_ops": effective, "nonzero_weight_ops": dense})

    if mode in ("RNN_TANH", "RNN_RELU"):
        pre = gi + gh
        return (torch.tanh(pre) if mode == "RNN_TANH" else torch.relu(pre)), None
    if mode == "GRU":
        i_r, i_z, i_n = gi.chunk(3, -1)
        h_r, h_z, h_n = gh.chunk(3, -1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        products((r, h_n), (1 - z, n), (z, h))
        return (1 - z) * n + z * h, None
    i, f, g, o = (gi + gh).chunk(4, -1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    tanh_c = torch.tanh(c_new)
    products((f, c), (i, g), (o, tanh_c))
    h_new = o * tanh_c
    if w_hr is not None:
        merge(ops, linear_ops(h_new, w_hr))
        h_new = F.linear(h_new, w_hr)
    return h_new, c_new


def _cell_mode(m: nn.RNNCellBase) -> str:
    if isinstance(m, nn.LSTMCell):
        return "LSTM"
    if isinstance(m, nn.GRUCell):
        return "GRU"
    return "RNN_RELU" if getattr(m, "nonlinearity", "tanh") == "relu" else "RNN_TANH"


def count_cell(m: nn.RNNCellBase, args: tuple, output: Any, state: dict) -> dict[str, float]:
    """Counter of ``nn.RNNCell/GRUCell/LSTMCell``: one step (each call is a time step)."""
    mode = _cell_mode(m)
    x = args[0]
    hx = args[1] if len(args) > 1 else None
    if hx is None and state.get("neurobench") and not state.get("warned_no_state"):
        state["warned_no_state"] = True
        warnings.warn(f"neurobench=True: {type(m).__name__} called without a state is counted as here, not "
                      "as NeuroBench 2.3 (its RNNCell count takes the first sample only, its GRU/LSTM cell "
                      "counts fail); pass the state explicitly for NeuroBench's numbers",
                      UncountedLayerWarning, stacklevel=3)
    unbatched = x.dim() == 1
    if unbatched:
        x = x.unsqueeze(0)
    batch = x.shape[0]
    zeros = x.new_zeros(batch, m.hidden_size)
    if mode == "LSTM":
        h, c = (zeros, zeros) if hx is None else hx
    else:
        h, c = (zeros if hx is None else hx), None
    if unbatched and hx is not None:
        h = h.unsqueeze(0)
        c = c.unsqueeze(0) if c is not None else None
    ops: dict[str, float] = {}
    h_new, c_new = _cell_step(mode, m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh, None, x, h, c, ops)
    _check_replay(m, h_new.squeeze(0) if unbatched else h_new, output_tensor(output))
    n_state = 2 if mode == "LSTM" else 1
    ops["weight_bytes_read"] = tensor_bytes(*m.parameters(recurse=False))
    ops["state_bytes_read"] = tensor_bytes(h) * n_state if hx is not None else 0.0
    ops["state_bytes_written"] = tensor_bytes(h_new) * n_state
    ops["activation_bytes_read"] = tensor_bytes(x)
    ops["held_state_bytes"] = tensor_bytes(h_new) * n_state
    return ops


def count_rnn(m: nn.RNNBase, args: tuple, output: Any, state: dict) -> dict[str, float]:
    """Counter of a whole ``nn.RNN/GRU/LSTM`` layer: every step of every layer and direction."""
    x = args[0]
    hx = args[1] if len(args) > 1 else None
    if isinstance(x, nn.utils.rnn.PackedSequence):
        raise Uncountable(f"{type(m).__name__} called on a PackedSequence (pad it to count it)")
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(1)
        if hx is not None:
            hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(1)
    elif m.batch_first:
        x = x.transpose(0, 1)
    mode = m.mode
    n_dir = 2 if m.bidirectional else 1
    h_out = m.proj_size or m.hidden_size
    n_steps, batch = x.shape[0], x.shape[1]
    state["seq_steps"] = state.get("seq_steps", 0) + n_steps
    h0 = c0 = None
    if hx is not None:
        h0, c0 = hx if mode == "LSTM" else (hx, None)
    ops: dict[str, float] = {}
    layer_in = x
    for layer in range(m.num_layers):
        outs = []
        for d in range(n_dir):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = getattr(m, "weight_ih" + sfx), getattr(m, "weight_hh" + sfx)
            b_ih = getattr(m, "bias_ih" + sfx) if m.bias else None
            b_hh = getattr(m, "bias_hh" + sfx) if m.bias else None
            w_hr = getattr(m, "weight_hr" + sfx) if m.proj_size else None
            idx = layer * n_dir + d
            h = h0[idx] if h0 is not None else x.new_zeros(batch, h_out)
            c = (c0[idx] if c0 is not None else x.new_zeros(batch, m.hidden_size)) if mode == "LSTM" else None
            seq = [None] * n_steps
            for t in (range(n_steps - 1, -1, -1) if d else range(n_steps)):
                merge(ops, {"state_bytes_read": tensor_bytes(h, c)})
                h, c = _cell_step(mode, w_ih, w_hh, b_ih, b_hh, w_hr, layer_in[t], h, c, ops)
                merge(ops, {"state_bytes_written": tensor_bytes(h, c),
                             "weight_bytes_read": tensor_bytes(w_ih, w_hh, b_ih, b_hh, w_hr)})
                seq[t] = h
            outs.append(torch.stack(seq))
        layer_in = torch.cat(outs, -1)
    replayed = layer_in.squeeze(1) if unbatched else (layer_in.transpose(0, 1) if m.batch_first else layer_in)
    _check_replay(m, replayed, output_tensor(output))
    ops["activation_bytes_read"] = tensor_bytes(args[0])
    ops["activation_bytes_written"] = tensor_bytes(output_tensor(output))
    n_states = m.num_layers * n_dir
    ops["held_state_bytes"] = n_states * batch * x.element_size() * (
        h_out + (m.hidden_size if mode == "LSTM" else 0))
    return ops


def _check_replay(m: nn.Module, replayed: torch.Tensor, actual: torch.Tensor) -> None:
    if replayed.shape != actual.shape or not torch.allclose(replayed, actual, rtol=1e-4, atol=1e-5):
        warnings.warn(f"replaying {type(m).__name__} did not reproduce its output (dropout in training "
                      "mode?); its effective counts are approximate", UncountedLayerWarning, stacklevel=3)
