# layer: seccomp (clone kill)
# expect: SandboxError
import os
def main(x):
    return os.fork()
