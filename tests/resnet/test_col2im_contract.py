"""col2im (exercise 13) keeps the whole contract conv2d_backward relies on, `out=` included.

conv2d_backward hands col2im a slice of its dx to write into (out=); an answer that ignored it
would pass a test of the returned value and leave conv2d_backward's dx unwritten. The values are
checked by the adjoint identity <im2col(x), y> = <x, col2im(y)>, with im2col (not an exercise).
"""

import numpy as np
import pytest

from numerics import to_host
from resnet import col2im, im2col

CASES = [((2, 5, 6, 3), (3, 3), 2, 1), ((1, 7, 7, 2), (3, 3), 1, 1), ((2, 6, 5, 1), (5, 5), 3, 2),
         ((1, 4, 4, 2), (1, 1), 1, 0)]


@pytest.mark.exercise(13)
@pytest.mark.parametrize(("x_shape", "kernel", "stride", "padding"), CASES)
def test_col2im_writes_into_out_when_given_and_is_the_adjoint_of_im2col(xp, x_shape, kernel, stride, padding):
    rng = np.random.default_rng(13)
    x = xp.asarray(rng.standard_normal(x_shape))
    cols = im2col(x, kernel, stride, padding)
    y = xp.asarray(rng.standard_normal(cols.shape))
    out = xp.full(x_shape, 7.0)  # stale numbers col2im must overwrite, not add to
    result = col2im(y, x_shape, stride, padding, out=out)
    assert result is out, "with out= given, col2im returns that very array"
    left, right = np.sum(to_host(cols) * to_host(y)), np.sum(to_host(x) * to_host(out))
    assert float(left) == pytest.approx(float(right))
    fresh = col2im(y, x_shape, stride, padding)
    assert fresh.shape == x_shape and fresh.dtype == y.dtype
    assert float(abs(fresh - out).max()) == 0.0
    assert col2im(y.astype(np.float32), x_shape, stride, padding).dtype == np.float32
