// Pieces of the command line shared between its commands.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agr/agr.h"

namespace agr::cli {

// An agreement from an .agr file (compiled in memory) or an .agrc file (read and verified).
// On failure returns null with printable text (diagnostics included) in *error.
std::shared_ptr<const Agreement> load_agreement(const std::string& path, std::string* error);

// `agr test PATH...`: runs the regression course suites in the files and folders given.
int cmd_test(const std::vector<std::string>& args);

// `agr fmt [--check] FILE...`: rewrites agreement files in the canonical layout, or names those
// that are not in it.
int cmd_fmt(const std::vector<std::string>& args);

// `agr explain AGREEMENT HISTORIES EVENT_ID`: why an event got its verdict, for people.
int cmd_explain(const std::vector<std::string>& args);

// `agr schedule AGREEMENT HISTORIES [--as-of DATE]`: a readable table of what is due per course.
int cmd_schedule(const std::vector<std::string>& args);

// `agr serve AGREEMENT_OR_FOLDER...`: the HTTP API and the authors' page (serve.cpp).
int cmd_serve(const std::vector<std::string>& args);

// `agr lsp`: the language server for editors (lsp.cpp).
int cmd_lsp(const std::vector<std::string>& args);

}  // namespace agr::cli
