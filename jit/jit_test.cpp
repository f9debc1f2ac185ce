// The JIT tier against the VM: for every bundled and example agreement, the JIT's output is the
// VM's, byte for byte (Evaluator::evaluate_json_line), at opt levels 0 and 2, on every case of
// the agreement's regression suites, its example histories, synthetic LBP courses (bench/), and
// random histories built from the agreement's own codes, flags and facts (dates near both ends
// of the calendar included, so OutOfCalendar results are compared too).
#include <catch2/catch.hpp>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../bench/history_generator.h"
#include "../tests/unit/bundled.h"
#include "../tests/unit/opcode_variants.h"
#include "agr/agr.h"
#include "calendar.h"
#include "driver.h"
#include "disk_cache.h"
#include "jit.h"
#include "lower_to_llvm.h"
#include "program.h"

namespace fs = std::filesystem;

namespace {

struct Input {
  std::string line;
  std::optional<agr::Day> as_of;
  std::string origin;  // for failure messages
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::shared_ptr<const agr::Agreement> compile_source(const fs::path& path) {
  agr::SourceFile file;
  std::string error;
  REQUIRE(agr::read_source_file(path.string(), &file, &error));
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  INFO(diags.render(file));
  REQUIRE(!diags.has_errors());
  auto agreement = agr::Agreement::from_program(std::move(*c.program), &error);
  INFO(error);
  REQUIRE(agreement);
  return agreement;
}

std::vector<fs::path> agreements() {
  std::vector<fs::path> paths;
  for (const fs::path& dir : {fs::path(AGR_SOURCE_DIR) / "agreements", fs::path(AGR_SOURCE_DIR) / "examples" / "agreements"})
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".agr") paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  return paths;
}

void add_suite_cases(const std::string& name, std::vector<Input>* inputs) {
  for (const agr::testing::SuiteHistory& h : agr::testing::suite_histories(name)) {
    Input input{h.line, h.as_of, h.origin};
    inputs->push_back(input);
    // The same history judged at a few other dates, and at the calendar's last day.
    for (int shift : {-400, 30, 365}) {
      Input other = input;
      other.as_of = (input.as_of ? *input.as_of : agr::days_from_civil(2026, 1, 1)) + shift;
      other.origin += " as_of shifted";
      inputs->push_back(other);
    }
    Input end = input;
    end.as_of = agr::kLastDay;
    end.origin += " as_of 9999-12-31";
    inputs->push_back(end);
  }
}

void add_lines(const fs::path& path, std::vector<Input>* inputs) {
  if (!fs::exists(path)) return;
  std::istringstream in(read_file(path));
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) inputs->push_back({line, std::nullopt, path.filename().string() + ":" + std::to_string(++n)});
}

// Random histories from the agreement's own tables: its codes (and an unknown one), its flags,
// a few clinics, referrals or none, dates within `spread` days of `base` (a small spread puts
// many events on one day: the same-day combinations).
void add_random(const agr::Program& p, agr::Day base, int count, uint64_t seed, const std::string& tag,
                std::vector<Input>* inputs, int spread = 500) {
  std::mt19937_64 rng(seed);
  auto between = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % uint64_t(hi - lo + 1)); };
  auto clamp_day = [](int64_t d) { return static_cast<agr::Day>(std::clamp<int64_t>(d, agr::kFirstDay, agr::kLastDay)); };
  for (int h = 0; h < count; ++h) {
    std::string line = "{\"id\":\"r" + std::to_string(h) + "\"";
    const agr::Day first = clamp_day(base + between(0, 200));
    if (between(0, 9) < 8) line += ",\"referral_date\":\"" + agr::format_date(clamp_day(first - between(0, 30))) + "\"";
    if (between(0, 1)) line += ",\"clinic\":\"K1\"";
    if (!p.facts.empty()) {
      // Every declared fact, mostly: dates of birth around the ages rules test, codes from the
      // agreement's code lists (and one beside them), yes and no, small integers.
      std::string facts;
      for (const agr::Fact& fact : p.facts) {
        if (!fact.required && between(0, 3) == 0) continue;
        std::string value;
        switch (fact.type) {
          case agr::FactType::Date:
            value = "\"" + agr::format_date(clamp_day(first - between(15, 20) * 365 - between(0, 400))) + "\"";
            break;
          case agr::FactType::Integer: value = std::to_string(between(-2, 6)); break;
          case agr::FactType::Boolean: value = between(0, 1) ? "true" : "false"; break;
          case agr::FactType::Code:
          case agr::FactType::String: {
            std::vector<std::string> codes = {"DX1"};
            for (const agr::TextPatterns& list : p.text_patterns) {
              codes.insert(codes.end(), list.exact.begin(), list.exact.end());
              for (const std::string& prefix : list.prefixes) codes.push_back(prefix + std::to_string(between(0, 9)));
            }
            value = "\"" + codes[static_cast<size_t>(between(0, int64_t(codes.size()) - 1))] + "\"";
            break;
          }
        }
        facts += (facts.empty() ? "\"" : ",\"") + fact.name + "\":" + value;
      }
      line += ",\"facts\":{" + facts + "}";
    }
    line += ",\"events\":[";
    const int events = static_cast<int>(between(0, 30));
    std::vector<agr::Day> dates;
    for (int e = 0; e < events; ++e)
      dates.push_back(clamp_day(first + between(0, between(0, 1) ? std::min(spread, 120) : spread)));
    if (between(0, 9) < 8) std::sort(dates.begin(), dates.end());
    for (int e = 0; e < events; ++e) {
      if (e) line += ",";
      std::string code = between(0, 40) == 0 || p.services.empty()
                             ? "9999"
                             : p.services[static_cast<size_t>(between(0, int64_t(p.services.size()) - 1))].code;
      line += "{\"id\":\"e" + std::to_string(e) + "\",\"date\":\"" + agr::format_date(dates[e]) + "\",\"code\":\"" +
              code + "\"";
      if (between(0, 5) == 0) line += ",\"clinic\":\"K" + std::to_string(between(1, 3)) + "\"";
      if (!p.flags.empty() && between(0, 6) == 0)
        line += ",\"flags\":[\"" + p.flags[static_cast<size_t>(between(0, int64_t(p.flags.size()) - 1))] + "\"]";
      line += "}";
    }
    line += "]}";
    std::optional<agr::Day> as_of;
    if (between(0, 2) == 0) as_of = clamp_day(first + between(-30, 800));
    inputs->push_back({line, as_of, tag + " #" + std::to_string(h)});
  }
}

std::vector<Input> inputs_for(const std::string& name, const agr::Program& p) {
  std::vector<Input> inputs;
  add_suite_cases(name, &inputs);
  add_lines(fs::path(AGR_SOURCE_DIR) / "examples" / "histories" / (name + ".jsonl"), &inputs);
  if (name == "lbp") {
    agr::bench::GeneratorOptions options;
    options.seed = 7;
    agr::bench::HistoryGenerator generator(options);
    std::string buffer;
    for (uint64_t n = 1; n <= 1500; ++n) generator.append_course(n, &buffer);
    std::istringstream in(buffer);
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) inputs.push_back({line, std::nullopt, "generated #" + std::to_string(++n)});
  }
  add_random(p, agr::days_from_civil(2025, 6, 1), 1500, 1, "random", &inputs);
  add_random(p, agr::days_from_civil(2025, 6, 1), 1000, 4, "random, few days", &inputs, 6);
  add_random(p, agr::kLastDay - 400, 300, 2, "random near 9999-12-31", &inputs);
  add_random(p, agr::kFirstDay, 300, 3, "random near 0001-01-01", &inputs);
  return inputs;
}

size_t compare(const std::shared_ptr<const agr::Agreement>& vm, const std::shared_ptr<const agr::Agreement>& jit,
               const std::vector<Input>& inputs) {
  agr::Evaluator vm_eval(vm), jit_eval(jit);
  size_t mismatches = 0;
  uint64_t line_number = 0;
  for (const Input& input : inputs) {
    ++line_number;
    std::string expected, actual;
    vm_eval.evaluate_json_line(input.line, line_number, input.as_of, &expected);
    jit_eval.evaluate_json_line(input.line, line_number, input.as_of, &actual);
    if (expected != actual && ++mismatches <= 5) {
      INFO(input.origin << "\n  input: " << input.line << "\n  vm:  " << expected << "  jit: " << actual);
      CHECK(expected == actual);
    }
  }
  return mismatches;
}

}  // namespace

TEST_CASE("the JIT reproduces the VM byte for byte on every bundled and example agreement", "[jit]") {
  const auto paths = agreements();
  REQUIRE(!paths.empty());
  for (const fs::path& path : paths) {
    const std::string name = path.stem().string();
    const auto vm = compile_source(path);
    const std::vector<Input> inputs = inputs_for(name, vm->program());
    for (int opt : {0, 2}) {
      INFO(name << " at O" << opt << ", " << inputs.size() << " inputs");
      agr::jit::Options options;
      options.opt_level = opt;
      agr::jit::Stats stats;
      std::string error;
      auto jit = agr::jit::compile(*vm, options, &stats, &error);
      INFO(error);
      REQUIRE(jit);
      REQUIRE(jit->native_code());
      // A function per set of services judged by the same rules (their judges fused), and per
      // due item.
      const std::vector<uint32_t> code_of = agr::jit::service_code(vm->program(), vm->index());
      CHECK(stats.functions == std::set<uint32_t>(code_of.begin(), code_of.end()).size() + vm->program().dues.size());
      REQUIRE(jit->native_code()->services.size() == vm->program().services.size());
      for (size_t s = 0; s < code_of.size(); ++s)
        CHECK(jit->native_code()->services[s] == jit->native_code()->services[code_of[s]]);
      CHECK(compare(vm, jit, inputs) == 0);
    }
  }
}

TEST_CASE("the JIT's other optimisation levels reproduce the VM too", "[jit]") {
  // Level 1 (the tailored passes without GVN) and 3 (LLVM's O3 pipeline), on LBP's inputs.
  const auto vm = compile_source(fs::path(AGR_SOURCE_DIR) / "agreements" / "lbp.agr");
  const std::vector<Input> inputs = inputs_for("lbp", vm->program());
  for (int opt : {1, 3}) {
    INFO("O" << opt);
    agr::jit::Options options;
    options.opt_level = opt;
    std::string error;
    auto jit = agr::jit::compile(*vm, options, nullptr, &error);
    INFO(error);
    REQUIRE(jit);
    CHECK(compare(vm, jit, inputs) == 0);
  }
}

TEST_CASE("services judged by the same rules share one native function", "[jit]") {
  const auto lbp = compile_source(fs::path(AGR_SOURCE_DIR) / "agreements" / "lbp.agr");
  const agr::Program& p = lbp->program();
  const std::vector<uint32_t> code_of = agr::jit::service_code(p, lbp->index());
  auto code = [&](const std::string& service) {
    const int32_t s = lbp->index().find_service(service);
    REQUIRE(s >= 0);
    return code_of[static_cast<size_t>(s)];
  };
  // LBP-3, LBP-9 and LBP-11 judge 0111 and 8050; LBP-11 alone the four supplements; LBP-3, 4, 5,
  // 10 and 15 the two patient education codes.
  CHECK(code("8050") == code("0111"));
  CHECK(code("2101") == code("2001"));
  CHECK(code("3301") == code("2001"));
  CHECK(code("3201") == code("2001"));
  CHECK(code("0265") == code("0263"));
  CHECK(code("0113") == code("0110"));
  // LBP-1 judges 0262 and not 0261; LBP-5 education, not training.
  CHECK(code("0262") != code("0261"));
  CHECK(code("0264") != code("0263"));
  CHECK(code("0111") != code("0110"));
  for (size_t s = 0; s < code_of.size(); ++s) CHECK(code_of[code_of[s]] == code_of[s]);  // the first of its kind
}

TEST_CASE("a service's fused rules run in the VM's order: every rejection, then the warnings of an accepted event",
          "[jit]") {
  // F-2 leaves the calendar after F-1 failed on the same event: the history is an error, not a
  // rejection. F-5, a warning, leaves it only for an accepted event. F-3 judges both services.
  agr::SourceFile file{"fused_order.agr", R"(agreement fusedorder "The order a service's rules run in"
  source "jit_test.cpp"

flag far "The warning F-5 moves the date out of the calendar."

service 0001 "Consultation"
service 0002 "Follow-up"

rule F-1 for 0001
  require count(0002) < 2
  message "No consultation after two follow-ups."
  source "jit_test.cpp"

rule F-2 for 0001
  when count(0001) >= 2
  require date + 100000 months > date
  message "Leaves the calendar from the third consultation on."
  source "jit_test.cpp"

rule F-3 for 0001, 0002
  require count(0001 in date - 6 days .. date) < 2
  message "Not after two consultations in a week."
  source "jit_test.cpp"

warning F-4 for 0001, 0002
  warn if count(0001) >= 1
  message "Another consultation."
  source "jit_test.cpp"

warning F-5 for 0002
  when flagged far
  warn if date + 100000 months > date
  message "Leaves the calendar for an accepted follow-up flagged far."
  source "jit_test.cpp"
)"};
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  INFO(diags.render(file));
  REQUIRE(!diags.has_errors());
  std::string error;
  auto vm = agr::Agreement::from_program(std::move(*c.program), &error);
  REQUIRE(vm);
  struct Event {
    const char *date, *code, *flags;
  };
  auto history = [](const std::string& id, const std::vector<Event>& events) {
    std::string line = R"({"id":")" + id + R"(","events":[)";
    for (size_t i = 0; i < events.size(); ++i)
      line += std::string(i ? "," : "") + R"({"id":"e)" + std::to_string(i) + R"(","date":")" + events[i].date +
              R"(","code":")" + events[i].code + "\"" + events[i].flags + "}";
    return Input{line + "]}", std::nullopt, id};
  };
  const char* far = R"(,"flags":["far"])";
  // Each history, and what the VM answers (which the JIT must repeat byte for byte).
  const std::vector<std::pair<Input, std::string>> cases = {
      {history("a third consultation", {{"2025-01-01", "0001", ""}, {"2025-01-10", "0001", ""},
                                        {"2025-01-20", "0001", ""}}),
       "\"error\""},
      {history("after two follow-ups", {{"2025-01-01", "0002", ""}, {"2025-01-02", "0002", ""},
                                        {"2025-01-10", "0001", ""}}),
       "\"rule\":\"F-1\""},
      {history("F-1 fails, then F-2 leaves the calendar",
               {{"2025-01-01", "0001", ""}, {"2025-01-10", "0001", ""}, {"2025-01-20", "0002", ""},
                {"2025-01-21", "0002", ""}, {"2025-01-30", "0001", ""}}),
       "\"error\""},
      {history("two consultations in a week", {{"2025-01-01", "0001", ""}, {"2025-01-02", "0001", ""},
                                               {"2025-01-03", "0002", ""}}),
       "\"rule\":\"F-3\""},
      {history("far, accepted", {{"2025-01-01", "0002", far}}), "\"error\""},
      {history("far, rejected", {{"2025-02-01", "0001", ""}, {"2025-02-02", "0001", ""},
                                 {"2025-02-03", "0002", far}}),
       "\"rule\":\"F-3\""},
      {history("a warning", {{"2025-01-01", "0001", ""}, {"2025-01-20", "0002", ""}}),
       "\"warnings\":[{\"rule\":\"F-4\""},
  };
  std::vector<Input> inputs;
  agr::Evaluator evaluator(vm);
  for (const auto& [input, expected] : cases) {
    std::string out;
    evaluator.evaluate_json_line(input.line, 1, std::nullopt, &out);
    INFO(input.origin << ": " << out);
    CHECK(out.find(expected) != std::string::npos);
    inputs.push_back(input);
  }
  add_random(vm->program(), agr::days_from_civil(2025, 1, 1), 1500, 21, "random", &inputs, 40);
  for (int opt : {0, 2}) {
    agr::jit::Options options;
    options.opt_level = opt;
    auto jit = agr::jit::compile(*vm, options, nullptr, &error);
    INFO("O" << opt << " " << error);
    REQUIRE(jit);
    CHECK(compare(vm, jit, inputs) == 0);
  }
}

TEST_CASE("a second compile of one agreement comes from the in-process cache", "[jit][cache]") {
  const auto vm = compile_source(fs::path(AGR_SOURCE_DIR) / "agreements" / "lbp.agr");
  agr::jit::Options options;
  options.opt_level = 2;
  agr::jit::Stats first, second;
  std::string error;
  auto a = agr::jit::compile(*vm, options, &first, &error);
  REQUIRE(a);
  auto b = agr::jit::compile(*vm, options, &second, &error);
  REQUIRE(b);
  CHECK(second.from_cache);
  CHECK(second.functions == first.functions);
  CHECK(a->native_code() == b->native_code());
  // Another optimisation level is another key.
  options.opt_level = 0;
  agr::jit::Stats other;
  auto c = agr::jit::compile(*vm, options, &other, &error);
  REQUIRE(c);
  CHECK(c->native_code() != a->native_code());
}

TEST_CASE("with a cache directory the compiled object is written to disk", "[jit][cache]") {
  // A program no other test compiles (another name is other bytecode), so this compile is real.
  const auto base = compile_source(fs::path(AGR_SOURCE_DIR) / "agreements" / "ste.agr");
  agr::Program program = base->program();
  program.name += "-disk-cache-test-" + std::to_string(::getpid());
  std::string error;
  auto vm = agr::Agreement::from_program(std::move(program), &error);
  REQUIRE(vm);

  const fs::path dir = fs::temp_directory_path() / ("agr_jit_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  agr::jit::Options options;
  options.opt_level = 2;
  options.cache_dir = dir.string();
  agr::jit::Stats stats;
  auto jit = agr::jit::compile(*vm, options, &stats, &error);
  INFO(error);
  REQUIRE(jit);
  CHECK_FALSE(stats.from_cache);
  size_t objects = 0;
  for (const auto& entry : fs::directory_iterator(dir)) objects += entry.path().extension() == ".agrjit";
  CHECK(objects == 1);
  std::vector<Input> inputs;
  add_random(vm->program(), agr::days_from_civil(2025, 6, 1), 200, 9, "random", &inputs);
  CHECK(compare(vm, jit, inputs) == 0);
  fs::remove_all(dir);
}

TEST_CASE("an invalid optimisation level is refused", "[jit]") {
  const auto vm = compile_source(fs::path(AGR_SOURCE_DIR) / "agreements" / "lbp.agr");
  agr::jit::Options options;
  options.opt_level = 7;
  std::string error;
  CHECK_FALSE(agr::jit::compile(*vm, options, nullptr, &error));
  CHECK(error.find("optimisation level") != std::string::npos);
}

TEST_CASE("the JIT refuses an instruction its function's role does not allow, from the opcode table", "[jit][roles]") {
  // Only a program the verifier passed reaches the JIT; lowering checks the roles again all the
  // same (issue 8: COMBINABLE in a due item read the event a due item does not have).
  agr::Program p = agr::testing::bundled_program("lbp");
  std::string error;
  CHECK(agr::jit::lowerable(p, &error));
  const agr::Function& due = p.functions[p.dues[0].function];
  p.code[due.code_begin].op = agr::Opcode::COMBINABLE;
  CHECK_FALSE(agr::jit::lowerable(p, &error));
  CHECK(error.find("COMBINABLE at instruction " + std::to_string(due.code_begin) + " in a due item's function") !=
        std::string::npos);
}

TEST_CASE("forged but valid variants of an agreement run the same on the JIT as on the VM", "[jit][sweep]") {
  // The sweep of tests/unit/verify_sweep_test.cpp, through the JIT: every instruction of the
  // smallest bundled agreement forged into every opcode; each variant the verifier accepts is
  // compiled (O0: the lowering is the same at every level) and must answer every suite history
  // as the VM does. (Every agreement would take minutes of LLVM; the VM's sweep covers them all.)
  const std::string name = "pathway-midtjylland";
  const agr::Program p = agr::testing::bundled_program(name);
  std::vector<Input> inputs;
  add_suite_cases(name, &inputs);
  add_random(p, agr::days_from_civil(2025, 6, 1), 40, 11, "random", &inputs, 20);
  agr::jit::Options options;
  options.opt_level = 0;
  size_t compiled = 0;
  agr::testing::for_each_opcode_variant(p, [&](size_t pc, agr::Opcode op, const std::string& bytes) {
    std::string error;
    auto vm = agr::Agreement::load_bytecode(bytes, &error);
    if (!vm) return;
    INFO("instruction " << pc << " as " << agr::opcode_info(op).name);
    auto jit = agr::jit::compile(*vm, options, nullptr, &error);
    INFO(error);
    REQUIRE(jit);
    ++compiled;
    CHECK(compare(vm, jit, inputs) == 0);
  });
  CHECK(compiled > 100);
}

TEST_CASE("the disk cache's hash is SHA-256", "[jit][cache]") {
  // FIPS 180-2's examples.
  CHECK(agr::jit::hex(agr::jit::sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(agr::jit::hex(agr::jit::sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(agr::jit::hex(agr::jit::sha256(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("a disk cache entry reads back only under its own key and with its own bytes", "[jit][cache]") {
  const fs::path dir = fs::temp_directory_path() / ("agr_jit_entry_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string why;
  auto disk = agr::jit::DiskCache::open(dir.string(), &why);
  INFO(why);
  REQUIRE(disk);
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  const agr::jit::Digest key = agr::jit::sha256("key"), other = agr::jit::sha256("other");
  CHECK_FALSE(disk->read(key, &why));
  CHECK(why.empty());  // no entry: nothing to say
  REQUIRE(disk->write(key, "object bytes", &why));
  auto back = disk->read(key, &why);
  REQUIRE(back);
  CHECK(*back == "object bytes");
  // Another key's entry under this name.
  REQUIRE(disk->write(other, "other object", &why));
  fs::copy_file(dir / disk->entry_name(other), dir / disk->entry_name(key), fs::copy_options::overwrite_existing);
  CHECK_FALSE(disk->read(key, &why));
  CHECK(why == "it was compiled from other bytecode or options");
  // Nothing but the two entries is left (the temporary files were renamed).
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  CHECK(files == 2);
  disk.reset();
  // A folder others may write into is not used.
  fs::permissions(dir, fs::perms::group_write, fs::perm_options::add);
  CHECK_FALSE(agr::jit::DiskCache::open(dir.string(), &why));
  CHECK(why == "it is writable by its group (mode 0720)");
  fs::remove_all(dir);
}
