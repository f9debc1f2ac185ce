// The agr runtime's public API: load a compiled agreement once, evaluate course histories many
// times. An Agreement is immutable and may be shared between threads; an Evaluator holds the
// scratch state of one thread. Nothing here throws for bad input: errors come back as values.
// This header is all an integrator needs to read a verdict: its indexes name the agreement's
// services, rules and due items, which the read-only accessors below describe.
//
//   std::string error;
//   auto agreement = agr::Agreement::load_file("lbp.agrc", &error);
//   agr::Evaluator evaluator(agreement);
//   agr::CourseVerdict verdict;
//   if (evaluator.evaluate(history, std::nullopt, &verdict)) { ... verdict.events ... }
//
// The installed library (libagr, CMake target agr::runtime) exports this API and the C API
// (agr/agr_c.h); docs/integrating.md describes both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace agr {

struct Program;     // the verified bytecode (runtime/program.h)
class AgreementIndex;
struct NativeCode;  // the agreement's functions compiled to machine code (the JIT tier)
class Evaluator;
struct Service;
struct Rule;
struct DueItem;

// Days since 1970-01-01.
using Day = int32_t;

// Money as the agreements split a fee, in øre: the fee (honorar), the region's subsidy (tilskud)
// and the patient's share (patientandel); subsidy + patient == total.
struct FeeSplit {
  int64_t total = 0, subsidy = 0, patient = 0;
};

// Read-only views of an agreement's tables, valid while the agreement lives.
class ServiceInfo {
 public:
  const std::string& code() const;   // e.g. "0261"
  const std::string& title() const;
  bool supplement() const;           // never counted by per-day rules

 private:
  friend class Agreement;
  explicit ServiceInfo(const Service* service) : service_(service) {}
  const Service* service_;
};

class RuleInfo {
 public:
  const std::string& id() const;       // the specification's id, e.g. "LBP-6"
  const std::string& message() const;  // in plain words
  const std::string& source() const;   // the passage of the agreement's text behind the rule
  bool is_warning() const;             // a warning instead of a rejection
  uint32_t line() const;               // the rule's line in its .agr file

 private:
  friend class Agreement;
  explicit RuleInfo(const Rule* rule) : rule_(rule) {}
  const Rule* rule_;
};

class DueItemInfo {
 public:
  const std::string& rule_id() const;  // the schedule rule that makes it due
  uint32_t service() const;            // what is due: an index for Agreement::service
  const std::string& message() const;
  const std::string& source() const;

 private:
  friend class Agreement;
  explicit DueItemInfo(const DueItem* due) : due_(due) {}
  const DueItem* due_;
};

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

  // What an integrator reads: the name histories use in their `agreement` field, the title, and
  // the tables that the indexes in a CourseVerdict point into.
  const std::string& name() const;
  const std::string& title() const;
  size_t service_count() const;
  ServiceInfo service(size_t i) const;  // i < service_count()
  size_t rule_count() const;
  RuleInfo rule(size_t i) const;        // i < rule_count(), in file order
  size_t due_item_count() const;
  DueItemInfo due_item(size_t i) const; // i < due_item_count()

  // The agreement as the bytes of an `.agrc` file (load_bytecode reads them back): for shipping a
  // loaded agreement to another process or machine.
  std::string bytecode() const;

  // For the compiler, the JIT and the tools (they include runtime/program.h); not installed.
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

// Several agreements, each known by its name (`agreement NAME` in its header), for a run in which
// each history names the agreement that judges it (its `agreement` field, io-contract.md).
// Immutable once made; share it between threads.
//
//   auto set = agr::AgreementSet::make({lbp, ste}, &error);   // null when two share a name
//   agr::Evaluator evaluator(set);                            // picks the agreement line by line
class AgreementSet {
 public:
  // Null with a message when the list is empty, holds a null, or two agreements share a name.
  static std::shared_ptr<const AgreementSet> make(std::vector<std::shared_ptr<const Agreement>> agreements,
                                                  std::string* error);
  // A set of one: it judges histories that name it or none; one that names another is an error.
  static std::shared_ptr<const AgreementSet> of(std::shared_ptr<const Agreement> agreement);

  const std::vector<std::shared_ptr<const Agreement>>& agreements() const { return agreements_; }  // as given
  const Agreement* find(std::string_view name) const;  // null when none has that name
  std::string names() const;                           // "lbp, ste", as given

  // The agreement that judges a history whose `agreement` field is `name` (absent: `named`
  // false). Null with the error line's message in *error: with several agreements, a history
  // must name one of them; with one, a history naming another is refused by the reader
  // (read_history), so that a set of one keeps the error order of a single agreement.
  const Agreement* choose(bool named, std::string_view name, std::string* error) const;

 private:
  AgreementSet() = default;
  std::vector<std::shared_ptr<const Agreement>> agreements_;
  std::unordered_map<std::string_view, const Agreement*> by_name_;
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
  std::optional<std::string> agreement;  // the agreement that judges it (required with several)
  std::optional<std::string> referral_date;
  std::optional<std::string> clinic;
  std::vector<EventInput> events;
  std::vector<FactInput> facts;
};

enum class EventStatus : uint8_t { Accepted, Rejected, NotGoverned };

inline constexpr uint32_t kNoFeeEntry = UINT32_MAX;

struct EventVerdict {
  EventStatus status = EventStatus::NotGoverned;
  int32_t service = -1;            // index for Agreement::service, -1 when not governed
  uint32_t first_violation = 0;    // into CourseVerdict::violations
  uint32_t violation_count = 0;
  bool has_fee = false;            // accepted, and a fee is in force for it on its date
  FeeSplit fee;                    // the fee billed: the price level in force on the event's date,
                                   // the variant for its flags where there is one
  uint32_t fee_entry = kNoFeeEntry;  // that fee's line in the agreement's fee table (program().fees),
                                     // where the evaluator knows it
};

struct WarningVerdict {
  uint32_t rule;   // index for Agreement::rule
  uint32_t event;  // input index of the event it is attached to
};

struct DueVerdict {
  uint32_t due;  // index for Agreement::due_item
  Day earliest, target;
  bool has_latest;
  Day latest;
  bool overdue;
};

using Totals = FeeSplit;  // the sum of the fees of a course's accepted events

struct CourseVerdict {
  std::vector<EventVerdict> events;  // in input order
  std::vector<uint32_t> violations;  // indexes for Agreement::rule; each rejected event's are one slice
  std::vector<WarningVerdict> warnings;
  Totals totals;
  std::vector<DueVerdict> due;
  std::optional<Day> evaluation_date;  // the as-of date due items were judged on; none without events
  const Agreement* agreement = nullptr;  // the agreement that judged it (kept alive by the Evaluator)
  std::string error;  // set when the history could not be evaluated

  // Empty, ready for a history of `events` events (each EventVerdict default), keeping the
  // vectors' storage for reuse; `agreement` is left as it is.
  void reset(size_t events) {
    reset_for_overwrite(0);
    this->events.resize(events);
  }
  // The same, but the events' verdicts are left as they were (unspecified) for a caller that
  // writes every one of them whole, as the evaluator does: a reused verdict is not cleared first.
  void reset_for_overwrite(size_t events) {
    this->events.resize(events);
    violations.clear();
    warnings.clear();
    totals = {};
    due.clear();
    evaluation_date.reset();
    error.clear();
  }
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

// Evaluates histories against one agreement, or against a set (each history judged by the
// agreement it names). One per thread.
class Evaluator {
 public:
  explicit Evaluator(std::shared_ptr<const Agreement> agreement);  // a set of one
  explicit Evaluator(std::shared_ptr<const AgreementSet> agreements);
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

  // The most work one history may take, in steps (default and ceiling: docs/language.md, section
  // 19); a history that needs more is an error line. A server may lower it per request.
  void set_work_limit(uint64_t steps);

  const Agreement& agreement() const { return *set_->agreements().front(); }  // the first of the set
  const AgreementSet& agreements() const { return *set_; }

  struct Scratch;  // the reusable per-thread state (runtime/scratch.h)

 private:
  std::shared_ptr<const AgreementSet> set_;
  std::unique_ptr<Scratch> scratch_;
};

// ---- Batch runs: JSON Lines in, verdict lines out, on several threads ---------------------------
//
// The input is cut into blocks at line ends; each worker thread evaluates whole blocks with its own
// Evaluator; a writer puts the blocks' output out in input order. The output is byte for byte
// what evaluate_json_line gives line by line (line numbers and error lines included), whatever
// the number of threads. Memory is bounded by 2 x jobs x (block_bytes + the longest line, itself
// at most 16 MiB + 1). Input that arrives in pieces (a pipe) is evaluated and written as soon as
// its lines are complete, so a co-process fed one line at a time gets each answer back.

struct RunSummary {
  uint64_t lines = 0;        // lines in, and so lines out
  uint64_t error_lines = 0;  // lines whose output is an error object
  uint64_t bytes = 0;        // input bytes of those lines (of a line over the limit, what was kept)
};

struct RunOptions {
  std::optional<Day> as_of;       // the evaluation date for due items (default: per history)
  unsigned jobs = 0;              // worker threads; 0: one per core; 1: no threads at all
  // The input is cut into blocks of about this size. 128 KiB keeps a block and its verdicts
  // (about twice its size) in a core's own cache: 1 MiB cost about 6 % more CPU (agr run --jobs 1).
  size_t block_bytes = 128 << 10;
  uint64_t first_line = 1;        // the number of the input's first line (when it continues another)
  // Called on the thread that writes, after each block's output was written, with what was
  // written so far (for a progress line); empty: nothing is called.
  std::function<void(const RunSummary& written)> on_written;
};

// Where input comes from: puts up to `capacity` bytes in `buffer` and returns how many; 0 at the
// end of the input, -1 on failure (with errno set).
using ReadInput = std::function<ptrdiff_t(char* buffer, size_t capacity)>;
// Where output goes: false on failure (with errno set).
using WriteOutput = std::function<bool(std::string_view bytes)>;

// Evaluates every line of the input against the set. False with the reason in *error when reading
// or writing fails (everything read before a read failure is still evaluated and written).
bool run_json_lines(std::shared_ptr<const AgreementSet> agreements, const ReadInput& read, const WriteOutput& write,
                    const RunOptions& options, RunSummary* summary, std::string* error);

// The same over file descriptors (the command line's `agr run`): reads `in_fd` to its end, writes
// to `out_fd`. *error says "reading: ..." or "writing: ..." with the system's reason.
bool run_json_lines_fd(std::shared_ptr<const AgreementSet> agreements, int in_fd, int out_fd,
                       const RunOptions& options, RunSummary* summary, std::string* error);

}  // namespace agr
