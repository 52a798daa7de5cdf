# expect: rules, load
from handwrite.solutions.swiglu import SwiGLU  # noqa: F401
