"""agr: Danish physiotherapy agreements as code, from Python.

A thin layer over the agr runtime (libagr): an Agreement is loaded once from its source (.agr)
or compiled form (.agrc) and judges course histories, each a dict or a JSON line as
docs/io-contract.md describes. The verdicts are exactly those of ``agr run``: ``evaluate`` gives
one as a dict (the JSON parsed), ``run`` gives the output lines themselves, byte for byte, computed
on several threads with the GIL released. ``to_frame`` turns verdicts into a pandas DataFrame, one
row per event; ``agr.dask`` evaluates a corpus on a Dask cluster.

    import agr
    lbp = agr.Agreement("agreements/lbp.agr")
    verdict = lbp.evaluate({"id": "c-1", "referral_date": "2025-09-01",
                            "events": [{"id": "e1", "date": "2025-09-03", "code": "0110"}]})
    verdict["events"][0]["status"]        # 'accepted'

An AgreementSet judges each history by the agreement its `agreement` field names, for a clinic's
claims under several agreements in one input:

    both = agr.AgreementSet([lbp, "agreements/ste.agr"])
    lines = both.run(open("claims.jsonl", "rb"))

Errors are exceptions carrying the library's message: AgreementError for an agreement that cannot
be loaded, HistoryError (also a ValueError) for a history that breaks the input contract; both
are agr.Error.
"""

import datetime
import decimal
import json
import os

from . import _agr
from ._agr import AgreementError, Error, HistoryError

__all__ = ["Agreement", "AgreementSet", "Error", "AgreementError", "HistoryError", "to_frame", "version",
           "contract_version", "bytecode_format_version"]

version = _agr.version()
contract_version = _agr.contract_version()
bytecode_format_version = _agr.bytecode_format_version()

_RUN_CHUNK = 65536  # lines handed to the runtime at a time: bounded memory for long inputs


def _date(as_of):
    """An as-of date as the runtime reads it: None, 'YYYY-MM-DD', or a datetime.date."""
    if as_of is None or isinstance(as_of, str):
        return as_of
    if isinstance(as_of, datetime.date):
        return as_of.isoformat()
    raise TypeError(f"as_of must be None, a date or 'YYYY-MM-DD', not {type(as_of).__name__}")


class _Judge:
    """Judging histories: what Agreement and AgreementSet share. Both go through one core, the
    runtime's set of agreements (an Agreement is the set of itself alone)."""

    _set = None  # the core: an _agr.AgreementSet

    def evaluate(self, history, as_of=None):
        """Judges one history (a dict, or a JSON string or bytes) and returns its verdict as a dict:
        the JSON line `agr run` writes for it, parsed; its "agreement" names the agreement that
        judged. `as_of` (a date or 'YYYY-MM-DD') is the evaluation date for due items; by default
        the history's latest event date.

        Raises HistoryError with the message when the history breaks the input contract.
        """
        if not isinstance(history, (str, bytes, bytearray)):
            history = json.dumps(history, ensure_ascii=False)
        return json.loads(self._set.evaluate(history, _date(as_of)))

    def run(self, lines, as_of=None, jobs=None):
        """Judges JSON lines (any iterable of str or bytes, such as an open file) and returns the
        output lines, each with its line break: byte for byte what `agr run` writes for the same
        input, in input order, an error object in place of each bad line. `jobs` threads evaluate
        (default: the machine's cores), with the GIL released.
        """
        as_of = _date(as_of)
        out, chunk = [], []
        for line in lines:
            chunk.append(line)
            if len(chunk) == _RUN_CHUNK:
                out += self._set.run(chunk, as_of, jobs, len(out) + 1)[0]
                chunk = []
        if chunk:
            out += self._set.run(chunk, as_of, jobs, len(out) + 1)[0]
        return out

    def run_block(self, block, as_of=None, jobs=None):
        """Judges a block of JSON Lines (bytes, such as a whole file's contents) and returns what
        `agr run` writes for it, as bytes: no Python object per line on either side.
        """
        return self._set.run_block(bytes(block), _date(as_of), jobs, 1)[0]


class Agreement(_Judge):
    """A loaded, verified agreement; immutable, and safe to share between threads."""

    def __init__(self, path):
        """Loads an agreement source (.agr, compiled in memory) or a compiled agreement (.agrc).

        Raises AgreementError with the diagnostics (file:line:col) when it cannot be loaded.
        """
        self._adopt(_agr.Agreement(os.fspath(path)))

    @classmethod
    def from_bytecode(cls, data):
        """An agreement from the bytes of an .agrc file (see bytecode())."""
        agreement = cls.__new__(cls)
        agreement._adopt(_agr.Agreement.from_bytecode(bytes(data)))
        return agreement

    def _adopt(self, core):
        self._core = core
        self._set = _agr.AgreementSet.of(core)

    def bytecode(self):
        """The agreement as the bytes of an .agrc file: for shipping it to other processes."""
        return self._core.bytecode()

    @property
    def name(self):
        """The name histories use in their `agreement` field, e.g. 'lbp'."""
        return self._core.name

    @property
    def title(self):
        return self._core.title

    @property
    def services(self):
        """The services (codes) the agreement governs: dicts with code, title, supplement."""
        return self._core.services

    @property
    def rules(self):
        """The rules in file order: dicts with id, warning, message, source, line."""
        return self._core.rules

    @property
    def due_items(self):
        """The schedule's due items: dicts with rule, code, message, source."""
        return self._core.due_items

    def __repr__(self):
        return f"<agr.Agreement {self.name!r}: {self.title}>"


class AgreementSet(_Judge):
    """Several agreements in one run: each history is judged by the agreement its `agreement`
    field names, as `agr run A B ... HISTORIES` judges. A history that names none while the set has
    several, or names one the set does not hold, is an error line (HistoryError from evaluate)
    listing the set's names. Immutable, and safe to share between threads.

        both = agr.AgreementSet(["agreements/lbp.agr", "agreements/ste.agr"])
        both.evaluate({"agreement": "ste", "id": "st-1", "events": [...]})["agreement"]   # 'ste'
    """

    def __init__(self, agreements):
        """A set of agreements: agr.Agreement objects, or paths of .agr or .agrc files to load, in
        the order given. Raises AgreementError when the list is empty, when two agreements share
        a name, or when a path cannot be loaded.
        """
        if isinstance(agreements, (str, bytes, os.PathLike, Agreement)):
            raise TypeError("AgreementSet takes a list of agreements or paths, not one")
        self._agreements = tuple(a if isinstance(a, Agreement) else Agreement(a) for a in agreements)
        self._set = _agr.AgreementSet([a._core for a in self._agreements])

    @property
    def agreements(self):
        """The agreements, in the order given."""
        return self._agreements

    @property
    def names(self):
        """Their names, as histories give them in their `agreement` field."""
        return tuple(a.name for a in self._agreements)

    def __getitem__(self, name):
        """The agreement named `name` (KeyError when the set has none of that name)."""
        for agreement in self._agreements:
            if agreement.name == name:
                return agreement
        raise KeyError(name)

    def __len__(self):
        return len(self._agreements)

    def __iter__(self):
        return iter(self._agreements)

    def __repr__(self):
        return f"<agr.AgreementSet {', '.join(self.names)}>"


def _money(fee, key):
    return decimal.Decimal(fee[key]) if fee else None


def to_frame(verdicts):
    """A pandas DataFrame of verdicts (dicts from evaluate, or lines from run), one row per event:
    course, agreement, event, code, status, rules (the ids of the rules a rejected event broke),
    warnings (the ids of the warnings attached to the event), fee_total, fee_subsidy and
    fee_patient (decimal.Decimal kroner, exact; None where the event has no fee), and error. An
    error line becomes one row with status 'error', its message in `error` and no event.
    """
    import pandas

    rows = []
    for verdict in verdicts:
        if isinstance(verdict, (str, bytes, bytearray)):
            verdict = json.loads(verdict)
        course = verdict.get("id")
        if "error" in verdict:
            rows.append((course, None, None, None, "error", (), (), None, None, None, verdict["error"]["message"]))
            continue
        warnings = {}
        for warning in verdict["warnings"]:
            warnings.setdefault(warning["event"], []).append(warning["rule"])
        for event in verdict["events"]:
            fee = event.get("fee")
            rows.append((course, verdict["agreement"], event["id"], event["code"], event["status"],
                         tuple(v["rule"] for v in event.get("violations", ())),
                         tuple(warnings.get(event["id"], ())),
                         _money(fee, "total"), _money(fee, "subsidy"), _money(fee, "patient"), None))
    return pandas.DataFrame.from_records(rows, columns=[
        "course", "agreement", "event", "code", "status", "rules", "warnings",
        "fee_total", "fee_subsidy", "fee_patient", "error"])
