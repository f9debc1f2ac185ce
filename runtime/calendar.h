// The calendar of the agreements: civil dates as day numbers, month arithmetic with clamping,
// and the Danish working-day calendar (spec: "Common definitions").
#pragma once

#include <cstdint>
#include <string_view>

namespace agr {

// A civil date as the number of days since 1970-01-01 (proleptic Gregorian calendar).
using Day = int32_t;

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
};

// Howard Hinnant's algorithms: exact for every date, no tables.
constexpr Day days_from_civil(int32_t y, uint32_t m, uint32_t d) noexcept {
  y -= m <= 2;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const uint32_t yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

CivilDate civil_from_days(Day z) noexcept;

// The same two conversions for the dates of the calendar (years 1 .. 9999), by Neri and
// Schneider's Euclidean affine functions ("Euclidean affine functions and their application to
// calendar algorithms", Software: Practice and Experience, 2023): unsigned 32-bit arithmetic in
// which every division is by a constant (a multiplication and a shift) and there are half as
// many as above. Dates are read, written and moved by months on every event, so these are the
// ones the runtime uses within the calendar.
constexpr CivilDate civil_in_calendar(Day day) noexcept {
  const uint32_t n = static_cast<uint32_t>(day + 719468);  // days since 0000-03-01
  const uint32_t n1 = 4 * n + 3;
  const uint32_t century = n1 / 146097;
  const uint32_t day_of_century = n1 % 146097 / 4;
  const uint64_t p2 = uint64_t{2939745} * (4 * day_of_century + 3);
  const uint32_t year_of_century = static_cast<uint32_t>(p2 >> 32);
  const uint32_t day_of_year = static_cast<uint32_t>(p2) / 2939745 / 4;  // from 1 March
  const uint32_t n3 = 2141 * day_of_year + 197913;
  const uint32_t month = n3 >> 16;  // 3 (March) .. 14 (February of the next year)
  const uint32_t day_of_month = (n3 & 0xffff) / 2141 + 1;
  const uint32_t jan_feb = day_of_year >= 306;
  return CivilDate{static_cast<int32_t>(100 * century + year_of_century + jan_feb), jan_feb ? month - 12 : month,
                   day_of_month};
}
// y 1 .. 9999, m 1 .. 12, d 1 .. the month's length.
constexpr Day days_in_calendar(uint32_t y, uint32_t m, uint32_t d) noexcept {
  const uint32_t jan_feb = m <= 2;  // counted as months 13 and 14 of the year before
  const uint32_t year = y - jan_feb;
  const uint32_t month = jan_feb ? m + 12 : m;
  const uint32_t century = year / 100;
  const uint32_t n = 1461 * year / 4 - century + century / 4 + (979 * month - 2919) / 32 + d - 1;
  return static_cast<Day>(n) - 719468;
}

// The calendar the runtime works in: 0001-01-01 .. 9999-12-31. Date arithmetic that leaves it
// is an error for the history being evaluated (io-contract: "a date so far out ...").
inline constexpr Day kFirstDay = days_from_civil(1, 1, 1);
inline constexpr Day kLastDay = days_from_civil(9999, 12, 31);
static_assert(days_in_calendar(1, 1, 1) == kFirstDay && days_in_calendar(9999, 12, 31) == kLastDay);
static_assert(civil_in_calendar(kFirstDay).year == 1 && civil_in_calendar(kLastDay).year == 9999 &&
              civil_in_calendar(kLastDay).month == 12 && civil_in_calendar(kLastDay).day == 31);

bool is_leap_year(int32_t year) noexcept;
uint32_t days_in_month(int32_t year, uint32_t month) noexcept;

// Exactly "YYYY-MM-DD", a real calendar date within [kFirstDay, kLastDay]. Inline: the history
// reader parses every event's date with it, digit by digit, without a loop or a library call.
inline bool parse_iso_date(std::string_view text, Day* out) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const auto digit = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(text[i]) - '0'); };
  const uint32_t d0 = digit(0), d1 = digit(1), d2 = digit(2), d3 = digit(3), m0 = digit(5), m1 = digit(6),
                 a0 = digit(8), a1 = digit(9);
  // Unsigned: a character below '0' wraps to a large value.
  if (d0 > 9 || d1 > 9 || d2 > 9 || d3 > 9 || m0 > 9 || m1 > 9 || a0 > 9 || a1 > 9) return false;
  const uint32_t y = d0 * 1000 + d1 * 100 + d2 * 10 + d3, m = m0 * 10 + m1, d = a0 * 10 + a1;
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  constexpr uint8_t kLengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  if (d > kLengths[m - 1] + uint32_t{m == 2 && leap}) return false;
  *out = days_in_calendar(y, m, d);
  return true;
}
// Writes exactly 10 characters "YYYY-MM-DD" (no terminator). `day` must be in the calendar.
void format_iso_date(Day day, char out[10]) noexcept;

// Each returns false (and leaves *out alone) when the result leaves the calendar.
bool add_days(Day from, int64_t days, Day* out) noexcept;
// D + N months keeps the day of the month and clamps to the target month's last day.
bool add_months(Day from, int64_t months, Day* out) noexcept;

// 0 = Monday .. 6 = Sunday.
int weekday(Day day) noexcept;

// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm).
Day easter_sunday(int32_t year) noexcept;

// Danish public holidays (helligdage) as the spec lists them; store bededag only up to 2023.
bool is_danish_public_holiday(Day day) noexcept;
// Monday to Friday and not a public holiday.
bool is_working_day(Day day) noexcept;

// The k-th working day strictly after (or before) `from`, k >= 1; k == 0 gives `from` itself.
// False when the walk leaves the calendar.
bool working_days_after(Day from, int64_t k, Day* out) noexcept;
bool working_days_before(Day from, int64_t k, Day* out) noexcept;

}  // namespace agr
