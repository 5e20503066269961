"""MetaKD network: one shared-weight 3-D U-Net encoder per modality, per-level fusion, one thin decoder.

Layout [B, C, k, j, i]. The encoder sees one modality (1 channel) and returns its features at
four levels (full, /2, /4, /8). The decoder takes the four modalities' features stacked as
[B, 4, C_l, …] and a presence mask [B, 4]: missing skip features are zeroed and a missing
bottleneck is replaced by the mean of the present ones (MODEL_PIPELINE.md §9), then each level's
4·C_l channels are fused by a 1×1 conv to a small width. The decoder is deliberately thin (about
a sixth of one encoder pass in multiply-adds) because the app decodes all 15 modality subsets
from cached encodings. Upsampling is nearest + Conv: no ConvTranspose3d, which the WebGPU
provider cannot run. The exported decoder (`DecoderExport`) computes the same function with
onnxruntime-friendly ops (no Resize); training uses `Decoder` unchanged.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

NUM_MODALITIES = 4
NUM_OUTPUTS = 3  # ET, WT, TC
LEAKY_SLOPE = 0.01


def conv_norm_act(cin: int, cout: int, kernel: int = 3, stride: int = 1) -> nn.Sequential:
    """Conv3d → InstanceNorm3d(affine) → LeakyReLU."""
    return nn.Sequential(
        nn.Conv3d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.InstanceNorm3d(cout, affine=True),
        nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
    )


class Encoder(nn.Module):
    """Single-modality encoder: two 3³ convs per level, stride-2 conv to go down a level.

    Skip outputs are projected by a 1×1 conv to `skip_widths` channels (the bottleneck is not):
    the projection is paid once per modality, while the decoder, which runs for every subset,
    then reads few channels at full resolution.
    """

    def __init__(self, widths=(16, 32, 64, 128), skip_widths=(4, 8, 16)):
        super().__init__()
        self.widths = tuple(widths)
        self.out_widths = tuple(skip_widths) + (self.widths[-1],)
        levels = []
        cin = 1
        for level, w in enumerate(self.widths):
            stride = 1 if level == 0 else 2
            levels.append(nn.Sequential(conv_norm_act(cin, w, stride=stride), conv_norm_act(w, w)))
            cin = w
        self.levels = nn.ModuleList(levels)
        self.skips = nn.ModuleList(conv_norm_act(w, s, kernel=1) for w, s in zip(self.widths, skip_widths))

    def forward(self, x: torch.Tensor):
        feats = []
        for level, block in enumerate(self.levels):
            x = block(x)
            feats.append(self.skips[level](x) if level < len(self.skips) else x)
        return feats


def fill_bottleneck(b: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Replace missing modalities' bottlenecks [B,4,C,…] by the mean of the present ones."""
    mask = present.reshape(present.shape[0], NUM_MODALITIES, 1, 1, 1, 1)
    count = mask.sum(dim=1, keepdim=True).clamp(min=1.0)
    mean = (b * mask).sum(dim=1, keepdim=True) / count
    return b * mask + mean * (1.0 - mask)


class Decoder(nn.Module):
    """Fuse the four modalities per level and decode to 3 logits (ET, WT, TC).

    Levels ≥ 1 fuse 4·C_l → D_l with a 1×1 conv and decode with one 3³ conv each; level 0
    (full resolution) is pointwise only and has no normalisation, which keeps the per-subset
    cost small.
    """

    def __init__(self, feat_widths=(4, 8, 16, 128), dec_widths=(16, 8, 16, 64)):
        super().__init__()
        self.feat_widths = tuple(feat_widths)
        self.dec_widths = tuple(dec_widths)
        n = len(self.feat_widths)
        self.fuse = nn.ModuleList(
            conv_norm_act(NUM_MODALITIES * self.feat_widths[level], self.dec_widths[level], kernel=1)
            for level in range(1, n)
        )
        self.bottom = conv_norm_act(self.dec_widths[-1], self.dec_widths[-1])
        self.up_convs = nn.ModuleList(
            conv_norm_act(self.dec_widths[level + 1] + self.dec_widths[level], self.dec_widths[level])
            for level in range(1, n - 1)
        )
        head_in = self.dec_widths[1] + NUM_MODALITIES * self.feat_widths[0]
        self.head = nn.Sequential(
            nn.Conv3d(head_in, self.dec_widths[0], 1),
            nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
            nn.Conv3d(self.dec_widths[0], NUM_OUTPUTS, 1),
        )

    def forward(self, feats, present: torch.Tensor, bottleneck_scale=None) -> torch.Tensor:
        """feats: list of [B,4,C_l,…]; present [B,4] float; optional [4] scale on bottlenecks."""
        batch = present.shape[0]
        mask = present.reshape(batch, NUM_MODALITIES, 1, 1, 1, 1)
        bottom = fill_bottleneck(feats[-1], present)
        if bottleneck_scale is not None:
            bottom = bottom * bottleneck_scale.reshape(1, NUM_MODALITIES, 1, 1, 1, 1)
        last = len(feats) - 1
        fused = [torch.flatten(feats[0] * mask, 1, 2)]
        for level in range(1, len(feats)):
            f = bottom if level == last else feats[level] * mask
            fused.append(self.fuse[level - 1](torch.flatten(f, 1, 2)))
        x = self.bottom(fused[-1])
        for level in range(last - 1, 0, -1):
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            x = self.up_convs[level - 1](torch.cat([x, fused[level]], dim=1))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.head(torch.cat([x, fused[0]], dim=1))


class MetaKDNet(nn.Module):
    """Encoder shared over the four modalities + fusion decoder."""

    def __init__(self, enc_widths=(16, 32, 64, 128), skip_widths=(4, 8, 16), dec_widths=(16, 8, 16, 64)):
        super().__init__()
        self.config = {"enc_widths": list(enc_widths), "skip_widths": list(skip_widths), "dec_widths": list(dec_widths)}
        self.encoder = Encoder(enc_widths, skip_widths)
        self.decoder = Decoder(self.encoder.out_widths, dec_widths)

    @property
    def size_multiple(self) -> int:
        return 2 ** (len(self.encoder.widths) - 1)

    def encode(self, images: torch.Tensor):
        """images [B,4,k,j,i] → list of [B,4,C_l,…] (one batched pass of the shared encoder)."""
        b, m = images.shape[:2]
        feats = self.encoder(images.reshape(b * m, 1, *images.shape[2:]))
        return [f.reshape(b, m, *f.shape[1:]) for f in feats]

    def forward(self, images: torch.Tensor, present: torch.Tensor, bottleneck_scale=None):
        """Returns (logits [B,3,…], per-modality bottlenecks [B,4,C,…] before mean-fill)."""
        feats = self.encode(images * present.reshape(*present.shape, 1, 1, 1))
        return self.decoder(feats, present, bottleneck_scale), feats[-1]


class EncoderExport(nn.Module):
    """ONNX view: `image` [B,1,k,j,i] → features f0..f3."""

    def __init__(self, net: MetaKDNet):
        super().__init__()
        self.encoder = net.encoder

    def forward(self, image: torch.Tensor):
        return tuple(self.encoder(image))


def _repeat_last_axis(x: torch.Tensor) -> torch.Tensor:
    """[…, i] → […, 2i] with every value repeated twice, as a MatMul with a 0/1 matrix.

    Exact (each output is one input × 1 plus zeros). Copying element by element (Expand with an
    innermost axis of 2, or Resize) is what makes onnxruntime's nearest upsampling slow; the
    matrix is built from the traced size, so spatial axes stay dynamic.
    """
    i = x.shape[-1]
    repeat = (torch.div(torch.arange(2 * i), 2, rounding_mode="floor") == torch.arange(i).unsqueeze(1)).to(x.dtype)
    return torch.matmul(x, repeat)


def _add_upsampled(full: torch.Tensor, half: torch.Tensor) -> torch.Tensor:
    """full [B,C,2k,2j,2i] + nearest ×2 upsampled half [B,C,k,j,i]: the i repeat is exact
    (`_repeat_last_axis`), the j and k repeats are the Add's broadcasting over whole rows, so the
    upsampled tensor is never written out."""
    b, c, k, j, i = half.shape
    y = full.reshape(b, c, k, 2, j, 2, 2 * i) + _repeat_last_axis(half).reshape(b, c, k, 1, j, 1, 2 * i)
    return y.reshape(b, c, 2 * k, 2 * j, 2 * i)


def _phase_kernels(w: torch.Tensor) -> torch.Tensor:
    """3³ kernel w [O,C,3,3,3] → the 2³ kernels [8·O,C,2,2,2] of conv3d(up(x), w, padding=1).

    Per axis, an output voxel 2q + r of the upsampled grid sees x[q-1], x[q], x[q] (r = 0) or
    x[q], x[q], x[q+1] (r = 1) under the taps w0, w1, w2, so its phase kernel on x has the taps
    (w0, w1 + w2) at offsets (-1, 0) or (w0 + w1, w2) at offsets (0, +1). Phases are ordered
    (r_k, r_j, r_i, O) in the output channels.
    """
    for dim in (2, 4, 6):  # k, j, i of w as each step prepends one phase axis
        w0, w1, w2 = w.unbind(dim)
        w = torch.stack([torch.stack([w0, w1 + w2], dim), torch.stack([w0 + w1, w2], dim)], 0)
    o, c = w.shape[3:5]
    return w.permute(2, 1, 0, 3, 4, 5, 6, 7).reshape(8 * o, c, 2, 2, 2)


def _conv3_upsampled(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """conv3d(nearest ×2 upsampled x, w, padding=1) for x [B,C,k,j,i], given
    kernels = _phase_kernels(w): one 2³ conv at half resolution (8/27 of the multiply-adds),
    then the eight phases are interleaved into the full-resolution grid."""
    b, _, k, j, i = x.shape
    o = kernels.shape[0] // 8
    z = F.conv3d(x, kernels, padding=1).reshape(b, 2, 2, 2, o, k + 1, j + 1, i + 1)
    # Phase r along an axis reads the 2³ conv's output from offset r (offsets 0 / +1 above).
    phases = [
        z[:, rk, rj, ri, :, rk : rk + k, rj : rj + j, ri : ri + i]
        for rk in range(2)
        for rj in range(2)
        for ri in range(2)
    ]
    y = torch.stack(phases, 2).reshape(b, o, 2, 2, 2, k, j, i)
    return y.permute(0, 1, 5, 2, 6, 3, 7, 4).reshape(b, o, 2 * k, 2 * j, 2 * i)


class DecoderExport(nn.Module):
    """ONNX view: f0..f3 [B,4,C_l,…] + `present` [B,4] → sigmoid `probs` [B,3,k,j,i].

    The same function as `Decoder.forward` + sigmoid, with the same weights, rewritten for
    onnxruntime speed (the decoder runs once per sequence subset). No Resize (onnxruntime's 5-D
    nearest Resize copies element by element), and nothing is computed at full resolution that
    linearity lets run at half resolution:
    - each level's 3³ conv over concat(up(x), skip) = conv(up(x)) + conv(skip), the first as
      `_conv3_upsampled` (2³ phase kernels on x, then interleaved);
    - the pointwise head's first 1×1 conv over concat(up(x), f0) = up(W_x·x + b) + W_f0·f0, the
      upsampling done inside a broadcasting Add (`_add_upsampled`).
    Only the order of float32 sums changes (max |Δprob| ~1e-5 or less against PyTorch).
    """

    def __init__(self, net: MetaKDNet):
        super().__init__()
        self.decoder = net.decoder
        conv1 = self.decoder.head[0]
        cx = self.decoder.dec_widths[1]
        self.register_buffer("w_x", conv1.weight.detach()[:, :cx].clone())
        self.register_buffer("w_f0", conv1.weight.detach()[:, cx:].clone())
        self.register_buffer("b_head", conv1.bias.detach().clone())
        for level, block in enumerate(self.decoder.up_convs, start=1):
            w = block[0].weight.detach()  # bias-free; input = concat(up(x), skip)
            cx = self.decoder.dec_widths[level + 1]
            self.register_buffer(f"w_up{level}", _phase_kernels(w[:, :cx]))
            self.register_buffer(f"w_skip{level}", w[:, cx:].clone())

    def forward(self, f0, f1, f2, f3, present):
        dec, feats = self.decoder, [f0, f1, f2, f3]
        mask = present.reshape(present.shape[0], NUM_MODALITIES, 1, 1, 1, 1)
        last = len(feats) - 1
        x = dec.bottom(dec.fuse[last - 1](torch.flatten(fill_bottleneck(f3, present), 1, 2)))
        for level in range(last - 1, 0, -1):
            skip = dec.fuse[level - 1](torch.flatten(feats[level] * mask, 1, 2))
            y = _conv3_upsampled(x, getattr(self, f"w_up{level}"))
            y = y + F.conv3d(skip, getattr(self, f"w_skip{level}"), padding=1)
            block = dec.up_convs[level - 1]
            x = block[2](block[1](y))  # norm, activation
        half = F.conv3d(x, self.w_x, self.b_head)
        full = F.conv3d(torch.flatten(f0 * mask, 1, 2), self.w_f0)
        h = F.leaky_relu(_add_upsampled(full, half), LEAKY_SLOPE)
        return torch.sigmoid(dec.head[2](h))


class CombinedExport(nn.Module):
    """ONNX view: `image` [B,4,k,j,i] + `present` [B,4] → `probs`."""

    def __init__(self, net: MetaKDNet):
        super().__init__()
        self.net = net

    def forward(self, image, present):
        return torch.sigmoid(self.net(image, present)[0])


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


class ExportInstanceNorm(nn.Module):
    """InstanceNorm3d written out for ONNX with axis-by-axis means.

    onnxruntime's fused InstanceNormalization (and a single ReduceMean over the whole volume)
    accumulates ~600 k float32 values in few partial sums; channels that are nearly constant
    over the background then amplify that rounding error to ~3e-3 in the output probabilities.
    Reducing one axis at a time (≤ 96 values per sum) keeps the graph float32 (WebGPU-friendly)
    and matches PyTorch to ~1e-5. Mathematically identical to nn.InstanceNorm3d(affine=True).
    """

    def __init__(self, norm: nn.InstanceNorm3d):
        super().__init__()
        self.eps = norm.eps
        # Stored pre-shaped (plain initializers in the graph: no Reshape for the exporter to fold).
        self.register_buffer("weight", norm.weight.detach().reshape(1, -1, 1, 1, 1).clone())
        self.register_buffer("bias", norm.bias.detach().reshape(1, -1, 1, 1, 1).clone())

    @staticmethod
    def _mean(x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=4, keepdim=True).mean(dim=3, keepdim=True).mean(dim=2, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xc = x - self._mean(x)
        var = self._mean(xc * xc)
        scale = torch.rsqrt(var + self.eps) * self.weight
        return xc * scale + self.bias


def for_export(net: MetaKDNet) -> MetaKDNet:
    """A deep copy of `net` with every InstanceNorm3d replaced by ExportInstanceNorm."""
    import copy

    net = copy.deepcopy(net).eval()
    for module in list(net.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.InstanceNorm3d):
                setattr(module, name, ExportInstanceNorm(child))
    return net
