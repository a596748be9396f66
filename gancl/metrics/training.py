"""Measurements the trainer takes as a run goes, written to its history (the columns of
:mod:`gancl.metrics.diagnostics`, which reads them back): D's logit statistics per output, authenticity accuracy
on training reals, held-out reals and fakes, D's spectral norms (ContraGAN Fig. 3), and FD over time."""

from __future__ import annotations

from typing import Optional

import torch

from gancl.data import to_float


def logit_statistics_row(outputs: dict) -> dict:
    """``logits/<output>/<kind>/{mean,std}`` of D's last outputs, ``outputs``: kind ("real", "fake") -> DOutput.
    ``<output>`` is "final" and, for a multi-scale D (MsConD Fig. 2), each branch's height."""
    row = {}
    for kind, out in outputs.items():
        logits = {"final": out.logits}
        logits.update({str(k): v for k, v in out.scale_logits.items() if str(k) != "1"})
        for name, v in logits.items():
            v = v.detach().float().flatten()
            row[f"logits/{name}/{kind}/mean"] = float(v.mean())
            row[f"logits/{name}/{kind}/std"] = float(v.std()) if v.numel() > 1 else 0.0
    return row


def layer_spectral_norms(module: torch.nn.Module) -> dict:
    """Largest singular value of every weight of ``module`` before spectral normalisation (ContraGAN Fig. 3).

    Reads ``parametrizations.weight.original`` (torch's parametrised spectral norm) or ``weight_orig`` (the hook
    version), else the plain weight; conv kernels are flattened to (out, in*k*k).
    """
    out = {}
    for name, mod in module.named_modules():
        if hasattr(mod, "parametrizations") and hasattr(mod.parametrizations, "weight"):
            w = mod.parametrizations.weight.original
        elif hasattr(mod, "weight_orig"):
            w = mod.weight_orig
        elif isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            w = mod.weight
        else:
            continue
        if w is None or w.dim() < 2:
            continue
        with torch.no_grad():
            out[name or "root"] = float(torch.linalg.matrix_norm(w.detach().float().flatten(1), ord=2))
    return out


@torch.no_grad()
def authenticity_accuracy(D, G, train_set, val_set, n: int, generator: torch.Generator, num_classes: int,
                          with_refs: bool, device, dtype=torch.float32) -> dict:
    """ContraGAN Fig. 3's accuracies: the share of the first ``n`` training reals and held-out reals that D calls
    real (logit > 0), and of ``n`` fakes of G that it calls fake. Latents, labels and reference images come from
    ``generator`` (reseed it for each call, so curves compare like with like); D runs in eval mode (restored)."""
    was_training = D.training
    D.eval()
    train_x = to_float(train_set.images[:n]).to(device, dtype)
    val_x = to_float(val_set.images[:n]).to(device, dtype)
    y_train, y_val = train_set.labels[:n].to(device), val_set.labels[:n].to(device)
    z = torch.randn(n, G.z_dim, generator=generator).to(device, dtype)
    y_fake = torch.randint(max(num_classes, 1), (n,), generator=generator).to(device)
    cond = num_classes > 0
    fake = G(z, y_fake if cond else None)
    refs = None
    if with_refs:
        refs = to_float(train_set.images[torch.randint(len(train_set), (n,), generator=generator)]).to(device, dtype)

    def logits(x, y):
        r = None if refs is None else refs[: x.shape[0]]
        return D(x, y if cond else None, ref=r).logits.float().flatten()

    row = {"acc/train_real": float((logits(train_x, y_train) > 0).float().mean()),
           "acc/val_real": float((logits(val_x, y_val) > 0).float().mean()),
           "acc/fake": float((logits(fake, y_fake) < 0).float().mean())}
    D.train(was_training)
    return row


class SampleMetricsOverTime:
    """The sample metrics of a generator, taken repeatedly as it trains: FD (ContraGAN Fig. 3), precision and recall
    (k = 3, Kynkaanniemi et al. 2019) against the held-out split of the run's data, and class consistency for a
    conditional generator measured in the domain classifier (the calibration page's curves). The same real split,
    extractor, sample count and sample seed as the run's final "metrics" evaluation (:meth:`RunResult.evaluate`)
    when ``count`` equals its ``n``, so a curve ends on the value the page's table shows. The extractor and the real
    statistics are built once (the first time may train the domain classifier) and cached on disk; samples use a
    fixed seed, so successive values compare the generator, not the sampling.

    ``curves`` adds the gates of the data sets whose gate is not a sample metric: "objects"
    (:func:`gancl.metrics.evaluate_objects` on multi-object scenes: ``eval/recognised_ratio``, ``eval/object_fd``)
    and "memorisation" (:func:`gancl.metrics.memorisation` of the run's training subset: ``eval/memorised_share``),
    each on ``count`` samples, as the pages' "objects" and "memorisation" evaluations measure them.
    """

    def __init__(self, data, extractor: str, count: int, device, curves: tuple = ()):
        self.data, self.extractor_name, self.count, self.device = data, extractor, count, device
        self.curves = tuple(curves)
        self._extractor = None

    def reference(self):
        """The held-out statistics (and the extractor, built on first use)."""
        from gancl.metrics import extractor_for, real_stats

        d = self.data
        with self._own_rng():
            if self._extractor is None:
                self._extractor = extractor_for(self.extractor_name, d.name, d.resolution, d.data_dir, self.device,
                                                progress=False)
            return real_stats(d.name, d.resolution, "val", self._extractor, None, self.device, d.data_dir, d.seed,
                              progress=False)

    def __call__(self, G) -> dict:
        """``{"eval/fd", "eval/precision", "eval/recall"[, "eval/class_consistency"]}`` of ``count`` samples of
        ``G`` (precision and recall only when the real features are stored with their statistics; class consistency
        only for a conditional ``G`` under the domain classifier). Not under no_grad: the first call may train the
        domain classifier."""
        with self._own_rng():
            return self._measure(G)

    def _own_rng(self):
        """Measurements leave the global RNG as they found it: building the extractor (on the first use in a
        process) initialises a network and may train it, which would shift every later draw of the run (StyleGAN2's
        noise inputs), so a run resumed from a checkpoint, whose process builds it again, would not continue the
        uninterrupted run."""
        device = torch.device(self.device)
        return torch.random.fork_rng(devices=[device] if device.type == "cuda" else [])

    def _measure(self, G) -> dict:
        from gancl.metrics import DomainExtractor, feature_statistics, frechet_distance, generate_features
        from gancl.metrics.evaluate import class_consistency
        from gancl.metrics.prdc import precision_recall

        real = self.reference()
        conditional = (getattr(G, "num_classes", 0) or 0) > 0 and isinstance(self._extractor, DomainExtractor)
        feats, labels, predictions = generate_features(G, self._extractor, self.count, seed=0, device=self.device,
                                                       classifier=self._extractor if conditional else None,
                                                       progress=False)
        fake = feats.double().numpy()  # as evaluate_features takes them, so the last point equals the final evaluation
        row = {"eval/fd": frechet_distance(real.mu, real.sigma, *feature_statistics(fake))}
        if real.feats is not None:
            row["eval/precision"], row["eval/recall"] = precision_recall(real.feats, fake, 3)
        if conditional:
            row["eval/class_consistency"] = class_consistency(predictions, labels)
        return {**row, **self._further(G)}

    def _further(self, G) -> dict:
        from gancl.metrics import evaluate_objects, memorisation

        d, row = self.data, {}
        if "objects" in self.curves:
            record = evaluate_objects(G, d.name, d.resolution, n=self.count, data_dir=d.data_dir, device=self.device)
            row["eval/recognised_ratio"], row["eval/object_fd"] = record["recognised_ratio"], record["object_fd"]
        if "memorisation" in self.curves:
            row["eval/memorised_share"] = memorisation(G, d.name, d.resolution, d.count, n=self.count,
                                                       data_dir=d.data_dir, data_seed=d.seed,
                                                       device=self.device)["memorised_share"]
        return row
