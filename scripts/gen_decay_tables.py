#!/usr/bin/env python3
"""Generate theradose radionuclide decay tables (data/decay/Lu-177.txt, ...) from ENDF/B-VIII.1.

Usage:
    python3 scripts/gen_decay_tables.py [ENDF_DECAY_DIR] [OUT_DIR]

ENDF_DECAY_DIR defaults to ../shared/data/endf-b-viii.1/decay (relative to the repository root),
OUT_DIR to data/decay. Every dec-*.endf file there is converted (the medical nuclides and all
members of the Ac-225, Ra-223, Th-227, Pb-212/Ra-224 and At-211 chains). Python 3.11 stdlib only.

What is read (ENDF-6 formats manual, BNL-203218-2018-INRE, section 8.4, File 8 MT457; the same
layout as OpenMC's openmc/data/decay.py reader):
  HEAD  ZA, AWR, LIS, LISO, NST, NSP
  LIST  T1/2, dT1/2, 0, 0, 2*NC, NC / (E_light, dE, E_em, dE, E_heavy, dE [, 14 more pairs])
  LIST  SPI, PAR, 0, 0, 6*NDK, NDK / (RTYP, RFS, Q, dQ, BR, dBR) per decay mode
  per spectrum (NSP of them):
    LIST  0, STYP, LCON, 0, 6, NER / FD, dFD, ERAV, dERAV, FC, dFC
    per discrete energy: LIST ER, dER, 0, 0, NT, 0 / RTYP, TYPE, RI, dRI, RIS, dRIS [, RICC ...]
  STYP: 0 gamma, 1 beta-, 2 EC/beta+, 4 alpha, 5 neutron, 6 SF, 7 proton, 8 discrete electrons
  (conversion and Auger), 9 X-rays; RTYP mode: 1 beta-, 2 EC/beta+, 3 IT, 4 alpha, 5 n, 6 SF, 7 p.
  Energies in eV; the absolute intensity of a line is RI x FD (per decay).
  For STYP=1, ER is the endpoint energy and TYPE the transition (1 allowed, 2 first-, 3 second-,
  4 third-forbidden). For STYP=2, ER is the decay energy to the level (EC energy; the positron
  endpoint is ER - 2 m_e c^2), RI the total (EC + beta+) and RIS the positron intensity.
  No continuous spectra (LCON != 0) occur in these files; the script stops if one does.

ENDF's TYPE does not mark unique transitions. UNIQUE below lists the beta branches of these
files that are first-forbidden unique (spin change 2 with parity change) from the ENSDF
spin-parity assignments: Y-90 2- -> Zr-90 0+ (ground state, 2279.8 keV; 1760.7 keV level 0+,
519.3 keV branch), Sr-89 5/2+ -> Y-89 1/2- (ground state, 1495 keV), Cs-137 7/2+ -> Ba-137m
11/2- (514 keV). Non-unique forbidden branches are given the allowed shape in theradose (the
xi approximation), as in ICRP-107.

Alpha recoil: E_recoil = E_alpha * m_alpha / m_daughter (momentum balance, non-relativistic),
m_alpha = 4.002602 u (He-4 atomic mass, AME2020), m_daughter = AWR * m_n - m_alpha with
m_n = 1.00866492 u (CODATA 2018) and AWR the parent mass in neutron masses from the ENDF HEAD.

The 511 keV annihilation photons that ENDF lists among the X-rays (STYP=9) are written to their
own section: theradose creates them when a positron annihilates, so they are not decay photons.
"""

import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from endf import endf_float  # noqa: E402  (shared ENDF-6 helpers)

ME_C2_EV = 0.51099895e6  # CODATA 2018
M_ALPHA_U = 4.002602  # He-4 atomic mass, AME2020
M_N_U = 1.00866492  # neutron mass, CODATA 2018

SYMBOLS = (
    "n H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As "
    "Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd "
    "Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am "
    "Cm Bk Cf Es Fm"
).split()

# (nuclide, endpoint keV rounded) -> unique forbiddenness order (see the docstring)
UNIQUE = {("Y-90", 2280): 1, ("Y-90", 519): 1, ("Sr-89", 1495): 1, ("Cs-137", 514): 1}

MODE_NAMES = {1: "beta-", 2: "ec/beta+", 3: "it", 4: "alpha", 5: "n", 6: "sf", 7: "p"}
TRANSITION = {0: "allowed", 1: "allowed", 2: "1st-forbidden", 3: "2nd-forbidden",
              4: "3rd-forbidden", 5: "4th-forbidden"}




def name_of(z, a, state):
    suffix = "" if state == 0 else ("m" if state == 1 else f"m{state}")
    return f"{SYMBOLS[z]}-{a}{suffix}"


def daughter(z, a, rtyp, rfs):
    """Daughter (Z, A, state) of a decay mode; RTYP digits chain, e.g. 1.5 = beta- then n."""
    digits = [int(c) for c in f"{rtyp:.4f}".replace(".", "").rstrip("0")] or [0]
    for d in digits:
        dz, da = {1: (1, 0), 2: (-1, 0), 3: (0, 0), 4: (-2, -4), 5: (0, -1), 7: (-1, -1)}.get(d, (0, 0))
        z, a = z + dz, a + da
    return z, a, int(rfs)


class Records:
    def __init__(self, lines):
        self.rows = [[line[i * 11:(i + 1) * 11] for i in range(6)] for line in lines]
        self.i = 0

    def cont(self):
        r = self.rows[self.i]
        self.i += 1
        return [endf_float(x) for x in r[:2]] + [int(endf_float(x)) for x in r[2:]]

    def list(self):
        head = self.cont()
        npl = head[4]
        n = (npl + 5) // 6
        vals = [endf_float(x) for r in self.rows[self.i:self.i + n] for x in r][:npl]
        self.i += n
        return head, vals


def parse(path):
    with open(path) as f:
        lines = f.readlines()
    desc = lines[5][:66].rstrip()
    mat = lines[1][66:70].strip()
    rec = Records([ln for ln in lines if ln[70:72] == " 8" and ln[72:75] == "457"])
    za, awr, lis, liso, nst, nsp = rec.cont()
    z, a = divmod(int(za), 1000)
    d = {"z": z, "a": a, "awr": awr, "liso": liso, "name": name_of(z, a, liso), "desc": desc,
         "mat": mat, "file": os.path.basename(path), "spectra": {}}
    head, avg = rec.list()
    d["half_life_s"] = head[0]
    d["avg_ev"] = avg[0:6:2]
    head, modes = rec.list()
    d["modes"] = []
    for k in range(head[5]):
        rtyp, rfs, q, _, br, _ = modes[6 * k:6 * k + 6]
        dz, da, ds = daughter(z, a, rtyp, rfs)
        d["modes"].append((rtyp, name_of(dz, da, ds), br, q))
    for _ in range(nsp):
        head, vals = rec.list()
        styp, lcon, ner = int(head[1]), head[2], head[5]
        if lcon != 0:
            sys.exit(f"{path}: continuous spectrum (LCON={lcon}, STYP={styp}) not supported")
        fd = vals[0]
        d.setdefault("erav", []).append((styp, vals[2] * fd))
        lines_ = []
        for _ in range(ner):
            h, v = rec.list()
            lines_.append({"e": h[0], "rtyp": v[0], "type": v[1], "ri": v[2] * fd,
                           "ris": v[4] * fd if len(v) > 4 else 0.0})
        d["spectra"][styp] = lines_
    return d


def write(d, out_dir):
    z, a, name = d["z"], d["a"], d["name"]
    sp = d["spectra"]
    out = [
        f"# theradose radionuclide decay data: {name}",
        "# source: ENDF/B-VIII.1 decay sublibrary (NNDC, Brookhaven National Laboratory, August 2024), "
        f"file {d['file']}, MAT {d['mat']}, MF=8 MT=457",
        f"# evaluation: {d['desc']}",
        "# generated by scripts/gen_decay_tables.py: energies eV -> MeV; line intensities = RI x FD "
        "(per decay); recoil = E_alpha * 4.002602 u / m_daughter; unique-forbidden flags from ENSDF "
        "spin-parity (see the script)",
        "# units: MeV, s; intensities per decay of this nuclide",
        f"nuclide {name}",
        f"z {z}",
        f"a {a}",
        f"isomer {d['liso']}",
        f"awr {d['awr']:.6f}",
        f"half_life_s {d['half_life_s']:.6e}",
        "[modes]",
        "# mode daughter branching q_mev",
    ]
    for rtyp, dname, br, q in d["modes"]:
        mode = MODE_NAMES.get(int(rtyp), "other") if rtyp == int(rtyp) else f"rtyp{rtyp:g}"
        out.append(f"{mode} {dname} {br:.7e} {q / 1e6:.7e}")
    out += ["[beta_minus]", "# endpoint_mev intensity transition"]
    for ln in sp.get(1, []):
        key = (name, round(ln["e"] / 1e3))
        tr = TRANSITION.get(int(ln["type"]), "allowed")
        if key in UNIQUE:
            tr = f"{UNIQUE[key]}st-forbidden-unique"
        out.append(f"{ln['e'] / 1e6:.7e} {ln['ri']:.7e} {tr}")
    out += ["[ec_beta_plus]",
            "# decay_energy_mev total_intensity positron_intensity transition "
            "(positron endpoint = decay energy - 2 m_e c^2)"]
    for ln in sp.get(2, []):
        tr = TRANSITION.get(int(ln["type"]), "allowed")
        out.append(f"{ln['e'] / 1e6:.7e} {ln['ri']:.7e} {ln['ris']:.7e} {tr}")
    m_d = d["awr"] * M_N_U - M_ALPHA_U
    out += ["[alpha]", "# energy_mev intensity recoil_mev"]
    for ln in sp.get(4, []):
        e = ln["e"] / 1e6
        out.append(f"{e:.7e} {ln['ri']:.7e} {e * M_ALPHA_U / m_d:.7e}")
    out += ["[gamma]", "# energy_mev intensity"]
    out += [f"{ln['e'] / 1e6:.7e} {ln['ri']:.7e}" for ln in sp.get(0, []) if ln["ri"] > 0]
    xr = [ln for ln in sp.get(9, []) if ln["ri"] > 0]
    ann = [ln for ln in xr if abs(ln["e"] - ME_C2_EV) < 10.0]
    out += ["[xray]", "# energy_mev intensity"]
    out += [f"{ln['e'] / 1e6:.7e} {ln['ri']:.7e}" for ln in xr if ln not in ann]
    out += ["[annihilation]", "# energy_mev intensity (listed by ENDF; not sampled as decay photons)"]
    out += [f"{ln['e'] / 1e6:.7e} {ln['ri']:.7e}" for ln in ann]
    out += ["[electrons]",
            "# energy_mev intensity (conversion and Auger electrons; ENDF STYP=8 does not separate them)"]
    out += [f"{ln['e'] / 1e6:.7e} {ln['ri']:.7e}" for ln in sp.get(8, []) if ln["ri"] > 0]
    out += ["[endf_average_energies]", "# light_mev electromagnetic_mev heavy_mev (ENDF LIST, for checks)",
            " ".join(f"{e / 1e6:.7e}" for e in d["avg_ev"])]
    out += ["[endf_spectrum_averages]",
            "# styp mean_energy_per_decay_mev (ENDF ERAV x FD per spectrum; STYP 0 gamma, 1 beta-, "
            "2 beta+, 4 alpha, 8 electrons, 9 X-rays incl. annihilation)"]
    out += [f"{styp} {e / 1e6:.7e}" for styp, e in d.get("erav", [])]
    path = os.path.join(out_dir, f"{name}.txt")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data",
                                                             "endf-b-viii.1", "decay")
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "data", "decay")
    os.makedirs(out_dir, exist_ok=True)
    files = sorted(glob.glob(os.path.join(src, "dec-*.endf")))
    if not files:
        sys.exit(f"no dec-*.endf files in {src}")
    for path in files:
        d = parse(path)
        write(d, out_dir)
        print(f"{d['name']:10s} T1/2 = {d['half_life_s']:.5e} s, modes "
              + ", ".join(f"{m[1]} {m[2]:.5g}" for m in d["modes"]))


if __name__ == "__main__":
    main()
