#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains scikit-learn's MLPClassifier on its bundled digits data and saves the
weight matrices at initialisation and every few epochs, for
sessions/real-network.md (the checkpoints are kept in the repository, so the
note replays without Python).

    pip install scikit-learn
    python3 sessions/real-network/train_mlp.py

Writes sessions/real-network/checkpoints/epoch-EEEE.npz with coefs_0 (64×256),
coefs_1 (256×256), coefs_2 (256×10) as float32 (sklearn's W is inputs ×
outputs; biases are left out), and prints the test accuracy at each.
"""
import os
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "checkpoints")
os.makedirs(out, exist_ok=True)

x, y = load_digits(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(x_train)
x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)

def network(lr):
    """sklearn's MLP with SGD and momentum; partial_fit runs one epoch (shuffled
    minibatches) and keeps the optimiser's state from call to call."""
    return MLPClassifier(hidden_layer_sizes=(256, 256), solver="sgd", learning_rate_init=lr, momentum=0.9,
                         batch_size=32, alpha=1e-4, random_state=2407)


saved = [0, 2, 5, 10, 20, 40, 80, 160]


def save(net, epoch):
    arrays = {f"coefs_{i}": w.astype(np.float32) for i, w in enumerate(net.coefs_)}
    np.savez_compressed(os.path.join(out, f"epoch-{epoch:04d}.npz"), **arrays)
    acc = net.score(x_test, y_test)
    print(f"epoch {epoch:4d}: test accuracy {acc:.4f}, " + ", ".join(f"{k} {v.shape}" for k, v in arrays.items()))


classes = np.arange(10)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    # Initialisation (Glorot uniform, drawn from random_state before any step):
    # the same network with a learning rate of 1e-300 moves no weight.
    still = network(1e-300)
    still.partial_fit(x_train, y_train, classes=classes)
    save(still, 0)
    net = network(0.05)
    for epoch in range(1, saved[-1] + 1):
        net.partial_fit(x_train, y_train, classes=classes)
        if epoch in saved:
            save(net, epoch)
