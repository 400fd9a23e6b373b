//! Dotted key paths into a study's TOML table, as `[sweep]` and `[variants]` name them: a
//! segment selects a table key, an array index, or the element of an array of tables whose
//! `region` or `name` equals it (`kinetics.kidneys.uptake_fraction`).

use anyhow::{anyhow, bail, Result};
use toml::Value as T;

/// One segment down from a value.
pub fn step<'a>(v: &'a T, seg: &str) -> Option<&'a T> {
    match v {
        T::Table(t) => t.get(seg),
        T::Array(a) => match seg.parse::<usize>() {
            Ok(i) => a.get(i),
            Err(_) => a.iter().find(|e| named(e, seg)),
        },
        _ => None,
    }
}

/// Whether an array element is the table named `seg` (its `region` or `name`).
pub fn named(e: &T, seg: &str) -> bool {
    ["region", "name"]
        .iter()
        .any(|k| e.get(k).and_then(T::as_str) == Some(seg))
}

/// The value at a dotted path, if any.
pub fn get<'a>(t: &'a toml::Table, path: &str) -> Option<&'a T> {
    let mut segs = path.split('.');
    let mut v = t.get(segs.next()?)?;
    for s in segs {
        v = step(v, s)?;
    }
    Some(v)
}

/// Every dotted path of the file down to three levels.
pub fn paths(prefix: &str, v: &T, depth: usize, out: &mut Vec<String>) {
    if depth == 0 {
        return;
    }
    let mut go = |k: String, x: &T| {
        let p = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        out.push(p.clone());
        paths(&p, x, depth - 1, out);
    };
    match v {
        T::Table(t) => t.iter().for_each(|(k, x)| go(k.clone(), x)),
        T::Array(a) => a.iter().enumerate().for_each(|(i, x)| go(i.to_string(), x)),
        _ => {}
    }
}

/// Sets the field at `path` (intermediate tables are created).
///
/// # Errors
/// A path through a value that is neither a table nor an array, or an array element not found.
pub fn set(table: &mut toml::Table, path: &str, value: T) -> Result<()> {
    let segs: Vec<&str> = path.split('.').collect();
    let (last, init) = segs
        .split_last()
        .ok_or_else(|| anyhow!("empty sweep key"))?;
    let mut cur: &mut T = table
        .entry(init.first().copied().unwrap_or(last).to_string())
        .or_insert_with(|| T::Table(toml::Table::new()));
    if init.is_empty() {
        *cur = value;
        return Ok(());
    }
    for s in &init[1..] {
        cur = match cur {
            T::Table(t) => t
                .entry(s.to_string())
                .or_insert_with(|| T::Table(toml::Table::new())),
            T::Array(a) => {
                let i = match s.parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => a
                        .iter()
                        .position(|e| named(e, s))
                        .ok_or_else(|| anyhow!("sweep key {path}: no element '{s}'"))?,
                };
                a.get_mut(i)
                    .ok_or_else(|| anyhow!("sweep key {path}: index {i} out of range"))?
            }
            _ => bail!("sweep key {path}: '{s}' is not a table or list"),
        };
    }
    match cur {
        T::Table(t) => {
            t.insert(last.to_string(), value);
            Ok(())
        }
        _ => bail!("sweep key {path}: its parent is not a table"),
    }
}
