// Reads one JSON line of the io-contract into a PreparedHistory, strictly: required fields, exact
// types (null is not a string), calendar dates, unique event ids, declared flags and facts, no
// key written twice. Keys the contract does not name are ignored. Strings are views into
// simdjson's buffers, valid until the next line is read. The DOM parser validates the whole line
// (UTF-8 included) and dispatches at run time to the fastest kernel the CPU has.
//
// The hot path, per event: keys are told apart by length and one comparison, codes and flags are
// found by hash (AgreementIndex), dates parsed digit by digit, clinics interned and event ids
// checked for duplicates by hash (PreparedHistory); a line handed over with padding is parsed
// where it lies. No string is built unless there is an error to report.
#include "history_reader.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "facts.h"
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

// The keys the contract names, in a history object and in an event object. One more key is one
// more enumerator, one more line in the classifier, and one more case where it is read.
enum class Key : uint8_t { Id, ReferralDate, Clinic, Events, Agreement, Facts, Date, Code, Flags, Other };

Key history_key(std::string_view k) {
  switch (k.size()) {
    case 2: return k == "id" ? Key::Id : Key::Other;
    case 5: return k == "facts" ? Key::Facts : Key::Other;
    case 6: return k == "clinic" ? Key::Clinic : k == "events" ? Key::Events : Key::Other;
    case 9: return k == "agreement" ? Key::Agreement : Key::Other;
    case 13: return k == "referral_date" ? Key::ReferralDate : Key::Other;
    default: return Key::Other;
  }
}

Key event_key(std::string_view k) {
  switch (k.size()) {
    case 2: return k == "id" ? Key::Id : Key::Other;
    case 4: return k == "date" ? Key::Date : k == "code" ? Key::Code : Key::Other;
    case 5: return k == "flags" ? Key::Flags : Key::Other;
    case 6: return k == "clinic" ? Key::Clinic : Key::Other;
    default: return Key::Other;
  }
}

// Which contract keys an object has shown so far; a second sighting is an error.
class KeysSeen {
 public:
  // False when `key` was seen before in this object.
  bool first(Key key) {
    const uint32_t bit = 1u << static_cast<unsigned>(key);
    const bool fresh = (seen_ & bit) == 0;
    seen_ |= bit;
    return fresh;
  }
  bool has(Key key) const { return seen_ & (1u << static_cast<unsigned>(key)); }

 private:
  uint32_t seen_ = 0;
};

// A key outside the contract written twice in one object, if any. Such keys are rare, so they
// are only collected while reading and sorted once, when there are two or more.
const std::string_view* repeated(std::vector<std::string_view>& keys) {
  if (keys.size() < 2) return nullptr;
  std::sort(keys.begin(), keys.end());
  const auto it = std::adjacent_find(keys.begin(), keys.end());
  return it == keys.end() ? nullptr : &*it;
}

constexpr uint32_t kClinicOfHistory = UINT32_MAX;  // an event that names no clinic, until the end

// What both readers do with the values they read: an event's service and clinic, and, at the end
// of the history, the history's clinic for the events that name none.
class HistoryBuilder {
 public:
  HistoryBuilder(const AgreementIndex& index, PreparedHistory& h) : index_(index), h_(h) {}

  void add_event(const PreparedEvent& e, bool has_clinic, std::string_view clinic) {
    next_event() = e;
    add_next_event(has_clinic, clinic);
  }

  // The same in two steps, for a reader that writes the event in place: the next event, appended
  // (zeroed) to the history's, then, once the reader has written its id, date, code and flags,
  // its service and clinic.
  PreparedEvent& next_event() { return h_.events.emplace_back(); }
  void add_next_event(bool has_clinic, std::string_view clinic) {
    PreparedEvent& e = h_.events.back();
    e.service = index_.find_service(e.code);
    if (has_clinic) {
      e.clinic = h_.intern_clinic(clinic);
    } else {
      e.clinic = kClinicOfHistory;
      unnamed_clinics_ = true;
    }
    h_.note_last_id();
  }

  // An event's clinic is its own, else the history's (0: none).
  void name_clinics(bool has_clinic, std::string_view history_clinic) {
    if (!unnamed_clinics_) return;
    const uint32_t clinic = has_clinic ? h_.intern_clinic(history_clinic) : 0;
    for (PreparedEvent& e : h_.events)
      if (e.clinic == kClinicOfHistory) e.clinic = clinic;
  }

 private:
  const AgreementIndex& index_;
  PreparedHistory& h_;
  bool unnamed_clinics_ = false;
};

class HistoryReader {
 public:
  HistoryReader(const Program& p, const AgreementIndex& index, PreparedHistory& h,
                std::vector<std::string_view>& unknown_keys, std::string* error)
      : p_(p), index_(index), h_(h), unknown_(unknown_keys), error_(error) {}

  bool read(element doc) {
    if (doc.type() != element_type::OBJECT)
      return fail(std::string("a history must be a JSON object, not ") + type_word(doc.type()));
    KeysSeen seen;
    std::string_view history_clinic, agreement;
    element events_value, facts_value;
    unknown_.clear();
    const simdjson::dom::object object = doc.get_object().value_unsafe();
    for (auto [key, value] : object) {
      const Key k = history_key(key);
      if (k == Key::Other) {
        unknown_.push_back(key);  // ignored, unless written twice
        continue;
      }
      if (!seen.first(k)) return twice(key);
      switch (k) {
        case Key::Id:
          if (!string_field(value, "id", &h_.id)) return false;
          break;
        case Key::ReferralDate: {
          std::string_view text;
          if (!string_field(value, "referral_date", &text)) return false;
          if (!parse_iso_date(text, &h_.referral))
            return fail("'referral_date' is not a calendar date YYYY-MM-DD: '" + std::string(text) + "'");
          h_.has_referral = true;
          break;
        }
        case Key::Clinic:
          if (!string_field(value, "clinic", &history_clinic)) return false;
          break;
        case Key::Events:
          events_value = value;
          break;
        case Key::Agreement:
          if (!string_field(value, "agreement", &agreement)) return false;
          break;
        case Key::Facts:
          facts_value = value;
          break;
        default:
          break;
      }
    }
    if (const std::string_view* key = repeated(unknown_)) return twice(*key);
    if (!seen.has(Key::Id)) return fail("missing field 'id'");
    if (seen.has(Key::Agreement) && agreement != p_.name) return fail(not_the_agreement_message(agreement, p_.name));
    if (!seen.has(Key::Events)) return fail("missing field 'events'");
    h_.facts.assign(p_.facts.size(), FactValue{});
    if (seen.has(Key::Facts) && !facts(facts_value)) return false;
    if (!events(events_value)) return false;

    built_.name_clinics(seen.has(Key::Clinic), history_clinic);
    std::string problem = check_history(p_, h_);
    if (!problem.empty()) return fail(std::move(problem));
    return true;
  }

 private:
  bool fail(std::string message) {
    if (error_->empty()) *error_ = std::move(message);
    return false;
  }

  // io-contract.md: a key written twice is an error naming it, never "the last one wins".
  bool twice(std::string_view key) { return fail("key '" + std::string(key) + "' is written twice"); }

  bool prefix(const std::string& where) {
    *error_ = where + ": " + *error_;
    return false;
  }

  bool string_field(element value, const char* name, std::string_view* out) {
    if (value.type() != element_type::STRING)
      return fail(std::string("'") + name + "' must be a string, not " + type_word(value.type()));
    *out = value.get_string().value_unsafe();
    return true;
  }

  // `facts`: an object of declared facts, each of its declared type (facts.h).
  bool facts(element value) {
    if (value.type() != element_type::OBJECT)
      return fail(std::string("'facts' must be an object, not ") + type_word(value.type()));
    const simdjson::dom::object object = value.get_object().value_unsafe();
    for (auto [key, v] : object) {
      const int32_t f = find_fact(p_, key);
      if (f < 0) return fail(unknown_fact_message(p_, key));
      if (h_.facts[f].present) return fail("fact '" + std::string(key) + "' is given twice");
      FactJson json;
      json.type_word = type_word(v.type());
      switch (v.type()) {
        case element_type::STRING:
          json.kind = FactJson::Kind::String;
          json.text = v.get_string().value_unsafe();
          break;
        case element_type::INT64:
          json.kind = FactJson::Kind::Integer;
          json.integer = v.get_int64().value_unsafe();
          break;
        case element_type::UINT64:
          json.kind = FactJson::Kind::Integer;
          json.integer_in_range = false;
          break;
        case element_type::DOUBLE: json.type_word = "a number with a decimal point"; break;
        case element_type::BOOL:
          json.kind = FactJson::Kind::Boolean;
          json.boolean = v.get_bool().value_unsafe();
          break;
        default: break;
      }
      std::string problem = read_fact(p_, f, json, &h_.facts[f]);
      if (!problem.empty()) return fail(std::move(problem));
    }
    return true;
  }

  bool events(element value) {
    if (value.type() != element_type::ARRAY)
      return fail(std::string("'events' must be an array, not ") + type_word(value.type()));
    const simdjson::dom::array array = value.get_array().value_unsafe();
    const size_t n = array.size();
    if (n > kMaxEventsPerCourse)
      return fail("the course has " + std::to_string(n) + " events, over the limit of " +
                  std::to_string(kMaxEventsPerCourse));
    h_.events.reserve(n);
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
    KeysSeen seen;
    std::string_view date_text, clinic;
    element flags_value;
    auto named = [&e] { return "event '" + std::string(e.id) + "'"; };
    // A key written twice: the event by its id where that was read before, else by position.
    auto twice_in_event = [&](std::string_view key) {
      twice(key);
      return prefix(seen.has(Key::Id) ? named() : where());
    };
    unknown_.clear();
    const simdjson::dom::object object = value.get_object().value_unsafe();
    for (auto [key, v] : object) {
      const Key k = event_key(key);
      if (k == Key::Other) {
        unknown_.push_back(key);
        continue;
      }
      if (!seen.first(k)) return twice_in_event(key);
      switch (k) {
        case Key::Id:
          if (!string_field(v, "id", &e.id)) return prefix(where());
          break;
        case Key::Date:
          if (!string_field(v, "date", &date_text)) return prefix(where());
          break;
        case Key::Code:
          if (!string_field(v, "code", &e.code)) return prefix(where());
          break;
        case Key::Clinic:
          if (!string_field(v, "clinic", &clinic)) return prefix(where());
          break;
        case Key::Flags:
          flags_value = v;
          break;
        default:
          break;
      }
    }
    if (const std::string_view* key = repeated(unknown_)) return twice_in_event(*key);
    if (!seen.has(Key::Id)) return fail(where() + ": missing field 'id'");
    if (!seen.has(Key::Date)) return fail(named() + ": missing field 'date'");
    if (!seen.has(Key::Code)) return fail(named() + ": missing field 'code'");
    if (!parse_iso_date(date_text, &e.date))
      return fail(named() + ": 'date' is not a calendar date YYYY-MM-DD: '" + std::string(date_text) + "'");
    if (seen.has(Key::Flags)) {
      if (flags_value.type() != element_type::ARRAY)
        return fail(named() + ": 'flags' must be an array, not " + type_word(flags_value.type()));
      const simdjson::dom::array flags = flags_value.get_array().value_unsafe();
      for (element flag_value : flags) {
        std::string_view flag;
        if (!string_field(flag_value, "flags", &flag)) return prefix(named());
        const int32_t f = index_.find_flag(flag);
        if (f < 0) return fail(unknown_flag_message(p_, e.id, flag));
        e.flags |= uint64_t(1) << f;
      }
    }
    built_.add_event(e, seen.has(Key::Clinic), clinic);
    return true;
  }

  const Program& p_;
  const AgreementIndex& index_;
  PreparedHistory& h_;
  std::vector<std::string_view>& unknown_;  // keys outside the contract in the object being read
  std::string* error_;
  HistoryBuilder built_{index_, h_};
};

// parse_iso_date, remembering the last month read: the events of a course mostly fall in a few
// months, so most dates need only their day checked against the month's length.
class DateReader {
 public:
  bool read(std::string_view text, Day* out) {
    if (text.size() != 10 || (std::memcmp(text.data(), month_, 8) != 0 && !new_month(text.data()))) return false;
    const uint32_t a0 = static_cast<unsigned char>(text[8]) - uint32_t{'0'};
    const uint32_t a1 = static_cast<unsigned char>(text[9]) - uint32_t{'0'};
    const uint32_t d = a0 * 10 + a1;
    // Unsigned: a character below '0' wraps to a large value. No month has length 0 (none read yet).
    if (a0 > 9 || a1 > 9 || d < 1 || d > month_length_) return false;
    *out = month_first_ + static_cast<Day>(d - 1);
    return true;
  }

 private:
  // "YYYY-MM-" of a date: a month of the calendar when "YYYY-MM-01" is a date.
  bool new_month(const char* text) {
    char first[10];
    std::memcpy(first, text, 8);
    first[8] = '0';
    first[9] = '1';
    if (!parse_iso_date(std::string_view(first, 10), &month_first_)) return false;
    const auto digit = [text](size_t i) { return static_cast<uint32_t>(text[i] - '0'); };
    month_length_ = days_in_month(static_cast<int32_t>(digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)),
                                  digit(5) * 10 + digit(6));
    std::memcpy(month_, text, 8);
    return true;
  }

  char month_[8] = {};         // "YYYY-MM-" of the last date read
  uint32_t month_length_ = 0;  // its month's length; 0: none read yet
  Day month_first_ = 0;        // the first day of that month
};

// What both fast readers read a history against, and what they read it into: one agreement's
// program, or the agreement of a set the history names (with one agreement, that one).
class FastReaderBase {
 protected:
  FastReaderBase(const Program& p, const AgreementIndex& index, PreparedHistory& h) : h_(h) { use(p, index); }
  FastReaderBase(const AgreementSet& set, PreparedHistory& h) : h_(h) {
    if (set.agreements().size() == 1)
      use(*set.agreements().front());
    else
      set_ = &set;
  }

 public:
  // The agreement chosen from the set (null when reading against a program).
  const Agreement* agreement() const { return agreement_; }

 protected:
  void use(const Program& p, const AgreementIndex& index) {
    p_ = &p;
    index_ = &index;
    built_.emplace(index, h_);
    h_.facts.assign(p.facts.size(), FactValue{});
  }
  void use(const Agreement& agreement) {
    agreement_ = &agreement;
    use(agreement.program(), agreement.index());
  }

  // The history's `agreement`: the program read against, else the set's agreement of that name.
  bool choose(std::string_view name) {
    if (!set_) return name == p_->name;
    const Agreement* chosen = set_->find(name);
    if (!chosen) return false;
    use(*chosen);
    return true;
  }

  PreparedHistory& h_;
  const AgreementSet* set_ = nullptr;     // several agreements: the history's `agreement` chooses
  const Agreement* agreement_ = nullptr;  // the one chosen from a set
  const Program* p_ = nullptr;            // what the history is read against; null until chosen
  const AgreementIndex* index_ = nullptr;
  std::optional<HistoryBuilder> built_;
  DateReader date_;
};

// ---- The fast path: simdjson On Demand --------------------------------------------------------
//
// The DOM parser builds a tape of the whole line and the reader then walks it: two passes. On
// Demand reads the values straight from the structural index, in one pass, as the reader asks
// for them. It validates what it reads (every value of a history the contract names is read,
// with its type checked) but not what it skips, and its errors say less than the DOM parser's.
// So this reader takes only the common case: a history with no key outside the contract, no key
// written twice or escaped, valid throughout, for an agreement of the run. On anything else it
// answers "not mine", and the line is read again, from the start, by the DOM reader above, whose
// verdict or error stands. Whatever it accepts it reads exactly as the DOM reader would (the
// `[reader][fast]` tests and fuzz_history compare the two on every line).
//
// With several agreements the history's `agreement` key chooses the one whose codes, flags and
// facts the events and facts are read against. When that key comes after `events` or `facts`,
// those are skipped on the first walk and read on a second (the structural index is kept: only
// the walk is repeated).
class FastHistoryReader : public FastReaderBase {
 public:
  // Against one agreement's program (a history naming another is not mine).
  FastHistoryReader(const Program& p, const AgreementIndex& index, PreparedHistory& h,
                    const simdjson::ondemand::parser& parser, size_t line_size)
      : FastReaderBase(p, index, h), parser_(parser), line_size_(line_size) {}
  // Against the agreement of `set` the history names; with one agreement, as above.
  FastHistoryReader(const AgreementSet& set, PreparedHistory& h, const simdjson::ondemand::parser& parser,
                    size_t line_size)
      : FastReaderBase(set, h), parser_(parser), line_size_(line_size) {}

  bool read(simdjson::ondemand::document& doc, std::string_view line) {
    simdjson::ondemand::object object;
    if (doc.get_object().get(object)) return false;
    KeysSeen seen;
    std::string_view history_clinic, agreement, referral;
    Deferred deferred;  // `events` or `facts` before the `agreement` that says how to read them
    for (auto result : object) {
      simdjson::ondemand::field field;
      if (std::move(result).get(field)) return false;
      const Key k = history_key(field);
      if (k == Key::Other || !seen.first(k)) return false;
      simdjson::ondemand::value& value = field.value();
      switch (k) {
        case Key::Id:
          if (!text(value, &h_.id)) return false;
          break;
        case Key::ReferralDate:
          if (!text(value, &referral) || !date_.read(referral, &h_.referral)) return false;
          h_.has_referral = true;
          break;
        case Key::Clinic:
          if (!text(value, &history_clinic)) return false;
          break;
        case Key::Agreement:
          if (!text(value, &agreement) || !choose(agreement)) return false;
          break;
        case Key::Events:
        case Key::Facts:
          if (!p_) {
            (k == Key::Events ? deferred.events : deferred.facts) = true;  // skipped now, read on the second walk
            break;
          }
          if (!(k == Key::Events ? events(value) : facts(value))) return false;
          break;
        default: return false;
      }
    }
    // Nothing after the object but whitespace: with the object read to its end, raw_json() spans
    // from the object's start to the next token, or to the end of the line when there is none.
    std::string_view root;
    if (doc.raw_json().get(root) || root.data() + root.size() != line.data() + line.size()) return false;
    if (!seen.has(Key::Id) || !seen.has(Key::Events) || !p_) return false;
    if ((deferred.events || deferred.facts) && !read_deferred(doc, deferred)) return false;
    built_->name_clinics(seen.has(Key::Clinic), history_clinic);
    h_.plain_strings = unescaped_ == nullptr;
    return check_history(*p_, h_).empty();
  }

 private:
  // The second walk: `events` or `facts` or both, now that the agreement is known (every key was
  // checked on the first).
  struct Deferred {
    bool events = false, facts = false;
  };
  bool read_deferred(simdjson::ondemand::document& doc, Deferred deferred) {
    simdjson::ondemand::object object;
    doc.rewind();
    if (doc.get_object().get(object)) return false;
    for (auto result : object) {
      simdjson::ondemand::field field;
      if (std::move(result).get(field)) return false;
      const Key k = history_key(field);
      if (k == Key::Events && deferred.events && !events(field.value())) return false;
      if (k == Key::Facts && deferred.facts && !facts(field.value())) return false;
    }
    return true;
  }

  // The contract key a raw key is, by its bytes up to and including its closing quote: a key
  // written with an escape matches none, and is Other (not mine). The line's padding makes the
  // longest comparison safe at its end.
  template <size_t N>
  static bool is(const char* raw, const char (&key)[N]) {
    return std::memcmp(raw, key, N - 1) == 0 && raw[N - 1] == '"';
  }
  static Key history_key(simdjson::ondemand::field& field) {
    const char* k = field.key().raw();
    switch (k[0]) {
      case 'i': return is(k, "id") ? Key::Id : Key::Other;
      case 'e': return is(k, "events") ? Key::Events : Key::Other;
      case 'r': return is(k, "referral_date") ? Key::ReferralDate : Key::Other;
      case 'c': return is(k, "clinic") ? Key::Clinic : Key::Other;
      case 'a': return is(k, "agreement") ? Key::Agreement : Key::Other;
      case 'f': return is(k, "facts") ? Key::Facts : Key::Other;
      default: return Key::Other;
    }
  }
  static Key event_key(simdjson::ondemand::field& field) {
    const char* k = field.key().raw();
    switch (k[0]) {
      case 'i': return is(k, "id") ? Key::Id : Key::Other;
      case 'd': return is(k, "date") ? Key::Date : Key::Other;
      case 'c': return is(k, "code") ? Key::Code : is(k, "clinic") ? Key::Clinic : Key::Other;
      case 'f': return is(k, "flags") ? Key::Flags : Key::Other;
      default: return Key::Other;
    }
  }

  // A raw key's text, up to its closing quote; false for a key with an escape (not mine).
  static bool key_text(simdjson::ondemand::field& field, std::string_view* out) {
    const char* const k = field.key().raw();
    for (const char* p = k;; ++p) {
      if (*p == '\\') return false;
      if (*p == '"') {
        *out = std::string_view(k, static_cast<size_t>(p - k));
        return true;
      }
    }
  }

  // A string value: its bytes where they lie when it has no escape (ids, codes, dates mostly),
  // else unescaped by simdjson (as get_string would) into a buffer of the reader's own, which a
  // second walk does not reuse. Stage 1 has already refused a string with a control character or
  // invalid UTF-8 in it, so bytes up to the first '"' with no '\\' before it are the string.
  [[gnu::always_inline]] bool text(simdjson::ondemand::value& value, std::string_view* out) {
    simdjson::ondemand::raw_json_string raw;
    if (value.get_raw_json_string().get(raw)) return false;
    const char* const begin = raw.raw();
    if (const char* const end = closing_quote(begin)) {
      *out = std::string_view(begin, static_cast<size_t>(end - begin));
      return true;
    }
    if (!unescaped_) unescaped_ = unescape_buffer(line_size_);
    return parser_.unescape(raw, unescaped_).get(*out) == simdjson::SUCCESS;
  }

  // The closing quote of the string whose first byte is at `p`, or null when a '\\' comes first.
  // The quote lies before the line's end, so the bytes read past it are in the line's padding.
  static const char* closing_quote(const char* p) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    for (;; p += 16) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const unsigned hit =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, backslash))));
      if (!hit) continue;
      p += __builtin_ctz(hit);
      return *p == '"' ? p : nullptr;
    }
#else
    for (;; ++p) {
      if (*p == '"') return p;
      if (*p == '\\') return nullptr;
    }
#endif
  }

  // A thread's buffer for the unescaped strings of one line: simdjson asks for the line's size
  // and its padding. Only a line with an escape in a string needs it.
  static uint8_t* unescape_buffer(size_t line_size) {
    thread_local std::unique_ptr<uint8_t[]> buffer;
    thread_local size_t capacity = 0;
    if (capacity < line_size + simdjson::SIMDJSON_PADDING) {
      capacity = line_size + simdjson::SIMDJSON_PADDING;
      buffer.reset(new uint8_t[capacity]);
    }
    return buffer.get();
  }

  // `facts`: each declared fact once, of its declared type (facts.h: read_fact, whose message,
  // were there one, is the DOM reader's to give). A number is taken only as a plain integer.
  bool facts(simdjson::ondemand::value value) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object)) return false;
    for (auto result : object) {
      simdjson::ondemand::field field;
      std::string_view name;
      if (std::move(result).get(field) || !key_text(field, &name)) return false;
      const int32_t f = find_fact(*p_, name);
      if (f < 0 || h_.facts[f].present) return false;
      simdjson::ondemand::value& v = field.value();
      simdjson::ondemand::json_type type;
      if (v.type().get(type)) return false;
      FactJson json;
      switch (type) {
        case simdjson::ondemand::json_type::string:
          json.kind = FactJson::Kind::String;
          if (!text(v, &json.text)) return false;
          break;
        case simdjson::ondemand::json_type::number: {
          std::string_view token = v.raw_json_token();
          while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                                    token.back() == '\r'))
            token.remove_suffix(1);
          const size_t sign = !token.empty() && token[0] == '-';
          if (token.size() == sign || token.size() > sign + 16) return false;  // within 2^53: 16 digits
          for (size_t i = sign; i < token.size(); ++i)
            if (token[i] < '0' || token[i] > '9') return false;
          if (v.get_int64().get(json.integer)) return false;
          json.kind = FactJson::Kind::Integer;
          break;
        }
        case simdjson::ondemand::json_type::boolean:
          if (v.get_bool().get(json.boolean)) return false;
          json.kind = FactJson::Kind::Boolean;
          break;
        default: return false;  // null, an array or an object: no fact's type
      }
      if (!read_fact(*p_, f, json, &h_.facts[f]).empty()) return false;
    }
    return true;
  }

  bool events(simdjson::ondemand::value value) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array)) return false;
    for (auto element : array) {
      simdjson::ondemand::value event_value;
      if (std::move(element).get(event_value) || !event(event_value) || h_.events.size() > kMaxEventsPerCourse) return false;
    }
    return true;
  }

  bool event(simdjson::ondemand::value& value) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object)) return false;
    PreparedEvent& e = built_->next_event();
    KeysSeen seen;
    std::string_view date_text, clinic;
    for (auto result : object) {
      simdjson::ondemand::field field;
      if (std::move(result).get(field)) return false;
      const Key k = event_key(field);
      if (k == Key::Other || !seen.first(k)) return false;
      simdjson::ondemand::value& v = field.value();
      switch (k) {
        case Key::Id:
          if (!text(v, &e.id)) return false;
          break;
        case Key::Date:
          if (!text(v, &date_text)) return false;
          break;
        case Key::Code:
          if (!text(v, &e.code)) return false;
          break;
        case Key::Clinic:
          if (!text(v, &clinic)) return false;
          break;
        case Key::Flags: {
          simdjson::ondemand::array flags;
          if (v.get_array().get(flags)) return false;
          for (auto flag_value : flags) {
            simdjson::ondemand::value flag_json;
            std::string_view flag;
            if (std::move(flag_value).get(flag_json) || !text(flag_json, &flag)) return false;
            const int32_t f = index_->find_flag(flag);
            if (f < 0) return false;
            e.flags |= uint64_t(1) << f;
          }
          break;
        }
        default: return false;
      }
    }
    if (!seen.has(Key::Id) || !seen.has(Key::Date) || !seen.has(Key::Code) || !date_.read(date_text, &e.date))
      return false;
    built_->add_next_event(seen.has(Key::Clinic), clinic);
    return true;
  }

  const simdjson::ondemand::parser& parser_;  // for unescaping
  size_t line_size_;
  uint8_t* unescaped_ = nullptr;  // where the next string with an escape is unescaped to; null: none yet
};

// ---- The plain path: one pass over the bytes ---------------------------------------------------
//
// Most lines are plain histories written by a program: the contract's keys, strings without an
// escape, no whitespace or a little. For those even On Demand does more than needed: stage 1
// indexes every structural character of the line (a pass over all of it) and the walk then goes
// through that index. This reader goes once through the bytes themselves, as a recursive descent
// over the part of JSON a history uses (objects, arrays, strings), checking each byte the grammar
// reaches: a string's bytes 16 at a time for its closing quote (SSE2), a key by its length and one
// comparison, a date digit by digit. It is strict where On Demand is: a string with an escape or a
// control character, a byte from 0x80 up that is not UTF-8, a key outside the contract or written
// twice, `facts`, a number, true, false or null anywhere, and anything after the object but
// whitespace are "not mine", and the line goes to the On Demand reader (and, should that decline
// too, to the DOM reader, whose verdict or error stands). What it takes it reads exactly as the
// DOM reader would (the `[reader][fast]` sweeps and fuzz_history compare them on every line).
class PlainHistoryReader : public FastReaderBase {
 public:
  PlainHistoryReader(const Program& p, const AgreementIndex& index, PreparedHistory& h) : FastReaderBase(p, index, h) {}
  PlainHistoryReader(const AgreementSet& set, PreparedHistory& h) : FastReaderBase(set, h) {}

  // `line` has kLinePadding readable bytes after it (what they hold does not matter).
  bool read(std::string_view line) {
    at_ = line.data();
    end_ = line.data() + line.size();
    skip_space();
    if (!consume('{')) return false;
    KeysSeen seen;
    std::string_view history_clinic, text;
    if (!consume('}')) {
      do {
        const Key k = member_key<history_key>();
        if (k == Key::Other || !seen.first(k)) return false;
        switch (k) {
          case Key::Id:
            if (!string(&h_.id)) return false;
            break;
          case Key::ReferralDate:
            if (!string(&text) || !date_.read(text, &h_.referral)) return false;
            h_.has_referral = true;
            break;
          case Key::Clinic:
            if (!string(&history_clinic)) return false;
            break;
          case Key::Agreement:
            if (!string(&text) || !choose(text)) return false;
            break;
          case Key::Events:
            if (!p_ || !events()) return false;  // with several agreements, `agreement` first
            break;
          default: return false;  // facts: the On Demand reader's
        }
      } while (comma());
      if (!consume('}')) return false;
    }
    skip_space();
    if (at_ != end_ || !seen.has(Key::Id) || !seen.has(Key::Events)) return false;
    built_->name_clinics(seen.has(Key::Clinic), history_clinic);
    h_.plain_strings = true;
    return check_history(*p_, h_).empty();
  }

 private:
  // JSON's whitespace: space, tab, line feed, carriage return.
  static bool space(char c) {
    constexpr uint64_t kSpaces = 1ull << ' ' | 1ull << '\t' | 1ull << '\n' | 1ull << '\r';
    return static_cast<unsigned char>(c) <= ' ' && ((uint64_t{1} << c) & kSpaces);
  }
  void skip_space() {
    while (at_ < end_ && space(*at_)) ++at_;
  }
  // The next byte, after whitespace, is `c`: consumed. Machine-written lines mostly have no
  // whitespace, so the byte is looked at before any is skipped.
  bool consume(char c) {
    if (at_ == end_ || *at_ != c) {
      skip_space();
      if (at_ == end_ || *at_ != c) return false;
    }
    ++at_;
    return true;
  }
  // A ',' between members or elements: consumed, true; anything else is left for the closer.
  bool comma() { return consume(','); }

  // A member's key and its ':', told apart as `classify` does (the DOM reader's own tables).
  template <Key (*classify)(std::string_view)>
  Key member_key() {
    std::string_view key;
    if (!string(&key) || !consume(':')) return Key::Other;
    return classify(key);
  }

  // An event's key and its ':': first as a machine writes it, the key's bytes compared as a
  // whole, and only else as member_key reads any key.
  Key event_member() {
    if (end_ - at_ >= 9) {
      if (std::memcmp(at_, "\"id\":", 5) == 0) return at_ += 5, Key::Id;
      if (std::memcmp(at_, "\"date\":", 7) == 0) return at_ += 7, Key::Date;
      if (std::memcmp(at_, "\"code\":", 7) == 0) return at_ += 7, Key::Code;
      if (std::memcmp(at_, "\"flags\":", 8) == 0) return at_ += 8, Key::Flags;
      if (std::memcmp(at_, "\"clinic\":", 9) == 0) return at_ += 9, Key::Clinic;
    }
    return member_key<event_key>();
  }

  // A date's string: first as ten bytes between quotes (DateReader checks what they are).
  bool date_string(std::string_view* out) {
    if (end_ - at_ >= 12 && at_[0] == '"' && at_[11] == '"') {
      *out = std::string_view(at_ + 1, 10);
      at_ += 12;
      return true;
    }
    return string(out);
  }

  // A string, from its opening quote (after whitespace) to its closing one, taken as it lies.
  [[gnu::always_inline]] bool string(std::string_view* out) {
    if (!consume('"')) return false;
    const char* const end = closing_quote(at_);
    if (!end) return false;
    *out = std::string_view(at_, static_cast<size_t>(end - at_));
    at_ = end + 1;
    return true;
  }

  // The closing quote of a string whose text starts at `begin`, inside the line, or null when the
  // string is not one to take as it lies: an escape, a control character, or bytes from 0x80 up
  // that are not UTF-8 (as stage 1 would have it).
  [[gnu::always_inline]] const char* closing_quote(const char* begin) const {
    bool ascii = true;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), blank = _mm_set1_epi8(' ');
    for (const char* p = begin; p < end_; p += 16) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // Signed: a byte below ' ' and one from 0x80 up are both "less than ' '".
      const __m128i special = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, backslash));
      unsigned hit = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(special, _mm_cmplt_epi8(w, blank))));
      for (; hit; hit &= hit - 1) {
        const char* const q = p + __builtin_ctz(hit);
        if (q >= end_) return nullptr;
        if (*q == '"') return ascii || utf8(begin, q) ? q : nullptr;
        if (static_cast<signed char>(*q) >= 0) return nullptr;  // '\\' or a control character
        ascii = false;
      }
    }
#else
    for (const char* q = begin; q < end_; ++q) {
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == '"') return ascii || utf8(begin, q) ? q : nullptr;
      if (c == '\\' || c < 0x20) return nullptr;
      if (c >= 0x80) ascii = false;
    }
#endif
    return nullptr;
  }
  static bool utf8(const char* begin, const char* end) {
    return simdjson::validate_utf8(begin, static_cast<size_t>(end - begin));
  }

  bool events() {
    if (!consume('[')) return false;
    if (consume(']')) return true;
    do {
      if (!event() || h_.events.size() > kMaxEventsPerCourse) return false;
    } while (comma());
    return consume(']');
  }

  // One event. Its members are read one by one (member), after the usual first three where it
  // has them.
  struct EventRead {
    PreparedEvent& e;  // written in place
    KeysSeen seen;
    std::string_view date_text, clinic;
  };
  bool event() {
    if (!consume('{')) return false;
    EventRead r{built_->next_event(), {}, {}, {}};
    if (!consume('}')) {
      if (!usual_members(r) && !member(r)) return false;
      while (comma())
        if (!member(r)) return false;
      if (!consume('}')) return false;
    }
    if (!r.seen.has(Key::Id) || !r.seen.has(Key::Date) || !r.seen.has(Key::Code) || !date_.read(r.date_text, &r.e.date))
      return false;
    built_->add_next_event(r.seen.has(Key::Clinic), r.clinic);
    return true;
  }

  // The members most events begin with, as a machine writes them: "id":"…","date":"YYYY-MM-DD",
  // "code":"…" in that order, no whitespace, compared a few bytes at a time rather than token by
  // token. False, with nothing read, for anything else. The date's ten bytes are checked for what
  // they are by DateReader, as any date's.
  bool usual_members(EventRead& r) {
    const char* const id = at_ + 6;
    if (end_ - at_ < 6 || std::memcmp(at_, "\"id\":\"", 6) != 0) return false;
    const char* const id_end = closing_quote(id);
    if (!id_end || std::memcmp(id_end, "\",\"date\":\"", 10) != 0 || id_end[20] != '"' ||
        std::memcmp(id_end + 21, ",\"code\":\"", 9) != 0)
      return false;  // all read within the padding; the code's closing quote must lie in the line
    const char* const code = id_end + 30;
    const char* const code_end = code < end_ ? closing_quote(code) : nullptr;
    if (!code_end) return false;
    r.e.id = std::string_view(id, static_cast<size_t>(id_end - id));
    r.date_text = std::string_view(id_end + 10, 10);
    r.e.code = std::string_view(code, static_cast<size_t>(code_end - code));
    r.seen.first(Key::Id);
    r.seen.first(Key::Date);
    r.seen.first(Key::Code);
    at_ = code_end + 1;
    return true;
  }

  // One member of an event, whatever its key (a key outside the contract, or one seen before, is
  // not mine).
  bool member(EventRead& r) {
    const Key k = event_member();
    if (k == Key::Other || !r.seen.first(k)) return false;
    switch (k) {
      case Key::Id: return string(&r.e.id);
      case Key::Date: return date_string(&r.date_text);
      case Key::Code: return string(&r.e.code);
      case Key::Clinic: return string(&r.clinic);
      case Key::Flags: return flags(&r.e.flags);
      default: return false;
    }
  }

  // An event's `flags`: an array of declared flags.
  bool flags(uint64_t* out) {
    if (!consume('[')) return false;
    if (consume(']')) return true;
    do {
      std::string_view flag;
      if (!string(&flag)) return false;
      const int32_t f = index_->find_flag(flag);
      if (f < 0) return false;
      *out |= uint64_t(1) << f;
    } while (comma());
    return consume(']');
  }

  const char* at_ = nullptr;   // the next byte to read
  const char* end_ = nullptr;  // the line's end
};

}  // namespace

bool parse_history_line(Evaluator::Scratch& scratch, std::string_view line, bool padded, element* doc,
                        std::string* error) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
    *error = "blank line: expected a history object";
    return false;
  }
  if (line.size() > kMaxLineBytes) {
    *error = "the line is longer than the limit of " + std::to_string(kMaxLineBytes) + " bytes";
    return false;
  }
  const char* text = padded ? line.data() : scratch.pad(line).data();
  if (const simdjson::error_code code = scratch.parser.parse(text, line.size(), false).get(*doc)) {
    *error = describe_json_error(line, code, scratch.parser.max_depth());
    return false;
  }
  return true;
}

std::string not_the_agreement_message(std::string_view named, std::string_view loaded) {
  return "the history names agreement '" + std::string(named) + "', but this run has only '" + std::string(loaded) +
         "'";
}

bool read_agreement_name(element doc, bool* named, std::string_view* name, std::string* error) {
  *named = false;
  *name = {};
  if (doc.type() != element_type::OBJECT) {
    *error = std::string("a history must be a JSON object, not ") + type_word(doc.type());
    return false;
  }
  const simdjson::dom::object object = doc.get_object().value_unsafe();
  for (auto [key, value] : object) {
    if (history_key(key) != Key::Agreement) continue;
    if (*named) {
      *error = "key 'agreement' is written twice";
      return false;
    }
    *named = true;
    if (value.type() != element_type::STRING) {
      *error = std::string("'agreement' must be a string, not ") + type_word(value.type());
      return false;
    }
    *name = value.get_string().value_unsafe();
  }
  return true;
}

bool read_history(Evaluator::Scratch& scratch, element doc, const Program& program, const AgreementIndex& index,
                  std::string* error) {
  scratch.history.clear();
  error->clear();
  HistoryReader reader(program, index, scratch.history, scratch.unknown_keys, error);
  return reader.read(doc);
}

bool read_history_json(Evaluator::Scratch& scratch, const Program& program, const AgreementIndex& index,
                       std::string_view line, std::string* error) {
  scratch.history.clear();
  element doc;
  return parse_history_line(scratch, line, false, &doc, error) && read_history(scratch, doc, program, index, error);
}

namespace {

template <typename... Chooser>
bool read_plain(Evaluator::Scratch& scratch, std::string_view line, const Agreement** chosen, Chooser&... chooser) {
  scratch.history.clear();
  if (line.size() > kMaxLineBytes) return false;
  PlainHistoryReader reader(chooser..., scratch.history);
  if (!reader.read(line)) return false;
  if (chosen) *chosen = reader.agreement();
  return true;
}

// The plain reader, else On Demand.
template <typename... Chooser>
bool read_fast(Evaluator::Scratch& scratch, std::string_view line, const Agreement** chosen, Chooser&... chooser) {
  if (read_plain(scratch, line, chosen, chooser...)) return true;
  scratch.history.clear();
  if (line.size() > kMaxLineBytes) return false;
  simdjson::ondemand::document doc;
  if (scratch.fast_parser.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING).get(doc))
    return false;
  FastHistoryReader reader(chooser..., scratch.history, scratch.fast_parser, line.size());
  if (!reader.read(doc, line)) return false;
  if (chosen) *chosen = reader.agreement();
  return true;
}

}  // namespace

bool read_history_fast(Evaluator::Scratch& scratch, std::string_view line, const Program& program,
                       const AgreementIndex& index) {
  return read_fast(scratch, line, nullptr, program, index);
}

const Agreement* read_history_fast(Evaluator::Scratch& scratch, std::string_view line, const AgreementSet& set) {
  const Agreement* chosen = nullptr;
  return read_fast(scratch, line, &chosen, set) ? chosen : nullptr;
}

bool read_history_plain(Evaluator::Scratch& scratch, std::string_view line, const Program& program,
                        const AgreementIndex& index) {
  return read_plain(scratch, line, nullptr, program, index);
}

const Agreement* read_history_plain(Evaluator::Scratch& scratch, std::string_view line, const AgreementSet& set) {
  const Agreement* chosen = nullptr;
  return read_plain(scratch, line, &chosen, set) ? chosen : nullptr;
}

const Agreement* choose_agreement(const AgreementSet& set, simdjson::dom::element doc, std::string* error) {
  if (set.agreements().size() == 1) return set.agreements().front().get();
  bool named;
  std::string_view name;
  if (!read_agreement_name(doc, &named, &name, error)) return nullptr;
  return set.choose(named, name, error);
}

const Agreement* read_history_json(Evaluator::Scratch& scratch, const AgreementSet& set, std::string_view line,
                                   std::string* error) {
  scratch.history.clear();
  element doc;
  const Agreement* agreement = nullptr;
  const bool read = parse_history_line(scratch, line, false, &doc, error) &&
                    (agreement = choose_agreement(set, doc, error)) &&
                    read_history(scratch, doc, agreement->program(), agreement->index(), error);
  return read ? agreement : nullptr;
}

std::string compare_prepared(const PreparedHistory& a, const PreparedHistory& b) {
  if (a.id != b.id) return "id";
  if (a.has_referral != b.has_referral || a.referral != b.referral) return "referral_date";
  if (a.duplicate_id != b.duplicate_id) return "duplicate_id";
  if (a.clinics != b.clinics) return "clinics";
  if (a.facts.size() != b.facts.size()) return "facts";
  for (size_t i = 0; i < a.facts.size(); ++i)
    if (a.facts[i].present != b.facts[i].present || a.facts[i].number != b.facts[i].number ||
        a.facts[i].text != b.facts[i].text)
      return "fact " + std::to_string(i);
  if (a.events.size() != b.events.size()) return "the number of events";
  for (size_t i = 0; i < a.events.size(); ++i) {
    const PreparedEvent &x = a.events[i], &y = b.events[i];
    if (x.id != y.id || x.code != y.code || x.date != y.date || x.service != y.service || x.clinic != y.clinic ||
        x.flags != y.flags)
      return "event " + std::to_string(i + 1);
  }
  return {};
}

bool read_history_id(Evaluator::Scratch& scratch, std::string_view line, std::string* id) {
  element doc;
  std::string_view value;
  std::string unused;
  if (!parse_history_line(scratch, line, false, &doc, &unused) || doc["id"].get(value) != simdjson::SUCCESS)
    return false;
  *id = std::string(value);
  return true;
}

}  // namespace agr
