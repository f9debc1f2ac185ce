// The runtime helpers of native code and the layout it reads inline. The helper bodies are
// copies of runtime/vm.cpp's static helpers and opcode cases (kept in step by hand: the
// differential tests in jit_test.cpp compare the two tiers on every bundled agreement).
#include <cstring>
#include <limits>
#include <vector>

#include "calendar.h"
#include "jit_internal.h"

namespace {

using agr::AgreementIndex;
using agr::CourseState;
using agr::Day;
using agr::Program;

constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();

bool in_calendar(int64_t day) { return day >= agr::kFirstDay && day <= agr::kLastDay; }

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

int64_t agr_jit_count(const Program* p, const CourseState* s, uint32_t set) {
  int64_t n = 0;
  for (uint32_t service : p->sets[set]) n += s->count[service];
  return n;
}

int64_t agr_jit_count_in(const AgreementIndex* index, const CourseState* s, uint32_t setflag, int64_t low,
                         int64_t high) {
  const uint32_t set = setflag & 0xffffff, flag = setflag >> 24;
  const uint64_t mask = flag == 0 ? 0 : uint64_t(1) << (flag - 1);
  int64_t n = 0;
  for (const auto& a : s->accepted) {
    if (a.date < low || a.date > high || (a.flags & mask) != mask) continue;
    n += index->in_set(set, a.service);
  }
  return n;
}

int64_t agr_jit_first_date(const Program* p, const CourseState* s, uint32_t set) {
  int64_t best = kAbsent;
  for (uint32_t service : p->sets[set])
    if (s->count[service] && (best == kAbsent || s->first[service] < best)) best = s->first[service];
  return best;
}

int64_t agr_jit_last_date(const Program* p, const CourseState* s, uint32_t set) {
  int64_t best = kAbsent;
  for (uint32_t service : p->sets[set])
    if (s->count[service] && (best == kAbsent || s->last[service] > best)) best = s->last[service];
  return best;
}

int64_t agr_jit_clinic_of_last(const Program* p, const CourseState* s, uint32_t set) {
  int64_t seq = -1, clinic = kAbsent;
  for (uint32_t service : p->sets[set])
    if (s->count[service] && int64_t(s->last_seq[service]) > seq) {
      seq = s->last_seq[service];
      clinic = s->last_clinic[service];
    }
  return clinic;
}

// LBP-3 and its kind: may the event stand beside every consultation already accepted today?
int64_t agr_jit_combinable(const Program* program, const CourseState* state) {
  const Program& p = *program;
  const CourseState& s = *state;
  const uint32_t x = static_cast<uint32_t>(s.service);
  if (p.services[x].supplement) return 1;
  const size_t n = p.services.size();
  if (p.allowed_pairs.size() != n * n) return s.today.empty();
  auto allowed = [&](uint32_t a, uint32_t b) { return p.allowed_pairs[size_t(a) * n + b] != 0; };
  auto today_has = [&](uint32_t service) {
    for (uint32_t t : s.today)
      if (t == service) return true;
    return false;
  };
  for (uint32_t y : s.today) {
    if (allowed(x, y)) continue;
    bool by_alias = false;
    for (const auto& alias : p.aliases)
      if (alias.alias == y && today_has(alias.condition) && allowed(x, alias.target)) {
        by_alias = true;
        break;
      }
    if (!by_alias) return 0;
  }
  return 1;
}

int64_t agr_jit_add_days(int64_t from, int64_t days) {
  Day out;
  if (!in_calendar(from) || !agr::add_days(static_cast<Day>(from), days, &out)) return kAbsent;
  return out;
}

int64_t agr_jit_add_months(int64_t from, int64_t months) {
  Day out;
  if (!in_calendar(from) || !agr::add_months(static_cast<Day>(from), months, &out)) return kAbsent;
  return out;
}

int64_t agr_jit_add_working_days(int64_t from, int64_t k) {
  Day out;
  const bool ok = in_calendar(from) && (k >= 0 ? agr::working_days_after(static_cast<Day>(from), k, &out)
                                               : agr::working_days_before(static_cast<Day>(from), -k, &out));
  return ok ? out : kAbsent;
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
  std::string s = "agr-jit-4;";  // bump when the lowering or the helper ABI changes
  for (size_t v : {l.date, l.clinic, l.flags, l.started, l.start, l.ended, l.end, l.has_referral, l.referral,
                   l.count, l.first, l.last, l.last_clinic, l.last_seq, l.due_earliest, l.due_target, l.due_latest,
                   l.due_has_latest, sizeof(CourseState), sizeof(DueOutput)})
    s += std::to_string(v) + ",";
  s += l.vector_data_first ? "v1" : "v0";
  return s;
}

const HelperSymbol kHelpers[] = {
    {"agr_jit_count", reinterpret_cast<const void*>(&agr_jit_count)},
    {"agr_jit_count_in", reinterpret_cast<const void*>(&agr_jit_count_in)},
    {"agr_jit_first_date", reinterpret_cast<const void*>(&agr_jit_first_date)},
    {"agr_jit_last_date", reinterpret_cast<const void*>(&agr_jit_last_date)},
    {"agr_jit_clinic_of_last", reinterpret_cast<const void*>(&agr_jit_clinic_of_last)},
    {"agr_jit_combinable", reinterpret_cast<const void*>(&agr_jit_combinable)},
    {"agr_jit_add_days", reinterpret_cast<const void*>(&agr_jit_add_days)},
    {"agr_jit_add_months", reinterpret_cast<const void*>(&agr_jit_add_months)},
    {"agr_jit_add_working_days", reinterpret_cast<const void*>(&agr_jit_add_working_days)},
};
const size_t kHelperCount = sizeof(kHelpers) / sizeof(kHelpers[0]);

}  // namespace agr::jit
