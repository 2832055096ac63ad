//! Start dates: when the steps after the account run. The account is made at once (when the
//! request is approved), so that it is ready; the spaces, teams and welcome wait until
//! `ONBOARD_START_HOUR` on the start date, in `ONBOARD_TIMEZONE`.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// `ONBOARD_START_HOUR` and `ONBOARD_TIMEZONE`.
#[derive(Debug, Clone)]
pub struct StartSchedule {
    /// The hour of the start date at which the steps run, 0 to 23.
    pub hour: i8,
    /// Where that hour is.
    pub time_zone: TimeZone,
    /// The time zone's name, for people.
    pub zone_name: String,
}

impl Default for StartSchedule {
    fn default() -> Self {
        Self {
            hour: 8,
            time_zone: TimeZone::UTC,
            zone_name: "UTC".to_owned(),
        }
    }
}

/// Why a start date is refused, under the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartDateError {
    #[error("this is not a date: use the date picker (YYYY-MM-DD)")]
    NotADate,
    #[error("a start date is at most a year ahead")]
    TooFar,
}

impl StartSchedule {
    /// A schedule at `hour` in the IANA time zone `zone`.
    pub fn new(hour: i8, zone: &str) -> Result<Self, String> {
        if !(0..=23).contains(&hour) {
            return Err("an hour is 0 to 23".to_owned());
        }
        let time_zone = TimeZone::get(zone).map_err(|_| {
            format!("{zone:?} is not an IANA time zone name (such as Europe/Berlin)")
        })?;
        Ok(Self {
            hour,
            time_zone,
            zone_name: zone.to_owned(),
        })
    }

    /// The date it is at `now_ms` in the schedule's time zone.
    pub fn today(&self, now_ms: i64) -> Date {
        Timestamp::from_millisecond(now_ms)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.time_zone.clone())
            .date()
    }

    /// A start date as the card gives it: none when empty, or today or earlier (which mean
    /// now); an error when it is not a date or more than a year ahead.
    pub fn parse(&self, text: &str, now_ms: i64) -> Result<Option<Date>, StartDateError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let date: Date = text.parse().map_err(|_| StartDateError::NotADate)?;
        let today = self.today(now_ms);
        if date <= today {
            return Ok(None);
        }
        let limit = today
            .checked_add(jiff::Span::new().years(1))
            .map_err(|_| StartDateError::TooFar)?;
        if date > limit {
            return Err(StartDateError::TooFar);
        }
        Ok(Some(date))
    }

    /// When the steps of a person starting on `date` run, in milliseconds since the epoch;
    /// none (now) when that moment has passed.
    pub fn steps_at(&self, date: Date, now_ms: i64) -> Option<i64> {
        let at = date
            .at(self.hour, 0, 0, 0)
            .to_zoned(self.time_zone.clone())
            .ok()?
            .timestamp()
            .as_millisecond();
        (at > now_ms).then_some(at)
    }

    /// A moment as people of the schedule's time zone read it: `2027-01-04 08:00 Europe/Berlin`.
    pub fn describe(&self, at_ms: i64) -> String {
        let Ok(at) = Timestamp::from_millisecond(at_ms) else {
            return at_ms.to_string();
        };
        let zoned = at.to_zoned(self.time_zone.clone());
        format!(
            "{} {:02}:{:02} {}",
            zoned.date(),
            zoned.hour(),
            zoned.minute(),
            self.zone_name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 10:00 UTC.
    const NOW: i64 = 1_796_119_200_000;

    #[test]
    fn past_and_today_mean_now_and_a_year_is_the_limit() {
        let schedule = StartSchedule::new(8, "Europe/Berlin").expect("a zone");
        assert_eq!(schedule.today(NOW).to_string(), "2026-12-01");
        assert_eq!(schedule.parse("", NOW), Ok(None));
        assert_eq!(schedule.parse("2026-11-30", NOW), Ok(None));
        assert_eq!(schedule.parse("2026-12-01", NOW), Ok(None));
        assert_eq!(
            schedule
                .parse("2026-12-02", NOW)
                .map(|d| d.map(|d| d.to_string())),
            Ok(Some("2026-12-02".to_owned()))
        );
        assert!(schedule.parse("2027-12-01", NOW).is_ok());
        assert_eq!(
            schedule.parse("2027-12-02", NOW),
            Err(StartDateError::TooFar)
        );
        assert_eq!(
            schedule.parse("tomorrow", NOW),
            Err(StartDateError::NotADate)
        );
        assert_eq!(
            schedule.parse("2026-02-30", NOW),
            Err(StartDateError::NotADate)
        );
    }

    #[test]
    fn steps_run_at_the_hour_in_the_time_zone() {
        let schedule = StartSchedule::new(8, "Europe/Berlin").expect("a zone");
        let date: Date = "2026-12-07".parse().expect("a date");
        let at = schedule.steps_at(date, NOW).expect("later");
        // 08:00 in Berlin in winter is 07:00 UTC.
        assert_eq!(at, 1_796_626_800_000);
        assert_eq!(schedule.describe(at), "2026-12-07 08:00 Europe/Berlin");
        assert_eq!(schedule.steps_at(date, at + 1), None);
    }

    #[test]
    fn a_bad_zone_or_hour_is_refused() {
        assert!(StartSchedule::new(8, "Mars/Olympus").is_err());
        assert!(StartSchedule::new(24, "UTC").is_err());
    }
}
