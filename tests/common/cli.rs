//! Running the theradose binary from the CLI tests: the command with progress output off, its
//! combined output, and a run that must end within a time limit. Included with `#[path]`.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn exe() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_theradose"));
    c.env("THERADOSE_NO_PROGRESS", "1");
    c
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs a command that must end (with an error) within `limit`: an error found only after a
/// long simulation runs into the limit and fails the test.
pub fn output_within(mut c: Command, limit: Duration) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if t0.elapsed() > limit {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: the error was not found before computing\n{}",
                text(&o)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
