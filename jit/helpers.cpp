// The runtime helpers of native code and the layout it reads inline. Each helper is a C entry
// point to the very function the VM calls (runtime/course_queries.h), so the tiers cannot drift.
#include <cstring>
#include <vector>

#include "course_queries.h"
#include "jit_internal.h"

namespace {

using agr::CourseState;
using agr::Program;

template <typename T>
bool data_pointer_is_first_word() {
  std::vector<T> v(3);
  const T* first_word = nullptr;
  static_assert(sizeof(std::vector<T>) >= sizeof(first_word));
  std::memcpy(&first_word, static_cast<const void*>(&v), sizeof first_word);
  return first_word == v.data();
}

}  // namespace

extern "C" {

int64_t agr_jit_count(const Program* p, const CourseState* s, uint32_t set) { return agr::count_in_set(*p, *s, set); }

int64_t agr_jit_count_in_slot(const CourseState* s, uint32_t slot, int64_t low, int64_t high) {
  return agr::count_in_slot(*s, slot, low, high);
}

int64_t agr_jit_first_date(const Program* p, const CourseState* s, uint32_t set) {
  return agr::first_date_in_set(*p, *s, set);
}

int64_t agr_jit_last_date(const Program* p, const CourseState* s, uint32_t set) {
  return agr::last_date_in_set(*p, *s, set);
}

int64_t agr_jit_clinic_of_last(const Program* p, const CourseState* s, uint32_t set) {
  return agr::clinic_of_last_in_set(*p, *s, set);
}

int64_t agr_jit_combinable(const Program* p, const CourseState* s) { return agr::combinable_today(*p, *s); }

int64_t agr_jit_add_months(int64_t from, int64_t months) { return agr::move_months(from, months); }

int64_t agr_jit_add_working_days(int64_t from, int64_t k) { return agr::move_working_days(from, k); }

int64_t agr_jit_working_day(int64_t day) { return agr::working_day(day); }

int64_t agr_jit_weekday_in(int64_t day, int64_t mask) { return agr::weekday_in(day, mask); }

int64_t agr_jit_period_bound(int64_t day, int64_t period, int64_t last) {
  return agr::period_bound(day, period, last != 0);
}

int64_t agr_jit_years_between(int64_t from, int64_t to) { return agr::years_between(from, to); }

int64_t agr_jit_fact(const CourseState* s, uint32_t fact) { return agr::fact_value(*s, fact); }

int64_t agr_jit_fact_matches(const Program* p, const CourseState* s, uint32_t factcodes) {
  return agr::fact_matches(*p, *s, factcodes);
}

}  // extern "C"

namespace agr::jit {

// CourseState holds vectors, so it is not standard-layout and offsetof is only "conditionally
// supported"; GCC and Clang support it for such classes (no virtual bases here).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
const Layout& layout() {
  static const Layout kLayout = [] {
    static_assert(sizeof(Day) == 4 && sizeof(bool) == 1);
    static_assert(sizeof(CourseState::clinic) == 4 && sizeof(CourseState::flags) == 8);
    static_assert(sizeof(CourseState::count[0]) == 4 && sizeof(CourseState::first[0]) == 4 &&
                  sizeof(CourseState::last[0]) == 4 && sizeof(CourseState::last_clinic[0]) == 4 &&
                  sizeof(CourseState::last_seq[0]) == 4);
    Layout l{};
    l.date = offsetof(CourseState, date);
    l.clinic = offsetof(CourseState, clinic);
    l.flags = offsetof(CourseState, flags);
    l.started = offsetof(CourseState, started);
    l.start = offsetof(CourseState, start);
    l.ended = offsetof(CourseState, ended);
    l.end = offsetof(CourseState, end);
    l.has_referral = offsetof(CourseState, has_referral);
    l.referral = offsetof(CourseState, referral);
    l.today_date = offsetof(CourseState, today_date);
    l.count = offsetof(CourseState, count);
    l.first = offsetof(CourseState, first);
    l.last = offsetof(CourseState, last);
    l.last_clinic = offsetof(CourseState, last_clinic);
    l.last_seq = offsetof(CourseState, last_seq);
    l.vector_data_first = data_pointer_is_first_word<uint32_t>() && data_pointer_is_first_word<Day>();
    l.due_earliest = offsetof(DueOutput, earliest);
    l.due_target = offsetof(DueOutput, target);
    l.due_latest = offsetof(DueOutput, latest);
    l.due_has_latest = offsetof(DueOutput, has_latest);
    return l;
  }();
  return kLayout;
}
#pragma GCC diagnostic pop

std::string code_signature() {
  const Layout& l = layout();
  std::string s = "agr-jit-6;";  // bump when the lowering or the helper ABI changes
  for (size_t v : {l.date, l.clinic, l.flags, l.started, l.start, l.ended, l.end, l.has_referral, l.referral,
                   l.today_date, l.count, l.first, l.last, l.last_clinic, l.last_seq, l.due_earliest, l.due_target,
                   l.due_latest, l.due_has_latest, sizeof(CourseState), sizeof(DueOutput)})
    s += std::to_string(v) + ",";
  s += l.vector_data_first ? "v1" : "v0";
  return s;
}

const HelperSymbol kHelpers[] = {
    {"agr_jit_count", reinterpret_cast<const void*>(&agr_jit_count)},
    {"agr_jit_count_in_slot", reinterpret_cast<const void*>(&agr_jit_count_in_slot)},
    {"agr_jit_first_date", reinterpret_cast<const void*>(&agr_jit_first_date)},
    {"agr_jit_last_date", reinterpret_cast<const void*>(&agr_jit_last_date)},
    {"agr_jit_clinic_of_last", reinterpret_cast<const void*>(&agr_jit_clinic_of_last)},
    {"agr_jit_combinable", reinterpret_cast<const void*>(&agr_jit_combinable)},
    {"agr_jit_add_months", reinterpret_cast<const void*>(&agr_jit_add_months)},
    {"agr_jit_add_working_days", reinterpret_cast<const void*>(&agr_jit_add_working_days)},
    {"agr_jit_working_day", reinterpret_cast<const void*>(&agr_jit_working_day)},
    {"agr_jit_weekday_in", reinterpret_cast<const void*>(&agr_jit_weekday_in)},
    {"agr_jit_period_bound", reinterpret_cast<const void*>(&agr_jit_period_bound)},
    {"agr_jit_years_between", reinterpret_cast<const void*>(&agr_jit_years_between)},
    {"agr_jit_fact", reinterpret_cast<const void*>(&agr_jit_fact)},
    {"agr_jit_fact_matches", reinterpret_cast<const void*>(&agr_jit_fact_matches)},
};
const size_t kHelperCount = sizeof(kHelpers) / sizeof(kHelpers[0]);

}  // namespace agr::jit
