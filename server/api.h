// The HTTP API's endpoints as plain functions of a request's parts, apart from the transport:
// http_server.cpp maps each route here, and docs/server.md describes each one. Every answer that
// is not a verdict stream is JSON; every error is {"error": {"message": "..."}} with a 4xx or 5xx
// status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agreement_set.h"

namespace agr::server {

using Clock = std::chrono::steady_clock;

struct Limits {
  size_t max_body_bytes = 16u << 20;               // a larger request body gets 413
  std::chrono::milliseconds timeout{30'000};       // per request: each read and write, and the work
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
};

// What a run answers each history with: its verdict line, or the verdict line with each violation
// and warning explained (Evaluator::explain_json_line).
enum class Answer { Verdicts, Explained };

// {"error": {"message": MESSAGE}} with `status`.
Reply error_reply(int status, std::string_view message);

class Api {
 public:
  Api(const AgreementStore& store, Limits limits) : store_(store), limits_(limits) {}

  const Limits& limits() const { return limits_; }

  // GET /v1/health; `in_flight` counts the requests being handled, this one included.
  Reply health(size_t in_flight) const;
  // GET /v1/agreements, GET /v1/agreements/NAME, GET /v1/agreements/NAME/source
  Reply agreements() const;
  Reply agreement(std::string_view name) const;
  Reply agreement_source(std::string_view name) const;
  // GET /v1/language: the words of the language, for editors' colouring and completion.
  Reply language() const;

  // POST /v1/run (Answer::Verdicts, `agr run`'s lines) and POST /v1/explain (Answer::Explained,
  // `agr run --explain`'s) with a body of JSON Lines: `agreement` and `as_of` from the query. The
  // body is taken over, to be read in place.
  Reply run_lines(const std::optional<std::string>& agreement, const std::optional<std::string>& as_of,
                  std::string histories, Answer answer, Clock::time_point deadline) const;
  // The same with a JSON body {"agreement"? | "source"?, "histories", "as_of"?, "file"?}; with neither,
  // each history is judged by the loaded agreement it names.
  Reply run_json(std::string_view body, Answer answer, Clock::time_point deadline) const;

  // POST /v1/diff with a JSON body {"old", "new", "histories", "as_of"?, "format"?}, each version
  // {"agreement": NAME} or {"source": TEXT, "file"?}: `agr diff`'s report (diff/diff.h).
  Reply diff(std::string_view body, Clock::time_point deadline) const;

  // POST /v1/check: the source in the body; `file` names it in the diagnostics.
  Reply check(std::string_view source, std::string_view file) const;

 private:
  const AgreementStore& store_;
  Limits limits_;
};

}  // namespace agr::server
