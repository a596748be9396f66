"""Embedded data sets that gancl generates itself: no download, deterministic to the byte.

Four data sets, each a pure function of (seed, split, index) and drawn by its own :class:`Layout`:

- ``shapes``: one object per image on a textured background; 10 classes = 5 shapes x 2 colour families
  (class = 2 * shape + family). Random position, size, rotation and colour within the family.
- ``scenes``: 2-6 objects (any of the 10 classes) drawn in order so later ones occlude earlier ones, on a cluttered
  background; each image knows its objects' classes and boxes (MsConD's object-level FD needs them).
- ``shapes_plain`` and ``scenes_plain``: the same objects made deliberately easier -- a flat background, larger
  upright objects nearer the centre, no shading; scenes of 2-3 objects. They test the calibration's question whether
  textured backgrounds are what keeps a small generator from learning the objects (issue 20): on ``shapes_plain`` a
  compact StyleGAN2 drew the same soft blobs after 4000 steps as on ``shapes`` (``benchmarks/data_difficulty.py``),
  so the pages keep the textured data. Their images are their own (a separate random stream), not simplified
  copies of the textured ones.

Images are rendered at twice the resolution and box-filtered down (anti-aliasing), in chunks of :data:`CHUNK` indices
that are cached on disk, so a count-limited subset only generates what it needs and ``count=100`` is a prefix of
``count=1000`` (nested n-shot subsets).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np

from gancl.paths import atomic_write, cache_dir

#: Bump when rendering changes, so stale caches are never read.
VERSION = 1
CHUNK = 2500
SHAPE_NAMES = ("circle", "square", "triangle", "cross", "ring")
FAMILY_NAMES = ("warm", "cool")
CLASS_NAMES = tuple(f"{f} {s}" for s in SHAPE_NAMES for f in FAMILY_NAMES)
NUM_CLASSES = len(CLASS_NAMES)
RESOLUTIONS = (16, 32, 64, 128)
SPLITS = {"train": 0, "val": 1}
MAX_OBJECTS = 6
#: Size of each split (indices beyond are an error: the n-shot ladder tops out here).
SPLIT_SIZE = {"train": 50_000, "val": 10_000}


@dataclass(frozen=True)
class Layout:
    """How an embedded data set draws one image; sizes and positions in units of the half image side.

    Attributes:
        objects: (min, max) objects per image, inclusive.
        size: (min, max) half-extent of an object.
        spread: object centres are uniform in [-spread, spread] on each axis.
        waves: sine waves summed into the background texture (0: a flat background).
        shading: linear shading gradients are uniform in [-shading, shading] on each axis of an object.
        rotation: object angles are uniform in [0, rotation] radians (2 pi: any angle; 0: upright).
        stream: the data set's random stream, so no two data sets share an image.
        single: the single-object data set whose classifier describes this one's objects (crops of a scene).
    """

    objects: tuple
    size: tuple
    spread: float
    waves: int
    shading: float
    rotation: float
    stream: int
    single: str

    @property
    def multi(self) -> bool:
        """Whether images may hold several objects (multi-label presence; per-object classes and boxes)."""
        return self.objects[1] > 1


#: The embedded data sets. A released row never changes: runs, domain classifiers and real statistics are cached
#: under the data set's name, so another layout is another name (and rendering changes bump :data:`VERSION`).
LAYOUTS = {
    "shapes": Layout(objects=(1, 1), size=(0.35, 0.65), spread=0.3, waves=3, shading=0.15, rotation=2 * np.pi,
                     stream=0, single="shapes"),
    "scenes": Layout(objects=(2, MAX_OBJECTS), size=(0.14, 0.32), spread=0.75, waves=5, shading=0.15,
                     rotation=2 * np.pi, stream=1, single="shapes"),
    "shapes_plain": Layout(objects=(1, 1), size=(0.5, 0.7), spread=0.15, waves=0, shading=0.0, rotation=0.0,
                           stream=2, single="shapes_plain"),
    "scenes_plain": Layout(objects=(2, 3), size=(0.24, 0.38), spread=0.6, waves=0, shading=0.0, rotation=0.0,
                           stream=3, single="shapes_plain"),
}


def layout(kind: str) -> Layout:
    """The :class:`Layout` of an embedded data set; ValueError names the known ones."""
    if kind not in LAYOUTS:
        raise ValueError(f"unknown embedded data set {kind!r}; expected one of {tuple(LAYOUTS)}")
    return LAYOUTS[kind]


@dataclass(frozen=True)
class _Params:
    """Per-image random parameters; arrays have one row per image (and per object slot for scenes)."""

    bg_colour: np.ndarray  # (B, 3) in [0, 1]
    bg_waves: np.ndarray  # (B, W, 4): amplitude, frequency, angle, phase
    obj_class: np.ndarray  # (B, K) int, -1 = empty slot
    obj_centre: np.ndarray  # (B, K, 2) in [-1, 1] (x, y)
    obj_size: np.ndarray  # (B, K) half-extent, in units of the half image
    obj_angle: np.ndarray  # (B, K)
    obj_colour: np.ndarray  # (B, K, 3)
    obj_shade: np.ndarray  # (B, K, 2) linear shading gradient


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB; inputs (...,), output (..., 3)."""
    i = np.floor(h * 6.0).astype(int) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack([np.stack(c, -1) for c in ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))])
    return np.take_along_axis(np.moveaxis(table, 0, -2), i[..., None, None], axis=-2)[..., 0, :]


def _draw_params(kind: str, seed: int, split: str, indices: np.ndarray) -> _Params:
    """Draw the parameters of each image from its own generator keyed by (seed, split, index, stream)."""
    lay = layout(kind)
    n, waves, k = len(indices), lay.waves, lay.objects[1]
    out = {
        "bg_colour": np.empty((n, 3)),
        "bg_waves": np.empty((n, waves, 4)),
        "obj_class": np.full((n, k), -1, dtype=np.int64),
        "obj_centre": np.zeros((n, k, 2)),
        "obj_size": np.zeros((n, k)),
        "obj_angle": np.zeros((n, k)),
        "obj_colour": np.zeros((n, k, 3)),
        "obj_shade": np.zeros((n, k, 2)),
    }
    family_hue = np.array([[-0.05, 0.14], [0.48, 0.70]])  # warm: red-yellow, cool: cyan-blue
    lo_count, hi_count = lay.objects
    for row, index in enumerate(indices):
        rng = np.random.default_rng([seed, SPLITS[split], int(index), lay.stream])
        out["bg_colour"][row] = _hsv_to_rgb(rng.uniform(0, 1), rng.uniform(0, 0.25), rng.uniform(0.3, 0.75))
        out["bg_waves"][row] = np.stack(
            [rng.uniform(0.03, 0.12, waves), rng.uniform(1, 6, waves), rng.uniform(0, np.pi, waves),
             rng.uniform(0, 2 * np.pi, waves)], -1)
        count = lo_count if lo_count == hi_count else int(rng.integers(lo_count, hi_count + 1))
        cls = rng.integers(0, NUM_CLASSES, count)
        out["obj_class"][row, :count] = cls
        out["obj_size"][row, :count] = rng.uniform(*lay.size, count)
        out["obj_centre"][row, :count] = rng.uniform(-lay.spread, lay.spread, (count, 2))
        out["obj_angle"][row, :count] = rng.uniform(0, lay.rotation, count)
        lo, hi = family_hue[cls % 2].T
        hue = (lo + (hi - lo) * rng.uniform(0, 1, count)) % 1.0
        out["obj_colour"][row, :count] = _hsv_to_rgb(hue, rng.uniform(0.65, 1.0, count), rng.uniform(0.7, 1.0, count))
        out["obj_shade"][row, :count] = rng.uniform(-lay.shading, lay.shading, (count, 2))
    return _Params(**out)


def _shape_mask(shape: int, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Inside-test of one shape in its own frame (unit half-extent), arrays of any equal shape -> bool."""
    if shape == 0:  # circle
        return px * px + py * py <= 1.0
    if shape == 1:  # square
        return np.maximum(np.abs(px), np.abs(py)) <= 0.8
    if shape == 2:  # equilateral triangle with vertices on the unit circle
        s3 = np.sqrt(3.0)
        return (py >= -0.5) & (s3 * px + py <= 1.0) & (-s3 * px + py <= 1.0)
    if shape == 3:  # cross
        ax, ay = np.abs(px), np.abs(py)
        return ((ax <= 0.3) & (ay <= 0.95)) | ((ay <= 0.3) & (ax <= 0.95))
    if shape == 4:  # ring
        r2 = px * px + py * py
        return (r2 <= 1.0) & (r2 >= 0.55 ** 2)
    raise ValueError(f"unknown shape index {shape}")


def _render(params: _Params, resolution: int) -> np.ndarray:
    """Render a chunk: (B, 3, R, R) uint8."""
    s = 2 * resolution  # render at 2x, box-filter down
    coords = (np.arange(s) + 0.5) / s * 2.0 - 1.0
    gx, gy = np.meshgrid(coords, coords, indexing="xy")  # (S, S); y grows downwards
    b = params.bg_colour.shape[0]
    amp, freq, ang, phase = (params.bg_waves[..., j][..., None] for j in range(4))  # (B, W, 1)
    # sin(u(x) + v(y)) = sin u cos v + cos u sin v: two outer products instead of a sine per pixel and wave.
    u = np.pi * freq * np.cos(ang) * coords + phase  # (B, W, S) along x
    v = np.pi * freq * np.sin(ang) * coords  # (B, W, S) along y
    texture = np.einsum("bwy,bwx->byx", amp * np.cos(v), np.sin(u)) + np.einsum("bwy,bwx->byx", amp * np.sin(v), np.cos(u))
    img = params.bg_colour[:, :, None, None] + texture[:, None]
    for slot in range(params.obj_class.shape[1]):
        cls = params.obj_class[:, slot]
        for shape in range(len(SHAPE_NAMES)):
            rows = np.nonzero((cls >= 0) & (cls // 2 == shape))[0]
            if rows.size == 0:
                continue
            cx, cy = params.obj_centre[rows, slot, 0, None, None], params.obj_centre[rows, slot, 1, None, None]
            size = params.obj_size[rows, slot, None, None]
            c, sn = np.cos(params.obj_angle[rows, slot])[:, None, None], np.sin(params.obj_angle[rows, slot])[:, None, None]
            dx, dy = (gx - cx) / size, (gy - cy) / size
            px, py = c * dx + sn * dy, -sn * dx + c * dy
            mask = _shape_mask(shape, px, py)  # (b, S, S)
            shade = 1.0 + params.obj_shade[rows, slot, 0, None, None] * px + params.obj_shade[rows, slot, 1, None, None] * py
            colour = params.obj_colour[rows, slot][:, :, None, None] * shade[:, None]
            img[rows] = np.where(mask[:, None], colour, img[rows])
    img = img.reshape(b, 3, resolution, 2, resolution, 2).mean((3, 5))
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def _boxes(params: _Params, resolution: int) -> np.ndarray:
    """Pixel boxes (x0, y0, x1, y1) of each object's extent, clipped to the image: (B, K, 4) float32."""
    half = resolution / 2.0
    c = (params.obj_centre + 1.0) * half  # (B, K, 2)
    r = params.obj_size[..., None] * half
    boxes = np.concatenate([c - r, c + r], -1)
    boxes = np.clip(boxes, 0, resolution)
    boxes[params.obj_class < 0] = 0
    return boxes.astype(np.float32)


def _chunk_path(kind: str, resolution: int, split: str, seed: int, chunk: int):
    key = f"{kind}-v{VERSION}-r{resolution}-{split}-s{seed}-c{chunk}-{CHUNK}"
    return cache_dir("data") / f"{key}.npz"


def _load_chunk(kind: str, resolution: int, split: str, seed: int, chunk: int) -> dict:
    path = _chunk_path(kind, resolution, split, seed, chunk)
    if path.exists():
        try:
            with np.load(path) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError):
            pass  # a truncated cache file is regenerated below
    indices = np.arange(chunk * CHUNK, (chunk + 1) * CHUNK)
    params = _draw_params(kind, seed, split, indices)
    data = {
        "images": _render(params, resolution),
        "obj_class": params.obj_class,
        "obj_boxes": _boxes(params, resolution),
    }
    buf = io.BytesIO()
    np.savez(buf, **data)
    atomic_write(path, buf.getvalue())  # concurrent readers never see half a file
    return data


def generate(kind: str, resolution: int, split: str = "train", count: int | None = None, seed: int = 0) -> dict:
    """The first ``count`` images of an embedded split.

    Returns a dict of numpy arrays: ``images`` (N, 3, R, R) uint8, ``obj_class`` (N, K) int64 (-1 = no object),
    ``obj_boxes`` (N, K, 4) float32 pixel boxes; K is the layout's most objects per image (1 for shapes, 6 for
    scenes, 3 for scenes_plain).
    """
    layout(kind)  # ValueError for an unknown data set
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution {resolution} is not available for {kind!r}; choose one of {RESOLUTIONS}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {tuple(SPLITS)}")
    size = SPLIT_SIZE[split]
    count = size if count is None else int(count)
    if not 0 < count <= size:
        raise ValueError(f"count must be in 1..{size} for the {split} split of {kind!r}, got {count}")
    chunks = [_load_chunk(kind, resolution, split, seed, c) for c in range((count + CHUNK - 1) // CHUNK)]
    return {k: np.concatenate([c[k] for c in chunks])[:count] for k in chunks[0]}


def fingerprint(images: np.ndarray) -> str:
    """A short hash of image bytes (used by tests and run records to pin a data set)."""
    return hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest()[:16]
