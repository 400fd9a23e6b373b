#!/usr/bin/env python3
"""Converts the region dosimetry of an EGSnrc broad-beam slab run (tests/reference/
egsnrc_1mev_broadbeam.egsinp: z planes 0, 0.02, ..., 0.56, 3 cm of water) into the depth-dose CSV
tests/reference/egsnrc_1mev_broadbeam.csv.

Per slab i of thickness dz (cm) and density rho, EGSnrc's Edep_i (MeV per incident electron of a
laterally infinite geometry) is the broad-beam dose per unit fluence: D/Phi = Edep_i / (rho dz)
in MeV cm2/g.

Usage: scripts/egs_broadbeam_csv.py EGSLOG [EGSINP] > tests/reference/egsnrc_1mev_broadbeam.csv
"""

import re
import sys

MEV_G_TO_GY = 1.602176634e-10  # 1 MeV/g = 1.602176634e-13 J / 1e-3 kg


def main() -> None:
    log = open(sys.argv[1]).read()
    inp = open(sys.argv[2] if len(sys.argv) > 2 else
               "tests/reference/egsnrc_1mev_broadbeam.egsinp").read()
    planes = [float(x) for x in re.search(r"positions\s*=\s*(.*)", inp).group(1).split()]
    block = log.split("Summary of region dosimetry")[1]
    rows = re.findall(r"^\s*(\d+)\s+water\s+([\d.]+)\s+[\d.]+\s+([\d.eE+-]+)\s+\+/-\s+([\d.]+)\s*%",
                      block, re.M)
    ncase = re.search(r"ncase\s*=\s*(\d+)", inp).group(1)
    commit = "9edee3ebfda3d81d0e8eb033a7e76bf9a70e41ef"
    print(f"# EGSnrc (commit {commit}, egs_app, spin effects off) broad parallel beam of 1 MeV")
    print("# electrons normally incident on water, 10 keV cut-offs (AE = ECUT = 0.521 MeV,")
    print("# AP = PCUT = 0.01 MeV); input tests/reference/egsnrc_1mev_broadbeam.egsinp, "
          f"{ncase} histories;")
    print("# made by scripts/egs_broadbeam_csv.py from the run's .egslog. dose_per_fluence = "
          "Edep / (rho dz)")
    print("# (laterally infinite slabs: the central-axis dose of a broad beam of unit fluence); "
          "rel_uncertainty 1 sigma")
    print("depth_lo_cm,depth_hi_cm,edep_mev_per_electron,dose_per_fluence_gy_cm2,"
          "dose_relative_to_max,rel_uncertainty")
    slabs = []
    for ir, rho, edep, unc in rows:
        i = int(ir)
        lo, hi = planes[i], planes[i + 1]
        if hi - lo > 0.05:  # the backscatter slab beyond the range
            continue
        d = float(edep) / (float(rho) * (hi - lo)) * MEV_G_TO_GY
        slabs.append((lo, hi, float(edep), d, float(unc) / 100.0))
    dmax = max(s[3] for s in slabs)
    for lo, hi, e, d, u in slabs:
        print(f"{lo:.2f},{hi:.2f},{e:.5e},{d:.5e},{d / dmax:.5f},{u:.5f}")


if __name__ == "__main__":
    main()
