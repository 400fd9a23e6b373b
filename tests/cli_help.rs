//! Every command's help (issue 20, item 6): help text for every option and an example for every
//! command, and every count option (`--histories`, ...) takes counts such as 1e3.

use std::time::Duration;

#[path = "common/cli.rs"]
mod cli;
use cli::{exe, output_within, text};

/// The options of a `--help` text: (flag, its help text), from clap's long help layout.
fn options(help: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_options = false;
    for line in help.lines() {
        if line.starts_with("Options:") || line.starts_with("Arguments:") {
            in_options = true;
            continue;
        }
        if !line.starts_with(' ') {
            in_options = false;
            continue;
        }
        if !in_options {
            continue;
        }
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if indent <= 6 && (t.starts_with('-') || t.starts_with('[') || t.starts_with('<')) {
            // short layout: flag and text on one line, two or more spaces apart
            let (flag, doc) = t.split_once("  ").unwrap_or((t, ""));
            out.push((flag.to_string(), doc.trim().to_string()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(t);
        }
    }
    out
}

/// The subcommands listed in a `--help` text.
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or("");
            if line.starts_with("  ") && !line.starts_with("   ") && name != "help" {
                out.push(name.to_string());
            }
        }
    }
    out
}

fn help_of(path: &[String]) -> String {
    let mut c = exe();
    c.args(path).arg("--help");
    let o = c.output().unwrap();
    assert!(o.status.success(), "{path:?} --help: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every option of every command has help text, and every command shows an example.
#[test]
fn every_option_has_help_and_every_command_an_example() {
    let mut missing = Vec::new();
    let mut stack = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = stack.pop() {
        let help = help_of(&path);
        seen += 1;
        let subs = subcommands(&help);
        if !help.contains("Example") {
            missing.push(format!("theradose {}: no Example", path.join(" ")));
        }
        for (flag, doc) in options(&help) {
            let trivial = flag.starts_with("-h, --help") || flag.starts_with("-V, --version");
            // "[default: 1]" alone is no help text
            if !trivial && (doc.trim().is_empty() || doc.trim().starts_with('[')) {
                missing.push(format!("theradose {}: {flag} has no help", path.join(" ")));
            }
        }
        for s in subs {
            let mut p = path.clone();
            p.push(s);
            stack.push(p);
        }
    }
    assert!(seen > 20, "walked only {seen} help texts");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every count option of every command (`--histories`, `--kernel-histories`,
/// `--positron-histories`, ...) takes `1e3`-style counts (`cell-svalues` refused them). clap
/// checks a value before it reports missing required arguments, so a refused value shows as
/// "invalid value '1e3'"; a command that parses runs into a data folder that does not exist
/// (in an empty folder), so nothing is computed.
#[test]
fn every_count_option_accepts_exponent_notation() {
    let t = tempfile::tempdir().unwrap();
    let mut refused = Vec::new();
    let mut tried = 0;
    let mut stack = vec![Vec::<String>::new()];
    while let Some(path) = stack.pop() {
        let help = help_of(&path);
        for (flag, _) in options(&help) {
            let Some(name) = flag
                .split([' ', ','])
                .find(|w| w.starts_with("--") && w.ends_with("histories"))
            else {
                continue;
            };
            tried += 1;
            let mut c = exe();
            c.current_dir(t.path())
                .env("THERADOSE_DATA", t.path().join("no-data-here"))
                .args(&path)
                .args([name, "1e3"]);
            let o = output_within(c, Duration::from_secs(20));
            if text(&o).contains("invalid value '1e3'") {
                refused.push(format!("theradose {} {name}", path.join(" ")));
            }
        }
        for s in subcommands(&help) {
            let mut p = path.clone();
            p.push(s);
            stack.push(p);
        }
    }
    assert!(tried >= 8, "found only {tried} count options");
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}
