"""Small learned heads, numpy only: multinomial logistic regression fitted by Newton's
method (or L-BFGS when the features are many), saved as JSON (never pickled)."""

from __future__ import annotations

import json
import math

import numpy as np


class SoftmaxRegression:
    """Multinomial logistic regression (softmax) over standardised features, L2-penalised,
    fitted by Newton's method. numpy only; saved as JSON (never pickled).

    Small learned heads share it: the research verdict model, the triage classifier."""

    VERSION = 1
    KIND = "softmax-regression"

    def __init__(self, labels: tuple[str, ...], feature_names: tuple[str, ...]):
        self.labels = tuple(labels)
        self.feature_names = tuple(feature_names)
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        self.coef: np.ndarray | None = None  # (features, labels)
        self.intercept: np.ndarray | None = None  # (labels,)
        self.l2 = 1.0

    NEWTON_MAX_PARAMETERS = 1200  # above this, Newton's (d*k)^2 Hessian costs more than L-BFGS

    def fit(self, X, y, l2: float = 1.0, iterations: int = 50, tol: float = 1e-8) -> SoftmaxRegression:
        """Fit on features `X` (n, d) and labels `y` (strings from `labels`, or their
        indexes). `l2`: the penalty on the (standardised) weights, not on the intercepts.
        The same convex objective is minimised by Newton's method for small heads and by
        L-BFGS for wide ones."""
        X = np.asarray(X, dtype=np.float64)
        y_idx = np.array([self.labels.index(v) if isinstance(v, str) else int(v) for v in y])
        n, d = X.shape
        k = len(self.labels)
        self.l2 = float(l2)
        self.mean = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale = np.where(scale > 1e-12, scale, 1.0)
        Z = np.hstack([np.ones((n, 1)), (X - self.mean) / self.scale])  # intercept first
        Y = np.eye(k)[y_idx]
        W = np.zeros((d + 1, k))
        penalty = np.full(d + 1, self.l2)
        penalty[0] = 1e-4  # the intercept is (almost) free; a label absent from y stays finite
        if (d + 1) * k > self.NEWTON_MAX_PARAMETERS:
            W = _lbfgs(lambda w: _loss_and_gradient(Z, Y, w.reshape(d + 1, k), penalty), W.reshape(-1)).reshape(d + 1, k)
            self.intercept = W[0]
            self.coef = W[1:]
            return self
        objective = math.inf
        for _ in range(iterations):
            P = _softmax(Z @ W)
            gradient = Z.T @ (P - Y) + penalty[:, None] * W
            # Hessian of the multinomial log-loss, blocks (a, b): Z' diag(p_a (δ_ab - p_b)) Z
            H = np.zeros(((d + 1) * k, (d + 1) * k))
            for a in range(k):
                for b in range(a, k):
                    w = P[:, a] * ((a == b) - P[:, b])
                    block = (Z * w[:, None]).T @ Z
                    H[a::k, b::k] = block
                    H[b::k, a::k] = block
            H += np.diag(np.repeat(penalty, k)) + 1e-9 * np.eye(H.shape[0])
            step = np.linalg.solve(H, gradient.reshape(-1)).reshape(d + 1, k)
            # halve the step until the penalised loss falls (Newton can overshoot)
            scale_step = 1.0
            while True:
                candidate = W - scale_step * step
                value = _penalised_loss(Z, Y, candidate, penalty)
                if value <= objective or scale_step < 1e-4:
                    break
                scale_step /= 2
            W = candidate
            if abs(objective - value) < tol * max(1.0, abs(value)):
                objective = value
                break
            objective = value
        self.intercept = W[0]
        self.coef = W[1:]
        return self

    def decision(self, X) -> np.ndarray:
        if self.coef is None:
            raise ValueError("SoftmaxRegression is not fitted")
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return ((X - self.mean) / self.scale) @ self.coef + self.intercept

    def predict_proba(self, X) -> np.ndarray:
        """(n, labels) probabilities, columns in `labels` order."""
        return _softmax(self.decision(X))

    def predict(self, X) -> list[str]:
        return [self.labels[i] for i in np.argmax(self.decision(X), axis=1)]

    def to_json(self) -> dict:
        if self.coef is None:
            raise ValueError("SoftmaxRegression is not fitted")
        return {"kind": self.KIND, "version": self.VERSION, "labels": list(self.labels),
                "feature_names": list(self.feature_names), "l2": self.l2, "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_json(cls, data: dict | str) -> SoftmaxRegression:
        if isinstance(data, str):
            data = json.loads(data)
        if data.get("kind") != cls.KIND or data.get("version") != cls.VERSION:
            raise ValueError(f"not a {cls.KIND} model of version {cls.VERSION}")
        model = cls(tuple(data["labels"]), tuple(data["feature_names"]))
        model.l2 = float(data["l2"])
        model.mean = np.asarray(data["mean"], dtype=np.float64)
        model.scale = np.asarray(data["scale"], dtype=np.float64)
        model.coef = np.asarray(data["coef"], dtype=np.float64)
        model.intercept = np.asarray(data["intercept"], dtype=np.float64)
        if model.coef.shape != (len(model.feature_names), len(model.labels)):
            raise ValueError(f"{cls.KIND}: weights do not match its feature names and labels")
        return model


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))


def _loss_and_gradient(Z: np.ndarray, Y: np.ndarray, W: np.ndarray, penalty: np.ndarray) -> tuple[float, np.ndarray]:
    log_p = _log_softmax(Z @ W)
    loss = float(-(Y * log_p).sum() + 0.5 * (penalty[:, None] * W * W).sum())
    gradient = Z.T @ (np.exp(log_p) - Y) + penalty[:, None] * W
    return loss, gradient.reshape(-1)


def _lbfgs(fg, w: np.ndarray, memory: int = 10, iterations: int = 2000, tol: float = 1e-6) -> np.ndarray:
    """Minimise a smooth convex function from `w` by L-BFGS with a backtracking (Armijo) line
    search; `fg(w)` returns (value, gradient). Stops when the gradient's largest entry is
    below `tol` times max(1, |value|) / the number of parameters, or the value stops falling."""
    value, gradient = fg(w)
    pairs: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s)
    for _ in range(iterations):
        q = gradient.copy()
        alphas = []
        for s, y, rho in reversed(pairs):
            a = rho * (s @ q)
            alphas.append(a)
            q -= a * y
        if pairs:
            s, y, _ = pairs[-1]
            q *= (s @ y) / (y @ y)
        else:
            q /= max(np.linalg.norm(gradient), 1.0)
        for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
            q += s * (a - rho * (y @ q))
        direction = -q
        slope = gradient @ direction
        if slope >= 0:  # not a descent direction: restart from steepest descent
            pairs.clear()
            direction, slope = -gradient, -(gradient @ gradient)
        step = 1.0
        while True:
            candidate = w + step * direction
            new_value, new_gradient = fg(candidate)
            if new_value <= value + 1e-4 * step * slope or step < 1e-12:
                break
            step /= 2
        s, y = candidate - w, new_gradient - gradient
        if y @ s > 1e-12:
            pairs.append((s, y, 1.0 / (y @ s)))
            del pairs[:-memory]
        converged = value - new_value <= 1e-12 * max(1.0, abs(value))
        w, value, gradient = candidate, new_value, new_gradient
        if np.abs(gradient).max() <= tol * max(1.0, abs(value)) / w.size or converged:
            break
    return w


def _penalised_loss(Z: np.ndarray, Y: np.ndarray, W: np.ndarray, penalty: np.ndarray) -> float:
    log_p = _log_softmax(Z @ W)
    return float(-(Y * log_p).sum() + 0.5 * (penalty[:, None] * W * W).sum())
