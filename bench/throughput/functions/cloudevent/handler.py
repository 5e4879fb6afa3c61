# The invoker bench's CloudEvent function (bench/invoker/functions/cloudevent), as an app dir
# pack builds: handler() in handler.py, the buildpack's default. No reply, so the invoker
# answers 202.
def handler(data, attributes):
    return None
