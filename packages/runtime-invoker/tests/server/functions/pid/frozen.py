"""HTTP function that answers how many objects the worker's collector leaves alone (those
frozen before the fork)."""

import gc


def handler(req):
    return {"frozen": gc.get_freeze_count()}
