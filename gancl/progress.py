"""Progress bars of gancl's long work (a run's training, the domain classifier's), refreshed at a pace that suits
where they are written."""
from __future__ import annotations


def progress_interval(stream) -> float:
    """Seconds between refreshes of a long bar: tqdm's 0.1 s on a terminal, 30 s when ``stream`` is a file or pipe
    (``nohup gancl train ... > log``), where every refresh is kept and a 6000-step run would write ~1 MB."""
    try:
        return 0.1 if stream.isatty() else 30.0
    except (AttributeError, ValueError):  # closed or replaced streams
        return 30.0
