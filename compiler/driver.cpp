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
  // A little past the limit at most: a huge file (or /dev/zero) is refused without reading it all.
  std::string text;
  char block[1 << 16];
  while (text.size() <= kMaxSourceBytes && in.read(block, sizeof block).gcount() > 0)
    text.append(block, static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    *error = "cannot read " + path;
    return false;
  }
  if (text.size() > kMaxSourceBytes) {
    *error = path + " is too large: the limit is " + std::to_string(kMaxSourceBytes) + " bytes";
    return false;
  }
  out->path = path;
  out->text = std::move(text);
  return true;
}

}  // namespace agr
