"""Small statistics the product states to people: how sure a measured rate is."""
from __future__ import annotations

import math

Z_95 = 1.959964


def wilson_interval(matches: float, pairs: int, z: float = Z_95) -> tuple[float, float]:
    """95% Wilson score interval of a rate observed as `matches` in `pairs` (honest also at 0 matches, where the
    upper end is about 4 / pairs)."""
    if pairs <= 0:
        return 0.0, 1.0
    p = min(max(matches / pairs, 0.0), 1.0)
    centre = (p + z * z / (2 * pairs)) / (1 + z * z / pairs)
    half = z * math.sqrt(p * (1 - p) / pairs + z * z / (4 * pairs * pairs)) / (1 + z * z / pairs)
    return max(0.0, centre - half), min(1.0, centre + half)
