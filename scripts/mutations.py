#!/usr/bin/env python3
"""Apply each deliberate mistake of tests/mutations.toml, alone, to a scratch
copy of the crate and check that its tests fail (specs/mutations.md).

    python3 scripts/mutations.py                 # every mutation
    python3 scripts/mutations.py cv-leak adam-decay   # some, by id
    python3 scripts/mutations.py --list

The scratch copy is the working tree's tracked files (uncommitted edits
included) under $MUTATION_DIR (default /tmp/scaling-laws-mutations); its
cargo target directory is kept there between runs, so only this crate is
rebuilt per mutation. Exit 0 when every mutation was caught, 1 when one
survived or could not be applied.
"""

import os
import shutil
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load():
    with open(os.path.join(ROOT, "tests", "mutations.toml"), "rb") as f:
        return tomllib.load(f)["mutation"]


def copy_tree(dest):
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for rel in filter(None, files):
        rel = rel.decode()
        src = os.path.join(ROOT, rel)
        if not os.path.exists(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))


def main(argv):
    muts = load()
    if "--list" in argv:
        for m in muts:
            print(f"{m['id']:<36} {m['why']}")
        return 0
    chosen = [m for m in muts if not argv or m["id"] in argv]
    unknown = set(argv) - {m["id"] for m in muts}
    if unknown:
        print(f"unknown mutation ids: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    base = os.environ.get("MUTATION_DIR", "/tmp/scaling-laws-mutations")
    tree = os.path.join(base, "tree")
    # Optimisation level 1 (MUTATION_OPT_LEVEL to change it): the mutated
    # crate rebuilds faster; Rust reorders no floating-point arithmetic at
    # any level, so only speed differs.
    env = dict(
        os.environ,
        CARGO_TARGET_DIR=os.path.join(base, "target"),
        CARGO_PROFILE_RELEASE_OPT_LEVEL=os.environ.get("MUTATION_OPT_LEVEL", "1"),
    )
    results = []
    for m in chosen:
        copy_tree(tree)
        path = os.path.join(tree, m["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        count = text.count(m["find"])
        if count != 1:
            results.append((m, f"not applied: 'find' occurs {count} times"))
            continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(m["find"], m["replace"]))
        start = time.time()
        run = subprocess.run(
            ["cargo", "test", "--release", *m["tests"]],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        secs = time.time() - start
        if "error[E" in run.stderr or "could not compile" in run.stderr:
            verdict = "caught (does not compile)"
        elif run.returncode != 0:
            failed = [l.split()[1] for l in run.stdout.splitlines() if l.endswith("FAILED") and l.startswith("test ")]
            verdict = "caught by " + (", ".join(failed[:3]) or "a failing test")
        else:
            verdict = "SURVIVED"
        results.append((m, f"{verdict} ({secs:.0f} s)"))
        print(f"{m['id']:<36} {results[-1][1]}", flush=True)
    print()
    print(f"{'mutation':<36} result")
    bad = 0
    for m, r in results:
        print(f"{m['id']:<36} {r}")
        bad += not r.startswith("caught")
    print(f"{len(results) - bad} caught, {bad} not caught")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
