"""Sphinx configuration for the sklstm documentation."""

import os

# The gallery runs every example; their fast mode keeps a doc build short.
os.environ["SKLSTM_EXAMPLES_FAST"] = "1"
# Read by TensorFlow, the default Keras backend, when the import below loads it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import sklstm  # noqa: E402

project = "sklstm"
copyright = "sklstm developers"
author = "sklstm developers"
release = sklstm.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/backreferences"]
default_role = "literal"

autosummary_generate = True

numpydoc_show_class_members = False

# Cross-project links need inventories fetched over the network. An offline
# build (SKLSTM_DOCS_OFFLINE=1) goes without them: references into
# scikit-learn's glossary and user guide (ours and in inherited docstrings)
# then render as plain text instead of failing the build.
if os.environ.get("SKLSTM_DOCS_OFFLINE"):
    suppress_warnings = ["ref.term", "ref.ref"]
else:
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }

html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {release}"
html_theme_options = {"navigation_with_keys": False}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "doc_module": ("sklstm",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklstm": None},
}
