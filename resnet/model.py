"""ResNet models: torchvision's ResNet50, and smaller ResNets built from the same blocks.

    x (N, 3, H, W)
    stem:    conv1 7x7 stride 2 ─ bn1 ─ relu ─ max pool 3x3 stride 2     (H/4, W/4)
    layer1 … layerK: bottleneck blocks; the first block of every stage but the first has
             stride 2 (and a projection shortcut), halving the image again
    global average pool ─ fc                                            logits (N, num_classes)

ResNet50 is blocks_per_stage (3, 4, 6, 3), widths (64, 128, 256, 512), stem width 64:
25.6 million parameters, named exactly as in torchvision ("conv1.weight",
"layer1.0.downsample.0.weight", "layer4.2.bn3.running_var", "fc.bias", ...), so a
torchvision state dict loads as it is.

The public input is (N, 3, H, W) like torchvision's; inside, activations are channels-last
(N, H, W, C), which makes every convolution one matrix product with no transposes.
The layers are the fast ones (resnet/fast_bottleneck.py, resnet/fast_conv.py); the
readable definitions they are tested against are resnet/bottleneck.py, resnet/conv.py.
"""

import math

import numpy

from numerics import array_module, check_float, check_shape, selected, to_device, to_host
from numerics.lanes import lanes, pieces_of, side_by_side
from numerics.state_dicts import load_state_into, strip_prefix
from numerics.validation import InputError
from resnet.bottleneck import EXPANSION, bottleneck_layers
from resnet.fast_bottleneck import bottleneck_backward, bottleneck_forward, conv_bn_backward, conv_bn_forward
from resnet.fast_conv import gemm_ordered
from resnet.linear import linear_backward, linear_forward
from resnet.pooling import grid_avgpool_backward, grid_avgpool_forward, maxpool_backward, maxpool_forward

RESNET50_BLOCKS = (3, 4, 6, 3)
RESNET50_WIDTHS = (64, 128, 256, 512)
BATCHNORM_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")
# The stem: conv1 7x7, stride 2, padding 3, then max pooling 3x3, stride 2, padding 1.
STEM_KERNEL, STEM_STRIDE = 7, 2  # padding: stem_padding(kernel, stride)
POOL_KERNEL, POOL_STRIDE, POOL_PADDING = 3, 2, 1
# Each piece of a batch run side by side (numerics.lanes) repeats the Python of every layer,
# and the pieces take turns at the interpreter: a piece needs about this many multiply-adds per
# convolution before the second core gains more than that costs. Measured on 2 cores
# (benchmarks/resnet50_speed.py --share-any-batch): ResNet50 at 64 x 64 took 1.56, 1.25 and 0.89
# times one piece's time in two pieces of 1, 2 and 4 pictures (6, 13 and 25 million a
# convolution); at 224 x 224, 4 pictures a piece (310 million), 0.72 to 0.95.
MIN_PIECE_MULTIPLY_ADDS = 20e6


def stem_padding(kernel, stride):
    """The stem's padding: an output side of side / stride (3 for torchvision's 7x7 stride 2,
    0 for a 4x4 stride 4 stem that cuts the picture into patches)."""
    return (kernel - stride + 1) // 2


class ResNet:
    """A ResNet of bottleneck blocks with torchvision's names; see `resnet` and `resnet50`.

    Attributes:
        params:  {name: array}, torch layouts: conv weights (C_out, C_in, kH, kW) (stored
                 with their memory in GEMM order, see resnet.fast_conv.gemm_ordered), batch-norm
                 weight and bias (C,), fc.weight (num_classes, C_last), fc.bias (num_classes,).
        grads:   {name: array} with the keys and shapes of params, filled by backward.
        buffers: {name: array}: "<bn>.running_mean", "<bn>.running_var" (C,) and
                 "<bn>.num_batches_tracked" (int64, shape ()).
        feature_size: pool_grid^2 * C_last, the length of the vector `features` returns.
    """

    def __init__(self, blocks_per_stage, widths, stem_width, num_classes, dtype, rng, in_channels=3,
                 pool_grid=1, stem_kernel=STEM_KERNEL, stem_pool=True, stem_stride=STEM_STRIDE):
        if len(blocks_per_stage) != len(widths) or min(blocks_per_stage, default=0) < 1:
            raise InputError(
                f"blocks_per_stage {tuple(blocks_per_stage)} and widths {tuple(widths)} need one "
                "positive block count per width"
            )
        self.dtype = numpy.dtype(dtype)
        if self.dtype.kind != "f":
            raise InputError(f"dtype must be a floating-point type, got {self.dtype}")
        self.xp = selected()
        self.in_channels, self.num_classes = in_channels, num_classes
        self.params, self.buffers, self._state_order = {}, {}, []
        self.blocks = []  # (name prefix, stride) of every bottleneck block, in the order they run
        rng = numpy.random.default_rng(rng)
        self.stem_kernel, self.stem_pool, self.stem_stride = stem_kernel, stem_pool, stem_stride
        self.stem_padding = stem_padding(stem_kernel, stem_stride)
        self._add_conv_bn("conv1", "bn1", (stem_width, in_channels, stem_kernel, stem_kernel), rng)
        channels = stem_width
        for stage, (blocks, width) in enumerate(zip(blocks_per_stage, widths), start=1):
            for block in range(blocks):
                prefix, stride = f"layer{stage}.{block}.", 2 if block == 0 and stage > 1 else 1
                for conv, bn, shape in bottleneck_layers(channels, width, stride):
                    self._add_conv_bn(prefix + conv, prefix + bn, shape, rng)
                self.blocks.append((prefix, stride))
                channels = EXPANSION * width
        self.pool_grid = pool_grid
        self.feature_size = pool_grid * pool_grid * channels
        self._add_fc(self.feature_size, num_classes, rng)
        self.grads = {name: self.xp.zeros_like(value) for name, value in self.params.items()}
        self._cache = self._fc_cache = None

    # --- construction -------------------------------------------------------------------

    def _add_param(self, name, host_array):
        self.params[name] = to_device(host_array.astype(self.dtype), like=None)
        self._state_order.append(name)

    def _add_conv_bn(self, conv, bn, shape, rng):
        # torchvision: kaiming normal, fan_out mode, gain sqrt(2) for ReLU; bn weight 1, bias 0.
        fan_out = shape[0] * shape[2] * shape[3]
        self._add_param(f"{conv}.weight", rng.standard_normal(shape) * math.sqrt(2.0 / fan_out))
        self.params[f"{conv}.weight"] = gemm_ordered(self.params[f"{conv}.weight"])
        channels = shape[0]
        self._add_param(f"{bn}.weight", numpy.ones(channels))
        self._add_param(f"{bn}.bias", numpy.zeros(channels))
        self.buffers[f"{bn}.running_mean"] = self.xp.zeros(channels, dtype=self.dtype)
        self.buffers[f"{bn}.running_var"] = self.xp.ones(channels, dtype=self.dtype)
        self.buffers[f"{bn}.num_batches_tracked"] = self.xp.zeros((), dtype=numpy.int64)
        self._state_order += [f"{bn}.{buffer}" for buffer in BATCHNORM_BUFFERS]

    def _add_fc(self, fan_in, num_classes, rng):
        # torch.nn.Linear's default: weight and bias uniform in +-1/sqrt(fan_in).
        bound = 1.0 / math.sqrt(fan_in)
        self._add_param("fc.weight", rng.uniform(-bound, bound, (num_classes, fan_in)))
        self._add_param("fc.bias", rng.uniform(-bound, bound, num_classes))

    # --- forward and backward -------------------------------------------------------------

    def _unit(self, prefix, conv, bn):
        p, b = self.params, self.buffers
        weights = p[f"{prefix}{conv}.weight"], p[f"{prefix}{bn}.weight"], p[f"{prefix}{bn}.bias"]
        return (*weights, b[f"{prefix}{bn}.running_mean"], b[f"{prefix}{bn}.running_var"])

    def _block_arrays(self, prefix):
        """The params and buffers of one block, keyed by their names inside the block."""
        return strip_prefix(self.params, prefix), strip_prefix(self.buffers, prefix)

    def _check_input(self, x):
        if array_module(x) is not self.xp:
            where = array_module(x).__name__
            raise InputError(f"x is a {where} array but the model lives on {self.xp.__name__}")
        check_shape("x", x, ("N", self.in_channels, "H", "W"))
        check_float("x", x)
        if x.dtype != self.dtype:
            raise InputError(f"x must have the model's dtype {self.dtype}, got {x.dtype}")
        return self.xp.ascontiguousarray(x.transpose(0, 2, 3, 1))

    def _trunk_forward(self, h, train, keep_cache, maps=None, grid=None):
        """h: (N, H, W, C_in), the checked input channels-last (_check_input) -> pooled
        features (N, C_last) and every layer's cache (or None).

        Without keep_cache each layer's cache is dropped at once, so activations are freed
        as soon as the next layer has read them. maps: a dict to receive the channels-last
        output of the stem ("stem") and of every stage ("layer1", ...), or None.
        """
        caches = [] if keep_cache else None

        def keep(cache):
            if keep_cache:
                caches.append(cache)

        stem = self._unit("", "conv1", "bn1")
        h, cache = conv_bn_forward(h, *stem, self.stem_stride, self.stem_padding, train)
        keep(cache)
        if self.stem_pool:
            h, cache = maxpool_forward(h, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)
            keep(cache)
        if maps is not None:
            maps["stem"] = h
        for prefix, stride in self.blocks:
            params, buffers = self._block_arrays(prefix)
            h, cache = bottleneck_forward(h, params, buffers, stride, train)
            keep(cache)
            if maps is not None:
                maps[prefix.split(".")[0]] = h  # a stage's last block overwrites the earlier ones
        features, cache = grid_avgpool_forward(h, grid or self.pool_grid)
        keep(cache)
        if train:
            for name, count in self.buffers.items():
                if name.endswith(".num_batches_tracked"):
                    count += 1
        return features, caches

    def forward(self, x, train=False, keep_cache=True):
        """Class scores for a batch of images.

        x: (N, in_channels, H, W) of the model's dtype, any H, W >= 1 (224 x 224 for
        ImageNet). train: batch norm uses batch statistics and updates its running
        buffers (else it uses them). keep_cache: keep what backward needs (False frees
        activations as soon as the next layer has used them).
        Returns logits: (N, num_classes).
        """
        features = self.features(x, train, keep_cache)
        logits, fc_cache = linear_forward(features, self.params["fc.weight"], self.params["fc.bias"])
        self._fc_cache = fc_cache if keep_cache else None
        return logits

    def feature_maps(self, x):
        """Eval-mode forward that keeps the output of the stem and of every stage.

        x: as for forward. Returns maps {"stem": ..., "layer1": ..., ...}, each (N, C, H', W')
        channels first like torchvision's, and the logits (N, num_classes) that forward gives.
        """
        maps = {}
        features, _ = self._trunk_forward(self._check_input(x), train=False, keep_cache=False, maps=maps)
        logits, _ = linear_forward(features, self.params["fc.weight"], self.params["fc.bias"])
        maps = {name: self.xp.ascontiguousarray(h.transpose(0, 3, 1, 2)) for name, h in maps.items()}
        return maps, logits

    def backward(self, dlogits, input_gradient=True):
        """Gradients of the last forward's logits; fills self.grads.

        dlogits: (N, num_classes). Returns dx: (N, in_channels, H, W), or None with
        input_gradient=False (training needs only self.grads; skipping the gradient of the
        image saves the costliest col2im of the pass).
        The forward's activations are freed as the backward pass goes past them.
        """
        if self._fc_cache is None:
            raise InputError("backward needs a forward(x, keep_cache=True) first (one backward per forward)")
        fc_cache, self._fc_cache = self._fc_cache, None
        dfeatures, self.grads["fc.weight"], self.grads["fc.bias"] = linear_backward(dlogits, fc_cache)
        return self.backward_features(dfeatures, input_gradient)

    def features(self, x, train=False, keep_cache=False, grid=None):
        """The pooled feature vector of each image (what a captioner encodes).

        x: (N, in_channels, H, W). train: batch statistics, as in forward. keep_cache: keep
        what backward_features needs (for training an encoder end to end). grid: pool the
        last feature map onto grid x grid cells instead of pool_grid x pool_grid (7 keeps
        every cell of ResNet50's 7 x 7 map of a 224 x 224 picture).
        Returns (N, feature_size), 2048 for ResNet50; with grid, (N, grid^2 C_last).
        In eval mode without keep_cache the pictures are shared among the host's cores.
        """
        h = self._check_input(x)
        if train or keep_cache:
            features, self._cache = self._trunk_forward(h, train, keep_cache, grid=grid)
        else:
            features, self._cache = self._eval_features(h, grid), None
        self._fc_cache = None
        return features

    def _eval_features(self, h, grid):
        """Eval-mode features, nothing kept: each picture's features depend on it alone, so a
        large batch is cut into one piece per core and the pieces run side by side
        (numerics.lanes), each with at least MIN_PIECE_MULTIPLY_ADDS of work per convolution.

        h: (N, H, W, C_in) channels-last. Returns (N, feature_size).
        """
        def features_of(piece):
            return self._trunk_forward(piece, train=False, keep_cache=False, grid=grid)[0]

        N, H, W, _ = h.shape
        work = N * self.multiply_adds_per_convolution(math.isqrt(H * W))
        pieces = pieces_of(h, max(1, min(lanes(self.xp), int(work // MIN_PIECE_MULTIPLY_ADDS))))
        if len(pieces) <= 1:  # one core, a device, or too little work to share
            return features_of(h)
        return self.xp.concatenate(side_by_side(features_of, pieces))

    def backward_features(self, dfeatures, input_gradient=True):
        """Gradients of the last forward's (or features') pooled features; fills self.grads
        (all but fc's). dfeatures: (N, feature_size). Returns dx: (N, in_channels, H, W),
        or None with input_gradient=False.
        """
        if self._cache is None:
            raise InputError("backward needs a forward(x, keep_cache=True) first (one backward per forward)")
        caches, self._cache = self._cache, None
        grads = self.grads
        dh = grid_avgpool_backward(dfeatures, caches.pop())
        for prefix, _ in reversed(self.blocks):
            dh, block_grads = bottleneck_backward(dh, caches.pop(), in_place=True)
            for name, grad in block_grads.items():
                grads[prefix + name] = grad
        if self.stem_pool:
            dh = maxpool_backward(dh, caches.pop())
        dx, grads["conv1.weight"], grads["bn1.weight"], grads["bn1.bias"] = conv_bn_backward(
            dh, caches.pop(), in_place=True, input_gradient=input_gradient
        )
        return self.xp.ascontiguousarray(dx.transpose(0, 3, 1, 2)) if input_gradient else None

    def multiply_adds_per_convolution(self, image_size):
        """The mean multiply-adds of one convolution for one square picture of side image_size
        (resnet.summary counts them layer by layer)."""
        from resnet.summary import conv_layers  # imported here: summary reads this module

        layers = conv_layers(self, image_size)
        return sum(layer.multiply_adds for layer in layers) / len(layers)

    # --- state ------------------------------------------------------------------------------

    def state_dict(self):
        """{name: host NumPy array} of every parameter and buffer, in torchvision's order."""
        arrays = {**self.params, **self.buffers}
        return {name: to_host(arrays[name]).copy() for name in self._state_order}

    def load_state_dict(self, state):
        """Copy a state dict (torchvision names and shapes) into the model.

        state: {name: array-like}, e.g. from state_dict() or resnet.weights.load_weights.
        Values are converted to the model's dtype and backend. "num_batches_tracked"
        entries may be absent (older torchvision files predate them); every other name
        must be present with its exact shape. Raises ValueError (StateMismatchError) listing
        the missing, unexpected and mismatched entries otherwise (and then changes nothing).
        """
        arrays = {**self.params, **self.buffers}
        counters = [name for name in self.buffers if name.endswith(".num_batches_tracked")]
        load_state_into(arrays, state, "state dict", optional=counters)


def resnet(
    blocks_per_stage, widths, stem_width=64, num_classes=1000, dtype=numpy.float32, rng=0, in_channels=3,
    pool_grid=1, stem_kernel=STEM_KERNEL, stem_pool=True, stem_stride=STEM_STRIDE,
):
    """A ResNet of bottleneck blocks, randomly initialised like torchvision's.

    blocks_per_stage: blocks in each stage, e.g. (3, 4, 6, 3); widths: each stage's narrow
    width (its blocks output 4 * width channels), e.g. (64, 128, 256, 512); stem_width: the
    channels of conv1; num_classes: fc outputs; dtype: float32 or float64; rng: a seed or
    numpy Generator; in_channels: 3 for RGB; pool_grid: the last feature map is average-pooled
    onto pool_grid x pool_grid cells (1, torchvision's global pooling; 2 or more keep where
    things are, for a captioner that must say "to the left of"); stem_kernel, stem_stride,
    stem_pool: the first convolution's size (7) and stride (2), and whether max pooling follows
    it (True) -- small pictures keep more detail with a 5x5 stem and no pooling, and a 4x4 stem
    of stride 4 with no pooling cuts a picture into patches, 16 times fewer places than pixels,
    at a fraction of the cost of the 7x7 stem and its pooling. A small model for quick
    training on a CPU: resnet((1, 1), (16, 32), stem_width=16, num_classes=10) (feature_size 128).
    Arrays live on the backend selected when it is built (numerics.use).
    """
    return ResNet(blocks_per_stage, widths, stem_width, num_classes, dtype, rng, in_channels, pool_grid,
                  stem_kernel, stem_pool, stem_stride)


def resnet50(weights=None, num_classes=1000, dtype=numpy.float32, rng=0):
    """torchvision's ResNet50 (v1.5).

    weights: None (random init from rng), or the path of a torchvision .pth or of the
    project's .npz (read by resnet.weights.load_weights). Other arguments as for `resnet`.
    """
    model = resnet(RESNET50_BLOCKS, RESNET50_WIDTHS, 64, num_classes, dtype, rng)
    if weights is not None:
        from resnet.weights import load_weights  # imported here: only this path needs it

        model.load_state_dict(load_weights(weights))
    return model
