#!/usr/bin/python3
# Writes the whole-model PyTorch fixtures for src/lib/engine/cpu/torch.test.ts (llm.c's train_gpt2.py write_state): a
# plain nanoGPT-style GPT built from nn.Linear/nn.LayerNorm/nn.Embedding, one batch, one clipped AdamW step. Run with
# Debian's python3-torch (`/usr/bin/python3 scripts/torch-fixtures.py`); the test reads the committed files, not torch.
#
# Output, in src/lib/engine/cpu/fixtures/: gpt-micro.bin holds every float tensor as little-endian float32, back to
# back; gpt-micro.json is the manifest: config, hyperparameters, tokens, targets, loss, the pre-clip gradient norm, the
# parameter layout (names and shapes in our flat order, see ParameterSizes in src/lib/engine/config.ts) and, per
# section (weights, logits, grads, paramsAfterStep), its offset and length in floats. Weights, grads and
# paramsAfterStep are each one flat parameter buffer in that layout; per-layer tensors are stacked along a leading L.
import json
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = Path(__file__).resolve().parent.parent / 'src' / 'lib' / 'engine' / 'cpu' / 'fixtures'
NAME = 'gpt-micro'

# Small enough that the committed files stay ~100 KB; T < blockSize so unused position rows get a zero gradient.
CONFIG = {'vocabSize': 64, 'blockSize': 16, 'nLayer': 2, 'nHead': 2, 'nEmbd': 16}
B, T = 2, 8
SEED = 1337
# maxGradNorm is far below the pre-clip norm, so the clipping path runs (asserted below).
HYPER = {'learningRate': 1e-3, 'beta1': 0.9, 'beta2': 0.95, 'eps': 1e-8, 'weightDecay': 0.1, 'maxGradNorm': 0.1}
# Init scale of the matrices and tables: far above GPT-2's 0.02, so pre-activations are O(1) and GELU, softmax and
# LayerNorm run outside their near-linear range (at 0.02, an exact-erf GELU matches the tanh one within 1e-6).
INIT_STD = 0.25
# Tensors with weight decay: matrices and embedding tables (DECAYED_PARAMETERS in src/lib/engine/params.ts).
DECAYED = {'wte', 'wpe', 'qkvw', 'attprojw', 'fcw', 'fcprojw'}


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with q|k|v packed in one projection, as GPT-2."""

    def __init__(self, C, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)

    def forward(self, x):
        Bx, Tx, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(Bx, Tx, self.n_head, hs).transpose(1, 2) for z in (q, k, v))  # (B,NH,T,hs)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)  # (B,NH,T,T)
        mask = torch.tril(torch.ones(Tx, Tx, dtype=torch.bool))
        att = att.masked_fill(~mask, float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(Bx, Tx, C)
        return self.c_proj(y)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)) with a tanh-approximated GELU."""

    def __init__(self, C, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.attn = CausalSelfAttention(C, n_head)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.c_fc = nn.Linear(C, 4 * C)
        self.c_proj = nn.Linear(4 * C, C)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh'))


class GPT(nn.Module):
    """Decoder-only GPT: token + learned position embeddings, blocks, final LayerNorm, head tied to the token table."""

    def __init__(self, cfg):
        super().__init__()
        C = cfg['nEmbd']
        self.wte = nn.Embedding(cfg['vocabSize'], C)
        self.wpe = nn.Embedding(cfg['blockSize'], C)
        self.h = nn.ModuleList(Block(C, cfg['nHead']) for _ in range(cfg['nLayer']))
        self.ln_f = nn.LayerNorm(C, eps=1e-5)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # (B,T,V)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), ignore_index=-1)
        return logits, loss

    def flat_tensors(self):
        """The parameters as (name, per-layer tensors) in our flat buffer order (ParameterSizes)."""
        h = self.h
        return [
            ('wte', [self.wte.weight]),
            ('wpe', [self.wpe.weight]),
            ('ln1w', [b.ln_1.weight for b in h]),
            ('ln1b', [b.ln_1.bias for b in h]),
            ('qkvw', [b.attn.c_attn.weight for b in h]),
            ('qkvb', [b.attn.c_attn.bias for b in h]),
            ('attprojw', [b.attn.c_proj.weight for b in h]),
            ('attprojb', [b.attn.c_proj.bias for b in h]),
            ('ln2w', [b.ln_2.weight for b in h]),
            ('ln2b', [b.ln_2.bias for b in h]),
            ('fcw', [b.c_fc.weight for b in h]),
            ('fcb', [b.c_fc.bias for b in h]),
            ('fcprojw', [b.c_proj.weight for b in h]),
            ('fcprojb', [b.c_proj.bias for b in h]),
            ('lnfw', [self.ln_f.weight]),
            ('lnfb', [self.ln_f.bias]),
        ]


def init_weights(model, n_layer):
    """GPT-2's init pattern at INIT_STD; biases and LayerNorm parameters moved off 0 and 1 to exercise every term."""
    residual_std = INIT_STD / math.sqrt(2 * n_layer)
    for name, tensors in model.flat_tensors():
        for p in tensors:
            if name in ('attprojw', 'fcprojw'):
                nn.init.normal_(p, 0.0, residual_std)
            elif name in DECAYED:
                nn.init.normal_(p, 0.0, INIT_STD)
            elif name.endswith('w'):  # LayerNorm gains
                nn.init.normal_(p, 1.0, 0.1)
            else:
                nn.init.normal_(p, 0.0, 0.1)


def flatten(model, values):
    """Concatenates values(p) for every parameter in flat order into one float32 vector."""
    return torch.cat([values(p).reshape(-1) for _, tensors in model.flat_tensors() for p in tensors])


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    model = GPT(CONFIG)
    with torch.no_grad():
        init_weights(model, CONFIG['nLayer'])
    tokens = torch.randint(0, CONFIG['vocabSize'], (B, T))
    targets = torch.randint(0, CONFIG['vocabSize'], (B, T))
    targets[1, 3] = -1  # one ignored position in the middle of a row

    weights = flatten(model, lambda p: p.detach().clone())
    logits, loss = model(tokens, targets)
    loss.backward()
    grads = flatten(model, lambda p: p.grad.detach().clone())

    params = {id(p): name for name, tensors in model.flat_tensors() for p in tensors}
    decay = [p for p in model.parameters() if params[id(p)] in DECAYED]
    no_decay = [p for p in model.parameters() if params[id(p)] not in DECAYED]
    optimizer = torch.optim.AdamW(
        [{'params': decay, 'weight_decay': HYPER['weightDecay']}, {'params': no_decay, 'weight_decay': 0.0}],
        lr=HYPER['learningRate'], betas=(HYPER['beta1'], HYPER['beta2']), eps=HYPER['eps'])
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), HYPER['maxGradNorm'])
    assert grad_norm.item() > HYPER['maxGradNorm'], 'the clipping must trigger'
    optimizer.step()
    after = flatten(model, lambda p: p.detach().clone())

    sections = {'weights': weights, 'logits': logits.detach().reshape(-1), 'grads': grads, 'paramsAfterStep': after}
    offset = 0
    index = {}
    for name, tensor in sections.items():
        index[name] = {'offset': offset, 'length': tensor.numel()}
        offset += tensor.numel()
    blob = torch.cat(list(sections.values())).numpy().astype('<f4').tobytes()
    layout = [{'name': name, 'shape': ([len(ts)] if len(ts) > 1 else []) + list(ts[0].shape)}
              for name, ts in model.flat_tensors()]
    manifest = {
        'source': 'scripts/torch-fixtures.py, torch ' + torch.__version__,
        'format': NAME + '.bin: little-endian float32; sections give offset and length in floats',
        'config': CONFIG,
        'batch': {'B': B, 'T': T, 'tokens': tokens.reshape(-1).tolist(), 'targets': targets.reshape(-1).tolist()},
        'hyperparameters': HYPER,
        'loss': loss.item(),
        'gradNorm': grad_norm.item(),
        'layout': layout,
        'sections': index,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / (NAME + '.bin')).write_bytes(blob)
    (OUT_DIR / (NAME + '.json')).write_text(json.dumps(manifest, indent='\t') + '\n')
    print(f'wrote {OUT_DIR / NAME}.{{bin,json}}: {len(blob)} bytes, loss {loss.item():.6f}, '
          f'grad norm {grad_norm.item():.6f}')


if __name__ == '__main__':
    main()
