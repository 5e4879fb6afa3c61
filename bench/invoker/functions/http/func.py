# The HTTP function all three servers run (functions-framework calls it with the flask
# request too; the minimal Flask app inlines the same body).
def handler(req):
    return "hello"
