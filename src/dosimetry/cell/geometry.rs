//! Geometric reduction factors of the concentric-sphere cell (Goddu, Howell, Rao, J Nucl Med 35
//! (1994) 303, eqs. 3-9; Goddu et al., MIRD Cellular S Values, SNM 1997, ch. 2).
//!
//! psi_{T<-S}(x) is the probability that the point at distance x from a point drawn uniformly in
//! the source region S, in an isotropic direction, lies in the target region T. For a target
//! sphere of radius a centred at the origin and a source point at radius r, the fraction of the
//! sphere of radius x around the point that lies in the target is (the area of a spherical cap)
//!
//! ```text
//!   f(r, x, a) = 1                               if r + x <= a
//!              = 0                               if |r - x| >= a
//!              = (a^2 - (r - x)^2) / (4 r x)     otherwise,
//! ```
//!
//! and psi is its average over the source: a surface source at radius R gives f(R, x, a); a
//! volume source between radii c < b gives 3 / (b^3 - c^3) int_c^b r^2 f(r, x, a) dr. Between the
//! break points r = a - x, x - a, x + a the integrand r^2 f is a polynomial of degree 3 in r, so
//! a 3-point Gauss-Legendre rule per piece integrates it exactly (to rounding).
//!
//! The symmetry V_S psi_{T<-S}(x) = V_T psi_{S<-T}(x) (both are the density of pairs of points at
//! distance x, one in S and one in T) is the geometric root of the reciprocity theorem.

use serde::{Deserialize, Serialize};

/// A source region of the cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SourceRegion {
    /// uniform in the nucleus (r < RN)
    Nucleus,
    /// uniform in the cytoplasm (RN < r < RC)
    Cytoplasm,
    /// uniform on the cell surface (r = RC)
    CellSurface,
    /// uniform in the whole cell (r < RC)
    Cell,
}

/// A target region of the cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TargetRegion {
    Nucleus,
    Cytoplasm,
    Cell,
}

impl SourceRegion {
    pub const ALL: [SourceRegion; 4] = [
        SourceRegion::Nucleus,
        SourceRegion::Cytoplasm,
        SourceRegion::CellSurface,
        SourceRegion::Cell,
    ];
    /// The name used in keys and CSV rows: `nucleus`, `cytoplasm`, `cell_surface`, `cell`.
    pub fn name(self) -> &'static str {
        match self {
            SourceRegion::Nucleus => "nucleus",
            SourceRegion::Cytoplasm => "cytoplasm",
            SourceRegion::CellSurface => "cell_surface",
            SourceRegion::Cell => "cell",
        }
    }
}

impl TargetRegion {
    pub const ALL: [TargetRegion; 3] = [
        TargetRegion::Nucleus,
        TargetRegion::Cytoplasm,
        TargetRegion::Cell,
    ];
    /// The name used in keys and CSV rows: `nucleus`, `cytoplasm`, `cell`.
    pub fn name(self) -> &'static str {
        match self {
            TargetRegion::Nucleus => "nucleus",
            TargetRegion::Cytoplasm => "cytoplasm",
            TargetRegion::Cell => "cell",
        }
    }
}

/// The concentric-sphere cell: radii in micrometres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellGeometry {
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
}

/// Fraction of the sphere of radius `x` around a point at radius `r` that lies inside the
/// sphere of radius `a` (all centred at the origin but the first).
#[inline]
pub fn cap_fraction(r: f64, x: f64, a: f64) -> f64 {
    if r + x <= a {
        1.0
    } else if (r - x).abs() >= a {
        0.0
    } else {
        (a * a - (r - x) * (r - x)) / (4.0 * r * x)
    }
}

/// 3-point Gauss-Legendre nodes and weights on [-1, 1].
const GL3: [(f64, f64); 3] = [
    (-0.774_596_669_241_483_4, 5.0 / 9.0),
    (0.0, 8.0 / 9.0),
    (0.774_596_669_241_483_4, 5.0 / 9.0),
];

/// int_c^b r^2 f(r, x, a) dr, exact (piecewise cubic) for x > 0.
fn shell_integral(c: f64, b: f64, x: f64, a: f64) -> f64 {
    let mut cuts = [c, b, a - x, x - a, x + a];
    cuts.sort_by(f64::total_cmp);
    let mut sum = 0.0;
    let mut lo = c;
    for &cut in cuts.iter().chain(std::iter::once(&b)) {
        let hi = cut.clamp(c, b);
        if hi > lo {
            let (m, h) = (0.5 * (lo + hi), 0.5 * (hi - lo));
            for (t, w) in GL3 {
                let r = m + h * t;
                sum += w * h * r * r * cap_fraction(r, x, a);
            }
            lo = hi;
        }
    }
    sum
}

/// Average of f(r, x, a) over a uniform volume source between radii `c` and `b`.
fn volume_psi(c: f64, b: f64, x: f64, a: f64) -> f64 {
    if x <= 0.0 {
        // a point's own position: the fraction of the source volume inside radius a
        let inner = a.clamp(c, b);
        return (inner.powi(3) - c.powi(3)) / (b.powi(3) - c.powi(3));
    }
    3.0 * shell_integral(c, b, x, a) / (b.powi(3) - c.powi(3))
}

impl CellGeometry {
    /// Volume of a target region (um^3).
    pub fn target_volume_um3(&self, t: TargetRegion) -> f64 {
        let v = |r: f64| 4.0 / 3.0 * std::f64::consts::PI * r.powi(3);
        match t {
            TargetRegion::Nucleus => v(self.nucleus_radius_um),
            TargetRegion::Cytoplasm => v(self.cell_radius_um) - v(self.nucleus_radius_um),
            TargetRegion::Cell => v(self.cell_radius_um),
        }
    }

    /// The largest distance between a source point and a target point (um): psi vanishes beyond.
    pub fn max_distance_um(&self, t: TargetRegion, s: SourceRegion) -> f64 {
        let (rn, rc) = (self.nucleus_radius_um, self.cell_radius_um);
        let rt = match t {
            TargetRegion::Nucleus => rn,
            _ => rc,
        };
        let rs = match s {
            SourceRegion::Nucleus => rn,
            _ => rc,
        };
        rt + rs
    }

    /// Distances (um) where psi_{T<-S} has a kink: break points of the quadrature over x.
    pub fn kinks_um(&self) -> Vec<f64> {
        let (rn, rc) = (self.nucleus_radius_um, self.cell_radius_um);
        let mut k = vec![rc - rn, 2.0 * rn, rn, rc, rc + rn, 2.0 * rc];
        k.retain(|v| *v > 0.0);
        k.sort_by(f64::total_cmp);
        k.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
        k
    }

    /// psi_{T<-S}(x): the probability that the point at distance `x_um` (random direction) from
    /// a random source point lies in the target.
    pub fn psi(&self, t: TargetRegion, s: SourceRegion, x_um: f64) -> f64 {
        let (rn, rc) = (self.nucleus_radius_um, self.cell_radius_um);
        let inside = |a: f64| -> f64 {
            match s {
                SourceRegion::Nucleus => volume_psi(0.0, rn, x_um, a),
                SourceRegion::Cytoplasm => volume_psi(rn, rc, x_um, a),
                SourceRegion::Cell => volume_psi(0.0, rc, x_um, a),
                SourceRegion::CellSurface => {
                    if x_um <= 0.0 {
                        // the limit x -> 0 at the boundary: half the directions point inwards
                        match a.partial_cmp(&rc) {
                            Some(std::cmp::Ordering::Greater) => 1.0,
                            Some(std::cmp::Ordering::Equal) => 0.5,
                            _ => 0.0,
                        }
                    } else {
                        cap_fraction(rc, x_um, a)
                    }
                }
            }
        };
        match t {
            TargetRegion::Nucleus => inside(rn),
            TargetRegion::Cell => inside(rc),
            TargetRegion::Cytoplasm => (inside(rc) - inside(rn)).max(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> CellGeometry {
        CellGeometry {
            cell_radius_um: 5.0,
            nucleus_radius_um: 3.0,
        }
    }

    /// The self-psi of a sphere has the closed form 1 - 3x/(4a) + x^3/(16 a^3) (x <= 2a): the
    /// chord-length result of Kellerer (1971) used by Goddu et al. (1994) eq. 5.
    #[test]
    fn sphere_self_psi_matches_closed_form() {
        let cg = g();
        for &x in &[0.0, 0.3, 1.0, 2.5, 4.0, 5.9, 6.0, 7.0] {
            let a = 3.0;
            let u: f64 = x / (2.0 * a);
            let exact = if u < 1.0 {
                1.0 - 1.5 * u + 0.5 * u.powi(3)
            } else {
                0.0
            };
            let p = cg.psi(TargetRegion::Nucleus, SourceRegion::Nucleus, x);
            assert!((p - exact).abs() < 1e-12, "x {x}: {p} vs {exact}");
        }
    }

    /// V_S psi_{T<-S} = V_T psi_{S<-T} (pair density symmetry) for the volume regions.
    #[test]
    fn pair_density_is_symmetric() {
        let cg = g();
        let v_n = cg.target_volume_um3(TargetRegion::Nucleus);
        let v_cy = cg.target_volume_um3(TargetRegion::Cytoplasm);
        for &x in &[0.2, 1.0, 2.0, 3.5, 6.0, 7.9] {
            let a = v_cy * cg.psi(TargetRegion::Nucleus, SourceRegion::Cytoplasm, x);
            let b = v_n * cg.psi(TargetRegion::Cytoplasm, SourceRegion::Nucleus, x);
            assert!((a - b).abs() < 1e-9 * a.max(1e-9), "x {x}: {a} vs {b}");
        }
    }

    /// psi to the whole cell adds up from nucleus and cytoplasm; an infinite target gets all.
    #[test]
    fn psi_adds_up() {
        let cg = g();
        for s in SourceRegion::ALL {
            for &x in &[0.1, 1.7, 4.2, 9.0] {
                let sum =
                    cg.psi(TargetRegion::Nucleus, s, x) + cg.psi(TargetRegion::Cytoplasm, s, x);
                let cell = cg.psi(TargetRegion::Cell, s, x);
                assert!((sum - cell).abs() < 1e-12, "{s:?} x {x}");
            }
        }
        let big = CellGeometry {
            cell_radius_um: 1e6,
            nucleus_radius_um: 1.0,
        };
        assert!((big.psi(TargetRegion::Cell, SourceRegion::Nucleus, 20.0) - 1.0).abs() < 1e-12);
    }
}
