//! Figures: a map with outlines and iso-lines, a line plot and a grouped bar chart are written
//! as PNG and SVG, decode to the figure size, and degenerate images (all zero, NaN) do not fail.

use std::path::Path;

use std::io::Read;

use theradose::io::Grid;
use theradose::plot::{
    bar_png, interval_bar_png, line_png, map_png, BarFigure, BarGroup, Colormap, MapFigure,
    MapPanel, Plane, RefLine, Series,
};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
/// The default figure: one journal column, 88 mm at 300 dpi (88 / 25.4 * 300 = 1039 pixels),
/// 7:9 (in drawing units 570 x 443, so 1039 * 443 / 570 = 808 pixels high).
const FIGURE_PX: (u32, u32) = (1039, 808);

/// Width and height from the IHDR chunk, which must follow the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 33, "{} is too short", path.display());
    assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |k: usize| u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap());
    (be(16), be(20))
}

/// A 64x48 gaussian blob centred off-centre, and a circle label map around it.
fn blob() -> (Vec<f64>, Vec<u16>) {
    let (w, h) = (64, 48);
    let mut values = Vec::with_capacity(w * h);
    let mut labels = Vec::with_capacity(w * h);
    for j in 0..h {
        for i in 0..w {
            let (x, y) = (i as f64 - 40.0, j as f64 - 20.0);
            let r2 = x * x + y * y;
            values.push(3.0 * (-r2 / (2.0 * 8.0 * 8.0)).exp());
            labels.push(if r2 < 12.0 * 12.0 { 1 } else { 0 });
        }
    }
    (values, labels)
}

/// One axial panel of the blob on a 64 x 48 x 1 grid of 1.5 x 2 mm voxels.
fn map_figure<'a>(
    grid: &'a Grid,
    panels: &'a [MapPanel<'a>],
    labels: Option<&'a [u16]>,
    isolevels: &'a [f64],
) -> MapFigure<'a> {
    MapFigure {
        title: "Lu-177 absorbed dose",
        grid,
        panels,
        through: [0, 0, 0],
        colorbar_label: "dose (Gy)",
        colormap: Colormap::Viridis,
        range: None,
        log_scale: false,
        anatomy: None,
        anatomy_window: (0.0, 1.0),
        labels,
        outline: &[1],
        isolevels,
        iso_unit: "Gy",
        notes: &[],
    }
}

fn grid() -> Grid {
    Grid::new([64, 48, 1], [1.5, 2.0, 2.0])
}

fn axial(values: &[f64]) -> [MapPanel<'_>; 1] {
    [MapPanel {
        values,
        plane: Plane::Axial,
        label: "",
    }]
}

#[test]
fn map_png_and_svg_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (values, labels) = blob();
    let g = grid();
    let panels = axial(&values);
    let fig = map_figure(&g, &panels, Some(&labels), &[0.2, 0.5, 0.8]);
    let png = dir.path().join("dose.png");
    map_png(&png, &fig).unwrap();
    assert_eq!(png_size(&png).0, FIGURE_PX.0);
    let text = std::fs::read_to_string(dir.path().join("dose.svg")).unwrap();
    assert!(text.starts_with("<svg"), "not an SVG: {}", &text[..40]);
    assert!(text.contains("dose (Gy)"));
    let log = MapFigure {
        log_scale: true,
        colormap: Colormap::Inferno,
        ..fig
    };
    map_png(&dir.path().join("dose_log.png"), &log).unwrap();
    // Only the final files remain: the temporary files were renamed.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["dose.png", "dose.svg", "dose_log.png", "dose_log.svg"]
    );
}

#[test]
fn degenerate_maps_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0.0; 64 * 48];
    let mut some_nan = blob().0;
    some_nan[100] = f64::NAN;
    some_nan[200] = f64::INFINITY;
    let g = grid();
    for (name, values) in [("zeros", &zeros), ("some_nan", &some_nan)] {
        for (log_scale, colormap) in [(false, Colormap::Gray), (true, Colormap::Magma)] {
            let panels = axial(values);
            let fig = MapFigure {
                log_scale,
                colormap,
                ..map_figure(&g, &panels, None, &[0.5])
            };
            let path = dir.path().join(format!("{name}_{log_scale}.png"));
            map_png(&path, &fig).unwrap();
            assert_eq!(png_size(&path).0, FIGURE_PX.0);
        }
    }
}

#[test]
fn bad_maps_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let values = vec![1.0; 10];
    let g = Grid::new([4, 3, 1], [1.0, 1.0, 1.0]);
    let panels = axial(&values);
    let path = dir.path().join("bad.png");
    let err = map_png(&path, &map_figure(&g, &panels, None, &[])).unwrap_err();
    assert!(
        format!("{err:#}").contains("10 values for a grid of 12 voxels"),
        "{err:#}"
    );
    assert!(!path.exists());
}

#[test]
fn line_plot_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let depth: Vec<(f64, f64)> = (0..40)
        .map(|k| (k as f64 * 0.5, 100.0 * (-0.1 * k as f64).exp()))
        .collect();
    let err: Vec<f64> = depth.iter().map(|p| 0.05 * p.1).collect();
    let fit: Vec<(f64, f64)> = (0..200)
        .map(|k| (k as f64 * 0.1, 100.0 * (-0.2 * k as f64 * 0.1 / 1.0).exp()))
        .collect();
    let series = [
        Series {
            name: "Monte Carlo",
            points: &depth,
            y_err: Some(&err),
            y_band: None,
            scatter: false,
        },
        Series {
            name: "exp(-mu x)",
            points: &fit,
            y_err: None,
            y_band: None,
            scatter: false,
        },
    ];
    for (name, log_y) in [("depth.png", false), ("depth_log.png", true)] {
        let path = dir.path().join(name);
        line_png(
            &path,
            "Depth dose",
            "depth (cm)",
            "dose (%)",
            &series,
            log_y,
        )
        .unwrap();
        assert_eq!(png_size(&path), FIGURE_PX);
    }
    let svg = dir.path().join("depth.svg");
    line_png(&svg, "Depth dose", "depth (cm)", "dose (%)", &series, true).unwrap();
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .contains("Monte Carlo"));

    let bad = [Series {
        name: "short errors",
        points: &depth,
        y_err: Some(&err[..3]),
        y_band: None,
        scatter: false,
    }];
    let path = dir.path().join("bad.png");
    assert!(line_png(&path, "", "x", "y", &bad, false).is_err());
    // An empty plot is not written: there is nothing to show.
    let path = dir.path().join("empty.png");
    let err = line_png(&path, "nothing", "x", "y", &[], true).unwrap_err();
    assert!(err
        .downcast_ref::<theradose::plot::NothingToShow>()
        .is_some());
    assert!(!path.exists());
}

/// The pixels of an 8-bit RGB, non-interlaced PNG (the format plotters writes): the IDAT
/// stream inflated and its scanline filters (PNG spec section 9) undone.
fn png_rgb(path: &Path) -> Vec<[u8; 3]> {
    let bytes = std::fs::read(path).unwrap();
    let (w, h) = png_size(path);
    assert_eq!(
        bytes[24..29],
        [8, 2, 0, 0, 0],
        "not 8-bit RGB non-interlaced"
    );
    let mut idat = Vec::new();
    let mut k = 8;
    while k + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap()) as usize;
        if &bytes[k + 4..k + 8] == b"IDAT" {
            idat.extend_from_slice(&bytes[k + 8..k + 8 + len]);
        }
        k += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = 3 * w as usize;
    assert_eq!(raw.len(), h as usize * (stride + 1));
    let mut img = vec![0u8; h as usize * stride];
    for y in 0..h as usize {
        let filter = raw[y * (stride + 1)];
        for x in 0..stride {
            let v = raw[y * (stride + 1) + 1 + x];
            let a = if x >= 3 { img[y * stride + x - 3] } else { 0 };
            let b = if y > 0 { img[(y - 1) * stride + x] } else { 0 };
            let c = if x >= 3 && y > 0 {
                img[(y - 1) * stride + x - 3]
            } else {
                0
            };
            let pred = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("PNG filter {f}"),
            };
            img[y * stride + x] = v.wrapping_add(pred);
        }
    }
    img.chunks(3).map(|p| [p[0], p[1], p[2]]).collect()
}

// the first four Okabe-Ito colours, the bar groups' colours in order
const BLUE: [u8; 3] = [0, 114, 178];
const ORANGE: [u8; 3] = [230, 159, 0];
const GREEN: [u8; 3] = [0, 158, 115];
const RED: [u8; 3] = [213, 94, 0];

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
        BarGroup {
            name: "variant=adult",
            values: &a,
        },
        BarGroup {
            name: "variant=mouse",
            values: &b,
        },
        BarGroup {
            name: "variant=none",
            values: &absent,
        },
        BarGroup {
            name: "variant=zero",
            values: &zeros,
        },
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
    let one = [BarGroup {
        name: "",
        values: &values,
    }];
    bar_png(&svg, &bar_figure(&long, &one, &[])).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(vertical(&text), 1 + long.len());
    assert!(text.contains("lesion_8 (partial response)"));
    let png = dir.path().join("long.png");
    bar_png(&png, &bar_figure(&long, &one, &[])).unwrap();
    assert!(count(&png_rgb(&png), BLUE) > 5000);
}

/// Pixels of exactly the colour `c`.
fn count(img: &[[u8; 3]], c: [u8; 3]) -> usize {
    img.iter().filter(|p| **p == c).count()
}

#[test]
fn bad_bar_charts_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.png");
    let cats: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
    let short = [1.0, 2.0];
    let ok = [1.0, 2.0, 3.0];
    let message = |fig: &BarFigure| format!("{:#}", bar_png(&path, fig).unwrap_err());
    let g = [BarGroup {
        name: "adult",
        values: &short,
    }];
    let e = message(&bar_figure(&cats, &g, &[]));
    assert!(
        e.contains("bar group 'adult': 2 values for 3 categories"),
        "{e}"
    );
    let e = message(&bar_figure(&[], &[], &[]));
    assert!(e.contains("without categories"), "{e}");
    let e = message(&bar_figure(&cats, &[], &[]));
    assert!(e.contains("without groups"), "{e}");
    let g = [BarGroup {
        name: "adult",
        values: &ok,
    }];
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
    let g = [BarGroup {
        name: "",
        values: &values,
    }];
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

/// Writes the figures to `$THERADOSE_PLOT_DIR` for a look by eye; skipped when unset.
#[test]
fn figures_for_inspection() {
    let Ok(dir) = std::env::var("THERADOSE_PLOT_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let (values, labels) = blob();
    let g = grid();
    let panels = axial(&values);
    let fig = map_figure(&g, &panels, Some(&labels), &[0.2, 0.5, 0.8]);
    map_png(&dir.join("map.png"), &fig).unwrap();
    let pts: Vec<(f64, f64)> = (0..30).map(|k| (k as f64, (k as f64).sqrt())).collect();
    let err = vec![0.2; 30];
    let series = [Series {
        name: "sqrt",
        points: &pts,
        y_err: Some(&err),
        y_band: None,
        scatter: false,
    }];
    line_png(
        &dir.join("line.png"),
        "Line",
        "t (h)",
        "A (MBq)",
        &series,
        false,
    )
    .unwrap();
    let cats: Vec<String> = ["lesion_1", "lesion_2", "lesion_3", "kidneys"]
        .map(String::from)
        .to_vec();
    let (a, b) = (
        [-92.0, -60.0, -20.0, f64::NAN],
        [f64::NAN, -45.0, 12.0, -5.0],
    );
    let groups = [
        BarGroup {
            name: "variant=adult",
            values: &a,
        },
        BarGroup {
            name: "variant=mouse",
            values: &b,
        },
    ];
    let refs = [RefLine {
        name: "PERCIST PMR threshold (-30%)",
        y: -30.0,
    }];
    bar_png(&dir.join("bars.png"), &bar_figure(&cats, &groups, &refs)).unwrap();
    let long: Vec<String> = (1..=9).map(|k| format!("lesion_{k} (PMR)")).collect();
    let v: Vec<f64> = (1..=9).map(|k| 0.1 * k as f64).collect();
    let one = [BarGroup {
        name: "",
        values: &v,
    }];
    bar_png(&dir.join("bars_long.png"), &bar_figure(&long, &one, &[])).unwrap();
}

/// A series' band (e.g. a 95 % interval of a sweep) is a translucent polygon of the series'
/// colour from its low to its high ends: a band of [y - 1, y + 2] around y = x at x = 0..4
/// spans 3 units at every x (read from the SVG polygon against the y axis scale), and a point
/// with a NaN end splits it.
#[test]
fn line_bands_span_their_low_and_high_ends() {
    let dir = tempfile::tempdir().unwrap();
    let pts: Vec<(f64, f64)> = (0..5).map(|i| (f64::from(i), f64::from(i))).collect();
    let band: Vec<[f64; 2]> = pts.iter().map(|&(_, y)| [y - 1.0, y + 2.0]).collect();
    let series = [Series {
        name: "TCP",
        points: &pts,
        y_err: None,
        y_band: Some(&band),
        scatter: false,
    }];
    let svg = dir.path().join("band.svg");
    line_png(&svg, "band", "x", "y", &series, false).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let polys: Vec<Vec<(f64, f64)>> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "polygon")
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split_whitespace()
                .filter_map(|xy| {
                    let (a, b) = xy.split_once(',')?;
                    Some((a.parse().unwrap(), b.parse().unwrap()))
                })
                .collect()
        })
        .collect();
    assert_eq!(polys.len(), 1, "{polys:?}");
    let p = &polys[0];
    assert_eq!(p.len(), 10, "5 upper and 5 lower ends: {p:?}");
    // drawing units per y unit from the first and last upper ends (y + 2 = 2 and 6)
    let per = (p[0].1 - p[4].1) / 4.0;
    for k in 0..5 {
        let (upper, lower) = (p[k], p[9 - k]);
        assert!((upper.0 - lower.0).abs() < 1e-9);
        assert!(
            ((lower.1 - upper.1) - 3.0 * per).abs() < 1.0,
            "x = {k}: {upper:?} {lower:?}"
        );
    }
    // a NaN end in the middle splits the band in two
    let mut holed = band.clone();
    holed[2] = [f64::NAN, 3.0];
    let series = [Series {
        y_band: Some(&holed),
        scatter: false,
        ..series[0]
    }];
    line_png(&svg, "band", "x", "y", &series, false).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text.matches("<polygon").count(), 2);
}
