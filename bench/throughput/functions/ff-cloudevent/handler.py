# The same CloudEvent function in functions-framework's signature (it answers 200 "OK"), as
# bench/invoker/functions/ff_cloudevent; served by ff.Dockerfile.
import functions_framework


@functions_framework.cloud_event
def handler(cloud_event):
    return None
