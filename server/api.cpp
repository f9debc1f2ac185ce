#include "api.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "describe.h"
#include "diff.h"
#include "driver.h"  // compile_agreement
#include "parse.h"  // kMaxSourceBytes, language_keywords
#include "verdict_writer.h"

namespace agr::server {
namespace {

constexpr const char* kJsonLines = "application/x-ndjson";

// Which agreements judge a request's histories: the one it names alone (a history naming another
// is then an error line, as in `agr run AGREEMENT`), or every loaded one, each history judged by
// the agreement its `agreement` field names (with one loaded, a history may leave it out).
std::shared_ptr<const agr::AgreementSet> select_agreements(const AgreementSet& set,
                                                           const std::optional<std::string>& name, Reply* refusal) {
  if (!name) return set.catalog();
  if (const LoadedAgreement* found = set.find(*name)) return agr::AgreementSet::of(found->agreement);
  *refusal = error_reply(404, "no agreement '" + *name + "' is loaded");
  return nullptr;
}

bool parse_as_of(const std::optional<std::string>& text, std::optional<Day>* as_of, Reply* refusal) {
  if (!text) return true;
  Day day;
  if (!parse_date(*text, &day)) {
    *refusal = error_reply(400, "as_of must be a date YYYY-MM-DD, not '" + *text + "'");
    return false;
  }
  *as_of = day;
  return true;
}

// The lines of a request's histories as `agr run` and `agr diff` read a file (split at '\n', the
// last line with or without one), each given to `each(line, line_number)`, which returns false
// for an error line; *error_lines counts them. Past the deadline the work stops, and the refusal
// is 503 instead of a partial answer (`done` says what: "evaluated", "compared").
template <typename Each>
bool for_each_history(std::string_view text, Clock::time_point deadline, std::chrono::milliseconds timeout,
                      const char* done, uint64_t* error_lines, Reply* refusal, Each each) {
  uint64_t line_number = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t newline = text.find('\n', pos);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    if (!each(text.substr(pos, end - pos), ++line_number)) ++*error_lines;
    pos = end + 1;
    if (Clock::now() > deadline) {
      *refusal = error_reply(503, "the request took longer than the server's limit of " +
                                      std::to_string(timeout.count()) + " ms (" + done + " " +
                                      std::to_string(line_number) + " lines); send fewer histories per request");
      return false;
    }
  }
  return true;
}

// `agr run`'s loop over a body held in memory: one result line per input line, error lines
// included; with Answer::Explained, `agr run --explain`'s lines.
Reply evaluate_histories(std::shared_ptr<const agr::AgreementSet> agreements, std::string histories,
                         std::optional<Day> as_of, Answer answer, Clock::time_point deadline,
                         std::chrono::milliseconds timeout) {
  const size_t size = histories.size();
  histories.append(kLinePadding, ' ');  // every line is then read in place (agr.h, PaddedLine)
  const std::string_view text(histories.data(), size);
  Evaluator evaluator(std::move(agreements));
  Reply reply;
  reply.content_type = kJsonLines;
  reply.body.reserve(size);
  uint64_t error_lines = 0;
  Reply refusal;
  const bool explain = answer == Answer::Explained;
  const bool finished = for_each_history(
      text, deadline, timeout, explain ? "explained" : "evaluated", &error_lines, &refusal,
      [&](std::string_view line, uint64_t number) {
        return explain ? evaluator.explain_json_line(line, number, as_of, &reply.body)
                       : evaluator.evaluate_json_line(PaddedLine{line}, number, as_of, &reply.body);
      });
  if (!finished) return refusal;
  reply.headers.emplace_back("Agr-Error-Lines", std::to_string(error_lines));
  return reply;
}

bool is_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

// A request's JSON object read strictly, like the histories: every key one of `strings` (a string
// value) or `objects` (an object value), none given twice; a misspelt key ("as_off") would
// otherwise be ignored silently. `takes` ends the message for an unknown key ("a run takes ...").
using StringFields = std::initializer_list<std::pair<std::string_view, std::optional<std::string>*>>;
using ObjectFields = std::initializer_list<std::pair<std::string_view, std::optional<simdjson::dom::object>*>>;
bool read_fields(simdjson::dom::object request, StringFields strings, ObjectFields objects, std::string_view takes,
                 Reply* refusal) {
  std::set<std::string_view> seen;
  for (auto [key, value] : request) {
    if (!seen.insert(key).second) {
      *refusal = error_reply(400, "the key '" + std::string(key) + "' is given twice");
      return false;
    }
    const auto string = std::find_if(strings.begin(), strings.end(), [&](auto& f) { return f.first == key; });
    const auto object = std::find_if(objects.begin(), objects.end(), [&](auto& f) { return f.first == key; });
    if (string != strings.end()) {
      std::string_view text;
      if (value.get(text)) {
        *refusal = error_reply(400, "'" + std::string(key) + "' must be a string");
        return false;
      }
      *string->second = std::string(text);
    } else if (object != objects.end()) {
      simdjson::dom::object inner;
      if (value.get(inner)) {
        *refusal = error_reply(400, "'" + std::string(key) + "' must be an object");
        return false;
      }
      *object->second = inner;
    } else {
      *refusal = error_reply(400, "unknown key '" + std::string(key) + "'; " + std::string(takes));
      return false;
    }
  }
  return true;
}

// An agreement sent as source in a request, compiled and verified; null with the refusal: 413
// past the source limit, 422 with the diagnostics (as POST /v1/check gives them) when it does
// not compile. `what` names it in the message ("the agreement", "the old agreement").
std::shared_ptr<const Agreement> compile_request_source(std::string source, std::string file, std::string_view what,
                                                        Reply* refusal) {
  if (source.size() > kMaxSourceBytes) {
    *refusal = error_reply(413, std::string(what) + "'s source is larger than the limit of " +
                                    std::to_string(kMaxSourceBytes) + " bytes");
    return nullptr;
  }
  SourceFile source_file{std::move(file), std::move(source)};
  Diagnostics diags;
  std::string problem;
  auto compiled = compile_agreement(source_file, diags, &problem);
  if (compiled) return compiled;
  if (!diags.has_errors()) {
    *refusal = error_reply(500, problem);
    return nullptr;
  }
  // The diagnostics, as POST /v1/check gives them, beside the error.
  *refusal = error_reply(422, std::string(what) + " does not compile");
  refusal->body.resize(refusal->body.size() - 2);  // reopen the object: drop "}\n"
  refusal->body += ",\"diagnostics\":" + diags.render_json(source_file) + "}\n";
  return nullptr;
}

}  // namespace

Reply error_reply(int status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.body = "{\"error\":{\"message\":";
  append_json_string(&reply.body, message);
  reply.body += "}}\n";
  return reply;
}

Reply Api::health(size_t in_flight) const {
  const auto set = store_.current();
  Reply reply;
  reply.body = "{\"status\":\"ok\",\"generation\":" + std::to_string(set->generation()) +
               ",\"agreements\":" + std::to_string(set->agreements().size()) +
               ",\"in_flight\":" + std::to_string(in_flight) + "}\n";
  return reply;
}

Reply Api::agreements() const {
  Reply reply;
  reply.body = store_.current()->listing_json();
  return reply;
}

Reply Api::agreement(std::string_view name) const {
  const auto set = store_.current();
  const LoadedAgreement* found = set->find(name);
  if (!found) return error_reply(404, "no agreement '" + std::string(name) + "' is loaded");
  Reply reply;
  reply.body = found->description + "\n";
  return reply;
}

Reply Api::agreement_source(std::string_view name) const {
  const auto set = store_.current();
  const LoadedAgreement* found = set->find(name);
  if (!found) return error_reply(404, "no agreement '" + std::string(name) + "' is loaded");
  if (!found->source) return error_reply(404, "agreement '" + std::string(name) + "' was loaded from bytecode (" +
                                                  found->path + "), without its source");
  Reply reply;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = *found->source;
  return reply;
}

Reply Api::language() const {
  Reply reply;
  reply.body = "{\"keywords\":[";
  bool first = true;
  for (const std::string& word : language_keywords()) {
    if (!first) reply.body += ',';
    first = false;
    append_json_string(&reply.body, word);
  }
  reply.body += "]}\n";
  return reply;
}

Reply Api::run_lines(const std::optional<std::string>& agreement, const std::optional<std::string>& as_of_text,
                     std::string histories, Answer answer, Clock::time_point deadline) const {
  const auto set = store_.current();  // this request's snapshot, whatever a reload does meanwhile
  Reply refusal;
  std::optional<Day> as_of;
  if (!parse_as_of(as_of_text, &as_of, &refusal)) return refusal;
  auto judges = select_agreements(*set, agreement, &refusal);
  if (!judges) return refusal;
  return evaluate_histories(std::move(judges), std::move(histories), as_of, answer, deadline, limits_.timeout);
}

Reply Api::run_json(std::string_view body, Answer answer, Clock::time_point deadline) const {
  simdjson::dom::parser parser;
  simdjson::dom::object request;
  if (auto error = parser.parse(body.data(), body.size()).get(request))
    return error_reply(400, std::string("the body is not a JSON object: ") + simdjson::error_message(error));

  std::optional<std::string> agreement, source, histories, as_of_text, file;
  Reply refusal;
  if (!read_fields(request,
                   {{"agreement", &agreement}, {"source", &source}, {"histories", &histories},
                    {"as_of", &as_of_text}, {"file", &file}},
                   {},
                   answer == Answer::Explained ? "an explanation takes agreement or source, histories, as_of and file"
                                               : "a run takes agreement or source, histories, as_of and file",
                   &refusal))
    return refusal;
  if (!histories) return error_reply(400, "missing 'histories': the histories as JSON Lines, in one string");
  if (agreement && source)
    return error_reply(400, "give either 'agreement' (the name of a loaded agreement) or 'source' (an agreement's "
                            "text), not both; or neither, for the loaded agreements the histories name");

  std::optional<Day> as_of;
  if (!parse_as_of(as_of_text, &as_of, &refusal)) return refusal;
  if (!source) {
    const auto set = store_.current();
    auto judges = select_agreements(*set, agreement, &refusal);
    if (!judges) return refusal;
    return evaluate_histories(std::move(judges), std::move(*histories), as_of, answer, deadline, limits_.timeout);
  }
  auto compiled = compile_request_source(std::move(*source), file.value_or("agreement.agr"), "the agreement", &refusal);
  if (!compiled) return refusal;
  return evaluate_histories(agr::AgreementSet::of(std::move(compiled)), std::move(*histories), as_of, answer, deadline,
                            limits_.timeout);
}

Reply Api::diff(std::string_view body, Clock::time_point deadline) const {
  simdjson::dom::parser parser;
  simdjson::dom::object request;
  if (auto error = parser.parse(body.data(), body.size()).get(request))
    return error_reply(400, std::string("the body is not a JSON object: ") + simdjson::error_message(error));

  std::optional<simdjson::dom::object> old_side, new_side;
  std::optional<std::string> histories, as_of_text, format;
  Reply refusal;
  if (!read_fields(request, {{"histories", &histories}, {"as_of", &as_of_text}, {"format", &format}},
                   {{"old", &old_side}, {"new", &new_side}}, "a diff takes old, new, histories, as_of and format",
                   &refusal))
    return refusal;
  if (!old_side || !new_side)
    return error_reply(400, std::string("missing '") + (old_side ? "new" : "old") +
                                "': {\"agreement\": NAME} for a loaded agreement, or {\"source\": TEXT} for an agreement's text");
  if (!histories) return error_reply(400, "missing 'histories': the histories as JSON Lines, in one string");
  std::optional<Day> as_of;
  if (!parse_as_of(as_of_text, &as_of, &refusal)) return refusal;
  if (format && *format != "text" && *format != "jsonl")
    return error_reply(400, "format must be text or jsonl, not '" + *format + "'");
  const bool jsonl = !format || *format == "jsonl";

  // Each version: a loaded agreement by name, or a source compiled for this request.
  const auto set = store_.current();
  std::shared_ptr<const Agreement> versions[2];
  const char* names[2] = {"old", "new"};
  for (int v = 0; v < 2; ++v) {
    std::optional<std::string> agreement, source, file;
    const std::string takes = std::string("'") + names[v] + "' takes agreement or source, and file";
    if (!read_fields(v == 0 ? *old_side : *new_side, {{"agreement", &agreement}, {"source", &source}, {"file", &file}},
                     {}, takes, &refusal))
      return refusal;
    if (agreement.has_value() == source.has_value())
      return error_reply(400, std::string("'") + names[v] +
                                  "' gives either 'agreement' (the name of a loaded agreement) or 'source' (an agreement's text)");
    if (agreement) {
      const LoadedAgreement* found = set->find(*agreement);
      if (!found) return error_reply(404, "no agreement '" + *agreement + "' is loaded");
      versions[v] = found->agreement;
    } else {
      versions[v] = compile_request_source(std::move(*source), file.value_or(std::string(names[v]) + ".agr"),
                                           std::string("the ") + names[v] + " agreement", &refusal);
      if (!versions[v]) return refusal;
    }
  }

  // The report as `agr diff` writes it.
  Reply reply;
  reply.content_type = jsonl ? kJsonLines : "text/plain; charset=utf-8";
  diff::Comparison comparison(std::move(versions[0]), std::move(versions[1]), as_of,
                              jsonl ? diff::Format::Jsonl : diff::Format::Text, &reply.body);
  uint64_t error_lines = 0;
  const bool finished = for_each_history(*histories, deadline, limits_.timeout, "compared", &error_lines, &refusal,
                                         [&](std::string_view line, uint64_t number) {
                                           return comparison.add_line(line, number);
                                         });
  if (!finished) return refusal;
  comparison.finish();
  reply.headers.emplace_back("Agr-Compared", std::to_string(comparison.compared()));
  reply.headers.emplace_back("Agr-Changed", std::to_string(comparison.changed()));
  reply.headers.emplace_back("Agr-Error-Lines", std::to_string(error_lines));
  return reply;
}

Reply Api::check(std::string_view source, std::string_view file) const {
  if (source.size() > kMaxSourceBytes)
    return error_reply(413, "the source is larger than the limit of " + std::to_string(kMaxSourceBytes) + " bytes");
  if (!is_utf8(source)) return error_reply(400, "the source is not valid UTF-8");
  SourceFile source_file{std::string(file), std::string(source)};
  Diagnostics diags;
  std::string problem;
  auto compiled = compile_agreement(source_file, diags, &problem);
  if (!compiled && !diags.has_errors()) return error_reply(500, problem);
  Reply reply;
  reply.body = diags.render_json(source_file);
  if (compiled) {
    // What the agreement is, as GET /v1/agreements describes a loaded one.
    reply.body.pop_back();  // reopen the object
    reply.body += ",\"agreement\":" + describe_agreement(compiled->program()) + "}";
  }
  reply.body += '\n';
  return reply;
}

}  // namespace agr::server
