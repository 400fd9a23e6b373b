#!/usr/bin/env python3
"""Generate theradose neutron tables (data/neutron/*.txt) from ENDF/B-VIII.1 incident-neutron files.

Usage: python3 scripts/gen_neutron_tables.py [ENDF_NEUTRON_DIR] [OUT_DIR]
  defaults: ../shared/data/endf-b-viii.1/neutrons  data/neutron

Per nuclide it writes pointwise cross sections (barn) on one energy grid (eV), 1e-5 eV to 20 MeV:
  total (MT1), elastic (MT2), capture (MT102), (n,p) (MT103), (n,alpha) (MT107), the 10B excited
  (n,alpha1) branch (MT801), inelastic (MT4); and the elastic angular distribution (MF4 MT2) as a
  pdf of the centre-of-mass cosine on 33 points at a few energies.

Processing:
  - MF3 sections are interpolated with their own ENDF laws onto the union of their grids and a
    log grid of 40 points per decade (so that log-log sections, e.g. 1/v capture, are resolved
    before the lin-lin thinning).
  - Where MF2 carries resolved resonance parameters (LRP=1), the resonance contribution is
    reconstructed at 0 K and added to the MF3 background: MLBW formalism (LRF=2, and Reich-Moore
    LRF=3 parameters evaluated as MLBW with Gamma = Gamma_n + Gamma_gamma, an approximation), on a
    grid of points at E_r + k Gamma/2 around each resonance plus 24 points per decade. The R-matrix
    limited format (LRF=7, Cl-35) is not reconstructed: over its resolved range the table uses
    a 1/v capture and (n,p) normalised to the Sears (1992) thermal values and a constant elastic
    cross section (documented approximation; the Cl-35 resonances lie above 100 eV).
  - No Doppler broadening (0 K); the thermal motion of the target is sampled in the transport.
  - Below 100 keV the total is the sum of the partials (elastic, capture, (n,p), (n,alpha),
    inelastic): MT1 has its own grid and law, and between its nodes it does not equal that sum.
  - The grid is thinned so that lin-lin interpolation reproduces every column within 0.2%
    (absolute floor 1e-5 b).
  - O-16 is missing from the shared ENDF/B-VIII.1 subset: its elastic cross section and angular
    distribution come from ENDF/B-VIII.0, transcribed into data/neutron/sources/ (build_o16; every
    node below 2.5 MeV, 0.1 MeV samples above), with a 1/v capture (Sears 1992).
  - Other nuclides missing from the subset (K-39, K-41, Ca-40, Fe, Ar) are written as documented
    approximations (constant elastic, 1/v absorption) with their sources.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from endf import endf_float as F, endf_int as I, read_sections  # noqa: E402

E_MIN = 1e-5
E_MAX = 2e7
TOL = 2e-3
FLOOR = 1e-5
# log-spaced energies per decade added to every grid before thinning
N_DEC = 40
# below this energy (eV) the total is the sum of the tabulated partial cross sections
OTHER_MIN_EV = 1e5
N_MU = 33

# (output name, ENDF file) of the nuclides taken from ENDF/B-VIII.1
NUCLIDES = [
    ("H-1", "n-001_H_001.endf"),
    ("B-10", "n-005_B_010.endf"),
    ("B-11", "n-005_B_011.endf"),
    ("C-12", "n-006_C_012.endf"),
    ("C-13", "n-006_C_013.endf"),
    ("N-14", "n-007_N_014.endf"),
    ("N-15", "n-007_N_015.endf"),
    ("O-17", "n-008_O_017.endf"),
    ("O-18", "n-008_O_018.endf"),
    ("Na-23", "n-011_Na_023.endf"),
    ("Mg-24", "n-012_Mg_024.endf"),
    ("Mg-25", "n-012_Mg_025.endf"),
    ("Mg-26", "n-012_Mg_026.endf"),
    ("P-31", "n-015_P_031.endf"),
    ("S-32", "n-016_S_032.endf"),
    ("Cl-35", "n-017_Cl_035.endf"),
    ("Cl-37", "n-017_Cl_037.endf"),
    ("Ca-42", "n-020_Ca_042.endf"),
    ("Ca-43", "n-020_Ca_043.endf"),
    ("Ca-44", "n-020_Ca_044.endf"),
    ("Ca-46", "n-020_Ca_046.endf"),
    ("Ca-48", "n-020_Ca_048.endf"),
]

# Approximations for nuclides not in the shared subset: (name, AWR, elastic b, thermal absorption
# (capture) b at 0.0253 eV, 1/v, capture Q MeV, source)
APPROX = [
    ("K-39", 38.76, 1.91, 2.1, 7.80,
     "natural K treated as one nuclide (AWR of natural K, 39.098 g/mol): free-atom elastic 1.91 b (Sears 1992 bound 2.01 b x (A/(A+1))^2), "
     "absorption 2.1 b at 0.0253 eV, 1/v (Sears 1992 via periodictable 2.1.0); capture Q 7.80 MeV "
     "(S_n of 40K); resonances not represented"),
    ("Ca-40", 39.6, 2.85, 0.41, 8.36,
     "Ca-40 (96.9% of natural Ca): free-atom elastic 2.85 b (Sears 1992 Ca-40 bound 3.0 b x "
     "(A/(A+1))^2), absorption 0.41 b at 0.0253 eV, 1/v (Sears 1992); capture Q 8.36 MeV "
     "(S_n of 41Ca); resonances not represented"),
    ("Fe-56", 55.37, 11.2, 2.56, 7.65,
     "natural Fe treated as one nuclide (AWR of natural Fe, 55.845 g/mol): free-atom elastic 11.2 b (Sears 1992 bound 11.62 b x "
     "(A/(A+1))^2), absorption 2.56 b at 0.0253 eV, 1/v (Sears 1992); capture Q 7.65 MeV "
     "(S_n of 57Fe); resonances not represented"),
    ("Ar-40", 39.6, 0.65, 0.675, 6.10,
     "natural Ar treated as one nuclide: free-atom elastic 0.65 b (Sears 1992 bound 0.683 b x "
     "(A/(A+1))^2), absorption 0.675 b at 0.0253 eV, 1/v (Sears 1992); capture Q 6.10 MeV "
     "(S_n of 41Ar); resonances not represented"),
]

# Cl-35 (LRF=7 not reconstructed): thermal values, Sears 1992 Neutron News 3:26 (periodictable
# 2.1.0): absorption 44.1 b of which (n,p) 0.489 b; free-atom scattering 20.59 b (bnct.csv derived)
CL35 = {"capture": 44.1 - 0.489, "np": 0.489, "elastic": 20.59}

COLUMNS = [("total", 1), ("elastic", 2), ("capture", 102), ("np", 103), ("nalpha", 107),
           ("nalpha1", 801), ("inelastic", 4)]


# ---------------------------------------------------------------- ENDF records
class Reader:
    def __init__(self, lines):
        self.lines = lines
        self.i = 0

    def cont(self):
        l = self.lines[self.i]
        self.i += 1
        return (F(l[0:11]), F(l[11:22]), I(l[22:33]), I(l[33:44]), I(l[44:55]), I(l[55:66]))

    def values(self, n):
        out = []
        while len(out) < n:
            l = self.lines[self.i]
            self.i += 1
            for k in range(6):
                if len(out) < n:
                    out.append(l[11 * k:11 * k + 11])
        return out

    def tab1(self):
        c1, c2, l1, l2, nr, np_ = self.cont()
        it = [I(v) for v in self.values(2 * nr)]
        interp = [(it[2 * k], it[2 * k + 1]) for k in range(nr)]
        xy = [F(v) for v in self.values(2 * np_)]
        return (c1, c2, l1, l2), interp, xy[0::2], xy[1::2]

    def list_(self):
        c1, c2, l1, l2, npl, n2 = self.cont()
        return (c1, c2, l1, l2, n2), [F(v) for v in self.values(npl)]

    def tab2(self):
        c1, c2, l1, l2, nr, nz = self.cont()
        self.values(2 * nr)
        return (c1, c2, l1, l2), nz


def interp_law(law, x0, y0, x1, y1, x):
    if x1 == x0:
        return y1
    if law == 1:
        return y0
    if law in (3, 5) and x0 > 0 and x > 0:
        t = math.log(x / x0) / math.log(x1 / x0)
    else:
        t = (x - x0) / (x1 - x0)
    if law in (4, 5) and y0 > 0 and y1 > 0:
        return y0 * (y1 / y0) ** t
    return y0 + t * (y1 - y0)


class Tab1:
    def __init__(self, interp, xs, ys):
        self.interp, self.xs, self.ys = interp, xs, ys

    def law(self, idx):
        for nbt, law in self.interp:
            if idx < nbt:
                return law
        return self.interp[-1][1] if self.interp else 2

    def __call__(self, x):
        xs = self.xs
        if x < xs[0] or x > xs[-1]:
            return 0.0
        lo, hi = 0, len(xs) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if xs[mid] <= x:
                lo = mid
            else:
                hi = mid
        return interp_law(self.law(hi), xs[lo], self.ys[lo], xs[hi], self.ys[hi], x)


def mf3(sections, mt):
    sec = sections.get((3, mt))
    if not sec:
        return None
    r = Reader(sec)
    r.cont()
    (qm, qi, _, _), interp, xs, ys = r.tab1()
    return {"qm": qm, "qi": qi, "tab": Tab1(interp, xs, ys)}


# ---------------------------------------------------------------- resonances (MLBW, 0 K)
def penetrability(l, rho):
    r2 = rho * rho
    if l == 0:
        return rho, 0.0
    if l == 1:
        return rho * r2 / (1 + r2), -1.0 / (1 + r2)
    if l == 2:
        d = 9 + 3 * r2 + r2 * r2
        return rho * r2 * r2 / d, -(18 + 3 * r2) / d
    d = 225 + 45 * r2 + 6 * r2 * r2 + r2 ** 3
    return rho * r2 ** 3 / d, -(675 + 90 * r2 + 6 * r2 * r2) / d


def phase(l, rho):
    if l == 0:
        return rho
    if l == 1:
        return rho - math.atan(rho)
    if l == 2:
        return rho - math.atan2(3 * rho, 3 - rho * rho)
    return rho - math.atan2(rho * (15 - rho * rho), 15 - 6 * rho * rho)


def read_mf2(sections):
    """Resolved MLBW / Reich-Moore parameters: (EL, EH, LRF, spi, groups) or None."""
    sec = sections.get((2, 151))
    r = Reader(sec)
    r.cont()
    r.cont()  # isotope
    el, eh, lru, lrf, nro, naps = r.cont()
    if lru != 1:
        return None
    if lrf == 7:
        return (el, eh, 7, 0, [])
    if nro:
        r.tab1()
    spi, ap, _, _, nls, _ = r.cont()
    groups = []
    for _ in range(nls):
        (awri, apl, l, _, _), vals = r.list_()
        res = [vals[6 * k:6 * k + 6] for k in range(len(vals) // 6)]
        a_pen = (0.123 * awri ** (1.0 / 3.0) + 0.08) if naps == 0 else (apl or ap)
        groups.append({"awri": awri, "l": l, "ap": apl or ap, "a": a_pen, "res": res})
    return (el, eh, lrf, spi, groups)


def resonance_xs(params, e):
    """(elastic, capture) in barn at energy e (eV) from the resolved parameters (MLBW)."""
    el, eh, lrf, spi, groups = params
    if e < el or e > eh:
        return 0.0, 0.0
    sig_el = 0.0
    sig_c = 0.0
    for g in groups:
        awri, l = g["awri"], g["l"]
        k = 2.196771e-3 * awri / (awri + 1.0) * math.sqrt(e)  # 1/(1e-12 cm)
        pk = math.pi / (k * k)  # barn
        p_e, s_e = penetrability(l, k * g["a"])
        phi = phase(l, k * g["ap"])
        e2phi = complex(math.cos(2 * phi), -math.sin(2 * phi))
        pot = 4.0 * math.sin(phi) ** 2
        sig_el += pk * (2 * l + 1) * pot
        by_j = {}
        for row in g["res"]:
            er, aj, c3, c4, c5, c6 = row
            if lrf == 3:
                gn, gg = c3, c4
            else:
                gn, gg = c4, c5
            kr = 2.196771e-3 * awri / (awri + 1.0) * math.sqrt(abs(er))
            p_r, s_r = penetrability(l, kr * g["a"])
            gn_e = gn * p_e / p_r if p_r > 0 else gn
            erp = er + gn * (s_r - s_e) / (2 * p_r) if p_r > 0 else er
            gam = abs(gn_e) + gg
            gj = (2 * abs(aj) + 1) / (2 * (2 * spi + 1))
            den = (e - erp) ** 2 + gam * gam / 4
            sig_c += pk * gj * abs(gn_e) * gg / den
            acc = by_j.setdefault(abs(aj), [gj, 0j])
            acc[1] += 1j * abs(gn_e) / complex(erp - e, -gam / 2)
        for gj, s in by_j.values():
            u = e2phi * (1 + s)
            sig_el += pk * gj * (abs(1 - u) ** 2 - pot)
    return sig_el, sig_c


# ---------------------------------------------------------------- angular distributions
def legendre_pdf(coefs, mu):
    p0, p1 = 1.0, mu
    s = 0.5
    for l, a in enumerate(coefs, start=1):
        if l == 1:
            pl = p1
        else:
            pl = ((2 * l - 1) * mu * p1 - (l - 1) * p0) / l
            p0, p1 = p1, pl
        s += (2 * l + 1) / 2.0 * a * pl
    return s


def read_mf4(sections):
    """Returns (LCT, [(E, pdf on N_MU points)]) at all tabulated energies."""
    sec = sections.get((4, 2))
    if not sec:
        return 1, []
    r = Reader(sec)
    _, _, _, ltt, _, _ = r.cont()
    _, _, li, lct, _, _ = r.cont()
    mus = [-1 + 2 * k / (N_MU - 1) for k in range(N_MU)]
    out = []
    if li == 1:
        return lct, [(E_MIN, [0.5] * N_MU), (E_MAX, [0.5] * N_MU)]
    if ltt in (1, 3):
        _, ne = r.tab2()
        for _ in range(ne):
            (_, e, _, _, _), coefs = r.list_()
            out.append((e, [max(legendre_pdf(coefs, m), 0.0) for m in mus]))
    if ltt in (2, 3):
        _, ne = r.tab2()
        for _ in range(ne):
            (_, e, _, _), interp, xs, ys = r.tab1()
            t = Tab1(interp, xs, ys)
            out.append((e, [max(t(m), 0.0) for m in mus]))
    return lct, out


def condense_angular(dists, picks=14):
    """Keeps the distributions nearest to `picks` log-spaced energies, normalised."""
    if not dists:
        return []
    targets = [E_MIN * (E_MAX / E_MIN) ** (k / (picks - 1)) for k in range(picks)]
    chosen = []
    for t in targets:
        best = min(dists, key=lambda d: abs(math.log(d[0] / t)) if d[0] > 0 else 1e9)
        if best not in chosen:
            chosen.append(best)
    chosen.sort(key=lambda d: d[0])
    out = []
    h = 2.0 / (N_MU - 1)
    for e, pdf in chosen:
        area = sum(0.5 * (pdf[k] + pdf[k + 1]) * h for k in range(N_MU - 1))
        out.append((e, [p / area for p in pdf]))
    return out


# ---------------------------------------------------------------- grids
def thin(grid, cols):
    """Greedy thinning: keep a point when lin-lin from the last kept point misses a column."""
    keep = [0]
    n = len(grid)
    i = 0
    while i < n - 1:
        j = i + 2
        while j < n:
            ok = True
            for k in range(i + 1, j):
                t = (grid[k] - grid[i]) / (grid[j] - grid[i])
                for c in cols:
                    y = c[i] + t * (c[j] - c[i])
                    if abs(y - c[k]) > TOL * abs(c[k]) + FLOOR:
                        ok = False
                        break
                if not ok:
                    break
            if not ok or j - i > 400:
                break
            j += 1
        i = j - 1
        keep.append(i)
    return keep


def build_nuclide(name, path):
    s = read_sections(path)
    head = s[(3, 1)][0]
    awr = F(head[11:22])
    tabs = {mt: mf3(s, mt) for _, mt in COLUMNS}
    grid = set()
    for t in tabs.values():
        if t:
            grid.update(x for x in t["tab"].xs if E_MIN <= x <= E_MAX)
    grid.update([E_MIN, E_MAX])
    # the ENDF laws between the MF3 nodes are not lin-lin (1/v sections are log-log, INT=5):
    # a log grid of N_DEC points per decade lets the thinning keep what lin-lin needs
    n = int(round(N_DEC * math.log10(E_MAX / E_MIN)))
    grid.update(E_MIN * (E_MAX / E_MIN) ** (k / n) for k in range(n + 1))
    lrp = I(s[(1, 451)][0][22:33])
    res = read_mf2(s) if lrp == 1 else None
    notes = []
    if res and res[2] in (2, 3):
        el, eh = res[0], res[1]
        n_dec = 24
        x = max(el, E_MIN)
        while x < eh:
            grid.add(x)
            x *= 10 ** (1.0 / n_dec)
        for g in res[4]:
            for row in g["res"]:
                er = row[0]
                gam = abs(row[3] if res[2] == 2 else row[2]) + (row[4] if res[2] == 2 else row[3])
                if er <= 0:
                    continue
                for k in (0, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 15, 30, 60, 120):
                    for sgn in (-1, 1):
                        x = er + sgn * k * gam / 2
                        if el <= x <= eh:
                            grid.add(x)
        notes.append("resolved resonances (MF2 LRF=%d, %g eV-%g eV) reconstructed at 0 K with MLBW%s"
                     % (res[2], el, eh, " (Reich-Moore parameters as MLBW)" if res[2] == 3 else ""))
    grid = sorted(grid)
    cols = {c: [] for c, _ in COLUMNS}
    for e in grid:
        vals = {c: (tabs[mt]["tab"](e) if tabs[mt] else 0.0) for c, mt in COLUMNS}
        if res and res[2] in (2, 3):
            r_el, r_c = resonance_xs(res, e)
            vals["elastic"] += r_el
            vals["capture"] += r_c
            vals["total"] += r_el + r_c
        elif res and res[2] == 7 and res[0] <= e <= res[1]:
            v = math.sqrt(0.0253 / e)
            vals["capture"] += CL35["capture"] * v
            vals["np"] += CL35["np"] * v
            vals["elastic"] += CL35["elastic"]
            vals["total"] += (CL35["capture"] + CL35["np"]) * v + CL35["elastic"]
        # the total (MT1) is tabulated with its own grid and law: between its nodes it differs
        # from the sum of the partials (H-1: MT1 lin-lin, MT102 1/v log-log), which would
        # leave a spurious "other" absorption. Below OTHER_MIN_EV every open channel of these
        # nuclides is one of the columns: total = sum of the partials; above, at least that.
        part = sum(max(vals[c], 0.0) for c in ("elastic", "capture", "np", "nalpha", "inelastic"))
        vals["total"] = part if e < OTHER_MIN_EV else max(vals["total"], part)
        for c in cols:
            cols[c].append(max(vals[c], 0.0))
    if res and res[2] == 7:
        notes.append("Cl-35 resolved range (MF2 LRF=7, %g eV-%g eV) NOT reconstructed: MF3 background "
                     "+ 1/v capture %.2f b and (n,p) %.3f b at 0.0253 eV and constant elastic %.2f b "
                     "(Sears 1992 Neutron News 3:26 via periodictable 2.1.0)"
                     % (res[0], res[1], CL35["capture"], CL35["np"], CL35["elastic"]))
    keep = thin(grid, [cols[c] for c in cols])
    q = {c: (tabs[mt]["qi"] * 1e-6 if tabs[mt] else 0.0) for c, mt in COLUMNS}
    level = 0.0
    t51 = mf3(s, 51)
    if t51:
        level = -t51["qi"] * 1e-6
    lct, dists = read_mf4(s)
    ang = condense_angular(dists)
    mts = ",".join("MT%d" % mt for c, mt in COLUMNS if tabs[mt])
    prov = [
        "theradose neutron cross sections, %s" % name,
        "source: ENDF/B-VIII.1 incident-neutron sublibrary, %s: MF3 %s; MF4 MT2 (elastic angular "
        "distribution, LCT=%d%s)" % (os.path.basename(path), mts, lct,
                                    "" if lct == 2 else ": lab-frame data used as CM, A>=10"),
        "generated by scripts/gen_neutron_tables.py: union of the MF3 grids and %d log-spaced "
        "energies per decade, 1e-5 eV-20 MeV, each section interpolated with its ENDF law (total below "
        "100 keV: the sum of the partials); thinned to lin-lin within %.1f%% (floor %g b); 0 K" %
        (N_DEC, 100 * TOL, FLOOR),
    ] + notes + [
        "units: energy eV, cross sections barn; Q values MeV (ENDF QI); angular: pdf of the CM cosine "
        "at %d equally spaced mu in [-1, 1], at a few energies (eV)" % N_MU,
    ]
    return write_table(name, awr, prov, q, level, [grid[k] for k in keep],
                       {c: [cols[c][k] for k in keep] for c in cols}, ang)


def build_approx(name, awr, el, abs_th, q_c, src):
    n = 12 * 40
    grid = [E_MIN * (E_MAX / E_MIN) ** (k / n) for k in range(n + 1)]
    cols = {c: [0.0] * len(grid) for c, _ in COLUMNS}
    for i, e in enumerate(grid):
        c = abs_th * math.sqrt(0.0253 / e)
        cols["capture"][i] = c
        cols["elastic"][i] = el
        cols["total"][i] = el + c
    keep = thin(grid, [cols[c] for c in cols])
    grid = [grid[k] for k in keep]
    cols = {c: [v[k] for k in keep] for c, v in cols.items()}
    q = {c: 0.0 for c, _ in COLUMNS}
    q["capture"] = q_c
    prov = [
        "theradose neutron cross sections, %s (APPROXIMATION: nuclide not in the shared "
        "ENDF/B-VIII.1 subset)" % name,
        "source: " + src,
        "generated by scripts/gen_neutron_tables.py: constant elastic, 1/v capture, 40 log-spaced "
        "energies per decade 1e-5 eV-20 MeV thinned to lin-lin within %.1f%%; isotropic CM elastic"
        % (100 * TOL),
        "units: energy eV, cross sections barn; Q values MeV",
    ]
    ang = [(E_MIN, [0.5] * N_MU), (E_MAX, [0.5] * N_MU)]
    return write_table(name, awr, prov, q, 0.0, grid, cols, ang)


# O-16: ENDF/B-VIII.0 values transcribed into data/neutron/sources/ (see that file's header)
O16_EXTRACT = os.path.join("data", "neutron", "sources", "O-16_endf-b-viii.0_extract.txt")
# AWR of MAT 825; capture 1.0e-4 b at 0.0253 eV, 1/v (Sears 1992 Neutron News 3:26 via
# periodictable 2.1.0); capture Q 4.143 MeV (AME: S_n of 17O)
O16 = {"awr": 15.85751, "capture": 1.0e-4, "q_capture": 4.143}


def read_o16_extract(path):
    """Returns (elastic nodes [(E eV, b)], sampled nodes, [(E eV, [a1..aL])])."""
    sec, cur = {}, None
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            cur = line.strip("[]")
            sec[cur] = []
        else:
            sec[cur].append([float(v) for v in line.split()])
    pairs = {k: [(r[i], r[i + 1]) for r in sec[k] for i in range(0, len(r), 2)]
             for k in ("mt2_nodes", "mt2_sampled")}
    leg = [(r[0], r[1:]) for r in sec["mf4_legendre"]]
    return pairs["mt2_nodes"], pairs["mt2_sampled"], leg


def build_o16(path):
    nodes, sampled, leg = read_o16_extract(path)
    el = Tab1([(len(nodes) + len(sampled), 2)], *zip(*(nodes + sampled)))
    # the ENDF nodes plus N_DEC log energies per decade (for the 1/v capture)
    n = int(round(N_DEC * math.log10(E_MAX / E_MIN)))
    grid = sorted(set([e for e, _ in nodes + sampled]
                      + [E_MIN * (E_MAX / E_MIN) ** (k / n) for k in range(n + 1)]))
    cols = {c: [0.0] * len(grid) for c, _ in COLUMNS}
    for i, e in enumerate(grid):
        cap = O16["capture"] * math.sqrt(0.0253 / e)
        cols["elastic"][i] = el(e)
        cols["capture"][i] = cap
        cols["total"][i] = el(e) + cap
    keep = thin(grid, [cols[c] for c in cols])
    q = {c: 0.0 for c, _ in COLUMNS}
    q["capture"] = O16["q_capture"]
    mus = [-1 + 2 * k / (N_MU - 1) for k in range(N_MU)]
    ang = condense_angular([(e, [max(legendre_pdf(a, m), 0.0) for m in mus]) for e, a in leg])
    prov = [
        "theradose neutron cross sections, O-16 (PARTLY EVALUATED: nuclide not in the shared "
        "ENDF/B-VIII.1 subset)",
        "source: ENDF/B-VIII.0 O-16 (MAT 825, LANL EVAL-DEC16, R-matrix below 7 MeV), GNDS 1.9 file "
        "n-008_O_016.xml of njoy/GNDStk (commit 8e19fcc7), transcribed into %s: MF3 MT2 elastic at "
        "every node 1e-5 eV-2.5 MeV and at 0.1 MeV steps 2.5-20 MeV (narrow resonances above 2.5 MeV "
        "not resolved); MF4 MT2 elastic CM Legendre coefficients at a few energies (the nearest to "
        "2.9 MeV used above it)" % O16_EXTRACT.replace(os.sep, "/"),
        "capture 1.0e-4 b at 0.0253 eV, 1/v (Sears 1992 Neutron News 3:26 via periodictable 2.1.0); "
        "capture Q 4.143 MeV (AME: S_n of 17O). NOT represented: (n,alpha) above its 2.35 MeV "
        "threshold, inelastic above 6 MeV and (n,p) above 10 MeV, so the total above about 3 MeV is "
        "the elastic cross section only",
        "generated by scripts/gen_neutron_tables.py (build_o16): the ENDF nodes and %d log-spaced "
        "energies per decade, 1e-5 eV-20 MeV, lin-lin (the ENDF law of MT2), thinned to lin-lin "
        "within %.1f%% (floor %g b); 0 K" % (N_DEC, 100 * TOL, FLOOR),
        "units: energy eV, cross sections barn; Q values MeV; angular: pdf of the CM cosine at %d "
        "equally spaced mu in [-1, 1], at a few energies (eV)" % N_MU,
    ]
    return write_table("O-16", O16["awr"], prov, q, 0.0, [grid[k] for k in keep],
                       {c: [cols[c][k] for k in keep] for c in cols}, ang)


def write_table(name, awr, prov, q, level, grid, cols, ang):
    lines = ["# " + p for p in prov]
    lines += ["nuclide %s" % name, "awr %.7g" % awr]
    for c in ("capture", "np", "nalpha", "nalpha1"):
        lines.append("q_%s_mev %.7g" % (c, q[c]))
    lines.append("inelastic_level_mev %.7g" % level)
    lines.append("[cross_sections]")
    lines.append("# energy_ev " + " ".join(c + "_b" for c, _ in COLUMNS))
    for i, e in enumerate(grid):
        lines.append("%.6e " % e + " ".join("%.6e" % cols[c][i] for c, _ in COLUMNS))
    lines.append("[elastic_angular]")
    lines.append("# energy_ev then pdf(mu_cm) at mu = -1 + 2k/%d, k = 0..%d" % (N_MU - 1, N_MU - 1))
    for e, pdf in ang:
        lines.append("%.6e " % e + " ".join("%.5e" % p for p in pdf))
    return "\n".join(lines) + "\n", len(grid)


def write_tsl(leapr_path, out_path, temperature="293.60"):
    """Extracts the 293.6 K block of the CAB-model LEAPR input of H in H2O (ENDF/B-VIII.1)."""
    lines = open(leapr_path).read().split("\n")
    head = lines[5].split("/")[0].split()
    awr, spr = float(head[0]), float(head[1])
    k = next(i for i, l in enumerate(lines) if l.split("/")[0].strip() == temperature)
    delta, n = lines[k + 1].split("/")[0].split()
    rho = []
    j = k + 2
    while len(rho) < int(n):
        rho += [float(v) for v in lines[j].split()]
        j += 1
    twt, c, tbeta = [float(v) for v in lines[j].split("/")[0].split()]
    nd = int(lines[j + 1].split("/")[0])
    osc_e = [float(v) for v in lines[j + 2].split()][:nd]
    osc_w = [float(v) for v in lines[j + 3].split()][:nd]
    out = [
        "# theradose thermal scattering law of hydrogen bound in light water, 293.6 K",
        "# source: ENDF/B-VIII.1 thermal_scatt tsl-HinH2O.leapr (LEAPR input of the CAB model, "
        "Marquez Damian et al., Ann. Nucl. Energy 65 (2014) 280; ESS update, J. Neutron Res. 23 "
        "(2021) 157): the %s K block: frequency spectrum rho(e) on a uniform grid, translational "
        "weight TWT and diffusion constant C, continuous weight TBETA, discrete oscillators" % temperature,
        "# generated by scripts/gen_neutron_tables.py (values copied, not processed); AWR and SPR "
        "(free-atom scattering cross section, barn) from the LEAPR card 5",
        "temperature_k %s" % temperature,
        "awr %s" % head[0],
        "free_xs_b %s" % head[1],
        "delta_ev %s" % delta,
        "twt %g" % twt,
        "diffusion_c %g" % c,
        "tbeta %g" % tbeta,
        "[spectrum]",
        "# rho at e = k delta_ev, k = 0..%d (unnormalised)" % (int(n) - 1),
    ]
    for i in range(0, len(rho), 6):
        out.append(" ".join("%.5e" % v for v in rho[i:i + 6]))
    out.append("[oscillators]")
    out.append("# energy_ev weight")
    for e, w in zip(osc_e, osc_w):
        out.append("%g %g" % (e, w))
    with open(out_path, "w") as fh:
        fh.write("\n".join(out) + "\n")
    del awr, spr


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "shared", "data", "endf-b-viii.1", "neutrons")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "data", "neutron")
    os.makedirs(out, exist_ok=True)
    jobs = [(n, lambda n=n, f=f: build_nuclide(n, os.path.join(src, f))) for n, f in NUCLIDES]
    jobs += [("O-16", lambda: build_o16(os.path.join(here, "..", O16_EXTRACT)))]
    jobs += [(a[0], lambda a=a: build_approx(*a)) for a in APPROX]
    tsl = os.path.join(src, "..", "thermal_scatt", "tsl-HinH2O.leapr")
    write_tsl(tsl, os.path.join(out, "tsl_H_in_H2O.txt"))
    only = os.environ.get("ONLY")
    for name, job in jobs:
        if only and name not in only.split(","):
            continue
        text, n = job()
        with open(os.path.join(out, name + ".txt"), "w") as fh:
            fh.write(text)
        print("%-6s %5d points" % (name, n))


if __name__ == "__main__":
    main()
