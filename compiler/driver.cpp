#include "driver.h"


#include "parse.h"
#include "read_file.h"

namespace agr {

Compilation compile(const SourceFile& file, Diagnostics& diags) {
  Compilation c;
  c.ast = parse_agreement(file, diags);
  if (!c.ast || diags.has_errors()) return c;
  resolve(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  check(*c.ast, diags);
  if (diags.has_errors()) return c;
  lint(*c.ast, file, diags);
  c.ir = lower(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  c.program = emit(*c.ast, c.ir, file);
  return c;
}

bool read_source_file(const std::string& path, SourceFile* out, std::string* error) {
  std::string text;
  if (!read_file_bounded(path, kMaxSourceBytes, &text, error)) return false;
  if (text.size() > kMaxSourceBytes) {
    *error = path + " is too large: the limit is " + std::to_string(kMaxSourceBytes) + " bytes";
    return false;
  }
  out->path = path;
  out->text = std::move(text);
  return true;
}

}  // namespace agr
