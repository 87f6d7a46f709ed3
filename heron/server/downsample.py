"""Shrink a long metric line to a few thousand points without losing its spikes.

Min-max decimation: the points are cut into equal buckets by position, and each bucket keeps its
lowest and highest value (in step order), plus the first and last point of the line. Spikes and
dips survive, which averaging or taking every n-th point would hide. Gaps (NaN/inf, sent as None)
are kept where they fall in a bucket so a line does not bridge them silently.
"""

from __future__ import annotations

from collections.abc import Sequence


def minmax_downsample(
    steps: Sequence[int], values: Sequence[float | None], max_points: int
) -> tuple[list[int], list[float | None]]:
    """At most ``max_points`` (step, value) pairs keeping each bucket's extremes, in step order."""
    count = len(steps)
    if count <= max_points or max_points < 4:
        return list(steps), list(values)
    buckets = max(1, (max_points - 2) // 2)
    keep: list[int] = [0]
    # Bucket boundaries over the interior points 1 .. count-2.
    interior = count - 2
    for bucket in range(buckets):
        start = 1 + bucket * interior // buckets
        stop = 1 + (bucket + 1) * interior // buckets
        low_index = high_index = gap_index = -1
        low = high = 0.0
        for index in range(start, stop):
            value = values[index]
            if value is None:
                if gap_index < 0:
                    gap_index = index
                continue
            if low_index < 0 or value < low:
                low, low_index = value, index
            if high_index < 0 or value > high:
                high, high_index = value, index
        chosen = sorted({i for i in (low_index, high_index, gap_index) if i >= 0})
        keep.extend(chosen)
    keep.append(count - 1)
    return [steps[i] for i in keep], [values[i] for i in keep]
