//! Neutron collisions: the nuclide struck, absorption, elastic and inelastic scattering.
//!
//! Each process returns what it deposits locally and the photon it creates ([`Products`]) and
//! adds its energy to the run's [`NeutronBalance`]; it never writes a tally: the transport loop
//! scores the products (habit 6 of the style guide).
//!
//! - Absorption of weight `w_a` on a nuclide: the charged products of (n,p), (n,alpha) to the
//!   ground and (10B) the excited state, each as its expected energy Q + E per absorption; the
//!   other non-elastic reactions as the neutron's energy E. Capture and the 0.478 MeV 7Li* line
//!   give unweighted photons emitted with probability = their expected number.
//! - Elastic scattering: bound hydrogen in water below 1 eV by the scattering law; free-gas
//!   target motion below 400 kT (Romano & Walsh, Ann. Nucl. Energy 114 (2018) 318); the target
//!   at rest above, with the ENDF centre-of-mass angular distribution and exact two-body
//!   kinematics, the recoil deposited.
//! - Inelastic scattering to the first excited level, isotropic in the centre of mass; the level
//!   gamma emitted, the recoil deposited.

use super::free_gas::sample_target_velocity;
use super::{MicroXs, NeutronPhysics, Role, FREE_GAS_CUTOFF_KT, SAB_MAX_MEV};
use crate::numerics::Vec3;
use crate::particle::{isotropic_rng, Particle, ParticleKind};
use crate::rng::HistoryRng;

/// Energy bookkeeping of a run (MeV, summed over histories, weighted).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NeutronBalance {
    /// kinetic energy of the source neutrons
    pub source: f64,
    /// reaction Q values released (negative for endothermic reactions)
    pub q_released: f64,
    /// energy exchanged with the thermal motion of the medium (gained by the neutron counts
    /// negative)
    pub thermal_exchange: f64,
    /// charged particles and recoils deposited locally
    pub charged: f64,
    /// gamma energy created (to photons or deposited locally)
    pub gamma: f64,
    /// kinetic energy of neutrons leaving the geometry
    pub escaped: f64,
    /// kinetic energy removed (roulette) or added (roulette survivors): expected value zero
    pub roulette: f64,
}

impl NeutronBalance {
    /// Adds another balance, field by field.
    pub fn add(&mut self, o: &NeutronBalance) {
        self.source += o.source;
        self.q_released += o.q_released;
        self.thermal_exchange += o.thermal_exchange;
        self.charged += o.charged;
        self.gamma += o.gamma;
        self.escaped += o.escaped;
        self.roulette += o.roulette;
    }
    /// |in - out| / in, with in = source + Q and out = charged + gamma + escaped + thermal
    /// exchange + roulette.
    pub fn relative_discrepancy(&self) -> f64 {
        let inp = self.source + self.q_released;
        let out = self.charged + self.gamma + self.escaped + self.thermal_exchange + self.roulette;
        if inp > 0.0 {
            (inp - out).abs() / inp
        } else {
            0.0
        }
    }
}

/// The dose component of a local deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deposit {
    /// 10B(n,alpha)7Li products
    Boron,
    /// 14N(n,p)14C products
    Nitrogen,
    /// recoils and the other charged products (the fast-neutron, "hydrogen", dose)
    Hydrogen,
    /// a photon deposited where it was made (no photon transport)
    GammaLocal,
}

/// What one collision process deposits locally (weighted MeV, in the order made) and the photon
/// it creates.
#[derive(Clone, Copy, Debug, Default)]
pub struct Products {
    deposits: [(Option<Deposit>, f64); 3],
    n: usize,
    /// a unit-weight photon for the photon transport (only when [`CollisionModel::photons`])
    pub photon: Option<Particle>,
}

impl Products {
    #[inline]
    fn deposit(&mut self, d: Deposit, mev: f64) {
        self.deposits[self.n] = (Some(d), mev);
        self.n += 1;
    }
    /// The local deposits, in the order they were made (zero deposits included).
    #[inline]
    pub fn deposits(&self) -> impl Iterator<Item = (Deposit, f64)> + '_ {
        self.deposits[..self.n]
            .iter()
            .filter_map(|&(d, e)| d.map(|d| (d, e)))
    }
}

/// The neutron at a collision.
#[derive(Clone, Copy, Debug)]
pub struct Incident {
    /// index of the nuclide struck
    pub nuclide: usize,
    /// kinetic energy (MeV)
    pub e_mev: f64,
    pub dir: Vec3,
    pub pos: Vec3,
    /// statistical weight (for an absorption: the weight absorbed)
    pub weight: f64,
}

/// The collision physics of a transport, with its two choices.
#[derive(Clone, Copy, Debug)]
pub struct CollisionModel<'a> {
    pub physics: &'a NeutronPhysics,
    /// capture, 7Li* and level gammas become photons to transport (else local deposits)
    pub photons: bool,
    /// the 10B and 14N products are scored by a kerma estimator elsewhere, not at the site
    pub charged_by_kerma: bool,
}

impl NeutronPhysics {
    /// Picks the collision nuclide in material `m` (density `rho`, total macroscopic cross
    /// section `sig_t` at energy `e`) by its share of sigma_t; returns it with its cross sections.
    pub fn pick_nuclide(
        &self,
        m: usize,
        e: f64,
        rho: f64,
        sig_t: f64,
        rng: &mut HistoryRng,
    ) -> (usize, MicroXs) {
        let list = &self.materials[m].nuclides;
        let mut u = rng.uniform() * sig_t / rho;
        for &(n, nd) in list {
            let x = self.micro(n, e);
            u -= nd * x.total;
            if u < 0.0 {
                return (n, x);
            }
        }
        let n = list.last().expect("material has nuclides").0;
        (n, self.micro(n, e))
    }
}

impl CollisionModel<'_> {
    /// The products of an absorption of weight `inc.weight` on `inc.nuclide` with cross sections
    /// `x`.
    pub fn absorb(
        &self,
        inc: &Incident,
        x: &MicroXs,
        rng: &mut HistoryRng,
        bal: &mut NeutronBalance,
    ) -> Products {
        let mut out = Products::default();
        let (e, wa) = (inc.e_mev, inc.weight);
        let nuc = &self.physics.nuclides[inc.nuclide];
        let abs = x.total - x.elastic - x.inelastic;
        if abs <= 0.0 {
            return out;
        }
        let charged = match self.physics.roles[inc.nuclide] {
            Role::Boron10 => Deposit::Boron,
            Role::Nitrogen14 => Deposit::Nitrogen,
            _ => Deposit::Hydrogen,
        };
        let ground = (x.nalpha - x.nalpha1).max(0.0);
        // expected charged energy per absorption, by channel (Q + E, with E the neutron's)
        let f = |s: f64| wa * s / abs;
        let np = f(x.np) * (nuc.q_np_mev + e).max(0.0);
        let na0 = f(ground) * (nuc.q_nalpha_mev + e).max(0.0);
        let na1 = f(x.nalpha1) * (nuc.q_nalpha1_mev + e).max(0.0);
        let other = f(x.other()) * e;
        let by_kerma =
            self.charged_by_kerma && matches!(charged, Deposit::Boron | Deposit::Nitrogen);
        if !by_kerma {
            out.deposit(charged, np + na0 + na1);
        }
        out.deposit(Deposit::Hydrogen, other);
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
            self.gamma(e_cap, inc.pos, rng, &mut out);
        } else if u < p_cap + p_li {
            self.gamma(e_li, inc.pos, rng, &mut out);
        }
        out
    }

    /// A sampled (unit-weight) photon of `e` MeV at `pos`; its energy is already in the balance.
    fn gamma(&self, e: f64, pos: Vec3, rng: &mut HistoryRng, out: &mut Products) {
        if self.photons {
            out.photon = Some(Particle::new(
                ParticleKind::Photon,
                e,
                pos,
                isotropic_rng(rng),
            ));
        } else {
            out.deposit(Deposit::GammaLocal, e);
        }
    }

    /// Elastic scattering; returns the new energy and direction, and the recoil deposit.
    pub fn elastic(
        &self,
        inc: &Incident,
        rng: &mut HistoryRng,
        bal: &mut NeutronBalance,
    ) -> (f64, Vec3, Products) {
        let mut out = Products::default();
        let (n, e, dir, w) = (inc.nuclide, inc.e_mev, inc.dir, inc.weight);
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
            return (ep, dir.rotated_cs(mu, c, s), out);
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
            return (ep, d, out);
        }
        // target at rest: exact two-body kinematics
        let mu = nuc.sample_mu_cm(e, rng);
        let q = a * a + 2.0 * a * mu + 1.0;
        let ep = e * q / ((a + 1.0) * (a + 1.0));
        let mu_lab = (1.0 + a * mu) / q.sqrt();
        let recoil = (e - ep).max(0.0);
        out.deposit(Deposit::Hydrogen, w * recoil);
        bal.charged += w * recoil;
        let (c, s) = rng.azimuth();
        (ep, dir.rotated_cs(mu_lab.clamp(-1.0, 1.0), c, s), out)
    }

    /// Inelastic scattering to the first excited level (isotropic in the centre of mass);
    /// elastic below its threshold. Returns the new energy and direction, the recoil deposit and
    /// the level gamma.
    pub fn inelastic(
        &self,
        inc: &Incident,
        rng: &mut HistoryRng,
        bal: &mut NeutronBalance,
    ) -> (f64, Vec3, Products) {
        let (e, w) = (inc.e_mev, inc.weight);
        let nuc = &self.physics.nuclides[inc.nuclide];
        let a = nuc.awr;
        let level = nuc.inelastic_level_mev.max(0.0);
        let t_cm = e * a / (a + 1.0);
        if t_cm <= level {
            return self.elastic(inc, rng, bal);
        }
        let mut out = Products::default();
        let e_cm = (t_cm - level) * a / (a + 1.0);
        let mu_cm = 2.0 * rng.uniform() - 1.0;
        let ep = e_cm + e / ((a + 1.0) * (a + 1.0)) + 2.0 * mu_cm * (e_cm * e).sqrt() / (a + 1.0);
        let mu_lab = ((e_cm.sqrt() * mu_cm + e.sqrt() / (a + 1.0)) / ep.sqrt()).clamp(-1.0, 1.0);
        let recoil = (e - ep - level).max(0.0);
        out.deposit(Deposit::Hydrogen, w * recoil);
        bal.charged += w * recoil;
        // the level gamma: expected energy w * level, emitted as a unit photon with probability w
        bal.gamma += w * level;
        if rng.uniform() < w {
            self.gamma(level, inc.pos, rng, &mut out);
        }
        let (c, s) = rng.azimuth();
        (ep, inc.dir.rotated_cs(mu_lab, c, s), out)
    }
}
