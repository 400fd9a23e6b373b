//! Decay chains with branching: the Bateman solution for the numbers of atoms and activities of
//! every member over time, and activity ratios at secular equilibrium.
//!
//! For a chain ordered so that every parent comes before its daughters (a directed acyclic graph,
//! as every natural chain is), dN_j/dt = -l_j N_j + sum_k b_kj l_k N_k has the solution
//! N_j(t) = sum_i c_ji exp(-l_i t) over j and its ancestors i (Bateman, Proc. Camb. Phil. Soc.
//! 15 (1910) 423, generalised to branching), with
//!   c_ji = sum_k b_kj l_k c_ki / (l_j - l_i)  for i != j,   c_jj = N_j(0) - sum_{i != j} c_ji.
//! The decay constants of a member and its ancestors must differ (true of measured half-lives).

use super::nuclide::{exists, Nuclide};
use anyhow::{bail, Result};

/// A decay chain: members in topological order (parents first) and their feeding links.
#[derive(Clone, Debug)]
pub struct Chain {
    pub names: Vec<String>,
    /// decay constants (1/s); 0 for a stable member
    pub lambda_per_s: Vec<f64>,
    /// `feeds[j]`: (parent index, branching fraction) for every parent of member j
    pub feeds: Vec<Vec<(usize, f64)>>,
}

/// Bateman coefficients of a chain for given initial atoms.
#[derive(Clone, Debug)]
pub struct BatemanSolution {
    lambda_per_s: Vec<f64>,
    /// `coef[j][i]`: coefficient of exp(-l_i t) in N_j(t)
    coef: Vec<Vec<f64>>,
}

impl Chain {
    /// A chain from names, half-lives (s; `f64::INFINITY` for stable) and links (parent,
    /// daughter, branching); members must be listed parents first.
    pub fn new(
        names: &[&str],
        half_lives_s: &[f64],
        links: &[(usize, usize, f64)],
    ) -> Result<Self> {
        if names.len() != half_lives_s.len() {
            bail!(
                "chain: {} names but {} half-lives",
                names.len(),
                half_lives_s.len()
            );
        }
        let mut feeds = vec![vec![]; names.len()];
        for &(p, d, b) in links {
            if p >= d || d >= names.len() {
                bail!("chain: link {p} -> {d} must go from a parent to a later member");
            }
            feeds[d].push((p, b));
        }
        Ok(Chain {
            names: names.iter().map(|s| s.to_string()).collect(),
            lambda_per_s: half_lives_s
                .iter()
                .map(|t| std::f64::consts::LN_2 / t)
                .collect(),
            feeds,
        })
    }

    /// The chain below a nuclide: every daughter with decay data whose half-life is shorter than
    /// the parent's (longer-lived daughters and nuclides without data, i.e. stable ones, end the
    /// chain there). Daughters come from the parent's decay data (`parent.data`): with ICRP-107
    /// every radioactive daughter of every nuclide has data (ICRP-07.NDX daughters and branching,
    /// isomers included).
    pub fn from_nuclide(parent: &Nuclide) -> Result<Self> {
        let mut nuclides = vec![parent.clone()];
        let mut links: Vec<(usize, usize, f64)> = vec![];
        let mut i = 0;
        while i < nuclides.len() {
            for m in nuclides[i].modes.clone() {
                if !exists(&m.daughter, parent.data) {
                    continue;
                }
                let d = Nuclide::load_from(&m.daughter, parent.data)?;
                if d.half_life_s >= parent.half_life_s {
                    continue;
                }
                let j = match nuclides.iter().position(|n| n.name == d.name) {
                    Some(j) => j,
                    None => {
                        nuclides.push(d);
                        nuclides.len() - 1
                    }
                };
                links.push((i, j, m.branching));
            }
            i += 1;
        }
        // topological order (a member after all its parents)
        let n = nuclides.len();
        let mut order: Vec<usize> = vec![];
        while order.len() < n {
            let before = order.len();
            for j in 0..n {
                let ready = links
                    .iter()
                    .filter(|l| l.1 == j)
                    .all(|l| order.contains(&l.0));
                if !order.contains(&j) && ready {
                    order.push(j);
                }
            }
            if order.len() == before {
                bail!("decay chain of {} has a loop", parent.name);
            }
        }
        let pos = |k: usize| order.iter().position(|&o| o == k).expect("ordered");
        let mut feeds = vec![vec![]; n];
        for &(p, d, b) in &links {
            feeds[pos(d)].push((pos(p), b));
        }
        Ok(Chain {
            names: order.iter().map(|&k| nuclides[k].name.clone()).collect(),
            lambda_per_s: order.iter().map(|&k| nuclides[k].lambda_per_s()).collect(),
            feeds,
        })
    }

    /// Activity of every member per decay of the first member at secular equilibrium: the sum
    /// over paths of the products of branching fractions.
    pub fn secular_ratios(&self) -> Vec<f64> {
        let mut r = vec![0.0; self.names.len()];
        r[0] = 1.0;
        for j in 1..r.len() {
            r[j] = self.feeds[j].iter().map(|&(p, b)| r[p] * b).sum();
        }
        r
    }

    /// The Bateman coefficients for initial numbers of atoms `n0`.
    pub fn solve(&self, n0: &[f64]) -> Result<BatemanSolution> {
        let n = self.names.len();
        if n0.len() != n {
            bail!("chain of {n} members given {} initial amounts", n0.len());
        }
        let l = &self.lambda_per_s;
        let mut coef = vec![vec![0.0; n]; n];
        for j in 0..n {
            let mut sum = 0.0;
            for i in 0..j {
                let feed: f64 = self.feeds[j]
                    .iter()
                    .map(|&(k, b)| b * l[k] * coef[k][i])
                    .sum();
                if feed == 0.0 {
                    continue;
                }
                if (l[j] - l[i]).abs() <= 1e-12 * l[j].max(l[i]) {
                    bail!(
                        "{} and {} have equal decay constants",
                        self.names[j],
                        self.names[i]
                    );
                }
                coef[j][i] = feed / (l[j] - l[i]);
                sum += coef[j][i];
            }
            coef[j][j] = n0[j] - sum;
        }
        Ok(BatemanSolution {
            lambda_per_s: l.clone(),
            coef,
        })
    }
}

impl BatemanSolution {
    /// Numbers of atoms of every member at time `t_s`.
    pub fn atoms(&self, t_s: f64) -> Vec<f64> {
        let e: Vec<f64> = self.lambda_per_s.iter().map(|l| (-l * t_s).exp()).collect();
        self.coef
            .iter()
            .map(|c| c.iter().zip(&e).map(|(c, e)| c * e).sum::<f64>().max(0.0))
            .collect()
    }

    /// Activities (Bq) of every member at time `t_s`.
    pub fn activities(&self, t_s: f64) -> Vec<f64> {
        self.atoms(t_s)
            .iter()
            .zip(&self.lambda_per_s)
            .map(|(n, l)| n * l)
            .collect()
    }
}
