//! `theradose phantom list|show|export`: the built-in phantoms.

use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use theradose::context::Context;
use theradose::phantom::builtin;

// The subcommands of `theradose phantom` (no doc comment: clap would show it as the about).
#[derive(Subcommand)]
pub enum PhantomCmd {
    /// List the built-in phantoms.
    #[command(after_help = "Example:\n  theradose phantom list")]
    List,
    /// Regions, materials and masses (voxelised vs reference) of a built-in phantom.
    #[command(
        after_help = "Examples:\n  theradose phantom show adult --groups lesions\n  theradose phantom show mouse --png mouse.png"
    )]
    Show {
        /// built-in phantom name (`theradose phantom list`) or phantom TOML
        name: String,
        /// voxel size (mm; default: the phantom's): one number for cubes, or X,Y,Z for
        /// anisotropic voxels (e.g. 10,10,0.05)
        #[arg(long, value_name = "MM|X,Y,Z", value_parser = parse_voxel_mm)]
        voxel_mm: Option<[f64; 3]>,
        /// include optional shape groups (e.g. lesions)
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        /// also write a figure of the regions over the density (axial, coronal, sagittal through
        /// the centre, with a legend), as this PNG and an SVG beside it
        #[arg(long)]
        png: Option<PathBuf>,
        /// resolution of that PNG (dots per inch; the figure is 180 mm wide)
        #[arg(long, default_value_t = 300.0)]
        dpi: f64,
    },
    /// Voxelise a built-in phantom and write its density (g/cm3) to FILE.nii.gz, the label map
    /// to FILE_labels.nii.gz, material ids to FILE_materials.nii.gz and names to FILE.json.
    #[command(
        after_help = "Examples:\n  theradose phantom export adult --voxel-mm 3 --out adult.nii.gz\n  \
        theradose phantom export water-cube --voxel-mm 10,10,0.5 --out slab.nii.gz   (thin layers)"
    )]
    Export {
        /// built-in phantom name (`theradose phantom list`) or phantom TOML
        name: String,
        /// voxel size (mm): one number for cubes, or X,Y,Z for anisotropic voxels
        #[arg(long, value_name = "MM|X,Y,Z", value_parser = parse_voxel_mm)]
        voxel_mm: [f64; 3],
        /// density volume to write (.nii.gz); the labels, materials and names go beside it
        #[arg(long)]
        out: PathBuf,
        /// include optional shape groups (e.g. lesions)
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
    },
}

/// Runs `theradose phantom ...`.
pub fn run(cmd: PhantomCmd) -> Result<()> {
    match cmd {
        PhantomCmd::List => {
            for n in builtin::list() {
                let d = builtin::load_def(&n)?;
                println!("{:<14} {}", n, d.description);
            }
        }
        PhantomCmd::Show {
            name,
            voxel_mm,
            groups,
            png,
            dpi,
        } => {
            let ctx = Context::load()?;
            let def = builtin::load_def(&name)?;
            let ph = builtin::build_sized(&name, &ctx.materials, voxel_mm, &groups)?;
            println!("{}: {}", def.name, def.description);
            if let Some(r) = &def.reference {
                println!("reference: {r}");
            }
            println!(
                "grid {} x {} x {} voxels of {} mm; optional groups: {}",
                ph.grid.dims[0],
                ph.grid.dims[1],
                ph.grid.dims[2],
                ph.grid.spacing_mm.map(|v| v.to_string()).join(" x "),
                def.groups().join(", ")
            );
            println!("region,mass_g,reference_mass_g,ratio,volume_cm3,source");
            let masses = ph.region_masses_g();
            let vv = ph.voxel_volume_cm3();
            let mut counts = vec![0usize; ph.regions.len()];
            for l in &ph.label {
                counts[*l as usize] += 1;
            }
            for (id, r) in ph.regions.iter().enumerate().skip(1) {
                let refm = r
                    .reference_mass_g
                    .map(|m| format!("{m:.3}"))
                    .unwrap_or_default();
                let ratio = r
                    .reference_mass_g
                    .map(|m| format!("{:.3}", masses[id] / m))
                    .unwrap_or_default();
                println!(
                    "{},{:.3},{},{},{:.3},\"{}\"",
                    r.name,
                    masses[id],
                    refm,
                    ratio,
                    counts[id] as f64 * vv,
                    r.source.clone().unwrap_or_default()
                );
            }
            let total: f64 = masses.iter().skip(1).sum();
            println!("total (all regions),{total:.1},,,,");
            if let Some(p) = png {
                let spec = theradose::plot::FiguresSpec {
                    dpi,
                    ..Default::default()
                };
                spec.check()?;
                theradose::plot::with_figures(&spec, || {
                    theradose::study::common::phantom_png(&ph, &p)
                })?;
                eprintln!("wrote {}", p.display());
            }
        }
        PhantomCmd::Export {
            name,
            voxel_mm,
            out,
            groups,
        } => {
            let ctx = Context::load()?;
            let ph = builtin::build_sized(&name, &ctx.materials, Some(voxel_mm), &groups)?;
            theradose::phantom::export(&ph, &out)?;
            eprintln!(
                "wrote {} (density g/cm3) with its label map, material ids and names",
                out.display()
            );
        }
    }
    Ok(())
}

/// `--voxel-mm MM` or `X,Y,Z` (mm): a cubic or an anisotropic voxel size.
fn parse_voxel_mm(s: &str) -> std::result::Result<[f64; 3], String> {
    let v: Option<Vec<f64>> = s.split(',').map(|x| x.trim().parse().ok()).collect();
    let v = match v.as_deref() {
        Some(&[a]) => [a; 3],
        Some(&[x, y, z]) => [x, y, z],
        _ => {
            return Err(format!(
                "expected MM or X,Y,Z in mm, e.g. 2 or 10,10,0.05, got '{s}'"
            ))
        }
    };
    if v.iter().all(|x| x.is_finite() && *x > 0.0) {
        Ok(v)
    } else {
        Err(format!("voxel sizes must be positive mm, got '{s}'"))
    }
}
