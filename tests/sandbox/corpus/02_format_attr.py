# layer: format rewrite (safe Formatter)
# expect: ToolError
def main(x):
    return "{0.__class__.__base__.__subclasses__}".format(())
