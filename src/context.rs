//! The data of a computation, loaded once (L4): the material library, the ion stopping tables
//! and the folder for cached kernels. One `Context` serves a whole run, study or Python session;
//! library computations take `&Context` instead of loading `data/` themselves.

use crate::materials::MaterialDb;
use crate::physics::ion::data::IonData;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Loaded data shared by everything in a run or a study.
#[derive(Debug)]
pub struct Context {
    /// `data/materials.toml`
    pub materials: MaterialDb,
    /// folder of cached voxel S-value kernels (see [`Context::default_cache_dir`])
    pub cache_dir: PathBuf,
    ion: OnceLock<IonData>,
}

impl Context {
    /// Loads the material library; other tables are loaded on first use. The kernel cache is
    /// [`Context::default_cache_dir`].
    ///
    /// # Errors
    /// When the data folder or `materials.toml` cannot be read.
    pub fn load() -> Result<Context> {
        crate::tables::check_data_dir()?;
        Ok(Context {
            materials: MaterialDb::load()?,
            cache_dir: Self::default_cache_dir(),
            ion: OnceLock::new(),
        })
    }

    /// The same context with another kernel cache folder.
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Context {
        self.cache_dir = dir.into();
        self
    }

    /// The user's cache folder for theradose: `$XDG_CACHE_HOME/theradose`, else
    /// `~/.cache/theradose`, else `theradose-cache` in the system temporary folder.
    pub fn default_cache_dir() -> PathBuf {
        let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        if let Some(x) = nonempty("XDG_CACHE_HOME") {
            return PathBuf::from(x).join("theradose");
        }
        if let Some(h) = nonempty("HOME") {
            return PathBuf::from(h).join(".cache").join("theradose");
        }
        std::env::temp_dir().join("theradose-cache")
    }

    /// ICRU 49 ion stopping data (`data/ion/icru49_stopping.txt`), loaded on first use.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn ion_data(&self) -> Result<&IonData> {
        if let Some(d) = self.ion.get() {
            return Ok(d);
        }
        let d = IonData::load()?;
        Ok(self.ion.get_or_init(|| d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_once_and_names_the_cache() {
        let ctx = Context::load().unwrap();
        assert!(ctx.materials.get("water").is_ok());
        let a = ctx.ion_data().unwrap() as *const IonData;
        let b = ctx.ion_data().unwrap() as *const IonData;
        assert_eq!(a, b, "ion data loaded once");
        let c = Context::load().unwrap().with_cache_dir("/tmp/x");
        assert_eq!(c.cache_dir, PathBuf::from("/tmp/x"));
        assert!(
            Context::default_cache_dir().ends_with("theradose")
                || Context::default_cache_dir().ends_with("theradose-cache")
        );
    }
}
