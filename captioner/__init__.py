"""The caption generator: data sets, vocabulary, the encoder-decoder model, training, decoding and BLEU.

Data layer:
    captioner.flickr      caption files of Flickr8k / Flickr30k as they are downloaded, and split lists
    captioner.text        tokenisation of raw captions
    captioner.vocabulary  word <-> id mapping built from the training captions
    captioner.synthetic   the built-in data set of coloured shapes, generated from a seed
    captioner.metrics     corpus BLEU and the object-naming accuracy of generated captions
"""
