# layer: seccomp (openat EACCES)
# expect: ToolError
import os
def main(x):
    fd = os.open("/proc/1/environ", os.O_RDONLY)
    return os.read(fd, 100).decode(errors="replace")
