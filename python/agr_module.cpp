// agr._agr: the Python module's core, a thin binding over the public C++ API (agr/agr.h,
// agr/compiler.h). Strings in, strings out: agr/__init__.py turns them into dicts and DataFrames.
// Evaluation runs with the GIL released; errors are Python exceptions with the library's message.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <agr/agr.h>
#include <agr/agr_c.h>
#include <agr/compiler.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

// Evaluates `lines` (numbered from `first_line`, as `agr run` numbers them) on `jobs` threads, each
// with its own Evaluator, writing each output line at its input's place; returns the indexes of
// the error lines. The one place that runs a batch: when the runtime has a batch runner, its body
// becomes one call of it.
std::vector<size_t> evaluate_lines(const std::shared_ptr<const agr::Agreement>& agreement,
                                   const std::vector<std::string>& lines, uint64_t first_line,
                                   std::optional<agr::Day> as_of, unsigned jobs, std::vector<std::string>* out) {
  out->assign(lines.size(), std::string());
  std::vector<char> error(lines.size(), 0);
  constexpr size_t kChunk = 256;  // lines a thread takes at a time: balance without contention
  std::atomic<size_t> next{0};
  auto work = [&] {
    agr::Evaluator evaluator(agreement);
    for (size_t begin; (begin = next.fetch_add(kChunk)) < lines.size();) {
      for (size_t i = begin; i < std::min(begin + kChunk, lines.size()); ++i)
        error[i] = !evaluator.evaluate_json_line(lines[i], first_line + i, as_of, &(*out)[i]);
    }
  };
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>((lines.size() + kChunk - 1) / kChunk)));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  std::vector<size_t> errors;
  for (size_t i = 0; i < lines.size(); ++i)
    if (error[i]) errors.push_back(i);
  return errors;
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

  // One history: its verdict line without the line break, or HistoryError with the message.
  std::string evaluate(const py::handle& history, const std::optional<std::string>& as_of) {
    const std::string text = line_text(history);
    const std::optional<agr::Day> date = read_as_of(as_of);
    std::string out, message;
    bool ok;
    {
      py::gil_scoped_release unlocked;
      std::lock_guard<std::mutex> lock(evaluator_mutex_);
      if (!evaluator_) evaluator_ = std::make_unique<agr::Evaluator>(agreement_);
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

  // Lines in, output lines (each with its line break) and the indexes of error lines out.
  std::pair<py::list, std::vector<size_t>> run(const py::sequence& lines, const std::optional<std::string>& as_of,
                                               std::optional<unsigned> jobs, uint64_t first_line) {
    const std::optional<agr::Day> date = read_as_of(as_of);
    if (jobs && *jobs == 0) raise(PyExc_ValueError, "jobs must be at least 1");
    std::vector<std::string> input;
    input.reserve(py::len(lines));
    for (const py::handle line : lines) input.push_back(line_text(line));
    std::vector<std::string> output;
    std::vector<size_t> errors;
    {
      py::gil_scoped_release unlocked;
      errors = evaluate_lines(agreement_, input, first_line, date,
                              jobs.value_or(std::max(1u, std::thread::hardware_concurrency())), &output);
    }
    py::list result(output.size());
    for (size_t i = 0; i < output.size(); ++i) result[i] = py::str(output[i]);
    return {result, errors};
  }

  // A block of a JSON Lines file (whole lines; the last may lack its line break) on this thread:
  // the output as one bytes object, the indexes of the error lines, and the number of lines.
  // agr.dask's partitions: no Python object per line on either side.
  py::tuple run_block(const py::bytes& block, const std::optional<std::string>& as_of, uint64_t first_line) {
    const std::optional<agr::Day> date = read_as_of(as_of);
    const std::string_view data(block);  // immutable, and kept alive by the caller
    std::string out;
    std::vector<size_t> errors;
    size_t count = 0;
    {
      py::gil_scoped_release unlocked;
      agr::Evaluator evaluator(agreement_);
      for (size_t begin = 0; begin < data.size(); ++count) {
        size_t end = data.find('\n', begin);
        if (end == std::string_view::npos) end = data.size();
        if (!evaluator.evaluate_json_line(data.substr(begin, end - begin), first_line + count, date, &out))
          errors.push_back(count);
        begin = end + 1;
      }
    }
    return py::make_tuple(py::bytes(out), errors, count);
  }

 private:
  std::shared_ptr<const agr::Agreement> agreement_;
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
      .def_property_readonly("due_items", &PyAgreement::due_items)
      .def("evaluate", &PyAgreement::evaluate, py::arg("history"), py::arg("as_of") = py::none())
      .def("run", &PyAgreement::run, py::arg("lines"), py::arg("as_of") = py::none(), py::arg("jobs") = py::none(),
           py::arg("first_line") = 1)
      .def("run_block", &PyAgreement::run_block, py::arg("block"), py::arg("as_of") = py::none(),
           py::arg("first_line") = 1);
}
