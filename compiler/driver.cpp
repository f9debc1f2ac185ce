#include "driver.h"

#include <fstream>
#include <sstream>

#include "parse.h"

namespace agr {

Compilation compile(const SourceFile& file, Diagnostics& diags) {
  Compilation c;
  c.ast = parse_agreement(file, diags);
  if (!c.ast || diags.has_errors()) return c;
  resolve(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  check(*c.ast, diags);
  if (diags.has_errors()) return c;
  c.ir = lower(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  c.program = emit(*c.ast, c.ir, file);
  return c;
}

bool read_source_file(const std::string& path, SourceFile* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out->path = path;
  out->text = buffer.str();
  return true;
}

}  // namespace agr
