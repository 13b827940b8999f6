"""Item-relative source paths for fields under ``[*]`` targets, as the designer writes them.

A drop of `$.items[*].qty` onto `$.lines[*].qty` writes `@.qty` when
`$.lines[*]` is bound to `$.items[*]` (the field mapping `$.lines[*]` itself
names that array), and adds that binding first when nothing binds the target
array yet; see docs/arrays-item-by-item.md. `schema_source` goes the other
way: the source schema path an `@` source stands for, so the source tree,
the mapping lines and the selection find it.

Plain string work on the paths as the schema trees write them (`$.a[*].b`);
the engine checks the result when the document compiles.
"""

from __future__ import annotations

from fieldwright.domain import FieldMapping, MappingDocument

__all__ = ["item_source", "schema_source"]

_STAR = "[*]"


def _prefixes(path: str) -> list[str]:
    """The path cut after each ``[*]``: `$.a[*].b[*].c` → [`$.a[*]`, `$.a[*].b[*]`]."""
    found: list[str] = []
    start = 0
    while (at := path.find(_STAR, start)) >= 0:
        start = at + len(_STAR)
        found.append(path[:start])
    return found


def _scope(target: str) -> list[str]:
    """The arrays whose items a field writing `target` reads: every ``[*]`` of it,
    but the last when the target is the array itself (that field binds it)."""
    arrays = _prefixes(target)
    return arrays[:-1] if target.endswith(_STAR) else arrays


def _bound(document: MappingDocument, arrays: list[str]) -> list[str | None]:
    """The source array (from the record) each of `arrays` is bound to, None where no
    field mapping names it or it cannot be followed."""
    absolute: list[str | None] = []
    for level, array in enumerate(arrays):
        binding = document.field(array)
        text = binding.sources[0] if binding is not None and len(binding.sources) == 1 else None
        previous = absolute[level - 1] if level else None
        if text is None or text.startswith("@@"):
            absolute.append(None)
        elif text.startswith("@"):
            absolute.append(None if previous is None else previous + text[1:])
        else:
            absolute.append(text)
    return absolute


def schema_source(document: MappingDocument, target: str, source: str) -> str:
    """The source schema path an item-relative `source` of the field writing `target`
    stands for (`@.qty` → `$.items[*].qty`); other sources as they are."""
    if not source.startswith("@") or source in ("@index", "@number"):
        return source
    absolute = _bound(document, _scope(target))
    up = 2 if source.startswith("@@") else 1
    if len(absolute) < up:
        return source
    base = absolute[-up]
    return source if base is None else base + source[up:]


def item_source(
    document: MappingDocument, source: str, target: str
) -> tuple[str, list[FieldMapping]]:
    """The source a drop of the schema path `source` onto `target` writes, and the
    bindings to add before it (the target arrays it walks that nothing binds yet)."""
    arrays = _scope(target)
    walked = _prefixes(source)
    if not arrays or not walked:
        return source, []
    absolute = _bound(document, arrays)
    bindings: list[FieldMapping] = []
    deepest = -1
    for level, array in enumerate(arrays):
        if level >= len(walked):
            break
        bound = absolute[level]
        if bound is None:
            if document.field(array) is not None or any(
                f.target.startswith(array) and f.target != array and f.sources
                for f in document.fields
            ):
                break  # bound some other way (older absolute sources): leave it alone
            text = walked[level] if level == 0 else "@" + walked[level][len(walked[level - 1]) :]
            bindings.append(FieldMapping(target=array, sources=[text]))
        elif bound != walked[level]:
            break
        deepest = level
    if deepest < 0:
        return source, []
    up = len(arrays) - 1 - deepest
    if up > 1:  # `@@` reaches one level up; the absolute path works at any depth
        return source, bindings
    return "@" * (up + 1) + source[len(walked[deepest]) :], bindings
