"""Issue 25, item 5: bootstrap= on every fit, the IsoFLOP study, one option
name, to_dict()/to_pandas() on every result, errors naming the arrays, and
a runnable example in every docstring — each against the command line's JSON."""

import json
import os
import sys
import warnings

import numpy as np
import pytest

import scaling_laws as sl

BUDGETS = [1e22, 1e24]


@pytest.fixture()
def noisy(tmp_path):
    """IsoFLOP data of the Chinchilla surface with a fixed ±1 % wobble (so that
    bootstrap intervals have width), as arrays and as the CLI's CSV."""
    s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 9)
    loss = s.loss * (1 + 0.01 * np.sin(1.7 * np.arange(len(s.N))))
    path = tmp_path / "noisy.csv"
    with open(path, "w") as f:
        f.write("params,tokens,loss,budget\n")
        for row in zip(s.N, s.D, loss, s.budget):
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    return s.N, s.D, loss, s.budget, path


def _same_extras(fit, js):
    """The allocations, intervals, bound share and warnings of a Python fit
    are the command's, key for key."""
    assert [a.to_dict() for a in fit.allocations] == js["allocations"]
    assert dict(fit.interval) == js["interval"]
    assert fit.on_bound_share == js["on_bound_share"]
    assert list(fit.warnings) == js["warnings"]


@pytest.mark.parametrize(
    "call, args",
    [
        (lambda N, D, L, C, **k: sl.fit_vpnls(N, D, L, C=C, **k), ["--method", "vpnls"]),
        (lambda N, D, L, C, **k: sl.fit_approach3(N, D, L, C=C, **k), ["--method", "approach3"]),
        (
            lambda N, D, L, C, **k: sl.fit_approach3(N, D, L, "log-loss", C=C, **k),
            ["--method", "approach3", "--objective", "log-loss"],
        ),
        (lambda N, D, L, C, **k: sl.fit_grid5(N, D, L, C=C, **k), ["--method", "grid"]),
        (lambda N, D, L, C, **k: sl.fit_approach2(N, D, L, C, **k), ["--method", "approach2"]),
    ],
)
def test_bootstrap_on_every_fit_matches_cli(cli, noisy, call, args):
    N, D, L, C, path = noisy
    fit = call(N, D, L, C, budgets=BUDGETS, bootstrap=12, seed=5)
    js = cli("fit", *args, "--data", path, "--budget", "1e22,1e24", "--bootstrap", 12,
             "--seed", 5)
    _same_extras(fit, js)
    assert len(fit.allocations) == 2 and fit.allocations[1].budget == 1e24
    # The intervals have width on noisy data, and hold the estimate.
    iv = fit.allocations[1].interval["n_opt"]
    assert iv[0] < iv[1]
    # The fit itself is the one without the bootstrap.
    plain = call(N, D, L, C)
    for k in ("a", "b") if isinstance(fit, sl.Approach2Fit) else ("E", "alpha", "beta"):
        assert getattr(fit, k) == getattr(plain, k)
    # budgets alone: allocations without intervals, as `fit --budget`.
    only = call(N, D, L, C, budgets=1e24)
    js = cli("fit", *args, "--data", path, "--budget", "1e24")
    assert [a.to_dict() for a in only.allocations] == js["allocations"]
    assert only.interval == {} and only.on_bound_share is None


def test_corrected_approach2_bootstrap_matches_cli(cli, noisy):
    N, D, L, C, path = noisy
    py = sl.fit_approach2_corrected(N, D, L, C, budgets=BUDGETS, bootstrap=8, seed=2,
                                    resample="budgets")
    js = cli("fit", "--method", "approach2-corrected", "--data", path, "--budget",
             "1e22,1e24", "--bootstrap", 8, "--seed", 2, "--resample", "budgets")
    assert py == js
    assert set(py["interval"]) == {"a", "b", "a_intercept", "b_intercept", "alpha", "beta"}
    assert "n_opt_vpnls" in py["allocations"][0]["interval"]


def test_fit_many_bootstrap_is_each_fit(cli, noisy):
    N, D, L, C, path = noisy
    sets = [(N, D, L), (N[:-9], D[:-9], L[:-9])]
    out = sl.fit_many(sets, budgets=1e24, bootstrap=6, seed=1)
    for (n, d, l), fit in zip(sets, out):
        assert fit == sl.fit_vpnls(n, d, l, budgets=1e24, bootstrap=6, seed=1)
    js = cli("fit", "--method", "vpnls", "--data", path, "--budget", "1e24",
             "--bootstrap", 6, "--seed", 1)
    # The CLI reads the file's budget column (Approach 2's N* beside); the
    # first data set without C has none: compare the surface's own numbers.
    assert out[0].allocations[0].interval["n_opt"] == js["allocations"][0]["interval"]["n_opt"]
    bad = (N, D, np.where(np.arange(len(N)) == 2, -1.0, L))
    assert isinstance(sl.fit_many([bad], bootstrap=3)[0], sl.InvalidInputError)


def test_one_option_name_and_the_old_names_warn(noisy):
    N, D, L, C, _ = noisy
    with pytest.warns(DeprecationWarning, match="use search="):
        old = sl.fit_vpnls(N, D, L, method="nelder-mead")
    assert old == sl.fit_vpnls(N, D, L, search="nelder-mead")
    with pytest.warns(DeprecationWarning, match="use objective="):
        old_many = sl.fit_many([(N, D, L)], method="approach3", variant="log-loss")
    assert old_many == sl.fit_many([(N, D, L)], method="approach3", objective="log-loss")
    assert old_many[0] == sl.fit_approach3(N, D, L, objective="log-loss")
    with pytest.warns(DeprecationWarning, match="use search="):
        sl.fit_many([(N, D, L)], variant="lm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sl.fit_vpnls(N, D, L, objective="rss")
    for bad in [lambda: sl.fit_vpnls(N, D, L, objective="log-loss"),
                lambda: sl.fit_grid5(N, D, L, objective="huber-log"),
                lambda: sl.fit_many([(N, D, L)], objective="log-loss")]:
        with pytest.raises(sl.InvalidInputError, match="minimises the RSS only"):
            bad()
    with pytest.raises(sl.InvalidInputError, match="search 'lm'"):
        sl.fit_vpnls(N, D, L, "grid", bootstrap=5)
    with pytest.raises(sl.InvalidInputError, match="give C"):
        sl.fit_approach3(N, D, L, bootstrap=3, resample="budgets")
    with pytest.raises(sl.InvalidInputError, match="bootstrap must be a non-negative integer"):
        sl.fit_vpnls(N, D, L, bootstrap=-1)
    assert sl.HUBER_DELTA == 1e-3


def test_length_errors_name_the_arrays_and_lengths():
    n3, n2 = [1e9, 2e9, 3e9], [1e10, 2e10]
    with pytest.raises(sl.InvalidInputError,
                       match=r"datasets\[0\]\.N: 3, datasets\[0\]\.D: 2, datasets\[0\]\.loss: 3"):
        sl.fit_many([(n3, n2, [3.0, 2.9, 2.8])])
    with pytest.raises(sl.InvalidInputError,
                       match=r"datasets\[1\]\.N: 3, datasets\[1\]\.D: 2, datasets\[1\]\.loss: 3"):
        sl.fit_many([(n3, n3, n3), (n3, n2, [3.0, 2.9, 2.8])], bootstrap=2)
    with pytest.raises(sl.InvalidInputError, match="N: 3, D: 2, loss: 3"):
        sl.fit_vpnls(n3, n2, [3.0, 2.9, 2.8])
    with pytest.raises(sl.InvalidInputError, match="N: 3, D: 2, L: 3, C: 3"):
        sl.fit_budgets(n3, n2, [3.0, 2.9, 2.8], 1e24, C=n3)
    with pytest.raises(sl.InvalidInputError, match="params: 3, budget: 2"):
        sl.isoflops_qc({"experiment": ["x"] * 3, "tokens": n3, "params": n3,
                        "budget": n2, "loss": n3})
    with pytest.raises(sl.InvalidInputError, match="lacks the column.*loss"):
        sl.isoflops_qc({"experiment": ["x"], "tokens": [1.0], "params": [1.0], "budget": [1.0]})


def _isoflops_table(tmp_path):
    """Two simulated experiments with different wobbles, as a dict of
    columns and as the CLI's IsoFLOP CSV."""
    s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.9, 9)
    k = len(s.N)
    loss = np.concatenate([s.loss * (1 + 0.004 * np.sin(np.arange(k))),
                           s.loss * (1 + 0.004 * np.cos(2.3 * np.arange(k)))])
    table = {"experiment": ["exp_a"] * k + ["exp_b"] * k,
             "params": np.concatenate([s.N, s.N]), "tokens": np.concatenate([s.D, s.D]),
             "budget": np.concatenate([s.budget, s.budget]), "loss": loss}
    path = tmp_path / "iso.csv"
    with open(path, "w") as f:
        f.write("source,dataset,model,condition,experiment,tokens,params,budget,loss\n")
        for i in range(2 * k):
            nums = ",".join(repr(float(table[c][i])) for c in ("tokens", "params", "budget", "loss"))
            f.write(f",,,,{table['experiment'][i]},{nums}\n")
    return table, path


def test_isoflops_qc_and_fits_match_cli(cli, tmp_path):
    table, path = _isoflops_table(tmp_path)
    qc = sl.isoflops_qc(table, out=tmp_path / "flags.csv")
    assert qc == cli("isoflops", "qc", "--data", path)
    assert sl.isoflops_qc(path) == qc and isinstance(qc, sl.IsoflopsQc)
    assert (tmp_path / "flags.csv").exists()
    fits = sl.isoflops_fits(table, experiments=["exp_b"], bootstrap=10, seed=4)
    js = cli("isoflops", "--data", path, "--experiment", "exp_b", "--bootstrap", 10,
             "--seed", 4)
    assert fits == js and list(fits) == ["exp_b"]
    assert "interval" in fits["exp_b"]["allocation"]["vpnls"]
    fits = sl.isoflops_fits(path, budget=1e23, exclude_outliers=True, resample="budgets",
                            bootstrap=5)
    assert fits == cli("isoflops", "--data", path, "--budget", 1e23, "--exclude-outliers",
                       "--resample", "budgets", "--bootstrap", 5)
    pd = pytest.importorskip("pandas")
    assert sl.isoflops_qc(pd.DataFrame(table)) == qc
    with pytest.raises(sl.InvalidInputError, match="no-such"):
        sl.isoflops_fits(path, experiments=["no-such"])


def test_isoflops_on_the_published_file_matches_cli(cli):
    from test_scaling_laws import published

    path = published("isoflops/isoflops.csv")
    assert sl.isoflops_qc(path) == cli("isoflops", "qc", "--data", path)
    exp = "llama_3__raw_loss"
    py = sl.isoflops_fits(path, experiments=[exp], bootstrap=20)
    assert py == cli("isoflops", "--data", path, "--experiment", exp, "--bootstrap", 20)
    frame_rows = len(py.to_pandas()) if _has_pandas() else None
    assert frame_rows is None or frame_rows > 20


def _has_pandas():
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def _every_result(noisy, tmp_path):
    N, D, L, C, path = noisy
    s = sl.LossSurface.preset("chinchilla")
    table, _ = _isoflops_table(tmp_path)
    return {
        "VertexShift": (sl.vertex_shift(0.34, 0.28, 1.2, 15), 1),
        "Approach2Fit": (sl.fit_approach2(N, D, L, C, budgets=BUDGETS, bootstrap=4), 5),
        "Approach2Fit predicted": (sl.predict_approach2(s, None, 0.9, 15), 1),
        "SurfaceFit": (sl.fit_vpnls(N, D, L, budgets=BUDGETS, bootstrap=4), 1),
        "Allocation": (sl.fit_vpnls(N, D, L, budgets=BUDGETS).allocations[0], 1),
        "IsoflopSample": (sl.simulate_isoflops(s, None, 0.9, 9), 45),
        "AllocationCost": (sl.allocation_cost(s, 1e24, token_error=0.2), 1),
        "FitReport": (sl.fit_budgets(N, D, L, BUDGETS, bootstrap=4), 2),
        "FitReport corrected": (sl.fit_approach2_corrected(N, D, L, C, budgets=BUDGETS), 2),
        "Predictions": (sl.predict(N, D, L, [(1e9, 1e11), (1e10, 1e12)], bootstrap=4), 2),
        "AuditReport": (sl.audit(N, D, L, C, methods=["vpnls", "approach2"], ordered=True), 16),
        "IsoflopsQc": (sl.isoflops_qc(table), 2),
        "IsoflopsFits": (sl.isoflops_fits(table), None),
        "TrainingCurvesReport": (sl.training_curves(names=["opt_trajectories"], bootstrap=4), 1),
        "DesignReport": (sl.design(sigma=0.005, budgets=[1e18, 1e19, 1e20], points=[9],
                                   widths=[8]), 12),
        "NextRuns": (sl.suggest_next(N, D, L, k=2, sigma=0.01), 2),
    }


def test_every_result_has_to_dict_and_to_pandas(noisy, tmp_path):
    pd = pytest.importorskip("pandas")
    for name, (r, rows) in _every_result(noisy, tmp_path).items():
        d = r.to_dict()
        assert isinstance(d, dict), name
        json.dumps(d)  # plain values only
        frame = r.to_pandas()
        assert isinstance(frame, pd.DataFrame), name
        assert rows is None or len(frame) == rows, (name, len(frame))
        assert len(frame) > 0, name
    fit = sl.fit_vpnls(noisy[0], noisy[1], noisy[2], budgets=BUDGETS, bootstrap=4)
    table = fit.allocations_to_pandas()
    assert list(table["budget"]) == BUDGETS
    assert (table["n_opt_low"] <= table["n_opt"]).all() and (table["n_opt"] <= table["n_opt_high"]).all()
    row = fit.to_pandas().iloc[0]
    assert row["alpha"] == fit.alpha and row["alpha_low"] == fit.interval["alpha"][0]


def test_to_pandas_without_pandas_says_what_to_install(monkeypatch, noisy):
    monkeypatch.setitem(sys.modules, "pandas", None)
    fit = sl.fit_vpnls(noisy[0], noisy[1], noisy[2])
    assert fit.to_dict()["alpha"] == fit.alpha
    with pytest.raises(ImportError, match="pip install pandas"):
        fit.to_pandas()
    with pytest.raises(ImportError, match="pip install pandas"):
        sl.predict(noisy[0], noisy[1], noisy[2], [(1e9, 1e11)]).to_pandas()


def test_every_public_function_has_a_runnable_example():
    import inspect

    for name in sl.__all__:
        obj = getattr(sl, name)
        if inspect.isfunction(obj):
            assert obj.__doc__ and ">>> " in obj.__doc__, name
    assert ">>> " in sl.__doc__
    # The doctests themselves run in CI: pytest --doctest-modules --pyargs scaling_laws.
    assert os.path.exists(sl.__file__)


def test_the_native_stubs_are_complete():
    """Every public name of the native module is in _native.pyi, and no stub
    names something the module lacks."""
    import ast
    import pathlib

    from scaling_laws import _native

    pyi = pathlib.Path(sl.__file__).with_name("_native.pyi")
    tree = ast.parse(pyi.read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    public = {k for k in dir(_native) if not k.startswith("_")}
    assert public <= stubbed, public - stubbed
    assert stubbed - {"_HasArray"} <= public, stubbed - public
