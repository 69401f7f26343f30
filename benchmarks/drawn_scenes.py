"""How often a scene drawn on the page gets exactly its caption, through the page's own path.

    PYTHONPATH=. python benchmarks/drawn_scenes.py [--checkpoint FILE] [--positions 3]
        [--layouts 300] [--beam 1] [--seed 0]

Builds scenes as the page's canvas sends them to POST /api/scene (each object's shape, colour,
size and centre, as fractions of the picture's side): every single object (5 shapes x 6 colours
x 2 sizes) at a few positions, and as many random layouts of 2 as of 3 objects that the
synthetic world accepts. It starts the page's server on a free port of 127.0.0.1, sends each
scene to it, and reports the share whose caption equals the scene's canonical caption (the
answer's "right"), overall and by number of objects, with a few of the wrong ones. Each scene
is rendered with its own background (the request's seed is the scene's index).
"""

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict

# Single objects go here, as fractions of the side: the centre, then the four quadrants.
POSITIONS = ((0.5, 0.5), (0.3, 0.3), (0.7, 0.68), (0.28, 0.72), (0.72, 0.3))
EXAMPLES_SHOWN = 8


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="a checkpoint .npz (default: the demo model in the package)")
    parser.add_argument("--positions", type=int, default=3, choices=range(1, len(POSITIONS) + 1),
                        help="positions of each single object")
    parser.add_argument("--layouts", type=int, default=300, help="random layouts of 2 and 3 objects")
    parser.add_argument("--beam", type=int, default=1, help="beam width (1: greedy), as the page's menu")
    parser.add_argument("--seed", type=int, default=0, help="of the random layouts")
    return parser.parse_args()


def single_objects(positions):
    """Every shape, colour and size once at each position: lists of (shape, colour, size, (x, y))."""
    from captioner.synthetic import COLOURS, SHAPES, SIZES

    return [[(shape, colour, size, position)] for position in positions
            for shape in SHAPES for colour in COLOURS for size in SIZES]


def random_layouts(count, image_size, seed):
    """`count` layouts of random objects that the page's server accepts (it refuses the others), of 2
    and 3 objects in turn."""
    import numpy

    from captioner.synthetic import COLOURS, SHAPES, SIZES
    from captioner.web.scenes import SceneError, render_drawn_scene

    rng = numpy.random.default_rng(seed)
    layouts = []
    while len(layouts) < count:
        objects = [(str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS))), str(rng.choice(list(SIZES))),
                    tuple(rng.uniform(0.12, 0.88, 2).round(3).tolist()))
                   for _ in range(2 + len(layouts) % 2)]
        try:
            render_drawn_scene(json.loads(as_request(objects, seed=0)), image_size)
        except SceneError:
            continue  # a layout the synthetic world never draws
        layouts.append(objects)
    return layouts


def as_request(objects, seed):
    """The JSON body the page's canvas sends."""
    return json.dumps({"objects": [{"shape": shape, "colour": colour, "size": size, "centre": list(centre)}
                                   for shape, colour, size, centre in objects], "seed": seed}).encode()


def post(url, body):
    """(status, answer) of one POST; a refusal is an answer too."""
    call = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(call, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def main():
    args = parse_arguments()
    from captioner.web.server import CaptionServer, load_model
    from captioner.web.service import CaptionService

    checkpoint, source = load_model(args.checkpoint)
    service = CaptionService(checkpoint, source)
    if not service.draws_scenes:
        raise SystemExit(f"{source} was not trained on the synthetic world: it cannot caption drawn scenes")
    scenes = single_objects(POSITIONS[: args.positions]) + random_layouts(args.layouts, service.image_size,
                                                                          args.seed)
    server = CaptionServer(service, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"{server.url}api/scene?beam={args.beam}"
    right, total, refused, wrong = defaultdict(int), defaultdict(int), [], []
    started = time.perf_counter()
    try:
        for index, objects in enumerate(scenes):
            status, answer = post(url, as_request(objects, seed=index))
            if status != 200:
                refused.append(answer["error"])
                continue
            total[len(objects)] += 1
            right[len(objects)] += answer["right"]
            if not answer["right"]:
                wrong.append((answer["expected"], answer["caption"]))
    finally:
        server.shutdown()
        server.server_close()
    seconds = time.perf_counter() - started
    print(f"{source}, {'greedy' if args.beam == 1 else f'beam {args.beam}'}: {len(scenes)} drawn scenes "
          f"through POST /api/scene in {seconds:.0f} s ({1000 * seconds / len(scenes):.0f} ms each)")
    count = sum(total.values())
    print(f"captioned exactly right: {sum(right.values())} of {count} "
          f"({sum(right.values()) / max(count, 1):.1%})")
    for objects in sorted(total):
        print(f"  {objects} object{'s' if objects > 1 else ' '}: {right[objects]} of {total[objects]} "
              f"({right[objects] / total[objects]:.1%})")
    if refused:
        print(f"refused by the server: {len(refused)}, e.g. {refused[0]}")
    for expected, caption in wrong[:EXAMPLES_SHOWN]:
        print(f"  wrong: {caption!r}, the scene is {expected!r}")


if __name__ == "__main__":
    main()
