"""A shortened copy of nanoGPT's model and training step (model.py and train.py as written, weight tying,
configure_optimizers with its inspect of AdamW's signature, torch.compile, GradScaler, clip_grad_norm_, generate),
run for a few steps on minigrad (``import minigrad as torch``) and on PyTorch from the same float64 weights."""
import inspect
import math
from contextlib import nullcontext

import numpy as np
import torch as real_torch

import minigrad
from minigrad.nn.tied_weights import IN_OUT, LAYOUT


def make_gpt_class(torch):
    """nanoGPT's GPT (shortened: no dropout randomness, no from_pretrained), written once against ``torch``."""
    nn, F = torch.nn, torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=True)
            self.c_proj = nn.Linear(n_embd, n_embd, bias=True)
            self.resid_dropout = nn.Dropout(0.0)
            self.n_head, self.n_embd = n_head, n_embd

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.resid_dropout(self.c_proj(y))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd, bias=True)
            self.attn = CausalSelfAttention(n_embd, n_head)
            self.ln_2 = nn.LayerNorm(n_embd, bias=False)
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8):
            super().__init__()
            self.block_size = block_size
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab_size, n_embd), wpe=nn.Embedding(block_size, n_embd), drop=nn.Dropout(0.0),
                h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]), ln_f=nn.LayerNorm(n_embd)))
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def get_num_params(self):
            return sum(p.numel() for p in self.parameters()) - self.transformer.wpe.weight.numel()

        def forward(self, idx, targets=None):
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
            x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is not None:
                logits = self.lm_head(x)
                return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return self.lm_head(x[:, [-1], :]), None

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            params = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
            groups = [{"params": [p for p in params.values() if p.dim() >= 2], "weight_decay": weight_decay},
                      {"params": [p for p in params.values() if p.dim() < 2], "weight_decay": 0.0}]
            use_fused = "fused" in inspect.signature(torch.optim.AdamW).parameters and device_type == "cuda"
            return torch.optim.AdamW(groups, lr=learning_rate, betas=betas, **(dict(fused=True) if use_fused else {}))

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    return GPT


def _batches(n, vocab=11, block=8, batch=3, seed=0):
    data = np.random.default_rng(seed).integers(0, vocab, size=200).astype(np.uint16)
    starts = np.random.default_rng(seed + 1).integers(0, len(data) - block, size=(n, batch))
    return [(np.stack([data[i:i + block] for i in ix]).astype(np.int64),
             np.stack([data[i + 1:i + 1 + block] for i in ix]).astype(np.int64)) for ix in starts]


def _copy_weights(model, t_model):
    """minigrad's weights into torch's model: a weight made by a Linear ((in, out) here) goes in transposed."""
    t_params = dict(t_model.named_parameters())
    names = [name for name, _ in model.named_parameters()]
    assert names == list(t_params)                       # the same parameters, tied one once, in the same order
    with real_torch.no_grad():
        for name, p in model.named_parameters():
            array = p.numpy().T if p.__dict__.get(LAYOUT) == IN_OUT else p.numpy()
            t_params[name].copy_(real_torch.tensor(array))


def _train(torch, model, batches, device_type="cpu"):
    """train.py's inner loop: scaled backward, unscale_, clip, step, update; the losses and the optimizer."""
    optimizer = model.configure_optimizers(0.1, 3e-3, (0.9, 0.95), device_type)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 12, growth_interval=2)
    if torch is minigrad:   # torch's own compile would build kernels here: the reference runs eagerly
        compiled = torch.compile(model)
        assert compiled is model
        model = compiled
    ctx = nullcontext() if device_type == "cpu" else torch.amp.autocast(device_type=device_type)
    losses, scales = [], []
    for x, y in batches:
        for group in optimizer.param_groups:
            group["lr"] = 3e-3
        with ctx:
            _, loss = model(torch.from_numpy(x), torch.from_numpy(y))
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        scales.append(scaler.get_scale())
    return losses, scales


def test_nanogpt_steps_match_pytorch_in_float64():
    minigrad.manual_seed(0)
    model = make_gpt_class(minigrad)().double()
    t_model = make_gpt_class(real_torch)().double()
    assert model.get_num_params() == t_model.get_num_params()
    _copy_weights(model, t_model)
    batches = _batches(4)
    losses, scales = _train(minigrad, model, batches)
    t_losses, t_scales = _train(real_torch, t_model, batches)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-11)
    assert losses[0] > losses[-1] and abs(losses[0] - math.log(11)) < 0.05
    assert scales == t_scales == [2.0 ** 12, 2.0 ** 13, 2.0 ** 13, 2.0 ** 14]
    t_params = dict(t_model.named_parameters())
    for name, p in model.named_parameters():
        array = p.numpy().T if p.__dict__.get(LAYOUT) == IN_OUT else p.numpy()
        np.testing.assert_allclose(array, t_params[name].detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_nanogpt_script_in_float32_with_a_disabled_scaler_and_generate():
    torch = minigrad
    torch.manual_seed(1337)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cuda.matmul.allow_tf32   # the script's settings
    torch.backends.cudnn.allow_tf32 = torch.backends.cudnn.allow_tf32
    model = make_gpt_class(torch)()
    optimizer = model.configure_optimizers(0.1, 6e-4, (0.9, 0.95), "cuda")   # takes the fused=True path
    scaler = torch.amp.GradScaler("cpu", enabled=False)                        # dtype == 'float32'
    assert torch.compile(model) is model
    before = [p.numpy().copy() for p in model.parameters()]
    x, y = _batches(1)[0]
    _, loss = model(torch.from_numpy(x), torch.from_numpy(y))
    assert loss.dtype == np.float32
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()
    changed = [not np.array_equal(b, p.numpy()) for b, p in zip(before, model.parameters())]
    assert all(changed)
    out = model.generate(torch.zeros((2, 1), dtype=torch.long), 10, top_k=4)
    assert out.shape == (2, 11) and out.dtype == np.int64
    assert out.numpy()[:, 0].tolist() == [0, 0] and 0 <= out.numpy().min() and out.numpy().max() < 11
