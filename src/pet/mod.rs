//! L5 PET: scanner models, forward projection with attenuation, noise, OSEM reconstruction,
//! SUV metrics.
