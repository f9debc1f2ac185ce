// The calendar of the agreements (spec: "Common definitions"). No exceptions, no allocation.
#include "calendar.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace agr {
namespace {

constexpr int64_t floor_div(int64_t a, int64_t b) noexcept {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr int64_t floor_mod(int64_t a, int64_t b) noexcept { return a - floor_div(a, b) * b; }

constexpr bool in_calendar(int64_t day) noexcept { return day >= kFirstDay && day <= kLastDay; }

constexpr bool leap(int64_t y) noexcept { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr uint32_t month_length(int64_t y, uint32_t m) noexcept {
  constexpr uint8_t kLengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return (m == 2 && leap(y)) ? 29u : kLengths[m - 1];
}

// Easter Sunday as days after 21 March of the same year (1..35: 22 March .. 25 April).
// Anonymous Gregorian algorithm (Meeus/Jones/Butcher), floor arithmetic so that any year works.
constexpr int easter_offset(int64_t year) noexcept {
  const int64_t a = floor_mod(year, 19);
  const int64_t b = floor_div(year, 100);
  const int64_t c = floor_mod(year, 100);
  const int64_t d = floor_div(b, 4);
  const int64_t e = floor_mod(b, 4);
  const int64_t f = floor_div(b + 8, 25);
  const int64_t g = floor_div(b - f + 1, 3);
  const int64_t h = floor_mod(19 * a + b - d - g + 15, 30);
  const int64_t i = c / 4;
  const int64_t k = c % 4;
  const int64_t l = floor_mod(32 + 2 * e + 2 * i - h - k, 7);
  const int64_t m = (a + 11 * h + 22 * l) / 451;
  const int64_t n = h + l - 7 * m + 114;
  const int64_t month = n / 31;            // 3 or 4
  const int64_t day = n % 31 + 1;          // 1..31
  return static_cast<int>(month == 3 ? day - 21 : day + 10);
}

// Easter offsets for every year of the calendar, computed at compile time (10 KB, read-only, so
// thread-safe without any initialisation).
constexpr int32_t kTableFirstYear = 1;
constexpr int32_t kTableLastYear = 9999;
constexpr auto kEasterOffsets = [] {
  std::array<uint8_t, kTableLastYear - kTableFirstYear + 1> t{};
  for (int32_t y = kTableFirstYear; y <= kTableLastYear; ++y) {
    t[static_cast<size_t>(y - kTableFirstYear)] = static_cast<uint8_t>(easter_offset(y));
  }
  return t;
}();

static_assert(kEasterOffsets[2025 - kTableFirstYear] == 30);  // 2025-04-20
static_assert(kEasterOffsets[2024 - kTableFirstYear] == 10);  // 2024-03-31

inline int easter_offset_fast(int64_t year) noexcept {
  if (year >= kTableFirstYear && year <= kTableLastYear) {
    return kEasterOffsets[static_cast<size_t>(year - kTableFirstYear)];
  }
  return easter_offset(year);
}

// days_from_civil in 64-bit arithmetic, for any year an int64 can hold without overflow here.
constexpr int64_t days_from_civil64(int64_t y, uint32_t m, uint32_t d) noexcept {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil64 {
  int64_t year;
  uint32_t month;
  uint32_t day;
};

constexpr Civil64 civil64(int64_t z) noexcept {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;                                    // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                  // [0, 11]
  const uint32_t d = static_cast<uint32_t>(doy - (153 * mp + 2) / 5 + 1);  // [1, 31]
  const uint32_t m = static_cast<uint32_t>(mp < 10 ? mp + 3 : mp - 9);     // [1, 12]
  return Civil64{y + (m <= 2), m, d};
}

// Index of a date counted from 21 March (0 = 21 March), for dates 1 March .. 30 June only.
constexpr int offset_from_march21(uint32_t month, uint32_t day) noexcept {
  switch (month) {
    case 3: return static_cast<int>(day) - 21;
    case 4: return static_cast<int>(day) + 10;
    case 5: return static_cast<int>(day) + 40;
    case 6: return static_cast<int>(day) + 71;
    default: return -1000;
  }
}

constexpr bool is_weekend(int64_t day) noexcept { return floor_mod(day + 3, 7) >= 5; }

// Mon..Fri days in [a, b] (a <= b).
int64_t weekdays_in(int64_t a, int64_t b) noexcept {
  const int64_t n = b - a + 1;
  int64_t count = n / 7 * 5;
  int64_t w = floor_mod(a + 3, 7);  // weekday of a
  for (int64_t r = n % 7; r > 0; --r, w = (w + 1) % 7) {
    if (w < 5) ++count;
  }
  return count;
}

// Working days in [a, b], a <= b, both in the same year `year`.
int64_t working_days_in(int64_t year, int64_t a, int64_t b) noexcept {
  int64_t count = weekdays_in(a, b);
  const int64_t jan1 = days_from_civil64(year, 1, 1);
  const int64_t easter = days_from_civil64(year, 3, 21) + easter_offset_fast(year);
  int64_t holidays[11];
  int n = 0;
  holidays[n++] = jan1;
  holidays[n++] = easter - 3;
  holidays[n++] = easter - 2;
  holidays[n++] = easter;
  holidays[n++] = easter + 1;
  if (year <= 2023) holidays[n++] = easter + 26;
  holidays[n++] = easter + 39;
  holidays[n++] = easter + 49;
  holidays[n++] = easter + 50;
  holidays[n++] = days_from_civil64(year, 12, 25);
  holidays[n++] = days_from_civil64(year, 12, 26);
  for (int i = 0; i < n; ++i) {
    if (holidays[i] >= a && holidays[i] <= b && !is_weekend(holidays[i])) --count;
  }
  return count;
}

// Above this many remaining steps the walk jumps whole years at a time.
constexpr int64_t kYearJumpThreshold = 400;

}  // namespace

CivilDate civil_from_days(Day z) noexcept {
  if (in_calendar(z)) return civil_in_calendar(z);
  const Civil64 c = civil64(z);
  return CivilDate{static_cast<int32_t>(c.year), c.month, c.day};
}

bool is_leap_year(int32_t year) noexcept { return leap(year); }

uint32_t days_in_month(int32_t year, uint32_t month) noexcept { return month_length(year, month); }

void format_iso_date(Day day, char out[10]) noexcept {
  const CivilDate c = civil_from_days(day);
  // Out-of-calendar input is a caller error; keep it memory-safe by reducing the year to 4 digits.
  const uint32_t y = static_cast<uint32_t>(floor_mod(c.year, 10000));
  out[0] = static_cast<char>('0' + y / 1000);
  out[1] = static_cast<char>('0' + y / 100 % 10);
  out[2] = static_cast<char>('0' + y / 10 % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + c.month / 10);
  out[6] = static_cast<char>('0' + c.month % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + c.day / 10);
  out[9] = static_cast<char>('0' + c.day % 10);
}

bool add_days(Day from, int64_t days, Day* out) noexcept {
  // |from| < 2^31, so any |days| beyond 2^40 lands outside the calendar; this also keeps the sum
  // below from overflowing.
  constexpr int64_t kLimit = int64_t{1} << 40;
  if (days > kLimit || days < -kLimit) return false;
  const int64_t r = static_cast<int64_t>(from) + days;
  if (!in_calendar(r)) return false;
  *out = static_cast<Day>(r);
  return true;
}

bool add_months(Day from, int64_t months, Day* out) noexcept {
  // The year of any Day is below 2^23 in magnitude; months beyond 2^40 cannot land in the calendar.
  constexpr int64_t kLimit = int64_t{1} << 40;
  if (months > kLimit || months < -kLimit) return false;
  if (in_calendar(from)) {  // every date a rule moves: the same result in 32-bit arithmetic
    const CivilDate c = civil_in_calendar(from);
    const int64_t total = int64_t{c.year} * 12 + static_cast<int64_t>(c.month - 1) + months;
    if (total < 12 || total >= 10000 * 12) return false;  // outside the years 1 .. 9999
    const uint32_t y = static_cast<uint32_t>(total) / 12, m = static_cast<uint32_t>(total) % 12 + 1;
    const uint32_t last = month_length(y, m);
    *out = days_in_calendar(y, m, c.day < last ? c.day : last);
    return true;
  }
  const Civil64 c = civil64(from);
  const int64_t total = c.year * 12 + static_cast<int64_t>(c.month - 1) + months;
  const int64_t y = floor_div(total, 12);
  const uint32_t m = static_cast<uint32_t>(floor_mod(total, 12) + 1);
  if (y < 1 || y > 9999) return false;
  const uint32_t last = month_length(y, m);
  const uint32_t d = c.day < last ? c.day : last;
  const int64_t r = days_from_civil64(y, m, d);
  if (!in_calendar(r)) return false;
  *out = static_cast<Day>(r);
  return true;
}

int weekday(Day day) noexcept {
  // 1970-01-01 was a Thursday (3).
  return static_cast<int>(floor_mod(static_cast<int64_t>(day) + 3, 7));
}

Day easter_sunday(int32_t year) noexcept {
  return static_cast<Day>(days_from_civil64(year, 3, 21) + easter_offset_fast(year));
}

bool is_danish_public_holiday(Day day) noexcept {
  const CivilDate c = civil_from_days(day);
  if (c.month == 1) return c.day == 1;
  if (c.month == 12) return c.day == 25 || c.day == 26;
  // Easter - 3 is at earliest 19 March, Easter + 50 at latest 14 June.
  if (c.month < 3 || c.month > 6) return false;
  const int diff = offset_from_march21(c.month, c.day) - easter_offset_fast(c.year);
  switch (diff) {
    case -3:  // skærtorsdag
    case -2:  // langfredag
    case 0:   // påskedag
    case 1:   // 2. påskedag
    case 39:  // Kristi himmelfartsdag
    case 49:  // pinsedag
    case 50:  // 2. pinsedag
      return true;
    case 26:  // store bededag, abolished from 2024
      return c.year <= 2023;
    default:
      return false;
  }
}

bool is_working_day(Day day) noexcept {
  return !is_weekend(day) && !is_danish_public_holiday(day);
}

bool working_days_after(Day from, int64_t k, Day* out) noexcept {
  if (k < 0) {
    if (k < -(int64_t{kLastDay} - kFirstDay)) return false;
    return working_days_before(from, -k, out);
  }
  if (!in_calendar(from)) return false;
  if (k > int64_t{kLastDay} - kFirstDay) return false;
  int64_t cur = from;
  int64_t left = k;
  // A year has fewer working days than the threshold, so a jump never overshoots.
  while (left > kYearJumpThreshold) {
    const int64_t next = cur + 1;
    const int64_t year = civil64(next).year;
    const int64_t year_end = days_from_civil64(year, 12, 31);
    if (year_end >= kLastDay) break;
    left -= working_days_in(year, next, year_end);
    cur = year_end;
  }
  while (left > 0) {
    if (cur >= kLastDay) return false;
    ++cur;
    if (is_working_day(static_cast<Day>(cur))) --left;
  }
  *out = static_cast<Day>(cur);
  return true;
}

bool working_days_before(Day from, int64_t k, Day* out) noexcept {
  if (k < 0) {
    if (k < -(int64_t{kLastDay} - kFirstDay)) return false;
    return working_days_after(from, -k, out);
  }
  if (!in_calendar(from)) return false;
  if (k > int64_t{kLastDay} - kFirstDay) return false;
  int64_t cur = from;
  int64_t left = k;
  while (left > kYearJumpThreshold) {
    const int64_t prev = cur - 1;
    const int64_t year = civil64(prev).year;
    const int64_t year_start = days_from_civil64(year, 1, 1);
    if (year_start <= kFirstDay) break;
    left -= working_days_in(year, year_start, prev);
    cur = year_start;
  }
  while (left > 0) {
    if (cur <= kFirstDay) return false;
    --cur;
    if (is_working_day(static_cast<Day>(cur))) --left;
  }
  *out = static_cast<Day>(cur);
  return true;
}

}  // namespace agr
