//! Collisions: nuclide choice, absorption, elastic and inelastic scattering.

use super::free_gas::sample_target_velocity;
use super::transport::NeutronTransport;
use super::types::{Component, NeutronBalance};
use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::physics::neutron::{Role, FREE_GAS_CUTOFF_KT, SAB_MAX_MEV};
use crate::rng::HistoryRng;
use crate::tally::HistoryScore;

impl NeutronTransport<'_> {
    /// Picks the collision nuclide in material `m` by its share of sigma_t.
    pub(super) fn pick_nuclide(
        &self,
        m: usize,
        e: f64,
        rho: f64,
        sig_t: f64,
        rng: &mut HistoryRng,
    ) -> (usize, crate::physics::neutron::MicroXs) {
        let list = &self.physics.materials[m].nuclides;
        let mut u = rng.uniform() * sig_t / rho;
        for &(n, nd) in list {
            let x = self.physics.micro(n, e);
            u -= nd * x.total;
            if u < 0.0 {
                return (n, x);
            }
        }
        let n = list.last().expect("material has nuclides").0;
        (n, self.physics.micro(n, e))
    }

    /// Scores the products of an absorption of weight `wa` on nuclide `n`.
    #[allow(clippy::too_many_arguments)] // the collision state, passed flat in the hot loop
    pub(super) fn absorb(
        &self,
        n: usize,
        x: &crate::physics::neutron::MicroXs,
        e: f64,
        wa: f64,
        pos: Vec3,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
        stack: &mut Vec<Particle>,
    ) {
        let nuc = &self.physics.nuclides[n];
        let abs = x.total - x.elastic - x.inelastic;
        if abs <= 0.0 {
            return;
        }
        let charged_comp = match self.physics.roles[n] {
            Role::Boron10 => Component::Boron,
            Role::Nitrogen14 => Component::Nitrogen,
            _ => Component::Hydrogen,
        };
        let ground = (x.nalpha - x.nalpha1).max(0.0);
        // expected charged energy per absorption, by channel (Q + E, with E the neutron's)
        let f = |s: f64| wa * s / abs;
        let np = f(x.np) * (nuc.q_np_mev + e).max(0.0);
        let na0 = f(ground) * (nuc.q_nalpha_mev + e).max(0.0);
        let na1 = f(x.nalpha1) * (nuc.q_nalpha1_mev + e).max(0.0);
        let other = f(x.other()) * e;
        let by_kerma = self.kerma_estimator
            && self.voxels.is_some()
            && matches!(charged_comp, Component::Boron | Component::Nitrogen);
        if !by_kerma {
            score.score(self.bin(charged_comp, cell), np + na0 + na1);
        }
        score.score(self.bin(Component::Hydrogen, cell), other);
        bal.charged += np + na0 + na1 + other;
        bal.q_released += f(x.np) * nuc.q_np_mev
            + f(ground) * nuc.q_nalpha_mev
            + f(x.nalpha1) * nuc.q_nalpha_mev
            + f(x.capture) * nuc.q_capture_mev;
        // photons: unweighted, emitted with probability = their expected number
        let u = rng.uniform();
        let p_cap = f(x.capture);
        let p_li = f(x.nalpha1);
        let e_cap = nuc.q_capture_mev + e;
        let e_li = nuc.q_nalpha_mev - nuc.q_nalpha1_mev;
        // the gamma energy is accounted in expectation; the photon itself is sampled
        bal.gamma += p_cap * e_cap + p_li * e_li;
        if u < p_cap {
            self.gamma_sampled(e_cap, pos, cell, rng, score, stack);
        } else if u < p_cap + p_li {
            self.gamma_sampled(e_li, pos, cell, rng, score, stack);
        }
    }

    /// A sampled (unit-weight) photon; its energy is already in the balance.
    fn gamma_sampled(
        &self,
        e: f64,
        pos: Vec3,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        stack: &mut Vec<Particle>,
    ) {
        if self.photon.is_some() {
            stack.push(Particle::new(
                ParticleKind::Photon,
                e,
                pos,
                isotropic_rng(rng),
            ));
        } else {
            score.score(self.bin(Component::GammaLocal, cell), e);
        }
    }

    /// Elastic scattering; returns the new energy and direction.
    #[allow(clippy::too_many_arguments)] // the collision state, passed flat in the hot loop
    pub(super) fn elastic(
        &self,
        n: usize,
        e: f64,
        dir: Vec3,
        w: f64,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
    ) -> (f64, Vec3) {
        let nuc = &self.physics.nuclides[n];
        let a = nuc.awr;
        if let (Role::Hydrogen1, Some(t), true) = (
            self.physics.roles[n],
            &self.physics.thermal,
            e < SAB_MAX_MEV,
        ) {
            let (ep, mu) = t.sample(e, rng);
            let (c, s) = rng.azimuth();
            bal.thermal_exchange += w * (e - ep);
            return (ep, dir.rotated_cs(mu, c, s));
        }
        let kt = self.physics.target_kt_mev(n);
        if e < FREE_GAS_CUTOFF_KT * kt {
            let vt = sample_target_velocity(e, a, kt, dir, rng);
            let vn = dir * e.sqrt();
            let vcm = (vn + vt * a) * (1.0 / (a + 1.0));
            let u = vn - vcm;
            let speed = u.norm();
            let mu = nuc.sample_mu_cm(e, rng);
            let (c, s) = rng.azimuth();
            let u_dir = if speed > 0.0 {
                (u * (1.0 / speed)).rotated_cs(mu, c, s)
            } else {
                isotropic_rng(rng)
            };
            let v_out = vcm + u_dir * speed;
            let ep = v_out.dot(v_out);
            bal.thermal_exchange += w * (e - ep);
            let d = if ep > 0.0 {
                v_out * (1.0 / ep.sqrt())
            } else {
                isotropic_rng(rng)
            };
            return (ep, d);
        }
        // target at rest: exact two-body kinematics
        let mu = nuc.sample_mu_cm(e, rng);
        let q = a * a + 2.0 * a * mu + 1.0;
        let ep = e * q / ((a + 1.0) * (a + 1.0));
        let mu_lab = (1.0 + a * mu) / q.sqrt();
        let recoil = (e - ep).max(0.0);
        score.score(self.bin(Component::Hydrogen, cell), w * recoil);
        bal.charged += w * recoil;
        let (c, s) = rng.azimuth();
        (ep, dir.rotated_cs(mu_lab.clamp(-1.0, 1.0), c, s))
    }

    /// Inelastic scattering to the first excited level (isotropic in the centre of mass); the
    /// level's gamma is emitted, the recoil deposited.
    #[allow(clippy::too_many_arguments)] // the collision state, passed flat in the hot loop
    pub(super) fn inelastic(
        &self,
        n: usize,
        e: f64,
        dir: Vec3,
        w: f64,
        pos: Vec3,
        cell: usize,
        rng: &mut HistoryRng,
        score: &mut HistoryScore,
        bal: &mut NeutronBalance,
        stack: &mut Vec<Particle>,
    ) -> (f64, Vec3) {
        let nuc = &self.physics.nuclides[n];
        let a = nuc.awr;
        let level = nuc.inelastic_level_mev.max(0.0);
        let t_cm = e * a / (a + 1.0);
        if t_cm <= level {
            return self.elastic(n, e, dir, w, cell, rng, score, bal);
        }
        let e_cm = (t_cm - level) * a / (a + 1.0);
        let mu_cm = 2.0 * rng.uniform() - 1.0;
        let ep = e_cm + e / ((a + 1.0) * (a + 1.0)) + 2.0 * mu_cm * (e_cm * e).sqrt() / (a + 1.0);
        let mu_lab = ((e_cm.sqrt() * mu_cm + e.sqrt() / (a + 1.0)) / ep.sqrt()).clamp(-1.0, 1.0);
        let recoil = (e - ep - level).max(0.0);
        score.score(self.bin(Component::Hydrogen, cell), w * recoil);
        bal.charged += w * recoil;
        // the level gamma: expected energy w * level, emitted as a unit photon with probability w
        bal.gamma += w * level;
        if rng.uniform() < w {
            self.gamma_sampled(level, pos, cell, rng, score, stack);
        }
        let (c, s) = rng.azimuth();
        (ep, dir.rotated_cs(mu_lab, c, s))
    }
}
