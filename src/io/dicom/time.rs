//! DICOM dates and times (DA `YYYYMMDD`, TM `HHMMSS.FFFFFF`, DT `YYYYMMDDHHMMSS.FFFFFF&ZZXX`)
//! as seconds since 1970-01-01 00:00 (local time of the scanner: offsets are ignored, as both
//! ends of a decay interval come from the same scanner), and back to ISO 8601 text.

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A civil date from days since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn num(s: &str, range: std::ops::Range<usize>) -> Option<i64> {
    s.get(range)?.parse().ok()
}

/// Seconds since midnight of a TM value (`HH`, `HHMM`, `HHMMSS`, `HHMMSS.F...`; the colon
/// form of old files is accepted).
pub fn parse_tm(tm: &str) -> Option<f64> {
    let tm: String = tm.trim().chars().filter(|c| *c != ':').collect();
    let (whole, frac) = match tm.split_once('.') {
        Some((w, f)) => (w.to_string(), format!("0.{f}").parse::<f64>().ok()?),
        None => (tm.clone(), 0.0),
    };
    let h = num(&whole, 0..2)?;
    let m = if whole.len() >= 4 {
        num(&whole, 2..4)?
    } else {
        0
    };
    let s = if whole.len() >= 6 {
        num(&whole, 4..6)?
    } else {
        0
    };
    (h < 24 && m < 60 && s < 61).then(|| (h * 3600 + m * 60 + s) as f64 + frac)
}

/// Seconds since 1970-01-01 of a DA value and an optional TM value.
pub fn parse_da_tm(da: &str, tm: Option<&str>) -> Option<f64> {
    let da = da.trim();
    if da.len() < 8 {
        return None;
    }
    let (y, m, d) = (num(da, 0..4)?, num(da, 4..6)?, num(da, 6..8)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let t = match tm {
        Some(t) => parse_tm(t)?,
        None => 0.0,
    };
    Some(days_from_civil(y, m, d) as f64 * 86_400.0 + t)
}

/// Seconds since 1970-01-01 of a DT value (a UTC offset suffix is ignored).
pub fn parse_dt(dt: &str) -> Option<f64> {
    let dt = dt.trim();
    let dt = dt.split(['+', '-']).next()?;
    if dt.len() < 8 {
        return None;
    }
    let tm = (dt.len() > 8).then(|| &dt[8..]);
    parse_da_tm(&dt[..8], tm)
}

/// Seconds since 1970-01-01 of ISO 8601 text `YYYY-MM-DDTHH:MM[:SS[.F]]` (or with a space for
/// the `T`; a date alone is midnight). A UTC offset or `Z` is not accepted: DICOM times are
/// the scanner's local time, and so is this.
pub fn parse_iso(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 || d[0].len() != 4 || d[1].len() != 2 || d[2].len() != 2 {
        return None;
    }
    let da = d.concat();
    let tm = match time {
        Some(t) => {
            let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
            let p: Vec<&str> = whole.split(':').collect();
            if !(2..=3).contains(&p.len()) || p.iter().any(|x| x.len() != 2) {
                return None;
            }
            let mut tm = p.concat();
            if !frac.is_empty() {
                tm = format!("{tm}.{frac}");
            }
            Some(tm)
        }
        None => None,
    };
    parse_da_tm(&da, tm.as_deref())
}

/// ISO 8601 text (`2026-01-05T10:00:00`) of seconds since 1970-01-01.
pub fn iso(t_s: f64) -> String {
    let days = (t_s / 86_400.0).floor() as i64;
    let rem = t_s - days as f64 * 86_400.0;
    let (y, m, d) = civil_from_days(days);
    let (h, mi) = ((rem / 3600.0) as i64, ((rem % 3600.0) / 60.0) as i64);
    let s = rem - (h * 3600 + mi * 60) as f64;
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{:02}",
        s.floor() as i64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_round_trip() {
        let t = parse_da_tm("20260105", Some("100000")).unwrap();
        assert_eq!(iso(t), "2026-01-05T10:00:00");
        assert_eq!(parse_dt("20260105100000.000000+0100"), Some(t));
        assert_eq!(parse_tm("10:30"), Some(37_800.0));
        assert_eq!(parse_tm("123015.5"), Some(45_015.5));
        assert_eq!(
            parse_da_tm("20240229", None).map(iso).unwrap(),
            "2024-02-29T00:00:00"
        );
        assert!(parse_da_tm("2026", None).is_none());
        assert!(parse_tm("25").is_none());
        assert_eq!(parse_iso("2026-01-05T10:00:00"), Some(t));
        assert_eq!(parse_iso("2026-01-05 10:00"), Some(t));
        assert_eq!(parse_iso("2026-01-05"), parse_da_tm("20260105", None));
        assert!(parse_iso("2026-01-05T10:00:00+01:00").is_none());
        assert!(parse_iso("5 Jan 2026").is_none());
    }
}
