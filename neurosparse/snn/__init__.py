"""Differentiable spiking models (PyTorch / snnTorch); needs the ``snn`` extra.

Importing this package does not import torch; the modules inside do.
"""
