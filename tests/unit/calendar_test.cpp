// Unit tests for the calendar (runtime/calendar.h). Expected dates are checked by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "calendar.h"

using agr::Day;

namespace {

Day d(int32_t y, uint32_t m, uint32_t dd) { return agr::days_from_civil(y, m, dd); }

Day parse(std::string_view text) {
  Day out = 0;
  REQUIRE(agr::parse_iso_date(text, &out));
  return out;
}

std::string fmt(Day day) {
  char buf[10];
  agr::format_iso_date(day, buf);
  return std::string(buf, 10);
}

bool refused(std::string_view text) {
  Day out = 12345;
  const bool ok = agr::parse_iso_date(text, &out);
  return !ok && out == 12345;
}

// Naive reference walk for the working-day functions.
Day naive_after(Day from, int64_t k) {
  Day cur = from;
  while (k > 0) {
    ++cur;
    if (agr::is_working_day(cur)) --k;
  }
  return cur;
}

Day naive_before(Day from, int64_t k) {
  Day cur = from;
  while (k > 0) {
    --cur;
    if (agr::is_working_day(cur)) --k;
  }
  return cur;
}

constexpr int64_t kHuge = int64_t{1} << 62;

}  // namespace

TEST_CASE("epoch and calendar bounds", "[calendar]") {
  CHECK(d(1970, 1, 1) == 0);
  CHECK(d(1970, 1, 2) == 1);
  CHECK(d(1969, 12, 31) == -1);
  CHECK(d(2000, 3, 1) == 11017);
  CHECK(agr::kFirstDay == -719162);
  CHECK(agr::kLastDay == 2932896);
  CHECK(fmt(agr::kFirstDay) == "0001-01-01");
  CHECK(fmt(agr::kLastDay) == "9999-12-31");
}

TEST_CASE("civil_from_days and days_from_civil round trip over the whole calendar", "[calendar]") {
  agr::CivilDate prev = agr::civil_from_days(agr::kFirstDay);
  CHECK(prev.year == 1);
  CHECK(prev.month == 1);
  CHECK(prev.day == 1);
  for (Day z = agr::kFirstDay + 1; z <= agr::kLastDay; ++z) {
    const agr::CivilDate c = agr::civil_from_days(z);
    if (agr::days_from_civil(c.year, c.month, c.day) != z) FAIL("round trip broken at " << z);
    // Successor: next day of the month, or the first of the next month/year.
    const bool next_day = c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
    const bool next_month = c.year == prev.year && c.month == prev.month + 1 && c.day == 1 &&
                            prev.day == agr::days_in_month(prev.year, prev.month);
    const bool next_year = c.year == prev.year + 1 && c.month == 1 && c.day == 1 &&
                           prev.month == 12 && prev.day == 31;
    if (!(next_day || next_month || next_year)) FAIL("not a successor at " << z);
    prev = c;
  }
  CHECK(prev.year == 9999);
  CHECK(prev.month == 12);
  CHECK(prev.day == 31);
}

TEST_CASE("Neri-Schneider conversions agree with Hinnant's over the whole calendar", "[calendar]") {
  // civil_in_calendar and days_in_calendar (runtime/calendar.h) against days_from_civil, an
  // independent algorithm: every day of the calendar, both ways.
  for (Day z = agr::kFirstDay; z <= agr::kLastDay; ++z) {
    const agr::CivilDate c = agr::civil_in_calendar(z);
    if (agr::days_from_civil(c.year, c.month, c.day) != z) FAIL("civil_in_calendar wrong at " << z);
    if (agr::days_in_calendar(static_cast<uint32_t>(c.year), c.month, c.day) != z)
      FAIL("days_in_calendar wrong at " << z);
  }
}

TEST_CASE("add_months agrees with its definition on every day of the calendar", "[calendar]") {
  // D + N months: the same day of the month N months on, clamped to that month's last day;
  // false when that month is outside the years 1 .. 9999. Computed here with Hinnant's
  // days_from_civil and plain division, independently of add_months' arithmetic.
  const auto expected = [](Day from, int64_t months, Day* out) {
    const agr::CivilDate c = agr::civil_from_days(from);
    const int64_t total = int64_t{c.year} * 12 + (c.month - 1) + months;
    if (total < 12 || total >= 10000 * 12) return false;
    const int32_t y = static_cast<int32_t>(total / 12);
    const uint32_t m = static_cast<uint32_t>(total % 12) + 1;
    *out = agr::days_from_civil(y, m, std::min(c.day, agr::days_in_month(y, m)));
    return true;
  };
  for (const int64_t months : {-120, -13, -12, -1, 1, 2, 3, 6, 9, 11, 12, 13, 24, 120}) {
    for (Day z = agr::kFirstDay; z <= agr::kLastDay; ++z) {
      Day got = 0, want = 0;
      const bool ok = agr::add_months(z, months, &got);
      if (ok != expected(z, months, &want) || (ok && got != want))
        FAIL("add_months(" << fmt(z) << ", " << months << ") wrong");
    }
  }
}

TEST_CASE("format_iso_date and parse_iso_date round trip over the whole calendar", "[calendar]") {
  for (Day z = agr::kFirstDay; z <= agr::kLastDay; z += 1) {
    char buf[10];
    agr::format_iso_date(z, buf);
    Day back = 0;
    if (!agr::parse_iso_date(std::string_view(buf, 10), &back) || back != z) {
      FAIL("format/parse round trip broken at " << z);
    }
  }
  CHECK(fmt(d(2025, 9, 1)) == "2025-09-01");
  CHECK(fmt(d(987, 6, 5)) == "0987-06-05");
  CHECK(parse("2025-10-04") == d(2025, 10, 4));
  CHECK(parse("0001-01-01") == agr::kFirstDay);
  CHECK(parse("9999-12-31") == agr::kLastDay);
}

TEST_CASE("civil_from_days handles days outside the calendar", "[calendar]") {
  // The extremes of Day (Hinnant's published limits for 32-bit day counts).
  const agr::CivilDate hi = agr::civil_from_days(std::numeric_limits<Day>::max());
  CHECK(hi.year == 5881580);
  CHECK(hi.month == 7);
  CHECK(hi.day == 11);
  const agr::CivilDate min = agr::civil_from_days(std::numeric_limits<Day>::min());
  CHECK(min.year == -5877641);
  CHECK(min.month == 6);
  CHECK(min.day == 23);
  const agr::CivilDate lo = agr::civil_from_days(agr::kFirstDay - 1);
  CHECK(lo.year == 0);
  CHECK(lo.month == 12);
  CHECK(lo.day == 31);
}

TEST_CASE("leap years and month lengths", "[calendar]") {
  CHECK_FALSE(agr::is_leap_year(1900));
  CHECK(agr::is_leap_year(2000));
  CHECK(agr::is_leap_year(2024));
  CHECK_FALSE(agr::is_leap_year(2025));
  CHECK_FALSE(agr::is_leap_year(2100));
  CHECK(agr::is_leap_year(1600));
  CHECK(agr::is_leap_year(4));
  CHECK_FALSE(agr::is_leap_year(1));
  CHECK(agr::days_in_month(1900, 2) == 28);
  CHECK(agr::days_in_month(2000, 2) == 29);
  CHECK(agr::days_in_month(2024, 2) == 29);
  CHECK(agr::days_in_month(2025, 2) == 28);
  CHECK(agr::days_in_month(2025, 1) == 31);
  CHECK(agr::days_in_month(2025, 4) == 30);
  CHECK(agr::days_in_month(2025, 9) == 30);
  CHECK(agr::days_in_month(2025, 12) == 31);
  CHECK(d(2000, 3, 1) - d(2000, 2, 28) == 2);
  CHECK(d(1900, 3, 1) - d(1900, 2, 28) == 1);
  CHECK(d(2024, 12, 31) - d(2024, 1, 1) == 365);
  CHECK(d(2025, 12, 31) - d(2025, 1, 1) == 364);
}

TEST_CASE("parse_iso_date accepts real dates", "[calendar]") {
  CHECK(parse("2024-02-29") == d(2024, 2, 29));
  CHECK(parse("2000-02-29") == d(2000, 2, 29));
  CHECK(parse("2025-12-31") == d(2025, 12, 31));
}

TEST_CASE("parse_iso_date refuses malformed or impossible dates", "[calendar]") {
  CHECK(refused("2025-02-29"));
  CHECK(refused("1900-02-29"));
  CHECK(refused("2025-13-01"));
  CHECK(refused("2025-00-01"));
  CHECK(refused("2025-01-00"));
  CHECK(refused("2025-04-31"));
  CHECK(refused("2025-01-32"));
  CHECK(refused("0000-01-01"));
  CHECK(refused("2025-9-01"));
  CHECK(refused("2025-09-1"));
  CHECK(refused(" 2025-09-01"));
  CHECK(refused("2025-09-01 "));
  CHECK(refused("2025-09-01x"));
  CHECK(refused("2025/09/01"));
  CHECK(refused("20250901"));
  CHECK(refused("+025-09-01"));
  CHECK(refused("-025-09-01"));
  CHECK(refused("2025-+9-01"));
  CHECK(refused("2025-09--1"));
  CHECK(refused("2O25-09-01"));
  CHECK(refused("10000-01-01"));
  CHECK(refused(""));
  CHECK(refused(std::string_view("2025-09-01\0", 11)));
  CHECK(refused(std::string_view("2025-09\0001", 10)));
  // Every digit position refuses the characters next to the digits (the unsigned wrap of the check).
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    for (char c : {'/', ':', '\xb0'}) {
      std::string text = "2024-12-28";
      text[i] = c;
      CHECK(refused(text));
    }
}

TEST_CASE("add_days moves within the calendar and fails past its edges", "[calendar]") {
  Day out = 0;
  REQUIRE(agr::add_days(d(2025, 2, 28), 1, &out));
  CHECK(out == d(2025, 3, 1));
  REQUIRE(agr::add_days(d(2024, 2, 28), 1, &out));
  CHECK(out == d(2024, 2, 29));
  REQUIRE(agr::add_days(d(2025, 1, 1), -1, &out));
  CHECK(out == d(2024, 12, 31));
  REQUIRE(agr::add_days(d(2025, 9, 1), 0, &out));
  CHECK(out == d(2025, 9, 1));

  REQUIRE(agr::add_days(agr::kLastDay, 0, &out));
  CHECK(out == agr::kLastDay);
  REQUIRE(agr::add_days(agr::kFirstDay, agr::kLastDay - agr::kFirstDay, &out));
  CHECK(out == agr::kLastDay);

  out = 777;
  CHECK_FALSE(agr::add_days(agr::kLastDay, 1, &out));
  CHECK_FALSE(agr::add_days(agr::kFirstDay, -1, &out));
  CHECK_FALSE(agr::add_days(d(2025, 1, 1), kHuge, &out));
  CHECK_FALSE(agr::add_days(d(2025, 1, 1), -kHuge, &out));
  CHECK_FALSE(agr::add_days(d(2025, 1, 1), std::numeric_limits<int64_t>::max(), &out));
  CHECK_FALSE(agr::add_days(d(2025, 1, 1), std::numeric_limits<int64_t>::min(), &out));
  CHECK_FALSE(agr::add_days(std::numeric_limits<Day>::max(), 1, &out));
  CHECK(out == 777);
}

TEST_CASE("add_months keeps the day of month and clamps to the target month", "[calendar]") {
  Day out = 0;
  REQUIRE(agr::add_months(d(2025, 11, 30), 3, &out));
  CHECK(out == d(2026, 2, 28));
  REQUIRE(agr::add_months(d(2024, 1, 31), 1, &out));
  CHECK(out == d(2024, 2, 29));
  REQUIRE(agr::add_months(d(2025, 1, 31), 1, &out));
  CHECK(out == d(2025, 2, 28));
  REQUIRE(agr::add_months(d(2025, 3, 31), 1, &out));
  CHECK(out == d(2025, 4, 30));
  REQUIRE(agr::add_months(d(2025, 9, 15), 0, &out));
  CHECK(out == d(2025, 9, 15));
  REQUIRE(agr::add_months(d(2025, 9, 15), 12, &out));
  CHECK(out == d(2026, 9, 15));
  REQUIRE(agr::add_months(d(2025, 9, 1), 6, &out));
  CHECK(out == d(2026, 3, 1));
  REQUIRE(agr::add_months(d(2024, 2, 29), 12, &out));
  CHECK(out == d(2025, 2, 28));
  REQUIRE(agr::add_months(d(2024, 2, 29), 48, &out));
  CHECK(out == d(2028, 2, 29));
  // Clamping does not carry over: the next step starts from the clamped date.
  REQUIRE(agr::add_months(d(2026, 2, 28), 1, &out));
  CHECK(out == d(2026, 3, 28));
}

TEST_CASE("add_months with negative months", "[calendar]") {
  Day out = 0;
  REQUIRE(agr::add_months(d(2025, 3, 31), -1, &out));
  CHECK(out == d(2025, 2, 28));
  REQUIRE(agr::add_months(d(2024, 3, 31), -1, &out));
  CHECK(out == d(2024, 2, 29));
  REQUIRE(agr::add_months(d(2025, 1, 15), -1, &out));
  CHECK(out == d(2024, 12, 15));
  REQUIRE(agr::add_months(d(2026, 2, 28), -3, &out));
  CHECK(out == d(2025, 11, 28));
  REQUIRE(agr::add_months(d(2025, 5, 31), -3, &out));
  CHECK(out == d(2025, 2, 28));
  REQUIRE(agr::add_months(d(2025, 1, 1), -13, &out));
  CHECK(out == d(2023, 12, 1));
  REQUIRE(agr::add_months(d(2025, 12, 31), -24, &out));
  CHECK(out == d(2023, 12, 31));
}

TEST_CASE("add_months fails past the calendar edges", "[calendar]") {
  Day out = 0;
  REQUIRE(agr::add_months(d(9999, 11, 30), 1, &out));
  CHECK(out == d(9999, 12, 30));
  REQUIRE(agr::add_months(d(9999, 1, 31), 11, &out));
  CHECK(out == agr::kLastDay);
  REQUIRE(agr::add_months(d(1, 2, 28), -1, &out));
  CHECK(out == agr::kFirstDay + 27);
  REQUIRE(agr::add_months(agr::kLastDay, -(9998 * 12 + 11), &out));
  CHECK(out == d(1, 1, 31));

  out = 777;
  CHECK_FALSE(agr::add_months(d(9999, 12, 1), 1, &out));
  CHECK_FALSE(agr::add_months(agr::kLastDay, 1, &out));
  CHECK_FALSE(agr::add_months(d(1, 1, 31), -1, &out));
  CHECK_FALSE(agr::add_months(agr::kFirstDay, -1, &out));
  CHECK_FALSE(agr::add_months(d(2025, 1, 1), kHuge, &out));
  CHECK_FALSE(agr::add_months(d(2025, 1, 1), -kHuge, &out));
  CHECK_FALSE(agr::add_months(d(2025, 1, 1), std::numeric_limits<int64_t>::max(), &out));
  CHECK_FALSE(agr::add_months(d(2025, 1, 1), std::numeric_limits<int64_t>::min(), &out));
  CHECK(out == 777);
}

TEST_CASE("add_months is its definition on every day of the calendar", "[calendar]") {
  // D + N months: D's year and month moved on by N months, D's day clamped to the length of the
  // month reached; false when that month is outside the years 1 .. 9999. Written out with the
  // calendar's conversions, for every day and the offsets rules use, and every 7th day for offsets
  // to and past the calendar's ends.
  auto expected = [](Day from, int64_t months, Day* out) {
    const agr::CivilDate c = agr::civil_from_days(from);
    const int64_t total = int64_t{c.year} * 12 + (c.month - 1) + months;  // months since 0000-01
    const int64_t year = total >= 0 ? total / 12 : -((-total + 11) / 12);
    if (year < 1 || year > 9999) return false;
    const uint32_t month = static_cast<uint32_t>(total - year * 12) + 1;
    const int32_t y = static_cast<int32_t>(year);
    *out = agr::days_from_civil(y, month, std::min(c.day, agr::days_in_month(y, month)));
    return true;
  };
  uint64_t checked = 0, wrong = 0;
  auto check = [&](Day from, int64_t months) {
    Day got = 0, want = 0;
    const bool ok = agr::add_months(from, months, &got), ok_want = expected(from, months, &want);
    ++checked;
    if (ok != ok_want || (ok && got != want)) {
      if (++wrong <= 5) FAIL_CHECK(fmt(from) << " + " << months << " months: " << (ok ? fmt(got) : "false")
                                             << ", expected " << (ok_want ? fmt(want) : "false"));
    }
  };
  for (Day z = agr::kFirstDay; z <= agr::kLastDay; ++z)
    for (int64_t months : {1, 3, 12, -1}) check(z, months);
  for (Day z = agr::kFirstDay; z <= agr::kLastDay; z += 7)
    for (int64_t months : {-13, 25, 9998 * 12 + 11, 9999 * 12, -(9998 * 12 + 11), -9999 * 12}) check(z, months);
  CHECK(wrong == 0);
  CHECK(checked > 15'000'000);
}

TEST_CASE("weekday numbers Monday as 0 and Sunday as 6", "[calendar]") {
  CHECK(agr::weekday(d(1970, 1, 1)) == 3);   // Thursday
  CHECK(agr::weekday(d(2025, 10, 4)) == 5);  // Saturday
  CHECK(agr::weekday(d(2025, 10, 5)) == 6);  // Sunday
  CHECK(agr::weekday(d(2025, 10, 6)) == 0);  // Monday
  CHECK(agr::weekday(d(2025, 9, 1)) == 0);   // Monday
  CHECK(agr::weekday(d(2000, 1, 1)) == 5);   // Saturday
  CHECK(agr::weekday(d(1969, 12, 31)) == 2); // Wednesday
  CHECK(agr::weekday(agr::kFirstDay) == 0);  // 0001-01-01 was a Monday (proleptic Gregorian)
  CHECK(agr::weekday(agr::kLastDay) == 4);   // 9999-12-31 is a Friday
  for (Day z = d(2025, 1, 1); z < d(2025, 1, 15); ++z) {
    CHECK(agr::weekday(z + 1) == (agr::weekday(z) + 1) % 7);
  }
}

TEST_CASE("easter_sunday for known years", "[calendar]") {
  CHECK(agr::easter_sunday(2024) == d(2024, 3, 31));
  CHECK(agr::easter_sunday(2025) == d(2025, 4, 20));
  CHECK(agr::easter_sunday(2026) == d(2026, 4, 5));
  CHECK(agr::easter_sunday(2023) == d(2023, 4, 9));
  CHECK(agr::easter_sunday(2000) == d(2000, 4, 23));
  CHECK(agr::easter_sunday(2038) == d(2038, 4, 25));
  CHECK(agr::easter_sunday(2100) == d(2100, 3, 28));
  CHECK(agr::easter_sunday(1818) == d(1818, 3, 22));
  CHECK(agr::easter_sunday(2285) == d(2285, 3, 22));
  CHECK(agr::easter_sunday(1943) == d(1943, 4, 25));
  CHECK(agr::easter_sunday(1961) == d(1961, 4, 2));
}

TEST_CASE("easter_sunday is always a Sunday between 22 March and 25 April", "[calendar]") {
  for (int32_t y = 1; y <= 9999; ++y) {
    const Day e = agr::easter_sunday(y);
    const bool ok = agr::weekday(e) == 6 && e >= d(y, 3, 22) && e <= d(y, 4, 25);
    if (!ok) FAIL("bad Easter for year " << y);
  }
  // Years outside the calendar still compute.
  const Day e = agr::easter_sunday(10000);
  CHECK(agr::weekday(e) == 6);
  CHECK(e >= d(10000, 3, 22));
  CHECK(e <= d(10000, 4, 25));
}

TEST_CASE("fixed Danish public holidays", "[calendar]") {
  CHECK(agr::is_danish_public_holiday(d(2025, 1, 1)));
  CHECK(agr::is_danish_public_holiday(d(2025, 12, 25)));
  CHECK(agr::is_danish_public_holiday(d(2025, 12, 26)));
  CHECK(agr::is_danish_public_holiday(d(2027, 1, 1)));  // a Friday
  CHECK_FALSE(agr::is_working_day(d(2027, 1, 1)));
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 1, 2)));
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 12, 27)));
}

TEST_CASE("Easter-based Danish public holidays in 2025", "[calendar]") {
  CHECK(agr::is_danish_public_holiday(d(2025, 4, 17)));  // skærtorsdag
  CHECK(agr::is_danish_public_holiday(d(2025, 4, 18)));  // langfredag
  CHECK(agr::is_danish_public_holiday(d(2025, 4, 20)));  // påskedag
  CHECK(agr::is_danish_public_holiday(d(2025, 4, 21)));  // 2. påskedag
  CHECK(agr::is_danish_public_holiday(d(2025, 5, 29)));  // Kristi himmelfartsdag
  CHECK(agr::is_danish_public_holiday(d(2025, 6, 8)));   // pinsedag
  CHECK(agr::is_danish_public_holiday(d(2025, 6, 9)));   // 2. pinsedag
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 4, 16)));
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 4, 19)));  // Saturday, not a holiday
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 4, 22)));
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 5, 16)));  // would be store bededag
  CHECK(agr::is_working_day(d(2025, 5, 16)));
  CHECK_FALSE(agr::is_working_day(d(2025, 5, 29)));
  CHECK_FALSE(agr::is_working_day(d(2025, 6, 9)));
  CHECK(agr::is_working_day(d(2025, 5, 28)));
  CHECK(agr::is_working_day(d(2025, 5, 30)));
  CHECK(agr::is_working_day(d(2025, 6, 10)));
}

TEST_CASE("store bededag is a holiday up to 2023 only", "[calendar]") {
  CHECK(agr::is_danish_public_holiday(d(2023, 5, 5)));
  CHECK_FALSE(agr::is_working_day(d(2023, 5, 5)));
  CHECK(agr::is_danish_public_holiday(d(2022, 5, 13)));  // Easter 2022-04-17 + 26
  CHECK_FALSE(agr::is_danish_public_holiday(d(2024, 4, 26)));
  CHECK(agr::weekday(d(2024, 4, 26)) == 4);
  CHECK(agr::is_working_day(d(2024, 4, 26)));
}

TEST_CASE("grundlovsdag, juleaftensdag and nytårsaftensdag are working days", "[calendar]") {
  CHECK(agr::weekday(d(2025, 6, 5)) == 3);
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 6, 5)));
  CHECK(agr::is_working_day(d(2025, 6, 5)));
  CHECK(agr::weekday(d(2025, 12, 24)) == 2);
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 12, 24)));
  CHECK(agr::is_working_day(d(2025, 12, 24)));
  CHECK(agr::weekday(d(2025, 12, 31)) == 2);
  CHECK_FALSE(agr::is_danish_public_holiday(d(2025, 12, 31)));
  CHECK(agr::is_working_day(d(2025, 12, 31)));
}

TEST_CASE("weekends are not working days", "[calendar]") {
  CHECK_FALSE(agr::is_working_day(d(2025, 10, 4)));
  CHECK_FALSE(agr::is_working_day(d(2025, 10, 5)));
  CHECK(agr::is_working_day(d(2025, 10, 3)));
  CHECK(agr::is_working_day(d(2025, 10, 6)));
}

TEST_CASE("holiday count per year", "[calendar]") {
  // 11 holidays up to 2023 (with store bededag), 10 from 2024; they never coincide.
  for (int32_t y : {1900, 2000, 2023, 2024, 2025, 2100}) {
    int count = 0;
    for (Day z = d(y, 1, 1); z <= d(y, 12, 31); ++z) count += agr::is_danish_public_holiday(z);
    CHECK(count == (y <= 2023 ? 11 : 10));
  }
  // 2025: 261 weekdays; holidays on weekdays: 1 Jan (Wed), 17, 18, 21 Apr, 29 May, 9 Jun,
  // 25, 26 Dec -> 8, so 253 working days.
  int working = 0;
  for (Day z = d(2025, 1, 1); z <= d(2025, 12, 31); ++z) working += agr::is_working_day(z);
  CHECK(working == 253);
}

TEST_CASE("the spec's T +- 5 working days example", "[calendar]") {
  const Day t = parse("2025-10-04");  // Saturday
  Day out = 0;
  REQUIRE(agr::working_days_before(t, 5, &out));
  CHECK(out == d(2025, 9, 29));
  REQUIRE(agr::working_days_after(t, 5, &out));
  CHECK(out == d(2025, 10, 10));
  REQUIRE(agr::working_days_after(t, -5, &out));
  CHECK(out == d(2025, 9, 29));
  REQUIRE(agr::working_days_before(t, -5, &out));
  CHECK(out == d(2025, 10, 10));
}

TEST_CASE("working days strictly after and before, k = 0 and k = 1", "[calendar]") {
  Day out = 0;
  REQUIRE(agr::working_days_after(d(2025, 10, 4), 0, &out));
  CHECK(out == d(2025, 10, 4));
  REQUIRE(agr::working_days_before(d(2025, 10, 4), 0, &out));
  CHECK(out == d(2025, 10, 4));
  // From a working day, the first working day after is the next one, never the day itself.
  REQUIRE(agr::working_days_after(d(2025, 10, 6), 1, &out));
  CHECK(out == d(2025, 10, 7));
  REQUIRE(agr::working_days_before(d(2025, 10, 6), 1, &out));
  CHECK(out == d(2025, 10, 3));
  REQUIRE(agr::working_days_after(d(2025, 10, 3), 1, &out));
  CHECK(out == d(2025, 10, 6));
}

TEST_CASE("working days across Easter 2025", "[calendar]") {
  // Wed 16 Apr; Thu 17, Fri 18 holidays; Sat 19, Sun 20 (Easter); Mon 21 holiday.
  // Working days after: 22 (1), 23 (2), 24 (3), 25 (4), 28 (5).
  Day out = 0;
  REQUIRE(agr::working_days_after(d(2025, 4, 16), 1, &out));
  CHECK(out == d(2025, 4, 22));
  REQUIRE(agr::working_days_after(d(2025, 4, 16), 4, &out));
  CHECK(out == d(2025, 4, 25));
  REQUIRE(agr::working_days_after(d(2025, 4, 16), 5, &out));
  CHECK(out == d(2025, 4, 28));
  // Before Tue 22 Apr: 16 (1), 15 (2), 14 (3), 11 (4), 10 (5).
  REQUIRE(agr::working_days_before(d(2025, 4, 22), 1, &out));
  CHECK(out == d(2025, 4, 16));
  REQUIRE(agr::working_days_before(d(2025, 4, 22), 5, &out));
  CHECK(out == d(2025, 4, 10));
  // Around Christmas and New Year 2025/26: after Tue 23 Dec: 24 (1), 29 (2), 30 (3), 31 (4),
  // 2 Jan 2026 (5).
  REQUIRE(agr::working_days_after(d(2025, 12, 23), 5, &out));
  CHECK(out == d(2026, 1, 2));
}

TEST_CASE("working-day walks match a naive walk, including long ones", "[calendar]") {
  Day out = 0;
  for (int64_t k : {1, 2, 7, 250, 399, 400, 401, 402, 1000, 5000, 100000}) {
    for (Day from : {d(2025, 10, 4), d(2023, 12, 31), d(2024, 1, 1), d(1999, 6, 15)}) {
      REQUIRE(agr::working_days_after(from, k, &out));
      CHECK(out == naive_after(from, k));
      REQUIRE(agr::working_days_before(from, k, &out));
      CHECK(out == naive_before(from, k));
    }
  }
}

TEST_CASE("working-day walks fail when they leave the calendar", "[calendar]") {
  Day out = 777;
  CHECK_FALSE(agr::working_days_after(agr::kLastDay, 1, &out));
  CHECK_FALSE(agr::working_days_before(agr::kFirstDay, 1, &out));
  CHECK_FALSE(agr::working_days_after(d(2025, 1, 1), kHuge, &out));
  CHECK_FALSE(agr::working_days_before(d(2025, 1, 1), kHuge, &out));
  CHECK_FALSE(agr::working_days_after(d(2025, 1, 1), -kHuge, &out));
  CHECK_FALSE(agr::working_days_before(d(2025, 1, 1), -kHuge, &out));
  CHECK_FALSE(agr::working_days_after(d(2025, 1, 1), std::numeric_limits<int64_t>::min(), &out));
  CHECK_FALSE(agr::working_days_before(d(2025, 1, 1), std::numeric_limits<int64_t>::min(), &out));
  CHECK_FALSE(agr::working_days_after(d(2025, 1, 1), 3000000, &out));
  CHECK(out == 777);

  // 9999-12-31 is a Friday and not a holiday, so it is the last working day of the calendar.
  REQUIRE(agr::working_days_after(d(9999, 12, 30), 1, &out));
  CHECK(out == agr::kLastDay);
  // 0001-01-01 is a holiday (nytårsdag); the first working day is Tuesday 0001-01-02.
  REQUIRE(agr::working_days_before(d(1, 1, 3), 1, &out));
  CHECK(out == d(1, 1, 2));
  out = 777;
  CHECK_FALSE(agr::working_days_before(d(1, 1, 2), 1, &out));
  CHECK(out == 777);

  // Counting every working day of the calendar: exactly reachable, one more fails.
  int64_t total = 0;
  for (Day z = agr::kFirstDay; z <= agr::kLastDay; ++z) total += agr::is_working_day(z);
  REQUIRE(agr::working_days_after(agr::kFirstDay, total, &out));
  CHECK(out == agr::kLastDay);
  REQUIRE(agr::working_days_before(agr::kLastDay, total - 1, &out));
  CHECK(out == d(1, 1, 2));
  out = 777;
  CHECK_FALSE(agr::working_days_after(agr::kFirstDay, total + 1, &out));
  CHECK_FALSE(agr::working_days_before(agr::kLastDay, total, &out));
  CHECK(out == 777);
}
