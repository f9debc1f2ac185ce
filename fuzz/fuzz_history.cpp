// fuzz_history: any bytes as one JSON line, evaluated by Evaluator::evaluate_json_line against
// every bundled agreement (compiled once, from the source tree's agreements/). Each answer must be
// exactly one line ending in '\n' holding valid JSON: a verdict with one entry per input event
// when the call reports success, else {"id": ..., "error": {"line": N, "message": "..."}} with the
// line number given, and a JSON error names its column. evaluate_json (the structured path) must agree on success or failure. The
// evaluators live across inputs, as in `agr run`, so state left behind by one line shows up.
// A line the fast reader (the plain reader, then On Demand) takes, or the plain reader alone, must
// be one the DOM reader reads, to the same values: against each agreement alone, and against the
// set of them all (where the history's `agreement` chooses, facts and all), through an Evaluator
// of that set too.
#include <simdjson.h>

#include <string>

#include "fuzz_common.h"
#include "history_reader.h"
#include "scratch.h"

namespace agr::fuzz {
namespace {

constexpr const char* kTarget = "fuzz_history";
constexpr uint64_t kLineNumber = 41;

void check_answer(bool ok, const std::string& out, std::string_view input, const std::string& agreement) {
  const std::string where = agreement + ": ";
  if (const std::string why = check_json_line(out); !why.empty()) fail(kTarget, where + why + ": " + out, input);
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(out.data(), out.size() - 1).get(doc) != simdjson::SUCCESS) fail(kTarget, where + "reparse", input);
  simdjson::dom::element error;
  const bool has_error = doc["error"].get(error) == simdjson::SUCCESS;
  if (ok == has_error) fail(kTarget, where + "the result and the answer disagree: " + out, input);
  if (has_error) {
    uint64_t line = 0;
    std::string_view message;
    if (error["line"].get(line) != simdjson::SUCCESS || line != kLineNumber)
      fail(kTarget, where + "the error names no line or the wrong one: " + out, input);
    if (error["message"].get(message) != simdjson::SUCCESS || message.empty())
      fail(kTarget, where + "the error has no message: " + out, input);
    // simdjson and the scan that places its error (runtime/json_error.cpp) agree on what is JSON.
    if (message.rfind("not valid JSON", 0) == 0 && message.rfind("not valid JSON at column ", 0) != 0)
      fail(kTarget, where + "a JSON error without its column: " + out, input);
    simdjson::dom::element id;
    if (doc["id"].get(id) != simdjson::SUCCESS ||
        (id.type() != simdjson::dom::element_type::STRING && id.type() != simdjson::dom::element_type::NULL_VALUE))
      fail(kTarget, where + "the error's id is neither a string nor null: " + out, input);
    return;
  }
  simdjson::dom::array events;
  if (doc["events"].get(events) != simdjson::SUCCESS) fail(kTarget, where + "a verdict without events: " + out, input);
  for (const char* key : {"id", "agreement", "warnings", "totals", "due"}) {
    simdjson::dom::element unused;
    if (doc[key].get(unused) != simdjson::SUCCESS) fail(kTarget, where + "a verdict without " + key + ": " + out, input);
  }
}

}  // namespace

int history_one(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  struct Slot {
    std::string name;
    std::unique_ptr<Evaluator> evaluator;
  };
  static std::vector<Slot> slots = [] {
    std::vector<Slot> out;
    for (const Bundled& b : bundled_agreements()) out.push_back({b.name, std::make_unique<Evaluator>(b.agreement)});
    return out;
  }();
  static const std::shared_ptr<const AgreementSet> all = [] {
    std::vector<std::shared_ptr<const Agreement>> agreements;
    for (const Bundled& b : bundled_agreements()) agreements.push_back(b.agreement);
    std::string error;
    auto set = AgreementSet::make(std::move(agreements), &error);
    if (!set) fail(kTarget, "the set of every bundled agreement: " + error, {});
    slots.push_back({"the set", std::make_unique<Evaluator>(set)});
    return set;
  }();
  static Evaluator::Scratch fast, dom;
  std::string padded(line);
  padded.append(kLinePadding, '\0');
  // Each fast reader (the plain one alone, and both as read_history_fast runs them) against the DOM reader.
  const std::string_view text(padded.data(), line.size());
  const struct {
    const char* name;
    bool (*by_program)(Evaluator::Scratch&, std::string_view, const Program&, const AgreementIndex&);
    const Agreement* (*by_set)(Evaluator::Scratch&, std::string_view, const AgreementSet&);
  } readers[] = {{"fast", read_history_fast, read_history_fast}, {"plain", read_history_plain, read_history_plain}};
  for (const auto& reader : readers) {
    const std::string who = std::string("the ") + reader.name + " reader";
    for (const Bundled& b : bundled_agreements()) {
      const Program& program = b.agreement->program();
      if (!reader.by_program(fast, text, program, b.agreement->index())) continue;
      std::string error;
      if (!read_history_json(dom, program, b.agreement->index(), line, &error))
        fail(kTarget, b.name + ": " + who + " took a line the DOM reader refuses: " + error, line);
      if (const std::string difference = compare_prepared(fast.history, dom.history); !difference.empty())
        fail(kTarget, b.name + ": " + who + " and the DOM reader read different values: " + difference, line);
    }
    if (const Agreement* chosen = reader.by_set(fast, text, *all)) {
      std::string error;
      const Agreement* read = read_history_json(dom, *all, line, &error);
      if (!read) fail(kTarget, "the set: " + who + " took a line the DOM reader refuses: " + error, line);
      if (read != chosen) fail(kTarget, "the set: " + who + " and the DOM reader chose different agreements", line);
      if (const std::string difference = compare_prepared(fast.history, dom.history); !difference.empty())
        fail(kTarget, "the set: " + who + " and the DOM reader read different values: " + difference, line);
    }
  }
  for (Slot& slot : slots) {
    for (const std::optional<Day> as_of : {std::optional<Day>{}, std::optional<Day>{20454} /* 2026-01-01 */}) {
      std::string out;
      const bool ok = slot.evaluator->evaluate_json_line(line, kLineNumber, as_of, &out);
      check_answer(ok, out, line, slot.name);
      CourseVerdict verdict;
      std::string course_id;
      const bool structured = slot.evaluator->evaluate_json(line, as_of, &verdict, &course_id);
      if (structured != ok) fail(kTarget, slot.name + ": evaluate_json and evaluate_json_line disagree: " + out, line);
      if (!structured && verdict.error.empty()) fail(kTarget, slot.name + ": a failure without a reason", line);
    }
  }
  return 0;
}

}  // namespace agr::fuzz

#ifndef AGR_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return agr::fuzz::history_one(data, size);
}
#endif
