//! Figures as PDF (issue 22): `formats = ["pdf"]` writes a one-page PDF of the figure's size in
//! mm, and Ghostscript (other software: Debian package `ghostscript`, installed by `.ci/run`)
//! renders it like the PNG theradose rasterises itself. The test fails when `gs` is missing.
//!
//! Agreement measured when the test was written (Ghostscript 10.00 against resvg 0.45, at the
//! default 300 dpi): a map over anatomy with isodose lines and a colour bar, mean absolute
//! difference 0.65 levels of 255 per channel and 99.3 % of the pixels within 32 levels on every
//! channel; a line plot with error bars, 0.95 levels and 98.6 %. The rest are anti-aliased
//! edges of thin lines, which Ghostscript draws about a third of a pixel wider than resvg (its
//! fill adjustment); at 100 dpi that made 4.6 % of the line plot's pixels differ. Text drawn in
//! the wrong place, a missing raster or a wrong colour gives 3-5 levels and under 96 %.

use std::path::Path;
use std::process::Command;

use theradose::io::Grid;
use theradose::plot::{
    line_png, map_png, with_figures, Colormap, FiguresSpec, MapFigure, MapPanel, Plane, Series,
};

/// 8-bit RGB pixels and size of a PNG.
fn decode(path: &Path) -> (Vec<u8>, (u32, u32)) {
    let file = std::fs::File::open(path).unwrap();
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let channels = frame.color_type.samples();
    let rgb = buf[..frame.buffer_size()]
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    (rgb, (frame.width, frame.height))
}

/// Renders `pdf` with Ghostscript at `dpi` into `png`.
fn ghostscript(pdf: &Path, png: &Path, dpi: f64) {
    let out = Command::new("gs")
        .args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=png16m"])
        .args(["-dTextAlphaBits=4", "-dGraphicsAlphaBits=4"])
        .arg(format!("-r{dpi}"))
        .arg(format!("-sOutputFile={}", png.display()))
        .arg(pdf)
        .output()
        .expect("Ghostscript (gs) is needed by this test: apt install ghostscript");
    assert!(
        out.status.success(),
        "gs failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Renders the PDF beside `png_path` with Ghostscript and compares it with the PNG: the same
/// size within a pixel, mean absolute difference per channel and the share of pixels within
/// 32 levels on every channel.
fn compare_with_ghostscript(png_path: &Path, dpi: f64) -> (f64, f64) {
    let pdf = png_path.with_extension("pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4"), "{}", pdf.display());
    let gs_png = png_path.with_extension("gs.png");
    ghostscript(&pdf, &gs_png, dpi);
    let (ours, (w, h)) = decode(png_path);
    let (theirs, (gw, gh)) = decode(&gs_png);
    assert!(
        w.abs_diff(gw) <= 1 && h.abs_diff(gh) <= 1,
        "PNG {w}x{h}, Ghostscript {gw}x{gh}"
    );
    let (mut sum, mut close, mut n) = (0u64, 0u64, 0u64);
    for y in 0..h.min(gh) as usize {
        for x in 0..w.min(gw) as usize {
            let a = &ours[(y * w as usize + x) * 3..][..3];
            let b = &theirs[(y * gw as usize + x) * 3..][..3];
            let d: Vec<u64> = (0..3).map(|c| u64::from(a[c].abs_diff(b[c]))).collect();
            sum += d.iter().sum::<u64>();
            close += u64::from(d.iter().all(|&v| v <= 32));
            n += 1;
        }
    }
    (sum as f64 / (3 * n) as f64, close as f64 / n as f64)
}

/// A temporary folder, or with THERADOSE_KEEP_FIGURES=1 a kept one (in the system's temporary
/// folder) to look at the figures and their Ghostscript renderings.
fn folder(tmp: &tempfile::TempDir) -> std::path::PathBuf {
    if std::env::var_os("THERADOSE_KEEP_FIGURES").is_some() {
        let d = std::env::temp_dir().join("theradose-figures");
        std::fs::create_dir_all(&d).unwrap();
        d
    } else {
        tmp.path().to_path_buf()
    }
}

/// The PDF beside `png` rendered by Ghostscript at 300 dpi is within 1.5 levels of the PNG on
/// average and 98 % of its pixels within 32 levels.
fn assert_renders_like_its_png(png: &Path) {
    let (mean, close) = compare_with_ghostscript(png, 300.0);
    assert!(mean < 1.5, "mean |PDF - PNG| = {mean:.2} levels");
    assert!(
        close > 0.98,
        "{:.2} % of pixels within 32 levels",
        close * 100.0
    );
}

fn spec(dpi: f64) -> FiguresSpec {
    FiguresSpec {
        dpi,
        formats: vec!["png".into(), "pdf".into()],
        ..FiguresSpec::default()
    }
}

#[test]
fn a_map_over_anatomy_as_pdf_renders_like_its_png() {
    let tmp = tempfile::tempdir().unwrap();
    // a Gaussian dose in an elliptic body with a spherical target
    let grid = Grid::new([32, 24, 16], [2.5, 2.5, 2.5]);
    let (mut dose, mut dens, mut lab) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..16 {
        for j in 0..24 {
            for i in 0..32 {
                let (x, y, z) = (i as f64 - 18.0, j as f64 - 12.0, k as f64 - 8.0);
                let r2 = x * x + y * y + z * z;
                dose.push(8.0 * (-r2 / 30.0).exp());
                let inside = (i as f64 - 16.0).powi(2) / 196.0 + y * y / 100.0 < 1.0;
                dens.push(if inside { 1.0 } else { 0.0012 });
                lab.push(if r2 < 9.0 { 2 } else { u16::from(inside) });
            }
        }
    }
    let panels = [Plane::Axial, Plane::Coronal].map(|plane| MapPanel {
        values: &dose,
        plane,
        label: "",
    });
    let fig = MapFigure {
        title: "absorbed dose",
        grid: &grid,
        panels: &panels,
        through: [18, 12, 8],
        colorbar_label: "absorbed dose (Gy)",
        colormap: Colormap::Magma,
        range: Some((0.0, 8.0)),
        log_scale: false,
        anatomy: Some(&dens),
        anatomy_window: (0.0, 1.8),
        labels: Some(&lab),
        outline: &[2],
        isolevels: &[2.0, 4.0, 6.0],
        iso_unit: "Gy",
        notes: &[],
    };
    let path = folder(&tmp).join("map.png");
    with_figures(&spec(300.0), || map_png(&path, &fig)).unwrap();
    assert!(
        !path.with_extension("svg").exists(),
        "only the formats asked"
    );
    // the page is the figure's size: 180 mm = 510.2362 pt wide (several panels)
    let pdf = std::fs::read(path.with_extension("pdf")).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/MediaBox [0 0 510.2362 "),
        "{}",
        &text[..400]
    );
    assert!(text.contains("/Subtype /Image"), "the map's rasters");
    assert_renders_like_its_png(&path);
}

#[test]
fn a_line_plot_as_pdf_renders_like_its_png() {
    let tmp = tempfile::tempdir().unwrap();
    let a: Vec<(f64, f64)> = (0..20)
        .map(|i| (f64::from(i), (f64::from(i) * 0.3).sin()))
        .collect();
    let b: Vec<(f64, f64)> = (0..20)
        .map(|i| (f64::from(i), (f64::from(i) * 0.2).cos()))
        .collect();
    let err = vec![0.1; 20];
    let series = [
        Series {
            name: "measured",
            points: &a,
            y_err: Some(&err),
            y_band: None,
            scatter: false,
        },
        Series {
            name: "model",
            points: &b,
            y_err: None,
            y_band: None,
            scatter: false,
        },
    ];
    let path = folder(&tmp).join("line.png");
    with_figures(&spec(300.0), || {
        line_png(
            &path,
            "a test",
            "time (h)",
            "activity (MBq)",
            &series,
            false,
        )
    })
    .unwrap();
    assert_renders_like_its_png(&path);
}

#[test]
fn pdf_is_a_format_a_figures_section_may_ask_for() {
    let ok: FiguresSpec = toml::from_str(r#"formats = ["pdf"]"#).unwrap();
    ok.check().unwrap();
    let bad: FiguresSpec = toml::from_str(r#"formats = ["eps"]"#).unwrap();
    let e = format!("{:#}", bad.check().unwrap_err());
    assert!(
        e.contains("figures.formats") && e.contains("\"pdf\""),
        "{e}"
    );
}

/// Every figure of a dosimetry study (the dose runs' own `dose_<method>/` maps and DVHs too)
/// follows the study's `[figures]`: here PDF only.
#[test]
fn a_dosimetry_study_writes_every_figure_in_the_formats_it_asks_for() {
    use theradose::study::dosimetry::{run_into, DosimetrySpec};
    let study = r#"
[phantom]
builtin = "adult"
voxel_mm = 10.0

[therapy]
nuclide = "Lu-177"
activity_per_cycle_mbq = 7400.0
cycles = 1

[[kinetics]]
region = "kidneys"
uptake_fraction = 0.04
uptake_half_time_h = 1.0
biological_half_life_h = 53.0

[imaging]
times_h = [4.0, 24.0, 96.0]
fwhm_mm = 10.0
noise_rel = 0.05

[dose]
methods = ["ldm"]
histories = 10000
organ_s_histories = 10000

[figures]
formats = ["pdf"]
dpi = 100
"#;
    let spec: DosimetrySpec = toml::from_str(study).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("study");
    run_into(
        &theradose::context::Context::load().unwrap(),
        &spec,
        &out,
        None,
    )
    .unwrap();
    let mut figures = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(x) = p.extension().and_then(|x| x.to_str()) {
                if ["png", "svg", "pdf"].contains(&x) {
                    figures.push(p.strip_prefix(&out).unwrap().to_path_buf());
                }
            }
        }
    }
    figures.sort();
    let not_pdf: Vec<_> = figures
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x != "pdf"))
        .collect();
    assert!(not_pdf.is_empty(), "not PDF: {not_pdf:?}");
    for f in [
        "tac/kidneys.pdf",
        "dose_ldm/dvh.pdf",
        "dose_ldm/dose_coronal.pdf",
    ] {
        assert!(
            figures.iter().any(|p| p == Path::new(f)),
            "{f} not in {figures:?}"
        );
    }
}
