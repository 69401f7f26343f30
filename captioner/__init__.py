"""The caption generator: data sets, vocabulary, the encoder-decoder model, training, decoding, metrics.

Data:
    captioner.flickr_captions  caption files of Flickr8k / Flickr30k as they are downloaded, and split lists
    captioner.flickr_splits    cached ResNet50 features matched with their captions, split into train/val/test
    captioner.synthetic        the built-in data set of coloured shapes, generated from a seed
    captioner.text             tokenisation of raw captions
    captioner.vocabulary       word <-> id mapping built from the training captions
    captioner.data             CaptionData: what training and evaluation read, one input per image

The model:
    captioner.picture          a picture's way into the encoder: the one function that makes its input
    captioner.encoder          the encoder's config (which ResNet, the picture recipe, the grid), its builder
    captioner.cells            the decoder's recurrent cell: LSTM (or GRU), a choice in the config
    captioner.image_context    how the decoder sees the picture: one pooled vector (or attention)
    captioner.attention        soft attention (Show, Attend and Tell), one step composed from its parts:
      attention_scores, attention_weights, attention_context, attention_gate, attention_regulariser
    captioner.decoder          the caption decoder: its one forward pass, backward, loss and decoding step
    captioner.model            the Captioner: encoder + decoder, one set of parameters and gradients

Using it:
    captioner.training         minibatches, optimizer, schedule, checkpoints every epoch, resuming
    captioner.data_parallel    each batch shared out between processes, one CPU core each
    captioner.checkpoint       atomic .npz checkpoints with the config and vocabulary, no pickle
    captioner.decoding         greedy decoding, beam search, captions of a whole data set
    captioner.batched_beam_search  beam search for a whole batch of pictures at once
    captioner.metrics          corpus BLEU and the share of objects a caption names
    captioner.gate_reading     a caption's gates word by word; which hidden units answer to which words
    captioner.figures          the demo's pictures: loss curve, captions on pictures, gates per word
    captioner.demo             the main job: train end to end on the synthetic data (python -m captioner demo)
    captioner.cli              python -m captioner demo | train | evaluate | caption | extract-features, serve
                               (__main__ runs it; arguments: the argument types that refuse a bad number)
    captioner.web              the local web page (python -m captioner serve): a caption and why
"""
