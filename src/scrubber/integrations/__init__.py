"""scrubber inside other data pipelines, one small module each.

Each module imports its framework when it is imported itself, never from
scrubber's core, so ``import scrubber`` needs none of them:

* ``scrubber.integrations.datatrove``: ``ScrubberCleaner``, a datatrove
  pipeline step (the ``datatrove`` extra: ``pip install '.[datatrove]'`` in the source tree);
* ``scrubber.integrations.hf``: ``clean_dataset``, a Hugging Face
  ``datasets.Dataset`` cleaned and deduplicated as a whole
  (the ``hf`` extra).
"""
