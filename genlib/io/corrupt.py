"""Reading files that may be damaged: any failure to parse one becomes one error naming the file and the fix.

A truncated archive, a half-written CSV or a file that is not what its name says should not end
in a traceback from deep inside numpy or torch; the user needs to know which file, what is wrong
with it, and what to run.
"""

from __future__ import annotations

import contextlib
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path


class CorruptFileError(ValueError):
    """A file exists but cannot be read as what it should be."""


# What a damaged file raises from the readers we use: zip archives (.npz, torch), pickles refused by
# weights_only, JSON and CSV parsers, short reads.
PARSE_ERRORS = (
    zipfile.BadZipFile,
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    KeyError,
    RuntimeError,
    OSError,
)


@contextlib.contextmanager
def reading(path: str | Path, what: str, remedy: str, *, missing: str | None = None) -> Iterator[None]:
    """Turn a failure to parse `path` (a `what`) into a CorruptFileError that says `remedy`.

    A missing file stays a FileNotFoundError, saying `missing` (or `remedy`).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist; {missing or remedy}")
    try:
        yield
    except CorruptFileError:
        raise
    except PARSE_ERRORS as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CorruptFileError(
            f"{what} {path} cannot be read ({type(error).__name__}: {reason}); it is damaged or truncated: {remedy}"
        ) from error


def prepared_remedy(data_dir: str | Path) -> str:
    """What to run when a prepared dataset is damaged."""
    return f"delete the folder {data_dir} and run snakemake again to prepare the dataset anew"


def rebuild_remedy(path: str | Path) -> str:
    """What to run when a file the pipeline made is damaged."""
    return f"delete {path} and run snakemake again to rebuild it (and what was made from it)"
