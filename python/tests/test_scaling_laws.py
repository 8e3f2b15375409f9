"""The Python package against the crate's command line (exact float equality),
its errors, and its array handling."""

import math

import numpy as np
import pytest

import scaling_laws as sl

SURFACE_KEYS = ["E", "A", "B", "alpha", "beta", "rss", "status", "iterations"]
LAW_KEYS = ["a", "b", "a_intercept", "b_intercept"]


def test_vertex_shift_matches_cli(cli):
    for alpha, beta, width, points, offset in [
        (0.34, 0.28, 1.2041, 15, 0.0),
        (0.5, 0.5, 0.3, 3, 0.1),
        (0.05, 0.95, 2.0, 101, -0.4),
    ]:
        py = sl.vertex_shift(alpha, beta, width, points, offset)
        js = cli(
            "vertex-shift", "--alpha", alpha, "--beta", beta, "--width", width,
            "--points", points, "--offset", offset,
        )
        assert py.delta_w == js["delta_w"]
        assert py.n_intercept_error == js["n_intercept_error"]
        assert py.d_intercept_error == js["d_intercept_error"]


def test_simulated_approach2_and_its_prediction_match_cli(cli):
    surface = sl.LossSurface.preset("asymmetric")
    sample = sl.simulate_isoflops(surface, None, 1.2, 15, drift=0.2, scale=1.5)
    fit = sl.fit_approach2(sample.N, sample.D, sample.loss, sample.budget)
    pred = sl.predict_approach2(surface, None, 1.2, 15, drift=0.2, scale=1.5)
    js = cli(
        "approach2", "--surface", "asymmetric", "--width", 1.2, "--points", 15,
        "--drift", 0.2, "--scale", 1.5,
    )
    for k in LAW_KEYS:
        assert getattr(fit, k) == js[k], k
        assert getattr(pred, k) == js["predicted"][k], k
    assert js["true"]["a"] == surface.exponent_a
    assert len(fit.budgets) == 5 and len(fit.log10_n_opt) == 5


def test_fit_approach2_on_a_file_matches_cli(cli, chinchilla_csv):
    s, path = chinchilla_csv
    fit = sl.fit_approach2(s.N, s.D, s.loss, s.budget)
    js = cli("fit", "--method", "approach2", "--data", path)
    for k in LAW_KEYS:
        assert getattr(fit, k) == js[k], k


@pytest.mark.parametrize(
    "py_fit, args",
    [
        (lambda s: sl.fit_vpnls(s.N, s.D, s.loss), ["--method", "vpnls"]),
        (lambda s: sl.fit_grid5(s.N, s.D, s.loss), ["--method", "grid"]),
        (lambda s: sl.fit_approach3(s.N, s.D, s.loss), ["--method", "approach3"]),
        (
            lambda s: sl.fit_approach3(s.N, s.D, s.loss, objective="log-loss"),
            ["--method", "approach3", "--objective", "log-loss"],
        ),
        (
            lambda s: sl.fit_approach3(s.N, s.D, s.loss, objective="huber-log"),
            ["--method", "approach3", "--objective", "huber-log"],
        ),
    ],
)
def test_surface_fits_match_cli(cli, chinchilla_csv, py_fit, args):
    s, path = chinchilla_csv
    fit = py_fit(s)
    js = cli("fit", *args, "--data", path)
    for k in SURFACE_KEYS:
        assert getattr(fit, k) == js[k], k
    assert tuple(js.get("warnings", [])) == fit.warnings
    assert isinstance(fit.status, str)


def test_vpnls_recovers_the_surface_without_noise(chinchilla_csv):
    s, _ = chinchilla_csv
    fit = sl.fit_vpnls(s.N, s.D, s.loss)
    truth = sl.LossSurface.preset("chinchilla")
    assert fit.status == "converged"
    for k in ["E", "A", "B", "alpha", "beta"]:
        assert abs(getattr(fit, k) / getattr(truth, k) - 1) < 1e-10, k


def test_strided_lists_and_pandas_give_the_same_fit(chinchilla_csv):
    s, _ = chinchilla_csv
    base = sl.fit_vpnls(s.N, s.D, s.loss)
    # A strided view: every other element of an interleaved buffer.
    inter = np.empty((3, 2 * len(s.N)))
    inter[0, ::2], inter[1, ::2], inter[2, ::2] = s.N, s.D, s.loss
    strided = sl.fit_vpnls(inter[0, ::2], inter[1, ::2], inter[2, ::2])
    assert not inter[0, ::2].flags["C_CONTIGUOUS"]
    assert strided == base
    assert sl.fit_vpnls(list(s.N), list(s.D), list(s.loss)) == base
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"N": s.N, "D": s.D, "L": s.loss})
    assert sl.fit_vpnls(df["N"], df["D"], df["L"]) == base


def test_nan_is_refused_with_its_index(chinchilla_csv):
    s, _ = chinchilla_csv
    loss = s.loss.copy()
    loss[7] = math.nan
    with pytest.raises(sl.InvalidInputError, match="point 7"):
        sl.fit_vpnls(s.N, s.D, loss)
    with pytest.raises(sl.InvalidInputError, match="point 7"):
        sl.fit_approach2(s.N, s.D, loss, s.budget)


def test_bad_inputs_raise_the_named_exceptions(chinchilla_csv):
    s, _ = chinchilla_csv
    with pytest.raises(sl.InvalidInputError, match="half-width"):
        sl.vertex_shift(0.3, 0.3, -1.0, 15)
    with pytest.raises(sl.InvalidInputError, match="exponent"):
        sl.vertex_shift(-0.3, 0.3, 1.0, 15)
    with pytest.raises(sl.InvalidInputError):
        sl.LossSurface.preset("no-such-surface")
    with pytest.raises(sl.InvalidInputError, match="same length"):
        sl.fit_vpnls(s.N[:-1], s.D, s.loss)
    with pytest.raises(sl.InvalidInputError, match="objective"):
        sl.fit_approach3(s.N, s.D, s.loss, objective="nope")
    with pytest.raises(sl.InvalidInputError):
        sl.LossSurface(1.7, 400.0, 410.0, 0.34, -0.28)
    # D = 5e-324: D^-beta overflows f64 inside the exponent grid; the data are
    # out of f64's reach, the caller's error (the CLI exits 2), naming the point.
    with pytest.raises(sl.InvalidInputError, match="point 0"):
        sl.fit_vpnls([1e9, 1e-300, 1e9, 1e10, 1e11], [5e-324, 1e11, 1e12, 1e9, 1e10],
                     [3.0, 2.5, 2.2, 2.4, 2.3])
    assert issubclass(sl.InvalidInputError, sl.ScalingLawsError)
    assert issubclass(sl.FitFailedError, sl.ScalingLawsError)


def test_fit_many_is_the_sequential_fit_in_parallel(chinchilla_csv):
    s, _ = chinchilla_csv
    sets = []
    for k in range(6):
        sub = s.budget != sorted(set(s.budget))[k % 5]
        sets.append((s.N[sub], s.D[sub], s.loss[sub]))
    bad = (s.N, s.D, np.where(np.arange(len(s.N)) == 2, -1.0, s.loss))
    out = sl.fit_many(sets + [bad])
    for (n, d, l), fit in zip(sets, out):
        assert fit == sl.fit_vpnls(n, d, l)
    assert isinstance(out[-1], sl.InvalidInputError)


def test_loss_surface_frontier():
    s = sl.LossSurface.preset("chinchilla")
    for c in [1e18, 1e21, 1e24]:
        n, d = s.n_opt(c), s.d_opt(c)
        assert abs(6 * n * d / c - 1) < 1e-12
        assert abs(s.loss(n, d) - s.loss_opt(c)) < 1e-12
        assert abs(s.compute_for_loss(s.loss_opt(c)) / c - 1) < 1e-9
    assert abs(s.exponent_a + s.exponent_b - 1) < 1e-15
    with pytest.raises(sl.InvalidInputError):
        s.compute_for_loss(s.E / 2)


def test_allocation_cost_direct_and_closed_form_agree():
    s = sl.LossSurface.preset("chinchilla")
    c = 1e24
    for factor in [0.5, 1.0, 3.0]:
        direct = sl.allocation_cost(s, c, tokens=factor * s.d_opt(c))
        closed = sl.allocation_cost(s, c, token_error=math.log10(factor))
        assert abs(direct.token_error - math.log10(factor)) < 1e-12
        # The direct form subtracts C(L) from C: its share is exact to a few
        # ulps of 1 (it reads 7e-15 at the optimum, where the closed form is 0).
        assert abs(direct.loss - closed.loss) <= 1e-12 * closed.loss
        assert abs(direct.wasted_share - closed.wasted_share) <= 1e-12
        assert closed.wasted_share >= 0
        assert abs(direct.wasted_dollars - direct.wasted_compute * 5.614507888383584e-19) <= 1e-9 * max(direct.wasted_dollars, 1e-300)
    with pytest.raises(sl.InvalidInputError, match="exactly one"):
        sl.allocation_cost(s, c)
    with pytest.raises(sl.InvalidInputError, match="token"):
        sl.allocation_cost(s, c, tokens=-1.0)


DATA = ROOT_DATA = __import__("pathlib").Path(__file__).resolve().parents[2]


def published(rel):
    """A published data file below $SCALING_LAWS_DATA (README, "Data"): the
    test is skipped, and says so, when the variable is unset, and fails when
    SCALING_LAWS_REQUIRE_DATA=1 (as in CI) or the file is missing."""
    import os
    import pathlib

    folder = os.environ.get("SCALING_LAWS_DATA")
    if not folder:
        if os.environ.get("SCALING_LAWS_REQUIRE_DATA") == "1":
            pytest.fail("SCALING_LAWS_REQUIRE_DATA=1 but SCALING_LAWS_DATA is unset")
        pytest.skip("needs the published data: set SCALING_LAWS_DATA (README, section Data)")
    path = pathlib.Path(folder) / rel
    if not path.exists():
        pytest.fail(f"{rel} is missing from SCALING_LAWS_DATA={folder}")
    return path


def test_dark_matter_matches_cli(cli, tmp_path):
    runs = published("chinchilla/svg_extracted_data.csv")
    opts = ["--metrics", "tokens", "--folds", "2", "--bootstrap", "8"]
    py = sl.dark_matter(runs, tmp_path / "py", metrics=["tokens"], folds=2, bootstrap=8)
    js = cli("dark-matter", "--data", runs, "--out", tmp_path / "cli", *opts)
    assert py == js
    assert (tmp_path / "py").is_dir()
    with pytest.raises(sl.InvalidInputError, match="no-such-column"):
        sl.dark_matter(runs, tmp_path / "bad", loss_col="no-such-column")


def test_training_curves_match_cli(cli):
    registry = DATA / "data" / "registry.toml"
    py = sl.training_curves(registry=registry, names=["opt_trajectories"], bootstrap=8)
    js = cli("hitchhiker", "--registry", registry, "opt_trajectories", "--bootstrap", 8)
    assert py == js
    (d,) = py["datasets"]
    assert d["alpha"] < 0 and d["beta"] < 0 and isinstance(d["warnings"], list)
    with pytest.raises(sl.InvalidInputError):
        sl.training_curves(registry=registry, names=["no-such-dataset"])


# ---- issue 25: allocations, predict, audit, corrected Approach 2 ----


def test_approach2_fit_n_opt_and_d_opt_are_its_power_laws(chinchilla_csv):
    s, _ = chinchilla_csv
    fit = sl.fit_approach2(s.N, s.D, s.loss, s.budget)
    c = np.array([1e21, 1e24])
    assert np.allclose(fit.n_opt(c), 10 ** (fit.a_intercept + fit.a * np.log10(c)), rtol=1e-15)
    assert isinstance(fit.d_opt(1e24), float)
    # Noise-free Chinchilla data: N*·D* = C/6 to the parabola's small bias.
    assert abs(fit.n_opt(1e24) * fit.d_opt(1e24) * 6 / 1e24 - 1) < 1e-2


def test_fit_budgets_and_corrected_match_cli(cli, chinchilla_csv):
    s, path = chinchilla_csv
    py = sl.fit_budgets(s.N, s.D, s.loss, [1e22, 1e24])
    js = cli("fit", "--method", "vpnls", "--data", path, "--budget", "1e22,1e24")
    assert py["allocations"] == js["allocations"]
    assert py["schema_version"] == 1
    py = sl.fit_approach2_corrected(s.N, s.D, s.loss, s.budget, budgets=[1e24])
    js = cli("fit", "--method", "approach2-corrected", "--data", path, "--budget", "1e24")
    assert py["allocations"] == js["allocations"] and py["a"] == js["a"]


def test_predict_and_audit_match_cli(cli, chinchilla_csv):
    s, path = chinchilla_csv
    py = sl.predict(s.N, s.D, s.loss, [(1e10, 2e11)], bootstrap=10, seed=3)
    js = cli("predict", "--data", path, "--method", "vpnls", "--at", "1e10,2e11",
             "--bootstrap", 10, "--seed", 3)
    assert py["predictions"] == js["predictions"]
    py = sl.audit(s.N, s.D, s.loss, s.budget, methods=["vpnls", "approach2"], ordered=True)
    js = cli("audit", "--data", path, "--method", "vpnls,approach2", "--ordered")
    assert py["data"]["data"]["methods"] == next(iter(js["data"].values()))["methods"]


def test_new_functions_name_mismatched_lengths():
    with pytest.raises(sl.InvalidInputError, match="N: 3, D: 2, L: 3"):
        sl.predict([1e9, 2e9, 3e9], [1e10, 2e10], [3.0, 2.9, 2.8], [(1e9, 1e10)])


def test_loss_surface_is_vectorised_and_accepts_pandas():
    pd = pytest.importorskip("pandas")
    s = sl.LossSurface.preset("chinchilla")
    n = np.array([[1e9, 1e10], [1e11, 1e12]])
    d = np.full((2, 2), 1e11)
    got = s.loss(n, d)
    assert isinstance(got, np.ndarray) and got.shape == (2, 2)
    assert got[1, 0] == s.loss(1e11, 1e11)
    assert isinstance(s.loss(1e9, 1e10), float)
    # A scalar broadcasts; a pandas Series is an array.
    assert np.array_equal(s.loss(n, 1e11), got)
    c = pd.Series([1e21, 1e24])
    assert np.array_equal(s.n_opt(c), np.array([s.n_opt(1e21), s.n_opt(1e24)]))
    assert s.loss_opt([1e24])[0] == s.loss_opt(1e24)
    with pytest.raises(sl.InvalidInputError, match="do not broadcast"):
        s.loss(np.ones(3) * 1e9, np.ones(2) * 1e10)


def test_dir_lists_only_the_public_names():
    names = dir(sl)
    assert "predict" in names and "audit" in names
    assert not {"np", "os", "json"} & set(names)


def test_extreme_but_legal_input_is_refused_clearly(tmp_path):
    """Issue 24 at the Python boundary: each call raises naming the cause."""
    s = sl.LossSurface.preset("chinchilla")
    with pytest.raises(sl.InvalidInputError, match="N must be positive"):
        s.loss(-1, 1e9)
    with pytest.raises(sl.InvalidInputError, match="C must be positive"):
        s.n_opt(float("nan"))
    with pytest.raises(sl.InvalidInputError, match="outside f64"):
        sl.simulate_isoflops(s, None, 1e300, 15)
    with pytest.raises(sl.InvalidInputError, match="limit is 1000000"):
        sl.simulate_isoflops(s, None, 1.0, 10**9)
    good = np.array([1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9])
    for bad, what in [(None, "None"), (np.float64(3.0), "0-dimensional"),
                      (np.ones((2, 3)), "2-dimensional")]:
        with pytest.raises(sl.InvalidInputError, match=f"N: expected a 1-D array.*{what}"):
            sl.fit_vpnls(bad, good, good)
    with pytest.raises(sl.InvalidInputError, match="1683000.9"):
        sl.training_curves([(tmp_path / "x.csv", 1683000.9)])
    with pytest.raises(sl.InvalidInputError, match="100000"):
        sl.training_curves([(tmp_path / "x.csv", 1683000)], bootstrap=10**9)


# ---- issue 27: design, suggest_next ----


def test_design_matches_cli(cli):
    py = sl.design(sigma=0.005, budgets=[1e18, 1e19, 1e20, 1e21], points=[7, 9], widths=[4, 8],
                   compute_cap=5e21)
    js = cli("design", "--sigma", 0.005, "--budgets", "1e18,1e19,1e20,1e21", "--points", "7,9",
             "--widths", "4,8", "--compute-cap", 5e21, "--top", 1000)
    assert py.to_dict() == js
    assert py["ranked"] == len(py["top"]) and all(r["cost_flops"] <= 5e21 for r in py["top"])
    # A LossSurface is passed as its five parameters: the preset's numbers.
    s = sl.LossSurface.preset("asymmetric")
    py = sl.design(s, sigma=0.002, budgets=[1e18, 1e19, 1e20], points=[9], widths=[8], top=3)
    js = cli("design", "--surface", "asymmetric", "--sigma", 0.002, "--budgets", "1e18,1e19,1e20",
             "--points", 9, "--widths", 8, "--top", 3)
    assert len(py["top"]) == 3
    for a, b in zip(py["top"], js["top"]):
        assert a["method"] == b["method"]
        assert abs(a["mse_ln_n"] - b["mse_ln_n"]) <= 1e-12 * b["mse_ln_n"]


def test_design_to_pandas_has_one_row_per_ranked_design():
    pd = pytest.importorskip("pandas")
    r = sl.design(sigma=0.005, budgets=[1e18, 1e19, 1e20, 1e21], points=[9], widths=[8])
    f = r.to_pandas()
    assert isinstance(f, pd.DataFrame) and len(f) == r["ranked"] == 24
    assert list(f["rank"]) == list(range(1, 25))
    assert f["mse_ln_n"].is_monotonic_increasing
    assert f.loc[0, "n_budgets"] == len(r["top"][0]["budgets"])


def test_suggest_next_matches_cli(cli, tmp_path):
    s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), [1e17, 1e18, 1e19], 0.6, 5)
    path = tmp_path / "done.csv"
    with open(path, "w") as f:
        f.write("params,tokens,loss\n")
        for row in zip(s.N, s.D, s.loss):
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    py = sl.suggest_next(s.N, s.D, s.loss, k=3, sigma=0.01, budgets=[1e19, 1e20, 1e21])
    js = cli("design", "--data", path, "--next", 3, "--sigma", 0.01, "--budgets", "1e19,1e20,1e21")
    assert py.to_dict() == js
    v = [r["var_ln_n_after"] for r in py["next"]]
    assert len(v) == 3 and v[0] > v[1] > v[2] > 0
    frame = py.to_pandas() if _has_pandas() else None
    if frame is not None:
        assert list(frame["step"]) == [1, 2, 3]


def test_design_and_suggest_next_refuse_bad_input():
    with pytest.raises(sl.InvalidInputError, match="sigma"):
        sl.design(sigma=-1.0, budgets=[1e18, 1e19], points=[9], widths=[8])
    with pytest.raises(sl.InvalidInputError, match="points"):
        sl.design(sigma=0.01, points=[8.5])  # type: ignore[list-item]
    with pytest.raises(sl.InvalidInputError, match="k must be"):
        sl.suggest_next([1e9], [1e10], [3.0], k=0)
    with pytest.raises(sl.InvalidInputError, match="N: 2, D: 1"):
        sl.suggest_next([1e9, 2e9], [1e10], [3.0, 2.9], sigma=0.01)


def _has_pandas():
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True
