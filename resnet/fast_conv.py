"""The convolution the model runs: resnet/conv.py's numbers, computed faster.

resnet/conv.py builds the whole patch matrix, k*k times the size of x, and multiplies it
once. Here:

- Patches are built and multiplied a few images at a time (PATCH_CHUNK_BYTES), in one
  reused buffer that is still in cache when the product reads it; the whole patch matrix
  never exists. A chunk's patches are one copy out of a strided view of the padded input
  (one kernel row of a patch is kW*C_in consecutive numbers of it).
- A 1x1, stride-1 convolution needs no patches at all: x viewed as (N*H*W, C_in) is the
  patch matrix.
- A stride-1 3x3 convolution with many channels goes to resnet.winograd, which needs 2.25
  times fewer multiplications (winograd.pays says where that outweighs its transforms).
- Bias and ReLU are applied to each chunk of output right after its product, while it is
  in cache, instead of in more passes over the whole output (conv2d_relu_forward).
- Weights may be stored with their memory in GEMM order (gemm_ordered), so that the
  product's right factor is a view rather than a copy made on every call.
- dx takes whichever of three routes costs least: a 1x1 stride-1 conv's is one product;
  a stride-1 conv's is itself a convolution of dout with the kernel turned by 180 degrees
  (patches and products again, or Winograd, no scattering); otherwise d(patches) chunk by
  chunk and col2im.

The caches are resnet.conv's ConvCache, so either module's backward takes either's cache.
"""

from numerics import array_module, preferred_chunk_bytes
from resnet import winograd
from resnet.channels import column_sums
from resnet.conv import ConvCache, check_conv_arguments, check_dout, col2im, gemm_matrix, output_size

# Bytes of patch matrix built per matrix product on the CPU: large enough for an efficient
# product, small enough to stay in cache between being written and being read. A GPU has no
# such cache: it takes the backend's preferred_chunk_bytes.
PATCH_CHUNK_BYTES = 8 * 2**20


def gemm_ordered(w):
    """A copy of w: (C_out, C_in, kH, kW) with the same shape whose memory is in GEMM order.

    Models store their conv weights like this so that `gemm_matrix` never copies; to the
    user it is an ordinary (C_out, C_in, kH, kW) array (not C-contiguous).
    """
    xp = array_module(w)
    return xp.ascontiguousarray(w.transpose(2, 3, 1, 0)).transpose(3, 2, 0, 1)


def _pad(x, padding):
    """x: (N, H, W, C) with `padding` zeros around each image: (N, H + 2p, W + 2p, C)."""
    if padding == 0:
        return x
    xp = array_module(x)
    N, H, W, C = x.shape
    padded = xp.zeros((N, H + 2 * padding, W + 2 * padding, C), dtype=x.dtype)
    padded[:, padding : padding + H, padding : padding + W, :] = x
    return padded


def _patch_view(padded, kernel, stride):
    """Every patch of a padded, C-contiguous (N, H, W, C) array, without copying.

    Returns a strided view (N, H_out, W_out, kH, kW*C): one kernel row of a patch is kW
    neighbouring pixels, i.e. kW*C consecutive numbers in memory, so a patch is kH runs
    read straight out of `padded` (neighbouring patches share memory).
    """
    xp = array_module(padded)
    N, H, W, C = padded.shape
    kH, kW = kernel
    H_out, W_out = output_size(H, kH, stride, 0), output_size(W, kW, stride, 0)
    # Strides from the shape, not padded.strides: an axis of length 1 may report any stride
    # (x[..., None] reports 0) and still count as contiguous.
    s_c = padded.itemsize
    s_w, s_h, s_n = C * s_c, W * C * s_c, H * W * C * s_c
    return xp.lib.stride_tricks.as_strided(
        padded, (N, H_out, W_out, kH, kW * C), (s_n, stride * s_h, stride * s_w, s_h, s_c)
    )


def _needs_patches(kernel, stride, padding):
    """False for a 1x1, stride-1, unpadded conv, whose patch matrix is x itself."""
    return not (tuple(kernel) == (1, 1) and stride == 1 and padding == 0)


def _image_chunks(N, image_bytes, xp):
    """Slices of a batch of N images, each about PATCH_CHUNK_BYTES on the host (at least one image)."""
    per_chunk = max(1, min(N, preferred_chunk_bytes(xp, PATCH_CHUNK_BYTES) // max(1, image_bytes)))
    for start in range(0, N, per_chunk):
        yield slice(start, min(N, start + per_chunk))


def _patch_chunks(x, kernel, stride, padding, out_channels=0):
    """Yield (images, cols): the patch matrix of x[images], a few images at a time.

    x: (N, H, W, C). images: a slice of the batch; cols: (rows of those images, kH*kW*C).
    A chunk holds about PATCH_CHUNK_BYTES of patches, or of output rows of width
    out_channels if those are wider, so a product's operands and result stay in cache.
    For a 1x1, stride-1, unpadded kernel cols is a view of x; otherwise each cols reuses
    one buffer.
    """
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    N, H, W, C = x.shape
    kH, kW = kernel
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    row_length = kH * kW * C
    image_bytes = H_out * W_out * max(row_length, out_channels) * x.itemsize
    if not _needs_patches(kernel, stride, padding):
        for images in _image_chunks(N, image_bytes, xp):
            yield images, x[images].reshape(-1, C)
        return
    view = _patch_view(_pad(x, padding), kernel, stride)
    buffer = None
    for images in _image_chunks(N, image_bytes, xp):
        if buffer is None:
            buffer = xp.empty((images.stop - images.start, *view.shape[1:]), dtype=x.dtype)
        cols = buffer[: images.stop - images.start]
        cols[...] = view[images]
        yield images, cols.reshape(-1, row_length)


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """resnet.conv.conv2d_forward, chunk by chunk. Arguments, shapes and cache alike."""
    return _convolve(x, w, b, stride, padding, relu=False)


def conv2d_relu_forward(x, w, b=None, stride=1, padding=0):
    """out = max(conv2d(x, w) + b, 0): the convolution and the ReLU in one pass.

    Arguments and shapes as for conv2d_forward. Each chunk of output rows gets its bias
    and ReLU right after its product, while still in cache. Returns out and the
    convolution's cache; the backward pass is relu_backward(dout, out), then conv2d_backward.
    """
    return _convolve(x, w, b, stride, padding, relu=True)


def _convolve(x, w, b, stride, padding, relu):
    """conv2d_forward, with the ReLU applied to each chunk of output too when relu is set."""
    check_conv_arguments(x, w, b, stride, padding)
    xp = array_module(x)
    N, H, W, _ = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    cache = ConvCache(x, w, stride, padding, b is not None)
    if uses_winograd(x.shape, w.shape, stride, padding):
        return winograd.conv3x3_forward(x, w, b, padding, relu), cache
    weights = gemm_matrix(w)
    out = xp.empty((N, H_out, W_out, C_out), dtype=x.dtype)
    for images, cols in _patch_chunks(x, (kH, kW), stride, padding, C_out):
        block = xp.matmul(cols, weights, out=out[images].reshape(-1, C_out))
        if b is not None:
            block += b
        if relu:
            xp.maximum(block, 0, out=block)
    return out, cache


def uses_winograd(x_shape, w_shape, stride, padding):
    """Whether a convolution of x: (N, H, W, C_in) by w: (C_out, C_in, kH, kW) is computed by
    resnet.winograd: a stride-1 3x3 one, of a size where it pays."""
    N, H, W, C_in = x_shape
    C_out, _, kH, kW = w_shape
    if (kH, kW) != (3, 3) or stride != 1 or padding > 2:
        return False
    H_out, W_out = output_size(H, 3, 1, padding), output_size(W, 3, 1, padding)
    return winograd.pays(N, H_out, W_out, C_in, C_out)


def _weight_gradient(x, dout, kernel, stride, padding):
    """dw as a matrix (kH*kW*C_in, C_out): patches(x)^T @ dout, summed chunk by chunk."""
    xp = array_module(x)
    C_out = dout.shape[3]
    dw_matrix = xp.zeros((kernel[0] * kernel[1] * x.shape[3], C_out), dtype=x.dtype)
    for images, cols in _patch_chunks(x, kernel, stride, padding, C_out):
        dw_matrix += cols.T @ dout[images].reshape(-1, C_out)
    return dw_matrix


def _stride_one_input_gradient(dout, w, padding):
    """dx of a stride-1 conv with a square k x k kernel, as a convolution of dout.

    Input pixel h receives dout[h - i + padding] * w[..., i, ...] for each kernel row i:
    that is a convolution of dout, padded by k - 1 - padding, with the kernel turned
    upside down and left to right and C_in, C_out swapped. Patches and one product per
    chunk, like the forward pass, instead of adding k*k strided slices back (col2im).
    dout: (N, H_out, W_out, C_out); w: (C_out, C_in, k, k). Returns dx: (N, H, W, C_in).
    """
    xp = array_module(dout)
    C_out, C_in, kH, kW = w.shape
    turned = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_in, C_out, k, k)
    if uses_winograd(dout.shape, turned.shape, 1, kH - 1 - padding):
        return winograd.conv3x3_forward(dout, turned, None, kH - 1 - padding)
    flipped = xp.ascontiguousarray(turned.transpose(2, 3, 1, 0)).reshape(-1, C_in)
    N, H_out, W_out, _ = dout.shape
    dx = xp.empty((N, H_out + kH - 1 - 2 * padding, W_out + kW - 1 - 2 * padding, C_in), dtype=dout.dtype)
    for images, cols in _patch_chunks(dout, (kH, kW), 1, kH - 1 - padding, C_in):
        xp.matmul(cols, flipped, out=dx[images].reshape(-1, C_in))
    return dx


def _scattered_input_gradient(dout, w, x_shape, stride, padding):
    """dx through col2im: d(patches) = dout @ W^T, added back onto the pixels of each patch.

    dout: (N, H_out, W_out, C_out); w: (C_out, C_in, kH, kW); x_shape: (N, H, W, C_in).
    A few images at a time, d(patches) in one reused buffer. Returns dx: x_shape.
    """
    xp = array_module(dout)
    C_out, C_in, kH, kW = w.shape
    N, H_out, W_out, _ = dout.shape
    weights = gemm_matrix(w)
    parts, buffer = [], None
    for images in _image_chunks(N, H_out * W_out * weights.shape[0] * dout.itemsize, xp):
        dout_rows = dout[images].reshape(-1, C_out)
        if buffer is None:
            buffer = xp.empty((dout_rows.shape[0], weights.shape[0]), dtype=dout.dtype)
        dcols = xp.matmul(dout_rows, weights.T, out=buffer[: dout_rows.shape[0]])
        part_shape = (images.stop - images.start, *x_shape[1:])
        parts.append(col2im(dcols.reshape(-1, H_out, W_out, kH, kW, C_in), part_shape, stride, padding))
    return parts[0] if len(parts) == 1 else xp.concatenate(parts)


def conv2d_backward(dout, cache, input_gradient=True):
    """Gradients of conv2d_forward (of either module), as resnet.conv.conv2d_backward.

    dout: (N, H_out, W_out, C_out). input_gradient: False skips dx (returned as None), as
    for a network's input image, which nothing upstream needs a gradient for.
    Returns (dx, dw, db): dx: (N, H, W, C_in) or None, dw: (C_out, C_in, kH, kW) (its
    memory in GEMM order, like gemm_ordered), db: (C_out,) or None without a bias.
    """
    check_dout(dout, cache)
    x, w, stride, padding = cache.x, cache.w, cache.stride, cache.padding
    C_out, C_in, kH, kW = w.shape
    dw_matrix = _weight_gradient(x, dout, (kH, kW), stride, padding)
    dw = dw_matrix.reshape(kH, kW, C_in, C_out).transpose(3, 2, 0, 1)
    if not input_gradient:
        dx = None
    elif not _needs_patches((kH, kW), stride, padding):
        dx = (dout.reshape(-1, C_out) @ gemm_matrix(w).T).reshape(x.shape)
    elif stride == 1 and kH == kW and padding < kH:
        dx = _stride_one_input_gradient(dout, w, padding)
    else:
        dx = _scattered_input_gradient(dout, w, x.shape, stride, padding)
    db = column_sums(dout.reshape(-1, C_out)) if cache.has_bias else None
    return dx, dw, db
