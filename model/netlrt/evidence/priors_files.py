"""Folders of priors files: reading, refitting (keeping the user's comments) and copying the defaults.

A priors folder holds YAML files of three kinds, told apart by their top-level key: ``parameters``
(one file per area, each parameter as in :func:`netlrt.evidence.priors.parse_prior`), ``population``
(exactly one file: the shares of each finding's states in the treated population) and ``profiles``
(exactly one file: the preference profiles). Every problem is a ``ValueError`` naming the file and,
where there is one, the parameter.

Examples
--------
>>> priors = load_priors()
>>> priors.path == default_priors_path()
True
>>> round(sum(priors.population["grade"].values()), 12)
1.0
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import math
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..checks import finite_real
from ..files.writing import note_input
from .patient_spec import FINDING_NODES
from .priors import Prior, PriorSet, parse_prior, squash
from .roles import FIT_TOLERANCE

__all__ = ["apply_edits", "comments_in", "default_priors_path", "entry_end", "init_folder", "is_shipped", "load_priors",
           "parameter_nodes", "parse_yaml", "read_text", "read_yaml", "refit_folder", "shipped_priors"]


def default_priors_path() -> Path:
    """The folder of the priors shipped with the package (the source tree's ``priors/`` in a checkout)."""
    shipped = resources.files("netlrt") / "priors"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[3] / "priors"


def is_shipped(path: str | os.PathLike) -> bool:
    """True when ``path`` is the folder of the shipped priors (:func:`default_priors_path`), by any name."""
    return Path(path).resolve() == default_priors_path().resolve()


#: The keys each kind of priors file may hold at its top level.
_TOP_KEYS = {"parameters": {"area", "description", "parameters"}, "population": {"description", "population"},
             "profiles": {"description", "profiles"}}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader (libyaml's when installed), refusing repeated keys and keys that are not text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(None, None, "merge keys (<<) are not allowed; write each "
                                                        "entry's keys out", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                hint = f" (YAML reads {key_node.value} as a boolean: quote it, '{key_node.value}')" \
                    if isinstance(key, bool) else ""
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is not text{hint}",
                                                        key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"repeated key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# YAML 1.1's numbers without its surprises, which YAML 1.2 dropped: 1:30 (sexagesimal, 90), 1_0.5 (10.5) and 0b10
# (2) were numbers the file's author never wrote, and are text now, which a number field refuses; 010 is ten, not
# octal eight. Hexadecimal and YAML 1.2's 0o octal stay text too: no number of a priors or patients file is written so.
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
                                   for first, resolvers in _Loader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT, re.compile(r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]"
                                                 r"[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
                              list("-+0123456789."))
_Loader.add_constructor(_INT, lambda loader, node: int(loader.construct_scalar(node), 10))  # 010 is ten


#: Plain scalars that YAML 1.2 (and every other reader) takes as numbers, but YAML 1.1, which PyYAML follows, as
#: text: its floats need a dot and a signed exponent, so ``1e-3`` and ``1.0e5`` would be strings.
_YAML12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")
_YAML12_TAG = "tag:netlrt,2026:yaml12-number"


class YamlNumber(str):
    """A plain scalar of a patients file that reads as a number but may be meant as text (``1.5e1``, ``2.0``,
    ``007``): text where text is meant (``patient_id: 5E3`` or ``007``), the number it spells where a number is
    (``bilirubin_mg_dl: 1.5e1``)."""


class _PriorsLoader(_Loader):
    """`_Loader` reading 1e-3 and 1.0e5 as the numbers a researcher meant (:data:`_YAML12_FLOAT`)."""


class _PatientsLoader(_Loader):
    """`_Loader` reading 1e-3, 5E3, 2.0 and 007 as :class:`YamlNumber`: whether such a scalar is a number or an id
    depends on the field it is the value of (an integer without a leading zero is an integer either way)."""


_PriorsLoader.add_implicit_resolver(_FLOAT, _YAML12_FLOAT, list("-+0123456789."))
_PatientsLoader.add_implicit_resolver(_YAML12_TAG, re.compile(r"^[-+]?0[0-9]+$|^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE]"
                                                            r"[-+]?[0-9]+)?$|" + _YAML12_FLOAT.pattern),
                                      list("-+0123456789."))
for _first in "-+0123456789.":  # before the number resolvers, which would take these first
    _PatientsLoader.yaml_implicit_resolvers[_first].insert(0, _PatientsLoader.yaml_implicit_resolvers[_first].pop())
_PatientsLoader.add_constructor(_YAML12_TAG, lambda loader, node: YamlNumber(loader.construct_scalar(node)))


def read_text(path: Path, what: str = "priors") -> str:
    """A file's UTF-8 text; ``ValueError`` naming the file when it cannot be read or is not UTF-8."""
    note_input(path)
    try:  # no newline translation: a rewritten file keeps its CRLF line ends
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError:
        raise ValueError(f"{what}: {str(path)!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ValueError(f"{what}: cannot read {str(path)!r}: {exc.strerror or exc}") from None


def parse_yaml(text: str, label: str, *, priors: bool = True) -> Any:
    """Parse YAML text safely, refusing repeated keys and keys that are not text; ``ValueError`` starting with
    ``label`` (how messages name the file) for invalid YAML. ``priors=False`` (a patients file) reads a scalar
    such as ``5E3`` as a :class:`YamlNumber`: text, that a patient's number fields read as the number it spells."""
    try:
        return yaml.load(text, Loader=_PriorsLoader if priors else _PatientsLoader)  # noqa: S506 (SafeLoader subclasses)
    except yaml.YAMLError as exc:
        raise ValueError(f"{label} is not valid YAML{_problem(exc)}") from None


def _problem(exc: yaml.YAMLError) -> str:
    """' (line N): what PyYAML found wrong', for a message naming a file."""
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    return f"{where}: {squash(getattr(exc, 'problem', None) or str(exc))}"


def read_yaml(path: Path, what: str = "priors") -> Any:
    """Parse one YAML file safely; ``ValueError`` naming the file for anything unreadable or invalid."""
    return parse_yaml(read_text(path, what), f"{what}: {str(path)!r}")


def parameter_nodes(text: str, label: str) -> list[Any]:
    """The YAML nodes of the ``parameters`` list's entries in ``text`` (where each entry's characters are);
    ``ValueError`` starting with ``label`` when the file uses what only libyaml reads.

    PyYAML's own reader finds them: libyaml's marks do not count characters. It is stricter about tabs."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{label}: cannot rewrite this file{_problem(exc)}; nothing was written (a tab outside "
                         "quotes: replace it with spaces)") from None
    return next(v for k, v in root.value if k.value == "parameters").value


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` span replaced (spans of the original text, not overlapping); the
    line breaks of ``new`` are written as ``text``'s (CRLF in a file written so)."""
    crlf = "\r\n" in text
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + (new.replace("\n", "\r\n") if crlf else new) + text[end:]
    return text


def _folder(path: Any) -> Path:
    if path is None:
        return default_priors_path()
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ValueError(f"priors: {path!r} is not a folder name; allowed: a path to a priors folder, or None for "
                         "the shipped priors")
    folder = Path(path)
    try:
        if not folder.is_dir():
            raise ValueError(f"priors: {str(folder)!r} is not a folder of YAML files")
    except OSError as exc:  # a symlink loop, a name too long
        raise ValueError(f"priors: cannot open {str(folder)!r}: {exc.strerror or exc}") from None
    return folder


def _files(folder: Path) -> list[Path]:
    try:  # os.listdir, not Path.glob, which reads a folder it may not list as empty
        files = sorted(folder / name for name in os.listdir(folder) if name.endswith(".yaml"))
    except OSError as exc:
        raise ValueError(f"priors: cannot list {str(folder)!r}: {exc.strerror or exc}") from None
    if not files:
        raise ValueError(f"priors: no *.yaml files in {str(folder)!r}")
    for f in files:
        if f.is_dir():
            raise ValueError(f"priors: {f.name} in {str(folder)!r} is a folder, not a priors file")
        try:
            regular = stat.S_ISREG(f.stat().st_mode)  # a named pipe would hang the read, /dev/zero fill the memory
        except OSError:
            regular = True  # a dangling link or no permission: read_text names it
        if not regular:
            raise ValueError(f"priors: {f.name} in {str(folder)!r} is not a regular file (a named pipe or a device); "
                             "allowed: YAML files")
    return files


def load_priors(path: str | os.PathLike | None = None) -> PriorSet:
    """Load and validate every ``*.yaml`` file of a priors folder.

    Parameters
    ----------
    path
        A folder like the shipped ``priors/``; ``None`` for the shipped one.

    Returns
    -------
    PriorSet

    Raises
    ------
    ValueError
        Naming the file, the parameter and what is wrong.
    """
    return _load(_folder(path))


def _load(folder: Path, texts: Mapping[Path, str] | None = None) -> PriorSet:
    """:func:`load_priors` of ``folder``, with the files of ``texts`` read as those texts (a change not yet
    written)."""
    texts = texts or {}
    priors, seen, population, notes, profiles, kinds = [], {}, None, {}, None, {}
    for f in _files(folder):
        doc = parse_yaml(texts[f], f"priors: {str(f)!r}") if f in texts else read_yaml(f)
        keys = {"parameters", "population", "profiles"} & set(doc if isinstance(doc, dict) else ())
        if len(keys) != 1:
            raise ValueError(f"{f.name}: expected exactly one of 'parameters', 'population' or 'profiles' at the "
                             f"top level, found {sorted(keys) or 'none'}")
        kind = keys.pop()
        if extra := sorted(set(doc) - _TOP_KEYS[kind]):  # a misspelt or misplaced key is never ignored silently
            raise ValueError(f"{f.name}: unknown key {extra[0]!r} at the top level of a {kind} file; allowed: "
                             f"{', '.join(sorted(_TOP_KEYS[kind]))}")
        if kind in kinds:
            raise ValueError(f"{f.name}: a second {kind} file (the first is {kinds[kind]}); keep one")
        if kind == "parameters":
            entries = doc["parameters"]
            if not isinstance(entries, list) or not entries:
                raise ValueError(f"{f.name}: 'parameters' must be a non-empty list")
            for i, entry in enumerate(entries):
                prior = parse_prior(f.name, str(doc.get("area", f.stem)), i, entry)
                if prior.id in seen:
                    raise ValueError(f"{f.name}: parameter {prior.id!r}: duplicate id (also in {seen[prior.id]})")
                seen[prior.id] = f.name
                priors.append(prior)
            continue
        kinds[kind] = f.name
        if kind == "population":
            population, notes = _population(f.name, doc["population"])
        else:
            profiles = _profiles(f.name, doc["profiles"])
    for kind in ("population", "profiles"):
        if kind not in kinds:
            raise ValueError(f"priors: no {kind} file (a YAML file with '{kind}:') in {str(folder)!r}")
    if not priors:
        raise ValueError(f"priors: no parameters in {str(folder)!r}")
    if not is_shipped(folder):
        priors = _mark_edits(priors, shipped_priors())
    return PriorSet(priors, population, notes, profiles, folder, kinds)


@functools.cache
def shipped_priors() -> PriorSet:
    """The priors shipped with netlrt, read once (shared: do not change them; ``PriorSet`` is read-only)."""
    return _load(default_priors_path())


def _mark_edits(priors: list[Prior], shipped: PriorSet) -> list[Prior]:
    """Each prior whose distribution differs from the shipped one's and whose file records neither a ``modified``
    note nor ``updates`` (``priors update``), marked with the default it differs from: an edited assumption
    needs no note, but its provenance must show that it is not netlrt's (an article prior's edit already needs
    one, :func:`netlrt.evidence.priors.parse_prior`). Said as a difference, not an edit: a folder copied from an
    older netlrt differs where the defaults have moved since."""
    from .. import __version__

    out = []
    for p in priors:
        d = shipped.get(p.id)
        if not (p.modified or p.updates) and d is not None and not _same_distribution(p, d):
            default = (f"fixed at {d.params['value']:g}" if d.is_fixed else
                       f"{d.distribution}, {d.rule} interval [{d.interval[0]:g}, {d.interval[1]:g}] covering "
                       f"{d.mass:.0%}")
            p = dataclasses.replace(p, modified=f"differs from netlrt {__version__}'s default ({default})")
        out.append(p)
    return out


#: Quantiles at which two priors are compared. They are the same when each is within the loader's tolerance for
#: params that reproduce an interval (:data:`~netlrt.evidence.roles.FIT_TOLERANCE`, relative), so rounded params
#: (``mu: 0.0`` for 2.8e-17, four digits of a beta's) are no edit; a fixed value must be equal.
_COMPARED = (0.025, 0.5, 0.975)


def _same_distribution(a: Prior, b: Prior) -> bool:
    if a.distribution != b.distribution:
        return False
    if a.is_fixed:
        return math.isclose(a.params["value"], b.params["value"], rel_tol=1e-12)
    qa, qb = ([float(p.ppf(q)) for q in _COMPARED] for p in (a, b))
    return all(abs(x - y) <= FIT_TOLERANCE * abs(y) for x, y in zip(qa, qb))


def _population(fname: str, doc: Any) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    if not isinstance(doc, dict):
        raise ValueError(f"{fname}: 'population' must map each finding to its shares")
    missing = [k for k in FINDING_NODES if k not in doc]
    unknown = [k for k in doc if k not in FINDING_NODES]
    if missing or unknown:
        raise ValueError(f"{fname}: population findings {'missing ' + ', '.join(missing) if missing else ''}"
                         f"{'; unknown ' + ', '.join(unknown) if unknown else ''}; allowed: {', '.join(FINDING_NODES)}")
    shares, notes = {}, {}
    for node, entry in doc.items():
        where = f"{fname}: population {node!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("shares"), dict) or not entry.get("reasoning"):
            raise ValueError(f"{where}: needs 'shares' (state -> share) and 'reasoning'")
        if extra := sorted(set(entry) - {"shares", "reasoning", "quote"}):
            raise ValueError(f"{where}: unknown key {extra[0]!r}; allowed: shares, reasoning, quote")
        s = entry["shares"]
        if set(s) != set(FINDING_NODES[node]):
            raise ValueError(f"{where}: shares must name exactly the states {', '.join(FINDING_NODES[node])}")
        for state, x in s.items():
            if not finite_real(x) or not 0 <= x <= 1:
                raise ValueError(f"{where}: share of {state!r} is {x!r}; allowed: a number in [0, 1]")
        if not math.isclose(sum(s.values()), 1.0, abs_tol=1e-9):
            raise ValueError(f"{where}: shares sum to {sum(s.values()):g}; allowed: shares summing to 1")
        shares[node] = {state: float(s[state]) for state in FINDING_NODES[node]}
        quote = entry.get("quote")
        notes[node] = squash(entry["reasoning"]) + (f" Quoted: \u201c{squash(quote)}\u201d" if isinstance(quote, str)
                                                    else "")
    return shares, notes


def _profiles(fname: str, doc: Any) -> dict[str, dict[str, Any]]:
    from .patient_spec import MAX_MULTIPLIER

    if not isinstance(doc, dict) or not doc:
        raise ValueError(f"{fname}: 'profiles' must map profile names to their multipliers")
    out = {}
    for name, prof in doc.items():
        where = f"{fname}: profile {name!r}"
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: a profile needs a name (text, not blank)")
        reasoning = prof.get("reasoning") if isinstance(prof, dict) else None
        if not isinstance(reasoning, str) or not reasoning.strip() or not isinstance(prof.get("multipliers"), dict):
            raise ValueError(f"{where}: needs 'multipliers' (utility term -> factor; {{}} for none) and 'reasoning'")
        if extra := sorted(set(prof) - {"multipliers", "description", "reasoning"}):
            raise ValueError(f"{where}: unknown key {extra[0]!r}; allowed: multipliers, description, reasoning")
        for term, x in prof["multipliers"].items():
            if not finite_real(x) or not 0 <= x <= MAX_MULTIPLIER:
                raise ValueError(f"{where}: multiplier of {term!r} is {x!r}; allowed: a number 0-{MAX_MULTIPLIER:g}")
        out[str(name)] = {"multipliers": {str(k): float(v) for k, v in prof["multipliers"].items()},
                          "description": squash(prof.get("description", "")),
                          "reasoning": squash(prof["reasoning"])}
    if "none" not in out:  # every patient without a stated preference is evaluated under it
        raise ValueError(f"{fname}: the profile 'none' (no preference, every patient's default) is missing; keep it")
    return out


def refit_folder(path: str | os.PathLike, *, check: Callable[[PriorSet], None] | None = None) -> list[str]:
    """Refit ``params`` of every parameter whose params no longer reproduce its interval (or are missing).

    Only the ``params`` value of those parameters is rewritten (number by number when the names stay; a new
    distribution's params replace the old, whose comments move to the end of the line); every other byte of
    each file, comments and line ends included, stays as the researcher wrote it. The folder, as it would be,
    is validated and every file opened before any is written, so a mistake anywhere leaves every file as it
    was (a disk failing between two renames can still leave one file written).

    Parameters
    ----------
    path : str or os.PathLike
        The priors folder (not the shipped one).
    check : callable, optional
        Called with the folder as it would be, before anything is written; its ``ValueError`` (the model refusing
        the folder, :func:`netlrt.decision.core.check_priors`) leaves every file as it was.

    Returns
    -------
    list of str
        The ids refitted (empty when nothing had changed).

    Raises
    ------
    ValueError
        Naming the file and parameter, for an entry that cannot be fitted.
    """
    from ..files import atomic_writes

    folder = _folder(path)
    if is_shipped(folder):
        raise ValueError("priors refit: the shipped priors are read-only; copy them first with "
                         "`netlrt priors init DIR`")
    done, texts = [], {}
    for f in _files(folder):
        text = read_text(f)
        doc = parse_yaml(text, f"priors: {str(f)!r}")
        if not isinstance(doc, dict) or not isinstance(doc.get("parameters"), list):
            continue
        edits, nodes, seen = [], None, None
        for i, entry in enumerate(doc["parameters"]):
            try:
                parse_prior(f.name, "", i, entry)
                continue
            except ValueError:
                fitted = parse_prior(f.name, "", i, entry, refit=True)  # raises for a real mistake
            if nodes is None:  # only a file it rewrites is located, once
                nodes = parameter_nodes(text, f"priors refit: {str(f)!r}")
                seen = collections.Counter(id(n) for e in nodes for n in _walk(e))  # an alias is the anchor's node
            _refuse_anchors(text, f, fitted.id, nodes[i], seen)
            edits.extend(_params_edits(text, nodes[i], fitted.params))
            done.append(fitted.id)
        if edits:
            texts[f] = apply_edits(text, edits)
            try:
                parse_yaml(texts[f], f.name)
            except ValueError:  # refit's own failure, not the file's: say how to get past it
                raise ValueError(f"priors refit: {str(f)!r}: cannot write params into this layout of the file "
                                 f"(nothing was written); give each entry it refits ({', '.join(done)}) a line "
                                 "'params: {}' and run it again") from None
    refitted = _load(folder, texts)  # raises, naming the file and parameter, before anything is written
    if check is not None:
        try:
            check(refitted)
        except ValueError as exc:
            raise ValueError(f"priors refit: the model would refuse the folder refitted ({exc}); nothing was "
                             "written") from None
    with atomic_writes([(f, "priors") for f in texts], edits_input=True) as outs:  # every file, or none
        for out, text in zip(outs, texts.values()):
            out.write(text)
    return done


def _refuse_anchors(text: str, f: Path, pid: str, node: Any, seen: Mapping[int, int]) -> None:
    """Refuse to rewrite the params of an entry that is, or whose params hold, a YAML anchor or alias (``&a`` ...
    ``*a``): an edit would drop the anchor or change another entry too, and two edits could overlap. ``seen``
    counts how often each node (by ``id``) is reached from the file's entries: an aliased one, more than once."""
    params = next((v for k, v in node.value if k.value == "params"), None) if isinstance(node, yaml.MappingNode) \
        else None
    mine = [node, *(_walk(params) if params is not None else [])]
    if any(seen[id(n)] > 1 for n in mine) or any(_ANCHORED.match(text, n.start_mark.index) for n in mine[1:]):
        raise ValueError(f"priors refit: {str(f)!r}: parameter {pid!r}: its params hold a YAML anchor or alias "
                         "(&name, *name), which a rewrite would break; nothing was written; write them out in full")


#: A node's text starting with an anchor, perhaps after a tag ('&s 0.3', '!!float &s 0.3').
_ANCHORED = re.compile(r"(?:!\S*\s+)?&")


def _walk(node: Any) -> Iterator[Any]:
    """``node`` and every node under it, in order (a node reached through two aliases, twice)."""
    yield node
    if isinstance(node, yaml.SequenceNode):
        for n in node.value:
            yield from _walk(n)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _walk(k)
            yield from _walk(v)


def comments_in(text: str, start: int, end: int, node: Any) -> list[str]:
    """The comments in ``text[start:end]``, which holds the YAML ``node``, without their '#': found outside its
    scalars, so a '#' inside a quoted value is not one."""
    masked = list(text[start:end])
    for s in _walk(node):
        if not isinstance(s, yaml.ScalarNode):
            continue
        for i in range(max(s.start_mark.index, start), min(s.end_mark.index, end)):
            masked[i - start] = " "
    return [c.rstrip() for c in re.findall(r"(?:^|\s)#\s?(.*)", "".join(masked), flags=re.MULTILINE)]


def entry_end(text: str, node: Any) -> int:
    """Where the line ends on which the YAML ``node``'s own characters end (after its line break): the comments
    after an entry, and the next entry, start there."""
    end = _content_end(node)
    if text[end - 1:end] == "\n":  # a block scalar ('>-') ends after its line break and the blank lines after it
        while (prev := text.rfind("\n", 0, end - 1)) >= 0 and not text[prev + 1:end].strip():
            end = prev + 1
        return end
    nl = text.find("\n", end)
    return len(text) if nl < 0 else nl + 1


def _content_end(node: Any) -> int:
    """Where the YAML ``node``'s own characters end: a block collection's end mark runs on over the comments after
    it (and the next entry's, in a list)."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return node.end_mark.index


def _params_edits(text: str, node: Any, params: Mapping[str, float]) -> list[tuple[int, int, str]]:
    """The edits of ``text`` that give the parameter entry ``node`` (its YAML node) the value ``params``; the
    entry's other keys, and every comment, stay as they are.

    Params with the same names are rewritten number by number, in their own layout; otherwise (another
    distribution, or no params yet) ``params`` is written as a flow mapping on one line, and the comments inside
    the params it replaces are kept at the end of that line."""
    flow = "{" + ", ".join(f"{k}: {v!r}" for k, v in params.items()) + "}"
    key, value = next(((k, v) for k, v in node.value if k.value == "params"), (None, None))
    if isinstance(value, yaml.MappingNode):
        numbers = {k.value: v for k, v in value.value if isinstance(v, yaml.ScalarNode)}
        if len(numbers) == len(value.value) and set(numbers) == set(params):
            return [(v.start_mark.index, v.end_mark.index, _spaced(text, v.start_mark.index, repr(params[k])))
                    for k, v in numbers.items()]
    if value is not None:  # replaced, its comments moved to the end of the line
        block = isinstance(value, (yaml.MappingNode, yaml.SequenceNode)) and not value.flow_style
        start = key.end_mark.index if block else value.start_mark.index
        end = _content_end(value) if block else start + len(text[start:value.end_mark.index].rstrip())
        new = f": {flow}" if block else _spaced(text, start, flow)
        return [(start, end, new + "".join(f"  # {c}" for c in comments_in(text, start, end, value)))]
    if node.flow_style:  # {id: x, ...} on one line: params goes inside the braces
        close = node.end_mark.index - 1
        return [(close, close, ("" if text[:close].rstrip().endswith(",") else ", ") + f"params: {flow}")]
    indent = " " * node.value[0][0].start_mark.column  # no params yet: a new last line, indented like the keys
    pos = entry_end(text, node)
    line = f"{indent}params: {flow}\n"
    return [(pos, pos, line if text[pos - 1:pos] == "\n" else "\n" + line)]


def _spaced(text: str, at: int, new: str) -> str:
    """``new``, to be written at ``text[at]``, after a space unless one is there ('mu:' with no value yet)."""
    return new if text[at - 1:at].isspace() else " " + new


def init_folder(dest: str | os.PathLike) -> Path:
    """Copy the shipped priors into a new (or empty) folder ``dest`` for editing; never overwrites anything.

    Raises
    ------
    ValueError
        When ``dest`` exists and is not an empty folder, or its parent folder does not exist.
    """
    from ..files import new_folder

    with new_folder(dest, what="priors init") as target:  # complete, or gone after an interrupt
        for f in sorted(default_priors_path().glob("*.yaml")):
            shutil.copyfile(f, target / f.name)
    return target
