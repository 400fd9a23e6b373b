#!/usr/bin/env python3
"""Cross-checks theradose's RT Dose with dicompyler-core (an independent DICOM RT reader):
the D50 of each ROI from dicompyler-core's DVH of dose.dcm with the RTSTRUCT must agree with
theradose's regions.csv within 2 %.

    pip install dicompyler-core numpy   (tested with dicompyler-core 0.5.6)
    cargo build --release && python3 scripts/check_rtdose_dicompyler.py

Case: the pydicom-written CT tests/data/dicom/ct_rt (48 x 48 x 45 voxels of 2 mm, water) with
tests/data/dicom/rtstruct.dcm (a sphere and a ring with a hole), a Lu-177 TIA map rising along z, x and y
(1e9 + 6e8 k + 2e8 i + 1e8 j Bq s in voxel (i, j, k), written as MetaImage in the CT's LPS
frame; distinct dose levels, so that no ROI's median falls on a step between two voxels),
local deposition, `--dicom`. Prints one line per ROI and exits 1 when any D50 differs by more than 2 %.
"""
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
from dicompylercore import dvhcalc

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "tests", "data", "dicom")
EXE = os.path.join(ROOT, "target", "release", "theradose")


def write_tia(path):
    nx, ny, nz = 48, 48, 45
    k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    tia = (1e9 + 6e8 * k + 2e8 * i + 1e8 * j).astype("<f4")
    tia.tofile(path + ".raw")
    with open(path, "w") as f:
        f.write(
            "ObjectType = Image\nNDims = 3\nDimSize = 48 48 45\nElementSpacing = 2 2 2\n"
            "Offset = -47 -47 -49\nTransformMatrix = 1 0 0 0 1 0 0 0 1\n"
            "ElementType = MET_FLOAT\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
            f"ElementDataFile = {os.path.basename(path)}.raw\n"
        )


def main():
    out = tempfile.mkdtemp(prefix="theradose-dicompyler-")
    tia = os.path.join(out, "tia.mhd")
    write_tia(tia)
    dose_dir = os.path.join(out, "dose")
    subprocess.run(
        [EXE, "dose", "--method", "ldm", "--phantom", os.path.join(DATA, "ct_rt"),
         "--labels", os.path.join(DATA, "rtstruct.dcm"), "--tia", tia, "--nuclide", "Lu-177",
         "--dicom", "--out", dose_dir],
        check=True,
    )
    with open(os.path.join(dose_dir, "regions.csv")) as f:
        ours = {r["region"]: float(r["d50_gy"]) for r in csv.DictReader(f)}
    worst = 0.0
    for number, name in [(1, "Sphere"), (2, "Ring")]:
        dvh = dvhcalc.get_dvh(os.path.join(DATA, "rtstruct.dcm"),
                              os.path.join(dose_dir, "dose.dcm"), number)
        d50 = dvh.statistic("D50").value
        diff = d50 / ours[name] - 1.0
        worst = max(worst, abs(diff))
        print(f"{name}: D50 dicompyler-core {d50:.3f} Gy, theradose {ours[name]:.3f} Gy, "
              f"{100 * diff:+.2f} %; volume {dvh.volume:.3f} cm3")
    sys.exit(0 if worst <= 0.02 else 1)


if __name__ == "__main__":
    main()
