"""Winograd's F(2x2, 3x3): a stride-1 3x3 convolution with 2.25 times fewer multiplications.

im2col multiplies every 3x3 patch by the filter: 9 multiply-adds per output pixel, input
channel and filter. Winograd's minimal filtering algorithm computes a 2x2 block of output
pixels from the 4x4 input tile d under it and the 3x3 filter g as

    Y = A^T [ (G g G^T) * (B^T d B) ] A          (* elementwise, on 4x4 arrays)

with constant matrices of 0, 1/2 and +-1 (below): 16 multiplications for 4 outputs instead
of 36. With channels, the elementwise product summed over the input channels is, for each
of the 16 positions of the 4x4 array, one matrix product

    M[k] = V[k] @ U[k]:   (tiles, C_in) @ (C_in, C_out),   V = B^T d B,  U = G g G^T

so the multiplications are still done by GEMMs, 16 of them, each 9/4 times smaller in all
than im2col's one. The transforms are additions and subtractions, done as whole-array passes
over every tile at once, a few images at a time so that they stay in cache. Tiles cover the
output in 2x2 blocks; an odd output size gets one more row or column of tiles, computed on
zero padding and not written out.

The result equals the direct convolution in exact arithmetic (G's halves are exact in
binary); in float32 it differs by rounding, a few units in the last place.
"""

from numerics import array_module, preferred_chunk_bytes
from resnet.conv import output_size

# B^T, G and A^T of F(2x2, 3x3), interpolating at 0, 1, -1 and infinity.
INPUT_TRANSFORM = ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1))
FILTER_TRANSFORM = ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1))
OUTPUT_TRANSFORM = ((1, 1, 1, 0), (0, 1, -1, -1))

# Bytes of transformed input (V) per chunk of images on the host: the transforms and the 16
# products of a chunk then run on data still in cache (a GPU takes far larger chunks).
CHUNK_BYTES = 4 * 2**20
# The filter transform costs about as much as this many rows of the products (it writes
# 16 * C_in * C_out numbers, reading and writing memory rather than multiplying).
FILTER_TRANSFORM_ROWS = 512
# The input and output transforms cost per tile in proportion to C_in + C_out, the products
# it saves in proportion to C_in * C_out: below this C_in * C_out / (C_in + C_out) the
# transforms cost more than the products they save.
MIN_CHANNEL_PRODUCT_PER_SUM = 64


def pays(N, H_out, W_out, C_in, C_out):
    """Whether F(2x2, 3x3) should beat im2col on a stride-1 3x3 convolution of this size.

    im2col does 9 * N * H_out * W_out multiply-adds per (input channel, filter) pair; F(2x2, 3x3)
    16 per tile of 2x2 outputs, plus its filter transform. It pays when it saves 30% of that
    work (not on 7x7 maps, whose tiles cover 8x8) and the channels are many enough for its
    transforms to be cheap beside it.
    """
    tiles = N * ((H_out + 1) // 2) * ((W_out + 1) // 2)
    fewer_products = 16 * tiles + FILTER_TRANSFORM_ROWS <= 0.7 * 9 * N * H_out * W_out
    return fewer_products and C_in * C_out >= MIN_CHANNEL_PRODUCT_PER_SUM * (C_in + C_out)


def _signed_sum(parts, coefficients, out):
    """out = sum of coefficients[k] * parts[k], coefficients in {-1, 0, 1} with at least one 1.

    One pass over out per term after the first (out = first + second, then out += ...).
    """
    xp = array_module(out)
    terms = sorted(((c, part) for c, part in zip(coefficients, parts) if c), key=lambda term: -term[0])
    (_, first), *rest = terms
    if not rest:
        out[...] = first
        return out
    (sign, second), *rest = rest
    (xp.add if sign > 0 else xp.subtract)(first, second, out=out)
    for sign, part in rest:
        (xp.add if sign > 0 else xp.subtract)(out, part, out=out)
    return out


def transform_filters(w):
    """U = G g G^T for every (input channel, filter) pair.

    w: (C_out, C_in, 3, 3). Returns U: (16, C_in, C_out), position (a, b) of the 4x4 array at 4a + b.
    U[4a + b] = sum over (i, j) of G[a, i] G[b, j] g[i, j]: one product of the 16 x 9 matrix
    kron(G, G) with the 9 filter taps, each a (C_in, C_out) matrix.
    """
    xp = array_module(w)
    G = xp.asarray(FILTER_TRANSFORM, dtype=w.dtype)
    taps = xp.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(9, -1)  # a view for gemm_ordered weights
    return (xp.kron(G, G) @ taps).reshape(16, *w.shape[1::-1])


def _transform_tiles(padded, tiles_h, tiles_w, rows_buffer, V):
    """V = B^T d B for every 4x4 tile d of padded: (n, 2*tiles_h + 2, 2*tiles_w + 2, C).

    Tile (r, q) starts at row 2r, column 2q. rows_buffer: 4 arrays (n, tiles_h, W, C);
    V: (16, n * tiles_h * tiles_w, C) is written.
    """
    n, _, _, C = padded.shape
    tile_rows = [padded[:, i : i + 2 * tiles_h : 2] for i in range(4)]
    for a, coefficients in enumerate(INPUT_TRANSFORM):
        rows = _signed_sum(tile_rows, coefficients, rows_buffer[a][:n])
        tile_cols = [rows[:, :, j : j + 2 * tiles_w : 2] for j in range(4)]
        for b, column_coefficients in enumerate(INPUT_TRANSFORM):
            _signed_sum(tile_cols, column_coefficients, V[4 * a + b].reshape(n, tiles_h, tiles_w, C))


def _untransform_tiles(M, n, tiles_h, tiles_w, half_buffer, out):
    """out = A^T m A for every tile's m in M: (16, n * tiles_h * tiles_w, C_out).

    out: (n, H_out, W_out, C_out) with H_out in (2*tiles_h - 1, 2*tiles_h), likewise W_out;
    half_buffer: 8 arrays (n, tiles_h, tiles_w, C_out).
    """
    C_out = M.shape[2]
    m = [[M[4 * a + b].reshape(n, tiles_h, tiles_w, C_out) for b in range(4)] for a in range(4)]
    for r, coefficients in enumerate(OUTPUT_TRANSFORM):
        half = [_signed_sum([m[a][b] for a in range(4)], coefficients, half_buffer[4 * r + b][:n])
                for b in range(4)]
        for q, column_coefficients in enumerate(OUTPUT_TRANSFORM):
            target = out[:, r::2, q::2]  # the (r, q) pixel of every 2x2 block that exists
            rows, cols = target.shape[1:3]
            _signed_sum([part[:, :rows, :cols] for part in half], column_coefficients, target)


def conv3x3_forward(x, w, b=None, padding=1, relu=False):
    """A stride-1 3x3 convolution (and bias, and ReLU) by F(2x2, 3x3).

    x: (N, H, W, C_in); w: (C_out, C_in, 3, 3); b: (C_out,) or None; padding: 0, 1 or 2.
    Returns out: (N, H + 2*padding - 2, W + 2*padding - 2, C_out), what
    resnet.conv.conv2d_forward(x, w, b, 1, padding) gives (max(., 0) of it with relu).
    Arguments are not checked here: resnet.fast_conv checks them before calling.
    """
    xp = array_module(x)
    N, H, W, C_in = x.shape
    C_out = w.shape[0]
    H_out, W_out = output_size(H, 3, 1, padding), output_size(W, 3, 1, padding)
    tiles_h, tiles_w = (H_out + 1) // 2, (W_out + 1) // 2
    U = transform_filters(w)
    out = xp.empty((N, H_out, W_out, C_out), dtype=x.dtype)
    chunk_bytes = preferred_chunk_bytes(xp, CHUNK_BYTES)
    per_chunk = max(1, min(N, chunk_bytes // (16 * tiles_h * tiles_w * max(C_in, C_out) * x.itemsize)))
    # Zero padding: `padding` rows and columns before, enough after for whole tiles.
    padded = xp.zeros((per_chunk, 2 * tiles_h + 2, 2 * tiles_w + 2, C_in), dtype=x.dtype)
    rows_buffer = [xp.empty((per_chunk, tiles_h, 2 * tiles_w + 2, C_in), dtype=x.dtype) for _ in range(4)]
    half_buffer = [xp.empty((per_chunk, tiles_h, tiles_w, C_out), dtype=x.dtype) for _ in range(8)]
    V = xp.empty((16, per_chunk * tiles_h * tiles_w, C_in), dtype=x.dtype)
    M = xp.empty((16, per_chunk * tiles_h * tiles_w, C_out), dtype=x.dtype)
    for start in range(0, N, per_chunk):
        n = min(per_chunk, N - start)
        tiles = n * tiles_h * tiles_w
        padded[:n, padding : padding + H, padding : padding + W] = x[start : start + n]
        _transform_tiles(padded[:n], tiles_h, tiles_w, rows_buffer, V[:, :tiles])
        xp.matmul(V[:, :tiles], U, out=M[:, :tiles])
        block = out[start : start + n]
        _untransform_tiles(M[:, :tiles], n, tiles_h, tiles_w, half_buffer, block)
        if b is not None:
            block += b
        if relu:
            xp.maximum(block, 0, out=block)
    return out
