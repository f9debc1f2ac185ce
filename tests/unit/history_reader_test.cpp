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
      {"not json", R"("message":"not valid JSON at column 1: )"},
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

TEST_CASE("a key written twice in a history or an event is an error naming the key", "[reader]") {
  struct Row {
    const char* line;
    const char* expected;
  };
  const Row rows[] = {
      // The last one would win silently: 0261 would be billed as 0110.
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0261","code":"0110"}]})",
       "event 'e1': key 'code' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"code":"0261","code":"0110","id":"e1","date":"2025-09-03"}]})",
       "event 1: key 'code' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","id":"e2","date":"2025-09-03","code":"0261"}]})",
       "key 'id' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","date":"2025-09-04","code":"0261"}]})",
       "event 'e1': key 'date' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0261","clinic":"K1","clinic":"K2"}]})",
       "event 'e1': key 'clinic' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0261","flags":[],"flags":["video"]}]})",
       "event 'e1': key 'flags' is written twice"},
      // A repeated `events` is refused whatever the second one holds (it was not even type-checked).
      {R"({"id":"c","referral_date":"2025-09-01","events":[],"events":7})", "key 'events' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[],"events":[]})", "key 'events' is written twice"},
      {R"({"id":"c","id":"d","referral_date":"2025-09-01","events":[]})", "key 'id' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","referral_date":"2025-09-02","events":[]})",
       "key 'referral_date' is written twice"},
      {R"({"id":"c","clinic":"K1","referral_date":"2025-09-01","clinic":"K2","events":[]})", "key 'clinic' is written twice"},
      // Keys the contract does not name are ignored, but not when written twice.
      {R"({"id":"c","note":1,"referral_date":"2025-09-01","note":2,"events":[]})", "key 'note' is written twice"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","x":1,"date":"2025-09-03","code":"0261","x":2}]})",
       "event 'e1': key 'x' is written twice"},
      // The key is named as written, escapes decoded.
      {R"({"id":"c","referral_date":"2025-09-01","events":[],"\u0065vents":[]})", "key 'events' is written twice"},
  };
  for (const Row& row : rows) {
    INFO(row.line);
    const std::string out = run(row.line);
    INFO(out);
    CHECK(out.find("\"error\":{\"line\":7") != std::string::npos);
    CHECK(out.find(row.expected) != std::string::npos);
  }
  // Many distinct keys are not a duplicate (and not slow).
  std::string many = R"({"id":"c","referral_date":"2025-09-01",)";
  for (int i = 0; i < 20000; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  many += R"("events":[]})";
  CHECK(run(many).find("\"error\"") == std::string::npos);
}

TEST_CASE("a JSON failure says what is wrong and at which column", "[reader]") {
  struct Row {
    std::string line;
    const char* expected;
  };
  const std::string deep = R"({"id":"c","x":)" + std::string(1100, '[') + std::string(1100, ']') + "}";
  const Row rows[] = {
      {"not json", "not valid JSON at column 1: "},
      {"\xEF\xBB\xBF{\"id\":\"c\",\"referral_date\":\"2025-09-01\",\"events\":[]}",
       "not valid JSON at column 1: the line starts with a byte-order mark"},
      {"{\"id\":\"c\xff\",\"referral_date\":\"2025-09-01\",\"events\":[]}",
       "not valid JSON at column 9: invalid UTF-8 (byte 0xff)"},
      {"{\"id\":\"\xed\xa0\x80\",\"events\":[]}", "not valid JSON at column 8: invalid UTF-8 (byte 0xed)"},
      {deep, "not valid JSON at column 1038: nesting deeper than the limit of 1024"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","date":1e999,"code":"0261"}]})",
       "not valid JSON at column 68: a number out of range (1e999)"},
      {R"({"id":"c","n":-99999999999999999999,"events":[]})", "not valid JSON at column 15: a number out of range"},
      {R"({"id":"c","n":012,"events":[]})", "not valid JSON at column 15: a malformed number"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e1","da)",
       "not valid JSON at column 61: the line ends inside the string that starts here"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[)",
       "not valid JSON at column 50: the line ends before the JSON value does (truncated)"},
      {R"({"id":"c","referral_date":"2025-09-01","events":[]} trailing)",
       "not valid JSON at column 53: content after the end of the JSON value"},
      {R"({"id":"c","events":[],})", "not valid JSON at column 23: expected a key"},
      {R"({"id":"c" "events":[]})", "not valid JSON at column 11: expected ',' or '}'"},
      {R"({"id":tru,"events":[]})", "not valid JSON at column 7: expected a value"},
      {std::string("{\"id\":\"a\tb\",\"events\":[]}"), "not valid JSON at column 9: a control character (0x09) not escaped in a string"},
      {R"({"id":"a\qb","events":[]})", "not valid JSON at column 9: a bad escape in a string"},
  };
  for (const Row& row : rows) {
    INFO(row.line.substr(0, 120));
    const std::string out = run(row.line);
    INFO(out);
    CHECK(out.find("\"error\":{\"line\":7") != std::string::npos);
    CHECK(out.find(row.expected) != std::string::npos);
  }
  // At the limit, the nesting is fine (the history object is depth 1).
  const std::string at_limit = R"({"id":"c","referral_date":"2025-09-01","x":)" + std::string(1023, '[') +
                               std::string(1023, ']') + R"(,"events":[]})";
  CHECK(run(at_limit).find("\"error\"") == std::string::npos);
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
