#!/bin/sh
# Reproduces the calibration of the tumour response model (issue 19): fits the population of
# radiosensitivities to the `fit` rows of data/biology/outcomes/lesion_response.csv and predicts
# the `holdout` rows (the split is fixed in that file), writing results/calibration/.
# Extra arguments go to `theradose calibrate-response` (see its --help).
set -eu
cd "$(dirname "$0")/.."
cargo run --release --quiet -- calibrate-response --out results/calibration "$@"
