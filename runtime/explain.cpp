// Explanations and clause outcomes from traced runs: explain.h.
#include "explain.h"

#include <algorithm>

#include "course_queries.h"  // kAbsent
#include "verdict_writer.h"  // append_json_string

namespace agr {

const char* clause_outcome_name(ClauseOutcome outcome) {
  switch (outcome) {
    case ClauseOutcome::NotReached: return "not reached";
    case ClauseOutcome::Held: return "held";
    case ClauseOutcome::Failed: return "failed";
    case ClauseOutcome::NotApplied: return "did not apply";
    case ClauseOutcome::Skipped: return "skipped";
  }
  return "?";
}

RunWatcher::RunWatcher(const Program& program) : program_(program), values_at_(program.code.size() + 1, 0) {
  for (const FunctionDebug& f : program.debug)
    for (const ValueInfo& v : f.values) ++values_at_[v.pc + 1];
  for (size_t pc = 1; pc < values_at_.size(); ++pc) values_at_[pc] += values_at_[pc - 1];
  values_by_pc_.resize(values_at_.back());
  std::vector<uint32_t> next(values_at_.begin(), values_at_.end() - 1);
  for (const FunctionDebug& f : program.debug)
    for (uint32_t i = 0; i < f.values.size(); ++i) values_by_pc_[next[f.values[i].pc]++] = i;
}

void RunWatcher::enter(uint32_t function, const CourseState&) {
  run_.function = function;
  run_.values.clear();
  run_.decided = -1;
  path_.clear();
}

void RunWatcher::before(uint32_t pc) { path_.push_back(pc); }

void RunWatcher::after(uint32_t pc, int64_t value) {
  for (uint32_t i = values_at_[pc]; i < values_at_[pc + 1]; ++i) run_.values.emplace_back(values_by_pc_[i], value);
}

void RunWatcher::leave(RunResult result) {
  run_.result = result;
  const Function& fn = program_.functions[run_.function];
  static const std::vector<ClauseInfo> kNone;
  const std::vector<ClauseInfo>& clauses =
      run_.function < program_.debug.size() ? program_.debug[run_.function].clauses : kNone;
  run_.clauses.assign(clauses.size(), ClauseOutcome::NotReached);
  // Where a broken rule goes, and where a rule that holds (or an item not due) goes.
  uint32_t fail_pc = UINT32_MAX, hold_pc = UINT32_MAX;
  for (uint32_t pc = fn.code_begin; pc < fn.code_end; ++pc) {
    if (program_.code[pc].op == Opcode::FAIL) fail_pc = pc;
    if (program_.code[pc].op == Opcode::HOLD) hold_pc = pc;
  }
  size_t k = 0;  // the path runs forward only, so each clause's steps are one stretch of it
  for (size_t c = 0; c < clauses.size(); ++c) {
    const ClauseInfo& clause = clauses[c];
    while (k < path_.size() && path_[k] < clause.code_begin) ++k;
    const size_t first = k;
    while (k < path_.size() && path_[k] < clause.code_end) ++k;
    if (k == first || k == path_.size()) continue;  // not reached, or the run stopped inside it
    const uint32_t exit = path_[k];
    const bool when = clause.kind == ClauseInfo::Kind::When || clause.kind == ClauseInfo::Kind::DueWhen;
    ClauseOutcome outcome = exit == fail_pc ? ClauseOutcome::Failed : ClauseOutcome::Held;
    for (size_t j = first; j < k && outcome == ClauseOutcome::Held; ++j) {
      const Instruction& ins = program_.code[path_[j]];
      const uint32_t target = static_cast<uint32_t>(ins.k);
      if (path_[j + 1] != target || target == path_[j] + 1) continue;  // not a jump taken
      // A value found absent jumps to the clause's way out (the next clause, or, from a `when`
      // and a due item, the end); inside an `otherwise` it jumps elsewhere in the clause.
      if (ins.op == Opcode::JUMP_IF_NONE && (target == clause.code_end || target == hold_pc))
        outcome = ClauseOutcome::Skipped;
      else if (when && ins.op == Opcode::JUMP_IF_FALSE && target == hold_pc)
        outcome = ClauseOutcome::NotApplied;
    }
    run_.clauses[c] = outcome;
    if (outcome == ClauseOutcome::Failed || (when && outcome != ClauseOutcome::Held)) run_.decided = static_cast<int>(c);
  }
  if (on_run) on_run(run_);
}

namespace {

// One value, as JSON.
std::string value_json(const PreparedHistory& history, RegType type, int64_t value) {
  if (value == kAbsent) return "null";
  switch (type) {
    case RegType::Bool: return value ? "true" : "false";
    case RegType::Count: return std::to_string(value);
    case RegType::Date: return in_calendar(value) ? "\"" + format_date(static_cast<Day>(value)) + "\"" : "null";
    case RegType::Clinic: {
      if (value <= 0 || static_cast<size_t>(value) > history.clinics.size()) return "null";
      std::string out;
      append_json_string(&out, history.clinics[static_cast<size_t>(value) - 1]);
      return out;
    }
  }
  return "null";
}

std::string value_text(const PreparedHistory& history, RegType type, int64_t value) {
  if (value == kAbsent) return "absent";
  if (type == RegType::Clinic) {
    if (value <= 0 || static_cast<size_t>(value) > history.clinics.size()) return "no clinic named";
    return std::string(history.clinics[static_cast<size_t>(value) - 1]);
  }
  const std::string json = value_json(history, type, value);
  return json.size() > 1 && json.front() == '"' ? json.substr(1, json.size() - 2) : json;
}

// The values the deciding clause looked at: each expression once (its last value), in the order
// first computed.
std::vector<std::pair<const ValueInfo*, int64_t>> clause_values(const Program& program, const FunctionRun& run) {
  std::vector<std::pair<const ValueInfo*, int64_t>> out;
  const FunctionDebug& debug = program.debug[run.function];
  for (const auto& [index, value] : run.values) {
    const ValueInfo& info = debug.values[index];
    if (static_cast<int>(info.clause) != run.decided || info.limit) continue;
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& v) { return v.first->text == info.text; });
    if (same != out.end())
      same->second = value;
    else
      out.emplace_back(&info, value);
  }
  return out;
}

}  // namespace

std::string explanation_json(const Program& program, const PreparedHistory& history, const FunctionRun& run) {
  if (run.function >= program.debug.size() || run.decided < 0) return "\"clause\":null";
  const ClauseInfo& clause = program.debug[run.function].clauses[static_cast<size_t>(run.decided)];
  std::string out = "\"clause\":";
  append_json_string(&out, clause.text);
  out += ",\"line\":" + std::to_string(clause.line) + ",\"values\":[";
  bool first = true;
  for (const auto& [info, value] : clause_values(program, run)) {
    out += first ? "{\"expr\":" : ",{\"expr\":";
    first = false;
    append_json_string(&out, info->text);
    out += ",\"value\":" + value_json(history, info->type, value) + "}";
  }
  return out + "]";
}

std::string explanation_text(const Program& program, const PreparedHistory& history, const FunctionRun& run,
                             const std::string& indent) {
  if (run.function >= program.debug.size() || run.decided < 0) return indent + "(no clause information)\n";
  const ClauseInfo& clause = program.debug[run.function].clauses[static_cast<size_t>(run.decided)];
  std::string out = indent + clause.text + "    (line " + std::to_string(clause.line) + ")\n";
  for (const auto& [info, value] : clause_values(program, run))
    out += indent + "  " + info->text + " = " + value_text(history, info->type, value) + "\n";
  return out;
}

bool evaluate_explained(const Agreement& agreement, const PreparedHistory& history, std::optional<Day> as_of,
                        CourseState& state, CourseVerdict* verdict, Explained* explained) {
  const Program& program = agreement.program();
  explained->violations.clear();
  explained->warnings.clear();
  std::vector<const Rule*> rule_of(program.functions.size(), nullptr);
  for (const Rule& rule : program.rules) rule_of[rule.function] = &rule;
  RunWatcher watcher(program);
  // Every broken rule is one entry of verdict->violations (or ->warnings), in evaluation order.
  watcher.on_run = [&](const FunctionRun& run) {
    const Rule* rule = rule_of[run.function];
    if (run.result == RunResult::Fail && rule) (rule->warning ? explained->warnings : explained->violations).push_back(run);
  };
  TraceScope scope(&watcher);
  const bool ok = evaluate_prepared(agreement, history, as_of, state, verdict, run_function_traced);
  // Native code runs untraced: its violations and warnings get no explanation, but one entry each.
  explained->violations.resize(verdict->violations.size());
  explained->warnings.resize(verdict->warnings.size());
  return ok;
}

}  // namespace agr
