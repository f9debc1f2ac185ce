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
  std::string padded_line;                   // a copy of a line handed over without padding
  std::vector<std::string_view> unknown_keys;  // the history reader's, reused
  JsonBuffer output;                         // the verdict writer's
};

}  // namespace agr
