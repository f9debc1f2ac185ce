// The compiler's checks and the bytecode it emits, on small agreements written inline.
#include <catch2/catch.hpp>

#include "disassemble.h"
#include "bundled.h"
#include "driver.h"

namespace {

const char* const kHeader = R"(
agreement t "Test"
flag video "Video"
service 0261 "Initial"
service 0266 "Training"
supplement 2001 "Supplement"
price level 2024-10-01
  0261 fee 327.12 subsidy 128.56 patient 198.56
before first price level no fee
group initial = 0261
course starts with initial ends with 0266
)";

struct Result {
  bool ok;
  std::string diagnostics;
  agr::Compilation compilation;
};

Result compile_text(const std::string& body) {
  agr::SourceFile file{"t.agr", std::string(kHeader) + body};
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  return {!diags.has_errors(), diags.render(file), std::move(c)};
}

// The opcodes of a function, in order.
std::vector<agr::Opcode> opcodes(const agr::Program& p, const agr::Function& f) {
  std::vector<agr::Opcode> ops;
  for (uint32_t pc = f.code_begin; pc < f.code_end; ++pc) ops.push_back(p.code[pc].op);
  return ops;
}

}  // namespace

TEST_CASE("a rule with a window compiles to the expected instruction sequence", "[compiler][bytecode]") {
  Result r = compile_text(R"(
rule T-1 for 0266
  require date in start .. start + 3 months
  message "m" source "s"
)");
  REQUIRE(r.ok);
  const agr::Program& p = *r.compilation.program;
  REQUIRE(p.rules.size() == 1);
  const agr::Function& f = p.functions[p.rules[0].function];
  const std::vector<agr::Opcode> ops = opcodes(p, f);
  using O = agr::Opcode;
  CHECK(ops == std::vector<O>{O::EVENT_DATE, O::COURSE_START, O::JUMP_IF_NONE, O::COURSE_START, O::JUMP_IF_NONE,
                              O::ADD_MONTHS, O::LE, O::LE, O::AND, O::JUMP_IF_FALSE, O::HOLD, O::FAIL});
  // An absent start skips the clause: the rule holds.
  CHECK(p.code[f.code_begin + 2].k == static_cast<int32_t>(f.code_begin + 10));
  CHECK(p.code[f.code_begin + 5].k == 3);
  CHECK(agr::disassemble(p).find("ADD_MONTHS") != std::string::npos);
}

TEST_CASE("an unknown service code gets a did-you-mean hint", "[compiler][diagnostics]") {
  Result r = compile_text("rule T-1 for 0262\n  require started\n  message \"m\" source \"s\"\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("t.agr:12:14: error: unknown service code or group '0262'") != std::string::npos);
  CHECK(r.diagnostics.find("did you mean '0261'?") != std::string::npos);
}

TEST_CASE("an unknown group name gets a did-you-mean hint", "[compiler][diagnostics]") {
  Result r = compile_text("rule T-1 for initail\n  require started\n  message \"m\" source \"s\"\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("did you mean 'initial'?") != std::string::npos);
}

TEST_CASE("adding a date to a date is a type error", "[compiler][diagnostics]") {
  Result r = compile_text("rule T-1 for 0266\n  require date < start + start\n  message \"m\" source \"s\"\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("cannot add a date to a date") != std::string::npos);
}

TEST_CASE("comparing a count with a date is a type error", "[compiler][diagnostics]") {
  Result r = compile_text("rule T-1 for 0266\n  require count(0266) < start\n  message \"m\" source \"s\"\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("cannot compare a count with a date") != std::string::npos);
}

TEST_CASE("a rule without message or source is refused", "[compiler][diagnostics]") {
  Result r = compile_text("rule T-1 for 0266\n  require started\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("T-1 has no message") != std::string::npos);
  CHECK(r.diagnostics.find("T-1 names no source passage") != std::string::npos);
}

TEST_CASE("a fee that is not subsidy plus patient share is refused", "[compiler][diagnostics]") {
  agr::SourceFile file{"f.agr", "agreement f \"F\"\nservice 0261 \"x\"\nprice level 2025-01-01\n"
                               "  0261 fee 10.00 subsidy 4.00 patient 5.00\nbefore first price level no fee\n"};
  agr::Diagnostics diags;
  agr::compile(file, diags);
  CHECK(diags.render(file).find("does not add up: subsidy + patient share is 9.00, not 10.00") != std::string::npos);
}

TEST_CASE("a warning cannot reject and a rule cannot warn", "[compiler][diagnostics]") {
  Result r = compile_text(R"(
warning T-1 for 0266
  reject if started
  message "m" source "s"
rule T-2 for 0266
  warn if started
  message "m" source "s"
)");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("a warning cannot reject") != std::string::npos);
  CHECK(r.diagnostics.find("`warn if` belongs in a warning") != std::string::npos);
}

TEST_CASE("a definition may not refer to itself", "[compiler][diagnostics]") {
  Result r = compile_text("define x = y\ndefine y = x\nrule T-1 for 0266\n  require x\n  message \"m\" source \"s\"\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("defined in terms of itself") != std::string::npos);
}

TEST_CASE("one rule id may judge disjoint codes, never the same code twice", "[compiler][diagnostics]") {
  Result disjoint = compile_text(R"(
rule T-1 for 0261
  require not started
  message "m" source "s"
rule T-1 for 0266
  require started
  message "m" source "s"
)");
  CHECK(disjoint.ok);
  Result overlapping = compile_text(R"(
rule T-1 for 0261, 0266
  require not started
  message "m" source "s"
rule T-1 for 0266
  require started
  message "m" source "s"
)");
  CHECK_FALSE(overlapping.ok);
  CHECK(overlapping.diagnostics.find("T-1 is already declared for 0266") != std::string::npos);
}

TEST_CASE("a due item may not look at an event", "[compiler][diagnostics]") {
  Result r = compile_text("due T-9 0266\n  when flagged video\n  earliest start\n  target start + 4 weeks\n");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("refers to an event, and a due item has none") != std::string::npos);
}

TEST_CASE("several errors are reported in one run", "[compiler][diagnostics]") {
  Result r = compile_text(R"(
rule T-1 for 0999
  require started
  message "m" source "s"
rule T-2 for 0266
  require flagged holiday
  message "m" source "s"
)");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.find("'0999'") != std::string::npos);
  CHECK(r.diagnostics.find("unknown flag 'holiday'") != std::string::npos);
}

TEST_CASE("every bundled agreement compiles and its bytecode verifies", "[compiler]") {
  for (const char* name : {"lbp", "ste", "pathway-midtjylland", "pathway-nordjylland"}) {
    INFO(name);
    agr::testing::bundled_agreement(name);  // compiled, then verified by the loader
  }
}

TEST_CASE("a date moves by a duration written out, directly or through a define", "[compiler][diagnostics]") {
  Result defined = compile_text(R"(
define period = 3 months
rule T-1 for 0266
  require date <= start + period
  message "m" source "s"
)");
  REQUIRE(defined.ok);
  const agr::Program& p = *defined.compilation.program;
  bool moves_three_months = false;
  for (const auto& ins : p.code) moves_three_months |= ins.op == agr::Opcode::ADD_MONTHS && ins.k == 3;
  CHECK(moves_three_months);

  Result chosen = compile_text(R"(
rule T-1 for 0266
  require date <= start + (if started then 3 months else 6 months)
  message "m" source "s"
)");
  CHECK_FALSE(chosen.ok);
  CHECK(chosen.diagnostics.find("the duration a date moves by must be written out") != std::string::npos);
}

TEST_CASE("a definition used twice is computed once, and registers are reused across clauses", "[compiler][bytecode]") {
  Result r = compile_text(R"(
define window_end = start + 3 months
rule T-1 for 0266
  require date <= window_end
  require count(0266 in start .. window_end) < 6
  message "m" source "s"
)");
  REQUIRE(r.ok);
  const agr::Program& p = *r.compilation.program;
  const agr::Function& f = p.functions[p.rules[0].function];
  const std::vector<agr::Opcode> ops = opcodes(p, f);
  using O = agr::Opcode;
  // window_end is computed once (one ADD_MONTHS) into r1, which holds it or absent (LOAD_NONE);
  // each use tests r1 (the two JUMP_IF_NONE on a=1). The second clause's values take the first
  // clause's registers again: five registers, where one per value took eleven.
  CHECK(ops == std::vector<O>{O::EVENT_DATE, O::COURSE_START, O::JUMP_IF_NONE, O::ADD_MONTHS, O::JUMP, O::LOAD_NONE,
                              O::JUMP_IF_NONE, O::LE, O::JUMP_IF_FALSE, O::COURSE_START, O::JUMP_IF_NONE,
                              O::JUMP_IF_NONE, O::COUNT_IN, O::LOAD_INT, O::LT, O::JUMP_IF_FALSE, O::HOLD, O::FAIL});
  auto at = [&](size_t i) { return p.code[f.code_begin + i]; };
  CHECK(at(5).a == 1);                          // LOAD_NONE r1
  CHECK((at(6).a == 1 && at(11).a == 1));       // both uses test r1
  CHECK((at(12).b == 0 && at(12).c == 1));      // COUNT_IN start .. window_end
  CHECK(at(9).a == 0);                          // the second clause's start reuses r0 (the event's date)
  CHECK(f.registers.size() == 5);
  // An absent start skips each clause: the first jumps to the second, the second to HOLD.
  CHECK(at(6).k == static_cast<int32_t>(f.code_begin + 9));
  CHECK(at(11).k == static_cast<int32_t>(f.code_begin + 16));
}

TEST_CASE("a rule that names its definitions many times compiles: it needed 265 registers", "[compiler][regression]") {
  // An osteoarthritis course's author hit "OA-7 is too complex: it needs 265 registers, and a rule may
  // use 256" with this rule: each use of a definition was compiled anew, into fresh registers.
  std::string require;
  for (int i = 0; i < 14; ++i)
    require += std::string(i ? " or\n          " : "") + "(in_course and this_week + last_week < " + std::to_string(i + 2) + ")";
  const std::string defines = R"(
define week_from = date - 6 days
define week_to = date + 6 days
define this_week = count(0266 in week_from .. week_to)
define last_week = count(0266 in week_from - 7 days .. week_to - 7 days)
define in_course = date in start .. start + 12 weeks
)";
  Result r = compile_text(defines + "rule OA-7 for 0266\n  require " + require + "\n  message \"m\" source \"s\"\n");
  INFO(r.diagnostics);
  REQUIRE(r.ok);
  const agr::Program& p = *r.compilation.program;
  CHECK(p.functions[p.rules[0].function].registers.size() <= 12);

  // The same rule with every definition written out where it is used judges alike.
  std::string expanded = require;
  for (auto [name, body] : std::vector<std::pair<std::string, std::string>>{
           {"this_week", "count(0266 in date - 6 days .. date + 6 days)"},
           {"last_week", "count(0266 in date - 6 days - 7 days .. date + 6 days - 7 days)"},
           {"in_course", "(date in start .. start + 12 weeks)"}})
    for (size_t at; (at = expanded.find(name)) != std::string::npos;) expanded.replace(at, name.size(), body);
  Result plain = compile_text("rule OA-7 for 0266\n  require " + expanded + "\n  message \"m\" source \"s\"\n");
  INFO(plain.diagnostics);
  REQUIRE(plain.ok);
  std::string error;
  auto with_defines = agr::Agreement::from_program(*r.compilation.program, &error);
  auto written_out = agr::Agreement::from_program(*plain.compilation.program, &error);
  REQUIRE((with_defines && written_out));
  std::string events;
  for (int day = 0; day < 40; ++day) {
    const std::string date = agr::format_date(agr::Day(20300 + day / 2));  // two a day
    events += std::string(day ? "," : "") + R"({"id":"e)" + std::to_string(day) + R"(","date":")" + date +
              R"(","code":")" + (day == 2 ? "0261" : "0266") + "\"}";
  }
  const std::string line = R"({"id":"c","events":[)" + events + "]}";
  agr::Evaluator a(with_defines), b(written_out);
  std::string out_a, out_b;
  a.evaluate_json_line(line, 1, std::nullopt, &out_a);
  b.evaluate_json_line(line, 1, std::nullopt, &out_b);
  CHECK(out_a == out_b);
  CHECK(out_a.find("\"rejected\"") != std::string::npos);
  CHECK(out_a.find("\"accepted\"") != std::string::npos);
}

TEST_CASE("calendar windows, days of the week and years since compile to their instructions", "[compiler][bytecode]") {
  Result r = compile_text(R"(
rule T-1 for 0266
  require count(0266 in calendar week of date) < 2
  require date is not saturday, sunday
  require years since start >= 1
  message "m" source "s"
)");
  REQUIRE(r.ok);
  const agr::Program& p = *r.compilation.program;
  const agr::Function& f = p.functions[p.rules[0].function];
  const std::vector<agr::Opcode> ops = opcodes(p, f);
  using O = agr::Opcode;
  CHECK(ops == std::vector<O>{O::EVENT_DATE, O::PERIOD_START, O::PERIOD_END, O::COUNT_IN, O::LOAD_INT, O::LT,
                              O::JUMP_IF_FALSE, O::EVENT_DATE, O::WEEKDAY_IN, O::JUMP_IF_FALSE, O::COURSE_START,
                              O::JUMP_IF_NONE, O::EVENT_DATE, O::YEARS_BETWEEN, O::LOAD_INT, O::LE,
                              O::JUMP_IF_FALSE, O::HOLD, O::FAIL});
  CHECK(p.code[f.code_begin + 1].k == 0);     // the week
  CHECK(p.code[f.code_begin + 8].k == 0x1f);  // not Saturday or Sunday: Monday to Friday
}

TEST_CASE("a function-like name is an unknown name, with the names there are", "[compiler][diagnostics]") {
  Result r = compile_text(R"(
define adult = years since start >= 18
rule T-1 for 0266
  require weekday(date) < 6
  require cout(0266 today) < 2
  require adult(date)
  require frobnicate(1, 2)
  message "m" source "s"
)");
  CHECK_FALSE(r.ok);
  const std::string& d = r.diagnostics;
  CHECK(d.find("t.agr:15:11: error: unknown name 'weekday'") != std::string::npos);
  CHECK(d.find("hint: for the day of the week, write `date is monday .. friday`; only `count(...)` takes parentheses, "
               "and this agreement's definitions and facts are adult") != std::string::npos);
  CHECK(d.find("unknown name 'cout'") != std::string::npos);
  CHECK(d.find("did you mean 'count'?") != std::string::npos);
  CHECK(d.find("'adult' is a definition, and takes nothing in parentheses") != std::string::npos);
  CHECK(d.find("unknown name 'frobnicate'") != std::string::npos);
  CHECK(d.find("unexpected '('") == std::string::npos);
}
