//! File formats as plain arrays and headers: NIfTI-1, MetaImage.
