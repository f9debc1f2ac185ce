// agr::compile_agreement (agr/compiler.h): an agreement from a source file, through every pass.
#include "agr/compiler.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "driver.h"

namespace agr {

std::shared_ptr<const Agreement> compile_agreement(const SourceFile& file, Diagnostics& diags, std::string* error) {
  Compilation c = compile(file, diags);
  if (diags.has_errors() || !c.program) return nullptr;
  auto agreement = Agreement::from_program(std::move(*c.program), error);
  if (!agreement) *error = "internal error: the compiler produced " + *error;
  return agreement;
}

std::vector<std::string> agreement_files(const std::vector<std::string>& paths, std::string* error) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> inside;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& file = it->path();
      if ((file.extension() == ".agr" || file.extension() == ".agrc") && it->is_regular_file(ec))
        inside.push_back(file.string());
    }
    if (ec) {
      *error += "cannot read the folder " + path + ": " + ec.message() + "\n";
      continue;
    }
    if (inside.empty()) *error += "the folder " + path + " holds no agreement (.agr or .agrc file)\n";
    std::sort(inside.begin(), inside.end());
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

std::shared_ptr<const Agreement> compile_agreement(const std::string& path, std::string* error) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".agrc") == 0) return Agreement::load_file(path, error);
  SourceFile file;
  if (!read_source_file(path, &file, error)) return nullptr;
  Diagnostics diags;
  auto agreement = compile_agreement(file, diags, error);
  if (diags.has_errors()) *error = diags.render(file) + path + " does not compile";
  return agreement;
}

}  // namespace agr
