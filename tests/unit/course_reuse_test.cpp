// The state an Evaluator reuses between courses (CourseState, the CourseVerdict's storage) never
// leaks from one course into the next: over every case of every bundled agreement's suites, one
// scratch and one CourseVerdict judging the histories one after another (forward, backward, and
// each after the longest history) write what a fresh scratch and verdict write for each alone.
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

// The verdict line of one history judged with this scratch and verdict, or its error.
std::string judge(const agr::Agreement& agreement, const agr::testing::SuiteHistory& h, agr::Evaluator::Scratch& scratch,
                  agr::CourseVerdict& verdict) {
  std::string error;
  if (!agr::read_history_json(scratch, agreement.program(), agreement.index(), h.line, &error)) return "input: " + error;
  std::string out;
  if (agr::evaluate_prepared(agreement, scratch.history, h.as_of, scratch.state, &verdict, agr::run_function))
    agr::append_verdict_json(&out, agreement, scratch.history, verdict);
  else
    out = "error: " + verdict.error;
  return out;
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
