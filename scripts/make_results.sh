#!/usr/bin/env bash
# Regenerates everything under results/ from the bundled studies and phantoms.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
bin=target/release/theradose
# voxel S-value kernels live in the user's cache (XDG_CACHE_HOME/theradose/vsv, else
# ~/.cache/theradose/vsv); results/vsv-cache keeps the ICRP-107 kernels (suffix _icrp107) the
# bundled studies were made with, so a rerun reuses them instead of recomputing them
cache="${XDG_CACHE_HOME:-$HOME/.cache}/theradose/vsv"
mkdir -p "$cache"
cp -n results/vsv-cache/*.csv "$cache"/
mkdir -p results/phantoms
$bin phantom show adult --groups lesions --png results/phantoms/adult.png > results/phantoms/adult_masses.csv
$bin phantom show mouse --groups tumour --png results/phantoms/mouse.png > results/phantoms/mouse_masses.csv
$bin phantom show water-cube --png results/phantoms/water-cube.png > results/phantoms/water-cube_masses.csv
$bin phantom show water-sphere --png results/phantoms/water-sphere.png > results/phantoms/water-sphere_masses.csv
$bin study studies/quickstart.toml
$bin study studies/lu177-psma.toml
$bin study studies/ac225-psma.toml
$bin study studies/patient-example.toml
# sweep studies (nuclide x lesion size: about 11 min on 2 cores; mouse vs adult: about 5 min)
$bin study studies/sweep-mouse-adult.toml
$bin study studies/sweep-nuclide-size.toml
# BNCT studies on 2 threads (the issue's timing setting: summary.json records seconds_to_2pct)
$bin study studies/bnct-head.toml --threads 2
$bin study studies/bnct-mouse.toml --threads 2
