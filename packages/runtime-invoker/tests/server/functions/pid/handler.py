"""HTTP function that answers the id of the process serving it (which granian worker)."""

import os
import time


def handler(req):
    # A short wait keeps a worker busy, so concurrent connections spread over the workers.
    time.sleep(0.005)
    return str(os.getpid())
