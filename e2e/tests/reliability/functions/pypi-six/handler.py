import six


def handler(req):
    """Needs a distribution from PyPI (six), for the reproducibility test."""
    return f"six {six.__version__}"
