// `agr lsp`: the Language Server Protocol over standard input and output. Diagnostics come from
// the compiler's own compile(), the path `agr check` takes, so an editor and the command line
// never disagree; hover, go to definition and completion read the same syntax tree, and
// formatting is `agr fmt`'s (compiler/format.h).
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "symbols.h"
#include "text_document.h"

namespace agr::lsp {

class LanguageServer {
 public:
  // `send` writes one message (its JSON body; the framing is the transport's).
  explicit LanguageServer(std::function<void(const std::string&)> send) : send_(std::move(send)) {}

  // Handles one message: a request (answered through `send`) or a notification.
  void handle(std::string_view body);

  bool exited() const { return exited_; }
  // 0 after `shutdown` then `exit`, 1 after an `exit` without `shutdown` (as the protocol says).
  int exit_code() const { return shutdown_ ? 0 : 1; }

 private:
  struct Document {
    TextDocument text;
    int64_t version = 0;
    SymbolIndex symbols;           // from the latest text that parsed
    bool symbols_current = false;  // ... and that text is the current one
  };

  void respond(std::string_view id, const std::string& result);
  void respond_error(std::string_view id, int code, const std::string& message);
  void notify(const char* method, const std::string& params);

  // Compiles the document and publishes its diagnostics.
  void analyse(const std::string& uri, Document& document);

  std::string hover(const Document& document, Position position) const;
  std::string definition(const std::string& uri, const Document& document, Position position) const;
  std::string completion(const Document& document, Position position) const;
  // textDocument/formatting: `agr fmt`'s layout as one edit; [] when the text is laid out
  // already, null when it does not parse (nothing is changed in a text with syntax errors).
  std::string formatting(const Document& document) const;

  std::function<void(const std::string&)> send_;
  std::map<std::string, Document> documents_;
  bool initialized_ = false, shutdown_ = false, exited_ = false;
};

// Reads framed messages (Content-Length headers) from `in` and writes answers to `out` until
// `exit` or the end of the input; returns the exit status.
int serve_stdio(std::FILE* in, std::FILE* out);

}  // namespace agr::lsp
