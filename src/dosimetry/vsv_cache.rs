//! Voxel S-value kernels for dose by convolution (`theradose dose --method vsv`): made by the
//! project's own voxel S-value computation ([`super::vsv::run_vsv`]) for the map's voxel size, once, and cached as the
//! `vsv` command's CSV in a folder (file name: nuclide, medium, voxel size, n, decays, seed).
//! A chain's kernel is the sum of its members' kernels weighted by their decays per parent
//! decay at secular equilibrium.

use super::vsv::{run_vsv, VsvSpec, MAX_N};
use crate::context::Context;
use crate::dosimetry::convolve::Kernel;
use crate::dosimetry::svconv::VsvKernel;
use crate::phantom::Phantom;
use crate::source::nuclide::DecayData;
use crate::source::Spectrum;
use anyhow::{bail, Context as _, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What kernels to make.
#[derive(Clone, Debug)]
pub struct KernelOptions {
    /// radionuclide
    pub nuclide: String,
    /// the chain at secular equilibrium (kernels of every member, weighted)
    pub chain: bool,
    /// voxel size (mm)
    pub voxel_mm: f64,
    /// medium of the single kernel
    pub medium: String,
    /// soft-tissue, lung and cortical-bone kernels by voxel material
    pub tissue_kernels: bool,
    /// S for offsets 0..n-1 per axis (default: 6 cm, within 2..=40)
    pub n: Option<usize>,
    /// decays of each kernel computation
    pub histories: u64,
    /// random seed of the kernel computations
    pub seed: u64,
    /// worker threads (default: all cores)
    pub threads: Option<usize>,
    /// folder of cached kernels (callers default it to [`Context::cache_dir`])
    pub cache: PathBuf,
    /// decay data of the nuclide and of every chain member (a prefix on `nuclide`,
    /// "endf:Lu-177", overrides it)
    pub decay_data: DecayData,
}

/// Reach of the default kernel (mm): the beta and alpha emitters' electrons stop within a few
/// mm; beyond 6 cm the photon tail of Lu-177 carries well under 1% of the dose per decay.
const DEFAULT_REACH_MM: f64 = 60.0;

/// Default kernel size n for a voxel size.
pub fn default_n(voxel_mm: f64) -> usize {
    ((DEFAULT_REACH_MM / voxel_mm).ceil() as usize + 1).clamp(2, MAX_N)
}

/// The tissue class of a material name: 0 soft tissue, 1 lung, 2 bone.
pub fn tissue_class(material: &str) -> u8 {
    match material {
        "lung" => 1,
        "cortical-bone" | "spongiosa" => 2,
        _ => 0,
    }
}

/// Reads an octant CSV (`i,j,k,s_mgy_per_mbq_s,...`) into values by (i, j, k).
fn read_octant(path: &Path, n: usize) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read kernel {}", path.display()))?;
    let mut v = vec![f64::NAN; n * n * n];
    for (ln, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let parse = |s: &str| -> Result<f64> {
            s.trim().parse::<f64>().with_context(|| {
                format!("{} line {}: '{s}' is not a number", path.display(), ln + 1)
            })
        };
        if f.len() < 4 {
            bail!("{} line {}: expected i,j,k,s", path.display(), ln + 1);
        }
        let (i, j, k) = (
            parse(f[0])? as usize,
            parse(f[1])? as usize,
            parse(f[2])? as usize,
        );
        if i < n && j < n && k < n {
            v[i + n * (j + n * k)] = parse(f[3])?;
        }
    }
    if v.iter().any(|x| x.is_nan()) {
        bail!("{}: kernel incomplete for n = {n}", path.display());
    }
    Ok(v)
}

/// The octant kernel of one nuclide (parent only, from `data`) in one medium, from the cache
/// or computed.
fn octant(
    ctx: &Context,
    opts: &KernelOptions,
    (nuclide, data): (&str, DecayData),
    medium: &str,
    n: usize,
) -> Result<(Vec<f64>, PathBuf)> {
    // the decay data are part of the name: kernels cached before ICRP-107 became the default
    // (no suffix) are ENDF/B-VIII.1 kernels and must not be taken for ICRP-107 ones
    let (bare, data) = crate::source::nuclide::split_data_prefix(nuclide, data)?;
    let suffix = match data {
        DecayData::Icrp107 => "_icrp107",
        DecayData::Endf => "",
    };
    let name = format!(
        "{bare}_{medium}_{:.4}mm_n{n}_h{}_s{}{suffix}.csv",
        opts.voxel_mm, opts.histories, opts.seed
    );
    let path = opts.cache.join(name);
    if !path.exists() {
        eprintln!(
            "computing voxel S-values of {nuclide} ({}) in {medium} ({} decays) -> {}",
            data.label(),
            opts.histories,
            path.display()
        );
        let (csv, _) = run_vsv(
            ctx,
            &VsvSpec {
                nuclide: bare.to_string(),
                emissions: None,
                voxel_mm: opts.voxel_mm,
                medium: medium.to_string(),
                n,
                histories: opts.histories,
                seed: opts.seed,
                threads: opts.threads,
                decay_data: data,
            },
        )?;
        std::fs::create_dir_all(&opts.cache)
            .with_context(|| format!("cannot create kernel cache {}", opts.cache.display()))?;
        crate::io::write_file_atomic(&path, csv.as_bytes())?;
    }
    Ok((read_octant(&path, n)?, path))
}

/// One kernel of a [`kernel_set`]: its medium and the cached files it sums (serialised with the
/// keys of the dose summary's `kernels`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelInfo {
    /// nominal density of the medium
    pub density_g_cm3: f64,
    /// the medium's name
    pub medium: String,
    /// the chain members whose kernels are summed (one without a chain)
    pub members: Vec<KernelMember>,
    /// S for offsets 0..n-1 per axis
    pub n: usize,
}

/// One member of a [`KernelInfo`]: a nuclide's cached kernel and its weight.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelMember {
    /// the decay data of its kernel: "icrp107" or "endf"
    pub decay_data: DecayData,
    /// the member's decays per decay of the parent (secular equilibrium; 1 for the parent)
    pub decays_per_parent_decay: f64,
    /// the cached kernel CSV
    pub file: PathBuf,
    /// the member's name
    pub nuclide: String,
}

/// The kernels (one, or soft tissue / lung / bone), each voxel's kernel index, and what each
/// kernel is made of (files, media, densities).
///
/// # Errors
/// A kernel size outside 1 to [`MAX_N`] (spec error of `n`), an unknown nuclide or medium, a
/// cache that cannot be read or written, a failed kernel computation.
pub fn kernel_set(
    ctx: &Context,
    opts: &KernelOptions,
    ph: &Phantom,
) -> Result<(Vec<VsvKernel>, Vec<u8>, Vec<KernelInfo>)> {
    let n = opts.n.unwrap_or_else(|| default_n(opts.voxel_mm));
    if !(1..=MAX_N).contains(&n) {
        crate::spec_bail!("n", "{n}: expected 1 to {MAX_N}");
    }
    let media: Vec<String> = if opts.tissue_kernels {
        vec!["soft-tissue".into(), "lung".into(), "cortical-bone".into()]
    } else {
        vec![opts.medium.clone()]
    };
    // every member keeps the data set of its parent (an "endf:" parent gives ENDF members)
    let spectrum = Spectrum::nuclide_from(&opts.nuclide, opts.chain, opts.decay_data)?;
    let members: Vec<(String, DecayData, f64)> = match spectrum {
        Spectrum::Nuclides(m) => m
            .iter()
            .map(|x| (x.nuclide.name.clone(), x.nuclide.data, x.expected_decays))
            .collect(),
        _ => unreachable!("a nuclide spectrum"),
    };
    let mut kernels = Vec::new();
    let mut info = Vec::new();
    for medium in &media {
        let density = ctx.materials.medium(medium)?.nominal_density;
        let mut sum = vec![0.0; n * n * n];
        let mut files = Vec::new();
        for (name, data, w) in &members {
            if *w <= 0.0 {
                continue;
            }
            let (o, path) = octant(ctx, opts, (name, *data), medium, n)?;
            for (s, x) in sum.iter_mut().zip(o) {
                *s += w * x;
            }
            files.push(KernelMember {
                decay_data: *data,
                decays_per_parent_decay: *w,
                file: path,
                nuclide: name.clone(),
            });
        }
        kernels.push(VsvKernel {
            kernel: Kernel::from_octant(n, |i, j, k| sum[i + n * (j + n * k)]),
            density_g_cm3: density,
        });
        info.push(KernelInfo {
            density_g_cm3: density,
            medium: medium.clone(),
            members: files,
            n,
        });
    }
    let class: Vec<u8> = if opts.tissue_kernels {
        let cls: Vec<u8> = ph.materials.iter().map(|m| tissue_class(&m.name)).collect();
        ph.material.iter().map(|&m| cls[m as usize]).collect()
    } else {
        vec![0; ph.len()]
    };
    Ok((kernels, class, info))
}
