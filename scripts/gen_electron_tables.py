#!/usr/bin/env python3
"""Generate theradose electron radiative (bremsstrahlung) tables data/electron/Z###_Sym.txt from
the EEDL-based electro-atomic sublibrary of ENDF/B-VIII.1.

Usage:
    python3 scripts/gen_electron_tables.py [ENDF_ELECTRON_DIR] [OUT_DIR]

ENDF_ELECTRON_DIR defaults to ../shared/data/endf-b-viii.1/electrons (relative to the repository
root) and must hold e-ZZZ_Sym_000.endf; OUT_DIR defaults to data/electron. Python 3 standard
library only. Deterministic: the same input files give byte-identical output.

What is read (ENDF-6 formats manual, BNL-203218-2018-INRE, chapters 23 and 26):
  MF23 MT527  bremsstrahlung cross section sigma_b(E) (barn/atom; E in eV), TAB1, lin-lin.
  MF26 MT527  subsection ZAP=0 (photon), LAW=1: normalised photon spectra p(k; E) (1/eV) at a few
              incident energies E, lin-lin in k, for photon energies k from 0.1 eV up to E;
              subsection ZAP=11 (electron), LAW=8: the electron's average energy loss per
              bremsstrahlung event ET(E) (eV), TAB1, lin-lin.

What is written, per element:
  [radiative]  energy_mev  sigma_brems_b  mean_loss_mev
      on the union of the MF23 and LAW=8 energy grids between 100 eV and 100 MeV (each interpolated
      lin-lin as its TAB1 says). The radiative stopping power of the atom is
      S_rad(E) = sigma_brems(E) * ET(E) (MeV cm2 per atom after the barn conversion), i.e.
      N_A / A * sigma_b * ET per gram.
  [spectra]    energy_mev  then F(kappa_j), j = 1..NK, on the fixed grid KAPPA below:
      F(kappa) = int_0^{kappa E} k p(k) dk / int_0^E k p(k) dk, the fraction of the radiative
      energy loss carried by photons with k < kappa E (0 at kappa=0, 1 at kappa=1). With it the
      restricted radiative stopping power below a photon cut k_c is S_rad(E) F(k_c / E).
      (EEDL gives these spectra at only a few incident energies; the code interpolates F linearly
      in ln E between them, which is adequate because the scaled spectrum k p(k) varies slowly.)
      The integrals are done piecewise-exactly for the lin-lin tabulated p(k).
  A consistency line in the header: the ratio of int_0^E k p(k) dk to ET(E) at each spectrum
  energy (EEDL states both; they should agree).

Atomic weights: IUPAC 2013 (Meija et al., Pure Appl. Chem. 88 (2016) 265, Table 3), the values
used by scripts/gen_photon_tables.py, so both tables share one A per element.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from endf import endf_float, endf_int, read_sections  # noqa: E402  (shared ENDF-6 helpers)

ATOMIC_WEIGHT = {
    1: 1.008, 2: 4.002602, 3: 6.94, 4: 9.0121831, 5: 10.81, 6: 12.011, 7: 14.007, 8: 15.999,
    9: 18.998403163, 10: 20.1797, 11: 22.98976928, 12: 24.305, 13: 26.9815385, 14: 28.085,
    15: 30.973761998, 16: 32.06, 17: 35.45, 18: 39.948, 19: 39.0983, 20: 40.078, 21: 44.955908,
    22: 47.867, 23: 50.9415, 24: 51.9961, 25: 54.938044, 26: 55.845, 27: 58.933194, 28: 58.6934,
    29: 63.546, 30: 65.38, 53: 126.90447, 56: 137.327, 64: 157.25, 71: 174.9668, 74: 183.84,
    79: 196.966569, 82: 207.2,
}
E_LO_EV = 100.0
E_HI_EV = 1.0e8
# kappa = k/E grid of the cumulative energy-weighted spectrum: 0, 1e-5 .. 1 (log-spaced, 8 per
# decade), then 1.
KAPPA = [0.0] + [10.0 ** (-5.0 + j / 8.0) for j in range(0, 40)] + [1.0]








class Reader:
    def __init__(self, lines):
        self.lines, self.pos = lines, 0

    def cont(self):
        ln = self.lines[self.pos]
        self.pos += 1
        return (endf_float(ln[0:11]), endf_float(ln[11:22]), endf_int(ln[22:33]),
                endf_int(ln[33:44]), endf_int(ln[44:55]), endf_int(ln[55:66]))

    def numbers(self, n, conv=endf_float):
        out = []
        while len(out) < n:
            ln = self.lines[self.pos]
            self.pos += 1
            for k in range(6):
                if len(out) < n:
                    out.append(conv(ln[11 * k:11 * k + 11]))
        return out

    def tab1(self):
        head = self.cont()
        nr, npts = head[4], head[5]
        interp = self.numbers(2 * nr, endf_int)
        if any(law != 2 for law in interp[1::2]):
            raise ValueError(f"TAB1 with interpolation laws {interp[1::2]}, expected lin-lin (2)")
        xy = self.numbers(2 * npts)
        return head, xy[0::2], xy[1::2]


def lin(xs, ys, x):
    """Lin-lin interpolation, 0 outside the table."""
    if x < xs[0] or x > xs[-1]:
        return 0.0
    lo, hi = 0, len(xs) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xs[mid] <= x:
            lo = mid
        else:
            hi = mid
    if xs[hi] == xs[lo]:
        return ys[hi]
    t = (x - xs[lo]) / (xs[hi] - xs[lo])
    return ys[lo] + t * (ys[hi] - ys[lo])


def first_moment_cumulative(ks, ps):
    """Cumulative int_0^{k_i} k p(k) dk at each node, exact for p lin-lin (p = 0 below ks[0])."""
    out = [0.0]
    for i in range(1, len(ks)):
        a, b = ks[i - 1], ks[i]
        pa, pb = ps[i - 1], ps[i]
        h = b - a
        # int_a^b k (pa + (pb - pa)(k - a)/h) dk
        seg = (pa * (b * b - a * a) / 2.0
               + (pb - pa) / h * ((b ** 3 - a ** 3) / 3.0 - a * (b * b - a * a) / 2.0)) if h > 0 else 0.0
        out.append(out[-1] + seg)
    return out


def parse_mf26_527(lines):
    r = Reader(lines)
    za, awr, _, _, nk, _ = r.cont()
    photon = None
    loss = None
    for _ in range(nk):
        (zap, _awp, _, law, _, _), _ey, _yy = r.tab1()
        if law == 1:
            _c1, _c2, _lang, lep, nr, ne = r.cont()
            if lep != 2:
                raise ValueError(f"photon spectra LEP={lep}, expected 2 (lin-lin)")
            r.numbers(2 * nr, endf_int)
            spectra = []
            for _ in range(ne):
                _c, e_in, nd, na, nw, nep = r.cont()
                vals = r.numbers(nw)
                ks = vals[0::2 + na]
                ps = vals[1::2 + na]
                spectra.append((e_in, ks, ps))
            photon = (int(zap), spectra)
        elif law == 8:
            # LAW=8 is just the TAB1 ET(E) of energy transfer, read as the next TAB1
            _head, xs, ys = r.tab1()
            loss = (int(zap), xs, ys)
        else:
            raise ValueError(f"unexpected LAW={law} in MF26 MT527")
    return photon, loss


def generate(path, z, sym):
    secs = read_sections(path)
    r23 = Reader(secs[(23, 527)])
    r23.cont()  # HEAD: ZA, AWR
    _h, e_sig, sig = r23.tab1()
    photon, loss = parse_mf26_527(secs[(26, 527)])
    if photon is None or loss is None:
        raise ValueError(f"{path}: MF26 MT527 lacks the photon spectra or the electron energy loss")
    _zl, e_et, et = loss
    grid = sorted({e for e in e_sig + e_et if E_LO_EV <= e <= E_HI_EV} | {E_LO_EV, E_HI_EV})
    rows = []
    for e in grid:
        rows.append((e * 1e-6, lin(e_sig, sig, e), lin(e_et, et, e) * 1e-6))
    spec_rows = []
    checks = []
    for e_in, ks, ps in photon[1]:
        if e_in < E_LO_EV / 10 or e_in > E_HI_EV * 10:
            continue
        cum = first_moment_cumulative(ks, ps)
        total = cum[-1]
        fr = []
        for kap in KAPPA:
            kk = kap * e_in
            if kk <= ks[0]:
                fr.append(0.0)
            elif kk >= ks[-1]:
                fr.append(1.0)
            else:
                # partial integral up to kk
                i = max(j for j in range(len(ks)) if ks[j] <= kk)
                part = first_moment_cumulative([ks[i], kk], [ps[i], lin(ks, ps, kk)])[-1]
                fr.append((cum[i] + part) / total)
        spec_rows.append((e_in * 1e-6, fr))
        checks.append((e_in, total / lin(e_et, et, e_in) if lin(e_et, et, e_in) > 0 else float("nan")))
    return rows, spec_rows, checks, os.path.basename(path)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data",
                                                             "endf-b-viii.1", "electrons")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "data", "electron")
    os.makedirs(out, exist_ok=True)
    for fn in sorted(os.listdir(src)):
        if not (fn.startswith("e-") and fn.endswith(".endf")):
            continue
        parts = fn[2:-5].split("_")
        z, sym = int(parts[0]), parts[1]
        rows, spec_rows, checks, base = generate(os.path.join(src, fn), z, sym)
        lines = [
            f"# theradose electron radiative table: Z = {z} ({sym})",
            f"# source: ENDF/B-VIII.1 electro-atomic sublibrary (EEDL, D.E. Cullen, NDS-IAEA-226), {base}",
            "#   MF23 MT527 bremsstrahlung cross section; MF26 MT527 LAW=8 electron average energy loss;",
            "#   MF26 MT527 LAW=1 photon energy spectra (EEDL bremsstrahlung is based on Seltzer & Berger,",
            "#   At. Data Nucl. Data Tables 35 (1986) 345; see Perkins, Cullen & Seltzer, UCRL-50400 Vol. 31)",
            "# generated by scripts/gen_electron_tables.py (lin-lin interpolation as the TAB1 records state)",
            "# S_rad per atom = sigma_brems * mean_loss; [spectra] F(kappa) = energy fraction below k = kappa E",
            "# check int k p(k) dk / ET at the spectrum energies (eV: ratio): "
            + " ".join(f"{e:.4g}:{c:.4f}" for e, c in checks),
            f"Z {z}",
            f"symbol {sym}",
            f"atomic_weight {ATOMIC_WEIGHT[z]}",
            "[radiative]",
            "# energy_mev sigma_brems_b mean_loss_mev",
        ]
        lines += [f"{e:.6e} {s:.6e} {l:.6e}" for e, s, l in rows]
        lines.append("[spectra]")
        lines.append("kappa " + " ".join(f"{k:.6e}" for k in KAPPA))
        lines.append("# energy_mev F(kappa_1) ... F(kappa_n)")
        for e, fr in spec_rows:
            lines.append(f"{e:.6e} " + " ".join(f"{f:.6e}" for f in fr))
        with open(os.path.join(out, f"Z{z:03d}_{sym}.txt"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print(f"Z{z:03d}_{sym}: {len(rows)} energies, {len(spec_rows)} spectra, checks "
              + " ".join(f"{c:.3f}" for _, c in checks))


if __name__ == "__main__":
    main()
