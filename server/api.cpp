#include "api.h"

#include <simdjson.h>

#include <set>

#include "describe.h"
#include "parse.h"  // kMaxSourceBytes, language_keywords
#include "verdict_writer.h"

namespace agr::server {
namespace {

constexpr const char* kJsonLines = "application/x-ndjson";

// Which agreement judges a request's histories: the one it names, or the only one loaded. The
// one place a request meets the loaded set; the runtime's catalog (several agreements, each
// history judged by the one its `agreement` field names) will take this over.
const LoadedAgreement* select_agreement(const AgreementSet& set, const std::optional<std::string>& name,
                                        Reply* refusal) {
  if (name) {
    if (const LoadedAgreement* found = set.find(*name)) return found;
    *refusal = error_reply(404, "no agreement '" + *name + "' is loaded");
    return nullptr;
  }
  if (set.agreements().size() == 1) return &set.agreements().front();
  std::string names;
  for (const LoadedAgreement& a : set.agreements()) names += (names.empty() ? "" : ", ") + a.agreement->name();
  *refusal = error_reply(400, "name the agreement that judges the histories (agreement=NAME); loaded: " + names);
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

// `agr run`'s loop over a body held in memory: one result line per input line (split at '\n',
// the last line with or without one), error lines included. Past the deadline the work stops
// and the request gets 503 instead of a partial answer.
Reply evaluate_histories(std::shared_ptr<const Agreement> agreement, std::string histories,
                         std::optional<Day> as_of, Clock::time_point deadline, std::chrono::milliseconds timeout) {
  const size_t size = histories.size();
  histories.append(kLinePadding, ' ');  // every line is then read in place (agr.h, PaddedLine)
  const std::string_view text(histories.data(), size);
  Evaluator evaluator(std::move(agreement));
  Reply reply;
  reply.content_type = kJsonLines;
  reply.body.reserve(size);
  uint64_t line_number = 0, error_lines = 0;
  for (size_t pos = 0; pos < size;) {
    const size_t newline = text.find('\n', pos);
    const size_t end = newline == std::string_view::npos ? size : newline;
    ++line_number;
    if (!evaluator.evaluate_json_line(PaddedLine{text.substr(pos, end - pos)}, line_number, as_of, &reply.body))
      ++error_lines;
    pos = end + 1;
    if (Clock::now() > deadline) {
      return error_reply(503, "the request took longer than the server's limit of " +
                                  std::to_string(timeout.count()) + " ms (evaluated " +
                                  std::to_string(line_number) + " lines); send fewer histories per request");
    }
  }
  reply.headers.emplace_back("Agr-Error-Lines", std::to_string(error_lines));
  return reply;
}

bool is_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

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
                     std::string histories, Clock::time_point deadline) const {
  const auto set = store_.current();  // this request's snapshot, whatever a reload does meanwhile
  Reply refusal;
  std::optional<Day> as_of;
  if (!parse_as_of(as_of_text, &as_of, &refusal)) return refusal;
  const LoadedAgreement* chosen = select_agreement(*set, agreement, &refusal);
  if (!chosen) return refusal;
  return evaluate_histories(chosen->agreement, std::move(histories), as_of, deadline, limits_.timeout);
}

Reply Api::run_json(std::string_view body, Clock::time_point deadline) const {
  simdjson::dom::parser parser;
  simdjson::dom::object request;
  if (auto error = parser.parse(body.data(), body.size()).get(request))
    return error_reply(400, std::string("the body is not a JSON object: ") + simdjson::error_message(error));

  std::optional<std::string> agreement, source, histories, as_of_text, file;
  std::set<std::string_view> seen;
  for (auto [key, value] : request) {
    std::optional<std::string>* field = key == "agreement" ? &agreement
                                        : key == "source"  ? &source
                                        : key == "histories" ? &histories
                                        : key == "as_of"   ? &as_of_text
                                        : key == "file"    ? &file
                                                           : nullptr;
    // Strict, like the histories: a misspelt key ("as_off") would otherwise be ignored silently.
    if (!field) return error_reply(400, "unknown key '" + std::string(key) +
                                            "'; a run takes agreement or source, histories, as_of and file");
    if (!seen.insert(key).second) return error_reply(400, "the key '" + std::string(key) + "' is given twice");
    std::string_view text;
    if (value.get(text)) return error_reply(400, "'" + std::string(key) + "' must be a string");
    *field = std::string(text);
  }
  if (!histories) return error_reply(400, "missing 'histories': the histories as JSON Lines, in one string");
  if (agreement.has_value() == source.has_value())
    return error_reply(400, "give either 'agreement' (the name of a loaded agreement) or 'source' (an agreement's text)");

  Reply refusal;
  std::optional<Day> as_of;
  if (!parse_as_of(as_of_text, &as_of, &refusal)) return refusal;
  if (agreement) {
    const auto set = store_.current();
    const LoadedAgreement* chosen = select_agreement(*set, agreement, &refusal);
    if (!chosen) return refusal;
    return evaluate_histories(chosen->agreement, std::move(*histories), as_of, deadline, limits_.timeout);
  }

  if (source->size() > kMaxSourceBytes)
    return error_reply(413, "the source is larger than the limit of " + std::to_string(kMaxSourceBytes) + " bytes");
  SourceFile source_file{file.value_or("agreement.agr"), std::move(*source)};
  Diagnostics diags;
  std::string problem;
  auto compiled = compile_agreement(source_file, diags, &problem);
  if (!compiled) {
    if (!diags.has_errors()) return error_reply(500, problem);
    // The diagnostics, as POST /v1/check gives them, beside the error.
    Reply reply = error_reply(422, "the agreement does not compile");
    reply.body.resize(reply.body.size() - 2);  // reopen the object: drop "}\n"
    reply.body += ",\"diagnostics\":" + diags.render_json(source_file) + "}\n";
    return reply;
  }
  return evaluate_histories(std::move(compiled), std::move(*histories), as_of, deadline, limits_.timeout);
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
