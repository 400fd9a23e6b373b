#!/usr/bin/env python3
"""Generate theradose's ICRP-107 decay tables (data/decay/icrp107/<Nuclide>.txt) and the
reference totals tests/reference/icrp107_totals.csv.

Usage:
    pip install icrp107-database==0.0.3 decaychain==0.7.1
    python3 scripts/gen_icrp107.py [JSON_DIR NDX_FILE]

JSON_DIR defaults to the icrp107/ folder of the installed `icrp107_database` package, NDX_FILE to
data/ICRP-07.NDX of the installed `decaychain` package. Python 3.11 stdlib only. The generated
files are committed: nothing at run time reads site-packages.

Sources
- ICRP Publication 107, "Nuclear Decay Data for Dosimetric Calculations", K.F. Eckerman and
  A. Endo, Ann. ICRP 38(3) (2008). Data Copyright (c) 2008 A. Endo and K.F. Eckerman; the ICRP-07
  collection may be used and redistributed for educational, research and not-for-profit purposes
  (terms of the ICRP-07 files). The notice is written into every generated file.
- Emissions and half-lives: PyPI `icrp107-database` 0.0.3 (OpenGATE collaboration, LGPL-3.0), one
  JSON per nuclide (the ICRP-07.RAD records): `half_life` + `time_unit`, and `emissions` with
  lists of [energy MeV, yield per decay] for "alpha", "alpha recoil", "beta-" and "beta+" (per
  branch: [MEAN energy MeV, intensity]), "gamma", "X", "IE" (internal conversion electrons),
  "auger", "annihilation", "neutron", "fission", "betaD" (delayed betas of fission products),
  and "b-spectra" (ICRP-07.BET: the summed beta- spectrum, N(E) per MeV per decay).
- Decay modes, daughters and branching fractions: ICRP-07.NDX shipped in PyPI `decaychain` 0.7.1;
  fixed-width records, format (from its header)
  (a7,a8,a2,a8,3i7,i6,1x,3(a7,i6,e11.0,1x),a7,i6,e11.0,f7.0,2f8.0,3i4,i5,i4,e11.0,e10.0,e9.0):
  name, half-life, unit, modes, 4 record pointers, then 4 x (daughter, pointer, branching), then
  the energies per decay (MeV) of alpha (+ recoil), electrons (beta-, beta+, IE, Auger) and photons
  (gamma, X, annihilation), and record counts.

What is written (format of data/decay/*.txt, read by src/source/nuclide.rs, with these sections):
- header keys `nuclide`, `z`, `a`, `half_life_s`, `data icrp107`;
- [modes]: mode, daughter, branching, q_mev. The mode follows from the daughter's (Z, A): same
  nuclide -> "it", Z+1 -> "beta-", Z-1 -> "ec/beta+", (Z-2, A-4) -> "alpha"; SF -> "sf" with
  daughter "SF". q_mev is 0: ICRP-07 gives no Q values;
- [beta_minus_mean] and [beta_plus_mean]: one line per branch, `mean_mev intensity transition`.
  ICRP-107 gives only the mean energy of each branch; theradose solves the endpoint at load time
  so that its Fermi-theory spectrum (src/source/beta.rs) has this mean (see nuclide.rs). The
  transition is "allowed" unless the same branch of the ENDF/B-VIII.1 table in data/decay/ (same
  nuclide, matched by rank of energy when both list the same number of branches, else by the
  nearest intensity within a factor 1.5) is unique forbidden: only unique transitions change
  the shape (non-unique forbidden ones take the allowed shape, as in ICRP-107). The ENSDF
  spin-parity list UNIQUE of gen_decay_tables.py is applied too (within 2 keV of the ENDF
  endpoint): it flags Sr-89's main branch, which the ENDF table misses;
- [alpha]: energy, intensity, recoil energy of the same line (ICRP's "alpha recoil" list, one
  entry per alpha line, same yields);
- [gamma], [xray], [conversion] (IE), [auger]: energy_mev intensity. theradose emits every
  line, none are dropped;
- [annihilation]: listed for reference only; theradose creates these photons when the positron
  annihilates;
- [neutron], [fission], [beta_delayed]: spontaneous fission emissions (28 nuclides), listed for
  reference only: theradose does not transport them.
Numbers are written as ICRP gives them (no rounding). Half-lives: 1 y = 365.25 d (ICRP-107
Table 1 unit; the JSON gives the value and unit of ICRP-07.RAD).

tests/reference/icrp107_totals.csv holds, per nuclide, sum(E * yield) of every emission list of
the JSON (MeV per decay), straight from the JSON, with ICRP-07.NDX's own three totals beside them
and the highest energy of ICRP's summed beta- spectrum (b-spectra; the largest beta- endpoint).
tests/reference/icrp107_beta_spectra.csv holds ICRP-07.BET's summed beta- spectra of the 20
beta emitters of BET_NUCLIDES.
"""

import glob
import importlib.util
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_decay_tables import SYMBOLS  # noqa: E402  (chemical symbols by Z)
from gen_decay_tables import UNIQUE as UNIQUE_ENDF  # noqa: E402  (ENSDF unique-forbidden branches)

# Unique-forbidden branches besides gen_decay_tables.py's list, (nuclide, ENDF endpoint keV) ->
# order, from ENSDF spin-parities: Ho-166 0- -> Er-166 2+ (80.6 keV level), 1774 keV branch,
# 48.7%: first forbidden unique (dJ = 2, parity change). Found by the comparison with ICRP-07.BET
# (tests/decay_icrp107_data.rs): with the allowed shape the summed Ho-166 spectrum was 20% off.
UNIQUE = {**UNIQUE_ENDF, ("Ho-166", 1774): 1}

# Shapes chosen from ICRP-07.BET for nuclides without an ENDF table (issue 18): the unique order
# of the most energetic branch, (nuclide, "-" | "+", mean_mev as written) -> order, from
# scripts/icrp107_shapes.csv (examples/icrp107_shapes.rs). ICRP-107 computed its spectra with
# shape factors; theradose has the allowed and the unique-forbidden shapes, so the order whose
# solved endpoint matches the end of ICRP's summed spectrum is taken (K-40's 3rd, Sr-90's 1st,
# Be-10's and Mn-54's 2nd unique come out as their spin-parities say; for non-unique forbidden
# branches such as Tc-99 and Cl-36 it is an effective shape). Order 0 rows are mismatches that no
# order fixes (As-71, Ca-45, Ge-66, N-16): they keep the allowed shape.
def read_shapes():
    out = {}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "icrp107_shapes.csv")) as f:
        for line in f:
            if line.startswith("#") or line.startswith("nuclide,"):
                continue
            name, sign, mean, order = line.strip().split(",")[:4]
            out[(name, sign, float(mean))] = int(order)
    return out


ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}

UNIT_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0,
          "y": 365.25 * 86400.0}
NOTICE = [
    "# source: ICRP Publication 107, Nuclear Decay Data for Dosimetric Calculations (K.F. Eckerman and A. Endo, Ann. ICRP 38(3), 2008)",
    "# ICRP-07 notice: data Copyright (c) 2008 A. Endo and K.F. Eckerman. The ICRP-07 collection may be used and redistributed for educational, research and not-for-profit purposes.",
]
# beta- emitters whose ICRP-07.BET spectrum is copied to tests/reference/icrp107_beta_spectra.csv
BET_NUCLIDES = ["Lu-177", "Y-90", "I-131", "Tb-161", "Sm-153", "Ho-166", "Re-188", "Re-186", "P-32",
                "Sr-89", "Cu-67", "Sc-47", "Er-169", "Pb-212", "Bi-212", "Bi-213", "Tl-208", "Cs-137",
                "Cu-64", "Lu-177m",
                # shapes chosen from ICRP-07.BET (scripts/icrp107_shapes.csv), checked the same way
                "Sr-90", "K-40", "Tc-99", "Cl-36", "Be-10", "Kr-85", "Sc-46", "Rb-87", "Co-60", "Ca-45"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def split_name(name):
    """'Tc-99m' -> (43, 99, 'm')."""
    sym, rest = name.split("-")
    digits = "".join(c for c in rest if c.isdigit())
    return SYMBOLS.index(sym), int(digits), rest[len(digits):]


def parse_ndx(path):
    """name -> (modes string, [(daughter, branching)], (E_alpha, E_electron, E_photon))."""
    out = {}
    with open(path, encoding="latin-1") as f:
        lines = f.read().splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        name = line[0:7].strip()
        modes = line[17:25].strip()
        daughters = []
        pos = 53
        for k in range(4):
            d = line[pos:pos + 7].strip()
            br = float(line[pos + 13:pos + 24])
            if d and br > 0.0:
                daughters.append((d, br))
            pos += 25 if k < 3 else 24
        energies = (float(line[pos:pos + 7]), float(line[pos + 7:pos + 15]),
                    float(line[pos + 15:pos + 23]))
        out[name] = (modes, daughters, energies)
    return out


def mode_of(parent, daughter):
    if daughter == "SF":
        return "sf"
    zp, ap, _ = split_name(parent)
    zd, ad, _ = split_name(daughter)
    return {(0, 0): "it", (1, 0): "beta-", (-1, 0): "ec/beta+", (-2, -4): "alpha"}.get(
        (zd - zp, ad - ap), f"dz{zd - zp}da{ad - ap}")


def endf_branches(name, section):
    """[(energy, intensity, transition)] of a section of the ENDF table data/decay/<name>.txt."""
    path = os.path.join(REPO, "data", "decay", f"{name}.txt")
    if not os.path.exists(path):
        return []
    out, cur = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("["):
            cur = line[1:-1]
        elif line and not line.startswith("#") and cur == section:
            f = line.split()
            if section == "beta_minus":
                out.append((float(f[0]), float(f[1]), f[2]))
            elif float(f[2]) > 0.0:  # ec_beta_plus: positron branches only
                out.append((float(f[0]), float(f[2]), f[3]))
    return sorted(out)


def transitions(name, icrp, endf):
    """Transition of each ICRP branch (sorted by mean energy) from the matched ENDF branch."""
    tr = ["allowed"] * len(icrp)
    if not endf:
        return tr
    if len(endf) == len(icrp):
        pairs = list(range(len(icrp)))
    else:
        pairs = []
        for _, inten in icrp:
            best = min(range(len(endf)), key=lambda j: abs(endf[j][1] - inten))
            ok = endf[best][1] > 0 and 1 / 1.5 < inten / endf[best][1] < 1.5
            pairs.append(best if ok else None)
    for i, j in enumerate(pairs):
        if j is not None and endf[j][2].endswith("-unique"):
            tr[i] = endf[j][2]
        elif j is not None and any(n == name and abs(kev - endf[j][0] * 1e3) <= 2.0
                                   for (n, kev) in UNIQUE):
            # gen_decay_tables.py's ENSDF list keys on the rounded endpoint, which misses
            # Sr-89's 1496.9 keV branch (1497 != 1495): take it from the list here
            tr[i] = f"{UNIQUE[(name, next(k for (n, k) in UNIQUE if n == name and abs(k - endf[j][0] * 1e3) <= 2.0))]}st-forbidden-unique"
    return tr


def fmt(x):
    return repr(float(x)) if not isinstance(x, str) else x


SHAPES = read_shapes()


def main():
    if len(sys.argv) == 3:
        json_dir, ndx_path = sys.argv[1], sys.argv[2]
    else:
        json_dir = os.path.join(
            os.path.dirname(importlib.util.find_spec("icrp107_database").origin), "icrp107")
        ndx_path = os.path.join(
            os.path.dirname(importlib.util.find_spec("decaychain").origin), "data", "ICRP-07.NDX")
    ndx = parse_ndx(ndx_path)
    out_dir = os.path.join(REPO, "data", "decay", "icrp107")
    os.makedirs(out_dir, exist_ok=True)
    totals = []
    files = sorted(glob.glob(os.path.join(json_dir, "*.json")))
    for path in files:
        with open(path) as f:
            d = json.load(f)
        if isinstance(d, str):  # the package stores each record as a JSON string
            d = json.loads(d)
        name = d["name"]
        e = d["emissions"]
        z, a, _ = split_name(name)
        half_life_s = float(d["half_life"]) * UNIT_S[d["time_unit"]]
        modes, daughters, ndx_e = ndx[name]
        lines = [
            f"# theradose radionuclide decay data: {name}",
            *NOTICE,
            f"# emissions and half-life: PyPI icrp107-database 0.0.3 (OpenGATE collaboration, LGPL-3.0), file icrp107/{name}.json; "
            f"decay modes, daughters, branching: ICRP-07.NDX (PyPI decaychain 0.7.1), modes '{modes}'",
            "# generated by scripts/gen_icrp107.py: values as ICRP gives them; beta branches as mean energy and intensity "
            "(theradose solves each endpoint so that its Fermi spectrum has this mean); unique-forbidden flags from the "
            "ENDF/B-VIII.1 table of the same nuclide (see the script)",
            "# units: MeV, s; intensities per decay of this nuclide",
            f"nuclide {name}",
            f"z {z}",
            f"a {a}",
            f"half_life_s {half_life_s:.10g}",
            "data icrp107",
            "[modes]",
            "# mode daughter branching q_mev (q_mev 0: ICRP-07 gives no Q values)",
        ]
        for dn, br in daughters:
            lines.append(f"{mode_of(name, dn)} {dn} {br!r} 0")
        for sec, key, endf_sec in (("beta_minus_mean", "beta-", "beta_minus"),
                                   ("beta_plus_mean", "beta+", "ec_beta_plus")):
            icrp = sorted((float(m), float(i)) for m, i in e[key])
            endf = endf_branches(name, endf_sec)
            tr = transitions(name, icrp, endf)
            sign = "-" if key == "beta-" else "+"
            lines += [f"[{sec}]", "# mean_mev intensity transition"]
            for i, (m, _) in enumerate(icrp):
                order = SHAPES.get((name, sign, m), 0)
                if order and not os.path.exists(os.path.join(REPO, "data", "decay", f"{name}.txt")):
                    tr[i] = f"{ORDINAL[order]}-forbidden-unique"
                    lines.append(f"# branch of mean {fmt(m)} MeV: shape chosen from ICRP-07.BET "
                                 "(scripts/icrp107_shapes.csv)")
            lines += [f"{fmt(m)} {fmt(i)} {t}" for (m, i), t in zip(icrp, tr)]
        lines += ["[alpha]", "# energy_mev intensity recoil_mev"]
        rec = e["alpha recoil"]
        assert len(rec) == len(e["alpha"]), name
        for (ea, ia), (er, ir) in zip(e["alpha"], rec):
            assert abs(ia - ir) <= 1e-9 * max(ia, 1e-30), name
            lines.append(f"{fmt(ea)} {fmt(ia)} {fmt(er)}")
        for sec, key, note in (
            ("gamma", "gamma", ""),
            ("xray", "X", ""),
            ("conversion", "IE", " (internal conversion electrons)"),
            ("auger", "auger", " (Auger electrons)"),
            ("annihilation", "annihilation", " (listed by ICRP-107; not sampled: the positron annihilates)"),
            ("neutron", "neutron", " (spontaneous fission; not transported)"),
            ("fission", "fission", " (fission fragments; not transported)"),
            ("beta_delayed", "betaD", " (delayed betas of fission products; not transported)"),
        ):
            lines += [f"[{sec}]", f"# energy_mev intensity{note}"]
            lines += [f"{fmt(en)} {fmt(i)}" for en, i in e[key]]
        with open(os.path.join(out_dir, f"{name}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        s = {k: sum(float(en) * float(i) for en, i in e[k]) for k in
             ("alpha", "alpha recoil", "beta-", "beta+", "gamma", "X", "IE", "auger",
              "annihilation", "neutron", "fission", "betaD")}
        bend = max((float(x[0]) for x in e["b-spectra"]), default=0.0)
        totals.append([name, s["alpha"], s["alpha recoil"], s["beta-"], s["beta+"], s["IE"],
                       s["auger"], s["gamma"], s["X"], s["annihilation"], s["neutron"],
                       s["fission"], s["betaD"], *ndx_e, bend])
    ref = os.path.join(REPO, "tests", "reference", "icrp107_totals.csv")
    with open(ref, "w") as f:
        f.write("# Mean energy per decay (MeV) by radiation type, sum of E x yield of each emission list of ICRP Publication 107 "
                "(Eckerman & Endo 2008) as given by PyPI icrp107-database 0.0.3 (OpenGATE, LGPL-3.0); ndx_*: ICRP-07.NDX's own "
                "totals (PyPI decaychain 0.7.1; alpha incl. recoil, electron = beta- + beta+ + IE + Auger, photon = gamma + X + "
                "annihilation); bspectrum_end_mev: highest energy of ICRP-07.BET's summed beta- spectrum (0 if none). "
                "Generated by scripts/gen_icrp107.py. ICRP-07 data Copyright (c) 2008 A. Endo and K.F. Eckerman "
                "(educational, research and not-for-profit use).\n")
        f.write("nuclide,alpha,recoil,beta_minus,beta_plus,conversion,auger,gamma,xray,annihilation,neutron,fission,"
                "beta_delayed,ndx_alpha,ndx_electron,ndx_photon,bspectrum_end_mev\n")
        for row in totals:
            f.write(",".join([row[0]] + [f"{x:.8g}" for x in row[1:]]) + "\n")
    # ICRP-07.BET summed beta- spectra of the therapy beta emitters, to check the solved endpoints
    # and the Fermi shapes against ICRP-107's own spectra (tests/decay_icrp107_data.rs)
    bet = os.path.join(REPO, "tests", "reference", "icrp107_beta_spectra.csv")
    with open(bet, "w") as f:
        f.write("# Summed beta- spectra N(E) (per MeV per decay) of ICRP Publication 107 (Eckerman & Endo 2008; "
                "ICRP-07.BET) as given by PyPI icrp107-database 0.0.3 (OpenGATE, LGPL-3.0) in the 'b-spectra' list. "
                "Generated by scripts/gen_icrp107.py. ICRP-07 data Copyright (c) 2008 A. Endo and K.F. Eckerman "
                "(educational, research and not-for-profit use).\n")
        f.write("nuclide,energy_mev,n_per_mev_per_decay\n")
        for name in BET_NUCLIDES:
            with open(os.path.join(json_dir, f"{name}.json")) as jf:
                d = json.load(jf)
            if isinstance(d, str):
                d = json.loads(d)
            for en, n in d["emissions"]["b-spectra"]:
                f.write(f"{name},{float(en)!r},{float(n)!r}\n")
    print(f"{len(files)} nuclides -> {out_dir}; totals -> {ref}; spectra -> {bet}")


if __name__ == "__main__":
    main()
