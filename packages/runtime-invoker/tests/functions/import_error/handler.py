import not_a_real_module_kn_fn  # noqa: F401


def handler(req):
    return "never"
