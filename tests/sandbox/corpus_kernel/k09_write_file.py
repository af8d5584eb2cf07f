# layer: seccomp (openat EACCES)
# expect: ToolError
def main(x):
    with open("/tmp/sbx_pwned", "w") as f:
        f.write("pwned")
    return "wrote /tmp/sbx_pwned"
