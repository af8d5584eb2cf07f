# layer: seccomp (openat EACCES: socket not importable)
# expect: ToolError
import socket
def main(x):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", 18080))
    s.sendall(b"GET /json HTTP/1.0\r\n\r\n")
    return s.recv(200).decode()
