//! Unit tests of the history scores, chunk folding and tally arithmetic.
use super::chunk::{DENSE_BINS, DIRECT_BINS};
use super::*;
#[test]
fn uncertainty_of_constant_deposit_is_zero_and_merge_is_exact() {
    let mut t = Tally::new(2);
    let mut c = ChunkScore::default();
    let mut h = HistoryScore::default();
    for _ in 0..10 {
        h.score(0, 0.25);
        h.score(0, 0.25);
        h.emitted = 0.5;
        h.deposited = 0.5;
        c.close_history(&mut h);
    }
    t.absorb(&mut c);
    let (m, r) = t.mean_and_rel_uncertainty(0);
    assert_eq!(m, 0.5);
    assert_eq!(r, 0.0);
    let mut t2 = t.clone();
    t2.merge(&t);
    assert_eq!(t2.histories, 20);
    assert_eq!(t2.sum(0), 2 * t.sum(0));
    assert!(t.balance.relative_discrepancy() < 1e-15);
}
#[test]
fn a_totals_only_score_fills_the_region_totals_alone() {
    // two voxel bins (0, 1) and two region totals (bins 2, 3): the same deposits with and
    // without the voxels' bins give the same totals, and no voxel sums under totals_only
    let run = |h: HistoryScore| {
        let (mut t, mut c, mut h) = (Tally::new(4), ChunkScore::default(), h);
        for (bin, k, e) in [(0, 0, 0.5), (1, 1, 0.25), (0, 0, 0.125)] {
            h.score_site(bin, k, e);
        }
        c.close_history(&mut h);
        t.absorb(&mut c);
        (0..4).map(|b| t.sum(b)).collect::<Vec<_>>()
    };
    let both = run(HistoryScore::with_extra(2, 2));
    let totals = run(HistoryScore::with_extra(2, 2).totals_only());
    let q = |e: f64| (e * (1u64 << 40) as f64) as u128;
    assert_eq!(both, vec![q(0.625), q(0.25), q(0.625), q(0.25)]);
    assert_eq!(totals, vec![0, 0, q(0.625), q(0.25)]);
}
#[test]
fn an_extra_bin_scored_zero_first_is_counted_once() {
    // a zero deposit left the bin's sum at 0, which used to list it a second time
    let mut t = Tally::new(3);
    let mut c = ChunkScore::default();
    let mut h = HistoryScore::with_extra(1, 2);
    h.score_extra(0, 0.0);
    h.score_extra(0, 1.0);
    h.score_extra(1, 0.5);
    h.score_extra(1, -0.5);
    h.score_extra(1, 0.25);
    assert_eq!(h.extra_total(), 1.25);
    c.close_history(&mut h);
    t.absorb(&mut c);
    assert_eq!((t.sum(1), t.sum(2)), (1u128 << 40, 1u128 << 38));
}
#[test]
fn repeated_bins_of_a_history_are_summed_before_squaring() {
    // short lists (pairwise) and long ones (dense below DENSE_BINS, sorted above) give the same
    // per-bin history totals; two histories in a row check that the dense scratch is reset
    for offset in [0u32, DENSE_BINS as u32 - 1] {
        for n in [5u32, 24, 25, 100] {
            let mut t = Tally::new(offset as usize + 4);
            let mut c = ChunkScore::default();
            let mut h = HistoryScore::default();
            for _ in 0..2 {
                for k in 0..n {
                    h.score(offset + k % 3, 0.5);
                }
                c.close_history(&mut h);
            }
            t.absorb(&mut c);
            for b in 0..3u32 {
                let q = ((n + 2 - b) / 3) as u128 * (1u128 << 39);
                let bin = (offset + b) as usize;
                assert_eq!(
                    (t.sum(bin), t.sum2(bin)),
                    (2 * q, 2 * q * q),
                    "n {n} bin {bin}"
                );
            }
            assert_eq!(t.sum(offset as usize + 3), 0);
        }
    }
}
#[test]
fn folded_history_totals_match_a_map_for_random_bin_lists() {
    // lists of 1-30 entries over few or many bins (filter fast path, pairwise and sorted
    // paths) against per-bin totals from a BTreeMap
    let mut r = crate::rng::HistoryRng::new(9, 0);
    for case in 0..20_000 {
        let n = 1 + (r.uniform() * 30.0) as usize;
        let span = if case % 2 == 0 { 8.0 } else { 1e6 };
        let list: Vec<(u32, f64)> = (0..n)
            .map(|_| ((r.uniform() * span) as u32, r.uniform()))
            .collect();
        let mut expect = std::collections::BTreeMap::new();
        for &(b, e) in &list {
            *expect.entry(b).or_insert(0.0) += e;
        }
        let mut c = ChunkScore::default();
        let mut l = list.clone();
        c.fold(&mut l, 0);
        let mut got = c.entries.clone();
        got.sort_unstable();
        let want: Vec<(u32, u64)> = expect.iter().map(|(&b, &e)| (b, quantise(e))).collect();
        // sums may differ in the last bit with the order of addition
        assert_eq!(got.len(), want.len(), "{list:?}");
        for (g, w) in got.iter().zip(&want) {
            assert!(g.0 == w.0 && g.1.abs_diff(w.1) <= 1, "{list:?}");
        }
    }
}
#[test]
fn bernoulli_uncertainty_matches_formula() {
    // deposit 1 MeV in 1 of 4 histories: mean 0.25, s = sqrt(p(1-p)/(n-1)) / p
    let mut t = Tally::new(1);
    let mut c = ChunkScore::default();
    let mut h = HistoryScore::default();
    let n = 400;
    for i in 0..n {
        if i % 4 == 0 {
            h.score(0, 1.0);
        }
        c.close_history(&mut h);
    }
    t.absorb(&mut c);
    let (m, r) = t.mean_and_rel_uncertainty(0);
    let expect = (0.25f64 * 0.75 / (n as f64 - 1.0)).sqrt() / 0.25;
    assert!(
        (m - 0.25).abs() < 1e-12 && (r - expect).abs() < 1e-9,
        "{m} {r} {expect}"
    );
}
#[test]
fn direct_chunks_give_the_tally_of_listed_chunks() {
    // random histories (ordinary bins with repeats and long lists, extra bins, counting marks,
    // a second score closed at an offset) closed into chunks that keep their own sums
    // (`for_bins`) and into chunks that list their deposits: the same tally, exactly
    let n_bins = 40usize;
    assert!(n_bins <= DIRECT_BINS);
    let mut r = crate::rng::HistoryRng::new(21, 0);
    let (mut direct_t, mut listed_t) = (Tally::new(n_bins), Tally::new(n_bins));
    let (mut direct, mut listed) = (ChunkScore::for_bins(n_bins), ChunkScore::default());
    for chunk in 0..20 {
        for _ in 0..50 {
            let deposits: Vec<(u32, f64)> = (0..(r.uniform() * 40.0) as usize)
                .map(|_| ((r.uniform() * 30.0) as u32, r.uniform()))
                .collect();
            let extra = ((r.uniform() * 4.0) as usize, r.uniform());
            let mark = (r.uniform() < 0.3).then(|| 34 + (r.uniform() * 2.0) as u32);
            let second_deposit = ((r.uniform() * 4.0) as u32, r.uniform());
            let escaped = r.uniform();
            for c in [&mut direct, &mut listed] {
                let (mut h, mut second) =
                    (HistoryScore::with_extra(30, 4), HistoryScore::default());
                for &(b, e) in &deposits {
                    h.score(b, e);
                }
                h.score_extra(extra.0, extra.1);
                if let Some(m) = mark {
                    h.mark(m);
                }
                (h.emitted, h.escaped) = (1.0, escaped);
                second.score(second_deposit.0, second_deposit.1);
                c.close_history(&mut h);
                c.close_history_at(&mut second, 36);
            }
        }
        if chunk % 3 == 0 {
            direct_t.absorb(&mut direct);
            listed_t.absorb(&mut listed);
        }
    }
    direct_t.absorb(&mut direct);
    listed_t.absorb(&mut listed);
    assert!(direct.entries.is_empty() && !listed_t.bins.iter().all(|b| b.sum == 0));
    assert_eq!(direct_t, listed_t);
    assert_eq!(direct_t.histories, 1000);
}
