"""Numbers written one way everywhere a reader sees them: pages, captions and frames.

    num(8587.6875) -> '8588'; num(5.188e11) -> '5.188e11'; num(float('nan')) -> '∞'
"""

from __future__ import annotations

import math


def num(value: float | None, digits: int = 4) -> str:
    """A number in `digits` significant digits, written one way everywhere: 0.00824, 8588,
    5.188e11, 1.2e-5; '—' for None. A value that is not finite came from an overflow of a
    diverging run and is written ∞ (−∞ below zero), never 'nan'."""
    if value is None:
        return "—"
    v = float(value)
    if math.isnan(v):
        return "∞"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"  # pragma: no mutate (v is ±inf: > 0, >= 0 and > 1 split it alike)
    if v == 0:
        return "0"
    if abs(v) >= 1e6 or abs(v) < 1e-4 or round(abs(v), digits - 1 - math.floor(math.log10(abs(v)))) >= 10**digits:
        mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"  # pragma: no mutate (X added to a strip set)
    return f"{v:.{digits}g}"
