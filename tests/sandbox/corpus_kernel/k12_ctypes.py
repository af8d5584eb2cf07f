# layer: seccomp (openat EACCES: ctypes not importable)
# expect: ToolError
def main(x):
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    return libc.getpid()
