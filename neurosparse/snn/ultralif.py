r"""UltraLIF and UltraDLIF: spiking neurons made differentiable by ultradiscretization.

After Miñoza, "UltraLIF: Fully Differentiable Spiking Neural Networks via Ultradiscretization
and Max-Plus Algebra" (arXiv:2602.11206, ICML 2026), with :class:`SurrogateLIF`, the
surrogate-gradient baseline they are compared with. Tensors are time-first, ``[T, batch, n]``
for sequences and ``[batch, n]`` for one step.

Where the equations come from
-----------------------------
The paper's HTML/PDF text is not stored where this was written; its abstract, the authors'
README (``V(t+1) = LSE_eps(V(t) + log(tau), I(t))`` for UltraLIF,
``V_i(t) = LSE_eps(V_{i-1}, V_i, V_{i+1}) + I_i`` for UltraDLIF) and the self-contained
neurons of their ablation script (``ablations/eps_ablation.py`` in JomaMinoza/UltraLIF: the
spike ``sigmoid((V - 1) / eps)``, the reset ``V * (1 - s)``, ``eps = exp(log_eps)`` clamped
to [0.1, 20]) are. :class:`UltraLIF` follows those. The derivation below, the gap-junction
weights of :class:`UltraDLIF` and its ``form="maxplus"`` are **our derivation**.

Ultradiscretization (our derivation)
------------------------------------
Write positive quantities as exponentials, :math:`u = e^{V/\varepsilon}`. Then a product
becomes a sum and a sum a soft maximum:

.. math::

    uv \mapsto U + V, \qquad u + v \mapsto \mathrm{LSE}_\varepsilon(U, V)
    = \varepsilon \log\bigl(e^{U/\varepsilon} + e^{V/\varepsilon}\bigr)
    \xrightarrow{\varepsilon \to 0} \max(U, V),

with the log-sum-exp bound, for :math:`k` terms,
:math:`0 \le \mathrm{LSE}_\varepsilon(x_1..x_k) - \max_j x_j \le \varepsilon \log k`.

**UltraLIF.** The discrete LIF :math:`u_{t+1} = \beta u_t + I_t` becomes

.. math::

    \tilde V_{t+1} &= \mathrm{LSE}_\varepsilon\bigl(V_t + \log\beta,\; X_t\bigr) \\
    S_{t+1} &= \sigma\bigl((\tilde V_{t+1} - \vartheta)/\varepsilon\bigr) \\
    V_{t+1} &= \tilde V_{t+1}\,(1 - S_{t+1}) \quad\text{("zero")},
    \quad \tilde V_{t+1} - \vartheta S_{t+1} \quad\text{("subtract")}
    \quad\text{or}\quad \tilde V_{t+1} \quad\text{("none")}

(:math:`X_t` the input current, :math:`\vartheta` the threshold, :math:`\sigma` the logistic
function.) A strict ultradiscretization would scale the leak with the temperature
(:math:`\beta = e^{B/\varepsilon}`); the paper keeps :math:`\log\beta` fixed, so as
:math:`\varepsilon \to 0` the neuron converges to the **tropical (max-plus) LIF**

.. math::

    \tilde V_{t+1} = \max(V_t + \log\beta,\, X_t), \quad S_{t+1} = H(\tilde V_{t+1} - \vartheta),

not to the classical linear LIF: the leak subtracts :math:`|\log\beta|` per step and inputs
combine by a maximum, not a sum. Each step adds at most :math:`\varepsilon\log 2` of error, and
max is 1-Lipschitz, so below threshold the soft trajectory stays within
:math:`t\,\varepsilon\log 2` of the tropical one after :math:`t` steps (linear in
:math:`\varepsilon`); the reset's error is :math:`O(e^{-|\tilde V-\vartheta|/\varepsilon})`.
Note the other side of the bound: at a fixed, not small :math:`\varepsilon` the log-sum-exp
adds up to :math:`\varepsilon\log 2` per step, a drive of its own: at :math:`\varepsilon = 1`,
:math:`\beta = 0.9`, :math:`\vartheta = 1`, zero input settles at a spike value of about 0.47
every step (0.27 at :math:`\varepsilon = 0.5`, 7e-5 at 0.1); the "spikes" are continuous values.

**UltraDLIF.** Gap junctions (electrical synapses of conductance :math:`g`) between
neighbouring neurons add the discrete diffusion term
:math:`g\sum_{j\in N(i)}(u_j - u_i)` to the LIF. Folding the outflow :math:`-g|N(i)|u_i` into
the leak (``beta`` here is the effective leak; ultradiscretization needs subtraction-free
forms) leaves the positive inflow :math:`g\sum_j u_j`, which ultradiscretizes to terms
:math:`V_j + \log g`:

.. math::

    \tilde V_{i,t+1} = \mathrm{LSE}_\varepsilon\Bigl(V_{i,t} + \log\beta,\;
    \{V_{j,t} + \log g\}_{j \in N(i)},\; X_{i,t}\Bigr) \qquad (\texttt{form="maxplus"})

then the same spike and reset. With :math:`g = 0` the neighbour terms vanish
(:math:`\log 0 = -\infty`) and UltraDLIF is UltraLIF exactly. The authors' code adds the
input outside the soft maximum, :math:`\tilde V_i = \mathrm{LSE}_\varepsilon(V_{i-1}, V_i,
V_{i+1}) + X_i`; ``form="paper"`` gives
:math:`\mathrm{LSE}_\varepsilon(V_i + \log\beta, \{V_j + \log g\}) + X_i`, which is theirs for
``beta=1, coupling=1``. Neighbourhoods: ``"ring"``, :math:`N(i) = \{i-1, i+1\}` modulo
:math:`n`; ``"grid"``, the 4-neighbourhood on a ``grid_shape = (rows, cols)`` grid in
row-major order, without wrap-around (edge neurons have fewer neighbours).

The temperature
---------------
:math:`\varepsilon` is learnable (``learn_eps``), stored as its logarithm (so it stays
positive) and clamped to ``[eps_min, eps_max]`` (default [0.1, 20], the authors' range) each
time it is read; one value per layer (``eps_shape="layer"``) or per neuron (``"neuron"``,
needs ``n``). Once the stored value leaves the range its gradient is zero (as in the authors'
code); :meth:`clamp_eps_` pulls it back after an optimizer step. :meth:`harden` returns a
**copy** of the layer whose forward pass runs at :math:`\varepsilon = 0`: hard maximum and
Heaviside (binary) spikes, for deployment (that spike passes no gradient); the layer it is
called on stays soft and trainable.

The ultradiscrete limit of snnTorch's ``Leaky`` (our derivation, tested)
------------------------------------------------------------------------
Without a reset (``reset_mechanism="none"``) the identity above is exact at every
:math:`\varepsilon`: UltraLIF's membrane is :math:`V_t = \varepsilon\log u_t` where :math:`u_t`
is the membrane of ``snn.Leaky(beta=beta ** (1/eps), threshold=exp(threshold/eps),
reset_mechanism="none")`` started at :math:`u_0 = 1` and driven by :math:`e^{X_t/\varepsilon}`.
So UltraLIF's spike exceeds 1/2 exactly when that neuron spikes
(:math:`V_t > \vartheta \Leftrightarrow u_t > e^{\vartheta/\varepsilon}`), and the hardened
UltraLIF spikes at the same steps as it once :math:`\varepsilon\log(t+1)` is below the
tropical membrane's distance to threshold. With the *same* ``beta`` and ``threshold`` the two
neurons differ: the hardened UltraLIF is the tropical LIF (the leak subtracts
:math:`|\log\beta|`, inputs combine by a maximum), ``snn.Leaky`` the linear one, so their
spike trains agree only in special cases: one step from rest with an input
:math:`X \ge \log\beta`, where both give the same spike and the same reset for every reset
mechanism.

Calling conventions (snnTorch's)
--------------------------------
``mem = neuron.init_leaky()`` (an empty tensor, expanded to zeros shaped like the first
input) or ``neuron.init_state(batch)``; one step ``spk, mem = neuron(input_, mem)``; a
sequence ``spk, mem = neuron.forward_sequence(x)`` with ``x`` of shape ``[T, batch, n]``
returning ``[T, batch, n]`` spikes and membranes (a method, not a wrapper class). The
membrane UltraLIF returns is the state after the reset (the paper's order, which is
``snn.Leaky(reset_delay=False)``); SurrogateLIF returns snnTorch's pre-reset membrane and
resets on the next step.

UltraLIF and UltraDLIF take these arguments of ``snn.Leaky`` with its meaning:
``reset_mechanism`` (``"zero"``, the paper's and our default; ``"subtract"``, snnTorch's
default; ``"none"``), ``learn_beta`` and ``learn_threshold`` (``beta`` / ``threshold`` become
``nn.Parameter``; a learned beta is clamped to (0, 1] where it is read), ``init_hidden`` (the
layer keeps its membrane in the buffer ``mem``: ``spk = neuron(input_)``, ``reset_hidden()`` /
``reset_mem()`` / ``init_leaky()`` zero it, ``detach_hidden()`` cuts its graph) and ``output``
(with ``init_hidden``, return ``(spk, mem)``; without it the call returns both anyway, as in
snnTorch). ``reset_delay=False`` describes what they do and is accepted. The others are refused
by name, with the reason: ``spike_grad`` and ``surrogate_disable`` (there is no surrogate: the
sigmoid spike is differentiable as it is), ``reset_delay=True``, ``inhibition``,
``state_quant``, ``graded_spikes_factor`` and ``learn_graded_spikes_factor`` (not
implemented), and any name ``snn.Leaky`` does not know.

Example
-------
>>> import torch
>>> from torch import nn
>>> from neurosparse.snn.ultralif import UltraLIF, activity_penalty
>>> fc, lif = nn.Linear(64, 32), UltraLIF(beta=0.9, eps=0.5)
>>> x = torch.rand(4, 8, 64)                    # [T, batch, features]
>>> spk, mem = lif.forward_sequence(fc(x))      # nn.Linear acts on the last axis
>>> spk.shape
torch.Size([4, 8, 32])
>>> penalty = activity_penalty(spk, lam=0.1)    # add to the task loss
"""

from __future__ import annotations

import copy
import math

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError(
        "neurosparse.snn needs torch and snntorch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, choice, flag, real

__all__ = ["UltraLIF", "UltraDLIF", "SurrogateLIF", "activity_penalty", "soft_max_plus"]

_RESETS = ("zero", "subtract", "none")
_EPS_SHAPES = ("layer", "neuron")
_TOPOLOGIES = ("ring", "grid")
_FORMS = ("maxplus", "paper")

_NO_SURROGATE = ("the Ultra neurons have no surrogate gradient: their spike sigmoid((V - threshold) / eps) "
                 "is differentiable as it is (harden() gives a copy with Heaviside spikes)")
#: Arguments of snnTorch's ``Leaky`` that the Ultra neurons do not take, and why.
_REFUSED_LEAKY_OPTIONS = {
    "spike_grad": _NO_SURROGATE,
    "surrogate_disable": _NO_SURROGATE,
    "inhibition": "winner-take-all inhibition is not implemented for the Ultra neurons",
    "state_quant": "membrane quantization is not implemented for the Ultra neurons",
    "graded_spikes_factor": "graded spikes are not implemented for the Ultra neurons (scale the next "
                            "layer's weights instead)",
    "learn_graded_spikes_factor": "graded spikes are not implemented for the Ultra neurons (scale the "
                                  "next layer's weights instead)",
}


def soft_max_plus(terms: torch.Tensor, eps: torch.Tensor | float,
                  valid: torch.Tensor | None = None) -> torch.Tensor:
    r""":math:`\varepsilon\log\sum_j e^{x_j/\varepsilon}` over the last axis; ``eps=0`` gives the max.

    ``eps`` broadcasts against ``terms`` without its last axis (a number >= 0, or a tensor of
    values > 0, e.g. one per neuron). ``valid`` (bool, broadcastable to ``terms``) leaves terms
    out, as if they were -inf but without the NaN gradients an infinite term would give ``eps``.
    """
    if isinstance(eps, torch.Tensor):
        values = eps.detach()
        bad = ~(torch.isfinite(values) & (values > 0))
        if bool(bad.any()):
            raise ParameterError(f"eps must be in (0, inf) where it is a tensor (the number 0 gives the "
                                 f"hard maximum), got {float(values[bad].flatten()[0]):g}")
    else:
        eps = real("eps", eps, low=0)
    return _soft_max_plus(terms, eps, valid)


def _soft_max_plus(terms: torch.Tensor, eps: torch.Tensor | float,
                   valid: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`soft_max_plus` without the check of ``eps`` (the neurons' own, always in range)."""
    if isinstance(eps, (int, float)) and eps == 0:
        return (terms if valid is None else terms.masked_fill(~valid, -math.inf)).amax(dim=-1)
    if valid is not None:
        top = terms.masked_fill(~valid, -math.inf).amax(dim=-1, keepdim=True).detach()
        terms = torch.where(valid, terms, top)
    eps = torch.as_tensor(eps, dtype=terms.dtype, device=terms.device).unsqueeze(-1)
    if valid is None:
        return eps.squeeze(-1) * torch.logsumexp(terms / eps, dim=-1)
    weights = torch.exp((terms - top) / eps) * valid
    return top.squeeze(-1) + eps.squeeze(-1) * torch.log(weights.sum(dim=-1))


def activity_penalty(spikes: torch.Tensor, lam: float) -> torch.Tensor:
    r"""The sparsity penalty :math:`\lambda\,\bar s`: ``lam`` (>= 0) times the mean spike value."""
    return real("lam", lam, low=0) * spikes.mean()


def _copy_module(module: nn.Module) -> nn.Module:
    """A deep copy of ``module``; hidden state still attached to a graph (``init_hidden``
    membranes after a forward pass) is copied detached, which ``copy.deepcopy`` alone refuses."""
    memo = {id(b): b.detach().clone() for b in module.buffers() if b.grad_fn is not None}
    return copy.deepcopy(module, memo)


class _SnnTorchState(nn.Module):
    """snnTorch's state conventions for a neuron with ``self.n`` (int or None): an empty
    ``init_leaky``, a zero ``init_state`` and the time-first ``forward_sequence``; with
    ``init_hidden`` the membrane lives in the buffer ``mem``."""

    n: int | None
    init_hidden: bool = False

    def init_leaky(self) -> torch.Tensor:
        """An empty membrane; the first step replaces it with zeros shaped like the input.
        With ``init_hidden``: zero the hidden membrane and return it (as snnTorch)."""
        if self.init_hidden:
            return self.reset_mem()
        return torch.zeros(0)

    def reset_mem(self) -> torch.Tensor:
        """Zero the hidden membrane (keeping its shape) and return it; without ``init_hidden``
        the layer holds no state and this is :meth:`init_leaky`'s empty tensor."""
        if not self.init_hidden:
            return torch.zeros(0)
        self.mem = torch.zeros_like(self.mem)
        return self.mem

    def reset_hidden(self) -> None:
        """Zero this layer's hidden membrane (snnTorch's ``reset_hidden``, for this layer only:
        no class-wide registry). Does nothing without ``init_hidden``."""
        self.reset_mem()

    def detach_hidden(self) -> None:
        """Cut the hidden membrane from the graph (truncated backpropagation through time)."""
        if self.init_hidden:
            self.mem = self.mem.detach()

    def init_state(self, batch: int, n: int | None = None) -> torch.Tensor:
        """A zero membrane ``[batch, n]`` (``n`` defaults to the layer's), on the layer's device."""
        n = self.n if n is None else n
        if n is None:
            raise ParameterError("init_state needs n: pass it or build the neuron with n")
        held = next(iter(self.parameters()), None)
        held = next(iter(self.buffers()), None) if held is None else held
        return torch.zeros(as_count("batch", batch, low=1), as_count("n", n, low=1),
                           device=None if held is None else held.device)

    def forward_sequence(self, x: torch.Tensor, mem: torch.Tensor | None = None
                         ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run ``x`` ``[T, batch, n]`` from ``mem`` (zeros by default; with ``init_hidden``,
        from the hidden membrane, and ``mem`` must not be given).

        Returns spikes and membranes, both ``[T, batch, n]``, whatever ``init_hidden`` and
        ``output`` say.
        """
        spikes, mems = [], []
        if self.init_hidden:
            if mem is not None:
                raise ParameterError(_HIDDEN_MEM)
            for x_t in x:
                out = self(x_t)
                spikes.append(out[0] if isinstance(out, tuple) else out)
                mems.append(self.mem)
        else:
            for x_t in x:
                spk, mem = self(x_t, mem)
                spikes.append(spk)
                mems.append(mem)
        return torch.stack(spikes), torch.stack(mems)


_HIDDEN_MEM = ("mem must not be passed to a layer built with init_hidden=True: it keeps its membrane "
               "in .mem (as snn.Leaky; zero it with reset_hidden())")


def _refuse_unsupported(cls_name: str, options: dict, known: tuple[str, ...]) -> None:
    """Refuse, by name and with the reason, keyword arguments the neuron does not take."""
    for name, value in options.items():
        if name == "reset_delay":
            if value is False:
                continue  # what the Ultra neurons do: reset in the step of the spike
            raise ParameterError(
                f"{cls_name} does not take reset_delay={value!r}: it resets in the step it spikes and "
                "returns the membrane after the reset (the paper's order), which is reset_delay=False")
        if name in _REFUSED_LEAKY_OPTIONS:
            raise ParameterError(f"{cls_name} does not take snn.Leaky's {name}: "
                                 f"{_REFUSED_LEAKY_OPTIONS[name]}")
        raise ParameterError(f"{cls_name} got an unknown keyword argument {name!r}; it takes "
                             f"{', '.join(known)}")


def _reset_name(reset: str | None, reset_mechanism: str | None) -> str:
    """``reset`` and snnTorch's ``reset_mechanism`` are one option; at most one may say it."""
    if reset is not None and reset_mechanism is not None and reset != reset_mechanism:
        raise ParameterError(f"reset={reset!r} and reset_mechanism={reset_mechanism!r} disagree: they are "
                             "one option (reset_mechanism is snnTorch's name for it); pass one")
    if reset_mechanism is not None:
        return choice("reset_mechanism", reset_mechanism, _RESETS)
    return choice("reset", "zero" if reset is None else reset, _RESETS)


class _UltraNeuron(_SnnTorchState):
    """Temperature, spike, reset and calling conventions shared by UltraLIF and UltraDLIF."""

    def __init__(self, n: int | None, *, beta: float, threshold: float, eps: float, eps_min: float,
                 eps_max: float, eps_shape: str, learn_eps: bool, reset: str | None,
                 reset_mechanism: str | None, init_hidden: bool, output: bool, learn_beta: bool,
                 learn_threshold: bool):
        super().__init__()
        self.n = None if n is None else as_count("n", n, low=1)
        beta = real("beta", beta, low=0, high=1, low_inclusive=False)
        threshold = real("threshold", threshold, low=0, low_inclusive=False)
        self.eps_min = real("eps_min", eps_min, low=0, low_inclusive=False)
        self.eps_max = real("eps_max", eps_max, low=self.eps_min)
        eps0 = real("eps", eps, low=0, low_inclusive=False)
        if not self.eps_min <= eps0 <= self.eps_max:
            raise ParameterError(f"eps must be in [eps_min, eps_max] = [{self.eps_min:g}, "
                                 f"{self.eps_max:g}], got {eps0:g}")
        self.eps_shape = choice("eps_shape", eps_shape, _EPS_SHAPES)
        if eps_shape == "neuron" and self.n is None:
            raise ParameterError("eps_shape='neuron' needs n, the number of neurons")
        self.reset = _reset_name(reset, reset_mechanism)
        self.learn_eps = flag("learn_eps", learn_eps)
        self.learn_beta = flag("learn_beta", learn_beta)
        self.learn_threshold = flag("learn_threshold", learn_threshold)
        self.init_hidden = flag("init_hidden", init_hidden)
        self.output = flag("output", output)
        # fixed values stay Python floats (exact in any dtype); learned ones are parameters, as in snnTorch
        self.beta = nn.Parameter(torch.tensor(beta)) if self.learn_beta else beta
        self.threshold = nn.Parameter(torch.tensor(threshold)) if self.learn_threshold else threshold
        shape = (self.n,) if eps_shape == "neuron" else ()
        log_eps = torch.full(shape, math.log(eps0))
        if self.learn_eps:
            self.log_eps = nn.Parameter(log_eps)
        else:
            self.register_buffer("log_eps", log_eps)
        if self.init_hidden:
            self.register_buffer("mem", torch.zeros(0), persistent=False)
        self.hard = False

    @property
    def reset_mechanism(self) -> str:
        """snnTorch's name of :attr:`reset`: ``"zero"``, ``"subtract"`` or ``"none"``."""
        return self.reset

    @property
    def log_beta(self) -> torch.Tensor | float:
        """The leak offset ``log(beta)``; a learned beta is clamped to (0, 1] first (its
        gradient is zero while it is out of range, as for eps)."""
        if isinstance(self.beta, torch.Tensor):
            return self.beta.clamp(torch.finfo(self.beta.dtype).tiny, 1.0).log()
        return math.log(self.beta)

    @property
    def eps(self) -> torch.Tensor:
        """The temperature in use: ``exp(log_eps)`` clamped to ``[eps_min, eps_max]``."""
        return self.log_eps.exp().clamp(self.eps_min, self.eps_max)

    @torch.no_grad()
    def clamp_eps_(self) -> None:
        """Pull the stored ``log_eps`` back into range (call after an optimizer step)."""
        self.log_eps.clamp_(math.log(self.eps_min), math.log(self.eps_max))

    def harden(self, hard: bool = True):
        """A copy of the layer with eps = 0: hard max and Heaviside (binary) spikes.

        The layer itself is left as it is (soft, trainable). ``hard=False`` gives a soft copy.
        """
        hardened = _copy_module(self)
        hardened.hard = flag("hard", hard)
        return hardened

    def _max_plus_terms(self, input_: torch.Tensor, mem: torch.Tensor
                        ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Terms of the soft maximum ``[..., n, k]``, an input added after it (or None), and
        which terms are present (or None for all)."""
        raise NotImplementedError

    def forward(self, input_: torch.Tensor, mem: torch.Tensor | None = None):
        """One step: ``input_`` and ``mem`` ``[batch, n]`` -> ``(spk, mem)`` after the reset.

        With ``init_hidden`` the membrane is the layer's own (``mem`` must not be given) and the
        call returns ``spk`` alone, or ``(spk, mem)`` with ``output=True``, as snnTorch's.
        """
        if self.init_hidden:
            if mem is not None:
                raise ParameterError(_HIDDEN_MEM)
            spk, self.mem = self._step(input_, self.mem)
            return (spk, self.mem) if self.output else spk
        return self._step(input_, mem)

    def _step(self, input_: torch.Tensor, mem: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        if mem is None or mem.shape != input_.shape:
            mem = torch.zeros_like(input_)
        if self.n is not None and input_.shape[-1] != self.n:
            raise ParameterError(f"input has {input_.shape[-1]} neurons on its last axis, "
                                 f"the layer has n={self.n}")
        terms, added, valid = self._max_plus_terms(input_, mem)
        v = _soft_max_plus(terms, 0 if self.hard else self.eps.to(input_.dtype), valid)
        if added is not None:
            v = v + added
        if self.hard:
            spk = (v > self.threshold).to(v.dtype)
        else:
            spk = torch.sigmoid((v - self.threshold) / self.eps.to(v.dtype))
        if self.reset == "zero":
            mem = v * (1 - spk)
        elif self.reset == "subtract":
            mem = v - self.threshold * spk
        else:
            mem = v
        return spk, mem


_LEAKY_OPTIONS = ("reset_mechanism", "init_hidden", "output", "learn_beta", "learn_threshold",
                  "reset_delay=False")


class UltraLIF(_UltraNeuron):
    r"""The LIF neuron ultradiscretized: soft max-plus membrane, sigmoid spike (see module doc).

    .. math::

        \tilde V_{t+1} = \varepsilon\log\bigl(e^{(V_t + \log\beta)/\varepsilon}
        + e^{X_t/\varepsilon}\bigr),\quad
        S_{t+1} = \sigma\bigl((\tilde V_{t+1} - \vartheta)/\varepsilon\bigr),\quad
        V_{t+1} = \tilde V_{t+1}(1 - S_{t+1})

    Parameters
    ----------
    n
        Number of neurons (needed for ``eps_shape="neuron"``; checked against the input).
    beta
        Leak, in (0, 1]; enters as the additive offset ``log(beta)``.
    threshold
        Firing threshold :math:`\vartheta > 0`.
    eps
        Initial temperature, in ``[eps_min, eps_max]``.
    eps_min, eps_max
        Range ``eps`` is clamped to (default [0.1, 20], the authors').
    eps_shape
        ``"layer"`` (one eps) or ``"neuron"`` (one per neuron).
    learn_eps
        Whether eps is an ``nn.Parameter`` (else a buffer).
    reset, reset_mechanism
        One option under two names (``reset_mechanism`` is snnTorch's): ``"zero"`` (``V * (1 -
        S)``, the paper's, the default), ``"subtract"`` (``V - threshold * S``, snnTorch's
        default) or ``"none"`` (``V``).
    init_hidden
        Keep the membrane in the buffer ``mem``; the call is ``spk = neuron(input_)``.
    output
        With ``init_hidden``, return ``(spk, mem)``.
    learn_beta, learn_threshold
        Make ``beta`` / ``threshold`` an ``nn.Parameter`` (else Python floats).

    Other arguments of ``snn.Leaky`` are refused by name (module docstring), as is any unknown
    keyword.

    Shapes: one step ``[batch, n] -> [batch, n]``; :meth:`forward_sequence`
    ``[T, batch, n] -> [T, batch, n]``.
    """

    def __init__(self, n: int | None = None, beta: float = 0.9, threshold: float = 1.0,
                 eps: float = 1.0, eps_min: float = 0.1, eps_max: float = 20.0,
                 eps_shape: str = "layer", learn_eps: bool = True, reset: str | None = None, *,
                 reset_mechanism: str | None = None, init_hidden: bool = False, output: bool = False,
                 learn_beta: bool = False, learn_threshold: bool = False, **unsupported):
        _refuse_unsupported("UltraLIF", unsupported, (
            "n", "beta", "threshold", "eps", "eps_min", "eps_max", "eps_shape", "learn_eps", "reset")
            + _LEAKY_OPTIONS)
        super().__init__(n, beta=beta, threshold=threshold, eps=eps, eps_min=eps_min, eps_max=eps_max,
                         eps_shape=eps_shape, learn_eps=learn_eps, reset=reset,
                         reset_mechanism=reset_mechanism, init_hidden=init_hidden, output=output,
                         learn_beta=learn_beta, learn_threshold=learn_threshold)

    def _max_plus_terms(self, input_, mem):
        return torch.stack([mem + self.log_beta, input_], dim=-1), None, None


class UltraDLIF(_UltraNeuron):
    r"""UltraLIF with gap-junction coupling to neighbours, through the same soft max-plus.

    .. math::

        \tilde V_{i,t+1} = \mathrm{LSE}_\varepsilon\bigl(V_{i,t} + \log\beta,\;
        \{V_{j,t} + \log g\}_{j\in N(i)},\; X_{i,t}\bigr)

    then the spike and reset of :class:`UltraLIF` (``form="paper"`` adds :math:`X_{i,t}` after
    the soft maximum instead; see the module docstring for the derivation).

    Parameters
    ----------
    n
        Number of neurons (``topology="ring"``, at least 3); for ``"grid"`` it defaults to
        ``rows * cols``.
    topology
        ``"ring"`` (neighbours i-1, i+1 modulo n) or ``"grid"`` (4-neighbourhood, no wrap).
    grid_shape
        ``(rows, cols)`` for ``"grid"``.
    coupling
        Gap-junction weight :math:`g \ge 0`; neighbours enter with the offset ``log(g)``,
        and ``g = 0`` is UltraLIF exactly.
    form
        ``"maxplus"`` (input inside the soft maximum; our derivation) or ``"paper"``.
    beta, threshold, eps, eps_min, eps_max, eps_shape, learn_eps, reset
        As in :class:`UltraLIF`.
    reset_mechanism, init_hidden, output, learn_beta, learn_threshold
        snnTorch's options, as in :class:`UltraLIF`.
    """

    def __init__(self, n: int | None = None, topology: str = "ring",
                 grid_shape: tuple[int, int] | None = None, coupling: float = 0.5,
                 beta: float = 0.9, threshold: float = 1.0, eps: float = 1.0,
                 eps_min: float = 0.1, eps_max: float = 20.0, eps_shape: str = "layer",
                 learn_eps: bool = True, reset: str | None = None, form: str = "maxplus", *,
                 reset_mechanism: str | None = None, init_hidden: bool = False, output: bool = False,
                 learn_beta: bool = False, learn_threshold: bool = False, **unsupported):
        _refuse_unsupported("UltraDLIF", unsupported, (
            "n", "topology", "grid_shape", "coupling", "beta", "threshold", "eps", "eps_min", "eps_max",
            "eps_shape", "learn_eps", "reset", "form") + _LEAKY_OPTIONS)
        topology = choice("topology", topology, _TOPOLOGIES)
        form = choice("form", form, _FORMS)
        if topology == "grid":
            if grid_shape is None or len(grid_shape) != 2:
                raise ParameterError("grid_shape must be (rows, cols) for topology='grid', "
                                     f"got {grid_shape!r}")
            rows, cols = (as_count("grid_shape", s, low=1) for s in grid_shape)
            if n is not None and as_count("n", n, low=1) != rows * cols:
                raise ParameterError(f"n={n} does not match grid_shape {rows}x{cols}")
            n = rows * cols
            neighbours = _grid_neighbours(rows, cols)
        else:
            if n is None:
                raise ParameterError("topology='ring' needs n, the number of neurons (an integer >= 3)")
            n = as_count("n", n, low=3)
            idx = torch.arange(n)
            neighbours = torch.stack([(idx - 1) % n, (idx + 1) % n], dim=1)
        super().__init__(n, beta=beta, threshold=threshold, eps=eps, eps_min=eps_min, eps_max=eps_max,
                         eps_shape=eps_shape, learn_eps=learn_eps, reset=reset,
                         reset_mechanism=reset_mechanism, init_hidden=init_hidden, output=output,
                         learn_beta=learn_beta, learn_threshold=learn_threshold)
        self.coupling = real("coupling", coupling, low=0)
        self.topology, self.form = topology, form
        self.grid_shape = None if topology == "ring" else (rows, cols)
        # neighbour table [n, k]; index n means no neighbour there (grid edge)
        self.register_buffer("neighbours", neighbours, persistent=False)

    def _max_plus_terms(self, input_, mem):
        terms = [(mem + self.log_beta).unsqueeze(-1)]
        valid = None
        if self.coupling > 0:
            # index n points at a pad column; those terms are masked out (grid edges)
            padded = torch.cat([mem, torch.zeros_like(mem[..., :1])], dim=-1)
            terms.append(padded[..., self.neighbours] + math.log(self.coupling))
            if self.topology == "grid":
                valid = torch.cat([torch.ones_like(self.neighbours[:, :1], dtype=torch.bool),
                                   self.neighbours < self.n], dim=-1)
        if self.form == "paper":
            return torch.cat(terms, dim=-1), input_, valid
        terms.append(input_.unsqueeze(-1))
        if valid is not None:
            valid = torch.cat([valid, torch.ones_like(valid[:, :1])], dim=-1)
        return torch.cat(terms, dim=-1), None, valid


def _grid_neighbours(rows: int, cols: int) -> torch.Tensor:
    """4-neighbour table ``[rows*cols, 4]`` in row-major order; ``rows*cols`` marks none."""
    n = rows * cols
    table = torch.full((n, 4), n, dtype=torch.long)
    for r in range(rows):
        for c in range(cols):
            for k, (dr, dc) in enumerate(((-1, 0), (1, 0), (0, -1), (0, 1))):
                rr, cc = r + dr, c + dc
                if 0 <= rr < rows and 0 <= cc < cols:
                    table[r * cols + c, k] = rr * cols + cc
    return table


class _FastSigmoidSpike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid derivative ``1 / (k|u| + 1)^2`` backward (SuperSpike)."""

    @staticmethod
    def forward(ctx, u: torch.Tensor, slope: float) -> torch.Tensor:
        ctx.save_for_backward(u)
        ctx.slope = slope
        return (u > 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        (u,) = ctx.saved_tensors
        return grad_output / (ctx.slope * torch.abs(u) + 1.0) ** 2, None


class SurrogateLIF(_SnnTorchState):
    r"""LIF with a Heaviside spike forward and a fast-sigmoid surrogate backward.

    Reproduces snnTorch's ``snn.Leaky(beta, threshold, spike_grad=surrogate.fast_sigmoid(slope),
    reset_mechanism=reset)`` (with its default ``reset_delay=True``), values and gradients:

    .. math::

        R_t = H(U_{t-1} - \vartheta)\ \text{(detached)},\quad
        U_t = \beta U_{t-1} + X_t - \vartheta R_t\ \text{("subtract")}\ \text{or}\
        \beta (1 - R_t) U_{t-1} + X_t\ \text{("zero")},\quad
        S_t = H(U_t - \vartheta)

    with :math:`\partial S/\partial U = 1/(k|U - \vartheta| + 1)^2` in the backward pass. The
    membrane returned is :math:`U_t` before its reset (applied on the next step), as in
    snnTorch.

    Parameters
    ----------
    beta
        Leak, in (0, 1].
    threshold
        Firing threshold, > 0.
    slope
        Surrogate slope :math:`k > 0` (snnTorch's default 25).
    reset
        ``"subtract"`` (snnTorch's default), ``"zero"`` or ``"none"``.
    n
        Optional number of neurons, only for :meth:`init_state`.
    """

    def __init__(self, beta: float = 0.9, threshold: float = 1.0, slope: float = 25.0,
                 reset: str = "subtract", n: int | None = None):
        super().__init__()
        self.beta = real("beta", beta, low=0, high=1, low_inclusive=False)
        self.threshold = real("threshold", threshold, low=0, low_inclusive=False)
        self.slope = real("slope", slope, low=0, low_inclusive=False)
        self.reset = choice("reset", reset, _RESETS)
        self.n = None if n is None else as_count("n", n, low=1)
        # snnTorch keeps beta and threshold as float32 tensors; so do we, for identical rounding
        self.register_buffer("_beta", torch.as_tensor(self.beta))
        self.register_buffer("_threshold", torch.as_tensor(self.threshold))

    def spike(self, mem: torch.Tensor) -> torch.Tensor:
        """Heaviside of ``mem - threshold`` with the surrogate derivative."""
        return _FastSigmoidSpike.apply(mem - self._threshold, self.slope)

    def forward(self, input_: torch.Tensor, mem: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step: ``(spk, mem)``, ``mem`` before its reset."""
        if mem is None or mem.shape != input_.shape:
            mem = torch.zeros_like(input_)
        reset = self.spike(mem).clone().detach()
        beta = self._beta.clamp(0, 1)
        if self.reset == "subtract":
            mem = beta * mem + input_ - reset * self._threshold
        elif self.reset == "zero":
            mem = beta * ((1 - reset) * mem) + input_
        else:
            mem = beta * mem + input_
        return self.spike(mem), mem



def _register_with_hardware_count() -> None:
    """Let :func:`neurosparse.hardware.count` count these neurons as it counts snnTorch's."""
    from neurosparse.hardware.torch_count import register_counter, spiking_neuron_counter

    for neuron_type in (UltraLIF, UltraDLIF, SurrogateLIF):
        register_counter(neuron_type, spiking_neuron_counter())


_register_with_hardware_count()
