// The VM watched step by step, for what only people and tests need: which clause of a rule
// decided, with what values (agr run --explain, agr explain), and which clauses the suites made
// hold and fail (agr test --coverage). The loops that judge histories are not touched: the
// watched loop is a third compilation of vm_loop.inc, used only where a TraceScope asks for it.
#pragma once

#include <cstdint>

#include "evaluate.h"

namespace agr {

// What a traced run tells, in order: enter, then before/after for each instruction (the return
// has only its `before`), then leave.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void enter(uint32_t function, const CourseState& state) = 0;
  virtual void before(uint32_t pc) = 0;               // the instruction at pc is about to run
  virtual void after(uint32_t pc, int64_t value) = 0;  // it ran; its r[a] is now `value`
  virtual void leave(RunResult result) = 0;
};

// While it lives, run_function_traced on this thread tells `sink`.
class TraceScope {
 public:
  explicit TraceScope(TraceSink* sink);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  TraceSink* previous_;
};

// run_function's contract (a VmFunction for evaluate_prepared), telling the TraceScope's sink each
// step; without a TraceScope on this thread it is run_function.
RunResult run_function_traced(const Program& program, const AgreementIndex& index, uint32_t function,
                              const CourseState& state, DueOutput* due);

}  // namespace agr
