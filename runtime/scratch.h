// The per-thread state an Evaluator reuses from one history to the next.
#pragma once

#include <simdjson.h>

#include "evaluate.h"
#include "json_buffer.h"

namespace agr {

struct Evaluator::Scratch {
  PreparedHistory history;
  CourseState state;
  CourseVerdict verdict;
  simdjson::dom::parser parser;
  simdjson::ondemand::parser fast_parser;    // read_history_fast's
  std::string padded_line;                   // a copy of a line handed over without padding
  std::vector<std::string_view> unknown_keys;  // the history reader's, reused
  JsonBuffer output;                         // the verdict writer's

  // `line` copied into padded_line, with the padding the parsers need after it.
  std::string_view pad(std::string_view line) {
    padded_line.assign(line);
    padded_line.resize(line.size() + simdjson::SIMDJSON_PADDING);
    return {padded_line.data(), line.size()};
  }
};

// Evaluator::evaluate_json_line's path: read one JSON line, choose its agreement from `set`,
// evaluate, write the verdict line (or the error line) to *out; false for an error line.
// `padded`: the caller guarantees kLinePadding readable bytes after the line. How the rules run:
enum class Judging {
  Fast,       // on the agreement's native code, else the VM's fast loop
  Traced,     // on the traced VM, telling this thread's TraceScope (agr test --coverage)
  Explained,  // traced, each violation and warning with an "explain" member (explain.h)
};
bool judge_json_line(const AgreementSet& set, Evaluator::Scratch& scratch, std::string_view line, bool padded,
                     uint64_t line_number, std::optional<Day> as_of, std::string* out, Judging how = Judging::Fast);
// The same, appending to a JsonBuffer (the batch runner's block output: no copy of the verdict).
bool judge_json_line(const AgreementSet& set, Evaluator::Scratch& scratch, std::string_view line, bool padded,
                     uint64_t line_number, std::optional<Day> as_of, JsonBuffer* out, Judging how = Judging::Fast);

}  // namespace agr
