"""2-D convolution as one matrix product (im2col), on channels-last activations.

Every output pixel of a convolution is a dot product between the kH x kW x C_in patch of
input under the kernel and each of the C_out filters. Copy every patch into one row of a
matrix (im2col) and the whole convolution is a single matrix product:

    cols:  (N*H_out*W_out, kH*kW*C_in)     one row per output pixel
    W:     (kH*kW*C_in, C_out)             one column per filter
    out =  cols @ W                         (N*H_out*W_out, C_out) = (N, H_out, W_out, C_out)

Activations are channels-last, x: (N, H, W, C): each pixel's channels sit next to each
other, so one kernel row of a patch is kW*C_in consecutive numbers of the zero-padded
input, and the product's output is already the next layer's input, with no transposes.
A 1x1 convolution with stride 1 needs no im2col at all: x itself, viewed as
(N*H*W, C_in), is the patch matrix.

The patch matrix is k*k times the size of x, so it is built and multiplied a few images
at a time (PATCH_CHUNK_BYTES), in one reused buffer that is still in cache when the
product reads it: one product per chunk, and the whole matrix never exists at once.

Weights stay in PyTorch's layout w: (C_out, C_in, kH, kW) so a state dict loads as it is.
The matrix W above is w.transpose(2, 3, 1, 0) flattened to (kH*kW*C_in, C_out); for a
weight whose memory is already in that order (see `gemm_ordered`) that is a free view,
otherwise it is a copy made on each call.

The backward pass is two more products: dW = cols^T @ dout, and d(cols) = dout @ W^T,
whose rows col2im (the reverse of im2col) adds back onto the input pixels they were
copied from, one strided slice per kernel offset: no per-element scatter. For stride 1
the same dx is itself a convolution of dout with the flipped kernel, computed like the
forward pass (patches and a product), which measured faster than col2im here.
"""

from numerics import array_module, check_float, check_same_dtype, check_shape, check_shapes
from resnet.channels import column_sums

# Bytes of patch matrix built per matrix product: large enough for an efficient product,
# small enough to stay in cache between being written and being read.
PATCH_CHUNK_BYTES = 8 * 2**20


def output_size(size, kernel, stride, padding):
    """Number of kernel positions along one axis: (size + 2*padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def _tap_slices(in_size, out_size, offset, stride, padding):
    """Where kernel offset `offset` reads along one axis, as (output slice, input slice).

    Output position o reads input position o*stride + offset - padding; the positions that
    fall into the zero padding are left out of both slices (they contribute zeros).
    """
    first = max(0, -((offset - padding) // stride))  # ceil((padding - offset) / stride)
    stop = min(out_size, (in_size - 1 + padding - offset) // stride + 1)
    if stop <= first:
        return slice(0, 0), slice(0, 0)
    start = first * stride + offset - padding
    return slice(first, stop), slice(start, start + (stop - first - 1) * stride + 1, stride)


def kernel_taps(x_shape, kernel, stride, padding):
    """Yield (i, j, out_rows, out_cols, in_rows, in_cols) for every kernel offset (i, j).

    x_shape: (N, H, W, C); kernel: (kH, kW). The slices pair each output pixel with the
    input pixel that offset (i, j) of the kernel sees from it, leaving out the padding;
    shared by col2im and max pooling so that arithmetic lives in one place.
    """
    _, H, W, _ = x_shape
    kH, kW = kernel
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    for i in range(kH):
        out_rows, in_rows = _tap_slices(H, H_out, i, stride, padding)
        for j in range(kW):
            out_cols, in_cols = _tap_slices(W, W_out, j, stride, padding)
            yield i, j, out_rows, out_cols, in_rows, in_cols


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


def im2col(x, kernel, stride, padding):
    """Copy every kernel-sized patch of x into one row.

    x: (N, H, W, C); kernel: (kH, kW). Returns cols: (N, H_out, W_out, kH, kW, C), zero
    where a patch overlaps the padding; cols.reshape(-1, kH*kW*C) is the patch matrix.
    """
    xp = array_module(x)
    view = _patch_view(xp.ascontiguousarray(_pad(x, padding)), kernel, stride)
    return xp.ascontiguousarray(view).reshape(*view.shape[:3], *kernel, x.shape[3])


def col2im(dcols, x_shape, stride, padding, out=None):
    """The adjoint of im2col: add each patch row back onto the pixels it came from.

    dcols: (N, H_out, W_out, kH, kW, C); x_shape: (N, H, W, C); out: optional array of
    x_shape to write into. Returns dx: x_shape. Overlapping patches (stride < kernel) sum
    into the same pixel, one kernel offset at a time.
    """
    # BEGIN EXERCISE 13
    xp = array_module(dcols)
    kernel = dcols.shape[3:5]
    if out is None:
        out = xp.zeros(x_shape, dtype=dcols.dtype)
    else:
        out[...] = 0
    for i, j, out_rows, out_cols, in_rows, in_cols in kernel_taps(x_shape, kernel, stride, padding):
        out[:, in_rows, in_cols, :] += dcols[:, out_rows, out_cols, i, j, :]
    return out
    # END EXERCISE 13


def gemm_matrix(w):
    """w: (C_out, C_in, kH, kW) as the product's right factor (kH*kW*C_in, C_out).

    A view when w's memory is in (kH, kW, C_in, C_out) order (see gemm_ordered), else a copy.
    """
    return w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0])


def gemm_ordered(w):
    """A copy of w: (C_out, C_in, kH, kW) with the same shape whose memory is in GEMM order.

    Models store their conv weights like this so that `gemm_matrix` never copies; to the
    user it is an ordinary (C_out, C_in, kH, kW) array (not C-contiguous).
    """
    xp = array_module(w)
    return xp.ascontiguousarray(w.transpose(2, 3, 1, 0)).transpose(3, 2, 0, 1)


def _needs_patches(kernel, stride, padding):
    """False for a 1x1, stride-1, unpadded conv, whose patch matrix is x itself."""
    return not (tuple(kernel) == (1, 1) and stride == 1 and padding == 0)


def _image_chunks(N, image_bytes):
    """Slices of a batch of N images, each about PATCH_CHUNK_BYTES (at least one image)."""
    per_chunk = max(1, min(N, PATCH_CHUNK_BYTES // max(1, image_bytes)))
    for start in range(0, N, per_chunk):
        yield slice(start, min(N, start + per_chunk))


def _patch_chunks(x, kernel, stride, padding, out_channels=0):
    """Yield (images, cols): the patch matrix of x[images], a few images at a time.

    x: (N, H, W, C). images: a slice of the batch; cols: (rows of those images, kH*kW*C).
    A chunk holds about PATCH_CHUNK_BYTES of patches, or of output rows of width
    out_channels if those are wider, so a product's operands and result stay in cache.
    For a 1x1, stride-1, unpadded kernel cols is a view of x; otherwise each cols reuses
    one buffer, and the full patch matrix (k*k times the size of x) never exists.
    Chunks are whole images, so col2im can work on each alone.
    """
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    N, H, W, C = x.shape
    kH, kW = kernel
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    row_length = kH * kW * C
    image_bytes = H_out * W_out * max(row_length, out_channels) * x.itemsize
    if not _needs_patches(kernel, stride, padding):
        for images in _image_chunks(N, image_bytes):
            yield images, x[images].reshape(-1, C)
        return
    view = _patch_view(_pad(x, padding), kernel, stride)
    buffer = None
    for images in _image_chunks(N, image_bytes):
        if buffer is None:
            buffer = xp.empty((images.stop - images.start, *view.shape[1:]), dtype=x.dtype)
        cols = buffer[: images.stop - images.start]
        cols[...] = view[images]
        yield images, cols.reshape(-1, row_length)


def _check_conv_arguments(x, w, b, stride, padding):
    sizes = check_shapes({"x": (x, ("N", "H", "W", "C_in")), "w": (w, ("C_out", "C_in", "kH", "kW"))})
    arrays = {"x": x, "w": w}
    if b is not None:
        check_shape("b", b, (sizes["C_out"],))
        arrays["b"] = b
    for name, array in arrays.items():
        check_float(name, array)
    check_same_dtype(arrays)
    if not (isinstance(stride, int) and stride >= 1 and isinstance(padding, int) and padding >= 0):
        raise ValueError(f"stride must be an int >= 1 and padding an int >= 0, got {stride!r}, {padding!r}")
    H_out = output_size(sizes["H"], sizes["kH"], stride, padding)
    W_out = output_size(sizes["W"], sizes["kW"], stride, padding)
    if H_out < 1 or W_out < 1:
        raise ValueError(
            f"x of shape {tuple(x.shape)} is smaller than the {sizes['kH']}x{sizes['kW']} kernel "
            f"with padding {padding}: output would be {H_out}x{W_out}"
        )


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """out = conv2d(x, w) + b, as matrix products of patches and weights.

    x: (N, H, W, C_in) channels-last; w: (C_out, C_in, kH, kW) PyTorch's layout;
    b: (C_out,) or None; stride, padding: ints, the same along both axes (zero padding).
    Returns out: (N, H_out, W_out, C_out) with H_out = (H + 2*padding - kH) // stride + 1
    (likewise W_out), and a cache for conv2d_backward (it keeps x, not the patches, which
    the backward rebuilds: a k x k patch matrix is k*k times the size of x).
    """
    return _convolve(x, w, b, stride, padding, relu=False)


def conv2d_relu_forward(x, w, b=None, stride=1, padding=0):
    """out = max(conv2d(x, w) + b, 0): conv2d_forward and relu_forward in one pass.

    Arguments and shapes as for conv2d_forward. Each chunk of output rows gets its bias
    and ReLU right after its product, while still in cache, instead of in two more passes
    over the whole output. Returns out and conv2d_forward's cache; the backward pass is
    relu_backward(dout, out) followed by conv2d_backward.
    """
    return _convolve(x, w, b, stride, padding, relu=True)


def _convolve(x, w, b, stride, padding, relu):
    """conv2d_forward, with the ReLU applied to each chunk of output too when relu is set."""
    _check_conv_arguments(x, w, b, stride, padding)
    xp = array_module(x)
    N, H, W, _ = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    weights = gemm_matrix(w)
    out = xp.empty((N, H_out, W_out, C_out), dtype=x.dtype)
    for images, cols in _patch_chunks(x, (kH, kW), stride, padding, C_out):
        block = xp.matmul(cols, weights, out=out[images].reshape(-1, C_out))
        if b is not None:
            block += b
        if relu:
            xp.maximum(block, 0, out=block)
    return out, (x, w, b is not None, stride, padding)


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
    chunk, like the forward pass, instead of adding back k*k strided slices (col2im),
    which measured slower for ResNet's 3x3 convs with 64 to 256 channels.
    dout: (N, H_out, W_out, C_out); w: (C_out, C_in, k, k). Returns dx: (N, H, W, C_in).
    """
    xp = array_module(dout)
    C_out, C_in, kH, kW = w.shape
    flipped = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)).reshape(-1, C_in)
    N, H_out, W_out, _ = dout.shape
    dx = xp.empty((N, H_out + kH - 1 - 2 * padding, W_out + kW - 1 - 2 * padding, C_in), dtype=dout.dtype)
    for images, cols in _patch_chunks(dout, (kH, kW), 1, kH - 1 - padding, C_in):
        xp.matmul(cols, flipped, out=dx[images].reshape(-1, C_in))
    return dx


def _scattered_input_gradient(dout, w, x_shape, stride, padding):
    """dx through col2im: d(patches) = dout @ W^T, added back onto the pixels of each patch.

    dout: (N, H_out, W_out, C_out); w: (C_out, C_in, kH, kW); x_shape: (N, H, W, C_in).
    A few images at a time, in one reused buffer. Returns dx: x_shape.
    """
    xp = array_module(dout)
    C_out, C_in, kH, kW = w.shape
    N, H_out, W_out, _ = dout.shape
    weights = gemm_matrix(w)
    dx = xp.empty(x_shape, dtype=dout.dtype)
    buffer = None
    for images in _image_chunks(N, H_out * W_out * weights.shape[0] * dout.itemsize):
        dout_rows = dout[images].reshape(-1, C_out)
        if buffer is None:
            buffer = xp.empty((dout_rows.shape[0], weights.shape[0]), dtype=dout.dtype)
        dcols = xp.matmul(dout_rows, weights.T, out=buffer[: dout_rows.shape[0]])
        dx_part = dx[images]
        col2im(dcols.reshape(-1, H_out, W_out, kH, kW, C_in), dx_part.shape, stride, padding, out=dx_part)
    return dx


def conv2d_backward(dout, cache, input_gradient=True):
    """Gradients of conv2d_forward.

    dout: (N, H_out, W_out, C_out). input_gradient: False skips dx (returned as None), as
    for a network's input image, which nothing upstream needs a gradient for.
    Returns dx: (N, H, W, C_in), dw: (C_out, C_in, kH, kW) (its memory in GEMM order,
    like `gemm_ordered`) and, if the forward had a bias, db: (C_out,).
    """
    x, w, has_bias, stride, padding = cache
    N, H, W, C_in = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    check_shape("dout", dout, (N, H_out, W_out, C_out))
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
    if not has_bias:
        return dx, dw
    return dx, dw, column_sums(dout.reshape(-1, C_out))
