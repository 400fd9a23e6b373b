//! Figures: a map with outlines and iso-lines and a line plot (with error bars and bands) are
//! written as PNG and SVG, decode to the figure size, and degenerate images (all zero, NaN) do
//! not fail. The bar charts are in `plot_bars.rs`.

use std::path::Path;

use theradose::io::Grid;
use theradose::plot::{line_png, map_png, Colormap, MapFigure, MapPanel, Plane, Series};

#[path = "common/png.rs"]
mod png;
use png::{png_size, FIGURE_PX};

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

/// Writes the map and the line plot to `$THERADOSE_PLOT_DIR` for a look by eye; skipped when unset.
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
