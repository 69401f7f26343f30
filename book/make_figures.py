"""Draw every figure and generated table of the book from the project's own functions.

    python book/make_figures.py [OUT_DIR]        (default book/figures/, git-ignored)

With BOOK_REUSE_FIGURES=1 in the environment the build keeps figures drawn earlier (see main).

The Sphinx build runs this first (see conf.py). Nothing in the book is drawn by hand: each
picture, animation and table below is computed by lstm, resnet and captioner functions.
The outputs are redrawn whenever this script, the figure modules or the project's source
change (a fingerprint of them is kept beside the figures); otherwise the build reuses them.
"""

import hashlib
import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
sys.path[:0] = [str(BOOK), str(ROOT)]

import figure_tools  # noqa: E402  (needs the path above)
import figures_captioner  # noqa: E402
import figures_gpu  # noqa: E402
import figures_gru  # noqa: E402
import figures_lstm  # noqa: E402
import figures_resnet  # noqa: E402

from lstm import animations, gru_animation  # noqa: E402

# (GIF name, the lstm.animations function, frames per second)
ANIMATIONS = (
    ("squashing", animations.animate_squashing, 8),
    ("forget_gate", animations.animate_forget_gate, 1.5),
    ("input_gate", animations.animate_input_gate, 1.5),
    ("cell_state", animations.animate_cell_state, 1.5),
    ("output_gate", animations.animate_output_gate, 1.5),
    ("gru_gates", gru_animation.animate_gru_gates, 1.5),
)
SOURCES = ("numerics", "lstm", "resnet", "captioner")


def animation_drawers():
    """{name: draw(out)} for every GIF of ANIMATIONS."""

    def drawer(name, animate, fps):
        return lambda out: figure_tools.save_animation(animate(), out / f"{name}.gif", fps)

    return {f"{name}.gif": drawer(name, animate, fps) for name, animate, fps in ANIMATIONS}


def all_drawers():
    drawers = animation_drawers()
    for module in (figures_lstm, figures_gru, figures_resnet, figures_captioner, figures_gpu):
        drawers.update(module.FIGURES)
    return drawers


def fingerprint():
    """A hash of everything the figures depend on: the figure code, the project's code and model."""
    digest = hashlib.sha256()
    files = sorted(BOOK.glob("*figure*.py"))
    files += [path for package in SOURCES for path in sorted((ROOT / package).rglob("*.py"))]
    files.append(ROOT / "captioner" / "demo_model.npz")
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(out_dir=BOOK / "figures", reuse=False):
    """Draw everything into out_dir, unless it is up to date.

    reuse: keep a complete set of figures drawn earlier even though the code has changed since.
    The student edition needs this: its exercise functions raise NotImplementedError, so its book
    is built with the figures drawn from the full project (see instructors.md).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / "fingerprint.txt"
    current = fingerprint()
    if stamp.is_file() and (reuse or stamp.read_text() == current):
        print(f"make_figures: using the figures in {out}" + (" (reused)" if reuse else ", up to date"))
        return
    stamp.unlink(missing_ok=True)
    started = time.perf_counter()
    for name, draw in all_drawers().items():
        began = time.perf_counter()
        draw(out)
        print(f"make_figures: {name} ({time.perf_counter() - began:.1f} s)")
    stamp.write_text(current)
    print(f"make_figures: all figures drawn in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(*sys.argv[1:])
