// agr::compile_agreement (agr/compiler.h): an agreement from a source file, through every pass.
#include "agr/compiler.h"

#include "driver.h"

namespace agr {

std::shared_ptr<const Agreement> compile_agreement(const std::string& path, std::string* error) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".agrc") == 0) return Agreement::load_file(path, error);
  SourceFile file;
  if (!read_source_file(path, &file, error)) return nullptr;
  Diagnostics diags;
  Compilation c = compile(file, diags);
  if (diags.has_errors()) {
    *error = diags.render(file) + path + " does not compile";
    return nullptr;
  }
  auto agreement = Agreement::from_program(std::move(*c.program), error);
  if (!agreement) *error = "internal error: the compiler produced " + *error;
  return agreement;
}

}  // namespace agr
