//! Figures as PDF: the SVG every figure is drawn as, read back by usvg (the parser resvg renders
//! the PNG from) and written as one PDF page of the figure's size in mm. Paths keep their
//! geometry, colours, opacities and strokes; text is written as the outlines of the bundled
//! DejaVu Sans glyphs (so it looks the same in every viewer, with no font to embed); the map
//! rasters become image XObjects (Flate, with a soft mask where they have alpha).
//!
//! Only what the figures draw is supported: a gradient or pattern paint, a clip path, a mask, a
//! filter or a non-PNG image is refused with an error rather than dropped, so that a figure
//! never comes out silently different from its PNG.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{bail, Context};
use resvg::usvg::{self, tiny_skia_path::PathSegment, Node, Paint, Transform};

/// PDF points per inch, and the inch in mm.
const PT_PER_INCH: f64 = 72.0;

/// The PDF file of an SVG document drawn by [`super::common`], one page of `mm` (width,
/// height) millimetres.
///
/// # Errors
/// The SVG does not parse, or it uses something this writer does not support (see the module
/// documentation).
pub(super) fn to_pdf(svg: &str, mm: (f64, f64), opt: &usvg::Options) -> anyhow::Result<Vec<u8>> {
    let tree = usvg::Tree::from_str(svg, opt).context("reading back the SVG drawn")?;
    let page_pt = (mm.0 / 25.4 * PT_PER_INCH, mm.1 / 25.4 * PT_PER_INCH);
    let ts = tree.size();
    let mut page = Page::default();
    // SVG user space (y down) onto the page (y up), so that every later operator is in SVG units
    let k = page_pt.0 / f64::from(ts.width());
    let ky = page_pt.1 / f64::from(ts.height());
    writeln!(
        page.ops,
        "{} 0 0 {} 0 {} cm",
        num(k),
        num(-ky),
        num(page_pt.1)
    )?;
    page.group(tree.root(), Transform::default(), 1.0)?;
    Ok(page.finish(page_pt))
}

/// The content stream of the page being written and the resources it uses.
#[derive(Default)]
struct Page {
    ops: String,
    /// Graphics states by their (fill, stroke) alphas in thousandths.
    alphas: BTreeMap<(u16, u16), usize>,
    /// Image XObjects: (width, height, interpolate, RGB samples, alpha samples).
    images: Vec<PdfImage>,
}

struct PdfImage {
    w: u32,
    h: u32,
    interpolate: bool,
    rgb: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

impl Page {
    /// Writes a group's children under the ancestors' transform `ts` (as resvg renders: a
    /// text's outlines are placed by the text's ancestors, not by their own absolute
    /// transform), `opacity` being the product of the ancestors' opacities.
    fn group(&mut self, g: &usvg::Group, ts: Transform, opacity: f64) -> anyhow::Result<()> {
        if g.clip_path().is_some() || g.mask().is_some() || !g.filters().is_empty() {
            bail!("PDF: clip paths, masks and filters are not supported");
        }
        let opacity = opacity * f64::from(g.opacity().get());
        let ts = ts.pre_concat(g.transform());
        for child in g.children() {
            match child {
                Node::Group(c) => self.group(c, ts, opacity)?,
                Node::Path(p) => self.path(p, ts, opacity)?,
                Node::Image(i) => self.image(i, ts, opacity)?,
                Node::Text(t) => self.group(t.flattened(), ts, opacity)?,
            }
        }
        Ok(())
    }

    fn path(&mut self, p: &usvg::Path, ts: Transform, opacity: f64) -> anyhow::Result<()> {
        if !p.is_visible() {
            return Ok(());
        }
        let fill = p.fill().map(|f| -> anyhow::Result<_> {
            let op = if f.rule() == usvg::FillRule::EvenOdd {
                "f*"
            } else {
                "f"
            };
            Ok((color(f.paint())?, f64::from(f.opacity().get()), op))
        });
        let fill = fill.transpose()?;
        let stroke = p.stroke().map(|s| -> anyhow::Result<_> {
            Ok((color(s.paint())?, f64::from(s.opacity().get()), s))
        });
        let stroke = stroke.transpose()?;
        let mut data = String::new();
        path_data(p.data(), &mut data)?;
        writeln!(self.ops, "q {} cm", matrix(ts))?;
        let stroke_first = p.paint_order() == usvg::PaintOrder::StrokeAndFill;
        for pass in 0..2 {
            let do_stroke = (pass == 0) == stroke_first;
            if do_stroke {
                if let Some((rgb, a, s)) = &stroke {
                    let gs = self.alpha(1.0, a * opacity);
                    write!(self.ops, "/GS{gs} gs {} RG ", rgb)?;
                    stroke_style(s, &mut self.ops)?;
                    writeln!(self.ops, "{data}S")?;
                }
            } else if let Some((rgb, a, op)) = &fill {
                let gs = self.alpha(a * opacity, 1.0);
                writeln!(self.ops, "/GS{gs} gs {rgb} rg {data}{op}")?;
            }
        }
        writeln!(self.ops, "Q")?;
        Ok(())
    }

    fn image(&mut self, im: &usvg::Image, ts: Transform, opacity: f64) -> anyhow::Result<()> {
        if !im.is_visible() {
            return Ok(());
        }
        let usvg::ImageKind::PNG(data) = im.kind() else {
            bail!("PDF: only PNG images are supported");
        };
        let interpolate = !matches!(
            im.rendering_mode(),
            usvg::ImageRendering::OptimizeSpeed
                | usvg::ImageRendering::CrispEdges
                | usvg::ImageRendering::Pixelated
        );
        let n = self.images.len();
        self.images.push(decode_png(data, interpolate)?);
        let gs = self.alpha(opacity, opacity);
        // the image's own pixels: (0, 0) to its size, under its transform; the unit square
        // of a PDF image has its first row at the top (y = 1), i.e. at y = 0 of the SVG
        let size = im.size();
        writeln!(
            self.ops,
            "q /GS{gs} gs {} cm {} 0 0 {} 0 {} cm /Im{n} Do Q",
            matrix(ts),
            num(f64::from(size.width())),
            num(-f64::from(size.height())),
            num(f64::from(size.height())),
        )?;
        Ok(())
    }

    /// The number of the graphics state with these fill and stroke alphas.
    fn alpha(&mut self, fill: f64, stroke: f64) -> usize {
        let key = (milli(fill), milli(stroke));
        let next = self.alphas.len();
        *self.alphas.entry(key).or_insert(next)
    }

    /// The whole file: catalog, page tree, page, content, graphics states, images, info.
    fn finish(self, page_pt: (f64, f64)) -> Vec<u8> {
        let mut pdf = Writer::default();
        pdf.out.extend_from_slice(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
        // objects 1..=4: catalog, pages, page, contents; then the images (and their masks)
        let mut xobjects = String::new();
        let mut next = 5;
        let mut image_objects = Vec::new();
        for (n, im) in self.images.iter().enumerate() {
            let mask = im.alpha.as_ref().map(|_| next + 1);
            write!(xobjects, "/Im{n} {next} 0 R ").ok();
            image_objects.push((next, mask));
            next += 1 + usize::from(mask.is_some());
        }
        let info = next;
        let gstates: String = self
            .alphas
            .iter()
            .map(|(&(f, s), n)| {
                format!(
                    "/GS{n} << /Type /ExtGState /ca {} /CA {} >> ",
                    num(f64::from(f) / 1000.0),
                    num(f64::from(s) / 1000.0)
                )
            })
            .collect();
        pdf.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
        pdf.object(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        let page = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Contents 4 0 R \
             /Resources << /ExtGState << {gstates}>> /XObject << {xobjects}>> >> >>",
            num(page_pt.0),
            num(page_pt.1)
        );
        pdf.object(3, page.as_bytes());
        pdf.stream(4, "", self.ops.as_bytes());
        for (im, (obj, mask)) in self.images.iter().zip(image_objects) {
            let smask = mask.map(|m| format!("/SMask {m} 0 R ")).unwrap_or_default();
            let dict = format!(
                "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB \
                 /BitsPerComponent 8 /Interpolate {} {smask}",
                im.w, im.h, im.interpolate
            );
            pdf.stream(obj, &dict, &im.rgb);
            if let (Some(m), Some(a)) = (mask, &im.alpha) {
                let dict = format!(
                    "/Type /XObject /Subtype /Image /Width {} /Height {} \
                     /ColorSpace /DeviceGray /BitsPerComponent 8 ",
                    im.w, im.h
                );
                pdf.stream(m, &dict, a);
            }
        }
        pdf.object(info, b"<< /Producer (theradose) >>");
        pdf.finish(info)
    }
}

/// The bytes of a PDF file and where each object starts.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: BTreeMap<usize, usize>,
}

impl Writer {
    fn object(&mut self, n: usize, body: &[u8]) {
        self.offsets.insert(n, self.out.len());
        self.out
            .extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// A Flate-compressed stream with the dictionary entries `dict` besides its length.
    fn stream(&mut self, n: usize, dict: &str, data: &[u8]) {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // writing into a Vec cannot fail
        z.write_all(data).expect("compressing into memory");
        let packed = z.finish().expect("compressing into memory");
        let mut body = format!(
            "<< {dict}/Filter /FlateDecode /Length {} >>\nstream\n",
            packed.len()
        )
        .into_bytes();
        body.extend_from_slice(&packed);
        body.extend_from_slice(b"\nendstream");
        self.object(n, &body);
    }

    /// The cross-reference table and trailer after the last object, `info` the info dictionary.
    fn finish(mut self, info: usize) -> Vec<u8> {
        let size = self.offsets.keys().max().map_or(1, |m| m + 1);
        let xref = self.out.len();
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for n in 1..size {
            match self.offsets.get(&n) {
                Some(o) => writeln!(table, "{o:010} 00000 n ").ok(),
                None => writeln!(table, "0000000000 65535 f ").ok(),
            };
        }
        write!(
            table,
            "trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .ok();
        self.out.extend_from_slice(table.as_bytes());
        self.out
    }
}

/// The path's segments as PDF operators (quadratic curves raised to cubic ones).
fn path_data(p: &usvg::tiny_skia_path::Path, out: &mut String) -> anyhow::Result<()> {
    let (mut cx, mut cy) = (0.0f64, 0.0f64);
    for seg in p.segments() {
        match seg {
            PathSegment::MoveTo(a) => {
                (cx, cy) = (f64::from(a.x), f64::from(a.y));
                write!(out, "{} {} m ", num(cx), num(cy))?;
            }
            PathSegment::LineTo(a) => {
                (cx, cy) = (f64::from(a.x), f64::from(a.y));
                write!(out, "{} {} l ", num(cx), num(cy))?;
            }
            PathSegment::QuadTo(c, a) => {
                let (qx, qy) = (f64::from(c.x), f64::from(c.y));
                let (ax, ay) = (f64::from(a.x), f64::from(a.y));
                let c1 = (cx + 2.0 / 3.0 * (qx - cx), cy + 2.0 / 3.0 * (qy - cy));
                let c2 = (ax + 2.0 / 3.0 * (qx - ax), ay + 2.0 / 3.0 * (qy - ay));
                write!(
                    out,
                    "{} {} {} {} {} {} c ",
                    num(c1.0),
                    num(c1.1),
                    num(c2.0),
                    num(c2.1),
                    num(ax),
                    num(ay)
                )?;
                (cx, cy) = (ax, ay);
            }
            PathSegment::CubicTo(c1, c2, a) => {
                write!(
                    out,
                    "{} {} {} {} {} {} c ",
                    num(f64::from(c1.x)),
                    num(f64::from(c1.y)),
                    num(f64::from(c2.x)),
                    num(f64::from(c2.y)),
                    num(f64::from(a.x)),
                    num(f64::from(a.y))
                )?;
                (cx, cy) = (f64::from(a.x), f64::from(a.y));
            }
            PathSegment::Close => out.push_str("h "),
        }
    }
    Ok(())
}

/// Line width, cap, join, miter limit and dashes.
fn stroke_style(s: &usvg::Stroke, out: &mut String) -> anyhow::Result<()> {
    let cap = match s.linecap() {
        usvg::LineCap::Butt => 0,
        usvg::LineCap::Round => 1,
        usvg::LineCap::Square => 2,
    };
    let join = match s.linejoin() {
        usvg::LineJoin::Miter | usvg::LineJoin::MiterClip => 0,
        usvg::LineJoin::Round => 1,
        usvg::LineJoin::Bevel => 2,
    };
    write!(
        out,
        "{} w {cap} J {join} j {} M ",
        num(f64::from(s.width().get())),
        num(f64::from(s.miterlimit().get()))
    )?;
    match s.dasharray() {
        Some(d) => {
            let d: Vec<String> = d.iter().map(|v| num(f64::from(*v))).collect();
            write!(
                out,
                "[{}] {} d ",
                d.join(" "),
                num(f64::from(s.dashoffset()))
            )?;
        }
        None => out.push_str("[] 0 d "),
    }
    Ok(())
}

/// A flat colour as PDF RGB operands; gradients and patterns are refused.
fn color(p: &Paint) -> anyhow::Result<String> {
    match p {
        Paint::Color(c) => Ok(format!(
            "{} {} {}",
            num(f64::from(c.red) / 255.0),
            num(f64::from(c.green) / 255.0),
            num(f64::from(c.blue) / 255.0)
        )),
        _ => bail!("PDF: only flat colours are supported (no gradient or pattern paint)"),
    }
}

/// A transform as the six operands of `cm`.
fn matrix(t: Transform) -> String {
    [t.sx, t.ky, t.kx, t.sy, t.tx, t.ty]
        .map(|v| num(f64::from(v)))
        .join(" ")
}

/// A number as PDF writes it: at most 4 decimals, no exponent, no trailing zeros.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

fn milli(a: f64) -> u16 {
    (a.clamp(0.0, 1.0) * 1000.0).round() as u16
}

/// Width, height, RGB samples and alpha samples (if not all opaque) of an 8-bit PNG.
fn decode_png(data: &[u8], interpolate: bool) -> anyhow::Result<PdfImage> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(data));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().context("PDF: reading an embedded PNG")?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .context("PDF: decoding an embedded PNG")?;
    let px = info.width as usize * info.height as usize;
    let (rgb, alpha): (Vec<u8>, Option<Vec<u8>>) = match info.color_type {
        png::ColorType::Rgb => (buf[..px * 3].to_vec(), None),
        png::ColorType::Rgba => {
            let rgb = buf[..px * 4]
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            let a: Vec<u8> = buf[..px * 4].chunks_exact(4).map(|p| p[3]).collect();
            let opaque = a.iter().all(|&v| v == 255);
            (rgb, (!opaque).then_some(a))
        }
        png::ColorType::Grayscale => (buf[..px].iter().flat_map(|&g| [g, g, g]).collect(), None),
        png::ColorType::GrayscaleAlpha => {
            let rgb = buf[..px * 2]
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0]])
                .collect();
            let a: Vec<u8> = buf[..px * 2].chunks_exact(2).map(|p| p[1]).collect();
            (rgb, Some(a))
        }
        png::ColorType::Indexed => bail!("PDF: an indexed PNG was not expanded"),
    };
    Ok(PdfImage {
        w: info.width,
        h: info.height,
        interpolate,
        rgb,
        alpha,
    })
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
