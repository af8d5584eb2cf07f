# layer: seccomp (openat EACCES: socket not importable)
# expect: ToolError
import socket
def main(x):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    return "netlink socket %d" % s.fileno()
