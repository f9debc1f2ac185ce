// Several agreements in one run (io-contract.md, version 2): each history judged by the agreement
// its `agreement` field names; a set refuses two agreements of one name; a history naming none
// (with several loaded) or one not loaded is an error line listing the loaded names.
#include <catch2/catch.hpp>

#include "agr/agr.h"
#include "bundled.h"

#include <map>

namespace {

std::shared_ptr<const agr::Agreement> bundled(const std::string& name) {
  static std::map<std::string, std::shared_ptr<const agr::Agreement>> cache;
  auto& agreement = cache[name];
  if (!agreement) agreement = agr::testing::bundled_agreement(name);
  return agreement;
}

std::shared_ptr<const agr::AgreementSet> lbp_and_ste() {
  std::string error;
  auto set = agr::AgreementSet::make({bundled("lbp"), bundled("ste")}, &error);
  INFO(error);
  REQUIRE(set);
  return set;
}

std::string run(agr::Evaluator& evaluator, const std::string& line) {
  std::string out;
  evaluator.evaluate_json_line(line, 3, std::nullopt, &out);
  return out;
}

const std::string kLbpBody =
    R"("referral_date":"2025-09-01","clinic":"K1","events":[{"id":"e1","date":"2025-09-03","code":"0110"},{"id":"e2","date":"2025-09-03","code":"0262"},{"id":"e3","date":"2025-09-10","code":"0263"}]})";
const std::string kSteBody = R"("events":[{"id":"e1","date":"2025-09-29","code":"0254"}]})";

}  // namespace

TEST_CASE("a set refuses two agreements of one name, and an empty list", "[set]") {
  std::string error;
  CHECK_FALSE(agr::AgreementSet::make({bundled("lbp"), bundled("ste"), bundled("lbp")}, &error));
  CHECK(error.find("two agreements are named 'lbp'") != std::string::npos);
  error.clear();
  CHECK_FALSE(agr::AgreementSet::make({}, &error));
  CHECK(error == "no agreement given");
  auto set = lbp_and_ste();
  CHECK(set->names() == "lbp, ste");
  CHECK(set->find("ste") == bundled("ste").get());
  CHECK(set->find("nope") == nullptr);
}

TEST_CASE("each history is judged by the agreement it names, byte for byte as by that agreement alone", "[set]") {
  agr::Evaluator both(lbp_and_ste()), lbp(bundled("lbp")), ste(bundled("ste"));
  for (const std::string& line : {R"({"id":"a","agreement":"lbp",)" + kLbpBody, R"({"agreement":"ste","id":"b",)" + kSteBody}) {
    INFO(line);
    const std::string out = run(both, line);
    CHECK(out.find("\"error\"") == std::string::npos);
    const bool is_lbp = line.find("\"lbp\"") != std::string::npos;
    CHECK(out == run(is_lbp ? lbp : ste, line));
    CHECK(out.find(is_lbp ? R"("agreement":"lbp")" : R"("agreement":"ste")") != std::string::npos);
  }
}

TEST_CASE("with several agreements, a history naming none or one not loaded is an error line listing them", "[set]") {
  agr::Evaluator both(lbp_and_ste());
  struct Row {
    std::string line, expected;
  };
  const Row rows[] = {
      {R"({"id":"a",)" + kLbpBody,
       R"({"id":"a","error":{"line":3,"message":"the history names no agreement (field 'agreement'), and this run has several: lbp, ste"}})"},
      {R"({"id":"a","agreement":"pathway_midtjylland",)" + kLbpBody,
       R"({"id":"a","error":{"line":3,"message":"the history names agreement 'pathway_midtjylland', which this run has not loaded; loaded: lbp, ste"}})"},
      {R"({"id":"a","agreement":7,)" + kLbpBody, "'agreement' must be a string, not a number"},
      {R"({"id":"a","agreement":"lbp","agreement":"ste",)" + kLbpBody, "key 'agreement' is written twice"},
      {R"({"id":"a","agreement":"LBP",)" + kLbpBody, "the history names agreement 'LBP', which this run has not loaded"},
  };
  for (const Row& row : rows) {
    INFO(row.line);
    const std::string out = run(both, row.line);
    CHECK(out.find(row.expected) != std::string::npos);
  }
}

TEST_CASE("with one agreement, a history naming another is an error line; naming it or none is fine", "[set]") {
  agr::Evaluator lbp(bundled("lbp"));
  CHECK(run(lbp, R"({"id":"a","agreement":"ste",)" + kLbpBody)
            .find(R"("message":"the history names agreement 'ste', but this run has only 'lbp'")") != std::string::npos);
  CHECK(run(lbp, R"({"id":"a","agreement":"",)" + kLbpBody).find("names agreement '', but this run has only 'lbp'") !=
        std::string::npos);
  const std::string named = run(lbp, R"({"id":"a","agreement":"lbp",)" + kLbpBody);
  CHECK(named.find("\"error\"") == std::string::npos);
  CHECK(named == run(lbp, R"({"id":"a",)" + kLbpBody));
}

TEST_CASE("the structured API chooses by HistoryInput::agreement and says which agreement judged", "[set]") {
  agr::Evaluator both(lbp_and_ste());
  agr::HistoryInput h;
  h.id = "b";
  h.events = {{"e1", "2025-09-29", "0254", std::nullopt, {}}};
  agr::CourseVerdict v;
  CHECK_FALSE(both.evaluate(h, std::nullopt, &v));
  CHECK(v.error.find("names no agreement") != std::string::npos);
  h.agreement = "ste";
  REQUIRE(both.evaluate(h, std::nullopt, &v));
  CHECK(v.agreement == bundled("ste").get());
  CHECK(v.events[0].status == agr::EventStatus::Rejected);

  agr::CourseVerdict w;
  std::string id;
  REQUIRE(both.evaluate_json(R"({"id":"a","agreement":"lbp",)" + kLbpBody, std::nullopt, &w, &id));
  CHECK(id == "a");
  CHECK(w.agreement == bundled("lbp").get());
}
