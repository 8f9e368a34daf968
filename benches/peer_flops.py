"""Floating-point operations the PyTorch peers perform, counted by PyTorch.

usage: python benches/peer_flops.py   (the peers' Python, with torch)

Counts with torch.utils.flop_counter.FlopCounterMode, on random inputs of
the workloads' shapes (the counts do not depend on the values):
- W2a: one gradient of the mean cross-entropy of MLP 784-512-256-10 on a
  batch of 1,000 samples (forward and backward, as one training step does);
- W4: one exact Hessian-vector product by double-backward on 1,000 samples,
  as ../shared/peers/w4_hvp.py computes it (the gradient with
  create_graph=True, then the gradient of its product with v).
Prints one JSON line with the counts per sample, to set beside perturbo's
own counts (`flops_per_sample` of `perturbo bench w2a`, `flops_per_hvp` of
`perturbo bench w4`).
"""
import json

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

SAMPLES = 1000
torch.manual_seed(0)
x = torch.rand(SAMPLES, 784)
y = torch.randint(0, 10, (SAMPLES,))
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
params = list(model.parameters())
loss_fn = nn.CrossEntropyLoss()


def counted(fn):
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def gradient():
    torch.autograd.grad(loss_fn(model(x), y), params)


def hvp():
    v = [torch.randn_like(p) for p in params]
    g = torch.autograd.grad(loss_fn(model(x), y), params, create_graph=True)
    torch.autograd.grad(g, params, grad_outputs=v)


print(json.dumps({
    "torch": torch.__version__,
    "w2a_flops_per_sample": counted(gradient) / SAMPLES,
    "w4_double_backward_flops_per_hvp": counted(hvp),
}))
