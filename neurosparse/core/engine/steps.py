"""The registered models' steps, compiled for the kernels.

:data:`KERNEL_STEPS` holds one entry per :data:`neurosparse.core.models.STEPS` item, in the
same order (a population's ``P_STEP`` indexes both): ``(id, constants type, integrate,
threshold, reset, takes_step_input, adapts_while_refractory, uses_u)`` with the functions compiled
to be inlined. The kernels unroll the tuple (``numba.literal_unroll``), so each model's
functions are compiled into the loop once and no model is named in the engine.
"""

from __future__ import annotations

from numba import njit

from neurosparse.core.models import STEPS


def _compiled(i, step):
    inline = njit(inline="always")
    return (i, step.constants, inline(step.integrate), inline(step.threshold), inline(step.reset),
            1 if step.takes_step_input else 0, 1 if step.adapts_while_refractory else 0,
            1 if step.uses_u else 0)


KERNEL_STEPS = tuple(_compiled(i, step) for i, step in enumerate(STEPS))
_FUSABLE = [entry for entry, step in zip(KERNEL_STEPS, STEPS) if step.fusable]
# The fused loop is compiled for one step, without unrolling the registry: unrolled inside
# the inlined hot path, ``literal_unroll`` lost the kernel's later writes (Numba 0.68).
assert len(_FUSABLE) == 1, "exactly one step may be marked fusable"
#: The entry of the step marked ``fusable``: the fused loop is compiled only for it.
FUSED_STEP = _FUSABLE[0]
