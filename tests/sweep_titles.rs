//! Sweep figures' axis titles (issue 22): every numeric field of the bundled therapy studies,
//! as written and with its defaults, has a title in words with its unit in the tables beside
//! the spec fields (`study::dosimetry::spec::FIELD_TITLES`, `study::therapy::titles`).

use theradose::study::therapy::spec::TherapyStudy;
use theradose::study::therapy::titles::{axis_title, field_title};
use toml::Value as T;

#[test]
fn sweep_keys_read_as_words_with_units() {
    assert_eq!(
        axis_title("therapy.activity_per_cycle_mbq"),
        "administered activity per cycle (MBq)"
    );
    assert_eq!(
        axis_title("kinetics.kidneys.uptake_fraction"),
        "kidneys uptake (fraction of the administered activity)"
    );
    assert_eq!(
        axis_title("biology.overrides.tumour.alpha_beta_gy"),
        "tumour: alpha/beta (Gy)"
    );
    assert_eq!(axis_title("biology.new_field_gy"), "new field (Gy)");
}

/// Every numeric leaf under `path` (array elements of tables by their `region` or `name`,
/// as sweep keys name them; arrays of numbers as one field).
fn numeric_keys(path: &str, v: &T, out: &mut Vec<String>) {
    match v {
        T::Integer(_) | T::Float(_) => out.push(path.to_string()),
        T::Table(t) => t
            .iter()
            .for_each(|(k, x)| numeric_keys(&format!("{path}.{k}"), x, out)),
        T::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let name = ["region", "name"]
                    .iter()
                    .find_map(|k| x.get(k).and_then(T::as_str).map(String::from));
                match (x, name) {
                    (T::Table(_), Some(n)) => numeric_keys(&format!("{path}.{n}"), x, out),
                    (T::Table(_), None) => numeric_keys(&format!("{path}.{i}"), x, out),
                    _ => {
                        if x.is_integer() || x.is_float() {
                            out.push(path.to_string());
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_numeric_field_of_the_bundled_therapy_studies_has_a_title() {
    let sections = [
        "phantom",
        "therapy",
        "kinetics",
        "imaging",
        "dose",
        "baseline_pet",
        "biology",
        "followup",
    ];
    let mut missing = Vec::new();
    for file in [
        "quickstart.toml",
        "quickstart-ci.toml",
        "sweep-mouse-adult.toml",
        "sweep-nuclide-size.toml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("studies")
            .join(file);
        let mut table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        table.remove("sweep");
        let mut keys = Vec::new();
        for s in sections {
            if let Some(v) = table.get(s) {
                numeric_keys(s, v, &mut keys);
            }
        }
        // the defaults too: the parsed sections written back
        let study = TherapyStudy::from_table(table, &path, None).unwrap();
        for (s, v) in [
            ("", T::try_from(&study.dosimetry).unwrap()),
            ("baseline_pet", T::try_from(&study.baseline_pet).unwrap()),
            ("followup", T::try_from(&study.followup).unwrap()),
        ] {
            match (&v, s) {
                (T::Table(t), "") => t
                    .iter()
                    .filter(|(k, _)| *k != "figures")
                    .for_each(|(k, x)| numeric_keys(k, x, &mut keys)),
                _ => numeric_keys(s, &v, &mut keys),
            }
        }
        for k in [
            "therapy.activity_per_cycle_mbq",
            "kinetics.kidneys.uptake_fraction",
            "baseline_pet.margin_mm",
            "dose.kernel_histories",
        ] {
            assert!(
                keys.iter().any(|x| x == k),
                "{file}: {k} not among {keys:?}"
            );
        }
        missing.extend(keys.into_iter().filter(|k| field_title(k).is_none()));
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "numeric fields without a title: {missing:?}"
    );
}
