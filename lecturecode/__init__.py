"""Models, data and checks for the executable book on Lecture 18:
invertible (flow) models and autoregressive models.

Each module implements one section of the lecture; the book shows the code from here
and the tests in ``tests/`` pin it down.
"""

__version__ = "0.1.0"
