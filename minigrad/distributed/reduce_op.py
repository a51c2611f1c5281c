"""torch.distributed's ``ReduceOp`` and the ``Work`` handle an ``async_op=True`` collective returns.

``ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR`` name the elementwise reduction of a
collective. AVG is SUM divided by the world size (as NCCL's ncclAvg); it needs a
floating-point tensor when the result is written in place. BAND, BOR and BXOR (bitwise and, or,
exclusive or) need an integer or bool tensor. On bool tensors, as in torch, SUM and MAX are "any"
and PRODUCT and MIN "all".
"""
from __future__ import annotations

import enum

__all__ = ["ReduceOp", "Work", "reduce_op_name"]


class ReduceOp(enum.Enum):
    """The reduction of ``all_reduce`` and ``reduce`` (torch's ``torch.distributed.ReduceOp``)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


def reduce_op_name(name: str, op) -> str:
    """The lower-case name of ``op`` (a ReduceOp), or one TypeError naming the call and the value."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{name}: op must be a ReduceOp ({', '.join('ReduceOp.' + m.name for m in ReduceOp)}), "
                        f"got {op!r}")
    return op.value


class Work:
    """What ``async_op=True`` returns: the collective has already completed when the call returns,
    so ``wait()`` returns True at once (minigrad's collectives on this path are blocking)."""

    def wait(self, timeout=None) -> bool:
        return True

    def is_completed(self) -> bool:
        return True

    def is_success(self) -> bool:
        return True

    def exception(self):
        return None

    def __repr__(self) -> str:
        return "Work(completed)"
