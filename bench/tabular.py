# scikit-learn's detectors for bench:tabular, on the splits bench/tabular.ts wrote: for each task, features z-scored on
# the training rows, then IsolationForest, LocalOutlierFactor (novelty), OneClassSVM and PCA reconstruction error.
# Prints one JSON object: task -> detector -> {"scores": [...], "seconds": s} (higher score = more anomalous).
import json, sys, time
import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

def pca_scores(train, test, k):
    pca = PCA(n_components=k, random_state=0).fit(train)
    recon = pca.inverse_transform(pca.transform(test))
    return ((test - recon) ** 2).mean(axis=1)

tasks = json.load(open(sys.argv[1]))
out = {}
for task in tasks:
    train = np.loadtxt(task['train'], delimiter=',', skiprows=1, dtype=np.float64)
    test = np.loadtxt(task['test'], delimiter=',', skiprows=1, dtype=np.float64)[:, :-1]
    scaler = StandardScaler().fit(train)
    train, test = scaler.transform(train), scaler.transform(test)
    detectors = {
        'IsolationForest': lambda: -IsolationForest(random_state=0).fit(train).score_samples(test),
        'LocalOutlierFactor': lambda: -LocalOutlierFactor(novelty=True).fit(train).score_samples(test),
        'OneClassSVM': lambda: -OneClassSVM().fit(train).score_samples(test),
        'PCA reconstruction': lambda: pca_scores(train, test, task['pcaComponents']),
    }
    out[task['name']] = {}
    for name, run in detectors.items():
        t = time.perf_counter()
        scores = run()
        out[task['name']][name] = {'scores': [float(s) for s in scores], 'seconds': time.perf_counter() - t}
print(json.dumps(out))
