//! Working days of mainland China, for the due times of manual reviews (SPEC limits: "manual review
//! answer: 2 working days (enterprise), 5 working days (appeals)"; ACC-4, MFA-5, KYC-E4, KYC-E5).
//!
//! A working day is a Beijing day (China Standard Time, UTC+8, no daylight saving) that is Monday to
//! Friday and not an official public holiday, or that is an official make-up working day (调休上班,
//! e.g. a Saturday worked before a long holiday).
//!
//! The calendar is data: `shared/data/working-days-cn.json`, compiled in and parsed once. Each year
//! copies the State Council General Office notice (国务院办公厅关于20XX年部分节假日安排的通知) named,
//! with its number and address on www.gov.cn, in the file. A year the file does not list
//! ([`covered`] is false) falls back to weekends plus the holidays fixed by law on solar dates
//! (元旦 1/1, 劳动节 5/1-5/2, 国庆节 10/1-10/3): it knows neither the lunar holidays (春节, 清明,
//! 端午, 中秋) nor the make-up days, so a due time in such a year can come earlier than the
//! official calendar would make it. Add the year's notice to the file when it is published
//! (README, "Working-day calendar").
//!
//! Due times ([`add_working_days`]): the day of submission is never counted (it is a part day);
//! counting starts with the first working day after it, so a submission on a weekend or a holiday
//! counts from the next working day. The due time is the END of the n-th such working day, expressed
//! as the instant the next Beijing day starts (00:00 CST, exclusive): a case is overdue when
//! `now >= due`. Everything here is pure: no clock, no I/O.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Working days to answer an enterprise case in manual review [KYC-E4, KYC-E5].
pub const ENTERPRISE_REVIEW_WORKING_DAYS: u32 = 2;
/// Working days to answer an appeal (phone rebind, MFA unbind) [ACC-4, MFA-5].
pub const APPEAL_REVIEW_WORKING_DAYS: u32 = 5;

/// China Standard Time: UTC+8 all year.
pub const CST: FixedOffset = {
    let Some(offset) = FixedOffset::east_opt(8 * 60 * 60) else { unreachable!() };
    offset
};

static DATA: &str = include_str!("../../data/working-days-cn.json");

static CALENDAR: LazyLock<Result<Calendar, String>> = LazyLock::new(|| load(DATA));

/// The notice a year of the calendar copies.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// 国务院办公厅关于20XX年部分节假日安排的通知
    pub title: String,
    /// e.g. 国办发明电〔2025〕7号
    pub number: String,
    pub published: NaiveDate,
    /// The notice on www.gov.cn.
    pub url: String,
    /// What was checked, against what, and when.
    pub verified: String,
}

/// Whether the calendar has the official notice for `year`. Without it, [`is_working_day`] counts
/// only weekends and the solar-date holidays fixed by law (see the module documentation).
pub fn covered(year: i32) -> bool {
    year_data(year).is_some()
}

/// The notice the calendar copies for `year`, if it has one.
pub fn notice(year: i32) -> Option<&'static Notice> {
    year_data(year).map(|y| &y.notice)
}

/// Whether `date` (a Beijing day) is a working day.
pub fn is_working_day(date: NaiveDate) -> bool {
    match year_data(date.year()) {
        Some(year) => year.make_up.contains(&date) || (!is_weekend(date) && !year.holidays.contains(&date)),
        None => !is_weekend(date) && !is_solar_holiday_by_law(date),
    }
}

/// The Beijing day `at` falls on.
pub fn beijing_day(at: DateTime<Utc>) -> NaiveDate {
    to_cst(at).date_naive()
}

/// The due time of something submitted at `from` and answered within `n` working days: the end of
/// the n-th working day after the submission's Beijing day, i.e. the start (00:00 CST) of the next
/// Beijing day, in UTC. The submission's own day is never counted; a submission on a non-working day
/// counts from the next working day. `n = 0` gives the end of the submission's own day.
pub fn add_working_days(from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    let mut day = beijing_day(from);
    let mut left = n;
    while left > 0 {
        let Some(next) = day.succ_opt() else { return DateTime::<Utc>::MAX_UTC };
        day = next;
        if is_working_day(day) {
            left -= 1;
        }
    }
    day.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, start_of_day)
}

/// The instant as China Standard Time.
pub fn to_cst(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&CST)
}

/// 00:00 CST of a Beijing day, in UTC.
fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    CST.from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .map_or(DateTime::<Utc>::MAX_UTC, |at| at.with_timezone(&Utc))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The holidays 《全国年节及纪念日放假办法》 fixes on solar dates (as revised in 2024): 元旦 one day,
/// 劳动节 two days, 国庆节 three days. Used only for years without a notice.
fn is_solar_holiday_by_law(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (1, 1) | (5, 1) | (5, 2) | (10, 1) | (10, 2) | (10, 3))
}

// ---- the data ------------------------------------------------------------------------------

/// The file as written (its `about` notes are for people and ignored).
#[derive(Debug, Clone, Deserialize)]
struct File {
    years: Vec<YearEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearEntry {
    year: i32,
    source: Notice,
    holidays: Vec<Holiday>,
    make_up_working_days: Vec<MakeUpDay>,
}

/// A `放假` range of the notice, as printed (weekends inside it included).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

/// A `上班` date of the notice and the holiday it belongs to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MakeUpDay {
    date: NaiveDate,
    holiday: String,
}

/// The longest holiday range a notice has printed (春节 2026: 9 days), with room to spare.
const MAX_HOLIDAY_DAYS: usize = 12;

#[derive(Debug)]
struct Year {
    notice: Notice,
    holidays: HashSet<NaiveDate>,
    make_up: HashSet<NaiveDate>,
}

#[derive(Debug)]
struct Calendar {
    years: HashMap<i32, Year>,
}

fn year_data(year: i32) -> Option<&'static Year> {
    // A file that does not load leaves every year uncovered; the tests refuse such a file.
    CALENDAR.as_ref().ok()?.years.get(&year)
}

fn load(text: &str) -> Result<Calendar, String> {
    let file: File = serde_json::from_str(text).map_err(|e| format!("working-days-cn.json: {e}"))?;
    let mut years = HashMap::new();
    for entry in file.years {
        let year = entry.year;
        let data = check(entry).map_err(|e| format!("working-days-cn.json, {year}: {e}"))?;
        if years.insert(year, data).is_some() {
            return Err(format!("working-days-cn.json: {year} is listed twice"));
        }
    }
    Ok(Calendar { years })
}

/// The properties every year of the data has: each date lies in its year, a holiday range runs
/// forward and is at most [`MAX_HOLIDAY_DAYS`] long, a make-up day is a Saturday or Sunday outside
/// every holiday and names one of the year's holidays.
fn check(entry: YearEntry) -> Result<Year, String> {
    let in_year = |date: NaiveDate| date.year() == entry.year;
    let mut holidays = HashSet::new();
    for h in &entry.holidays {
        if !in_year(h.from) || !in_year(h.to) {
            return Err(format!("{} ({} to {}) is not within the year", h.name, h.from, h.to));
        }
        let days: Vec<NaiveDate> = h.from.iter_days().take_while(|d| *d <= h.to).take(MAX_HOLIDAY_DAYS + 1).collect();
        if days.is_empty() || days.len() > MAX_HOLIDAY_DAYS {
            return Err(format!("{} ({} to {}) is not a range of 1 to {MAX_HOLIDAY_DAYS} days", h.name, h.from, h.to));
        }
        holidays.extend(days);
    }
    let mut make_up = HashSet::new();
    for m in &entry.make_up_working_days {
        if !in_year(m.date) {
            return Err(format!("make-up day {} is not within the year", m.date));
        }
        if !is_weekend(m.date) {
            return Err(format!("make-up day {} is a {}, not a weekend day", m.date, m.date.weekday()));
        }
        if holidays.contains(&m.date) {
            return Err(format!("make-up day {} lies inside a holiday", m.date));
        }
        if !entry.holidays.iter().any(|h| h.name == m.holiday) {
            return Err(format!("make-up day {} names {}, which is not a holiday of the year", m.date, m.holiday));
        }
        make_up.insert(m.date);
    }
    Ok(Year { notice: entry.source, holidays, make_up })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// The instant to the minute in China Standard Time: `2026-12-04 18:00 CST`.
    fn cst_text(at: DateTime<Utc>) -> String {
        to_cst(at).format("%Y-%m-%d %H:%M CST").to_string()
    }

    /// The due time of a submission at `submitted` (RFC 3339), as CST text.
    fn due(submitted: &str, n: u32) -> String {
        cst_text(add_working_days(utc(submitted), n))
    }

    #[test]
    fn the_shipped_data_loads_and_covers_2025_and_2026() {
        assert!(CALENDAR.is_ok(), "{:?}", CALENDAR.as_ref().err());
        assert!(covered(2025) && covered(2026));
        assert_eq!(notice(2026).unwrap().number, "国办发明电〔2025〕7号");
        assert!(notice(2025).unwrap().url.starts_with("https://www.gov.cn/"));
    }

    #[test]
    fn every_year_of_the_data_keeps_its_dates_in_the_year_and_its_make_up_days_on_weekends() {
        let file: File = serde_json::from_str(DATA).unwrap();
        assert!(!file.years.is_empty());
        for entry in &file.years {
            assert!(entry.source.title.contains(&format!("{}年部分节假日安排的通知", entry.year)));
            assert!(entry.source.url.starts_with("https://www.gov.cn/"), "{}", entry.year);
            assert!(entry.source.published.year() < entry.year, "a notice is published the year before");
            for h in &entry.holidays {
                assert!(h.from <= h.to && h.from.year() == entry.year && h.to.year() == entry.year, "{h:?}");
            }
            for m in &entry.make_up_working_days {
                assert_eq!(m.date.year(), entry.year, "{m:?}");
                assert!(matches!(m.date.weekday(), Weekday::Sat | Weekday::Sun), "{m:?}");
                assert!(is_working_day(m.date), "{m:?}");
            }
            check(entry.clone()).unwrap();
        }
    }

    #[test]
    fn covered_years_rest_on_every_day_the_law_fixes() {
        for year in [2025, 2026] {
            for (m, d) in [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)] {
                assert!(!is_working_day(NaiveDate::from_ymd_opt(year, m, d).unwrap()), "{year}-{m}-{d}");
            }
        }
    }

    #[test]
    fn the_check_refuses_bad_years() {
        let good = || YearEntry {
            year: 2026,
            source: notice(2026).unwrap().clone(),
            holidays: vec![Holiday { name: "国庆节".into(), from: day("2026-10-01"), to: day("2026-10-07") }],
            make_up_working_days: vec![MakeUpDay { date: day("2026-10-10"), holiday: "国庆节".into() }],
        };
        assert!(check(good()).is_ok());
        let mut e = good();
        e.make_up_working_days[0].date = day("2026-10-12"); // a Monday
        assert!(check(e).unwrap_err().contains("not a weekend day"));
        let mut e = good();
        e.holidays[0].from = day("2025-12-31");
        assert!(check(e).unwrap_err().contains("not within the year"));
        let mut e = good();
        e.holidays[0].to = day("2026-09-30");
        assert!(check(e).unwrap_err().contains("not a range"));
        let mut e = good();
        e.make_up_working_days[0].date = day("2026-10-03");
        assert!(check(e).unwrap_err().contains("inside a holiday"));
        let mut e = good();
        e.make_up_working_days[0].holiday = "春节".into();
        assert!(check(e).unwrap_err().contains("not a holiday of the year"));
        let mut twice: serde_json::Value = serde_json::from_str(DATA).unwrap();
        let first = twice["years"][0].clone();
        twice["years"].as_array_mut().unwrap().push(first);
        assert!(load(&twice.to_string()).unwrap_err().contains("listed twice"));
    }

    #[test]
    fn official_days_of_2025_and_2026() {
        for off in ["2025-01-01", "2025-01-28", "2025-02-04", "2025-05-05", "2025-06-02", "2025-10-08", "2026-01-02"] {
            assert!(!is_working_day(day(off)), "{off}");
        }
        for off in ["2026-02-23", "2026-04-06", "2026-05-05", "2026-06-19", "2026-09-25", "2026-10-07"] {
            assert!(!is_working_day(day(off)), "{off}");
        }
        for on in ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04"] {
            assert!(is_working_day(day(on)), "{on}");
        }
        for on in ["2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10", "2026-10-08"] {
            assert!(is_working_day(day(on)), "{on}");
        }
        assert!(!is_working_day(day("2026-11-28")) && !is_working_day(day("2026-11-29")));
        assert!(is_working_day(day("2026-11-30")));
    }

    #[test]
    fn a_friday_submission_is_due_at_the_end_of_the_next_friday() {
        // Fri 2026-11-27 10:00 CST; Mon 11/30 .. Fri 12/4 are the five working days.
        assert_eq!(due("2026-11-27T02:00:00Z", APPEAL_REVIEW_WORKING_DAYS), "2026-12-05 00:00 CST");
        assert_eq!(add_working_days(utc("2026-11-27T02:00:00Z"), 5), utc("2026-12-04T16:00:00Z"));
        // Enterprise: Mon 11/30 and Tue 12/1.
        assert_eq!(due("2026-11-27T02:00:00Z", ENTERPRISE_REVIEW_WORKING_DAYS), "2026-12-02 00:00 CST");
    }

    #[test]
    fn the_national_day_holiday_is_skipped_and_its_make_up_saturday_counts() {
        // Wed 2026-09-30: 10/1-10/7 off; Thu 10/8, Fri 10/9, Sat 10/10 (make-up), Mon 10/12, Tue 10/13.
        assert_eq!(due("2026-09-30T03:00:00Z", 5), "2026-10-14 00:00 CST");
        // Fri 2026-09-18: Sun 9/20 (make-up) counts; Mon 9/21 .. Thu 9/24; 中秋 9/25-9/27 comes after.
        assert_eq!(due("2026-09-18T03:00:00Z", 5), "2026-09-25 00:00 CST");
        // Submitted during the holiday (Sat 10/3): counts from Thu 10/8.
        assert_eq!(due("2026-10-03T03:00:00Z", 2), "2026-10-10 00:00 CST");
    }

    #[test]
    fn the_spring_festival_2026_counts_both_make_up_saturdays() {
        // Thu 2026-02-12: Fri 2/13, Sat 2/14 (make-up).
        assert_eq!(due("2026-02-12T03:00:00Z", 2), "2026-02-15 00:00 CST");
        // Fri 2026-02-13: Sat 2/14 (make-up); 2/15-2/23 off; Tue 2/24 .. Fri 2/27.
        assert_eq!(due("2026-02-13T03:00:00Z", 5), "2026-02-28 00:00 CST");
        // ... and the sixth is Sat 2/28 (make-up).
        assert_eq!(due("2026-02-13T03:00:00Z", 6), "2026-03-01 00:00 CST");
    }

    #[test]
    fn a_sunday_submission_counts_from_monday() {
        // Sun 2026-11-29 15:00 CST: Mon 11/30 .. Fri 12/4, the same as a Friday submission.
        assert_eq!(due("2026-11-29T07:00:00Z", 5), "2026-12-05 00:00 CST");
        assert_eq!(due("2026-11-29T07:00:00Z", 0), "2026-11-30 00:00 CST");
    }

    #[test]
    fn the_beijing_day_decides_not_the_utc_day() {
        // Thu 2026-11-26 16:30 UTC is Fri 11/27 00:30 in Beijing: counted from Friday.
        assert_eq!(beijing_day(utc("2026-11-26T16:30:00Z")), day("2026-11-27"));
        assert_eq!(due("2026-11-26T16:30:00Z", 5), "2026-12-05 00:00 CST");
        // One minute before Beijing midnight it is still Thursday: Fri 11/27, Mon 11/30 .. Thu 12/3.
        assert_eq!(due("2026-11-26T15:59:00Z", 5), "2026-12-04 00:00 CST");
    }

    #[test]
    fn years_without_a_notice_fall_back_to_weekends_and_the_solar_holidays_of_the_law() {
        assert!(!covered(2024) && !covered(2030));
        assert!(notice(2030).is_none());
        for off in ["2030-01-01", "2030-05-01", "2030-05-02", "2030-10-01", "2030-10-03", "2030-01-05"] {
            assert!(!is_working_day(day(off)), "{off}");
        }
        for on in ["2030-05-03", "2030-10-04", "2030-01-02"] {
            assert!(is_working_day(day(on)), "{on}");
        }
        // The gap: the lunar holidays are unknown, e.g. Mon 2030-02-04 (春节) counts as working.
        assert!(is_working_day(day("2030-02-04")));
        // Across the end of 2026 into 2027 (no notice yet): Fri 2027-01-01 off; Mon 1/4, Tue 1/5.
        assert_eq!(due("2026-12-31T03:00:00Z", 2), "2027-01-06 00:00 CST");
    }

    #[test]
    fn times_are_shown_in_china_standard_time() {
        assert_eq!(cst_text(utc("2026-12-04T10:00:00Z")), "2026-12-04 18:00 CST");
        assert_eq!(to_cst(utc("2026-12-04T10:00:00Z")).to_rfc3339(), "2026-12-04T18:00:00+08:00");
        assert_eq!(cst_text(utc("2026-12-31T16:05:00Z")), "2027-01-01 00:05 CST");
    }

    proptest! {
        #[test]
        fn a_due_time_ends_the_nth_working_day_after_the_submission(
            secs in 1_704_067_200i64..1_830_297_600, // 2024-01-01 .. 2028-01-01
            n in 0u32..12,
        ) {
            let from = DateTime::from_timestamp(secs, 0).unwrap();
            let due = add_working_days(from, n);
            let due_cst = to_cst(due);
            prop_assert!(due > from);
            prop_assert_eq!(due_cst.time(), NaiveTime::MIN);
            let first = beijing_day(from).succ_opt().unwrap();
            let last = due_cst.date_naive().pred_opt().unwrap();
            let counted = first.iter_days().take_while(|d| *d <= last).filter(|d| is_working_day(*d)).count();
            prop_assert_eq!(counted, n as usize);
            if n > 0 {
                prop_assert!(is_working_day(last));
            } else {
                prop_assert_eq!(last, beijing_day(from));
            }
            prop_assert!(add_working_days(from, n + 1) > due);
        }
    }
}
