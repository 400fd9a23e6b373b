//! Iso-lines of an image: marching squares on the bilinear interpolation of the pixel values
//! (sampled `SUB` times finer than the pixels), joined into polylines, with islands smaller than
//! a few pixels dropped. Coordinates are in pixel units with pixel `(i, j)`'s centre at
//! `(i + 0.5, j + 0.5)`; a contour spans the centres of the edge pixels.

use std::collections::HashMap;

/// Samples per pixel along each axis of the refined grid.
pub(super) const SUB: usize = 4;
/// Closed contours enclosing less than this many pixels, and open ones shorter than this many
/// pixels, are noise and are dropped: the bilinear footprint of a lone voxel above the level
/// lies within the 2 x 2 pixels around its centre (area < 4), that of two neighbours does not.
pub(super) const MIN_ISLAND_PX: f64 = 4.0;

/// A polyline in pixel units; closed when its first and last points coincide.
pub(super) type Line = Vec<(f64, f64)>;

/// The iso-lines at `level` of a `w` x `h` image (row-major, row `j` at `y = j + 0.5`). Values
/// that are not finite count as below every level.
pub(super) fn isolines(values: &[f64], w: usize, h: usize, level: f64) -> Vec<Line> {
    if w < 2 || h < 2 || values.len() != w * h || !level.is_finite() {
        return Vec::new();
    }
    let fine = refine(values, w, h);
    let (fw, fh) = ((w - 1) * SUB + 1, (h - 1) * SUB + 1);
    let segs = march(&fine, fw, fh, level);
    let to_px = |(x, y): (f64, f64)| (0.5 + x / SUB as f64, 0.5 + y / SUB as f64);
    join(segs)
        .into_iter()
        .map(|l| l.into_iter().map(to_px).collect::<Line>())
        .filter(|l| !is_island(l))
        .collect()
}

/// The bilinear interpolation of the image at the refined nodes `(a / SUB, b / SUB)` (in units
/// of pixel-centre spacing); non-finite values become `-inf`.
fn refine(v: &[f64], w: usize, h: usize) -> Vec<f64> {
    let val = |i: usize, j: usize| {
        let x = v[j * w + i];
        if x.is_finite() {
            x
        } else {
            f64::NEG_INFINITY
        }
    };
    let (fw, fh) = ((w - 1) * SUB + 1, (h - 1) * SUB + 1);
    let mut out = Vec::with_capacity(fw * fh);
    for b in 0..fh {
        let j = (b / SUB).min(h - 2);
        let ty = (b - j * SUB) as f64 / SUB as f64;
        for a in 0..fw {
            let i = (a / SUB).min(w - 2);
            let tx = (a - i * SUB) as f64 / SUB as f64;
            let c = [val(i, j), val(i + 1, j), val(i, j + 1), val(i + 1, j + 1)];
            let wts = [
                (1.0 - tx) * (1.0 - ty),
                tx * (1.0 - ty),
                (1.0 - tx) * ty,
                tx * ty,
            ];
            // an exact node keeps its own value (also -inf); elsewhere -inf corners win
            let x = if tx == 0.0 && ty == 0.0 {
                c[0]
            } else {
                c.iter()
                    .zip(wts)
                    .filter(|(_, wt)| *wt > 0.0)
                    .map(|(c, wt)| c * wt)
                    .sum()
            };
            out.push(x);
        }
    }
    out
}

/// An end of a segment: the grid edge it lies on (`2 * node + 0` horizontal to the right,
/// `+ 1` vertical upwards) and its position.
type End = (usize, (f64, f64));

/// Marching squares over the cells of a `fw` x `fh` node grid; saddles are resolved by the
/// mean of the four corners.
fn march(f: &[f64], fw: usize, fh: usize, level: f64) -> Vec<(End, End)> {
    let mut segs = Vec::new();
    let cross = |a: f64, b: f64| {
        let t = if a == f64::NEG_INFINITY {
            1.0
        } else if b == f64::NEG_INFINITY {
            0.0
        } else {
            (level - a) / (b - a)
        };
        t.clamp(0.0, 1.0)
    };
    for y in 0..fh - 1 {
        for x in 0..fw - 1 {
            let n = y * fw + x;
            let c = [f[n], f[n + 1], f[n + fw + 1], f[n + fw]]; // bl, br, tr, tl
            let code = c
                .iter()
                .enumerate()
                .fold(0, |acc, (k, v)| acc | (usize::from(*v >= level) << k));
            if code == 0 || code == 15 {
                continue;
            }
            let (xf, yf) = (x as f64, y as f64);
            // the four edges: bottom, right, top, left
            let e = [
                (2 * n, (xf + cross(c[0], c[1]), yf)),
                (2 * (n + 1) + 1, (xf + 1.0, yf + cross(c[1], c[2]))),
                (2 * (n + fw), (xf + cross(c[3], c[2]), yf + 1.0)),
                (2 * n + 1, (xf, yf + cross(c[0], c[3]))),
            ];
            let centre_above = c.iter().sum::<f64>() / 4.0 >= level;
            let pairs: &[(usize, usize)] = match code {
                1 | 14 => &[(3, 0)],
                2 | 13 => &[(0, 1)],
                3 | 12 => &[(3, 1)],
                4 | 11 => &[(1, 2)],
                6 | 9 => &[(0, 2)],
                7 | 8 => &[(3, 2)],
                5 if centre_above => &[(3, 2), (0, 1)],
                5 => &[(3, 0), (1, 2)],
                10 if centre_above => &[(3, 0), (1, 2)],
                _ => &[(3, 2), (0, 1)],
            };
            for &(a, b) in pairs {
                segs.push((e[a], e[b]));
            }
        }
    }
    segs
}

/// Joins segments that share a grid edge into polylines.
fn join(segs: Vec<(End, End)>) -> Vec<Line> {
    let mut at: HashMap<usize, Vec<usize>> = HashMap::new();
    for (s, (a, b)) in segs.iter().enumerate() {
        at.entry(a.0).or_default().push(s);
        at.entry(b.0).or_default().push(s);
    }
    let mut used = vec![false; segs.len()];
    let mut lines = Vec::new();
    let next = |edge: usize, used: &[bool]| {
        at.get(&edge)
            .and_then(|v| v.iter().copied().find(|&s| !used[s]))
    };
    // start at open ends first (an edge with one segment), then the closed loops
    let mut starts: Vec<usize> = (0..segs.len()).collect();
    starts.sort_by_key(|&s| {
        let (a, b) = segs[s];
        usize::from(at[&a.0].len() > 1 && at[&b.0].len() > 1)
    });
    for s in starts {
        if used[s] {
            continue;
        }
        used[s] = true;
        let (a, b) = segs[s];
        // walk forward from b, then backward from a
        let mut fwd = vec![a.1, b.1];
        let mut edge = b.0;
        while let Some(t) = next(edge, &used) {
            used[t] = true;
            let (p, q) = segs[t];
            let far = if p.0 == edge { q } else { p };
            fwd.push(far.1);
            edge = far.0;
        }
        let mut back = Vec::new();
        let mut edge = a.0;
        while let Some(t) = next(edge, &used) {
            used[t] = true;
            let (p, q) = segs[t];
            let far = if p.0 == edge { q } else { p };
            back.push(far.1);
            edge = far.0;
        }
        back.reverse();
        back.extend(fwd);
        lines.push(back);
    }
    lines
}

/// Whether a polyline is noise: a closed loop enclosing less than [`MIN_ISLAND_PX`] pixels, or
/// an open line shorter than that.
fn is_island(l: &Line) -> bool {
    let (Some(first), Some(last)) = (l.first(), l.last()) else {
        return true;
    };
    let closed = (first.0 - last.0).abs() < 1e-9 && (first.1 - last.1).abs() < 1e-9;
    if closed {
        let area: f64 = l
            .windows(2)
            .map(|p| p[0].0 * p[1].1 - p[1].0 * p[0].1)
            .sum();
        (0.5 * area).abs() < MIN_ISLAND_PX
    } else {
        length(l) < MIN_ISLAND_PX
    }
}

/// The length of a polyline.
pub(super) fn length(l: &Line) -> f64 {
    l.windows(2)
        .map(|p| (p[1].0 - p[0].0).hypot(p[1].1 - p[0].1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_voxel_is_dropped_and_a_disc_is_one_closed_loop() {
        let (w, h) = (12, 10);
        let mut v = vec![0.0; w * h];
        v[3 * w + 3] = 1.0; // a lone voxel
        for j in 0..h {
            for i in 0..w {
                let (x, y) = (i as f64 - 7.5, j as f64 - 5.0);
                if x * x + y * y < 6.0 {
                    v[j * w + i] = 1.0;
                }
            }
        }
        let lines = isolines(&v, w, h, 0.5);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let l = &lines[0];
        assert!((l[0].0 - l[l.len() - 1].0).abs() < 1e-12);
    }

    #[test]
    fn a_ramp_gives_a_straight_line_at_the_level() {
        let (w, h) = (6, 5);
        let v: Vec<f64> = (0..w * h).map(|k| (k % w) as f64).collect();
        let lines = isolines(&v, w, h, 2.25);
        assert_eq!(lines.len(), 1);
        for p in &lines[0] {
            // value 2.25 at column 2.25, whose centre is at x = 2.75
            assert!((p.0 - 2.75).abs() < 1e-9, "{p:?}");
        }
        assert!((length(&lines[0]) - 4.0).abs() < 1e-9);
    }
}
