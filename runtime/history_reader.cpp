// Reads one JSON line of the io-contract into a PreparedHistory, strictly: required fields, exact
// types (null is not a string), calendar dates, unique event ids, declared flags. Keys the
// contract does not name are ignored. Strings are views into simdjson's buffers, valid until the
// next line is read. The DOM parser validates the whole line (UTF-8 included) and dispatches at
// run time to the fastest kernel the CPU has.
#include "history_reader.h"

#include <algorithm>

#include "json_error.h"
#include "scratch.h"

namespace agr {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

const char* type_word(element_type type) {
  switch (type) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "something else";
}

class HistoryReader {
 public:
  HistoryReader(const Program& p, const AgreementIndex& index, PreparedHistory& h,
                std::vector<std::string_view>& ids, std::string* error)
      : p_(p), index_(index), h_(h), ids_(ids), error_(error) {}

  bool read(element doc) {
    if (doc.type() != element_type::OBJECT)
      return fail(std::string("a history must be a JSON object, not ") + type_word(doc.type()));
    bool has_id = false, has_events = false, has_history_clinic = false, has_referral = false;
    std::string_view history_clinic;
    element events_value;
    unknown_keys_.clear();
    const simdjson::dom::object object = doc.get_object().value_unsafe();
    for (auto [key, value] : object) {
      if (key == "id") {
        if (has_id) return twice(key);
        if (!string_field(value, "id", &h_.id)) return false;
        has_id = true;
      } else if (key == "referral_date") {
        if (has_referral) return twice(key);
        has_referral = true;
        std::string_view text;
        if (!string_field(value, "referral_date", &text)) return false;
        if (!parse_iso_date(text, &h_.referral))
          return fail("'referral_date' is not a calendar date YYYY-MM-DD: '" + std::string(text) + "'");
        h_.has_referral = true;
      } else if (key == "clinic") {
        if (has_history_clinic) return twice(key);
        if (!string_field(value, "clinic", &history_clinic)) return false;
        has_history_clinic = true;
      } else if (key == "events") {
        if (has_events) return twice(key);
        events_value = value;
        has_events = true;
      } else {
        unknown_keys_.push_back(key);  // ignored, unless written twice
      }
    }
    if (const std::string_view* key = repeated_unknown_key()) return twice(*key);
    if (!has_id) return fail("missing field 'id'");
    if (!has_events) return fail("missing field 'events'");
    if (!events(events_value)) return false;

    // An event's clinic is its own, else the history's.
    const uint32_t default_clinic = has_history_clinic ? h_.intern_clinic(history_clinic) : 0;
    for (size_t i = 0; i < h_.events.size(); ++i)
      if (!event_clinic_named_[i]) h_.events[i].clinic = default_clinic;
    std::string problem = check_history(p_, h_, ids_);
    if (!problem.empty()) return fail(std::move(problem));
    return true;
  }

 private:
  bool fail(std::string message) {
    if (error_->empty()) *error_ = std::move(message);
    return false;
  }

  bool string_field(element value, const char* name, std::string_view* out) {
    if (value.type() != element_type::STRING)
      return fail(std::string("'") + name + "' must be a string, not " + type_word(value.type()));
    *out = value.get_string().value_unsafe();
    return true;
  }

  bool events(element value) {
    if (value.type() != element_type::ARRAY)
      return fail(std::string("'events' must be an array, not ") + type_word(value.type()));
    const simdjson::dom::array array = value.get_array().value_unsafe();
    if (array.size() > kMaxEventsPerCourse)
      return fail("the course has " + std::to_string(array.size()) + " events, over the limit of " +
                  std::to_string(kMaxEventsPerCourse));
    size_t position = 0;
    for (element e : array)
      if (!event(e, ++position)) return false;
    return true;
  }

  bool event(element value, size_t position) {
    // Where an error is, named only when there is one (the happy path builds no strings).
    auto where = [position] { return "event " + std::to_string(position); };
    if (value.type() != element_type::OBJECT)
      return fail(where() + " must be an object, not " + type_word(value.type()));
    PreparedEvent e{};
    bool has_id = false, has_date = false, has_code = false, has_clinic = false;
    std::string_view date_text, clinic, unknown_flag;
    element flags_value;
    bool has_flags = false;
    auto named = [&e] { return "event '" + std::string(e.id) + "'"; };
    // A key written twice: the event by its id where that was read before, else by position.
    auto twice_in_event = [&](std::string_view key) {
      twice(key);
      return prefix(has_id ? named() : where());
    };
    unknown_keys_.clear();
    const simdjson::dom::object object = value.get_object().value_unsafe();
    for (auto [key, v] : object) {
      if (key == "id") {
        if (has_id) return twice_in_event(key);
        if (!string_field(v, "id", &e.id)) return prefix(where());
        has_id = true;
      } else if (key == "date") {
        if (has_date) return twice_in_event(key);
        if (!string_field(v, "date", &date_text)) return prefix(where());
        has_date = true;
      } else if (key == "code") {
        if (has_code) return twice_in_event(key);
        if (!string_field(v, "code", &e.code)) return prefix(where());
        has_code = true;
      } else if (key == "clinic") {
        if (has_clinic) return twice_in_event(key);
        if (!string_field(v, "clinic", &clinic)) return prefix(where());
        has_clinic = true;
      } else if (key == "flags") {
        if (has_flags) return twice_in_event(key);
        flags_value = v;
        has_flags = true;
      } else {
        unknown_keys_.push_back(key);
      }
    }
    if (const std::string_view* key = repeated_unknown_key()) return twice_in_event(*key);
    if (!has_id) return fail(where() + ": missing field 'id'");
    if (!has_date) return fail(named() + ": missing field 'date'");
    if (!has_code) return fail(named() + ": missing field 'code'");
    if (!parse_iso_date(date_text, &e.date))
      return fail(named() + ": 'date' is not a calendar date YYYY-MM-DD: '" + std::string(date_text) + "'");
    if (has_flags) {
      if (flags_value.type() != element_type::ARRAY)
        return fail(named() + ": 'flags' must be an array, not " + type_word(flags_value.type()));
      const simdjson::dom::array flags = flags_value.get_array().value_unsafe();
      for (element flag_value : flags) {
        std::string_view flag;
        if (!string_field(flag_value, "flags", &flag)) return prefix(named());
        const int32_t f = index_.find_flag(p_, flag);
        if (f < 0) return fail(unknown_flag_message(p_, e.id, flag));
        e.flags |= uint64_t(1) << f;
      }
    }
    e.service = index_.find_service(e.code);
    e.clinic = has_clinic ? h_.intern_clinic(clinic) : 0;
    event_clinic_named_.push_back(has_clinic);
    h_.events.push_back(e);
    return true;
  }

  // io-contract.md: a key written twice is an error naming it, never "the last one wins".
  bool twice(std::string_view key) { return fail("key '" + std::string(key) + "' is written twice"); }

  // A key outside the contract written twice in the object just read, if any.
  const std::string_view* repeated_unknown_key() {
    if (unknown_keys_.size() < 2) return nullptr;
    std::sort(unknown_keys_.begin(), unknown_keys_.end());
    auto it = std::adjacent_find(unknown_keys_.begin(), unknown_keys_.end());
    return it == unknown_keys_.end() ? nullptr : &*it;
  }

  bool prefix(const std::string& where) {
    *error_ = where + ": " + *error_;
    return false;
  }

  const Program& p_;
  const AgreementIndex& index_;
  PreparedHistory& h_;
  std::vector<std::string_view>& ids_;
  std::string* error_;
  std::vector<bool> event_clinic_named_;
  std::vector<std::string_view> unknown_keys_;
};

simdjson::error_code parse_line(Evaluator::Scratch& scratch, std::string_view line, element* doc) {
  std::string& buffer = scratch.padded_line;
  buffer.assign(line);
  buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
  return scratch.parser.parse(buffer.data(), line.size(), false).get(*doc);
}

}  // namespace

bool read_history_json(Evaluator::Scratch& scratch, const Program& program, const AgreementIndex& index,
                       std::string_view line, std::string* error) {
  PreparedHistory& h = scratch.history;
  h.clear();
  error->clear();
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
    *error = "blank line: expected a history object";
    return false;
  }
  if (line.size() > kMaxLineBytes) {
    *error = "the line is longer than the limit of " + std::to_string(kMaxLineBytes) + " bytes";
    return false;
  }
  element doc;
  if (const simdjson::error_code code = parse_line(scratch, line, &doc)) {
    *error = describe_json_error(line, code, scratch.parser.max_depth());
    return false;
  }
  HistoryReader reader(program, index, h, scratch.state.id_scratch, error);
  return reader.read(doc);
}

bool read_history_id(Evaluator::Scratch& scratch, std::string_view line, std::string* id) {
  element doc;
  std::string_view value;
  if (line.size() > kMaxLineBytes || parse_line(scratch, line, &doc) != simdjson::SUCCESS || doc["id"].get(value) != simdjson::SUCCESS)
    return false;
  *id = std::string(value);
  return true;
}

}  // namespace agr
