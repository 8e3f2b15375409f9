"""The Approach 2 vertex shift for your own sampling grid.

    python python/examples/vertex_shift_grid.py [alpha beta factor points]

e.g. 0.34 0.28 8 15: a grid spanning ±8× around the optimum with 15 models per budget.
"""

import sys

import numpy as np

import scaling_laws as sl


def main() -> None:
    if len(sys.argv) == 5:
        alpha, beta, factor = map(float, sys.argv[1:4])
        points = int(sys.argv[4])
    else:
        s = sl.LossSurface.preset("chinchilla")
        alpha, beta, factor, points = s.alpha, s.beta, 8.0, 15
    width = np.log10(factor)
    v = sl.vertex_shift(alpha, beta, width, points)
    d2, d4 = sl.vertex_shift_small_width(alpha, beta, points)
    print(f"alpha = {alpha}, beta = {beta}, ±{factor:g}×, {points} points per curve")
    print(f"vertex shift δw = {v.delta_w:.6e} decades "
          f"(small-W series d2·W² + d4·W⁴ = {d2 * width**2 + d4 * width**4:.6e})")
    print(f"N* prefactor off by {100 * v.n_intercept_error:+.4f} %, "
          f"D* prefactor by {100 * v.d_intercept_error:+.4f} %")
    for off in (-0.5, 0.0, 0.5):
        print(f"  grid centred {off:+.1f} decades from N*: δw = "
              f"{sl.vertex_shift(alpha, beta, width, points, off).delta_w:.6e}")


if __name__ == "__main__":
    main()
