//! Names of the ids of a label map: a JSON object `{"1": "liver", "2": "kidneys"}` or a CSV of
//! `id,name` lines (a header line `id,name` is skipped).

use super::IoError;
use std::path::Path;

/// Reads a names file (JSON by the `.json` extension, else CSV).
///
/// # Errors
/// A file that cannot be read, an id that is not 1-65535, a line without a name, an id named
/// twice.
pub fn read_label_names(path: &Path) -> Result<Vec<(u16, String)>, IoError> {
    let text = std::fs::read_to_string(path).map_err(|e| IoError::os(path, "read", e))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let pairs: Vec<(String, String)> = if is_json {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| {
                IoError::format(
                    path,
                    format!("expected a JSON object {{\"id\": \"name\"}}: {e}"),
                )
            })?;
        map.into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k, s)),
                other => Err(IoError::format(
                    path,
                    format!("id {k}: name {other}, expected a string"),
                )),
            })
            .collect::<Result<_, _>>()?
    } else {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter(|l| !l.eq_ignore_ascii_case("id,name"))
            .map(|l| match l.split_once(',') {
                Some((id, name)) => Ok((id.trim().to_string(), name.trim().to_string())),
                None => Err(IoError::format(
                    path,
                    format!("line '{l}': expected id,name"),
                )),
            })
            .collect::<Result<_, _>>()?
    };
    let mut out: Vec<(u16, String)> = Vec::new();
    for (id, name) in pairs {
        let n: u16 = id
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| IoError::format(path, format!("id '{id}': expected 1-65535")))?;
        if name.is_empty() || out.iter().any(|o| o.0 == n) {
            return Err(IoError::format(
                path,
                format!("id {n}: empty or repeated ('{name}')"),
            ));
        }
        out.push((n, name));
    }
    out.sort();
    Ok(out)
}

/// The JSON text of label names, `{"1": "liver", ...}`, as [`read_label_names`] reads it.
pub fn label_names_json(names: &[(u16, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|(id, n)| (id.to_string(), serde_json::Value::String(n.clone())))
        .collect();
    serde_json::to_string_pretty(&map).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_csv_names() {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("n.json");
        std::fs::write(
            &j,
            label_names_json(&[(2, "kidney".into()), (1, "liver".into())]),
        )
        .unwrap();
        assert_eq!(
            read_label_names(&j).unwrap(),
            [(1, "liver".to_string()), (2, "kidney".to_string())]
        );
        let c = dir.path().join("n.csv");
        std::fs::write(&c, "id,name\n3, tumour one\n1,liver\n").unwrap();
        assert_eq!(
            read_label_names(&c).unwrap(),
            [(1, "liver".to_string()), (3, "tumour one".to_string())]
        );
        std::fs::write(&c, "0,bg\n").unwrap();
        assert!(read_label_names(&c)
            .unwrap_err()
            .to_string()
            .contains("1-65535"));
    }
}
