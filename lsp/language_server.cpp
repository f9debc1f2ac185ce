#include "language_server.h"

#include <simdjson.h>

#include <cctype>
#include <cstring>
#include <strings.h>

#include "driver.h"
#include "format.h"  // format_source, as `agr fmt` lays a file out
#include "parse.h"  // language_keywords
#include "verdict_writer.h"  // append_json_string

namespace agr::lsp {
namespace {

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601, kInvalidParams = -32602,
              kServerNotInitialized = -32002;
// LSP's CompletionItemKind and DiagnosticSeverity values.
constexpr int kVariableItem = 6, kPropertyItem = 10, kEnumItem = 13, kKeywordItem = 14, kConstantItem = 21;

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(&out, text);
  return out;
}

std::string json_position(Position p) {
  return "{\"line\":" + std::to_string(p.line) + ",\"character\":" + std::to_string(p.character) + "}";
}

std::string json_range(Range r) { return "{\"start\":" + json_position(r.start) + ",\"end\":" + json_position(r.end) + "}"; }

// The file a URI names (file:///a/b%20c.agr -> /a/b c.agr), for the diagnostics' file name.
std::string path_of(std::string_view uri) {
  if (uri.rfind("file://", 0) == 0) uri.remove_prefix(7);
  std::string path;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
      path.push_back(static_cast<char>(std::stoi(std::string(uri.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      path.push_back(uri[i]);
    }
  }
  return path;
}

bool read_position(simdjson::dom::element params, Position* out) {
  uint64_t line = 0, character = 0;
  if (params["position"]["line"].get(line) || params["position"]["character"].get(character)) return false;
  *out = {static_cast<uint32_t>(line), static_cast<uint32_t>(character)};
  return true;
}

bool read_range(simdjson::dom::element range, Range* out) {
  uint64_t values[4];
  const char* keys[2] = {"start", "end"};
  for (int i = 0; i < 2; ++i) {
    if (range[keys[i]]["line"].get(values[2 * i]) || range[keys[i]]["character"].get(values[2 * i + 1])) return false;
  }
  *out = {{static_cast<uint32_t>(values[0]), static_cast<uint32_t>(values[1])},
          {static_cast<uint32_t>(values[2]), static_cast<uint32_t>(values[3])}};
  return true;
}

const char* kCapabilities =
    "{\"capabilities\":{\"positionEncoding\":\"utf-16\","
    "\"textDocumentSync\":{\"openClose\":true,\"change\":2},"
    "\"hoverProvider\":true,\"definitionProvider\":true,"
    "\"completionProvider\":{\"triggerCharacters\":[\"(\",\",\"]},"
    "\"documentFormattingProvider\":true},"
    "\"serverInfo\":{\"name\":\"agr lsp\"}}";

}  // namespace

void LanguageServer::respond(std::string_view id, const std::string& result) {
  send_("{\"jsonrpc\":\"2.0\",\"id\":" + std::string(id) + ",\"result\":" + result + "}");
}

void LanguageServer::respond_error(std::string_view id, int code, const std::string& message) {
  send_("{\"jsonrpc\":\"2.0\",\"id\":" + std::string(id) + ",\"error\":{\"code\":" + std::to_string(code) +
        ",\"message\":" + json_string(message) + "}}");
}

void LanguageServer::notify(const char* method, const std::string& params) {
  send_(std::string("{\"jsonrpc\":\"2.0\",\"method\":\"") + method + "\",\"params\":" + params + "}");
}

void LanguageServer::handle(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element message;
  if (parser.parse(body.data(), body.size()).get(message) || !message.is_object())
    return respond_error("null", kParseError, "the message is not a JSON object");
  std::string_view method;
  if (message["method"].get(method)) return;  // a response: this server sends no requests
  simdjson::dom::element id_element, params;
  const bool request = !message["id"].get(id_element);
  const std::string id = request ? simdjson::to_string(id_element) : "null";
  const bool has_params = !message["params"].get(params);

  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (method == "initialize") {
    initialized_ = true;
    return respond(id, kCapabilities);
  }
  if (!initialized_) {
    if (request) respond_error(id, kServerNotInitialized, "the client has not sent initialize");
    return;
  }
  if (shutdown_) {
    if (request) respond_error(id, kInvalidRequest, "the server is shut down; only exit is expected");
    return;
  }
  if (method == "shutdown") {
    shutdown_ = true;
    return respond(id, "null");
  }

  std::string_view uri;
  if (!has_params || params["textDocument"]["uri"].get(uri)) {
    if (request) respond_error(id, method.rfind("textDocument/", 0) == 0 ? kInvalidParams : kMethodNotFound,
                               "not handled: " + std::string(method));
    return;  // initialized, $/cancelRequest, $/setTrace and other notifications
  }
  const std::string key(uri);

  if (method == "textDocument/didOpen") {
    std::string_view text;
    int64_t version = 0;
    if (params["textDocument"]["text"].get(text)) return;
    if (params["textDocument"]["version"].get(version)) version = 0;
    Document& document = documents_[key];
    document.text.set_text(std::string(text));
    document.version = version;
    return analyse(key, document);
  }
  if (method == "textDocument/didClose") {
    documents_.erase(key);
    return notify("textDocument/publishDiagnostics", "{\"uri\":" + json_string(key) + ",\"diagnostics\":[]}");
  }
  auto found = documents_.find(key);
  if (found == documents_.end()) {
    if (request) respond_error(id, kInvalidParams, "the document is not open: " + key);
    return;
  }
  Document& document = found->second;

  if (method == "textDocument/didChange") {
    simdjson::dom::array changes;
    if (params["contentChanges"].get(changes)) return;
    for (simdjson::dom::element change : changes) {
      std::string_view text;
      if (change["text"].get(text)) continue;
      simdjson::dom::element range_element;
      Range range;
      if (!change["range"].get(range_element) && read_range(range_element, &range))
        document.text.replace(range, text);
      else
        document.text.set_text(std::string(text));
    }
    int64_t version = 0;
    if (!params["textDocument"]["version"].get(version)) document.version = version;
    return analyse(key, document);
  }

  if (method == "textDocument/formatting") return respond(id, formatting(document));

  Position position;
  const bool positioned = read_position(params, &position);
  if (method == "textDocument/hover" && positioned) return respond(id, hover(document, position));
  if (method == "textDocument/definition" && positioned) return respond(id, definition(key, document, position));
  if (method == "textDocument/completion" && positioned) return respond(id, completion(document, position));
  if (request) respond_error(id, positioned ? kMethodNotFound : kInvalidParams, "not handled: " + std::string(method));
}

void LanguageServer::analyse(const std::string& uri, Document& document) {
  const SourceFile file{path_of(uri), document.text.text()};
  Diagnostics diags;
  const Compilation compilation = compile(file, diags);
  document.symbols_current = compilation.ast != nullptr;
  if (compilation.ast) document.symbols = SymbolIndex(*compilation.ast, file.text);

  std::string params = "{\"uri\":" + json_string(uri) + ",\"version\":" + std::to_string(document.version) +
                       ",\"diagnostics\":[";
  bool first = true;
  for (const Diagnostic& d : diags.all()) {
    const int severity = d.severity == Severity::Error ? 1 : d.severity == Severity::Warning ? 2 : 3;
    params += first ? "{" : ",{";
    first = false;
    params += "\"range\":" + json_range(document.text.range_of(d.span.begin, d.span.end)) +
              ",\"severity\":" + std::to_string(severity) + ",\"source\":\"agr\",\"message\":" +
              json_string(d.hint.empty() ? d.message : d.message + "\nhint: " + d.hint) + "}";
  }
  params += "]}";
  notify("textDocument/publishDiagnostics", params);
}

std::string LanguageServer::formatting(const Document& document) const {
  const std::string& text = document.text.text();
  Diagnostics diags;  // a text that does not parse is left as it is (its errors are published already)
  std::string formatted;
  if (!format_source(SourceFile{"", text}, diags, &formatted)) return "null";
  if (formatted == text) return "[]";
  // One edit: the whole text, replaced (the layout can move every line).
  return "[{\"range\":" + json_range(document.text.range_of(0, text.size())) + ",\"newText\":" +
         json_string(formatted) + "}]";
}

std::string LanguageServer::hover(const Document& document, Position position) const {
  const std::string& text = document.text.text();
  const auto word = word_at(text, document.text.offset_of(position));
  if (!word) return "null";
  std::string markdown;
  for (const Symbol* symbol : document.symbols.find(word->text))
    markdown += (markdown.empty() ? "" : "\n\n---\n\n") + symbol->hover;
  if (markdown.empty()) return "null";
  return "{\"contents\":{\"kind\":\"markdown\",\"value\":" + json_string(markdown) +
         "},\"range\":" + json_range(document.text.range_of(word->span.begin, word->span.end)) + "}";
}

std::string LanguageServer::definition(const std::string& uri, const Document& document, Position position) const {
  // Declarations are only where the current text says: an index from an older text that parsed
  // would point at where a name used to be.
  if (!document.symbols_current) return "null";
  const auto word = word_at(document.text.text(), document.text.offset_of(position));
  if (!word) return "null";
  std::string locations;
  for (const Symbol* symbol : document.symbols.find(word->text)) {
    locations += locations.empty() ? "[" : ",";
    locations += "{\"uri\":" + json_string(uri) + ",\"range\":" +
                 json_range(document.text.range_of(symbol->declared.begin, symbol->declared.end)) + "}";
  }
  return locations.empty() ? "null" : locations + "]";
}

std::string LanguageServer::completion(const Document& document, Position position) const {
  const std::string_view before = word_before(document.text.text(), document.text.offset_of(position));
  const bool flags_only = before == "flagged";
  std::string items;
  auto add = [&items](std::string_view label, int kind, std::string_view detail) {
    items += items.empty() ? "{" : ",{";
    items += "\"label\":" + json_string(label) + ",\"kind\":" + std::to_string(kind);
    if (!detail.empty()) items += ",\"detail\":" + json_string(detail);
    items += "}";
  };
  for (const Symbol& symbol : document.symbols.all()) {
    if (flags_only && symbol.kind != Symbol::Kind::Flag) continue;
    switch (symbol.kind) {
      case Symbol::Kind::Service: add(symbol.name, kConstantItem, symbol.detail); break;
      case Symbol::Kind::Group: add(symbol.name, kEnumItem, symbol.detail); break;
      case Symbol::Kind::Define: add(symbol.name, kVariableItem, symbol.detail); break;
      case Symbol::Kind::Flag: add(symbol.name, kPropertyItem, symbol.detail); break;
      case Symbol::Kind::Rule:
      case Symbol::Kind::Due: break;  // ids are written once, where declared
    }
  }
  if (!flags_only)
    for (const std::string& keyword : language_keywords()) add(keyword, kKeywordItem, "");
  return "{\"isIncomplete\":false,\"items\":[" + items + "]}";
}

int serve_stdio(std::FILE* in, std::FILE* out) {
  constexpr size_t kMaxMessageBytes = 64u << 20;
  LanguageServer server([out](const std::string& body) {
    std::fprintf(out, "Content-Length: %zu\r\n\r\n", body.size());
    std::fwrite(body.data(), 1, body.size(), out);
    std::fflush(out);
  });
  std::string line, body;
  while (!server.exited()) {
    // The header: lines up to an empty one; only Content-Length matters.
    size_t length = 0;
    bool have_length = false;
    for (;;) {
      line.clear();
      int c;
      while ((c = std::fgetc(in)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
      if (c == EOF) return server.exit_code();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) break;
      if (strncasecmp(line.c_str(), "Content-Length:", 15) == 0) {
        length = std::strtoull(line.c_str() + 15, nullptr, 10);
        have_length = true;
      }
    }
    if (!have_length) continue;
    if (length > kMaxMessageBytes) {  // skipped whole, so that the next message is found
      for (size_t i = 0; i < length && std::fgetc(in) != EOF; ++i) {
      }
      std::fprintf(stderr, "agr lsp: a message of %zu bytes was skipped (the limit is %zu)\n", length, kMaxMessageBytes);
      continue;
    }
    body.resize(length);
    if (std::fread(body.data(), 1, length, in) != length) return server.exit_code();
    server.handle(body);
  }
  return server.exit_code();
}

}  // namespace agr::lsp
