"""Shared fixtures: the crate's command-line binary, whose JSON the package must match."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary() -> pathlib.Path:
    env = os.environ.get("SCALING_LAWS_BIN")
    # Cargo builds into $CARGO_TARGET_DIR when it is set (relative to the crate root).
    target = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
    path = pathlib.Path(env) if env else target / "release" / "scaling-laws"
    if not path.exists():
        pytest.fail(
            f"the scaling-laws binary is missing at {path}: run `cargo build --release` "
            "(or set SCALING_LAWS_BIN)"
        )
    return path


@pytest.fixture(scope="session")
def cli():
    """Run the CLI with --json and return the parsed object."""
    binary = _binary()

    def run(*args):
        out = subprocess.run(
            [str(binary), *map(str, args), "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout)

    return run


@pytest.fixture()
def chinchilla_csv(tmp_path):
    """Noise-free IsoFLOP data of the Chinchilla surface (±8×, 15 points, 5 budgets)
    as arrays and as a CSV the CLI reads (floats written with repr: round-trip exact)."""
    import scaling_laws as sl

    s = sl.simulate_isoflops(sl.LossSurface.preset("chinchilla"), None, 0.90309, 15)
    path = tmp_path / "points.csv"
    with open(path, "w") as f:
        f.write("params,tokens,loss,budget\n")
        for row in zip(s.N, s.D, s.loss, s.budget):
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    return s, path
