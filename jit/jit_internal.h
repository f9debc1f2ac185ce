// Internals of the JIT tier shared by its sources: the runtime helpers native code calls, and
// the memory layout of the runtime structures it reads inline. No LLVM here either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "evaluate.h"

namespace agr::jit {

// Where native code finds things, measured by the C++ compiler (offsetof), never hand-copied.
struct Layout {
  // CourseState scalars.
  size_t date, clinic, flags, started, start, ended, end, has_referral, referral, today_date;
  // CourseState per-service vectors: the offset of each std::vector object. Native code reads
  // their element pointer inline only when `vector_data_first` (the vector's first word is its
  // data pointer, checked at run time); otherwise it calls the helpers.
  size_t count, first, last, last_clinic, last_seq;
  bool vector_data_first;
  // DueOutput.
  size_t due_earliest, due_target, due_latest, due_has_latest;
};

const Layout& layout();

// A string that changes whenever anything native code depends on changes (layout, the helper
// ABI, the lowering): part of every cache key, so stale objects are never reused.
std::string code_signature();

// The runtime helpers, by name and address, for the JIT's symbol table (absoluteSymbols).
struct HelperSymbol {
  const char* name;
  const void* address;
};
extern const HelperSymbol kHelpers[];
extern const size_t kHelperCount;

}  // namespace agr::jit

// The helpers themselves: the heavier opcodes, with exactly the semantics of runtime/vm.cpp.
// Dates come back as int64; kAbsent (INT64_MIN) means "absent" for FIRST_DATE & co. and
// "left the calendar" for the date arithmetic.
extern "C" {
int64_t agr_jit_count(const agr::Program* program, const agr::CourseState* state, uint32_t set);
int64_t agr_jit_count_in_slot(const agr::CourseState* state, uint32_t slot, int64_t low, int64_t high);
int64_t agr_jit_first_date(const agr::Program* program, const agr::CourseState* state, uint32_t set);
int64_t agr_jit_last_date(const agr::Program* program, const agr::CourseState* state, uint32_t set);
int64_t agr_jit_clinic_of_last(const agr::Program* program, const agr::CourseState* state, uint32_t set);
int64_t agr_jit_combinable(const agr::Program* program, const agr::CourseState* state);
int64_t agr_jit_add_months(int64_t from, int64_t months);
int64_t agr_jit_add_working_days(int64_t from, int64_t k);
int64_t agr_jit_working_day(int64_t day);
int64_t agr_jit_weekday_in(int64_t day, int64_t mask);
int64_t agr_jit_period_bound(int64_t day, int64_t period, int64_t last);
int64_t agr_jit_years_between(int64_t from, int64_t to);
int64_t agr_jit_fact(const agr::CourseState* state, uint32_t fact);
int64_t agr_jit_fact_matches(const agr::Program* program, const agr::CourseState* state, uint32_t factcodes);
}
