//! Per-material tables of the class II condensed-history scheme for electrons and positrons:
//! restricted stopping power and range (continuous loss), the hard-event cross sections (delta
//! rays, bremsstrahlung, hard elastic collisions, annihilation in flight) and the soft elastic
//! transport cross sections of the random hinge, all per gram on one grid uniform in ln E.
//!
//! Mixed elastic scheme (PENELOPE; Baro et al., NIM B 100 (1995) 31): the mean free path between
//! hard elastic collisions is lambda_h = max(lambda_el, min(C1 lambda_1, C2 E / S)), with
//! lambda_el and lambda_1 of the fitted Wentzel DCS ([`super::elastic`]) and S the total stopping
//! power; deflections larger than the angle whose hard cross section is 1/lambda_h are hard.
//!
//! Energy-loss straggling of the soft collisions: the Bohr variance restricted to transfers below
//! the delta-ray cut, Omega^2 = 2 pi r_e^2 m c^2 N_A (Z/A) W_cc s / beta^2 per path s (g/cm2)
//! (PENELOPE-2011 eq. 4.59 for W_cc << E), applied with a gamma distribution of the same mean and
//! variance (a Gaussian where mean^2 / variance exceeds 100; see `transport::electron`).

use super::elastic::{self, MaterialElastic, Wentzel};
use super::medium::{ElectronMedium, ElementCache};
use super::{brems::BremsTable, collision::BETHE_K, moller, positron};
use super::{Cuts, Lepton, StoppingTable};
use crate::materials::Material;
use crate::numerics::LogGrid;
use crate::units::{AVOGADRO, ELECTRON_MASS_MEV};
use anyhow::{bail, Result};

/// Grid nodes (ln spacing 0.0195 from 1 keV to 20 MeV).
pub const N_NODES: usize = 512;

/// Parameters of the condensed-history scheme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CondensedParams {
    /// lambda_h <= C1 lambda_1: mean deflection between hard elastic collisions (PENELOPE C1),
    /// at kinetic energies up to `c1_high_above_mev`
    pub c1: f64,
    /// C1 above `c1_high_above_mev`
    pub c1_high: f64,
    /// kinetic energy (MeV) above which `c1_high` applies
    pub c1_high_above_mev: f64,
    /// lambda_h <= C2 E / S: mean fractional energy loss between hard elastic collisions (C2)
    pub c2: f64,
    /// largest mean fractional energy loss of one step (continuous loss, as EGSnrc's ESTEPE)
    pub max_loss_fraction: f64,
    /// the largest fractional loss of a step that starts below `low_loss_below_mev`
    pub max_loss_fraction_low: f64,
    /// kinetic energy (MeV) below which a step's loss is limited by `max_loss_fraction_low`
    pub low_loss_below_mev: f64,
    /// soft energy-loss straggling on
    pub straggling: bool,
    /// electrons and positrons below this kinetic energy stop and deposit locally (MeV)
    pub cutoff_mev: f64,
    /// delta-ray and bremsstrahlung thresholds; `None`: delta rays above the cut-off, photons
    /// above `photon_cut_mev`
    pub cuts: Cuts,
    /// explicit delta rays and bremsstrahlung photons above the cuts (false: continuous
    /// unrestricted loss only, for CSDA tests)
    pub hard_losses: bool,
}

impl CondensedParams {
    /// C1 = 0.1 up to 30 keV and 0.2 above, C2 = 0.2, at most 20% energy loss per step and 10%
    /// for a step that starts below 30 keV, straggling on, electron cut-off and delta threshold
    /// `cutoff_mev`, bremsstrahlung photons above `photon_cut_mev`.
    ///
    /// Hard elastic collisions do not end a step (they deflect at their places along it, see
    /// `Transport::step_path`), so C1 and C2 set only how much of the deflection is soft, lumped
    /// at the random hinge, and cost little time; a step is limited by its energy loss, the
    /// geometry and the hard inelastic events. Chosen by measurement (issue 21, sessions 15 and
    /// 16): water kernels (24 shells to 1.2 r0, 3e5 histories per seed) against steps ended at
    /// every hard collision with C1 = C2 = loss fraction = 0.05 (1e6 histories), mean
    /// chi-square over 21-22 shells 24.4 at 15 keV and 21.7 at 30 keV (12 seeds), 24.3 at
    /// 0.1 MeV, 23.9 at 0.3 MeV and 18.3 at 1 MeV (6 seeds). With 20% loss below 30 keV too
    /// (session 15) the low energies showed a small excess, 31.1 at 15 keV and 26.7 at 30 keV
    /// over the same seeds (at most 0.5% of the peak), which C1 = 0.05 there made worse (37.9,
    /// 32.8); the shorter low-energy steps cost no measurable time in the 1 MeV, 48-shell kernel.
    /// With C1 = 0.2 at 15 keV (chi-square 43 and 32, two seeds) or C1 = 1 above 30 keV (37 and
    /// 25 at 0.1 MeV) the larger soft share of the long steps showed. Session 14: C1 = 0.2 up to
    /// 30 keV, 1 above, each hard elastic collision a step end (75 passes of the step loop per
    /// primary of the 1 MeV, 48-shell kernel against 57; 1.20x the CPU time of this scheme
    /// there, 1.24x for Lu-177 in 4.42 mm voxels, alternated single-core runs).
    /// `tests/electron_transport.rs` checks the kernels against EGSnrc and their independence of
    /// halved C1, C2, loss fractions and geometric step.
    pub fn new(cutoff_mev: f64, photon_cut_mev: f64) -> Self {
        CondensedParams {
            c1: 0.1,
            c1_high: 0.2,
            c1_high_above_mev: 0.03,
            c2: 0.2,
            max_loss_fraction: 0.2,
            max_loss_fraction_low: 0.1,
            low_loss_below_mev: 0.03,
            straggling: true,
            cutoff_mev,
            cuts: Cuts {
                delta_mev: cutoff_mev,
                photon_mev: photon_cut_mev,
            },
            hard_losses: true,
        }
    }
}

/// Tabulated values at one grid node (all per gram; energies in MeV).
#[derive(Clone, Copy, Debug, Default)]
pub struct Node {
    /// restricted (continuous) stopping power, MeV cm2/g
    pub s_r: f64,
    /// restricted range from the cut-off, g/cm2
    pub range: f64,
    pub sig_delta: f64,
    pub sig_brems: f64,
    pub sig_annih: f64,
    /// hard elastic cross section (deflections beyond x_c), cm2/g: simulated one by one at
    /// their places along a step
    pub sig_hard_el: f64,
    /// sum of the hard inelastic cross sections (delta rays, bremsstrahlung, annihilation in
    /// flight), cm2/g: a step ends at such an event
    pub sig_inel: f64,
    /// Wentzel DCS (k, a) and the hard cut x_c = 1 - mu_c
    pub w_k: f64,
    pub w_a: f64,
    pub x_c: f64,
    /// soft elastic transport cross sections T_1, T_2 integrated along the CSDA path from the
    /// bottom of the grid, int T_l ds = int T_l / S_r dE (dimensionless): a step's soft moments
    /// are the differences at its two ends
    pub k1: f64,
    pub k2: f64,
}

impl Node {
    #[inline]
    fn lerp(a: &Node, b: &Node, f: f64) -> Node {
        let l = |x: f64, y: f64| x + f * (y - x);
        Node {
            s_r: l(a.s_r, b.s_r),
            range: l(a.range, b.range),
            sig_delta: l(a.sig_delta, b.sig_delta),
            sig_brems: l(a.sig_brems, b.sig_brems),
            sig_annih: l(a.sig_annih, b.sig_annih),
            sig_hard_el: l(a.sig_hard_el, b.sig_hard_el),
            sig_inel: l(a.sig_inel, b.sig_inel),
            w_k: l(a.w_k, b.w_k),
            w_a: l(a.w_a, b.w_a),
            x_c: l(a.x_c, b.x_c),
            k1: l(a.k1, b.k1),
            k2: l(a.k2, b.k2),
        }
    }
    /// The Wentzel DCS and hard cut x_c at fraction `f` of the way (linear in path) from this
    /// node, a step's start, to `end`: what a hard elastic collision there samples from.
    #[inline]
    pub fn hard_elastic_toward(&self, end: &Node, f: f64) -> (Wentzel, f64) {
        let l = |x: f64, y: f64| x + f * (y - x);
        let w = Wentzel {
            k: l(self.w_k, end.w_k),
            a: l(self.w_a, end.w_a),
        };
        (w, l(self.x_c, end.x_c))
    }
    /// The soft Legendre moments (<P1>, <P2>) = exp(K_l(end) - K_l(start)) of a step from this
    /// node to `end` along the CSDA path.
    #[inline]
    pub fn soft_moments_to(&self, end: &Node) -> (f64, f64) {
        let exp = crate::numerics::fast_exp;
        (exp(end.k1 - self.k1), exp(end.k2 - self.k2))
    }
}

/// Tables of one material for one lepton.
#[derive(Clone, Debug)]
pub struct LeptonTables {
    pub lepton: Lepton,
    pub nodes: Vec<Node>,
    /// `nodes[i].range` in one contiguous array, for the inverse-range search
    pub ranges: Vec<f64>,
    pub brems: BremsTable,
    pub stopping: StoppingTable,
    /// electrons per gram
    pub electrons_per_g: f64,
    /// Omega^2 beta^2 / s: straggling variance coefficient, MeV^2 cm2/g
    pub straggling_k: f64,
}

/// Condensed-history physics of a set of materials (indexed like the phantom's material ids).
#[derive(Clone, Debug)]
pub struct ElectronPhysics {
    pub params: CondensedParams,
    pub grid: LogGrid,
    /// per material: [electron, positron]
    pub materials: Vec<[LeptonTables; 2]>,
    pub names: Vec<String>,
    /// (f, ln(1 - f) in units of the grid's ln E spacing) for f = `max_loss_fraction_low` and
    /// `max_loss_fraction`: a step's energy-loss limit E (1 - f) sits this far below E on the
    /// grid (negative), computed once, not per track
    loss_limits: [(f64, f64); 2],
    /// per material: bounds of the electrons' range by energy bin
    range_bounds: Vec<super::range_bounds::RangeBounds>,
}

impl ElectronPhysics {
    /// Builds the tables of `materials` at their nominal densities (the density effect of a
    /// voxel's actual density is not re-evaluated; mass stopping powers change by < 1% for
    /// density changes of 10% in tissue).
    ///
    /// # Errors
    /// Cut-offs outside the tables, or missing electron data of an element.
    pub fn new(materials: &[Material], params: CondensedParams) -> Result<Self> {
        let lo = super::E_MIN_MEV;
        for (what, v) in [
            ("electron cut-off", params.cutoff_mev),
            ("delta-ray threshold", params.cuts.delta_mev),
            ("bremsstrahlung threshold", params.cuts.photon_mev),
        ] {
            if !(v.is_finite() && v >= lo) {
                bail!("{what} {v} MeV: expected at least {lo} MeV");
            }
        }
        if !(params.c1 > 0.0 && params.c2 > 0.0) {
            bail!("condensed-history parameters C1 and C2 must be positive");
        }
        for (name, f) in [
            ("max_loss_fraction", params.max_loss_fraction),
            ("max_loss_fraction_low", params.max_loss_fraction_low),
        ] {
            if !(f > 0.0 && f < 1.0) {
                bail!("{name} (a step's largest fractional energy loss) {f}: expected in (0, 1)");
            }
        }
        let grid = LogGrid::new(lo, super::E_MAX_MEV, N_NODES);
        let media = super::data::MediaData::load()?;
        let mut cache = ElementCache::default();
        let mut out = Vec::new();
        for m in materials {
            // vacuum's tables (hydrogen at 1 g/cm3) are never used: no step is taken at density 0
            let rho = if m.is_vacuum() {
                1.0
            } else {
                m.nominal_density
            };
            let med = ElectronMedium::with_data(m, rho, &media, &mut cache)?;
            let el = MaterialElastic::new(&m.elements)?;
            let build = |lepton: Lepton, cache: &mut ElementCache| -> Result<LeptonTables> {
                LeptonTables::new(&med, &m.elements, &el, lepton, &params, &grid, cache)
            };
            out.push([
                build(Lepton::Electron, &mut cache)?,
                build(Lepton::Positron, &mut cache)?,
            ]);
        }
        let inv_d = 1.0 / (grid.ln_node(1) - grid.ln_node(0));
        let loss_limits = [params.max_loss_fraction_low, params.max_loss_fraction]
            .map(|f| (f, (1.0 - f).ln() * inv_d));
        let mut ep = ElectronPhysics {
            params,
            grid,
            materials: out,
            names: materials.iter().map(|m| m.name.clone()).collect(),
            loss_limits,
            range_bounds: Vec::new(),
        };
        ep.range_bounds = (0..materials.len())
            .map(|m| {
                let t = ep.tables(m, Lepton::Electron);
                super::range_bounds::RangeBounds::new(|e| ep.range(t, e))
            })
            .collect();
        Ok(ep)
    }

    /// Bounds of the electron range of material `m` by energy bin (see [`Self::range`]).
    #[inline]
    pub fn range_bounds(&self, m: usize) -> &super::range_bounds::RangeBounds {
        &self.range_bounds[m]
    }

    /// The largest fractional energy loss f of a step that starts at kinetic energy `e_mev`, and
    /// how far (in grid intervals, negative) its limit E (1 - f) sits below E on the ln E grid.
    #[inline]
    pub fn loss_limit(&self, e_mev: f64) -> (f64, f64) {
        self.loss_limits[usize::from(e_mev >= self.params.low_loss_below_mev)]
    }

    /// Tables of material `m` for `lepton`.
    #[inline]
    pub fn tables(&self, m: usize, lepton: Lepton) -> &LeptonTables {
        &self.materials[m][lepton as usize]
    }

    /// Interpolated node of `t` at kinetic energy `t_mev`.
    #[inline]
    pub fn at(&self, t: &LeptonTables, t_mev: f64) -> Node {
        let (i, f) = self.grid.locate(t_mev);
        Node::lerp(&t.nodes[i], &t.nodes[i + 1], f)
    }

    /// Restricted range (g/cm2, from the cut-off) at `t_mev`.
    #[inline]
    pub fn range(&self, t: &LeptonTables, t_mev: f64) -> f64 {
        let (i, f) = self.grid.locate(t_mev);
        let (a, b) = (t.nodes[i].range, t.nodes[i + 1].range);
        a + f * (b - a)
    }

    /// Kinetic energy whose restricted range is `r` (inverse of [`Self::range`], exact for its
    /// interpolation); the cut-off at or below r = 0.
    #[inline]
    pub fn energy_at_range(&self, t: &LeptonTables, r: f64) -> f64 {
        self.energy_at_range_loc(t, r).0
    }

    /// `energy_at_range` together with the grid location (interval, fraction in ln E) of the
    /// energy, so the caller can interpolate the tables there without another logarithm.
    #[inline]
    pub fn energy_at_range_loc(&self, t: &LeptonTables, r: f64) -> (f64, (usize, f64)) {
        self.energy_at_range_below(t, r, t.ranges.len() - 2)
    }

    /// `energy_at_range_loc` for a range at most that of grid interval `hint` (the interval of
    /// the energy at the start of a step): a short downward scan instead of a binary search,
    /// since a step crosses only a few grid nodes.
    #[inline]
    pub fn energy_at_range_below(
        &self,
        t: &LeptonTables,
        r: f64,
        hint: usize,
    ) -> (f64, (usize, f64)) {
        if r <= 0.0 {
            let e = self.params.cutoff_mev;
            return (e, self.grid.locate(e));
        }
        let rs = &t.ranges;
        let mut hi = (hint + 1).clamp(1, rs.len() - 1);
        if rs[hi] < r {
            hi = rs.partition_point(|&v| v <= r).clamp(1, rs.len() - 1);
        } else {
            while hi > 1 && rs[hi - 1] > r {
                hi -= 1;
            }
        }
        let (r0, r1) = (rs[hi - 1], rs[hi]);
        let f = if r1 > r0 { (r - r0) / (r1 - r0) } else { 0.0 };
        let (l0, l1) = (self.grid.ln_node(hi - 1), self.grid.ln_node(hi));
        (crate::numerics::fast_exp(l0 + f * (l1 - l0)), (hi - 1, f))
    }

    /// Tables at a grid location from `locate` or `energy_at_range_loc`.
    #[inline]
    pub fn at_loc(&self, t: &LeptonTables, loc: (usize, f64)) -> Node {
        Node::lerp(&t.nodes[loc.0], &t.nodes[loc.0 + 1], loc.1)
    }

    /// Restricted range (g/cm2) at a grid location.
    #[inline]
    pub fn range_loc(&self, t: &LeptonTables, loc: (usize, f64)) -> f64 {
        let (a, b) = (t.ranges[loc.0], t.ranges[loc.0 + 1]);
        a + loc.1 * (b - a)
    }
}

impl LeptonTables {
    fn new(
        med: &ElectronMedium,
        elements: &[(u8, f64)],
        el: &MaterialElastic,
        lepton: Lepton,
        p: &CondensedParams,
        grid: &LogGrid,
        cache: &mut ElementCache,
    ) -> Result<Self> {
        let cuts = if p.hard_losses {
            p.cuts
        } else {
            Cuts {
                delta_mev: 2.0 * super::E_MAX_MEV,
                photon_mev: 2.0 * super::E_MAX_MEV,
            }
        };
        let stopping = StoppingTable::new(med, lepton, Some(cuts));
        let brems = BremsTable::new(elements, lepton, cuts.photon_mev, cache)?;
        let electrons_per_g = med.z_over_a * AVOGADRO;
        let mut nodes = Vec::with_capacity(N_NODES);
        // soft transport cross sections (T_1, T_2) at the nodes, integrated into k1, k2 below
        let mut soft = Vec::with_capacity(N_NODES);
        for i in 0..N_NODES {
            let e = grid.node(i);
            let st = stopping.at(e);
            let s_r = st.restricted();
            let sig_delta = if p.hard_losses {
                electrons_per_g * moller::cross_section(lepton, e, cuts.delta_mev)
            } else {
                0.0
            };
            let sig_brems = if p.hard_losses { brems.sigma(e) } else { 0.0 };
            let sig_annih = match lepton {
                Lepton::Positron => electrons_per_g * positron::cross_section(e),
                Lepton::Electron => 0.0,
            };
            let share = elastic::soft_inelastic_share(
                cuts.delta_mev,
                moller::max_fraction(lepton) * e,
                med.i_ev * 1e-6,
            );
            let w = el.wentzel(e, share);
            let c1 = if e > p.c1_high_above_mev {
                p.c1_high
            } else {
                p.c1
            };
            let lambda_h =
                (1.0 / w.sigma_total()).max((c1 / w.sigma_1()).min(p.c2 * e / st.total()));
            let x_c = w.cut_for_hard(1.0 / lambda_h);
            let sig_hard_el = w.sigma_hard(x_c);
            soft.push(w.soft_moments(x_c));
            nodes.push(Node {
                s_r,
                range: 0.0,
                sig_delta,
                sig_brems,
                sig_annih,
                sig_hard_el,
                sig_inel: sig_delta + sig_brems + sig_annih,
                w_k: w.k,
                w_a: w.a,
                x_c,
                k1: 0.0,
                k2: 0.0,
            });
        }
        soft_moment_integrals(&mut nodes, &soft, grid);
        // restricted range from the cut-off: trapezoid in ln E on 1/S_r * E (smooth), refined
        // with 4 sub-intervals per grid interval
        let cut = p.cutoff_mev;
        let s_at = |e: f64| stopping.restricted(e);
        let mut r = 0.0;
        for (i, node) in nodes.iter_mut().enumerate() {
            let e = grid.node(i);
            if i > 0 {
                let (l0, l1) = (grid.node(i - 1).ln().max(cut.ln()), e.ln().max(cut.ln()));
                if l1 > l0 {
                    let n = 4;
                    let h = (l1 - l0) / n as f64;
                    for k in 0..n {
                        let (a, b) = ((l0 + k as f64 * h).exp(), (l0 + (k + 1) as f64 * h).exp());
                        let m = (0.5 * (a.ln() + b.ln())).exp();
                        // Simpson on E / S(E) d(ln E)
                        r += h / 6.0 * (a / s_at(a) + 4.0 * m / s_at(m) + b / s_at(b));
                    }
                }
            }
            node.range = r;
        }
        let straggling_k = BETHE_K * med.z_over_a * cuts.delta_mev.min(super::E_MAX_MEV);
        let ranges = nodes.iter().map(|n| n.range).collect();
        Ok(LeptonTables {
            ranges,
            lepton,
            nodes,
            brems,
            stopping,
            electrons_per_g,
            straggling_k,
        })
    }
}

/// Sets `k1`, `k2` of the nodes to the integrals along the CSDA path from the lowest node,
/// int T_l / S_r dE, of the soft transport cross sections `soft` = (T_1, T_2) (cm2/g) at the
/// nodes: trapezoid in ln E on E T_l / S_r. That integrand changes by about 0.4% per grid step
/// (0.0195 in ln E; T_l ~ E^-2, S_r ~ E^-0.8), except where lambda_h switches regime (C1 at
/// `c1_high_above_mev`, the min/max in lambda_h), where the trapezoid spreads the jump of T_l
/// over one grid interval.
fn soft_moment_integrals(nodes: &mut [Node], soft: &[(f64, f64)], grid: &LogGrid) {
    let f = |n: &Node, (t1, t2): (f64, f64), e: f64| (e * t1 / n.s_r, e * t2 / n.s_r);
    let mut prev = f(&nodes[0], soft[0], grid.node(0));
    let (mut k1, mut k2) = (0.0, 0.0);
    for (i, node) in nodes.iter_mut().enumerate() {
        let cur = f(node, soft[i], grid.node(i));
        if i > 0 {
            let h = grid.ln_node(i) - grid.ln_node(i - 1);
            k1 += 0.5 * h * (prev.0 + cur.0);
            k2 += 0.5 * h * (prev.1 + cur.1);
        }
        node.k1 = k1;
        node.k2 = k2;
        prev = cur;
    }
}

/// beta^2 of a lepton of kinetic energy `t_mev`.
#[inline]
pub fn beta2(t_mev: f64) -> f64 {
    let g = 1.0 + t_mev / ELECTRON_MASS_MEV;
    1.0 - 1.0 / (g * g)
}
