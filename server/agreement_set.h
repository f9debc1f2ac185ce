// The agreements a server judges with. An AgreementSet is an immutable snapshot, loaded from the
// files and folders given on the command line; the AgreementStore hands the current snapshot to
// each request and swaps in a new one on reload. A request keeps the snapshot it started with
// to the end, so a reload never changes an answer half-way, and a reload that fails leaves the
// old snapshot in place.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agr/agr.h"
#include "diagnostics.h"

namespace agr::server {

struct LoadedAgreement {
  std::string path;                            // the file it came from
  std::shared_ptr<const Agreement> agreement;  // verified, shared by every request
  std::optional<std::string> source;           // the .agr text, for the page's editor (not for .agrc)
  std::string description;                     // its JSON description (describe.h), rendered once
};

class AgreementSet {
 public:
  // Loads every .agr and .agrc file named, and those directly inside the folders named. Null,
  // with every problem in *error (diagnostics included), when any file does not load, when two
  // files declare one agreement name, or when there is no agreement at all.
  static std::shared_ptr<const AgreementSet> load(const std::vector<std::string>& paths, uint64_t generation,
                                                  std::string* error);

  // The agreement called `name`, or null.
  const LoadedAgreement* find(std::string_view name) const;
  // All of them as the runtime's set, which judges each history by the agreement it names (a
  // request that names none of them); built once per snapshot.
  const std::shared_ptr<const agr::AgreementSet>& catalog() const { return catalog_; }

  const std::vector<LoadedAgreement>& agreements() const { return agreements_; }  // by name
  uint64_t generation() const { return generation_; }  // 1 for the first load, +1 per reload
  // The body of `GET /v1/agreements`, rendered once per snapshot.
  const std::string& listing_json() const { return listing_json_; }

 private:
  std::vector<LoadedAgreement> agreements_;
  uint64_t generation_ = 0;
  std::string listing_json_;
  std::shared_ptr<const agr::AgreementSet> catalog_;
};

// Sources, from loaded files and from requests alike, become agreements through the compiler's
// agr::compile_agreement (compiler/driver.h).

class AgreementStore {
 public:
  explicit AgreementStore(std::shared_ptr<const AgreementSet> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const AgreementSet> current() const { return current_.load(); }
  void replace(std::shared_ptr<const AgreementSet> next) { current_.store(std::move(next)); }

 private:
  std::atomic<std::shared_ptr<const AgreementSet>> current_;
};

}  // namespace agr::server
