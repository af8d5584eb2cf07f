# layer: restricted builtins (attribute names must be an exact str)
# expect: ToolError
# match: not allowed
class Liar(str):
    def startswith(self, *a):
        return False
    def __eq__(self, other):
        return False
    def __hash__(self):
        return 1
def main(x):
    return getattr(len, Liar("_" + "_self__"))
