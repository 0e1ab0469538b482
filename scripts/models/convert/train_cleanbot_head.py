"""Trains the clean-bot's heads on e5 vectors and writes them as one ONNX Gemm.

    python3 train_cleanbot_head.py <out-dir> <features.json>

features.json (written by the recipe's prepare step): the label names and, per labelled line, its
id, theme, split and unit-length e5 vector. Only the train split is used to fit; the dev split
is scored for metrics.json and never seen by the fit or by the choice of regularisation.

Per label: L2-regularised logistic regression with balanced class weights (threats and sexual
remarks are a few dozen lines), fitted by Newton's method in float64, so the result is the same on
every machine. The regularisation per label is chosen by leave-one-theme-out cross-validation on
the train split (themes stand in for authors: a line's neighbours in style are in its own fold).
Features are standardised with the train mean and deviation, folded back into the Gemm's weights.
"""
import json
import os
import sys

# One BLAS thread: the fit is small, and on a busy machine more threads only contend.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

OPSET = 17
# Strongest first: each fit starts from the previous one's solution (same fold), which it is near.
GRID = [300.0, 100.0, 30.0, 10.0, 3.0]


def fit(x, y, lam, start=None, iters=30):
    """Weighted L2 logistic regression (intercept not penalised), Newton steps."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    pos = max(y.sum(), 1.0)
    neg = max(n - y.sum(), 1.0)
    w = np.where(y > 0.5, n / (2 * pos), n / (2 * neg))
    reg = np.full(d + 1, lam)
    reg[-1] = 0.0
    beta = np.zeros(d + 1) if start is None else start.copy()
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xb @ beta)))
        g = xb.T @ (w * (p - y)) + reg * beta
        h = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(h, g)
        beta -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return beta


def predict(x, beta):
    return 1.0 / (1.0 + np.exp(-(x @ beta[:-1] + beta[-1])))


def prf(y, pred):
    tp = float(np.sum((pred == 1) & (y == 1)))
    fp = float(np.sum((pred == 1) & (y == 0)))
    fn = float(np.sum((pred == 0) & (y == 1)))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "positives": int(y.sum()), "lines": int(len(y))}


def logloss(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main(out_dir, features_path):
    with open(features_path, encoding="utf-8") as f:
        data = json.load(f)
    labels = data["labels"]
    lines = data["lines"]
    x_all = np.array([l["x"] for l in lines], dtype=np.float64)
    y_all = np.array([l["y"] for l in lines], dtype=np.float64)
    split = np.array([l["split"] for l in lines])
    themes = np.array([l["theme"] for l in lines])
    tr, dev = split == "train", split == "dev"
    x, y, th = x_all[tr], y_all[tr], themes[tr]
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mu) / sd
    z_dev = (x_all[dev] - mu) / sd
    folds = sorted(set(th))

    coefs, biases, chosen, cv, oofs = [], [], {}, {}, []
    for k, label in enumerate(labels):
        best = None
        starts = {}
        for lam in GRID:
            oof = np.zeros(len(y))
            for t in folds:
                hold = th == t
                starts[t] = fit(z[~hold], y[~hold, k], lam, starts.get(t))
                oof[hold] = predict(z[hold], starts[t])
            loss = logloss(y[:, k], oof)
            if best is None or loss < best[0] - 1e-12:
                best = (loss, lam, oof)
        loss, lam, oof = best
        chosen[label] = lam
        oofs.append(oof)
        cv[label] = {**prf(y[:, k], (oof >= 0.5).astype(int)), "logloss": round(loss, 4)}
        beta = fit(z, y[:, k], lam)
        coefs.append(beta[:-1])
        biases.append(beta[-1])
        print(f"{label}: lambda {lam:g}, leave-one-theme-out {cv[label]}", flush=True)

    # How the labels' probabilities become one score, compared on the same out-of-fold predictions
    # (the moderator uses "mean"; see embedding-head-classifier.ts).
    oof_all = np.stack(oofs, axis=1)
    harm = oof_all[:, 1:].max(axis=1)
    rules = {"toxic": oof_all[:, 0], "max": np.maximum(oof_all[:, 0], harm), "mean": (oof_all[:, 0] + harm) / 2}
    score_rules = {name: prf(y[:, 0], (v >= 0.5).astype(int)) for name, v in rules.items()}
    for name, m in score_rules.items():
        print(f"score rule {name}: leave-one-theme-out {m}", flush=True)

    coef = np.stack(coefs, axis=1)  # [d, K] on standardised features
    bias = np.array(biases)
    w_raw = coef / sd[:, None]
    b_raw = bias - mu @ w_raw
    dev_metrics = {}
    logits_dev = z_dev @ coef + bias
    for k, label in enumerate(labels):
        dev_metrics[label] = prf(y_all[dev, k], (logits_dev[:, k] >= 0).astype(int))
    p_dev = 1 / (1 + np.exp(-logits_dev))
    dev_metrics["score (mean rule)"] = prf(y_all[dev, 0], ((p_dev[:, 0] + p_dev[:, 1:].max(axis=1)) / 2 >= 0.5).astype(int))
    print(f"dev (held-out themes {', '.join(sorted(set(themes[dev].tolist())))}): toxic {dev_metrics['toxic']}")

    dim = x.shape[1]
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["embedding", "W", "B"], ["logits"])],
        "cleanbot_e5_head",
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(labels)])],
        [numpy_helper.from_array(w_raw.astype(np.float32), "W"), numpy_helper.from_array(b_raw.astype(np.float32), "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="lightbox-models-build")
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    onnx.save(model, onnx_path)

    # The graph must give what the fit gives, on every labelled line.
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = sess.run(["logits"], {"embedding": x_all.astype(np.float32)})[0]
    want = ((x_all - mu) / sd) @ coef + bias
    worst = float(np.max(np.abs(got - want)))
    if worst > 1e-3:
        raise SystemExit(f"the ONNX head differs from the fit by {worst:.2e}")
    print(f"onnx check ok (worst logit difference {worst:.1e} over {len(x_all)} lines)")

    metrics = {
        "labels": labels,
        "embedder": data["embedder"],
        "trainLines": int(tr.sum()),
        "devLines": int(dev.sum()),
        "trainThemes": [str(t) for t in folds],
        "devThemes": sorted(set(themes[dev].tolist())),
        "lambda": chosen,
        "leaveOneThemeOut": cv,
        "scoreRulesLeaveOneThemeOut": score_rules,
        "dev": dev_metrics,
        "threshold": 0.5,
    }
    with open(os.path.join(out_dir, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
