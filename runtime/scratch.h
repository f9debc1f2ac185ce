// The per-thread state an Evaluator reuses from one history to the next.
#pragma once

#include <simdjson.h>

#include "evaluate.h"

namespace agr {

struct Evaluator::Scratch {
  PreparedHistory history;
  CourseState state;
  CourseVerdict verdict;
  simdjson::dom::parser parser;
  std::string padded_line;                   // the JSON line with simdjson's padding
};

}  // namespace agr
