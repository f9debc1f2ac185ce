// The VM's judge_service (every rule of an event's service in one call and one frame) against
// judge_event (one run_function call per rule, the path the traced VM keeps): over every case of
// every bundled agreement's suites, both dispatches of judge_service write the verdicts that one
// call per rule writes, byte for byte, rejections, warnings, fees and due items alike.
#include <catch2/catch.hpp>

#include <string>

#include "bundled.h"
#include "evaluate.h"
#include "history_reader.h"
#include "scratch.h"
#include "verdict_writer.h"

namespace {

// Not a dispatch of run_function, so evaluate_prepared judges through judge_event with it.
agr::RunResult one_rule_at_a_time(const agr::Program& p, const agr::AgreementIndex& index, uint32_t function,
                                  const agr::CourseState& s, agr::DueOutput* due) {
  return agr::run_function(p, index, function, s, due);
}

}  // namespace

TEST_CASE("judge_service judges as one run_function call per rule does", "[vm][judge_service]") {
  REQUIRE(agr::service_judge_of(agr::run_function) != nullptr);
  REQUIRE(agr::service_judge_of(agr::run_function_goto) == agr::judge_service_goto);
  REQUIRE(agr::service_judge_of(agr::run_function_switch) == agr::judge_service_switch);
  REQUIRE(agr::service_judge_of(one_rule_at_a_time) == nullptr);

  size_t histories = 0, rejected = 0, warned = 0;
  for (const std::string& name : agr::testing::bundled_names()) {
    const auto agreement = agr::testing::bundled_agreement(name);
    const auto set = agr::AgreementSet::of(agreement);
    agr::Evaluator::Scratch scratch;
    for (const agr::testing::SuiteHistory& h : agr::testing::suite_histories(name)) {
      INFO(name << ": " << h.origin);
      std::string error;
      if (!agr::read_history_json(scratch, agreement->program(), agreement->index(), h.line, &error)) continue;
      std::string verdicts[3];
      const agr::VmFunction ways[3] = {agr::run_function_goto, agr::run_function_switch, one_rule_at_a_time};
      for (int w = 0; w < 3; ++w) {
        agr::CourseVerdict verdict;
        if (agr::evaluate_prepared(*agreement, scratch.history, h.as_of, scratch.state, &verdict, ways[w])) {
          agr::append_verdict_json(&verdicts[w], *agreement, scratch.history, verdict);
        } else {
          verdicts[w] = "error: " + verdict.error;
        }
      }
      CHECK(verdicts[0] == verdicts[2]);
      CHECK(verdicts[1] == verdicts[2]);
      ++histories;
      rejected += verdicts[2].find("\"rejected\"") != std::string::npos;
      warned += verdicts[2].find("\"warnings\":[{") != std::string::npos;
    }
  }
  // The suites hold rejected events and warnings: the cases above compared both.
  CHECK(histories > 100);
  CHECK(rejected > 10);
  CHECK(warned > 0);
}
