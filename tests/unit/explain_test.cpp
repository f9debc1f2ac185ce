// Explanations (runtime/explain.h, Evaluator::explain_json_line): the clause that decided each
// violation and warning and the values it compared; and the same verdict as without them.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bundled.h"
#include "driver.h"
#include "opcodes.h"
#include "program.h"

namespace {

const char* const kAgreement = R"(agreement t "Test"
service 0301 "Initial"
service 0302 "Training"
service 0303 "Final"
course starts with 0301 ends with 0303
define in_course = date in start .. (end otherwise start + 3 months)
rule T-1 for 0302
  require count(0302) < 2
  message "m" source "s"
rule T-2 for 0302
  when count(0302) >= 1
  require date in start .. start + 1 month
  message "m" source "s"
rule T-3 for 0301
  require clinic != clinic of last 0301
  message "m" source "s"
rule T-4 for 0303
  reject if not in_course
  message "m" source "s"
warning T-5 for 0303
  warn if count(0302) < 2
  message "m" source "s"
rule T-6 for 0303
  when in_course or count(0302) > 100
  reject if in_course and count(0302) < 1 and date > start + 5 days
  message "m" source "s"
)";

std::shared_ptr<const agr::Agreement> agreement() {
  return agr::testing::compiled_agreement({"t.agr", kAgreement});
}

std::string history(const std::string& events) {
  return R"({"id": "c", "clinic": "K1", "events": [)" + events + "]}";
}

std::string event(const char* id, const char* date, const char* code, const char* clinic = nullptr) {
  std::string out = std::string(R"({"id": ")") + id + R"(", "date": ")" + date + R"(", "code": ")" + code + "\"";
  if (clinic) out += std::string(R"(, "clinic": ")") + clinic + "\"";
  return out + "}";
}

// The verdict without its "explain" members, as JSON text.
std::string without_explanations(const std::string& line) {
  std::string out;
  for (size_t i = 0; i < line.size();) {
    const size_t at = line.find(",\"explain\":{", i);
    if (at == std::string::npos) {
      out += line.substr(i);
      break;
    }
    out += line.substr(i, at - i);
    size_t j = at + 12, depth = 1;
    bool in_string = false;
    for (; j < line.size() && depth > 0; ++j) {
      const char ch = line[j];
      if (in_string) {
        if (ch == '\\') ++j;
        else if (ch == '"') in_string = false;
      } else if (ch == '"') {
        in_string = true;
      } else if (ch == '{') {
        ++depth;
      } else if (ch == '}') {
        --depth;
      }
    }
    i = j;
  }
  return out;
}

struct Row {
  const char* what;
  std::string history;
  std::string explanation;  // expected in the output, exactly
};

}  // namespace

TEST_CASE("explain: the clause that decided and the values it compared", "[explain]") {
  agr::Evaluator evaluator(agreement());
  const std::vector<Row> rows = {
      {"a count at its limit",
       history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2025-09-02", "0302") + "," +
               event("e3", "2025-09-03", "0302") + "," + event("e4", "2025-09-04", "0302")),
       R"j({"rule":"T-1","message":"m","source":"s","explain":{"clause":"require count(0302) < 2","line":8,)j"
       R"j("values":[{"expr":"count(0302)","value":2}]}})j"},
      {"after a `when` that applies, the `require` that failed, with its window's bounds",
       history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2025-09-02", "0302") + "," +
               event("e3", "2025-10-02", "0302")),
       R"j({"rule":"T-2","message":"m","source":"s","explain":{"clause":"require date in start .. start + 1 month",)j"
       R"j("line":12,"values":[{"expr":"date","value":"2025-10-02"},{"expr":"start","value":"2025-09-01"},)j"
       R"j({"expr":"start + 1 month","value":"2025-10-01"}]}})j"},
      {"clinics by name",
       history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2025-09-02", "0301", "K1")),
       R"j({"rule":"T-3","message":"m","source":"s","explain":{"clause":"require clinic != clinic of last 0301",)j"
       R"j("line":15,"values":[{"expr":"clinic","value":"K1"},{"expr":"clinic of last 0301","value":"K1"}]}})j"},
      {"a definition: its parts, an absent one as null, and its value",
       history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2026-01-02", "0303")),
       R"j({"rule":"T-4","message":"m","source":"s","explain":{"clause":"reject if not in_course","line":18,)j"
       R"j("values":[{"expr":"date","value":"2026-01-02"},{"expr":"start","value":"2025-09-01"},)j"
       R"j({"expr":"end","value":null},{"expr":"start + 3 months","value":"2025-12-01"},)j"
       R"j({"expr":"in_course","value":false}]}})j"},
      {"a definition computed in an earlier clause and read again: its parts and its value all the same",
       history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2025-09-10", "0303")),
       R"j({"rule":"T-6","message":"m","source":"s","explain":{"clause":"reject if in_course and count(0302) < 1 and date > start + 5 days",)j"
       R"j("line":25,"values":[{"expr":"date","value":"2025-09-10"},{"expr":"start","value":"2025-09-01"},)j"
       R"j({"expr":"end","value":null},{"expr":"start + 3 months","value":"2025-12-01"},)j"
       R"j({"expr":"in_course","value":true},{"expr":"count(0302)","value":0},)j"
       R"j({"expr":"start + 5 days","value":"2025-09-06"}]}})j"},
      {"a warning",
       history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2025-09-02", "0303")),
       R"j({"rule":"T-5","message":"m","source":"s","event":"e2","explain":{"clause":"warn if count(0302) < 2",)j"
       R"j("line":21,"values":[{"expr":"count(0302)","value":0}]}})j"},
  };
  for (const Row& row : rows) {
    INFO(row.what << "\n" << row.history);
    std::string explained, plain;
    evaluator.explain_json_line(row.history, 1, std::nullopt, &explained);
    evaluator.evaluate_json_line(row.history, 1, std::nullopt, &plain);
    INFO(explained);
    CHECK_THAT(explained, Catch::Matchers::Contains(row.explanation));
    CHECK(without_explanations(explained) == plain);
  }
}

// The registers are reused and moves dropped after lowering (compiler/regalloc.cpp): every value
// the debug table notes must still be read from an instruction that writes a register of its type.
TEST_CASE("explain: every noted value is read after an instruction that writes it", "[explain]") {
  std::vector<agr::Program> programs;
  for (const std::string& name : agr::testing::bundled_names()) programs.push_back(agr::testing::bundled_program(name));
  programs.push_back(agr::testing::bundled_program("../examples/agreements/artrose"));  // facts, definitions
  programs.push_back(agreement()->program());
  for (const agr::Program& p : programs) {
    INFO(p.name);
    REQUIRE(p.debug.size() == p.functions.size());
    for (size_t f = 0; f < p.functions.size(); ++f) {
      const agr::Function& fn = p.functions[f];
      for (const agr::ValueInfo& v : p.debug[f].values) {
        INFO(v.text << " at " << v.pc);
        REQUIRE(v.pc >= fn.code_begin);
        REQUIRE(v.pc < fn.code_end);
        const agr::Instruction& ins = p.code[v.pc];
        const agr::Opcode op = ins.op;
        CHECK(agr::opcode_info(op).a != agr::OperandKind::None);
        CHECK(op != agr::Opcode::JUMP_IF_FALSE);
        CHECK(op != agr::Opcode::JUMP_IF_NONE);
        CHECK(op != agr::Opcode::DUE);
        CHECK(fn.registers[ins.a] == v.type);
      }
    }
  }
}

TEST_CASE("explain: an accepted history is written as without explanations", "[explain]") {
  agr::Evaluator evaluator(agreement());
  const std::string h = history(event("e1", "2025-09-01", "0301") + "," + event("e2", "2025-09-02", "0302"));
  std::string explained, plain;
  evaluator.explain_json_line(h, 1, std::nullopt, &explained);
  evaluator.evaluate_json_line(h, 1, std::nullopt, &plain);
  CHECK(explained == plain);
  std::string bad_explained, bad_plain;
  CHECK_FALSE(evaluator.explain_json_line("{not json", 7, std::nullopt, &bad_explained));
  evaluator.evaluate_json_line("{not json", 7, std::nullopt, &bad_plain);
  CHECK(bad_explained == bad_plain);
}

TEST_CASE("explain: every suite history gives the same verdict explained, and every broken rule an explanation",
          "[explain]") {
  namespace fs = std::filesystem;
  for (const char* name : {"lbp", "ste", "pathway-midtjylland", "pathway-nordjylland"}) {
    INFO(name);
    agr::Evaluator evaluator(agr::testing::bundled_agreement(name));
    simdjson::dom::parser parser;
    size_t histories = 0, explanations = 0;
    for (const auto& entry : fs::directory_iterator(std::string(AGR_SOURCE_DIR) + "/tests/suites/" + name)) {
      simdjson::dom::element doc;
      REQUIRE(parser.load(entry.path().string()).get(doc) == simdjson::SUCCESS);
      simdjson::dom::array cases;
      REQUIRE(doc["cases"].get(cases) == simdjson::SUCCESS);
      for (simdjson::dom::element c : cases) {
        simdjson::dom::element h;
        if (c["history"].get(h) != simdjson::SUCCESS) continue;
        std::optional<agr::Day> as_of;
        std::string_view text;
        agr::Day day;
        if (c["as_of"].get(text) == simdjson::SUCCESS && agr::parse_date(text, &day)) as_of = day;
        const std::string line = simdjson::minify(h);
        std::string explained, plain;
        evaluator.explain_json_line(line, 1, as_of, &explained);
        evaluator.evaluate_json_line(line, 1, as_of, &plain);
        INFO(line);
        CHECK(without_explanations(explained) == plain);
        // No broken rule without the clause that broke it.
        CHECK(explained.find("\"explain\":{\"clause\":null") == std::string::npos);
        for (size_t at = 0; (at = explained.find("\"explain\":", at)) != std::string::npos; ++at) ++explanations;
        ++histories;
      }
    }
    CHECK(histories > 10);
    CHECK(explanations > 0);
  }
}
