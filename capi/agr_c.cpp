// The C API (agr/agr_c.h) over the public C++ API (agr/agr.h): every function catches everything
// at the boundary and turns it into a return value with a message.
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "agr/version.h"
#include "handles.h"

struct agr_agreement_set {
  std::shared_ptr<const agr::AgreementSet> set;
  std::vector<agr_agreement> agreements;  // the set's, in its order: what agr_agreement_set_agreement lends
};

struct agr_evaluator {
  explicit agr_evaluator(std::shared_ptr<const agr::AgreementSet> set) : evaluator(std::move(set)) {}
  agr::Evaluator evaluator;
  std::string line_out;          // reused by agr_evaluate_json
  agr::CourseVerdict verdict;    // the last agr_evaluate's; empty after a failure
  std::string course_id;
  std::vector<agr_due> due;      // the verdict's due items with their dates formatted
};

namespace agr::capi {
namespace {

// Parses an optional as-of date; false with a message in *message when it is not a date.
bool read_as_of(const char* as_of, std::optional<Day>* out, std::string* message) {
  if (!as_of) return true;
  Day day;
  if (!parse_date(as_of, &day)) {
    *message = std::string("as_of is not a calendar date YYYY-MM-DD: '") + as_of + "'";
    return false;
  }
  *out = day;
  return true;
}

// Runs `body`, which returns a status and may set *message; the message goes to *out (when
// wanted), and an exception becomes AGR_NOMEM or AGR_MISUSE with its message.
template <typename Body>
int guarded(char** out, Body body) {
  if (out) *out = nullptr;
  try {
    std::string message;
    const int status = body(&message);
    if (status != AGR_OK && !message.empty()) set_message(out, message);
    return status;
  } catch (const std::bad_alloc&) {
    set_message(out, "out of memory");
    return AGR_NOMEM;
  } catch (const std::exception& e) {
    set_message(out, std::string("internal error: ") + e.what());
  } catch (...) {
    set_message(out, "internal error");
  }
  return AGR_MISUSE;
}

void copy_date(Day day, char out[11]) {
  const std::string text = format_date(day);
  std::memcpy(out, text.c_str(), text.size() + 1);
}

agr_fee to_c(const FeeSplit& fee) { return {fee.total, fee.subsidy, fee.patient}; }

// An evaluator for the set `make` gives (for one agreement, the set of it alone); null when memory
// runs out.
template <typename MakeSet>
agr_evaluator* new_evaluator(MakeSet make) {
  try {
    return new agr_evaluator(make());
  } catch (...) {
    return nullptr;
  }
}

const Agreement* get(const agr_agreement* agreement) { return agreement ? agreement->agreement.get() : nullptr; }

}  // namespace
}  // namespace agr::capi

using namespace agr::capi;

extern "C" {

const char* agr_version(void) { return AGR_VERSION_STRING; }
int agr_contract_version(void) { return AGR_CONTRACT_VERSION; }
int agr_bytecode_format_version(void) { return AGR_BYTECODE_FORMAT_VERSION; }

void agr_string_free(char* string) { std::free(string); }

agr_agreement* agr_agreement_load(const char* path, char** error) {
  return make_agreement(error, [&](std::string* message) -> std::shared_ptr<const agr::Agreement> {
    if (!path) {
      *message = "agr_agreement_load: path is NULL";
      return nullptr;
    }
    return agr::Agreement::load_file(path, message);
  });
}

agr_agreement* agr_agreement_load_bytecode(const void* bytes, size_t length, char** error) {
  return make_agreement(error, [&](std::string* message) -> std::shared_ptr<const agr::Agreement> {
    if (!bytes && length) {
      *message = "agr_agreement_load_bytecode: bytes is NULL";
      return nullptr;
    }
    return agr::Agreement::load_bytecode(std::string_view(static_cast<const char*>(bytes), length), message);
  });
}

void agr_agreement_free(agr_agreement* agreement) { delete agreement; }

const char* agr_agreement_name(const agr_agreement* a) { return get(a) ? get(a)->name().c_str() : nullptr; }
const char* agr_agreement_title(const agr_agreement* a) { return get(a) ? get(a)->title().c_str() : nullptr; }

size_t agr_agreement_service_count(const agr_agreement* a) { return get(a) ? get(a)->service_count() : 0; }
const char* agr_agreement_service_code(const agr_agreement* a, size_t i) {
  return i < agr_agreement_service_count(a) ? get(a)->service(i).code().c_str() : nullptr;
}
const char* agr_agreement_service_title(const agr_agreement* a, size_t i) {
  return i < agr_agreement_service_count(a) ? get(a)->service(i).title().c_str() : nullptr;
}

size_t agr_agreement_rule_count(const agr_agreement* a) { return get(a) ? get(a)->rule_count() : 0; }
const char* agr_agreement_rule_id(const agr_agreement* a, size_t i) {
  return i < agr_agreement_rule_count(a) ? get(a)->rule(i).id().c_str() : nullptr;
}
const char* agr_agreement_rule_message(const agr_agreement* a, size_t i) {
  return i < agr_agreement_rule_count(a) ? get(a)->rule(i).message().c_str() : nullptr;
}
const char* agr_agreement_rule_source(const agr_agreement* a, size_t i) {
  return i < agr_agreement_rule_count(a) ? get(a)->rule(i).source().c_str() : nullptr;
}
int agr_agreement_rule_is_warning(const agr_agreement* a, size_t i) {
  return i < agr_agreement_rule_count(a) && get(a)->rule(i).is_warning();
}

size_t agr_agreement_due_item_count(const agr_agreement* a) { return get(a) ? get(a)->due_item_count() : 0; }
const char* agr_agreement_due_item_rule(const agr_agreement* a, size_t i) {
  return i < agr_agreement_due_item_count(a) ? get(a)->due_item(i).rule_id().c_str() : nullptr;
}
size_t agr_agreement_due_item_service(const agr_agreement* a, size_t i) {
  return i < agr_agreement_due_item_count(a) ? get(a)->due_item(i).service() : SIZE_MAX;
}

agr_agreement_set* agr_agreement_set_new(const agr_agreement* const* agreements, size_t count, char** error) {
  agr_agreement_set* made = nullptr;
  guarded(error, [&](std::string* message) {
    if (!agreements && count) {
      *message = "agr_agreement_set_new: agreements is NULL";
      return AGR_MISUSE;
    }
    std::vector<std::shared_ptr<const agr::Agreement>> list;
    for (size_t i = 0; i < count; ++i) {
      if (!agreements[i]) {
        *message = "agr_agreement_set_new: agreement " + std::to_string(i) + " of " + std::to_string(count) +
                   " is NULL";
        return AGR_MISUSE;
      }
      list.push_back(agreements[i]->agreement);
    }
    auto set = agr::AgreementSet::make(std::move(list), message);  // refuses none, and two of one name
    if (!set) return AGR_MISUSE;
    auto handle = std::make_unique<agr_agreement_set>();
    for (const auto& agreement : set->agreements()) handle->agreements.push_back(agr_agreement{agreement});
    handle->set = std::move(set);
    made = handle.release();
    return AGR_OK;
  });
  return made;
}

void agr_agreement_set_free(agr_agreement_set* set) { delete set; }

size_t agr_agreement_set_count(const agr_agreement_set* set) { return set ? set->agreements.size() : 0; }

const agr_agreement* agr_agreement_set_agreement(const agr_agreement_set* set, size_t i) {
  return i < agr_agreement_set_count(set) ? &set->agreements[i] : nullptr;
}

const char* agr_agreement_set_name(const agr_agreement_set* set, size_t i) {
  return agr_agreement_name(agr_agreement_set_agreement(set, i));
}

const agr_agreement* agr_agreement_set_find(const agr_agreement_set* set, const char* name) {
  for (size_t i = 0; name && i < agr_agreement_set_count(set); ++i)
    if (set->agreements[i].agreement->name() == name) return &set->agreements[i];
  return nullptr;
}

agr_evaluator* agr_evaluator_new(const agr_agreement* agreement) {
  return agreement ? new_evaluator([&] { return agr::AgreementSet::of(agreement->agreement); }) : nullptr;
}

agr_evaluator* agr_evaluator_new_set(const agr_agreement_set* set) {
  return set ? new_evaluator([&] { return set->set; }) : nullptr;
}

void agr_evaluator_free(agr_evaluator* evaluator) { delete evaluator; }

int agr_evaluate_json_line(agr_evaluator* evaluator, uint64_t line_number, const char* line, size_t length,
                           const char* as_of, char** verdict_json) {
  return guarded(verdict_json, [&](std::string* message) {
    if (!evaluator || (!line && length) || !verdict_json) {
      *message = "agr_evaluate_json: the evaluator, the line or verdict_json is NULL";
      return AGR_MISUSE;
    }
    std::optional<agr::Day> date;
    if (!read_as_of(as_of, &date, message)) return AGR_MISUSE;
    std::string& out = evaluator->line_out;
    out.clear();
    const bool verdict = evaluator->evaluator.evaluate_json_line(std::string_view(line, length), line_number, date, &out);
    if (!(*verdict_json = copy_string(out))) throw std::bad_alloc();
    return verdict ? AGR_OK : AGR_HISTORY_ERROR;
  });
}

int agr_evaluate_json(agr_evaluator* evaluator, const char* line, size_t length, const char* as_of,
                      char** verdict_json) {
  return agr_evaluate_json_line(evaluator, 1, line, length, as_of, verdict_json);
}

int agr_evaluate(agr_evaluator* evaluator, const char* line, size_t length, const char* as_of, char** error) {
  if (evaluator) {
    evaluator->verdict = {};
    evaluator->course_id.clear();
    evaluator->due.clear();
  }
  return guarded(error, [&](std::string* message) {
    if (!evaluator || (!line && length)) {
      *message = "agr_evaluate: the evaluator or the line is NULL";
      return AGR_MISUSE;
    }
    std::optional<agr::Day> date;
    if (!read_as_of(as_of, &date, message)) return AGR_MISUSE;
    agr::CourseVerdict& verdict = evaluator->verdict;
    if (!evaluator->evaluator.evaluate_json(std::string_view(line, length), date, &verdict, &evaluator->course_id)) {
      *message = verdict.error;
      verdict = {};
      return AGR_HISTORY_ERROR;
    }
    for (const agr::DueVerdict& d : verdict.due) {
      agr_due due{};
      due.due_item = d.due;
      copy_date(d.earliest, due.earliest);
      copy_date(d.target, due.target);
      if (d.has_latest) copy_date(d.latest, due.latest);
      due.overdue = d.overdue;
      evaluator->due.push_back(due);
    }
    return AGR_OK;
  });
}

const char* agr_verdict_agreement_name(const agr_evaluator* evaluator) {
  return evaluator && evaluator->verdict.agreement ? evaluator->verdict.agreement->name().c_str() : nullptr;
}

const char* agr_verdict_course_id(const agr_evaluator* evaluator) {
  return evaluator ? evaluator->course_id.c_str() : nullptr;
}

size_t agr_verdict_event_count(const agr_evaluator* evaluator) {
  return evaluator ? evaluator->verdict.events.size() : 0;
}

int agr_verdict_event(const agr_evaluator* evaluator, size_t event, agr_event_verdict* out) {
  if (!out || event >= agr_verdict_event_count(evaluator)) return AGR_MISUSE;
  const agr::EventVerdict& v = evaluator->verdict.events[event];
  out->status = v.status == agr::EventStatus::Accepted   ? AGR_ACCEPTED
                : v.status == agr::EventStatus::Rejected ? AGR_REJECTED
                                                         : AGR_NOT_GOVERNED;
  out->service = v.service;
  out->has_fee = v.has_fee;
  out->fee = v.has_fee ? to_c(v.fee) : agr_fee{0, 0, 0};
  out->violation_count = v.violation_count;
  return AGR_OK;
}

size_t agr_verdict_violation(const agr_evaluator* evaluator, size_t event, size_t i) {
  if (event >= agr_verdict_event_count(evaluator)) return SIZE_MAX;
  const agr::EventVerdict& v = evaluator->verdict.events[event];
  return i < v.violation_count ? evaluator->verdict.violations[v.first_violation + i] : SIZE_MAX;
}

size_t agr_verdict_warning_count(const agr_evaluator* evaluator) {
  return evaluator ? evaluator->verdict.warnings.size() : 0;
}

int agr_verdict_warning(const agr_evaluator* evaluator, size_t i, agr_warning* out) {
  if (!out || i >= agr_verdict_warning_count(evaluator)) return AGR_MISUSE;
  out->rule = evaluator->verdict.warnings[i].rule;
  out->event = evaluator->verdict.warnings[i].event;
  return AGR_OK;
}

int agr_verdict_totals(const agr_evaluator* evaluator, agr_fee* out) {
  if (!evaluator || !out) return AGR_MISUSE;
  *out = to_c(evaluator->verdict.totals);
  return AGR_OK;
}

size_t agr_verdict_due_count(const agr_evaluator* evaluator) { return evaluator ? evaluator->due.size() : 0; }

int agr_verdict_due(const agr_evaluator* evaluator, size_t i, agr_due* out) {
  if (!out || i >= agr_verdict_due_count(evaluator)) return AGR_MISUSE;
  *out = evaluator->due[i];
  return AGR_OK;
}

}  // extern "C"
