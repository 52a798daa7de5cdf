"""handwrite: practise the write-it-by-hand part of ML and LLM interviews."""

import warnings

# torch warns at import when numpy is absent; handwrite never needs numpy, so stay quiet.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

__version__ = "0.1.0"
