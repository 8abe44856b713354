"""One module per audit question: what its page shows, built from the question's result.

A page module turns a question's typed result (``questions/<name>.py: analyse()``) into the
escaped HTML parts a notebook shows with ``audit.show(*parts)``: headings, tables of formatted
values, sentences from the text catalog, figures. It computes no figure; every number it shows
is in the result. Each takes ``t`` and ``f`` (the run's texts and number formats).
"""
