#!/usr/bin/env python3
"""The numpy side of `make bench`: LRML objective and gradient on the same batch of 64 as the Swift
benchmark (read from the JSON it writes), checked against the Swift values, then timed.

Usage: python3 bench/lrml_numpy.py bench-batch.json
"""
import json
import sys
import time

import numpy as np


def lrml_objective_and_gradient(pc, pr, rc, rr, beta):
    """Objective (mean) of (1 - s) * -logsigmoid(z) + s * exp(-z), s = sigmoid(rho), z = beta * rho,
    and its gradient with respect to pc and pr (hand-derived, vectorised)."""
    rho = (pc - rc) - (pr - rr)
    z = beta * rho
    s = 1.0 / (1.0 + np.exp(-rho))
    softplus = np.logaddexp(0.0, -z)          # -logsigmoid(z)
    e = np.exp(-z)
    loss = (1 - s) * softplus + s * e
    ds = s * (1 - s)
    sig_neg = 1.0 / (1.0 + np.exp(z))        # sigmoid(-z)
    dloss = -ds * softplus - (1 - s) * beta * sig_neg + ds * e - s * beta * e
    n = len(pc)
    return loss.mean(), dloss / n, -dloss / n


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "bench-batch.json"
    data = json.load(open(path))
    pc, pr, rc, rr = (np.array(data[k]) for k in ("pc", "pr", "rc", "rr"))
    beta = data["beta"]
    objective, gpc, gpr = lrml_objective_and_gradient(pc, pr, rc, rr, beta)
    agree = (abs(objective - data["objective"]) <= 1e-10 * abs(objective)
             and np.allclose(gpc, data["grad_pc"], rtol=1e-9, atol=1e-15)
             and np.allclose(gpr, data["grad_pr"], rtol=1e-9, atol=1e-15))
    iterations = 20_000
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(iterations):
            lrml_objective_and_gradient(pc, pr, rc, rr, beta)
        best = min(best, time.perf_counter() - start)
    numpy_rate = iterations * 64 / best
    swift_rate = data["swift_samples_per_second"]
    print(f"numpy_lrml_objective_gradient    {numpy_rate / 1e6:.2f} M samples/s  (agrees with Swift: {'yes' if agree else 'NO'})")
    print(f"swift_over_numpy                 {swift_rate / numpy_rate:.1f}x  (target >= 5x)")
    if not agree:
        sys.exit("numpy and Swift disagree on the LRML objective or gradient")


if __name__ == "__main__":
    main()
