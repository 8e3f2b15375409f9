"""Side-by-side timing (not a test): the package's fits against scipy.optimize
implementations of the same fits, on the same data (noise-free Chinchilla
IsoFLOP data, 5 budgets × 15 points, ±8×).

    pip install scipy && python python/examples/bench_vs_scipy.py

scipy versions, written here in the usual way a researcher would:
- VPNLS: for each (alpha, beta) on a 32×32 grid, (E, A, B) by scipy.optimize.nnls;
  then L-BFGS-B over (alpha, beta) on the projected RSS (ftol = gtol = 1e-15).
- Approach 3: L-BFGS-B on the five-parameter RSS with its analytic gradient, from
  the best point of a 4^5 grid, inside the same box as the crate's.
Prints the median time of each and the ratio, and the parameters each found.
"""

import time
from typing import Any, Callable, List, Tuple

import numpy as np
from scipy.optimize import minimize, nnls  # type: ignore[import-not-found,import-untyped,unused-ignore]

import scaling_laws as sl


def median_time(f: Callable[[], Any], repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def scipy_vpnls(N: np.ndarray, D: np.ndarray, L: np.ndarray) -> np.ndarray:
    lnN, lnD = np.log(N), np.log(D)

    def project(theta: Tuple[float, float]) -> Tuple[float, np.ndarray]:
        a, b = theta
        X = np.column_stack([np.ones_like(L), np.exp(-a * lnN), np.exp(-b * lnD)])
        coef, r = nnls(X, L)
        return r * r, coef

    grid = np.linspace(0.01, 0.99, 32)
    best = min(((project((a, b))[0], (a, b)) for a in grid for b in grid))[1]
    res = minimize(lambda t: project(t)[0], best, method="L-BFGS-B",
                   bounds=[(0.01, 0.99)] * 2, options=dict(ftol=1e-15, gtol=1e-15, maxiter=10000))
    return np.concatenate([project(res.x)[1], res.x])


def scipy_approach3(N: np.ndarray, D: np.ndarray, L: np.ndarray) -> np.ndarray:
    lnN, lnD = np.log(N), np.log(D)

    def f(p: np.ndarray) -> Tuple[float, np.ndarray]:
        E, A, B, a, b = p
        tn, td = np.exp(-a * lnN), np.exp(-b * lnD)
        r = E + A * tn + B * td - L
        g = 2 * np.array([r.sum(), (r * tn).sum(), (r * td).sum(),
                          -(r * A * tn * lnN).sum(), -(r * B * td * lnD).sum()])
        return float(r @ r), g

    axes = [np.linspace(0.5, 3, 4), np.linspace(100, 1000, 4), np.linspace(100, 1000, 4),
            np.linspace(0.1, 0.9, 4), np.linspace(0.1, 0.9, 4)]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 5)
    start = min(mesh, key=lambda p: f(p)[0])
    res = minimize(f, start, jac=True, method="L-BFGS-B",
                   bounds=[(1e-6, 10), (1e-6, 1e6), (1e-6, 1e6), (0.01, 0.99), (0.01, 0.99)],
                   options=dict(ftol=1e-15, gtol=1e-15, maxiter=1000))
    x: np.ndarray = np.asarray(res.x)
    return x


def main() -> None:
    truth = sl.LossSurface.preset("chinchilla")
    s = sl.simulate_isoflops(truth, None, np.log10(8), 15)
    N, D, L = s.N, s.D, s.loss
    rows: List[Tuple[str, Callable[[], sl.SurfaceFit], Callable[[], np.ndarray], int, int]] = [
        ("VPNLS", lambda: sl.fit_vpnls(N, D, L), lambda: scipy_vpnls(N, D, L), 200, 5),
        ("Approach 3 (RSS)", lambda: sl.fit_approach3(N, D, L), lambda: scipy_approach3(N, D, L), 200, 5),
    ]
    print(f"{'fit':<18} {'scaling_laws':>14} {'scipy':>12} {'ratio':>8}")
    for name, ours, theirs, r1, r2 in rows:
        t1, t2 = median_time(ours, r1), median_time(theirs, r2)
        print(f"{name:<18} {t1 * 1e3:>11.3f} ms {t2 * 1e3:>9.1f} ms {t2 / t1:>7.0f}×")
        f = ours()
        p = theirs()
        print(f"  scaling_laws: E A B alpha beta = {f.E:.8g} {f.A:.8g} {f.B:.8g} {f.alpha:.8g} {f.beta:.8g}")
        print(f"  scipy:        E A B alpha beta = " + " ".join(f"{x:.8g}" for x in p))


if __name__ == "__main__":
    main()
