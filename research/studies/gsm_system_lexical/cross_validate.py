"""How far the question's words alone can tell GSM-Sys from GSM8K (no model call).

    pip install scikit-learn   # not a reasoner dependency; this check only
    python -m research.studies.gsm_system_lexical.cross_validate [--data-dir ../shared/datasets]

The rules router sends about a quarter of GSM-Sys problems to sympy; the rest read
like GSM8K. Before writing more cues, this asks whether any word-based cue could do
much better: a TF-IDF + logistic-regression classifier, GSM-Sys (development items)
against GSM8K train (without the problems GSM-Sys took from it), 5-fold
cross-validated, so every prediction is for a question the classifier did not see.
It prints the ROC AUC and, for the best threshold, what sending the classifier's
positives to sympy would change in a labelled set weighted like the test set (10
GSM-Sys items, 20 GSM8K): items gained, counted on the development pools only.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from reasoner.routing import RulesRouter
from research.benchmarks.router_population import dev_pools
from research.routing.labelled import resolve_data_dir

WEIGHTS = {"gsm_system": 10, "gsm8k": 20}
"""Items per group in tests/data/route_labels.yaml."""
NUMBER = re.compile(r"\d[\d,.]*")


def words(text: str) -> str:
    """Lower case, every number the same token: the cue is the wording, not the values."""
    return NUMBER.sub(" 0 ", text.lower())


def out_of_fold(questions: list[str], labels: np.ndarray, c: float, ngrams: tuple[int, int]) -> np.ndarray:
    scores = np.zeros(len(questions))
    for train, held in StratifiedKFold(5, shuffle=True, random_state=0).split(questions, labels):
        vectoriser = TfidfVectorizer(preprocessor=words, ngram_range=ngrams, min_df=2, sublinear_tf=True)
        features = vectoriser.fit_transform([questions[i] for i in train])
        classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(features, labels[train])
        scores[held] = classifier.predict_proba(vectoriser.transform([questions[i] for i in held]))[:, 1]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    (_, gsm_system, _), (_, gsm8k, _) = dev_pools(resolve_data_dir(args.data_dir))
    questions = gsm_system + gsm8k
    labels = np.array([1] * len(gsm_system) + [0] * len(gsm8k))
    router = RulesRouter()
    routes = np.array([router.route(question).backend for question in questions])
    recall, kept = (routes[labels == 1] == "sympy").mean(), (routes[labels == 0] == "python").mean()
    print(f"rules router: GSM-Sys -> sympy {recall:.1%}, GSM8K -> python {kept:.1%}")
    for c in (0.3, 1.0, 3.0):
        for ngrams in ((1, 1), (1, 2), (1, 3)):
            scores = out_of_fold(questions, labels, c, ngrams)
            best = (-np.inf, 0.0, 0.0, 0.0)
            for threshold in np.arange(0.5, 0.99, 0.02):
                moved = np.where(scores >= threshold, "sympy", routes)
                new_recall = (moved[labels == 1] == "sympy").mean()
                new_kept = (moved[labels == 0] == "python").mean()
                gain = WEIGHTS["gsm_system"] * (new_recall - recall) + WEIGHTS["gsm8k"] * (new_kept - kept)
                best = max(best, (gain, threshold, new_recall, new_kept))
            gain, threshold, new_recall, new_kept = best
            print(f"C={c:<3} ngrams={ngrams}  AUC {roc_auc_score(labels, scores):.3f}  best threshold {threshold:.2f}: "
                  f"GSM-Sys {new_recall:.1%}, GSM8K {new_kept:.1%}, {gain:+.2f} items of 110")


if __name__ == "__main__":
    main()
