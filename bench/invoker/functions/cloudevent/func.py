# The CloudEvent function the invoker runs: no reply, so the invoker answers 202.
def handler(data, attributes):
    return None
