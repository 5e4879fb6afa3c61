"""Takes IMPORT_SECONDS (default 0, so the build's import check is quick) to import, like a
function that loads a model: the pod must not count as ready before it can answer."""

import os
import time

time.sleep(float(os.environ.get("IMPORT_SECONDS", "0")))


def handler(req):
    return "ready now"
