"""Fit the surface L = E + A/N**alpha + B/D**beta to a CSV of loss measurements.

    python python/examples/fit_csv.py points.csv [params tokens loss]

Without arguments it fits noise-free Chinchilla IsoFLOP data made by the package.
"""

import csv
import sys
from typing import List, Sequence

import numpy as np

import scaling_laws as sl


def load(path: str, cols: Sequence[str]) -> List[np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [np.array([float(r[c]) for r in rows]) for c in cols]


def main() -> None:
    if len(sys.argv) > 1:
        cols = sys.argv[2:5] if len(sys.argv) >= 5 else ["params", "tokens", "loss"]
        N, D, L = load(sys.argv[1], cols)
    else:
        s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, np.log10(8), 15)
        N, D, L = s.N, s.D, s.loss
    for name, fit in [
        ("VPNLS", sl.fit_vpnls(N, D, L)),
        ("Approach 3 (log-loss)", sl.fit_approach3(N, D, L, objective="log-loss")),
    ]:
        print(
            f"{name:>22}: L = {fit.E:.6f} + {fit.A:.4f}/N^{fit.alpha:.6f} "
            f"+ {fit.B:.4f}/D^{fit.beta:.6f}  [{fit.status}, RSS {fit.rss:.3e}]"
        )
        for w in fit.warnings:
            print(" " * 24 + "warning: " + w)
    surface = sl.fit_vpnls(N, D, L).surface()
    c = 1e24
    print(f"at C = {c:.0e}: N* = {surface.n_opt(c):.4e}, D* = {surface.d_opt(c):.4e}")


if __name__ == "__main__":
    main()
