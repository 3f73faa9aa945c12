"""PyTorch's CPU training step for `npm run bench:engine`: the model of scripts/torch-fixtures.py (the same GPT as
src/lib/engine/cpu/gpt.ts), AdamW with clipping, one step = zero_grad, forward, backward, clip, step. Reads a JSON
job list on argv[1]: [{"preset", "config", "B", "T", "warmup", "seconds", "windows"}, ...]; prints one JSON line of results.
Each figure is the best of `windows` timed windows (at least two steps each), at torch's default thread count and,
when that is more than one, at one thread too."""
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import torch

spec = importlib.util.spec_from_file_location('torch_fixtures', Path(__file__).resolve().parent / 'torch-fixtures.py')
tf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tf)


def train_tok_s(cfg, B, T, warmup, seconds, windows, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = tf.GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    x = torch.randint(0, cfg['vocabSize'], (B, T))
    y = torch.randint(0, cfg['vocabSize'], (B, T))

    def step():
        opt.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(warmup):
        step()
    best = 0.0
    for _ in range(windows):
        n, t = 0, time.perf_counter()
        while n < 2 or time.perf_counter() - t < seconds / windows:
            step()
            n += 1
        best = max(best, B * T * n / (time.perf_counter() - t))
    return best


def main():
    jobs = json.loads(sys.argv[1])
    default_threads = torch.get_num_threads()
    blas = re.findall(r'BLAS_INFO=([^,\s]+)', torch.__config__.show())
    out = {'torch': torch.__version__, 'threads': default_threads, 'blas': blas[0] if blas else None, 'results': {}}
    for job in jobs:
        args = (job['config'], job['B'], job['T'], job['warmup'], job['seconds'], job['windows'])
        out['results'][job['preset']] = {
            'tok_s': train_tok_s(*args, default_threads),
            'tok_s_1thread': train_tok_s(*args, 1) if default_threads != 1 else None,
        }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
