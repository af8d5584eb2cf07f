# layer: module stand-in (UserString formats caller templates with str.format)
# expect: ToolError
# match: has no attribute 'UserString'
import collections
def main(x):
    return collections.UserString("{0.__class__.__mro__}").format(1)
