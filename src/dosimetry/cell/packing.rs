//! Positions of cells in a multicellular geometry: a spherical cluster or a planar monolayer,
//! by random sequential addition (RSA: candidate centres drawn uniformly, rejected when they
//! overlap a placed cell). RSA jams at a packing fraction of 0.384 in 3-D and 0.547 in 2-D
//! (Torquato, Uche & Stillinger, Phys Rev E 74 (2006) 061308; Feder, J Theor Biol 87 (1980)
//! 237), below the 0.64 of random close packing; fractions up to 0.38 (cluster) and 0.54
//! (monolayer) are accepted. A cell list with cells of one diameter makes each overlap test
//! look at 27 (9) neighbouring bins.

use crate::numerics::Vec3;
use crate::rng::HistoryRng;
use crate::spec_bail;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The arrangement of the cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrangement {
    /// cells packed at random in a sphere
    #[default]
    Cluster,
    /// cells at random in a disk in the plane z = 0 (a monolayer culture)
    Monolayer,
}

impl Arrangement {
    pub fn name(self) -> &'static str {
        match self {
            Arrangement::Cluster => "cluster",
            Arrangement::Monolayer => "monolayer",
        }
    }
    /// Largest accepted packing fraction (below the RSA jamming limit).
    pub fn max_packing(self) -> f64 {
        match self {
            Arrangement::Cluster => 0.38,
            Arrangement::Monolayer => 0.54,
        }
    }
}

/// Places `n` cells of radius `rc_um` at packing fraction `phi` (volume fraction of the
/// sphere, or area fraction of the disk); returns their centres (um) and the radius of the
/// sphere or disk that holds the centres.
///
/// # Errors
/// A spec error naming `packing_fraction` when it is out of range or RSA cannot place the cells.
pub fn place(
    arrangement: Arrangement,
    n: usize,
    rc_um: f64,
    phi: f64,
    rng: &mut HistoryRng,
) -> Result<(Vec<Vec3>, f64)> {
    if !(phi > 0.0 && phi <= arrangement.max_packing()) {
        spec_bail!(
            "packing_fraction",
            "{phi}: expected above 0 and at most {} for a {} (random sequential addition jams \
             near {})",
            arrangement.max_packing(),
            arrangement.name(),
            match arrangement {
                Arrangement::Cluster => 0.384,
                Arrangement::Monolayer => 0.547,
            }
        );
    }
    let planar = arrangement == Arrangement::Monolayer;
    // the region of the centres: n cells of volume (area) v fill a fraction phi of it
    let big_r = if planar {
        rc_um * (n as f64 / phi).sqrt()
    } else {
        rc_um * (n as f64 / phi).cbrt()
    };
    let reach = (big_r - rc_um).max(0.0);
    let bin = 2.0 * rc_um;
    let key = |p: Vec3| {
        (
            (p.x / bin).floor() as i64,
            (p.y / bin).floor() as i64,
            (p.z / bin).floor() as i64,
        )
    };
    let mut grid: HashMap<(i64, i64, i64), Vec<usize>> = HashMap::new();
    let mut out: Vec<Vec3> = Vec::with_capacity(n);
    let max_tries = 2000 * n.max(1) as u64;
    let mut tries = 0u64;
    while out.len() < n {
        tries += 1;
        if tries > max_tries {
            spec_bail!(
                "packing_fraction",
                "{phi}: only {} of {n} cells could be placed without overlap; lower it",
                out.len()
            );
        }
        let p = loop {
            let v = Vec3::new(
                2.0 * rng.uniform() - 1.0,
                2.0 * rng.uniform() - 1.0,
                if planar {
                    0.0
                } else {
                    2.0 * rng.uniform() - 1.0
                },
            );
            if v.dot(v) <= 1.0 {
                break v * reach;
            }
        };
        let (i, j, k) = key(p);
        let dz = if planar { 0 } else { 1 };
        let mut free = true;
        'search: for a in -1..=1 {
            for b in -1..=1 {
                for c in -dz..=dz {
                    if let Some(v) = grid.get(&(i + a, j + b, k + c)) {
                        for &q in v {
                            let d = p - out[q];
                            if d.dot(d) < bin * bin {
                                free = false;
                                break 'search;
                            }
                        }
                    }
                }
            }
        }
        if free {
            grid.entry((i, j, k)).or_default().push(out.len());
            out.push(p);
        }
    }
    Ok((out, big_r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_do_not_overlap() {
        let mut rng = HistoryRng::new(7, 0);
        for arr in [Arrangement::Cluster, Arrangement::Monolayer] {
            let (p, r) = place(arr, 300, 5.0, 0.3, &mut rng).unwrap();
            assert_eq!(p.len(), 300);
            for i in 0..p.len() {
                assert!(p[i].norm() <= r);
                for j in 0..i {
                    let d = p[i] - p[j];
                    assert!(d.norm() >= 10.0 - 1e-9);
                }
            }
        }
        assert!(place(Arrangement::Cluster, 10, 5.0, 0.6, &mut rng).is_err());
    }
}
