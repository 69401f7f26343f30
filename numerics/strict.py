"""A stand-in for CuPy that runs on the CPU and refuses what CuPy refuses.

Select it like any backend (`numerics.use("strict")`, or CAPTIONER_BACKEND=strict); code that
passes under it is free of the NumPy-only habits that fail on a GPU, so CI proves the device path
without one. It is an array module like cupy (`strict.asarray`, `strict.zeros`, `strict.tanh`,
`strict.ndarray`, `strict.lib.stride_tricks`, ...); its arrays hold a NumPy array inside and do the
arithmetic with NumPy, but behave like CuPy's device arrays in the ways that matter:

- **No implicit conversion to the host.** `numpy.asarray(a)`, `numpy.array(a)`, any NumPy
  function or ufunc given one (`numpy.exp(a)`, `numpy.concatenate([a, b])`, `numpy.shape(a)`),
  and arithmetic, comparison or assignment that mixes it with a NumPy array (`a + host`,
  `host * a`, `a[0] = host`) raise TypeError. The ways back are explicit: `numerics.to_host(a)`,
  `a.get()`, `strict.asnumpy(a)`.
- **Functions take device arrays.** This module's functions refuse NumPy arrays (`strict.exp(host)`);
  ufuncs also refuse lists, as CuPy's do. Python and NumPy scalars mix freely, as in CuPy. The
  explicit ways in, `asarray` and `array`, copy host data (a copy to the device never shares
  memory with its source).
- **Reductions and indexing give arrays.** `a.sum()`, `a.max()`, `a[0, 1]` are 0-d arrays, never
  NumPy scalars; `a[i, j]` is a view (CuPy's indexing appends an Ellipsis, as NumPy's does with one).
- **Integer-array indices wrap around** instead of raising IndexError: CuPy's gather and scatter
  kernels take them modulo the axis length, so an out-of-range id picks a wrong row silently.
- **No `__index__`**: a 0-d array cannot index a Python list or bound a `range`.

Reading a value on the host waits for the device in CuPy: `float(a)`, `int(a)`, `bool(a)`,
`a.item()`, `a.tolist()`, `a.get()`, printing, boolean-mask indexing and `nonzero`/`unique` (whose
output size depends on the data). They are allowed, as in CuPy, and counted: `synchronisations()`
is their running total, so a test can bound how often a hot path waits for the device.
`float`, `int` and `complex` accept 0-d arrays only (CuPy defers to NumPy, which deprecates the
size-1 case); `bool` accepts any array of one element, like both.

One deliberate difference: CuPy hands a NumPy function given a CuPy array to its own twin
(`numpy.exp(a)` runs `cupy.exp`). Here that is a TypeError, because layer code calls `xp.exp`:
a NumPy function without a CuPy twin fails only on the GPU.
"""

import types

import numpy

_HOST_SCALARS = (bool, int, float, complex, numpy.generic)
_UNSUPPORTED_DTYPE_KINDS = "OSUVMm"  # object, text, void, dates: CuPy has no such arrays
_DATA_DEPENDENT_SHAPES = frozenset({"argwhere", "compress", "extract", "flatnonzero", "nonzero", "unique"})
_EXPLICIT_UPLOADS = frozenset({"array", "asarray", "asanyarray"})
_ATOMIC_ADD_DTYPES = frozenset(map(numpy.dtype, [
    "float16", "float32", "float64", "int32", "uint32", "uint64",
]))

_synchronisations = 0


def synchronisations():
    """How many times arrays of this module have been read on the host (where CuPy waits)."""
    return _synchronisations


def _synchronise():
    global _synchronisations
    _synchronisations += 1


def _mixing_error(what):
    return TypeError(
        f"{what}: a strict (device) array cannot be mixed with a NumPy (host) array. Move one "
        "explicitly: xp.asarray(host) to the device, or numerics.to_host(a) to the host."
    )


class ndarray:  # noqa: N801 (named as numpy.ndarray and cupy.ndarray are)
    """A device array: a NumPy array that refuses to be used as one. See the module's docstring."""

    __slots__ = ("_host",)
    __hash__ = None

    def __init__(self, shape, dtype=float):
        """An uninitialised array, like cupy.ndarray(shape, dtype)."""
        self._host = numpy.empty(shape, dtype)

    # What NumPy asks of array-likes: refused, as CuPy refuses it.

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` "
            "(or numerics.to_host) to construct a NumPy array explicitly."
        )

    def __array_function__(self, func, types, args, kwargs):
        name = getattr(func, "__name__", str(func))
        raise TypeError(
            f"numpy.{name} was given a strict (device) array. Call it from the array's module "
            f"(xp = numerics.array_module(a); xp.{name}(...)), or move the data to the host first "
            "(numerics.to_host)."
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # A NumPy scalar on the left of an operator (numpy.float32(2) * a) arrives here, as a 0-d
        # array when it compares (numpy.float32(2) < a): CuPy allows both.
        if method == "__call__" and not kwargs and len(inputs) == 2 and ufunc.__name__ in _OPERATOR_UFUNCS:
            if ufunc.__name__ in _COMPARISONS:
                inputs = tuple(value[()] if _is_host_0d(value) else value for value in inputs)
            if any(isinstance(value, numpy.generic) for value in inputs):
                return _wrap(ufunc(*(_operand(value, ufunc.__name__) for value in inputs)))
        if any(isinstance(value, numpy.ndarray) for value in inputs + tuple(kwargs.get("out", ()))):
            raise _mixing_error(f"numpy.{ufunc.__name__}")
        raise TypeError(
            f"numpy.{ufunc.__name__} was given a strict (device) array. Use the array's module "
            f"(xp = numerics.array_module(a); xp.{ufunc.__name__}(...)), or numerics.to_host first."
        )

    # Shape and type.

    @property
    def shape(self):
        return self._host.shape

    @shape.setter
    def shape(self, value):
        self._host.shape = value

    dtype = property(lambda self: self._host.dtype)
    ndim = property(lambda self: self._host.ndim)
    size = property(lambda self: self._host.size)
    itemsize = property(lambda self: self._host.itemsize)
    nbytes = property(lambda self: self._host.nbytes)
    strides = property(lambda self: self._host.strides)
    flags = property(lambda self: self._host.flags)
    T = property(lambda self: _wrap(self._host.T))
    real = property(lambda self: _wrap(self._host.real))
    imag = property(lambda self: _wrap(self._host.imag))

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._host)))

    def __getattr__(self, name):
        if name in _METHODS:
            method = getattr(self._host, name)
            return lambda *args, **kwargs: _call(method, name, args, kwargs, owner=self)
        raise AttributeError(f"strict.ndarray has no attribute {name!r}")

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | _METHODS)

    # Copies to the host: each waits for the device in CuPy.

    def get(self, stream=None, order="C", out=None):
        """A NumPy copy of the array (into `out` when given)."""
        _synchronise()
        if out is None:
            return numpy.array(self._host, order=order, copy=True)
        if not isinstance(out, numpy.ndarray) or out.dtype != self.dtype or out.shape != self.shape:
            raise TypeError(f"out must be a NumPy array of {self.dtype} and shape {self.shape}")
        out[...] = self._host
        return out

    def set(self, array, stream=None):
        """Copy the NumPy array `array` (same shape and dtype) into this array."""
        if not isinstance(array, numpy.ndarray) or array.dtype != self.dtype or array.shape != self.shape:
            raise TypeError(f"set needs a NumPy array of {self.dtype} and shape {self.shape}")
        self._host[...] = array

    def item(self):
        _synchronise()
        return self._host.item()

    def tolist(self):
        _synchronise()
        return self._host.tolist()

    def tobytes(self, order="C"):
        _synchronise()
        return self._host.tobytes(order)

    def __bool__(self):
        _synchronise()
        return bool(self._host)

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def _scalar(self, kind):
        if self.ndim != 0:
            raise TypeError(f"only 0-d arrays can be converted to Python scalars ({kind} of {self.shape})")
        _synchronise()
        return self._host[()]

    def __repr__(self):
        _synchronise()
        return repr(self._host)

    def __str__(self):
        _synchronise()
        return str(self._host)

    def __format__(self, spec):
        _synchronise()
        return format(self._host, spec)

    def __copy__(self):
        return _wrap(self._host.copy())

    def __deepcopy__(self, memo):
        return _wrap(self._host.copy())

    # Indexing.

    def __getitem__(self, key):
        return _wrap(self._host[_host_index(key, self.shape)])

    def __setitem__(self, key, value):
        if isinstance(value, (numpy.ndarray, list, tuple)):
            raise _mixing_error(f"assigning a {type(value).__name__} into a strict array")
        self._host[_host_index(key, self.shape)] = _operand(value, "assignment")


# Operators: both operands device arrays or scalars; the result is a new device array.
_OPERATORS = {
    "add": ("__add__", "__radd__", "__iadd__"),
    "subtract": ("__sub__", "__rsub__", "__isub__"),
    "multiply": ("__mul__", "__rmul__", "__imul__"),
    "true_divide": ("__truediv__", "__rtruediv__", "__itruediv__"),
    "floor_divide": ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
    "remainder": ("__mod__", "__rmod__", "__imod__"),
    "power": ("__pow__", "__rpow__", "__ipow__"),
    "matmul": ("__matmul__", "__rmatmul__", "__imatmul__"),
    "bitwise_and": ("__and__", "__rand__", "__iand__"),
    "bitwise_or": ("__or__", "__ror__", "__ior__"),
    "bitwise_xor": ("__xor__", "__rxor__", "__ixor__"),
    "left_shift": ("__lshift__", "__rlshift__", "__ilshift__"),
    "right_shift": ("__rshift__", "__rrshift__", "__irshift__"),
}
_COMPARISONS = {"less": "__lt__", "less_equal": "__le__", "equal": "__eq__", "not_equal": "__ne__",
                "greater": "__gt__", "greater_equal": "__ge__"}
_UNARY = {"negative": "__neg__", "positive": "__pos__", "absolute": "__abs__", "invert": "__invert__"}
_OPERATOR_UFUNCS = frozenset(_OPERATORS) | frozenset(_COMPARISONS) | {"divmod"}


def _binary(ufunc):
    """The forward, reflected and in-place operator methods of ufunc. Other operands than device
    arrays, scalars and NumPy arrays (which _operand refuses with a clear message) are left to
    Python, which refuses them: CuPy takes no lists either."""
    operands = (ndarray, *_HOST_SCALARS, numpy.ndarray)

    def forward(self, other):
        if not isinstance(other, operands):
            return NotImplemented
        return _wrap(ufunc(self._host, _operand(other, ufunc.__name__)))

    def reflected(self, other):
        if not isinstance(other, operands):
            return NotImplemented
        return _wrap(ufunc(_operand(other, ufunc.__name__), self._host))

    def in_place(self, other):
        if not isinstance(other, operands):
            return NotImplemented
        ufunc(self._host, _operand(other, ufunc.__name__), out=self._host)
        return self

    return forward, reflected, in_place


def _unary(ufunc):
    return lambda self: _wrap(ufunc(self._host))


def _install_operators():
    for name, dunders in _OPERATORS.items():
        for dunder, method in zip(dunders, _binary(getattr(numpy, name)), strict=True):
            setattr(ndarray, dunder, method)
    for name, dunder in _COMPARISONS.items():
        setattr(ndarray, dunder, _binary(getattr(numpy, name))[0])
    for name, dunder in _UNARY.items():
        setattr(ndarray, dunder, _unary(getattr(numpy, name)))
    ndarray.__divmod__ = _binary(numpy.divmod)[0]


_install_operators()

# The ndarray methods CuPy's arrays have (those that copy to the host are defined above).
_METHODS = frozenset({
    "all", "any", "argmax", "argmin", "argpartition", "argsort", "astype", "clip", "conj",
    "conjugate", "copy", "cumprod", "cumsum", "diagonal", "dot", "fill", "flatten", "max", "mean",
    "min", "nonzero", "partition", "prod", "ptp", "put", "ravel", "repeat", "reshape", "round",
    "sort", "squeeze", "std", "sum", "swapaxes", "take", "trace", "transpose", "var", "view",
})


def _wrap(value, inputs=()):
    """NumPy results as device arrays: arrays and NumPy scalars (as 0-d arrays), inside tuples too.

    An input handed back unchanged (asarray of a device array) is returned as the same object.
    """
    if isinstance(value, numpy.ndarray):
        for given in inputs:
            if given._host is value:
                return given
        array = ndarray.__new__(ndarray)
        array._host = value
        return array
    if isinstance(value, numpy.generic):
        return _wrap(numpy.asarray(value))
    if isinstance(value, (tuple, list)):
        return type(value)(_wrap(item, inputs) for item in value)
    if isinstance(value, (numpy.random.Generator, numpy.random.RandomState)):
        return _Namespace(value, f"random.{type(value).__name__}")
    return value


def _is_host_0d(value):
    return isinstance(value, numpy.ndarray) and value.ndim == 0


def _operand(value, what):
    """A device array's NumPy array, or a scalar as it is; a NumPy array is refused."""
    if isinstance(value, ndarray):
        return value._host
    if isinstance(value, numpy.ndarray):
        raise _mixing_error(what)
    return value


def _host_arguments(value, what):
    """Arguments for NumPy: device arrays unwrapped, inside lists, tuples and dicts too."""
    if isinstance(value, ndarray):
        return value._host
    if isinstance(value, numpy.ndarray):
        raise _mixing_error(what)
    if isinstance(value, (list, tuple)):
        return type(value)(_host_arguments(item, what) for item in value)
    if isinstance(value, dict):
        return {key: _host_arguments(item, what) for key, item in value.items()}
    return value


def _device_arrays(value):
    if isinstance(value, ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _device_arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _device_arrays(item)


def _call(function, name, args, kwargs, owner=None):
    """function(*args, **kwargs) on the NumPy arrays inside, its result as device arrays.

    owner: the array whose method this is (handed back when the method returns it unchanged).
    """
    if name in _DATA_DEPENDENT_SHAPES or (name == "where" and len(args) + len(kwargs) == 1):
        _synchronise()
    if name == "take":
        kwargs = {"mode": "wrap", **kwargs}  # CuPy's take wraps out-of-range indices
    result = function(*_host_arguments(args, name), **_host_arguments(kwargs, name))
    inputs = tuple(_device_arrays((args, kwargs)))
    return _wrap(result, inputs if owner is None else (owner, *inputs))


def _host_index(key, shape):
    """An index for the NumPy array inside: device index arrays unwrapped, integer arrays taken
    modulo their axis (CuPy's gather and scatter wrap around), an Ellipsis appended (a view even
    when every axis gets an integer, as in CuPy)."""
    parts = list(key) if isinstance(key, tuple) else [key]
    for position, part in enumerate(parts):
        if isinstance(part, ndarray):
            parts[position] = part._host
        elif isinstance(part, list):  # CuPy copies a list of indices to the device
            parts[position] = numpy.asarray(part) if part else numpy.zeros(0, dtype=numpy.intp)
    if not any(part is Ellipsis for part in parts):
        parts.append(Ellipsis)
    spans = [_axes_taken(part) for part in parts]
    extra = len(shape) - sum(span for span in spans if span is not None)
    axis = 0
    for position, part in enumerate(parts):
        span = extra if spans[position] is None else spans[position]
        if isinstance(part, numpy.ndarray):
            if part.dtype.kind == "b":
                _synchronise()  # the result's size depends on the mask
            elif part.dtype.kind in "iu" and axis < len(shape) and shape[axis] > 0:
                parts[position] = part % shape[axis]
        axis += span
    return tuple(parts)


def _axes_taken(part):
    """How many axes of the indexed array one index part consumes (None: an Ellipsis, the rest)."""
    if part is Ellipsis:
        return None
    if part is None:
        return 0
    if isinstance(part, numpy.ndarray) and part.dtype.kind == "b":
        return max(1, part.ndim)
    return 1


class _Function:
    """A NumPy function that takes and returns device arrays."""

    def __init__(self, function, name):
        self._function, self.__name__ = function, name
        self.__doc__ = getattr(function, "__doc__", None)

    def __call__(self, *args, **kwargs):
        return _call(self._function, self.__name__, args, kwargs)

    def __repr__(self):
        return f"<strict function {self.__name__}>"


class _Ufunc(_Function):
    """A NumPy ufunc whose operands must be device arrays or scalars (CuPy refuses lists too)."""

    def __call__(self, *args, **kwargs):
        for value in args:
            if not isinstance(value, (ndarray, *_HOST_SCALARS)):
                if isinstance(value, numpy.ndarray):
                    raise _mixing_error(f"strict.{self.__name__}")
                raise TypeError(f"strict.{self.__name__}: unsupported operand type {type(value).__name__}")
        return super().__call__(*args, **kwargs)

    def at(self, target, indices, values):
        """In place: target[indices] += values, repeated indices accumulating (cupy.add.at).

        Only add, and only for the dtypes CUDA adds atomically, as in CuPy."""
        what = f"strict.{self.__name__}.at"
        if self._function is not numpy.add:
            raise TypeError(f"{what} is not supported: only add.at is")
        if not isinstance(target, ndarray):
            raise TypeError(f"{what}: the target must be a strict array, got {type(target).__name__}")
        if target.dtype not in _ATOMIC_ADD_DTYPES:
            raise TypeError(f"{what} supports {sorted(map(str, _ATOMIC_ADD_DTYPES))}, not {target.dtype}")
        numpy.add.at(target._host, _host_index(indices, target.shape), _operand(values, what))

    def __getattr__(self, name):  # reduce, accumulate, outer, nin, ...
        attribute = getattr(self._function, name)
        return _Function(attribute, f"{self.__name__}.{name}") if callable(attribute) else attribute


class _Namespace:
    """A NumPy submodule (lib, random, linalg, ...) or object whose functions take device arrays."""

    def __init__(self, target, name):
        self._target, self.__name__ = target, name

    def __getattr__(self, name):
        return _adapt(getattr(self._target, name), f"{self.__name__}.{name}")

    def __repr__(self):
        return f"<strict {self.__name__}>"


def _adapt(attribute, name):
    """What this module offers for a NumPy attribute: types and constants as they are."""
    if isinstance(attribute, numpy.ufunc):
        return _Ufunc(attribute, name)
    if isinstance(attribute, types.ModuleType):
        return _Namespace(attribute, name)
    if callable(attribute) and not isinstance(attribute, type):
        return _Function(attribute, name)
    return attribute


def _upload(function, name):
    """asarray / array: host data (NumPy arrays, lists, scalars) copied to the device."""

    def upload(data, dtype=None, order=None):
        if any(True for _ in _device_arrays(data)):
            return _call(function, name, (data,), {"dtype": dtype, "order": order})
        host = numpy.array(data, dtype=dtype, order=order or "K", copy=True)
        if host.dtype.kind in _UNSUPPORTED_DTYPE_KINDS:
            raise TypeError(f"strict.{name}: arrays of {host.dtype} are not supported on a device")
        return _wrap(host)

    upload.__name__ = name
    return upload


def asnumpy(array):
    """A NumPy copy of a device array (cupy.asnumpy); host data is returned as a NumPy array."""
    return array.get() if isinstance(array, ndarray) else numpy.asarray(array)


_adapted = {}  # kept apart from globals(): NumPy's sum, any, max would hide the builtins here


def __getattr__(name):
    """Every other name of NumPy's namespace, adapted to device arrays, made once."""
    if name in _adapted:
        return _adapted[name]
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        attribute = getattr(numpy, name)
    except AttributeError:
        raise AttributeError(f"module 'numerics.strict' has no attribute {name!r}") from None
    adapted = _upload(attribute, name) if name in _EXPLICIT_UPLOADS else _adapt(attribute, name)
    return _adapted.setdefault(name, adapted)
