# layer: seccomp (execve kill)
# expect: SandboxError
import os
def main(x):
    os.execv("/bin/sh", ["sh", "-c", "id"])
