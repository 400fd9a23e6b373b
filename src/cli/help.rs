//! Help texts added at run time to commands whose argument structs live in files of other
//! parts of the command line (`beam`): an example and the text of options that have none, so
//! that every option has help text and every command an example (issue 20). Only what is
//! missing is filled, and only for arguments that exist.

use clap::Command;

/// `beam`'s example and the help of its undocumented options.
const BEAM_EXAMPLE: &str = "Examples:\n  theradose beam --particle neutron --spectrum epithermal --phantom water-cube --voxel-mm 10 \
--field-diameter-cm 12 --boron-ppm 15 --histories 5e4 --out results/beam-water\n  \
theradose beam --particle neutron --spectrum epithermal --phantom studies/bnct-head-phantom.toml \
--field-cm 10x6 --direction 1,0,0.5 --boron-ppm 15 --histories 5e4 --out results/beam-head";
const BEAM_DOCS: [(&str, &str); 4] = [
    (
        "seed",
        "random seed: the same seed gives the same result, bit for bit",
    ),
    ("histories", "source particles; 1e5-style counts accepted"),
    (
        "threads",
        "worker threads (default: all cores); results do not depend on it",
    ),
    (
        "out",
        "output folder: depth.csv, a NIfTI map per dose component, summary.json",
    ),
];

/// The command line with the missing help filled in.
pub fn patched(cmd: Command) -> Command {
    if cmd.find_subcommand("beam").is_none() {
        return cmd;
    }
    cmd.mut_subcommand("beam", |mut c| {
        if c.get_after_help().is_none() {
            c = c.after_help(BEAM_EXAMPLE);
        }
        for (id, text) in BEAM_DOCS {
            if c.get_arguments()
                .any(|a| a.get_id() == id && a.get_help().is_none())
            {
                c = c.mut_arg(id, |a| a.help(text));
            }
        }
        // 1e5-style counts, where the option is a plain count
        if c.get_arguments().any(|a| a.get_id() == "histories") {
            c = c.mut_arg("histories", |a| a.value_parser(super::args::count));
        }
        c
    })
}
