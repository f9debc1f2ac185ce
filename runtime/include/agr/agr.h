// The agr runtime's public API: load a compiled agreement once, evaluate course histories many
// times. An Agreement is immutable and may be shared between threads; an Evaluator holds the
// scratch state of one thread. Nothing here throws for bad input: errors come back as values.
//
//   std::string error;
//   auto agreement = agr::Agreement::load_file("lbp.agrc", &error);
//   agr::Evaluator evaluator(agreement);
//   agr::CourseVerdict verdict;
//   if (evaluator.evaluate(history, std::nullopt, &verdict)) { ... verdict.events ... }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agr {

struct Program;     // the verified bytecode (runtime/program.h)
class AgreementIndex;
struct NativeCode;  // the agreement's functions compiled to machine code (the JIT tier)
class Evaluator;

// Days since 1970-01-01.
using Day = int32_t;

class Agreement {
 public:
  // Reads and verifies an `.agrc` file; null with a message in *error when it is refused.
  static std::shared_ptr<const Agreement> load_file(const std::string& path, std::string* error);
  static std::shared_ptr<const Agreement> load_bytecode(std::string_view bytes, std::string* error);
  // Takes a program the compiler produced in this process; it is verified like a file.
  static std::shared_ptr<const Agreement> from_program(Program program, std::string* error);

  // The same agreement, evaluated by `native` instead of the VM (the JIT builds one).
  static std::shared_ptr<const Agreement> with_native_code(const Agreement& base,
                                                           std::shared_ptr<const NativeCode> native);

  const std::string& name() const;
  const Program& program() const { return *program_; }
  const AgreementIndex& index() const { return *index_; }
  const NativeCode* native_code() const { return native_.get(); }

  ~Agreement();

 private:
  Agreement() = default;
  std::shared_ptr<const Program> program_;
  std::shared_ptr<const AgreementIndex> index_;
  std::shared_ptr<const NativeCode> native_;
};

// One course history, as the io-contract describes it.
struct EventInput {
  std::string id;
  std::string date;  // YYYY-MM-DD
  std::string code;
  std::optional<std::string> clinic;
  std::vector<std::string> flags;
};

struct HistoryInput {
  std::string id;
  std::optional<std::string> referral_date;
  std::optional<std::string> clinic;
  std::vector<EventInput> events;
};

enum class EventStatus : uint8_t { Accepted, Rejected, NotGoverned };

struct EventVerdict {
  EventStatus status = EventStatus::NotGoverned;
  int32_t service = -1;            // index into program().services, -1 when not governed
  uint32_t first_violation = 0;    // into CourseVerdict::violations
  uint32_t violation_count = 0;
  bool has_fee = false;            // accepted and the service has a fee
};

struct WarningVerdict {
  uint32_t rule;   // index into program().rules
  uint32_t event;  // input index of the event it is attached to
};

struct DueVerdict {
  uint32_t due;  // index into program().dues
  Day earliest, target;
  bool has_latest;
  Day latest;
  bool overdue;
};

struct Totals {
  int64_t total = 0, subsidy = 0, patient = 0;  // øre
};

struct CourseVerdict {
  std::vector<EventVerdict> events;  // in input order
  std::vector<uint32_t> violations;  // rule indexes; each rejected event's are one slice of it
  std::vector<WarningVerdict> warnings;
  Totals totals;
  std::vector<DueVerdict> due;
  std::optional<Day> evaluation_date;  // the as-of date due items were judged on; none without events
  std::string error;  // set when the history could not be evaluated
};

// Formats øre as kroner with exactly two decimals ("327.12").
std::string format_money(int64_t ore);
// Formats a day as YYYY-MM-DD; parses exactly YYYY-MM-DD (false when not a calendar date).
std::string format_date(Day day);
bool parse_date(std::string_view text, Day* out);

// A JSON line in a buffer that has at least kLinePadding readable bytes after the line's end
// (whatever they hold: the JSON parser reads ahead in blocks). Such a line is parsed where it
// lies; a plain string_view is copied into padded scratch first.
inline constexpr size_t kLinePadding = 64;
struct PaddedLine {
  std::string_view text;
};

class Evaluator {
 public:
  explicit Evaluator(std::shared_ptr<const Agreement> agreement);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Evaluates one history as of `as_of` (default: its latest event date). Returns false, with the
  // reason in out->error, when the history breaks the input contract.
  bool evaluate(const HistoryInput& history, std::optional<Day> as_of, CourseVerdict* out);

  // The command line's path: one JSON line in, one JSON line appended to *out (a verdict, or an
  // error object naming `line_number`). Returns false when the line was an error line.
  bool evaluate_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of,
                          std::string* out);
  // The same for a line with padding after it: no copy.
  bool evaluate_json_line(PaddedLine line, uint64_t line_number, std::optional<Day> as_of, std::string* out);

  // The same line, with an "explain" member in each violation and warning: the clause that decided
  // and the values it compared (docs/io-contract.md). Slower: the rules run on the VM step by step,
  // whatever native code the agreement has; the clauses are known only to an agreement compiled
  // with them (from an .agr file), else "explain" is {"clause": null}.
  bool explain_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of, std::string* out);

  // One JSON line in, the structured verdict out (for tools that present verdicts themselves).
  // *course_id gets the history's id where it could be read. False with out->error on a bad line.
  bool evaluate_json(std::string_view line, std::optional<Day> as_of, CourseVerdict* out, std::string* course_id);

  const Agreement& agreement() const { return *agreement_; }

  struct Scratch;  // the reusable per-thread state (runtime/evaluate.h)

 private:
  std::shared_ptr<const Agreement> agreement_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace agr
