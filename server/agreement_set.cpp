#include "agreement_set.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "describe.h"
#include "driver.h"
#include "verdict_writer.h"  // append_json_string

namespace agr::server {
namespace {

std::optional<LoadedAgreement> load_file(const std::string& path, std::string* error) {
  LoadedAgreement loaded;
  loaded.path = path;
  std::string problem;
  if (std::filesystem::path(path).extension() == ".agrc") {
    loaded.agreement = Agreement::load_file(path, &problem);
  } else {
    SourceFile file;
    if (read_source_file(path, &file, &problem)) {
      Diagnostics diags;
      loaded.agreement = compile_agreement(file, diags, &problem);
      if (diags.has_errors()) problem = diags.render(file) + path + ": does not compile";
      loaded.source = std::move(file.text);
    }
  }
  if (!loaded.agreement) {
    *error += problem + "\n";
    return std::nullopt;
  }
  loaded.description = describe_agreement(loaded.agreement->program());
  return loaded;
}

}  // namespace

std::shared_ptr<const AgreementSet> AgreementSet::load(const std::vector<std::string>& paths, uint64_t generation,
                                                       std::string* error) {
  error->clear();
  auto set = std::shared_ptr<AgreementSet>(new AgreementSet());
  set->generation_ = generation;
  std::map<std::string, std::string> path_of;  // agreement name -> the file that declared it
  for (const std::string& path : agreement_files(paths, error)) {
    std::optional<LoadedAgreement> loaded = load_file(path, error);
    if (!loaded) continue;
    const std::string& name = loaded->agreement->name();
    auto [it, fresh] = path_of.emplace(name, path);
    if (!fresh) {
      *error += path + ": agreement " + name + " is already loaded from " + it->second + "\n";
      continue;
    }
    set->agreements_.push_back(std::move(*loaded));
  }
  if (error->empty() && set->agreements_.empty()) *error = "no agreement to serve\n";
  if (!error->empty()) return nullptr;

  std::sort(set->agreements_.begin(), set->agreements_.end(), [](const LoadedAgreement& a, const LoadedAgreement& b) {
    return a.agreement->name() < b.agreement->name();
  });
  std::vector<std::shared_ptr<const Agreement>> all;
  for (const LoadedAgreement& a : set->agreements_) all.push_back(a.agreement);
  set->catalog_ = agr::AgreementSet::make(std::move(all), error);  // the names are distinct: checked above
  if (!set->catalog_) return nullptr;
  std::string& listing = set->listing_json_;
  listing = "{\"generation\":" + std::to_string(generation) + ",\"agreements\":[";
  for (size_t i = 0; i < set->agreements_.size(); ++i) {
    const LoadedAgreement& a = set->agreements_[i];
    if (i) listing += ',';
    // The description, with where it came from and whether the page may open its source.
    listing.append(a.description, 0, a.description.size() - 1);
    listing += ",\"file\":";
    append_json_string(&listing, a.path);
    listing += a.source ? ",\"has_source\":true}" : ",\"has_source\":false}";
  }
  listing += "]}\n";
  return set;
}

const LoadedAgreement* AgreementSet::find(std::string_view name) const {
  auto it = std::lower_bound(agreements_.begin(), agreements_.end(), name,
                             [](const LoadedAgreement& a, std::string_view n) { return a.agreement->name() < n; });
  return it != agreements_.end() && it->agreement->name() == name ? &*it : nullptr;
}

}  // namespace agr::server
