//! Bar charts: grouped bars drawn in proportion in the Okabe-Ito colours, a reference line,
//! asymmetric interval error bars from their low to their high ends, and bad inputs refused.

use std::path::Path;

use theradose::plot::{bar_png, interval_bar_png, BarFigure, BarGroup, RefLine};

#[path = "common/png.rs"]
mod png;
use png::{count, png_rgb, png_size, FIGURE_PX};

// the first four Okabe-Ito colours, the bar groups' colours in order
const BLUE: [u8; 3] = [0, 114, 178];
const ORANGE: [u8; 3] = [230, 159, 0];
const GREEN: [u8; 3] = [0, 158, 115];
const RED: [u8; 3] = [213, 94, 0];

fn group<'a>(name: &'a str, values: &'a [f64]) -> BarGroup<'a> {
    BarGroup { name, values }
}

fn bar_figure<'a>(
    categories: &'a [String],
    groups: &'a [BarGroup<'a>],
    ref_lines: &'a [RefLine<'a>],
) -> BarFigure<'a> {
    BarFigure {
        title: "TCP and NTCP by variant",
        x_label: "region",
        y_label: "SUVpeak change (%)",
        categories,
        groups,
        ref_lines,
    }
}

#[test]
fn bar_chart_draws_bars_in_proportion() {
    let dir = tempfile::tempdir().unwrap();
    let categories: Vec<String> = ["lesion_1", "lesion_2", "kidneys", "red_marrow"]
        .map(String::from)
        .to_vec();
    // group sums of |value|: 60 and 30; bars below zero count the same as above
    let a = [20.0, -10.0, 25.0, -5.0];
    let b = [5.0, 10.0, -15.0, f64::NAN];
    let absent = [f64::NAN; 4];
    let zeros = [0.0; 4];
    let groups = [
        group("variant=adult", &a),
        group("variant=mouse", &b),
        group("variant=none", &absent),
        group("variant=zero", &zeros),
    ];
    let refs = [RefLine {
        name: "PERCIST (-30%)",
        y: -30.0,
    }];
    let path = dir.path().join("bars.png");
    bar_png(&path, &bar_figure(&categories, &groups, &refs)).unwrap();
    assert_eq!(png_size(&path), FIGURE_PX);
    let img = png_rgb(&path);
    let (blue, orange, green) = (count(&img, BLUE), count(&img, ORANGE), count(&img, GREEN));
    // not blank: the bars cover several thousand pixels; a group of non-finite values draws
    // only its legend swatch (22 x 12 drawing units, 40 x 22 = 880 pixels at 1.82 pixels per
    // unit, less its anti-aliased rim), a group of zeros four thin bars of about 64 x 3.6
    // pixels
    assert!(blue > 5000 && orange > 2500, "blue {blue}, orange {orange}");
    assert!(green < 1000, "green {green}");
    let red = count(&img, RED);
    // the zero bars: four bars of 3.6 pixels, of which about one row is of the exact colour
    // (the rest anti-aliased)
    assert!(red > green + 150, "red {red}, green {green}");
    // bar area follows |value| (same bar width): 60 / 30, less the two equal legend swatches;
    // tolerance 3 %: one-pixel rounding of each bar edge over bars of about 40 x 100 pixels
    let ratio = (blue - green) as f64 / (orange - green) as f64;
    assert!((ratio - 2.0).abs() < 0.06, "area ratio {ratio}");

    // labels of every category in the SVG; long labels are turned vertical
    let svg = dir.path().join("bars.svg");
    bar_png(&svg, &bar_figure(&categories, &groups, &refs)).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(categories.iter().all(|c| text.contains(c.as_str())));
    // only the y axis title is vertical
    let vertical = |t: &str| t.matches("rotate(270").count();
    assert!(text.contains("PERCIST (-30%)") && vertical(&text) == 1);
    let long: Vec<String> = (1..=8)
        .map(|k| format!("lesion_{k} (partial response)"))
        .collect();
    let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let one = [group("", &values)];
    bar_png(&svg, &bar_figure(&long, &one, &[])).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(vertical(&text), 1 + long.len());
    assert!(text.contains("lesion_8 (partial response)"));
    let png = dir.path().join("long.png");
    bar_png(&png, &bar_figure(&long, &one, &[])).unwrap();
    assert!(count(&png_rgb(&png), BLUE) > 5000);
}

#[test]
fn bad_bar_charts_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.png");
    let cats: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
    let short = [1.0, 2.0];
    let ok = [1.0, 2.0, 3.0];
    let message = |fig: &BarFigure| format!("{:#}", bar_png(&path, fig).unwrap_err());
    let g = [group("adult", &short)];
    let e = message(&bar_figure(&cats, &g, &[]));
    assert!(
        e.contains("bar group 'adult': 2 values for 3 categories"),
        "{e}"
    );
    let e = message(&bar_figure(&[], &[], &[]));
    assert!(e.contains("without categories"), "{e}");
    let e = message(&bar_figure(&cats, &[], &[]));
    assert!(e.contains("without groups"), "{e}");
    let g = [group("adult", &ok)];
    let r = [RefLine {
        name: "limit",
        y: f64::NAN,
    }];
    let e = message(&bar_figure(&cats, &g, &r));
    assert!(
        e.contains("reference line 'limit'") && e.contains("bad.png"),
        "{e}"
    );
    assert!(!path.exists());
}

/// An asymmetric interval (a 95 % interval from the uncertainty budget) is drawn from its low
/// to its high end: a bar of -50 with the interval [-90, -40] gets a vertical black line as
/// long as the bar, starting a fifth of the bar's length above its end (read from the SVG's
/// geometry, within a drawing unit). A list of the wrong length is an error.
#[test]
fn interval_error_bars_span_their_low_and_high_ends() {
    let dir = tempfile::tempdir().unwrap();
    let cats: Vec<String> = vec!["lesion_1".into(), "lesion_2".into()];
    let values = [-50.0, 10.0];
    let g = [group("", &values)];
    let svg = dir.path().join("waterfall.svg");
    let iv = [[-90.0, -40.0], [f64::NAN, f64::NAN]];
    interval_bar_png(&svg, &bar_figure(&cats, &g, &[]), &[Some(&iv)]).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    // the bars: the blue rectangles (-50 the taller one, reaching down from zero)
    let bars: Vec<(f64, f64, f64)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "rect" && n.attribute("fill") == Some("#0072B2"))
        .map(|n| {
            (
                num(&n, "x") + num(&n, "width") / 2.0,
                num(&n, "y"),
                num(&n, "height"),
            )
        })
        .collect();
    assert_eq!(bars.len(), 2, "{bars:?}");
    let (x, top, h) = bars
        .iter()
        .cloned()
        .fold(bars[0], |a, b| if b.2 > a.2 { b } else { a });
    let other_x = bars.iter().find(|b| b.0 != x).unwrap().0;
    // vertical black polylines at a bar's centre longer than a tick mark (10 units): error lines
    let error_lines = |at: f64| -> Vec<(f64, f64)> {
        doc.descendants()
            .filter(|n| {
                n.tag_name().name() == "polyline" && n.attribute("stroke") == Some("#000000")
            })
            .filter_map(|n| {
                let p: Vec<(f64, f64)> = n
                    .attribute("points")?
                    .split_whitespace()
                    .filter_map(|xy| {
                        let (a, b) = xy.split_once(',')?;
                        Some((a.parse().ok()?, b.parse().ok()?))
                    })
                    .collect();
                (p.len() == 2 && p[0].0 == p[1].0 && (p[0].0 - at).abs() < 2.0)
                    .then(|| (p[0].1.min(p[1].1), p[0].1.max(p[1].1)))
            })
            .filter(|(a, b)| b - a > 10.0)
            .collect()
    };
    let lines = error_lines(x);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        error_lines(other_x).is_empty(),
        "a NaN interval draws no line"
    );
    let (y_hi_end, y_lo_end) = lines[0];
    let per_unit = h / 50.0;
    assert!(
        ((y_lo_end - y_hi_end) - 50.0 * per_unit).abs() < 1.5,
        "length {}",
        y_lo_end - y_hi_end
    );
    assert!(
        (y_hi_end - (top + 40.0 * per_unit)).abs() < 1.5,
        "upper end {y_hi_end}"
    );
    let short = [[-90.0, -40.0]];
    let e = format!(
        "{:#}",
        interval_bar_png(&svg, &bar_figure(&cats, &g, &[]), &[Some(&short)]).unwrap_err()
    );
    assert!(e.contains("1 intervals for 2 categories"), "{e}");
}

/// Writes the bar charts to `$THERADOSE_PLOT_DIR` for a look by eye; skipped when unset.
#[test]
fn bar_figures_for_inspection() {
    let Ok(dir) = std::env::var("THERADOSE_PLOT_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let cats: Vec<String> = ["lesion_1", "lesion_2", "lesion_3", "kidneys"]
        .map(String::from)
        .to_vec();
    let (a, b) = (
        [-92.0, -60.0, -20.0, f64::NAN],
        [f64::NAN, -45.0, 12.0, -5.0],
    );
    let groups = [group("variant=adult", &a), group("variant=mouse", &b)];
    let refs = [RefLine {
        name: "PERCIST PMR threshold (-30%)",
        y: -30.0,
    }];
    bar_png(&dir.join("bars.png"), &bar_figure(&cats, &groups, &refs)).unwrap();
    let long: Vec<String> = (1..=9).map(|k| format!("lesion_{k} (PMR)")).collect();
    let v: Vec<f64> = (1..=9).map(|k| 0.1 * k as f64).collect();
    let one = [group("", &v)];
    bar_png(&dir.join("bars_long.png"), &bar_figure(&long, &one, &[])).unwrap();
}
