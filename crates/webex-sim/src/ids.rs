//! The identifiers, tokens and timestamps Webex stamps on what it stores.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A Webex id: unpadded base64 of `ciscospark://us/<KIND>/<uuid>`.
///
/// Webex ids are opaque to clients, but a realistic shape catches code that mangles them.
pub(crate) fn webex_id(kind: &str) -> String {
    base64(format!("ciscospark://us/{kind}/{}", uuid()).as_bytes())
}

/// A bearer token for a simulated person.
pub(crate) fn access_token() -> String {
    (0..64).map(|_| fastrand::alphanumeric()).collect()
}

/// A tracking id in Webex's shape, for calls whose client sent none.
pub(crate) fn tracking_id() -> String {
    format!("ROUTER_{}", uuid().to_uppercase())
}

/// The current time in RFC 3339, UTC, with milliseconds, as Webex writes `created`.
pub(crate) fn timestamp() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        since_epoch.subsec_millis()
    )
}

/// An HTTP-date (RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") `after` from
/// now, rounded up to the whole second so that a client waiting until it waits at least
/// that long.
pub(crate) fn http_date_after(after: Duration) -> String {
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(after);
    let seconds = at.as_secs() + u64::from(at.subsec_nanos() > 0);
    http_date(seconds)
}

/// The IMF-fixdate of this many seconds since 1970.
fn http_date(seconds: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = seconds / 86_400;
    let (year, month, day) = civil_from_days(days);
    let second_of_day = seconds % 86_400;
    let weekday = WEEKDAYS[usize::try_from(days % 7).unwrap_or(0)];
    let month = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday}, {day:02} {month} {year:04} {:02}:{:02}:{:02} GMT",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Milliseconds since 1970 of an RFC 3339 UTC time, as Webex writes them
/// ("2026-05-01T10:00:00.123Z", the fraction optional); None for any other text.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (time, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut time = time.splitn(3, ':').map(str::parse::<i64>);
    let (hour, minute, second) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61
        && fraction.bytes().all(|byte| byte.is_ascii_digit());
    if !valid || [hour, minute, second].iter().any(|part| *part < 0) {
        return None;
    }
    let millis = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A random UUID in its usual text form.
fn uuid() -> String {
    let hex = format!("{:032x}", fastrand::u128(..));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Standard base64 without padding, the way Webex writes its ids.
fn base64(bytes: &[u8]) -> String {
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |index: usize| u32::from(chunk.get(index).copied().unwrap_or(0));
        let group = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        // n input bytes make n + 1 significant sextets.
        for sextet in 0..=chunk.len() {
            let index = (group >> (18 - 6 * sextet)) & 0x3f;
            encoded.push(char::from(BASE64_ALPHABET[index as usize]));
        }
    }
    encoded
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors_without_padding() {
        let vectors = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(plain.as_bytes()), encoded, "base64 of {plain:?}");
        }
    }

    #[test]
    fn webex_ids_have_the_shape_of_real_ones() {
        let id = webex_id("PEOPLE");
        assert!(id.starts_with("Y2lzY29zcGFyazovL3VzL1BFT1BMRS"), "{id}");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    }

    #[test]
    fn timestamps_parse_to_milliseconds_and_sort_as_times() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2000-02-29T00:00:01.5Z"),
            Some(951_782_401_500)
        );
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let parsed = parse_timestamp(&timestamp()).expect("our own timestamps parse");
        let since = Duration::from_millis(u64::try_from(parsed).unwrap_or_default());
        assert!(
            since.abs_diff(before) < Duration::from_secs(1),
            "{since:?} {before:?}"
        );
        assert!(
            parse_timestamp("2026-05-01T10:00:00.123Z") > parse_timestamp("2026-05-01T10:00:00Z")
        );
        for invalid in [
            "2026-05-01",
            "2026-13-01T00:00:00Z",
            "2026-05-01T10:00:00+02:00",
            "x",
        ] {
            assert_eq!(parse_timestamp(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn civil_dates_are_right_across_leap_years() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
    }
}
