// The state an Evaluator reuses between courses (CourseState, the CourseVerdict's storage) never
// leaks from one course into the next: over every case of every bundled agreement's suites, one
// scratch and one CourseVerdict judging the histories one after another (forward, backward, and
// each after the longest history) write what a fresh scratch and verdict write for each alone,
// every field of every event's verdict included.
// Courses of different lengths and shapes follow each other, on the same dates mostly, so a slot
// left stale from a longer course, or a day's services kept from the course before, would show.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bundled.h"
#include "evaluate.h"
#include "history_reader.h"
#include "scratch.h"
#include "verdict_writer.h"

namespace {

// Every field of every event's verdict, also those the verdict line does not show (the evaluator
// writes each whole over what a reused verdict held).
std::string event_fields(const agr::CourseVerdict& verdict) {
  std::string out;
  for (const agr::EventVerdict& v : verdict.events)
    out += " [" + std::to_string(static_cast<int>(v.status)) + " " + std::to_string(v.service) + " " +
           std::to_string(v.first_violation) + " " + std::to_string(v.violation_count) + " " +
           std::to_string(v.has_fee) + " " + std::to_string(v.fee.total) + " " + std::to_string(v.fee.subsidy) + " " +
           std::to_string(v.fee.patient) + " " + std::to_string(v.fee_entry) + "]";
  return out;
}

// The verdict line of one history judged with this scratch and verdict, or its error, and the
// fields of its events.
std::string judge(const agr::Agreement& agreement, const agr::testing::SuiteHistory& h, agr::Evaluator::Scratch& scratch,
                  agr::CourseVerdict& verdict) {
  std::string error;
  if (!agr::read_history_json(scratch, agreement.program(), agreement.index(), h.line, &error)) return "input: " + error;
  std::string out;
  if (agr::evaluate_prepared(agreement, scratch.history, h.as_of, scratch.state, &verdict, agr::run_function))
    agr::append_verdict_json(&out, agreement, scratch.history, verdict);
  else
    out = "error: " + verdict.error;
  return out + event_fields(verdict);
}

}  // namespace

TEST_CASE("a course's verdict does not depend on the courses judged before it", "[evaluate][reuse]") {
  size_t compared = 0;
  for (const std::string& name : agr::testing::bundled_names()) {
    const auto agreement = agr::testing::bundled_agreement(name);
    const std::vector<agr::testing::SuiteHistory> histories = agr::testing::suite_histories(name);
    REQUIRE(!histories.empty());
    std::vector<std::string> alone;
    size_t longest = 0;
    for (size_t i = 0; i < histories.size(); ++i) {
      agr::Evaluator::Scratch scratch;
      agr::CourseVerdict verdict;
      alone.push_back(judge(*agreement, histories[i], scratch, verdict));
      if (histories[i].line.size() > histories[longest].line.size()) longest = i;
    }

    agr::Evaluator::Scratch scratch;
    agr::CourseVerdict verdict;
    auto check = [&](size_t i) {
      INFO(name << ": " << histories[i].origin);
      CHECK(judge(*agreement, histories[i], scratch, verdict) == alone[i]);
      ++compared;
    };
    for (size_t i = 0; i < histories.size(); ++i) check(i);
    for (size_t i = histories.size(); i-- > 0;) check(i);
    for (size_t i = 0; i < histories.size(); ++i) {
      judge(*agreement, histories[longest], scratch, verdict);
      check(i);
    }
  }
  CHECK(compared > 300);
}
