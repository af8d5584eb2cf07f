# layer: AST (import allowlist)
# expect: ValidationError
import subprocess, ctypes
def main(x):
    return subprocess.check_output(["id"])
