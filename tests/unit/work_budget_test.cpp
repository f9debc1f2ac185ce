// The work per history is bounded (docs/language.md, section 19): counting queries answer from
// state kept as events are accepted, so the adversarial agreement of bench/ (41 rules, 200 counts
// in windows up to two years wide) judges a 4,000-event history like a short one, and a history
// that needs more than the limit is an error line naming it.
#include <catch2/catch.hpp>

#include <string>

#include "agr/agr.h"
#include "bundled.h"
#include "calendar.h"
#include "driver.h"

namespace {

std::shared_ptr<const agr::Agreement> windows() {
  static std::shared_ptr<const agr::Agreement> agreement = [] {
    agr::SourceFile file;
    std::string error;
    REQUIRE(agr::read_source_file(std::string(AGR_SOURCE_DIR) + "/bench/windows.agr", &file, &error));
    return agr::testing::compiled_agreement(file);
  }();
  return agreement;
}

// `events` events of 0901 (every third one flagged video), `per_day` a day, from 2025-01-01.
std::string history(int events, int per_day) {
  std::string line = R"({"id":"w","events":[)";
  char day[10];
  for (int i = 0; i < events; ++i) {
    agr::format_iso_date(agr::days_from_civil(2025, 1, 1) + i / per_day, day);
    line += std::string(i ? "," : "") + R"({"id":"e)" + std::to_string(i) + R"(","date":")" + std::string(day, 10) +
            R"(","code":"0901")" + (i % 3 == 0 ? R"(,"flags":["video"]})" : "}");
  }
  return line + "]}";
}

}  // namespace

TEST_CASE("the adversarial windows agreement judges 2,000 and 4,000 events within the budget", "[budget]") {
  agr::Evaluator evaluator(windows());
  for (int events : {2000, 4000})
    for (int per_day : {1, 7, 4000}) {
      INFO(events << " events, " << per_day << " a day");
      agr::CourseVerdict v;
      std::string id;
      REQUIRE(evaluator.evaluate_json(history(events, per_day), std::nullopt, &v, &id));
      CHECK(v.events.size() == static_cast<size_t>(events));
      CHECK(v.events.back().status == agr::EventStatus::Accepted);
      CHECK(v.totals.total == 10000 * events);
    }
}

TEST_CASE("a history that needs more work than the limit is an error line naming the limit", "[budget]") {
  agr::Evaluator evaluator(windows());
  // Each 0901 costs about 41 rules x 5 counts x (a few instructions and two binary searches).
  evaluator.set_work_limit(1'000'000);
  std::string out;
  CHECK_FALSE(evaluator.evaluate_json_line(history(4000, 1), 9, std::nullopt, &out));
  CHECK(out == R"x({"id":"w","error":{"line":9,"message":"the history needs more than 1000000 steps of work, the limit per history (docs/language.md, section 19)"}})x"
               "\n");
  out.clear();
  CHECK(evaluator.evaluate_json_line(history(50, 1), 10, std::nullopt, &out));
  // The limit cannot be raised past the default.
  evaluator.set_work_limit(UINT64_MAX);
  out.clear();
  CHECK(evaluator.evaluate_json_line(history(4000, 1), 11, std::nullopt, &out));
}

TEST_CASE("the LBP history of the contract costs a small, fixed amount of work per event", "[budget]") {
  agr::Evaluator evaluator(agr::testing::bundled_agreement("lbp"));
  const std::string line =
      R"({"id":"c","referral_date":"2025-09-01","clinic":"K1","events":[{"id":"e1","date":"2025-09-03","code":"0110"},{"id":"e2","date":"2025-09-03","code":"0262"},{"id":"e3","date":"2025-09-10","code":"0263"}]})";
  std::string out;
  evaluator.set_work_limit(3000);  // three events, a few rules each, and the due items
  CHECK(evaluator.evaluate_json_line(line, 1, std::nullopt, &out));
}
