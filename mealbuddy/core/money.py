"""Money is integer won. One helper splits an amount so the parts always add up."""

from __future__ import annotations

from collections.abc import Sequence


def split_won(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` won over ``weights`` in whole won, summing exactly to ``total``.

    Each part gets ``floor(total * w / sum(w))``; the won left over go one each to the
    parts with the largest fractional remainder, ties to the earlier position. When every
    weight is zero the split is equal. The order of ``weights`` is the tie-break order, so
    callers pass members in a fixed order (the host first, then by join time).
    """
    if total < 0:
        raise ValueError("total must be >= 0")
    n = len(weights)
    if n == 0:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights = [1] * n
        weight_sum = n
    parts = []
    remainders = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, weight_sum)
        parts.append(share)
        remainders.append((-remainder, index))
    leftover = total - sum(parts)
    for _, index in sorted(remainders)[:leftover]:
        parts[index] += 1
    return parts
