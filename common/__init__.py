"""Code shared by the edge and the central service.

Nothing in this package may import OpenCV, onnxruntime or any other computer-vision
library: the central service installs without them.
"""
