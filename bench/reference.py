"""PyTorch reference for latentkit's benchmarks: the same models, initialisation, optimizer and data.

  speed   <model> <batch> <samples>   samples/s of training (best of 3 epochs) on random binary images
  gemm    <m,k,n,tA,tB;...>           GFLOP/s of torch.mm for each product shape
  infer   <samples>                   samples/s of encoding + per-example −ELBO scoring (best of 3)
  quality <data-dir> <epochs>         train the dense VAE and AE on the exported split, print test −ELBO and MSE
  quality-conv <data-dir> <epochs>    train the conv VAE on the exported split, print test −ELBO

Models: 'dense' is the VAE 784-400-20 (ReLU, Bernoulli); 'conv' two stride-2 convolutions → 16-d latent → two
stride-2 transposed convolutions. Weights are Glorot-uniform with zero biases, as Keras and latentkit initialise.
Prints one JSON object per line.
"""
import json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
# PyTorch's own thread count, as it chooses it unless LATENTKIT_BENCH_TORCH_THREADS says otherwise. On the 2-core EPYC
# here it chooses 1 intra-op thread (OpenBLAS still runs its products on both cores), which measured faster than 2:
# 17.9 K against 12.9 K samples/s for the dense VAE at batch 128.
if 'LATENTKIT_BENCH_TORCH_THREADS' in os.environ:
    torch.set_num_threads(int(os.environ['LATENTKIT_BENCH_TORCH_THREADS']))


def glorot(module):
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


class DenseVAE(nn.Module):
    def __init__(self, hidden=400, latent=20):
        super().__init__()
        self.fc1, self.mu, self.logvar = nn.Linear(784, hidden), nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.fc3, self.fc4 = nn.Linear(latent, hidden), nn.Linear(hidden, 784)
        glorot(self)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.mu(h), self.logvar(h).clamp(-20, 10)

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z)))


class ConvVAE(nn.Module):
    def __init__(self, latent=16):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3, 2, 1), nn.Conv2d(32, 64, 3, 2, 1)
        self.mu, self.logvar = nn.Linear(64 * 7 * 7, latent), nn.Linear(64 * 7 * 7, latent)
        self.fc = nn.Linear(latent, 64 * 7 * 7)
        self.d1 = nn.ConvTranspose2d(64, 32, 3, 2, 1, output_padding=1)
        self.d2 = nn.ConvTranspose2d(32, 1, 3, 2, 1, output_padding=1)
        glorot(self)

    def encode(self, x):
        h = F.relu(self.c2(F.relu(self.c1(x.view(-1, 1, 28, 28))))).flatten(1)
        return self.mu(h), self.logvar(h).clamp(-20, 10)

    def decode(self, z):
        h = F.relu(self.fc(z)).view(-1, 64, 7, 7)
        return self.d2(F.relu(self.d1(h))).flatten(1)


def neg_elbo(model, x):
    """Per-example −ELBO in nats: Bernoulli NLL on logits + analytic KL, one sample of z."""
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    recon = F.binary_cross_entropy_with_logits(model.decode(z), x, reduction='none').sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return recon + kl, recon, kl


def random_images(n):
    g = torch.Generator().manual_seed(1)
    return (torch.rand(n, 784, generator=g) > 0.8).float()


def elbo_loss(model, xb):
    return neg_elbo(model, xb)[0].mean()


def train_epoch(model, opt, x, batch, loss_fn=elbo_loss):
    order = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], batch):
        xb = x[order[i:i + batch]]
        loss = loss_fn(model, xb)
        opt.zero_grad()
        loss.backward()
        opt.step()


def speed(kind, batch, samples):
    model = DenseVAE() if kind == 'dense' else ConvVAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    x = random_images(samples)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        train_epoch(model, opt, x, batch)
        best = max(best, samples / (time.perf_counter() - start))
    print(json.dumps({'mode': 'speed', 'model': kind, 'batch': batch, 'samplesPerSecond': best, 'threads': torch.get_num_threads()}))


def gemm(shapes):
    """GFLOP/s of torch.mm (OpenBLAS) for each m,k,n,transA,transB in `shapes` (best of repeated runs over ~0.3 s)."""
    out = []
    for spec in shapes.split(';'):
        m, k, n, ta, tb = spec.split(',')
        m, k, n = int(m), int(k), int(n)
        a = torch.rand(k, m).t() if ta == '1' else torch.rand(m, k)
        b = torch.rand(n, k).t() if tb == '1' else torch.rand(k, n)
        c = torch.empty(m, n)
        torch.mm(a, b, out=c)
        best, spent = float('inf'), 0.0
        while spent < 0.3:
            t = time.perf_counter()
            torch.mm(a, b, out=c)
            dt = time.perf_counter() - t
            best, spent = min(best, dt), spent + dt
        out.append(2 * m * k * n / best / 1e9)
    print(json.dumps({'mode': 'gemm', 'gflops': out, 'threads': torch.get_num_threads()}))


def infer(samples):
    model = DenseVAE()
    x = random_images(samples)
    best = 0.0
    with torch.no_grad():
        for _ in range(3):
            start = time.perf_counter()
            for i in range(0, samples, 500):
                xb = x[i:i + 500]
                model.encode(xb)
                neg_elbo(model, xb)[0].numpy()
            best = max(best, samples / (time.perf_counter() - start))
    print(json.dumps({'mode': 'infer', 'samplesPerSecond': best}))


def load_split(data_dir, name):
    raw = np.fromfile(os.path.join(data_dir, f'{name}.u8'), dtype=np.uint8)
    return torch.from_numpy(raw.reshape(-1, 784).astype(np.float32) / 255.0)


def train_timed(model, train, epochs, loss_fn=elbo_loss):
    """Adam 1e-3 (eps 1e-8), batch 128, for `epochs`; returns the seconds it took."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    start = time.perf_counter()
    for _ in range(epochs):
        train_epoch(model, opt, train, 128, loss_fn)
    return time.perf_counter() - start


def quality(data_dir, epochs):
    train, test = load_split(data_dir, 'train'), load_split(data_dir, 'test')
    vae = DenseVAE()
    vae_seconds = train_timed(vae, train, epochs)
    with torch.no_grad():
        total, recon, kl = neg_elbo(vae, test)
    print(json.dumps({'mode': 'quality', 'model': 'vae', 'testNegElbo': total.mean().item(), 'reconstruction': recon.mean().item(),
                      'kl': kl.mean().item(), 'seconds': vae_seconds}))
    ae = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 784), nn.Sigmoid())
    glorot(ae)
    ae_seconds = train_timed(ae, train, epochs, lambda model, xb: F.mse_loss(model(xb), xb))
    with torch.no_grad():
        mse = F.mse_loss(ae(test), test).item()
    print(json.dumps({'mode': 'quality', 'model': 'ae', 'testMse': mse, 'seconds': ae_seconds}))


def quality_conv(data_dir, epochs):
    train, test = load_split(data_dir, 'train'), load_split(data_dir, 'test')
    vae = ConvVAE()
    seconds = train_timed(vae, train, epochs)
    with torch.no_grad():
        parts = [neg_elbo(vae, test[i:i + 1000]) for i in range(0, test.shape[0], 1000)]
        total, recon, kl = (torch.cat([p[j] for p in parts]) for j in range(3))
    print(json.dumps({'mode': 'quality-conv', 'model': 'conv-vae', 'testNegElbo': total.mean().item(), 'reconstruction': recon.mean().item(),
                      'kl': kl.mean().item(), 'seconds': seconds, 'samplesPerSecond': epochs * train.shape[0] / seconds}))


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'gemm':
        gemm(sys.argv[2])
    elif mode == 'speed':
        speed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == 'infer':
        infer(int(sys.argv[2]))
    elif mode == 'quality-conv':
        quality_conv(sys.argv[2], int(sys.argv[3]))
    else:
        quality(sys.argv[2], int(sys.argv[3]))
