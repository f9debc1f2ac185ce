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

// A fact about the patient or the referral (`facts`), as JSON carries it: a string (a date
// YYYY-MM-DD, a code, or a string), a whole number, or true/false. It must be a fact the agreement
// declares, of the type it declares.
struct FactInput {
  enum class Kind : uint8_t { String, Integer, Boolean };
  std::string name;
  Kind kind = Kind::String;
  std::string text;      // String
  int64_t integer = 0;   // Integer
  bool boolean = false;  // Boolean

  static FactInput string(std::string name, std::string text) {
    return {std::move(name), Kind::String, std::move(text), 0, false};
  }
  static FactInput integer_value(std::string name, int64_t value) { return {std::move(name), Kind::Integer, {}, value, false}; }
  static FactInput boolean_value(std::string name, bool value) { return {std::move(name), Kind::Boolean, {}, 0, value}; }
};

struct HistoryInput {
  std::string id;
  std::optional<std::string> referral_date;
  std::optional<std::string> clinic;
  std::vector<EventInput> events;
  std::vector<FactInput> facts;
};

enum class EventStatus : uint8_t { Accepted, Rejected, NotGoverned };

// Money as the agreements split a fee, in øre: the fee (honorar), the region's subsidy (tilskud)
// and the patient's share (patientandel); subsidy + patient == total.
struct FeeSplit {
  int64_t total = 0, subsidy = 0, patient = 0;
};

inline constexpr uint32_t kNoFeeEntry = UINT32_MAX;

struct EventVerdict {
  EventStatus status = EventStatus::NotGoverned;
  int32_t service = -1;            // index into program().services, -1 when not governed
  uint32_t first_violation = 0;    // into CourseVerdict::violations
  uint32_t violation_count = 0;
  bool has_fee = false;            // accepted, and a fee is in force for it on its date
  FeeSplit fee;                    // the fee billed: the price level in force on the event's date,
                                   // the variant for its flags where there is one
  uint32_t fee_entry = kNoFeeEntry;  // that fee's line in program().fees, where known
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

using Totals = FeeSplit;  // the sum of the fees of a course's accepted events

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
