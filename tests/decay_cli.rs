//! The `theradose decay --nuclide N [--chain]` CLI contract (issue 4) and the unknown-nuclide error.

use std::process::Command;
use theradose::source::nuclide::{canonical_name, DecayData, Nuclide};

fn decay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_theradose"))
        .arg("decay")
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = decay(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn json_keys_and_values() {
    let v = json(&["--nuclide", "Lu-177"]);
    assert_eq!(v["nuclide"], "Lu-177");
    // ENDF/B-VIII.1 6.647 d; ICRP-107 574301 s
    assert!((v["half_life_s"].as_f64().unwrap() / 574_301.0 - 1.0).abs() < 1e-4);
    let e = &v["mean_energy_per_decay_mev"];
    for k in [
        "beta_minus",
        "beta_plus",
        "ce_auger",
        "alpha",
        "recoil",
        "photon",
        "annihilation",
    ] {
        assert!(
            e[k].as_f64().is_some(),
            "missing mean_energy_per_decay_mev.{k}"
        );
    }
    for k in ["positron", "alpha", "photon"] {
        assert!(
            v["yield_per_decay"][k].as_f64().is_some(),
            "missing yield_per_decay.{k}"
        );
    }
    let d = v["daughters"].as_array().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["nuclide"], "Hf-177");
    assert_eq!(d[0]["branching"].as_f64(), Some(1.0));
    // F-18: positron yield 0.9673 and annihilation 0.98858 MeV per decay (ICRP-107 RAD), 0.1%
    let f = json(&["--nuclide", "F-18"]);
    let y = f["yield_per_decay"]["positron"].as_f64().unwrap();
    assert!((y / 0.9673 - 1.0).abs() < 1e-3);
    let an = f["mean_energy_per_decay_mev"]["annihilation"]
        .as_f64()
        .unwrap();
    assert!((an / 0.98858 - 1.0).abs() < 1e-3);
}

#[test]
fn chain_sums_at_secular_equilibrium() {
    // Ac-225 chain per parent decay (ICRP-107 chain sums, reference CSV): 4 alphas, alpha
    // kinetic energy 27.48 MeV, recoil 0.5133 MeV (1%)
    let v = json(&["--nuclide", "Ac-225", "--chain"]);
    let e = &v["mean_energy_per_decay_mev"];
    assert!((e["alpha"].as_f64().unwrap() / 27.48 - 1.0).abs() < 0.01);
    assert!((e["recoil"].as_f64().unwrap() / 0.5133 - 1.0).abs() < 0.01);
    assert!((v["yield_per_decay"]["alpha"].as_f64().unwrap() - 4.0).abs() < 0.01);
    let members: Vec<&str> = v["chain_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["nuclide"].as_str().unwrap())
        .collect();
    for m in ["Fr-221", "At-217", "Bi-213", "Po-213", "Tl-209", "Pb-209"] {
        assert!(members.contains(&m), "{m} missing from {members:?}");
    }
    // At-211: 0.418 alpha + 0.582 x Po-211 alpha = 1 alpha per decay, 6.784 MeV (ICRP-107
    // derived, Bi-207 of 32 y excluded as longer-lived than the parent)
    let a = json(&["--nuclide", "At-211", "--chain"]);
    assert!((a["yield_per_decay"]["alpha"].as_f64().unwrap() - 1.0).abs() < 0.01);
    let ea = a["mean_energy_per_decay_mev"]["alpha"].as_f64().unwrap();
    assert!((ea / 6.784 - 1.0).abs() < 0.01, "At-211 chain alpha {ea}");
}

#[test]
fn names_are_forgiving_and_unknown_names_list_close_ones() {
    assert_eq!(canonical_name("lu177"), "Lu-177");
    assert_eq!(canonical_name("177Lu"), "Lu-177");
    assert_eq!(canonical_name("TC-99M"), "Tc-99m");
    assert_eq!(json(&["--nuclide", "ac225"])["nuclide"], "Ac-225");
    // ICRP-107 (the default since issue 18) has Lu-178 and Ac-226: unknown names are now ones
    // it lacks; ENDF/B-VIII.1 still lacks Lu-178
    let err = Nuclide::load("Lu-190").unwrap_err().to_string();
    assert!(
        err.contains("unknown nuclide 'Lu-190'") && err.contains("Lu-180"),
        "{err}"
    );
    let err = Nuclide::load_from("Lu-178", DecayData::Endf)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown nuclide 'Lu-178'") && err.contains("Lu-177"),
        "{err}"
    );
    let o = decay(&["--nuclide", "Ac-235"]);
    assert!(!o.status.success());
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains("Ac-225") && msg.contains("close names"),
        "{msg}"
    );
}

/// `--decay-data` chooses the tables and the JSON says which (issue 18); `--list` prints every
/// nuclide of a data set: 1,252 in ICRP-107 (the ICRP-07.NDX index), 76 in data/decay (ENDF).
#[test]
fn decay_data_is_chosen_recorded_and_listed() {
    let icrp = json(&["--nuclide", "Lu-177"]);
    let endf = json(&["--nuclide", "Lu-177", "--decay-data", "endf"]);
    assert_eq!(icrp["decay_data"], "icrp107");
    assert_eq!(endf["decay_data"], "endf");
    assert!(icrp["source"]
        .as_str()
        .unwrap()
        .contains("ICRP Publication 107"));
    assert!(endf["source"].as_str().unwrap().contains("ENDF/B-VIII.1"));
    // ICRP-107 Lu-177 beta-minus 0.13327 MeV per decay vs ENDF's 0.13484 (issue 18's numbers)
    let b = |v: &serde_json::Value| {
        v["mean_energy_per_decay_mev"]["beta_minus"]
            .as_f64()
            .unwrap()
    };
    assert!((b(&icrp) - 0.13327).abs() < 2e-5, "{}", b(&icrp));
    assert!((b(&endf) - 0.13484).abs() < 2e-5, "{}", b(&endf));
    let list = |extra: &[&str]| {
        let mut a = vec!["--list"];
        a.extend_from_slice(extra);
        let out = decay(&a);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let all = list(&[]);
    assert_eq!(all.lines().count(), 1252);
    assert!(all.lines().any(|l| l == "Tb-161") && all.lines().any(|l| l == "Ac-225"));
    assert_eq!(list(&["--decay-data", "endf"]).lines().count(), 76);
    let bad = decay(&["--nuclide", "Lu-177", "--decay-data", "jeff"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected icrp107 or endf"));
}
