"""PyTorch reference timings for the igd-stream benchmark (CPU): one plain SGD step and one IGD step
of the small-cnn on MNIST-sized random data.

usage: torch_step.py [--steps 20] [--warmup 3] [--batch 128] [--threads 2] [--json OUT]

(a) plain step: CE(model(x), y), backward, SGD(lr .01, momentum .9, weight_decay 5e-4) step.
(b) IGD step:   PGD-10 on the student in eval mode (eps .1, alpha .01, uniform random start,
                parameters frozen during the attack) -> x_adv; teacher input gradient
                g_T = d(sum_i z_T,i[y_i])/dx on clean x; student input gradient g_S with
                create_graph; loss = CE(model(x_adv), y) + 1.0 * (1 - mean cos(g_S, g_T)); backward;
                SGD step.
Reports median wall-clock ms per step (warm-up steps excluded) on stdout as JSON, optionally also to
--json OUT; progress goes to stderr. Images are uniform [0,1] 1x28x28, labels uniform over 10
classes, 4 pre-made batches used in turn.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

EPS, ALPHA, PGD_STEPS = 0.1, 0.01, 10  # PGD: L-inf radius, step size, iterations
LR, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 5e-4  # SGD
COS_WEIGHT = 1.0  # weight of the (1 - cos) input-gradient alignment term
C, H, W, CLASSES = 1, 28, 28, 10


def small_cnn(c=C, h=H, w=W, classes=CLASSES):
    """Same layers (and state_dict names 0.*, 3.*, 7.*, 9.*) as the Java small-cnn."""
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(),
        nn.Linear(128, classes))


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)


def plain_step(model, opt, x, y):
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def pgd(model, x, y):
    """PGD-10, L-inf: random start in [-eps, eps], signed-gradient steps, projected; eval mode and
    frozen parameters so nothing leaks into training. Returns clamp(x + delta, 0, 1)."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        delta = torch.empty_like(x).uniform_(-EPS, EPS)
        for _ in range(PGD_STEPS):
            delta.requires_grad_(True)
            loss = F.cross_entropy(model(torch.clamp(x + delta, 0, 1)), y)
            (grad,) = torch.autograd.grad(loss, delta)
            delta = torch.clamp(delta.detach() + ALPHA * grad.sign(), -EPS, EPS)
        return torch.clamp(x + delta, 0, 1).detach()
    finally:
        for p in model.parameters():
            p.requires_grad_(True)


def teacher_gradient(teacher, x, y):
    """g_T = d(sum_i z_T,i[y_i]) / dx on clean x, no graph kept."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(teacher(x).gather(1, y[:, None]).sum(), x)
    return g


def igd_step(model, teacher, opt, x, y, timings):
    t0 = time.perf_counter()
    x_adv = pgd(model, x, y)
    timings.append((time.perf_counter() - t0) * 1e3)
    g_t = teacher_gradient(teacher, x, y)
    model.train()
    opt.zero_grad(set_to_none=True)
    ce = F.cross_entropy(model(x_adv), y)
    x_s = x.detach().requires_grad_(True)
    (g_s,) = torch.autograd.grad(model(x_s).gather(1, y[:, None]).sum(), x_s, create_graph=True)
    cos = F.cosine_similarity(g_s.flatten(1), g_t.flatten(1), dim=1, eps=1e-12).mean()
    loss = ce + COS_WEIGHT * (1 - cos)
    loss.backward()
    opt.step()
    return loss.item(), ce.item(), cos.item()


def timed(name, step, batches, steps, warmup):
    """Runs warmup + steps calls of step(x, y) over the batches in turn; returns per-step ms."""
    times = []
    for i in range(warmup + steps):
        x, y = batches[i % len(batches)]
        t0 = time.perf_counter()
        step(x, y)
        ms = (time.perf_counter() - t0) * 1e3
        if i >= warmup:
            times.append(ms)
        print(f"[torch_step] {name} {'warmup' if i < warmup else 'step'} "
              f"{i + 1}/{warmup + steps}: {ms:.1f} ms", file=sys.stderr, flush=True)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=20, help="timed steps per kind (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    ap.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    ap.add_argument("--json", help="also write the result JSON here")
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.batch < 1 or args.threads < 1:
        ap.error("steps, batch and threads must be >= 1, warmup >= 0")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    batches = [(torch.rand(args.batch, C, H, W), torch.randint(0, CLASSES, (args.batch,)))
               for _ in range(4)]

    student = small_cnn()
    opt = sgd(student)
    plain = timed("plain", lambda x, y: plain_step(student, opt, x, y),
                  batches, args.steps, args.warmup)

    student, teacher = small_cnn(), small_cnn().eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    opt = sgd(student)
    pgd_times = []
    igd = timed("igd", lambda x, y: igd_step(student, teacher, opt, x, y, pgd_times),
                batches, args.steps, args.warmup)

    result = {
        "torch_version": torch.__version__,
        "threads": args.threads,
        "batch": args.batch,
        "plain_step_ms_median": round(statistics.median(plain), 3),
        "igd_step_ms_median": round(statistics.median(igd), 3),
        "steps": args.steps,
        "pgd_ms_median": round(statistics.median(pgd_times[args.warmup:]), 3),
    }
    text = json.dumps(result)
    print(text, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
