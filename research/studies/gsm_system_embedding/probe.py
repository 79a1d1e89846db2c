"""Can a linear probe on the model's hidden states tell GSM-Sys from GSM8K? (see plan.md)

    pip install scikit-learn   # not a reasoner dependency; this check only
    python -m research.studies.gsm_system_embedding.probe embed   # ~2,100 forward passes, resumable
    python -m research.studies.gsm_system_embedding.probe fit     # cross-validate on the fit half, then estimate
    python -m research.studies.gsm_system_embedding.probe fit --export reasoner/routing/probes/qwen2.5-coder-1.5b.json

`embed` runs the default model (llama.cpp, embedding mode) over each development
question once and keeps two features per question, the mean and the last token's
hidden state. They are saved every 25 questions under the reasoner cache
(``<cache>/followup/gsm-system-embedding.npz``), and a rerun carries on from there.
`fit` follows plan.md: it chooses the pooling, C and the threshold by 5-fold
cross-validation on the fit half, refits, and reports the gain once on the estimate half.
``--export`` also writes that probe (fitted on the fit half, as measured) in the form
``reasoner.routing.probe`` reads, with the scaler folded into the weights and a few
estimate-half questions and their scores, by which a test checks that the engine reads
the same hidden states as this script did.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from reasoner.catalog import DEFAULT_MODEL, require
from reasoner.paths import home
from reasoner.routing import RulesRouter
from research.benchmarks.router_population import dev_pools
from research.routing.labelled import resolve_data_dir

GSM8K_DRAWN = 1600
WEIGHTS = {"gsm_system": 10, "gsm8k": 20}
"""Items per group in tests/data/route_labels.yaml."""
POOLINGS = ("mean", "last")
CS = (0.01, 0.1, 1.0)
THRESHOLDS = np.arange(0.5, 0.99, 0.02)
PREFIX = "Question: "


def items(data_dir: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The questions, their labels (1 = GSM-Sys) and their halves (True = fit), fixed by plan.md's seeds."""
    (_, gsm_system, _), (_, gsm8k, _) = dev_pools(data_dir)
    gsm8k = random.Random(2).sample(gsm8k, GSM8K_DRAWN)
    questions, labels, fit = [], [], []
    for label, pool in ((1, gsm_system), (0, gsm8k)):
        order = random.Random(3).sample(range(len(pool)), len(pool))
        first_half = set(order[: len(pool) // 2])
        for index, question in enumerate(pool):
            questions.append(question)
            labels.append(label)
            fit.append(index in first_half)
    return questions, np.array(labels), np.array(fit)


def store() -> Path:
    return home() / "followup" / "gsm-system-embedding.npz"


def embed(questions: list[str]) -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp

    path = store()
    path.parent.mkdir(parents=True, exist_ok=True)
    done = dict(np.load(path)) if path.exists() else {}
    mean = done.get("mean", np.zeros((0, 0), np.float32))
    last = done.get("last", np.zeros((0, 0), np.float32))
    seconds = list(done.get("seconds", []))
    if len(seconds) >= len(questions):
        print(f"all {len(questions)} questions already embedded in {path}")
        return
    llm = llama_cpp.Llama(model_path=str(require(DEFAULT_MODEL)), embedding=True, pooling_type=0,
                          n_ctx=1024, n_threads=os.cpu_count() or 1, n_threads_batch=os.cpu_count() or 1,
                          verbose=False)
    means, lasts = list(mean), list(last)
    for index in range(len(seconds), len(questions)):
        began = time.perf_counter()
        states = np.asarray(llm.embed(PREFIX + questions[index].strip()), dtype=np.float32)
        seconds.append(time.perf_counter() - began)
        means.append(states.mean(axis=0))
        lasts.append(states[-1])
        if (index + 1) % 25 == 0 or index + 1 == len(questions):
            partial = path.with_suffix(".partial.npz")
            np.savez(partial, mean=np.array(means), last=np.array(lasts), seconds=np.array(seconds))
            partial.replace(path)
            print(f"{index + 1}/{len(questions)} embedded, median {statistics.median(seconds):.2f} s", flush=True)


def gain(scores: np.ndarray, threshold: float, labels: np.ndarray, routes: np.ndarray) -> tuple[float, float, float]:
    """Items gained on a 110-item set weighted like the test set when the probe's positives
    among python routes go to sympy; and the new GSM-Sys -> sympy and GSM8K -> python shares."""
    moved = np.where((routes == "python") & (scores >= threshold), "sympy", routes)
    recall, kept = (routes[labels == 1] == "sympy").mean(), (routes[labels == 0] == "python").mean()
    new_recall, new_kept = (moved[labels == 1] == "sympy").mean(), (moved[labels == 0] == "python").mean()
    items_gained = WEIGHTS["gsm_system"] * (new_recall - recall) + WEIGHTS["gsm8k"] * (new_kept - kept)
    return float(items_gained), float(new_recall), float(new_kept)


def fit(questions: list[str], labels: np.ndarray, halves: np.ndarray, export: Path | None) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import StandardScaler

    saved = np.load(store())
    if len(saved["seconds"]) < len(questions):
        sys.exit(f"only {len(saved['seconds'])} of {len(questions)} embedded; run `probe.py embed` first")
    router = RulesRouter()
    routes = np.array([router.route(question).backend for question in questions])

    def probe(c: float) -> Pipeline:
        return make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000))

    fit_labels, fit_routes = labels[halves], routes[halves]
    print(f"fit half: {fit_labels.sum()} GSM-Sys + {(fit_labels == 0).sum()} GSM8K; rules: "
          f"GSM-Sys -> sympy {(fit_routes[fit_labels == 1] == 'sympy').mean():.1%}, "
          f"GSM8K -> python {(fit_routes[fit_labels == 0] == 'python').mean():.1%}")
    best = (-np.inf, "", 0.0, 0.0)
    for pooling in POOLINGS:
        features = saved[pooling][halves]
        for c in CS:
            scores = np.zeros(len(fit_labels))
            for train, held in StratifiedKFold(5, shuffle=True, random_state=0).split(features, fit_labels):
                model = probe(c).fit(features[train], fit_labels[train])
                scores[held] = model.predict_proba(features[held])[:, 1]
            gains = [(gain(scores, t, fit_labels, fit_routes)[0], t) for t in THRESHOLDS]
            top, threshold = max(gains)
            print(f"  {pooling:4} C={c:<5} AUC {roc_auc_score(fit_labels, scores):.3f}  "
                  f"best threshold {threshold:.2f}: {top:+.2f} items")
            best = max(best, (top, pooling, c, float(threshold)))
    _, pooling, c, threshold = best
    print(f"fixed: {pooling} pooling, C={c}, threshold {threshold:.2f}")

    model = probe(c).fit(saved[pooling][halves], fit_labels)
    held_labels, held_routes = labels[~halves], routes[~halves]
    scores = model.predict_proba(saved[pooling][~halves])[:, 1]
    items_gained, recall, kept = gain(scores, threshold, held_labels, held_routes)
    print(f"estimate half: {held_labels.sum()} GSM-Sys + {(held_labels == 0).sum()} GSM8K; "
          f"AUC {roc_auc_score(held_labels, scores):.3f}")
    print(f"  rules: GSM-Sys -> sympy {(held_routes[held_labels == 1] == 'sympy').mean():.1%}, "
          f"GSM8K -> python {(held_routes[held_labels == 0] == 'python').mean():.1%}")
    print(f"  rules + probe: GSM-Sys -> sympy {recall:.1%}, GSM8K -> python {kept:.1%}")
    print(f"  gain {items_gained:+.2f} items of 110 (the rule asks for +1.5)")
    print(f"  median seconds per embedding {statistics.median(saved['seconds']):.2f} (the rule asks for <= 3)")
    if export is not None:
        if pooling != "last":
            sys.exit("the runtime probe reads the last token's state; this fit chose mean pooling")
        scaler, regression = model[0], model[-1]
        weights = regression.coef_[0] / scaler.scale_
        bias = float(regression.intercept_[0] - (weights * scaler.mean_).sum())
        held = np.flatnonzero(~halves)
        checks = [int(i) for label in (1, 0) for i in held[labels[held] == label][:2]]
        record = {
            "engine": f"llamacpp/{DEFAULT_MODEL}",
            "source": "python",
            "target": "sympy",
            "prefix": PREFIX,
            "threshold": round(threshold, 2),
            "bias": round(bias, 6),
            "weights": [float(f"{w:.6g}") for w in weights],
            "checks": [{"question": questions[i], "score": round(float(model.predict_proba(
                saved[pooling][i: i + 1])[0, 1]), 4)} for i in checks],
            "fitted_by": "python -m research.studies.gsm_system_embedding.probe fit --export " + str(export),
        }
        export.write_text(json.dumps(record, indent=1) + "\n")
        print(f"wrote {export}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("embed", "fit"))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--export", type=Path, default=None, help="fit: also write the probe here")
    args = parser.parse_args()
    questions, labels, halves = items(resolve_data_dir(args.data_dir))
    if args.step == "embed":
        embed(questions)
    else:
        fit(questions, labels, halves, args.export)


if __name__ == "__main__":
    main()
