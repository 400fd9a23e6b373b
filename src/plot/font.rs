//! The bundled font embedded in SVG files: DejaVu Sans subset to the characters a figure's
//! texts use (the `subsetter` crate, which writes glyph outlines and metrics for PDF and drops
//! `cmap` and `OS/2`; both are put back here so that SVG viewers can use the font), as a
//! base64 `@font-face` in a `<style>` element under the family name the texts already name.

use anyhow::{bail, Context};

use super::raster::base64;

/// The `<style>` element declaring the subset of `font` (a TrueType font) holding the
/// characters of every `<text>` of `svg` as the family `family`.
///
/// # Errors
/// A font that cannot be parsed or subset.
pub(super) fn font_face_style(svg: &str, font: &[u8], family: &str) -> anyhow::Result<String> {
    let subset = subset_for(font, &text_chars(svg))?;
    Ok(format!(
        "<style>@font-face {{ font-family: \"{family}\"; \
         src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}</style>\n",
        base64(&subset)
    ))
}

/// The characters of every `<text>` element's content (entities counted as their characters
/// and as themselves: a few glyphs too many at most).
fn text_chars(svg: &str) -> Vec<char> {
    let mut chars: Vec<char> = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find("<text") {
        rest = &rest[at..];
        let Some(open) = rest.find('>') else { break };
        let body = &rest[open + 1..];
        let end = body.find("</text>").unwrap_or(body.len());
        let content = &body[..end];
        chars.extend(content.chars());
        chars.extend(unescape(content).chars());
        rest = &body[end..];
    }
    chars.sort_unstable();
    chars.dedup();
    chars
}

/// XML text with its five named entities and numeric character references replaced.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(semi) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let name = &tail[1..semi];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=semi]),
        }
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    out
}

/// A TrueType font holding the glyphs of `chars` (those of the basic plane the font has) and
/// `.notdef`, with a `cmap` mapping the characters to them and the `OS/2` table of `font`.
pub(super) fn subset_for(font: &[u8], chars: &[char]) -> anyhow::Result<Vec<u8>> {
    let face = ttf_parser::Face::parse(font, 0).context("parsing the bundled font")?;
    let mut remap = subsetter::GlyphRemapper::new();
    let mut map: Vec<(u16, u16)> = Vec::new();
    for &c in chars {
        let Ok(code) = u16::try_from(u32::from(c)) else {
            continue;
        };
        if code == 0xFFFF {
            continue;
        }
        if let Some(g) = face.glyph_index(c) {
            map.push((code, remap.remap(g.0)));
        }
    }
    map.sort_unstable();
    map.dedup_by_key(|m| m.0);
    let sub = subsetter::subset(font, 0, &remap)
        .map_err(|e| anyhow::anyhow!("subsetting the bundled font: {e:?}"))?;
    let os2 = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"OS/2"))
        .context("the bundled font has no OS/2 table")?;
    let mut tables = read_tables(&sub)?;
    tables.retain(|(t, _)| t != b"cmap" && t != b"OS/2");
    tables.push((*b"cmap", cmap(&map)));
    tables.push((*b"OS/2", os2.to_vec()));
    Ok(write_font(tables))
}

/// The tables of a TrueType font: tag and bytes.
fn read_tables(font: &[u8]) -> anyhow::Result<Vec<([u8; 4], Vec<u8>)>> {
    let u16_at = |o: usize| font.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        font.get(o..o + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(n) = u16_at(4) else {
        bail!("subset font too short")
    };
    let mut out = Vec::new();
    for i in 0..usize::from(n) {
        let rec = 12 + 16 * i;
        let (Some(tag), Some(off), Some(len)) =
            (font.get(rec..rec + 4), u32_at(rec + 8), u32_at(rec + 12))
        else {
            bail!("subset font: table record {i} truncated");
        };
        let Some(bytes) = font.get(off..off + len) else {
            bail!("subset font: table {i} outside the file");
        };
        out.push(([tag[0], tag[1], tag[2], tag[3]], bytes.to_vec()));
    }
    Ok(out)
}

/// A `cmap` with one format 4 subtable (Unicode BMP, for platforms 0 and 3) mapping each
/// code to its glyph, one segment per code.
fn cmap(map: &[(u16, u16)]) -> Vec<u8> {
    let seg = map.len() + 1;
    let mut ends: Vec<u16> = map.iter().map(|m| m.0).collect();
    ends.push(0xFFFF);
    let deltas: Vec<u16> = map
        .iter()
        .map(|&(c, g)| g.wrapping_sub(c))
        .chain([1])
        .collect();
    let pow = seg.ilog2();
    let search = 2 * (1usize << pow);
    let mut sub: Vec<u8> = Vec::new();
    let put = |v: &mut Vec<u8>, x: usize| v.extend_from_slice(&(x as u16).to_be_bytes());
    for x in [
        4,
        16 + 8 * seg,
        0,
        2 * seg,
        search,
        pow as usize,
        2 * seg - search,
    ] {
        put(&mut sub, x);
    }
    for &e in &ends {
        put(&mut sub, usize::from(e));
    }
    put(&mut sub, 0);
    for &s in &ends {
        put(&mut sub, usize::from(s));
    }
    for &d in &deltas {
        put(&mut sub, usize::from(d));
    }
    for _ in 0..seg {
        put(&mut sub, 0);
    }
    let mut out = Vec::new();
    // version 0, two encoding records (Unicode BMP; Windows Unicode BMP) to one subtable
    for x in [0usize, 2, 0, 3] {
        put(&mut out, x);
    }
    out.extend_from_slice(&20u32.to_be_bytes());
    for x in [3usize, 1] {
        put(&mut out, x);
    }
    out.extend_from_slice(&20u32.to_be_bytes());
    out.extend_from_slice(&sub);
    out
}

/// The sum of a table's big-endian 32-bit words (zero-padded).
fn checksum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |s, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        s.wrapping_add(u32::from_be_bytes(w))
    })
}

/// A TrueType font file of `tables` (sorted by tag, 4-byte aligned, with checksums and the
/// `head` checksum adjustment).
fn write_font(mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tables.sort_by_key(|t| t.0);
    for (tag, bytes) in &mut tables {
        if tag == b"head" && bytes.len() >= 12 {
            bytes[8..12].fill(0);
        }
    }
    let n = tables.len();
    let pow = n.ilog2();
    let search = 16 * (1usize << pow);
    let mut out: Vec<u8> = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for x in [n, search, pow as usize, 16 * n - search] {
        out.extend_from_slice(&(x as u16).to_be_bytes());
    }
    let mut off = 12 + 16 * n;
    let mut head_at = None;
    for (tag, bytes) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(bytes).to_be_bytes());
        out.extend_from_slice(&(off as u32).to_be_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(off);
        }
        off += bytes.len().div_ceil(4) * 4;
    }
    for (_, bytes) in &tables {
        out.extend_from_slice(bytes);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if let Some(h) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[h + 8..h + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}
