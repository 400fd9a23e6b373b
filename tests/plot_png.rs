//! Figures: a slice with outlines and iso-lines and a line plot are written as PNG and SVG,
//! decode to the figure size, and degenerate images (all zero, NaN) do not fail.

use std::path::Path;

use theradose::plot::{line_png, slice_png, Colormap, Series, Slice, SliceFigure};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
const FIGURE_PX: (u32, u32) = (900, 700);

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

fn figure<'a>(labels: Option<&'a [u16]>, isolines: &'a [f64]) -> SliceFigure<'a> {
    SliceFigure {
        title: "Lu-177 absorbed dose, coronal slice",
        colorbar_label: "dose (Gy)",
        x_label: "x (mm)",
        y_label: "z (mm)",
        colormap: Colormap::Viridis,
        log_scale: false,
        range: None,
        outline_labels: labels,
        isolines,
    }
}

#[test]
fn slice_png_and_svg_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (values, labels) = blob();
    let slice = Slice {
        values: &values,
        width: 64,
        height: 48,
        pixel_mm: [1.5, 2.0],
    };
    let fig = figure(Some(&labels), &[0.2, 0.5, 0.8]);

    let png = dir.path().join("dose.png");
    slice_png(&png, &slice, &fig).unwrap();
    assert_eq!(png_size(&png), FIGURE_PX);

    let svg = dir.path().join("dose.svg");
    slice_png(&svg, &slice, &fig).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "not an SVG: {}", &text[..40]);
    assert!(text.contains("dose (Gy)"));

    let log = SliceFigure {
        log_scale: true,
        colormap: Colormap::Inferno,
        ..fig
    };
    let png_log = dir.path().join("dose_log.png");
    slice_png(&png_log, &slice, &log).unwrap();
    assert_eq!(png_size(&png_log), FIGURE_PX);

    // Only the final files remain: the temporary files were renamed.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["dose.png", "dose.svg", "dose_log.png"]);
}

#[test]
fn degenerate_images_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0.0; 64 * 48];
    let nans = vec![f64::NAN; 64 * 48];
    let mut some_nan = blob().0;
    some_nan[100] = f64::NAN;
    some_nan[200] = f64::INFINITY;
    for (name, values) in [("zeros", &zeros), ("nans", &nans), ("some_nan", &some_nan)] {
        let slice = Slice {
            values,
            width: 64,
            height: 48,
            pixel_mm: [1.0, 1.0],
        };
        for (log_scale, colormap) in [(false, Colormap::Gray), (true, Colormap::Jet)] {
            let fig = SliceFigure {
                log_scale,
                colormap,
                ..figure(None, &[0.5])
            };
            let path = dir.path().join(format!("{name}_{log_scale}.png"));
            slice_png(&path, &slice, &fig).unwrap();
            assert_eq!(png_size(&path), FIGURE_PX);
        }
    }
}

#[test]
fn bad_slices_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let values = vec![1.0; 10];
    let slice = Slice {
        values: &values,
        width: 4,
        height: 3,
        pixel_mm: [1.0, 1.0],
    };
    let path = dir.path().join("bad.png");
    let err = slice_png(&path, &slice, &figure(None, &[])).unwrap_err();
    assert!(format!("{err:#}").contains("expected 4x3 = 12"), "{err:#}");
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
        },
        Series {
            name: "exp(-mu x)",
            points: &fit,
            y_err: None,
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
    }];
    let path = dir.path().join("bad.png");
    assert!(line_png(&path, "", "x", "y", &bad, false).is_err());
    // An empty plot is still a figure.
    let path = dir.path().join("empty.png");
    line_png(&path, "nothing", "x", "y", &[], true).unwrap();
    assert_eq!(png_size(&path), FIGURE_PX);
}

/// Writes the figures to `$THERADOSE_PLOT_DIR` for a look by eye; skipped when unset.
#[test]
fn figures_for_inspection() {
    let Ok(dir) = std::env::var("THERADOSE_PLOT_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let (values, labels) = blob();
    let slice = Slice {
        values: &values,
        width: 64,
        height: 48,
        pixel_mm: [1.5, 2.0],
    };
    let fig = figure(Some(&labels), &[0.2, 0.5, 0.8]);
    slice_png(&dir.join("slice.png"), &slice, &fig).unwrap();
    slice_png(&dir.join("slice.svg"), &slice, &fig).unwrap();
    let log = SliceFigure {
        log_scale: true,
        colormap: Colormap::Inferno,
        isolines: &[],
        ..fig
    };
    slice_png(&dir.join("slice_log.png"), &slice, &log).unwrap();
    let pts: Vec<(f64, f64)> = (0..30).map(|k| (k as f64, (k as f64).sqrt())).collect();
    let err = vec![0.2; 30];
    let series = [Series {
        name: "sqrt",
        points: &pts,
        y_err: Some(&err),
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
