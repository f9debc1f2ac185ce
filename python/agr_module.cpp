// agr._agr: the Python module's core, a thin binding over the public C++ API (agr/agr.h,
// agr/compiler.h). Strings in, strings out: agr/__init__.py turns them into dicts and DataFrames.
// Evaluation runs with the GIL released; errors are Python exceptions with the library's message.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <agr/agr.h>
#include <agr/agr_c.h>
#include <agr/compiler.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace py = pybind11;

namespace {

// agr.Error, and its subclasses for a refused agreement and a bad history (also a ValueError).
PyObject* g_error = nullptr;
PyObject* g_agreement_error = nullptr;
PyObject* g_history_error = nullptr;

[[noreturn]] void raise(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

std::optional<agr::Day> read_as_of(const std::optional<std::string>& as_of) {
  if (!as_of) return std::nullopt;
  agr::Day day;
  if (!agr::parse_date(*as_of, &day)) raise(PyExc_ValueError, "as_of is not a calendar date YYYY-MM-DD: '" + *as_of + "'");
  return day;
}

// A history line as the runtime reads it: UTF-8, without its line break.
std::string line_text(const py::handle& line) {
  std::string text = py::isinstance<py::bytes>(line) ? std::string(py::reinterpret_borrow<py::bytes>(line))
                                                     : line.cast<std::string>();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Whether a line `agr run` wrote is an error object rather than a verdict. The contract fixes
// both shapes: {"id":<string or null>,"error":... against {"id":"...","agreement":...; so the id
// is skipped (a JSON string: to its closing quote, past escapes) and the next key tells.
bool is_error_line(std::string_view line) {
  constexpr std::string_view kStart = "{\"id\":", kNull = "null", kError = ",\"error\":";
  if (line.substr(0, kStart.size()) != kStart) return false;
  size_t at = kStart.size();
  if (line.substr(at, kNull.size()) == kNull) {
    at += kNull.size();
  } else {
    if (line.substr(at, 1) != "\"") return false;
    for (++at; at < line.size() && line[at] != '"'; ++at)
      if (line[at] == '\\') ++at;
    ++at;
  }
  return at < line.size() && line.substr(at, kError.size()) == kError;
}

// A batch's output: the lines `agr run` writes, the indexes of the error lines among them, and
// the number of lines.
struct Batch {
  std::string out;
  std::vector<size_t> errors;
  uint64_t lines = 0;
};

// Evaluates JSON Lines `input` with the runtime's batch runner (its lines numbered from
// `first_line`, as `agr run` numbers them) on `jobs` threads (0: one per core). Call it with the
// GIL released.
Batch run_batch(const std::shared_ptr<const agr::AgreementSet>& set, std::string_view input, uint64_t first_line,
                std::optional<agr::Day> as_of, unsigned jobs) {
  Batch batch;
  agr::RunOptions options;
  options.as_of = as_of;
  options.jobs = jobs;
  options.first_line = first_line;
  const agr::ReadInput read = [&input](char* buffer, size_t capacity) -> ptrdiff_t {
    const size_t n = std::min(capacity, input.size());
    std::memcpy(buffer, input.data(), n);
    input.remove_prefix(n);
    return static_cast<ptrdiff_t>(n);
  };
  const agr::WriteOutput write = [&batch](std::string_view bytes) {
    batch.out.append(bytes);
    return true;
  };
  agr::RunSummary summary;
  std::string error;
  if (!agr::run_json_lines(set, read, write, options, &summary, &error))  // reads memory, writes memory
    throw std::runtime_error("the batch runner failed: " + error);
  batch.lines = summary.lines;
  const std::string_view out(batch.out);
  for (size_t begin = 0, i = 0; batch.errors.size() < summary.error_lines; ++i) {
    const size_t end = out.find('\n', begin);  // every output line ends with one
    if (is_error_line(out.substr(begin, end - begin))) batch.errors.push_back(i);
    begin = end + 1;
  }
  return batch;
}

class PyAgreement {
 public:
  explicit PyAgreement(std::shared_ptr<const agr::Agreement> agreement) : agreement_(std::move(agreement)) {}

  static std::unique_ptr<PyAgreement> load(const std::string& path) {
    std::string error;
    std::shared_ptr<const agr::Agreement> agreement;
    {
      py::gil_scoped_release unlocked;
      agreement = agr::compile_agreement(path, &error);
    }
    if (!agreement) raise(g_agreement_error, error);
    return std::make_unique<PyAgreement>(std::move(agreement));
  }

  static std::unique_ptr<PyAgreement> from_bytecode(const py::bytes& bytes) {
    std::string error;
    auto agreement = agr::Agreement::load_bytecode(std::string_view(bytes), &error);
    if (!agreement) raise(g_agreement_error, error);
    return std::make_unique<PyAgreement>(std::move(agreement));
  }

  py::bytes bytecode() const { return py::bytes(agreement_->bytecode()); }
  const std::string& name() const { return agreement_->name(); }
  const std::string& title() const { return agreement_->title(); }

  py::list services() const {
    py::list out;
    for (size_t i = 0; i < agreement_->service_count(); ++i) {
      const agr::ServiceInfo s = agreement_->service(i);
      out.append(py::dict(py::arg("code") = s.code(), py::arg("title") = s.title(),
                          py::arg("supplement") = s.supplement()));
    }
    return out;
  }

  py::list rules() const {
    py::list out;
    for (size_t i = 0; i < agreement_->rule_count(); ++i) {
      const agr::RuleInfo r = agreement_->rule(i);
      out.append(py::dict(py::arg("id") = r.id(), py::arg("warning") = r.is_warning(),
                          py::arg("message") = r.message(), py::arg("source") = r.source(),
                          py::arg("line") = r.line()));
    }
    return out;
  }

  py::list due_items() const {
    py::list out;
    for (size_t i = 0; i < agreement_->due_item_count(); ++i) {
      const agr::DueItemInfo d = agreement_->due_item(i);
      out.append(py::dict(py::arg("rule") = d.rule_id(), py::arg("code") = agreement_->service(d.service()).code(),
                          py::arg("message") = d.message(), py::arg("source") = d.source()));
    }
    return out;
  }

  const std::shared_ptr<const agr::Agreement>& agreement() const { return agreement_; }

 private:
  std::shared_ptr<const agr::Agreement> agreement_;
};

// Judging histories: the one core of agr.AgreementSet and agr.Agreement, which judges as the set
// of itself alone (agr::AgreementSet::of), so that both share every line of this.
class PySet {
 public:
  explicit PySet(std::shared_ptr<const agr::AgreementSet> set) : set_(std::move(set)) {}

  static std::unique_ptr<PySet> make(const std::vector<const PyAgreement*>& agreements) {
    std::vector<std::shared_ptr<const agr::Agreement>> list;
    for (const PyAgreement* agreement : agreements) list.push_back(agreement ? agreement->agreement() : nullptr);
    std::string error;
    auto set = agr::AgreementSet::make(std::move(list), &error);
    if (!set) raise(g_agreement_error, error);
    return std::make_unique<PySet>(std::move(set));
  }

  static std::unique_ptr<PySet> of(const PyAgreement& agreement) {
    return std::make_unique<PySet>(agr::AgreementSet::of(agreement.agreement()));
  }

  // One history: its verdict line without the line break, or HistoryError with the message.
  std::string evaluate(const py::handle& history, const std::optional<std::string>& as_of) {
    const std::string text = line_text(history);
    const std::optional<agr::Day> date = read_as_of(as_of);
    std::string out, message;
    bool ok;
    {
      py::gil_scoped_release unlocked;
      std::lock_guard<std::mutex> lock(evaluator_mutex_);
      if (!evaluator_) evaluator_ = std::make_unique<agr::Evaluator>(set_);
      ok = evaluator_->evaluate_json_line(text, 1, date, &out);
      if (!ok) {  // the message alone, from the structured path (a bad line is the rare case)
        agr::CourseVerdict verdict;
        std::string id;
        evaluator_->evaluate_json(text, date, &verdict, &id);
        message = verdict.error;
      }
    }
    if (!ok) raise(g_history_error, message);
    out.pop_back();
    return out;
  }

  // Lines in (each one line, with or without its line break), the output lines (each with its
  // line break) and the indexes of the error lines among them out.
  std::pair<py::list, std::vector<size_t>> run(const py::sequence& lines, const std::optional<std::string>& as_of,
                                               std::optional<unsigned> jobs, uint64_t first_line) {
    const std::optional<agr::Day> date = read_as_of(as_of);
    std::string input;
    for (const py::handle line : lines) {
      input += line_text(line);
      input += '\n';
    }
    const Batch batch = run_unlocked(input, first_line, date, jobs);
    py::list result(batch.lines);
    const std::string_view out(batch.out);
    for (size_t begin = 0, i = 0; begin < out.size(); ++i) {
      const size_t end = out.find('\n', begin) + 1;
      result[i] = py::str(out.data() + begin, end - begin);
      begin = end;
    }
    return {result, batch.errors};
  }

  // A block of a JSON Lines file (whole lines; the last may lack its line break): the output as
  // one bytes object, the indexes of the error lines, and the number of lines. For agr.dask's
  // partitions and for run_block: no Python object per line on either side.
  py::tuple run_block(const py::bytes& block, const std::optional<std::string>& as_of, std::optional<unsigned> jobs,
                      uint64_t first_line) {
    const std::optional<agr::Day> date = read_as_of(as_of);
    const Batch batch = run_unlocked(std::string_view(block), first_line, date, jobs);  // `block` is immutable
    return py::make_tuple(py::bytes(batch.out), batch.errors, batch.lines);
  }

 private:
  Batch run_unlocked(std::string_view input, uint64_t first_line, std::optional<agr::Day> as_of,
                     std::optional<unsigned> jobs) const {
    if (jobs && *jobs == 0) raise(PyExc_ValueError, "jobs must be at least 1");
    py::gil_scoped_release unlocked;
    return run_batch(set_, input, first_line, as_of, jobs.value_or(0));
  }

  std::shared_ptr<const agr::AgreementSet> set_;
  std::mutex evaluator_mutex_;                  // evaluate() from several Python threads
  std::unique_ptr<agr::Evaluator> evaluator_;   // reused by evaluate()
};

}  // namespace

PYBIND11_MODULE(_agr, m) {
  m.doc() = "The core of the agr module: agreements and evaluation over the agr runtime (libagr)";
  g_error = PyErr_NewExceptionWithDoc("agr.Error", "Any error agr reports.", PyExc_Exception, nullptr);
  g_agreement_error = PyErr_NewExceptionWithDoc(
      "agr.AgreementError", "An agreement that cannot be loaded: unreadable, not compiling, or refused.", g_error,
      nullptr);
  py::tuple history_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_history_error = PyErr_NewExceptionWithDoc(
      "agr.HistoryError", "A history that breaks the input contract (docs/io-contract.md).", history_bases.ptr(),
      nullptr);
  m.attr("Error") = py::handle(g_error);
  m.attr("AgreementError") = py::handle(g_agreement_error);
  m.attr("HistoryError") = py::handle(g_history_error);

  m.def("version", &agr_version, "The library's version, MAJOR.MINOR.PATCH.");
  m.def("contract_version", &agr_contract_version, "The version of the contract with integrators.");
  m.def("bytecode_format_version", &agr_bytecode_format_version, "The .agrc format version read.");

  py::class_<PyAgreement>(m, "Agreement")
      .def(py::init(&PyAgreement::load), py::arg("path"))
      .def_static("from_bytecode", &PyAgreement::from_bytecode, py::arg("data"))
      .def("bytecode", &PyAgreement::bytecode)
      .def_property_readonly("name", &PyAgreement::name)
      .def_property_readonly("title", &PyAgreement::title)
      .def_property_readonly("services", &PyAgreement::services)
      .def_property_readonly("rules", &PyAgreement::rules)
      .def_property_readonly("due_items", &PyAgreement::due_items);

  py::class_<PySet>(m, "AgreementSet")
      .def(py::init(&PySet::make), py::arg("agreements"))
      .def_static("of", &PySet::of, py::arg("agreement"))
      .def("evaluate", &PySet::evaluate, py::arg("history"), py::arg("as_of") = py::none())
      .def("run", &PySet::run, py::arg("lines"), py::arg("as_of") = py::none(), py::arg("jobs") = py::none(),
           py::arg("first_line") = 1)
      .def("run_block", &PySet::run_block, py::arg("block"), py::arg("as_of") = py::none(),
           py::arg("jobs") = py::none(), py::arg("first_line") = 1);
}
