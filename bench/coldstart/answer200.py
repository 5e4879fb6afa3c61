# The least a server can do: listen on 8080 and answer every connection with a 200 "ok",
# raw socket, no HTTP parsing. Run with `python -c` by bench/coldstart/run.sh, alone (the
# "python" row: the engine plus a Python start) or after `import flask` (the floor).
import socket

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", 8080))
server.listen(16)
while True:
    conn, _ = server.accept()
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    conn.close()
