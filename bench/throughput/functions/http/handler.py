# The invoker bench's HTTP function (bench/invoker/functions/http/func.py), as an app dir
# pack builds and functions-framework serves: handler() in handler.py. The baseline (b)
# inlines the same body, so all three servers run the same function.
def handler(req):
    return "hello"
