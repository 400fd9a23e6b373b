//! Free-gas target velocity sampling.

use crate::numerics::Vec3;
use crate::rng::HistoryRng;

/// Samples the velocity of a free-gas target (units: velocity^2 = energy in MeV per unit mass)
/// for a neutron of energy `e` moving along `dir`, constant cross section: the algorithm of
/// MCNP and OpenMC ("cxs"; Romano & Walsh, Ann. Nucl. Energy 114 (2018) 318, sec. 2).
pub fn sample_target_velocity(e: f64, awr: f64, kt: f64, dir: Vec3, rng: &mut HistoryRng) -> Vec3 {
    let beta_vn = (awr * e / kt).sqrt();
    let alpha = 1.0 / (1.0 + std::f64::consts::PI.sqrt() * beta_vn / 2.0);
    loop {
        let beta_vt2 = if rng.uniform() < alpha {
            // x^3 exp(-x^2)
            -(rng.uniform_open() * rng.uniform_open()).ln()
        } else {
            // x^2 exp(-x^2)
            let c = (std::f64::consts::FRAC_PI_2 * rng.uniform()).cos();
            -rng.uniform_open().ln() - rng.uniform_open().ln() * c * c
        };
        let beta_vt = beta_vt2.sqrt();
        let mu = 2.0 * rng.uniform() - 1.0;
        let rel = (beta_vn * beta_vn + beta_vt2 - 2.0 * beta_vn * beta_vt * mu).sqrt();
        if rng.uniform() * (beta_vn + beta_vt) < rel {
            let (c, s) = rng.azimuth();
            let speed = beta_vt * (kt / awr).sqrt();
            return dir.rotated_cs(mu, c, s) * speed;
        }
    }
}
