import numpy as np
import pytest

from numerics import backend, check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from resnet import (
    col2im,
    conv,
    conv2d_backward,
    conv2d_forward,
    conv2d_relu_forward,
    fast_conv,
    gemm_ordered,
    im2col,
    relu_backward,
)
from resnet.conv import gemm_matrix


def naive_conv(x, w, b, stride, padding):
    """Direct definition, one output number at a time. x: (N, H, W, C) host; w: (F, C, kH, kW)."""
    N, H, W, C = x.shape
    F, _, kH, kW = w.shape
    H_out, W_out = (H + 2 * padding - kH) // stride + 1, (W + 2 * padding - kW) // stride + 1
    out = np.zeros((N, H_out, W_out, F))
    for n in range(N):
        for f in range(F):
            for r in range(H_out):
                for s in range(W_out):
                    total = 0.0 if b is None else b[f]
                    for c in range(C):
                        for i in range(kH):
                            for j in range(kW):
                                row, col = r * stride + i - padding, s * stride + j - padding
                                if 0 <= row < H and 0 <= col < W:
                                    total += x[n, row, col, c] * w[f, c, i, j]
                    out[n, r, s, f] = total
    return out


CASES = [  # (N, H, W, C_in, C_out, kernel, stride, padding, bias)
    (2, 5, 4, 3, 2, 1, 1, 0, False),
    (2, 5, 7, 3, 4, 1, 2, 0, True),
    (1, 5, 5, 2, 3, 3, 1, 1, True),
    (2, 7, 6, 2, 3, 3, 2, 1, False),
    (1, 6, 5, 2, 2, 3, 2, 0, True),
    (1, 9, 7, 3, 2, 7, 2, 3, False),
    (1, 4, 4, 1, 2, 3, 3, 2, True),
    (1, 6, 5, 2, 3, 3, 1, 0, False),
    (1, 6, 7, 2, 2, 5, 1, 2, True),
]


def through_col2im(case):
    """case as a test parameter for the fast path: a strided conv's dx goes through col2im,
    course exercise 13 (resnet.conv's dx always does)."""
    stride = case[6]
    return pytest.param(case, marks=pytest.mark.exercise(13) if stride > 1 else ())


def gradients(backward):
    """backward's (dx, dw, db) as check_layer wants them: no db for a conv without a bias."""

    def without_missing_bias(dout, cache):
        dx, dw, db = backward(dout, cache)
        return (dx, dw) if db is None else (dx, dw, db)

    return without_missing_bias


def _inputs(xp, case, dtype=np.float64):
    N, H, W, C_in, C_out, k, _, _, bias = case
    x = xp.asarray(np.linspace(-1.0, 1.2, N * H * W * C_in).reshape(N, H, W, C_in), dtype=dtype)
    w = xp.asarray(np.linspace(-0.8, 0.5, C_out * C_in * k * k).reshape(C_out, C_in, k, k) ** 3, dtype=dtype)
    b = xp.asarray(np.linspace(0.3, -0.2, C_out), dtype=dtype) if bias else None
    return x, w, b


@pytest.mark.parametrize("module", [conv, fast_conv])
@pytest.mark.parametrize("case", CASES)
def test_conv_forward_matches_nested_loops(xp, case, module):
    x, w, b = _inputs(xp, case)
    stride, padding = case[6], case[7]
    out, _ = module.conv2d_forward(x, w, b, stride, padding)
    expected = naive_conv(to_host(x), to_host(w), None if b is None else to_host(b), stride, padding)
    assert out.shape == expected.shape
    assert rel_error(out, expected) < 1e-12


@pytest.mark.exercise(13)
@pytest.mark.parametrize("case", CASES)
def test_conv_gradients(xp, case):
    rng = np.random.default_rng(1)
    N, H, W, C_in, C_out, k, stride, padding, bias = case
    inputs = {
        "x": xp.asarray(rng.standard_normal((N, H, W, C_in))),
        "w": xp.asarray(rng.standard_normal((C_out, C_in, k, k))),
    }
    if bias:
        inputs["b"] = xp.asarray(rng.standard_normal(C_out))

    def forward(x, w, b=None):
        return conv2d_forward(x, w, b, stride, padding)

    errors = check_layer(forward, gradients(conv2d_backward), inputs)
    assert_gradients_close(errors, 1e-6)


@pytest.mark.parametrize("case", [through_col2im(case) for case in CASES])
def test_fast_conv_gradients(xp, case):
    rng = np.random.default_rng(1)
    N, H, W, C_in, C_out, k, stride, padding, bias = case
    inputs = {
        "x": xp.asarray(rng.standard_normal((N, H, W, C_in))),
        "w": xp.asarray(rng.standard_normal((C_out, C_in, k, k))),
    }
    if bias:
        inputs["b"] = xp.asarray(rng.standard_normal(C_out))

    def forward(x, w, b=None):
        return fast_conv.conv2d_forward(x, w, b, stride, padding)

    errors = check_layer(forward, gradients(fast_conv.conv2d_backward), inputs)
    assert_gradients_close(errors, 1e-6)


@pytest.mark.exercise(13)  # a kernel that is not square takes col2im in either module, for any stride
@pytest.mark.parametrize("module", [conv, fast_conv])
def test_non_square_kernel(xp, module):
    rng = np.random.default_rng(5)
    x, w = xp.asarray(rng.standard_normal((2, 5, 6, 2))), xp.asarray(rng.standard_normal((3, 2, 1, 3)))
    out, _ = module.conv2d_forward(x, w, None, 1, 1)
    assert rel_error(out, naive_conv(to_host(x), to_host(w), None, 1, 1)) < 1e-12

    def forward(x, w):
        return module.conv2d_forward(x, w, None, 1, 1)

    assert_gradients_close(check_layer(forward, gradients(module.conv2d_backward), {"x": x, "w": w}), 1e-6)


@pytest.mark.parametrize("case", [through_col2im(case) for case in (CASES[1], CASES[2])])
def test_conv_relu_is_relu_of_conv_with_its_gradients(xp, case):
    x, w, b = _inputs(xp, case)
    stride, padding = case[6], case[7]
    out, _ = conv2d_relu_forward(x, w, b, stride, padding)
    assert rel_error(out, np.maximum(to_host(fast_conv.conv2d_forward(x, w, b, stride, padding)[0]), 0)) == 0

    def forward_keeping_out(x, w, b):
        out, conv_cache = conv2d_relu_forward(x, w, b, stride, padding)
        return out, (out, conv_cache)

    def backward(dout, cache):  # the documented recipe: ReLU's backward, then the conv's
        out, conv_cache = cache
        return fast_conv.conv2d_backward(relu_backward(dout, out), conv_cache)

    errors = check_layer(forward_keeping_out, backward, {"x": x, "w": w, "b": b})
    assert_gradients_close(errors, 1e-6)


@pytest.mark.parametrize("module", [pytest.param(conv, marks=pytest.mark.needs_exercises(13)), fast_conv])
def test_float32_stays_float32(xp, module):
    x, w, b = _inputs(xp, CASES[2], np.float32)
    out, cache = module.conv2d_forward(x, w, b, 1, 1)
    dx, dw, db = module.conv2d_backward(out, cache)
    assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(np.float32)}


def test_backward_returns_none_for_a_missing_bias(xp):
    x, w, _ = _inputs(xp, CASES[0])
    out, cache = fast_conv.conv2d_forward(x, w)
    dx, dw, db = fast_conv.conv2d_backward(out, cache)
    assert db is None and dx.shape == x.shape and dw.shape == w.shape


@pytest.mark.exercise(13)
def test_col2im_is_the_adjoint_of_im2col(xp):
    # <im2col(x), c> == <x, col2im(c)> for every x and c: col2im adds back exactly what im2col copied.
    rng = np.random.default_rng(2)
    x = xp.asarray(rng.standard_normal((2, 6, 5, 3)))
    cols = im2col(x, (3, 3), 2, 1)
    c = xp.asarray(rng.standard_normal(cols.shape))
    assert float((cols * c).sum()) == pytest.approx(float((x * col2im(c, x.shape, 2, 1)).sum()), rel=1e-12)


def test_im2col_rows_are_zero_padded_patches(xp):
    x = xp.asarray(np.arange(1.0, 10.0).reshape(1, 3, 3, 1))
    cols = to_host(im2col(x, (3, 3), 1, 1))
    # The top-left output pixel sees the padding on its top row and left column.
    assert cols[0, 0, 0, :, :, 0].tolist() == [[0, 0, 0], [0, 1, 2], [0, 4, 5]]
    assert cols[0, 1, 1, :, :, 0].tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_gemm_ordered_weight_needs_no_copy(xp):
    w = xp.asarray(np.random.default_rng(3).standard_normal((4, 3, 3, 3)))
    ordered = gemm_ordered(w)
    assert ordered.shape == w.shape and rel_error(ordered, w) == 0
    matrix = gemm_matrix(ordered)
    assert matrix.shape == (27, 4)
    assert xp.shares_memory(matrix, ordered)


@pytest.mark.needs_exercises(13)  # stride 2
@pytest.mark.parametrize("module", [conv, fast_conv])
def test_weight_gradient_comes_back_in_the_weights_shape(xp, module):
    x, w, _ = _inputs(xp, CASES[3])
    out, cache = module.conv2d_forward(x, gemm_ordered(w), None, 2, 1)
    _, dw, _ = module.conv2d_backward(out, cache)
    assert dw.shape == w.shape


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "message"),
    [
        ((1, 5, 5, 3), (2, 4, 3, 3), r"w must have shape \(C_out, C_in, kH, kW\).*got \(2, 4, 3, 3\)"),
        ((1, 5, 5), (2, 3, 3, 3), r"x must have shape \(N, H, W, C_in\), got \(1, 5, 5\)"),
        ((1, 5, 5, 3), (2, 3, 3), r"w must have shape \(C_out, C_in, kH, kW\).*got \(2, 3, 3\)"),
        ((1, 2, 2, 3), (2, 3, 5, 5), r"smaller than the 5x5 kernel"),
    ],
)
def test_bad_shapes_are_named(xp, x_shape, w_shape, message):
    with pytest.raises(ValueError, match=message):
        conv2d_forward(xp.zeros(x_shape), xp.zeros(w_shape))


def test_bad_bias_dtype_and_dout(xp):
    x, w = xp.zeros((1, 4, 4, 3)), xp.zeros((2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\), got \(3,\)"):
        conv2d_forward(x, w, xp.zeros(3))
    with pytest.raises(ValueError, match="float64.*float32|float32.*float64"):
        conv2d_forward(x, w.astype(xp.float32))
    _, cache = conv2d_forward(x, w, None, 1, 1)
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 4, 4, 2\), got \(1, 4, 4, 3\)"):
        conv2d_backward(xp.zeros((1, 4, 4, 3)), cache)


@pytest.mark.exercise(13)  # stride 2
def test_one_image_per_product_gives_the_same_gradients(xp, monkeypatch):
    # The fast path convolves large batches a few images at a time; force one image per chunk.
    x, w, b = _inputs(xp, CASES[3])
    dout = xp.asarray(np.random.default_rng(4).standard_normal((2, 4, 3, 3)))
    out, cache = fast_conv.conv2d_forward(x, w, b, 2, 1)
    grads = fast_conv.conv2d_backward(dout, cache)
    monkeypatch.setattr(fast_conv, "PATCH_CHUNK_BYTES", 1)
    monkeypatch.setattr(backend, "DEVICE_CHUNK_BYTES", 1)
    chunked_out, chunked_cache = fast_conv.conv2d_forward(x, w, b, 2, 1)
    assert rel_error(chunked_out, out) < 1e-14
    chunked_grads = fast_conv.conv2d_backward(dout, chunked_cache)
    assert grads[2] is None and chunked_grads[2] is None  # no bias
    for whole, chunked in zip(grads[:2], chunked_grads[:2]):
        assert rel_error(whole, chunked) < 1e-14


def test_input_gradient_can_be_skipped(xp):
    x, w, b = _inputs(xp, CASES[2])
    out, cache = fast_conv.conv2d_forward(x, w, b, 1, 1)
    dx, dw, db = fast_conv.conv2d_backward(out, cache)
    skipped = fast_conv.conv2d_backward(out, cache, input_gradient=False)
    assert skipped[0] is None
    assert rel_error(skipped[1], dw) == 0 and rel_error(skipped[2], db) == 0


@pytest.mark.parametrize("module", [conv, fast_conv])
def test_one_channel_made_by_a_new_axis(xp, module):
    # x[..., None] is contiguous but reports a channel stride of 0: the patches must not care.
    x = xp.asarray(np.arange(1.0, 31.0).reshape(1, 5, 6))[..., None]
    w = xp.asarray(np.ones((1, 1, 2, 2)))
    out, _ = module.conv2d_forward(x, w, None, 1, 0)
    expected = naive_conv(to_host(x).copy(), np.ones((1, 1, 2, 2)), None, 1, 0)
    assert rel_error(out, expected) < 1e-12
