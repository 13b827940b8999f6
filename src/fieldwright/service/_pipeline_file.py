"""Whether a file holds a pipeline document, without importing the pipeline machinery.

`fieldwright run FILE` asks this of every mapping file it runs; the pipeline
modules (domain models, engine, lineage) are imported only for a pipeline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["VERSION_KEY", "is_pipeline_file"]

#: The pipeline format's version key (domain/pipeline_canonical.py's VERSION_KEY: a test
#: holds them equal).
VERSION_KEY = "fieldwright_pipeline"


def is_pipeline_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` holds a pipeline document (a JSON object with `fieldwright_pipeline`).

    A file that cannot be read or parsed is not one: the mapping loader then says why.
    """
    try:
        data = json.loads(Path(path).read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and VERSION_KEY in data
