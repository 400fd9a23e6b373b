#!/usr/bin/env python3
"""Converts the region dosimetry of an EGSnrc broad-beam slab run (tests/reference/
egsnrc_1mev_broadbeam.egsinp: z planes 0, 0.02, ..., 0.56, 3 cm of water) into the depth-dose CSV
tests/reference/egsnrc_1mev_broadbeam.csv.

Per slab i of thickness dz (cm) and density rho, EGSnrc's Edep_i (MeV per incident electron of a
laterally infinite geometry) is the broad-beam dose per unit fluence: D/Phi = Edep_i / (rho dz)
in MeV cm2/g.

With --photon it converts tests/reference/egsnrc_1p25mev_photon_beam.egsinp instead (an XYZ
geometry of 3 x 3 columns, the central one 2.4 x 2.4 cm, z planes every 0.4 cm; a 4 x 4 cm field,
so EGSnrc prints Edep per fluence in MeV cm2, the fluence taken as N / (2 a b), both faces of its
zero-thickness box shape, which is rescaled to N / (a b)): D/Phi = Edep / (rho V) of the central
column's regions 4 + 9 iz.

Usage: scripts/egs_broadbeam_csv.py EGSLOG [EGSINP] > tests/reference/egsnrc_1mev_broadbeam.csv
       scripts/egs_broadbeam_csv.py --photon EGSLOG > tests/reference/egsnrc_1p25mev_photon_beam.csv
"""

import re
import sys

MEV_G_TO_GY = 1.602176634e-10  # 1 MeV/g = 1.602176634e-13 J / 1e-3 kg


def rows_of(log: str) -> list:
    block = log.split("Summary of region dosimetry")[1]
    return re.findall(
        r"^\s*(\d+)\s+water\s+([\d.]+)\s+[\d.]+\s+([\d.eE+-]+)\s+\+/-\s+([\d.]+)\s*%",
        block, re.M)


def photon(log_path: str) -> None:
    log = open(log_path).read()
    inp_path = "tests/reference/egsnrc_1p25mev_photon_beam.egsinp"
    inp = open(inp_path).read()
    z = [float(x) for x in re.search(r"z-planes\s*=\s*(.*)", inp).group(1).split()]
    x = [float(v) for v in re.search(r"x-planes\s*=\s*(.*)", inp).group(1).split()]
    ncase = re.search(r"ncase\s*=\s*(\d+)", inp).group(1)
    by_region = {int(r[0]): r for r in rows_of(log)}
    side = x[2] - x[1]
    # egs_dose_scoring divides by its fluence, N / (the box shape's area), and a box of zero
    # thickness reports both faces (2 a b): rescale to the field's fluence N / (a b)
    m = re.search(r"last case = (\d+) fluence = ([\d.eE+-]+)", log)
    a, b = (float(v) for v in re.search(r"box size\s*=\s*(.*)", inp).group(1).split()[:2])
    per_true_fluence = float(m.group(2)) / (float(m.group(1)) / (a * b))
    print("# EGSnrc (commit 9edee3ebfda3d81d0e8eb033a7e76bf9a70e41ef, egs_app, spin effects off) "
          "1.25 MeV photon beam,")
    print("# 4 x 4 cm field, on an 8 x 8 x 10 cm water block; AE 0.521, ECUT 0.561, AP = PCUT "
          f"0.01 MeV; input {inp_path},")
    print(f"# {ncase} histories; made by scripts/egs_broadbeam_csv.py --photon. Dose per fluence "
          f"of the central {side:g} x {side:g} cm column")
    print("# per 4 mm of depth (Edep per fluence / (rho V), the fluence of the 4 x 4 cm field: "
          "EGSnrc's own")
    print(f"# per-fluence values x {per_true_fluence:g}, as its box shape's area counts both faces); "
          "rel_uncertainty 1 sigma")
    print("depth_lo_cm,depth_hi_cm,dose_per_fluence_gy_cm2,dose_relative_to_max,rel_uncertainty")
    out = []
    for iz in range(len(z) - 1):
        _, rho, edep, unc = by_region[4 + 9 * iz]
        mass = float(rho) * side * side * (z[iz + 1] - z[iz])
        d = float(edep) * per_true_fluence / mass * MEV_G_TO_GY
        out.append((z[iz], z[iz + 1], d, float(unc) / 100.0))
    dmax = max(o[2] for o in out)
    for lo, hi, d, u in out:
        print(f"{lo:.2f},{hi:.2f},{d:.5e},{d / dmax:.5f},{u:.5f}")


def main() -> None:
    if sys.argv[1] == "--photon":
        photon(sys.argv[2])
        return
    log = open(sys.argv[1]).read()
    inp = open(sys.argv[2] if len(sys.argv) > 2 else
               "tests/reference/egsnrc_1mev_broadbeam.egsinp").read()
    planes = [float(x) for x in re.search(r"positions\s*=\s*(.*)", inp).group(1).split()]
    rows = rows_of(log)
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
