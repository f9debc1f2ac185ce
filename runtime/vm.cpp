// The bytecode interpreter. The dispatch loop is written once with macros and compiles either as
// a `switch` or, where the compiler supports it and AGR_VM_SWITCH is not defined, as computed goto
// (Lua's vmdispatch/vmcase).
#include <limits>

#include "evaluate.h"

namespace agr {
namespace {

constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();

bool in_calendar(int64_t day) { return day >= kFirstDay && day <= kLastDay; }

int64_t count_set(const Program& p, const CourseState& s, uint32_t set) {
  int64_t n = 0;
  for (uint32_t service : p.sets[set]) n += s.count[service];
  return n;
}

int64_t count_in(const AgreementIndex& index, const CourseState& s, uint32_t setflag, int64_t low, int64_t high) {
  const uint32_t set = setflag & 0xffffff, flag = setflag >> 24;
  const uint64_t mask = flag == 0 ? 0 : uint64_t(1) << (flag - 1);
  int64_t n = 0;
  for (const auto& a : s.accepted) {
    if (a.date < low || a.date > high || (a.flags & mask) != mask) continue;
    n += index.in_set(set, a.service);
  }
  return n;
}

// LBP-3 and its kind: may the event stand beside every consultation already accepted today?
bool combinable(const Program& p, const CourseState& s) {
  const uint32_t x = static_cast<uint32_t>(s.service);
  if (p.services[x].supplement) return true;
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
    if (!by_alias) return false;
  }
  return true;
}

}  // namespace

RunResult run_function(const Program& p, const AgreementIndex& index, uint32_t function, const CourseState& s,
                       DueOutput* due) {
  const Function& fn = p.functions[function];
  int64_t r[256];
  for (size_t i = 0; i < fn.registers.size(); ++i) r[i] = 0;
  const Instruction* const base = p.code.data();
  const Instruction* ip = base + fn.code_begin;
  const Instruction* ins;

#if defined(__GNUC__) && !defined(AGR_VM_SWITCH)
  static const void* const kLabels[] = {
#define OP(name, a, b, c, k, optional, synopsis) &&op_##name,
#include "opcodes.def"
#undef OP
  };
#define DISPATCH() \
  ins = ip++;      \
  goto* kLabels[static_cast<size_t>(ins->op)]
#define CASE(name) op_##name:
#define LOOP() DISPATCH();
#define END_LOOP()
#else
#define DISPATCH() continue
#define CASE(name) case Opcode::name:
#define LOOP()    \
  for (;;) {      \
    ins = ip++;   \
    switch (ins->op) {
#define END_LOOP() \
  }                \
  }
#endif

  LOOP()
  CASE(LOAD_INT) { r[ins->a] = ins->k; DISPATCH(); }
  CASE(LOAD_DATE) { r[ins->a] = ins->k; DISPATCH(); }
  CASE(MOVE) { r[ins->a] = r[ins->b]; DISPATCH(); }
  CASE(EVENT_DATE) { r[ins->a] = s.date; DISPATCH(); }
  CASE(EVENT_CLINIC) { r[ins->a] = s.clinic; DISPATCH(); }
  CASE(EVENT_FLAGGED) { r[ins->a] = (s.flags >> ins->k) & 1; DISPATCH(); }
  CASE(REFERRAL) { r[ins->a] = s.has_referral ? s.referral : kAbsent; DISPATCH(); }
  CASE(COURSE_START) { r[ins->a] = s.started ? s.start : kAbsent; DISPATCH(); }
  CASE(COURSE_END) { r[ins->a] = s.ended ? s.end : kAbsent; DISPATCH(); }
  CASE(COURSE_STARTED) { r[ins->a] = s.started; DISPATCH(); }
  CASE(COURSE_ENDED) { r[ins->a] = s.ended; DISPATCH(); }
  CASE(COUNT) { r[ins->a] = count_set(p, s, static_cast<uint32_t>(ins->k)); DISPATCH(); }
  CASE(COUNT_FLAGGED) {
    r[ins->a] = count_in(index, s, static_cast<uint32_t>(ins->k), kFirstDay, kLastDay);
    DISPATCH();
  }
  CASE(COUNT_IN) {
    r[ins->a] = count_in(index, s, static_cast<uint32_t>(ins->k), r[ins->b], r[ins->c]);
    DISPATCH();
  }
  CASE(FIRST_DATE) {
    int64_t best = kAbsent;
    for (uint32_t service : p.sets[static_cast<uint32_t>(ins->k)])
      if (s.count[service] && (best == kAbsent || s.first[service] < best)) best = s.first[service];
    r[ins->a] = best;
    DISPATCH();
  }
  CASE(LAST_DATE) {
    int64_t best = kAbsent;
    for (uint32_t service : p.sets[static_cast<uint32_t>(ins->k)])
      if (s.count[service] && (best == kAbsent || s.last[service] > best)) best = s.last[service];
    r[ins->a] = best;
    DISPATCH();
  }
  CASE(CLINIC_OF_LAST) {
    int64_t seq = -1, clinic = kAbsent;
    for (uint32_t service : p.sets[static_cast<uint32_t>(ins->k)])
      if (s.count[service] && int64_t(s.last_seq[service]) > seq) {
        seq = s.last_seq[service];
        clinic = s.last_clinic[service];
      }
    r[ins->a] = clinic;
    DISPATCH();
  }
  CASE(COMBINABLE) { r[ins->a] = combinable(p, s); DISPATCH(); }
  CASE(ADD) { r[ins->a] = r[ins->b] + r[ins->c]; DISPATCH(); }
  CASE(SUB) { r[ins->a] = r[ins->b] - r[ins->c]; DISPATCH(); }
  CASE(ADD_DAYS) {
    Day out;
    if (!in_calendar(r[ins->b]) || !add_days(static_cast<Day>(r[ins->b]), ins->k, &out))
      return RunResult::OutOfCalendar;
    r[ins->a] = out;
    DISPATCH();
  }
  CASE(ADD_MONTHS) {
    Day out;
    if (!in_calendar(r[ins->b]) || !add_months(static_cast<Day>(r[ins->b]), ins->k, &out))
      return RunResult::OutOfCalendar;
    r[ins->a] = out;
    DISPATCH();
  }
  CASE(ADD_WORKING_DAYS) {
    Day out;
    const bool ok = in_calendar(r[ins->b]) &&
                    (ins->k >= 0 ? working_days_after(static_cast<Day>(r[ins->b]), ins->k, &out)
                                 : working_days_before(static_cast<Day>(r[ins->b]), -int64_t(ins->k), &out));
    if (!ok) return RunResult::OutOfCalendar;
    r[ins->a] = out;
    DISPATCH();
  }
  CASE(EQ) { r[ins->a] = r[ins->b] == r[ins->c]; DISPATCH(); }
  CASE(NE) { r[ins->a] = r[ins->b] != r[ins->c]; DISPATCH(); }
  CASE(LT) { r[ins->a] = r[ins->b] < r[ins->c]; DISPATCH(); }
  CASE(LE) { r[ins->a] = r[ins->b] <= r[ins->c]; DISPATCH(); }
  CASE(NOT) { r[ins->a] = !r[ins->b]; DISPATCH(); }
  CASE(AND) { r[ins->a] = r[ins->b] && r[ins->c]; DISPATCH(); }
  CASE(OR) { r[ins->a] = r[ins->b] || r[ins->c]; DISPATCH(); }
  CASE(JUMP) { ip = base + ins->k; DISPATCH(); }
  CASE(JUMP_IF_FALSE) {
    if (!r[ins->a]) ip = base + ins->k;
    DISPATCH();
  }
  CASE(JUMP_IF_NONE) {
    if (r[ins->a] == kAbsent) ip = base + ins->k;
    DISPATCH();
  }
  CASE(HOLD) { return RunResult::Hold; }
  CASE(FAIL) { return RunResult::Fail; }
  CASE(DUE) {
    if (!in_calendar(r[ins->a]) || !in_calendar(r[ins->b]) || (ins->k && !in_calendar(r[ins->c])))
      return RunResult::OutOfCalendar;
    due->earliest = static_cast<Day>(r[ins->a]);
    due->target = static_cast<Day>(r[ins->b]);
    due->has_latest = ins->k != 0;
    due->latest = due->has_latest ? static_cast<Day>(r[ins->c]) : 0;
    return RunResult::Due;
  }
  END_LOOP()
#undef DISPATCH
#undef CASE
#undef LOOP
#undef END_LOOP
  return RunResult::Hold;  // not reached: the verifier requires every function to end in a return
}

}  // namespace agr
