"""gancl: a reproducibility book for contrastive learning in GANs.

The library under the book: embedded data (:mod:`gancl.data`), models (:mod:`gancl.models`), every contrastive
objective of the four papers (:mod:`gancl.losses`), metrics that work offline (:mod:`gancl.metrics`), an
accelerate-based trainer (:mod:`gancl.train`) and the presets for the three scales (:mod:`gancl.experiments`).
"""

__version__ = "0.1.0"
