// Fees by date: price levels and their variants, as the checker keeps them and as events are
// billed (docs/language.md, "Price levels and fees").
#include <catch2/catch.hpp>

#include "agr/agr.h"
#include "driver.h"
#include "evaluate.h"

namespace {

// Two services, a flag, and what each test adds: price levels, rules.
const char* const kHead = R"(agreement p "Price levels"
flag video "Given by video."
service 0301 "Indledende konsultation"
service 0302 "Træning"
rule P-1 for 0301, 0302
  reject if date < 2025-01-01
  message "In force from 1 January 2025." source "s"
)";

struct Result {
  bool ok;
  std::string diagnostics;
  std::optional<agr::Program> program;
};

Result compile_text(const std::string& body) {
  agr::SourceFile file{"p.agr", std::string(kHead) + body};
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  return {!diags.has_errors(), diags.render(file), std::move(c.program)};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const char* const kTwoLevels = R"(
price level 2025-01-01 "The first table"
  0301 fee 300.00 subsidy 120.00 patient 180.00
  0302 fee 200.00 subsidy  80.00 patient 120.00
  0302 flagged video fee 150.00 subsidy 60.00 patient 90.00
price level 2025-07-01 "A regulation"
  0301 fee 310.00 subsidy 130.00 patient 180.00
  0302 fee 206.00 subsidy  82.00 patient 124.00
  0302 flagged video fee 155.00 subsidy 62.00 patient 93.00
before first price level reject by P-1
)";

// The verdict of one history (events as date/code/flag triples), through the JSON path.
std::string verdict(const agr::Program& program, const std::string& events) {
  std::string error;
  auto agreement = agr::Agreement::from_program(program, &error);
  REQUIRE(agreement);
  agr::Evaluator evaluator(agreement);
  std::string out;
  evaluator.evaluate_json_line("{\"id\":\"c\",\"events\":[" + events + "]}", 1, std::nullopt, &out);
  return out;
}

}  // namespace

TEST_CASE("an event is billed at the price level in force on its date, and its variant", "[fees]") {
  Result r = compile_text(kTwoLevels);
  INFO(r.diagnostics);
  REQUIRE(r.ok);
  const agr::Program& p = *r.program;
  REQUIRE(p.price_levels.size() == 2);
  // Each service's lines at each level: its variants, then its own fee.
  REQUIRE(p.fees.size() == 6);
  CHECK(p.fees[2].flag == 0);
  CHECK(p.fees[3].flag == agr::kNoFlag);

  const std::string out = verdict(p, R"(
    {"id":"a","date":"2025-06-30","code":"0302"},
    {"id":"b","date":"2025-06-30","code":"0302","flags":["video"]},
    {"id":"c","date":"2025-07-01","code":"0302"},
    {"id":"d","date":"2025-07-01","code":"0302","flags":["video"]},
    {"id":"e","date":"2025-07-02","code":"0301"})");
  INFO(out);
  CHECK(contains(out, R"({"id":"a","code":"0302","status":"accepted","fee":{"total":"200.00","subsidy":"80.00","patient":"120.00"}})"));
  CHECK(contains(out, R"({"id":"b","code":"0302","status":"accepted","fee":{"total":"150.00","subsidy":"60.00","patient":"90.00"}})"));
  CHECK(contains(out, R"({"id":"c","code":"0302","status":"accepted","fee":{"total":"206.00","subsidy":"82.00","patient":"124.00"}})"));
  CHECK(contains(out, R"({"id":"d","code":"0302","status":"accepted","fee":{"total":"155.00","subsidy":"62.00","patient":"93.00"}})"));
  CHECK(contains(out, R"({"id":"e","code":"0301","status":"accepted","fee":{"total":"310.00","subsidy":"130.00","patient":"180.00"}})"));
  CHECK(contains(out, R"("totals":{"total":"1021.00","subsidy":"414.00","patient":"607.00"})"));
}

TEST_CASE("the applied fee is in the public verdict", "[fees]") {
  Result r = compile_text(kTwoLevels);
  REQUIRE(r.ok);
  std::string error;
  auto agreement = agr::Agreement::from_program(*r.program, &error);
  REQUIRE(agreement);
  agr::Evaluator evaluator(agreement);
  agr::HistoryInput h;
  h.id = "c";
  h.events.push_back({"before", "2024-12-31", "0302", {}, {}});
  h.events.push_back({"video", "2025-07-01", "0302", {}, {"video"}});
  agr::CourseVerdict v;
  REQUIRE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(v.events[0].status == agr::EventStatus::Rejected);
  CHECK_FALSE(v.events[0].has_fee);
  CHECK(v.events[1].has_fee);
  CHECK(v.events[1].fee.total == 15500);
  CHECK(v.events[1].fee.subsidy == 6200);
  CHECK(v.events[1].fee.patient == 9300);
  CHECK(v.totals.total == 15500);
}

TEST_CASE("the first variant listed whose flag the event carries is billed", "[fees]") {
  Result r = compile_text(R"(
flag home "Given at the patient's home."
price level 2025-01-01
  0302 flagged home fee 250.00 subsidy 100.00 patient 150.00
  0302 fee 200.00 subsidy 80.00 patient 120.00
  0302 flagged video fee 150.00 subsidy 60.00 patient 90.00
before first price level reject by P-1
)");
  INFO(r.diagnostics);
  REQUIRE(r.ok);
  const std::string out = verdict(*r.program, R"({"id":"a","date":"2025-02-03","code":"0302","flags":["video","home"]},
    {"id":"b","date":"2025-02-04","code":"0302","flags":["video"]})");
  CHECK(contains(out, R"({"id":"a","code":"0302","status":"accepted","fee":{"total":"250.00")"));
  CHECK(contains(out, R"({"id":"b","code":"0302","status":"accepted","fee":{"total":"150.00")"));
}

TEST_CASE("a service without a line in force has no fee", "[fees]") {
  // 0302 enters the fee tables at the second level; before it, `no fee` says it is billed nothing.
  Result r = compile_text(R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
price level 2025-07-01
  0301 fee 310.00 subsidy 130.00 patient 180.00
  0302 fee 206.00 subsidy 82.00 patient 124.00
before first price level no fee
)");
  INFO(r.diagnostics);
  REQUIRE(r.ok);
  const std::string out = verdict(*r.program, R"({"id":"a","date":"2025-06-30","code":"0302"},
    {"id":"b","date":"2025-07-01","code":"0302"})");
  CHECK(contains(out, R"({"id":"a","code":"0302","status":"accepted"})"));
  CHECK(contains(out, R"({"id":"b","code":"0302","status":"accepted","fee":{"total":"206.00")"));
}

TEST_CASE("the checker keeps the fee tables whole and in order", "[fees][diagnostics]") {
  struct Row {
    const char* what;
    const char* body;
    const char* message;
  };
  const Row rows[] = {
      {"a split that does not add up", R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 170.00
before first price level no fee
)", "p.agr:10:8: error: the fee of 0301 does not add up: subsidy + patient share is 290.00, not 300.00"},
      {"a variant that does not add up", R"(
price level 2025-01-01
  0302 fee 200.00 subsidy 80.00 patient 120.00
  0302 flagged video fee 150.00 subsidy 60.00 patient 91.00
before first price level no fee
)", "the fee of 0302 flagged video does not add up"},
      {"two levels on one date", R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
price level 2025-01-01
  0301 fee 310.00 subsidy 130.00 patient 180.00
before first price level no fee
)", "p.agr:11:13: error: price level 2025-01-01 is already declared at line 9"},
      {"levels out of date order", R"(
price level 2025-07-01
  0301 fee 310.00 subsidy 130.00 patient 180.00
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
before first price level no fee
)", "price level 2025-01-01 comes after 2025-07-01 (line 9) in the file"},
      {"one service twice in a level", R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
  0301 fee 310.00 subsidy 130.00 patient 180.00
before first price level no fee
)", "p.agr:11:3: error: 0301 already has a fee in price level 2025-01-01 at line 10"},
      {"a variant without the service's own fee", R"(
price level 2025-01-01
  0302 flagged video fee 150.00 subsidy 60.00 patient 90.00
before first price level no fee
)", "0302 flagged video has no fee of its own in price level 2025-01-01"},
      {"a regulation that leaves a fee out", R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
  0302 fee 200.00 subsidy 80.00 patient 120.00
  0302 flagged video fee 150.00 subsidy 60.00 patient 90.00
price level 2025-07-01
  0302 fee 206.00 subsidy 82.00 patient 124.00
before first price level no fee
)", "price level 2025-07-01 gives no fee for 0301, 0302 flagged video, which the price level before it lists"},
      {"a level with no lines", R"(
price level 2025-01-01
before first price level no fee
)", "price level 2025-01-01 lists no fees"},
      {"an unknown code", R"(
price level 2025-01-01
  0303 fee 300.00 subsidy 120.00 patient 180.00
before first price level no fee
)", "unknown service code '0303'"},
      {"an unknown flag", R"(
price level 2025-01-01
  0302 fee 200.00 subsidy 80.00 patient 120.00
  0302 flagged vidoe fee 150.00 subsidy 60.00 patient 90.00
before first price level no fee
)", "unknown flag 'vidoe'"},
      {"nothing said about the time before the first level", R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
)", "the agreement does not say what happens to an event dated before its service's first price level"},
      {"a statement with no levels", R"(
before first price level no fee
)", "no price level is declared, so no event comes before the first one"},
      {"a fee on the service line", "service 0303 \"x\" fee 10.00 subsidy 4.00 patient 6.00\n",
       "the fee of 0303 belongs in a price level's fee table"},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    Result r = compile_text(row.body);
    INFO(r.diagnostics);
    CHECK_FALSE(r.ok);
    CHECK(contains(r.diagnostics, row.message));
  }
}

TEST_CASE("the rule named for the time before the first level is proved to reject it", "[fees][diagnostics]") {
  const std::string levels = R"(
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
price level 2025-07-01
  0301 fee 310.00 subsidy 130.00 patient 180.00
  0302 fee 206.00 subsidy 82.00 patient 124.00
)";
  struct Row {
    const char* rule;
    bool proved;
    const char* message;  // when not proved
  };
  const Row rows[] = {
      // P-1 (in kHead) rejects both services before 2025-01-01: not enough for 0302.
      {"before first price level reject by P-1\n", false,
       "P-1 does not reject every event dated before its service's first price level: not 0302 (before 2025-07-01)"},
      {"before first price level reject by Q-1\nrule Q-1 for 0301, 0302\n  reject if date < 2025-07-01\n"
       "  message \"m\" source \"s\"\n", true, ""},
      {"before first price level reject by Q-1\nrule Q-1 for 0301, 0302\n  require date >= 2025-07-01\n"
       "  message \"m\" source \"s\"\n", true, ""},
      {"before first price level reject by Q-1\nrule Q-1 for 0301, 0302\n  reject if 2025-06-30 >= date\n"
       "  message \"m\" source \"s\"\n", true, ""},
      {"before first price level reject by Q-1\ndefine in_force = 2025-07-01\nrule Q-1 for 0301, 0302\n"
       "  require true_day\n  reject if date < in_force\n  message \"m\" source \"s\"\n", true, ""},
      // One id over two declarations, one per service.
      {"before first price level reject by Q-1\nrule Q-1 for 0301\n  reject if date < 2025-01-01\n"
       "  message \"m\" source \"s\"\nrule Q-1 for 0302\n  reject if date < 2025-07-01\n  message \"m\" source \"s\"\n",
       true, ""},
      // A `when` before the bound lets some events through.
      {"before first price level reject by Q-1\nrule Q-1 for 0301, 0302\n  when not flagged video\n"
       "  reject if date < 2025-07-01\n  message \"m\" source \"s\"\n", false, "Q-1 does not reject every event"},
      // `<=` the day before the level is enough; `<` that day is not.
      {"before first price level reject by Q-1\nrule Q-1 for 0301, 0302\n  reject if date <= 2025-06-30\n"
       "  message \"m\" source \"s\"\n", true, ""},
      {"before first price level reject by Q-1\nrule Q-1 for 0301, 0302\n  reject if date < 2025-06-30\n"
       "  message \"m\" source \"s\"\n", false, "not 0302 (before 2025-07-01)"},
      {"before first price level reject by Q-1\nwarning Q-1 for 0301, 0302\n  warn if date < 2025-07-01\n"
       "  message \"m\" source \"s\"\n", false, "Q-1 is a warning, and a warning rejects nothing"},
      {"before first price level reject by P-2\n", false, "no rule P-2 is declared"},
  };
  for (const Row& row : rows) {
    INFO(row.rule);
    std::string body = levels + row.rule;
    // `true_day` stands for a condition the proof need not understand (it only rejects or holds).
    if (contains(body, "true_day")) body = "define true_day = date >= 2000-01-01\n" + body;
    Result r = compile_text(body);
    INFO(r.diagnostics);
    CHECK(r.ok == row.proved);
    if (!row.proved) CHECK(contains(r.diagnostics, row.message));
  }
}
