//! The discrete lines of a decay (gammas, X-rays, conversion and Auger electrons) sampled with
//! one uniform number per emitted particle, plus one, instead of one per line.
//!
//! A line of intensity y (per decay) emits floor(y) particles, and one more with probability
//! q = y - floor(y), independently of the other lines. With R_j = prod_{i<j} (1 - q_i) the
//! probability that, from line s on, the first extra emission is line j is
//! q_j R_j / R_s = (R_j - R_{j+1}) / R_s, and that there is none is R_n / R_s. So one uniform
//! V in (0, 1] and t = R_s V give the first emission at the j with R_{j+1} <= t < R_j (a binary
//! search of the decreasing R), or none when t < R_n; the next search starts after j. This is
//! exact: the same Bernoulli trials as one uniform per line. ICRP-107's Lu-177 lists about 150
//! lines, mostly Auger electrons and X-rays of small intensity: that loop took a quarter of a
//! Lu-177 voxel run.

use crate::rng::HistoryRng;

/// The line emissions of one source: of a nuclide's decay, or of the lines a user gave
/// ([`super::emitter::Emitter`]); `K` is the kind of particle a line emits.
#[derive(Clone, Debug)]
pub struct LineSampler<K> {
    /// lines with a fractional part q > 0: (kind, energy MeV)
    lines: Vec<(K, f64)>,
    /// R_j = prod_{i<j} (1 - q_i) for j = 0..=n, strictly decreasing
    r: Vec<f64>,
    /// the whole parts: (kind, energy MeV, count)
    whole: Vec<(K, f64, usize)>,
}

impl<K: Copy> LineSampler<K> {
    /// The sampler of `lines`, (kind, energy MeV, intensity per event) with intensities finite
    /// and >= 0.
    pub fn new(lines: impl IntoIterator<Item = (K, f64, f64)>) -> Self {
        let mut s = LineSampler {
            lines: Vec::new(),
            r: vec![1.0],
            whole: Vec::new(),
        };
        for (kind, energy_mev, intensity) in lines {
            let whole = intensity.floor();
            if whole >= 1.0 {
                s.whole.push((kind, energy_mev, whole as usize));
            }
            let q = intensity - whole;
            if q > 0.0 {
                s.lines.push((kind, energy_mev));
                let last = *s.r.last().expect("R_0 = 1");
                s.r.push(last * (1.0 - q));
            }
        }
        s
    }

    /// Calls `emit(kind, energy MeV, rng)` for each particle the lines emit in one event: the
    /// whole parts first (no random number), then the fractional parts in line order.
    #[inline]
    pub fn sample(&self, rng: &mut HistoryRng, mut emit: impl FnMut(K, f64, &mut HistoryRng)) {
        for &(kind, energy_mev, count) in &self.whole {
            for _ in 0..count {
                emit(kind, energy_mev, rng);
            }
        }
        let n = self.lines.len();
        let mut s = 0;
        while s < n {
            let t = self.r[s] * rng.uniform_open();
            if t < self.r[n] {
                return;
            }
            // the first j >= s with R_{j+1} <= t
            let j = s + self.r[s + 1..=n].partition_point(|&x| x > t);
            let (kind, energy_mev) = self.lines[j];
            emit(kind, energy_mev, rng);
            s = j + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::source::emission::{Emission, EmissionKind};

    fn line(e: f64, y: f64) -> (f64, f64) {
        (e, y)
    }

    /// Each line's mean count and the pair correlation of two lines against their intensities
    /// (independent Bernoulli trials plus the whole parts), 1e6 decays, within 5 sigma.
    #[test]
    fn counts_are_those_of_independent_lines() {
        let gam = [
            line(0.1, 0.3),
            line(0.2, 2.25),
            line(0.3, 0.0),
            line(0.4, 1e-3),
        ];
        let ele = [line(0.01, 0.9), line(0.02, 0.05)];
        let s = LineSampler::new(
            gam.iter()
                .map(|&(e, y)| (EmissionKind::Photon, e, y))
                .chain(ele.iter().map(|&(e, y)| (EmissionKind::Electron, e, y))),
        );
        let mut rng = HistoryRng::new(7, 0);
        let n = 1_000_000;
        let (mut count, mut both) = ([0u64; 6], 0u64);
        let mut out = Vec::new();
        let idx = |e: &Emission| match e.kind {
            EmissionKind::Photon => (e.energy_mev * 10.0).round() as usize - 1,
            _ => (e.energy_mev * 100.0).round() as usize + 3,
        };
        for _ in 0..n {
            out.clear();
            s.sample(&mut rng, |kind, energy_mev, _| {
                out.push(Emission { kind, energy_mev })
            });
            let mut seen = [0u32; 6];
            for e in &out {
                seen[idx(e)] += 1;
            }
            for k in 0..6 {
                count[k] += seen[k] as u64;
            }
            both += u64::from(seen[0] == 1 && seen[4] == 1);
        }
        let want = [0.3, 2.25, 0.0, 1e-3, 0.9, 0.05];
        for k in 0..6 {
            let q = want[k] - f64::floor(want[k]);
            let sd = (q * (1.0 - q) * n as f64).sqrt().max(1.0);
            let dev = (count[k] as f64 - want[k] * n as f64) / sd;
            assert!(
                dev.abs() < 5.0,
                "line {k}: {} vs {} ({dev:.1} sd)",
                count[k],
                want[k] * n as f64
            );
        }
        let p = 0.3 * 0.9;
        let dev = (both as f64 - p * n as f64) / (p * (1.0 - p) * n as f64).sqrt();
        assert!(dev.abs() < 5.0, "pair: {both} ({dev:.1} sd)");
    }
}
