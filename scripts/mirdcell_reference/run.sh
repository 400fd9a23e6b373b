#!/usr/bin/env bash
# Runs MIRDcell V3's own self-dose calculator (jw526/MIRDcellV3, Java) headless through
# MirdcellRef.java and prints the reference CSV of tests/reference/mirdcell_cell_svalues.csv.
#
#   scripts/mirdcell_reference/run.sh MIRDCELL_DIR > tests/reference/mirdcell_cell_svalues.csv
#   scripts/mirdcell_reference/run.sh MIRDCELL_DIR checks     # sanity checks of the driver
#
# MIRDCELL_DIR (argument or environment variable) is a checkout of
# https://github.com/jw526/MIRDcellV3 (work tree holding CellDosimetry/src, "MIRD Datafiles.zip"
# and "MIRD data/MIRD-07.BET") or
# its bare git directory (the needed paths are extracted with git archive). The MIRDcell sources
# (CellDosimetry/src, the commit's own code, not a prebuilt jar) are compiled with javac into a
# scratch directory (MIRDCELL_BUILD, default a new temporary directory). Needs a JDK (17 tested).
set -euo pipefail

DIR=${1:-${MIRDCELL_DIR:-}}
MODE=${2:-csv}
if [ -z "$DIR" ]; then
  echo "usage: $0 MIRDCELL_DIR [csv|checks]  (or set MIRDCELL_DIR)" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${MIRDCELL_BUILD:-$(mktemp -d)}
mkdir -p "$BUILD"

if [ -d "$DIR/CellDosimetry/src" ]; then
  SRC=$DIR
  COMMIT=$(git -C "$DIR" rev-parse HEAD 2>/dev/null || echo unknown)
elif git --git-dir="$DIR" rev-parse --verify HEAD >/dev/null 2>&1; then
  SRC=$BUILD/checkout
  rm -rf "$SRC" && mkdir -p "$SRC"
  COMMIT=$(git --git-dir="$DIR" rev-parse HEAD)
  # only what is needed (the stored mirror lacks some large blobs, e.g. the prebuilt
  # CellDosimetry/dist/CellDosimetry.jar): two source trees and two data files
  for p in CellDosimetry/src CellDosimetry/dist/lib; do
    git --git-dir="$DIR" archive --prefix="$p/" "HEAD:$p" | tar -x -C "$SRC"
  done
  mkdir -p "$SRC/MIRD data"
  for p in "MIRD Datafiles.zip" "MIRD data/MIRD-07.BET"; do
    git --git-dir="$DIR" cat-file blob "HEAD:$p" >"$SRC/$p"
  done
else
  echo "$DIR: neither a MIRDcell checkout nor its git directory" >&2
  exit 2
fi

CP=$(find "$SRC/CellDosimetry/dist/lib" -name '*.jar' | sort | tr '\n' ':')
mkdir -p "$BUILD/classes" "$BUILD/driver"
# the applet's self-dose path; -sourcepath pulls in what it references (the applet included)
javac -nowarn -encoding UTF-8 -d "$BUILD/classes" -cp "$CP" -sourcepath "$SRC/CellDosimetry/src" \
  "$SRC/CellDosimetry/src/SelfDoseCal/SelfDose_2.java" \
  "$SRC/CellDosimetry/src/File/ArrayListIn3.java" 2>"$BUILD/javac.log" || {
  cat "$BUILD/javac.log" >&2
  exit 1
}
javac -nowarn -d "$BUILD/driver" -cp "$BUILD/classes:$CP" "$HERE/MirdcellRef.java"

run() {
  java -Djava.awt.headless=true -cp "$BUILD/driver:$BUILD/classes:$CP" MirdcellRef \
    "$SRC" "$1"
}

if [ "$MODE" = checks ]; then
  run checks
  exit 0
fi

cat <<EOF
# Cellular S values (Gy/(Bq s)) computed by MIRDcell V3 (Vaziri B, Wu H, Dhawan AP, Du P,
# Howell RW, "MIRD Pamphlet No. 25: MIRDcell V2.0 software tool for dosimetric analysis of
# biologic response of multicellular populations", J Nucl Med 55:1557-1564, 2014; Howell group,
# Rutgers NJMS), source repository https://github.com/jw526/MIRDcellV3
# commit ${COMMIT}
# ("fixed self dose n->n svalue, MDC now matches v2"), compiled from CellDosimetry/src and run
# here on $(date -u +%Y-%m-%d) with scripts/mirdcell_reference (MirdcellRef.java calls the
# applet's own SelfDose_2.calcSelfDose exactly as CellApplet does for one cell; no method code
# is ours). Self-dose method: Goddu et al., MIRD Cellular S Values (SNM 1997); CSDA straight
# tracks, Cole's electron range-energy relation as E(R) = 5.9 (R+0.007)^0.565 + 0.00413 R^1.33
# - 0.367 (keV, um) with its derivative as dE/dR, ICRU 49 alpha stopping in water
# (MIRDcell's table "alph-water2" = Energy.coefAlpha), liquid water everywhere.
# Not counted by MIRDcell: gamma and X rays, annihilation photons, alpha recoils (ICODE 9),
# neutrons, fission fragments; no daughters (At-211 alone, without Po-211: MIRDcell offers
# "At-211+daughters" separately; theradose's default is no chain). Values are MIRDcell's
# double-precision totals (the GUI prints the same numbers rounded to 3 significant figures).
# mirdcell_data, the radiation data MIRDcell was given:
#   beta_average: the applet's "beta Average Energy Spectrum" option = MIRD RADTABS
#     (Eckerman KF, Endo A, MIRD: Radionuclide Data and Decay Schemes, 2nd ed., SNM 2008; the
#     same evaluation as ICRP Publication 107), server files "MIRD Datafiles/beta average/*.RAD"
#     of "MIRD Datafiles.zip" (their records are those of "MIRD data/MIRD-07.RAD"); each beta
#     branch is one line at its mean energy.
#   beta_full: the applet's "beta Full Energy Spectrum" option = MIRD: Radionuclide Data and
#     Decay Schemes, 1st ed. (SNM 1989), log-binned beta spectra ("MIRD Datafiles/beta
#     full/*.dat"); read record by record (the applet's reader ArrayListIn3.readOTHERdata stores
#     one shared array, so in the applet every record is a copy of the last one).
#   user_bet07 (F-18 only): the applet's "user created decay scheme" option, filled with the
#     beta_average records with the beta line replaced by the Eckerman & Endo 2008 spectrum
#     ("MIRD data/MIRD-07.BET", one line per tabulation interval).
#   monoenergetic (nuclide e-<E>keV): one electron of E per decay (the applet's "Electron"
#     option).
# Columns: target and source named as theradose names them (cell, nucleus, cytoplasm,
# cell_surface). Regenerate: scripts/mirdcell_reference/run.sh <MIRDcell checkout or git dir>
# > tests/reference/mirdcell_cell_svalues.csv (checks: run.sh <dir> checks).
EOF
run csv
