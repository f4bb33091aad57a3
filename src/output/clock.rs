//! Wall-clock times as text, in UTC, without a time-zone database: ISO 8601 for JSON and
//! `HH:MM:SS.ffffff` for the text lines.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A receive or kernel timestamp split into UTC calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
}

impl UtcTime {
    /// Splits `time` into calendar fields; times before 1970 are clamped to the epoch.
    pub fn from_system(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        Self::from_unix(since.as_secs(), since.subsec_micros())
    }

    /// Splits seconds and microseconds since the Unix epoch into calendar fields.
    pub fn from_unix(secs: u64, micros: u32) -> Self {
        let days = (secs / 86_400) as i64;
        let of_day = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        UtcTime {
            year,
            month,
            day,
            hour: (of_day / 3600) as u32,
            minute: (of_day / 60 % 60) as u32,
            second: (of_day % 60) as u32,
            micros: micros.min(999_999),
        }
    }

    /// `HH:MM:SS.ffffff`, for the start of a text line.
    pub fn clock(&self) -> impl fmt::Display + '_ {
        Clock(self)
    }
}

/// ISO 8601 with microseconds and a `Z`: `2026-11-24T18:25:59.123456Z`.
impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{}Z",
            self.year,
            self.month,
            self.day,
            self.clock()
        )
    }
}

/// Serialises a time as its ISO 8601 text (for `#[serde(serialize_with)]`).
pub fn serialize_time<S: serde::Serializer>(
    time: &SystemTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&UtcTime::from_system(*time))
}

struct Clock<'a>(&'a UtcTime);

impl fmt::Display for Clock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:02}:{:02}:{:02}.{:06}",
            t.hour, t.minute, t.second, t.micros
        )
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, valid for any day count that fits an i64 year).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(
            UtcTime::from_unix(0, 0).to_string(),
            "1970-01-01T00:00:00.000000Z"
        );
        // 2000-02-29 (a leap day in a century leap year) 12:34:56.789 UTC.
        assert_eq!(
            UtcTime::from_unix(951_827_696, 789_000).to_string(),
            "2000-02-29T12:34:56.789000Z"
        );
        // 2026-11-24 18:25:59 UTC, the day this was written.
        let t = UtcTime::from_unix(1_795_544_759, 42);
        assert_eq!(t.to_string(), "2026-11-24T18:25:59.000042Z");
        assert_eq!(t.clock().to_string(), "18:25:59.000042");
    }

    #[test]
    fn agrees_with_day_arithmetic_across_years() {
        // Every 1st of January from 1970 to 2400 lands where counting days says it does.
        let mut days: i64 = 0;
        for year in 1970..2400 {
            assert_eq!(civil_from_days(days), (year, 1, 1));
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            days += if leap { 366 } else { 365 };
        }
    }
}
