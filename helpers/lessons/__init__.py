"""Code that serves one lesson each: ``background`` (notebook 01), ``doha`` (02), and so on.

Generic building blocks (loaders, chart builders, maps, explorers, exercises) live one level up;
a module here holds only what a single notebook needs. Public names are still exported from
:mod:`helpers`, so notebooks import them as ``from helpers import milestones_explorer``.
"""
