use super::*;

/// The bundled font, as the figures read it back.
fn options() -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(include_bytes!("../../assets/DejaVuSans.ttf").to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    usvg::Options {
        fontdb: std::sync::Arc::new(db),
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    }
}

/// The body of object `n 0 obj` (up to `endobj`).
fn object(pdf: &[u8], n: usize) -> &[u8] {
    let head = format!("{n} 0 obj\n");
    let at = find(pdf, head.as_bytes()).unwrap_or_else(|| panic!("object {n} missing"));
    let body = &pdf[at + head.len()..];
    &body[..find(body, b"endobj").expect("endobj")]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The inflated data of the stream object `n`.
fn stream(pdf: &[u8], n: usize) -> Vec<u8> {
    use std::io::Read;
    let body = object(pdf, n);
    let start = find(body, b"stream\n").expect("stream") + 7;
    let end = find(body, b"\nendstream").expect("endstream");
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(&body[start..end])
        .read_to_end(&mut out)
        .expect("a Flate stream");
    out
}

const SVG: &str = r##"<svg width="88mm" height="44mm" viewBox="0 0 400 200" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="400" height="200" fill="#FFFFFF"/>
<image x="10" y="20" width="100" height="50" preserveAspectRatio="none" href="data:image/png;base64,PNG"/>
<rect x="200" y="100" width="50" height="25" fill="#FF0000" fill-opacity="0.5" stroke="#0000FF" stroke-width="2"/>
<polyline fill="none" stroke="#00FF00" stroke-width="1" points="0,0 400,200"/>
<text x="20" y="190" font-family="sans-serif" font-size="16">Dose (Gy)</text>
</svg>"##;

fn svg_with_image() -> String {
    // a 2 x 1 RGB image: red, blue
    let png = super::super::raster::encode_png(&[255, 0, 0, 0, 0, 255], (2, 1), 3, None).unwrap();
    SVG.replace("PNG", &super::super::raster::base64(&png))
}

#[test]
fn the_file_has_a_valid_cross_reference_table_and_the_page_size_in_mm() {
    let pdf = to_pdf(&svg_with_image(), (88.0, 44.0), &options()).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    // every offset of the xref table points at its object (offsets are bytes)
    let tail_at = pdf
        .windows(10)
        .rposition(|w| w == b"startxref\n")
        .expect("startxref")
        + 10;
    let tail = String::from_utf8_lossy(&pdf[tail_at..]).into_owned();
    let xref_at: usize = tail
        .lines()
        .next()
        .and_then(|l| l.parse().ok())
        .expect("offset");
    assert!(pdf[xref_at..].starts_with(b"xref\n0 "));
    let table = String::from_utf8_lossy(&pdf[xref_at..tail_at]).into_owned();
    let entries: Vec<&str> = table
        .lines()
        .skip(3)
        .take_while(|l| l.ends_with(" n "))
        .collect();
    assert_eq!(
        entries.len(),
        6,
        "catalog, pages, page, content, image, info"
    );
    for (k, e) in entries.iter().enumerate() {
        let off: usize = e[..10].parse().unwrap();
        let head = format!("{} 0 obj", k + 1);
        assert!(pdf[off..].starts_with(head.as_bytes()), "object {}", k + 1);
    }
    // 88 mm = 249.4488 pt, 44 mm = 124.7244 pt
    let page = String::from_utf8_lossy(object(&pdf, 3)).into_owned();
    assert!(page.contains("/MediaBox [0 0 249.4488 124.7244]"), "{page}");
}

#[test]
fn paths_colours_opacity_images_and_text_outlines_are_written() {
    let pdf = to_pdf(&svg_with_image(), (88.0, 44.0), &options()).unwrap();
    let ops = String::from_utf8(stream(&pdf, 4)).unwrap();
    // CSS px (88 mm = 332.6 px) onto points (249.4488 pt), y flipped; each element then carries
    // the viewBox scale 332.6 / 400 = 0.8315
    assert!(ops.starts_with("0.75 0 0 -0.75 0 124.7244 cm\n"), "{ops}");
    assert!(ops.contains("q 0.8315 0 0 0.8315 0 0 cm\n"), "{ops}");
    // the red half-transparent rectangle with its blue stroke
    assert!(
        ops.contains("1 0 0 rg 200 100 m 250 100 l 250 125 l 200 125 l h f"),
        "{ops}"
    );
    assert!(ops.contains("0 0 1 RG 2 w"), "{ops}");
    let page = String::from_utf8_lossy(object(&pdf, 3)).into_owned();
    assert!(page.contains("/ca 0.5 /CA 1"), "{page}");
    // the image over its box: 2 x 1 pixels stretched over 100 x 50 units at (10, 20), i.e.
    // 50 units per pixel, times 0.8315
    assert!(
        ops.contains("41.5748 0 0 41.5748 8.315 16.6299 cm 2 0 0 -1 0 1 cm /Im0 Do"),
        "{ops}"
    );
    assert_eq!(stream(&pdf, 5), [255, 0, 0, 0, 0, 255]);
    // text as glyph outlines: "Dose (Gy)" is one black filled path of 9 glyph outlines (D, o,
    // s, e, (, G, y, ) and the inner contours of D, o, e), drawn with curves
    let text = ops
        .lines()
        .find(|l| l.starts_with("/GS0 gs 0 0 0 rg") && l.ends_with(" f"))
        .expect("the text's outlines");
    assert!(text.matches(" m ").count() >= 9, "{text}");
    assert!(text.matches(" c ").count() >= 50, "{text}");
}

#[test]
fn what_it_cannot_write_is_refused_not_dropped() {
    let gradient = r##"<svg width="10mm" height="10mm" viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg">
<linearGradient id="g"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#FFF"/></linearGradient>
<rect width="10" height="10" fill="url(#g)"/></svg>"##;
    let e = to_pdf(gradient, (10.0, 10.0), &options()).unwrap_err();
    assert!(e.to_string().contains("flat colours"), "{e}");
    let clip = r##"<svg width="10mm" height="10mm" viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg">
<clipPath id="c"><rect width="5" height="5"/></clipPath>
<rect width="10" height="10" fill="#000" clip-path="url(#c)"/></svg>"##;
    let e = to_pdf(clip, (10.0, 10.0), &options()).unwrap_err();
    assert!(e.to_string().contains("clip paths"), "{e}");
}

#[test]
fn numbers_are_plain_decimals() {
    assert_eq!(num(1.0), "1");
    assert_eq!(num(0.5), "0.5");
    assert_eq!(num(-0.00001), "0");
    assert_eq!(num(1e-7), "0");
    assert_eq!(num(123456.78912), "123456.7891");
    assert_eq!(num(f64::NAN), "0");
}
