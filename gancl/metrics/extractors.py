"""Feature extractors behind one interface, so every distance names the features it was computed on.

``get_extractor(name, device="cpu", **kw)`` returns a :class:`FeatureExtractor`:

- ``extractor.name``: ``"inception"`` or ``"domain"`` (what tables print: "FD (domain)" is not "FID");
- ``extractor.cache_id``: a string that pins the exact weights (used as a cache key), or None for throwaway nets;
- ``extractor.dim``: feature width;
- ``extractor(images)``: (N, dim) float32 CPU features of a batch of images, computed in batches with a progress bar;
- ``extractor.embed(x)``: the differentiable path on float images (for PPL distances and GAN inversion).

Images are float (N, 3, H, W) in [-1, 1] (the generators' range) or uint8 (N, 3, H, W). ``__call__`` first
rounds float images to uint8, as if they were saved as PNG, so real images (stored as uint8) and generated ones
take the same path to the features.

The ``inception`` extractor is the TF-ported InceptionV3 (pool3, 2048-d) of torch-fidelity, with its
TF1-compatible bilinear resize to 299 px. gancl never downloads weights: they come from a local path, the
``GANCL_INCEPTION_WEIGHTS`` variable or the torch hub cache, and a missing file raises :class:`MissingWeightsError`.
The ``domain`` extractor lives in :mod:`gancl.metrics.domain`.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Optional

import torch

from gancl.data import to_float, to_uint8
from tqdm import tqdm

#: The torch-fidelity release of the TF InceptionV3 (2015-12-05) FID weights, converted to PyTorch.
INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_WEIGHTS_URL = (
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth"
)
INCEPTION_ENV = "GANCL_INCEPTION_WEIGHTS"


class MissingWeightsError(FileNotFoundError):
    """Pretrained weights gancl needs are not on disk (gancl never downloads them)."""


def check_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Raise ValueError unless ``images`` is a (N, 3, H, W) uint8 or floating-point tensor; return it."""
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"{name} must be a torch tensor (N, 3, H, W), got {type(images).__name__}")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"{name} must have shape (N, 3, H, W), got {tuple(images.shape)}")
    if images.dtype != torch.uint8 and not images.is_floating_point():
        raise ValueError(f"{name} must be uint8 in [0, 255] or float in [-1, 1], got dtype {images.dtype}")
    return images


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Float images in [-1, 1] -> uint8 (rounded, clamped), as when saved to PNG; uint8 passes through."""
    return to_uint8(check_images(images))


class FeatureExtractor:
    """Base class: a frozen network that maps images to feature vectors.

    Subclasses set ``name``, ``cache_id``, ``dim``, ``device`` and ``batch_size``, and implement :meth:`embed`;
    they may override :meth:`_embed_uint8` when the network wants the raw uint8 values.
    """

    name: str
    cache_id: Optional[str]
    dim: int
    device: torch.device
    batch_size: int

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Differentiable features of float images (B, 3, H, W) in [-1, 1] -> (B, dim) on ``self.device``."""
        raise NotImplementedError

    def _embed_uint8(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(to_float(images.to(self.device)))

    def describe(self) -> dict:
        """What a result record stores about the extractor."""
        return {"extractor": self.name, "extractor_id": self.cache_id, "dim": self.dim}

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, batch_size: Optional[int] = None,
                 progress: Optional[bool] = None) -> torch.Tensor:
        """Features (N, dim) float32 on the CPU of (N, 3, H, W) images (uint8, or float in [-1, 1]).

        Args:
            images: the images; float ones are rounded to uint8 first (see the module docstring).
            batch_size: images per forward pass (default: the extractor's).
            progress: show a tqdm bar; default: only when there is more than one batch.
        """
        images = check_images(images)
        bs = batch_size or self.batch_size
        n = images.shape[0]
        show = n > bs if progress is None else progress
        out = []
        for start in tqdm(range(0, n, bs), desc=f"features ({self.name})", disable=not show, leave=False):
            out.append(self._embed_uint8(quantize(images[start:start + bs])).float().cpu())
        return torch.cat(out) if out else torch.empty(0, self.dim)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, id={self.cache_id!r})"


def _inception_class():
    """torch-fidelity's InceptionV3 with random-init support (an empty state dict keeps the initialisation)."""
    try:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    except ImportError as err:  # torch-fidelity comes with the "metrics" extra
        raise ImportError("the 'inception' extractor needs torch-fidelity: pip install 'gancl[metrics]'") from err

    class _InceptionV3(FeatureExtractorInceptionV3):
        def load_state_dict(self, state_dict, strict=True, assign=False):
            if not state_dict:  # constructor call with the empty placeholder: keep the random initialisation
                return torch.nn.modules.module._IncompatibleKeys([], [])
            return super().load_state_dict(state_dict, strict=strict, assign=assign)

    return _InceptionV3


def find_inception_weights(weights_path: Optional[str | os.PathLike] = None) -> Path:
    """Where the Inception weights are: the argument, else ``$GANCL_INCEPTION_WEIGHTS``, else the torch hub cache.

    Raises:
        MissingWeightsError: naming the file, the places looked at, and where to fetch it on a connected machine.
    """
    hub_file = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE
    if weights_path is not None:
        candidates = [Path(weights_path).expanduser()]
    elif os.environ.get(INCEPTION_ENV):
        candidates = [Path(os.environ[INCEPTION_ENV]).expanduser()]
    else:
        candidates = [hub_file]
    for path in candidates:
        if path.is_file():
            return path
    raise MissingWeightsError(
        f"Inception weights not found (looked at: {', '.join(str(p) for p in candidates)}). gancl never downloads "
        f"weights. Put torch-fidelity's file {INCEPTION_WEIGHTS_FILE} at {hub_file}, or point {INCEPTION_ENV} (or "
        f"weights_path=...) at it. On a machine with internet access, fetch it from {INCEPTION_WEIGHTS_URL} and "
        "copy it over. Without it, use get_extractor('domain', ...) for offline features (tables then say "
        "'FD (domain)', not 'FID')."
    )


class InceptionExtractor(FeatureExtractor):
    """TF-ported InceptionV3 pool3 features (2048-d), the network behind FID and KID (Heusel et al. 2017).

    Uses torch-fidelity's port of the 2015-12-05 TensorFlow graph. Inputs are resized to 299 px with torch-fidelity's
    TF1-compatible bilinear resize (no antialiasing), which is what the reference TF implementation does;
    torchmetrics >= 1.8 defaults to an antialiased resize instead and gives slightly different numbers.

    Args:
        device: where the network runs.
        weights_path: the weights file; see :func:`find_inception_weights` for the search order.
        pretrained: False builds the same architecture with random weights (tests of the pipeline only; the
            features mean nothing and ``cache_id`` is None so nothing is cached from them).
        batch_size: images per forward pass.
    """

    name = "inception"
    dim = 2048
    size = 299

    def __init__(self, device="cpu", weights_path=None, pretrained: bool = True, batch_size: int = 64):
        self.device = torch.device(device)
        self.batch_size = batch_size
        state = None
        if pretrained:
            path = find_inception_weights(weights_path)
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as err:
                raise MissingWeightsError(f"could not read Inception weights from {path} ({err}); the file should be "
                                          f"{INCEPTION_WEIGHTS_FILE} from {INCEPTION_WEIGHTS_URL}") from err
        placeholder = io.BytesIO()
        torch.save({}, placeholder)
        placeholder.seek(0)
        self.net = _inception_class()("inception-v3-compat", ["2048"], feature_extractor_weights_path=placeholder)
        if state is not None:
            self.net.load_state_dict(state)
        self.net.to(self.device).eval().requires_grad_(False)
        self.cache_id = "inception-tf2015" if pretrained else None

    def _embed_uint8(self, images: torch.Tensor) -> torch.Tensor:
        # torch-fidelity's own forward: uint8 in, TF1 bilinear resize to 299, (x - 128) / 128, pool3.
        return self.net(images.to(self.device))[0]

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Differentiable pool3 features of float images in [-1, 1]; same steps as torch-fidelity's forward."""
        from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

        x = (images.to(self.device, torch.float32) + 1.0) * 127.5
        x = interpolate_bilinear_2d_like_tensorflow1x(x, size=(self.size, self.size), align_corners=False)
        x = (x - 128) / 128
        n = self.net
        for layer in (n.Conv2d_1a_3x3, n.Conv2d_2a_3x3, n.Conv2d_2b_3x3, n.MaxPool_1, n.Conv2d_3b_1x1,
                      n.Conv2d_4a_3x3, n.MaxPool_2, n.Mixed_5b, n.Mixed_5c, n.Mixed_5d, n.Mixed_6a, n.Mixed_6b,
                      n.Mixed_6c, n.Mixed_6d, n.Mixed_6e, n.Mixed_7a, n.Mixed_7b, n.Mixed_7c, n.AvgPool):
            x = layer(x)
        return torch.flatten(x, 1)


def get_extractor(name, device="cpu", **kw) -> FeatureExtractor:
    """The feature extractor called ``name`` ("inception" or "domain"); an extractor object is returned as is.

    Keyword arguments go to the extractor: for "inception" ``weights_path``, ``pretrained``, ``batch_size``
    (see :class:`InceptionExtractor`); for "domain" ``dataset``, ``resolution``, ``seed``, ``config``,
    ``data_dir``, ``batch_size``, ``progress`` (see :func:`gancl.metrics.domain.domain_extractor`).
    """
    if isinstance(name, FeatureExtractor):
        return name
    if name == "inception":
        return InceptionExtractor(device=device, **kw)
    if name == "domain":
        from gancl.metrics.domain import domain_extractor

        return domain_extractor(device=device, **kw)
    raise ValueError(f"unknown feature extractor {name!r}; expected 'inception' or 'domain' (or an extractor object)")


def extractor_for(name, dataset: str, resolution: int, data_dir=None, device="cpu",
                  progress: bool = True) -> FeatureExtractor:
    """:func:`get_extractor` for images of ``dataset`` at ``resolution``: the "domain" extractor is the one trained
    on those images; "inception" (and an extractor object) does not depend on them."""
    if name == "domain":
        return get_extractor(name, device=device, dataset=dataset, resolution=resolution, data_dir=data_dir,
                             progress=progress)
    return get_extractor(name, device=device)
