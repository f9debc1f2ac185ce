// Facts about the patient and the referral: declared in the agreement, read strictly from the
// history's `facts` (docs/io-contract.md), usable in rules with absence as for `referral`.
#include <catch2/catch.hpp>

#include "agr/agr.h"
#include "bundled.h"
#include "driver.h"
#include "verify.h"

namespace {

const char* const kAgreement = R"(agreement fx "Facts"
fact birth_date date required "The patient's date of birth."
fact diagnosis code required "The referral's diagnosis (SKS)."
fact earlier_course boolean "An earlier course for the same problem."
fact sessions integer "Sessions already given elsewhere."
fact region string
service 0301 "Indledende konsultation"
rule F-1 for 0301
  require years since birth_date >= 16
  message "From the age of 16." source "s"
rule F-2 for 0301
  require diagnosis in DM16*, DM17*, "M16.1"
  message "Osteoarthritis of the hip or knee." source "s"
rule F-3 for 0301
  reject if earlier_course
  require (sessions otherwise 0) < 3
  reject if region = "Nord"
  message "m" source "s"
)";

std::shared_ptr<const agr::Agreement> agreement() {
  static std::shared_ptr<const agr::Agreement> loaded = agr::testing::compiled_agreement({"fx.agr", kAgreement});
  return loaded;
}

std::string run(const std::string& facts, const std::string& date = "2025-03-03") {
  agr::Evaluator evaluator(agreement());
  std::string out;
  evaluator.evaluate_json_line(R"({"id":"c",)" + facts + R"("events":[{"id":"e1","date":")" + date +
                                   R"(","code":"0301"}]})",
                               3, std::nullopt, &out);
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("facts are read strictly: missing, mistyped and undeclared facts are error lines", "[facts][reader]") {
  struct Row {
    const char* facts;
    const char* message;
  };
  const Row rows[] = {
      {"", "missing fact 'birth_date': agreement fx requires birth_date (date), diagnosis (code)"},
      {R"("facts":{"diagnosis":"DM161"},)", "missing fact 'birth_date'"},
      {R"("facts":{"birth_date":"2000-01-01"},)", "missing fact 'diagnosis'"},
      {R"("facts":{"birth_date":20000101,"diagnosis":"DM161"},)", "fact 'birth_date' must be a date YYYY-MM-DD, not a number"},
      {R"("facts":{"birth_date":"2000-02-30","diagnosis":"DM161"},)", "fact 'birth_date' is not a calendar date YYYY-MM-DD: '2000-02-30'"},
      {R"("facts":{"birth_date":null,"diagnosis":"DM161"},)", "fact 'birth_date' must be a date YYYY-MM-DD, not null"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM 161"},)", "fact 'diagnosis' is not a code"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":""},)", "fact 'diagnosis' is not a code"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":161},)", "fact 'diagnosis' must be a code (a string), not a number"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM161","earlier_course":"yes"},)",
       "fact 'earlier_course' must be true or false, not a string"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM161","sessions":2.5},)",
       "fact 'sessions' must be a whole number, not a number with a decimal point"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM161","sessions":18446744073709551615},)",
       "fact 'sessions' is out of range"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM161","sessions":9007199254740993},)",
       "fact 'sessions' is out of range"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM161","region":7},)", "fact 'region' must be a string, not a number"},
      {R"("facts":{"birth_date":"2000-01-01","diagnosis":"DM161","birthdate":"2000-01-01"},)",
       "unknown fact 'birthdate'; agreement fx declares birth_date (date, required), diagnosis (code, required), "
       "earlier_course (boolean), sessions (integer), region (string)"},
      {R"("facts":{"birth_date":"2000-01-01","birth_date":"2001-01-01","diagnosis":"DM161"},)",
       "fact 'birth_date' is given twice"},
      {R"("facts":["birth_date"],)", "'facts' must be an object, not an array"},
  };
  for (const Row& row : rows) {
    INFO(row.facts);
    const std::string out = run(row.facts);
    INFO(out);
    CHECK(contains(out, R"({"id":"c","error":{"line":3,"message":")"));
    CHECK(contains(out, row.message));
  }
}

TEST_CASE("facts in rules: an age limit, a diagnosis by prefix, absent optional facts", "[facts]") {
  const std::string base = R"("birth_date":"2008-02-29","diagnosis":"DM161")";
  auto status = [&](const std::string& facts, const std::string& date) {
    const std::string out = run(R"("facts":{)" + facts + "},", date);
    INFO(out);
    if (contains(out, "\"accepted\"")) return std::string("accepted");
    std::string rules;
    for (const char* id : {"F-1", "F-2", "F-3"})
      if (contains(out, std::string("\"rule\":\"") + id + "\"")) rules += std::string(rules.empty() ? "" : " ") + id;
    return rules;
  };
  // 16 on 2024-02-29, the day before is 15.
  CHECK(status(base, "2024-02-28") == "F-1");
  CHECK(status(base, "2024-02-29") == "accepted");
  // DM16*, DM17* and exactly M16.1.
  CHECK(status(R"("birth_date":"2000-01-01","diagnosis":"DM17")", "2025-03-03") == "accepted");
  CHECK(status(R"("birth_date":"2000-01-01","diagnosis":"M16.1")", "2025-03-03") == "accepted");
  CHECK(status(R"("birth_date":"2000-01-01","diagnosis":"M16.10")", "2025-03-03") == "F-2");
  CHECK(status(R"("birth_date":"2000-01-01","diagnosis":"DM1")", "2025-03-03") == "F-2");
  CHECK(status(R"("birth_date":"2000-01-01","diagnosis":"dm161")", "2025-03-03") == "F-2");  // codes are exact
  // Optional facts: absent, the clause that needs them is not evaluated; `otherwise` catches it.
  CHECK(status(base + R"(,"earlier_course":true)", "2025-03-03") == "F-3");
  CHECK(status(base + R"(,"earlier_course":false)", "2025-03-03") == "accepted");
  CHECK(status(base + R"(,"sessions":2)", "2025-03-03") == "accepted");
  CHECK(status(base + R"(,"sessions":3)", "2025-03-03") == "F-3");
  CHECK(status(base + R"(,"region":"Nord")", "2025-03-03") == "F-3");
  CHECK(status(base + R"(,"region":"Nordjylland")", "2025-03-03") == "accepted");
}

TEST_CASE("facts through the C++ API are checked as in JSON", "[facts][api]") {
  agr::Evaluator evaluator(agreement());
  agr::HistoryInput h;
  h.id = "c";
  h.events.push_back({"e1", "2025-03-03", "0301", {}, {}});
  agr::CourseVerdict v;
  CHECK_FALSE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(contains(v.error, "missing fact 'birth_date'"));
  h.facts = {agr::FactInput::string("birth_date", "2008-02-29"), agr::FactInput::string("diagnosis", "DM161"),
             agr::FactInput::integer_value("sessions", 3)};
  REQUIRE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(v.events[0].status == agr::EventStatus::Rejected);  // F-3: three sessions already
  h.facts[2] = agr::FactInput::boolean_value("sessions", true);
  CHECK_FALSE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(contains(v.error, "fact 'sessions' must be a whole number, not a boolean"));
  h.facts[2] = agr::FactInput::boolean_value("earlier", true);
  CHECK_FALSE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(contains(v.error, "unknown fact 'earlier'"));
}

TEST_CASE("facts are declared once, with a type, and tested as their type allows", "[facts][diagnostics]") {
  auto diagnostics = [](const std::string& body) {
    agr::SourceFile file{"f.agr", "agreement f \"F\"\nservice 0301 \"x\"\n" + body};
    agr::Diagnostics diags;
    agr::compile(file, diags);
    return diags.render(file);
  };
  const std::string rule = "rule F-1 for 0301\n  require ";
  const std::string tail = "\n  message \"m\" source \"s\"\n";
  CHECK(contains(diagnostics("fact born datum\n"), "f.agr:3:11: error: 'datum' is not a type of fact"));
  CHECK(contains(diagnostics("fact born integr\n"), "did you mean 'integer'?"));
  CHECK(contains(diagnostics("fact born date\nfact born date\n"), "fact 'born' is declared twice"));
  CHECK(contains(diagnostics("fact 0301 date\n"), "unexpected '0301'"));
  CHECK(contains(diagnostics("flag born\nfact born date\n"), "'born' is already the name of a service, group, flag or definition"));
  CHECK(contains(diagnostics("fact dx code\n" + rule + "dx < \"M\"" + tail), "`<` does not compare codes or texts"));
  CHECK(contains(diagnostics("fact dx code\n" + rule + "dx" + tail), "`require` needs a condition (yes or no), but this is a code or text"));
  CHECK(contains(diagnostics("fact dx code\nfact dy code\n" + rule + "dx = dy" + tail),
                 "a code or string fact is compared with a value in quotes"));
  CHECK(contains(diagnostics("fact born date\n" + rule + "born in DM16*" + tail),
                 "`in` a list of codes tests a code or string fact, but this is a date"));
  CHECK(contains(diagnostics("fact dx code\n" + rule + "(dx otherwise \"M\") = \"M\"" + tail),
                 "a code or string fact can only be tested"));
  CHECK(contains(diagnostics(rule + "borth_date < 2000-01-01" + tail), "unknown name 'borth_date'"));
  CHECK(contains(diagnostics("fact birth_date date\n" + rule + "birth_dat < 2000-01-01" + tail), "did you mean 'birth_date'?"));
  // Through a definition, a code fact is still a code fact.
  CHECK(diagnostics("fact dx code required\ndefine hip_or_knee = dx in DM16*, DM17*\ndefine d = dx\n" + rule +
                    "hip_or_knee and d != \"DM161\"" + tail)
            .empty());
}

TEST_CASE("the verifier checks every fact operand against the fact's type", "[facts][verify]") {
  agr::SourceFile file{"fx.agr", kAgreement};
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  REQUIRE(c.program);
  const agr::Program good = *c.program;
  auto refusal = [](const agr::Program& p) {
    std::string error;
    return agr::verify_program(p, &error) ? std::string() : error;
  };
  REQUIRE(refusal(good).empty());
  auto first = [&](agr::Program& p, agr::Opcode op) -> agr::Instruction& {
    for (auto& ins : p.code)
      if (ins.op == op) return ins;
    FAIL("no such instruction");
    return p.code[0];
  };
  {
    agr::Program p = good;  // birth_date (a date) loaded as if it were the integer fact `sessions`
    first(p, agr::Opcode::FACT).k = 3;
    CHECK(contains(refusal(p), "operand k is out of range"));
  }
  {
    agr::Program p = good;  // a code list tested against a date fact
    agr::Instruction& ins = first(p, agr::Opcode::FACT_MATCHES);
    ins.k = (ins.k & 0xffffff) | (0 << 24);
    CHECK(contains(refusal(p), "operand k is out of range"));
  }
  {
    agr::Program p = good;
    agr::Instruction& ins = first(p, agr::Opcode::FACT_MATCHES);
    ins.k = static_cast<int32_t>(p.text_patterns.size()) | (1 << 24);
    CHECK(contains(refusal(p), "operand k is out of range"));
  }
  {
    agr::Program p = good;
    p.facts[1].name = p.facts[0].name;
    CHECK(contains(refusal(p), "is declared twice"));
  }
}
