// Limits that keep agr safe on any input: each one is reached with a clear error, not by running
// out of memory or time. Source size and nesting (parse.h), line length (history_reader.h),
// events per course (evaluate.h), the tables of a bytecode file (bytecode_file.h); and the
// regressions of the bugs found while fuzzing, where a small input made the compiler, the
// verifier or the VM misbehave.
#include <catch2/catch.hpp>

#include "bundled.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../tools/agr/line_reader.h"
#include "agr/agr.h"
#include "bytecode_file.h"
#include "driver.h"
#include "evaluate.h"
#include "history_reader.h"
#include "parse.h"
#include "verify.h"

namespace {

struct Compiled {
  bool ok = false;
  std::string rendered;
  std::optional<agr::Program> program;
  double seconds = 0;
};

Compiled compile(std::string text) {
  const auto start = std::chrono::steady_clock::now();
  agr::SourceFile file{"limits.agr", std::move(text)};
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  Compiled out;
  out.ok = !diags.has_errors() && c.program.has_value();
  out.rendered = diags.render(file);
  out.program = std::move(c.program);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string kHeader = "agreement t \"Limits\"\nservice 0101 \"A\"\n";
const std::string kRuleTail = " message \"m\" source \"s\"\n";

std::shared_ptr<const agr::Agreement> bundled(const char* name) { return agr::testing::bundled_agreement(name); }

// A program with `services` services, one set holding them all, `rules` rules over that set and
// one shared HOLD body: valid unless a limit says otherwise.
agr::Program wide_program(size_t services, size_t rules, size_t sets = 1) {
  agr::Program p;
  p.name = "wide";
  for (size_t i = 0; i < services; ++i) p.services.push_back({"S" + std::to_string(i), "", false});
  std::vector<uint32_t> all(services);
  for (size_t i = 0; i < services; ++i) all[i] = static_cast<uint32_t>(i);
  p.sets.assign(sets, {});
  p.sets[0] = all;
  p.code.push_back({agr::Opcode::HOLD});
  for (size_t r = 0; r < rules; ++r) {
    p.rules.push_back({"R-" + std::to_string(r), false, 0, static_cast<uint32_t>(r), "m", "s", 1});
    p.functions.push_back({0, 1, {}, {1}});
  }
  return p;
}

std::string refusal(const std::string& bytes) {
  agr::Program p;
  std::string error;
  CHECK_FALSE(agr::read_bytecode(bytes, &p, &error));
  return error;
}

std::string refusal(agr::Program p) {
  std::string error;
  CHECK_FALSE(agr::Agreement::from_program(std::move(p), &error));
  return error;
}

// Patches a little-endian u32 into a bytecode file and fixes its checksum.
std::string patch_u32(std::string bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(v >> (8 * i));
  const uint64_t sum = agr::fnv1a64(std::string_view(bytes).substr(24));
  for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<char>(sum >> (8 * i));
  return bytes;
}

std::string history_line(size_t events, const char* code) {
  std::string line = R"({"id":"many","referral_date":"2025-01-01","events":[)";
  for (size_t i = 0; i < events; ++i) {
    if (i) line += ',';
    line += R"({"id":"e)" + std::to_string(i) + R"(","date":"2025-01-02","code":")" + code + "\"}";
  }
  return line + "]}";
}

}  // namespace

// ---- the source -------------------------------------------------------------------------------

TEST_CASE("a source at the size limit compiles; one byte more is refused", "[limits]") {
  std::string at_limit = kHeader + "rule R-1 for 0101 require count(0101) < 2" + kRuleTail;
  at_limit += std::string(agr::kMaxSourceBytes - at_limit.size(), '\n');
  REQUIRE(at_limit.size() == agr::kMaxSourceBytes);
  CHECK(compile(at_limit).ok);
  const Compiled over = compile(at_limit + "\n");
  CHECK_FALSE(over.ok);
  CHECK(contains(over.rendered, "the file is too large"));
}

TEST_CASE("read_source_file refuses a file over the limit without reading it all", "[limits]") {
  const auto path = std::filesystem::temp_directory_path() / "agr-limits-test-large.agr";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(agr::kMaxSourceBytes + 1, ' ');
  }
  agr::SourceFile file;
  std::string error;
  CHECK_FALSE(agr::read_source_file(path.string(), &file, &error));
  CHECK(contains(error, "too large"));
  std::filesystem::remove(path);
  // An endless file: refused after the limit, not read until memory runs out.
  error.clear();
  CHECK_FALSE(agr::read_source_file("/dev/zero", &file, &error));
  CHECK(contains(error, "too large"));
}

TEST_CASE("parentheses nest up to the limit, and one more is refused", "[limits]") {
  auto nested = [](size_t depth) {
    return kHeader + "define d = " + std::string(depth, '(') + "count(0101)" + std::string(depth, ')') +
           "\nrule R-1 for 0101 require d < 2" + kRuleTail;
  };
  // count(...) opens one more level itself.
  const Compiled ok = compile(nested(agr::kMaxNestingDepth - 1));
  INFO(ok.rendered);
  CHECK(ok.ok);
  const Compiled deep = compile(nested(agr::kMaxNestingDepth + 1));
  CHECK_FALSE(deep.ok);
  CHECK(contains(deep.rendered, "nested too deeply"));
}

TEST_CASE("long chains of not, if and + are refused as too deep, not by a stack overflow", "[limits]") {
  std::string nots, ifs, sums = "count(0101)";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  for (int i = 0; i < 5000; ++i) ifs += "if started then ";
  ifs += "started";
  for (int i = 0; i < 5000; ++i) ifs += " else started";
  for (int i = 0; i < 5000; ++i) sums += " + 1";
  for (const std::string& body : {nots + "started", ifs, sums + " < 2"}) {
    const Compiled c = compile(kHeader + "course starts with 0101 ends with 0101\nrule R-1 for 0101 require " + body +
                               kRuleTail);
    CHECK_FALSE(c.ok);
    CHECK(contains(c.rendered, "nested too deeply"));
  }
}

// ---- regressions: inputs that made the compiler hang, or accept what the runtime refuses -----

TEST_CASE("a chain of defines that doubles at each step compiles once, or is refused at once", "[limits][regression]") {
  // Each define uses the one before twice: 48 steps would be 2^48 nodes if each use were expanded.
  // lower.cpp computes a define once where both uses see that computation, so the chain is linear.
  {
    std::string source = kHeader + "define d0 = count(0101)\n";
    for (int i = 1; i < 48; ++i)
      source += "define d" + std::to_string(i) + " = d" + std::to_string(i - 1) + " + d" + std::to_string(i - 1) + "\n";
    source += "rule R-1 for 0101 require d47 < 2" + kRuleTail;
    const Compiled c = compile(source);
    INFO(c.rendered);
    REQUIRE(c.ok);
    CHECK(c.seconds < 10);
    CHECK(c.program->code.size() < 200);
  }
  // In the two branches of an `if`, neither computation reaches the other: each branch computes
  // the define, and the chain doubles. lower.cpp stops a function at its bound instead of
  // expanding on (it used to run out of memory).
  for (const char* root : {"count(0101)", "count(0101) + 2025-01-01"}) {  // the second: a type error
    std::string source = kHeader + "define d0 = " + root + "\n";
    for (int i = 1; i < 48; ++i)
      source += "define d" + std::to_string(i) + " = if count(0101) < 3 then d" + std::to_string(i - 1) + " else d" +
                std::to_string(i - 1) + " + 1\n";
    source += "rule R-1 for 0101 require d47 < 2" + kRuleTail;
    const Compiled c = compile(source);
    INFO(c.rendered);
    CHECK_FALSE(c.ok);
    CHECK(c.seconds < 10);
    // check.cpp types a define once even when its type is an error (it used to retype it at every
    // use: 2^48 times), so the error is reported once.
    if (std::string(root).find("2025") != std::string::npos) {
      CHECK(contains(c.rendered, "cannot add a date to a count"));
      CHECK(c.rendered.find("error:") == c.rendered.rfind("error:"));
    } else {
      CHECK(contains(c.rendered, "is too complex"));
    }
  }
}

TEST_CASE("the code a define expands to is bounded across the agreement", "[limits][regression]") {
  std::string sum = "count(0101)";
  for (int i = 0; i < 120; ++i) sum += " + count(0101)";
  std::string source = kHeader + "define big = " + sum + "\n";
  for (int i = 0; i < 6000; ++i) source += "rule R-" + std::to_string(i) + " for 0101 require big < 2" + kRuleTail;
  const Compiled c = compile(source);
  CHECK_FALSE(c.ok);
  CHECK(contains(c.rendered, "instructions"));
  CHECK(c.seconds < 20);
}

TEST_CASE("many rules with one id over large groups compile in linear time", "[limits][regression]") {
  // resolve.cpp compared every pair of rules with one id code by code: 600 rules over groups of
  // 2048 codes took minutes. Now one pass per id.
  std::string source = "agreement t \"Limits\"\n";
  std::string a = "group ga = ", b = "group gb = ";
  for (int i = 0; i < 2048; ++i) {
    source += "service A" + std::to_string(i) + " \"a\"\nservice B" + std::to_string(i) + " \"b\"\n";
    a += (i ? "," : "") + std::string("A") + std::to_string(i);
    b += (i ? "," : "") + std::string("B") + std::to_string(i);
  }
  source += a + ",B2047\n" + b + "\nrule R-1 for ga require count(ga) < 2" + kRuleTail;
  for (int i = 0; i < 600; ++i) source += "rule R-1 for gb require count(gb) < 2" + kRuleTail;
  const Compiled c = compile(source);
  CHECK_FALSE(c.ok);
  CHECK(contains(c.rendered, "R-1 is already declared for B2047 at line"));
  CHECK(c.seconds < 20);
}

TEST_CASE("line numbers of many rules are found without rescanning the source", "[limits][regression]") {
  // lower.cpp and emit.cpp ask for a line per rule and clause; each question scanned the whole
  // text (SourceFile::position_of), quadratic in the file. 20000 rules on one line and on many.
  std::string source = kHeader;
  for (int i = 0; i < 20000; ++i) source += "rule R-" + std::to_string(i) + " for 0101 require count(0101) < 2" + kRuleTail;
  for (const bool one_line : {false, true}) {
    std::string text = source;
    if (one_line) std::replace(text.begin(), text.end(), '\n', ' ');
    const Compiled c = compile(text);
    INFO(c.rendered.substr(0, 500));
    CHECK(c.ok);
    CHECK(c.seconds < 20);
    if (c.program) CHECK(c.program->rules.back().line == (one_line ? 1u : 20002u));
  }
}

TEST_CASE("many distinct sets are indexed, not searched linearly", "[limits][regression]") {
  std::string source = "agreement t \"Limits\"\n";
  for (int i = 0; i < 300; ++i) source += "service S" + std::to_string(i) + " \"s\"\n";
  int n = 0;
  for (int i = 0; i < 300 && n < 30000; ++i)
    for (int j = i + 1; j < 300 && n < 30000; ++j, ++n)
      source += "define d" + std::to_string(n) + " = count(S" + std::to_string(i) + ",S" + std::to_string(j) + ")\n";
  source += "rule R-1 for S1 require d0 < 2" + kRuleTail;
  const Compiled c = compile(source);
  CHECK(c.ok);
  CHECK(c.seconds < 20);
}

TEST_CASE("a fee over the limit is refused by the compiler, not by the runtime", "[limits][regression]") {
  // The compiler took any fee of up to 15 digits; the verifier refused more than 2^50 øre, so
  // `agr run` said "internal error: the compiler produced invalid bytecode".
  const std::string over = kHeader + "price level 2025-01-01\n" +
                           "  0101 fee 20000000000000.00 subsidy 10000000000000.00 patient 10000000000000.00\n" +
                           "before first price level no fee\n" + "rule R-1 for 0101 require count(0101) < 2" + kRuleTail;
  const Compiled c = compile(over);
  CHECK_FALSE(c.ok);
  CHECK(contains(c.rendered, "the fee of 0101 is too large (at most 1000000000000.00)"));

  const std::string at = kHeader + "price level 2025-01-01\n" +
                         "  0101 fee 1000000000000.00 subsidy 1.00 patient 999999999999.00\n" +
                         "before first price level no fee\n" + "rule R-1 for 0101 require count(0101) >= 0" + kRuleTail;
  Compiled ok = compile(at);
  REQUIRE(ok.ok);
  std::string error;
  auto agreement = agr::Agreement::from_program(std::move(*ok.program), &error);
  REQUIRE(agreement);
  // At the limit, a course of the most events sums without overflow.
  agr::Evaluator evaluator(agreement);
  agr::HistoryInput h;
  h.id = "c";
  agr::Day day = 0;
  REQUIRE(agr::parse_date("2025-01-01", &day));
  for (size_t i = 0; i < agr::kMaxEventsPerCourse; ++i)
    h.events.push_back({"e" + std::to_string(i), agr::format_date(day + static_cast<agr::Day>(i)), "0101", {}, {}});
  agr::CourseVerdict v;
  REQUIRE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(v.totals.total == agr::kMaxFeeOre * static_cast<int64_t>(agr::kMaxEventsPerCourse));
  CHECK(v.totals.subsidy + v.totals.patient == v.totals.total);
}

// ---- the input lines --------------------------------------------------------------------------

TEST_CASE("a JSON line over the length limit is an error line; one at the limit is read", "[limits]") {
  agr::Evaluator evaluator(bundled("ste"));
  const std::string base = R"({"id":"long","events":[]})";
  std::string at_limit = base;
  at_limit.insert(1, std::string(agr::kMaxLineBytes - base.size(), ' '));
  REQUIRE(at_limit.size() == agr::kMaxLineBytes);
  std::string out;
  CHECK(evaluator.evaluate_json_line(at_limit, 1, std::nullopt, &out));
  CHECK(contains(out, R"({"id":"long","agreement":"ste")"));
  out.clear();
  CHECK_FALSE(evaluator.evaluate_json_line(" " + at_limit, 2, std::nullopt, &out));
  CHECK(out == R"({"id":null,"error":{"line":2,"message":"the line is longer than the limit of )" +
                   std::to_string(agr::kMaxLineBytes) + " bytes\"}}\n");
}

TEST_CASE("the command line's reader cuts an endless line instead of buffering it", "[limits][regression]") {
  // tools/agr/line_reader.h buffered a line whole, however long (a file without a newline could
  // take all memory); it now keeps max_line + 1 bytes, skips the rest, and goes on.
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  const std::string tail_of_long(5000, 'y');
  std::fputs("first\n", f);
  std::fputs((std::string(300, 'x') + tail_of_long + "\n").c_str(), f);
  std::fputs("third\nfourth-without-newline", f);
  std::rewind(f);
  agr::cli::LineReader reader(fileno(f), 100);
  std::string_view line;
  std::vector<std::string> lines;
  while (reader.next(&line)) lines.emplace_back(line);
  std::fclose(f);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "first");
  CHECK(lines[1] == std::string(101, 'x'));
  CHECK(lines[2] == "third");
  CHECK(lines[3] == "fourth-without-newline");
}

TEST_CASE("a course of the most events is evaluated; one more event is an error", "[limits]") {
  agr::Evaluator evaluator(bundled("lbp"));
  std::string out;
  CHECK(evaluator.evaluate_json_line(history_line(agr::kMaxEventsPerCourse, "9999"), 1, std::nullopt, &out));
  CHECK(contains(out, R"("status":"not_governed")"));
  out.clear();
  CHECK_FALSE(evaluator.evaluate_json_line(history_line(agr::kMaxEventsPerCourse + 1, "9999"), 2, std::nullopt, &out));
  CHECK(contains(out, "the course has 10001 events, over the limit of 10000"));

  agr::HistoryInput h;
  h.id = "many";
  h.referral_date = "2025-01-01";
  for (size_t i = 0; i <= agr::kMaxEventsPerCourse; ++i) h.events.push_back({"e" + std::to_string(i), "2025-01-02", "0261", {}, {}});
  agr::CourseVerdict v;
  CHECK_FALSE(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(contains(v.error, "over the limit of 10000"));
  h.events.pop_back();
  CHECK(evaluator.evaluate(h, std::nullopt, &v));
  CHECK(v.events.size() == agr::kMaxEventsPerCourse);
}

// ---- the bytecode -----------------------------------------------------------------------------

TEST_CASE("bytecode files over the table limits are refused before anything is allocated", "[limits]") {
  CHECK(contains(refusal(agr::write_bytecode(wide_program(agr::kMaxServices + 1, 1))),
                 "declares 4097 services, over the limit of 4096"));
  {
    agr::Program p = wide_program(1, 1);
    for (size_t i = 0; i <= agr::kMaxFlags; ++i) p.flags.push_back("f" + std::to_string(i));
    CHECK(contains(refusal(agr::write_bytecode(p)), "declares 65 flags, over the limit of 64"));
  }
  CHECK(contains(refusal(agr::write_bytecode(wide_program(1, agr::kMaxRules + 1))),
                 "declares 100001 rules, over the limit of 100000"));
  {
    agr::Program p = wide_program(1, 1);
    p.functions[0].registers.assign(agr::kMaxRegisters + 1, agr::RegType::Count);
    CHECK(contains(refusal(agr::write_bytecode(p)), "declares 257 registers, over the limit of 256"));
  }
  {
    agr::Program p = wide_program(1, 1);
    p.title = std::string(agr::kMaxStringBytes + 1, 't');
    CHECK(contains(refusal(agr::write_bytecode(p)), "exceeds the limit"));
  }
  {
    // The last table is the code: its count, then its one instruction; before it the debug
    // table's count (0 here). Claim one past the limit.
    const std::string bytes = agr::write_bytecode(wide_program(1, 1));
    const size_t at = bytes.size() - 12, debug_at = bytes.size() - 16;
    const std::string forged = patch_u32(bytes, at, static_cast<uint32_t>(agr::kMaxInstructions + 1));
    CHECK(contains(refusal(forged), "instructions, over the limit of"));
    // A count within the limit that the file does not hold is "truncated", not allocated.
    CHECK(contains(refusal(patch_u32(bytes, at, 1000000)), "truncated"));
    // The same for the debug table.
    CHECK(contains(refusal(patch_u32(bytes, debug_at, static_cast<uint32_t>(agr::kMaxFunctions + 1))),
                   "debug entries, over the limit of"));
    CHECK(contains(refusal(patch_u32(bytes, debug_at, 1000)), "truncated"));
  }
  {
    std::string huge = agr::write_bytecode(wide_program(1, 1));
    huge.resize(agr::kMaxBytecodeBytes + 1);
    CHECK(contains(refusal(huge), "larger than the limit"));
  }
  // A good one passes, so the refusals above are the limits' doing.
  agr::Program back;
  std::string error;
  CHECK(agr::read_bytecode(agr::write_bytecode(wide_program(agr::kMaxServices, 100)), &back, &error));
}

TEST_CASE("programs built in the process are held to the same limits", "[limits][regression]") {
  // from_program verified the tables but not their sizes: 65 flags would shift past an event's
  // 64-bit flag mask.
  agr::Program p = wide_program(1, 1);
  for (size_t i = 0; i <= agr::kMaxFlags; ++i) p.flags.push_back("f" + std::to_string(i));
  CHECK(contains(refusal(p), "the program has 65 flags, over the limit of 64"));
}

TEST_CASE("what the loader builds from the tables is bounded, not just the file", "[limits][regression]") {
  // 1025 rules over a set of 4096 services: 4M rule-service pairs for AgreementIndex from a file
  // of 60 kB (100000 such rules took 1.6 GB).
  CHECK(contains(refusal(wide_program(agr::kMaxServices, 1025)), "rule-service pairs, over the limit"));
  std::string error;
  CHECK(agr::Agreement::from_program(wide_program(agr::kMaxServices, 1024), &error));
  // 65537 empty sets beside 4096 services: 64 bitmap words each.
  CHECK(contains(refusal(wide_program(agr::kMaxServices, 1, 65537)), "too many sets"));
}

TEST_CASE("forged fees, texts and arithmetic are refused or harmless", "[limits][regression]") {
  {
    // subsidy + patient overflowed int64 in the verifier (undefined behaviour) before it compared.
    agr::Program p = wide_program(1, 1);
    p.price_levels.push_back({agr::Day(20000), ""});
    p.fees.push_back({0, 0, agr::kNoFlag, {0, int64_t(1) << 62, int64_t(1) << 62}});
    CHECK(contains(refusal(p), "not subsidy + patient share"));
    p.fees[0].split = {agr::kMaxFeeOre + 1, agr::kMaxFeeOre + 1, 0};
    CHECK(contains(refusal(p), "over the limit"));
  }
  {
    // A service code that is not UTF-8 reached the JSON output as it was.
    agr::Program p = wide_program(1, 1);
    p.services[0].code = "\xff\xfe";
    CHECK(contains(refusal(p), "not valid UTF-8"));
  }
  {
    // Additions past 2^63 wrap (as the JIT's do) instead of being undefined behaviour.
    agr::Program p = wide_program(1, 1);
    p.code.clear();
    p.code.push_back({agr::Opcode::LOAD_INT, 0, 0, 0, INT32_MAX});
    for (int i = 0; i < 40; ++i) p.code.push_back({agr::Opcode::ADD, 0, 0, 0, 0});
    p.code.push_back({agr::Opcode::HOLD});
    p.functions[0] = {0, static_cast<uint32_t>(p.code.size()), {agr::RegType::Count},
                      std::vector<uint32_t>(p.code.size(), 1)};
    std::string error;
    auto agreement = agr::Agreement::from_program(std::move(p), &error);
    INFO(error);
    REQUIRE(agreement);
    agr::Evaluator evaluator(agreement);
    std::string out;
    CHECK(evaluator.evaluate_json_line(R"({"id":"c","events":[{"id":"e","date":"2025-01-01","code":"S0"}]})", 1,
                                       std::nullopt, &out));
    CHECK(contains(out, R"("status":"accepted")"));
  }
}

// ---- diagnostics ------------------------------------------------------------------------------

TEST_CASE("diagnostics on a very long line show a window around the caret", "[limits][regression]") {
  // Each diagnostic printed its whole source line: 50 errors on a file written as one 3.6 MB
  // line made 180 MB of output. Now a window of the line, with the caret still under its place.
  std::string source = "agreement a \"t\" ";
  for (int i = 0; i < 100000; ++i) source += "flag f @ ";
  const Compiled c = compile(source);
  CHECK_FALSE(c.ok);
  CHECK(c.rendered.size() < 100000);
  std::istringstream lines(c.rendered);
  std::string line, shown;
  int windows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("...", 0) == 0) {
      shown = line;
      continue;
    }
    if (!shown.empty() && line.find('^') != std::string::npos) {
      const size_t caret = line.find('^');
      REQUIRE(caret < shown.size());
      CHECK(shown[caret] == '@');
      ++windows;
    }
    shown.clear();
  }
  CHECK(windows > 10);

  const Compiled long_name = compile(kHeader + "define d = " + std::string(100000, 'a') + "\n");
  CHECK_FALSE(long_name.ok);
  CHECK(contains(long_name.rendered, "unknown name 'aaaa"));
  CHECK(long_name.rendered.size() < 5000);
}

// ---- found on the way -------------------------------------------------------------------------

TEST_CASE("a due item cannot reach the event through a define of a define", "[regression]") {
  // check.cpp looked for event-only parts (clinic, flagged, today) in a define a due item uses,
  // but not in the defines that define uses: `outer = inner`, `inner = flagged video` passed.
  const std::string base = "agreement d \"Due\"\nflag video \"v\"\nservice 0101 \"A\"\nservice 0102 \"B\"\n"
                           "course starts with 0101 ends with 0102\n";
  const std::string due = "due D-1 0102\n  when outer\n  earliest start\n  target start + 2 weeks\n"
                          "  message \"m\"\n  source \"s\"\n";
  for (const char* inner : {"flagged video", "count(0101 today) > 0", "clinic = clinic of last 0101"}) {
    const Compiled c = compile(base + "define inner = " + inner + "\ndefine outer = inner\n" + due);
    INFO(inner << "\n" << c.rendered);
    CHECK_FALSE(c.ok);
    CHECK(contains(c.rendered, "refers to an event, and a due item has none"));
  }
  const Compiled fine = compile(base + "define inner = count(0101) > 0\ndefine outer = inner\n" + due);
  INFO(fine.rendered);
  CHECK(fine.ok);
}
