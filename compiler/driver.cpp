#include "driver.h"

#include "bytecode_file.h"
#include "limits_table.h"
#include "parse.h"
#include "read_file.h"

namespace agr {

Compilation compile(const SourceFile& file, Diagnostics& diags) {
  Compilation c;
  c.ast = parse_agreement(file, diags);
  if (!c.ast || diags.has_errors()) return c;
  resolve(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  check(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  lint(*c.ast, file, diags);
  c.ir = lower(*c.ast, file, diags);
  if (diags.has_errors()) return c;
  allocate_registers(c.ir, diags);
  if (diags.has_errors()) return c;
  c.program = emit(*c.ast, c.ir, file);
  // The compiled file keeps the loader's limits: every table was checked where it is written; the
  // path (stored in the file) and the size of the whole file are checked here.
  if (file.path.size() > kMaxStringBytes)
    diags.error({0, 0}, "the file name is longer than the limit of " + std::to_string(kMaxStringBytes) + " bytes");
  if (const size_t bytes = bytecode_size(*c.program); bytes > kMaxBytecodeBytes)
    diags.error(c.ast->header.span, "the compiled agreement would take " + std::to_string(bytes) +
                                        " bytes, over the limit of " + std::to_string(kMaxBytecodeBytes),
                "use fewer or smaller sets, definitions and same-day tables");
  if (diags.has_errors()) c.program.reset();
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
