"""Approach 2 against VPNLS on the same IsoFLOP data, plotted with matplotlib.

    python python/examples/approach2_vs_vpnls.py [out.png]

An asymmetric surface (alpha != beta) sampled with drift: Approach 2's N*(C)
is off by the vertex shift, which the closed form predicts exactly; VPNLS
recovers the truth.
"""

import sys

import numpy as np

import scaling_laws as sl


def main() -> None:
    import matplotlib  # type: ignore[import-not-found,import-untyped,unused-ignore]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found,import-untyped,unused-ignore]

    truth = sl.LossSurface.preset("asymmetric")
    width, points, drift = np.log10(16), 15, 0.2
    s = sl.simulate_isoflops(truth, None, width, points, drift=drift)
    a2 = sl.fit_approach2(s.N, s.D, s.loss, s.budget)
    pred = sl.predict_approach2(truth, None, width, points, drift=drift)
    vp = sl.fit_vpnls(s.N, s.D, s.loss).surface()

    c = np.logspace(17, 25, 50)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2))
    for budget in np.unique(s.budget):
        m = s.budget == budget
        ax0.plot(s.N[m], s.loss[m], "o", ms=3, label=f"C = {budget:.0e} FLOPs")
    ax0.set_xscale("log")
    ax0.set_xlabel("model size N (parameters)")
    ax0.set_ylabel("loss L (nats/token)")
    ax0.set_title("IsoFLOP samples (5 budgets, ±16×, drift 0.2)")
    ax0.legend(fontsize=8, loc="upper center")

    ax1.plot(c, [truth.n_opt(x) for x in c], "k-", label="truth")
    ax1.plot(c, 10 ** a2.a_intercept * c ** a2.a, "C1--", label=f"Approach 2 (a = {a2.a:.4f})")
    ax1.plot(c, 10 ** pred.a_intercept * c ** pred.a, "C1o", ms=3, markevery=5,
             label="Approach 2, closed-form prediction")
    ax1.plot(c, [vp.n_opt(x) for x in c], "C0:", lw=2, label=f"VPNLS (a = {vp.exponent_a:.4f})")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("compute budget C (FLOPs)")
    ax1.set_ylabel("compute-optimal N* (parameters)")
    ax1.set_title("N*(C) inferred by each method")
    ax1.legend(fontsize=8)
    fig.tight_layout()
    out = sys.argv[1] if len(sys.argv) > 1 else "approach2_vs_vpnls.png"
    fig.savefig(out, dpi=110)
    print(f"truth a = {truth.exponent_a:.10f}; Approach 2 a = {a2.a:.10f} "
          f"(predicted {pred.a:.10f}); VPNLS a = {vp.exponent_a:.10f}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
