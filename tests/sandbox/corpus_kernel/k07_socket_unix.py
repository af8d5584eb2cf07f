# layer: seccomp (openat EACCES: socket not importable)
# expect: ToolError
import socket
def main(x):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    return "unix socket %d" % s.fileno()
