// What a rule may ask of the course accepted so far, and how a date moves: one definition shared
// by the VM (vm_loop.inc) and the JIT's helpers (jit/helpers.cpp), so the tiers cannot drift.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "calendar.h"
#include "evaluate.h"

namespace agr {

// The value of a register that holds nothing (no course start yet, ...), and of a date moved
// out of the calendar.
inline constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();

inline bool in_calendar(int64_t day) { return day >= kFirstDay && day <= kLastDay; }

// Accepted events with a code in `set`.
inline int64_t count_in_set(const Program& p, const CourseState& s, uint32_t set) {
  int64_t n = 0;
  for (uint32_t service : p.sets[set]) n += s.count[service];
  return n;
}

// Accepted events of count slot `slot` (AgreementIndex::slot_flag) dated low .. high: two binary
// searches in the slot's accepted dates (sorted, since events are accepted in date order),
// whatever the history's length or shape.
inline int64_t count_in_slot(const CourseState& s, uint32_t slot, int64_t low, int64_t high) {
  if (slot == AgreementIndex::kNoSlot || low > high) return 0;  // no slot: no instruction counts it
  const std::vector<Day>& dates = s.slot_dates[slot];
  const auto from = std::lower_bound(dates.begin(), dates.end(), low);
  return std::upper_bound(from, dates.end(), high) - from;
}

// Accepted events in set (setflag & 0xffffff) dated low .. high, carrying flag (setflag >> 24) - 1
// when that is not 0.
inline int64_t count_in_period(const AgreementIndex& index, const CourseState& s, uint32_t setflag, int64_t low,
                               int64_t high) {
  return count_in_slot(s, index.slot(setflag), low, high);
}

inline int64_t first_date_in_set(const Program& p, const CourseState& s, uint32_t set) {
  int64_t best = kAbsent;
  for (uint32_t service : p.sets[set])
    if (s.count[service] && (best == kAbsent || s.first[service] < best)) best = s.first[service];
  return best;
}

inline int64_t last_date_in_set(const Program& p, const CourseState& s, uint32_t set) {
  int64_t best = kAbsent;
  for (uint32_t service : p.sets[set])
    if (s.count[service] && (best == kAbsent || s.last[service] > best)) best = s.last[service];
  return best;
}

// The clinic of the latest accepted event (in evaluation order) with a code in `set`.
inline int64_t clinic_of_last_in_set(const Program& p, const CourseState& s, uint32_t set) {
  int64_t seq = -1, clinic = kAbsent;
  for (uint32_t service : p.sets[set])
    if (s.count[service] && int64_t(s.last_seq[service]) > seq) {
      seq = s.last_seq[service];
      clinic = s.last_clinic[service];
    }
  return clinic;
}

// LBP-3 and its kind: may the event stand beside every consultation already accepted today?
// A pair is allowed when the same-day table lists it, or by an alias: on a day with an accepted
// `condition`, an accepted `alias` counts as `target` for the other services of the day. An alias
// never lets a code stand beside itself: two events of one code need the pair A + A listed.
// The day's accepted services are kept as a set (CourseState::today_services), so this costs at
// most (services) x (aliases), however many events the day has.
// The walk over the day's services (evaluate.cpp), for an event on the day of the latest
// accepted event.
bool combinable_beside_today(const Program& p, const CourseState& s);
inline bool combinable_today(const Program& p, const CourseState& s) {
  // Nothing accepted on the event's day yet (its first event, mostly): nothing to stand beside.
  // Otherwise the day's services are walked, out of line.
  return s.today_date != s.date || combinable_beside_today(p, s);
}

// Date moves; kAbsent when `from` is not a date of the calendar or the result leaves it.
inline int64_t move_days(int64_t from, int64_t days) {
  Day out;
  return in_calendar(from) && add_days(static_cast<Day>(from), days, &out) ? out : kAbsent;
}

inline int64_t move_months(int64_t from, int64_t months) {
  Day out;
  return in_calendar(from) && add_months(static_cast<Day>(from), months, &out) ? out : kAbsent;
}

// The |k|-th working day after (k > 0) or before (k < 0) `from`.
inline int64_t move_working_days(int64_t from, int64_t k) {
  Day out;
  const bool ok = in_calendar(from) && (k >= 0 ? working_days_after(static_cast<Day>(from), k, &out)
                                               : working_days_before(static_cast<Day>(from), -k, &out));
  return ok ? out : kAbsent;
}

// A date, integer or boolean fact of the history (FACT), or absent.
inline int64_t fact_value(const CourseState& s, uint32_t fact) {
  const FactValue& f = s.facts[fact];
  return f.present ? f.number : kAbsent;
}

// Whether the code or string fact (factcodes >> 24) is one of the code list's (factcodes &
// 0xffffff) exact codes or starts with one of its prefixes; absent when the history has no value.
inline int64_t fact_matches(const Program& p, const CourseState& s, uint32_t factcodes) {
  const FactValue& f = s.facts[factcodes >> 24];
  if (!f.present) return kAbsent;
  const TextPatterns& list = p.text_patterns[factcodes & 0xffffff];
  for (const std::string& code : list.exact)
    if (f.text == code) return 1;
  for (const std::string& prefix : list.prefixes)
    if (f.text.substr(0, prefix.size()) == prefix) return 1;
  return 0;
}

// The calendar as authors speak of it. Each gives kAbsent for a date outside the calendar (which
// only forged bytecode can pass) and for a result that leaves it: the evaluation stops there.

inline int64_t working_day(int64_t day) {
  return in_calendar(day) ? int64_t(is_working_day(static_cast<Day>(day))) : kAbsent;
}

// Whether `day` falls on one of the days of the week in `mask` (bit 0 Monday .. bit 6 Sunday).
inline int64_t weekday_in(int64_t day, int64_t mask) {
  return in_calendar(day) ? (mask >> weekday(static_cast<Day>(day))) & 1 : kAbsent;
}

// The first (or last) day of the calendar week (period 0: Monday to Sunday), month (1) or year (2)
// that holds `day`.
inline int64_t period_bound(int64_t day, int64_t period, bool last) {
  if (!in_calendar(day)) return kAbsent;
  const Day d = static_cast<Day>(day);
  int64_t out;
  if (period == 0) {
    out = day - weekday(d) + (last ? 6 : 0);
  } else {
    const CivilDate c = civil_from_days(d);
    const uint32_t month = period == 1 ? c.month : (last ? 12 : 1);
    out = days_from_civil(c.year, month, last ? days_in_month(c.year, month) : 1);
  }
  return in_calendar(out) ? out : kAbsent;
}

// Whole years from `from` to `to`: the most N with from + N years (month clamping) <= to. A birth
// date of 29 February turns a year older on 28 February in a year that has no 29th.
inline int64_t years_between(int64_t from, int64_t to) {
  if (!in_calendar(from) || !in_calendar(to)) return kAbsent;
  const CivilDate f = civil_from_days(static_cast<Day>(from)), t = civil_from_days(static_cast<Day>(to));
  int64_t years = int64_t(t.year) - f.year;
  // This year's anniversary of `from`, clamped to the month's length.
  const uint32_t anniversary_day = std::min(f.day, days_in_month(t.year, f.month));
  if (t.month < f.month || (t.month == f.month && t.day < anniversary_day)) --years;
  return years;
}

}  // namespace agr
