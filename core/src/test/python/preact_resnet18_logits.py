#!/usr/bin/python3
"""PyTorch reference for io.igdstream.core.model.PreActResNet18 (run by PreActResNet18Test).

The module below is the common PreActResNet18 of the TRADES / IGD authors' code.

  preact_resnet18_logits.py names CHANNELS CLASSES OUT
      writes one line per state_dict entry (num_batches_tracked left out): "name<TAB>d0,d1,...",
      then "#learnable<TAB>count" (sum of numel over parameters()).

  preact_resnet18_logits.py run DIR
      reads DIR/index.json:
        {"channels": C, "classes": K,
         "state":  {name: {"file": f, "shape": [...]}, ...},   # every state_dict entry but
                                                                # num_batches_tracked (filled here)
         "train_inputs": [{"file": f, "shape": [...]}, ...],   # optional: training-mode forwards,
                                                                # updating the running stats
         "eval_input": {"file": f, "shape": [...]}}
      loads the state with strict=True, runs the training-mode forwards (no grad), then eval();
      writes DIR/out/train_logits_<i>.f32, DIR/out/eval_logits.f32 and DIR/out/<name>.f32 for every
      running_mean / running_var after the forwards.
  Files are raw little-endian float32, C order.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class PreActBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, 'shortcut') else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10, channels=3):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.bn = nn.BatchNorm2d(512 * block.expansion)
        self.linear = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for s in strides:
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv1(x)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = F.relu(self.bn(out))
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        return self.linear(out)


def PreActResNet18(num_classes=10, channels=3):
    return PreActResNet(PreActBlock, [2, 2, 2, 2], num_classes, channels)


def read_f32(directory, entry):
    data = np.fromfile(os.path.join(directory, entry["file"]), dtype="<f4")
    return torch.from_numpy(data.reshape(entry["shape"]).copy())


def write_f32(path, tensor):
    tensor.detach().cpu().contiguous().numpy().astype("<f4").tofile(path)


def names(channels, classes, out):
    model = PreActResNet18(classes, channels)
    with open(out, "w") as f:
        for name, value in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            f.write("%s\t%s\n" % (name, ",".join(str(d) for d in value.shape)))
        f.write("#learnable\t%d\n" % sum(p.numel() for p in model.parameters()))


def run(directory):
    with open(os.path.join(directory, "index.json")) as f:
        index = json.load(f)
    model = PreActResNet18(index["classes"], index["channels"])
    state = {name: read_f32(directory, entry) for name, entry in index["state"].items()}
    for name in model.state_dict():
        if name.endswith("num_batches_tracked") and name not in state:
            state[name] = torch.tensor(0, dtype=torch.long)
    model.load_state_dict(state, strict=True)
    out = os.path.join(directory, "out")
    os.makedirs(out, exist_ok=True)
    with torch.no_grad():
        model.train()
        for i, entry in enumerate(index.get("train_inputs", [])):
            write_f32(os.path.join(out, "train_logits_%d.f32" % i), model(read_f32(directory, entry)))
        model.eval()
        write_f32(os.path.join(out, "eval_logits.f32"), model(read_f32(directory, index["eval_input"])))
    for name, value in model.state_dict().items():
        if name.endswith("running_mean") or name.endswith("running_var"):
            write_f32(os.path.join(out, name + ".f32"), value)


if __name__ == "__main__":
    torch.set_num_threads(2)
    if len(sys.argv) == 5 and sys.argv[1] == "names":
        names(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] == "run":
        run(sys.argv[2])
    else:
        sys.exit(__doc__)
