"""PyTorch reference: the VAE 784-400-20 (ReLU, Bernoulli, Adam) timed per epoch on random binary-ish data."""
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
class VAE(nn.Module):
    def __init__(s):
        super().__init__(); s.fc1 = nn.Linear(784, 400); s.fc21 = nn.Linear(400, 20); s.fc22 = nn.Linear(400, 20); s.fc3 = nn.Linear(20, 400); s.fc4 = nn.Linear(400, 784)
    def forward(s, x):
        h = F.relu(s.fc1(x)); mu, lv = s.fc21(h), s.fc22(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        return s.fc4(F.relu(s.fc3(z))), mu, lv
m = VAE(); opt = torch.optim.Adam(m.parameters(), 1e-3)
x = (torch.rand(12800, 784) > 0.8).float()
for rep in range(3):
    t = time.perf_counter()
    for i in range(0, 12800, batch):
        xb = x[i:i+batch]; logits, mu, lv = m(xb)
        loss = (F.binary_cross_entropy_with_logits(logits, xb, reduction='sum') - 0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp())) / xb.shape[0]
        opt.zero_grad(); loss.backward(); opt.step()
    print(f'torch threads={torch.get_num_threads()} batch={batch}: {12800 / (time.perf_counter() - t):.0f} samples/s')
