//! The figure of a phantom's regions (issue 22; `theradose phantom show --png`): PNG at the
//! requested size and dpi, not blank; the SVG holds every region cut by the planes in its
//! legend, each in a colour of its own, the orientation letters and the scale bar; a figure
//! with no region to show is not written.

use std::path::Path;

use theradose::materials::MaterialDb;
use theradose::phantom::builtin;
use theradose::plot::{
    region_map_png, with_figures, FiguresSpec, NothingToShow, Plane, RegionMapFigure,
    REGION_PALETTE,
};
use theradose::study::common::phantom_png;

/// Size and pHYs (pixels per metre) of a PNG, and the number of distinct colours in it.
fn decode(path: &Path) -> ((u32, u32), Option<u32>, usize) {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let ppm = reader.info().pixel_dims.map(|d| d.xppu);
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let mut colours: Vec<&[u8]> = buf[..frame.buffer_size()].chunks(3).collect();
    colours.sort_unstable();
    colours.dedup();
    ((frame.width, frame.height), ppm, colours.len())
}

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[test]
fn a_phantoms_regions_are_named_in_a_legend_each_in_a_colour_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let db = MaterialDb::load().unwrap();
    let ph = builtin::build("mouse", &db, Some(1.0), &["tumour".to_string()]).unwrap();
    let spec = FiguresSpec {
        width_mm: Some(180.0),
        dpi: 100.0,
        ..FiguresSpec::default()
    };
    let png = dir.path().join("mouse.png");
    with_figures(&spec, || phantom_png(&ph, &png)).unwrap();
    let ((w, h), ppm, colours) = decode(&png);
    // 180 mm at 100 dpi: 180 / 25.4 * 100 = 709 pixels; 100 dpi = 3937 pixels per metre
    assert_eq!(w, 709);
    assert!(h > 200, "height {h}");
    assert_eq!(ppm, Some(3937));
    assert!(colours > 50, "{colours} colours: blank?");

    let svg = std::fs::read_to_string(dir.path().join("mouse.svg")).unwrap();
    assert!(svg.contains("width=\"180.00mm\""));
    let texts = svg_texts(&svg);
    for letter in ["R", "L", "A", "P", "S", "I"] {
        assert!(texts.iter().any(|t| t == letter), "letter {letter}");
    }
    assert!(texts.iter().any(|t| t.ends_with(" mm")), "scale bar");
    // every region of the mouse but the body's inner organs cut by no plane is in the legend
    let names: Vec<&String> = ph.regions.iter().skip(1).map(|r| &r.name).collect();
    let listed: Vec<&&String> = names.iter().filter(|n| texts.contains(n)).collect();
    assert!(listed.len() >= 6, "legend {texts:?}");
    assert!(texts.iter().any(|t| t == "tumour"), "tumour in {texts:?}");
    // the swatches: the first colours of the palette, each once
    for c in &REGION_PALETTE[..listed.len()] {
        assert_eq!(
            svg.matches(&format!("fill=\"{}\"", hex(*c))).count(),
            1,
            "swatch {}",
            hex(*c)
        );
    }
}

#[test]
fn a_region_map_with_no_region_to_show_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let grid = theradose::io::Grid::new([4, 4, 2], [1.0, 1.0, 1.0]);
    let labels = vec![0u16; 32];
    let density = vec![1.0; 32];
    let names = vec!["background".to_string(), "liver".to_string()];
    let fig = RegionMapFigure {
        title: "nothing",
        grid: &grid,
        labels: &labels,
        names: &names,
        density: &density,
        density_window: (0.0, 1.8),
        planes: &[Plane::Axial, Plane::Coronal],
        through: [1, 1, 1],
        regions: &[1],
    };
    let path = dir.path().join("none.png");
    let err = region_map_png(&path, &fig).unwrap_err();
    assert!(err.downcast_ref::<NothingToShow>().is_some(), "{err:#}");
    assert!(!path.exists());
}
