"""Helpers shared by the measurement scripts (trl-transfer.py, calibrate-proxy.py, measure-regimes.py):
seed lists, Spearman's rank correlation, a percentile."""
import math


def seed_list(text: str) -> list[int]:
    """Seeds as "501-516", "1,3,5" or both ("1-4,9")."""
    seeds = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def ranks(values: list[float]) -> list[float]:
    """Ranks from 0, ties sharing the mean of their places."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2
        i = j + 1
    return result


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation; nan when either side is constant."""
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of the finite values (nearest rank); nan when there are none."""
    values = sorted(v for v in values if math.isfinite(v))
    return values[min(len(values) - 1, max(0, int(q * len(values))))] if values else float("nan")
