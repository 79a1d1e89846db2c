"""Measurements, apart from the product: benchmark scripts, the results run and its studies.

Run its scripts as modules from the repository root (``python -m research.benchmarks.router_accuracy``);
nothing in reasoner/, backends/, evals/ or fewshot/ imports from here.
"""
