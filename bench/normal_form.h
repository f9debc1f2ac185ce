// The common normalised form agr_compare compares every engine's verdicts through. A verdict,
// whether an agr::CourseVerdict or a JSON line of `agr run`, becomes a short list of integers:
//
//   error line:  [-1]
//   verdict:     [n_events, per event: status | has_fee << 2 | n_violations << 3 followed by
//                 the violated rules, sorted,
//                 n_warnings, (rule << 32 | event) sorted,
//                 total, subsidy, patient (øre),
//                 n_due, per due item in the file's order: due, earliest, target, latest or
//                 INT64_MIN when none, overdue]
//
// Rules are numbered by their first declaration with the same id (one id may be declared for
// several codes), so that a rule is named by its id as in the output; violations become a set
// (the order of the file is not compared), and so do warnings.
//
// A baseline that is exact on part of a course only (the set-based SQL with a limit on its
// passes) is compared on that part: both sides are normalised with the same mask, which turns
// each event outside it into the one word kUnknown (and leaves out its warnings) and, unless the
// whole course is exact, the totals and the due items into one kUnknown word each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "evaluate.h"

namespace agr::bench {

class Normaliser {
 public:
  explicit Normaliser(const Program& program);

  static constexpr int64_t kUnknown = -3;

  // Appends the normal form of `verdict` (`ok`: evaluate returned true) to *out. With `exact`,
  // only the events it marks 1 and, when `whole`, the course's totals and due items (above).
  void append(const CourseVerdict& verdict, bool ok, std::vector<int64_t>* out,
              const std::vector<uint8_t>* exact = nullptr, bool whole = true) const;
  // Appends the normal form of one output line of `agr run` (a verdict or an error object);
  // false with *error when the line is not such a line.
  bool append_json(std::string_view line, std::vector<int64_t>* out, std::string* error);

 private:
  const Program& program_;
  std::vector<uint32_t> canonical_rule_;  // rule index -> first rule index with its id
  std::unordered_map<std::string, uint32_t> rule_by_id_;
  std::unordered_map<std::string, uint32_t> due_by_key_;  // rule id + ' ' + code -> due index
  simdjson::dom::parser parser_;
  std::string padded_;
  std::unordered_map<std::string_view, uint32_t> event_index_;
};

}  // namespace agr::bench
