"""The local ticket classifier: TF-IDF over character n-grams and words + a linear model.

Character n-grams (within word boundaries) make it indifferent to Swahili, English and the
mixed spelling of SMS ("vocha", "voucher", "vouchr"); the model is a logistic regression so it
gives a probability, which is the confidence. It is trained from the labelled set shipped in
``data/labelled.csv`` (plus, once agents correct tickets, their corrections: see the
``retrain_ticket_classifier`` command), with every random choice seeded: the same data gives
the same model and the same answers. No external service and no download at run time.

The held-out quarter is chosen by *template* (the ``template`` column groups a phrasing and its
variants), so the accuracy measured is on phrasings the model never saw.
"""

from __future__ import annotations

import csv
import hashlib
import pickle
import re
import threading
from dataclasses import dataclass
from html import escape
from pathlib import Path

from django.conf import settings
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, Pipeline

from .choices import CATEGORY_SLUGS, PRIORITY_ORDER, Priority

DATA = Path(__file__).resolve().parent / "data" / "labelled.csv"
# Below this probability the ticket goes to the triage queue instead of being routed.
CONFIDENCE_THRESHOLD = 0.45
MAX_CHARS = 2000  # the classifier reads the start of a long text only

# Words that raise a ticket's priority one step (English and Swahili).
URGENT_WORDS = re.compile(
    r"\b(urgent|haraka|emergency|dharura|whole (area|site)|everyone|wote|since yesterday|"
    r"tangu jana)\b",
    re.IGNORECASE,
)
BASE_PRIORITY = {
    "no_connection": Priority.HIGH,
    "equipment": Priority.HIGH,
    "paid_no_voucher": Priority.HIGH,
    "voucher_not_working": Priority.NORMAL,
    "slow_connection": Priority.NORMAL,
    "billing_refund": Priority.NORMAL,
    "account_login": Priority.NORMAL,
    "complaint": Priority.NORMAL,
    "other": Priority.LOW,
}


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    template: str = ""


@dataclass(frozen=True)
class Prediction:
    category: str
    priority: str
    confidence: float

    @property
    def needs_triage(self) -> bool:
        return self.confidence < CONFIDENCE_THRESHOLD


def load_examples(path: Path = DATA) -> list[Example]:
    with path.open(newline="", encoding="utf-8") as f:
        return [Example(r["text"], r["category"], r.get("template", "")) for r in csv.DictReader(f)]


def is_held_out(example: Example) -> bool:
    """A quarter of the templates of each category (by a stable hash when there is none)."""
    key = example.template or example.text
    if example.template and example.template[-2:].isdigit():
        return int(example.template[-2:]) % 4 == 3
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 4 == 3


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not is_held_out(e)]
    held = [e for e in examples if is_held_out(e)]
    return train, held


def normalise(text: str) -> str:
    return " ".join(text[:MAX_CHARS].lower().split())


def build_pipeline():
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
                ),
            ),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ]
    )
    model = LogisticRegression(C=10.0, max_iter=2000, random_state=0)
    return Pipeline([("features", features), ("model", model)])


def train(examples: list[Example]):
    pipeline = build_pipeline()
    pipeline.fit([normalise(e.text) for e in examples], [e.category for e in examples])
    return pipeline


def evaluate(pipeline, held_out: list[Example]) -> dict:
    """Accuracy, per-category precision/recall and the confusion matrix on ``held_out``."""
    truth = [e.category for e in held_out]
    guess = list(pipeline.predict([normalise(e.text) for e in held_out]))
    labels = sorted(set(truth) | set(guess))
    precision, recall, _f1, support = precision_recall_fscore_support(
        truth, guess, labels=labels, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(truth, guess)),
        "labels": labels,
        "per_category": {
            label: {"precision": float(p), "recall": float(r), "support": int(n)}
            for label, p, r, n in zip(labels, precision, recall, support, strict=True)
        },
        "confusion": confusion_matrix(truth, guess, labels=labels).tolist(),
    }


def confusion_svg(report: dict) -> str:
    """The confusion matrix of ``evaluate`` as a small SVG picture (rows: truth, columns:
    the classifier's answer; darker = more)."""
    labels, matrix = report["labels"], report["confusion"]
    cell, left, top = 34, 170, 170
    size_w, size_h = left + cell * len(labels) + 10, top + cell * len(labels) + 40
    peak = max(max(row) for row in matrix) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_w}" height="{size_h}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="{left}" y="14">accuracy {report["accuracy"]:.3f} (rows: truth)</text>',
    ]
    for i, label in enumerate(labels):
        y = top + i * cell + cell / 2 + 4
        x = left + i * cell + cell / 2
        parts.append(f'<text x="{left - 6}" y="{y}" text-anchor="end">{escape(label)}</text>')
        parts.append(
            f'<text x="{x}" y="{top - 6}" transform="rotate(-60 {x} {top - 6})">'
            f"{escape(label)}</text>"
        )
        for j, count in enumerate(matrix[i]):
            shade = int(255 - 200 * count / peak)
            colour = f"rgb({shade},{shade},255)"
            parts.append(
                f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell}" '
                f'height="{cell}" fill="{colour}" stroke="#999"/>'
            )
            if count:
                parts.append(
                    f'<text x="{left + j * cell + cell / 2}" y="{y}" '
                    f'text-anchor="middle">{count}</text>'
                )
    parts.append("</svg>")
    return "\n".join(parts)


def priority_for(category: str, text: str) -> str:
    base = BASE_PRIORITY.get(category, Priority.NORMAL)
    if URGENT_WORDS.search(text[:MAX_CHARS]):
        return PRIORITY_ORDER[min(PRIORITY_ORDER.index(base) + 1, len(PRIORITY_ORDER) - 1)]
    return base


def predict(pipeline, text: str) -> Prediction:
    probabilities = pipeline.predict_proba([normalise(text)])[0]
    best = int(probabilities.argmax())
    category = str(pipeline.classes_[best])
    return Prediction(
        category=category,
        priority=str(priority_for(category, text)),
        confidence=round(float(probabilities[best]), 4),
    )


# --- the model in use -------------------------------------------------------------------------
_lock = threading.Lock()
_model = None
_model_mtime: float | None = None  # of the file _model came from (None: the shipped one)
_shipped = None  # trained from the shipped set: same data, same model, kept per process


def model_path() -> Path:
    return Path(settings.VAR_DIR) / "support" / "ticket_classifier.pickle"


def save(pipeline, path: Path | None = None) -> Path:
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(pipeline))
    tmp.replace(path)
    return path


def current():
    """The trained model: the one the retrain job saved (reloaded when the job saves a newer
    one, e.g. in another process), else trained from the shipped set (once per process)."""
    global _model, _model_mtime
    with _lock:
        path = model_path()
        mtime = path.stat().st_mtime if path.exists() else None
        if _model is None or mtime != _model_mtime:
            # the retrained model is our own file, written by save() under VAR_DIR
            _model = pickle.loads(path.read_bytes()) if mtime else shipped_model()  # noqa: S301
            _model_mtime = mtime
        return _model


def shipped_model():
    global _shipped
    if _shipped is None:
        _shipped = train(load_examples())
    return _shipped


def reset() -> None:
    global _model, _model_mtime
    with _lock:
        _model = None
        _model_mtime = None


def classify(text: str) -> Prediction:
    if not text.strip():
        return Prediction(category="other", priority=Priority.LOW, confidence=0.0)
    return predict(current(), text)


assert set(BASE_PRIORITY) == set(CATEGORY_SLUGS)
