// The public evaluation API: a set of agreements chosen by name, and the Evaluator that ties the
// history reader, the evaluation and the verdict writer together for one thread.
#include <algorithm>

#include "agr/agr.h"
#include "explain.h"
#include "facts.h"
#include "history_reader.h"
#include "scratch.h"
#include "verdict_writer.h"

namespace agr {

// ---- AgreementSet -----------------------------------------------------------------------------

std::shared_ptr<const AgreementSet> AgreementSet::make(std::vector<std::shared_ptr<const Agreement>> agreements,
                                                       std::string* error) {
  if (agreements.empty()) {
    *error = "no agreement given";
    return nullptr;
  }
  std::shared_ptr<AgreementSet> set(new AgreementSet());
  for (const auto& agreement : agreements) {
    if (!agreement) {
      *error = "a null agreement in the set";
      return nullptr;
    }
    if (!set->by_name_.emplace(agreement->name(), agreement.get()).second) {
      *error = "two agreements are named '" + agreement->name() + "'; each agreement of a run needs its own name";
      return nullptr;
    }
  }
  set->agreements_ = std::move(agreements);
  return set;
}

std::shared_ptr<const AgreementSet> AgreementSet::of(std::shared_ptr<const Agreement> agreement) {
  std::string unused;
  return make({std::move(agreement)}, &unused);
}

const Agreement* AgreementSet::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::string AgreementSet::names() const {
  std::string out;
  for (const auto& agreement : agreements_) out += (out.empty() ? "" : ", ") + agreement->name();
  return out;
}

const Agreement* AgreementSet::choose(bool named, std::string_view name, std::string* error) const {
  if (agreements_.size() == 1) {
    const Agreement& only = *agreements_.front();
    if (named && name != only.name()) {
      *error = not_the_agreement_message(name, only.name());
      return nullptr;
    }
    return &only;
  }
  if (!named) {
    *error = "the history names no agreement (field 'agreement'), and this run has several: " + names();
    return nullptr;
  }
  if (const Agreement* agreement = find(name)) return agreement;
  *error = "the history names agreement '" + std::string(name) + "', which this run has not loaded; loaded: " + names();
  return nullptr;
}

// ---- Evaluator --------------------------------------------------------------------------------

Evaluator::Evaluator(std::shared_ptr<const Agreement> agreement) : Evaluator(AgreementSet::of(std::move(agreement))) {}

Evaluator::Evaluator(std::shared_ptr<const AgreementSet> agreements)
    : set_(std::move(agreements)), scratch_(std::make_unique<Scratch>()) {}

Evaluator::~Evaluator() = default;

void Evaluator::set_work_limit(uint64_t steps) { scratch_->state.work_limit = std::min(steps, kMaxWorkPerHistory); }

bool judge_json_line(const AgreementSet& set, Evaluator::Scratch& s, std::string_view line, bool padded,
                     uint64_t line_number, std::optional<Day> as_of, JsonBuffer* out, Judging how) {
  simdjson::dom::element doc;
  std::string error;
  const Agreement* agreement = nullptr;
  Explained explained;
  // The fast reader where it can, else the DOM reader, which also says what is wrong with a line
  // the fast one would not take. Both read a padded line in place.
  const std::string_view text = padded || line.size() > kMaxLineBytes ? line : s.pad(line);
  const bool read =
      (text.size() <= kMaxLineBytes && (agreement = read_history_fast(s, text, set))) ||
      (parse_history_line(s, text, padded || text.data() != line.data(), &doc, &error) &&
       (agreement = choose_agreement(set, doc, &error)) &&
       read_history(s, doc, agreement->program(), agreement->index(), &error));
  if (read &&
      (how == Judging::Explained
           ? evaluate_explained(*agreement, s.history, as_of, s.state, &s.verdict, &explained)
           : evaluate_prepared(*agreement, s.history, as_of, s.state, &s.verdict,
                               how == Judging::Traced ? run_function_traced : run_function))) {
    if (how == Judging::Explained) {
      VerdictNotes notes;
      for (const FunctionRun& run : explained.violations)
        notes.violations.push_back("\"explain\":{" + explanation_json(agreement->program(), s.history, run) + "}");
      for (const FunctionRun& run : explained.warnings)
        notes.warnings.push_back("\"explain\":{" + explanation_json(agreement->program(), s.history, run) + "}");
      write_verdict_json(*out, *agreement, s.history, s.verdict, &notes);
    } else {
      write_verdict_json(*out, *agreement, s.history, s.verdict);
    }
    return true;
  }
  if (error.empty()) error = s.verdict.error;
  std::string id, line_out;
  const bool has_id = read_history_id(s, line, &id);
  append_error_json(&line_out, has_id ? &id : nullptr, line_number, error);
  out->put(line_out);
  return false;
}

bool judge_json_line(const AgreementSet& set, Evaluator::Scratch& s, std::string_view line, bool padded,
                     uint64_t line_number, std::optional<Day> as_of, std::string* out, Judging how) {
  s.output.clear();
  const bool ok = judge_json_line(set, s, line, padded, line_number, as_of, &s.output, how);
  out->append(s.output.view());
  return ok;
}

bool Evaluator::evaluate_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of,
                                   std::string* out) {
  return judge_json_line(*set_, *scratch_, line, false, line_number, as_of, out);
}

bool Evaluator::evaluate_json_line(PaddedLine line, uint64_t line_number, std::optional<Day> as_of,
                                   std::string* out) {
  return judge_json_line(*set_, *scratch_, line.text, true, line_number, as_of, out);
}

bool Evaluator::explain_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of,
                                  std::string* out) {
  return judge_json_line(*set_, *scratch_, line, false, line_number, as_of, out, Judging::Explained);
}

bool Evaluator::evaluate_json(std::string_view line, std::optional<Day> as_of, CourseVerdict* out,
                              std::string* course_id) {
  Scratch& s = *scratch_;
  simdjson::dom::element doc;
  std::string error;
  const Agreement* agreement = nullptr;
  course_id->clear();
  if (parse_history_line(s, line, false, &doc, &error) && (agreement = choose_agreement(*set_, doc, &error)) &&
      read_history(s, doc, agreement->program(), agreement->index(), &error)) {
    *course_id = std::string(s.history.id);
    return evaluate_prepared(*agreement, s.history, as_of, s.state, out);
  }
  out->error = error;
  read_history_id(s, line, course_id);
  return false;
}

bool Evaluator::evaluate(const HistoryInput& input, std::optional<Day> as_of, CourseVerdict* out) {
  *out = CourseVerdict{};
  const Agreement* agreement = set_->choose(input.agreement.has_value(), input.agreement.value_or(""), &out->error);
  if (!agreement) return false;
  const Program& p = agreement->program();
  const AgreementIndex& index = agreement->index();
  PreparedHistory& h = scratch_->history;
  h.clear();
  h.id = input.id;
  if (input.referral_date) {
    if (!parse_iso_date(*input.referral_date, &h.referral)) {
      out->error = "'referral_date' is not a calendar date YYYY-MM-DD: '" + *input.referral_date + "'";
      return false;
    }
    h.has_referral = true;
  }
  h.facts.assign(p.facts.size(), FactValue{});
  for (const FactInput& fact : input.facts) {
    const int32_t f = find_fact(p, fact.name);
    if (f < 0) {
      out->error = unknown_fact_message(p, fact.name);
      return false;
    }
    if (h.facts[f].present) {
      out->error = "fact '" + fact.name + "' is given twice";
      return false;
    }
    FactJson value;
    switch (fact.kind) {
      case FactInput::Kind::String:
        value.kind = FactJson::Kind::String;
        value.type_word = "a string";
        value.text = fact.text;
        break;
      case FactInput::Kind::Integer:
        value.kind = FactJson::Kind::Integer;
        value.type_word = "a number";
        value.integer = fact.integer;
        break;
      case FactInput::Kind::Boolean:
        value.kind = FactJson::Kind::Boolean;
        value.type_word = "a boolean";
        value.boolean = fact.boolean;
        break;
    }
    out->error = read_fact(p, f, value, &h.facts[f]);
    if (!out->error.empty()) return false;
  }
  for (const EventInput& e : input.events) {
    PreparedEvent pe{};
    pe.id = e.id;
    pe.code = e.code;
    if (!parse_iso_date(e.date, &pe.date)) {
      out->error = "event '" + e.id + "': 'date' is not a calendar date YYYY-MM-DD: '" + e.date + "'";
      return false;
    }
    pe.service = index.find_service(e.code);
    const std::optional<std::string>& clinic = e.clinic ? e.clinic : input.clinic;
    pe.clinic = clinic ? h.intern_clinic(*clinic) : 0;
    for (const std::string& flag : e.flags) {
      const int32_t f = index.find_flag(flag);
      if (f < 0) {
        out->error = unknown_flag_message(p, e.id, flag);
        return false;
      }
      pe.flags |= uint64_t(1) << f;
    }
    h.add_event(pe);
  }
  out->error = check_history(p, h);
  if (!out->error.empty()) return false;
  return evaluate_prepared(*agreement, h, as_of, scratch_->state, out);
}

}  // namespace agr
