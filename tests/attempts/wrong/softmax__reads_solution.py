# expect: rules, load
from handwrite.solutions.softmax import softmax  # noqa: F401
