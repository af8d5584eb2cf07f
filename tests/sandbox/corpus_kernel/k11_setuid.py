# layer: seccomp (setuid kill)
# expect: SandboxError
import os
def main(x):
    os.setuid(0)
    return "uid now %d" % os.getuid()
