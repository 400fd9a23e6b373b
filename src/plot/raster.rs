//! Images inside figures: an RGB raster placed in drawing units, written into the SVG as an
//! embedded PNG (`<image>`), and the PNG encoder (with the pHYs resolution chunk).

use anyhow::Context;

/// Raster samples per voxel at most (the PNG's own pixels set the rest).
const MAX_SAMPLES_PER_VOXEL: f64 = 8.0;

/// The raster size (pixels) of a map panel of `area_px` pixels showing `w` x `h` voxels at
/// `px_per_unit` raster pixels per PNG pixel: the panel's pixels, at most
/// [`MAX_SAMPLES_PER_VOXEL`] samples per voxel, at least one.
pub(super) fn raster_size(area_px: (u32, u32), px_per_unit: f64, w: usize, h: usize) -> (u32, u32) {
    let side = |px: u32, n: usize| {
        (f64::from(px) * px_per_unit)
            .min((n as f64 * MAX_SAMPLES_PER_VOXEL).max(1.0))
            .round()
            .max(1.0) as u32
    };
    (side(area_px.0, w), side(area_px.1, h))
}

/// An RGB image (rows top to bottom) over the drawing-unit box `(x0, y0)`..`(x1, y1)`.
#[derive(Debug, Clone)]
pub(super) struct Raster {
    pub(super) x0: f64,
    pub(super) y0: f64,
    pub(super) x1: f64,
    pub(super) y1: f64,
    pub(super) w: u32,
    pub(super) h: u32,
    pub(super) rgb: Vec<u8>,
}

/// The `<image>` element of a raster: a PNG as a data URI, stretched over its box.
pub(super) fn svg_image(r: &Raster) -> String {
    let png = encode_png(&r.rgb, (r.w, r.h), 3, None).unwrap_or_default();
    format!(
        "<image x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" \
         preserveAspectRatio=\"none\" href=\"data:image/png;base64,{}\"/>\n",
        r.x0,
        r.y0,
        r.x1 - r.x0,
        r.y1 - r.y0,
        base64(&png)
    )
}

/// Encodes 8-bit pixels (`channels` 3: RGB, 4: RGBA) as PNG, with `dpi` in a pHYs chunk.
///
/// # Errors
/// When the buffer does not hold `w * h * channels` bytes.
pub(super) fn encode_png(
    data: &[u8],
    (w, h): (u32, u32),
    channels: u8,
    dpi: Option<f64>,
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(if channels == 4 {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        if let Some(dpi) = dpi {
            // pixels per metre: 1 inch = 0.0254 m
            let ppm = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
        }
        let mut wr = enc.write_header().context("PNG header")?;
        wr.write_image_data(data).context("PNG data")?;
    }
    Ok(out)
}

/// Standard base64 (RFC 4648) with padding.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                s.push(ABC[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 section 10 test vectors
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
