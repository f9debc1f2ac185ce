// What a traced run (trace.h) of a rule or due item did, read through the program's debug table
// (Program::debug): how each clause came out, which clause decided, and the values it looked at.
// agr run --explain and agr explain show it for a violation or a warning; agr test --coverage
// adds up the clause outcomes over the suites.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "evaluate.h"
#include "trace.h"

namespace agr {

// How one clause came out in one run.
enum class ClauseOutcome : uint8_t {
  NotReached,  // an earlier clause decided, or the run stopped before it
  Held,        // `require`: true; `reject if`/`warn if`: false; `when`: true (the rule applies);
               // a due item's date: computed
  Failed,      // `require`: false; `reject if`/`warn if`: true: the rule is broken here
  NotApplied,  // `when` false: the rule does not apply (a due item is not due)
  Skipped,     // a value it needs is absent, so it was not evaluated
};
const char* clause_outcome_name(ClauseOutcome outcome);

struct FunctionRun {
  uint32_t function = 0;
  RunResult result = RunResult::Hold;
  std::vector<ClauseOutcome> clauses;  // per clause of Program::debug[function]
  // The values the run noted: (index into FunctionDebug::values, r[a] after its instruction).
  std::vector<std::pair<uint32_t, int64_t>> values;
  int decided = -1;  // the clause that broke the rule, or whose `when` let it go; -1: none
};

// A TraceSink that turns each traced run into a FunctionRun and hands it to `on_run`. Needs a
// program with a debug table (Program::debug not empty).
class RunWatcher : public TraceSink {
 public:
  explicit RunWatcher(const Program& program);
  std::function<void(const FunctionRun&)> on_run;

  void enter(uint32_t function, const CourseState& state) override;
  void before(uint32_t pc) override;
  void after(uint32_t pc, int64_t value) override;
  void leave(RunResult result) override;

 private:
  const Program& program_;
  std::vector<uint32_t> values_at_;     // per pc + 1: where its notes start in values_by_pc_
  std::vector<uint32_t> values_by_pc_;  // value indexes, grouped by pc
  std::vector<uint32_t> path_;          // the pcs of this run, in order
  FunctionRun run_;
};

// The clause that decided a run and the values it looked at, as the members of a JSON object:
// `"clause":"require ...","line":N,"values":[{"expr":"count(0266)","value":6},...]`. Dates are
// "YYYY-MM-DD", clinics their names (null when none is named), absent values null.
std::string explanation_json(const Program& program, const PreparedHistory& history, const FunctionRun& run);

// The same for people, one value a line, each line starting with `indent`.
std::string explanation_text(const Program& program, const PreparedHistory& history, const FunctionRun& run,
                             const std::string& indent);

// Evaluates `history` on the traced VM, keeping the runs that broke a rule or gave a warning, in
// the order of verdict.violations and verdict.warnings (the agreement's own native code, if any,
// runs untraced: what it broke gets an empty FunctionRun). False with verdict->error set as
// evaluate_prepared.
struct Explained {
  std::vector<FunctionRun> violations, warnings;
};
bool evaluate_explained(const Agreement& agreement, const PreparedHistory& history, std::optional<Day> as_of,
                        CourseState& state, CourseVerdict* verdict, Explained* explained);

}  // namespace agr
