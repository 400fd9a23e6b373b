//! Pointwise neutron cross sections of one nuclide, as generated from ENDF/B-VIII.1 by
//! `scripts/gen_neutron_tables.py` into `data/neutron/<nuclide>.txt` (energies converted from eV
//! to MeV at load).

use crate::rng::HistoryRng;
use crate::tables::{numbers, read_data_file, SectionedText};
use anyhow::{bail, Context, Result};

/// Number of cosine points of the tabulated elastic angular pdfs (-1..1, equally spaced).
const N_MU: usize = 33;

/// Microscopic cross sections (barn) at one energy.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MicroXs {
    pub total: f64,
    pub elastic: f64,
    /// radiative capture (n,gamma), MT102
    pub capture: f64,
    /// (n,p), MT103
    pub np: f64,
    /// (n,alpha) all branches, MT107
    pub nalpha: f64,
    /// (n,alpha1) branch to an excited state (10B: 7Li* 0.478 MeV), MT801; part of `nalpha`
    pub nalpha1: f64,
    /// inelastic scattering, MT4
    pub inelastic: f64,
}

impl MicroXs {
    /// Non-elastic reactions not listed separately ((n,2n), (n,d), ...; total minus the others).
    pub fn other(&self) -> f64 {
        (self.total - self.elastic - self.capture - self.np - self.nalpha - self.inelastic).max(0.0)
    }
}

/// Cross sections and elastic angular distributions of one nuclide.
#[derive(Clone, Debug)]
pub struct NuclideTable {
    pub name: String,
    /// mass in neutron masses (ENDF AWR)
    pub awr: f64,
    /// reaction Q values (MeV, ENDF QI): capture, (n,p), (n,alpha) ground, (n,alpha1)
    pub q_capture_mev: f64,
    pub q_np_mev: f64,
    pub q_nalpha_mev: f64,
    pub q_nalpha1_mev: f64,
    /// excitation of the first level (MeV), used as the energy loss of inelastic scattering
    pub inelastic_level_mev: f64,
    /// MeV, increasing
    pub energy_mev: Vec<f64>,
    pub xs: Vec<MicroXs>,
    /// (energy MeV, cumulative distribution of mu_cm at the N_MU points, mean mu_cm)
    angular: Vec<(f64, Vec<f64>, f64)>,
    pub provenance: String,
}

impl NuclideTable {
    /// Loads `data/neutron/<name>.txt` (e.g. "B-10").
    ///
    /// # Errors
    /// A missing or malformed file.
    pub fn load(name: &str) -> Result<Self> {
        let (path, text) = read_data_file(&format!("neutron/{name}.txt"))?;
        Self::parse(&text).with_context(|| format!("{}: malformed neutron table", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let t = SectionedText::parse(text);
        let mut d = NuclideTable {
            name: t.header("nuclide").unwrap_or_default().to_string(),
            awr: t.value("awr")?,
            q_capture_mev: t.value("q_capture_mev")?,
            q_np_mev: t.value("q_np_mev")?,
            q_nalpha_mev: t.value("q_nalpha_mev")?,
            q_nalpha1_mev: t.value("q_nalpha1_mev")?,
            inelastic_level_mev: t.value("inelastic_level_mev")?,
            energy_mev: vec![],
            xs: vec![],
            angular: vec![],
            provenance: t.provenance.clone(),
        };
        for (ln, line) in t.rows("cross_sections") {
            let v = numbers(ln, line, 8)?;
            d.energy_mev.push(v[0] * 1e-6);
            d.xs.push(MicroXs {
                total: v[1],
                elastic: v[2],
                capture: v[3],
                np: v[4],
                nalpha: v[5],
                nalpha1: v[6],
                inelastic: v[7],
            });
        }
        let h = 2.0 / (N_MU - 1) as f64;
        for (ln, line) in t.rows("elastic_angular") {
            let v = numbers(ln, line, N_MU + 1)?;
            let pdf = &v[1..=N_MU];
            let mut cdf = vec![0.0; N_MU];
            let mut mean = 0.0;
            for k in 1..N_MU {
                cdf[k] = cdf[k - 1] + 0.5 * (pdf[k - 1] + pdf[k]) * h;
                let (m0, m1) = (-1.0 + (k - 1) as f64 * h, -1.0 + k as f64 * h);
                // exact integral of mu * p(mu) for a linear p over [m0, m1]
                mean += h * (pdf[k - 1] * (2.0 * m0 + m1) + pdf[k] * (m0 + 2.0 * m1)) / 6.0;
            }
            let norm = cdf[N_MU - 1];
            if norm.is_nan() || norm <= 0.0 {
                bail!("line {ln}: angular pdf integrates to {norm}");
            }
            cdf.iter_mut().for_each(|c| *c /= norm);
            d.angular.push((v[0] * 1e-6, cdf, mean / norm));
        }
        if d.energy_mev.len() < 2 || d.angular.is_empty() || d.awr <= 0.0 {
            bail!("missing awr, cross sections or angular distributions");
        }
        if d.energy_mev.windows(2).any(|w| w[1] < w[0]) {
            bail!("energies are not increasing");
        }
        Ok(d)
    }

    /// Index i with energy[i] <= e < energy[i+1] (clamped to the table).
    #[inline]
    fn locate(&self, e_mev: f64) -> (usize, f64) {
        let es = &self.energy_mev;
        let n = es.len();
        if e_mev <= es[0] {
            return (0, 0.0);
        }
        if e_mev >= es[n - 1] {
            return (n - 2, 1.0);
        }
        let i = es.partition_point(|&x| x <= e_mev) - 1;
        (i, (e_mev - es[i]) / (es[i + 1] - es[i]))
    }

    /// Cross sections at `e_mev` (lin-lin; below the table's first energy, 1/v for the
    /// absorption reactions and constant scattering).
    pub fn xs_at(&self, e_mev: f64) -> MicroXs {
        let e0 = self.energy_mev[0];
        if e_mev < e0 {
            let x = self.xs[0];
            let s = (e0 / e_mev).sqrt();
            let abs = (x.capture + x.np + x.nalpha) * (s - 1.0);
            return MicroXs {
                total: x.total + abs,
                capture: x.capture * s,
                np: x.np * s,
                nalpha: x.nalpha * s,
                nalpha1: x.nalpha1 * s,
                ..x
            };
        }
        let (i, f) = self.locate(e_mev);
        let (a, b) = (&self.xs[i], &self.xs[i + 1]);
        let l = |x: f64, y: f64| x + f * (y - x);
        MicroXs {
            total: l(a.total, b.total),
            elastic: l(a.elastic, b.elastic),
            capture: l(a.capture, b.capture),
            np: l(a.np, b.np),
            nalpha: l(a.nalpha, b.nalpha),
            nalpha1: l(a.nalpha1, b.nalpha1),
            inelastic: l(a.inelastic, b.inelastic),
        }
    }

    /// Largest total cross section (barn) over [e_lo, e_hi] (lin-lin data: at the ends or a node).
    pub fn max_total(&self, e_lo: f64, e_hi: f64) -> f64 {
        let mut m = self.xs_at(e_lo).total.max(self.xs_at(e_hi).total);
        let lo = self.energy_mev.partition_point(|&x| x < e_lo);
        let hi = self.energy_mev.partition_point(|&x| x <= e_hi);
        for x in &self.xs[lo..hi] {
            m = m.max(x.total);
        }
        m
    }

    /// The angular table at or below `e_mev` and the next one, with the interpolation fraction.
    fn angular_bracket(&self, e_mev: f64) -> (usize, usize, f64) {
        let a = &self.angular;
        let j = a.partition_point(|x| x.0 <= e_mev);
        if j == 0 {
            return (0, 0, 0.0);
        }
        if j >= a.len() {
            return (a.len() - 1, a.len() - 1, 0.0);
        }
        let (e0, e1) = (a[j - 1].0, a[j].0);
        let f = if e0 > 0.0 && e1 > e0 {
            (e_mev.max(e0) / e0).ln() / (e1 / e0).ln()
        } else {
            0.0
        };
        (j - 1, j, f.clamp(0.0, 1.0))
    }

    /// Mean centre-of-mass cosine of elastic scattering at `e_mev` (log-energy interpolation of
    /// the tabulated means).
    pub fn mean_mu_cm(&self, e_mev: f64) -> f64 {
        let (i, j, f) = self.angular_bracket(e_mev);
        self.angular[i].2 + f * (self.angular[j].2 - self.angular[i].2)
    }

    /// Samples the centre-of-mass cosine of elastic scattering: the table is chosen stochastically
    /// between the bracketing energies, the bin by its probability, the cosine uniformly within
    /// the bin (the pdf is tabulated at 33 points, so it is nearly flat over one bin).
    pub fn sample_mu_cm(&self, e_mev: f64, rng: &mut HistoryRng) -> f64 {
        let (i, j, f) = self.angular_bracket(e_mev);
        let cdf = if rng.uniform() < f {
            &self.angular[j].1
        } else {
            &self.angular[i].1
        };
        let u = rng.uniform();
        let k = cdf.partition_point(|&c| c <= u).clamp(1, N_MU - 1);
        let h = 2.0 / (N_MU - 1) as f64;
        let (c0, c1) = (cdf[k - 1], cdf[k]);
        let m0 = -1.0 + (k - 1) as f64 * h;
        if c1 <= c0 {
            return m0 + h * rng.uniform();
        }
        // within one bin the pdf is close to flat at 33 points: invert linearly in the CDF
        let t = (u - c0) / (c1 - c0);
        (m0 + t * h).clamp(-1.0, 1.0)
    }
}
