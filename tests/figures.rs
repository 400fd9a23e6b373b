//! Figures a journal accepts (issue 22): PNGs at the requested pixel size with the dpi in their
//! pHYs chunk, not blank, with a colour bar that runs through the colour map; SVGs that parse
//! and hold the axis titles with their units as text; isodose contours of an analytic Gaussian
//! within half a voxel of the exact iso-line; no figure written with nothing to show.

use std::path::Path;

use theradose::io::Grid;
use theradose::plot::{
    isolines, line_png, map_png, with_figures, Colormap, FiguresSpec, MapFigure, MapPanel,
    NothingToShow, Plane, Series,
};

/// Decoded 8-bit RGB pixels, size and pHYs (pixels per metre) of a PNG.
type Decoded = (Vec<[u8; 3]>, (u32, u32), Option<(u32, u32)>);

fn decode(path: &Path) -> Decoded {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let info = reader.info();
    let dims = info.pixel_dims.map(|d| {
        assert_eq!(d.unit, png::Unit::Meter);
        (d.xppu, d.yppu)
    });
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    let px = buf[..frame.buffer_size()]
        .chunks(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (px, (frame.width, frame.height), dims)
}

/// The text content of every `<text>` element of an SVG, parsed as XML.
fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn spec(width_mm: f64, dpi: f64) -> FiguresSpec {
    FiguresSpec {
        width_mm: Some(width_mm),
        dpi,
        ..FiguresSpec::default()
    }
}

/// A 2-D Gaussian of amplitude `a` and width `sigma` (pixels) centred at `(cx, cy)` in pixel
/// units, sampled at the pixel centres `(i + 0.5, j + 0.5)`.
fn gaussian(w: usize, h: usize, (cx, cy): (f64, f64), sigma: f64, a: f64) -> Vec<f64> {
    let mut v = Vec::with_capacity(w * h);
    for j in 0..h {
        for i in 0..w {
            let (x, y) = (i as f64 + 0.5 - cx, j as f64 + 0.5 - cy);
            v.push(a * (-(x * x + y * y) / (2.0 * sigma * sigma)).exp());
        }
    }
    v
}

#[test]
fn pngs_have_the_requested_size_and_dpi_and_svgs_hold_the_axis_titles() {
    let dir = tempfile::tempdir().unwrap();
    let pts: Vec<(f64, f64)> = (0..50)
        .map(|k| (k as f64, (k as f64 * 0.2).sin()))
        .collect();
    let series = [Series {
        name: "kidneys",
        points: &pts,
        y_err: None,
        y_band: None,
        scatter: false,
    }];
    // (width mm, dpi): one column at 300 dpi, two columns at 600 dpi, a slide at 150 dpi
    for (w, dpi) in [(88.0, 300.0), (180.0, 600.0), (160.0, 150.0)] {
        let path = dir.path().join(format!("curve_{w}_{dpi}.png"));
        with_figures(&spec(w, dpi), || {
            line_png(
                &path,
                "Time-activity curve",
                "time after injection (h)",
                "activity (MBq)",
                &series,
                false,
            )
        })
        .unwrap();
        let (px, (pw, ph), phys) = decode(&path);
        // pixels = width / 25.4 mm per inch * dpi, rounded
        assert_eq!(pw, (w / 25.4 * dpi).round() as u32);
        assert!(ph > pw / 2 && ph < pw, "{pw} x {ph}");
        // pHYs: dpi / 0.0254 m per inch pixels per metre, both axes
        let ppm = (dpi / 0.0254).round() as u32;
        assert_eq!(phys, Some((ppm, ppm)));
        // not blank: a fair share of non-white pixels, and the curve's Okabe-Ito blue
        let ink = px.iter().filter(|p| **p != [255, 255, 255]).count();
        assert!(ink > px.len() / 100, "{ink} of {} pixels inked", px.len());
        assert!(px.contains(&[0, 114, 178]));
        let svg = path.with_extension("svg");
        let texts = svg_texts(&svg);
        for t in ["time after injection (h)", "activity (MBq)", "kidneys"] {
            assert!(texts.iter().any(|s| s == t), "'{t}' not in {texts:?}");
        }
        // the SVG states its physical size
        let head = std::fs::read_to_string(&svg).unwrap();
        assert!(head.contains(&format!("width=\"{w:.2}mm\"")));
    }
}

/// A phantom-like volume: a 40 x 30 x 20 grid of 2 mm voxels in the built-in phantoms' frame,
/// a body of density 1 in air, and a Gaussian dose blob.
fn volume() -> (Grid, Vec<f64>, Vec<f64>, Vec<u16>) {
    let mut grid = Grid::new([40, 30, 20], [2.0, 2.0, 2.0]);
    grid.direction = [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]];
    let (mut dose, mut dens, mut lab) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..20 {
        for j in 0..30 {
            for i in 0..40 {
                let (x, y, z) = (i as f64 - 24.0, j as f64 - 15.0, k as f64 - 10.0);
                let r2 = x * x + y * y + z * z;
                dose.push(12.0 * (-r2 / (2.0 * 16.0)).exp());
                let inside = (i as f64 - 20.0).powi(2) / 324.0 + (y * y) / 169.0 < 1.0;
                dens.push(if inside { 1.0 } else { 0.0012 });
                lab.push(if r2 < 9.0 { 2 } else { u16::from(inside) });
            }
        }
    }
    (grid, dose, dens, lab)
}

#[test]
fn a_map_over_anatomy_has_a_colour_bar_that_runs_through_its_colour_map() {
    let tmp = tempfile::tempdir().unwrap();
    // THERADOSE_KEEP_FIGURES=1 keeps the figure for a look (in the system's temporary folder)
    let dir = if std::env::var_os("THERADOSE_KEEP_FIGURES").is_some() {
        let d = std::env::temp_dir().join("theradose-figures");
        std::fs::create_dir_all(&d).unwrap();
        d
    } else {
        tmp.path().to_path_buf()
    };
    let (grid, dose, dens, lab) = volume();
    let panels = [Plane::Axial, Plane::Coronal, Plane::Sagittal].map(|plane| MapPanel {
        values: &dose,
        plane,
        label: "",
    });
    let fig = MapFigure {
        title: "absorbed dose",
        grid: &grid,
        panels: &panels,
        through: [24, 15, 10],
        colorbar_label: "absorbed dose (Gy)",
        colormap: Colormap::Viridis,
        range: Some((0.0, 12.0)),
        log_scale: false,
        anatomy: Some(&dens),
        anatomy_window: (0.0, 1.8),
        labels: Some(&lab),
        outline: &[2],
        isolevels: &[3.0, 6.0, 9.0],
        iso_unit: "Gy",
        notes: &[],
    };
    let path = dir.join("dose_map.png");
    with_figures(&FiguresSpec::default(), || map_png(&path, &fig)).unwrap();
    let (px, (w, h), phys) = decode(&path);
    // several panels: the double-column width, 180 mm at 300 dpi
    assert_eq!(w, (180.0f64 / 25.4 * 300.0).round() as u32);
    assert_eq!(phys, Some((11811, 11811)));
    let at = |x: u32, y: u32| px[(y * w + x) as usize];
    // the colour bar: in the right fifth, a column whose pixels are viridis colours over more
    // than a quarter of the figure's height, from its top (t > 0.9) down to its bottom
    // (t < 0.1), t never rising on the way down. The wash over the grey anatomy never shows
    // viridis' own colours: it is 70 % opaque.
    let lut: Vec<[u8; 3]> = (0..256)
        .map(|k| {
            let c = Colormap::Viridis.rgb(f64::from(k) / 255.0);
            [c.0, c.1, c.2]
        })
        .collect();
    let t_of = |p: [u8; 3]| {
        lut.iter()
            .position(|q| (0..3).all(|c| (i16::from(p[c]) - i16::from(q[c])).abs() <= 3))
            .map(|k| k as f64 / 255.0)
    };
    let mut best: Vec<f64> = Vec::new();
    for x in w * 4 / 5..w {
        let mut run: Vec<f64> = Vec::new();
        for y in 0..h {
            match t_of(at(x, y)) {
                Some(t) => run.push(t),
                None => {
                    if run.len() > best.len() {
                        best = std::mem::take(&mut run);
                    }
                    run.clear();
                }
            }
        }
        if run.len() > best.len() {
            best = run;
        }
    }
    assert!(
        best.len() as u32 > h / 4,
        "longest viridis run {} of {h} pixels",
        best.len()
    );
    let (first, last) = (best[0], best[best.len() - 1]);
    assert!(
        first > 0.9 && last < 0.1,
        "colour bar from t = {first} down to {last}"
    );
    assert!(
        best.windows(2).all(|p| p[1] <= p[0] + 0.02),
        "colour bar not monotonic: {best:?}"
    );
    // not blank: the anatomy in grey and the wash
    let grey = px
        .iter()
        .filter(|p| p[0] == p[1] && p[1] == p[2] && p[0] > 100 && p[0] < 250)
        .count();
    assert!(grey > 1000, "{grey} grey pixels");
    // the SVG: the colour-bar title, the iso-line labels and the orientation letters as text
    let texts = svg_texts(&path.with_extension("svg"));
    for t in [
        "absorbed dose (Gy)",
        "3 Gy",
        "6 Gy",
        "9 Gy",
        "R",
        "L",
        "A",
        "P",
        "S",
        "I",
    ] {
        assert!(texts.iter().any(|s| s == t), "'{t}' not in {texts:?}");
    }
    assert!(
        texts.iter().any(|s| s.starts_with("axial, z = ")),
        "{texts:?}"
    );
}

/// Isodose lines of a Gaussian blob D(r) = A exp(-r^2 / 2 sigma^2): the exact iso-line at level
/// L is the circle r = sigma sqrt(2 ln(A / L)). Marching squares on the bilinear interpolation
/// of the pixel values must lie within half a voxel of it (the tolerance). Also with
/// one noisy voxel above the level far from the blob: no island.
#[test]
fn isodose_lines_of_a_gaussian_lie_within_half_a_voxel_of_the_exact_circle() {
    let (w, h) = (64, 48);
    let (cx, cy, sigma, a) = (30.3, 22.7, 6.0, 10.0);
    let mut v = gaussian(w, h, (cx, cy), sigma, a);
    v[5 * w + 55] = 9.0; // a lone hot voxel
    let mut worst: f64 = 0.0;
    for level in [1.0, 2.0, 5.0, 8.0, 9.5] {
        let lines = isolines(&v, w, h, level);
        assert_eq!(lines.len(), 1, "level {level}: {} lines", lines.len());
        let l = &lines[0];
        assert!(l.len() > 20);
        let (f, e) = (l[0], l[l.len() - 1]);
        assert!(
            (f.0 - e.0).abs() < 1e-9 && (f.1 - e.1).abs() < 1e-9,
            "not closed"
        );
        let r_exact = sigma * (2.0 * (a / level).ln()).sqrt();
        for &(x, y) in l {
            let r = (x - cx).hypot(y - cy);
            worst = worst.max((r - r_exact).abs());
        }
    }
    assert!(
        worst < 0.5,
        "largest distance from the exact iso-line {worst} voxels"
    );
}

#[test]
fn no_figure_is_written_with_nothing_to_show() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.png");
    let nan = [(0.0, f64::NAN), (1.0, f64::NAN)];
    let series = [Series {
        name: "nothing",
        points: &nan,
        y_err: None,
        y_band: None,
        scatter: false,
    }];
    let err = line_png(&path, "t", "x (mm)", "y (Gy)", &series, false).unwrap_err();
    let nothing = err.downcast_ref::<NothingToShow>().expect("NothingToShow");
    assert!(nothing.0.contains("empty.png"));
    let (grid, _, _, _) = volume();
    let nans = vec![f64::NAN; grid.dims.iter().product()];
    let panels = [MapPanel {
        values: &nans,
        plane: Plane::Axial,
        label: "",
    }];
    let fig = MapFigure {
        title: "",
        grid: &grid,
        panels: &panels,
        through: [0, 0, 0],
        colorbar_label: "SUV",
        colormap: Colormap::Magma,
        range: None,
        log_scale: false,
        anatomy: None,
        anatomy_window: (0.0, 1.0),
        labels: None,
        outline: &[],
        isolevels: &[],
        iso_unit: "",
        notes: &[],
    };
    let map = dir.path().join("map.png");
    let err = map_png(&map, &fig).unwrap_err();
    assert!(err.downcast_ref::<NothingToShow>().is_some());
    assert!(theradose::plot::written(map_png(&map, &fig)).is_ok_and(|w| !w));
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(files.is_empty(), "files written: {files:?}");
}

#[test]
fn a_bad_figures_section_names_its_field() {
    let bad: FiguresSpec = toml::from_str("dpi = 10").unwrap();
    let e = format!("{:#}", bad.check().unwrap_err());
    assert!(e.contains("figures.dpi"), "{e}");
    assert!(toml::from_str::<FiguresSpec>("style = \"poster\"").is_err());
    let ok: FiguresSpec = toml::from_str(
        "style = \"slides\"\nwidth_mm = 120\nformats = [\"svg\"]\nslices = [\"coronal\"]",
    )
    .unwrap();
    ok.check().unwrap();
}

/// Standard base64 decoded (the test's own, independent of the writer's encoder).
fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::new();
    for c in clean.chunks(4) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(val(b)) << (18 - 6 * k));
        out.extend_from_slice(&n.to_be_bytes()[1..c.len()]);
    }
    out
}

#[test]
fn svgs_embed_a_subset_of_the_bundled_font_and_render_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let pts: Vec<(f64, f64)> = (0..20).map(|k| (k as f64, k as f64 * 0.5)).collect();
    let series = [Series {
        name: "kidneys",
        points: &pts,
        y_err: None,
        y_band: None,
        scatter: false,
    }];
    let path = dir.path().join("curve.png");
    with_figures(&spec(88.0, 150.0), || {
        line_png(
            &path,
            "Time-activity curve",
            "time after injection (h)",
            "activity (MBq)",
            &series,
            false,
        )
    })
    .unwrap();
    let svg_path = path.with_extension("svg");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    // an @font-face in a <style>, the font a small subset of the 700 kB bundled font
    let style_at = svg.find("<style>").expect("no <style> in the SVG");
    let style_end = svg[style_at..].find("</style>").unwrap() + style_at + "</style>".len();
    let style = &svg[style_at..style_end];
    assert!(style.contains("@font-face") && style.contains("font-family: \"DejaVu Sans\""));
    let b64 = style
        .split("base64,")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let font = unbase64(b64);
    let full =
        std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/DejaVuSans.ttf"))
            .unwrap()
            .len() as usize;
    assert!(
        font.len() * 10 < full,
        "subset {} of {full} bytes",
        font.len()
    );
    // the subset is a font a viewer can use: every character of the texts maps to a glyph
    // with an outline (spaces aside)
    let face = ttf_parser::Face::parse(&font, 0).expect("the embedded font parses");
    let texts = svg_texts(&svg_path);
    for t in ["time after injection (h)", "activity (MBq)", "kidneys"] {
        assert!(texts.iter().any(|s| s == t), "'{t}' not in {texts:?}");
    }
    for c in texts
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| !c.is_whitespace())
    {
        let g = face
            .glyph_index(c)
            .unwrap_or_else(|| panic!("no glyph for {c:?}"));
        assert!(face.glyph_bounding_box(g).is_some(), "no outline for {c:?}");
    }
    // resvg draws the SVG the same with and without the embedded font
    let bare = format!("{}{}", &svg[..style_at], &svg[style_end..]);
    let px = (520, 404);
    let a = theradose::plot::svg_to_png(&svg, px, 150.0).unwrap();
    let b = theradose::plot::svg_to_png(&bare, px, 150.0).unwrap();
    let pixels = |bytes: &[u8]| {
        let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; r.output_buffer_size()];
        let f = r.next_frame(&mut buf).unwrap();
        buf.truncate(f.buffer_size());
        buf
    };
    let (pa, pb) = (pixels(&a), pixels(&b));
    assert_eq!(pa.len(), pb.len());
    let differ = pa
        .iter()
        .zip(&pb)
        .filter(|(x, y)| x.abs_diff(**y) > 8)
        .count();
    eprintln!(
        "SVG {} bytes, font subset {} bytes (full {full}); {differ} of {} channel values differ",
        svg.len(),
        font.len(),
        pa.len()
    );
    assert!(
        differ * 1000 < pa.len(),
        "{differ} of {} values differ",
        pa.len()
    );
}
