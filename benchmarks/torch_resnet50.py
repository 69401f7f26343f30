"""An independent ResNet with torch.nn.functional over a torchvision state dict.

Used by benchmarks/resnet50_speed.py when torchvision is not installed (imported as
`torch_resnet50`, from its own folder) and by the cross-check tests
(`benchmarks.torch_resnet50`, from the project's root). It shares no code with the
project's own model: stage layout, strides and shortcuts are read from the state dict's
names (torchvision's), and autograd supplies the backward pass. Needs torch, which the
project itself never imports.
"""

import torch

F = torch.nn.functional


def batch_norm(h, state, name, train):
    """F.batch_norm with the buffers and parameters of batch-norm layer `name` (momentum 0.1)."""
    mean, var = state[f"{name}.running_mean"], state[f"{name}.running_var"]
    weight, bias = state[f"{name}.weight"], state[f"{name}.bias"]
    return F.batch_norm(h, mean, var, weight, bias, training=train, momentum=0.1, eps=1e-5)


def bottleneck(h, state, prefix, stride, train):
    """One torchvision Bottleneck (stride on the 3x3 conv) whose names start with `prefix`."""
    out = F.relu(batch_norm(F.conv2d(h, state[f"{prefix}conv1.weight"]), state, f"{prefix}bn1", train))
    out = F.conv2d(out, state[f"{prefix}conv2.weight"], stride=stride, padding=1)
    out = F.relu(batch_norm(out, state, f"{prefix}bn2", train))
    out = batch_norm(F.conv2d(out, state[f"{prefix}conv3.weight"]), state, f"{prefix}bn3", train)
    if f"{prefix}downsample.0.weight" in state:
        h = F.conv2d(h, state[f"{prefix}downsample.0.weight"], stride=stride)
        h = batch_norm(h, state, f"{prefix}downsample.1", train)
    return F.relu(out + h)


def resnet(state, x, train):
    """Logits (N, classes) of the ResNet described by `state` for images x (N, 3, H, W).

    state: {torchvision name: tensor}; train: batch statistics (running buffers updated
    in place) or running ones.
    """
    h = F.conv2d(x, state["conv1.weight"], stride=2, padding=3)
    h = F.max_pool2d(F.relu(batch_norm(h, state, "bn1", train)), 3, 2, 1)
    names = [name[len("layer") :].split(".") for name in state if name.startswith("layer")]
    for stage, block in sorted({(int(stage), int(block)) for stage, block, *_ in names}):
        stride = 2 if block == 0 and stage > 1 else 1
        h = bottleneck(h, state, f"layer{stage}.{block}.", stride, train)
    return F.linear(F.adaptive_avg_pool2d(h, 1).flatten(1), state["fc.weight"], state["fc.bias"])


def torch_state(numpy_state, parameter_names, device="cpu"):
    """{name: tensor} on `device` from {name: numpy array}; the names in parameter_names require grad."""
    state = {name: torch.tensor(value, device=device) for name, value in numpy_state.items()}
    for name in parameter_names:
        state[name].requires_grad_(True)
    return state
