# layer: seccomp (openat EACCES: mmap not importable; W^X mmap rule)
# expect: ToolError
import mmap
def main(x):
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    return "rwx mapping ok"
