//! Cell-to-cell S values: the dose to the nucleus of a cell whose centre lies at distance d from
//! the centre of a source cell (same radii), per decay in a region of the source cell, by the
//! CSDA straight-line method of [`super::analytic`] (Goddu et al. 1997, ch. 2; the MIRDcell
//! cross-dose, Vaziri et al., J Nucl Med 55 (2014) 1557).
//!
//! The geometric reduction factor of the off-centre target sphere (radius RN at distance d) is
//! the average of the cap fraction f(rho, x, RN) over the source points, rho being the distance
//! from a source point to the target centre: rho^2 = r^2 + d^2 - 2 r d mu for a source point at
//! radius r and direction cosine mu from the source centre. The average over r (volume sources:
//! weight r^2) and mu (uniform) is a Gauss-Legendre product rule, 24 points in r (per side of RN)
//! and 48 in mu (an error below 0.2%
//! against the concentric formula at d = 0, `tests/cell_cluster.rs`).
//!
//! For alpha particles the same average gives the mean number of hits: a straight track of
//! length L from a point at distance rho > RN from the target centre enters the target when its
//! direction lies within the cone cos(beta) >= sqrt(1 - RN^2/rho^2) and, if L is shorter than
//! the tangent length sqrt(rho^2 - RN^2), when its entry point is within reach, cos(beta) >=
//! (rho^2 + L^2 - RN^2)/(2 rho L) (law of cosines); the probability is (1 - cos(beta_max))/2. A
//! source point inside the target always hits it.
//!
//! The tables hold S(d) for the low-LET emissions (electrons) and the alphas apart, and the
//! mean alpha hits per decay, on a grid of d from 0 to the largest distance asked for, linear in
//! d below 4 RC and logarithmic beyond; they are interpolated linearly.

use super::analytic::DistanceGrid;
use super::geometry::{cap_fraction, CellGeometry, SourceRegion};
use super::range::{Particle, RangeEnergy};
use super::spectrum::EmissionLine;
use crate::units::MEV_TO_J;

/// Gauss-Legendre nodes and weights on [-1, 1] of order n (Golub-Welsch-free Newton iteration).
pub fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-15 {
                break;
            }
        }
        out.push((x, 2.0 / ((1.0 - x * x) * dp * dp)));
    }
    out
}

/// Source points of a region (radius um, weight) for the average over the source: 24
/// Gauss-Legendre points in r on each of [0, RN] and [RN, RC] that the region covers (the
/// nucleus boundary is a discontinuity of the hit and deposit functions at small d).
fn radial_nodes(g: &CellGeometry, s: SourceRegion) -> Vec<(f64, f64)> {
    let (rn, rc) = (g.nucleus_radius_um, g.cell_radius_um);
    let pieces: &[(f64, f64)] = match s {
        SourceRegion::Nucleus => &[(0.0, rn)],
        SourceRegion::Cytoplasm => &[(rn, rc)],
        SourceRegion::Cell => &[(0.0, rn), (rn, rc)],
        SourceRegion::CellSurface => return vec![(rc, 1.0)],
    };
    let (lo, hi) = (pieces[0].0, pieces[pieces.len() - 1].1);
    let norm = (hi.powi(3) - lo.powi(3)) / 3.0;
    let gl = gauss_legendre(24);
    let mut out = vec![];
    for &(c, b) in pieces {
        for &(t, w) in &gl {
            let r = 0.5 * (b + c) + 0.5 * (b - c) * t;
            out.push((r, 0.5 * (b - c) * w * r * r / norm));
        }
    }
    out
}

/// Cell-to-cell tables for one source region.
#[derive(Clone, Debug)]
pub struct CrossTable {
    /// centre distances (um)
    pub d_um: Vec<f64>,
    /// S(nucleus <- source region of a cell at distance d), electrons (Gy per Bq s)
    pub s_low: Vec<f64>,
    /// the same for alpha particles (and recoils: zero range, so only at d = 0)
    pub s_alpha: Vec<f64>,
    /// mean alpha tracks entering the nucleus per decay
    pub hits: Vec<f64>,
}

/// Averages `f(rho)` over the source points at centre distance `d`.
fn source_average(rad: &[(f64, f64)], mu: &[(f64, f64)], d: f64, f: impl Fn(f64) -> f64) -> f64 {
    let mut sum = 0.0;
    for &(r, wr) in rad {
        for &(m, wm) in mu {
            let rho = (r * r + d * d - 2.0 * r * d * m).max(0.0).sqrt();
            sum += wr * 0.5 * wm * f(rho);
        }
    }
    sum
}

/// Probability that a track of length `len` from a point at `rho` from the centre of a sphere
/// of radius `a` enters it (isotropic direction).
fn hit_probability(rho: f64, a: f64, len: f64) -> f64 {
    if rho <= a {
        return 1.0;
    }
    if rho - a >= len {
        return 0.0;
    }
    let cone = (1.0 - a * a / (rho * rho)).max(0.0).sqrt();
    // beyond the tangent length every direction of the cone reaches the sphere; below it only
    // those whose near intersection lies within `len` (law of cosines)
    let cos_max = if len * len >= rho * rho - a * a {
        cone
    } else {
        (rho * rho + len * len - a * a) / (2.0 * rho * len)
    };
    0.5 * (1.0 - cos_max.min(1.0))
}

impl CrossTable {
    /// Tabulates the cross S values of source region `s` of cell geometry `g` for the emission
    /// `lines` up to centre distance `d_max_um`.
    pub fn new(
        g: &CellGeometry,
        s: SourceRegion,
        lines: &[EmissionLine],
        re: &RangeEnergy,
        d_max_um: f64,
    ) -> Self {
        let rc = g.cell_radius_um;
        let mut d_um: Vec<f64> = (0..=40).map(|k| 4.0 * rc * k as f64 / 40.0).collect();
        let mut d = 4.0 * rc;
        while d < d_max_um {
            d *= 1.05;
            d_um.push(d);
        }
        let rad = radial_nodes(g, s);
        let mu = gauss_legendre(48);
        let m_n = 4.0 / 3.0 * std::f64::consts::PI * g.nucleus_radius_um.powi(3) * 1e-15;
        let (mut s_low, mut s_alpha, mut hits) = (vec![], vec![], vec![]);
        for &d in &d_um {
            let (lo, al, h) = Self::at(g, &rad, &mu, d, lines, re);
            s_low.push(lo * MEV_TO_J / m_n);
            s_alpha.push(al * MEV_TO_J / m_n);
            hits.push(h);
        }
        CrossTable {
            d_um,
            s_low,
            s_alpha,
            hits,
        }
    }

    /// (electron energy, alpha energy (MeV) absorbed in the nucleus, alpha hits) per decay at
    /// centre distance `d`.
    fn at(
        g: &CellGeometry,
        rad: &[(f64, f64)],
        mu: &[(f64, f64)],
        d: f64,
        lines: &[EmissionLine],
        re: &RangeEnergy,
    ) -> (f64, f64, f64) {
        let a = g.nucleus_radius_um;
        let r_src = rad.iter().map(|p| p.0).fold(0.0, f64::max);
        let lo = (d - r_src - a).max(0.0);
        let hi = d + r_src + a;
        let psi = |x: f64| {
            if x <= 0.0 {
                source_average(rad, mu, d, |rho| if rho < a { 1.0 } else { 0.0 })
            } else {
                source_average(rad, mu, d, |rho| cap_fraction(rho, x, a))
            }
        };
        let grid = DistanceGrid::new(&[lo, hi], (hi - lo) / 48.0, 1, |_, x| psi(x));
        let psi0 = psi(0.0);
        let (mut low, mut alpha, mut hits) = (0.0, 0.0, 0.0);
        for l in lines {
            let len = re.track_um(l.particle, l.energy_mev);
            let e_abs = if len <= 0.0 {
                l.energy_mev * psi0
            } else if len <= lo {
                0.0
            } else {
                let stop =
                    |x: f64| re.stopping_at_residual_mev_per_um(l.particle, (len - x).max(0.0));
                grid.integrate(len, stop, |_, x| psi(x))[0]
            };
            match l.particle {
                Particle::Electron => low += l.yield_per_decay * e_abs,
                Particle::Alpha | Particle::Recoil => alpha += l.yield_per_decay * e_abs,
            }
            if l.particle == Particle::Alpha {
                hits += l.yield_per_decay
                    * source_average(rad, mu, d, |rho| hit_probability(rho, a, len));
            }
        }
        (low, alpha, hits)
    }

    /// (S electrons, S alphas (Gy per Bq s), alpha hits per decay) at centre distance `d_um`,
    /// linearly interpolated; zero beyond the table.
    pub fn lookup(&self, d_um: f64) -> (f64, f64, f64) {
        let n = self.d_um.len();
        if d_um >= self.d_um[n - 1] {
            return (0.0, 0.0, 0.0);
        }
        let k = self.d_um.partition_point(|&x| x <= d_um).clamp(1, n - 1);
        let (x0, x1) = (self.d_um[k - 1], self.d_um[k]);
        let t = ((d_um - x0) / (x1 - x0)).clamp(0.0, 1.0);
        let lerp = |v: &[f64]| v[k - 1] + t * (v[k] - v[k - 1]);
        (lerp(&self.s_low), lerp(&self.s_alpha), lerp(&self.hits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials() {
        let gl = gauss_legendre(16);
        let s: f64 = gl.iter().map(|&(x, w)| w * x.powi(30)).sum();
        assert!((s - 2.0 / 31.0).abs() < 1e-13);
        assert!((gl.iter().map(|p| p.1).sum::<f64>() - 2.0).abs() < 1e-14);
    }

    #[test]
    fn hit_probability_limits() {
        // a long track from far away: the cone of the sphere, (1 - cos)/2
        let p = hit_probability(10.0, 3.0, 1e9);
        assert!((p - 0.5 * (1.0 - (1.0f64 - 0.09).sqrt())).abs() < 1e-12);
        assert_eq!(hit_probability(10.0, 3.0, 6.9), 0.0);
        // a track just long enough to reach the tangent point: the whole cone
        let t = (100.0f64 - 9.0).sqrt();
        assert!((hit_probability(10.0, 3.0, t) - p).abs() < 1e-12);
        // shorter: a smaller cap, larger than zero
        let q = hit_probability(10.0, 3.0, 8.0);
        assert!(q > 0.0 && q < p);
        assert_eq!(hit_probability(2.0, 3.0, 1.0), 1.0);
    }
}
