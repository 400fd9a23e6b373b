"""Shared fixtures: the repository, the `theradose` command line (built by cargo if missing) and
a runner that returns its stdout."""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def cli():
    """A function running the `theradose` binary of this checkout; returns stdout (checks the exit
    code). THERADOSE_BIN names another binary."""
    exe = os.environ.get("THERADOSE_BIN")
    if not exe:
        exe = str(REPO / "target" / "release" / "theradose")
        # cargo rebuilds only when a source changed; a missing binary is built, never skipped
        subprocess.run(["cargo", "build", "--release", "--bin", "theradose"], cwd=REPO, check=True)

    def run(*args, cwd=None):
        p = subprocess.run([exe, *map(str, args)], cwd=cwd or REPO, capture_output=True,
                           text=True)
        if p.returncode != 0:
            raise AssertionError(f"theradose {' '.join(map(str, args))} failed:\n{p.stderr}")
        return p.stdout

    return run
