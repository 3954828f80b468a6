#!/usr/bin/env python3
"""The numpy side of `make bench` for the embedded proxy task prefbandit (docs/architecture.md §5.1): trains the
policy on the task instance the Swift benchmark dumps (same features, pairs, batch order, initial
theta), computes the exact held-out metrics (reward, KL to pi_ref, frontier efficiency eta), checks
them against the Swift values, and times the training (best of 3).

Usage: python3 bench/prefbandit_numpy.py INSTANCE.json

Losses: "dpo" (difference-feature path: the softmax normaliser cancels in rho) and "nca_pair" (full
path: gradients with respect to pc and pr chained through grad log pi = phi - E_pi[phi]).
Exit status 1 if any metric disagrees with Swift by more than 1e-6 relative.
"""
import json
import os
import sys
import time

# Inside one evaluation the matrices are small: keep BLAS single-threaded, as the Swift side does.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

RTOL = 1e-6


# ----------------------------------------------------------------------------- numerics helpers

def log_softmax(s):
    """Row-wise log-softmax over the last axis, numerically stable."""
    m = s.max(axis=-1, keepdims=True)
    z = s - m
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def sigmoid(x):
    """Stable logistic function: exp(-softplus(-x))."""
    return np.exp(-np.logaddexp(0.0, -x))


# ----------------------------------------------------------------------------- instance

class Instance:
    def __init__(self, data):
        self.K = int(data["K"])
        self.d = int(data["d"])
        self.n_train = int(data["n_train"])
        self.n_heldout = int(data["n_heldout"])
        self.beta = float(data["beta"])
        self.steps = int(data["steps"])
        self.B = int(data["batch_size"])
        self.lr = float(data["learning_rate"])
        self.loss = data["loss"]
        if self.loss not in ("dpo", "nca_pair"):
            raise ValueError(f"unknown loss {self.loss!r} (expected 'dpo' or 'nca_pair')")
        K, d = self.K, self.d
        self.train_features = np.asarray(data["train_features"], dtype=np.float64).reshape(self.n_train, K, d)
        pairs = np.asarray(data["train_pairs"], dtype=np.int64).reshape(self.n_train, 2)
        self.winner, self.loser = pairs[:, 0], pairs[:, 1]
        self.heldout_features = np.asarray(data["heldout_features"], dtype=np.float64).reshape(self.n_heldout, K, d)
        self.heldout_rewards = np.asarray(data["heldout_rewards"], dtype=np.float64).reshape(self.n_heldout, K)
        self.theta_ref = np.asarray(data["theta_ref"], dtype=np.float64).reshape(d)
        self.theta_init = np.asarray(data["theta_init"], dtype=np.float64).reshape(d)
        self.batch_order = np.asarray(data["batch_order"], dtype=np.int64).reshape(self.steps, self.B)
        if self.batch_order.size and (self.batch_order.min() < 0 or self.batch_order.max() >= self.n_train):
            raise ValueError("batch_order holds an index outside the training prompts")
        if pairs.size and (pairs.min() < 0 or pairs.max() >= K):
            raise ValueError("train_pairs holds a response index outside 0..K-1")

        # Constants shared by every training run (part of the instance, not of the timed training).
        idx = np.arange(self.n_train)
        self.phi_w = self.train_features[idx, self.winner]          # [n, d]
        self.phi_l = self.train_features[idx, self.loser]           # [n, d]
        self.dphi = self.phi_w - self.phi_l                         # [n, d]
        logp_ref = log_softmax(self.train_features @ self.theta_ref)  # [n, K]
        self.rc = logp_ref[idx, self.winner]
        self.rr = logp_ref[idx, self.loser]
        self.ref_margin = self.rc - self.rr


# ----------------------------------------------------------------------------- gradients

def grad_dpo(inst, theta, b):
    """DPO, difference-feature path: l = -logsigmoid(beta * rho); rho = dphi.theta - (rc - rr)."""
    beta, B = inst.beta, len(b)
    dphi = inst.dphi[b]                                   # [B, d]
    rho = dphi @ theta - inst.ref_margin[b]               # [B]
    drho = -beta * sigmoid(-beta * rho) / B               # dObj/drho
    return drho @ dphi


def grad_nca_pair(inst, theta, b):
    """NCA-pair, full path: w = beta (pc - rc), l = beta (pr - rr),
    loss = -logsigmoid(w) - 0.5 logsigmoid(-w) - 0.5 logsigmoid(-l)."""
    beta, B = inst.beta, len(b)
    F = inst.train_features[b]                            # [B, K, d]
    logp = log_softmax(F @ theta)                         # [B, K]
    rows = np.arange(B)
    pc = logp[rows, inst.winner[b]]
    pr = logp[rows, inst.loser[b]]
    w = beta * (pc - inst.rc[b])
    l = beta * (pr - inst.rr[b])
    # d/dw [-logsig(w) - 0.5 logsig(-w)] = -sigmoid(-w) + 0.5 sigmoid(w); d/dl [-0.5 logsig(-l)] = 0.5 sigmoid(l)
    gpc = beta * (-sigmoid(-w) + 0.5 * sigmoid(w)) / B
    gpr = beta * (0.5 * sigmoid(l)) / B
    p = np.exp(logp)                                      # [B, K]
    e_phi = np.einsum("bk,bkd->bd", p, F)                 # E_pi[phi | x], [B, d]
    return gpc @ (inst.phi_w[b] - e_phi) + gpr @ (inst.phi_l[b] - e_phi)


GRADIENTS = {"dpo": grad_dpo, "nca_pair": grad_nca_pair}


def train(inst):
    """Adam (0.9, 0.999, 1e-8) from theta_init over the given batch order; returns theta."""
    grad = GRADIENTS[inst.loss]
    theta = inst.theta_init.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    lr, b1, b2, eps = inst.lr, 0.9, 0.999, 1e-8
    for t in range(1, inst.steps + 1):
        g = grad(inst, theta, inst.batch_order[t - 1])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        theta = theta - lr * mhat / (np.sqrt(vhat) + eps)
    return theta


# ----------------------------------------------------------------------------- metrics

def reward_and_kl(logp, logp_ref, r):
    """Exact R = mean_x sum_k pi r and KL(pi || pi_ref) = mean_x sum_k pi (log pi - log pi_ref)."""
    p = np.exp(logp)
    return float((p * r).sum(axis=1).mean()), float((p * (logp - logp_ref)).sum(axis=1).mean())


def metrics(inst, theta):
    F, r = inst.heldout_features, inst.heldout_rewards
    logp_ref = log_softmax(F @ inst.theta_ref)
    logp = log_softmax(F @ theta)
    R, KL = reward_and_kl(logp, logp_ref, r)
    R_ref, _ = reward_and_kl(logp_ref, logp_ref, r)

    def frontier(b):                                      # (R*(b), KL*(b)) of pi*_b ~ pi_ref exp(r / b)
        return reward_and_kl(log_softmax(logp_ref + r / b), logp_ref, r)

    if KL <= 0:
        R_front, b_front = R_ref, float("inf")
    else:
        lo, hi = np.log(1e-4), np.log(1e4)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            if frontier(np.exp(mid))[1] > KL:
                lo = mid
            else:
                hi = mid
        b_front = float(np.exp(0.5 * (lo + hi)))
        R_front = frontier(b_front)[0]
    denom = R_front - R_ref
    eta = 0.0 if abs(denom) < 1e-12 else (R - R_ref) / denom
    return {"reward": R, "kl": KL, "eta": eta, "reward_ref": R_ref, "reward_front": R_front, "b_front": b_front}


def run(inst):
    return metrics(inst, train(inst))


def time_training(inst, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        train(inst)
        best = min(best, time.perf_counter() - start)
    return best


# ----------------------------------------------------------------------------- main

def relative_difference(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def load_instance(script):
    """The instance named on the command line of `script`, with the raw JSON (Swift's results)."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: python3 bench/{script} INSTANCE.json")
    with open(sys.argv[1]) as f:
        data = json.load(f)
    return Instance(data), data


def main():
    inst, data = load_instance("prefbandit_numpy.py")
    swift = data.get("swift")
    if not isinstance(swift, dict):
        sys.exit("numpy-reference: the instance has no \"swift\" results to compare with")

    res = run(inst)
    print(f"prefbandit loss={inst.loss} K={inst.K} d={inst.d} n_train={inst.n_train} "
          f"n_heldout={inst.n_heldout} beta={inst.beta:g} steps={inst.steps} batch={inst.B} lr={inst.lr:g}")
    print(f"reference: R_ref={res['reward_ref']:.10g} R_front={res['reward_front']:.10g} b_front={res['b_front']:.6g}")
    agree = True
    for key in ("reward", "kl", "eta"):
        ours, theirs = res[key], float(swift[key])
        rel = relative_difference(ours, theirs)
        ok = bool(np.isfinite(ours) and np.isfinite(theirs) and rel <= RTOL)
        agree &= ok
        print(f"{key:<8} numpy={ours:+.12e}  swift={theirs:+.12e}  rel_diff={rel:.2e}  {'ok' if ok else 'MISMATCH'}")

    numpy_seconds = time_training(inst)
    print(f"numpy_train_seconds {numpy_seconds:.4f}  (best of 3, training only)")
    swift_seconds = float(swift.get("train_seconds", float("nan")))
    if swift_seconds > 0:
        print(f"swift_train_seconds {swift_seconds:.4f}")
        print(f"swift_speedup {numpy_seconds / swift_seconds:.2f}x  (numpy_train_seconds / swift.train_seconds)")
    else:
        print(f"swift_speedup n/a  (swift.train_seconds = {swift_seconds})")

    if not agree:
        print("numpy-reference: DISAGREE")
        sys.exit(f"numpy and Swift disagree on the prefbandit metrics (relative tolerance {RTOL:g})")
    print("numpy-reference: agree")


if __name__ == "__main__":
    main()
