"""Tooling for the course's repository: used by its tests and scripts, not by learners.

- :mod:`course_tools.notebook_cells`: run a notebook's tagged cells outside
  Jupyter (a script trains the model a notebook defines; a test inspects it),
  and list the figures a notebook stores.
- :mod:`course_tools.toc`: the pages and notebooks of the book, from ``_toc.yml``.

It is installed with ``course_lib`` (``pip install -e .``, which ``make`` does)
and works from a checkout of the repository, whose files it reads.
"""
