//! Time-activity curves: fits and time-integrated activity (filled in by the kinetics work).
