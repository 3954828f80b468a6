#!/usr/bin/env python3
"""The JAX side of `make bench`: the proxy task's training as a researcher would write it in JAX, to
measure evod against it (issue 15). One `jit`ted `lax.scan` of the 1,000 Adam steps, the gradient
from `jax.grad`, float32, `vmap`ped over an evaluation's 32 runs (4 betas x 8 task seeds), on the
instance the Swift benchmark dumps (the same one `prefbandit_numpy.py` reads).

Usage: python3 bench/prefbandit_jax.py INSTANCE.json

The 8 seeds: seed 1 is the dumped instance; seeds 2-8 are instances of the same shapes drawn here
(features, pairs, batch orders), since the time of a run does not depend on its values. Compile time
is measured separately (first call minus the steady time) and left out of the ratio. Agreement: the
run at the dumped beta on seed 1 is scored exactly with the float64 numpy metrics and compared with
numpy's float64 training; exit status 1 if reward, KL or eta differ by more than 1e-3 relative
(float32 training drifts by about 1e-5).
"""
import os
import sys
import time

# One core, as the Swift and numpy sides: XLA's CPU thread pool kept to one thread.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prefbandit_numpy import load_instance, log_softmax, metrics, relative_difference, train  # noqa: E402

RTOL = 1e-3
BETAS = (0.03, 0.1, 0.3, 1.0)
SEEDS = 8


def loss_dpo(theta, data, b, beta):
    """DPO on the difference features (the softmax normaliser cancels in rho), as the Swift path."""
    rho = data["dphi"][b] @ theta - data["margin"][b]
    return jnp.mean(-jax.nn.log_sigmoid(beta * rho))


def loss_nca_pair(theta, data, b, beta):
    """NCA-pair on the full path: the policy's log-probabilities through the softmax."""
    logp = jax.nn.log_softmax(data["features"][b] @ theta, axis=-1)
    rows = jnp.arange(b.shape[0])
    w = beta * (logp[rows, data["winner"][b]] - data["rc"][b])
    l = beta * (logp[rows, data["loser"][b]] - data["rr"][b])
    return jnp.mean(-jax.nn.log_sigmoid(w) - 0.5 * jax.nn.log_sigmoid(-w) - 0.5 * jax.nn.log_sigmoid(-l))


LOSSES = {"dpo": loss_dpo, "nca_pair": loss_nca_pair}


def make_training(loss, lr, steps):
    """One run: Adam (0.9, 0.999, 1e-8) from theta_init over the batch order, one `lax.scan`."""
    gradient = jax.grad(loss)

    def run(data, beta):
        def step(carry, b):
            theta, m, v, t = carry
            g = gradient(theta, data, b, beta)
            t = t + 1.0
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            update = (m / (1 - 0.9**t)) / (jnp.sqrt(v / (1 - 0.999**t)) + 1e-8)
            return (theta - lr * update, m, v, t), None

        zero = jnp.zeros_like(data["theta_init"])
        (theta, _, _, _), _ = jax.lax.scan(step, (data["theta_init"], zero, zero, jnp.float32(0)), data["order"], length=steps)
        return theta

    # Inner vmap over the betas of one seed, outer over the seeds: 32 runs in one call.
    return jax.jit(jax.vmap(jax.vmap(run, in_axes=(None, 0)), in_axes=(0, None)))


def stacked_data(inst, rng):
    """The 8 seeds' arrays, float32, stacked on a leading axis; seed 1 is the dumped instance."""
    n, K, d = inst.n_train, inst.K, inst.d
    seeds = []
    for seed in range(SEEDS):
        if seed == 0:
            features, winner, loser = inst.train_features, inst.winner, inst.loser
            theta_ref, theta_init, order = inst.theta_ref, inst.theta_init, inst.batch_order
        else:
            features = rng.standard_normal((n, K, d))
            winner = rng.integers(0, K, n)
            loser = (winner + rng.integers(1, K, n)) % K
            theta_ref = rng.standard_normal(d) * 0.3
            theta_init, order = theta_ref.copy(), rng.integers(0, n, (inst.steps, inst.B))
        rows = np.arange(n)
        logp_ref = log_softmax(features @ theta_ref)
        rc, rr = logp_ref[rows, winner], logp_ref[rows, loser]
        seeds.append({
            "features": features, "dphi": features[rows, winner] - features[rows, loser], "winner": winner, "loser": loser,
            "rc": rc, "rr": rr, "margin": rc - rr, "theta_init": theta_init, "order": order,
        })
    stacked = {}
    for key in seeds[0]:
        values = np.stack([s[key] for s in seeds])
        stacked[key] = jnp.asarray(values, dtype=jnp.int32 if values.dtype.kind == "i" else jnp.float32)
    return stacked


def main():
    inst, data = load_instance("prefbandit_jax.py")
    swift = data.get("swift") or {}
    training = make_training(LOSSES[inst.loss], jnp.float32(inst.lr), inst.steps)
    stacked = stacked_data(inst, np.random.default_rng(2026))
    betas = jnp.asarray(BETAS, dtype=jnp.float32)

    start = time.perf_counter()
    thetas = training(stacked, betas).block_until_ready()
    first = time.perf_counter() - start
    steady = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        training(stacked, betas).block_until_ready()
        steady = min(steady, time.perf_counter() - start)
    runs = SEEDS * len(BETAS)
    print(f"jax {jax.__version__} ({jax.devices()[0].platform}), float32, jit + vmap over {runs} runs "
          f"({len(BETAS)} betas x {SEEDS} seeds), loss={inst.loss}")
    print(f"jax_compile_seconds {max(first - steady, 0):.3f}  (first call minus the steady time; not in the ratio)")
    print(f"jax_evaluation_seconds {steady:.4f}  (all {runs} runs, best of 3)")
    per_run = steady / runs
    print(f"jax_train_seconds_per_run {per_run:.5f}")

    # Agreement: the dumped beta's run on seed 1 against numpy's float64 training, both scored exactly.
    column = BETAS.index(inst.beta) if inst.beta in BETAS else None
    if column is None:
        sys.exit(f"jax-reference: the instance's beta {inst.beta} is not one of the grid's {BETAS}")
    ours = metrics(inst, np.asarray(thetas[0, column], dtype=np.float64))
    reference = metrics(inst, train(inst))
    agree = True
    for key in ("reward", "kl", "eta"):
        rel = relative_difference(ours[key], reference[key])
        ok = bool(np.isfinite(ours[key]) and rel <= RTOL)
        agree &= ok
        print(f"{key:<8} jax_f32={ours[key]:+.10e}  numpy_f64={reference[key]:+.10e}  rel_diff={rel:.2e}  {'ok' if ok else 'MISMATCH'}")
    swift_seconds = float(swift.get("train_seconds", float("nan")))
    lockstep_seconds = float(swift.get("lockstep_train_seconds_per_run", float("nan")))
    if swift_seconds > 0:
        print(f"swift_train_seconds {swift_seconds:.5f}  (one run alone)")
        print(f"swift_alone_vs_jax {per_run / swift_seconds:.2f}x  (jax per run / swift's run alone)")
    if lockstep_seconds > 0:
        print(f"swift_lockstep_train_seconds_per_run {lockstep_seconds:.5f}  (a seed's 4 betas in lockstep, as an evaluation trains them)")
        print(f"swift_vs_jax {per_run / lockstep_seconds:.2f}x  (jax per run / swift per run in lockstep; target >= 2x)")
    if not agree:
        sys.exit(f"jax and numpy disagree on the prefbandit metrics (relative tolerance {RTOL:g})")
    print("jax-reference: agree")


if __name__ == "__main__":
    main()
