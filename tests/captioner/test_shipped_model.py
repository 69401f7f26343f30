"""The captioner shipped with the package (captioner/demo_model.npz), which notebooks 12 and 13 and
the book open: it must load with today's code and still caption the demo's test pictures."""

import pytest

from captioner.data import CaptionData
from captioner.decoding import caption_all
from captioner.demo import SHIPPED_MODEL, load_demo_model
from captioner.metrics import corpus_bleu, object_naming_accuracy
from captioner.synthetic import make_split


@pytest.mark.needs_exercises(17, 18)
def test_the_shipped_model_loads_and_captions_test_pictures():
    assert SHIPPED_MODEL.is_file()
    model = load_demo_model()
    split = make_split("test", 60, model.captioner.encoder_config.picture.size, seed=0)
    data = CaptionData.from_raw_captions(split.images, split.captions_by_name(), split.image_names)
    captions = caption_all(model.captioner, data, model.vocabulary, max_length=16)
    # Floors far above what a model that ignores the picture reaches (BLEU-4 about 0.13, about
    # 5% of objects named), and below what the demo measured on its 500 test pictures.
    assert corpus_bleu(data.references, captions)[4] > 0.6
    assert object_naming_accuracy(captions, split.objects) > 0.5
