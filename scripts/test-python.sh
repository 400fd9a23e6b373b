#!/usr/bin/env bash
# The Python half of the project's test command (README; .ci/run runs exactly
# `cargo test --release && scripts/test-python.sh`): the Python package built by
# `pip install ./python` into a fresh virtual environment and its pytest suite (python/tests: each call against the CLI on the same
# inputs, array orientation against the CLI's NIfTI files, errors, and the example script).
#
# Environment: THERADOSE_TEST_VENV (default target/python-venv) is the virtual environment made
# afresh; the extension is compiled into target/python (cargo's usual incremental rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."


repo=$PWD
venv=$(realpath -m "${THERADOSE_TEST_VENV:-target/python-venv}")
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
CARGO_TARGET_DIR="$repo/target/python" "$venv/bin/python" -m pip install -q ./python
"$venv/bin/python" -m pip install -q pytest nibabel matplotlib
# run from outside the checkout so `import theradose` finds the installed package, not python/
cd "$venv"
"$venv/bin/python" -m pytest -q "$repo/python/tests" -p no:cacheprovider
