"""Logits of the reference PyTorch small-cnn, for cross-checking the Java model.

usage: small_cnn_logits.py WEIGHTS.safetensors INPUT.safetensors OUT.safetensors

WEIGHTS holds the state_dict (0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight,
9.bias); INPUT holds "x" of shape (N, C, H, W), which gives C, H and W; the class count comes from
9.bias. Writes the eval-mode logits (N, classes) as F32 tensor "logits" to OUT.
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_torch  # noqa: E402  (sibling helper)


def small_cnn(c, h, w, classes):
    """The small-cnn: two conv(3x3, pad 1)-relu-maxpool(2) blocks, then a 128-unit MLP head."""
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(),
        nn.Linear(128, classes))


def main(weights_path, input_path, out_path):
    weights, _ = safetensors_torch.load(weights_path)
    inputs, _ = safetensors_torch.load(input_path)
    x = inputs["x"].float()
    _, c, h, w = x.shape
    model = small_cnn(c, h, w, weights["9.bias"].shape[0])
    model.load_state_dict(weights, strict=True)  # copies (and casts) into float32 parameters
    model.eval()
    with torch.no_grad():
        logits = model(x)
    safetensors_torch.save(out_path, {"logits": logits.float().contiguous()},
                           {"producer": "small_cnn_logits.py", "torch": torch.__version__})


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
