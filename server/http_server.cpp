#include "http_server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <mutex>
#include <thread>

#include "web_assets.h"

namespace agr::server {
namespace {

// ---- the access log: one line per request on stderr --------------------------------------------

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

// Every line goes out in one write, so lines from different workers never interleave.
void log_line(const std::string& text) {
  const std::string line = utc_timestamp() + " " + text + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// When the request on this worker began: set before routing, read after the response. Zero for a
// request refused before routing (one the library could not read).
thread_local Clock::time_point request_start{};

// The access log's line for a request, and the count of requests in flight (for /v1/health).
void log_request(const httplib::Request& req, const httplib::Response& res, std::atomic<size_t>& in_flight) {
  std::string duration = "-";
  if (request_start != Clock::time_point{}) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - request_start).count();
    char text[32];
    std::snprintf(text, sizeof text, "%.1fms", ms);
    duration = text;
    request_start = {};
    --in_flight;
  }
  const std::string target = req.target.empty() ? req.path : req.target;
  log_line(req.remote_addr + " \"" + req.method + " " + target + "\" " + std::to_string(res.status) + " " +
           std::to_string(res.body.size()) + "B " + duration);
}

// ---- requests and replies -----------------------------------------------------------------------

void send(httplib::Response& res, Reply reply) {
  res.status = reply.status;
  for (auto& [name, value] : reply.headers) res.set_header(name, value);
  res.set_header("Content-Type", reply.content_type);
  res.body = std::move(reply.body);
}

// The parameters of the query string alone: the library also adds a form-encoded body's fields
// to req.params, and a body of JSON Lines sent as a form (curl's default) must stay a body.
httplib::Params query_params(const httplib::Request& req) {
  httplib::Params params;
  const size_t question = req.target.find('?');
  if (question != std::string::npos) httplib::detail::parse_query_text(req.target.substr(question + 1), params);
  return params;
}

// The query's parameters must be among `allowed`, each at most once; *refusal says which is not.
bool check_params(const httplib::Params& params, std::initializer_list<std::string_view> allowed, Reply* refusal) {
  for (const auto& [key, value] : params) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      *refusal = error_reply(400, "unknown query parameter '" + key + "'; this endpoint takes " +
                                      (names.empty() ? std::string("none") : names));
      return false;
    }
    if (params.count(key) > 1) {
      *refusal = error_reply(400, "the query parameter '" + key + "' is given twice");
      return false;
    }
  }
  return true;
}

std::optional<std::string> param(const httplib::Params& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

// The media type of the body, lower case, without parameters ("application/json").
std::string media_type(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

// Reads the request's body, bounded in size and in time, whatever its framing (the library
// bounds a declared Content-Length, not a chunked or compressed body): 413 past the size limit,
// 408 when it has not all arrived by the deadline, 415 for a multipart form.
bool read_body(const httplib::Request& req, const httplib::ContentReader& content, const Limits& limits,
               Clock::time_point deadline, std::string* body, Reply* refusal) {
  if (media_type(req).rfind("multipart/", 0) == 0) {
    *refusal = error_reply(415, "send the body as it is (JSON Lines, JSON or an agreement's text), not as a form");
    return false;
  }
  bool too_large = false, too_late = false;
  const bool complete = content([&](const char* data, size_t length) {
    if (body->size() + length > limits.max_body_bytes) return !(too_large = true);
    if (Clock::now() > deadline) return !(too_late = true);
    body->append(data, length);
    return true;
  });
  if (complete) return true;
  if (too_large || req.get_header_value<uint64_t>("Content-Length") > limits.max_body_bytes) {
    *refusal = error_reply(413, "the request body is larger than the limit of " +
                                    std::to_string(limits.max_body_bytes) + " bytes");
  } else if (too_late || Clock::now() > deadline) {
    *refusal = error_reply(408, "the request body did not arrive within the server's limit of " +
                                    std::to_string(limits.timeout.count()) + " ms");
  } else {
    *refusal = error_reply(400, "the request body could not be read (cut short, or a bad encoding)");
  }
  return false;
}

void register_routes(httplib::Server& http, const Api& api, const std::atomic<size_t>& in_flight) {
  // The GET endpoints take no query parameters.
  auto get = [&http](const char* pattern, std::function<Reply(const httplib::Request&)> endpoint) {
    http.Get(pattern, [endpoint = std::move(endpoint)](const httplib::Request& req, httplib::Response& res) {
      Reply refusal;
      send(res, check_params(query_params(req), {}, &refusal) ? endpoint(req) : std::move(refusal));
    });
  };
  get("/v1/health", [&api, &in_flight](const httplib::Request&) { return api.health(in_flight); });
  get("/v1/agreements", [&api](const httplib::Request&) { return api.agreements(); });
  get(R"(/v1/agreements/([^/]+))", [&api](const httplib::Request& req) { return api.agreement(req.matches[1].str()); });
  get(R"(/v1/agreements/([^/]+)/source)",
      [&api](const httplib::Request& req) { return api.agreement_source(req.matches[1].str()); });
  get("/v1/language", [&api](const httplib::Request&) { return api.language(); });

  // POST /v1/run and POST /v1/explain: the same request, answered by `agr run` or `agr run --explain`.
  auto run = [&api](Answer answer) {
    return [&api, answer](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
      const Clock::time_point deadline = Clock::now() + api.limits().timeout;
      const httplib::Params params = query_params(req);
      const bool json = media_type(req) == "application/json";
      std::string body;
      Reply refusal;
      if (!check_params(params, json ? std::initializer_list<std::string_view>{}
                                     : std::initializer_list<std::string_view>{"agreement", "as_of"},
                        &refusal) ||
          !read_body(req, content, api.limits(), deadline, &body, &refusal))
        return send(res, std::move(refusal));
      send(res, json ? api.run_json(body, answer, deadline)
                     : api.run_lines(param(params, "agreement"), param(params, "as_of"), std::move(body), answer,
                                     deadline));
    };
  };
  http.Post("/v1/run", run(Answer::Verdicts));
  http.Post("/v1/explain", run(Answer::Explained));
  http.Post("/v1/check", [&api](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& content) {
    const Clock::time_point deadline = Clock::now() + api.limits().timeout;
    const httplib::Params params = query_params(req);
    std::string body;
    Reply refusal;
    if (!check_params(params, {"file"}, &refusal) || !read_body(req, content, api.limits(), deadline, &body, &refusal))
      return send(res, std::move(refusal));
    send(res, api.check(body, param(params, "file").value_or("agreement.agr")));
  });

  http.Post("/v1/diff", [&api](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& content) {
    const Clock::time_point deadline = Clock::now() + api.limits().timeout;
    std::string body;
    Reply refusal;
    if (!check_params(query_params(req), {}, &refusal) ||
        !read_body(req, content, api.limits(), deadline, &body, &refusal))
      return send(res, std::move(refusal));
    send(res, api.diff(body, deadline));
  });

  // A path of the API with the wrong method: 405 naming the one that works there.
  auto wrong_method = [](const httplib::Request& req, httplib::Response& res) {
    const bool posted =
        req.path == "/v1/run" || req.path == "/v1/explain" || req.path == "/v1/check" || req.path == "/v1/diff";
    const char* allowed = posted ? "POST" : "GET";
    Reply reply = error_reply(405, req.method + " is not allowed here; use " + allowed);
    reply.headers.emplace_back("Allow", allowed);
    send(res, std::move(reply));
  };
  http.Get(R"(/v1/(run|explain|check|diff))", wrong_method);
  http.Post(R"(/v1/(health|agreements|agreements/.*|language))", wrong_method);
  http.Put(R"(/v1/.*)", wrong_method);
  http.Patch(R"(/v1/.*)", wrong_method);
  http.Delete(R"(/v1/.*)", wrong_method);

  // The page and the example histories; anything else is 404.
  http.Get(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
    const WebAsset* asset = find_web_asset(req.path);
    if (!asset) return send(res, error_reply(404, "nothing at " + req.path));
    res.set_header("Cache-Control", "no-cache");  // the page changes with the binary
    res.set_content(asset->bytes.data(), asset->bytes.size(), std::string(asset->content_type));
  });

  // Statuses the library sets itself (413 for a body over the limit, 400 for a request it cannot
  // read) get a JSON error like every other.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&api](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = "the request cannot be read (status " + std::to_string(res.status) + ")";
        if (res.status == 404) message = "nothing at " + req.path;
        if (res.status == 413)
          message = "the request body is larger than the limit of " +
                    std::to_string(api.limits().max_body_bytes) + " bytes";
        send(res, error_reply(res.status, message));
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_line("internal error in " + req.method + " " + req.path + ": " + what);
    send(res, error_reply(500, "internal error: " + what));
  });
}

// ---- signals: a thread of their own -------------------------------------------------------------

// SIGTERM, SIGINT and SIGHUP are blocked in every thread and taken by sigtimedwait in one, so a
// reload or a stop runs as ordinary code, never inside a signal handler.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

std::string names_of(const AgreementSet& set) {
  std::string names;
  for (const LoadedAgreement& a : set.agreements()) names += (names.empty() ? "" : ", ") + a.agreement->name();
  return names;
}

void reload(const ServeOptions& options, AgreementStore& store) {
  const auto old = store.current();
  std::string error;
  auto next = AgreementSet::load(options.paths, old->generation() + 1, &error);
  if (!next) {
    if (!error.empty() && error.back() == '\n') error.pop_back();
    log_line("reload failed; still serving generation " + std::to_string(old->generation()) + " (" +
             names_of(*old) + "):\n" + error);
    return;
  }
  store.replace(next);
  log_line("reloaded: generation " + std::to_string(next->generation()) + ", " +
           std::to_string(next->agreements().size()) + " agreements (" + names_of(*next) + ")");
}

}  // namespace

int serve(const ServeOptions& options) {
  // Before any thread starts, so that every thread inherits the mask.
  const sigset_t signals = handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string error;
  auto initial = AgreementSet::load(options.paths, 1, &error);
  if (!initial) {
    std::fprintf(stderr, "%sagr serve: the agreements do not load\n", error.c_str());
    return 2;
  }
  AgreementStore store(initial);
  const Api api(store, options.limits);

  httplib::Server http;
  const size_t workers =
      options.workers ? options.workers : std::max<size_t>(8, 2 * std::max(1u, std::thread::hardware_concurrency()));
  http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  http.set_payload_max_length(options.limits.max_body_bytes);
  const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(options.limits.timeout);
  http.set_read_timeout(timeout);
  http.set_write_timeout(timeout);
  // One request per connection. The library keeps a connection only when the request asked to
  // close it, not when the reply did: after a refusal half-way through a body (413, 408) the
  // rest of that body would be read as the next request. It also keeps a worker from waiting on
  // an idle client, and a stop from waiting for idle connections. The price, a TCP handshake
  // per request, is small beside a batch of histories.
  http.set_keep_alive_max_count(1);
  std::atomic<size_t> in_flight{0};
  http.set_pre_routing_handler([&in_flight](const httplib::Request&, httplib::Response&) {
    request_start = Clock::now();
    ++in_flight;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_logger([&in_flight](const httplib::Request& req, const httplib::Response& res) {
    log_request(req, res, in_flight);
  });
  // SO_REUSEADDR alone: the library's default adds SO_REUSEPORT, with which a second server on
  // the same port would start and silently take half of the connections.
  int listening_socket = -1;
  http.set_socket_options([&listening_socket](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening_socket = sock;
  });
  register_routes(http, api, in_flight);

  const int port = options.port == 0 ? http.bind_to_any_port(options.host)
                                     : (http.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port < 0) {
    std::fprintf(stderr, "agr serve: cannot listen on %s:%d (in use, or not an address of this machine)\n",
                 options.host.c_str(), options.port);
    return 2;
  }
  // The library listens with a backlog of 5; a burst of clients beyond it would wait a second
  // for a SYN retry. Listening again on the bound socket raises the backlog.
  if (listening_socket >= 0) ::listen(listening_socket, SOMAXCONN);

  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    while (!stopping) {
      const timespec poll{0, 100'000'000};
      const int signal = sigtimedwait(&signals, nullptr, &poll);
      if (signal == SIGHUP) {
        reload(options, store);
      } else if (signal == SIGTERM || signal == SIGINT) {
        log_line(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                 ": no new connections; the requests in flight finish");
        stopping = true;
        http.stop();
      }
    }
  });

  log_line("listening on http://" + options.host + ":" + std::to_string(port) + "/ with " +
           std::to_string(workers) + " workers; agreements: " + names_of(*initial));
  const bool listened = http.listen_after_bind();  // returns after stop(), once the workers are done
  stopping = true;
  signal_thread.join();
  if (!listened) {
    log_line("the server failed while listening");
    return 2;
  }
  log_line("stopped");
  return 0;
}

}  // namespace agr::server
