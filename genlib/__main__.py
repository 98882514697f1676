import time

STARTED = time.monotonic()  # before the imports: a job's wall time in its usage line includes them

from genlib.cli import main  # noqa: E402

raise SystemExit(main(started=STARTED))
