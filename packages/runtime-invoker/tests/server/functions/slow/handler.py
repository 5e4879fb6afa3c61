"""HTTP function that sleeps `?sleep=SECONDS` before answering `slept:<body>`.

On entry it creates the file named by KN_FN_TEST_MARKER (when set), so a test can wait
until the request is really inside the function before it acts (SIGTERM, deadlines).
"""

import os
import time


def handler(req):
    marker = os.environ.get("KN_FN_TEST_MARKER")
    if marker:
        with open(marker, "a", encoding="utf-8") as out:
            out.write(req.path + "\n")
    time.sleep(float(req.args.get("sleep", "0")))
    return "slept:" + req.get_data(as_text=True)
