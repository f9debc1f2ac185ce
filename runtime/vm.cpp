// The bytecode interpreter. The dispatch loop (vm_loop.inc) is written once with macros and
// compiled twice: by `switch` and by computed goto (Lua's vmdispatch/vmcase). run_function uses
// computed goto where the compiler has it, unless AGR_VM_SWITCH is defined; bench/ measures both.
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
  auto today_has = [&](uint32_t service) {  // any accepted event today, supplements included
    for (auto it = s.accepted.rbegin(); it != s.accepted.rend() && it->date == s.date; ++it)
      if (it->service == service) return true;
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

#define VM_FUNCTION_NAME run_function_switch
#define VM_USE_GOTO 0
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_USE_GOTO

#if defined(__GNUC__)
#define VM_FUNCTION_NAME run_function_goto
#define VM_USE_GOTO 1
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_USE_GOTO
#else
RunResult run_function_goto(const Program& p, const AgreementIndex& index, uint32_t function, const CourseState& s,
                            DueOutput* due) {
  return run_function_switch(p, index, function, s, due);
}
#endif

RunResult run_function(const Program& p, const AgreementIndex& index, uint32_t function, const CourseState& s,
                       DueOutput* due) {
#if defined(AGR_VM_SWITCH)
  return run_function_switch(p, index, function, s, due);
#else
  return run_function_goto(p, index, function, s, due);
#endif
}

}  // namespace agr
