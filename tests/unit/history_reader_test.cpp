// The JSON Lines reader and writer against the io-contract: strict types, error lines that keep
// the id, and nothing lost.
#include <catch2/catch.hpp>

#include "agr/agr.h"
#include "bundled.h"

namespace {

std::shared_ptr<const agr::Agreement> lbp() {
  static std::shared_ptr<const agr::Agreement> agreement = agr::testing::bundled_agreement("lbp");
  return agreement;
}

std::string run(const std::string& line) {
  agr::Evaluator evaluator(lbp());
  std::string out;
  evaluator.evaluate_json_line(line, 7, std::nullopt, &out);
  return out;
}

}  // namespace

TEST_CASE("each broken input contract gives an error line naming the line and the reason", "[reader]") {
  struct Row {
    const char* line;
    const char* expected;
  };
  const Row rows[] = {
      {"", R"({"id":null,"error":{"line":7,"message":"blank line: expected a history object"}})"},
      {"not json", R"("message":"not valid JSON")"},
      {"[1,2]", "a history must be a JSON object, not an array"},
      {R"({"id":"c","referral_date":"2025-09-01"})", R"({"id":"c","error":{"line":7,"message":"missing field 'events'"}})"},
      {R"({"referral_date":"2025-09-01","events":[]})", "missing field 'id'"},
      {R"({"id":null,"referral_date":"2025-09-01","events":[]})", "'id' must be a string, not null"},
      {R"({"id":"c","referral_date":"2025-09-01","events":{}})", "'events' must be an array, not an object"},
      {R"({"id":"c","referral_date":"2025-9-01","events":[]})", "'referral_date' is not a calendar date"},
      {R"({"id":"c","events":[]})", "missing field 'referral_date'"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01"}]})", "event 'e1': missing field 'code'"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":20250901,"code":"0261"}]})", "'date' must be a string, not a number"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-02-29","code":"0261"}]})", "'date' is not a calendar date"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01","code":"0261","flags":"video"}]})", "'flags' must be an array"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01","code":"9999","flags":["vidoe"]}]})", "unknown flag 'vidoe'"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01","code":"0261"},{"id":"e1","date":"2025-09-02","code":"0263"}]})", "duplicate event id 'e1'"},
      {"{\"id\":\"c\",\"referral_date\":\"2025-09-01\",\"events\":[{\"id\":\"\xff\",\"date\":\"2025-09-01\",\"code\":\"0261\"}]}", "not valid JSON"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[]} trailing)", "not valid JSON"},
      {R"({"id":"c","referral_date":"9999-12-01","events":[{"id":"e1","date":"9999-11-01","code":"0261"},{"id":"e2","date":"9999-11-20","code":"0263"},{"id":"e3","date":"9999-11-21","code":"0264"},{"id":"e4","date":"9999-11-22","code":"0267"}]})", "leaves the calendar"},
  };
  for (const Row& row : rows) {
    INFO(row.line);
    const std::string out = run(row.line);
    CHECK(out.find("\"error\":{\"line\":7") != std::string::npos);
    CHECK(out.find(row.expected) != std::string::npos);
    CHECK(out.back() == '\n');
  }
}

TEST_CASE("keys the contract does not name are ignored", "[reader]") {
  const std::string out = run(
      R"({"id":"c","x":[1,{"y":null}],"referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0261","note":"hi"}]})");
  CHECK(out.find(R"("status":"accepted")") != std::string::npos);
}

TEST_CASE("strings in the output are escaped", "[reader]") {
  const std::string out =
      run(R"({"id":"c\"1\n","referral_date":"2025-09-01","events":[{"id":"e\\1","date":"2025-09-03","code":"x\u0001"}]})");
  CHECK(out.find(R"({"id":"c\"1\n")") != std::string::npos);
  CHECK(out.find(R"({"id":"e\\1","code":"x\u0001","status":"not_governed"})") != std::string::npos);
}

TEST_CASE("an event's clinic is its own, else the history's; none and none are the same clinic", "[reader]") {
  // Two initials at the same (unnamed) clinic: the second is a substitute, rejected by LBP-2.
  const std::string same = run(
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0261"},{"id":"e2","date":"2025-09-10","code":"0261"}]})");
  CHECK(same.find("LBP-2") != std::string::npos);
  // The history's clinic K1 against an event's own K2: a takeover, accepted.
  const std::string takeover = run(
      R"({"id":"c","clinic":"K1","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0261"},{"id":"e2","date":"2025-09-10","code":"0261","clinic":"K2"}]})");
  CHECK(takeover.find("LBP-2") == std::string::npos);
}

TEST_CASE("the structured API gives the same verdicts as the JSON path", "[reader]") {
  agr::Evaluator evaluator(lbp());
  agr::HistoryInput h;
  h.id = "c";
  h.referral_date = "2025-09-01";
  h.events = {{"e1", "2025-09-03", "0110", std::nullopt, {}},
              {"e2", "2025-09-03", "0262", std::nullopt, {}},
              {"e3", "2025-09-03", "0261", std::nullopt, {}}};
  agr::CourseVerdict v;
  REQUIRE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(v.events[0].status == agr::EventStatus::Accepted);
  CHECK(v.events[1].status == agr::EventStatus::Accepted);
  CHECK(v.events[2].status == agr::EventStatus::Rejected);
  CHECK(v.totals.total == 16356);
  REQUIRE(v.due.size() == 1);
  CHECK(agr::format_date(v.due[0].target) == "2025-11-26");
}

TEST_CASE("money is formatted with exactly two decimals", "[reader]") {
  CHECK(agr::format_money(0) == "0.00");
  CHECK(agr::format_money(5) == "0.05");
  CHECK(agr::format_money(32712) == "327.12");
  CHECK(agr::format_money(-150) == "-1.50");
}
