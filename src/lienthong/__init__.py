"""LiênThông: interconnected e-government platform."""

__version__ = "0.1.0"
